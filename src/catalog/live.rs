//! The live catalog of a process: the current [`Catalog`], and the publisher that keeps it in step with the
//! database's change log. One publisher per process, so catalogs are published one at a time, in commit order.
//!
//! Knows nothing of pages: whatever is derived from the catalog (cached pages, open-data files) is told
//! through `on_publish` or subscribes to [`Live::subscribe`].

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use sqlx::SqlitePool;
use tokio::sync::{Notify, watch};

use super::Catalog;
use super::search::SearchIndex;

/// How often the publisher looks for changes made by other processes.
const POLL: Duration = Duration::from_millis(200);
/// How long a writer waits for its change to be published before going on anyway.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);
/// Change-log entries kept behind the newest (a follower further behind than this loads in full).
const CHANGES_KEPT: i64 = 10_000;
/// How often the change log is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

pub struct Live {
    /// Replaced whole after each write, so readers never see half an update.
    catalog: ArcSwap<Catalog>,
    /// Counts publications.
    published: watch::Sender<u64>,
    /// Wakes the publisher before its next poll (a write in this process).
    wake: Notify,
    /// Asks the publisher to read everything again (see [`Live::reload_all`]).
    reload_requested: AtomicBool,
}

impl Live {
    pub fn new(catalog: Catalog) -> Live {
        Live {
            catalog: ArcSwap::from_pointee(catalog),
            published: watch::Sender::new(0),
            wake: Notify::new(),
            reload_requested: AtomicBool::new(false),
        }
    }

    /// The current catalog (cheap: an atomic load of an `Arc`).
    pub fn current(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Changes each time a catalog is published.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// How many catalogs were published.
    pub fn publication(&self) -> u64 {
        *self.published.borrow()
    }

    /// Tells subscribers to derive again from the current catalog, as after a publication.
    pub fn republish(&self) {
        self.published.send_modify(|n| *n += 1);
    }

    /// After a committed write: wakes the publisher and waits (at most [`SETTLE_LIMIT`]) until the catalog
    /// shows every change committed so far, so the next page shows the write. Never fails: the write is done
    /// either way, and a late publisher catches up on its own.
    pub async fn settle(&self, pool: &SqlitePool) {
        let target = match crate::db::changes::latest(pool).await {
            Ok(target) => target,
            Err(err) => return tracing::warn!(error = %err, "cannot read the change log after a write"),
        };
        let mut published = self.published.subscribe();
        self.wake.notify_one();
        let caught_up = async {
            while self.current().through < target {
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
        self.reload_requested.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        let done = async {
            while self.reload_requested.load(Ordering::SeqCst) {
                if published.changed().await.is_err() {
                    break;
                }
            }
        };
        if tokio::time::timeout(SETTLE_LIMIT, done).await.is_err() {
            tracing::warn!("the catalog was not reloaded in time");
        }
    }

    /// The publisher: woken by writes here, and polls for writes from elsewhere. `on_publish` runs right
    /// after each new catalog is stored, before anyone waiting is told, and at the park's midnight (pages say
    /// whether an expected date has passed).
    pub async fn publish_forever(self: Arc<Self>, pool: SqlitePool, on_publish: impl Fn() + Send + Sync) {
        let mut pruned_at = Instant::now();
        let mut index = self.start_index_build();
        let mut today = super::park_today();
        // The scheduled post this server last logged as due: logged once, however long the log takes to follow.
        let mut announced: Option<(time::OffsetDateTime, i64)> = None;
        loop {
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            match self.publish_pending(&pool, &on_publish).await {
                Ok(None) => {}
                Ok(Some(touched)) => match (&mut index, touched) {
                    (Some(pending), Some(companies)) => pending.touched.extend(companies),
                    // Everything was read again: whatever is being built is out of date.
                    (Some(_), None) => index = self.start_index_build(),
                    (None, _) => {}
                },
                // Shutting down: the pool is closed, nothing is left to publish to.
                Err(_) if pool.is_closed() => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot publish the latest changes; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            if index.as_ref().is_some_and(|pending| pending.task.is_finished())
                && let Some(pending) = index.take()
            {
                self.install_index(pending).await;
            }
            if super::park_today() != today {
                today = super::park_today();
                on_publish();
            }
            if let Some((at, id)) = self.current().next_post
                && at <= time::OffsetDateTime::now_utc()
                && announced != Some((at, id))
            {
                match crate::db::posts::log_due(&pool, id).await {
                    Ok(()) => {
                        announced = Some((at, id));
                        self.wake.notify_one();
                    }
                    Err(err) => tracing::warn!(error = %err, "cannot publish a scheduled post; trying again"),
                }
            }
            if pruned_at.elapsed() > PRUNE_EVERY {
                pruned_at = Instant::now();
                if let Err(err) = crate::db::changes::prune(&pool, self.current().through, CHANGES_KEPT).await {
                    tracing::warn!(error = %err, "cannot prune the change log");
                }
            }
        }
    }

    /// Starts building the search index the first load left pending, off the runtime and off the
    /// publisher's path (saves go on being published meanwhile).
    fn start_index_build(&self) -> Option<PendingIndex> {
        let from = self.current();
        if !from.search.is_pending() {
            return None;
        }
        let source = from.clone();
        let task = tokio::task::spawn_blocking(move || source.build_search_index());
        Some(PendingIndex { from, task, touched: BTreeSet::new(), started: Instant::now() })
    }

    /// Installs a finished index, brought up to date for the companies changed while it was built.
    async fn install_index(&self, pending: PendingIndex) {
        let index = match pending.task.await {
            Ok(index) => index,
            Err(err) => return tracing::error!(error = %err, "cannot build the search index"),
        };
        let current = self.current();
        if let Some(catalog) = current.with_search_index_from(&pending.from, index, &pending.touched) {
            // Nothing a page or file shows changed (search results are never cached): nobody is told.
            let (grams, bytes) = catalog.search.size();
            self.catalog.store(Arc::new(catalog));
            tracing::info!(ms = pending.started.elapsed().as_millis() as u64, grams, bytes, "search index built");
            crate::memory::give_back_freed();
        }
    }

    /// Publishes a catalog with every change committed since the current one, if there is any; returns the
    /// companies that changed (None inside: all may have), or None when nothing was published.
    async fn publish_pending(
        &self,
        pool: &SqlitePool,
        on_publish: &impl Fn(),
    ) -> anyhow::Result<Option<Option<BTreeSet<i64>>>> {
        let update = if self.reload_requested.load(Ordering::SeqCst) {
            super::follow::load(pool).await?
        } else {
            match super::follow::catch_up(pool, &self.current()).await? {
                Some(update) => update,
                None => return Ok(None),
            }
        };
        self.catalog.store(Arc::new(update.catalog));
        // After the store: whatever was derived from the old catalog is dropped before anyone is told.
        on_publish();
        self.reload_requested.store(false, Ordering::SeqCst);
        self.published.send_modify(|n| *n += 1);
        Ok(Some(update.companies))
    }
}

/// A search index being built for the catalog `from`, and the companies changed since.
struct PendingIndex {
    from: Arc<Catalog>,
    task: tokio::task::JoinHandle<SearchIndex>,
    touched: BTreeSet<i64>,
    started: Instant,
}
