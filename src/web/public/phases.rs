//! `/phases` and `/phases/{number}`: construction phases, their status, dates, buildings and tenants, with a
//! schematic of which buildings and tenants belong to which phase (or the phase's real site plan, once staff
//! have uploaded one).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::catalog::{Building, Catalog, Company, Phase};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::head::breadcrumbs;
use crate::web::schematic::{Diagram, DiagramText, Group, Tenant};
use crate::web::{Chrome, Ctx, render};

/// Tenants drawn per group; the rest are one "more" link to the directory, so the picture stays readable
/// however many companies a phase has.
const TENANTS_DRAWN: usize = 12;

#[derive(Template)]
#[template(path = "public/phases.html")]
struct PhasesPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    diagrams: Vec<Diagram>,
    /// Companies whose phase the sources do not give (listed beside the buildings without a phase), the first
    /// [`UNPLACED_LISTED`] of them, and how many there are.
    unplaced: Vec<&'a Company>,
    unplaced_total: usize,
}

/// A long list belongs in the directory, not on this page.
const UNPLACED_LISTED: usize = 24;

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let chrome = ctx.chrome("phases").describe(
        l.t("园区分期", "Phases"),
        l.t(
            "长春光电信息产业园一期、二期、三期的建设状态、日期、楼宇与入驻企业。",
            "Status, dates, buildings and tenants of phases 1, 2 and 3 of the Changchun Optoelectronic Information Industrial Park.",
        ),
    );
    let mut diagrams: Vec<Diagram> = catalog.phases.iter().map(|p| phase_diagram(&catalog, p, l)).collect();
    if !catalog.unphased.is_empty() || !catalog.buildings_without_phase().is_empty() {
        diagrams.push(unplaced_diagram(&catalog, l));
    }
    let unplaced_total = catalog.unphased.len();
    render(&PhasesPage {
        l,
        chrome,
        catalog: &catalog,
        diagrams,
        unplaced: catalog.members_of(&catalog.unphased, UNPLACED_LISTED),
        unplaced_total,
    })
}

#[derive(Template)]
#[template(path = "public/phase.html")]
struct PhasePage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    phase: &'a Phase,
    /// The schematic, drawn only when the phase has no site plan.
    diagram: Option<Diagram>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    // Not a number, or no such phase: both are "no page here".
    let phase = number.parse::<i64>().ok().and_then(|n| catalog.phase_by_number(n)).ok_or(AppError::NotFound)?;
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
    let diagram = phase.site_plan_path.is_none().then(|| phase_diagram(&catalog, phase, ctx.lang));
    render(&PhasePage { l, chrome, catalog: &catalog, phase, diagram })
}

fn scale_note(l: Lang) -> String {
    l.t("示意图，非按比例", "Schematic, not to scale").to_string()
}

fn tenant(c: &Company, l: Lang) -> Tenant {
    Tenant { name: c.name.get(l).to_string(), href: l.url(&format!("/companies/{}", c.slug)) }
}

/// Up to [`TENANTS_DRAWN`] tenants, then one link standing for the others.
/// The first companies at `positions` (only those drawn are read: a phase may hold 100,000), and a link to
/// the rest.
fn tenants_of(catalog: &Catalog, positions: &[u32], more_href: String, l: Lang) -> Vec<Tenant> {
    let mut out: Vec<Tenant> = catalog.members_of(positions, TENANTS_DRAWN).into_iter().map(|c| tenant(c, l)).collect();
    if positions.len() > TENANTS_DRAWN {
        let rest = positions.len() - TENANTS_DRAWN;
        let name = match l {
            Lang::Zh => format!("另有 {rest} 家…"),
            Lang::En => format!("{rest} more…"),
        };
        out.push(Tenant { name, href: more_href });
    }
    out
}

fn building_heading(b: &Building, l: Lang) -> String {
    let mut heading = b.name.get(l).to_string();
    if b.building_count > 1 {
        heading.push_str(&format!(" × {}", b.building_count));
    }
    heading
}

fn no_tenants(l: Lang) -> String {
    l.t("来源未点名入驻企业", "No tenants named by the sources").to_string()
}

/// One box: the phase, its buildings with their tenants, and its tenants whose building is not stated.
fn phase_diagram(catalog: &Catalog, p: &Phase, l: Lang) -> Diagram {
    let more_href = format!("{}?phase={}", l.url("/companies"), p.number);
    let buildings = catalog.buildings_of(p);
    let mut groups: Vec<Group> = buildings
        .iter()
        .map(|b| Group {
            heading: building_heading(b, l),
            tenants: tenants_of(catalog, &intersection(&p.members, &b.members), more_href.clone(), l),
            empty_note: no_tenants(l),
            is_building: true,
        })
        .collect();
    let elsewhere = outside(&p.members, &buildings);
    if !elsewhere.is_empty() {
        let heading = if buildings.is_empty() {
            l.t("入驻企业（所在楼宇未说明）", "Tenants (building not stated)")
        } else {
            l.t("其他入驻企业（所在楼宇未说明）", "Other tenants (building not stated)")
        };
        groups.push(Group {
            heading: heading.to_string(),
            tenants: tenants_of(catalog, &elsewhere, more_href, l),
            empty_note: String::new(),
            is_building: false,
        });
    }
    let subtitle = match p.status {
        Some(s) => s.label(l).to_string(),
        None => l.t("状态未说明", "Status not stated").to_string(),
    };
    Diagram::layout(
        DiagramText {
            id: format!("schematic-phase-{}", p.number),
            title: p.name.get(l).to_string(),
            subtitle: Some(subtitle),
            empty_note: l
                .t("来源未说明该期的楼宇和入驻企业", "The sources name no buildings or tenants of this phase")
                .to_string(),
            scale_note: scale_note(l),
            unplaced: false,
        },
        groups,
    )
}

/// The box apart: buildings and companies the sources place in no phase.
fn unplaced_diagram(catalog: &Catalog, l: Lang) -> Diagram {
    let buildings = catalog.buildings_without_phase();
    let mut groups: Vec<Group> = buildings
        .iter()
        .map(|b| Group {
            heading: building_heading(b, l),
            tenants: tenants_of(catalog, &intersection(&catalog.unphased, &b.members), l.url("/companies"), l),
            empty_note: no_tenants(l),
            is_building: true,
        })
        .collect();
    let elsewhere = outside(&catalog.unphased, &buildings);
    if !elsewhere.is_empty() {
        groups.push(Group {
            heading: l.t("企业", "Companies").to_string(),
            tenants: tenants_of(catalog, &elsewhere, l.url("/companies"), l),
            empty_note: String::new(),
            is_building: false,
        });
    }
    Diagram::layout(
        DiagramText {
            id: "schematic-unplaced".to_string(),
            title: l.t("所属期次未说明", "Phase not stated").to_string(),
            subtitle: Some(
                l.t("来源未说明以下楼宇和企业属于哪一期", "The sources do not say which phase these belong to")
                    .to_string(),
            ),
            empty_note: String::new(),
            scale_note: scale_note(l),
            unplaced: true,
        },
        groups,
    )
}

/// Positions in both sorted lists.
fn intersection(a: &[u32], b: &[u32]) -> Vec<u32> {
    a.iter().copied().filter(|p| b.binary_search(p).is_ok()).collect()
}

/// Positions of `members` in none of `buildings`.
fn outside(members: &[u32], buildings: &[&Building]) -> Vec<u32> {
    members.iter().copied().filter(|p| buildings.iter().all(|b| b.members.binary_search(p).is_err())).collect()
}
