//! What a company is found by, and how a search term is split between the index and memory.
//!
//! Terms of three or more characters go to SQLite FTS5 (trigram index: fast at any size). Shorter terms —
//! one or two Chinese characters, pinyin initials like `cg` — cannot use trigrams, so they are looked up in
//! an in-memory index of every one- and two-character substring ([`ShortTermIndex`]).

use std::collections::HashMap;

use roaring::RoaringBitmap;

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
pub fn search_keys(c: &Company) -> String {
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
    parts.extend(c.products.iter().cloned());
    parts.join(" ").to_lowercase()
}

/// The full-text document: the search keys, then descriptions and highlights in both languages.
pub fn document(c: &Company) -> String {
    let mut doc = c.search_keys().to_string();
    for text in [&c.description.zh, &c.description.en, &c.highlights.zh, &c.highlights.en] {
        if !text.is_empty() {
            doc.push(' ');
            doc.push_str(&text.to_lowercase());
        }
    }
    doc
}

/// A one- or two-character term as a number: the characters' code points side by side (no allocation per gram
/// while an index of millions of them is built).
fn gram_key(first: char, second: Option<char>) -> u64 {
    match second {
        None => first as u64,
        // + 1 keeps a pair apart from any single character (whose upper bits are all zero).
        Some(second) => first as u64 | ((second as u64 + 1) << 21),
    }
}

/// The key of a lower-case term of one or two characters (None for any other length).
fn term_key(term: &str) -> Option<u64> {
    let mut chars = term.chars();
    let first = chars.next()?;
    let second = chars.next();
    chars.next().is_none().then(|| gram_key(first, second))
}

/// The one- and two-character substrings of what short terms search in a company: names, pinyin spellings,
/// product names, and the Chinese description and highlights (lower-cased, not across whitespace).
/// Whether a company holds a one- or two-character `term` (lower-case): the index's question, by reading.
pub fn holds(c: &Company, term: &str) -> bool {
    term_key(term).is_some_and(|key| grams_of(c).binary_search(&key).is_ok())
}

