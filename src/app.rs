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
            open_data_dir: dir.to_path_buf(),
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
    /// Requests the front door let in (the next request id): background work yields while it moves.
    pub requests: Arc<std::sync::atomic::AtomicU64>,
    /// Counts catalog publications: whatever is derived from the catalog (open-data files) subscribes to it.
    pub published: Arc<tokio::sync::watch::Sender<u64>>,
    /// Wakes the publisher before its next poll (a write in this process).
    wake: Arc<tokio::sync::Notify>,
    /// Asks the publisher to read everything again (see [`AppState::reload_all`]).
    reload_requested: Arc<std::sync::atomic::AtomicBool>,
    /// The open-data files, rebuilt in the background after each publication.
    pub open_data: Arc<OpenData>,
}

/// How often the publisher looks for changes made by other processes.
const POLL: std::time::Duration = std::time::Duration::from_millis(200);
/// How long a handler that wrote waits for its change to be published before answering anyway.
const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Past this many companies, the first load leaves the short-term search index to the publisher, so the
/// site answers seconds sooner (short search terms are matched by scanning until it is built).
const DEFER_INDEX_PAST: usize = 20_000;
/// Change-log entries kept behind the newest (a follower further behind than this loads in full).
const CHANGES_KEPT: i64 = 10_000;

impl AppState {
    /// Opens (creating, migrating and seeding if needed) the database and loads the catalog.
    pub async fn open(database: &Path) -> anyhow::Result<AppState> {
        let pool = crate::db::open(database).await?;
        Self::new(pool, Settings::for_database(database)).await
    }

    /// State over an open, migrated pool: loads the catalog (rows that cannot be read are reported and left
    /// out), starts the publisher that keeps it in step with the database and the task that builds the
    /// open-data files.
    pub async fn new(pool: SqlitePool, settings: Settings) -> anyhow::Result<AppState> {
        let started = std::time::Instant::now();
        let loaded = crate::catalog::follow::load_deferring(&pool, DEFER_INDEX_PAST).await?;
        let catalog_ms = started.elapsed().as_millis() as u64;
        if !loaded.problems.is_empty() {
            tracing::warn!(
                rows = loaded.problems.len(),
                "rows left out of the public site; `park-portal check` lists them"
            );
        }
        let indexed = crate::db::search::sync_at_start(&pool, &loaded.catalog).await?;
        tracing::info!(
            companies = loaded.catalog.companies.len(),
            catalog_ms,
            search_rows_written = indexed,
            total_ms = started.elapsed().as_millis() as u64,
            "catalog loaded"
        );
        tower_sessions_sqlx_store::SqliteStore::new(pool.clone()).migrate().await?;
        crate::admin::accounts::prune_attempts(&pool).await?;
        let open_data = OpenData::new(&settings.open_data_dir).with_context(|| {
            format!("cannot create a folder for the open-data files in {}", settings.open_data_dir.display())
        })?;
        let state = AppState {
            pool,
            catalog: Arc::new(ArcSwap::from_pointee(loaded.catalog)),
            page_cache: Arc::new(PageCache::new(settings.page_cache)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency.max(1))),
            requests: Arc::new(crate::web::front::first_request_id()),
            published: Arc::new(tokio::sync::watch::Sender::new(0)),
            wake: Arc::new(tokio::sync::Notify::new()),
            reload_requested: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            open_data: Arc::new(open_data),
            settings: Arc::new(settings),
        };
        tokio::spawn(state.clone().publish_forever());
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

    /// After a committed write: wakes the publisher and waits (at most [`SETTLE_LIMIT`]) until the catalog
    /// shows every change committed so far, so the next page shows the write. Never fails: the write is done
    /// either way, and a late publisher catches up on its own.
    pub async fn settle(&self) {
        let target = match crate::db::changes::latest(&self.pool).await {
            Ok(target) => target,
            Err(err) => return tracing::warn!(error = %err, "cannot read the change log after a write"),
        };
        let mut published = self.published.subscribe();
        self.wake.notify_one();
        let caught_up = async {
            while self.catalog().through < target {
                if published.changed().await.is_err() {
                    break;
                }
            }
        };
        if tokio::time::timeout(SETTLE_LIMIT, caught_up).await.is_err() {
            tracing::warn!(change = target, "the public catalog does not show a write yet");
        }
    }

    /// Reads the whole catalog again, through the publisher, and waits for it: for changes the change log
    /// does not see (the seed's date, a database restored in place). Never needed after an ordinary write.
    pub async fn reload_all(&self) {
        let mut published = self.published.subscribe();
        self.reload_requested.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
        let done = async {
            while self.reload_requested.load(std::sync::atomic::Ordering::SeqCst) {
                if published.changed().await.is_err() {
                    break;
                }
            }
        };
        if tokio::time::timeout(SETTLE_LIMIT, done).await.is_err() {
            tracing::warn!("the catalog was not reloaded in time");
        }
    }

