//! Open data: the datasets as JSON (`/data/*.json`), the directory as a JSON API (`/api/companies`), and the
//! page that describes them (`/data`, `/en/data`).
//!
//! Every file carries a header naming its licence, its source and when it was made; records keep their
//! database ids and slugs, both languages side by side, and refer to each other by id. The files are
//! language-neutral, so they live only at `/data/…` and `/api/…`.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::catalog::directory::{DirectoryQuery, PAGE_SIZE, Results};
use crate::catalog::{Award, Building, Catalog, Company, Competition, Designation, Milestone, Phase, Sector, Source};
use crate::error::{AppError, AppResult, ErrorDetails};
use crate::i18n::{Lang, Text};
use crate::web::cache::{DoNotCache, PAGE_CACHE_CONTROL, not_modified, unmodified_since};
use crate::web::{Chrome, Ctx, render};

/// The licence of the portal's own compilation. The facts themselves come from the cited reporting.
pub const LICENCE_NAME: &str = "CC BY 4.0";
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
const LICENCE_NOTE_ZH: &str = "本站对这些数据的整理与汇编以知识共享署名 4.0 国际许可协议（CC BY 4.0）发布，使用时请注明“长春光电信息产业园门户网站”并附上本站链接。数据中的事实取自所注明的公开报道。";
const LICENCE_NOTE_EN: &str = "The portal's compilation of this data is published under the Creative Commons Attribution 4.0 International licence (CC BY 4.0): credit \"Changchun Optoelectronic Information Industrial Park portal\" with a link to the portal. The facts in it come from the public reporting cited as the source.";

const JSON: &str = "application/json; charset=utf-8";

/// The open datasets, each as JSON here and as CSV at the same path with `.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Companies,
    Awards,
    Phases,
    Sectors,
}

impl Dataset {
    pub const ALL: [Dataset; 4] = [Dataset::Companies, Dataset::Awards, Dataset::Phases, Dataset::Sectors];

    pub fn key(self) -> &'static str {
        match self {
            Dataset::Companies => "companies",
            Dataset::Awards => "awards",
            Dataset::Phases => "phases",
            Dataset::Sectors => "sectors",
        }
    }

    pub fn title(self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Dataset::Companies => l.t("入驻企业", "Companies"),
            Dataset::Awards => l.t("企业获奖", "Awards"),
            Dataset::Phases => l.t("园区分期", "Phases"),
            Dataset::Sectors => l.t("产业方向", "Sectors"),
        }
    }

    pub fn description(self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Dataset::Companies => l.t(
                "企业名称、简介、亮点、所属分期、产业方向与资质认定（附资质认定表）。",
                "Names, descriptions, highlights, phase, sectors and designations of each company (with the designations).",
            ),
            Dataset::Awards => l.t(
                "企业在各赛事中获得的奖项、奖金与项目支持（附赛事表）。",
                "Awards won by park companies, with prize money and project support (with the competitions).",
            ),
            Dataset::Phases => l.t(
                "各期的状态、日期与入驻企业，以及楼宇和园区大事记。",
                "Each phase's status, dates and tenants, with the buildings and the park's milestones.",
            ),
            Dataset::Sectors => l.t("园区的产业方向及各方向的企业。", "The park's sectors and the companies in each."),
        }
    }

    /// Rows of the dataset's main table.
    pub fn rows(self, cat: &Catalog) -> usize {
        match self {
            Dataset::Companies => cat.companies.len(),
            Dataset::Awards => cat.awards.len(),
            Dataset::Phases => cat.phases.len(),
            Dataset::Sectors => cat.sectors.len(),
        }
    }

    pub fn json_path(self) -> String {
        format!("/data/{}.json", self.key())
    }

    pub fn csv_path(self) -> String {
        format!("/data/{}.csv", self.key())
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (or any RFC 3339 time) as an HTTP date (`Fri, 27 Nov 2026 18:00:00 GMT`).
pub fn http_date(rfc3339: &str) -> Option<HeaderValue> {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    HeaderValue::from_str(&httpdate::fmt_http_date(at.into())).ok()
}

/// A response carrying `Last-Modified` (from `modified`, RFC 3339) and the pages' `Cache-Control`; a 304
/// when the request's `If-Modified-Since` is at or after it.
pub fn dated_response(request: &HeaderMap, modified: &str, content_type: &'static str, body: Body) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, PAGE_CACHE_CONTROL)], body).into_response();
    if let Some(date) = http_date(modified) {
        response.headers_mut().insert(header::LAST_MODIFIED, date);
    }
    if unmodified_since(request, response.headers()) { not_modified(response) } else { response }
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
fn now() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------------------
// Records: what each file holds, by id, with both languages side by side.
// ---------------------------------------------------------------------------------------------------------

/// A text in both languages; an empty side is `null` (not stated), never filled from the other language.
#[derive(Debug, Serialize)]
pub struct Both<'a> {
    zh: Option<&'a str>,
    en: Option<&'a str>,
}

impl<'a> Both<'a> {
    fn of(text: &'a Text) -> Both<'a> {
        Both::pair(&text.zh, &text.en)
    }

    fn pair(zh: &'a str, en: &'a str) -> Both<'a> {
        let keep = |s: &'a str| Some(s).filter(|s| !s.trim().is_empty());
        Both { zh: keep(zh), en: keep(en) }
    }
}

/// The same page in both languages, as absolute URLs.
#[derive(Debug, Serialize)]
struct Urls {
    zh: String,
    en: String,
}

impl Urls {
    fn of(state: &AppState, path: &str) -> Urls {
        Urls { zh: state.absolute(&Lang::Zh.url(path)), en: state.absolute(&Lang::En.url(path)) }
    }
}

#[derive(Debug, Serialize)]
struct Lines<'a> {
    zh: Vec<&'a str>,
    en: Vec<&'a str>,
}

