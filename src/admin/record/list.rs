//! Lists of an entity's entries: search, filters, order and pages, and the options a select offers.

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqliteConnection, SqlitePool};

use super::*;
use crate::admin::spec::{Entity, Kind};

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
            entity.fields.iter().filter(|f| matches!(f.kind, Kind::Line | Kind::Slug)).map(|f| f.column).collect();
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
        query.page.saturating_sub(1).max(0).saturating_mul(query.per_page)
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
    let start = query.page.saturating_sub(1).max(0).saturating_mul(query.per_page) as usize;
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
