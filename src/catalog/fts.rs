//! The company search index (FTS5, trigram) and its query. The documents come from
//! [`crate::catalog::Company::search_document`]; see [`crate::catalog::search`] for how terms are matched.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use sqlx::SqlitePool;

use super::Catalog;

/// A search never returns more than this many companies (a bound on work, far above a directory's size).
pub const MAX_HITS: i64 = 5_000;

fn hash(doc: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    doc.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Brings the index in line with the catalog for the given companies (None: all), and records that it shows
/// the catalog's change `through`. Returns how many companies were written.
pub async fn sync(pool: &SqlitePool, catalog: &Catalog, companies: Option<&BTreeSet<i64>>) -> sqlx::Result<usize> {
    let written = match companies {
        None => sync_index(pool, catalog).await?,
        Some(ids) if ids.is_empty() => 0,
        Some(ids) => sync_some(pool, catalog, ids).await?,
    };
    sqlx::query("update search_synced set through = max(through, ?) where id = 1")
        .bind(catalog.through)
        .execute(pool)
        .await?;
    Ok(written)
}

/// At start: a full pass when the index may be behind the catalog (changes were made while no server ran).
pub async fn sync_at_start(pool: &SqlitePool, catalog: &Catalog) -> sqlx::Result<usize> {
    let synced: Option<i64> =
        sqlx::query_scalar("select through from search_synced where id = 1").fetch_optional(pool).await?;
    if synced == Some(catalog.through) {
        return Ok(0);
    }
    sync(pool, catalog, None).await
}

/// Re-indexes the given companies (deleting the ones that are gone), in one transaction.
async fn sync_some(pool: &SqlitePool, catalog: &Catalog, ids: &BTreeSet<i64>) -> sqlx::Result<usize> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for &id in ids {
        match catalog.company(id) {
            Some(c) => {
                let doc = c.search_document();
                let digest = hash(&doc);
                write_doc(&mut tx, id, &doc, &digest).await?;
            }
            None => drop_doc(&mut tx, id).await?,
        }
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// Puts a company's document in the index (replacing any it had) with its digest.
async fn write_doc(tx: &mut sqlx::SqliteConnection, id: i64, doc: &str, digest: &str) -> sqlx::Result<()> {
    sqlx::query("delete from company_search where rowid = ?").bind(id).execute(&mut *tx).await?;
    sqlx::query("insert into company_search (rowid, doc) values (?, ?)").bind(id).bind(doc).execute(&mut *tx).await?;
    sqlx::query(
        "insert into company_search_state (company_id, doc_hash) values (?, ?)
         on conflict (company_id) do update set doc_hash = excluded.doc_hash",
    )
    .bind(id)
    .bind(digest)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Takes a company that is gone out of the index.
async fn drop_doc(tx: &mut sqlx::SqliteConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("delete from company_search where rowid = ?").bind(id).execute(&mut *tx).await?;
    sqlx::query("delete from company_search_state where company_id = ?").bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// Brings the whole index in line with the catalog: re-indexes companies whose text changed, drops removed
/// ones. Returns how many rows were written.
async fn sync_index(pool: &SqlitePool, catalog: &Catalog) -> sqlx::Result<usize> {
    let stored: Vec<(i64, String)> =
        sqlx::query_as("select company_id, doc_hash from company_search_state").fetch_all(pool).await?;
    let stored: HashMap<i64, String> = stored.into_iter().collect();
    // IMMEDIATE: take the write lock up front. A deferred transaction whose first statement reads (FTS5 does)
    // and then writes gets SQLITE_BUSY at once, without waiting, when another connection holds the lock:
    // the racing-saves test caught exactly that after a committed save.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut written = 0;
    for c in &catalog.companies {
        let doc = c.search_document();
        let digest = hash(&doc);
        if stored.get(&c.id) == Some(&digest) {
            continue;
        }
        write_doc(&mut tx, c.id, &doc, &digest).await?;
        written += 1;
    }
    let live: HashSet<i64> = catalog.companies.iter().map(|c| c.id).collect();
    for &id in stored.keys().filter(|id| !live.contains(id)) {
        drop_doc(&mut tx, id).await?;
        written += 1;
    }
    tx.commit().await?;
    Ok(written)
}

/// Ids of the companies whose document contains every term (each of three or more characters), as quoted
/// FTS5 phrases: user input never reaches FTS5 syntax unquoted. At most [`MAX_HITS`], unordered.
pub async fn find(pool: &SqlitePool, terms: &[String]) -> sqlx::Result<HashSet<i64>> {
    let expr = terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
    let ids: Vec<(i64,)> = sqlx::query_as("select rowid from company_search where company_search match ? limit ?")
        .bind(expr)
        .bind(MAX_HITS)
        .fetch_all(pool)
        .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}
