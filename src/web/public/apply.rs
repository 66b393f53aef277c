//! `/apply`: a prospective tenant applies to move in (入驻申请) or asks about space, without an account or
//! JavaScript: company, contact person, phone, email, sector, the space wanted and a message. Kept free of
//! scripts like every visitor's form (`screen`); a refused form says why and keeps what was typed; an accepted
//! one answers with a reference number, and staff are told by mail (through the queue) and find it in their
//! inbox. `?unit=ID` starts the form from a unit of the "Available space" list.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::screen::{limit_key, now, screen_form, stamp};
use crate::admin::applications::{self, NewApplication};
use crate::catalog::{Catalog, Unit};
use crate::db::places::UNIT_KIND;
use crate::i18n::{Lang, Text};
use crate::mail::Mail;
use crate::web::AppState;
use crate::web::admin::auth::ClientAddress;
use crate::web::error::AppResult;
use crate::web::{Chrome, Ctx, form_value, render};

pub const MAX_MESSAGE_CHARS: usize = 2000;
const MAX_LINKS: usize = 2;

/// What the visitor typed, as typed.
#[derive(Default, Clone)]
pub struct Typed {
    company_name: String,
    contact_name: String,
    phone: String,
    email: String,
    sector: String,
    space_kind: String,
    area: String,
    wanted_from: String,
    unit: String,
    message: String,
    consent: bool,
}

#[derive(Template)]
#[template(path = "public/apply.html")]
struct ApplyPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    kinds: &'static [(&'static str, &'static str, &'static str)],
    unit: Option<&'a Unit>,
    typed: Typed,
    stamp: String,
    errors: Vec<(&'static str, Text)>,
    retention_days: u32,
}

impl ApplyPage<'_> {
    fn error(&self, field: &str) -> Option<&Text> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, t)| t)
    }
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    catalog: &Catalog,
    typed: Typed,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let l = ctx.lang;
    let title = l.t("入驻申请", "Apply to move in");
    let description = l.t(
        "向长春光电信息产业园申请入驻或咨询可租空间：填写企业、联系人和所需空间，园区工作人员会与您联系。",
        "Apply to move into the Changchun Optoelectronic Information Industrial Park or ask about space: tell park staff about your company and the space you need, and they will contact you.",
    );
    let chrome = ctx.chrome("apply").describe(title, description);
    let unit = typed.unit.parse::<i64>().ok().and_then(|id| catalog.unit(id)).filter(|u| u.is_available());
    let mut response = render(&ApplyPage {
        l,
        chrome,
        catalog,
        kinds: UNIT_KIND,
        unit,
        typed,
        stamp: stamp(now()),
        errors,
        retention_days: state.settings.application_retention_days,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let mut typed = Typed::default();
    // From a unit's page: the unit, its kind and its area.
    let unit = ctx.query_pairs().into_iter().find(|(k, _)| k == "unit").and_then(|(_, v)| v.parse::<i64>().ok());
    if let Some(u) = unit.and_then(|id| catalog.unit(id)).filter(|u| u.is_available()) {
        typed.unit = u.id.to_string();
        typed.space_kind = u.kind.clone();
        typed.area = u.area_m2.to_string();
    }
    page(&state, &ctx, &catalog, typed, Vec::new(), StatusCode::OK)
}

/// A phone number staff can call: a mainland mobile (11 digits from 13–19, `+86` optional), a mainland
/// landline with its area code (`0431-81234567`), or any number with a country code (`+852 2123 4567`).
/// Spaces, hyphens and brackets are allowed between digits.
pub fn is_callable(phone: &str) -> bool {
    let allowed = phone
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0));
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if !allowed || digits.is_empty() {
        return false;
    }
    let mainland_mobile = |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
    if phone.starts_with('+') {
        return match digits.strip_prefix("86") {
            Some(national) => mainland_mobile(national) || (9..=11).contains(&national.len()),
            None => (7..=15).contains(&digits.len()),
        };
    }
    mainland_mobile(&digits) || (digits.starts_with('0') && (10..=12).contains(&digits.len()))
}

