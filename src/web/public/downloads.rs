//! "Download these results": the directory's and the awards list's current results as CSV files, names beside
//! ids (a row of awards names its company and competition), both languages in each file, opened by Excel or
//! WPS as UTF-8 (byte-order mark) with no cell that would run as a formula.
//!
//! Built from the catalog per request, so the work is bounded: past [`super::MAX_DOWNLOAD_ROWS`] results the
//! page links the whole directory's open-data file instead, and this address answers with a redirect to it.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use crate::admin::csv::{BOM, guard_formula};
use crate::catalog::awards::AwardsQuery;
use crate::catalog::directory::{self, DirectoryQuery};
use crate::web::AppState;
use crate::web::Ctx;
use crate::web::error::{AppError, AppResult};

/// `/companies.csv?…`: the companies the directory shows for the same query, every page of them.
pub async fn companies(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let query = DirectoryQuery::parse(&ctx.query_pairs(), &catalog).map_err(AppError::BadRequest)?;
    let Some(companies) = directory::all_matches(&catalog, &query, super::MAX_DOWNLOAD_ROWS) else {
        return Ok(Redirect::to("/data/companies.csv").into_response());
    };
    let mut rows = vec![row([
        "id",
        "slug",
        "name_zh",
        "name_en",
        "pinyin",
        "legal_name_zh",
        "legal_name_en",
        "sectors_zh",
        "sectors_en",
        "phase_zh",
        "phase_en",
        "founded_year",
        "awards",
        "website",
        "url",
    ])];
    for c in companies {
        let sectors = catalog.sectors_of(c);
        let phase = catalog.phase_of(c);
        rows.push(row([
            &c.id.to_string(),
            &c.slug,
            &c.name.zh,
            &c.name.en,
            c.pinyin(),
            &c.legal_name.zh,
            &c.legal_name.en,
            &sectors.iter().map(|s| s.name.zh.as_ref()).collect::<Vec<_>>().join("；"),
            &sectors.iter().map(|s| s.name.en.as_ref()).collect::<Vec<_>>().join("; "),
            phase.map(|p| p.name.zh.as_ref()).unwrap_or_default(),
            phase.map(|p| p.name.en.as_ref()).unwrap_or_default(),
            &c.founded_year.map(|y| y.to_string()).unwrap_or_default(),
            &c.award_ids.len().to_string(),
            c.website.as_deref().unwrap_or_default(),
            &state.absolute(&format!("/companies/{}", c.slug)),
        ]));
    }
    csv_file("companies", rows)
}

/// `/awards.csv?…`: the awards the list shows for the same query.
pub async fn awards(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let query = AwardsQuery::parse(&ctx.query_pairs(), &catalog).map_err(AppError::BadRequest)?;
    let awards = query.rows(&catalog);
    if awards.len() > super::MAX_DOWNLOAD_ROWS {
        return Ok(Redirect::to("/data/awards.csv").into_response());
    }
    let mut rows = vec![row([
        "id",
        "company_slug",
        "company_zh",
        "company_en",
        "competition_zh",
        "competition_en",
        "edition",
        "division_zh",
        "division_en",
        "group_zh",
        "group_en",
        "rank_zh",
        "rank_en",
        "prize_money_yuan",
        "project_support_yuan",
    ])];
    for a in awards {
        let company = catalog.company(a.company_id);
        let competition = catalog.competition(a.competition_id);
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        rows.push(row([
            &a.id.to_string(),
            company.map(|c| c.slug.as_ref()).unwrap_or_default(),
            company.map(|c| c.name.zh.as_ref()).unwrap_or_default(),
            company.map(|c| c.name.en.as_ref()).unwrap_or_default(),
            competition.map(|c| c.name.zh.as_ref()).unwrap_or_default(),
            competition.map(|c| c.name.en.as_ref()).unwrap_or_default(),
            &number(a.edition),
            &a.division.zh,
            &a.division.en,
            &a.group.zh,
            &a.group.en,
            &a.rank.zh,
            &a.rank.en,
            &number(a.prize_money_yuan),
            &number(a.project_support_yuan),
        ]));
    }
    csv_file("awards", rows)
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| guard_formula(c.to_string())).collect()
}

/// `rows` (the header first) as a CSV attachment named `{name}.csv`.
fn csv_file(name: &str, rows: Vec<Vec<String>>) -> AppResult<Response> {
    let mut out = BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        for r in rows {
            writer.write_record(r).map_err(|e| AppError::Other(e.into()))?;
        }
        writer.flush().map_err(|e| AppError::Other(e.into()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
        ],
        out,
    )
        .into_response())
}
