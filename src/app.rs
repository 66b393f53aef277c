//! Application state and the router: every layer in one readable place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use arc_swap::ArcSwap;
use axum::Router;
use sqlx::SqlitePool;
use tower_http::catch_panic::CatchPanicLayer;

use crate::catalog::Catalog;
use crate::web::cache::PageCache;
use crate::web::public::data::OpenData;

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
    /// Where the open-data files are written, each process in a folder of its own inside it.
    pub open_data_dir: PathBuf,
    /// Host names this site answers to (`.example.com` also matches its subdomains); empty: any.
    pub allowed_hosts: Vec<String>,
    /// Requests handled at once; beyond it, 503 with Retry-After instead of queueing without bound.
    pub max_concurrency: usize,
    /// An admin request not answered within this gets 408 (a client sending its form or upload too slowly).
    /// Public pages read no body and render from memory, so they carry no timer.
    pub request_timeout: std::time::Duration,
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
            open_data_dir: dir.to_path_buf(),
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
    /// Counts catalog publications: whatever is derived from the catalog (open-data files) subscribes to it.
    pub published: Arc<tokio::sync::watch::Sender<u64>>,
    /// The open-data files, rebuilt in the background after each publication.
    pub open_data: Arc<OpenData>,
}

impl AppState {
    /// Opens (creating, migrating and seeding if needed) the database and loads the catalog.
    pub async fn open(database: &Path) -> anyhow::Result<AppState> {
        let pool = crate::db::open(database).await?;
        Self::new(pool, Settings::for_database(database)).await
    }

    /// State over an open, migrated pool; starts the task that builds the open-data files.
    pub async fn new(pool: SqlitePool, settings: Settings) -> anyhow::Result<AppState> {
        let catalog = Catalog::load(&pool).await?;
        crate::db::search::sync_index(&pool, &catalog).await?;
        tower_sessions_sqlx_store::SqliteStore::new(pool.clone()).migrate().await?;
        crate::admin::accounts::prune_attempts(&pool).await?;
        let open_data = OpenData::new(&settings.open_data_dir).with_context(|| {
            format!("cannot create a folder for the open-data files in {}", settings.open_data_dir.display())
        })?;
        let state = AppState {
            pool,
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            page_cache: Arc::new(PageCache::new(settings.page_cache)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency.max(1))),
            published: Arc::new(tokio::sync::watch::Sender::new(0)),
            open_data: Arc::new(open_data),
            settings: Arc::new(settings),
        };
        crate::web::public::data::spawn_builder(state.clone());
        Ok(state)
    }

    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        self.settings.absolute(path)
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
        self.published.send_modify(|n| *n += 1);
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
