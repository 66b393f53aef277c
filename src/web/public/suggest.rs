//! `/companies/{slug}/suggest`: a visitor proposes a correction of one fact on a profile, without an account.
//! It waits in the staff's review queue like an editor's proposal. Spam is kept out as on every visitor's form
//! (`screen`), plus limits on length and links. A refused form says why and keeps what was typed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::screen::{limit_key, now, screen_form, stamp};
use crate::admin::proposals::{self, PROFILE, PROFILE_COLUMNS};
use crate::catalog::Company;
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::admin::auth::ClientAddress;
use crate::web::admin::form::{FormData, validate};
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, form_value, render};

pub const MAX_CORRECTION_CHARS: usize = 2000;
const MAX_LINKS: usize = 2;
const MAX_URL_CHARS: usize = 500;

#[derive(Default, Clone)]
pub struct Typed {
    field: String,
    correction: String,
    source_url: String,
    email: String,
}

#[derive(Template)]
#[template(path = "public/suggest.html")]
struct SuggestPage<'a> {
    l: Lang,
    chrome: Chrome,
    c: &'a Company,
    fields: Vec<(&'static str, &'static str)>,
    typed: Typed,
    stamp: String,
    errors: Vec<(&'static str, Text)>,
    sent: bool,
}

impl SuggestPage<'_> {
    fn error(&self, field: &str) -> Option<&Text> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, t)| t)
    }
}

fn page(ctx: &Ctx, c: &Company, typed: Typed, errors: Vec<(&'static str, Text)>, sent: bool) -> AppResult<Response> {
    let l = ctx.lang;
    // A form, not content: kept out of search engines (no head: `noindex`), titled in the template.
    let mut chrome = ctx.chrome("companies");
    chrome.head = None;
    let fields = PROFILE.fields.iter().map(|f| (f.column, f.label.get(l))).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = render(&SuggestPage { l, chrome, c, fields, typed, stamp: stamp(now()), errors, sent })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    let c = catalog.company_by_slug(&slug).ok_or(AppError::NotFound)?;
    let sent = ctx.query_pairs().iter().any(|(k, v)| k == "sent" && v == "1");
    page(&ctx, c, Typed::default(), Vec::new(), sent)
}

/// What is wrong with a submission before it is looked at as a correction: the honeypot, the time, then the
/// fields' lengths and links. Each with the field it is said beside (`form` for the whole form).
fn screen(pairs: &[(String, String)], typed: &Typed) -> Vec<(&'static str, Text)> {
    let mut errors = screen_form(pairs);
    errors.extend(screen_fields(typed));
    errors
}

fn screen_fields(typed: &Typed) -> Vec<(&'static str, Text)> {
    let mut errors = Vec::new();
    if !PROFILE_COLUMNS.contains(&typed.field.as_str()) {
        errors.push(("field", Text::new("请选择要更正的项目。", "Choose what to correct.")));
    }
    let chars = typed.correction.chars().count();
    if chars == 0 {
        errors.push(("correction", Text::new("请填写正确的内容。", "Write the correct text.")));
    } else if chars > MAX_CORRECTION_CHARS {
        errors.push((
            "correction",
            Text::new(
                format!("最多 {MAX_CORRECTION_CHARS} 个字符。"),
                format!("At most {MAX_CORRECTION_CHARS} characters."),
            ),
        ));
    } else if typed.correction.matches("://").count() > MAX_LINKS {
        errors.push((
            "correction",
            Text::new(format!("最多包含 {MAX_LINKS} 个链接。"), format!("At most {MAX_LINKS} links.")),
        ));
    }
    let url_ok = typed.source_url.is_empty()
        || (typed.source_url.chars().count() <= MAX_URL_CHARS
            && url::Url::parse(&typed.source_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")));
    if !url_ok {
        errors.push((
            "source_url",
            Text::new(
                "请填写以 http:// 或 https:// 开头的完整网址。",
                "Give a full address starting with http:// or https://.",
            ),
        ));
    }
    if !typed.email.is_empty() && !crate::mail::valid_address(&typed.email) {
        errors.push((
            "email",
            Text::new("请填写有效的电子邮件地址，或留空。", "Give a valid email address, or leave it empty."),
        ));
    }
    errors
}

/// The correction as the field's value, checked by the same rule as on the staff's form (a year is a year, a
/// website an http(s) address) and stored in its type.
fn as_value(column: &'static str, text: &str) -> Result<Value, Text> {
    let Some(entity) = proposals::single_field(column) else {
        return Err(Text::new("请选择要更正的项目。", "Choose what to correct."));
    };
    let mut data = FormData::default();
    data.raw.insert(column.to_string(), text.to_string());
    match validate(entity, &data, &Default::default()) {
        Ok(values) => Ok(values.get(column).cloned().unwrap_or(Value::Null)),
        Err(errors) => {
            Err(errors.get(column).cloned().unwrap_or_else(|| Text::new("这个值无效。", "This value is not valid.")))
        }
    }
}

pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddress,
    Path(slug): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let catalog = state.catalog();
    let c = catalog.company_by_slug(&slug).ok_or(AppError::NotFound)?;
    let typed = Typed {
        field: form_value(&pairs, "field"),
        correction: form_value(&pairs, "correction"),
        source_url: form_value(&pairs, "source_url"),
        email: form_value(&pairs, "email"),
    };
    let mut errors = screen(&pairs, &typed);
    if !errors.is_empty() {
        return page(&ctx, c, typed, errors, false);
    }
    let column = PROFILE_COLUMNS.iter().copied().find(|f| *f == typed.field).unwrap_or_default();
    let (version, stored) = proposals::stored_profile(&state.pool, c.id).await?.ok_or(AppError::NotFound)?;
    let after = match as_value(column, &typed.correction) {
        Ok(value) => value,
        Err(message) => {
            errors.push(("correction", message));
            return page(&ctx, c, typed, errors, false);
        }
    };
    let before = stored.get(column).cloned().unwrap_or(Value::Null);
    if before == after {
        errors.push(("correction", Text::new("这与网站上现在的内容相同。", "This is what the site says already.")));
        return page(&ctx, c, typed, errors, false);
    }
    let suggestion = proposals::Suggestion {
        company_id: c.id,
        base_version: version,
        column,
        before,
        after,
        source_url: &typed.source_url,
        contact_email: (!typed.email.is_empty()).then_some(typed.email.as_str()),
        client_address: &limit_key(&client.address),
    };
    if proposals::suggest(&state.pool, &suggestion).await?.is_none() {
        // The address is not logged: it is personal data kept a day, for this limit only.
        tracing::warn!("suggestion refused: too many from one address within the hour");
        errors.push(("form", Text::new(
            "这个网络地址在一小时内提交了太多建议，请稍后再试。您填写的内容保留在下面。",
            "Too many suggestions came from this address within the hour; try again later. What you wrote is kept below.",
        )));
        let mut response = page(&ctx, c, typed, errors, false)?;
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    Ok(Redirect::to(&format!("{}?sent=1", ctx.lang.url(&format!("/companies/{}/suggest", c.slug)))).into_response())
}
