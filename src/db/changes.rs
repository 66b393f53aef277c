//! The change log (`change_log`, migration 0005): every change to a public row, appended by triggers in the
//! change's own transaction, in commit order. The catalog follows it (see `crate::catalog::follow`).

use sqlx::{FromRow, SqliteExecutor};

/// One logged change: which row of which table (a link row is logged as its company, a revision as
/// `revision`).
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
}

/// The newest change id (0 when nothing was ever logged).
pub async fn latest(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("select coalesce(max(id), 0) from change_log").fetch_one(db).await
}

/// Up to `limit` changes after `after`, oldest first.
pub async fn since(db: impl SqliteExecutor<'_>, after: i64, limit: i64) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as("select id, entity, entity_id from change_log where id > ? order by id limit ?")
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The entries the given revisions are about: (entity key such as `companies`, id).
pub async fn revised_entries(db: impl SqliteExecutor<'_>, revision_ids: &[i64]) -> sqlx::Result<Vec<(String, i64)>> {
    let json = serde_json::to_string(revision_ids).unwrap_or_else(|_| "[]".into());
    sqlx::query_as("select entity, entity_id from revision where id in (select value from json_each(?))")
        .bind(json)
        .fetch_all(db)
        .await
}

/// Drops changes at or before `through`, keeping the newest `keep` of them: a follower that fell further
/// behind finds a gap and loads in full. Returns how many were dropped.
pub async fn prune(db: impl SqliteExecutor<'_>, through: i64, keep: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("delete from change_log where id <= ?").bind(through - keep).execute(db).await?;
    Ok(done.rows_affected())
}
