//! The response cache of the read path: each public page's bytes, rendered once, compressed once per encoding
//! a client asks for (gzip, brotli), with a strong ETag; served from memory until the next write swaps the
//! catalog. A page rendered again after a swap that comes out byte for byte the same keeps its compressed
//! copies and its ETag: most saves change a few pages, not all.
//!
//! Why: rendering from the catalog is fast, but serving stored bytes is faster still, and compressing per
//! request would cost more than everything else together (see ARCHITECTURE.md, "The read path").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::AppState;

/// Pages beyond this many bytes (all encodings together) are evicted, least recently used first.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;
/// The largest page (all encodings together) the cache must be able to keep: a sitemap file of
/// `seo::URLS_PER_FILE` URLs is about 0.85 MB. The cache is split into shards that each hold a share of
/// [`CACHE_BYTES`], and an entry heavier than its shard's hot share ([`HOT_SHARE`] of it) is never kept; so
/// the number of shards follows from this, not from the number of cores (quick_cache's default, four per
/// core, would leave a 64-core server 128 KB shards that keep no sitemap and no large directory page).
const LARGEST_PAGE: u64 = 3 * 512 * 1024;
/// quick_cache's default share of a shard for frequently used entries, in percent: the heaviest it admits.
const HOT_SHARE: u64 = 97;
/// Pages the cache is sized for (quick_cache's bookkeeping; not a limit).
const ESTIMATED_PAGES: usize = 4096;
/// Bodies larger than this are compressed on the blocking pool.
const LARGE_BODY: usize = 64 * 1024;

mod conditional;
mod encoded;

pub use conditional::{PAGE_CACHE_CONTROL, dated_response, http_date, not_modified, unmodified_since};
pub use encoded::{Digest, Encoded, Encoding, accepts};

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
    /// Every header of a plain 200 per encoding (in [`Encoding`]'s order), made by [`CachedPage::respond`] the
    /// first time it is asked for: a hit then costs one copy of a map instead of a dozen inserts.
    plain: [std::sync::OnceLock<HeaderMap>; 3],
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
    fn new(generation: u64, body: Arc<Encoded>, headers: HeaderMap) -> CachedPage {
        CachedPage { generation, body, headers, plain: Default::default() }
    }

    /// [`CachedPage::respond`] for a request without conditions (no `If-None-Match`, no `If-Modified-Since`),
    /// which is nearly every request; None for the rest.
    fn respond_plain(&self, request_headers: &HeaderMap, method: &Method) -> Option<Response> {
        if request_headers.contains_key(header::IF_NONE_MATCH)
            || request_headers.contains_key(header::IF_MODIFIED_SINCE)
        {
            return None;
        }
        let encoding = self.body.negotiate(request_headers);
        let headers = self.plain[encoding as usize].get_or_init(|| {
            let mut only = HeaderMap::new();
            if let Some(accepted) = request_headers.get(header::ACCEPT_ENCODING) {
                only.insert(header::ACCEPT_ENCODING, accepted.clone());
            }
            self.respond(&only, &Method::GET).into_parts().0.headers
        });
        let body =
            if method == Method::HEAD { axum::body::Body::empty() } else { self.body.body(encoding).clone().into() };
        let mut response = Response::new(body);
        *response.headers_mut() = headers.clone();
        Some(response)
    }

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

/// Counters kept per thread, each on a cache line of its own: one shared counter, written by every core on
/// every request, would make the cores take turns on the line it lives on.
#[derive(Default)]
struct Counts([Slot; COUNT_SLOTS]);

const COUNT_SLOTS: usize = 16;

#[derive(Default)]
#[repr(align(128))]
struct Slot {
    hits: AtomicU64,
    renders: AtomicU64,
    /// Of the hits, those answered at the front door ([`PageCache::answer`]).
    at_door: AtomicU64,
}

#[derive(Clone, Copy)]
enum Counted {
    Hit,
    HitAtDoor,
    Render,
}

thread_local! {
    /// This thread's slot: threads are numbered as they first count, and share slots past [`COUNT_SLOTS`].
    static SLOT: usize = {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) as usize % COUNT_SLOTS
    };
}

