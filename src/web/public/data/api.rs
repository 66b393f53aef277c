//! The API: the directory's filters, answered in JSON (`/api/companies`), and its errors as JSON.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::JSON;
use super::records::{Both, CompanyRecord, LICENCE, Licence, Urls};
use crate::catalog::Catalog;
use crate::catalog::directory::{DirectoryQuery, PAGE_SIZE, Results};
use crate::i18n::Text;
use crate::web::AppState;
use crate::web::Ctx;
use crate::web::cache::PAGE_CACHE_CONTROL;
use crate::web::error::{AppError, ErrorDetails};

pub(super) const API_PATH: &str = "/api/companies";

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
pub(super) struct ApiAnswer<'a> {
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

pub(super) fn api_answer<'a>(
    state: &AppState,
    catalog: &'a Catalog,
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
        results: results.companies.iter().map(|c| CompanyRecord::of(state, catalog, c)).collect(),
    }
}

/// `GET /api/companies?…`: the directory's query parameters, its results as JSON. Bad input is a JSON 400.
pub async fn api_companies(State(state): State<AppState>, ctx: Ctx) -> Response {
    let catalog = state.catalog();
    let answer = async {
        let query = DirectoryQuery::parse(&ctx.query_pairs(), &catalog).map_err(AppError::BadRequest)?;
        let results = crate::catalog::directory::find(&catalog, &query)?;
        let body = serde_json::to_vec(&api_answer(&state, &catalog, &query, results))
            .map_err(|e| AppError::Other(e.into()))?;
        Ok::<_, AppError>((query, body))
    };
    match answer.await {
        // A search is never kept: the response cache knows it from the URL (`public::never_kept`).
        Ok((_, body)) => {
            ([(header::CONTENT_TYPE, JSON), (header::CACHE_CONTROL, PAGE_CACHE_CONTROL)], body).into_response()
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
