//! The open-data files, built in the background once per catalog publication, never by a request.
//!
//! A task subscribed to [`AppState::published`] builds the files (`/data/*.json`, `/data/*.csv`) after each
//! publication: the JSON from the catalog and the CSV from the database, streamed to disk with a gzip copy and
//! a digest written alongside, in bounded memory and off the async runtime's workers. The new set is then
//! swapped in whole. Publications that arrive during a build are coalesced: the next build takes the newest
//! catalog, and an older catalog is never built after a newer one.
//!
//! Files live in a folder of this process's own (`.open-data-XXXX` beside the database), one subfolder per
//! generation; a generation's subfolder is removed once it is swapped out and no response streams from it.

use std::io::{self};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use axum::http::HeaderValue;
use tokio::sync::watch;

use super::write::{Pace, in_background, write_csv, write_json};
use super::{Dataset, Format, now};
use crate::admin::spec::{AWARDS, COMPANIES, COMPETITIONS, PHASES, SECTORS, UNITS};
use crate::web::AppState;
use crate::web::cache::http_date;

/// After a failed build (disk full, database busy), try again this much later unless a publication comes first.
const RETRY: Duration = Duration::from_secs(10);

/// One file of a generation as written: its identity and gzip copies, their sizes, and the digest of the
/// identity bytes (the ETag).
#[derive(Debug)]
pub struct DataFile {
    pub path: PathBuf,
    pub gz_path: PathBuf,
    pub len: u64,
    pub gz_len: u64,
    pub digest: String,
    /// The gzip copy, read into memory on first request when small (see `serve`).
    pub gz_bytes: tokio::sync::OnceCell<axum::body::Bytes>,
}

/// The files built from one catalog, each dataset as JSON and as CSV. Its folder is deleted when the last
/// holder lets go: the set of current files, or a response still streaming one of them.
#[derive(Debug)]
pub struct Generation {
    /// The publication (value of [`AppState::published`]) this was built after.
    pub publication: u64,
    /// The catalog's last change, as an HTTP date.
    pub last_modified: Option<HeaderValue>,
    /// `generated_at` in the JSON files' header.
    pub generated_at: String,
    dir: PathBuf,
    files: Vec<(Dataset, Format, DataFile)>,
}

impl Generation {
    pub fn file(&self, dataset: Dataset, format: Format) -> Option<&DataFile> {
        self.files.iter().find(|(d, f, _)| (*d, *f) == (dataset, format)).map(|(_, _, file)| file)
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        let dir = std::mem::take(&mut self.dir);
        let remove = move || {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                // A build cancelled at shutdown, its thread still writing: the next start removes the folder.
                Err(err) if err.kind() == io::ErrorKind::DirectoryNotEmpty => {
                    tracing::debug!(error = %err, dir = %dir.display(), "open-data files still being written")
                }
                Err(err) => tracing::warn!(error = %err, dir = %dir.display(), "cannot remove old open-data files"),
            }
        };
        // Unlinking a large file takes a moment: not on a runtime worker.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(remove)),
            Err(_) => remove(),
        }
    }
}

/// The current open-data files and what the builder has done.
pub struct OpenData {
    /// Declared before `root`: generations are dropped (their folders removed) before the root goes.
    current: ArcSwapOption<Generation>,
    /// The publication the current generation was built after; `None` before the first build.
    built: watch::Sender<Option<u64>>,
    builds: AtomicU64,
    next_generation: AtomicU64,
    /// Nanoseconds the current build paused for visitors ([`Pace`]): not counted as its work.
    pub(super) paused: AtomicU64,
    /// Held locked while this process lives: how another process tells this folder is in use.
    _lock: std::fs::File,
    root: tempfile::TempDir,
}

/// The name of every process's open-data folder starts so.
const FOLDER_PREFIX: &str = ".open-data-";
const LOCK_FILE: &str = "lock";

