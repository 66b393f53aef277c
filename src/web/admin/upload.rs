//! Images attached to entries — company logos, phase site plans and news pictures: PNG, JPEG or WebP up to 2 MB, checked
//! by their bytes, re-encoded as PNG within a size limit, stored under a name the server chooses, recorded
//! as an edit of the entry (with a revision), removable, and served with the right type.
//!
//! Each kind of image is one [`ImageSlot`]; the upload, removal and serving code is written once for all.

use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::ImageFormat;

use super::EntryParam;
use super::auth::{AuthSession, Staff};
use crate::admin::record::{self, SaveError};
use crate::admin::spec::{self, Entity, Label};
use crate::i18n::Text;
use crate::web::AppState;
use crate::web::Ctx;
use crate::web::error::{AppError, AppResult};

use crate::admin::MAX_UPLOAD_BYTES;

/// Pixels an upload may decode to, at four bytes each: a 4,000 × 4,000 photo fits. A small file that claims
/// more (a decompression bomb: 47 KB can claim a gigabyte) is refused from its header, before decoding.
const MAX_PIXELS: u64 = 16_000_000;
/// Decodes at once: each may take up to `MAX_PIXELS` × 4 bytes.
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One kind of image an entity carries.
#[derive(Debug)]
pub struct ImageSlot {
    pub entity: &'static Entity,
    /// The hidden column holding the stored path (`logos/<hex>.png`).
    pub column: &'static str,
    /// Folder under the uploads directory, and under `/media/`.
    pub dir: &'static str,
    /// URL segment of the upload and removal routes (`/admin/companies/1/logo`).
    pub route: &'static str,
    /// Name of the file field in the upload form.
    pub field: &'static str,
    /// Longest side kept; larger images are scaled down.
    pub max_side: u32,
    pub title: Label,
    pub help: Label,
    pub none_yet: Label,
    pub upload: Label,
    pub remove: Label,
    pub current: Label,
    pub updated: Label,
    pub removed: Label,
    /// CSS class of the admin's preview.
    pub preview_class: &'static str,
}

pub static LOGO: ImageSlot = ImageSlot {
    entity: &spec::COMPANIES,
    column: "logo_path",
    dir: "logos",
    route: "logo",
    field: "logo",
    max_side: 512,
    title: Label("企业标志", "Logo"),
    help: Label(
        "PNG、JPEG 或 WebP，最大 2 MB；将缩放到 512 像素以内",
        "PNG, JPEG or WebP, at most 2 MB; scaled to at most 512 px",
    ),
    none_yet: Label("尚未上传标志。", "No logo uploaded yet."),
    upload: Label("上传标志", "Upload logo"),
    remove: Label("移除标志", "Remove logo"),
    current: Label("当前标志", "Current logo"),
    updated: Label("已更新标志。", "Logo updated."),
    removed: Label("已移除标志。", "Logo removed."),
    preview_class: "logo-preview",
};

/// A plan is read at full size, so it keeps far more pixels than a logo.
pub static SITE_PLAN: ImageSlot = ImageSlot {
    entity: &spec::PHASES,
    column: "site_plan_path",
    dir: "site-plans",
    route: "site-plan",
    field: "site_plan",
    max_side: 2400,
    title: Label("总平面图", "Site plan"),
    help: Label(
        "PNG、JPEG 或 WebP，最大 2 MB；将缩放到 2400 像素以内。上传后公开的分期页面显示该图，代替示意图；替代文字在上方表单中填写。",
        "PNG, JPEG or WebP, at most 2 MB; scaled to at most 2400 px. Once uploaded, the public phase page shows it instead of the schematic; its alternative text is set in the form above.",
    ),
    none_yet: Label(
        "尚未上传总平面图；公开页面显示示意图。",
        "No site plan uploaded; the public page shows the schematic.",
    ),
    upload: Label("上传总平面图", "Upload site plan"),
    remove: Label("移除总平面图", "Remove site plan"),
    current: Label("当前总平面图", "Current site plan"),
    updated: Label("已更新总平面图。", "Site plan updated."),
    removed: Label(
        "已移除总平面图，公开页面恢复显示示意图。",
        "Site plan removed; the public page shows the schematic again.",
    ),
    preview_class: "site-plan-preview",
};

/// A news post's picture, shown above its text at up to the page's width.
pub static PICTURE: ImageSlot = ImageSlot {
    entity: &spec::POSTS,
    column: "image_path",
    dir: "news",
    route: "picture",
    field: "picture",
    max_side: 1600,
    title: Label("配图", "Picture"),
    help: Label(
        "PNG、JPEG 或 WebP，最大 2 MB；将缩放到 1600 像素以内。替代文字在上方表单中填写。",
        "PNG, JPEG or WebP, at most 2 MB; scaled to at most 1600 px. Its alternative text is set in the form above.",
    ),
    none_yet: Label("尚未上传配图。", "No picture uploaded yet."),
    upload: Label("上传配图", "Upload picture"),
    remove: Label("移除配图", "Remove picture"),
    current: Label("当前配图", "Current picture"),
    updated: Label("已更新配图。", "Picture updated."),
    removed: Label("已移除配图。", "Picture removed."),
    preview_class: "site-plan-preview",
};

