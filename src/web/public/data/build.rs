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

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use axum::http::HeaderValue;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use sqlx::SqliteConnection;
use tokio::sync::watch;

use super::records::{
    AwardRecord, BuildingRecord, CompanyRecord, CompetitionRecord, DesignationRecord, Header, MilestoneRecord,
    PhaseRecord, SectorRecord,
};
use super::{Dataset, Format, http_date, now};
use crate::admin::csv::{self as admin_csv, CsvLinks};
use crate::admin::record::{self, Record};
use crate::admin::spec::{AWARDS, COMPANIES, COMPETITIONS, Entity, PHASES, SECTORS};
use crate::app::AppState;
use crate::catalog::Catalog;
use crate::web::cache::Digest;

/// Bytes handed to the file (and the gzip encoder and the digest) at a time.
const WRITE_BUFFER: usize = 256 * 1024;
/// CSV rows read from the database at a time.
const CSV_BATCH: i64 = 500;
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
    paused: AtomicU64,
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

pub fn spawn_builder(state: AppState) {
    tokio::spawn(async move {
        let mut published = state.published.subscribe();
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
    let cat = state.catalog();
    // From here on, an error drops the generation, and with it the folder.
    let mut generation = Generation {
        publication,
        last_modified: http_date(cat.last_modified()),
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
                let file = write_json(&job_state, &cat, dataset, &generated_at, &path)?;
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

/// Runs `work` on a thread of its own at a lower scheduling priority (nice 10), and waits for it: a build at
/// 100,000 companies takes seconds of a core, and visitors' requests and staff's saves come first. Not the
/// blocking pool: a pooled thread would keep the lower priority for whatever it runs next (a sign-in's hash).
/// The thread starts at once, like `spawn_blocking`, before the returned future is first polled.
fn in_background<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> impl Future<Output = io::Result<T>> {
    let (send, receive) = tokio::sync::oneshot::channel();
    let started = std::thread::Builder::new().name("open-data".into()).spawn(move || {
        lower_priority();
        let _ = send.send(work());
    });
    async move {
        started?;
        receive.await.map_err(|_| io::Error::other("the open-data build thread panicked"))
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority only reads its arguments; on Linux, PRIO_PROCESS with 0 names the calling thread.
    // Raising one's own nice value is always allowed; a failure leaves the thread as it was.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// While visitors keep asking, a build works at most one part in this many of its time.
const YIELD_SHARE: u32 = 5;
/// The longest pause between two chunks of a build.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

/// Paces a build against the visitors. A lower scheduling priority is not enough: on two cores, a build at
/// nice 10 overlapping bench/write_path's reads run still cost the pages about a quarter of their throughput.
/// So between chunks the build looks whether requests came in since the last one, and if so sleeps four times
/// as long as it worked; with nobody asking, it runs flat out.
struct Pace {
    requests: Arc<AtomicU64>,
    seen: u64,
    since: std::time::Instant,
    open_data: Arc<OpenData>,
}

impl Pace {
    fn new(state: &AppState) -> Pace {
        let requests = state.requests.clone();
        let seen = requests.load(Ordering::Relaxed);
        Pace { requests, seen, since: std::time::Instant::now(), open_data: state.open_data.clone() }
    }

    /// Called after each chunk of work.
    fn step(&mut self) {
        let worked = self.since.elapsed();
        if self.requests.load(Ordering::Relaxed) != self.seen {
            let pause = (worked * (YIELD_SHARE - 1)).min(LONGEST_PAUSE);
            std::thread::sleep(pause);
            self.open_data.paused.fetch_add(pause.as_nanos() as u64, Ordering::Relaxed);
        }
        self.seen = self.requests.load(Ordering::Relaxed);
        self.since = std::time::Instant::now();
    }
}

/// A file being written: the bytes go to the file, to a gzip copy beside it (`….gz`), and to the digest.
struct Sink {
    plain: std::fs::File,
    gz: flate2::write::GzEncoder<BufWriter<std::fs::File>>,
    digest: Digest,
    len: u64,
    pace: Pace,
}

impl Sink {
    fn create(path: &Path, pace: Pace) -> io::Result<Sink> {
        let gz = BufWriter::with_capacity(WRITE_BUFFER / 4, std::fs::File::create(gz_path(path))?);
        Ok(Sink {
            plain: std::fs::File::create(path)?,
            gz: flate2::write::GzEncoder::new(gz, flate2::Compression::default()),
            digest: Digest::new(),
            len: 0,
            pace,
        })
    }

    fn finish(self, path: &Path) -> io::Result<DataFile> {
        let gz = self.gz.finish()?.into_inner().map_err(|e| e.into_error())?;
        Ok(DataFile {
            path: path.to_path_buf(),
            gz_path: gz_path(path),
            len: self.len,
            gz_len: gz.metadata()?.len(),
            digest: self.digest.finish(),
            gz_bytes: tokio::sync::OnceCell::new(),
        })
    }
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.plain.write_all(bytes)?;
        self.gz.write_all(bytes)?;
        self.digest.update(bytes);
        self.len += bytes.len() as u64;
        self.pace.step();
        Ok(bytes.len())
    }

    /// Nothing to do: a flush of the gzip stream mid-file would only make it larger; `finish` ends it.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn gz_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// A sequence serialized from an iterator made on demand: records are made one at a time as they are
/// written, never collected.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Writes one dataset's JSON document (`{"header": …, "<dataset>": [records…], …}`) to `path`.
fn write_json(
    state: &AppState,
    cat: &Catalog,
    dataset: Dataset,
    generated_at: &str,
    path: &Path,
) -> io::Result<DataFile> {
    let mut sink = Sink::create(path, Pace::new(state))?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, &mut sink);
    json_document(&mut serde_json::Serializer::pretty(&mut out), state, cat, dataset, generated_at)
        .map_err(io::Error::other)?;
    out.flush()?;
    drop(out);
    sink.finish(path)
}

fn json_document<S: Serializer>(
    serializer: S,
    state: &AppState,
    cat: &Catalog,
    dataset: Dataset,
    generated_at: &str,
) -> Result<S::Ok, S::Error> {
    let header = Header::of(state, cat, dataset, generated_at.to_string());
    let fields = match dataset {
        Dataset::Companies => 3,
        Dataset::Awards => 3,
        Dataset::Phases => 4,
        Dataset::Sectors => 2,
        Dataset::Competitions => 2,
    };
    let mut file = serializer.serialize_struct("File", fields)?;
    file.serialize_field("header", &header)?;
    match dataset {
        Dataset::Companies => {
            let companies = Seq(|| cat.companies.iter().map(|c| CompanyRecord::of(state, cat, c)));
            file.serialize_field("companies", &companies)?;
            file.serialize_field(
                "designations",
                &Seq(|| cat.designations.iter().map(|d| DesignationRecord::of(cat, d))),
            )?;
        }
        Dataset::Awards => {
            file.serialize_field("awards", &Seq(|| cat.awards.iter().map(|a| AwardRecord::of(cat, a))))?;
            file.serialize_field("competitions", &Seq(|| cat.competitions.iter().map(CompetitionRecord::of)))?;
        }
        Dataset::Phases => {
            file.serialize_field("phases", &Seq(|| cat.phases.iter().map(|p| PhaseRecord::of(state, cat, p))))?;
            file.serialize_field("buildings", &Seq(|| cat.buildings.iter().map(|b| BuildingRecord::of(cat, b))))?;
            file.serialize_field("milestones", &Seq(|| cat.milestones.iter().map(|m| MilestoneRecord::of(m))))?;
        }
        Dataset::Sectors => {
            file.serialize_field("sectors", &Seq(|| cat.sectors.iter().map(|s| SectorRecord::of(state, cat, s))))?;
        }
        Dataset::Competitions => {
            file.serialize_field("competitions", &Seq(|| cat.competitions.iter().map(CompetitionRecord::of)))?;
        }
    }
    file.end()
}

/// A company's product names through its milestone ids: one lookup each, not a scan of every milestone.
/// Writes `entity`'s CSV file (the admin's format, by id) to `path`: rows read a batch at a time in `tx`,
/// written on a blocking thread as they come.
async fn write_csv(
    tx: &mut SqliteConnection,
    entity: &'static Entity,
    path: PathBuf,
    pace: Pace,
) -> anyhow::Result<DataFile> {
    let links = CsvLinks::load(tx, entity).await?;
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<Record>>(2);
    let writer = in_background(move || -> anyhow::Result<DataFile> {
        let mut sink = Sink::create(&path, pace)?;
        let mut csv = admin_csv::start(BufWriter::with_capacity(WRITE_BUFFER, &mut sink), entity)?;
        while let Some(batch) = receive.blocking_recv() {
            admin_csv::write_rows(&mut csv, entity, &links, &batch)?;
        }
        csv.into_inner().map_err(|e| e.into_error())?.flush()?;
        Ok(sink.finish(&path)?)
    });
    let read = async {
        let mut after = i64::MIN;
        loop {
            let batch = record::list_after(&mut *tx, entity, after, CSV_BATCH).await?;
            let Some(last) = batch.last() else { return Ok::<_, sqlx::Error>(()) };
            after = last.id;
            if send.send(batch).await.is_err() {
                return Ok(()); // the writer stopped: its error says why
            }
        }
    }
    .await;
    drop(send);
    let written = writer.await??;
    read?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Works for a moment: what a build does between two chunks.
    fn work() {
        let until = std::time::Instant::now() + Duration::from_millis(3);
        while std::time::Instant::now() < until {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn a_build_pauses_only_while_requests_come_in_and_counts_its_pauses() {
        let folder = tempfile::tempdir().unwrap();
        let open_data = Arc::new(OpenData::new(folder.path()).unwrap());
        let requests = Arc::new(AtomicU64::new(7));
        let mut pace = Pace {
            requests: requests.clone(),
            seen: 7,
            since: std::time::Instant::now(),
            open_data: open_data.clone(),
        };
        let paused = || Duration::from_nanos(open_data.paused.load(Ordering::SeqCst));
        // Nobody asking: flat out.
        work();
        pace.step();
        assert_eq!(paused(), Duration::ZERO);
        // A request came in: the build pauses four times the work since the last chunk, at most LONGEST_PAUSE.
        work();
        requests.fetch_add(1, Ordering::Relaxed);
        pace.step();
        let first = paused();
        assert!(first >= Duration::from_millis(3 * 4) && first <= LONGEST_PAUSE, "{first:?}");
        // Quiet again: no more pauses.
        work();
        pace.step();
        assert_eq!(paused(), first);
    }
}
