//! `/admin/freshness`: profiles not confirmed for N months (12 unless chosen), oldest first, each with a
//! one-click "ask the company to confirm" that mails its editors a link to confirm or correct it.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Staff};
use super::{id_in_path, set_flash, take_flash};
use crate::admin::accounts;
use crate::admin::freshness::{self, DEFAULT_MONTHS, MAX_MONTHS, PER_PAGE, Stale};
use crate::admin::record::{self, Record};
use crate::admin::spec::COMPANIES;
use crate::i18n::{Lang, Text};
use crate::mail::Mail;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "admin/freshness.html")]
struct FreshnessPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    months: u32,
    total: i64,
    page: i64,
    pages: i64,
    rows: Vec<Stale>,
}

impl FreshnessPage {
    fn name<'a>(&self, row: &'a Stale) -> &'a str {
        if self.l.is_en() && !row.short_name_en.is_empty() { &row.short_name_en } else { &row.short_name_zh }
    }

    /// This list's address with another page.
    fn page_url(&self, page: i64) -> String {
        format!("{}?months={}&page={page}", self.l.url("/admin/freshness"), self.months)
    }
}

/// `months` and `page` from the query: a span of 1 to [`MAX_MONTHS`] months, a page from 1.
fn span_and_page(ctx: &Ctx) -> (u32, i64) {
    let pairs = ctx.query_pairs();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string());
    let months = get("months").and_then(|m| m.parse::<u32>().ok()).unwrap_or(DEFAULT_MONTHS).clamp(1, MAX_MONTHS);
    let page = get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    (months, page)
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let (months, page) = span_and_page(&ctx);
    let (total, rows) = freshness::stale(&state.pool, months, page).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    render(&FreshnessPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        months,
        total,
        page: page.min(pages),
        pages,
        rows,
    })
}

/// Mails every editor of the company (in their language) a request to confirm or correct its profile.
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "company").await?;
    let editors: Vec<_> = accounts::editors(&state.pool, Some(id))
        .await?
        .into_iter()
        .filter(|e| crate::mail::valid_address(&e.email))
        .collect();
    let (months, page) = span_and_page(&ctx);
    let back = format!("{}?months={months}&page={page}", ctx.lang.url("/admin/freshness"));
    if editors.is_empty() {
        let none = Text::new(
            "这家企业还没有可以联系的编辑，请先邀请一位。",
            "This company has no editor to write to yet; invite one first.",
        );
        set_flash(&auth, none).await;
        return Ok(Redirect::to(&back).into_response());
    }
    let mut conn = state.pool.acquire().await?;
    let company = record::load(&mut conn, &COMPANIES, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let mails =
        editors.iter().map(|e| request_mail(&state, e, &company, &user.username)).collect::<AppResult<Vec<_>>>()?;
    let mut tx = state.pool.begin_with("BEGIN IMMEDIATE").await?;
    for mail in &mails {
        crate::mail::enqueue(&mut tx, mail).await?;
    }
    freshness::mark_asked(&mut tx, id).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(company_id = id, editors = editors.len(), by = %user.username, "asked to confirm the profile");
    let n = editors.len();
    set_flash(
        &auth,
        Text::new(format!("已请 {n} 位编辑确认资料。"), format!("Asked {n} editor(s) to confirm the profile.")),
    )
    .await;
    Ok(Redirect::to(&back).into_response())
}

fn request_mail(state: &AppState, editor: &accounts::AdminUser, company: &Record, by: &str) -> AppResult<Mail> {
    let l = Lang::from_key(&editor.lang);
    let name = company.title(&COMPANIES, l);
    let link = state.absolute(&l.url("/admin/my"));
    let (subject, text) = match l {
        Lang::Zh => (
            format!("请确认“{name}”的资料是否仍然准确"),
            format!(
                "您好：\n\n园区工作人员 {by} 请您确认“{name}”在园区网站上的资料是否仍然准确。\n\n请登录后打开下面的页面：资料无误请点“确认资料仍然准确”；如有变化请编辑后提交。\n{link}"
            ),
        ),
        Lang::En => (
            format!("Please confirm that the profile of {name} is current"),
            format!(
                "Hello,\n\n{by} of the park staff asks you to confirm that the profile of {name} on the park's site is still right.\n\nSign in and open this page: if nothing changed, press \"Confirm the profile is current\"; if something did, edit it and send it for review.\n{link}"
            ),
        ),
    };
    Mail::new(&editor.email, l, subject, text).map_err(|e| AppError::Other(e.into()))
}
