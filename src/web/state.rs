//! What every handler reads: the database, the settings, the live catalog and what is derived from it.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use sqlx::SqlitePool;

use crate::catalog::Catalog;
use crate::catalog::live::Live;
use crate::config::Settings;
use crate::web::cache::PageCache;
use crate::web::public::data::OpenData;

/// Cloned for every request (each layer with state and the handler take a copy): one shared pointer, so a
/// copy is one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub pool: SqlitePool,
    pub settings: Arc<Settings>,
    /// The public read model and its publisher.
    pub live: Arc<Live>,
    /// Rendered public pages; emptied whenever a catalog is published.
    pub page_cache: Arc<PageCache>,
    /// Permits for requests in flight (`Settings::max_concurrency`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Requests the front door let in (the next request id): background work yields while it moves.
    pub requests: Arc<AtomicU64>,
    /// The open-data files, rebuilt in the background after each publication.
    pub open_data: Arc<OpenData>,
    /// Outgoing mail: queue with `crate::mail::enqueue` in the write's transaction, then `mailer.wake()`.
    pub mailer: crate::mail::Mailer,
}

impl AppState {
    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        self.settings.absolute(path)
    }

    /// The current catalog (cheap: an atomic load of an `Arc`).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.live.current()
    }

    /// After a committed write: waits until the catalog shows it (see [`Live::settle`]).
    pub async fn settle(&self) {
        self.live.settle(&self.pool).await;
    }

    /// Reads the whole catalog again and waits for it (see [`Live::reload_all`]).
    pub async fn reload_all(&self) {
        self.live.reload_all().await;
    }

    /// Drops what is kept only for a time: sign-in attempts past the audit trail's days, visitors' contact
    /// emails and addresses past theirs (the suggestions stay), and entry applicants' personal data past
    /// `--application-retention-days` (the applications stay, anonymised). A failure is logged and the next pass
    /// tries again. Returns how many sign-in attempts were dropped.
    pub async fn prune_expired(&self) -> u64 {
        let days = self.settings.application_retention_days;
        match crate::admin::applications::anonymise_expired(&self.pool, days).await {
            Ok(0) => {}
            Ok(anonymised) => tracing::info!(anonymised, days, "anonymised entry applications past their keeping time"),
            Err(err) => tracing::warn!(error = %err, "cannot anonymise old entry applications"),
        }
        match crate::admin::proposals::erase_personal_data(&self.pool).await {
            Ok(0) => {}
            Ok(erased) => tracing::info!(erased, "erased visitors' contact details past their keeping time"),
            Err(err) => tracing::warn!(error = %err, "cannot erase visitors' old contact details"),
        }
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
}
