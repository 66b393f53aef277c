//! Revisions: every write's before and after, the history they make, and undoing one of them.

use sqlx::{SqliteConnection, SqlitePool};

use super::write::{delete_in, insert_row, update_row, write_links};
use super::*;
use crate::admin::spec::Entity;
use crate::i18n::Text;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub username: String,
    pub created_at: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The company editor whose proposal this revision applied (read by [`revisions`] only).
    #[sqlx(default)]
    pub proposer: Option<String>,
    /// That proposal's kind: `edit` (an editor's) or `suggestion` (a visitor's).
    #[sqlx(default)]
    pub proposal_kind: Option<String>,
}

impl Revision {
    pub fn before(&self) -> Option<Values> {
        self.before_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }

    pub fn after(&self) -> Option<Values> {
        self.after_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }
}

pub(super) async fn record_revision(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: i64,
    action: &str,
    username: &str,
    before: Option<&Values>,
    after: Option<&Values>,
) -> sqlx::Result<()> {
    let json = |v: Option<&Values>| v.map(|v| serde_json::to_string(v).unwrap_or_default());
    sqlx::query(
        "insert into revision (entity, entity_id, action, username, before_json, after_json) values (?, ?, ?, ?, ?, ?)",
    )
    .bind(entity.key)
    .bind(id)
    .bind(action)
    .bind(username)
    .bind(json(before))
    .bind(json(after))
    .execute(&mut *tx)
    .await?;
    // The values stay in the revision table; the log says who changed what.
    tracing::info!(entity = entity.key, id, action, username, "revision recorded");
    Ok(())
}

pub async fn revisions(pool: &SqlitePool, entity: &Entity, id: i64) -> sqlx::Result<Vec<Revision>> {
    sqlx::query_as(
        "select r.*, p.proposer, p.kind as proposal_kind from revision r left join proposal p on p.id = r.proposal_id
         where r.entity = ? and r.entity_id = ? order by r.id desc",
    )
    .bind(entity.key)
    .bind(id)
    .fetch_all(pool)
    .await
}

/// The latest revisions of `entity`'s entries that are deleted now (their newest revision deleted them), newest
/// first: what the list offers to restore.
pub async fn recently_deleted(pool: &SqlitePool, entity: &Entity, limit: i64) -> sqlx::Result<Vec<Revision>> {
    sqlx::query_as(
        "select * from revision r where entity = ? and action in ('delete', 'revert') and after_json is null
           and id = (select max(id) from revision where entity = r.entity and entity_id = r.entity_id)
         order by id desc limit ?",
    )
    .bind(entity.key)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn recent_revisions(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<Revision>> {
    sqlx::query_as("select * from revision order by id desc limit ?").bind(limit).fetch_all(pool).await
}

/// Undoes revision `revision_id` of an entry, as a new revision: an edit is rolled back to the values before
/// it, a creation is undone by deleting, a deletion by restoring the entry under its old id.
pub async fn revert(
    pool: &SqlitePool,
    entity: &Entity,
    id: i64,
    revision_id: i64,
    username: &str,
) -> Result<(), SaveError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let revision: Revision = sqlx::query_as("select * from revision where id = ? and entity = ? and entity_id = ?")
        .bind(revision_id)
        .bind(entity.key)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(SaveError::NotFound)?;
    let current = load(&mut tx, entity, id).await?;
    match (revision.before(), current) {
        // An edit (or an earlier revert): put the values before it back.
        (Some(before), Some(current)) => {
            update_row(&mut tx, entity, id, None, &before).await?;
            let after = load(&mut tx, entity, id).await?.ok_or(SaveError::NotFound)?;
            record_revision(&mut tx, entity, id, "revert", username, Some(&current.values), Some(&after.values))
                .await?;
        }
        // A deletion: bring the entry back.
        (Some(before), None) => {
            insert_row(&mut tx, entity, Some(id), &before).await?;
            write_links(&mut tx, entity, id, &before).await.map_err(|_| {
                SaveError::Invalid(Text::new("所链接的条目已不存在。", "An entry it was linked to no longer exists."))
            })?;
            let after = load(&mut tx, entity, id).await?.ok_or(SaveError::NotFound)?;
            record_revision(&mut tx, entity, id, "restore", username, None, Some(&after.values)).await?;
        }
        // A creation: undo it by deleting.
        (None, Some(_)) => delete_in(&mut tx, entity, id, "revert", username).await?,
        (None, None) => return Err(SaveError::NotFound),
    }
    tx.commit().await?;
    Ok(())
}
