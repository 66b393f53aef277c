//! Search: what a company is found by, an index of it in memory, and the order a visitor expects.
//!
//! Every term, in any script and of any length (one Chinese character, pinyin initials, a product code), is
//! looked up in an index of the one-, two- and three-character substrings ("grams") of each company's text.
//! A term of up to three characters is a single lookup, exact. A longer one is the intersection of its
//! three-character grams, and each candidate is then confirmed on its text (the grams can all occur without
//! the term). The sets are compressed bitmaps of company numbers ([`Docs`]), so a term that matches every
//! company costs a few bitmap operations, not a list of 100,000.
//!
//! Results come in four tiers, each in directory (name) order: a name equal to the query, a name starting
//! with it, every term in a name, the rest (descriptions, highlights, products).

use std::collections::HashMap;
use std::sync::Arc;

use memchr::memmem::Finder;
use roaring::RoaringBitmap;

use super::{Company, pinyin};

/// The longest gram indexed; longer terms are intersections of grams this long.
const GRAM: usize = 3;
/// Set in the key of a whole name of up to [`GRAM`] characters (gram keys use 63 bits).
const WHOLE: u64 = 1 << 63;

/// The whitespace-separated terms of a query, lower-cased, each once.
pub fn terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for term in q.to_lowercase().split_whitespace() {
        if !terms.iter().any(|t| t == term) {
            terms.push(term.to_string());
        }
    }
    terms
}

/// What search matches of a company besides its descriptions: its names (one per line, lower-case: both
/// languages, the registered names, the pinyin spellings of the Chinese names), then its product names.
#[derive(Debug, Clone, Default)]
pub struct SearchKeys {
    text: Box<str>,
    names_end: u32,
}

impl SearchKeys {
    pub fn of(c: &Company) -> SearchKeys {
        let mut lines: Vec<String> = Vec::new();
        for name in [&c.name.zh, &c.name.en, &c.legal_name.zh, &c.legal_name.en] {
            if !name.trim().is_empty() {
                lines.push(name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase());
            }
        }
        lines.extend(pinyin::search_spellings(&c.name.zh, pinyin::MAX_VARIANTS));
        if !c.legal_name.zh.is_empty() {
            lines.extend(pinyin::search_spellings(&c.legal_name.zh, 1));
        }
        lines.dedup();
        let names_end = lines.iter().map(|l| l.len() + 1).sum::<usize>().saturating_sub(1);
        lines.extend(c.products.iter().map(|p| p.to_lowercase()));
        // Names are far below 4 GB; `names` reads the whole text should an offset not fit.
        let names_end = u32::try_from(names_end).unwrap_or(u32::MAX);
        SearchKeys { text: lines.join("\n").into_boxed_str(), names_end }
    }

    /// Names and products, one per line.
    pub fn all(&self) -> &str {
        &self.text
    }

    /// The names alone, one per line.
    pub fn names(&self) -> &str {
        self.text.get(..self.names_end as usize).unwrap_or(&self.text)
    }
}

/// The texts a term is searched in: the keys (lower-case already), then descriptions and highlights.
fn texts(c: &Company) -> [&str; 5] {
    [c.search_keys().all(), &c.description.zh, &c.description.en, &c.highlights.zh, &c.highlights.en]
}

/// A term (lower-case) to find in texts of any case.
pub struct Needle<'a> {
    term: &'a str,
    finder: Finder<'a>,
    /// The term has Latin letters: texts are searched in any ASCII case.
    ascii_case: bool,
    /// The term has letters whose case ASCII folding does not cover (é, Σ): texts are lower-cased to compare.
    unicode_case: bool,
}