impl OpenData {
    /// An empty set, its files to live in a new folder of this process's own inside `parent`.
    /// Folders left by processes that died without cleaning up (killed, crashed) are removed first.
    pub fn new(parent: &Path) -> io::Result<OpenData> {
        std::fs::create_dir_all(parent)?;
        remove_abandoned(parent);
        let root = tempfile::Builder::new().prefix(FOLDER_PREFIX).tempdir_in(parent)?;
        // Locked before it has its name, so no other process ever sees it unlocked while this one lives.
        let lock = std::fs::File::create(root.path().join("lock.new"))?;
        lock.lock()?;
        std::fs::rename(root.path().join("lock.new"), root.path().join(LOCK_FILE))?;
        Ok(OpenData {
            current: ArcSwapOption::empty(),
            built: watch::Sender::new(None),
            builds: AtomicU64::new(0),
            next_generation: AtomicU64::new(1),
            paused: AtomicU64::new(0),
            _lock: lock,
            root,
        })
    }

    /// The files served now, if any were built yet.
    pub fn current(&self) -> Option<Arc<Generation>> {
        self.current.load_full()
    }

    /// How many generations were built (and swapped in) since start.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::SeqCst)
    }

    /// The folder this process keeps its files in.
    pub fn folder(&self) -> &Path {
        self.root.path()
    }

    /// Waits until the files served were built after publication `publication` or a later one.
    pub async fn built_after(&self, publication: u64) {
        let mut built = self.built.subscribe();
        let _ = built.wait_for(|b| b.is_some_and(|b| b >= publication)).await;
    }

    /// The current files, waiting up to `patience` for the first build if none is done yet.
    pub async fn current_within(&self, patience: Duration) -> Option<Arc<Generation>> {
        if let Some(generation) = self.current() {
            return Some(generation);
        }
        let mut built = self.built.subscribe();
        let _ = tokio::time::timeout(patience, built.wait_for(Option::is_some)).await;
        self.current()
    }

    fn install(&self, generation: Generation) {
        let publication = generation.publication;
        // The old generation's folder goes when the last response streaming from it ends.
        self.current.store(Some(Arc::new(generation)));
        self.builds.fetch_add(1, Ordering::SeqCst);
        self.built.send_replace(Some(publication));
    }
}

/// Removes the open-data folders in `parent` whose lock no process holds: their owners are gone. A folder
/// without its lock yet is one being set up, and is left alone.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(FOLDER_PREFIX) {
            continue;
        }
        let folder = entry.path();
        let Ok(lock) = std::fs::File::open(folder.join(LOCK_FILE)) else { continue };
        if lock.try_lock().is_ok() {
            match std::fs::remove_dir_all(&folder) {
                Ok(()) => tracing::info!(folder = %folder.display(), "removed open-data files a stopped process left"),
                Err(err) => {
                    tracing::warn!(error = %err, folder = %folder.display(), "cannot remove old open-data files")
                }
            }
        }
    }
}

/// Starts the builder: it builds the files now, then after every publication, for the runtime's lifetime.
/// A build takes at most one part in this many of the time between builds.
const BUILD_SHARE: u32 = 4;

/// How long the first build waits for the search index of a large directory (see [`spawn_builder`]).
const INDEX_PATIENCE: Duration = Duration::from_secs(60);

pub fn spawn_builder(state: AppState) {
    tokio::spawn(async move {
        // A large directory starts with its search index still to build: build that first, not both at once,
        // so their memory peaks do not add up (bounded, should the index never come).
        let waited = std::time::Instant::now();
        while state.catalog().search.is_pending() && waited.elapsed() < INDEX_PATIENCE {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut published = state.live.subscribe();
        loop {
            // The newest publication: those that came during the last build are built once, together.
            let publication = *published.borrow_and_update();
            let started = std::time::Instant::now();
            state.open_data.paused.store(0, Ordering::SeqCst);
            let go_on = match build(&state, publication).await {
                Ok(generation) => {
                    // The work, without the pauses made for visitors.
                    let paused = Duration::from_nanos(state.open_data.paused.load(Ordering::SeqCst));
                    let took = started.elapsed().saturating_sub(paused);
                    tracing::info!(
                        publication,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        paused_ms = paused.as_millis() as u64,
                        "open-data files built"
                    );
                    state.open_data.install(generation);
                    crate::memory::give_back_freed();
                    let changed = published.changed().await.is_ok();
                    settle_down(&mut published, took).await;
                    // While staff keep saving, build at most a quarter of the time: at 100,000 companies a
                    // build takes seconds of a core that the pages need (the files say how old they are).
                    let rest = (took * BUILD_SHARE).saturating_sub(started.elapsed());
                    tokio::time::sleep(rest).await;
                    changed
                }
                // Shutting down: the pool is closed and nobody will ask for the files.
                Err(_) if state.pool.is_closed() => return,
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), publication, "cannot build the open-data files");
                    tokio::select! {
                        changed = published.changed() => changed.is_ok(),
                        () = tokio::time::sleep(RETRY) => true,
                    }
                }
            };
            if !go_on {
                return;
            }
        }
    });
}

