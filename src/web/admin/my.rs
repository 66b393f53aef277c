//! A company editor's own pages: `/admin/my` (their company, what they proposed and what staff decided), the
//! profile form (`/admin/my/edit`), the logo (`/admin/my/logo`) and the company's milestones and product
//! launches (`/admin/my/milestones/…`). Every save is a proposal: stored with the version it was based on,
//! public only once staff approve it.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::auth::{AuthSession, Editor};
use super::form::{Errors, FormData};
use super::history::{DiffRow, diff};
use super::names::{Lookups, display};
use super::upload::{self, LOGO};
use super::{id_in_path, set_flash, take_flash};
use crate::admin::proposals::{self, Draft, MILESTONE, PROFILE, Proposal, Target};
use crate::admin::record::{self, Record, Values};
use crate::admin::spec::{COMPANIES, Entity, Field};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Proposals listed on the editor's page: the pending ones and the latest decisions.
const SHOWN: i64 = 30;
/// Milestones listed on the editor's page (a company has a handful; the newest are the ones kept current).
const MILESTONES_SHOWN: i64 = 100;
/// The longest note an editor may leave for staff.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A proposal as its editor (or staff) reads it: what it is about, what it changes and what became of it.
pub struct ProposalView {
    pub proposal: Proposal,
    pub what: String,
    pub changes: Vec<DiffRow>,
}