/// Sorted and without repeats (a vector: a few hundred grams sort faster than they hash).
fn grams_of(c: &Company) -> Vec<u64> {
    let mut grams = Vec::with_capacity(256);
    let mut chars = Vec::with_capacity(128);
    for text in [c.search_keys(), &c.description.zh, &c.highlights.zh] {
        chars.clear();
        chars.extend(text.chars().flat_map(char::to_lowercase));
        for (i, &ch) in chars.iter().enumerate() {
            if ch.is_whitespace() {
                continue;
            }
            grams.push(gram_key(ch, None));
            if let Some(&next) = chars.get(i + 1).filter(|n| !n.is_whitespace()) {
                grams.push(gram_key(ch, Some(next)));
            }
        }
    }
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Hashes gram keys with splitmix64's few multiplications: they are already distinct numbers, and SipHash
/// (the default) took most of the time of building the index at 100,000 companies.
#[derive(Default, Clone, Copy)]
struct GramHasher;

impl std::hash::BuildHasher for GramHasher {
    type Hasher = GramHash;

    fn build_hasher(&self) -> GramHash {
        GramHash(0)
    }
}

struct GramHash(u64);

impl std::hash::Hasher for GramHash {
    fn finish(&self) -> u64 {
        // Every output bit depends on every input bit: the table takes buckets from the low bits and tags
        // from the high ones, and a pair's low bits alone are its first character.
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Every one- and two-character substring a short term can match, mapped to the ids of the companies holding
/// it. Keyed by id, not by position in the directory, so one company's change touches only its own grams;
/// persistent maps (`imbl`) let a new catalog share all the rest with the old one. Compressed bitmaps keep it
/// small even when a character is in every company.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ShortTermIndex {
    /// Not built yet: a large directory starts serving first and builds this in the background
    /// ([`ShortTermIndex::pending`]); meanwhile short terms are matched by scanning.
    pending: bool,
    grams: imbl::HashMap<u64, RoaringBitmap>,
    /// Companies whose id does not fit a bitmap (negative or past u32): matched by scanning, sorted.
    outliers: Vec<i64>,
}

impl ShortTermIndex {
    /// An index still to be built (see [`ShortTermIndex::is_pending`]).
    pub fn pending() -> ShortTermIndex {
        ShortTermIndex { pending: true, ..Default::default() }
    }

    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// The whole index for `companies` (what a pending one becomes).
    pub fn of(companies: &[&Company]) -> ShortTermIndex {
        let mut index = ShortTermIndex::default();
        index.build(companies);
        index
    }

    /// Takes out the `removed` companies (as they were indexed) and adds the `added` ones.
    pub fn update(&mut self, removed: &[&Company], added: &[&Company]) {
        if self.pending {
            return;
        }
        if self.grams.is_empty() && removed.is_empty() && added.len() > 1_000 {
            return self.build(added);
        }
        for c in removed {
            let Ok(id) = u32::try_from(c.id) else {
                self.outliers.retain(|&o| o != c.id);
                continue;
            };
            for gram in grams_of(c) {
                let emptied = self.grams.get_mut(&gram).is_some_and(|ids| {
                    ids.remove(id);
                    ids.is_empty()
                });
                // An empty entry would make this index differ from a fresh build of the same companies.
                if emptied {
                    self.grams.remove(&gram);
                }
            }
        }
        for c in added {
            let Ok(id) = u32::try_from(c.id) else {
                if let Err(at) = self.outliers.binary_search(&c.id) {
                    self.outliers.insert(at, c.id);
                }
                continue;
            };
            for gram in grams_of(c) {
                self.grams.entry(gram).or_default().insert(id);
            }
        }
    }

    /// The whole index at once (a full load): plain maps filled in id order (appending to a bitmap is its
    /// fast path), one per half of the companies on two threads, then joined.
    fn build(&mut self, companies: &[&Company]) {
        let mut by_id: Vec<(u32, &Company)> = Vec::with_capacity(companies.len());
        for c in companies {
            match u32::try_from(c.id) {
                Ok(id) => by_id.push((id, c)),
                Err(_) => self.outliers.push(c.id),
            }
        }
        by_id.sort_unstable_by_key(|(id, _)| *id);
        self.outliers.sort_unstable();
        self.outliers.dedup();
        let fill = |part: &[(u32, &Company)]| {
            let mut grams: HashMap<u64, RoaringBitmap, GramHasher> = HashMap::default();
            for (id, c) in part {
                for gram in grams_of(c) {
                    let ids = grams.entry(gram).or_default();
                    if ids.try_push(*id).is_err() {
                        ids.insert(*id);
                    }
                }
            }
            grams
        };
        let (low, high) = by_id.split_at(by_id.len() / 2);
        let (mut grams, upper) = std::thread::scope(|scope| {
            let upper = scope.spawn(|| fill(high));
            (fill(low), upper.join().unwrap_or_default())
        });
        for (gram, ids) in upper {
            *grams.entry(gram).or_default() |= ids;
        }
        self.grams = grams.into_iter().collect();
    }

    /// Ids of the companies containing a one- or two-character `term` (lower-case); `company` finds an
    /// outlier by id.
    pub fn ids<'a>(&'a self, term: &str, company: impl Fn(i64) -> Option<&'a Company>) -> Vec<i64> {
        let Some(key) = term_key(term) else { return Vec::new() };
        debug_assert!(!self.pending, "a pending index is scanned instead (Catalog::short_term_positions)");
        let mut ids: Vec<i64> = self.grams.get(&key).map(|b| b.iter().map(i64::from).collect()).unwrap_or_default();
        ids.extend(
            self.outliers
                .iter()
                .copied()
                .filter(|&id| company(id).is_some_and(|c| grams_of(c).binary_search(&key).is_ok())),
        );
        ids
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
