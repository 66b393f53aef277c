//! The response cache of the read path: each public page's bytes, rendered once, compressed once per encoding
//! a client asks for (gzip, brotli), with a strong ETag; served from memory until the next write swaps the
//! catalog. A page rendered again after a swap that comes out byte for byte the same keeps its compressed
//! copies and its ETag: most saves change a few pages, not all.
//!
//! Why: rendering from the catalog is fast, but serving stored bytes is faster still, and compressing per
//! request would cost more than everything else together (see ARCHITECTURE.md, "The read path").

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// Pages beyond this many bytes (all encodings together) are evicted, least recently used first.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;
/// Bodies larger than this are compressed on the blocking pool.
const LARGE_BODY: usize = 64 * 1024;
/// Pages revalidate on every use: an admin's save shows on the next request, and a 304 costs little.
pub const PAGE_CACHE_CONTROL: &str = "no-cache";

/// One body in every encoding we serve, with its validators. The compressed copies are made on first demand
/// (a page only ever asked for plainly, or only as brotli, is never compressed otherwise).
#[derive(Debug)]
pub struct Encoded {
    pub identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// Served compressed to clients that accept it (not for images whose format compresses already).
    compressible: bool,
    /// Hex digest of the identity bytes; each encoding's ETag adds a suffix (a strong ETag names exact bytes).
    pub digest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

// Levels that compress a page in well under a millisecond: a save makes changed pages compress again (gzip 9
// and brotli 9 cost several times more for a few % less).
fn gzip(identity: &[u8]) -> Bytes {
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(identity.len() / 3), flate2::Compression::new(6));
    match gz.write_all(identity).and_then(|()| gz.finish()) {
        Ok(bytes) => Bytes::from(bytes),
        Err(_) => Bytes::new(),
    }
}

fn brotli(mut identity: &[u8]) -> Bytes {
    let mut br = Vec::with_capacity(identity.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 5, lgwin: 22, ..Default::default() };
    match brotli::BrotliCompress(&mut identity, &mut br, &params) {
        Ok(_) => Bytes::from(br),
        Err(_) => Bytes::new(),
    }
}

impl Encoded {
    /// A body compressed when a client first asks for an encoding (on the asking request: keep it small).
    pub fn new(identity: Bytes) -> Encoded {
        Encoded {
            digest: digest(&identity),
            identity,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            compressible: true,
        }
    }

    /// A body compressed in every encoding now (for the blocking pool, or for assets made once at start).
    pub fn compressed_now(identity: Bytes) -> Encoded {
        let encoded = Encoded::new(identity);
        encoded.gzip();
        encoded.brotli();
        encoded
    }

