//! Reading and checking an entity's HTML form: every value kept as typed, every problem named beside its field.

use std::collections::BTreeMap;

use serde_json::Value;

use sqlx::SqliteConnection;

use crate::admin::picker::{self, Candidate, Resolution};
use crate::admin::record::Values;
use crate::admin::spec::{self, Entity, Field, Kind};
use crate::i18n::Text;

/// A submitted (or stored) form: raw text per field, chosen ids per link, the version it was loaded at.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub raw: BTreeMap<String, String>,
    pub links: BTreeMap<String, Vec<i64>>,
    pub version: Option<i64>,
    /// Search fields (references to a large entity), by column. The field's own value (`raw`) is the id
    /// of the chosen entry, posted in a hidden input; these are the inputs beside it.
    pub pickers: BTreeMap<String, PickerInput>,
}

/// What a search field posted, and what the server offered for it. Its inputs are named after the column:
/// `COLUMN-q` (the typed term), `COLUMN-pick` (a radio button of the short list), `COLUMN-asked` (the term
/// that short list answered) and `COLUMN-clear` (remove an optional entry).
#[derive(Debug, Clone, Default)]
pub struct PickerInput {
    pub term: String,
    pub pick: Option<i64>,
    pub asked: String,
    pub clear: bool,
    /// Entries to choose from, after a term that did not name one entry.
    pub candidates: Vec<Candidate>,
}

const PICKER_SUFFIXES: &[&str] = &["-q", "-pick", "-asked", "-clear"];

/// `(column, suffix)` when `key` is one of a search field's extra inputs.
fn picker_key<'k>(entity: &Entity, key: &'k str) -> Option<(&'k str, &'static str)> {
    PICKER_SUFFIXES.iter().find_map(|suffix| {
        let column = key.strip_suffix(suffix)?;
        entity.field(column).filter(|f| f.widget() == "picker").map(|_| (column, *suffix))
    })
}

impl FormData {
    /// The form as it was posted. Unknown keys are ignored. A conflict page's form (stored and submitted
    /// values side by side, with a choice per field) is first resolved into the chosen values.
    pub fn from_pairs(entity: &Entity, pairs: &[(String, String)]) -> FormData {
        let pairs = resolve_choices(pairs);
        let mut data = FormData::default();
        for (key, value) in &pairs {
            if key == "version" {
                data.version = value.trim().parse().ok();
            } else if let Some(link) = entity.link(key) {
                if let Ok(id) = value.trim().parse::<i64>() {
                    data.links.entry(link.name.to_string()).or_default().push(id);
                }
            } else if entity.field(key).is_some() {
                data.raw.insert(key.clone(), value.clone());
            } else if let Some((column, suffix)) = picker_key(entity, key) {
                let p = data.pickers.entry(column.to_string()).or_default();
                match suffix {
                    "-q" => p.term = value.clone(),
                    "-pick" => p.pick = value.trim().parse().ok(),
                    "-asked" => p.asked = value.clone(),
                    _ => p.clear = matches!(value.as_str(), "1" | "on" | "true"),
                }
            }
        }
        for link in entity.links {
            data.links.entry(link.name.to_string()).or_default();
        }
        data
    }

    /// A stored entry shown in its form.
    pub fn from_values(entity: &Entity, values: &Values, version: Option<i64>) -> FormData {
        let mut data = FormData { version, ..Default::default() };
        for f in entity.fields {
            let raw = match (values.get(f.column), f.kind) {
                (Some(Value::Bool(b)), _) => {
                    if *b {
                        "1".to_string()
                    } else {
                        String::new()
                    }
                }
                (Some(Value::Number(n)), _) => n.to_string(),
                (Some(Value::String(s)), _) => s.clone(),
                _ => String::new(),
            };
            data.raw.insert(f.column.to_string(), raw);
        }
        for link in entity.links {
            let ids = values
                .get(link.name)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            data.links.insert(link.name.to_string(), ids);
        }
        data
    }

    pub fn value(&self, column: &str) -> &str {
        self.raw.get(column).map(String::as_str).unwrap_or("")
    }

    pub fn is_checked(&self, column: &str) -> bool {
        matches!(self.value(column), "1" | "on" | "true")
    }

    /// Whether the field holds `value` (for marking the selected option).
    pub fn is_value(&self, column: &str, value: impl AsRef<str>) -> bool {
        self.value(column) == value.as_ref()
    }

    pub fn has_link(&self, link: &str, id: &i64) -> bool {
        self.links.get(link).is_some_and(|ids| ids.contains(id))
    }

    /// The term typed in a search field, kept when the form comes back.
    pub fn term(&self, column: &str) -> &str {
        self.pickers.get(column).map(|p| p.term.as_str()).unwrap_or("")
    }