fn ids_of(cat: &Catalog, members: &[u32]) -> Vec<i64> {
    members.iter().filter_map(|&i| cat.companies.get(i as usize)).map(|c| c.id).collect()
}

#[derive(Debug, Serialize)]
struct CompanyRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    legal_name: Both<'a>,
    /// Tone-marked pinyin of the Chinese short name.
    pinyin: String,
    status: &'a str,
    founded_year: Option<i64>,
    ciomp_spinoff: bool,
    phase_id: Option<i64>,
    building_id: Option<i64>,
    sector_ids: &'a [i64],
    designation_ids: &'a [i64],
    award_ids: &'a [i64],
    milestone_ids: &'a [i64],
    products: Vec<&'a str>,
    /// Markdown, as editors write it.
    description: Both<'a>,
    highlights: Lines<'a>,
    website: Option<&'a str>,
    logo: Option<String>,
    source_id: Option<i64>,
    url: Urls,
    last_modified: &'a str,
}

impl<'a> CompanyRecord<'a> {
    fn of(state: &AppState, cat: &'a Catalog, c: &'a Company) -> CompanyRecord<'a> {
        CompanyRecord {
            id: c.id,
            slug: &c.slug,
            name: Both::of(&c.name),
            legal_name: Both::of(&c.legal_name),
            pinyin: c.pinyin(),
            status: &c.status,
            founded_year: c.founded_year,
            ciomp_spinoff: c.ciomp_spinoff,
            phase_id: c.phase_id,
            building_id: c.building_id,
            sector_ids: &c.sector_ids,
            designation_ids: &c.designation_ids,
            award_ids: &c.award_ids,
            milestone_ids: &c.milestone_ids,
            products: cat.products_of(c),
            description: Both::of(&c.description),
            highlights: Lines {
                zh: c.highlights.zh.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
                en: c.highlights.en.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
            },
            website: c.website.as_deref(),
            logo: c.logo_path.as_ref().map(|p| state.absolute(&format!("/media/{p}"))),
            source_id: c.source_id,
            url: Urls::of(state, &format!("/companies/{}", c.slug)),
            last_modified: cat.modified_at("companies", c.id),
        }
    }
}

#[derive(Debug, Serialize)]
struct DesignationRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    description: Both<'a>,
    company_ids: Vec<i64>,
}

impl<'a> DesignationRecord<'a> {
    fn of(cat: &Catalog, d: &'a Designation) -> DesignationRecord<'a> {
        DesignationRecord {
            id: d.id,
            slug: &d.slug,
            name: Both::of(&d.name),
            description: Both::of(&d.description),
            company_ids: ids_of(cat, &d.members),
        }
    }
}

#[derive(Debug, Serialize)]
struct AwardRecord<'a> {
    id: i64,
    company_id: i64,
    competition_id: i64,
    edition: Option<i64>,
    edition_label: Both<'a>,
    division: Both<'a>,
    organiser: Both<'a>,
    group: Both<'a>,
    rank: Both<'a>,
    year: Option<i64>,
    prize_money_yuan: Option<i64>,
    project_support_yuan: Option<i64>,
    source_id: Option<i64>,
    last_modified: &'a str,
}

