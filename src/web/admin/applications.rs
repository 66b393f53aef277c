//! `/admin/applications`: the staff's inbox of entry applications — filters by status and by who handles
//! each, newest first, a CSV export of what is filtered; one application with its log of notes, where staff
//! move it through new → contacted → visit arranged → signed / declined, assign it, write notes, and delete it
//! when the applicant asks.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Staff};
use super::{id_in_path, set_flash, take_flash};
use crate::admin::applications::{self as store, Application, Filter, Note, PER_PAGE, STATUSES, status_label};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, form_value, render};

const MAX_NOTE_CHARS: usize = 2000;

#[derive(Template)]
#[template(path = "admin/applications.html")]
struct InboxPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    rows: Vec<Application>,
    total: i64,
    page: i64,
    pages: i64,
    status: Option<String>,
    assigned: Option<i64>,
    counts: Vec<(String, i64)>,
    staff: Vec<(i64, String)>,
    /// Staff accounts new applications are mailed to.
    mailed: usize,
}

impl InboxPage {
    fn status_label(&self, status: &str) -> String {
        status_label(status).get(self.l).to_string()
    }

    fn count(&self, status: &str) -> i64 {
        self.counts.iter().find(|(s, _)| s == status).map(|(_, n)| *n).unwrap_or(0)
    }

    fn is_assigned(&self, id: &i64) -> bool {
        self.assigned == Some(*id)
    }

    fn query(&self, page: i64) -> String {
        filter_query(&self.status, self.assigned, page)
    }
}

fn filter_query(status: &Option<String>, assigned: Option<i64>, page: i64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if let Some(status) = status {
        s.append_pair("status", status);
    }
    if let Some(a) = assigned {
        s.append_pair("assigned", &a.to_string());
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

/// The inbox's filters from the query: a known status, an account id (0: nobody), a page from 1.
fn filter_of(ctx: &Ctx) -> AppResult<Filter> {
    let mut filter = Filter { page: 1, ..Default::default() };
    for (key, value) in ctx.query_pairs() {
        let value = value.trim();
        match key.as_str() {
            _ if value.is_empty() => {}
            "status" => {
                let known = STATUSES.iter().find(|s| s.0 == value).map(|s| s.0.to_string());
                filter.status =
                    Some(known.ok_or_else(|| AppError::BadRequest(Text::new("未知的状态。", "Unknown status.")))?);
            }
            "assigned" => {
                filter.assigned = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| AppError::BadRequest(Text::new("未知的处理人。", "Unknown assignee.")))?,
                );
            }
            "page" => filter.page = value.parse::<i64>().unwrap_or(1).max(1),
            _ => {}
        }
    }
    Ok(filter)
}

pub async fn inbox(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let mut filter = filter_of(&ctx)?;
    let (mut rows, total) = store::list(&state.pool, &filter, PER_PAGE).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    // Past the last page (a stale link): the last page, not an empty table.
    if filter.page > pages {
        filter.page = pages;
        rows = store::list(&state.pool, &filter, PER_PAGE).await?.0;
    }
    render(&InboxPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        rows,
        total,
        page: filter.page,
        pages,
        status: filter.status,
        assigned: filter.assigned,
        counts: store::counts(&state.pool).await?,
        staff: store::staff_accounts(&state.pool).await?,
        mailed: store::staff_to_notify(&state.pool).await?.len(),
    })
}

const CSV_COLUMNS: [&str; 16] = [
    "reference",
    "created_at",
    "status",
    "assigned_to",
    "company_name",
    "contact_name",
    "phone",
    "email",
    "sector",
    "space_kind",
    "area_m2",
    "wanted_from",
    "unit",
    "message",
    "lang",
    "anonymised_at",
];

/// One application as the export's cells, in [`CSV_COLUMNS`] order (the sector by its slug).
fn csv_row(catalog: &crate::catalog::Catalog, a: &Application) -> [String; 16] {
    let sector = a.sector_id.and_then(|id| catalog.sectors.iter().find(|s| s.id == id)).map(|s| s.slug.clone());
    [
        a.reference.clone(),
        a.created_at.clone(),
        a.status.clone(),
        a.assignee.clone().unwrap_or_default(),
        a.company_name.clone(),
        a.contact_name.clone(),
        a.phone.clone(),
        a.email.clone(),
        sector.unwrap_or_default(),
        a.space_kind.clone().unwrap_or_default(),
        a.area_m2.map(|n| n.to_string()).unwrap_or_default(),
        a.wanted_from.clone().unwrap_or_default(),
        a.unit_id.map(|n| n.to_string()).unwrap_or_default(),
        a.message.clone(),
        a.lang.clone(),
        a.anonymised_at.clone().unwrap_or_default(),
    ]
}

