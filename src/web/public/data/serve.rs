//! Serving the open-data files from disk: strong ETags and `Last-Modified` with their 304s, the gzip copy for
//! clients that accept it, byte ranges (`Range`, `If-Range`), HEAD. Bodies stream from the file a chunk at a
//! time, so a download costs little memory however large the file.
//!
//! Not `tower_http::services::ServeFile`: it derives its ETag from the file's size and mtime and
//! `Last-Modified` from the mtime (ours come from the content and the catalog) and ignores `If-Range`.

use std::io::SeekFrom;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::build::{DataFile, Generation, OpenData};
use super::{Dataset, Format, JSON};
use crate::web::AppState;
use crate::web::KeepBody;
use crate::web::cache::{PAGE_CACHE_CONTROL, accepts, unmodified_since};

/// How long a request right after start waits for the first build before it is told to come back: long
/// enough for a small catalog (milliseconds), short enough not to pile up requests while a large one builds.
pub const FIRST_BUILD_PATIENCE: Duration = Duration::from_secs(1);
/// Bytes read from the file per body chunk.
const CHUNK: usize = 128 * 1024;
/// Bytes handed to the socket at a time from memory, other requests running between two.
const MEMORY_CHUNK: usize = 32 * 1024;
/// A gzip copy up to this size is served from memory (read once per build): a download is then slices of
/// one buffer, not a read on the blocking pool per chunk. At 100,000 companies the gzip copies come to
/// about 10 MB; the identity files (137 MB for companies.json) always stream from disk.
const GZIP_IN_MEMORY: u64 = 16 * 1024 * 1024;

/// The route of one file (GET and HEAD).
pub fn route(dataset: Dataset, format: Format) -> MethodRouter<AppState> {
    get(move |State(state): State<AppState>, method: Method, headers: HeaderMap| async move {
        respond(&state.open_data, &method, &headers, dataset, format).await
    })
}

/// The answer to a GET or HEAD of one file. Never builds it: before the first build is done, a 503.
pub async fn respond(
    open_data: &OpenData,
    method: &Method,
    request: &HeaderMap,
    dataset: Dataset,
    format: Format,
) -> Response {
    // Large and already on disk: routed outside the response cache (`public::data_files`).
    match open_data.current_within(FIRST_BUILD_PATIENCE).await {
        Some(generation) => answer(generation, method, request, dataset, format).await,
        None => not_ready(format),
    }
}

/// The headers every answer for a file carries, a 304 included: caching, its validators, ranges.
fn validators(generation: &Generation, etag: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PAGE_CACHE_CONTROL));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(date) = &generation.last_modified {
        headers.insert(header::LAST_MODIFIED, date.clone());
    }
    headers
}

/// The part of a file of `len` bytes the request asks for, as (status, first byte, length), with its
/// `Content-Range`; None when the range lies outside the file.
fn slice(request: &HeaderMap, etag: &str, len: u64, headers: &mut HeaderMap) -> Option<(StatusCode, u64, u64)> {
    let range = request
        .get(header::RANGE)
        .filter(|_| if_range_holds(request, etag))
        .and_then(|v| v.to_str().ok())
        .map_or(Wanted::Whole, |v| wanted(v, len));
    match range {
        Wanted::Whole => Some((StatusCode::OK, 0, len)),
        Wanted::Slice(first, last) => {
            let value = format!("bytes {first}-{last}/{len}");
            headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).expect("ASCII"));
            Some((StatusCode::PARTIAL_CONTENT, first, last - first + 1))
        }
        Wanted::Unsatisfiable => None,
    }
}

/// 416, saying how long the file is.
fn unsatisfiable(mut headers: HeaderMap, len: u64) -> Response {
    let value = format!("bytes */{len}");
    headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).expect("ASCII"));
    headers.remove(header::CONTENT_ENCODING);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    let mut response = (StatusCode::RANGE_NOT_SATISFIABLE, headers, "The range is outside the file.\n").into_response();
    response.extensions_mut().insert(KeepBody);
    response
}

async fn answer(
    generation: Arc<Generation>,
    method: &Method,
    request: &HeaderMap,
    dataset: Dataset,
    format: Format,
) -> Response {
    let Some(file) = generation.file(dataset, format) else { return not_ready(format) };
    let accepted = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let gzip = accepts(accepted, "gzip");
    let identity_tag = format!("\"{}\"", file.digest);
    let gzip_tag = format!("\"{}-gz\"", file.digest);
    let (path, len, etag) =
        if gzip { (&file.gz_path, file.gz_len, &gzip_tag) } else { (&file.path, file.len, &identity_tag) };

    let headers = validators(&generation, etag);
    let none_match = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|inm| {
        inm.split(',').map(str::trim).any(|tag| {
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag == "*" || tag == identity_tag || tag == gzip_tag
        })
    });
    let mut headers = headers;
    if none_match || unmodified_since(request, &headers) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }

    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    let Some((status, start, length)) = slice(request, etag, len, &mut headers) else {
        return unsatisfiable(headers, len);
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if method == Method::HEAD {
        return (status, headers).into_response();
    }
    let body = if gzip && file.gz_len <= GZIP_IN_MEMORY {
        in_memory(file, start, length).await
    } else {
        file_body(path, start, length, generation.clone()).await
    };
    match body {
        Ok(body) => (status, headers, body).into_response(),
        Err(err) => {
            tracing::error!(error = %err, path = %path.display(), "cannot read an open-data file");
            crate::web::error::AppError::Other(err.into()).into_response()
        }
    }
}

