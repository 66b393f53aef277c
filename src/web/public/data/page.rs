//! The page that describes the open data (`/data`, `/en/data`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::api::{API_PATH, api_answer};
use super::{Dataset, LICENCE_URL};
use crate::catalog::Catalog;
use crate::catalog::directory::DirectoryQuery;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

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
    catalog: &'a Catalog,
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
    let catalog = state.catalog();
    let datasets = Dataset::ALL
        .into_iter()
        .map(|d| DatasetRow { dataset: d, rows: d.rows(&catalog), json_url: d.json_path(), csv_url: d.csv_path() })
        .collect();
    // A real answer, computed like any request, so the example never drifts from what the API returns. Should
    // an editor remove the example's designation, the example becomes the unfiltered directory.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(EXAMPLE_QUERY.as_bytes()).into_owned().collect();
    let query = DirectoryQuery::parse(&pairs, &catalog).unwrap_or(DirectoryQuery { page: 1, ..Default::default() });
    let results = crate::catalog::directory::find(&catalog, &query)?;
    let example_response = serde_json::to_string_pretty(&api_answer(&state, &catalog, &query, results))
        .map_err(|e| AppError::Other(e.into()))?;
    let modified = catalog.last_modified();
    render(&DataPage {
        l: ctx.lang,
        chrome: ctx.chrome("data").describe(
            ctx.lang.t("开放数据", "Open data"),
            ctx.lang.t(
                "长春光电信息产业园的企业、获奖、分期与产业方向数据，提供 JSON 与 CSV 下载、Atom 订阅和查询接口，以 CC BY 4.0 许可发布。",
                "Companies, awards, phases and sectors of the Changchun Optoelectronic Information Industrial Park as JSON and CSV downloads, an Atom feed and a query API, under CC BY 4.0.",
            ),
        ),
        catalog: &catalog,
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
