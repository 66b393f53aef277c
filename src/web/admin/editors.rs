//! `/admin/editors`: who keeps which company. Staff invite an editor for a company (a one-time link, shown
//! once here and mailed to the invitee), revoke an invitation, or remove an editor.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::auth::{AuthSession, Staff};
use super::names::Lookups;
use super::{id_in_path, set_flash, take_flash};
use crate::admin::accounts::{self, AdminUser};
use crate::admin::invitations::{self, Invitation};
use crate::admin::record::{self, Record};
use crate::admin::spec::COMPANIES;
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Invitations listed when no company is chosen.
const RECENT: i64 = 50;

#[derive(Template)]
#[template(path = "admin/editors.html")]
struct EditorsPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    /// The company chosen (`?company=` id or URL slug): the invitation form is for it.
    company: Option<(i64, String)>,
    /// What was typed in the company box, kept when it named no company.
    asked: String,
    editors: Vec<(AdminUser, String)>,
    invitations: Vec<(Invitation, String)>,
    email: String,
    invite_lang: String,
    error: Option<Text>,
}

/// The company a `company` parameter names, by id or URL slug.
async fn company_named(state: &AppState, text: &str) -> AppResult<Option<Record>> {
    let text = text.trim();
    let mut conn = state.pool.acquire().await?;
    let id = match text.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => record::holder(&mut conn, &COMPANIES, "slug", &Value::from(text.to_ascii_lowercase())).await?,
    };
    match id {
        Some(id) => Ok(record::load(&mut conn, &COMPANIES, id).await?),
        None => Ok(None),
    }
}

struct Shown {
    company: Option<Record>,
    asked: String,
    email: String,
    invite_lang: String,
    error: Option<Text>,
}

