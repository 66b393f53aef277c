//! The directory's answers: a page of companies for a query, the counts beside each filter option, and every
//! match for a download. Filters page through member lists in name order; a search's matches are bitmaps, and
//! only the companies of the page asked for are put in order.

use std::borrow::Cow;

use roaring::RoaringBitmap;

use super::{DirectoryQuery, PAGE_SIZE, Sort};
use crate::catalog::search::{Found, terms};
use crate::catalog::{Catalog, Company, Designation, Phase, Sector};
use crate::i18n::Text;

/// One page of the directory.
#[derive(Debug)]
pub struct Results<'a> {
    pub companies: Vec<&'a Company>,
    /// Matches across all pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

/// How many companies each filter option would give with the rest of the query as it is (the search term and
/// the other filters): what the directory shows beside each option, so an option that gives nothing says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facets {
    /// Per sector, in catalog order. Sectors are "any of": ticking one more adds to the results.
    pub sectors: Vec<usize>,
    pub phases: Vec<usize>,
    pub designations: Vec<usize>,
    pub awarded: usize,
}

impl Facets {
    pub fn sector(&self, i: impl std::borrow::Borrow<usize>) -> usize {
        self.sectors.get(*i.borrow()).copied().unwrap_or(0)
    }

    pub fn phase(&self, i: impl std::borrow::Borrow<usize>) -> usize {
        self.phases.get(*i.borrow()).copied().unwrap_or(0)
    }

    pub fn designation(&self, i: impl std::borrow::Borrow<usize>) -> usize {
        self.designations.get(*i.borrow()).copied().unwrap_or(0)
    }
}

/// What a query asks for, two ways: member lists in name order (positions in [`Catalog::companies`]), which
/// page through a filtered directory without sorting; and sets of company numbers, which intersect in a few
/// word operations for the counts and for searches. One field per kind of filter, so the counts can leave one
/// kind out.
struct Constraints<'a> {
    sectors: Option<(Cow<'a, [u32]>, Cow<'a, RoaringBitmap>)>,
    phase: Option<&'a Phase>,
    designation: Option<&'a Designation>,
    awards: Option<(&'a [u32], &'a RoaringBitmap)>,
    /// The search's matches by tier (None: no search term).
    found: Option<Found>,
    /// Every match of the search (the union of its tiers).
    matched: Option<RoaringBitmap>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sectors,
    Phase,
    Designation,
    Awards,
}

impl<'a> Constraints<'a> {
    fn of(catalog: &'a Catalog, query: &DirectoryQuery) -> Self {
        let sectors: Vec<&Sector> = query.sectors.iter().filter_map(|s| catalog.sector_by_slug(s)).collect();
        let sectors = match sectors.as_slice() {
            [] => None,
            [one] => Some((Cow::Borrowed(one.members.as_slice()), Cow::Borrowed(&one.docs))),
            many => {
                let mut all: Vec<u32> = many.iter().flat_map(|s| s.members.iter().copied()).collect();
                all.sort_unstable();
                all.dedup();
                let docs = many.iter().fold(RoaringBitmap::new(), |docs, s| docs | &s.docs);
                Some((Cow::Owned(all), Cow::Owned(docs)))
            }
        };
        let terms = terms(&query.q);
        let found = (!terms.is_empty()).then(|| catalog.find_terms(&terms));
        Constraints {
            sectors,
            phase: query.phase.and_then(|n| catalog.phase_by_number(n)),
            designation: query.designation.as_deref().and_then(|d| catalog.designation_by_slug(d)),
            awards: query.has_awards.then_some((catalog.awarded.as_slice(), &catalog.awarded_docs)),
            matched: found.as_ref().map(Found::all),
            found,
        }
    }

    /// Every member list (for a query without a search term), shortest first.
    fn lists(&self) -> Vec<&[u32]> {
        let mut lists: Vec<&[u32]> = [
            self.sectors.as_ref().map(|(list, _)| &**list),
            self.phase.map(|p| p.members.as_slice()),
            self.designation.map(|d| d.members.as_slice()),
            self.awards.map(|(list, _)| list),
        ]
        .into_iter()
        .flatten()
        .collect();
        lists.sort_by_key(|l| l.len());
        lists
    }

    /// The companies every set but those of kind `leave_out` holds; None when there is no such set (every
    /// company matches). A single set is lent, not copied (the counts ask once per kind of filter).
    fn matching(&self, leave_out: Option<Kind>) -> Option<Cow<'_, RoaringBitmap>> {
        let kept = |kind: Kind| leave_out != Some(kind);
        let mut sets: Vec<&RoaringBitmap> = [
            self.sectors.as_ref().filter(|_| kept(Kind::Sectors)).map(|(_, docs)| &**docs),
            self.phase.filter(|_| kept(Kind::Phase)).map(|p| &p.docs),
            self.designation.filter(|_| kept(Kind::Designation)).map(|d| &d.docs),
            self.awards.filter(|_| kept(Kind::Awards)).map(|(_, docs)| docs),
            self.matched.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        sets.sort_by_key(|s| s.len());
        let (first, rest) = sets.split_first()?;
        if rest.is_empty() {
            return Some(Cow::Borrowed(*first));
        }
        Some(Cow::Owned(rest.iter().fold((*first).clone(), |all, s| all & *s)))
    }
}