#[derive(Debug, Serialize)]
struct CompetitionRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
}

impl<'a> CompetitionRecord<'a> {
    fn of(c: &'a Competition) -> CompetitionRecord<'a> {
        CompetitionRecord { id: c.id, slug: &c.slug, name: Both::of(&c.name) }
    }
}

#[derive(Debug, Serialize)]
struct PhaseRecord<'a> {
    id: i64,
    number: i64,
    name: Both<'a>,
    /// `planned`, `under_construction`, `delivered`, or null when the source does not say.
    status: Option<&'static str>,
    status_label: Option<Both<'static>>,
    construction_started_on: Option<&'a str>,
    completed_on: Option<&'a str>,
    expected_completion_on: Option<&'a str>,
    tenant_count_stated: Option<i64>,
    /// The date the stated status and counts hold for.
    as_of: Option<&'a str>,
    note: Both<'a>,
    source_id: Option<i64>,
    company_ids: Vec<i64>,
    building_ids: &'a [i64],
    url: Urls,
    last_modified: &'a str,
}

impl<'a> PhaseRecord<'a> {
    fn of(state: &AppState, cat: &'a Catalog, p: &'a Phase) -> PhaseRecord<'a> {
        PhaseRecord {
            id: p.id,
            number: p.number,
            name: Both::of(&p.name),
            status: p.status.map(|s| s.key()),
            status_label: p.status.map(|s| Both::pair(s.label(Lang::Zh), s.label(Lang::En))),
            construction_started_on: p.construction_started_on.as_deref(),
            completed_on: p.completed_on.as_deref(),
            expected_completion_on: p.expected_completion_on.as_deref(),
            tenant_count_stated: p.tenant_count_stated,
            as_of: p.as_of.as_deref(),
            note: Both::of(&p.note),
            source_id: p.source_id,
            company_ids: ids_of(cat, &p.members),
            building_ids: &p.building_ids,
            url: Urls::of(state, &format!("/phases/{}", p.number)),
            last_modified: cat.modified_at("phases", p.id),
        }
    }
}

#[derive(Debug, Serialize)]
struct BuildingRecord<'a> {
    id: i64,
    phase_id: Option<i64>,
    name: Both<'a>,
    kind: &'a str,
    building_count: i64,
    completed_on: Option<&'a str>,
    note: Both<'a>,
    company_ids: Vec<i64>,
}

impl<'a> BuildingRecord<'a> {
    fn of(cat: &Catalog, b: &'a Building) -> BuildingRecord<'a> {
        BuildingRecord {
            id: b.id,
            phase_id: b.phase_id,
            name: Both::of(&b.name),
            kind: &b.kind,
            building_count: b.building_count,
            completed_on: b.completed_on.as_deref(),
            note: Both::of(&b.note),
            company_ids: ids_of(cat, &b.members),
        }
    }
}

#[derive(Debug, Serialize)]
struct MilestoneRecord<'a> {
    id: i64,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: as precise as the source is.
    occurred_on: &'a str,
    kind: &'a str,
    phase_id: Option<i64>,
    building_id: Option<i64>,
    company_id: Option<i64>,
    product_name: Option<&'a str>,
    title: Both<'a>,
    description: Both<'a>,
    source_id: Option<i64>,
}

impl<'a> MilestoneRecord<'a> {
    fn of(m: &'a Milestone) -> MilestoneRecord<'a> {
        MilestoneRecord {
            id: m.id,
            occurred_on: &m.occurred_on,
            kind: &m.kind,
            phase_id: m.phase_id,
            building_id: m.building_id,
            company_id: m.company_id,
            product_name: Some(m.product_name.as_str()).filter(|p| !p.is_empty()),
            title: Both::of(&m.title),
            description: Both::of(&m.description),
            source_id: m.source_id,
        }
    }
}

#[derive(Debug, Serialize)]
struct SectorRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    description: Both<'a>,
    company_ids: Vec<i64>,
    url: Urls,
    last_modified: &'a str,
}

#[derive(Debug, Serialize)]
struct SourceRecord<'a> {
    id: i64,
    title: Both<'a>,
    publisher: Both<'a>,
    author: Both<'a>,
    published_on: Option<&'a str>,
    url: Option<&'a str>,
    note: Both<'a>,
}

