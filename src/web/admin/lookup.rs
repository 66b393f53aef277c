//! `GET /admin/lookup/{entity}?q=…`: entries of a large entity for a search field's combobox (staff only, at
//! most [`picker::MAX_CANDIDATES`], both names). The form works without it; see `static/js/admin.js`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::EntityParam;
use super::auth::AuthSession;
use crate::admin::picker::{self, Candidate};
use crate::i18n::Text;
use crate::web::AppState;
use crate::web::Ctx;
use crate::web::error::{AppError, AppResult};

/// Longest term looked up (names are at most 200 characters; nobody types more to find one).
const MAX_TERM_CHARS: usize = 100;

#[derive(Serialize)]
struct Answer<'a> {
    q: &'a str,
    results: Vec<Candidate>,
}

pub async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    EntityParam(entity): EntityParam,
) -> AppResult<Response> {
    auth.user.as_ref().ok_or(AppError::Unauthorized)?;
    if entity.picker.is_none() {
        return Err(AppError::NotFound);
    }
    let pairs = ctx.query_pairs();
    let q = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.trim()).unwrap_or("");
    if q.chars().count() > MAX_TERM_CHARS {
        return Err(AppError::BadRequest(Text::new(
            "搜索词最多 100 个字符。",
            "The search term can have at most 100 characters.",
        )));
    }
    let mut conn = state.pool.acquire().await?;
    let results = picker::lookup(&mut conn, entity, q).await?;
    let body = serde_json::to_vec(&Answer { q, results }).map_err(|e| AppError::Other(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "application/json; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response())
}