    pub fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| gzip(&self.identity))
    }

    pub fn brotli(&self) -> &Bytes {
        self.brotli.get_or_init(|| brotli(&self.identity))
    }

    /// A body served only as it is (an image whose format compresses already).
    pub fn uncompressed(identity: Bytes) -> Encoded {
        Encoded { compressible: false, ..Encoded::new(identity) }
    }

    /// Bytes held, counting the compressed copies before they exist (a page compresses to under a quarter of
    /// its size in either encoding), so the cache's bound holds whichever are made later.
    pub fn weight(&self) -> u64 {
        let compressed = if self.compressible { self.identity.len() / 2 } else { 0 };
        (self.identity.len() + compressed + 256) as u64
    }

    fn body(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Identity => &self.identity,
            Encoding::Gzip => self.gzip(),
            Encoding::Brotli => self.brotli(),
        }
    }

    fn etag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Identity => format!("\"{}\"", self.digest),
            Encoding::Gzip => format!("\"{}-gz\"", self.digest),
            Encoding::Brotli => format!("\"{}-br\"", self.digest),
        }
    }

    /// The best encoding the client accepts (and that compressed to something).
    pub fn negotiate(&self, headers: &HeaderMap) -> Encoding {
        let accepted = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !self.compressible {
            Encoding::Identity
        } else if accepts(accepted, "br") && !self.brotli().is_empty() {
            Encoding::Brotli
        } else if accepts(accepted, "gzip") && !self.gzip().is_empty() {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// A response for `request_headers` (304 when its `If-None-Match` names this body), `method` GET or HEAD.
    pub fn respond(
        &self,
        request_headers: &HeaderMap,
        method: &Method,
        content_type: &'static str,
        cache_control: &'static str,
    ) -> Response {
        let encoding = self.negotiate(request_headers);
        let etag = self.etag(encoding);
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        let not_modified = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|inm| inm.trim() == "*" || inm.split(',').any(|tag| self.matches(tag.trim())));
        if not_modified {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        match encoding {
            Encoding::Identity => {}
            Encoding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Brotli => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
        }
        let bytes = self.body(encoding).clone();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        let body = if method == Method::HEAD { Body::empty() } else { Body::from(bytes) };
        (StatusCode::OK, headers, body).into_response()
    }

    /// Whether an `If-None-Match` entry names any encoding of this body (weak or strong).
    fn matches(&self, tag: &str) -> bool {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        [Encoding::Identity, Encoding::Gzip, Encoding::Brotli].iter().any(|e| self.etag(*e) == tag)
    }
}

/// `Accept-Encoding` lists `coding` without `q=0`.
pub fn accepts(header: &str, coding: &str) -> bool {
    header.split(',').any(|part| {
        let mut pieces = part.split(';');
        let name = pieces.next().unwrap_or("").trim();
        let refused = pieces.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// 128-bit digest (two independent SipHash passes) — an ETag needs uniqueness, not secrecy.
fn digest(bytes: &[u8]) -> String {
    let mut d = Digest::new();
    d.update(bytes);
    d.finish()
}

/// [`Encoded`]'s digest, fed piece by piece: the ETag of a file written as a stream (same bytes, same digest,
/// however they were split).
#[derive(Clone)]
pub struct Digest([std::collections::hash_map::DefaultHasher; 2]);

impl Digest {
    pub fn new() -> Digest {
        use std::hash::{BuildHasher, Hasher};
        Digest([0x9e37_79b9_7f4a_7c15_u64, 0xc2b2_ae3d_27d4_eb4f].map(|seed| {
            let mut h =
                std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().build_hasher();
            h.write_u64(seed);
            h
        }))
    }

    pub fn update(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        for h in &mut self.0 {
            h.write(bytes);
        }
    }

    /// Hex, 32 digits.
    pub fn finish(&self) -> String {
        use std::hash::Hasher;
        self.0.iter().map(|h| format!("{:016x}", h.finish())).collect()
    }
}

impl Default for Digest {
    fn default() -> Digest {
        Digest::new()
    }
}

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<String, Arc<CachedPage>> for Weigh {
    fn weight(&self, key: &String, page: &Arc<CachedPage>) -> u64 {
        key.len() as u64 + page.body.weight()
    }
}

struct CachedPage {
    generation: u64,
    /// Shared with the page's next generation when that renders to the same bytes.
    body: Arc<Encoded>,
    /// `Content-Type`, and `Last-Modified` / `Content-Disposition` where the handler set them.
    headers: HeaderMap,
}

/// Content types worth keeping: pages, feeds, the sitemap and open data files.
fn cacheable(content_type: &[u8]) -> bool {
    [&b"text/"[..], b"application/xml", b"application/atom+xml", b"application/json", b"application/ld+json"]
        .iter()
        .any(|prefix| content_type.starts_with(prefix))
}

/// The response headers a cached page keeps.
fn kept_headers(from: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [header::CONTENT_TYPE, header::LAST_MODIFIED, header::CONTENT_DISPOSITION] {
        if let Some(value) = from.get(&name) {
            kept.insert(name, value.clone());
        }
    }
    kept
}

impl CachedPage {
    fn respond(&self, request_headers: &HeaderMap, method: &Method) -> Response {
        let mut response = self.body.respond(request_headers, method, "text/html; charset=utf-8", PAGE_CACHE_CONTROL);
        for (name, value) in &self.headers {
            response.headers_mut().insert(name, value.clone());
        }
        if response.status() == StatusCode::OK && unmodified_since(request_headers, &self.headers) {
            return not_modified(response);
        }
        response
    }
}

/// Whether a GET may be answered 304 on dates: its `If-Modified-Since` is at or after the response's
/// `Last-Modified`. An `If-None-Match` takes precedence (RFC 9110 §13.2.2), so then this is false and the
/// ETag decides.
pub fn unmodified_since(request_headers: &HeaderMap, response_headers: &HeaderMap) -> bool {
    if request_headers.contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    let date = |headers: &HeaderMap, name| {
        headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok())
    };
    match (date(request_headers, header::IF_MODIFIED_SINCE), date(response_headers, header::LAST_MODIFIED)) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// `response` as a 304: its validators and caching headers, without the body or the headers describing it.
pub fn not_modified(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::CONTENT_DISPOSITION] {
        parts.headers.remove(name);
    }
    Response::from_parts(parts, Body::empty())
}

/// Tells the cache not to keep a response (search results: every term is new, so keeping them only evicts
/// pages that will be asked for again).
#[derive(Debug, Clone, Copy)]
pub struct DoNotCache;

pub struct PageCache {
    generation: AtomicU64,
    pages: quick_cache::sync::Cache<String, Arc<CachedPage>, Weigh>,
    enabled: bool,
}

impl PageCache {
    pub fn new(enabled: bool) -> PageCache {
        PageCache {
            generation: AtomicU64::new(0),
            pages: quick_cache::sync::Cache::with_weighter(4096, CACHE_BYTES, Weigh),
            enabled,
        }
    }

    /// Makes every kept page stale. Call after the catalog is swapped: a stale page is never served, but is
    /// kept until its page is rendered again, to lend its compressed copies if the bytes did not change. Pages
    /// rendered from the old catalog that finish afterwards carry the old generation and are never served.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// A permanent redirect to the canonical URL of the requested page. Browsers may keep it for a day, not
/// forever: a later version of a page may read a parameter that is dropped today.
fn moved_to(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, value), (header::CACHE_CONTROL, HeaderValue::from_static("max-age=86400"))],
        )
            .into_response(),
        // unreachable for a path that came in a request line, but never a 500 for it
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The request's URL as the visitor wrote it, its canonical URL (path and canonical query), and whether the
/// two differ.
fn canonical_url(request: &Request) -> (axum::http::Uri, String, bool) {
    let uri = request.extensions().get::<OriginalUri>().map_or_else(|| request.uri().clone(), |o| o.0.clone());
    let route = request.extensions().get::<MatchedPath>().map_or(uri.path(), MatchedPath::as_str);
    let query = crate::query::canonical(uri.query(), crate::web::public::query_params(route));
    let url = if query.is_empty() { uri.path().to_string() } else { format!("{}?{query}", uri.path()) };
    let differs = uri.query().unwrap_or("") != query;
    (uri, url, differs)
}

/// Middleware over the public pages and files: one URL per page. Any other spelling of its query (unknown
/// parameters, another order) is redirected, never rendered or stored, so junk parameters cannot fill the cache.
pub async fn redirect_to_canonical(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let (_, url, differs) = canonical_url(&request);
        if differs {
            return moved_to(&url);
        }
    }
    next.run(request).await
}

/// Middleware over the public pages (inside [`redirect_to_canonical`]): serve from the cache, or render,
/// store and serve. The key is the canonical URL's path and query (never the Host or a scheme).
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    let method = request.method().clone();
    if !(method == Method::GET || method == Method::HEAD) {
        return next.run(request).await;
    }
    let (uri, key, _) = canonical_url(&request);
    // A percent-encoded path names a page that has a plain spelling too: answer it, but do not keep it.
    if !cache.enabled || uri.path().contains('%') {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let generation = cache.generation.load(Ordering::SeqCst);
    // One render per page and catalog: after a save makes the cache stale, the first request for a page
    // renders it while the others asking for the same page wait for its bytes, instead of all rendering and
    // compressing it at once.
    let mut previous = None;
    let mut guard = None;
    for _ in 0..2 {
        match cache.pages.get_value_or_guard_async(key.as_str()).await {
            Ok(page) if page.generation == generation => return page.respond(&headers, &method),
            // Stale: take it out (unless a newer render replaced it meanwhile) and ask again, for the guard.
            Ok(page) if page.generation < generation => {
                cache.pages.remove_if(key.as_str(), |kept| Arc::ptr_eq(kept, &page));
                previous = Some(page);
            }
            // Rendered from a catalog newer than ours: render afresh and keep nothing.
            Ok(_) => break,
            Err(taken) => {
                guard = Some(taken);
                break;
            }
        }
    }
    let response = next.run(request).await;
    let keep = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| cacheable(v.as_bytes()));
    if response.status() != StatusCode::OK || !keep || response.extensions().get::<DoNotCache>().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "cannot read a rendered page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let body = if let Some(same) = previous.filter(|page| page.body.identity == bytes) {
        same.body.clone()
    } else if bytes.len() > LARGE_BODY {
        // Compressing a large body (a sitemap file at 100,000 companies) takes milliseconds: off the runtime.
        match tokio::task::spawn_blocking(move || Arc::new(Encoded::compressed_now(bytes))).await {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(error = %err, "cannot compress a rendered page");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    } else {
        Arc::new(Encoded::new(bytes))
    };
    let page = Arc::new(CachedPage { generation, body, headers: kept_headers(&parts.headers) });
    let response = page.respond(&headers, &method);
    if let Some(guard) = guard.filter(|_| cache.generation.load(Ordering::SeqCst) == generation) {
        let _ = guard.insert(page);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("GZIP", "gzip"));
        assert!(!accepts("gzip;q=0, br", "gzip"));
        assert!(accepts("gzip;q=0.5", "gzip"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("brotli", "br"));
    }

    #[test]
    fn if_modified_since_against_last_modified() {
        let at = |date: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::LAST_MODIFIED, HeaderValue::from_static(date));
            headers
        };
        let mut request = HeaderMap::new();
        request.insert(header::IF_MODIFIED_SINCE, HeaderValue::from_static("Tue, 05 Mar 2024 08:09:10 GMT"));
        assert!(unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:10 GMT")));
        assert!(!unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:11 GMT")));
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:10 GMT")));
    }

    #[test]
    fn a_digest_fed_in_pieces_equals_the_whole() {
        let bytes: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut pieces = Digest::new();
        for chunk in bytes.chunks(977) {
            pieces.update(chunk);
        }
        assert_eq!(pieces.finish(), digest(&bytes));
        assert_eq!(digest(&bytes).len(), 32);
        assert_ne!(digest(&bytes), digest(&bytes[1..]));
    }

    #[test]
    fn an_encoding_is_made_when_first_asked_for_and_only_then() {
        let e = Encoded::new(Bytes::from("<p>北方光谷</p>".repeat(50)));
        assert!(e.gzip.get().is_none() && e.brotli.get().is_none());
        let mut asks = HeaderMap::new();
        asks.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(e.negotiate(&asks), Encoding::Gzip);
        assert!(e.gzip.get().is_some() && e.brotli.get().is_none(), "brotli is never asked for here");
        assert_eq!(e.negotiate(&HeaderMap::new()), Encoding::Identity);
        let image = Encoded::uncompressed(Bytes::from_static(b"\x89PNG"));
        assert_eq!(image.negotiate(&asks), Encoding::Identity);
        assert!(image.gzip.get().is_none());
    }

    #[test]
    fn encodings_round_trip() {
        let body = Bytes::from("<p>长春光电信息产业园</p>".repeat(50));
        let e = Encoded::new(body.clone());
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&e.gzip()[..]), &mut out).unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &e.brotli()[..], &mut out).unwrap();
        assert_eq!(out, body);
        assert!(e.brotli().len() < body.len() / 4);
    }
}
