//! The directory's filters: reading them from a query string, applying them to the catalog, and writing
//! them back as URLs (so every filter state is shareable, and each active filter can be removed alone).

use std::collections::HashSet;

use super::{Catalog, Company};
use crate::i18n::{Lang, Text};
use crate::query::QueryParam;

pub const PAGE_SIZE: usize = 24;
/// Longer search terms are refused with a clear message rather than cut silently.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    Founded,
    Awards,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Name, Sort::Founded, Sort::Awards];

    pub fn key(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Founded => "founded",
            Sort::Awards => "awards",
        }
    }

    pub fn label(self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Sort::Name => l.t("按名称", "Name"),
            Sort::Founded => l.t("按成立年份（新→旧）", "Founded (newest first)"),
            Sort::Awards => l.t("按获奖数", "Most awards"),
        }
    }
}

/// What the visitor asked the directory for, validated against the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryQuery {
    pub sectors: Vec<String>,
    pub phase: Option<i64>,
    pub has_awards: bool,
    pub designation: Option<String>,
    pub q: String,
    pub sort: Sort,
    pub page: usize,
}

impl DirectoryQuery {
    /// The parameters [`DirectoryQuery::parse`] reads, in the order [`DirectoryQuery::to_query_string`] writes
    /// them; any other spelling of the same query is redirected to that one.
    pub const PARAMS: &[QueryParam] = &[
        QueryParam::one("q"),
        QueryParam::many("sector"),
        QueryParam::one("phase"),
        QueryParam::one("awards"),
        QueryParam::one("designation"),
        QueryParam::one("sort").or("name"),
        QueryParam::one("page").or("1"),
    ];

    /// Reads `sector` (repeatable), `phase`, `awards`, `designation`, `q`, `sort` and `page`. Unknown keys are
    /// ignored; empty values mean "no filter"; a value that names nothing gets a message saying what was wrong.
    pub fn parse(pairs: &[(String, String)], cat: &Catalog) -> Result<Self, Text> {
        let mut query = DirectoryQuery { page: 1, ..Default::default() };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "sector" => {
                    if cat.sector_by_slug(value).is_none() {
                        return Err(Text::new(
                            format!("没有名为“{}”的产业方向。", clip(value)),
                            format!("There is no sector called “{}”.", clip(value)),
                        ));
                    }
                    if !query.sectors.iter().any(|s| s == value) {
                        query.sectors.push(value.to_string());
                    }
                }
                "phase" => {
                    let number = value.parse::<i64>().ok().filter(|n| cat.phase_by_number(*n).is_some());
                    match number {
                        Some(n) => query.phase = Some(n),
                        None => {
                            return Err(Text::new(
                                format!("没有“{}”期。", clip(value)),
                                format!("There is no phase “{}”.", clip(value)),
                            ));
                        }
                    }
                }
                "awards" => query.has_awards = matches!(value, "1" | "on" | "true" | "yes"),
                "designation" => {
                    if cat.designation_by_slug(value).is_none() {
                        return Err(Text::new(
                            format!("没有名为“{}”的资质认定。", clip(value)),
                            format!("There is no designation called “{}”.", clip(value)),
                        ));
                    }
                    query.designation = Some(value.to_string());
                }
                "q" => {
                    if value.chars().count() > MAX_QUERY_CHARS {
                        return Err(Text::new(
                            format!("搜索词太长：最多 {MAX_QUERY_CHARS} 个字符。"),
                            format!("The search term is too long: at most {MAX_QUERY_CHARS} characters."),
                        ));
                    }
                    query.q = value.split_whitespace().collect::<Vec<_>>().join(" ");
                }
                "sort" => {
                    query.sort = Sort::ALL.into_iter().find(|s| s.key() == value).ok_or_else(|| {
                        Text::new(
                            format!("无法按“{}”排序：可选 name、founded、awards。", clip(value)),
                            format!("Cannot sort by “{}”: use name, founded or awards.", clip(value)),
                        )
                    })?;
                }
                "page" => {
                    query.page = value.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        Text::new(
                            format!("页码“{}”无效：应为从 1 开始的整数。", clip(value)),
                            format!("“{}” is not a page number: use a whole number from 1.", clip(value)),
                        )
                    })?;
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// Whether a submitted query string carries empty or default values (what a GET form sends for the
    /// fields left alone), so the page should redirect to the clean URL of the same filters.
    pub fn has_noise(pairs: &[(String, String)]) -> bool {
        pairs.iter().any(|(k, v)| {
            let v = v.trim();
            Self::PARAMS
                .iter()
                .find(|p| p.name == k)
                .is_some_and(|p| v.is_empty() || p.default == Some(v) || (k == "awards" && v != "1"))
        })
    }

    pub fn is_filtered(&self) -> bool {
        !self.sectors.is_empty()
            || self.phase.is_some()
            || self.has_awards
            || self.designation.is_some()
            || !self.q.is_empty()
    }

