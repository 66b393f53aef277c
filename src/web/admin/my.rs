//! A company editor's own pages: `/admin/my` (their company, what they proposed and what staff decided) and
//! `/admin/my/edit` (the profile form). A save is a proposal: stored with the version it was based on, public
//! only once staff approve it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Editor};
use super::form::{Errors, FormData};
use super::history::{DiffRow, diff};
use super::names::Lookups;
use super::{set_flash, take_flash};
use crate::admin::proposals::{self, PROFILE, Proposal};
use crate::admin::record::{self, Record, Values};
use crate::admin::spec::{COMPANIES, Field};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Proposals listed on the editor's page: the pending one and the latest decisions.
const SHOWN: i64 = 20;
/// The longest note an editor may leave for staff.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A proposal as its editor (or staff) reads it: what it changes and what became of it.
pub struct ProposalView {
    pub proposal: Proposal,
    pub changes: Vec<DiffRow>,
}

impl ProposalView {
    pub(super) fn new(proposal: Proposal, lookups: &Lookups, l: Lang) -> ProposalView {
        let changes = diff(&PROFILE, &proposal.before(), &proposal.after(), lookups, l);
        ProposalView { proposal, changes }
    }

    pub fn status_label(&self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        status_label(&self.proposal.status, l)
    }
}

pub fn status_label(status: &str, l: impl std::borrow::Borrow<Lang>) -> &'static str {
    let l = *l.borrow();
    match status {
        "pending" => l.t("等待审核", "Waiting for review"),
        "approved" => l.t("已批准并发布", "Approved and published"),
        "partly_approved" => l.t("部分批准并发布", "Partly approved and published"),
        "rejected" => l.t("未采纳", "Not accepted"),
        _ => l.t("已撤回", "Withdrawn"),
    }
}

#[derive(Template)]
#[template(path = "admin/my.html")]
struct MyPage {
    l: Lang,
    chrome: Chrome,
    user: Editor,
    flash: Option<Text>,
    name: String,
    public_url: String,
    pending: Option<ProposalView>,
    decided: Vec<ProposalView>,
    confirmed_at: Option<String>,
}

async fn company(state: &AppState, editor: &Editor) -> AppResult<Record> {
    let mut conn = state.pool.acquire().await?;
    // The account is removed with its company; a missing one is a race with that removal.
    record::load(&mut conn, &COMPANIES, editor.company_id).await?.ok_or(AppError::NotFound)
}

fn public_url(record: &Record, l: Lang) -> String {
    let slug = record.values.get("slug").and_then(|v| v.as_str()).unwrap_or_default();
    l.url(&format!("/companies/{slug}"))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Editor) -> AppResult<Response> {
    let company = company(&state, &user).await?;
    let lookups = Lookups::load(&state, &PROFILE).await?;
    let mut pending = None;
    let mut decided = Vec::new();
    // Visitors' suggestions are staff's to answer; the editor sees their own company's edits.
    for p in
        proposals::of_company(&state.pool, user.company_id, SHOWN).await?.into_iter().filter(|p| !p.is_suggestion())
    {
        let view = ProposalView::new(p, &lookups, ctx.lang);
        if view.proposal.is_pending() && view.proposal.account_id == Some(user.id) && pending.is_none() {
            pending = Some(view);
        } else if !view.proposal.is_pending() {
            decided.push(view);
        }
    }
    render(&MyPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        name: company.title(&COMPANIES, ctx.lang),
        public_url: public_url(&company, ctx.lang),
        confirmed_at: crate::admin::freshness::confirmed_at(&state.pool, user.company_id).await?,
        user,
        pending,
        decided,
    })
}

/// The editor takes back what waits for review; the site never showed it.
pub async fn withdraw(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Editor) -> AppResult<Response> {
    let message = if proposals::withdraw(&state.pool, user.company_id, user.id, &user.username).await? {
        Text::new("已撤回等待审核的修改。", "What waited for review is withdrawn.")
    } else {
        Text::new("没有等待审核的修改。", "Nothing was waiting for review.")
    };
    set_flash(&auth, message).await;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}

/// The editor confirms that the published profile is still right (what staff's freshness list asks for).
pub async fn confirm(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Editor) -> AppResult<Response> {
    crate::admin::freshness::confirm(&state.pool, user.company_id, &user.username).await?;
    let thanks = Text::new("谢谢，已记录资料仍然准确。", "Thank you; the profile is recorded as current.");
    set_flash(&auth, thanks).await;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}

#[derive(Template)]
#[template(path = "admin/profile_form.html")]
struct ProfileForm {
    l: Lang,
    chrome: Chrome,
    user: Editor,
    name: String,
    entity: &'static crate::admin::spec::Entity,
    data: FormData,
    note: String,
    errors: Errors,
    /// Said above the form: why nothing was sent, or that staff changed the profile meanwhile.
    notice: Option<Text>,
    lookups: Lookups,
    pending: bool,
}

