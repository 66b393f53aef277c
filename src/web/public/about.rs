//! `/about`: location, builders, strategy, ecosystem, industry layout, policy context and sources.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::head::park_place;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/about.html")]
struct AboutPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    // The place itself is the park, whose page is the home page.
    let home = ctx.absolute(&l.url("/"));
    let chrome = ctx
        .chrome("about")
        .describe(l.t("关于园区", "About the park"), catalog.park.builders.get(l))
        .structured_data(|h| vec![park_place(&catalog, l, &home, &h.image.url)]);
    render(&AboutPage { l, chrome, catalog: &catalog })
}
