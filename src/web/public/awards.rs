//! `/awards`: every award won by a park company, filterable by competition and company, with totals.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::{Award, Catalog, Company, Competition};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Text};
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/awards.html")]
struct AwardsPage<'a> {
    l: Lang,
    chrome: Chrome,
    cat: &'a Catalog,
    rows: Vec<&'a Award>,
    competition: Option<&'a Competition>,
    company: Option<&'a Company>,
    /// Companies that have at least one award, for the filter.
    winners: Vec<&'a Company>,
    sort: &'static str,
    prize_total: i64,
    support_total: i64,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    let mut competition = None;
    let mut company = None;
    let mut sort = "competition";
    for (key, value) in ctx.query_pairs() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "competition" => {
                competition = Some(cat.competition_by_slug(value).ok_or_else(|| {
                    AppError::BadRequest(Text::new(
                        format!("没有名为“{value}”的赛事。"),
                        format!("There is no competition called “{value}”."),
                    ))
                })?);
            }
            "company" => {
                company = Some(cat.company_by_slug(value).ok_or_else(|| {
                    AppError::BadRequest(Text::new(
                        format!("没有名为“{value}”的企业。"),
                        format!("There is no company called “{value}”."),
                    ))
                })?);
            }
            "sort" => {
                sort = match value {
                    "competition" => "competition",
                    "company" => "company",
                    "prize" => "prize",
                    _ => {
                        return Err(AppError::BadRequest(Text::new(
                            "排序方式无效：可选 competition、company、prize。",
                            "Unknown sort: use competition, company or prize.",
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    let mut rows: Vec<&Award> = cat
        .awards
        .iter()
        .filter(|a| competition.is_none_or(|c| a.competition_id == c.id))
        .filter(|a| company.is_none_or(|c| a.company_id == c.id))
        .collect();
    match sort {
        "company" => rows.sort_by_key(|a| cat.company(a.company_id).map(|c| c.name_rank)),
        "prize" => rows.sort_by_key(|a| std::cmp::Reverse(a.prize_money_yuan.unwrap_or(-1))),
        _ => rows.sort_by_key(|a| (a.competition_id, std::cmp::Reverse(a.edition))),
    }
    let prize_total = rows.iter().filter_map(|a| a.prize_money_yuan).sum();
    let support_total = rows.iter().filter_map(|a| a.project_support_yuan).sum();
    let winners = cat.companies.iter().filter(|c| !c.award_ids.is_empty()).collect();
    render(&AwardsPage {
        l: ctx.lang,
        chrome: ctx.chrome("awards"),
        cat: &cat,
        rows,
        competition,
        company,
        winners,
        sort,
        prize_total,
        support_total,
    })
}