impl ProposalView {
    pub(super) fn new(proposal: Proposal, lookups: &Lookups, l: Lang) -> ProposalView {
        // A column the proposal leaves out keeps its value (a text-only change says nothing of the logo).
        let before = proposal.before();
        let mut after = before.clone();
        after.extend(proposal.after());
        let changes = diff(proposal.form(), &before, &after, lookups, l);
        ProposalView { what: what(&proposal, l), proposal, changes }
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

/// A milestone's title in `l` from its values (the Chinese when the English is empty).
fn milestone_title(values: &Values, l: Lang) -> String {
    let text = |c: &str| values.get(c).and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let en = text("title_en");
    if l.is_en() && !en.is_empty() { en } else { text("title_zh") }
}

/// What a proposal is about, in a line: the profile, or which milestone and whether it is new or removed.
pub fn what(proposal: &Proposal, l: Lang) -> String {
    match proposal.target() {
        Target::Profile => l.t("企业资料", "Company profile").to_string(),
        Target::NewMilestone => {
            format!("{}{}", l.t("新增大事记：", "New milestone: "), milestone_title(&proposal.after(), l))
        }
        Target::Milestone { delete: false, .. } => {
            format!("{}{}", l.t("修改大事记：", "Changed milestone: "), milestone_title(&proposal.before(), l))
        }
        Target::Milestone { delete: true, .. } => {
            format!("{}{}", l.t("删除大事记：", "Removed milestone: "), milestone_title(&proposal.before(), l))
        }
    }
}

/// One of the company's milestones on the editor's page.
pub struct MilestoneLine {
    pub id: i64,
    pub date: String,
    pub kind: String,
    pub title: String,
    /// The editor sent a change or the removal of it, not decided yet.
    pub pending: bool,
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
    pending: Vec<ProposalView>,
    decided: Vec<ProposalView>,
    confirmed_at: Option<String>,
    /// The published logo's path under `/media/`.
    logo: Option<String>,
    version: i64,
    /// Why the last logo upload was refused.
    logo_error: Option<Text>,
    milestones: Vec<MilestoneLine>,
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
    let flash = take_flash(&auth).await;
    my_page(&state, &ctx, user, flash, None).await
}

async fn my_page(
    state: &AppState,
    ctx: &Ctx,
    user: Editor,
    flash: Option<Text>,
    logo_error: Option<Text>,
) -> AppResult<Response> {
    let l = ctx.lang;
    let company = company(state, &user).await?;
    let lookups = Lookups::load(state, &PROFILE).await?;
    let pending: Vec<ProposalView> = proposals::own_pending_all(&state.pool, user.company_id, user.id)
        .await?
        .into_iter()
        .map(|p| ProposalView::new(p, &lookups, l))
        .collect();
    // Visitors' suggestions are staff's to answer; the editor sees their own company's edits.
    let decided = proposals::of_company(&state.pool, user.company_id, SHOWN)
        .await?
        .into_iter()
        .filter(|p| !p.is_suggestion() && !p.is_pending())
        .map(|p| ProposalView::new(p, &lookups, l))
        .collect();
    let waiting: Vec<i64> = pending.iter().filter_map(|v| v.proposal.entity_id).collect();
    let milestones = proposals::company_milestones(&state.pool, user.company_id, MILESTONES_SHOWN)
        .await?
        .into_iter()
        .map(|(id, values)| MilestoneLine {
            id,
            date: values.get("occurred_on").and_then(Value::as_str).unwrap_or_default().to_string(),
            kind: display(MILESTONE.field("kind"), values.get("kind"), &lookups, l),
            title: milestone_title(&values, l),
            pending: waiting.contains(&id),
        })
        .collect();
    let status = logo_error.as_ref().map(|_| StatusCode::UNPROCESSABLE_ENTITY);
    let mut response = render(&MyPage {
        l,
        chrome: ctx.chrome("admin"),
        flash,
        name: company.title(&COMPANIES, l),
        public_url: public_url(&company, l),
        confirmed_at: crate::admin::freshness::confirmed_at(&state.pool, user.company_id).await?,
        logo: company.values.get(LOGO.column).and_then(Value::as_str).map(str::to_string),
        version: company.version,
        logo_error,
        user,
        pending,
        decided,
        milestones,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    Ok(response)
}

/// The editor takes back one proposal waiting for review (the `proposal` field), or all of theirs; the site
/// never showed them.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let only = match pairs.iter().find(|(k, _)| k == "proposal") {
        None => None,
        Some((_, v)) => Some(v.trim().parse::<i64>().map_err(|_| {
            AppError::BadRequest(Text::new("要撤回的修改编号无效。", "The change to withdraw is not a valid number."))
        })?),
    };
    let message = if proposals::withdraw(&state.pool, user.company_id, user.id, only, &user.username).await? {
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

/// The form an editor fills in: the profile, a new milestone or one of the company's milestones.
#[derive(Template)]
#[template(path = "admin/profile_form.html")]
struct ProposalForm {
    l: Lang,
    chrome: Chrome,
    user: Editor,
    name: String,
    /// What the form edits ("Edit profile", "New milestone or product", …).
    heading: Text,
    action: String,
    entity: &'static Entity,
    data: FormData,
    note: String,
    errors: Errors,
    /// Said above the form: why nothing was sent, or that staff changed the entry meanwhile.
    notice: Option<Text>,
    lookups: Lookups,
    pending: bool,
}

/// What the shared field template asks of its page (see `admin/_field.html`); these forms have no search fields.
impl ProposalForm {
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

/// A form's state between requests: what it holds, and what to say about it.
struct FormState {
    data: FormData,
    note: String,
    errors: Errors,
    notice: Option<Text>,
    lookups: Lookups,
    pending: bool,
}

/// The form of `target`: its entity, its heading and where it is sent.
fn form_of(target: Target) -> (&'static Entity, Text, String) {
    match target {
        Target::Profile => (&PROFILE, Text::new("编辑资料", "Edit profile"), "/admin/my/edit".to_string()),
        Target::NewMilestone => (
            &MILESTONE,
            Text::new("新增大事记或产品", "New milestone or product"),
            "/admin/my/milestones/new".to_string(),
        ),
        Target::Milestone { id, .. } => {
            (&MILESTONE, Text::new("修改大事记", "Edit milestone"), format!("/admin/my/milestones/{id}/edit"))
        }
    }
}

fn proposal_form(ctx: &Ctx, user: Editor, name: String, target: Target, form: FormState) -> AppResult<Response> {
    let invalid = !form.errors.is_empty() || form.notice.is_some();
    let (entity, heading, action) = form_of(target);
    let mut response = render(&ProposalForm {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        name,
        heading,
        action: ctx.lang.url(&action),
        entity,
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

/// What `target` holds now for the editor's company: (version, values); a new milestone holds nothing. None
/// when the milestone is not the company's.
async fn stored(state: &AppState, user: &Editor, target: Target) -> AppResult<Option<(i64, Values)>> {
    Ok(match target {
        Target::Profile => proposals::stored_profile(&state.pool, user.company_id).await?,
        Target::Milestone { id, .. } => proposals::stored_milestone(&state.pool, user.company_id, id).await?,
        Target::NewMilestone => Some((0, Values::new())),
    })
}

/// The milestone an editor's URL names (`/admin/my/milestones/{milestone}/…`); another company's is 404.
async fn milestone_target(state: &AppState, user: &Editor, target: Target) -> AppResult<Target> {
    match stored(state, user, target).await? {
        Some(_) => Ok(target),
        None => Err(AppError::NotFound),
    }
}

/// The form opened afresh: the editor's pending proposal over what is stored, when there is one (they go on
/// from what they sent), else what is published; its version is always the stored one it is based on.
async fn open_form(state: &AppState, ctx: &Ctx, user: Editor, target: Target) -> AppResult<Response> {
    let company = company(state, &user).await?;
    let (entity, _, _) = form_of(target);
    let (version, mut values) = stored(state, &user, target).await?.ok_or(AppError::NotFound)?;
    // A pending removal is not an edit to go on from.
    let own_pending =
        proposals::own_pending(&state.pool, user.company_id, user.id, target).await?.filter(Proposal::by_field);
    let mut note = String::new();
    if let Some(p) = &own_pending {
        // A field staff changed since the proposal was sent shows staff's value, not the one seen then.
        let after = p.after();
        for column in p.changed_columns() {
            values.insert(column.to_string(), after.get(column).cloned().unwrap_or_default());
        }
        note = p.note.clone();
    }
    let data = if target == Target::NewMilestone {
        super::edit::blank(entity)
    } else {
        FormData::from_values(entity, &values, Some(version))
    };
    let lookups = Lookups::load(state, entity).await?;
    let form = FormState { data, note, errors: Errors::new(), notice: None, lookups, pending: own_pending.is_some() };
    proposal_form(ctx, user, company.title(&COMPANIES, ctx.lang), target, form)
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, user: Editor) -> AppResult<Response> {
    open_form(&state, &ctx, user, Target::Profile).await
}

pub async fn new_milestone_form(State(state): State<AppState>, ctx: Ctx, user: Editor) -> AppResult<Response> {
    open_form(&state, &ctx, user, Target::NewMilestone).await
}

pub async fn milestone_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Editor,
    MilestoneParam(id): MilestoneParam,
) -> AppResult<Response> {
    let target = milestone_target(&state, &user, Target::Milestone { id, delete: false }).await?;
    open_form(&state, &ctx, user, target).await
}

/// The milestone id an editor's URL names.
pub struct MilestoneParam(pub i64);

impl axum::extract::FromRequestParts<AppState> for MilestoneParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Self> {
        id_in_path(parts, state, "milestone").await.map(MilestoneParam)
    }
}

/// Why a valid form is not sent: it changes nothing, or staff saved since it was opened (what it would send
/// back includes their old values: the editor looks again, with what they typed kept).
fn held_back(entity: &Entity, base_version: i64, version: i64, stored: &Values, values: &Values) -> Option<Text> {
    if proposals::changed(entity, stored, values).is_empty() {
        return Some(Text::new(
            "与已发布的内容相比没有改动，因此没有提交。",
            "Nothing differs from what is published, so nothing was sent.",
        ));
    }
    (base_version != version).then(|| {
        Text::new(
            "您打开这个表单后，园区工作人员修改了这些内容。您输入的内容保留在下面；请先对照网站上现在的内容，再重新提交。",
            "Park staff changed this after you opened this form. What you typed is kept below; compare it with the site as it is now, then send it again.",
        )
    })
}

/// `values` over the editor's pending edit of the same entry: a profile edit keeps a logo sent before, and a
/// logo keeps the text.
fn over_pending(pending: Option<&Proposal>, values: Values) -> Values {
    let mut merged = pending.filter(|p| p.by_field()).map(Proposal::after).unwrap_or_default();
    merged.extend(values);
    merged
}

/// A proposal by `user` for their company.
fn draft<'a>(
    user: &'a Editor,
    target: Target,
    base: (i64, &'a Values),
    proposed: &'a Values,
    note: &'a str,
) -> Draft<'a> {
    Draft { company_id: user.company_id, account_id: user.id, proposer: &user.username, target, base, proposed, note }
}

fn sent_for_review() -> Text {
    Text::new(
        "已提交给园区工作人员审核。批准后才会在网站上显示。",
        "Sent to park staff for review. It appears on the site once they approve it.",
    )
}

pub async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    send(&state, &ctx, &auth, user, Target::Profile, &pairs).await
}

pub async fn propose_new_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    send(&state, &ctx, &auth, user, Target::NewMilestone, &pairs).await
}

pub async fn propose_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    MilestoneParam(id): MilestoneParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let target = milestone_target(&state, &user, Target::Milestone { id, delete: false }).await?;
    send(&state, &ctx, &auth, user, target, &pairs).await
}

/// Checks a sent form and stores it as a proposal for `target`; a refused one comes back with what was typed.
async fn send(
    state: &AppState,
    ctx: &Ctx,
    auth: &AuthSession,
    user: Editor,
    target: Target,
    pairs: &[(String, String)],
) -> AppResult<Response> {
    let name = company(state, &user).await?.title(&COMPANIES, ctx.lang);
    let (entity, _, _) = form_of(target);
    let mut lookups = Lookups::load(state, entity).await?;
    let mut data = FormData::from_pairs(entity, pairs);
    let note = pairs.iter().find(|(k, _)| k == "note").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let base_version = match (target, data.version) {
        (Target::NewMilestone, _) => 0,
        (_, Some(version)) => version,
        (_, None) => {
            return Err(AppError::BadRequest(Text::new(
                "表单缺少版本号，请重新打开编辑页。",
                "The form has no version; open the edit page again.",
            )));
        }
    };
    let checked = lookups.validate(state, entity, &mut data).await?;
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
        let form = FormState { data, note, errors, notice: None, lookups, pending: false };
        return proposal_form(ctx, user, name, target, form);
    };
    let (version, stored) = stored(state, &user, target).await?.ok_or(AppError::NotFound)?;
    let pending = proposals::own_pending(&state.pool, user.company_id, user.id, target).await?;
    let proposed = over_pending(pending.as_ref(), values);
    if let Some(notice) = held_back(entity, base_version, version, &stored, &proposed) {
        data.version = (target != Target::NewMilestone).then_some(version);
        let form = FormState { data, note, errors, notice: Some(notice), lookups, pending: false };
        return proposal_form(ctx, user, name, target, form);
    }
    // Based on what is stored: staff saving before the review is what the review page shows first.
    let draft = draft(&user, target, (version, &stored), &proposed, &note);
    proposals::propose(&state.pool, &draft).await?;
    set_flash(auth, sent_for_review()).await;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}

/// The editor asks for one of the company's milestones to be removed; staff decide like on any proposal.
pub async fn propose_removal(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    MilestoneParam(id): MilestoneParam,
) -> AppResult<Response> {
    let target = Target::Milestone { id, delete: true };
    let (version, stored) = stored(&state, &user, target).await?.ok_or(AppError::NotFound)?;
    let removed: Values = MILESTONE.fields.iter().map(|f| (f.column.to_string(), Value::Null)).collect();
    let draft = draft(&user, target, (version, &stored), &removed, "");
    proposals::propose(&state.pool, &draft).await?;
    let sent = Text::new(
        "已提交删除请求，园区工作人员批准后这条大事记才会从网站上移除。",
        "The removal is sent for review; the milestone leaves the site once park staff approve.",
    );
    set_flash(&auth, sent).await;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}

/// A new logo, proposed like the profile's text: the file is kept under a name only the proposal knows, and
/// the site shows it once staff approve. A refused file brings back the editor's page with the reason.
pub async fn upload_logo(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
    multipart: Multipart,
) -> AppResult<Response> {
    let received = match upload::receive(&LOGO, &state, multipart).await {
        Ok(received) => received,
        Err(err) => {
            let (status, reason) = upload::refusal(err)?;
            let mut page = my_page(&state, &ctx, user, None, Some(reason)).await?;
            *page.status_mut() = status;
            return Ok(page);
        }
    };
    let logo = Values::from_iter([(LOGO.column.to_string(), Value::from(received.stored.clone()))]);
    match propose_logo(&state, &auth, &user, logo).await {
        Ok(()) => Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response()),
        Err(err) => {
            received.discard(&state).await;
            Err(err)
        }
    }
}