async fn editors_page(
    state: &AppState,
    ctx: &Ctx,
    user: Staff,
    flash: Option<Text>,
    shown: Shown,
) -> AppResult<Response> {
    let company_id = shown.company.as_ref().map(|c| c.id);
    let editors = accounts::editors(&state.pool, company_id).await?;
    let invitations = match company_id {
        Some(id) => invitations::of_company(&state.pool, id).await?,
        None => invitations::recent(&state.pool, RECENT).await?,
    };
    let ids = editors.iter().filter_map(|e| e.company_id).chain(invitations.iter().map(|i| i.company_id));
    let names = Lookups::companies(state, ids.collect::<Vec<_>>()).await?;
    let name = |id: i64| names.title(COMPANIES.key, id, ctx.lang);
    let invalid = shown.error.is_some();
    let mut response = render(&EditorsPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash,
        company: shown.company.map(|c| (c.id, c.title(&COMPANIES, ctx.lang))),
        asked: shown.asked,
        editors: editors
            .into_iter()
            .map(|e| {
                let n = e.company_id.map(name).unwrap_or_default();
                (e, n)
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| {
                let n = name(i.company_id);
                (i, n)
            })
            .collect(),
        email: shown.email,
        invite_lang: shown.invite_lang,
        error: shown.error,
        user,
    })?;
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let asked = ctx.query_pairs().into_iter().find(|(k, _)| k == "company").map(|(_, v)| v).unwrap_or_default();
    let company = if asked.trim().is_empty() { None } else { company_named(&state, &asked).await? };
    let error = (company.is_none() && !asked.trim().is_empty())
        .then(|| Text::new("没有找到这个编号或网址标识的企业。", "No company has this id or URL slug."));
    let invite_lang = ctx.lang.key().to_string();
    let shown = Shown { company, asked, email: String::new(), invite_lang, error };
    editors_page(&state, &ctx, user, take_flash(&auth).await, shown).await
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    company_id: i64,
    #[serde(default)]
    email: String,
    #[serde(default)]
    lang: String,
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    axum::extract::Form(form): axum::extract::Form<InviteForm>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let company = record::load(&mut conn, &COMPANIES, form.company_id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let email = form.email.trim().to_string();
    let lang = Lang::from_key(&form.lang);
    if !crate::mail::valid_address(&email) {
        let error = Some(Text::new(
            "请填写有效的电子邮件地址，例如 name@example.com。",
            "Give a valid email address, such as name@example.com.",
        ));
        let shown =
            Shown { asked: company.id.to_string(), company: Some(company), email, invite_lang: form.lang, error };
        return editors_page(&state, &ctx, user, None, shown).await;
    }
    let token = invitations::new_token();
    let link = state.absolute(&lang.url(&format!("/admin/invitation/{token}")));
    let name = company.title(&COMPANIES, lang);
    let mail = invitation_mail(&email, lang, &name, &link, &user.username)?;
    let mut tx = state.pool.begin_with("BEGIN IMMEDIATE").await?;
    let id = invitations::create_in(&mut tx, company.id, &email, lang.key(), &user.username, &token).await?;
    crate::mail::enqueue(&mut tx, &mail).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(invitation = id, company_id = company.id, by = %user.username, "editor invited");
    set_flash(
        &auth,
        Text::new(
            format!("已邀请 {email}，邀请邮件已放入发送队列。链接只显示这一次，{} 天内有效：{link}", invitations::VALID_DAYS),
            format!("{email} is invited and the invitation mail is queued. The link, shown only this once, works for {} days: {link}", invitations::VALID_DAYS),
        ),
    )
    .await;
    Ok(Redirect::to(&ctx.lang.url(&format!("/admin/editors?company={}", company.id))).into_response())
}

/// The invitation, in the invitee's language.
fn invitation_mail(email: &str, lang: Lang, company: &str, link: &str, by: &str) -> AppResult<crate::mail::Mail> {
    let days = invitations::VALID_DAYS;
    let (subject, text) = match lang {
        Lang::Zh => (
            format!("邀请您在长春光电信息产业园网站上编辑“{company}”的资料"),
            format!(
                "您好：\n\n园区工作人员 {by} 邀请您成为“{company}”在长春光电信息产业园网站上的企业编辑。\n\n请打开下面的链接设置用户名和密码（{days} 天内有效，只能使用一次）：\n{link}\n\n您提交的修改由园区工作人员审核后发布。如果您没有预期收到这封邮件，请忽略它。"
            ),
        ),
        Lang::En => (
            format!(
                "Invitation to keep the profile of {company} on the Changchun Optoelectronic Information Industrial Park site"
            ),
            format!(
                "Hello,\n\n{by} of the park staff invites you to become the editor of {company} on the Changchun Optoelectronic Information Industrial Park site.\n\nOpen this link to choose a username and password (it works for {days} days, once):\n{link}\n\nPark staff review the changes you send before they are published. If you did not expect this message, ignore it."
            ),
        ),
    };
    crate::mail::Mail::new(email, lang, subject, text).map_err(|e| AppError::Other(e.into()))
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "invitation").await?;
    let message = if invitations::revoke(&state.pool, id, &user.username).await? {
        tracing::info!(invitation = id, by = %user.username, "invitation revoked");
        Text::new("邀请已撤销，链接不再有效。", "The invitation is revoked; its link no longer works.")
    } else {
        Text::new("这份邀请已经用过、撤销过或不存在。", "This invitation was used, revoked already, or does not exist.")
    };
    set_flash(&auth, message).await;
    Ok(Redirect::to(&back(&ctx)).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "account").await?;
    if !accounts::remove_editor(&state.pool, id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(account = id, by = %user.username, "editor removed");
    set_flash(
        &auth,
        Text::new("已移除这位企业编辑，其登录随即失效。", "The editor is removed; their sign-in ends at once."),
    )
    .await;
    Ok(Redirect::to(&back(&ctx)).into_response())
}

/// The editors page, for the company the form came from when it says (`?company=`).
fn back(ctx: &Ctx) -> String {
    let company = ctx.query_pairs().into_iter().find(|(k, _)| k == "company").and_then(|(_, v)| v.parse::<i64>().ok());
    match company {
        Some(id) => ctx.lang.url(&format!("/admin/editors?company={id}")),
        None => ctx.lang.url("/admin/editors"),
    }
}
