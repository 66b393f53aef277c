//! Database access: opening the SQLite file, and one module per table family with plain row structs.
//!
//! Queries use sqlx's runtime-checked `query_as` with `FromRow` rows rather than the compile-time macros: the
//! whole read side is a handful of `select *` loads into the catalog, each exercised by the integration
//! tests, and this keeps the build free of a `DATABASE_URL` or `.sqlx/` snapshot that can drift.

pub mod companies;
pub mod events;
pub mod maintenance;
pub mod park;
pub mod places;
pub mod search;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Opens (creating if missing) the database at `path`, with WAL, full sync and foreign keys, and applies
/// pending migrations — the seed migration included, so a new file holds the park's facts at once.
pub async fn open(path: &Path) -> anyhow::Result<SqlitePool> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {}", path.display()))?;
    verify_settings(&pool).await.with_context(|| format!("database {}", path.display()))?;
    crate::MIGRATOR.run(&pool).await.with_context(|| format!("cannot migrate database {}", path.display()))?;
    Ok(pool)
}

/// Checks that SQLite took the settings durability rests on: asking for WAL on a file system that cannot
/// share memory silently leaves the old journal mode, for one.
async fn verify_settings(pool: &SqlitePool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let journal: String = sqlx::query_scalar("pragma journal_mode").fetch_one(&mut *conn).await?;
    let synchronous: i64 = sqlx::query_scalar("pragma synchronous").fetch_one(&mut *conn).await?;
    let foreign_keys: i64 = sqlx::query_scalar("pragma foreign_keys").fetch_one(&mut *conn).await?;
    let busy_ms: i64 = sqlx::query_scalar("pragma busy_timeout").fetch_one(&mut *conn).await?;
    anyhow::ensure!(journal.eq_ignore_ascii_case("wal"), "journal_mode is {journal}, not WAL");
    anyhow::ensure!(synchronous == 2, "synchronous is {synchronous}, not FULL (2)");
    anyhow::ensure!(foreign_keys == 1, "foreign keys are off");
    anyhow::ensure!(busy_ms >= 5000, "busy_timeout is {busy_ms} ms, under 5 s");
    Ok(())
}
