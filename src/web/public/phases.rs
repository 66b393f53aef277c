//! `/phases` and `/phases/{number}`: construction phases, their status, dates, buildings and tenants.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::{Catalog, Phase};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::head::breadcrumbs;
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
    let l = ctx.lang;
    let chrome = ctx.chrome("phases").describe(
        l.t("园区分期", "Phases"),
        l.t(
            "长春光电信息产业园一期、二期、三期的建设状态、日期、楼宇与入驻企业。",
            "Status, dates, buildings and tenants of phases 1, 2 and 3 of the Changchun Optoelectronic Information Industrial Park.",
        ),
    );
    render(&PhasesPage { l, chrome, cat: &cat })
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
    let l = ctx.lang;
    let name = phase.name.get(l);
    let description = if phase.note.is_empty() {
        match phase.status {
            Some(status) => format!("{name}{}{}", l.t("：", ": "), status.label(l)),
            None => format!(
                "{name}{}",
                l.t(
                    "：长春光电信息产业园的建设分期。",
                    ", a construction phase of the Changchun Optoelectronic Information Industrial Park."
                )
            ),
        }
    } else {
        phase.note.get(l).to_string()
    };
    let path = format!("/phases/{}", phase.number);
    let trail = breadcrumbs(&ctx, &[(l.t("园区分期", "Phases"), "/phases"), (name, &path)]);
    let chrome = ctx.chrome("phases").describe(name, description).structured_data(|_| vec![trail]);
    render(&PhasePage { l, chrome, cat: &cat, phase })
}