pub static SLOTS: &[&ImageSlot] = &[&LOGO, &SITE_PLAN, &PICTURE];

/// The image kind an entity carries, if any.
pub fn slot_of(entity_key: &str) -> Option<&'static ImageSlot> {
    SLOTS.iter().copied().find(|s| s.entity.key == entity_key)
}

/// Decodes an upload and re-encodes it as a PNG whose longest side is at most `max_side`: whatever the file
/// carried besides pixels (scripts in metadata, polyglots) does not survive.
pub fn normalise_image(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, AppError> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP))
        .ok_or_else(|| {
            AppError::Unsupported(Text::new(
                "只接受 PNG、JPEG 或 WebP 图片（按文件内容判断，不看文件名）。",
                "Only PNG, JPEG or WebP images are accepted (judged by the file's content, not its name).",
            ))
        })?;
    let damaged =
        || AppError::Unsupported(Text::new("图片已损坏，无法读取。", "The image is damaged and cannot be read."));
    let (width, height) =
        image::ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|_| damaged())?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        // 413, not 415: the format is fine, the picture is too large.
        return Err(AppError::TooLarge(Text::new(
            format!("图片尺寸过大（{width} × {height} 像素）；最多 1600 万像素，请先缩小。"),
            format!("The image is too large ({width} × {height} pixels); at most 16 megapixels. Scale it down first."),
        )));
    }
    // The same bound again inside the decoder, whatever the header said.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 1024 * 1024);
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| damaged())?;
    let img = if img.width() > max_side || img.height() > max_side { img.thumbnail(max_side, max_side) } else { img };
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|_| AppError::Unsupported(Text::new("无法保存图片。", "The image could not be saved.")))?;
    Ok(out)
}

pub async fn upload_logo(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    multipart: Multipart,
) -> AppResult<Response> {
    upload(&LOGO, state, ctx, auth, user, entry, multipart).await
}

pub async fn upload_site_plan(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    multipart: Multipart,
) -> AppResult<Response> {
    upload(&SITE_PLAN, state, ctx, auth, user, entry, multipart).await
}

pub async fn remove_logo(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    form: axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    remove(&LOGO, state, ctx, auth, user, entry, form).await
}

pub async fn remove_site_plan(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    form: axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    remove(&SITE_PLAN, state, ctx, auth, user, entry, form).await
}

pub async fn upload_picture(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    multipart: Multipart,
) -> AppResult<Response> {
    upload(&PICTURE, state, ctx, auth, user, entry, multipart).await
}

pub async fn remove_picture(
    state: State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    entry: EntryParam,
    form: axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    remove(&PICTURE, state, ctx, auth, user, entry, form).await
}

/// Stores an uploaded image. A refused file (too large, not an image, none chosen) brings back the edit page
/// with the reason beside the upload field, under the refusal's status, rather than an error page of its own.
async fn upload(
    slot: &'static ImageSlot,
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
    multipart: Multipart,
) -> AppResult<Response> {
    if entity.key != slot.entity.key {
        return Err(AppError::NotFound);
    }
    match store(slot, &state, &ctx, &auth, &user, id, multipart).await {
        Ok(done) => Ok(done),
        Err(err) => {
            let (status, reason) = refusal(err)?;
            let mut page = super::edit::edit_page(&state, &ctx, user, None, slot.entity, id, Some(reason)).await?;
            *page.status_mut() = status;
            Ok(page)
        }
    }
}

async fn store(
    slot: &'static ImageSlot,
    state: &AppState,
    ctx: &Ctx,
    auth: &AuthSession,
    user: &Staff,
    id: i64,
    multipart: Multipart,
) -> AppResult<Response> {
    let received = receive(slot, state, multipart).await?;
    let saved = record::set_file(
        &state.pool,
        slot.entity,
        id,
        received.version,
        slot.column,
        Some(&received.stored),
        &user.username,
    )
    .await;
    if saved.is_err() {
        received.discard(state).await;
    }
    finish(slot, state, ctx, auth, id, saved, slot.updated).await
}

/// An upload checked, re-encoded and written under a name the server chose, not yet recorded anywhere.
pub struct Received {
    /// The path to record (`logos/<hex>.png`).
    pub stored: String,
    /// The entry's version the form was opened at.
    pub version: i64,
}

impl Received {
    /// Removes the file again when nothing came to refer to it.
    pub async fn discard(&self, state: &AppState) {
        let _ = tokio::fs::remove_file(state.settings.uploads_dir.join(&self.stored)).await;
    }
}