impl<'a> Needle<'a> {
    pub fn new(term: &'a str) -> Needle<'a> {
        let unicode_case = term.chars().any(|ch| !ch.is_ascii() && ch.to_uppercase().ne(std::iter::once(ch)));
        let ascii_case = term.bytes().any(|b| b.is_ascii_alphabetic());
        Needle { term, finder: Finder::new(term), ascii_case, unicode_case }
    }

    /// In a text of any ASCII case, without copying it: each place the first letter occurs in either case is
    /// compared. (A case-insensitive automaton took longer to build per search than the searches it served.)
    fn in_ascii_folded(&self, text: &str) -> bool {
        let (hay, term) = (text.as_bytes(), self.term.as_bytes());
        let Some(&first) = term.first() else { return true };
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), hay)
            .any(|at| hay.get(at..at + term.len()).is_some_and(|found| found.eq_ignore_ascii_case(term)))
    }

    /// In a text that is lower-case already.
    fn in_lower(&self, text: &str) -> bool {
        self.finder.find(text.as_bytes()).is_some()
    }

    /// In a text of any case.
    fn in_text(&self, text: &str) -> bool {
        if self.unicode_case {
            text.to_lowercase().contains(self.term)
        } else if self.ascii_case {
            self.in_ascii_folded(text)
        } else {
            // No letters with case: the bytes are the same in any case.
            self.in_lower(text)
        }
    }

    /// Anywhere a company is searched.
    pub fn in_company(&self, c: &Company) -> bool {
        let [keys, rest @ ..] = texts(c);
        self.in_lower(keys) || rest.iter().any(|t| self.in_text(t))
    }

    fn in_names(&self, c: &Company) -> bool {
        self.in_lower(c.search_keys().names())
    }

    /// Whether a name (a line of `names`) starts with the term, or with `exact`, is the term.
    fn begins_a_name(&self, names: &str, exact: bool) -> bool {
        let bytes = names.as_bytes();
        self.finder.find_iter(bytes).any(|at| {
            let end = at + self.term.len();
            (at == 0 || bytes[at - 1] == b'\n') && (!exact || end == bytes.len() || bytes[end] == b'\n')
        })
    }
}

/// How well a company matches a query, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// A name is the query.
    Exact,
    /// A name starts with the query.
    Prefix,
    /// Every term is in a name.
    Name,
    /// Every term is somewhere in the company's text.
    Text,
}

/// Whether and how well `c` matches the `terms` of the query `whole` (terms joined by single spaces): the
/// answer by reading, which the index must agree with.
pub fn tier(c: &Company, terms: &[String], whole: &str) -> Option<Tier> {
    let needles: Vec<Needle> = terms.iter().map(|t| Needle::new(t)).collect();
    if !needles.iter().all(|n| n.in_company(c)) {
        return None;
    }
    let names = c.search_keys().names();
    Some(if names.lines().any(|n| n == whole) {
        Tier::Exact
    } else if names.lines().any(|n| n.starts_with(whole)) {
        Tier::Prefix
    } else if needles.iter().all(|n| n.in_names(c)) {
        Tier::Name
    } else {
        Tier::Text
    })
}

/// The companies a query matches, by tier: disjoint sets of company numbers.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    pub tiers: [RoaringBitmap; 4],
}

impl Found {
    /// Every match.
    pub fn all(&self) -> RoaringBitmap {
        self.tiers.iter().fold(RoaringBitmap::new(), |all, t| all | t)
    }

    fn put(&mut self, tier: Tier, doc: u32) {
        self.tiers[tier as usize].insert(doc);
    }
}

/// Company numbers for bitmaps: the id itself for the usual ids, numbers from 2³¹ up for the rest (an id typed
/// by hand can be anything). Numbers are never taken back, so they stay the same across catalogs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    outliers: imbl::HashMap<i64, u32>,
    ids: imbl::HashMap<u32, i64>,
}

impl Docs {
    const FIRST_OUTLIER: u32 = 1 << 31;

    pub fn doc(&self, id: i64) -> Option<u32> {
        match u32::try_from(id) {
            Ok(doc) if doc < Self::FIRST_OUTLIER => Some(doc),
            _ => self.outliers.get(&id).copied(),
        }
    }

    pub fn id(&self, doc: u32) -> Option<i64> {
        match doc < Self::FIRST_OUTLIER {
            true => Some(i64::from(doc)),
            false => self.ids.get(&doc).copied(),
        }
    }

    /// The number of `id`, given one if it has none.
    pub fn assign(&mut self, id: i64) -> u32 {
        if let Some(doc) = self.doc(id) {
            return doc;
        }
        let doc = Self::FIRST_OUTLIER + self.outliers.len() as u32;
        self.outliers.insert(id, doc);
        self.ids.insert(doc, id);
        doc
    }
}

/// A gram of one to three characters as a number: the code points side by side, 21 bits each (+ 1 after the
/// first, so a shorter gram never equals a longer one). No allocation per gram while millions are indexed.
fn gram_key(chars: &[char]) -> u64 {
    chars.iter().enumerate().fold(0, |key, (i, &ch)| key | ((ch as u64 + u64::from(i > 0)) << (21 * i)))
}

