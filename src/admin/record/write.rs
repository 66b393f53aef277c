//! Writes: create, update and delete, each checked (version, unique values, references) and recorded.

use serde_json::Value;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqliteConnection, SqlitePool};

use super::revisions::record_revision;
use super::*;
use crate::admin::spec::Entity;

/// The first unique column whose new value another row of the entity holds already (`id`: the row being
/// saved, None for a new one). Asked inside the write's transaction, which holds the write lock, so no other
/// save can take the value between this check and the write. The schema's own constraint stays as the
/// backstop; its error names no constraint on SQLite, so the check comes first and names the column.
async fn taken_column(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: Option<i64>,
    values: &Values,
) -> sqlx::Result<Option<&'static str>> {
    for &column in entity.unique {
        let Some(value) = values.get(column).filter(|v| !v.is_null()) else { continue };
        if holder(tx, entity, column, value).await?.is_some_and(|holder| Some(holder) != id) {
            return Ok(Some(column));
        }
    }
    Ok(None)
}

/// The entry that holds `value` in the unique `column`, if any.
pub async fn holder(
    conn: &mut SqliteConnection,
    entity: &Entity,
    column: &str,
    value: &Value,
) -> sqlx::Result<Option<i64>> {
    debug_assert!(entity.unique.contains(&column), "{column} is not a unique column of {}", entity.key);
    let mut args = SqliteArguments::default();
    bind(&mut args, value)?;
    let sql = format!("select id from {} where {column} = ?", entity.table);
    sqlx::query_scalar_with(&sql, args).fetch_optional(&mut *conn).await
}

