//! The directory's answers: a page of companies for a query, the counts beside each filter option, and every
//! match for a download. Work is bounded by the smallest candidate list, not by the directory.

use std::collections::HashSet;

use sqlx::SqlitePool;

use super::{DirectoryQuery, PAGE_SIZE, Sort};
use crate::catalog::search::Terms;
use crate::catalog::{Catalog, Company};
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

/// The candidate lists a query makes, each in name order (positions in [`Catalog::companies`]), one field per
/// kind of filter so the facets can leave one kind out.
struct Constraints<'a> {
    sectors: Option<std::borrow::Cow<'a, [u32]>>,
    phase: Option<&'a [u32]>,
    designation: Option<&'a [u32]>,
    awards: Option<&'a [u32]>,
    /// The search term's matches: the index's hits for long terms, one list per short term.
    terms: Vec<Vec<u32>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sectors,
    Phase,
    Designation,
    Awards,
}

impl<'a> Constraints<'a> {
    fn of(catalog: &'a Catalog, query: &DirectoryQuery, indexed_hits: Option<&HashSet<i64>>) -> Self {
        let sectors: Vec<&crate::catalog::Sector> =
            query.sectors.iter().filter_map(|s| catalog.sector_by_slug(s)).collect();
        let sectors = match sectors.as_slice() {
            [] => None,
            [one] => Some(std::borrow::Cow::Borrowed(one.members.as_slice())),
            many => {
                let mut all: Vec<u32> = many.iter().flat_map(|s| s.members.iter().copied()).collect();
                all.sort_unstable();
                all.dedup();
                Some(std::borrow::Cow::Owned(all))
            }
        };
        let mut terms: Vec<Vec<u32>> =
            Terms::of(&query.q).short.iter().map(|t| catalog.short_term_positions(t)).collect();
        if let Some(ids) = indexed_hits {
            let mut positions: Vec<u32> = ids.iter().filter_map(|id| catalog.position(*id)).collect();
            positions.sort_unstable();
            terms.push(positions);
        }
        Constraints {
            sectors,
            phase: query.phase.and_then(|n| catalog.phase_by_number(n)).map(|p| p.members.as_slice()),
            designation: query
                .designation
                .as_deref()
                .and_then(|d| catalog.designation_by_slug(d))
                .map(|d| d.members.as_slice()),
            awards: query.has_awards.then_some(catalog.awarded.as_slice()),
            terms,
        }
    }

    /// Every list but those of kind `leave_out`, shortest first.
    fn lists(&self, leave_out: Option<Kind>) -> Vec<&[u32]> {
        let mut lists: Vec<&[u32]> = Vec::new();
        let mut add = |kind: Kind, list: Option<&'a [u32]>| {
            if leave_out != Some(kind)
                && let Some(list) = list
            {
                lists.push(list);
            }
        };
        add(Kind::Phase, self.phase);
        add(Kind::Designation, self.designation);
        add(Kind::Awards, self.awards);
        if leave_out != Some(Kind::Sectors)
            && let Some(s) = &self.sectors
        {
            lists.push(s);
        }
        lists.extend(self.terms.iter().map(Vec::as_slice));
        lists.sort_by_key(|l| l.len());
        lists
    }
}

/// The positions in every one of `lists` (shortest first), in name order; None when there is no list (every
/// company matches).
fn intersect(lists: &[&[u32]]) -> Option<Vec<u32>> {
    let (driver, checks) = lists.split_first()?;
    Some(driver.iter().copied().filter(|p| checks.iter().all(|list| list.binary_search(p).is_ok())).collect())
}

/// The counts beside each filter option for the query `constraints` were read from. Without a search term or
/// filters these are the options' own sizes; otherwise each kind of filter is counted against the companies
/// the rest of the query matches (work in proportion to those matches and the options' member lists).
fn facets(catalog: &Catalog, constraints: &Constraints<'_>) -> Facets {
    let count = |kind: Kind, members: &mut dyn Iterator<Item = &[u32]>| -> Vec<usize> {
        match intersect(&constraints.lists(Some(kind))) {
            None => members.map(<[u32]>::len).collect(),
            Some(matches) => {
                let mut set = vec![0u64; catalog.companies.len().div_ceil(64)];
                for p in matches {
                    set[p as usize / 64] |= 1 << (p % 64);
                }
                members
                    .map(|list| list.iter().filter(|&&p| set[p as usize / 64] & (1 << (p % 64)) != 0).count())
                    .collect()
            }
        }
    };
    Facets {
        sectors: count(Kind::Sectors, &mut catalog.sectors.iter().map(|s| s.members.as_slice())),
        phases: count(Kind::Phase, &mut catalog.phases.iter().map(|p| p.members.as_slice())),
        designations: count(Kind::Designation, &mut catalog.designations.iter().map(|d| d.members.as_slice())),
        awarded: count(Kind::Awards, &mut std::iter::once(catalog.awarded.as_slice()))[0],
    }
}

