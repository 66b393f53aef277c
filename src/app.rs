//! Application state and the router: every layer in one readable place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use sqlx::SqlitePool;
use tower_http::catch_panic::CatchPanicLayer;

use crate::catalog::Catalog;
use crate::web::cache::PageCache;

/// How this instance runs, beyond where its database is.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Keep rendered public pages (off only to measure rendering).
    pub page_cache: bool,
    /// Mark the session cookie `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The site's origin as visitors reach it (`https://park.example`, no trailing slash): absolute links.
    pub public_url: String,
    /// Where uploaded logos are kept.
    pub uploads_dir: PathBuf,
    /// Host names this site answers to (`.example.com` also matches its subdomains); empty: any.
    pub allowed_hosts: Vec<String>,
    /// Requests handled at once; beyond it, 503 with Retry-After instead of queueing without bound.
    pub max_concurrency: usize,
    /// An admin request not answered within this gets 408 (a client sending its form or upload too slowly).
    /// Public pages read no body and render from memory, so they carry no timer.
    pub request_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client; empty: those headers
    /// are ignored and the socket's peer is the client (see `web::client_address`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Settings {
    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Defaults for a database file: uploads in an `uploads` folder beside it.
    pub fn for_database(database: &Path) -> Settings {
        let dir = database.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Settings {
            page_cache: true,
            secure_cookies: false,
            public_url: "http://127.0.0.1:3000".to_string(),
            uploads_dir: dir.join("uploads"),
            allowed_hosts: Vec::new(),
            max_concurrency: 512,
            request_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How often the running server drops sign-in attempts past their keeping time.
pub const PRUNE_ATTEMPTS_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

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
        crate::admin::accounts::prune_attempts(&pool).await?;
        Ok(AppState {
            pool,
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            page_cache: Arc::new(PageCache::new(settings.page_cache)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency.max(1))),
            settings: Arc::new(settings),
        })
    }

    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        self.settings.absolute(path)
    }

    /// The current catalog (cheap: an atomic load of an `Arc`).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Keeps the sign-in log bounded while the server runs: prunes it every [`PRUNE_ATTEMPTS_EVERY`] (a timer,
    /// never per attempt, so a flood of sign-ins cannot make each one scan the table). Abort it at shutdown.
    pub fn spawn_attempt_pruning(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_ATTEMPTS_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is immediate, and `new` pruned at start already.
            every.tick().await;
            loop {
                every.tick().await;
                state.prune_attempts().await;
            }
        })
    }

    /// One pass of the pruning task: drops sign-in attempts older than the audit trail keeps. A failure is
    /// logged and the next pass tries again. Returns how many were dropped.
    pub async fn prune_attempts(&self) -> u64 {
        match crate::admin::accounts::prune_attempts(&self.pool).await {
            Ok(dropped) => {
                if dropped > 0 {
                    tracing::info!(dropped, "pruned old sign-in attempts");
                }
                dropped
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot prune old sign-in attempts");
                0
            }
        }
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

pub fn router(state: AppState) -> Router {
    let front_door = crate::web::front::FrontDoorLayer::new(&state.settings, state.in_flight.clone());
    Router::new()
        .merge(crate::web::public::router(&state))
        .merge(crate::web::admin::router(&state))
        .merge(crate::web::assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { crate::error::AppError::NotFound })
        // inside the front door, so a panic is answered with the same styled 500 page
        .layer(CatchPanicLayer::custom(crate::web::panic_response))
        // State-changing requests from other sites are refused (Sec-Fetch-Site / Origin against Host).
        .layer(tower_http::csrf::CsrfLayer::new())
        .with_state(state)
        // Outermost: request id and log span, host check, load shedding, error pages, security headers.
        .layer(front_door)
}