/// The grams of `text`, lower-cased, not across whitespace; appended to `out`.
fn grams_into(out: &mut Vec<u64>, chars: &mut Vec<char>, text: &str) {
    chars.clear();
    chars.extend(text.chars().flat_map(char::to_lowercase));
    for i in 0..chars.len() {
        for len in 1..=GRAM.min(chars.len() - i) {
            let gram = &chars[i..i + len];
            if gram[len - 1].is_whitespace() {
                break;
            }
            out.push(gram_key(gram));
        }
    }
}

/// The grams a company is indexed under: of all its text, of its names, those that begin a name, and those
/// that end one (with the whole of each name of up to [`GRAM`] characters).
struct CompanyGrams {
    text: Vec<u64>,
    names: Vec<u64>,
    starts: Vec<u64>,
    ends: Vec<u64>,
}

impl CompanyGrams {
    fn of(c: &Company) -> CompanyGrams {
        let [names, starts, ends] = CompanyGrams::of_names(c);
        CompanyGrams { text: CompanyGrams::of_text(c), names, starts, ends }
    }

    /// The grams of all its text.
    fn of_text(c: &Company) -> Vec<u64> {
        let mut chars = Vec::with_capacity(256);
        let mut text = Vec::with_capacity(1024);
        for t in texts(c) {
            grams_into(&mut text, &mut chars, t);
        }
        text.sort_unstable();
        text.dedup();
        text
    }

    /// The grams of its names, those that begin a name and those that end one.
    fn of_names(c: &Company) -> [Vec<u64>; 3] {
        let mut chars = Vec::with_capacity(256);
        let mut names = Vec::with_capacity(256);
        let mut starts = Vec::with_capacity(32);
        let mut ends = Vec::with_capacity(32);
        for line in c.search_keys().names().lines() {
            grams_into(&mut names, &mut chars, line);
            chars.clear();
            chars.extend(line.chars());
            let n = chars.len();
            starts.extend((1..=n.min(GRAM)).map(|len| gram_key(&chars[..len])));
            ends.extend((1..=n.min(GRAM)).map(|len| gram_key(&chars[n - len..])));
            if n <= GRAM {
                ends.push(gram_key(&chars) | WHOLE);
            }
        }
        for grams in [&mut names, &mut starts, &mut ends] {
            grams.sort_unstable();
            grams.dedup();
        }
        [names, starts, ends]
    }
}

/// Hashes gram keys with splitmix64's few multiplications: they are already distinct numbers, and SipHash
/// (the default) took most of the time of building the index at 100,000 companies.
#[derive(Debug, Default, Clone, Copy)]
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
        // Every output bit depends on every input bit: tables take buckets from the low bits and tags from
        // the high ones, and a gram's low bits alone are its first character.
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

/// Gram → the companies holding it. A persistent map (`imbl`) so a new catalog shares everything one save did
/// not touch; each set behind an `Arc`, so copying a node of the map never copies the sets in it.
type Grams = imbl::GenericHashMap<u64, Arc<RoaringBitmap>, GramHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// The search index of a catalog: gram maps over company numbers ([`Docs`]).
#[derive(Debug, Default, Clone)]
pub struct SearchIndex {
    /// Not built yet: a large directory starts serving first and builds this in the background
    /// ([`SearchIndex::pending`]); meanwhile queries are answered by reading every company.
    pending: bool,
    /// In this order: [`CompanyGrams`]' text, names, starts, ends.
    maps: [Grams; 4],
}

impl PartialEq for SearchIndex {
    fn eq(&self, other: &SearchIndex) -> bool {
        self.pending == other.pending && self.maps == other.maps
    }
}

/// `set` in its smallest form (runs where they are smaller), its containers allocated to their exact size.
fn compacted(mut set: RoaringBitmap) -> RoaringBitmap {
    set.optimize();
    let mut bytes = Vec::with_capacity(set.serialized_size());
    // Writing to and reading from memory cannot fail; should it, the set is kept as it is.
    if set.serialize_into(&mut bytes).is_err() {
        return set;
    }
    RoaringBitmap::deserialize_unchecked_from(&bytes[..]).unwrap_or(set)
}

/// The text map's place in [`SearchIndex::maps`].
const TEXT: usize = 0;

impl CompanyGrams {
    /// The grams in the order of [`SearchIndex::maps`].
    fn into_maps(self) -> [Vec<u64>; 4] {
        [self.text, self.names, self.starts, self.ends]
    }
}