/// The editor asks for the published logo to be removed.
pub async fn remove_logo(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Editor,
) -> AppResult<Response> {
    let none = Values::from_iter([(LOGO.column.to_string(), Value::Null)]);
    propose_logo(&state, &auth, &user, none).await?;
    Ok(Redirect::to(&ctx.lang.url("/admin/my")).into_response())
}

/// Proposes `logo` with the editor's pending profile edit, if any. A logo carries no stale text, so it is
/// based on what is stored now; one that leaves nothing differing from the site withdraws what waited.
async fn propose_logo(state: &AppState, auth: &AuthSession, user: &Editor, logo: Values) -> AppResult<()> {
    let pending = proposals::own_pending(&state.pool, user.company_id, user.id, Target::Profile).await?;
    // Joining a pending change keeps what it was based on: re-basing it on a newer save would pass staff's
    // values off as the editor's (its text was typed over the older ones).
    let (version, stored) = match &pending {
        Some(p) => (p.base_version, p.before()),
        None => stored(state, user, Target::Profile).await?.ok_or(AppError::NotFound)?,
    };
    let replaced =
        pending.as_ref().and_then(|p| p.after().get(LOGO.column).and_then(Value::as_str).map(str::to_string));
    let proposed = over_pending(pending.as_ref(), logo);
    let replaced = replaced.filter(|old| stored.get(LOGO.column).and_then(Value::as_str) != Some(old.as_str()));
    let message = if !proposals::changed(&PROFILE, &stored, &proposed).is_empty() {
        let draft = draft(
            user,
            Target::Profile,
            (version, &stored),
            &proposed,
            pending.as_ref().map(|p| p.note.as_str()).unwrap_or_default(),
        );
        proposals::propose(&state.pool, &draft).await?;
        sent_for_review()
    } else if let Some(p) = pending {
        proposals::withdraw(&state.pool, user.company_id, user.id, Some(p.id), &user.username).await?;
        Text::new(
            "这样就与网站上的内容一致了，因此撤回了等待审核的修改。",
            "That matches what the site shows, so what waited for review is withdrawn.",
        )
    } else {
        Text::new("网站上没有标志，无需移除。", "The site shows no logo; there is nothing to remove.")
    };
    if let Some(old) = replaced {
        // The logo sent before, never published, is replaced: nothing else refers to its file.
        let _ = tokio::fs::remove_file(state.settings.uploads_dir.join(old)).await;
    }
    set_flash(auth, message).await;
    Ok(())
}