    /// The publisher: one task per process, so catalogs are published one at a time and in commit order.
    /// Woken by writes here, and polls for writes from elsewhere.
    async fn publish_forever(self) {
        let mut pruned_at = std::time::Instant::now();
        let mut index = self.start_index_build();
        // Pages say whether an expected date has passed: they go stale at the park's midnight too.
        let mut today = crate::catalog::park_today();
        loop {
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            match self.publish_pending().await {
                Ok(None) => {}
                Ok(Some(touched)) => match (&mut index, touched) {
                    (Some(pending), Some(companies)) => pending.touched.extend(companies),
                    // Everything was read again: whatever is being built is out of date.
                    (Some(_), None) => index = self.start_index_build(),
                    (None, _) => {}
                },
                // Shutting down: the pool is closed, nothing is left to publish to.
                Err(_) if self.pool.is_closed() => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot publish the latest changes; trying again");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
            if index.as_ref().is_some_and(|pending| pending.task.is_finished())
                && let Some(pending) = index.take()
            {
                self.install_index(pending).await;
            }
            if crate::catalog::park_today() != today {
                today = crate::catalog::park_today();
                self.page_cache.invalidate();
            }
            if pruned_at.elapsed() > std::time::Duration::from_secs(60) {
                pruned_at = std::time::Instant::now();
                let through = self.catalog().through;
                if let Err(err) = crate::db::changes::prune(&self.pool, through, CHANGES_KEPT).await {
                    tracing::warn!(error = %err, "cannot prune the change log");
                }
            }
        }
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

    /// Starts building the short-term index the first load left pending, off the runtime and off the
    /// publisher's path (saves go on being published meanwhile).
    fn start_index_build(&self) -> Option<PendingIndex> {
        let from = self.catalog();
        if !from.short_terms.is_pending() {
            return None;
        }
        let source = from.clone();
        let task = tokio::task::spawn_blocking(move || source.build_short_terms());
        Some(PendingIndex { from, task, touched: Default::default(), started: std::time::Instant::now() })
    }

    /// Installs a finished index, brought up to date for the companies changed while it was built.
    async fn install_index(&self, pending: PendingIndex) {
        let index = match pending.task.await {
            Ok(index) => index,
            Err(err) => return tracing::error!(error = %err, "cannot build the short-term search index"),
        };
        let current = self.catalog();
        if let Some(catalog) = current.with_short_terms_from(&pending.from, index, &pending.touched) {
            // Nothing a page or file shows changed (search results are never cached): no invalidation.
            self.catalog.store(Arc::new(catalog));
            tracing::info!(ms = pending.started.elapsed().as_millis() as u64, "short-term search index built");
        }
    }

    /// Publishes a catalog with every change committed since the current one, if there is any; returns the
    /// companies that changed (None inside: all may have), or None when nothing was published.
    async fn publish_pending(&self) -> anyhow::Result<Option<Option<std::collections::BTreeSet<i64>>>> {
        let current = self.catalog();
        let update = if self.reload_requested.load(std::sync::atomic::Ordering::SeqCst) {
            crate::catalog::follow::load(&self.pool).await?
        } else {
            match crate::catalog::follow::catch_up(&self.pool, &current).await? {
                Some(update) => update,
                None => return Ok(None),
            }
        };
        // The search index first: a page rendered from the new catalog may search at once.
        crate::db::search::sync(&self.pool, &update.catalog, update.companies.as_ref()).await?;
        self.catalog.store(Arc::new(update.catalog));
        // After the store: a page rendered from the old catalog can no longer enter the cache.
        self.page_cache.invalidate();
        self.reload_requested.store(false, std::sync::atomic::Ordering::SeqCst);
        self.published.send_modify(|n| *n += 1);
        Ok(Some(update.companies))
    }
}

/// A short-term index being built for the catalog `from`, and the companies changed since.
struct PendingIndex {
    from: Arc<Catalog>,
    task: tokio::task::JoinHandle<crate::catalog::search::ShortTermIndex>,
    touched: std::collections::BTreeSet<i64>,
    started: std::time::Instant,
}

pub fn router(state: AppState) -> Router {
    let front_door =
        crate::web::front::FrontDoorLayer::new(&state.settings, state.in_flight.clone(), state.requests.clone());
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::web::origin::same_scheme))
        .with_state(state)
        // Outermost: request id and log span, host check, load shedding, error pages, security headers.
        .layer(front_door)
}