/// The positions in every one of `lists` (shortest first), in name order; None when there is no list (every
/// company matches).
fn intersect(lists: &[&[u32]]) -> Option<Vec<u32>> {
    let (driver, checks) = lists.split_first()?;
    Some(driver.iter().copied().filter(|p| checks.iter().all(|list| list.binary_search(p).is_ok())).collect())
}

/// The counts beside each filter option for the query `constraints` were read from: each kind of filter
/// counted against the companies the rest of the query matches, one bitmap intersection per option.
fn facets(catalog: &Catalog, constraints: &Constraints<'_>) -> Facets {
    let count = |kind: Kind, options: &mut dyn Iterator<Item = &RoaringBitmap>| -> Vec<usize> {
        match constraints.matching(Some(kind)) {
            None => options.map(|docs| docs.len() as usize).collect(),
            Some(matches) => options.map(|docs| matches.intersection_len(docs) as usize).collect(),
        }
    };
    Facets {
        sectors: count(Kind::Sectors, &mut catalog.sectors.iter().map(|s| &s.docs)),
        phases: count(Kind::Phase, &mut catalog.phases.iter().map(|p| &p.docs)),
        designations: count(Kind::Designation, &mut catalog.designations.iter().map(|d| &d.docs)),
        awarded: count(Kind::Awards, &mut std::iter::once(&catalog.awarded_docs))[0],
    }
}

/// Every company `query` matches, in its order (for a download of the results; the page uses [`run`]); None
/// when there are more than `at_most`, before any is sorted or looked up.
pub fn all_matches<'a>(catalog: &'a Catalog, query: &DirectoryQuery, at_most: usize) -> Option<Vec<&'a Company>> {
    let constraints = Constraints::of(catalog, query);
    let total = match constraints.matching(None) {
        Some(matches) => matches.len() as usize,
        None => catalog.companies.len(),
    };
    if total > at_most {
        return None;
    }
    let (positions, _) = ordered(catalog, query, &constraints, 0, at_most);
    Some(positions.iter().map(|&p| &*catalog.companies[p as usize]).collect())
}

/// Applies `query` to the catalog: one page of it.
///
/// Work is bounded by the page, not by the directory: without a search term the filters' member lists
/// (positions in name order) are the answer or drive a scan; with one, the matches are bitmaps and only the
/// page's companies are put in order ([`in_name_order`]).
pub fn run<'a>(catalog: &'a Catalog, query: &DirectoryQuery) -> Results<'a> {
    page(catalog, query, &Constraints::of(catalog, query))
}

/// [`run`] and the counts beside each filter option, from one reading of the query (a search term's matches
/// are looked up once for both).
pub fn run_with_facets<'a>(catalog: &'a Catalog, query: &DirectoryQuery) -> (Results<'a>, Facets) {
    let constraints = Constraints::of(catalog, query);
    (page(catalog, query, &constraints), facets(catalog, &constraints))
}

fn page<'a>(catalog: &'a Catalog, query: &DirectoryQuery, constraints: &Constraints<'_>) -> Results<'a> {
    // A page number is anything a URL holds: past the end it is empty, never an overflow.
    let start = (query.page - 1).saturating_mul(PAGE_SIZE);
    let (positions, total) = ordered(catalog, query, constraints, start, PAGE_SIZE);
    let companies = positions.iter().filter_map(|&p| catalog.companies.get(p as usize)).map(|c| &**c).collect();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    Results { companies, total, page: query.page, pages }
}