impl<'a> SourceRecord<'a> {
    fn of(s: &'a Source) -> SourceRecord<'a> {
        SourceRecord {
            id: s.id,
            title: Both::of(&s.title),
            publisher: Both::of(&s.publisher),
            author: Both::of(&s.author),
            published_on: s.published_on.as_deref(),
            url: s.url.as_deref(),
            note: Both::of(&s.note),
        }
    }
}

#[derive(Debug, Serialize)]
struct Licence {
    name: &'static str,
    url: &'static str,
    note: Both<'static>,
}

const LICENCE: Licence = Licence {
    name: LICENCE_NAME,
    url: LICENCE_URL,
    note: Both { zh: Some(LICENCE_NOTE_ZH), en: Some(LICENCE_NOTE_EN) },
};

/// What every file says about itself.
#[derive(Debug, Serialize)]
struct Header<'a> {
    dataset: &'static str,
    title: Both<'static>,
    description: Both<'static>,
    rows: usize,
    licence: Licence,
    /// The reporting the facts come from (records refer to it by `source_id`).
    sources: Vec<SourceRecord<'a>>,
    generated_at: String,
    /// When anything in the portal's data last changed.
    last_modified: &'a str,
    portal: String,
    documentation: Urls,
    formats: Formats,
}

#[derive(Debug, Serialize)]
struct Formats {
    json: String,
    csv: String,
}

impl<'a> Header<'a> {
    fn of(state: &AppState, cat: &'a Catalog, dataset: Dataset) -> Header<'a> {
        Header {
            dataset: dataset.key(),
            title: Both::pair(dataset.title(Lang::Zh), dataset.title(Lang::En)),
            description: Both::pair(dataset.description(Lang::Zh), dataset.description(Lang::En)),
            rows: dataset.rows(cat),
            licence: LICENCE,
            sources: cat.sources.iter().map(SourceRecord::of).collect(),
            generated_at: now(),
            last_modified: cat.last_modified(),
            portal: state.absolute("/"),
            documentation: Urls::of(state, "/data"),
            formats: Formats { json: state.absolute(&dataset.json_path()), csv: state.absolute(&dataset.csv_path()) },
        }
    }
}

/// The JSON document of one dataset.
fn dataset_json(state: &AppState, cat: &Catalog, dataset: Dataset) -> serde_json::Result<Vec<u8>> {
    let header = Header::of(state, cat, dataset);
    match dataset {
        Dataset::Companies => {
            #[derive(Serialize)]
            struct File<'a> {
                header: Header<'a>,
                companies: Vec<CompanyRecord<'a>>,
                designations: Vec<DesignationRecord<'a>>,
            }
            serde_json::to_vec_pretty(&File {
                header,
                companies: cat.companies.iter().map(|c| CompanyRecord::of(state, cat, c)).collect(),
                designations: cat.designations.iter().map(|d| DesignationRecord::of(cat, d)).collect(),
            })
        }
        Dataset::Awards => {
            #[derive(Serialize)]
            struct File<'a> {
                header: Header<'a>,
                awards: Vec<AwardRecord<'a>>,
                competitions: Vec<CompetitionRecord<'a>>,
            }
            let editions: Vec<(String, String)> =
                cat.awards.iter().map(|a| (a.edition_label(Lang::Zh), a.edition_label(Lang::En))).collect();
            let awards = cat
                .awards
                .iter()
                .zip(&editions)
                .map(|(a, (zh, en)): (&Award, &(String, String))| AwardRecord {
                    id: a.id,
                    company_id: a.company_id,
                    competition_id: a.competition_id,
                    edition: a.edition,
                    edition_label: Both::pair(zh, en),
                    division: Both::of(&a.division),
                    organiser: Both::of(&a.organiser),
                    group: Both::of(&a.group),
                    rank: Both::of(&a.rank),
                    year: a.year,
                    prize_money_yuan: a.prize_money_yuan,
                    project_support_yuan: a.project_support_yuan,
                    source_id: a.source_id,
                    last_modified: cat.modified_at("awards", a.id),
                })
                .collect();
            serde_json::to_vec_pretty(&File {
                header,
                awards,
                competitions: cat.competitions.iter().map(CompetitionRecord::of).collect(),
            })
        }
        Dataset::Phases => {
            #[derive(Serialize)]
            struct File<'a> {
                header: Header<'a>,
                phases: Vec<PhaseRecord<'a>>,
                buildings: Vec<BuildingRecord<'a>>,
                milestones: Vec<MilestoneRecord<'a>>,
            }
            serde_json::to_vec_pretty(&File {
                header,
                phases: cat.phases.iter().map(|p| PhaseRecord::of(state, cat, p)).collect(),
                buildings: cat.buildings.iter().map(|b| BuildingRecord::of(cat, b)).collect(),
                milestones: cat.milestones.iter().map(MilestoneRecord::of).collect(),
            })
        }
        Dataset::Sectors => {
            #[derive(Serialize)]
            struct File<'a> {
                header: Header<'a>,
                sectors: Vec<SectorRecord<'a>>,
            }
            let sectors = cat
                .sectors
                .iter()
                .map(|s: &Sector| SectorRecord {
                    id: s.id,
                    slug: &s.slug,
                    name: Both::of(&s.name),
                    description: Both::of(&s.description),
                    company_ids: ids_of(cat, &s.members),
                    url: Urls::of(state, &format!("/sectors/{}", s.slug)),
                    last_modified: cat.modified_at("sectors", s.id),
                })
                .collect();
            serde_json::to_vec_pretty(&File { header, sectors })
        }
    }
}

