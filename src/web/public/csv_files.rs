//! `/data/{companies,awards,phases,sectors}.csv`: the public directory as open data, in the admin's CSV
//! format (same columns, ids and quoting), so a downloaded file goes back through the importer unchanged.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::admin::csv;
use crate::admin::record::{self, ListQuery};
use crate::admin::spec::{AWARDS, COMPANIES, Entity, PHASES, SECTORS};
use crate::app::AppState;
use crate::error::AppResult;
use crate::web::cache::{http_date, not_modified_since};

pub async fn companies(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    file(&state, &headers, &COMPANIES).await
}

pub async fn awards(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    file(&state, &headers, &AWARDS).await
}

pub async fn phases(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    file(&state, &headers, &PHASES).await
}

pub async fn sectors(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    file(&state, &headers, &SECTORS).await
}

async fn file(state: &AppState, headers: &HeaderMap, entity: &Entity) -> AppResult<Response> {
    let last_modified = http_date(state.catalog().last_modified());
    if let Some(date) = &last_modified
        && not_modified_since(headers, date)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::LAST_MODIFIED, date.clone())]).into_response());
    }
    // By id: a file that changes only where the data did (and diffs well between downloads).
    let query = ListQuery { q: "", filters: Vec::new(), sort: Some(("id", false)), page: 1, per_page: -1 };
    let (records, _) = record::list(&state.pool, entity, &query).await?;
    let mut conn = state.pool.acquire().await?;
    let bytes = csv::write(&mut conn, entity, &records).await?;
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"))], bytes).into_response();
    if let Some(value) = last_modified.and_then(|d| HeaderValue::from_str(&d).ok()) {
        response.headers_mut().insert(header::LAST_MODIFIED, value);
    }
    Ok(response)
}
