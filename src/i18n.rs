//! Languages: Chinese at `/…`, English at `/en/…`. UI strings sit side by side in the templates
//! (`l.t("中文", "English")`), so no page can ship with a string missing in one language.

use std::borrow::Borrow;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The language a request path is in.
    pub fn of_path(path: &str) -> Lang {
        if path == "/en" || path.starts_with("/en/") { Lang::En } else { Lang::Zh }
    }

    /// BCP 47 tag for `<html lang>` and `hreflang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The short key stored in the database (`zh`, `en`), as an account's or an invitation's language.
    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language a stored key names; Chinese for anything else.
    pub fn from_key(key: &str) -> Lang {
        if key == "en" { Lang::En } else { Lang::Zh }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// A UI string in this language.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The site path `path` (written as the Chinese one, e.g. `/companies`) in this language.
    pub fn url(self, path: &str) -> String {
        self.link(path).to_string()
    }

    /// [`Lang::url`] written straight into a page (templates link dozens of times a page; no string each).
    pub fn link(self, path: &str) -> Link<'_> {
        Link { lang: self, path }
    }

    /// A date stored as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, written with the precision it has.
    pub fn date(self, iso: &str) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let mut parts = iso.splitn(3, '-');
        let year = parts.next().unwrap_or_default();
        let month = parts.next().and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
        let day = parts.next().and_then(|d| d.parse::<u32>().ok());
        match (self, month, day) {
            (Lang::Zh, None, _) => format!("{year}年"),
            (Lang::Zh, Some(m), None) => format!("{year}年{m}月"),
            (Lang::Zh, Some(m), Some(d)) => format!("{year}年{m}月{d}日"),
            (Lang::En, None, _) => year.to_string(),
            (Lang::En, Some(m), None) => format!("{} {year}", MONTHS[m - 1]),
            (Lang::En, Some(m), Some(d)) => format!("{d} {} {year}", MONTHS[m - 1]),
        }
    }

    /// An amount in whole yuan: `4万元` / `40,000 yuan`.
    pub fn yuan(self, amount: impl Borrow<i64>) -> String {
        let amount = *amount.borrow();
        match self {
            Lang::Zh if amount != 0 && amount.unsigned_abs().is_multiple_of(10_000) => {
                format!("{}万元", group_digits(amount / 10_000))
            }
            Lang::Zh => format!("{}元", group_digits(amount)),
            Lang::En => format!("{} yuan", group_digits(amount)),
        }
    }

    /// A whole number with thousands separators.
    pub fn number(self, n: impl Borrow<i64>) -> String {
        group_digits(*n.borrow())
    }
}

fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        let _ = out.write_char(ch);
    }
    out
}

/// A text kept in both languages. English may be empty: it then falls back to Chinese, and
/// [`Text::is_fallback`] lets the page say so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub zh: Box<str>,
    pub en: Box<str>,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text { zh: zh.into().into_boxed_str(), en: en.into().into_boxed_str() }
    }

    pub fn get(&self, lang: impl Borrow<Lang>) -> &str {
        match *lang.borrow() {
            Lang::En if !self.en.trim().is_empty() => &self.en,
            _ => &self.zh,
        }
    }

    /// True when `lang` asks for English but only Chinese is known.
    pub fn is_fallback(&self, lang: impl Borrow<Lang>) -> bool {
        *lang.borrow() == Lang::En && self.en.trim().is_empty() && !self.zh.trim().is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.zh.trim().is_empty() && self.en.trim().is_empty()
    }

    /// The non-empty lines of the text in `lang` (highlights are stored one per line).
    pub fn lines(&self, lang: impl Borrow<Lang>) -> Vec<&str> {
        self.get(lang).lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }
}

/// A site path in a language: the Chinese path, or `/en` before it (`/` becomes `/en/`).
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    lang: Lang,
    path: &'a str,
}

impl std::fmt::Display for Link<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.lang.is_en() {
            f.write_str("/en")?;
        }
        f.write_str(self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(Lang::Zh.date("2020-05"), "2020年5月");
        assert_eq!(Lang::En.date("2020-05"), "May 2020");
        assert_eq!(Lang::En.date("2023-02-14"), "14 February 2023");
        assert_eq!(Lang::Zh.date("2023-02-14"), "2023年2月14日");
        assert_eq!(Lang::En.date("2024"), "2024");
    }

    #[test]
    fn money_reads_naturally() {
        assert_eq!(Lang::Zh.yuan(40_000), "4万元");
        assert_eq!(Lang::Zh.yuan(12_345), "12,345元");
        assert_eq!(Lang::En.yuan(250_000), "250,000 yuan");
        assert_eq!(Lang::En.yuan(1_234_567), "1,234,567 yuan");
    }

    #[test]
    fn english_falls_back_to_chinese() {
        let t = Text::new("长光华大", "");
        assert_eq!(t.get(Lang::En), "长光华大");
        assert!(t.is_fallback(Lang::En));
        assert!(!t.is_fallback(Lang::Zh));
    }

    #[test]
    fn urls_per_language() {
        assert_eq!(Lang::En.url("/"), "/en/");
        assert_eq!(Lang::En.url("/companies"), "/en/companies");
        assert_eq!(Lang::of_path("/en/companies"), Lang::En);
        assert_eq!(Lang::of_path("/enterprise"), Lang::Zh);
    }
}