    /// The entries a search field offers to choose from.
    pub fn candidates(&self, column: &str) -> &[Candidate] {
        self.pickers.get(column).map(|p| p.candidates.as_slice()).unwrap_or_default()
    }
}

/// Turns what was typed in each search field into the id it names (the field's value, checked later like
/// any reference), with a query per term. A term that names no single entry keeps the entry chosen before,
/// offers the matches (at most [`picker::MAX_CANDIDATES`]) and is a problem beside the field.
pub async fn resolve_pickers(
    conn: &mut SqliteConnection,
    entity: &Entity,
    data: &mut FormData,
) -> sqlx::Result<Errors> {
    let mut errors = Errors::new();
    for f in entity.fields.iter().filter(|f| f.widget() == "picker") {
        let Some(target) = f.reference().and_then(spec::entity) else { continue };
        let Some(input) = data.pickers.get_mut(f.column) else { continue };
        let term = input.term.trim().to_string();
        if input.clear {
            data.raw.insert(f.column.to_string(), String::new());
            input.term.clear();
            continue;
        }
        // A choice from the short list, as long as the term it answered was not changed since.
        if let Some(pick) = input.pick.filter(|_| term == input.asked.trim()) {
            data.raw.insert(f.column.to_string(), pick.to_string());
            input.term.clear();
            continue;
        }
        if term.is_empty() {
            continue;
        }
        let (what_zh, what_en) = (target.singular.0, target.singular.1);
        match picker::resolve(conn, target, &term).await? {
            Resolution::One(found) => {
                data.raw.insert(f.column.to_string(), found.id.to_string());
                input.term.clear();
            }
            Resolution::Several { candidates, more } => {
                let n = candidates.len();
                let message = if more {
                    Text::new(
                        format!("与“{term}”相符的{what_zh}超过 {n} 个：请从下面前 {n} 个中选择，或输入更完整的名称。"),
                        format!(
                            "More than {n} entries match “{term}”: choose one of the first {n} below, or type more of the name."
                        ),
                    )
                } else if n == 1 {
                    Text::new(
                        format!("“{term}”只是名称的一部分：请在下面确认所指的{what_zh}。"),
                        format!("“{term}” is only part of a name: confirm the {what_en} below."),
                    )
                } else {
                    Text::new(
                        format!("有 {n} 个{what_zh}与“{term}”相符：请从下面选择一个。"),
                        format!("{n} entries match “{term}”: choose one below."),
                    )
                };
                input.candidates = candidates;
                errors.insert(f.column.to_string(), message);
            }
            Resolution::Nothing => {
                errors.insert(
                    f.column.to_string(),
                    Text::new(
                        format!("没有与“{term}”相符的{what_zh}。可输入编号、网址标识或中英文名称。"),
                        format!("No {what_en} matches “{term}”. Type an id, a slug or a Chinese or English name."),
                    ),
                );
            }
        }
    }
    Ok(errors)
}

/// The ids a form's reference fields and links name that exist, found with one query per referenced entity
/// (never by loading every id of a table).
pub async fn known_ids(conn: &mut SqliteConnection, entity: &Entity, data: &FormData) -> sqlx::Result<KnownIds> {
    let mut wanted = picker::Wanted::new();
    picker::referenced_ids(entity, data.raw.iter().map(|(k, v)| (k.as_str(), v.as_str())), &mut wanted);
    for link in entity.links {
        let ids = wanted.entry(link.other_entity).or_default();
        ids.extend(data.links.get(link.name).into_iter().flatten().copied());
    }
    picker::known(conn, &wanted).await
}

