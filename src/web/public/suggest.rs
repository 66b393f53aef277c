//! `/companies/{slug}/suggest`: a visitor proposes a correction of one fact on a profile, without an account.
//! It waits in the staff's review queue like an editor's proposal. Spam is kept out without third parties: a
//! field people do not see (a honeypot), a minimum time between opening the form and sending it (the form
//! carries the time it was made, signed), a limit per address, and limits on length and links. A refused
//! form says why and keeps what was typed.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::admin::proposals::{self, PROFILE, PROFILE_COLUMNS};
use crate::catalog::Company;
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::admin::auth::ClientAddress;
use crate::web::admin::form::{FormData, validate};
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Sent sooner than this after the form was made: a script, not a person reading the page.
const MIN_FILL_SECS: u64 = 3;
/// A form older than this is made again (its time is no longer a useful check).
const MAX_FORM_AGE_SECS: u64 = 24 * 60 * 60;
pub const MAX_CORRECTION_CHARS: usize = 2000;
const MAX_LINKS: usize = 2;
const MAX_URL_CHARS: usize = 500;

/// Signs the form's time, so a script cannot send an old one it did not get from us. A key per process: a
/// form opened before a restart is shown again to be sent once more, nothing lost.
static FORM_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    key
});

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// `time.signature`: the key comes first and the time is fixed-format digits, so SHA-256 over both is a MAC here.
fn stamp(at: u64) -> String {
    let mac: String = Sha256::new().chain_update(*FORM_KEY).chain_update(at.to_string()).finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{at}.{mac}")
}

/// The time a stamp was made, if it is ours.
fn stamped_at(text: &str) -> Option<u64> {
    let (at, _) = text.split_once('.')?;
    let at: u64 = at.parse().ok()?;
    (stamp(at) == text).then_some(at)
}

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

fn field_of(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

/// What is wrong with a submission before it is looked at as a correction: the honeypot, the time, then the
/// fields' lengths and links. Each with the field it is said beside (`form` for the whole form).
fn screen(pairs: &[(String, String)], typed: &Typed) -> Vec<(&'static str, Text)> {
    let mut errors = screen_form(pairs);
    errors.extend(screen_fields(typed));
    errors
}

/// A script's marks: the hidden field filled, or the form sent too soon or without a time we made.
fn screen_form(pairs: &[(String, String)]) -> Vec<(&'static str, Text)> {
    let mut errors = Vec::new();
    if !field_of(pairs, "homepage").is_empty() {
        errors.push((
            "form",
            Text::new(
                "无法接受这次提交。请不要填写隐藏的字段。",
                "This submission cannot be accepted. Leave the hidden field empty.",
            ),
        ));
    }
    match stamped_at(&field_of(pairs, "stamp")) {
        Some(at) if now().saturating_sub(at) < MIN_FILL_SECS => errors.push((
            "form",
            Text::new(
                "提交得太快了。请检查内容后再提交一次。",
                "That was sent very quickly. Check what you wrote and send it again.",
            ),
        )),
        Some(at) if now().saturating_sub(at) <= MAX_FORM_AGE_SECS => {}
        _ => errors.push((
            "form",
            Text::new(
                "这个表单已过期。您填写的内容保留在下面，请再提交一次。",
                "This form has expired. What you wrote is kept below; send it again.",
            ),
        )),
    }
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
        field: field_of(&pairs, "field"),
        correction: field_of(&pairs, "correction"),
        source_url: field_of(&pairs, "source_url"),
        email: field_of(&pairs, "email"),
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
        tracing::warn!(address = %client.address, "suggestion refused: too many from this address");
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

/// What the per-address limit counts by: an IPv4 address, or an IPv6 address's /64 (one subscriber's network,
/// whose addresses a sender can change at will).
fn limit_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ipv6_sender_is_limited_by_its_network() {
        assert_eq!(super::limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(super::limit_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(super::limit_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(super::limit_key("unknown"), "unknown");
    }

    use super::*;

    #[test]
    fn a_stamp_is_ours_or_nothing() {
        let s = stamp(1_700_000_000);
        assert_eq!(stamped_at(&s), Some(1_700_000_000));
        assert_eq!(stamped_at(&s.replace("1700000000", "1600000000")), None, "an older time with our signature");
        assert_eq!(stamped_at("1700000000.00"), None);
        assert_eq!(stamped_at(""), None);
    }
}