type Errors = Vec<(&'static str, Text)>;

/// What is wrong with the typed fields, each beside its field, and the application they make.
fn check(catalog: &Catalog, typed: &Typed) -> (Errors, NewApplication) {
    let mut errors = Vec::new();
    let mut a = NewApplication {
        company_name: typed.company_name.clone(),
        contact_name: typed.contact_name.clone(),
        phone: typed.phone.clone(),
        email: typed.email.clone(),
        message: typed.message.clone(),
        unit_id: typed.unit.parse::<i64>().ok().filter(|id| catalog.unit(*id).is_some_and(Unit::is_available)),
        ..Default::default()
    };
    check_contact(typed, &mut errors);
    check_space(catalog, typed, &mut errors, &mut a);
    let chars = typed.message.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        errors.push((
            "message",
            Text::new(
                format!("最多 {MAX_MESSAGE_CHARS} 个字符（现有 {chars} 个）。"),
                format!("At most {MAX_MESSAGE_CHARS} characters (this has {chars})."),
            ),
        ));
    } else if typed.message.matches("://").count() > MAX_LINKS {
        errors.push((
            "message",
            Text::new(format!("最多包含 {MAX_LINKS} 个链接。"), format!("At most {MAX_LINKS} links.")),
        ));
    }
    if !typed.consent {
        errors.push((
            "consent",
            Text::new(
                "请确认同意园区为处理本申请使用您填写的信息。",
                "Confirm that the park may use these details to answer your application.",
            ),
        ));
    }
    (errors, a)
}

/// The company and the person to call back: required, within bounds, a number staff can call.
fn check_contact(typed: &Typed, errors: &mut Errors) {
    let required = |field: &'static str, value: &str, max: usize, errors: &mut Errors| {
        let chars = value.chars().count();
        if chars == 0 {
            errors.push((field, Text::new("此项必填。", "This field is required.")));
        } else if chars > max {
            errors.push((field, Text::new(format!("最多 {max} 个字符。"), format!("At most {max} characters."))));
        }
    };
    required("company_name", &typed.company_name, 200, errors);
    required("contact_name", &typed.contact_name, 100, errors);
    if typed.phone.is_empty() {
        errors.push(("phone", Text::new("此项必填。", "This field is required.")));
    } else if typed.phone.chars().count() > 30 || !is_callable(&typed.phone) {
        errors.push((
            "phone",
            Text::new(
                "请填写 11 位手机号（如 138 0431 0000）、带区号的固定电话（如 0431-81234567），或以 + 和国家代码开头的号码。",
                "Give a mainland mobile number (e.g. 138 0431 0000), a landline with its area code (e.g. 0431-81234567), or a number starting with + and the country code.",
            ),
        ));
    }
    if typed.email.is_empty() {
        errors.push(("email", Text::new("此项必填。", "This field is required.")));
    } else if !crate::mail::valid_address(&typed.email) {
        errors.push(("email", Text::new("请填写有效的电子邮件地址。", "Give a valid email address.")));
    }
}

/// The sector and the space wanted: each optional, each one of the listed values or a valid number or date.
fn check_space(catalog: &Catalog, typed: &Typed, errors: &mut Errors, a: &mut NewApplication) {
    if !typed.sector.is_empty() {
        match typed.sector.parse::<i64>().ok().filter(|id| catalog.sectors.iter().any(|s| s.id == *id)) {
            Some(id) => a.sector_id = Some(id),
            None => errors.push(("sector", Text::new("请从列表中选择。", "Choose one of the listed sectors."))),
        }
    }
    if !typed.space_kind.is_empty() {
        match UNIT_KIND.iter().find(|k| k.0 == typed.space_kind) {
            Some(k) => a.space_kind = Some(k.0.to_string()),
            None => errors.push(("space_kind", Text::new("请从列表中选择。", "Choose one of the listed kinds."))),
        }
    }
    if !typed.area.is_empty() {
        match typed.area.parse::<i64>().ok().filter(|n| (1..=1_000_000).contains(n)) {
            Some(n) => a.area_m2 = Some(n),
            None => errors.push((
                "area",
                Text::new("请填写 1 到 1000000 之间的整数平方米。", "Give whole square metres, from 1 to 1,000,000."),
            )),
        }
    }
    if !typed.wanted_from.is_empty() {
        if crate::admin::rules::is_partial_date(&typed.wanted_from) && typed.wanted_from.len() >= 7 {
            a.wanted_from = Some(typed.wanted_from.clone());
        } else {
            errors.push((
                "wanted_from",
                Text::new(
                    "请按 YYYY-MM 或 YYYY-MM-DD 填写，如 2027-03。",
                    "Write it as YYYY-MM or YYYY-MM-DD, e.g. 2027-03.",
                ),
            ));
        }
    }
}

