//! The directory's filters: reading them from a query string, applying them to the catalog, and writing
//! them back as URLs (so every filter state is shareable, and each active filter can be removed alone).

use super::Catalog;
use crate::i18n::{Lang, Text};
use crate::query::QueryParam;

mod results;

pub use results::{Facets, FindError, Results, all_matches, find, find_with_facets, run, run_with_facets};

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

    /// What the order is called; `searching`: a search term is set, and the default order puts the best
    /// matches first (names equal to it, then starting with it, then holding it), by name within each.
    pub fn label(self, l: impl std::borrow::Borrow<Lang>, searching: bool) -> &'static str {
        let l = *l.borrow();
        match self {
            Sort::Name if searching => l.t("最匹配（再按名称）", "Best match, then name"),
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
    pub fn parse(pairs: &[(String, String)], catalog: &Catalog) -> Result<Self, Text> {
        let mut query = DirectoryQuery { page: 1, ..Default::default() };
        for (key, value) in pairs {
            let value = value.trim();
            if !value.is_empty() {
                query.read(key, value, catalog)?;
            }
        }
        Ok(query)
    }

    /// One parameter of the query string.
    fn read(&mut self, key: &str, value: &str, catalog: &Catalog) -> Result<(), Text> {
        match key {
            "sector" => {
                if catalog.sector_by_slug(value).is_none() {
                    return Err(no_such("产业方向", "sector", value));
                }
                if !self.sectors.iter().any(|s| s == value) {
                    self.sectors.push(value.to_string());
                }
            }
            "phase" => {
                let number = value.parse::<i64>().ok().filter(|n| catalog.phase_by_number(*n).is_some());
                match number {
                    Some(n) => self.phase = Some(n),
                    None => {
                        return Err(Text::new(
                            format!("没有“{}”期。", clip(value)),
                            format!("There is no phase “{}”.", clip(value)),
                        ));
                    }
                }
            }
            "awards" => self.has_awards = matches!(value, "1" | "on" | "true" | "yes"),
            "designation" => {
                if catalog.designation_by_slug(value).is_none() {
                    return Err(no_such("资质认定", "designation", value));
                }
                self.designation = Some(value.to_string());
            }
            "q" => {
                if value.chars().count() > MAX_QUERY_CHARS {
                    return Err(Text::new(
                        format!("搜索词太长：最多 {MAX_QUERY_CHARS} 个字符。"),
                        format!("The search term is too long: at most {MAX_QUERY_CHARS} characters."),
                    ));
                }
                self.q = value.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            "sort" => {
                self.sort = Sort::ALL.into_iter().find(|s| s.key() == value).ok_or_else(|| {
                    Text::new(
                        format!("无法按“{}”排序：可选 name、founded、awards。", clip(value)),
                        format!("Cannot sort by “{}”: use name, founded or awards.", clip(value)),
                    )
                })?;
            }
            "page" => {
                self.page = value.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    Text::new(
                        format!("页码“{}”无效：应为从 1 开始的整数。", clip(value)),
                        format!("“{}” is not a page number: use a whole number from 1.", clip(value)),
                    )
                })?;
            }
            _ => {}
        }
        Ok(())
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
    pub fn label(&self, query: &DirectoryQuery, catalog: &Catalog, l: Lang) -> String {
        match self {
            ActiveFilter::Search => format!("{}{}", l.t("搜索：", "Search: "), query.q),
            ActiveFilter::Sector(slug) => {
                catalog.sector_by_slug(slug).map(|s| s.name.get(l).to_string()).unwrap_or_else(|| slug.clone())
            }
            ActiveFilter::Phase => match query.phase.and_then(|n| catalog.phase_by_number(n)) {
                Some(p) => p.name.get(l).to_string(),
                None => String::new(),
            },
            ActiveFilter::HasAwards => l.t("有获奖", "Has awards").to_string(),
            ActiveFilter::Designation => query
                .designation
                .as_deref()
                .and_then(|d| catalog.designation_by_slug(d))
                .map(|d| d.name.get(l).to_string())
                .unwrap_or_default(),
        }
    }
}

/// "There is no {what} called “{value}”."
fn no_such(what_zh: &str, what_en: &str, value: &str) -> Text {
    Text::new(
        format!("没有名为“{}”的{what_zh}。", clip(value)),
        format!("There is no {what_en} called “{}”.", clip(value)),
    )
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
