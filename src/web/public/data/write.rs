//! Writing one open-data file: JSON from the catalog or CSV from the database, streamed through gzip and a
//! digest to disk on a thread of its own, pausing while visitors' requests come in.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use sqlx::SqliteConnection;

use super::Dataset;
use super::build::{DataFile, OpenData};
use super::records::{
    AwardRecord, BuildingRecord, CompanyRecord, CompetitionRecord, DesignationRecord, Header, MilestoneRecord,
    PhaseRecord, SectorRecord, UnitRecord,
};
use crate::admin::csv::{self as admin_csv, CsvLinks};
use crate::admin::record::{self, Record};
use crate::admin::spec::Entity;
use crate::catalog::Catalog;
use crate::web::AppState;
use crate::web::cache::Digest;

/// Bytes handed to the file (and the gzip encoder and the digest) at a time.
const WRITE_BUFFER: usize = 256 * 1024;
/// CSV rows read from the database at a time.
const CSV_BATCH: i64 = 500;

/// Runs `work` on a thread of its own at a lower scheduling priority (nice 10), and waits for it: a build at
/// 100,000 companies takes seconds of a core, and visitors' requests and staff's saves come first. Not the
/// blocking pool: a pooled thread would keep the lower priority for whatever it runs next (a sign-in's hash).
/// The thread starts at once, like `spawn_blocking`, before the returned future is first polled.
pub(super) fn in_background<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl Future<Output = io::Result<T>> {
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
pub(super) struct Pace {
    requests: Arc<AtomicU64>,
    seen: u64,
    since: std::time::Instant,
    open_data: Arc<OpenData>,
}

impl Pace {
    pub(super) fn new(state: &AppState) -> Pace {
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
pub(super) struct Sink {
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
pub(super) fn write_json(
    state: &AppState,
    catalog: &Catalog,
    dataset: Dataset,
    generated_at: &str,
    path: &Path,
) -> io::Result<DataFile> {
    let mut sink = Sink::create(path, Pace::new(state))?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, &mut sink);
    json_document(&mut serde_json::Serializer::pretty(&mut out), state, catalog, dataset, generated_at)
        .map_err(io::Error::other)?;
    out.flush()?;
    drop(out);
    sink.finish(path)
}

fn json_document<S: Serializer>(
    serializer: S,
    state: &AppState,
    catalog: &Catalog,
    dataset: Dataset,
    generated_at: &str,
) -> Result<S::Ok, S::Error> {
    let header = Header::of(state, catalog, dataset, generated_at.to_string());
    let fields = match dataset {
        Dataset::Companies => 3,
        Dataset::Awards => 3,
        Dataset::Phases => 4,
        Dataset::Sectors => 2,
        Dataset::Competitions => 2,
        Dataset::Space => 2,
    };
    let mut file = serializer.serialize_struct("File", fields)?;
    file.serialize_field("header", &header)?;
    match dataset {
        Dataset::Companies => {
            let companies = Seq(|| catalog.companies.iter().map(|c| CompanyRecord::of(state, catalog, c)));
            file.serialize_field("companies", &companies)?;
            file.serialize_field(
                "designations",
                &Seq(|| catalog.designations.iter().map(|d| DesignationRecord::of(catalog, d))),
            )?;
        }
        Dataset::Awards => {
            file.serialize_field("awards", &Seq(|| catalog.awards.iter().map(|a| AwardRecord::of(catalog, a))))?;
            file.serialize_field("competitions", &Seq(|| catalog.competitions.iter().map(CompetitionRecord::of)))?;
        }
        Dataset::Phases => {
            file.serialize_field("phases", &Seq(|| catalog.phases.iter().map(|p| PhaseRecord::of(state, catalog, p))))?;
            file.serialize_field(
                "buildings",
                &Seq(|| catalog.buildings.iter().map(|b| BuildingRecord::of(catalog, b))),
            )?;
            file.serialize_field("milestones", &Seq(|| catalog.milestones.iter().map(|m| MilestoneRecord::of(m))))?;
        }
        Dataset::Sectors => {
            file.serialize_field(
                "sectors",
                &Seq(|| catalog.sectors.iter().map(|s| SectorRecord::of(state, catalog, s))),
            )?;
        }
        Dataset::Competitions => {
            file.serialize_field("competitions", &Seq(|| catalog.competitions.iter().map(CompetitionRecord::of)))?;
        }
        Dataset::Space => {
            file.serialize_field("units", &Seq(|| catalog.units.iter().map(|u| UnitRecord::of(state, catalog, u))))?;
        }
    }
    file.end()
}

/// A company's product names through its milestone ids: one lookup each, not a scan of every milestone.
/// Writes `entity`'s CSV file (the admin's format, by id) to `path`: rows read a batch at a time in `tx`,
/// written on a blocking thread as they come.
pub(super) async fn write_csv(
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