/// Positions `start..start + take` of the query's matches in its order, and how many matches there are.
fn ordered(
    catalog: &Catalog,
    query: &DirectoryQuery,
    constraints: &Constraints<'_>,
    start: usize,
    take: usize,
) -> (Vec<u32>, usize) {
    let slice = |positions: &[u32]| positions.iter().skip(start).take(take).copied().collect::<Vec<u32>>();
    if let Some(found) = &constraints.found {
        let matches = constraints.matching(None).unwrap_or_default();
        let total = matches.len() as usize;
        if query.sort != Sort::Name {
            let positions = matches.iter().filter_map(|doc| catalog.position_of_doc(doc)).collect();
            return (top(catalog, positions, query.sort, start, take), total);
        }
        // Best tier first, each in name order.
        let (mut skip, mut out) = (start, Vec::with_capacity(take));
        for tier in &found.tiers {
            let tier = tier & &*matches;
            let len = tier.len() as usize;
            if skip >= len {
                skip -= len;
                continue;
            }
            out.extend(in_name_order(catalog, &tier, skip, take - out.len()));
            skip = 0;
            if out.len() == take {
                break;
            }
        }
        return (out, total);
    }
    match (constraints.lists().as_slice(), query.sort) {
        // Nothing to check: the list (or the whole directory) is already the answer, in order.
        ([list], Sort::Name) => (slice(list), list.len()),
        ([], Sort::Name) => {
            let all = catalog.companies.len();
            ((start.min(all)..all.min(start.saturating_add(take))).map(|p| p as u32).collect(), all)
        }
        (lists, Sort::Name) => {
            let matches = intersect(lists).unwrap_or_default();
            (slice(&matches), matches.len())
        }
        (lists, sort) => {
            let matches = intersect(lists).unwrap_or_else(|| (0..catalog.companies.len() as u32).collect());
            let total = matches.len();
            (top(catalog, matches, sort, start, take), total)
        }
    }
}

/// Positions `skip..skip + take` of the companies in `docs`, in name order. Either the set's positions are
/// sorted, or the directory is walked in order picking the set's members, whichever reads fewer companies:
/// a small set sorts in no time, a large one fills a page within a few steps of the walk.
fn in_name_order(catalog: &Catalog, docs: &RoaringBitmap, skip: usize, take: usize) -> Vec<u32> {
    let len = docs.len() as usize;
    let all = catalog.companies.len().max(1);
    // Steps of the walk: the page's end, spread over the directory at the set's density.
    let walk = skip.saturating_add(take).saturating_mul(all) / len.max(1);
    if walk > len.saturating_mul(8) {
        let mut positions: Vec<u32> = docs.iter().filter_map(|doc| catalog.position_of_doc(doc)).collect();
        positions.sort_unstable();
        return positions.into_iter().skip(skip).take(take).collect();
    }
    let ids = catalog.ids_in_order();
    (0..ids.len() as u32)
        .filter(|&p| catalog.doc(ids[p as usize]).is_some_and(|doc| docs.contains(doc)))
        .skip(skip)
        .take(take)
        .collect()
}

/// Positions `start..start + take` of `positions` in the order `sort` gives, ties in name order (positions
/// are name order); only the companies up to the page's end are sorted, on keys read once each.
fn top(catalog: &Catalog, positions: Vec<u32>, sort: Sort, start: usize, take: usize) -> Vec<u32> {
    let mut keyed: Vec<(std::cmp::Reverse<i64>, u32)> = positions
        .into_iter()
        .map(|p| {
            let c = &catalog.companies[p as usize];
            let first = match sort {
                Sort::Name => 0,
                Sort::Founded => c.founded_year.unwrap_or(i64::MIN),
                Sort::Awards => c.award_ids.len() as i64,
            };
            (std::cmp::Reverse(first), p)
        })
        .collect();
    let end = start.saturating_add(take).min(keyed.len());
    if end == 0 {
        return Vec::new();
    }
    if end < keyed.len() {
        keyed.select_nth_unstable(end - 1);
        keyed.truncate(end);
    }
    keyed.sort_unstable();
    keyed.into_iter().skip(start).map(|(_, p)| p).collect()
}

/// Why a directory page could not be given.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("no page {page} of {pages}")]
    NoSuchPage { page: usize, pages: usize },
}

impl FindError {
    /// What to tell a visitor who asked for a page past the last.
    pub fn no_such_page(page: usize, pages: usize) -> Text {
        Text::new(
            format!("没有第 {page} 页：共 {pages} 页。"),
            format!("There is no page {page}: there are {pages} pages."),
        )
    }
}

/// One page of the directory for `query`. The HTML directory, its download and `/api/companies` all answer
/// through here, so they always agree. A page past the last is an error that says how many pages there are.
pub fn find<'a>(catalog: &'a Catalog, query: &DirectoryQuery) -> Result<Results<'a>, FindError> {
    checked(run(catalog, query))
}

/// [`find`] and the counts beside each filter option, from one reading of the query.
pub fn find_with_facets<'a>(catalog: &'a Catalog, query: &DirectoryQuery) -> Result<(Results<'a>, Facets), FindError> {
    let (results, facets) = run_with_facets(catalog, query);
    Ok((checked(results)?, facets))
}

/// `results`, unless the page asked for is past the last.
fn checked(results: Results<'_>) -> Result<Results<'_>, FindError> {
    if results.page > results.pages {
        return Err(FindError::NoSuchPage { page: results.page, pages: results.pages });
    }
    Ok(results)
}
