//! Company logos: PNG, JPEG or WebP up to 2 MB, checked by their bytes, re-encoded as PNG at most 512 px,
//! stored under a name the server chooses, and served with the right type.

use std::io::Cursor;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::ImageFormat;

use super::auth::AuthSession;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::web::Ctx;

pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
const MAX_SIDE: u32 = 512;

/// Decodes an upload and re-encodes it as a PNG no larger than 512 px: whatever the file carried besides
/// pixels (scripts in metadata, polyglots) does not survive.
pub fn normalise_logo(bytes: &[u8]) -> Result<Vec<u8>, Text> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP))
        .ok_or_else(|| {
            Text::new(
                "只接受 PNG、JPEG 或 WebP 图片（按文件内容判断，不看文件名）。",
                "Only PNG, JPEG or WebP images are accepted (judged by the file's content, not its name).",
            )
        })?;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image::Limits::default());
    let img =
        reader.decode().map_err(|_| Text::new("图片已损坏，无法读取。", "The image is damaged and cannot be read."))?;
    let img = if img.width() > MAX_SIDE || img.height() > MAX_SIDE { img.thumbnail(MAX_SIDE, MAX_SIDE) } else { img };
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|_| Text::new("无法保存图片。", "The image could not be saved."))?;
    Ok(out)
}

pub async fn upload_logo(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    Path((key, id)): Path<(String, i64)>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let user = auth.user.clone().ok_or(AppError::Unauthorized)?;
    if key != "companies" {
        return Err(AppError::NotFound);
    }
    let mut bytes = None;
    let mut version = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Err(_) => {
                return Err(AppError::BadRequest(Text::new("上传的表单无法读取。", "The upload could not be read.")));
            }
        };
        match field.name() {
            Some("logo") => {
                let data = field.bytes().await.map_err(|err| {
                    if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        AppError::BadRequest(Text::new("上传中断。", "The upload was interrupted."))
                    }
                })?;
                if data.len() > MAX_UPLOAD_BYTES {
                    return Err(too_large());
                }
                bytes = Some(data);
            }
            Some("version") => version = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok()),
            _ => {}
        }
    }
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest(Text::new("请选择一个图片文件。", "Choose an image file.")))?;
    let version =
        version.ok_or_else(|| AppError::BadRequest(Text::new("表单缺少版本号。", "The form has no version.")))?;
    let png = tokio::task::spawn_blocking(move || normalise_logo(&bytes))
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("logo task failed: {e}")))?
        .map_err(AppError::Unsupported)?;
    let name = format!("{}.png", uuid::Uuid::new_v4().simple());
    let dir = state.settings.uploads_dir.join("logos");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Other(e.into()))?;
    tokio::fs::write(dir.join(&name), &png).await.map_err(|e| AppError::Other(e.into()))?;
    let entity = &crate::admin::spec::COMPANIES;
    let saved =
        crate::admin::record::set_logo(&state.pool, entity, id, version, &format!("logos/{name}"), &user.username)
            .await;
    match saved {
        Ok(()) => {
            state.reload().await?;
            let _ = auth.session.insert("flash", ("已更新标志。".to_string(), "Logo updated.".to_string())).await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/companies/{id}/edit"))).into_response())
        }
        Err(crate::admin::record::SaveError::Conflict { .. }) => {
            let _ = tokio::fs::remove_file(dir.join(&name)).await;
            Err(AppError::Conflict(Text::new(
                "上传期间该企业已被他人修改，请重新打开编辑页后再上传。",
                "The company was changed by someone else meanwhile; open its edit page again and upload once more.",
            )))
        }
        Err(crate::admin::record::SaveError::NotFound) => Err(AppError::NotFound),
        Err(err) => Err(AppError::Other(anyhow::anyhow!("{err}"))),
    }
}

fn too_large() -> AppError {
    AppError::TooLarge(Text::new("图片不能超过 2 MB。", "The image must be at most 2 MB."))
}

/// `GET /media/logos/{file}`: only names the server chose (32 hex digits + `.png`).
pub async fn serve_logo(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let valid = file.len() == 36 && file.ends_with(".png") && file[..32].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(AppError::NotFound);
    }
    let bytes =
        tokio::fs::read(state.settings.uploads_dir.join("logos").join(&file)).await.map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        bytes,
    )
        .into_response())
}