/// `GET /admin/applications/export`: the filtered applications as CSV (all pages), personal data included:
/// a download for staff only, never cached.
pub async fn export(State(state): State<AppState>, ctx: Ctx, _staff: Staff) -> AppResult<Response> {
    let filter = filter_of(&ctx)?;
    let (rows, _) = store::list(&state.pool, &Filter { page: 1, ..filter }, -1).await?;
    let catalog = state.catalog();
    let mut out = crate::admin::csv::BOM.to_vec();
    {
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        csv.write_record(CSV_COLUMNS).map_err(|e| AppError::Other(e.into()))?;
        for a in &rows {
            // Cells a spreadsheet would run as a formula (a message starting with `=`) are written inert.
            let row = csv_row(&catalog, a).map(crate::admin::csv::guard_formula);
            csv.write_record(row).map_err(|e| AppError::Other(e.into()))?;
        }
        csv.flush().map_err(|e| AppError::Other(e.into()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"applications.csv\"".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        out,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "admin/application.html")]
struct ApplicationPage<'a> {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    a: Application,
    notes: Vec<Note>,
    staff: Vec<(i64, String)>,
    statuses: &'static [(&'static str, &'static str, &'static str)],
    catalog: &'a crate::catalog::Catalog,
}

impl ApplicationPage<'_> {
    fn status_label(&self, status: &str) -> String {
        status_label(status).get(self.l).to_string()
    }

    fn is_assigned(&self, id: &i64) -> bool {
        self.a.assigned_to == Some(*id)
    }

    fn sector(&self) -> Option<&crate::catalog::Sector> {
        self.a.sector_id.and_then(|id| self.catalog.sectors.iter().find(|s| s.id == id))
    }

    fn unit(&self) -> Option<&crate::catalog::Unit> {
        self.a.unit_id.and_then(|id| self.catalog.unit(id))
    }

    fn kind_label(&self) -> Option<&str> {
        self.a.space_kind.as_deref().map(|k| crate::catalog::space::kind_label(k, self.l))
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "application").await?;
    let a = store::get(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let catalog = state.catalog();
    render(&ApplicationPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        notes: store::notes(&state.pool, id).await?,
        staff: store::staff_accounts(&state.pool).await?,
        statuses: STATUSES,
        catalog: &catalog,
        a,
    })
}

async fn back(auth: &AuthSession, ctx: &Ctx, id: i64, message: Text) -> Response {
    set_flash(auth, message).await;
    Redirect::to(&ctx.lang.url(&format!("/admin/applications/{id}"))).into_response()
}

pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "application").await?;
    let wanted = form_value(&pairs, "status");
    let status = STATUSES
        .iter()
        .find(|s| s.0 == wanted)
        .map(|s| s.0)
        .ok_or_else(|| AppError::BadRequest(Text::new("未知的状态。", "Unknown status.")))?;
    if !store::set_status(&state.pool, id, &user.username, status).await? {
        return Err(AppError::NotFound);
    }
    let label = status_label(status);
    Ok(back(&auth, &ctx, id, Text::new(format!("状态已改为“{}”。", label.zh), format!("Status set to {}.", label.en)))
        .await)
}

pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "application").await?;
    let wanted = form_value(&pairs, "assigned_to");
    let staff = store::staff_accounts(&state.pool).await?;
    let to = match wanted.as_str() {
        "" => None,
        value => Some(
            value
                .parse::<i64>()
                .ok()
                .and_then(|id| staff.iter().find(|(s, _)| *s == id))
                .map(|(id, name)| (*id, name.as_str()))
                .ok_or_else(|| AppError::BadRequest(Text::new("未知的处理人。", "Unknown assignee.")))?,
        ),
    };
    if !store::assign(&state.pool, id, &user.username, to).await? {
        return Err(AppError::NotFound);
    }
    let message = match to {
        Some((_, name)) => Text::new(format!("已指派给 {name}。"), format!("Assigned to {name}.")),
        None => Text::new("已取消指派。", "Unassigned."),
    };
    Ok(back(&auth, &ctx, id, message).await)
}

pub async fn note(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "application").await?;
    let body = form_value(&pairs, "note").replace("\r\n", "\n");
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_NOTE_CHARS {
        return Err(AppError::BadRequest(Text::new(
            format!("备注须为 1 到 {MAX_NOTE_CHARS} 个字符。"),
            format!("A note has 1 to {MAX_NOTE_CHARS} characters."),
        )));
    }
    if !store::add_note(&state.pool, id, &user.username, &body).await? {
        return Err(AppError::NotFound);
    }
    Ok(back(&auth, &ctx, id, Text::new("已添加备注。", "Note added.")).await)
}

/// Deletes an application and its notes at the applicant's request (the form asks to confirm).
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    mut parts: axum::http::request::Parts,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = id_in_path(&mut parts, &state, "application").await?;
    if form_value(&pairs, "confirm") != "1" {
        return Err(AppError::BadRequest(Text::new("请勾选确认后再删除。", "Tick the confirmation box to delete.")));
    }
    let a = store::get(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    store::delete(&state.pool, id).await?;
    tracing::info!(application = id, by = %user.username, "entry application deleted on request");
    set_flash(
        &auth,
        Text::new(format!("已删除申请 {}。", a.reference), format!("Application {} deleted.", a.reference)),
    )
    .await;
    Ok(Redirect::to(&ctx.lang.url("/admin/applications")).into_response())
}
