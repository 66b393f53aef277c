//! Static assets, embedded in the binary so it runs from any folder. Each is served under a fingerprinted
//! name (`site.3f2a…css`) with a year-long immutable cache, so a new release is fetched at once and an
//! unchanged one never again.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;

use crate::web::AppState;
use crate::web::cache::Encoded;
use crate::web::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The picture link previews show for the park's pages (`tools/make_preview_image.py` draws it).
pub const PARK_PREVIEW: &str = "og-park.png";
/// Its size in pixels, for `og:image:width` / `og:image:height`.
pub const PARK_PREVIEW_SIZE: (u32, u32) = (1200, 630);

const ASSETS: &[Asset] = &[
    Asset {
        name: "site.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/css/site.css"),
    },
    Asset {
        name: "admin.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/js/admin.js"),
    },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", bytes: include_bytes!("../../static/img/favicon.svg") },
    Asset { name: PARK_PREVIEW, content_type: "image/png", bytes: include_bytes!("../../static/img/og-park.png") },
];

/// name → fingerprinted file name.
static FINGERPRINTED: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            a.bytes.hash(&mut h);
            let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
            (a.name, format!("{stem}.{:010x}.{ext}", h.finish() & 0xff_ffff_ffff))
        })
        .collect()
});

/// Each asset compressed once, at first use; PNGs are compressed already, so they are kept as they are.
static ENCODED: LazyLock<HashMap<&'static str, Encoded>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let bytes = Bytes::from_static(a.bytes);
            let encoded = if a.content_type == "image/png" {
                Encoded::uncompressed(bytes)
            } else {
                Encoded::compressed_now(bytes)
            };
            (a.name, encoded)
        })
        .collect()
});

/// The URL of an embedded asset, e.g. `url("site.css")` → `/static/site.1a2b3c4d5e.css`.
pub fn url(name: &str) -> String {
    match FINGERPRINTED.get(name) {
        Some(file) => format!("/static/{file}"),
        None => format!("/static/{name}"),
    }
}

/// The layout's style sheet and the admin's script, as every page links them (made once, not per page).
pub static SITE_CSS: LazyLock<String> = LazyLock::new(|| url("site.css"));
pub static ADMIN_JS: LazyLock<String> = LazyLock::new(|| url("admin.js"));

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve)).route("/favicon.ico", get(favicon))
}

async fn serve(method: Method, headers: HeaderMap, Path(file): Path<String>) -> Result<Response, AppError> {
    let (asset, immutable) = ASSETS
        .iter()
        .find_map(|a| {
            if FINGERPRINTED.get(a.name).is_some_and(|f| *f == file) {
                Some((a, true))
            } else if a.name == file {
                Some((a, false))
            } else {
                None
            }
        })
        .ok_or(AppError::NotFound)?;
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let encoded = ENCODED.get(asset.name).ok_or(AppError::NotFound)?;
    Ok(encoded.respond(&headers, &method, asset.content_type, cache))
}

async fn favicon(method: Method, headers: HeaderMap) -> Result<Response, AppError> {
    serve(method, headers, Path("favicon.svg".to_string())).await
}