/// What the shared field template asks of its page (see `admin/_field.html`); the profile has no search fields.
impl ProfileForm {
    fn error(&self, key: &str) -> Option<&Text> {
        self.errors.get(key)
    }

    fn chosen(&self, _: &Field) -> Option<(i64, String)> {
        None
    }

    fn lookup_url(&self, _: &Field) -> String {
        String::new()
    }
}

fn profile_form(ctx: &Ctx, user: Editor, name: String, form: ProfileFormData) -> AppResult<Response> {
    let invalid = !form.errors.is_empty() || form.notice.is_some();
    let mut response = render(&ProfileForm {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        name,
        entity: &PROFILE,
        data: form.data,
        note: form.note,
        errors: form.errors,
        notice: form.notice,
        lookups: form.lookups,
        pending: form.pending,
    })?;
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

struct ProfileFormData {
    data: FormData,
    note: String,
    errors: Errors,
    notice: Option<Text>,
    lookups: Lookups,
    pending: bool,
}

/// The form holds the editor's pending proposal when there is one (they go on from what they sent), else what
/// is published; its version is always the stored one it is based on.
pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, user: Editor) -> AppResult<Response> {
    let company = company(&state, &user).await?;
    let own_pending = proposals::of_company(&state.pool, user.company_id, SHOWN)
        .await?
        .into_iter()
        .find(|p| p.is_pending() && p.account_id == Some(user.id));
    // What is stored now, with the pending proposal's own changes over it: a field staff changed since the
    // proposal was sent shows staff's value, not the one the editor saw then.
    let mut values = company.values.clone();
    let mut note = String::new();
    if let Some(p) = &own_pending {
        let after = p.after();
        for column in p.changed_columns() {
            values.insert(column.to_string(), after.get(column).cloned().unwrap_or_default());
        }
        note = p.note.clone();
    }
    let data = FormData::from_values(&PROFILE, &values, Some(company.version));
    let lookups = Lookups::load(&state, &PROFILE).await?;
    let form =
        ProfileFormData { data, note, errors: Errors::new(), notice: None, lookups, pending: own_pending.is_some() };
    profile_form(&ctx, user, company.title(&COMPANIES, ctx.lang), form)
}

/// Why a valid form is not sent: it changes nothing, or staff saved since it was opened (what it would send
/// back includes their old values: the editor looks again, with what they typed kept).
fn held_back(base_version: i64, version: i64, stored: &Values, values: &Values) -> Option<Text> {
    if proposals::changed(stored, values).is_empty() {
        return Some(Text::new(
            "与已发布的内容相比没有改动，因此没有提交。",
            "Nothing differs from what is published, so nothing was sent.",
        ));
    }
    (base_version != version).then(|| {
        Text::new(
            "您打开这个表单后，园区工作人员修改了这家企业的资料。您输入的内容保留在下面；请先对照网站上现在的内容，再重新提交。",
            "Park staff changed this company after you opened this form. What you typed is kept below; compare it with the site as it is now, then send it again.",
        )
    })
}

pub async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let company = company(&state, &user).await?;
    let name = company.title(&COMPANIES, ctx.lang);
    let mut lookups = Lookups::load(&state, &PROFILE).await?;
    let mut data = FormData::from_pairs(&PROFILE, &pairs);
    let note = pairs.iter().find(|(k, _)| k == "note").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let base_version = data.version.ok_or_else(|| {
        AppError::BadRequest(Text::new(
            "表单缺少版本号，请重新打开编辑页。",
            "The form has no version; open the edit page again.",
        ))
    })?;
    let checked = lookups.validate(&state, &PROFILE, &mut data).await?;
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.insert(
            "note".into(),
            Text::new(
                format!("说明最多 {MAX_NOTE_CHARS} 个字符。"),
                format!("The note can have at most {MAX_NOTE_CHARS} characters."),
            ),
        );
    }
    let (Ok(values), true) = (checked, errors.is_empty()) else {
        let form = ProfileFormData { data, note, errors, notice: None, lookups, pending: false };
        return profile_form(&ctx, user, name, form);
    };
    let (version, stored) = proposals::stored_profile(&state.pool, user.company_id).await?.ok_or(AppError::NotFound)?;
    if let Some(notice) = held_back(base_version, version, &stored, &values) {
        data.version = Some(version);
        let form = ProfileFormData { data, note, errors, notice: Some(notice), lookups, pending: false };
        return profile_form(&ctx, user, name, form);
    }
    // Based on what is stored: staff saving before the review is what the review page shows first.
    proposals::propose(&state.pool, user.company_id, user.id, &user.username, (version, &stored), &values, &note)
        .await?;
    let sent = Text::new(
        "已提交给园区工作人员审核。批准后才会在网站上显示。",
        "Sent to park staff for review. It appears on the site once they approve it.",
    );
    set_flash(&auth, sent).await;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}
