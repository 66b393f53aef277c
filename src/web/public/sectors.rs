//! `/sectors` and `/sectors/{slug}`: the park's industry sectors and their companies.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::catalog::{Catalog, Company, Sector};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::head::breadcrumbs;
use crate::web::{Chrome, Ctx, render};

/// Companies shown on a sector's page; the directory, filtered by the sector, lists them all.
const SHOWN: usize = 24;

#[derive(Template)]
#[template(path = "public/sectors.html")]
struct SectorsPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let chrome = ctx.chrome("sectors").describe(l.t("产业方向", "Sectors"), catalog.park.industry_layout.get(l));
    render(&SectorsPage { l, chrome, catalog: &catalog })
}

#[derive(Template)]
#[template(path = "public/sector.html")]
struct SectorPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    sector: &'a Sector,
    companies: Vec<&'a Company>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    let sector = catalog.sector_by_slug(&slug).ok_or(AppError::NotFound)?;
    let l = ctx.lang;
    let name = sector.name.get(l);
    let description = if sector.description.is_empty() {
        format!(
            "{name}{}",
            l.t(
                "：长春光电信息产业园的产业方向之一。",
                ", one of the sectors of the Changchun Optoelectronic Information Industrial Park."
            )
        )
    } else {
        sector.description.get(l).to_string()
    };
    let path = format!("/sectors/{}", sector.slug);
    let trail = breadcrumbs(&ctx, &[(l.t("产业方向", "Sectors"), "/sectors"), (name, &path)]);
    let chrome = ctx.chrome("sectors").describe(name, description).structured_data(|_| vec![trail]);
    render(&SectorPage { l, chrome, catalog: &catalog, sector, companies: catalog.members_of(&sector.members, SHOWN) })
}