/// The mail that tells staff: each staff account with an address, in its language.
fn notices(
    state: &AppState,
    recipients: &[(String, String)],
    a: &NewApplication,
    id: i64,
    reference: &str,
) -> Vec<Mail> {
    recipients
        .iter()
        .filter_map(|(to, lang)| {
            let l = Lang::from_key(lang);
            let link = state.absolute(&l.url(&format!("/admin/applications/{id}")));
            let subject = format!("{}{reference} · {}", l.t("新的入驻申请 ", "New entry application "), a.company_name);
            let text = if l.is_en() {
                format!(
                    "A new entry application came in through the portal.\n\nReference: {reference}\nCompany: {}\n\nOpen it in the admin:\n{link}\n\nThe applicant's contact details are in the admin only.",
                    a.company_name
                )
            } else {
                format!(
                    "门户网站收到一份新的入驻申请。\n\n编号：{reference}\n企业：{}\n\n在管理后台查看：\n{link}\n\n申请人的联系方式只在管理后台显示。",
                    a.company_name
                )
            };
            Mail::new(to.clone(), l, subject, text).ok()
        })
        .collect()
}

pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddress,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let catalog = state.catalog();
    let typed = Typed {
        company_name: form_value(&pairs, "company_name"),
        contact_name: form_value(&pairs, "contact_name"),
        phone: form_value(&pairs, "phone"),
        email: form_value(&pairs, "email"),
        sector: form_value(&pairs, "sector"),
        space_kind: form_value(&pairs, "space_kind"),
        area: form_value(&pairs, "area"),
        wanted_from: form_value(&pairs, "wanted_from"),
        unit: form_value(&pairs, "unit"),
        message: pairs
            .iter()
            .find(|(k, _)| k == "message")
            .map(|(_, v)| v.trim().replace("\r\n", "\n"))
            .unwrap_or_default(),
        consent: !form_value(&pairs, "consent").is_empty(),
    };
    let mut errors = screen_form(&pairs);
    let (field_errors, mut application) = check(&catalog, &typed);
    errors.extend(field_errors);
    if !errors.is_empty() {
        return page(&state, &ctx, &catalog, typed, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    application.lang = if ctx.lang.is_en() { "en" } else { "zh" };
    let recipients = applications::staff_to_notify(&state.pool).await?;
    // The application and the staff's notice commit together, or neither.
    let mut tx = state.pool.begin_with("BEGIN IMMEDIATE").await?;
    let stored = applications::insert(&mut tx, &application, &limit_key(&client.address)).await?;
    if let Some((id, reference)) = &stored {
        for mail in notices(&state, &recipients, &application, *id, reference) {
            crate::mail::enqueue(&mut tx, &mail).await?;
        }
    }
    tx.commit().await?;
    let Some((_, reference)) = stored else {
        // The address is not logged: it is personal data the privacy statement keeps for a day.
        tracing::warn!("entry application refused: too many from one address within the hour");
        errors.push(("form", Text::new(
            "这个网络地址在一小时内提交了太多申请，请稍后再试，或直接致电园区。您填写的内容保留在下面。",
            "Too many applications came from this address within the hour; try again later or call the park. What you wrote is kept below.",
        )));
        return page(&state, &ctx, &catalog, typed, errors, StatusCode::TOO_MANY_REQUESTS);
    };
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}?ref={reference}", ctx.lang.url("/apply/sent"))).into_response())
}

#[derive(Template)]
#[template(path = "public/apply_sent.html")]
struct SentPage {
    l: Lang,
    chrome: Chrome,
    reference: Option<String>,
}

/// `/apply/sent?ref=…`: the reference number, shown back. Only its shape is checked (the page reads nothing
/// from the database, so it tells nobody whether a reference exists).
pub async fn sent(ctx: Ctx) -> AppResult<Response> {
    let reference = ctx
        .query_pairs()
        .into_iter()
        .find(|(k, _)| k == "ref")
        .map(|(_, v)| v)
        .filter(|r| applications::is_reference(r));
    let mut chrome = ctx.chrome("apply");
    chrome.head = None;
    render(&SentPage { l: ctx.lang, chrome, reference })
}

#[cfg(test)]
mod tests {
    use super::is_callable;

    #[test]
    fn phone_numbers_staff_can_call() {
        for ok in
            ["13804310000", "138 0431 0000", "+86 138 0431 0000", "0431-81234567", "+852 2123 4567", "+49 30 1234567"]
        {
            assert!(is_callable(ok), "{ok}");
        }
        for bad in ["12345", "23804310000", "1380431000", "81234567", "+86 12", "138-0431-000a", "86+13804310000"] {
            assert!(!is_callable(bad), "{bad}");
        }
    }
}