    /// The canonical query string (without `?`), leaving out defaults.
    pub fn to_query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for sector in &self.sectors {
            s.append_pair("sector", sector);
        }
        if let Some(p) = self.phase {
            s.append_pair("phase", &p.to_string());
        }
        if self.has_awards {
            s.append_pair("awards", "1");
        }
        if let Some(d) = &self.designation {
            s.append_pair("designation", d);
        }
        if self.sort != Sort::Name {
            s.append_pair("sort", self.sort.key());
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    /// `path` with this query, e.g. `/en/companies?sector=laser`.
    pub fn url(&self, path: &str) -> String {
        let qs = self.to_query_string();
        if qs.is_empty() { path.to_string() } else { format!("{path}?{qs}") }
    }

    /// The page search engines should keep for these filters: the first page in the default order, without
    /// a search term (result pages of free text are endless and not worth indexing), sectors in one order.
    pub fn canonical(&self) -> Self {
        let mut sectors = self.sectors.clone();
        sectors.sort();
        DirectoryQuery { sectors, q: String::new(), sort: Sort::Name, page: 1, ..self.clone() }
    }

    pub fn with_page(&self, page: usize) -> Self {
        DirectoryQuery { page, ..self.clone() }
    }

    /// Filters with one removed, page reset: the link behind each active-filter chip.
    pub fn without(&self, filter: &ActiveFilter) -> Self {
        let mut q = DirectoryQuery { page: 1, ..self.clone() };
        match filter {
            ActiveFilter::Search => q.q.clear(),
            ActiveFilter::Sector(slug) => q.sectors.retain(|s| s != slug),
            ActiveFilter::Phase => q.phase = None,
            ActiveFilter::HasAwards => q.has_awards = false,
            ActiveFilter::Designation => q.designation = None,
        }
        q
    }

    pub fn active_filters(&self) -> Vec<ActiveFilter> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(ActiveFilter::Search);
        }
        out.extend(self.sectors.iter().cloned().map(ActiveFilter::Sector));
        if self.phase.is_some() {
            out.push(ActiveFilter::Phase);
        }
        if self.has_awards {
            out.push(ActiveFilter::HasAwards);
        }
        if self.designation.is_some() {
            out.push(ActiveFilter::Designation);
        }
        out
    }

    pub fn has_sector(&self, slug: &str) -> bool {
        self.sectors.iter().any(|s| s == slug)
    }

    pub fn designation_is(&self, slug: &str) -> bool {
        self.designation.as_deref() == Some(slug)
    }

    pub fn phase_is(&self, number: impl std::borrow::Borrow<i64>) -> bool {
        self.phase == Some(*number.borrow())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActiveFilter {
    Search,
    Sector(String),
    Phase,
    HasAwards,
    Designation,
}

impl ActiveFilter {
    pub fn label(&self, query: &DirectoryQuery, cat: &Catalog, l: Lang) -> String {
        match self {
            ActiveFilter::Search => format!("{}{}", l.t("搜索：", "Search: "), query.q),
            ActiveFilter::Sector(slug) => {
                cat.sector_by_slug(slug).map(|s| s.name.get(l).to_string()).unwrap_or_else(|| slug.clone())
            }
            ActiveFilter::Phase => match query.phase.and_then(|n| cat.phase_by_number(n)) {
                Some(p) => p.name.get(l).to_string(),
                None => String::new(),
            },
            ActiveFilter::HasAwards => l.t("有获奖", "Has awards").to_string(),
            ActiveFilter::Designation => query
                .designation
                .as_deref()
                .and_then(|d| cat.designation_by_slug(d))
                .map(|d| d.name.get(l).to_string())
                .unwrap_or_default(),
        }
    }
}

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
    fn of(cat: &'a Catalog, query: &DirectoryQuery, indexed_hits: Option<&HashSet<i64>>) -> Self {
        let sectors: Vec<&super::Sector> = query.sectors.iter().filter_map(|s| cat.sector_by_slug(s)).collect();
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
            super::search::Terms::of(&query.q).short.iter().map(|t| cat.short_term_positions(t)).collect();
        if let Some(ids) = indexed_hits {
            let mut positions: Vec<u32> = ids.iter().filter_map(|id| cat.position(*id)).collect();
            positions.sort_unstable();
            terms.push(positions);
        }
        Constraints {
            sectors,
            phase: query.phase.and_then(|n| cat.phase_by_number(n)).map(|p| p.members.as_slice()),
            designation: query
                .designation
                .as_deref()
                .and_then(|d| cat.designation_by_slug(d))
                .map(|d| d.members.as_slice()),
            awards: query.has_awards.then_some(cat.awarded.as_slice()),
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
fn facets(cat: &Catalog, constraints: &Constraints<'_>) -> Facets {
    let count = |kind: Kind, members: &mut dyn Iterator<Item = &[u32]>| -> Vec<usize> {
        match intersect(&constraints.lists(Some(kind))) {
            None => members.map(<[u32]>::len).collect(),
            Some(matches) => {
                let mut set = vec![0u64; cat.companies.len().div_ceil(64)];
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
        sectors: count(Kind::Sectors, &mut cat.sectors.iter().map(|s| s.members.as_slice())),
        phases: count(Kind::Phase, &mut cat.phases.iter().map(|p| p.members.as_slice())),
        designations: count(Kind::Designation, &mut cat.designations.iter().map(|d| d.members.as_slice())),
        awarded: count(Kind::Awards, &mut std::iter::once(cat.awarded.as_slice()))[0],
    }
}

/// Every company `query` matches, in its order (for a download of the results; the page uses [`run`]); None
/// when there are more than `at_most`, before any is sorted or looked up.
pub fn all_matches<'a>(
    cat: &'a Catalog,
    query: &DirectoryQuery,
    indexed_hits: Option<&HashSet<i64>>,
    at_most: usize,
) -> Option<Vec<&'a Company>> {
    let constraints = Constraints::of(cat, query, indexed_hits);
    let lists = constraints.lists(None);
    if lists.is_empty() && cat.companies.len() > at_most {
        return None;
    }
    let mut matches = intersect(&lists).unwrap_or_else(|| (0..cat.companies.len() as u32).collect());
    if matches.len() > at_most {
        return None;
    }
    sort_positions(cat, &mut matches, query.sort);
    Some(matches.iter().map(|&p| &*cat.companies[p as usize]).collect())
}

/// Positions are name order already; the other sorts are stable on top of it.
fn sort_positions(cat: &Catalog, positions: &mut [u32], sort: Sort) {
    match sort {
        Sort::Name => {}
        Sort::Founded => {
            positions.sort_by_key(|&p| std::cmp::Reverse(cat.companies[p as usize].founded_year.unwrap_or(i64::MIN)))
        }
        Sort::Awards => positions.sort_by_key(|&p| std::cmp::Reverse(cat.companies[p as usize].award_ids.len())),
    }
}

/// Applies `query` to the catalog. `indexed_hits` are the ids the search index matched for the query's
/// terms of three or more characters (None when it has none); shorter terms are matched here.
///
/// Work is proportional to the smallest candidate list, not to the directory: the filters' member lists
/// (positions in name order) drive the scan, and an unfiltered or single-list query in name order is a slice.
pub fn run<'a>(cat: &'a Catalog, query: &DirectoryQuery, indexed_hits: Option<&HashSet<i64>>) -> Results<'a> {
    page(cat, query, &Constraints::of(cat, query, indexed_hits))
}

/// [`run`] and the counts beside each filter option, from one reading of the query (a search term's matches
/// are looked up once for both).
pub fn run_with_facets<'a>(
    cat: &'a Catalog,
    query: &DirectoryQuery,
    indexed_hits: Option<&HashSet<i64>>,
) -> (Results<'a>, Facets) {
    let constraints = Constraints::of(cat, query, indexed_hits);
    (page(cat, query, &constraints), facets(cat, &constraints))
}

