//! What a company is found by, and how a search term is split between the index and memory.
//!
//! Terms of three or more characters go to SQLite FTS5 (trigram index: fast at any size). Shorter terms —
//! one or two Chinese characters, pinyin initials like `cg` — cannot use trigrams, so they are matched as
//! substrings in memory ([`matches_short_term`]).

use super::{Company, pinyin};

/// The whitespace-separated terms of a query, lower-cased, split by how they are matched.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Terms {
    /// Three or more characters: matched through the FTS5 index.
    pub indexed: Vec<String>,
    /// One or two characters: matched in memory.
    pub short: Vec<String>,
}

impl Terms {
    pub fn of(q: &str) -> Terms {
        let mut terms = Terms::default();
        for term in q.to_lowercase().split_whitespace() {
            let list = if term.chars().count() >= 3 { &mut terms.indexed } else { &mut terms.short };
            if !list.iter().any(|t| t == term) {
                list.push(term.to_string());
            }
        }
        terms
    }
}

/// Names in both languages, pinyin spellings of the Chinese names (every reading of the short name, the
/// usual one of the registered name) and product names, lower-cased.
pub fn search_keys(c: &Company, products: &[&str]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for name in [&c.name.zh, &c.name.en, &c.legal_name.zh, &c.legal_name.en] {
        if !name.is_empty() {
            parts.push(name.to_string());
        }
    }
    parts.extend(pinyin::search_spellings(&c.name.zh, pinyin::MAX_VARIANTS));
    if !c.legal_name.zh.is_empty() {
        parts.extend(pinyin::search_spellings(&c.legal_name.zh, 1));
    }
    parts.extend(products.iter().map(|p| p.to_string()));
    parts.join(" ").to_lowercase()
}

/// The full-text document: the search keys, then descriptions and highlights in both languages.
pub fn document(c: &Company) -> String {
    let mut doc = c.search_keys.clone();
    for text in [&c.description.zh, &c.description.en, &c.highlights.zh, &c.highlights.en] {
        if !text.is_empty() {
            doc.push(' ');
            doc.push_str(&text.to_lowercase());
        }
    }
    doc
}

/// Whether a short (one- or two-character) term matches `c`. Chinese terms match names, pinyin, products,
/// descriptions and highlights; Latin ones (pinyin initials such as `cg`) only names, pinyin and products —
/// two letters inside English prose match nearly everything and find nothing.
pub fn matches_short_term(c: &Company, term: &str) -> bool {
    if c.search_keys.contains(term) {
        return true;
    }
    !term.is_ascii()
        && [&c.description.zh, &c.highlights.zh, &c.description.en, &c.highlights.en].iter().any(|t| t.contains(term))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_by_length_and_deduplicate() {
        let t = Terms::of("  辰英 Gpixel cg gpixel 光 ");
        assert_eq!(t.indexed, vec!["gpixel".to_string()]);
        assert_eq!(t.short, vec!["辰英".to_string(), "cg".to_string(), "光".to_string()]);
    }
}