/// Waits for a pause in publications (a burst of saves is built once, after it) as long as twice a build
/// takes, up to one second; but no longer than ten builds' time in all, so files never fall far behind.
async fn settle_down(published: &mut tokio::sync::watch::Receiver<u64>, took: std::time::Duration) {
    let quiet = (took * 2).min(std::time::Duration::from_secs(1));
    let limit = std::time::Instant::now() + took * 10;
    loop {
        tokio::time::sleep(quiet).await;
        if !published.has_changed().unwrap_or(false) || std::time::Instant::now() >= limit {
            return;
        }
        published.borrow_and_update();
    }
}

/// The files of the current catalog and database, in a new generation folder.
async fn build(state: &AppState, publication: u64) -> anyhow::Result<Generation> {
    let open_data = &state.open_data;
    let dir = open_data.root.path().join(open_data.next_generation.fetch_add(1, Ordering::SeqCst).to_string());
    tokio::fs::create_dir(&dir).await?;
    let catalog = state.catalog();
    // From here on, an error drops the generation, and with it the folder.
    let mut generation = Generation {
        publication,
        last_modified: http_date(catalog.last_modified()),
        generated_at: now(),
        dir,
        files: Vec::with_capacity(Dataset::ALL.len() * Format::ALL.len()),
    };

    // The JSON files: CPU only, from the catalog, on a blocking thread.
    let (job_state, job_dir, generated_at) = (state.clone(), generation.dir.clone(), generation.generated_at.clone());
    let json = in_background(move || -> io::Result<Vec<(Dataset, Format, DataFile)>> {
        Dataset::ALL
            .into_iter()
            .map(|dataset| {
                let path = job_dir.join(format!("{}.json", dataset.key()));
                let file = write_json(&job_state, &catalog, dataset, &generated_at, &path)?;
                Ok((dataset, Format::Json, file))
            })
            .collect()
    })
    .await??;
    generation.files.extend(json);
    let json_done = std::time::Instant::now();

    // The CSV files: from the database, all four in one read transaction (one snapshot), read on a background
    // thread too: decoding 100,000 rows into records is a second of CPU that must not compete with requests
    // (the transaction begins here, on the server's runtime, and is carried there).
    let tx = state.pool.begin().await?;
    let dir = generation.dir.clone();
    let paces: Vec<Pace> = Dataset::ALL.iter().map(|_| Pace::new(state)).collect();
    let csv = in_background(move || -> anyhow::Result<Vec<(Dataset, Format, DataFile)>> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            let mut tx = tx;
            let mut files = Vec::with_capacity(Dataset::ALL.len());
            for (dataset, pace) in Dataset::ALL.into_iter().zip(paces) {
                let entity = match dataset {
                    Dataset::Companies => &COMPANIES,
                    Dataset::Awards => &AWARDS,
                    Dataset::Phases => &PHASES,
                    Dataset::Sectors => &SECTORS,
                    Dataset::Competitions => &COMPETITIONS,
                    Dataset::Space => &UNITS,
                };
                let path = dir.join(format!("{}.csv", dataset.key()));
                files.push((dataset, Format::Csv, write_csv(&mut tx, entity, path, pace).await?));
            }
            tx.rollback().await?;
            Ok(files)
        })
    })
    .await??;
    generation.files.extend(csv);
    tracing::debug!(csv_ms = json_done.elapsed().as_millis() as u64, "open-data CSV files written");
    Ok(generation)
}
