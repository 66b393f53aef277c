//! The rules every field value obeys, wherever it comes from (a form, a CSV import): its typed value from
//! what was typed, or what is wrong with it, in both languages.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::admin::spec::{Field, Kind};
use crate::i18n::Text;

/// Ids that exist, per referenced entity key, for checking references and links.
pub type KnownIds = BTreeMap<&'static str, HashSet<i64>>;

/// One field's rule: its typed value from what was typed (or imported), or what is wrong with it.
pub fn check(f: &Field, raw: &str, known: &KnownIds) -> Result<Value, Text> {
    let text = cleaned(f, raw)?;
    if text.is_empty() {
        return match f.kind {
            Kind::Bool => Ok(Value::Bool(false)),
            _ if f.required => Err(Text::new("此项必填。", "This field is required.")),
            Kind::Line | Kind::Lines | Kind::Markdown => Ok(Value::from("")),
            _ => Ok(Value::Null),
        };
    }
    let chars = text.chars().count();
    if f.max_chars > 0 && chars > f.max_chars {
        return Err(Text::new(
            format!("最多 {} 个字符（现有 {chars} 个）。", f.max_chars),
            format!("At most {} characters (this has {chars}).", f.max_chars),
        ));
    }
    typed(f.kind, text, known)
}

/// What was typed, trimmed and with LF line endings; refused when it hides something.
fn cleaned(f: &Field, raw: &str) -> Result<String, Text> {
    let multiline = matches!(f.kind, Kind::Lines | Kind::Markdown);
    // Line endings from browsers are CRLF; store LF.
    let text = raw.replace("\r\n", "\n");
    let text = if multiline { text.trim_end().to_string() } else { text.trim().to_string() };
    if text.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        return Err(Text::new("含有不可见的控制字符。", "Contains invisible control characters."));
    }
    // Direction overrides and isolates make text read otherwise than it is stored ("Trojan Source"): a
    // link to `…/[U+202E]fdp.exe` shows as `…/exe.pdf`. In an address, the invisible direction marks too.
    let disguises = |c: char| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || (f.kind == Kind::Url && matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
    };
    if text.chars().any(disguises) {
        return Err(Text::new(
            "含有改变文字方向的隐藏字符，显示出来会与实际内容不同。",
            "Contains hidden characters that change the direction of text, so it would read otherwise than it is.",
        ));
    }
    Ok(text)
}

/// The typed value of a cleaned, non-empty `text` for a field of this kind.
fn typed(kind: Kind, text: String, known: &KnownIds) -> Result<Value, Text> {
    let shaped =
        |ok: bool, zh: &str, en: &str| if ok { Ok(Value::from(text.as_str())) } else { Err(Text::new(zh, en)) };
    match kind {
        Kind::Line | Kind::Lines | Kind::Markdown => Ok(Value::from(text)),
        Kind::Slug => shaped(
            is_slug(&text),
            "只能使用小写字母、数字和单个连字符，且不能以连字符开头或结尾。",
            "Use lower-case letters, digits and single hyphens, not at the start or end.",
        ),
        Kind::Integer { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            _ => Err(Text::new(
                format!("请输入 {min} 到 {max} 之间的整数。"),
                format!("Enter a whole number from {min} to {max}."),
            )),
        },
        Kind::Money => match yuan(&text) {
            Some(n) => Ok(Value::from(n)),
            None => {
                Err(Text::new("请输入不含小数的元数，如 40000。", "Enter whole yuan without decimals, e.g. 40000."))
            }
        },
        Kind::Date => shaped(
            is_partial_date(&text),
            "日期格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD，且须为真实日期。",
            "Write the date as YYYY, YYYY-MM or YYYY-MM-DD, and a real date.",
        ),
        Kind::DateTime => match beijing_time(&text) {
            Some(at) => Ok(Value::from(at)),
            None => Err(Text::new(
                "时间格式应为 YYYY-MM-DD HH:MM（北京时间），且须为真实时间。",
                "Write the time as YYYY-MM-DD HH:MM (Beijing time), and a real one.",
            )),
        },
        Kind::Url => match web_address(&text) {
            Some(url) => Ok(Value::from(url)),
            None => Err(Text::new(
                "请输入以 http:// 或 https:// 开头的完整网址。",
                "Enter a full address starting with http:// or https://.",
            )),
        },
        Kind::Email => shaped(
            is_email(&text),
            "请输入完整的电子邮件地址，如 office@example.cn。",
            "Enter a whole email address, e.g. office@example.cn.",
        ),
        Kind::Phone => shaped(
            is_phone(&text),
            "电话号码只能包含数字、空格、连字符和括号（国际号码可以 + 开头），共 7 到 15 位数字，如 0431-81234567。",
            "A phone number has 7 to 15 digits, with spaces, hyphens or brackets (and a leading + for a country code), e.g. +86 431 8123 4567.",
        ),
        Kind::Bool => Ok(Value::Bool(matches!(text.as_str(), "1" | "on" | "true"))),
        Kind::Choice(choices) => {
            shaped(choices.iter().any(|(v, _, _)| *v == text), "请从列表中选择。", "Choose one of the listed values.")
        }
        Kind::Reference(entity) => match text.parse::<i64>() {
            Ok(id) if known.get(entity).is_some_and(|ids| ids.contains(&id)) => Ok(Value::from(id)),
            _ => Err(Text::new("所选条目不存在。", "The chosen entry does not exist.")),
        },
    }
}

