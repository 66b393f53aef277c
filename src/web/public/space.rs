//! `/space`: the units staff marked available, filterable by kind, minimum area, phase and building, with
//! totals; `/space/{id}`: one unit. The source names the park's buildings but no units, so a new park's list
//! starts empty and says so.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::catalog::space::{PER_PAGE, SpaceQuery};
use crate::catalog::{Building, Catalog, Phase, Unit};
use crate::db::places::UNIT_KIND;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::head::breadcrumbs;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/space.html")]
struct SpacePage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    /// This page of the units that match.
    rows: Vec<&'a Unit>,
    /// Units that match, on every page.
    matched: usize,
    page: usize,
    pages: usize,
    query: SpaceQuery<'a>,
    kinds: &'static [(&'static str, &'static str, &'static str)],
    /// Square metres of the units listed.
    area_total: i64,
    /// Units of any status: none means staff have listed no space at all yet.
    listed: usize,
}

impl SpacePage<'_> {
    fn kind_label<'s>(&'s self, kind: &'s str) -> &'s str {
        crate::catalog::space::kind_label(kind, self.l)
    }

    fn is_phase(&self, p: &Phase) -> bool {
        self.query.phase.is_some_and(|q| q.id == p.id)
    }

    fn is_building(&self, b: &Building) -> bool {
        self.query.building.is_some_and(|q| q.id == b.id)
    }

    fn page_url(&self, page: usize) -> String {
        let query = self.query.with_page(page).to_query_string();
        if query.is_empty() { self.l.url("/space") } else { format!("{}?{query}", self.l.url("/space")) }
    }

    fn min_area(&self) -> String {
        self.query.min_area.map(|a| a.to_string()).unwrap_or_default()
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let query = SpaceQuery::parse(&ctx.query_pairs(), &catalog).map_err(AppError::BadRequest)?;
    let matched = query.rows(&catalog);
    let area_total = matched.iter().map(|u| u.area_m2).sum();
    let pages = matched.len().div_ceil(PER_PAGE).max(1);
    let page = query.page.max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let rows = matched.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).copied().collect();
    let title = l.t("可租空间", "Available space");
    let description = l.t(
        "长春光电信息产业园可租的办公、实验室、洁净室、生产空间与孵化工位：按类型、面积、分期和楼宇筛选。",
        "Offices, laboratories, clean rooms, production space and incubator desks free to let in the Changchun Optoelectronic Information Industrial Park, by kind, area, phase and building.",
    );
    let chrome = ctx.chrome("space").canonical_query(&query.to_query_string()).describe(title, description);
    render(&SpacePage {
        l,
        chrome,
        catalog: &catalog,
        listed: catalog.units.len(),
        rows,
        matched: matched.len(),
        page,
        pages,
        query,
        kinds: UNIT_KIND,
        area_total,
    })
}

#[derive(Template)]
#[template(path = "public/unit.html")]
struct UnitPage<'a> {
    l: Lang,
    chrome: Chrome,
    unit: &'a Unit,
    building: Option<&'a Building>,
    phase: Option<&'a Phase>,
}

impl UnitPage<'_> {
    fn kind_label(&self) -> &str {
        crate::catalog::space::kind_label(&self.unit.kind, self.l)
    }

    fn status_label(&self) -> &str {
        crate::catalog::space::status_label(&self.unit.status, self.l)
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let unit = id.parse::<i64>().ok().and_then(|id| catalog.unit(id)).ok_or(AppError::NotFound)?;
    let building = catalog.building(unit.building_id);
    let phase = building.and_then(|b| b.phase_id).and_then(|p| catalog.phase(p));
    let place = building.map(|b| b.name.get(l).to_string()).unwrap_or_default();
    let name = format!("{} · {place}", unit.name.get(l));
    let description = if l.is_en() {
        format!(
            "{} m² of {} in {place}, Changchun Optoelectronic Information Industrial Park.",
            unit.area_m2,
            crate::catalog::space::kind_label(&unit.kind, l).to_lowercase()
        )
    } else {
        format!(
            "长春光电信息产业园{place}{}，{} 平方米。",
            crate::catalog::space::kind_label(&unit.kind, l),
            unit.area_m2
        )
    };
    let path = format!("/space/{}", unit.id);
    let trail = breadcrumbs(&ctx, &[(l.t("可租空间", "Available space"), "/space"), (&name, &path)]);
    let chrome = ctx.chrome("space").describe(name.clone(), description).structured_data(|_| vec![trail]);
    render(&UnitPage { l, chrome, unit, building, phase })
}
