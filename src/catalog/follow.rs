//! Following the database: the change log (`db::changes`) says which rows changed since the catalog's
//! `through`; those rows are read in one snapshot and applied (`build`), so a catalog always shows the database
//! as it stood at one commit, and catalogs only move forward. Whoever wrote the change — this process, the
//! command line, another server on the same file, SQL typed by hand — it arrives the same way.

use std::collections::BTreeSet;
use std::sync::Arc;

use sqlx::SqlitePool;

use super::Catalog;
use super::load::{self, Touched};
use crate::db::{self, BadRow, changes::Change};

/// More changes than this waiting: reading everything is cheaper than following them one by one.
pub const FULL_LOAD_PAST: i64 = 20_000;

/// A new catalog and what changed to make it.
pub struct Update {
    pub catalog: Catalog,
    /// Companies whose entries changed (None: all may have).
    pub companies: Option<BTreeSet<i64>>,
    pub problems: Vec<BadRow>,
}

/// Reads the whole catalog: the same application of changes as [`catch_up`], to an empty catalog. Rows that
/// cannot be read or built are reported and left out; only an unreadable database fails.
pub async fn load(pool: &SqlitePool) -> anyhow::Result<Update> {
    load_deferring(pool, usize::MAX).await
}

/// [`load`] for a first start: past `defer_past` companies the search index is left pending, to be built
/// once the server answers ([`Catalog::with_search_index`]).
pub async fn load_deferring(pool: &SqlitePool, defer_past: usize) -> anyhow::Result<Update> {
    let empty = Arc::new(Catalog::empty());
    read_and_apply(pool, &empty, None, defer_past).await?.ok_or_else(|| anyhow::anyhow!("a full load read nothing"))
}

/// `current` brought up to the newest commit; None when nothing changed since it was made.
pub async fn catch_up(pool: &SqlitePool, current: &Arc<Catalog>) -> anyhow::Result<Option<Update>> {
    read_and_apply(pool, current, Some(current.through), usize::MAX).await
}

async fn read_and_apply(
    pool: &SqlitePool,
    base: &Arc<Catalog>,
    after: Option<i64>,
    defer_past: usize,
) -> anyhow::Result<Option<Update>> {
    // One read transaction: the change list and every row read belong to the same commit.
    let mut tx = pool.begin().await?;
    let (touched, through) = match after {
        None => (Touched::everything(), db::changes::latest(&mut *tx).await?),
        Some(after) => {
            let changes = db::changes::since(&mut *tx, after, FULL_LOAD_PAST + 1).await?;
            let Some(last) = changes.last() else { return Ok(None) };
            // A first id past the next one means the log was pruned past this catalog: start again.
            if changes[0].id != after + 1 || changes.len() as i64 > FULL_LOAD_PAST {
                (Touched::everything(), db::changes::latest(&mut *tx).await?)
            } else {
                let revisions: Vec<i64> =
                    changes.iter().filter(|c| c.entity == "revision").map(|c| c.entity_id).collect();
                let revised = if revisions.is_empty() {
                    Vec::new()
                } else {
                    db::changes::revised_entries(&mut *tx, &revisions).await?
                };
                (touched_by(&changes, &revised), last.id)
            }
        }
    };
    let full = touched.full;
    let started = std::time::Instant::now();
    let mut loaded = load::read(&mut tx, touched, base).await?;
    loaded.defer_search_index = full && loaded.companies.len() > defer_past;
    tx.rollback().await?;
    let read = started.elapsed();
    let companies = (!full).then(|| loaded.touched.companies.clone());
    let base = if full { Arc::new(Catalog::empty()) } else { base.clone() };
    let (catalog, problems) = tokio::task::spawn_blocking(move || base.apply(loaded, through)).await?;
    tracing::debug!(
        through,
        full,
        read_ms = read.as_millis() as u64,
        apply_ms = (started.elapsed() - read).as_millis() as u64,
        "catalog caught up"
    );
    Ok(Some(Update { catalog, companies, problems }))
}

/// What a run of changes touches. `revised` are the entries the run's revisions are about (entity key, id):
/// a revision dates its entry.
pub fn touched_by(changes: &[Change], revised: &[(String, i64)]) -> Touched {
    let mut touched = Touched::default();
    for c in changes {
        match c.entity.as_str() {
            "company" => {
                touched.companies.insert(c.entity_id);
            }
            "milestone" => {
                touched.milestones.insert(c.entity_id);
            }
            "award" => {
                touched.awards.insert(c.entity_id);
            }
            "revision" => touched.revisions = true,
            _ => touched.small = true,
        }
    }
    for (entity, id) in revised {
        match entity.as_str() {
            "companies" => touched.companies.insert(*id),
            "milestones" => touched.milestones.insert(*id),
            "awards" => touched.awards.insert(*id),
            _ => {
                touched.small = true;
                false
            }
        };
    }
    touched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: i64, entity: &str, entity_id: i64) -> Change {
        Change { id, entity: entity.into(), entity_id }
    }

    #[test]
    fn changes_touch_their_tables_and_revisions_their_entries() {
        let changes =
            [change(1, "company", 7), change(2, "revision", 40), change(3, "sector", 2), change(4, "award", 9)];
        let t = touched_by(&changes, &[("milestones".into(), 5), ("companies".into(), 8)]);
        assert_eq!(t.companies, BTreeSet::from([7, 8]));
        assert_eq!(t.milestones, BTreeSet::from([5]));
        assert_eq!(t.awards, BTreeSet::from([9]));
        assert!(t.small && t.revisions && !t.full);
        let t = touched_by(&[change(1, "company", 7)], &[]);
        assert!(!t.small && !t.revisions);
    }
}
