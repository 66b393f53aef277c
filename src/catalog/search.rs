//! What a company is found by, and how a search term is split between the index and memory.
//!
//! Terms of three or more characters go to SQLite FTS5 (trigram index: fast at any size). Shorter terms —
//! one or two Chinese characters, pinyin initials like `cg` — cannot use trigrams, so they are looked up in
//! an in-memory index of every one- and two-character substring ([`ShortTermIndex`]).

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

/// Every one- and two-character substring of what short terms search — names, pinyin spellings, product
/// names, and the Chinese descriptions and highlights — mapped to the companies (positions) containing it.
/// Compressed bitmaps keep it small even when a character is in every company.
#[derive(Debug, Default, Clone)]
pub struct ShortTermIndex {
    grams: std::collections::HashMap<String, roaring::RoaringBitmap>,
}

impl ShortTermIndex {
    pub fn build(companies: &[Company]) -> ShortTermIndex {
        let mut grams: std::collections::HashMap<String, roaring::RoaringBitmap> = std::collections::HashMap::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (position, c) in companies.iter().enumerate() {
            seen.clear();
            for text in [&c.search_keys, &c.description.zh, &c.highlights.zh] {
                let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
                for (i, ch) in chars.iter().enumerate() {
                    if ch.is_whitespace() {
                        continue;
                    }
                    seen.insert(ch.to_string());
                    if let Some(next) = chars.get(i + 1).filter(|n| !n.is_whitespace()) {
                        seen.insert(format!("{ch}{next}"));
                    }
                }
            }
            for gram in seen.drain() {
                grams.entry(gram).or_default().insert(position as u32);
            }
        }
        ShortTermIndex { grams }
    }

    /// Positions of the companies containing a one- or two-character `term` (lower-case).
    pub fn positions(&self, term: &str) -> Vec<u32> {
        self.grams.get(term).map(|b| b.iter().collect()).unwrap_or_default()
    }
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
