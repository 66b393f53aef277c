//! `/awards`: every award won by a park company, filterable by competition and company, with totals.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::catalog::{Award, Catalog, Company, Competition};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Text};
use crate::query::QueryParam;
use crate::web::{Chrome, Ctx, render};

/// The parameters [`index`] reads, in their canonical order; any other spelling of the same list is
/// redirected to that one.
pub const PARAMS: &[QueryParam] =
    &[QueryParam::one("competition"), QueryParam::one("company"), QueryParam::one("sort").or("competition")];

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

/// What the awards list was asked for: a competition, a company, an order.
pub(super) struct AwardsQuery<'a> {
    pub competition: Option<&'a Competition>,
    pub company: Option<&'a Company>,
    pub sort: &'static str,
}

impl<'a> AwardsQuery<'a> {
    pub(super) fn parse(pairs: &[(String, String)], cat: &'a Catalog) -> AppResult<AwardsQuery<'a>> {
        let mut query = AwardsQuery { competition: None, company: None, sort: "competition" };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "competition" => {
                    query.competition = Some(cat.competition_by_slug(value).ok_or_else(|| {
                        AppError::BadRequest(Text::new(
                            format!("没有名为“{value}”的赛事。"),
                            format!("There is no competition called “{value}”."),
                        ))
                    })?);
                }
                "company" => {
                    query.company = Some(cat.company_by_slug(value).ok_or_else(|| {
                        AppError::BadRequest(Text::new(
                            format!("没有名为“{value}”的企业。"),
                            format!("There is no company called “{value}”."),
                        ))
                    })?);
                }
                "sort" => {
                    query.sort = match value {
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
        Ok(query)
    }

    /// The awards asked for, in the order asked for.
    pub(super) fn rows(&self, cat: &'a Catalog) -> Vec<&'a Award> {
        let mut rows: Vec<&Award> = cat
            .awards
            .iter()
            .map(|a| &**a)
            .filter(|a| self.competition.is_none_or(|c| a.competition_id == c.id))
            .filter(|a| self.company.is_none_or(|c| a.company_id == c.id))
            .collect();
        match self.sort {
            "company" => rows.sort_by_key(|a| cat.position(a.company_id)),
            "prize" => rows.sort_by_key(|a| std::cmp::Reverse(a.prize_money_yuan.unwrap_or(-1))),
            _ => rows.sort_by_key(|a| (a.competition_id, std::cmp::Reverse(a.edition))),
        }
        rows
    }

    /// The same query as a query string (for the download link), without defaults.
    pub(super) fn to_query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = self.competition {
            s.append_pair("competition", &c.slug);
        }
        if let Some(c) = self.company {
            s.append_pair("company", &c.slug);
        }
        if self.sort != "competition" {
            s.append_pair("sort", self.sort);
        }
        s.finish()
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cat = state.catalog();
    let query = AwardsQuery::parse(&ctx.query_pairs(), &cat)?;
    let rows = query.rows(&cat);
    let download = match query.to_query_string() {
        q if q.is_empty() => "/awards.csv".to_string(),
        q => format!("/awards.csv?{q}"),
    };
    let AwardsQuery { competition, company, sort } = query;
    let prize_total = rows.iter().filter_map(|a| a.prize_money_yuan).sum();
    let support_total = rows.iter().filter_map(|a| a.project_support_yuan).sum();
    let winners = cat.members_of(&cat.awarded, usize::MAX);
    let chrome = awards_chrome(&ctx, competition, company, rows.len());
    render(&AwardsPage {
        l: ctx.lang,
        chrome,
        cat: &cat,
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
