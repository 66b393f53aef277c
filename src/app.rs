//! Application state and the router: every layer in one readable place.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use sqlx::SqlitePool;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::web::cache::PageCache;

#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    /// The public read model; replaced whole after each write, so readers never see half an update.
    pub catalog: Arc<ArcSwap<Catalog>>,
    /// Rendered public pages; emptied whenever the catalog is swapped.
    pub page_cache: Arc<PageCache>,
}

impl AppState {
    /// Opens (creating, migrating and seeding if needed) the database and loads the catalog.
    pub async fn open(database: &Path) -> anyhow::Result<AppState> {
        let pool = crate::db::open(database).await?;
        Self::new(pool, true).await
    }

    /// State over an open, migrated pool; `page_cache` off renders every page afresh (for benchmarks).
    pub async fn new(pool: SqlitePool, page_cache: bool) -> anyhow::Result<AppState> {
        let catalog = Catalog::load(&pool).await?;
        crate::db::search::sync_index(&pool, &catalog).await?;
        Ok(AppState {
            pool,
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            page_cache: Arc::new(PageCache::new(page_cache)),
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

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::web::public::router(&state))
        .merge(crate::web::assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { crate::error::AppError::NotFound })
        // inside the error-page layer, so a panic is answered with the same styled 500 page
        .layer(CatchPanicLayer::custom(crate::web::panic_response))
        .layer(axum::middleware::from_fn(crate::web::render_error_pages))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
