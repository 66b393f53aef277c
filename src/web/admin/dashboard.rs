//! `/admin`: counts of every entity, what changed lately, and what lacks its English.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::auth::{AuthSession, Staff};
use super::names::{RevisionLine, revision_line};
use super::take_flash;
use crate::admin::record::{self, Untranslated};
use crate::admin::spec::{ENTITIES, Entity};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    counts: Vec<(&'static Entity, i64)>,
    recent: Vec<RevisionLine>,
    untranslated: Vec<(&'static Entity, Untranslated)>,
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let mut counts = Vec::new();
    let mut untranslated = Vec::new();
    for entity in ENTITIES.iter().copied() {
        counts.push((entity, record::count(&state.pool, entity).await?));
        untranslated.extend(record::untranslated(&state.pool, entity, 20).await?.into_iter().map(|u| (entity, u)));
    }
    let recent =
        record::recent_revisions(&state.pool, 15).await?.into_iter().map(|r| revision_line(r, ctx.lang)).collect();
    render(&DashboardPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        counts,
        recent,
        untranslated,
    })
}
