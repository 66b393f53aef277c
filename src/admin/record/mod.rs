//! Generic reads and writes of edited entries, driven by [`super::spec`]: one code path for every entity,
//! so every save checks its version, records a revision and can be reverted the same way.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Row, SqliteConnection, SqlitePool};

use super::spec::{Entity, Field, Kind, Label};
use crate::i18n::{Lang, Text};

mod list;
mod revisions;
mod write;

pub use list::{ListQuery, list, list_after, options};
pub use revisions::{Revision, recent_revisions, recently_deleted, revert, revisions};
pub use write::{create, create_in, delete, delete_in, holder, referrers, set_file, update, update_in};

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
    /// The entry's name for lists and messages, in `lang` (falling back to Chinese).
    pub fn title(&self, entity: &Entity, lang: impl std::borrow::Borrow<Lang>) -> String {
        let lang = *lang.borrow();
        let pick = |c: &str| self.values.get(c).and_then(Value::as_str).unwrap_or_default().to_string();
        let (zh, en) = entity.title;
        let english = pick(en);
        if lang.is_en() && !english.is_empty() { english } else { pick(zh) }
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

/// Every stored column of an entity: its form fields, then its upload columns.
fn stored_columns(entity: &Entity) -> impl Iterator<Item = &'static str> {
    entity.fields.iter().map(|f| f.column).chain(entity.upload_columns.iter().copied())
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
    for column in entity.upload_columns {
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

/// How many entries `entity` has.
pub async fn count(pool: &SqlitePool, entity: &Entity) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("select count(*) from {}", entity.table)).fetch_one(pool).await
}

/// The stored path in an entry's upload column (a logo, a site plan), if one is uploaded.
pub async fn upload_path(pool: &SqlitePool, entity: &Entity, id: i64, column: &str) -> sqlx::Result<Option<String>> {
    debug_assert!(entity.upload_columns.contains(&column), "{column} is not an upload column of {}", entity.key);
    let sql = format!("select {column} from {} where id = ?", entity.table);
    Ok(sqlx::query_scalar::<_, Option<String>>(&sql).bind(id).fetch_optional(pool).await?.flatten())
}

/// An entry whose Chinese text has no English beside it yet.
pub struct Untranslated {
    pub id: i64,
    /// Its Chinese title.
    pub title: String,
    /// The English fields left empty.
    pub missing: Vec<Label>,
}

/// Up to `limit` entries of `entity` with a Chinese text and no English one, by id.
pub async fn untranslated(pool: &SqlitePool, entity: &Entity, limit: i64) -> sqlx::Result<Vec<Untranslated>> {
    let pairs: Vec<(&Field, &Field)> = entity.translated_pairs().collect();
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let condition = pairs
        .iter()
        .map(|(zh, en)| format!("({0} <> '' and {1} = '')", zh.column, en.column))
        .collect::<Vec<_>>()
        .join(" or ");
    let columns = pairs.iter().flat_map(|(zh, en)| [zh.column, en.column]).collect::<Vec<_>>().join(", ");
    let sql =
        format!("select id, {}, {columns} from {} where {condition} order by id limit ?", entity.title.0, entity.table);
    let text = |row: &sqlx::sqlite::SqliteRow, column: &str| -> String {
        row.try_get::<Option<String>, _>(column).ok().flatten().unwrap_or_default()
    };
    let mut out = Vec::new();
    for row in sqlx::query(&sql).bind(limit).fetch_all(pool).await? {
        let missing = pairs
            .iter()
            .filter(|(zh, en)| !text(&row, zh.column).is_empty() && text(&row, en.column).is_empty())
            .map(|(_, en)| en.label)
            .collect();
        out.push(Untranslated {
            id: row.try_get(0)?,
            title: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
            missing,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns each entity declares unique are exactly those the schema keeps unique: a unique index the
    /// declaration missed would turn a taken value into a database error instead of a message.
    #[tokio::test]
    async fn declared_unique_columns_match_the_schema() {
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        crate::MIGRATOR.run(&pool).await.unwrap();
        for entity in crate::admin::spec::ENTITIES {
            let indexes: Vec<(String, bool, String)> =
                sqlx::query_as(&format!("select name, \"unique\", origin from pragma_index_list('{}')", entity.table))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let mut in_schema = Vec::new();
            for (index, unique, origin) in indexes {
                if !unique || origin == "pk" {
                    continue;
                }
                let columns: Vec<String> =
                    sqlx::query_scalar(&format!("select name from pragma_index_info('{index}')"))
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                in_schema.extend(columns);
            }
            in_schema.sort();
            let mut declared: Vec<String> = entity.unique.iter().map(|c| c.to_string()).collect();
            declared.sort();
            assert_eq!(declared, in_schema, "unique columns of {}", entity.key);
        }
    }
}
