//! `/phases` and `/phases/{number}`: construction phases, their status, dates, buildings and tenants.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::{Catalog, Phase};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/phases.html")]
struct PhasesPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    render(&PhasesPage { l: ctx.lang, chrome: ctx.chrome("phases"), cat: &cat })
}

#[derive(Template)]
#[template(path = "public/phase.html")]
struct PhasePage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
    phase: &'a Phase,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let cat = state.catalog();
    // Not a number, or no such phase: both are "no page here".
    let phase = number.parse::<i64>().ok().and_then(|n| cat.phase_by_number(n)).ok_or(AppError::NotFound)?;
    render(&PhasePage { l: ctx.lang, chrome: ctx.chrome("phases"), cat: &cat, phase })
}