/// Every company `query` matches, in its order (for a download of the results; the page uses [`run`]); None
/// when there are more than `at_most`, before any is sorted or looked up.
pub fn all_matches<'a>(
    catalog: &'a Catalog,
    query: &DirectoryQuery,
    indexed_hits: Option<&HashSet<i64>>,
    at_most: usize,
) -> Option<Vec<&'a Company>> {
    let constraints = Constraints::of(catalog, query, indexed_hits);
    let lists = constraints.lists(None);
    if lists.is_empty() && catalog.companies.len() > at_most {
        return None;
    }
    let mut matches = intersect(&lists).unwrap_or_else(|| (0..catalog.companies.len() as u32).collect());
    if matches.len() > at_most {
        return None;
    }
    sort_positions(catalog, &mut matches, query.sort);
    Some(matches.iter().map(|&p| &*catalog.companies[p as usize]).collect())
}

/// Positions are name order already; the other sorts are stable on top of it.
fn sort_positions(catalog: &Catalog, positions: &mut [u32], sort: Sort) {
    match sort {
        Sort::Name => {}
        Sort::Founded => positions
            .sort_by_key(|&p| std::cmp::Reverse(catalog.companies[p as usize].founded_year.unwrap_or(i64::MIN))),
        Sort::Awards => positions.sort_by_key(|&p| std::cmp::Reverse(catalog.companies[p as usize].award_ids.len())),
    }
}

/// Applies `query` to the catalog. `indexed_hits` are the ids the search index matched for the query's
/// terms of three or more characters (None when it has none); shorter terms are matched here.
///
/// Work is proportional to the smallest candidate list, not to the directory: the filters' member lists
/// (positions in name order) drive the scan, and an unfiltered or single-list query in name order is a slice.
pub fn run<'a>(catalog: &'a Catalog, query: &DirectoryQuery, indexed_hits: Option<&HashSet<i64>>) -> Results<'a> {
    page(catalog, query, &Constraints::of(catalog, query, indexed_hits))
}

/// [`run`] and the counts beside each filter option, from one reading of the query (a search term's matches
/// are looked up once for both).
pub fn run_with_facets<'a>(
    catalog: &'a Catalog,
    query: &DirectoryQuery,
    indexed_hits: Option<&HashSet<i64>>,
) -> (Results<'a>, Facets) {
    let constraints = Constraints::of(catalog, query, indexed_hits);
    (page(catalog, query, &constraints), facets(catalog, &constraints))
}

fn page<'a>(catalog: &'a Catalog, query: &DirectoryQuery, constraints: &Constraints<'_>) -> Results<'a> {
    let lists = constraints.lists(None);
    let start = (query.page - 1) * PAGE_SIZE;
    let page_of = |positions: &[u32]| -> Vec<&'a Company> {
        positions.iter().skip(start).take(PAGE_SIZE).map(|&p| &*catalog.companies[p as usize]).collect()
    };
    let (companies, total) = match (lists.as_slice(), query.sort) {
        // Nothing to check: the list (or the whole directory) is already the answer, in order.
        ([list], Sort::Name) => (page_of(list), list.len()),
        ([], Sort::Name) => {
            let all = &catalog.companies;
            // By index: a persistent vector's iterator would walk every company before `start`.
            let page = (start..all.len().min(start + PAGE_SIZE)).filter_map(|i| all.get(i)).map(|c| &**c).collect();
            (page, all.len())
        }
        _ => {
            let mut matches = intersect(&lists).unwrap_or_else(|| (0..catalog.companies.len() as u32).collect());
            sort_positions(catalog, &mut matches, query.sort);
            (page_of(&matches), matches.len())
        }
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    Results { companies, total, page: query.page, pages }
}

/// Why a directory page could not be given.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("no page {page} of {pages}")]
    NoSuchPage { page: usize, pages: usize },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
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

/// What the full-text index matches for the query's long terms (None when it has none).
pub async fn indexed_hits(pool: &SqlitePool, query: &DirectoryQuery) -> sqlx::Result<Option<HashSet<i64>>> {
    let terms = Terms::of(&query.q);
    Ok(if terms.indexed.is_empty() { None } else { Some(crate::catalog::fts::find(pool, &terms.indexed).await?) })
}

/// One page of the directory for `query`: long search terms through the full-text index, everything else
/// from the catalog. The HTML directory, its download and `/api/companies` all answer through here, so they
/// always agree. A page past the last is an error that says how many pages there are.
pub async fn find<'a>(
    pool: &SqlitePool,
    catalog: &'a Catalog,
    query: &DirectoryQuery,
) -> Result<Results<'a>, FindError> {
    let hits = indexed_hits(pool, query).await?;
    checked(run(catalog, query, hits.as_ref()))
}

/// [`find`] and the counts beside each filter option, from one reading of the query.
pub async fn find_with_facets<'a>(
    pool: &SqlitePool,
    catalog: &'a Catalog,
    query: &DirectoryQuery,
) -> Result<(Results<'a>, Facets), FindError> {
    let hits = indexed_hits(pool, query).await?;
    let (results, facets) = run_with_facets(catalog, query, hits.as_ref());
    Ok((checked(results)?, facets))
}

/// `results`, unless the page asked for is past the last.
fn checked(results: Results<'_>) -> Result<Results<'_>, FindError> {
    if results.page > results.pages {
        return Err(FindError::NoSuchPage { page: results.page, pages: results.pages });
    }
    Ok(results)
}