impl SearchIndex {
    /// An index still to be built (see [`SearchIndex::is_pending`]).
    pub fn pending() -> SearchIndex {
        SearchIndex { pending: true, ..Default::default() }
    }

    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// The whole index for `companies` (with their numbers): what a pending one becomes.
    pub fn of(companies: &[(u32, &Company)]) -> SearchIndex {
        let mut index = SearchIndex::default();
        index.build(companies);
        index
    }

    /// How many grams it holds and the bytes its sets take (compressed), for the log.
    pub fn size(&self) -> (usize, u64) {
        let grams = self.maps.iter().map(|m| m.len()).sum();
        let bytes = self.maps.iter().flat_map(|m| m.values()).map(|set| set.serialized_size() as u64).sum();
        (grams, bytes)
    }

    /// Takes out the `removed` companies (as they were indexed) and adds the `added` ones.
    pub fn update(&mut self, removed: &[(u32, &Company)], added: &[(u32, &Company)]) {
        if self.pending {
            return;
        }
        if self.maps[TEXT].is_empty() && removed.is_empty() && added.len() > 1_000 {
            return self.build(added);
        }
        for &(doc, c) in removed {
            for (map, keys) in self.maps.iter_mut().zip(CompanyGrams::of(c).into_maps()) {
                for key in keys {
                    let emptied = map.get_mut(&key).is_some_and(|set| {
                        let set = Arc::make_mut(set);
                        set.remove(doc);
                        set.is_empty()
                    });
                    // An empty entry would make this index differ from a fresh build of the same companies.
                    if emptied {
                        map.remove(&key);
                    }
                }
            }
        }
        for &(doc, c) in added {
            for (map, keys) in self.maps.iter_mut().zip(CompanyGrams::of(c).into_maps()) {
                for key in keys {
                    Arc::make_mut(map.entry(key).or_default()).insert(doc);
                }
            }
        }
    }

    /// The whole index at once (a full load): plain maps filled in number order (appending to a bitmap is its
    /// fast path), on two threads: one the text map, the other the three name maps (and the search keys they
    /// are made from). Split by map, not by company: halves of the companies each held a set for most grams
    /// until they were joined, and the server's peak at 100,000 companies was 17 MB higher
    /// (`bench/profiles/memory-100k.txt`).
    fn build(&mut self, companies: &[(u32, &Company)]) {
        type Plain = HashMap<u64, RoaringBitmap, GramHasher>;
        fn add(map: &mut Plain, key: u64, doc: u32) {
            let set = map.entry(key).or_default();
            if set.try_push(doc).is_err() {
                set.insert(doc);
            }
        }
        let mut sorted: Vec<(u32, &Company)> = companies.to_vec();
        sorted.sort_unstable_by_key(|(doc, _)| *doc);
        let (text, [names, starts, ends]) = std::thread::scope(|scope| {
            let names = scope.spawn(|| {
                let mut maps: [Plain; 3] = Default::default();
                for &(doc, c) in &sorted {
                    for (map, keys) in maps.iter_mut().zip(CompanyGrams::of_names(c)) {
                        keys.into_iter().for_each(|key| add(map, key, doc));
                    }
                }
                maps
            });
            let mut text = Plain::default();
            for &(doc, c) in &sorted {
                CompanyGrams::of_text(c).into_iter().for_each(|key| add(&mut text, key, doc));
            }
            (text, names.join().unwrap_or_default())
        });
        let maps = [text, names, starts, ends];
        // Runs where they are smaller: a gram in nearly every company is a few ranges, not a bitmap. Then each
        // set is copied to its exact size: arrays grew by doubling while filled, and the slack would stay.
        self.maps = maps.map(|map| map.into_iter().map(|(key, set)| (key, Arc::new(compacted(set)))).collect());
    }

    /// The companies holding `term` in `map`, within `within` (None: all); `confirm` reads a candidate when
    /// the grams alone cannot tell.
    fn holding(
        map: &Grams,
        term: &str,
        within: Option<&RoaringBitmap>,
        confirm: impl Fn(u32) -> bool,
    ) -> RoaringBitmap {
        let chars: Vec<char> = term.chars().collect();
        let empty = RoaringBitmap::new();
        let set = |gram: &[char]| map.get(&gram_key(gram)).map_or(&empty, |s| &**s);
        if chars.len() <= GRAM {
            return within.map_or_else(|| set(&chars).clone(), |w| set(&chars) & w);
        }
        let mut sets: Vec<&RoaringBitmap> = chars.windows(GRAM).map(set).collect();
        sets.sort_by_key(|s| s.len());
        let mut candidates = within.map_or_else(|| sets[0].clone(), |w| sets[0] & w);
        for s in &sets[1..] {
            if candidates.is_empty() {
                break;
            }
            candidates &= *s;
        }
        candidates.retain(confirm);
        candidates
    }

