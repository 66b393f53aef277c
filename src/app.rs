//! Application state and the router: every layer in one readable place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use sqlx::SqlitePool;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::web::cache::PageCache;

/// How this instance runs, beyond where its database is.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Keep rendered public pages (off only to measure rendering).
    pub page_cache: bool,
    /// Mark the session cookie `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Where uploaded logos are kept.
    pub uploads_dir: PathBuf,
    /// Host names this site answers to (`.example.com` also matches its subdomains); empty: any.
    pub allowed_hosts: Vec<String>,
    /// Requests handled at once; beyond it, 503 with Retry-After instead of queueing without bound.
    pub max_concurrency: usize,
    /// An admin request not answered within this gets 408 (a client sending its form or upload too slowly).
    /// Public pages read no body and render from memory, so they carry no timer.
    pub request_timeout: std::time::Duration,
}

impl Settings {
    /// Defaults for a database file: uploads in an `uploads` folder beside it.
    pub fn for_database(database: &Path) -> Settings {
        let dir = database.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Settings {
            page_cache: true,
            secure_cookies: false,
            uploads_dir: dir.join("uploads"),
            allowed_hosts: Vec::new(),
            max_concurrency: 512,
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    pub settings: Arc<Settings>,
    /// The public read model; replaced whole after each write, so readers never see half an update.
    pub catalog: Arc<ArcSwap<Catalog>>,
    /// Rendered public pages; emptied whenever the catalog is swapped.
    pub page_cache: Arc<PageCache>,
    /// Permits for requests in flight (`Settings::max_concurrency`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Opens (creating, migrating and seeding if needed) the database and loads the catalog.
    pub async fn open(database: &Path) -> anyhow::Result<AppState> {
        let pool = crate::db::open(database).await?;
        Self::new(pool, Settings::for_database(database)).await
    }

    /// State over an open, migrated pool.
    pub async fn new(pool: SqlitePool, settings: Settings) -> anyhow::Result<AppState> {
        let catalog = Catalog::load(&pool).await?;
        crate::db::search::sync_index(&pool, &catalog).await?;
        tower_sessions_sqlx_store::SqliteStore::new(pool.clone()).migrate().await?;
        Ok(AppState {
            pool,
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            page_cache: Arc::new(PageCache::new(settings.page_cache)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency.max(1))),
            settings: Arc::new(settings),
        })
    }

    /// The current catalog (cheap: an atomic load of an `Arc`).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Rebuilds the catalog and search index from the database; call after every committed write.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let catalog = Catalog::load(&self.pool).await?;
        crate::db::search::sync_index(&self.pool, &catalog).await?;
        self.catalog.store(Arc::new(catalog));
        // After the store: a page rendered from the old catalog can no longer enter the cache.
        self.page_cache.invalidate();
        Ok(())
    }
}

/// Headers every response carries, error pages and static files included.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
];

pub fn router(state: AppState) -> Router {
    let hsts = state.settings.secure_cookies;
    let settings = state.settings.clone();
    let mut router = Router::new()
        .merge(crate::web::public::router(&state))
        .merge(crate::web::admin::router(&state))
        .merge(crate::web::assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { crate::error::AppError::NotFound })
        // inside the error-page layer, so a panic is answered with the same styled 500 page
        .layer(CatchPanicLayer::custom(crate::web::panic_response))
        // State-changing requests from other sites are refused (Sec-Fetch-Site / Origin against Host).
        .layer(tower_http::csrf::CsrfLayer::new())
        // Shed load instead of collapsing: past the limit, answer 503 at once (styled by the layer below).
        // A try-acquire on one semaphore: tower's limit + load-shed stack cost a quarter of the throughput.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::web::shed_load));
    if !settings.allowed_hosts.is_empty() {
        // Only when configured (every layer is a step on every request), and inside the error-page layer so a
        // refused host gets the styled 400.
        router = router.layer(axum::middleware::from_fn_with_state(state.clone(), crate::web::check_host));
    }
    let router = router
        .layer(axum::middleware::from_fn(crate::web::render_error_pages))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    // One layer for all the security headers, outermost: every response gets them, error pages included.
    router.layer(tower::util::MapResponseLayer::new(move |mut response: axum::response::Response| {
        let headers = response.headers_mut();
        for (name, value) in SECURITY_HEADERS {
            headers.entry(HeaderName::from_static(name)).or_insert(HeaderValue::from_static(value));
        }
        if hsts {
            // Served over HTTPS (the same switch as Secure cookies): browsers should never use plain HTTP again.
            headers
                .entry(header::STRICT_TRANSPORT_SECURITY)
                .or_insert(HeaderValue::from_static("max-age=31536000; includeSubDomains"));
        }
        response
    }))
}
