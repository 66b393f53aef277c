//! The company search index (FTS5, trigram) and the search query.
//!
//! The index holds, per company: its names, every pinyin spelling of its Chinese names (see
//! [`crate::catalog::pinyin`]), its product names, and its descriptions — all lower-cased, since `instr`
//! (used for terms too short for trigrams) is case-sensitive.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::catalog::{Catalog, pinyin};

/// Searches never return more than this many companies (a bound on work, far above the directory's size).
pub const MAX_HITS: i64 = 5_000;

struct Doc {
    names: String,
    pinyin: String,
    products: String,
    body: String,
}

impl Doc {
    fn of(cat: &Catalog, c: &crate::catalog::Company) -> Doc {
        let names = [&c.name.zh, &c.name.en, &c.legal_name.zh, &c.legal_name.en]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let mut spellings: Vec<String> = Vec::new();
        for name in [&c.name.zh, &c.legal_name.zh] {
            for s in pinyin::search_spellings(name) {
                if !spellings.contains(&s) {
                    spellings.push(s);
                }
            }
        }
        let body = [&c.description.zh, &c.description.en, &c.highlights.zh, &c.highlights.en]
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Doc {
            names: names.to_lowercase(),
            pinyin: spellings.join(" "),
            products: cat.products_of(c).join(" ").to_lowercase(),
            body: body.to_lowercase(),
        }
    }

    fn hash(&self) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.names, &self.pinyin, &self.products, &self.body).hash(&mut h);
        format!("{:016x}", h.finish())
    }
}

/// Brings the index in line with the catalog: re-indexes companies whose text changed, drops removed ones.
/// Returns how many rows were written.
pub async fn sync_index(pool: &SqlitePool, cat: &Catalog) -> sqlx::Result<usize> {
    let stored: Vec<(i64, String)> =
        sqlx::query_as("select company_id, doc_hash from company_search_state").fetch_all(pool).await?;
    let stored: std::collections::HashMap<i64, String> = stored.into_iter().collect();
    let mut tx = pool.begin().await?;
    let mut written = 0;
    for c in &cat.companies {
        let doc = Doc::of(cat, c);
        let hash = doc.hash();
        if stored.get(&c.id) == Some(&hash) {
            continue;
        }
        sqlx::query("delete from company_search where rowid = ?").bind(c.id).execute(&mut *tx).await?;
        sqlx::query("insert into company_search (rowid, names, pinyin, products, body) values (?, ?, ?, ?, ?)")
            .bind(c.id)
            .bind(&doc.names)
            .bind(&doc.pinyin)
            .bind(&doc.products)
            .bind(&doc.body)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into company_search_state (company_id, doc_hash) values (?, ?)
             on conflict (company_id) do update set doc_hash = excluded.doc_hash",
        )
        .bind(c.id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        written += 1;
    }
    let live: HashSet<i64> = cat.companies.iter().map(|c| c.id).collect();
    for id in stored.keys().filter(|id| !live.contains(id)) {
        sqlx::query("delete from company_search where rowid = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("delete from company_search_state where company_id = ?").bind(id).execute(&mut *tx).await?;
        written += 1;
    }
    tx.commit().await?;
    Ok(written)
}

/// Ids of the companies matching every whitespace-separated term of `q`.
///
/// Terms of three or more characters go to FTS5 as quoted phrases (trigram substring match; user input never
/// reaches FTS5 syntax unquoted). Shorter terms — 1–2 Chinese characters, pinyin initials — match by
/// substring over the same columns, since trigrams cannot.
pub async fn find(pool: &SqlitePool, q: &str) -> sqlx::Result<HashSet<i64>> {
    let q = q.to_lowercase();
    let terms: Vec<&str> = q.split_whitespace().collect();
    if terms.is_empty() {
        return Ok(HashSet::new());
    }
    let (long, short): (Vec<&str>, Vec<&str>) = terms.into_iter().partition(|t| t.chars().count() >= 3);
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new("select rowid from company_search where 1");
    if !long.is_empty() {
        let expr = long.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        sql.push(" and company_search match ").push_bind(expr);
    }
    for term in short {
        sql.push(" and (");
        for (i, column) in ["names", "pinyin", "products", "body"].iter().enumerate() {
            if i > 0 {
                sql.push(" or ");
            }
            sql.push(format!("instr({column}, ")).push_bind(term.to_string()).push(") > 0");
        }
        sql.push(")");
    }
    sql.push(" limit ").push_bind(MAX_HITS);
    let ids: Vec<(i64,)> = sql.build_query_as().fetch_all(pool).await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}
