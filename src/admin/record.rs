//! Generic reads and writes of edited entries, driven by [`super::spec`]: one code path for every entity,
//! so every save checks its version, records a revision and can be reverted the same way.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Row, SqliteConnection, SqlitePool};

use super::spec::{Entity, Kind};
use crate::i18n::Text;

/// Field and link values by column (links: arrays of ids). What forms produce, rows hold, and revisions keep.
pub type Values = BTreeMap<String, Value>;

#[derive(Debug, Clone)]
pub struct Record {
    pub id: i64,
    pub version: i64,
    pub updated_at: String,
    pub values: Values,
}

impl Record {
    /// The entry's name for lists and messages, in `zh` or `en` (falling back to Chinese).
    pub fn title(&self, entity: &Entity, en: bool) -> String {
        let pick = |c: &str| self.values.get(c).and_then(Value::as_str).unwrap_or_default().to_string();
        let (zh, en_col) = entity.title;
        let english = pick(en_col);
        if en && !english.is_empty() { english } else { pick(zh) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone saved since this form was loaded; `current` is what is stored now.
    #[error("the entry changed since it was loaded")]
    Conflict { current: Box<Record> },
    /// A unique column (a slug, a phase number) already holds this value.
    #[error("{column} is already used")]
    Duplicate { column: String },
    #[error("no such entry")]
    NotFound,
    /// Other rows refer to the entry; deleting it would orphan them.
    #[error("the entry is referred to")]
    Referred,
    #[error("cannot restore: {}", .0.en)]
    Invalid(Text),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

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
}

impl Revision {
    pub fn before(&self) -> Option<Values> {
        self.before_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }

    pub fn after(&self) -> Option<Values> {
        self.after_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }
}

/// Every stored column of an entity: its form fields, then its hidden columns.
fn stored_columns(entity: &Entity) -> impl Iterator<Item = &'static str> {
    entity.fields.iter().map(|f| f.column).chain(entity.hidden.iter().copied())
}

fn columns(entity: &Entity) -> String {
    stored_columns(entity).collect::<Vec<_>>().join(", ")
}

/// A column's value as SQLite holds it, whatever the column was meant to hold: a row written by hand (a
/// fraction in a year, bytes in a name) still opens in the admin, where the form's rules refuse it on save and
/// staff can correct it.
fn stored_value(row: &sqlx::sqlite::SqliteRow, column: &str) -> sqlx::Result<Value> {
    use sqlx::{Decode, TypeInfo, ValueRef};
    let raw = row.try_get_raw(column)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let decode_error = |e| sqlx::Error::ColumnDecode { index: column.to_string(), source: e };
    Ok(match raw.type_info().name() {
        "INTEGER" => Value::from(<i64 as Decode<sqlx::Sqlite>>::decode(raw).map_err(decode_error)?),
        "REAL" => {
            let real = <f64 as Decode<sqlx::Sqlite>>::decode(raw).map_err(decode_error)?;
            serde_json::Number::from_f64(real).map(Value::Number).unwrap_or(Value::Null)
        }
        "BLOB" => {
            let bytes = <Vec<u8> as Decode<sqlx::Sqlite>>::decode(raw).map_err(decode_error)?;
            Value::from(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => Value::from(<String as Decode<sqlx::Sqlite>>::decode(raw).map_err(decode_error)?),
    })
}

fn read_row(entity: &Entity, row: &sqlx::sqlite::SqliteRow) -> sqlx::Result<Record> {
    let mut values = Values::new();
    for f in entity.fields {
        let value = match (f.kind, stored_value(row, f.column)?) {
            (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_f64().unwrap_or(0.0) != 0.0),
            (Kind::Bool, Value::Null) => Value::Bool(false),
            (_, value) => value,
        };
        values.insert(f.column.to_string(), value);
    }
    for column in entity.hidden {
        values.insert(column.to_string(), stored_value(row, column)?);
    }
    Ok(Record {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        values,
    })
}

pub async fn load(conn: &mut SqliteConnection, entity: &Entity, id: i64) -> sqlx::Result<Option<Record>> {
    let sql = format!("select id, version, updated_at, {} from {} where id = ?", columns(entity), entity.table);
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut record = read_row(entity, &row)?;
    for link in entity.links {
        let sql = format!(
            "select {} from {} where {} = ? order by {}",
            link.other_column, link.join_table, link.own_column, link.other_column
        );
        let ids: Vec<(i64,)> = sqlx::query_as(&sql).bind(id).fetch_all(&mut *conn).await?;
        record.values.insert(link.name.to_string(), Value::from(ids.into_iter().map(|(i,)| i).collect::<Vec<_>>()));
    }
    Ok(Some(record))
}

/// One page of an entity's list.
pub struct ListQuery<'a> {
    pub q: &'a str,
    /// (column, value) equality filters on reference and choice columns.
    pub filters: Vec<(&'static str, String)>,
    pub sort: Option<(&'static str, bool)>,
    pub page: i64,
    /// Rows per page; `-1` for every row (SQLite's "no limit"), as an export wants.
    pub per_page: i64,
    /// Orders the rows by this rank of their id (lowest first; `desc` in `sort` reverses) instead of by SQL:
    /// an order SQLite does not know, such as Chinese names by pinyin. Ids without a rank come last.
    pub rank: Option<&'a (dyn Fn(i64) -> Option<u32> + Sync)>,
}

/// The `where` clause of a list's search and filters, with its arguments.
fn list_filter(entity: &Entity, query: &ListQuery<'_>) -> sqlx::Result<(String, SqliteArguments<'static>)> {
    let mut conditions = Vec::new();
    let mut args = SqliteArguments::default();
    if !query.q.is_empty() {
        let searchable: Vec<&str> =
            entity.fields.iter().filter(|f| matches!(f.kind, Kind::Text | Kind::Slug)).map(|f| f.column).collect();
        conditions.push(format!(
            "({})",
            searchable.iter().map(|c| format!("instr(lower({c}), lower(?)) > 0")).collect::<Vec<_>>().join(" or ")
        ));
        for _ in &searchable {
            args.add(query.q.to_string()).map_err(sqlx::Error::Encode)?;
        }
    }
    for (column, value) in &query.filters {
        if value.is_empty() {
            conditions.push(format!("{column} is null"));
        } else {
            conditions.push(format!("{column} = ?"));
            args.add(value.clone()).map_err(sqlx::Error::Encode)?;
        }
    }
    let filter = if conditions.is_empty() { String::new() } else { format!(" where {}", conditions.join(" and ")) };
    Ok((filter, args))
}

pub async fn list(pool: &SqlitePool, entity: &Entity, query: &ListQuery<'_>) -> sqlx::Result<(Vec<Record>, i64)> {
    let (filter, args) = list_filter(entity, query)?;
    if let Some(rank) = query.rank.filter(|_| query.per_page > 0) {
        return list_ranked(pool, entity, query, &filter, args, rank).await;
    }
    let order = match query.sort {
        Some((column, desc)) => format!("{column} {}, id", if desc { "desc" } else { "asc" }),
        None => entity.order_by.to_string(),
    };
    let count_sql = format!("select count(*) from {}{filter}", entity.table);
    let total: i64 = sqlx::query_scalar_with(&count_sql, args.clone()).fetch_one(pool).await?;
    let sql = format!(
        "select id, version, updated_at, {} from {}{filter} order by {order} limit {} offset {}",
        columns(entity),
        entity.table,
        query.per_page,
        (query.page - 1).max(0) * query.per_page
    );
    let rows = sqlx::query_with(&sql, args).fetch_all(pool).await?;
    let records = rows.iter().map(|r| read_row(entity, r)).collect::<sqlx::Result<Vec<_>>>()?;
    Ok((records, total))
}

/// A page of [`list`] in the order of `rank`: the matching ids (the index only), ordered here, then that
/// page's rows. A sort SQLite would run would compute every name's pinyin, again and again.
async fn list_ranked(
    pool: &SqlitePool,
    entity: &Entity,
    query: &ListQuery<'_>,
    filter: &str,
    args: SqliteArguments<'static>,
    rank: &(dyn Fn(i64) -> Option<u32> + Sync),
) -> sqlx::Result<(Vec<Record>, i64)> {
    // One row holding every id: sqlx hands rows over one at a time, which for a whole table costs more
    // than the sort.
    let sql = format!("select json_group_array(id) from {}{filter}", entity.table);
    let ids: String = sqlx::query_scalar_with(&sql, args).fetch_one(pool).await?;
    let ids: Vec<i64> = serde_json::from_str(&ids).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let mut ranked: Vec<(u32, i64)> = ids.into_iter().map(|id| (rank(id).unwrap_or(u32::MAX), id)).collect();
    ranked.sort_unstable();
    if query.sort.is_some_and(|(_, desc)| desc) {
        ranked.reverse();
    }
    let total = ranked.len() as i64;
    let start = ((query.page - 1).max(0) * query.per_page) as usize;
    let page: Vec<i64> = ranked.iter().skip(start).take(query.per_page as usize).map(|(_, id)| *id).collect();
    if page.is_empty() {
        return Ok((Vec::new(), total));
    }
    let sql = format!(
        "select id, version, updated_at, {} from {} where id in ({})",
        columns(entity),
        entity.table,
        page.iter().map(|_| "?").collect::<Vec<_>>().join(", ")
    );
    let mut select = sqlx::query(&sql);
    for id in &page {
        select = select.bind(id);
    }
    let mut records =
        select.fetch_all(pool).await?.iter().map(|r| read_row(entity, r)).collect::<sqlx::Result<Vec<_>>>()?;
    records.sort_by_key(|r| page.iter().position(|id| *id == r.id));
    Ok((records, total))
}

/// Up to `limit` rows of `entity` with an id above `after`, by id: an export of any size read a batch at a time
/// (in a transaction, the batches are one snapshot).
pub async fn list_after(
    conn: &mut SqliteConnection,
    entity: &Entity,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Record>> {
    let sql = format!(
        "select id, version, updated_at, {} from {} where id > ? order by id limit ?",
        columns(entity),
        entity.table
    );
    let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(|r| read_row(entity, r)).collect()
}

/// (id, title) of every row of `entity`, for select boxes and for naming referenced rows.
pub async fn options(pool: &SqlitePool, entity: &Entity) -> sqlx::Result<Vec<(i64, String, String)>> {
    let (zh, en) = entity.title;
    let sql = format!("select id, {zh}, {en} from {} order by {}", entity.table, entity.order_by);
    sqlx::query_as(&sql).fetch_all(pool).await
}

fn bind(args: &mut SqliteArguments<'_>, value: &Value) -> sqlx::Result<()> {
    match value {
        Value::Null => args.add(Option::<String>::None),
        Value::Bool(b) => args.add(i64::from(*b)),
        Value::Number(n) => args.add(n.as_i64()),
        Value::String(s) => args.add(s.clone()),
        other => args.add(other.to_string()),
    }
    .map_err(sqlx::Error::Encode)
}

fn duplicate_column(err: &sqlx::Error, entity: &Entity) -> Option<String> {
    let db = err.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    // SQLite says "UNIQUE constraint failed: company.slug".
    let message = db.message();
    entity
        .fields
        .iter()
        .find(|f| message.contains(&format!("{}.{}", entity.table, f.column)))
        .map(|f| f.column.to_string())
}

async fn write_links(tx: &mut SqliteConnection, entity: &Entity, id: i64, values: &Values) -> sqlx::Result<()> {
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

async fn record_revision(
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

/// The stored columns `values` sets (links are written separately); columns it leaves out stay as they are.
fn field_values<'a>(entity: &'a Entity, values: &'a Values) -> impl Iterator<Item = (&'static str, &'a Value)> + 'a {
    stored_columns(entity).filter_map(move |c| values.get(c).map(|v| (c, v)))
}

async fn insert_row(
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
    let placeholders = vec!["?"; cols.len()].join(", ");
    let sql = format!("insert into {} ({}) values ({placeholders}) returning id", entity.table, cols.join(", "));
    match sqlx::query_scalar_with::<_, i64, _>(&sql, args).fetch_one(&mut *tx).await {
        Ok(id) => Ok(id),
        Err(err) => Err(match duplicate_column(&err, entity) {
            Some(column) => SaveError::Duplicate { column },
            None => SaveError::Database(err),
        }),
    }
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

async fn update_row(
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
    let result =
        sqlx::query_with(&sql, args).execute(&mut *tx).await.map_err(|err| match duplicate_column(&err, entity) {
            Some(column) => SaveError::Duplicate { column },
            None => SaveError::Database(err),
        })?;
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
) -> sqlx::Result<Vec<(super::spec::Label, Vec<String>)>> {
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

async fn delete_in(
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

pub async fn revisions(pool: &SqlitePool, entity: &Entity, id: i64) -> sqlx::Result<Vec<Revision>> {
    sqlx::query_as("select * from revision where entity = ? and entity_id = ? order by id desc")
        .bind(entity.key)
        .bind(id)
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
    debug_assert!(entity.hidden.contains(&column), "{column} is not a hidden column of {}", entity.key);
    let mut change = Values::new();
    change.insert(column.to_string(), path.map(Value::from).unwrap_or(Value::Null));
    update(pool, entity, id, version, &change, username).await
}
