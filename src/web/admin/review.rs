//! The review queue (`/admin/review`): proposals from company editors, oldest first. Each opens field by field,
//! Chinese and English side by side, with a change to one language only flagged; staff approve all or some
//! fields (an ordinary save with a revision naming the proposal) or reject with a reason the editor sees. A
//! proposal based on an older version than the stored one shows what changed since, first.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::auth::{AuthSession, Staff};
use super::history::{Piece, pieces};
use super::names::{Lookups, display};
use super::{path_param, set_flash, take_flash};
use crate::admin::proposals::{self, DecideError, Proposal, Target};
use crate::admin::record::{self, SaveError, Values};
use crate::admin::spec::{COMPANIES, Entity, Label, MILESTONES};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Proposals on one page of the queue (the oldest; the header shows how many wait in all).
const QUEUE_PAGE: i64 = 100;
/// The longest reason staff may give.
pub const MAX_REASON_CHARS: usize = 1000;

/// The proposal an admin URL names (`/admin/review/{proposal}`), or 404.
pub struct ProposalParam(pub Proposal);

impl axum::extract::FromRequestParts<AppState> for ProposalParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Self> {
        let id: i64 = path_param(parts, state, "proposal").await?.parse().map_err(|_| AppError::NotFound)?;
        proposals::find(&state.pool, id).await?.map(ProposalParam).ok_or(AppError::NotFound)
    }
}

pub struct QueueLine {
    pub proposal: Proposal,
    pub company: String,
    /// What it is about: the profile, or which milestone.
    pub what: String,
    pub fields: Vec<Label>,
    pub one_sided: bool,
}

#[derive(Template)]
#[template(path = "admin/review_queue.html")]
struct QueuePage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    lines: Vec<QueueLine>,
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let pending = proposals::pending(&state.pool, QUEUE_PAGE).await?;
    let names = Lookups::companies(&state, pending.iter().map(|p| p.company_id)).await?;
    let lines = pending
        .into_iter()
        .map(|proposal| {
            let changed = proposal.changed_columns();
            QueueLine {
                company: names.title(COMPANIES.key, proposal.company_id, ctx.lang),
                what: super::my::what(&proposal, ctx.lang),
                fields: changed.iter().filter_map(|c| label_of(proposal.form(), c)).collect(),
                one_sided: !proposals::one_sided(&changed).is_empty(),
                proposal,
            }
        })
        .collect();
    render(&QueuePage { l: ctx.lang, chrome: ctx.chrome("admin"), flash: take_flash(&auth).await, user, lines })
}

/// A field's label, or an upload's (the logo).
fn label_of(form: &Entity, column: &str) -> Option<Label> {
    form.label_of(column).or_else(|| (column == super::upload::LOGO.column).then_some(super::upload::LOGO.title))
}

/// One side of a field in the review table.
pub struct Cell {
    pub column: &'static str,
    pub changed: bool,
    pub before: Vec<Piece>,
    pub after: Vec<Piece>,
    /// An uploaded picture: its paths under `/media/` before and after.
    pub image: Option<(Option<String>, Option<String>)>,
    /// What is stored now, when staff changed it since the proposal's base.
    pub now: Option<String>,
}

impl Cell {
    /// The field held nothing before: said, rather than shown as a blank.
    pub fn was_empty(&self) -> bool {
        self.before.iter().all(|p| p.text.is_empty())
    }

    /// The proposal leaves the field empty (a removed milestone, a cleared website).
    pub fn emptied(&self) -> bool {
        self.after.iter().all(|p| p.text.is_empty())
    }
}

/// A row of the review table: a Chinese/English pair side by side, or a field of its own (`single`).
pub struct Row {
    pub label: Label,
    pub zh: Option<Cell>,
    pub en: Option<Cell>,
    pub single: Option<Cell>,
    /// One language changed and the other did not: the row is flagged.
    pub one_sided: bool,
}

#[derive(Template)]
#[template(path = "admin/review.html")]
struct ReviewPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    proposal: Proposal,
    company: String,
    /// What it is about: the profile, or which milestone.
    what: String,
    public_url: String,
    /// The admin page of the entry it changes (none for a new milestone).
    entry_url: Option<String>,
    /// The stored version now; the approval is a save from it.
    version: i64,
    /// Staff saved the entry since the proposal's base: the changes since are shown first.
    stale: bool,
    /// The milestone it changes is no longer the company's (deleted or moved by staff).
    gone: bool,
    rows: Vec<Row>,
    /// Some row changed in one language only.
    one_sided: bool,
    /// A decision refused: what was sent, kept.
    attempt: Option<Attempt>,
}