/// `/data/{dataset}.json`.
fn json_file(state: &AppState, headers: &HeaderMap, dataset: Dataset) -> AppResult<Response> {
    let cat = state.catalog();
    let body = dataset_json(state, &cat, dataset).map_err(|e| AppError::Other(e.into()))?;
    Ok(dated_response(headers, cat.last_modified(), JSON, Body::from(body)))
}

pub async fn companies_json(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    json_file(&state, &headers, Dataset::Companies)
}

pub async fn awards_json(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    json_file(&state, &headers, Dataset::Awards)
}

pub async fn phases_json(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    json_file(&state, &headers, Dataset::Phases)
}

pub async fn sectors_json(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    json_file(&state, &headers, Dataset::Sectors)
}

// ---------------------------------------------------------------------------------------------------------
// The API: the directory's filters, answered in JSON.
// ---------------------------------------------------------------------------------------------------------

const API_PATH: &str = "/api/companies";

#[derive(Debug, Serialize)]
struct ApiQuery<'a> {
    q: Option<&'a str>,
    sector: &'a [String],
    phase: Option<i64>,
    awards: bool,
    designation: Option<&'a str>,
    sort: &'static str,
    page: usize,
}

#[derive(Debug, Serialize)]
struct ApiAnswer<'a> {
    query: ApiQuery<'a>,
    /// Matches across all pages.
    total: usize,
    page: usize,
    pages: usize,
    per_page: usize,
    next: Option<String>,
    prev: Option<String>,
    /// The same results as a directory page.
    html: Urls,
    licence: Licence,
    results: Vec<CompanyRecord<'a>>,
}

fn api_answer<'a>(
    state: &AppState,
    cat: &'a Catalog,
    query: &'a DirectoryQuery,
    results: Results<'a>,
) -> ApiAnswer<'a> {
    let link = |page: usize| state.absolute(&query.with_page(page).url(API_PATH));
    ApiAnswer {
        query: ApiQuery {
            q: Some(query.q.as_str()).filter(|q| !q.is_empty()),
            sector: &query.sectors,
            phase: query.phase,
            awards: query.has_awards,
            designation: query.designation.as_deref(),
            sort: query.sort.key(),
            page: results.page,
        },
        total: results.total,
        page: results.page,
        pages: results.pages,
        per_page: PAGE_SIZE,
        next: (results.page < results.pages).then(|| link(results.page + 1)),
        prev: (results.page > 1).then(|| link(results.page - 1)),
        html: Urls::of(state, &query.url("/companies")),
        licence: LICENCE,
        results: results.companies.iter().map(|c| CompanyRecord::of(state, cat, c)).collect(),
    }
}

/// `GET /api/companies?…`: the directory's query parameters, its results as JSON. Bad input is a JSON 400.
pub async fn api_companies(State(state): State<AppState>, ctx: Ctx) -> Response {
    let cat = state.catalog();
    let answer = async {
        let query = DirectoryQuery::parse(&ctx.query_pairs(), &cat).map_err(AppError::BadRequest)?;
        let results = super::companies::find(&state.pool, &cat, &query).await?;
        let body =
            serde_json::to_vec(&api_answer(&state, &cat, &query, results)).map_err(|e| AppError::Other(e.into()))?;
        Ok::<_, AppError>((query, body))
    };
    match answer.await {
        Ok((query, body)) => {
            let mut response =
                ([(header::CONTENT_TYPE, JSON), (header::CACHE_CONTROL, PAGE_CACHE_CONTROL)], body).into_response();
            if !query.q.is_empty() {
                // as on the HTML directory: every search term is new, keeping them would only evict
                response.extensions_mut().insert(DoNotCache);
            }
            response
        }
        Err(err) => json_error(err),
    }
}