impl Counts {
    fn add(&self, what: Counted) {
        let slot = &self.0[SLOT.with(|s| *s)];
        let counter = match what {
            Counted::Hit => &slot.hits,
            Counted::HitAtDoor => {
                slot.at_door.fetch_add(1, Ordering::Relaxed);
                &slot.hits
            }
            Counted::Render => &slot.renders,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn sum(&self, counter: impl Fn(&Slot) -> &AtomicU64) -> u64 {
        self.0.iter().map(|slot| counter(slot).load(Ordering::Relaxed)).sum()
    }
}

pub struct PageCache {
    generation: AtomicU64,
    /// Requests answered from memory and requests rendered, for the hit rate (`PageCache::stats`).
    counts: Counts,
    pages: quick_cache::sync::Cache<String, Arc<CachedPage>, Weigh>,
    enabled: bool,
}

impl PageCache {
    pub fn new(enabled: bool) -> PageCache {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PageCache::for_cores(enabled, cores)
    }

    /// Four shards per core (less contention), but never so many that a shard cannot hold [`LARGEST_PAGE`].
    fn for_cores(enabled: bool, cores: usize) -> PageCache {
        let most = (CACHE_BYTES * HOT_SHARE / 100 / LARGEST_PAGE).max(1) as usize;
        // quick_cache rounds the count up to a power of two: round down first, so no shard gets smaller.
        let shards = (cores * 4).clamp(1, most);
        let shards = 1 << shards.ilog2();
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(ESTIMATED_PAGES)
            .weight_capacity(CACHE_BYTES)
            .shards(shards)
            .hot_allocation(HOT_SHARE as f64 / 100.0)
            .build()
            .expect("weight and item capacities are set");
        PageCache {
            generation: AtomicU64::new(0),
            counts: Counts::default(),
            pages: quick_cache::sync::Cache::with_options(options, Weigh, Default::default(), Default::default()),
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

    /// (answered from memory, rendered) since the start: every GET or HEAD of a public page the cache saw,
    /// search results and other pages it does not keep counting as rendered.
    pub fn stats(&self) -> (u64, u64) {
        (self.counts.sum(|slot| &slot.hits), self.counts.sum(|slot| &slot.renders))
    }

    /// Of the hits in [`PageCache::stats`], those answered at the front door, before routing.
    pub fn answered_at_door(&self) -> u64 {
        self.counts.sum(|slot| &slot.at_door)
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The kept page for a request whose URL is exactly a key (a canonical URL), when it is current: answered
    /// before the request is routed. The front door asks this first; everything else (a stale page, a URL to
    /// redirect, a conditional request) goes through [`serve_cached`].
    pub fn answer(&self, request: &Request) -> Option<Response> {
        let method = request.method();
        if !self.enabled || !(method == Method::GET || method == Method::HEAD) {
            return None;
        }
        let key = request.uri().path_and_query()?.as_str();
        let page = self.pages.get(key)?;
        if page.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        let response = page.respond_plain(request.headers(), method)?;
        self.counts.add(Counted::HitAtDoor);
        Some(response)
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
    let uri = original_uri(request);
    let route = request.extensions().get::<MatchedPath>().map_or(uri.path(), MatchedPath::as_str);
    let query = crate::query::canonical(uri.query(), crate::web::public::query_params(route));
    let url = if query.is_empty() { uri.path().to_string() } else { format!("{}?{query}", uri.path()) };
    let differs = uri.query().unwrap_or("") != query;
    (uri, url, differs)
}

/// The request's URL as the visitor wrote it (inside a nested router, `Request::uri` has lost the prefix).
fn original_uri(request: &Request) -> axum::http::Uri {
    request.extensions().get::<OriginalUri>().map_or_else(|| request.uri().clone(), |o| o.0.clone())
}

/// The canonical URL of a request [`redirect_to_canonical`] let through, for [`serve_cached`]'s key: worked out
/// once, not twice (the two were 3.9 % of the CPU of a page rendered afresh, bench/profiles/cached-page-seeded.txt).
#[derive(Clone)]
struct Canonical(String);

/// The request's URL as the visitor wrote it, and the key of its page: its canonical URL, as
/// [`redirect_to_canonical`] found it.
fn cache_key(request: &mut Request) -> (axum::http::Uri, String) {
    match request.extensions_mut().remove::<Canonical>() {
        Some(Canonical(key)) => (original_uri(request), key),
        None => {
            let (uri, key, _) = canonical_url(request);
            (uri, key)
        }
    }
}

/// Middleware over the public pages and files: one URL per page. Any other spelling of its query (unknown
/// parameters, another order) is redirected, never rendered or stored, so junk parameters cannot fill the cache.
pub async fn redirect_to_canonical(mut request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let (_, url, differs) = canonical_url(&request);
        if differs {
            return moved_to(&url);
        }
        request.extensions_mut().insert(Canonical(url));
    }
    next.run(request).await
}

/// A rendered page's bytes in every encoding: the previous generation's copies when it came out the same,
/// compressed off the runtime when it is large. None (logged) when compressing failed.
async fn encoded(previous: Option<Arc<CachedPage>>, bytes: Bytes) -> Option<Arc<Encoded>> {
    if let Some(same) = previous.filter(|page| page.body.identity == bytes) {
        return Some(same.body.clone());
    }
    if bytes.len() <= LARGE_BODY {
        return Some(Arc::new(Encoded::new(bytes)));
    }
    // Compressing a large body (a sitemap file at 100,000 companies) takes milliseconds: off the runtime.
    match tokio::task::spawn_blocking(move || Arc::new(Encoded::compressed_now(bytes))).await {
        Ok(body) => Some(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot compress a rendered page");
            None
        }
    }
}

/// Middleware over the public pages (inside [`redirect_to_canonical`]): serve from the cache, or render,
/// store and serve. The key is the canonical URL's path and query (never the Host or a scheme).
pub async fn serve_cached(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    let method = request.method().clone();
    if !(method == Method::GET || method == Method::HEAD) {
        return next.run(request).await;
    }
    let (uri, key) = cache_key(&mut request);
    let route = request.extensions().get::<MatchedPath>().map_or(uri.path(), MatchedPath::as_str);
    let search = crate::web::public::never_kept(route, key.split_once('?').map_or("", |(_, query)| query));
    // A percent-encoded path names a page that has a plain spelling too: answer it, but do not keep it.
    if !cache.enabled || uri.path().contains('%') || search {
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
            Ok(page) if page.generation == generation => {
                cache.counts.add(Counted::Hit);
                return page.respond(&headers, &method);
            }
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
    cache.counts.add(Counted::Render);
    let response = next.run(request).await;
    let keep = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| cacheable(v.as_bytes()));
    if response.status() != StatusCode::OK || !keep {
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
    let Some(body) = encoded(previous, bytes).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = Arc::new(CachedPage::new(generation, body, kept_headers(&parts.headers)));
    let response = page.respond(&headers, &method);
    if let Some(guard) = guard.filter(|_| cache.generation.load(Ordering::SeqCst) == generation) {
        let _ = guard.insert(page);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page as large as the largest the cache is sized for is kept, whatever the number of cores.
    #[test]
    fn the_largest_page_is_kept_on_any_number_of_cores() {
        for cores in [1, 2, 8, 64, 256] {
            let cache = PageCache::for_cores(true, cores);
            // Incompressible bytes, so its compressed copies would not make it smaller.
            let mut seed = 0x2545_f491_4f6c_dd1d_u64;
            // Weighed with room for its compressed copies: half as much again as its own bytes.
            let bytes: Vec<u8> = (0..(LARGEST_PAGE as usize - 1024) * 2 / 3)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let body = Arc::new(Encoded::new(Bytes::from(bytes)));
            assert!(body.weight() > LARGEST_PAGE - 2048 && body.weight() <= LARGEST_PAGE);
            let page = Arc::new(CachedPage::new(0, body, HeaderMap::new()));
            cache.pages.insert("/sitemap-1.xml".to_string(), page);
            assert!(cache.pages.get("/sitemap-1.xml").is_some(), "{cores} cores: the page was not kept");
        }
    }
}