pub(super) async fn write_links(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: i64,
    values: &Values,
) -> sqlx::Result<()> {
    for link in entity.links {
        let Some(ids) = values.get(link.name).and_then(Value::as_array) else { continue };
        sqlx::query(&format!("delete from {} where {} = ?", link.join_table, link.own_column))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for other in ids.iter().filter_map(Value::as_i64) {
            sqlx::query(&format!(
                "insert into {} ({}, {}) values (?, ?)",
                link.join_table, link.own_column, link.other_column
            ))
            .bind(id)
            .bind(other)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// The stored columns `values` sets (links are written separately); columns it leaves out stay as they are.
fn field_values<'a>(entity: &'a Entity, values: &'a Values) -> impl Iterator<Item = (&'static str, &'a Value)> + 'a {
    stored_columns(entity).filter_map(move |c| values.get(c).map(|v| (c, v)))
}

pub(super) async fn insert_row(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: Option<i64>,
    values: &Values,
) -> Result<i64, SaveError> {
    let mut args = SqliteArguments::default();
    let mut cols = Vec::new();
    if let Some(id) = id {
        cols.push("id");
        args.add(id).map_err(sqlx::Error::Encode)?;
    }
    for (column, value) in field_values(entity, values) {
        cols.push(column);
        bind(&mut args, value)?;
    }
    if let Some(column) = taken_column(tx, entity, id, values).await? {
        return Err(SaveError::Duplicate { column: column.to_string() });
    }
    let placeholders = vec!["?"; cols.len()].join(", ");
    let sql = format!("insert into {} ({}) values ({placeholders}) returning id", entity.table, cols.join(", "));
    Ok(sqlx::query_scalar_with::<_, i64, _>(&sql, args).fetch_one(&mut *tx).await?)
}

/// Creates an entry and its first revision. Returns its id.
pub async fn create(pool: &SqlitePool, entity: &Entity, values: &Values, username: &str) -> Result<i64, SaveError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let id = create_in(&mut tx, entity, values, username).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`create`] inside a transaction the caller owns (an import writes many rows in one).
pub async fn create_in(
    tx: &mut SqliteConnection,
    entity: &Entity,
    values: &Values,
    username: &str,
) -> Result<i64, SaveError> {
    let id = insert_row(tx, entity, None, values).await?;
    write_links(tx, entity, id, values).await?;
    let after = load(tx, entity, id).await?.ok_or(SaveError::NotFound)?;
    record_revision(tx, entity, id, "create", username, None, Some(&after.values)).await?;
    Ok(id)
}

pub(super) async fn update_row(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: i64,
    version: Option<i64>,
    values: &Values,
) -> Result<(), SaveError> {
    let mut args = SqliteArguments::default();
    let mut sets = Vec::new();
    for (column, value) in field_values(entity, values) {
        sets.push(format!("{column} = ?"));
        bind(&mut args, value)?;
    }
    // Listed with the fields so a change of links alone still moves the version.
    sets.push("version = version + 1".to_string());
    sets.push("updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')".to_string());
    args.add(id).map_err(sqlx::Error::Encode)?;
    let mut sql = format!("update {} set {} where id = ?", entity.table, sets.join(", "));
    if let Some(version) = version {
        sql.push_str(" and version = ?");
        args.add(version).map_err(sqlx::Error::Encode)?;
    }
    if let Some(column) = taken_column(tx, entity, Some(id), values).await? {
        return Err(SaveError::Duplicate { column: column.to_string() });
    }
    let result = sqlx::query_with(&sql, args).execute(&mut *tx).await?;
    // Exactly the row meant: zero means the version moved on (or the row went away).
    if result.rows_affected() != 1 {
        return match load(tx, entity, id).await? {
            Some(current) => Err(SaveError::Conflict { current: Box::new(current) }),
            None => Err(SaveError::NotFound),
        };
    }
    write_links(tx, entity, id, values).await?;
    Ok(())
}

/// Saves an edit made from `version`; a stale version is a [`SaveError::Conflict`], never an overwrite.
/// Columns and links that `values` leaves out keep what is stored.
pub async fn update(
    pool: &SqlitePool,
    entity: &Entity,
    id: i64,
    version: i64,
    values: &Values,
    username: &str,
) -> Result<(), SaveError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    update_in(&mut tx, entity, id, version, values, username).await?;
    tx.commit().await?;
    Ok(())
}

/// [`update`] inside a transaction the caller owns (an import writes many rows in one).
pub async fn update_in(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: i64,
    version: i64,
    values: &Values,
    username: &str,
) -> Result<(), SaveError> {
    let before = load(tx, entity, id).await?.ok_or(SaveError::NotFound)?;
    if before.version != version {
        return Err(SaveError::Conflict { current: Box::new(before) });
    }
    update_row(tx, entity, id, Some(version), values).await?;
    let after = load(tx, entity, id).await?.ok_or(SaveError::NotFound)?;
    if after.values != before.values {
        record_revision(tx, entity, id, "update", username, Some(&before.values), Some(&after.values)).await?;
    }
    Ok(())
}

/// What refers to an entry: (label of the referring kind, names of the referring rows).
pub async fn referrers(
    pool: &SqlitePool,
    entity: &Entity,
    id: i64,
) -> sqlx::Result<Vec<(crate::admin::spec::Label, Vec<String>)>> {
    let mut out = Vec::new();
    for r in entity.referrers {
        let sql = format!("select cast({} as text) from {} where {} = ? limit 20", r.title_column, r.table, r.column);
        let names: Vec<(Option<String>,)> = sqlx::query_as(&sql).bind(id).fetch_all(pool).await?;
        if !names.is_empty() {
            out.push((r.label, names.into_iter().map(|(n,)| n.unwrap_or_default()).collect()));
        }
    }
    Ok(out)
}

async fn is_referred(tx: &mut SqliteConnection, entity: &Entity, id: i64) -> sqlx::Result<bool> {
    for r in entity.referrers {
        let sql = format!("select exists (select 1 from {} where {} = ?)", r.table, r.column);
        if sqlx::query_scalar::<_, bool>(&sql).bind(id).fetch_one(&mut *tx).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub async fn delete_in(
    tx: &mut SqliteConnection,
    entity: &Entity,
    id: i64,
    action: &str,
    username: &str,
) -> Result<(), SaveError> {
    let before = load(tx, entity, id).await?.ok_or(SaveError::NotFound)?;
    if is_referred(tx, entity, id).await? {
        return Err(SaveError::Referred);
    }
    for link in entity.links {
        sqlx::query(&format!("delete from {} where {} = ?", link.join_table, link.own_column))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let done = sqlx::query(&format!("delete from {} where id = ?", entity.table)).bind(id).execute(&mut *tx).await?;
    if done.rows_affected() != 1 {
        return Err(SaveError::NotFound);
    }
    record_revision(tx, entity, id, action, username, Some(&before.values), None).await?;
    Ok(())
}

/// Deletes an entry nothing refers to, keeping its values in a revision so it can be restored.
pub async fn delete(pool: &SqlitePool, entity: &Entity, id: i64, username: &str) -> Result<(), SaveError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    delete_in(&mut tx, entity, id, "delete", username).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets (or, with `None`, clears) a file column — a company's logo, a phase's site plan — as an edit from
/// `version` with its own revision; other columns stay untouched.
pub async fn set_file(
    pool: &SqlitePool,
    entity: &Entity,
    id: i64,
    version: i64,
    column: &str,
    path: Option<&str>,
    username: &str,
) -> Result<(), SaveError> {
    // Only stored columns are written: a column missing from the spec would be dropped without a word.
    debug_assert!(entity.upload_columns.contains(&column), "{column} is not an upload column of {}", entity.key);
    let mut change = Values::new();
    change.insert(column.to_string(), path.map(Value::from).unwrap_or(Value::Null));
    update(pool, entity, id, version, &change, username).await
}