/// Reads an image form (the file field of `slot` and the entry's `version`), normalises the picture and
/// writes it to `slot`'s folder.
pub async fn receive(slot: &'static ImageSlot, state: &AppState, mut multipart: Multipart) -> AppResult<Received> {
    let mut bytes = None;
    let mut version = None;
    while let Some(field) = next_part(&mut multipart, too_large).await? {
        match field.name() {
            Some(name) if name == slot.field => bytes = Some(file_bytes(field, too_large).await?),
            Some("version") => version = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok()),
            _ => {}
        }
    }
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest(Text::new("请选择一个图片文件。", "Choose an image file.")))?;
    let version = version.ok_or_else(no_version)?;
    let max_side = slot.max_side;
    let _permit = DECODES.acquire().await.map_err(|e| AppError::Other(e.into()))?;
    let png = tokio::task::spawn_blocking(move || normalise_image(&bytes, max_side))
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("image task failed: {e}")))??;
    let name = format!("{}.png", uuid::Uuid::new_v4().simple());
    let dir = state.settings.uploads_dir.join(slot.dir);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Other(e.into()))?;
    tokio::fs::write(dir.join(&name), &png).await.map_err(|e| AppError::Other(e.into()))?;
    Ok(Received { stored: format!("{}/{name}", slot.dir), version })
}

/// A refused upload (too large, not an image, none chosen): its status and reason, for the form's page.
pub fn refusal(err: AppError) -> Result<(StatusCode, Text), AppError> {
    let status = err.status();
    match err {
        AppError::BadRequest(reason) | AppError::TooLarge(reason) | AppError::Unsupported(reason) => {
            Ok((status, reason))
        }
        other => Err(other),
    }
}

/// Clears the image. The file stays on disk: the revision keeps its path, so reverting brings it back.
async fn remove(
    slot: &'static ImageSlot,
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if entity.key != slot.entity.key {
        return Err(AppError::NotFound);
    }
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .ok_or_else(no_version)?;
    let saved = record::set_file(&state.pool, slot.entity, id, version, slot.column, None, &user.username).await;
    finish(slot, &state, &ctx, &auth, id, saved, slot.removed).await
}

/// After a save: reload and go back to the edit page with `done` as the flash, or say why not.
async fn finish(
    slot: &ImageSlot,
    state: &AppState,
    ctx: &Ctx,
    auth: &AuthSession,
    id: i64,
    saved: Result<(), SaveError>,
    done: Label,
) -> AppResult<Response> {
    match saved {
        Ok(()) => {
            state.settle().await;
            super::set_flash(auth, Text::new(done.0, done.1)).await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/{id}/edit", slot.entity.key))).into_response())
        }
        Err(SaveError::Conflict { .. }) => Err(AppError::Conflict(Text::new(
            "这期间该条目已被他人修改，请重新打开编辑页后再试。",
            "The entry was changed by someone else meanwhile; open its edit page again and try once more.",
        ))),
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(err) => Err(AppError::Other(anyhow::anyhow!("{err}"))),
    }
}

fn no_version() -> AppError {
    AppError::BadRequest(Text::new("表单缺少版本号。", "The form has no version."))
}

fn too_large() -> AppError {
    AppError::TooLarge(Text::new("图片不能超过 2 MB。", "The image must be at most 2 MB."))
}

/// The next part of a multipart upload (images, CSV files): past the body limit `too_large` (413), anything
/// unreadable a 400 page.
pub async fn next_part<'a>(multipart: &'a mut Multipart, too_large: fn() -> AppError) -> AppResult<Option<Field<'a>>> {
    match multipart.next_field().await {
        Ok(part) => Ok(part),
        Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
        Err(_) => Err(AppError::BadRequest(Text::new("上传的表单无法读取。", "The upload could not be read."))),
    }
}

/// A file part's bytes, at most [`MAX_UPLOAD_BYTES`] (`too_large` beyond).
pub async fn file_bytes(field: Field<'_>, too_large: fn() -> AppError) -> AppResult<Bytes> {
    let data = field.bytes().await.map_err(|err| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(Text::new("上传中断。", "The upload was interrupted."))
        }
    })?;
    if data.len() > MAX_UPLOAD_BYTES {
        return Err(too_large());
    }
    Ok(data)
}

/// `GET /media/{dir}/{file}`: only the folders of [`SLOTS`] and names the server chose (32 hex digits + `.png`).
pub async fn serve_image(
    State(state): State<AppState>,
    Path((dir, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let slot = SLOTS.iter().find(|s| s.dir == dir).ok_or(AppError::NotFound)?;
    let valid = file.len() == 36 && file.ends_with(".png") && file[..32].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(AppError::NotFound);
    }
    let bytes =
        tokio::fs::read(state.settings.uploads_dir.join(slot.dir).join(&file)).await.map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        bytes,
    )
        .into_response())
}