/// A decision staff sent that was refused: which form, the reason typed, the fields chosen, and why.
pub struct Attempt {
    pub form: &'static str,
    pub reason: String,
    pub chosen: Vec<String>,
    pub error: Text,
}

impl ReviewPage {
    /// The reason typed in `form` ("approve" or "reject") when that form was refused; each keeps its own.
    fn kept_reason(&self, form: &str) -> &str {
        self.attempt.as_ref().filter(|a| a.form == form).map(|a| a.reason.as_str()).unwrap_or_default()
    }

    /// Whether a field's checkbox is ticked: all are at first; after a refused approval, the ones sent.
    fn is_chosen(&self, column: &str) -> bool {
        match &self.attempt {
            Some(a) if a.form == "approve" => a.chosen.iter().any(|c| c == column),
            _ => true,
        }
    }
}

/// `now`: what the entry holds now, when it exists (a new milestone, or one gone, has nothing to compare).
fn rows(proposal: &Proposal, now: Option<&Values>, lookups: &Lookups, l: Lang) -> Vec<Row> {
    let form = proposal.form();
    let (before, after) = (proposal.before(), proposal.after());
    let changed = proposal.changed_columns();
    let show = |values: &Values, c: &str| display(form.field(c), values.get(c), lookups, l);
    let cell = |column: &'static str| {
        let (b, a) = pieces(&show(&before, column), &show(&after, column));
        let now =
            now.filter(|now| now.get(column).unwrap_or(&Value::Null) != before.get(column).unwrap_or(&Value::Null));
        let now = now.map(|now| show(now, column));
        Cell { column, changed: changed.contains(&column), before: b, after: a, image: None, now }
    };
    let mut out = Vec::new();
    for f in form.fields {
        if f.column.ends_with("_en") && form.field(&f.column.replace("_en", "_zh")).is_some() {
            continue; // shown beside its Chinese twin
        }
        match form.english_twin(f.column) {
            Some(en) if changed.contains(&f.column) || changed.contains(&en.column) => {
                let (zh, en) = (cell(f.column), cell(en.column));
                out.push(Row {
                    label: f.label,
                    one_sided: zh.changed != en.changed,
                    zh: Some(zh),
                    en: Some(en),
                    single: None,
                });
            }
            None if changed.contains(&f.column) => {
                out.push(Row { label: f.label, zh: None, en: None, single: Some(cell(f.column)), one_sided: false });
            }
            _ => {}
        }
    }
    for column in form.upload_columns.iter().copied().filter(|c| changed.contains(c)) {
        let path = |values: &Values| values.get(column).and_then(Value::as_str).map(str::to_string);
        let image = Some((path(&before), path(&after)));
        let cell = Cell { column, changed: true, before: Vec::new(), after: Vec::new(), image, now: None };
        let label = label_of(form, column).unwrap_or(Label(column, column));
        out.push(Row { label, zh: None, en: None, single: Some(cell), one_sided: false });
    }
    out
}

/// What the entry a proposal changes holds now: (its version, its values, its admin page); a milestone no
/// longer the company's holds nothing and has no page.
async fn entry_now(state: &AppState, proposal: &Proposal, l: Lang) -> AppResult<(i64, Values, Option<String>)> {
    let mut conn = state.pool.acquire().await?;
    let (entity, id) = match proposal.target() {
        Target::NewMilestone => return Ok((0, Values::new(), None)),
        Target::Profile => (&COMPANIES, proposal.company_id),
        Target::Milestone { id, .. } => (&MILESTONES, id),
    };
    let owned = |r: &record::Record| {
        entity.key == COMPANIES.key || r.values.get("company_id").and_then(Value::as_i64) == Some(proposal.company_id)
    };
    Ok(match record::load(&mut conn, entity, id).await? {
        Some(r) if owned(&r) => (r.version, r.values, Some(l.url(&format!("/admin/{}/{id}", entity.key)))),
        _ => (0, Values::new(), None),
    })
}

