//! `/about`: location, builders, strategy, ecosystem, industry layout, policy context and sources.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::Catalog;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/about.html")]
struct AboutPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    render(&AboutPage { l: ctx.lang, chrome: ctx.chrome("about"), cat: &cat })
}