/// Keeps, for each `choice-KEY` (`stored` or `mine`, default `mine`), the `stored-KEY` or `mine-KEY` values
/// under `KEY`; passes other pairs through.
fn resolve_choices(pairs: &[(String, String)]) -> Vec<(String, String)> {
    if !pairs.iter().any(|(k, _)| k == "resolve") {
        return pairs.to_vec();
    }
    let choices: BTreeMap<&str, &str> =
        pairs.iter().filter_map(|(k, v)| k.strip_prefix("choice-").map(|key| (key, v.as_str()))).collect();
    let mut out = Vec::new();
    for (k, v) in pairs {
        if k.starts_with("choice-") {
            continue;
        }
        let picked = k
            .strip_prefix("stored-")
            .map(|key| (key, "stored"))
            .or_else(|| k.strip_prefix("mine-").map(|key| (key, "mine")));
        match picked {
            Some((key, side)) => {
                if choices.get(key).copied().unwrap_or("mine") == side {
                    out.push((key.to_string(), v.clone()));
                }
            }
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// Problems by field (or link) key.
pub type Errors = BTreeMap<String, Text>;

/// Ids that exist, per referenced entity key, for checking references and links.
pub type KnownIds = BTreeMap<&'static str, std::collections::HashSet<i64>>;

/// Checks every field; on success, the typed values to store.
pub fn validate(entity: &Entity, data: &FormData, known: &KnownIds) -> Result<Values, Errors> {
    let mut values = Values::new();
    let mut errors = Errors::new();
    for f in entity.fields {
        match check(f, data.value(f.column), known) {
            Ok(v) => {
                values.insert(f.column.to_string(), v);
            }
            Err(message) => {
                errors.insert(f.column.to_string(), message);
            }
        }
    }
    for link in entity.links {
        let ids = data.links.get(link.name).cloned().unwrap_or_default();
        let exists = known.get(link.other_entity);
        if ids.iter().any(|id| !exists.is_some_and(|set| set.contains(id))) {
            errors.insert(link.name.to_string(), Text::new("所选条目不存在。", "A chosen entry does not exist."));
        } else {
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            values.insert(link.name.to_string(), Value::from(ids));
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// One field's rule: its typed value from what was typed (or imported), or what is wrong with it.
pub fn check(f: &Field, raw: &str, known: &KnownIds) -> Result<Value, Text> {
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
    if text.is_empty() {
        return match f.kind {
            Kind::Bool => Ok(Value::Bool(false)),
            _ if f.required => Err(Text::new("此项必填。", "This field is required.")),
            Kind::Text | Kind::Lines | Kind::Markdown => Ok(Value::from("")),
            _ => Ok(Value::Null),
        };
    }
    if f.max_chars > 0 && text.chars().count() > f.max_chars {
        return Err(Text::new(
            format!("最多 {} 个字符（现有 {} 个）。", f.max_chars, text.chars().count()),
            format!("At most {} characters (this has {}).", f.max_chars, text.chars().count()),
        ));
    }
    match f.kind {
        Kind::Text | Kind::Lines | Kind::Markdown => Ok(Value::from(text)),
        Kind::Slug => {
            let ok = text
                .split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
            if ok {
                Ok(Value::from(text))
            } else {
                Err(Text::new(
                    "只能使用小写字母、数字和单个连字符，且不能以连字符开头或结尾。",
                    "Use lower-case letters, digits and single hyphens, not at the start or end.",
                ))
            }
        }
        Kind::Integer { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            _ => Err(Text::new(
                format!("请输入 {min} 到 {max} 之间的整数。"),
                format!("Enter a whole number from {min} to {max}."),
            )),
        },
        Kind::Money => {
            let digits: String = text.chars().filter(|c| !matches!(c, ',' | ' ' | '，')).collect();
            match digits.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Value::from(n)),
                _ => {
                    Err(Text::new("请输入不含小数的元数，如 40000。", "Enter whole yuan without decimals, e.g. 40000."))
                }
            }
        }
        Kind::Date => {
            if is_partial_date(&text) {
                Ok(Value::from(text))
            } else {
                Err(Text::new(
                    "日期格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD，且须为真实日期。",
                    "Write the date as YYYY, YYYY-MM or YYYY-MM-DD, and a real date.",
                ))
            }
        }
        Kind::Url => match url::Url::parse(&text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(Value::from(u.to_string())),
            _ => Err(Text::new(
                "请输入以 http:// 或 https:// 开头的完整网址。",
                "Enter a full address starting with http:// or https://.",
            )),
        },
        Kind::Email => {
            let parts: Vec<&str> = text.split('@').collect();
            let shaped = matches!(parts.as_slice(), [local, domain]
                if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
                && !text
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'));
            if shaped {
                Ok(Value::from(text))
            } else {
                Err(Text::new(
                    "请输入完整的电子邮件地址，如 office@example.cn。",
                    "Enter a whole email address, e.g. office@example.cn.",
                ))
            }
        }
        Kind::Phone => {
            let digits = text.chars().filter(char::is_ascii_digit).count();
            let allowed = text
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0));
            if allowed && (7..=15).contains(&digits) {
                Ok(Value::from(text))
            } else {
                Err(Text::new(
                    "电话号码只能包含数字、空格、连字符和括号（国际号码可以 + 开头），共 7 到 15 位数字，如 0431-81234567。",
                    "A phone number has 7 to 15 digits, with spaces, hyphens or brackets (and a leading + for a country code), e.g. +86 431 8123 4567.",
                ))
            }
        }
        Kind::Bool => Ok(Value::Bool(matches!(text.as_str(), "1" | "on" | "true"))),
        Kind::Choice(choices) => {
            if choices.iter().any(|(v, _, _)| *v == text) {
                Ok(Value::from(text))
            } else {
                Err(Text::new("请从列表中选择。", "Choose one of the listed values."))
            }
        }
        Kind::Reference(entity) => match text.parse::<i64>() {
            Ok(id) if known.get(entity).is_some_and(|ids| ids.contains(&id)) => Ok(Value::from(id)),
            _ => Err(Text::new("所选条目不存在。", "The chosen entry does not exist.")),
        },
    }
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
}
