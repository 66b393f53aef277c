//! `/awards`: every award won by a park company, filterable by competition and company, with totals.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::catalog::awards::AwardsQuery;
use crate::catalog::{Award, Catalog, Company, Competition};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/awards.html")]
struct AwardsPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    rows: Vec<&'a Award>,
    competition: Option<&'a Competition>,
    company: Option<&'a Company>,
    /// Companies that have at least one award, for the filter.
    winners: Vec<&'a Company>,
    sort: &'static str,
    prize_total: i64,
    support_total: i64,
    /// These rows as a CSV file.
    download: String,
}

/// A filtered list is a page of its own (its title and description say which, its canonical URL keeps the
/// filters); the order is only a view of the same page, so the canonical URL leaves it out.
fn awards_chrome(ctx: &Ctx, competition: Option<&Competition>, company: Option<&Company>, count: usize) -> Chrome {
    let l = ctx.lang;
    let mut canonical = form_urlencoded::Serializer::new(String::new());
    let mut labels = Vec::new();
    if let Some(c) = competition {
        canonical.append_pair("competition", &c.slug);
        labels.push(c.name.get(l));
    }
    if let Some(c) = company {
        canonical.append_pair("company", &c.slug);
        labels.push(c.name.get(l));
    }
    let chrome = ctx.chrome("awards").canonical_query(&canonical.finish());
    let title = l.t("获奖", "Awards");
    if labels.is_empty() {
        return chrome.describe(
            title,
            l.t(
                "长春光电信息产业园企业在创新创业大赛等赛事中获得的奖项、奖金和项目支持。",
                "Awards, prize money and project support won by companies of the Changchun Optoelectronic Information Industrial Park.",
            ),
        );
    }
    let description = if l.is_en() {
        let noun = if count == 1 { "award" } else { "awards" };
        format!(
            "{count} {noun} won by companies of the Changchun Optoelectronic Information Industrial Park: {}.",
            labels.join(", ")
        )
    } else {
        format!("长春光电信息产业园企业获奖（{}）：共 {count} 项。", labels.join("、"))
    };
    chrome.describe(format!("{title} · {}", labels.join(l.t("、", ", "))), description)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let query = AwardsQuery::parse(&ctx.query_pairs(), &catalog).map_err(AppError::BadRequest)?;
    let rows = query.rows(&catalog);
    let download = match query.to_query_string() {
        q if q.is_empty() => "/awards.csv".to_string(),
        q => format!("/awards.csv?{q}"),
    };
    let AwardsQuery { competition, company, sort } = query;
    let prize_total = rows.iter().filter_map(|a| a.prize_money_yuan).sum();
    let support_total = rows.iter().filter_map(|a| a.project_support_yuan).sum();
    let winners = catalog.members_of(&catalog.awarded, usize::MAX);
    let chrome = awards_chrome(&ctx, competition, company, rows.len());
    render(&AwardsPage {
        l: ctx.lang,
        chrome,
        catalog: &catalog,
        rows,
        competition,
        company,
        winners,
        sort,
        prize_total,
        support_total,
        download,
    })
}
