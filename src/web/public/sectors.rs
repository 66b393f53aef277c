//! `/sectors` and `/sectors/{slug}`: the park's industry sectors and their companies.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::{Catalog, Company, Sector};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::{Chrome, Ctx, render};

/// Companies shown on a sector's page; the directory, filtered by the sector, lists them all.
const SHOWN: usize = 24;

#[derive(Template)]
#[template(path = "public/sectors.html")]
struct SectorsPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    render(&SectorsPage { l: ctx.lang, chrome: ctx.chrome("sectors"), cat: &cat })
}

#[derive(Template)]
#[template(path = "public/sector.html")]
struct SectorPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
    sector: &'a Sector,
    companies: Vec<&'a Company>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> AppResult<Response> {
    let cat = state.catalog();
    let sector = cat.sector_by_slug(&slug).ok_or(AppError::NotFound)?;
    render(&SectorPage {
        l: ctx.lang,
        chrome: ctx.chrome("sectors"),
        cat: &cat,
        sector,
        companies: cat.members_of(&sector.members, SHOWN),
    })
}
