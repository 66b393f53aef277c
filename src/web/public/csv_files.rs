//! `/data/{companies,awards,phases,sectors}.csv`: the public directory as open data, in the admin's CSV
//! format (same columns, ids and quoting), so a downloaded file goes back through the importer unchanged.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::admin::csv;
use crate::admin::record::{self, ListQuery};
use crate::admin::spec::{AWARDS, COMPANIES, Entity, PHASES, SECTORS};
use crate::app::AppState;
use crate::error::AppResult;

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
    let cat = state.catalog();
    // By id: a file that changes only where the data did (and diffs well between downloads).
    let query = ListQuery { q: "", filters: Vec::new(), sort: Some(("id", false)), page: 1, per_page: -1 };
    let (records, _) = record::list(&state.pool, entity, &query).await?;
    let mut conn = state.pool.acquire().await?;
    let bytes = csv::write(&mut conn, entity, &records).await?;
    Ok(super::data::dated_response(headers, cat.last_modified(), "text/csv; charset=utf-8", Body::from(bytes)))
}