async fn review_page(
    state: &AppState,
    ctx: &Ctx,
    user: Staff,
    flash: Option<Text>,
    proposal: Proposal,
    attempt: Option<Attempt>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let company = record::load(&mut conn, &COMPANIES, proposal.company_id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let (version, now, entry_url) = entry_now(state, &proposal, ctx.lang).await?;
    let gone = entry_url.is_none() && proposal.target() != Target::NewMilestone;
    let lookups = Lookups::load(state, proposal.form()).await?;
    let rows = rows(&proposal, entry_url.is_some().then_some(&now), &lookups, ctx.lang);
    let refused = attempt.is_some();
    let slug = company.values.get("slug").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut response = render(&ReviewPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        flash,
        company: company.title(&COMPANIES, ctx.lang),
        what: super::my::what(&proposal, ctx.lang),
        public_url: ctx.lang.url(&format!("/companies/{slug}")),
        entry_url,
        version,
        stale: !gone && proposal.target() != Target::NewMilestone && version != proposal.base_version,
        gone,
        one_sided: rows.iter().any(|r| r.one_sided),
        rows,
        proposal,
        attempt,
    })?;
    if refused {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    ProposalParam(proposal): ProposalParam,
) -> AppResult<Response> {
    review_page(&state, &ctx, user, take_flash(&auth).await, proposal, None).await
}

fn reason_of(pairs: &[(String, String)]) -> String {
    pairs.iter().find(|(k, _)| k == "reason").map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

fn too_long(reason: &str) -> Option<Text> {
    (reason.chars().count() > MAX_REASON_CHARS).then(|| {
        Text::new(
            format!("说明最多 {MAX_REASON_CHARS} 个字符。"),
            format!("The reason can have at most {MAX_REASON_CHARS} characters."),
        )
    })
}

/// After a decision: the editor is told by mail, and staff go on to the next proposal in the queue, or the
/// queue when it is empty.
async fn decided(state: &AppState, ctx: &Ctx, auth: &AuthSession, id: i64, message: Text) -> AppResult<Response> {
    state.settle().await;
    if let Err(err) = tell_the_editor(state, id).await {
        // The decision stands and the editor's page shows it; only the mail is missing.
        tracing::warn!(proposal = id, error = %err, "cannot queue the decision's mail");
    }
    set_flash(auth, message).await;
    let next = proposals::pending(&state.pool, 1).await?.into_iter().next();
    let to = match next {
        Some(p) => ctx.lang.url(&format!("/admin/review/{}", p.id)),
        None => ctx.lang.url("/admin/review"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// Mails a decided proposal's editor (in their language) what staff decided and why; visitors' suggestions
/// and editors without an address get no mail.
async fn tell_the_editor(state: &AppState, id: i64) -> anyhow::Result<()> {
    let Some(proposal) = proposals::find(&state.pool, id).await? else { return Ok(()) };
    let Some(account_id) = proposal.account_id else { return Ok(()) };
    let Some(editor) = crate::admin::accounts::find_by_id(&state.pool, account_id).await? else { return Ok(()) };
    if !crate::mail::valid_address(&editor.email) {
        return Ok(());
    }
    let l = Lang::from_key(&editor.lang);
    let name = Lookups::companies(state, [proposal.company_id]).await?.title(COMPANIES.key, proposal.company_id, l);
    let status = super::my::status_label(&proposal.status, l);
    let link = state.absolute(&l.url("/admin/my"));
    let reason = if proposal.reason.is_empty() {
        String::new()
    } else {
        format!("{}{}\n\n", l.t("园区工作人员的说明：", "Park staff's reason: "), proposal.reason)
    };
    let what = super::my::what(&proposal, l);
    let (subject, text) = match l {
        Lang::Zh => (
            format!("您对“{name}”的修改：{status}"),
            format!("您好：\n\n您提交的“{name}”修改（{what}）已处理：{status}。\n\n{reason}详情见：\n{link}"),
        ),
        Lang::En => (
            format!("Your change to {name}: {status}"),
            format!(
                "Hello,\n\nPark staff decided on the change you sent for {name} ({what}): {status}.\n\n{reason}See it here:\n{link}"
            ),
        ),
    };
    let mail = crate::mail::Mail::new(&editor.email, l, subject, text)?;
    let mut conn = state.pool.acquire().await?;
    crate::mail::enqueue(&mut conn, &mail).await?;
    state.mailer.wake();
    Ok(())
}

fn not_pending() -> AppError {
    AppError::Conflict(Text::new("这条修改建议已经处理过了。", "This proposal has been decided already."))
}

/// Why a decision cannot be taken as sent, before it is tried: the proposal was decided meanwhile, or its
/// editor replaced it since staff opened it (the form's digest is of what they saw).
fn stale_decision(proposal: &Proposal, pairs: &[(String, String)]) -> Option<Result<Text, AppError>> {
    if !proposal.is_pending() {
        return Some(Err(not_pending()));
    }
    let seen = pairs.iter().find(|(k, _)| k == "seen").map(|(_, v)| v.as_str()).unwrap_or_default();
    (seen != proposal.digest()).then(|| {
        Ok(Text::new(
            "在您审核期间，企业编辑修改了这条建议。请查看下面的新内容后再决定。",
            "The editor changed this proposal while you reviewed. Look at it as it is now, then decide.",
        ))
    })
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    ProposalParam(proposal): ProposalParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let reason = reason_of(&pairs);
    let changed = proposal.changed_columns();
    // A new or removed milestone is approved whole; an edit field by field.
    let chosen: Vec<&str> = if proposal.by_field() {
        pairs
            .iter()
            .filter(|(k, _)| k == "column")
            .filter_map(|(_, v)| changed.iter().copied().find(|c| c == v))
            .collect()
    } else {
        changed.clone()
    };
    let version = pairs.iter().find(|(k, _)| k == "version").and_then(|(_, v)| v.parse::<i64>().ok());
    let problem = match stale_decision(&proposal, &pairs) {
        Some(stale) => Some(stale?),
        None if chosen.is_empty() => Some(Text::new(
            "请至少选择一个要采纳的字段，或者拒绝这条建议。",
            "Choose at least one field to approve, or reject the proposal.",
        )),
        None => too_long(&reason),
    };
    let attempt = |error| {
        let chosen = chosen.iter().map(|c| c.to_string()).collect();
        Some(Attempt { form: "approve", reason: reason.clone(), chosen, error })
    };
    let (Some(version), None) = (version, &problem) else {
        let error = problem.unwrap_or_else(|| Text::new("表单缺少版本号。", "The form has no version."));
        return review_page(&state, &ctx, user, None, proposal, attempt(error)).await;
    };
    match proposals::approve(&state.pool, &proposal, &chosen, version, &reason, &user.username).await {
        Ok(()) => {
            let message = if chosen.len() == changed.len() {
                Text::new("已批准，网站已更新。", "Approved; the site shows it now.")
            } else {
                Text::new("已批准所选字段，网站已更新。", "The chosen fields are approved; the site shows them now.")
            };
            decided(&state, &ctx, &auth, proposal.id, message).await
        }
        Err(DecideError::Save(SaveError::Conflict { .. })) => {
            let error = Text::new(
                "在您审核期间，这项内容又被修改了。请查看最新内容后再决定。",
                "It was changed while you reviewed. Look at what is stored now, then decide.",
            );
            review_page(&state, &ctx, user, None, proposal, attempt(error)).await
        }
        Err(DecideError::Save(SaveError::NotFound)) => {
            let error = Text::new(
                "这条大事记已被删除或不再属于这家企业，无法采纳；请拒绝这条建议并说明原因。",
                "The milestone was deleted or no longer belongs to this company, so this cannot be approved; reject it with a reason.",
            );
            review_page(&state, &ctx, user, None, proposal, attempt(error)).await
        }
        Err(DecideError::NotPending) => Err(not_pending()),
        Err(DecideError::Save(err)) => Err(err.into()),
    }
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    ProposalParam(proposal): ProposalParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let reason = reason_of(&pairs);
    let problem = match stale_decision(&proposal, &pairs) {
        Some(stale) => Some(stale?),
        None if reason.is_empty() => Some(Text::new(
            "请写明拒绝的原因，企业编辑会看到它。",
            "Give a reason for rejecting; the company's editor sees it.",
        )),
        None => too_long(&reason),
    };
    if let Some(error) = problem {
        let attempt = Attempt { form: "reject", reason, chosen: Vec::new(), error };
        return review_page(&state, &ctx, user, None, proposal, Some(attempt)).await;
    }
    match proposals::reject(&state.pool, &proposal, &reason, &user.username).await {
        Ok(()) => {
            let message = if proposal.is_suggestion() {
                Text::new("已拒绝这条建议。", "Rejected the suggestion.")
            } else {
                Text::new("已拒绝，并告知企业编辑原因。", "Rejected; the editor sees your reason.")
            };
            decided(&state, &ctx, &auth, proposal.id, message).await
        }
        Err(DecideError::NotPending) => Err(not_pending()),
        Err(DecideError::Save(err)) => Err(err.into()),
    }
}
