//! Online backup and integrity checks of the database file.

use std::path::Path;

use anyhow::{Context, bail};
use sqlx::SqlitePool;

/// Writes a consistent copy of the database to `target` while the server may be running (`VACUUM INTO` reads
/// one snapshot), then flushes it to disk. Refuses to overwrite an existing file.
pub async fn backup(pool: &SqlitePool, target: &Path) -> anyhow::Result<()> {
    if target.exists() {
        bail!("{} already exists; choose a new file", target.display());
    }
    let path = target.to_str().context("the backup path is not valid UTF-8")?;
    sqlx::query("vacuum into ?").bind(path).execute(pool).await.context("cannot write the backup")?;
    std::fs::File::open(target)?.sync_all()?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` report; empty when the file is sound.
pub async fn check(pool: &SqlitePool) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let integrity: Vec<(String,)> = sqlx::query_as("pragma integrity_check").fetch_all(pool).await?;
    problems.extend(integrity.into_iter().map(|(line,)| line).filter(|line| line != "ok"));
    let foreign: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("pragma foreign_key_check").fetch_all(pool).await?;
    problems.extend(
        foreign
            .into_iter()
            .map(|(table, row, parent, _)| format!("{table} row {} refers to a missing {parent}", row.unwrap_or(-1))),
    );
    Ok(problems)
}