fn page<'a>(cat: &'a Catalog, query: &DirectoryQuery, constraints: &Constraints<'_>) -> Results<'a> {
    let lists = constraints.lists(None);
    let start = (query.page - 1) * PAGE_SIZE;
    let page_of = |positions: &[u32]| -> Vec<&'a Company> {
        positions.iter().skip(start).take(PAGE_SIZE).map(|&p| &*cat.companies[p as usize]).collect()
    };
    let (companies, total) = match (lists.as_slice(), query.sort) {
        // Nothing to check: the list (or the whole directory) is already the answer, in order.
        ([list], Sort::Name) => (page_of(list), list.len()),
        ([], Sort::Name) => {
            let all = &cat.companies;
            // By index: a persistent vector's iterator would walk every company before `start`.
            let page = (start..all.len().min(start + PAGE_SIZE)).filter_map(|i| all.get(i)).map(|c| &**c).collect();
            (page, all.len())
        }
        _ => {
            let mut matches = intersect(&lists).unwrap_or_else(|| (0..cat.companies.len() as u32).collect());
            sort_positions(cat, &mut matches, query.sort);
            (page_of(&matches), matches.len())
        }
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    Results { companies, total, page: query.page, pages }
}

/// At most 40 characters of a bad value, for messages.
fn clip(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The links the directory writes (chips, pages, the form's redirect) are already canonical, so following
    /// one never meets a second redirect, and a redirect never loops.
    #[test]
    fn written_queries_are_canonical() {
        let full = DirectoryQuery {
            sectors: vec!["aerospace".into(), "laser".into()],
            phase: Some(2),
            has_awards: true,
            designation: Some("national-high-tech".into()),
            q: "长光 gmax".into(),
            sort: Sort::Founded,
            page: 3,
        };
        for query in
            [full.clone(), DirectoryQuery { page: 1, ..Default::default() }, full.without(&ActiveFilter::Phase)]
        {
            let written = query.to_query_string();
            assert_eq!(crate::query::canonical(Some(&written), DirectoryQuery::PARAMS), written);
        }
    }
}