/// `If-Range` (RFC 9110 §13.1.5): the range applies only if the validator names these exact bytes. Our
/// `Last-Modified` is the catalog's, not the file's (every build has its own `generated_at`), so it is a weak
/// validator: a date there always gets the whole file, as the RFC asks.
fn if_range_holds(request: &HeaderMap, etag: &str) -> bool {
    match request.get(header::IF_RANGE) {
        None => true,
        Some(value) => value.to_str().is_ok_and(|v| v.trim() == etag),
    }
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// First and last byte, inclusive.
    Slice(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range (`a-b`, `a-`, `-n`). Other units, several ranges and malformed values are ignored (the
/// whole file, as RFC 9110 §14.2 allows).
fn wanted(value: &str, len: u64) -> Wanted {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Wanted::Whole };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return match last.parse::<u64>() {
            Ok(0) => Wanted::Unsatisfiable,
            Ok(_) if len == 0 => Wanted::Unsatisfiable,
            Ok(n) => Wanted::Slice(len.saturating_sub(n), len - 1),
            Err(_) => Wanted::Whole,
        };
    }
    let Ok(first) = first.parse::<u64>() else { return Wanted::Whole };
    let last = if last.is_empty() {
        u64::MAX
    } else {
        match last.parse::<u64>() {
            Ok(last) if last >= first => last,
            _ => return Wanted::Whole,
        }
    };
    if first >= len {
        return Wanted::Unsatisfiable;
    }
    Wanted::Slice(first, last.min(len - 1))
}

/// `length` bytes of a file's gzip copy from `start`, from memory (read on first use).
async fn in_memory(file: &DataFile, start: u64, length: u64) -> std::io::Result<Body> {
    let bytes =
        file.gz_bytes.get_or_try_init(|| async { tokio::fs::read(&file.gz_path).await.map(Bytes::from) }).await?;
    let range = usize::try_from(start).ok().zip(usize::try_from(start + length).ok());
    let Some(mut left) = range.and_then(|(from, to)| (to <= bytes.len()).then(|| bytes.slice(from..to))) else {
        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
    };
    // Handed over a chunk at a time, letting other requests run between chunks: one large buffer would keep
    // a worker writing for as long as the socket takes it.
    let mut yielded = true;
    let chunks = futures_util::stream::poll_fn(move |cx| {
        if left.is_empty() {
            return std::task::Poll::Ready(None);
        }
        if !yielded {
            yielded = true;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        yielded = false;
        std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(left.split_to(MEMORY_CHUNK.min(left.len())))))
    });
    Ok(Body::from_stream(chunks))
}

/// `length` bytes of the file from `start`, streamed; `generation` is kept (and its folder with it) until
/// the body is done.
async fn file_body(path: &Path, start: u64, length: u64, generation: Arc<Generation>) -> std::io::Result<Body> {
    let mut file = tokio::fs::File::open(path).await?;
    if start > 0 {
        file.seek(SeekFrom::Start(start)).await?;
    }
    let stream = futures_util::stream::unfold((file, length, generation), |(mut file, left, generation)| async move {
        if left == 0 {
            return None;
        }
        let mut buffer = vec![0; CHUNK.min(usize::try_from(left).unwrap_or(CHUNK))];
        match file.read(&mut buffer).await {
            Ok(0) => Some((Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)), (file, 0, generation))),
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), (file, left - n as u64, generation)))
            }
            Err(err) => Some((Err(err), (file, 0, generation))),
        }
    });
    Ok(Body::from_stream(stream))
}

/// Before the first build is done: come back in a second.
fn not_ready(format: Format) -> Response {
    let (content_type, body) = match format {
        Format::Json => (
            JSON,
            r#"{"error": {"status": 503, "message": {"zh": "数据文件正在生成，请稍后再试。", "en": "The data files are being prepared; please try again in a moment."}}}"#,
        ),
        Format::Csv => {
            ("text/plain; charset=utf-8", "The data files are being prepared; please try again in a moment.\n")
        }
    };
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1"), (header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response();
    response.extensions_mut().insert(KeepBody);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(wanted("bytes=0-9", 100), Wanted::Slice(0, 9));
        assert_eq!(wanted("bytes=90-", 100), Wanted::Slice(90, 99));
        assert_eq!(wanted("bytes=90-1000", 100), Wanted::Slice(90, 99));
        assert_eq!(wanted("bytes=-10", 100), Wanted::Slice(90, 99));
        assert_eq!(wanted("bytes=-1000", 100), Wanted::Slice(0, 99));
        assert_eq!(wanted("bytes=100-", 100), Wanted::Unsatisfiable);
        assert_eq!(wanted("bytes=-0", 100), Wanted::Unsatisfiable);
        assert_eq!(wanted("bytes=0-", 0), Wanted::Unsatisfiable);
        assert_eq!(wanted("bytes=9-3", 100), Wanted::Whole);
        assert_eq!(wanted("bytes=0-1,5-6", 100), Wanted::Whole);
        assert_eq!(wanted("items=0-1", 100), Wanted::Whole);
        assert_eq!(wanted("bytes=x-1", 100), Wanted::Whole);
    }

    #[tokio::test]
    async fn before_the_first_build_a_503_says_when_to_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let open_data = OpenData::new(dir.path()).unwrap();
        for format in [Format::Json, Format::Csv] {
            let response = respond(&open_data, &Method::GET, &HeaderMap::new(), Dataset::Companies, format).await;
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "1");
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                format.content_type().replace("text/csv", "text/plain")
            );
        }
        assert_eq!(open_data.builds(), 0, "a request never builds");
    }
}
