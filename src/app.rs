//! Wiring: the state over a database, the background tasks that keep it current, and the router with every
//! layer in one readable place. Handlers and layers live in `web`; the domain (`catalog`, `admin`, `db`)
//! knows nothing of either.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use sqlx::SqlitePool;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::catalog::live::Live;
use crate::config::Settings;
use crate::web::AppState;
use crate::web::cache::PageCache;
use crate::web::public::data::OpenData;

/// How often the running server drops sign-in attempts past their keeping time.
pub const PRUNE_ATTEMPTS_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Past this many companies, the first load leaves the search index to the publisher, so the
/// site answers seconds sooner (searches read every company until it is built).
const DEFER_INDEX_PAST: usize = 20_000;

/// Opens (creating, migrating and seeding if needed) the database and starts a state over it.
pub async fn open(database: &Path) -> anyhow::Result<AppState> {
    let pool = crate::db::open(database).await?;
    start(pool, Settings::for_database(database)).await
}

/// State over an open, migrated pool: loads the catalog (rows that cannot be read are reported and left
/// out), starts the publisher that keeps it in step with the database, the task that builds the
/// open-data files and the mail sender (stop it with `state.mailer.stop()`).
pub async fn start(pool: SqlitePool, settings: Settings) -> anyhow::Result<AppState> {
    let started = std::time::Instant::now();
    let loaded = crate::catalog::follow::load_deferring(&pool, DEFER_INDEX_PAST).await?;
    let catalog_ms = started.elapsed().as_millis() as u64;
    if !loaded.problems.is_empty() {
        tracing::warn!(
            rows = loaded.problems.len(),
            "rows left out of the public site; `park-portal check` lists them"
        );
    }
    tracing::info!(
        companies = loaded.catalog.companies.len(),
        catalog_ms,
        total_ms = started.elapsed().as_millis() as u64,
        "catalog loaded"
    );
    // The rows read are dropped: return their memory before the search index and the open-data files are built
    // on top (the process's peak resident size is what a host must provide).
    crate::memory::give_back_freed();
    tower_sessions_sqlx_store::SqliteStore::new(pool.clone()).migrate().await?;
    crate::admin::accounts::prune_attempts(&pool).await?;
    crate::admin::proposals::erase_personal_data(&pool).await?;
    let open_data = OpenData::new(&settings.open_data_dir).with_context(|| {
        format!("cannot create a folder for the open-data files in {}", settings.open_data_dir.display())
    })?;
    let delivery = crate::mail::Delivery::for_settings(&settings);
    let mailer = crate::mail::Mailer::new(pool.clone(), delivery, &settings.mail_from)?;
    match mailer.delivery() {
        crate::mail::Delivery::Smtp(url) => tracing::info!(server = %url, "mail goes out through SMTP"),
        crate::mail::Delivery::Folder(dir) => {
            tracing::info!(outbox = %dir.display(), "no --smtp-url: mail is written to the outbox folder")
        }
    }
    let state = AppState::new(crate::web::state::Shared {
        pool,
        live: Arc::new(Live::new(loaded.catalog)),
        page_cache: Arc::new(PageCache::new(settings.page_cache)),
        in_flight: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency.max(1))),
        requests: Arc::new(crate::web::front::first_request_id()),
        open_data: Arc::new(open_data),
        mailer,
        settings: Arc::new(settings),
    });
    let page_cache = state.page_cache.clone();
    tokio::spawn(state.live.clone().publish_forever(state.pool.clone(), move || page_cache.invalidate()));
    crate::web::public::data::spawn_builder(state.clone());
    // Detached like the publisher: `Mailer::stop` ends it at shutdown, after the message in hand.
    drop(state.mailer.spawn_sender());
    Ok(state)
}

/// Keeps the sign-in log bounded and visitors' contact details within their keeping time while the server runs:
/// prunes every [`PRUNE_ATTEMPTS_EVERY`] (a timer, never per attempt or suggestion, so a flood cannot make each
/// one scan a table). Abort it at shutdown.
pub fn spawn_attempt_pruning(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_ATTEMPTS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate, and `start` pruned already.
        every.tick().await;
        loop {
            every.tick().await;
            state.prune_expired().await;
        }
    })
}

/// Every route and every layer. Layers run outside in: the last added sees a request first.
pub fn router(state: AppState) -> Router {
    use crate::web::{admin, cache, public};
    let front_door = crate::web::front::FrontDoorLayer::new(
        &state.settings,
        state.in_flight.clone(),
        state.requests.clone(),
        state.page_cache.clone(),
    );
    let public = public::cached_pages()
        .layer(from_fn_with_state(state.clone(), cache::serve_cached))
        // Large, on disk already and built in the background: served from their files, outside the cache.
        .merge(public::data_files())
        .layer(from_fn(cache::redirect_to_canonical));
    let admin = admin::pages()
        .layer(DefaultBodyLimit::max(admin::MAX_FORM_BYTES))
        // On a shared computer, the back button after signing out must not show what staff saw.
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .merge(admin::media())
        .layer(admin::sessions(&state))
        // An admin request not answered in time (a form or upload sent too slowly) gets 408. Public pages read
        // no body and render from memory, so they carry no timer.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.settings.request_timeout));
    Router::new()
        .merge(public)
        // Visitors' forms: no canonical redirect (their `?sent=1` is theirs) and never cached.
        .merge(crate::web::public::forms())
        .merge(admin)
        .merge(crate::web::assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { crate::web::error::AppError::NotFound })
        // inside the front door, so a panic is answered with the same styled 500 page
        .layer(CatchPanicLayer::custom(crate::web::panic_response))
        // State-changing requests from other sites are refused (Sec-Fetch-Site / Origin against Host).
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(from_fn_with_state(state.clone(), crate::web::origin::same_scheme))
        .with_state(state)
        // Outermost: request id and log span, host check, load shedding, error pages, security headers.
        .layer(front_door)
}
