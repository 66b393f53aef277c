//! `/`: what the park is, its key figures, the timeline, the sectors and the latest milestones.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::catalog::{Catalog, Milestone};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::head::park_place;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    latest: Vec<&'a Milestone>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let chrome = ctx
        .chrome("home")
        .describe(catalog.park.nickname.get(l), catalog.park.aim.get(l))
        .structured_data(|h| vec![park_place(&catalog, l, &h.canonical, &h.image.url)]);
    render(&HomePage { l, chrome, catalog: &catalog, latest: catalog.latest_company_milestones(4) })
}
