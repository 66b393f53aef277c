//! CSV import: upload a file, see row by row what it would create, change or refuse, then confirm.
//!
//! Nothing is kept on the server between the preview and the confirmation: the preview page carries the file
//! back (base64, in a hidden field) with the version of every entry it named and the rows it would write.
//! Confirming re-reads and re-checks the file inside the import's own `BEGIN IMMEDIATE` transaction, and
//! refuses if any of those entries moved on or if the file would now write other rows than the admin saw.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::EntityParam;
use super::auth::{AuthSession, Staff};
use super::upload;
use crate::admin::MAX_UPLOAD_BYTES;
use crate::admin::csv::{self, Action, Plan, PlannedRow};
use crate::admin::spec::Entity;
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// The confirmation form carries the file as base64 (4 bytes per 3) plus the versions and rows it names.
pub const MAX_CONFIRM_BYTES: usize = MAX_UPLOAD_BYTES / 3 * 4 + 512 * 1024;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    entity: &'static Entity,
    columns: Vec<&'static str>,
    /// What was wrong with the last upload.
    problem: Option<Text>,
}

fn import_page(ctx: &Ctx, user: Staff, entity: &'static Entity, problem: Option<Text>) -> AppResult<Response> {
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut response = render(&ImportPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        entity,
        columns: csv::columns(entity),
        problem,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /admin/{entity}/import`: the upload form.
pub async fn form(ctx: Ctx, user: Staff, EntityParam(entity): EntityParam) -> AppResult<Response> {
    import_page(&ctx, user, entity, None)
}

#[derive(Template)]
#[template(path = "admin/import_preview.html")]
struct PreviewPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    entity: &'static Entity,
    plan: Plan,
    created: usize,
    updated: usize,
    unchanged: usize,
    invalid: usize,
    /// The uploaded file, base64, for the confirmation.
    file: String,
    versions: String,
    writes: String,
}

impl PreviewPage {
    /// Rows worth showing: everything but those left as they are.
    fn listed(&self) -> Vec<&PlannedRow> {
        self.plan.rows.iter().filter(|r| r.action != Action::Unchanged).collect()
    }

    fn kind(&self, row: &PlannedRow) -> &'static str {
        match row.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Invalid => "invalid",
        }
    }

    fn action_label(&self, row: &PlannedRow) -> &'static str {
        let l = self.l;
        match row.action {
            Action::Create => l.t("新建", "Create"),
            Action::Update => l.t("修改", "Update"),
            Action::Unchanged => l.t("不变", "Unchanged"),
            Action::Invalid => l.t("有错误", "Error"),
        }
    }
}

/// `id:version` of every existing entry the file names, as the preview saw them.
fn versions_of(plan: &Plan) -> String {
    plan.rows.iter().filter_map(|r| Some(format!("{}:{}", r.id?, r.version?))).collect::<Vec<_>>().join(",")
}

/// Row numbers the plan would write.
fn writes_of(plan: &Plan) -> String {
    plan.writes().map(|r| r.number.to_string()).collect::<Vec<_>>().join(",")
}

fn too_large() -> AppError {
    AppError::TooLarge(Text::new("CSV 文件不能超过 2 MB。", "The CSV file must be at most 2 MB."))
}

/// `POST /admin/{entity}/import` (multipart, field `file`): the preview.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    EntityParam(entity): EntityParam,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut bytes = None;
    while let Some(field) = upload::next_part(&mut multipart, too_large).await? {
        if field.name() == Some("file") {
            bytes = Some(upload::file_bytes(field, too_large).await?);
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return import_page(&ctx, user, entity, Some(Text::new("请选择一个 CSV 文件。", "Choose a CSV file.")));
    };
    let upload = match csv::parse(entity, &bytes) {
        Ok(upload) => upload,
        Err(problem) => return import_page(&ctx, user, entity, Some(problem)),
    };
    let mut conn = state.pool.acquire().await?;
    let plan = csv::plan(&mut conn, entity, &upload).await?;
    drop(conn);
    render(&PreviewPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        entity,
        file: BASE64.encode(&bytes),
        versions: versions_of(&plan),
        writes: writes_of(&plan),
        created: plan.count(Action::Create),
        updated: plan.count(Action::Update),
        unchanged: plan.count(Action::Unchanged),
        invalid: plan.count(Action::Invalid),
        plan,
    })
}

/// What the admin approved on the preview page: the file, the version of every entry it named, the rows it
/// would write, and whether rows with errors are skipped.
struct Approved {
    file: Vec<u8>,
    versions: BTreeMap<i64, i64>,
    writes: BTreeSet<usize>,
    skip_invalid: bool,
}

impl Approved {
    fn read(pairs: &[(String, String)]) -> AppResult<Approved> {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("");
        let start_over = || {
            AppError::BadRequest(Text::new(
                "确认表单不完整，请重新上传文件。",
                "The confirmation form is incomplete; upload the file again.",
            ))
        };
        let file = BASE64.decode(get("file").trim()).map_err(|_| start_over())?;
        let versions = get("versions")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|pair| {
                let (id, version) = pair.split_once(':')?;
                Some((id.trim().parse().ok()?, version.trim().parse().ok()?))
            })
            .collect::<Option<_>>()
            .ok_or_else(start_over)?;
        let writes = get("writes")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|n| n.trim().parse().ok())
            .collect::<Option<_>>()
            .ok_or_else(start_over)?;
        Ok(Approved { file, versions, writes, skip_invalid: get("skip_invalid") == "1" })
    }

    /// Refuses a plan that is not what the preview showed: every entry the file names must still be as the
    /// preview saw it (otherwise the admin approved a comparison that no longer holds, and could undo someone's
    /// edit without knowing), rows with errors need the admin's leave to be skipped, and the same rows write.
    fn still_holds(&self, plan: &csv::Plan) -> AppResult<()> {
        let moved: Vec<String> = plan
            .rows
            .iter()
            .filter(|r| matches!((r.id, r.version), (Some(id), Some(v)) if self.versions.get(&id) != Some(&v)))
            .map(|r| r.number.to_string())
            .collect();
        if !moved.is_empty() {
            let rows = moved.join(", ");
            return Err(AppError::Conflict(Text::new(
                format!(
                    "预览之后，第 {rows} 行的条目已被他人修改。为免覆盖他人的修改，本次导入未做任何更改；请重新上传文件，查看最新的对比。"
                ),
                format!(
                    "After the preview, the entries in rows {rows} were changed by someone else. So as not to overwrite their work, nothing was imported; upload the file again to see a fresh comparison."
                ),
            )));
        }
        let invalid = plan.count(Action::Invalid);
        if invalid > 0 && !self.skip_invalid {
            return Err(AppError::BadRequest(Text::new(
                format!(
                    "有 {invalid} 行存在错误，且未选择跳过这些行。未做任何更改；请修改文件后重新上传，或选择跳过有错误的行。"
                ),
                format!(
                    "{invalid} rows have errors and skipping them was not chosen. Nothing was imported; fix the file and upload it again, or choose to skip the rows with errors."
                ),
            )));
        }
        if plan.writes().map(|r| r.number).collect::<BTreeSet<usize>>() != self.writes {
            return Err(AppError::Conflict(Text::new(
                "预览之后数据已有变化，这个文件现在会写入与预览不同的行。未做任何更改；请重新上传文件。",
                "The data changed after the preview, and the file would now write other rows than the preview showed. Nothing was imported; upload the file again.",
            )));
        }
        Ok(())
    }
}

/// `POST /admin/{entity}/import/confirm`: applies the previewed file in one transaction.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntityParam(entity): EntityParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let approved = Approved::read(&pairs)?;
    let upload = csv::parse(entity, &approved.file).map_err(AppError::BadRequest)?;
    let mut tx = state.pool.begin_with("BEGIN IMMEDIATE").await?;
    let plan = csv::plan(&mut tx, entity, &upload).await?;
    approved.still_holds(&plan)?;
    let (invalid, skip_invalid) = (plan.count(Action::Invalid), approved.skip_invalid);
    let applied = match csv::apply(&mut tx, entity, &plan, &user.username).await {
        Ok(applied) => applied,
        Err(err) => {
            return Err(match err.message() {
                Some(message) => AppError::Conflict(message),
                None => AppError::Other(anyhow::anyhow!("import failed: {err}")),
            });
        }
    };
    tx.commit().await?;
    if applied.created + applied.updated > 0 {
        state.settle().await;
    }
    tracing::info!(
        entity = entity.key,
        created = applied.created,
        updated = applied.updated,
        username = %user.username,
        "CSV imported"
    );
    let skipped = if skip_invalid { invalid } else { 0 };
    let message = Text::new(
        format!("导入完成：新建 {} 条，修改 {} 条，跳过有错误的 {skipped} 行。", applied.created, applied.updated),
        format!(
            "Imported: {} created, {} updated, {skipped} rows with errors skipped.",
            applied.created, applied.updated
        ),
    );
    super::set_flash(&auth, message).await;
    Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}", entity.key))).into_response())
}