/// Any other address under `/api/`: a JSON 404 rather than an HTML page.
pub async fn api_not_found() -> Response {
    json_error(AppError::NotFound)
}

/// An error as the API answers it: `{"error": {"status", "message": {"zh", "en"}, "incident"}}`, with a JSON
/// content type so the front door keeps it instead of rendering the HTML error page.
pub fn json_error(err: AppError) -> Response {
    // Through the one place that decides statuses and logs server errors with an incident id.
    let response = err.into_response();
    let status = response.status();
    let details = response.extensions().get::<ErrorDetails>().cloned();
    let (message, incident) = match details {
        Some(d) => (d.message, d.incident),
        None => (None, None),
    };
    let message = message.unwrap_or_else(|| match status {
        StatusCode::NOT_FOUND => Text::new("这个地址没有接口。", "There is no API at this address."),
        s if s.is_server_error() => {
            Text::new("服务器出错了，请稍后再试。", "Something went wrong on our side; please try again later.")
        }
        _ => Text::new("请求无法完成。", "The request could not be completed."),
    });
    #[derive(Serialize)]
    struct Error<'a> {
        status: u16,
        message: Both<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        incident: Option<String>,
    }
    #[derive(Serialize)]
    struct Envelope<'a> {
        error: Error<'a>,
    }
    let body = serde_json::to_string(&Envelope {
        error: Error { status: status.as_u16(), message: Both::of(&message), incident },
    })
    .unwrap_or_else(|_| format!("{{\"error\":{{\"status\":{}}}}}", status.as_u16()));
    (status, [(header::CONTENT_TYPE, JSON), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

// ---------------------------------------------------------------------------------------------------------
// The page that describes it all.
// ---------------------------------------------------------------------------------------------------------

/// One dataset as the data page lists it.
struct DatasetRow {
    dataset: Dataset,
    rows: usize,
    json_url: String,
    csv_url: String,
}

#[derive(Template)]
#[template(path = "public/data.html")]
struct DataPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
    datasets: Vec<DatasetRow>,
    /// `YYYY-MM-DD` of the last change, and the full time.
    modified_day: &'a str,
    modified: &'a str,
    feed_zh: String,
    feed_en: String,
    api_url: String,
    example_request: String,
    example_response: String,
    error_example: &'static str,
    licence_url: &'static str,
}

/// The query the data page shows as the API's example: a filter with one match, so the answer is short.
const EXAMPLE_QUERY: &str = "designation=changchun-little-giant";

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    let datasets = Dataset::ALL
        .into_iter()
        .map(|d| DatasetRow { dataset: d, rows: d.rows(&cat), json_url: d.json_path(), csv_url: d.csv_path() })
        .collect();
    // A real answer, computed like any request, so the example never drifts from what the API returns. Should
    // an editor remove the example's designation, the example becomes the unfiltered directory.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(EXAMPLE_QUERY.as_bytes()).into_owned().collect();
    let query = DirectoryQuery::parse(&pairs, &cat).unwrap_or(DirectoryQuery { page: 1, ..Default::default() });
    let results = super::companies::find(&state.pool, &cat, &query).await?;
    let example_response = serde_json::to_string_pretty(&api_answer(&state, &cat, &query, results))
        .map_err(|e| AppError::Other(e.into()))?;
    let modified = cat.last_modified();
    render(&DataPage {
        l: ctx.lang,
        chrome: ctx.chrome("data").describe(
            ctx.lang.t("开放数据", "Open data"),
            ctx.lang.t(
                "长春光电信息产业园的企业、获奖、分期与产业方向数据，提供 JSON 与 CSV 下载、Atom 订阅和查询接口，以 CC BY 4.0 许可发布。",
                "Companies, awards, phases and sectors of the Changchun Optoelectronic Information Industrial Park as JSON and CSV downloads, an Atom feed and a query API, under CC BY 4.0.",
            ),
        ),
        cat: &cat,
        datasets,
        modified_day: modified.get(..10).unwrap_or(modified),
        modified,
        feed_zh: state.absolute("/feed.atom"),
        feed_en: state.absolute("/en/feed.atom"),
        api_url: state.absolute(API_PATH),
        example_request: state.absolute(&query.url(API_PATH)),
        example_response,
        error_example: r#"{"error": {"status": 400, "message": {"zh": "…", "en": "…"}}}"#,
        licence_url: LICENCE_URL,
    })
}