/// Lower-case letters and digits in parts joined by single hyphens.
fn is_slug(text: &str) -> bool {
    text.split('-').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Whole yuan, with thousands separators allowed.
fn yuan(text: &str) -> Option<i64> {
    let digits: String = text.chars().filter(|c| !matches!(c, ',' | ' ' | '，')).collect();
    digits.parse::<i64>().ok().filter(|n| *n >= 0)
}

/// An absolute http(s) address with a host, normalised.
fn web_address(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then(|| url.to_string())
}

/// One `@`, something before it, a dotted domain after it, and nothing that would break a mail header.
pub fn is_email(text: &str) -> bool {
    let parts: Vec<&str> = text.split('@').collect();
    matches!(parts.as_slice(), [local, domain]
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// 7 to 15 digits, with spaces, hyphens, brackets and a leading `+`.
fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0));
    allowed && (7..=15).contains(&digits)
}

/// `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (a `T` between them too), naming a real moment: written back
/// with a space, as staff type it.
fn beijing_time(text: &str) -> Option<String> {
    let (day, clock) = text.split_once([' ', 'T'])?;
    let clock = clock.trim();
    let parts: Vec<&str> = clock.split(':').collect();
    let two = |p: &&str| p.len() == 2 && p.chars().all(|c| c.is_ascii_digit());
    let ok = day.len() == 10
        && is_partial_date(day)
        && matches!(parts.len(), 2 | 3)
        && parts.iter().all(two)
        && parts[0] < "24"
        && parts[1..].iter().all(|p| *p < "60");
    ok.then(|| format!("{day} {clock}"))
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, naming a real day.
pub fn is_partial_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u8>().unwrap_or(0)),
        [y, m, d] => {
            digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
                && time::Month::try_from(m.parse::<u8>().unwrap_or(0)).ok().is_some_and(|month| {
                    time::Date::from_calendar_date(y.parse().unwrap_or(0), month, d.parse().unwrap_or(0)).is_ok()
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_times() {
        assert_eq!(beijing_time("2026-12-03 09:30").as_deref(), Some("2026-12-03 09:30"));
        assert_eq!(beijing_time("2026-12-03T09:30:05").as_deref(), Some("2026-12-03 09:30:05"));
        assert_eq!(beijing_time("2026-12-03 24:00"), None);
        assert_eq!(beijing_time("2026-02-30 10:00"), None);
        assert_eq!(beijing_time("2026-12-03 9:30"), None);
        assert_eq!(beijing_time("2026-12-03"), None);
    }

    #[test]
    fn partial_dates() {
        assert!(is_partial_date("2020"));
        assert!(is_partial_date("2020-05"));
        assert!(is_partial_date("2024-02-29"));
        assert!(!is_partial_date("2023-02-29"));
        assert!(!is_partial_date("2020-13"));
        assert!(!is_partial_date("20-05"));
        assert!(!is_partial_date("2020/05"));
    }

    #[test]
    fn text_that_reads_otherwise_than_it_is_stored_is_refused() {
        let known = KnownIds::new();
        let companies = &crate::admin::spec::COMPANIES;
        let (website, name) = (companies.field("website").unwrap(), companies.field("short_name_en").unwrap());
        assert!(check(website, "https://example.com/\u{202E}fdp.exe", &known).is_err());
        assert!(check(website, "https://example.com/\u{200F}report", &known).is_err());
        assert!(check(name, "Gpixel \u{2067}lexipG\u{2069}", &known).is_err());
        let refused = check(name, "Gpixel\u{202E}", &known).unwrap_err();
        assert!(refused.en.contains("change the direction of text"));
        assert!(check(website, "https://www.gpixel.com/", &known).is_ok());
        assert!(check(name, "Gpixel", &known).is_ok());
    }

    #[test]
    fn each_kind_takes_its_shape_and_refuses_others() {
        let known = KnownIds::new();
        let ok = |kind: Kind, text: &str| typed(kind, text.to_string(), &known).ok();
        assert_eq!(ok(Kind::Money, "40,000"), Some(Value::from(40_000)));
        assert_eq!(ok(Kind::Money, "-1"), None);
        assert_eq!(ok(Kind::Slug, "changguang-satellite"), Some(Value::from("changguang-satellite")));
        assert_eq!(ok(Kind::Slug, "-a"), None);
        assert_eq!(ok(Kind::Url, "https://example.cn"), Some(Value::from("https://example.cn/")));
        assert_eq!(ok(Kind::Url, "javascript:alert(1)"), None);
        assert!(ok(Kind::Email, "office@example.cn").is_some());
        assert_eq!(ok(Kind::Email, "office@example"), None);
        assert!(ok(Kind::Phone, "+86 431 8123 4567").is_some());
        assert_eq!(ok(Kind::Phone, "86+431"), None);
    }
}
