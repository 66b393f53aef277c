//! `/companies` (the directory with its filters and search) and `/companies/{slug}` (a profile).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::catalog::directory::{self, ActiveFilter, DirectoryQuery, Facets, Results, Sort};
use crate::catalog::{Award, Catalog, Company, Milestone};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::head::{PreviewImage, breadcrumbs, organization};
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "public/companies.html")]
struct DirectoryPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    query: DirectoryQuery,
    results: Results<'a>,
    facets: Facets,
    /// These results as a CSV file: the results' own, or the whole directory's open data past the limit.
    download: String,
    download_everything: bool,
    /// (label, URL without that filter) for each active filter.
    chips: Vec<(String, String)>,
    sorts: [Sort; 3],
    path: String,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let pairs = ctx.query_pairs();
    let query = DirectoryQuery::parse(&pairs, &catalog).map_err(AppError::BadRequest)?;
    // The filter form sends every field; share and cache the clean URL of the same filters instead.
    if DirectoryQuery::has_noise(&pairs) {
        return Ok(Redirect::to(&query.url(&ctx.lang.url("/companies"))).into_response());
    }
    let (results, facets) = directory::find_with_facets(&catalog, &query)?;
    // Past the limit the download is the whole directory's open-data file (see `downloads`).
    let download_everything = results.total > super::MAX_DOWNLOAD_ROWS;
    let download =
        if download_everything { "/data/companies.csv".to_string() } else { query.with_page(1).url("/companies.csv") };
    let path = ctx.lang.url("/companies");
    let chips = query
        .active_filters()
        .iter()
        .map(|f: &ActiveFilter| (f.label(&query, &catalog, ctx.lang), query.without(f).url(&path)))
        .collect();
    let prev_url = (results.page > 1).then(|| query.with_page(results.page - 1).url(&path));
    let next_url = (results.page < results.pages).then(|| query.with_page(results.page + 1).url(&path));
    let chrome = directory_chrome(&ctx, &catalog, &query, results.total);
    render(&DirectoryPage {
        l: ctx.lang,
        chrome,
        catalog: &catalog,
        results,
        facets,
        download,
        download_everything,
        chips,
        sorts: Sort::ALL,
        prev_url,
        next_url,
        path,
        query,
    })
}

/// The directory's title and description name its filters, so each filtered page reads as its own; the
/// canonical URL keeps the filters and drops the page number, the order and any search term.
fn directory_chrome(ctx: &Ctx, catalog: &Catalog, query: &DirectoryQuery, total: usize) -> Chrome {
    let l = ctx.lang;
    let labels: Vec<String> = query.active_filters().iter().map(|f| f.label(query, catalog, l)).collect();
    let title = l.t("企业名录", "Company directory");
    let chrome = ctx.chrome("companies").canonical_query(&query.canonical().to_query_string());
    if labels.is_empty() {
        return chrome.describe(
            title,
            l.t(
                "长春光电信息产业园入驻企业名录：按产业方向、分期、获奖和资质筛选，支持中文、英文和拼音搜索。",
                "Directory of the companies in the Changchun Optoelectronic Information Industrial Park: filter by sector, phase, awards and designation; search in Chinese, English or pinyin.",
            ),
        );
    }
    let description = if l.is_en() {
        let noun = if total == 1 { "company" } else { "companies" };
        format!(
            "{total} {noun} of the Changchun Optoelectronic Information Industrial Park directory: {}.",
            labels.join(", ")
        )
    } else {
        format!("长春光电信息产业园企业名录（{}）：共 {total} 家企业。", labels.join("、"))
    };
    chrome.describe(format!("{title} · {}", labels.join(l.t("、", ", "))), description)
}

#[derive(Template)]
#[template(path = "public/company.html")]
struct CompanyPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    c: &'a Company,
    awards: Vec<&'a Award>,
    milestones: Vec<&'a Milestone>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    let c = catalog.company_by_slug(&slug).ok_or(AppError::NotFound)?;
    let l = ctx.lang;
    let name = c.name.get(l);
    let summary = c.summary(l);
    // A Chinese-only description would make a Chinese snippet for an English page: say what is known instead.
    let description = if summary.is_empty() || c.description.is_fallback(l) {
        format!(
            "{name}{}",
            l.t(
                "：长春光电信息产业园入驻企业。",
                ", a company in the Changchun Optoelectronic Information Industrial Park."
            )
        )
    } else {
        summary
    };
    let logo = PreviewImage::logo(&state.settings.public_url, &state.settings.uploads_dir, c, l).await;
    let path = format!("/companies/{}", c.slug);
    let trail = breadcrumbs(&ctx, &[(l.t("企业名录", "Companies"), "/companies"), (name, &path)]);
    let logo_url = logo.as_ref().map(|image| image.url.clone());
    let chrome = ctx
        .chrome("companies")
        .describe(name, description)
        .preview_image(logo)
        .structured_data(|h| vec![organization(&catalog, c, l, &h.canonical, logo_url.as_deref()), trail]);
    render(&CompanyPage {
        l,
        chrome,
        catalog: &catalog,
        c,
        awards: catalog.awards_of(c),
        milestones: catalog.milestones_of_company(c),
    })
}