    /// The companies matching every one of `terms` (lower-case; `whole` is them joined by single spaces), by
    /// tier. `company` finds a company by its number.
    pub fn find<'a>(&self, terms: &[String], whole: &str, company: impl Fn(u32) -> Option<&'a Company>) -> Found {
        debug_assert!(!self.pending, "a pending index is not asked (Catalog::find_terms reads instead)");
        let [text, names, starts, ends] = &self.maps;
        // Each term's searcher is built once for both passes.
        let needles: Vec<(&String, Needle)> = terms.iter().map(|term| (term, Needle::new(term))).collect();
        let mut all: Option<RoaringBitmap> = None;
        for (term, needle) in &needles {
            let confirm = |doc| company(doc).is_some_and(|c| needle.in_company(c));
            all = Some(Self::holding(text, term, all.as_ref(), confirm));
        }
        let Some(all) = all else { return Found::default() };
        let mut in_names = all.clone();
        for (term, needle) in &needles {
            let confirm = |doc| company(doc).is_some_and(|c| needle.in_names(c));
            in_names = Self::holding(names, term, Some(&in_names), confirm);
        }
        let chars: Vec<char> = whole.chars().collect();
        let short = chars.len() <= GRAM;
        let (head, tail) = (&chars[..chars.len().min(GRAM)], &chars[chars.len().saturating_sub(GRAM)..]);
        let needle = Needle::new(whole);
        let begins = |doc, exact| company(doc).is_some_and(|c| needle.begins_a_name(c.search_keys().names(), exact));
        let set = |map: &Grams, key: u64| map.get(&key).map_or_else(RoaringBitmap::new, |s| (**s).clone());
        let mut prefix = set(starts, gram_key(head)) & &in_names;
        if !short {
            prefix.retain(|doc| begins(doc, false));
        }
        let mut exact = set(ends, if short { gram_key(&chars) | WHOLE } else { gram_key(tail) }) & &prefix;
        if !short {
            exact.retain(|doc| begins(doc, true));
        }
        let prefix = prefix - &exact;
        let name = in_names - &exact - &prefix;
        let rest = all - &exact - &prefix - &name;
        Found { tiers: [exact, prefix, name, rest] }
    }
}

/// [`SearchIndex::find`] by reading every company (`companies`: each with its number): while the index is
/// being built, and as the reference the index is tested against.
pub fn find_by_reading<'a>(
    companies: impl Iterator<Item = (u32, &'a Company)>,
    terms: &[String],
    whole: &str,
) -> Found {
    let mut found = Found::default();
    if terms.is_empty() {
        return found;
    }
    for (doc, c) in companies {
        if let Some(tier) = tier(c, terms, whole) {
            found.put(tier, doc);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lower_case_and_each_once() {
        assert_eq!(terms("  辰英 Gpixel cg gpixel 光 "), vec!["辰英", "gpixel", "cg", "光"]);
    }

    #[test]
    fn grams_of_different_lengths_never_share_a_key() {
        let keys: Vec<u64> = [&['a'][..], &['a', '\0'][..], &['a', '\0', '\0'][..], &['\0', 'a'][..]]
            .iter()
            .map(|g| gram_key(g))
            .collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
        assert!(gram_key(&['\u{10FFFF}'; 3]) < 1 << 63);
    }

    #[test]
    fn needles_fold_case_on_any_text() {
        assert!(Needle::new("gmax").in_text("长光辰芯的 GMAX4002 芯片"));
        assert!(Needle::new("école").in_text("ÉCOLE polytechnique"));
        assert!(!Needle::new("cmos").in_text("CCD only"));
        assert!(Needle::new("lumen").in_text("LUMEN"), "at the very end");
        assert!(!Needle::new("lumen").in_text("LUME"), "cut short at the end");
        assert!(Needle::new("l2").in_text("Ll2"), "a first letter seen twice");
    }
}
