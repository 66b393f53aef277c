//! References to large entities (see [`Entity::picker`]): finding entries by what staff type, and checking
//! or naming only the ids a request is about, with queries, instead of loading every row of the table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqliteConnection};

use super::spec::{self, Entity, Kind};
use crate::i18n::Lang;

/// At most this many entries are offered for a term (in the form's short list and by the lookup endpoint).
pub const MAX_CANDIDATES: usize = 20;
/// `IN (…)` lists are sent in chunks of this many ids (well under SQLite's limit on parameters).
const CHUNK: usize = 500;

/// An entry as a search offers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    pub id: i64,
    /// Empty for an entity without slugs.
    pub slug: String,
    pub zh: String,
    pub en: String,
}

impl Candidate {
    /// Its name in the page's language (Chinese when there is no English one).
    pub fn name(&self, lang: Lang) -> &str {
        if lang.is_en() && !self.en.is_empty() { &self.en } else { &self.zh }
    }
}

/// What a typed term names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one entry: by its id (`12`, `#12`), its slug, or one of its names in full.
    One(Candidate),
    /// Entries to choose from: several with the same name, or those containing the term. `more` when
    /// further entries match beyond the [`MAX_CANDIDATES`] listed.
    Several { candidates: Vec<Candidate>, more: bool },
    /// Nothing matches.
    Nothing,
}

/// The id a term spells: `12` or `#12`.
fn id_of(term: &str) -> Option<i64> {
    let digits = term.strip_prefix('#').unwrap_or(term).trim();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `term` as a LIKE pattern matching it anywhere, its wildcards escaped with `\`.
fn contains_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Up to `limit` entries of `entity` for `term`, best first, each with its rank: 0 the entry with the id
/// typed (`12`, `#12`), 1 entries whose slug or one of whose names is the term (ASCII case ignored), 2
/// entries with the term in a name or the slug, in the entity's order. Three queries rather than one
/// ranked one: the id and the slug are indexed, and the substring scan runs in the order of the names'
/// index (migration 0006) and stops at `limit` matches, so a common term does not rank the whole table.
async fn search(
    conn: &mut SqliteConnection,
    entity: &Entity,
    term: &str,
    limit: usize,
) -> sqlx::Result<Vec<(Candidate, i64)>> {
    let names = entity.picker.map(|p| p.names).unwrap_or(&[]);
    let (zh, en) = entity.title;
    let has_slug = entity.field("slug").is_some();
    let select = format!("select id, {}, {zh}, {en} from {}", if has_slug { "slug" } else { "''" }, entity.table);
    let mut found: Vec<(Candidate, i64)> = Vec::new();
    let add = |rows: Vec<(i64, String, String, String)>, rank: i64, found: &mut Vec<(Candidate, i64)>| {
        for (id, slug, zh, en) in rows {
            if found.len() < limit && !found.iter().any(|(c, _)| c.id == id) {
                found.push((Candidate { id, slug, zh, en }, rank));
            }
        }
    };
    if let Some(id) = id_of(term) {
        let rows = sqlx::query_as(&format!("{select} where id = ?")).bind(id).fetch_all(&mut *conn).await?;
        add(rows, 0, &mut found);
    }
    // ?1: the term.
    let exact: Vec<String> = names
        .iter()
        .map(|c| format!("{c} = ?1 collate nocase"))
        .chain(has_slug.then(|| "slug = lower(?1)".to_string()))
        .collect();
    if !exact.is_empty() {
        let sql = format!("{select} where {} order by {} limit {limit}", exact.join(" or "), entity.order_by);
        let rows = sqlx::query_as(&sql).bind(term).fetch_all(&mut *conn).await?;
        add(rows, 1, &mut found);
    }
    // ?1: the term as a LIKE pattern (ASCII case ignored, as LIKE does).
    let within: Vec<String> =
        names.iter().copied().chain(has_slug.then_some("slug")).map(|c| format!("{c} like ?1 escape '\\'")).collect();
    if found.len() < limit && !within.is_empty() {
        // Enough rows to fill the list even when some were found above already.
        let sql = format!("{select} where {} order by {} limit {}", within.join(" or "), entity.order_by, limit * 2);
        let rows = sqlx::query_as(&sql).bind(contains_pattern(term)).fetch_all(&mut *conn).await?;
        add(rows, 2, &mut found);
    }
    Ok(found)
}

/// Entries for a lookup as staff type (the combobox): at most [`MAX_CANDIDATES`], best first.
pub async fn lookup(conn: &mut SqliteConnection, entity: &Entity, term: &str) -> sqlx::Result<Vec<Candidate>> {
    let term = term.trim();
    if term.is_empty() {
        return Ok(Vec::new());
    }
    Ok(search(conn, entity, term, MAX_CANDIDATES).await?.into_iter().map(|(c, _)| c).collect())
}

/// What `term` names among `entity`'s entries.
pub async fn resolve(conn: &mut SqliteConnection, entity: &Entity, term: &str) -> sqlx::Result<Resolution> {
    let term = term.trim();
    if term.is_empty() {
        return Ok(Resolution::Nothing);
    }
    let found = search(conn, entity, term, MAX_CANDIDATES + 1).await?;
    let best = found.first().map(|(_, rank)| *rank);
    let of_rank = |rank: i64| found.iter().filter(|(_, r)| *r == rank).map(|(c, _)| c.clone()).collect::<Vec<_>>();
    Ok(match best {
        None => Resolution::Nothing,
        // An id or a full name names an entry; two entries with the same name need a choice.
        Some(rank @ (0 | 1)) => {
            let mut exact = of_rank(rank);
            if exact.len() == 1 {
                Resolution::One(exact.remove(0))
            } else {
                let more = exact.len() > MAX_CANDIDATES;
                exact.truncate(MAX_CANDIDATES);
                Resolution::Several { candidates: exact, more }
            }
        }
        // Part of a name: offered, never chosen without asking.
        Some(_) => {
            let more = found.len() > MAX_CANDIDATES;
            let candidates = found.into_iter().take(MAX_CANDIDATES).map(|(c, _)| c).collect();
            Resolution::Several { candidates, more }
        }
    })
}

/// The entry with this id, if it exists.
pub async fn by_id(conn: &mut SqliteConnection, entity: &Entity, id: i64) -> sqlx::Result<Option<Candidate>> {
    let (zh, en) = entity.title;
    let slug = if entity.field("slug").is_some() { "slug" } else { "''" };
    let sql = format!("select id, {slug}, {zh}, {en} from {} where id = ?", entity.table);
    let row: Option<(i64, String, String, String)> = sqlx::query_as(&sql).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|(id, slug, zh, en)| Candidate { id, slug, zh, en }))
}

fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// (Chinese, English) titles of the rows of `entity` with these ids; ids that do not exist are left out.
pub async fn titles(
    conn: &mut SqliteConnection,
    entity: &Entity,
    ids: &BTreeSet<i64>,
) -> sqlx::Result<HashMap<i64, (String, String)>> {
    let (zh, en) = entity.title;
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!("select id, {zh}, {en} from {} where id in ({})", entity.table, in_list(chunk.len()));
        let mut args = SqliteArguments::default();
        for id in chunk {
            args.add(*id).map_err(sqlx::Error::Encode)?;
        }
        let rows: Vec<(i64, String, String)> = sqlx::query_as_with(&sql, args).fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|(id, zh, en)| (id, (zh, en))));
    }
    Ok(out)
}

/// Which of `ids` exist as rows of `entity`.
pub async fn existing(conn: &mut SqliteConnection, entity: &Entity, ids: &BTreeSet<i64>) -> sqlx::Result<HashSet<i64>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!("select id from {} where id in ({})", entity.table, in_list(chunk.len()));
        let mut args = SqliteArguments::default();
        for id in chunk {
            args.add(*id).map_err(sqlx::Error::Encode)?;
        }
        let rows: Vec<i64> = sqlx::query_scalar_with(&sql, args).fetch_all(&mut *conn).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Ids wanted per referenced entity key.
pub type Wanted = BTreeMap<&'static str, BTreeSet<i64>>;

/// The ids that `raw` values of `entity`'s reference fields spell (what a form or a CSV row holds), per
/// referenced entity: what to check with [`known`].
pub fn referenced_ids<'a>(entity: &Entity, raws: impl IntoIterator<Item = (&'a str, &'a str)>, wanted: &mut Wanted) {
    for (column, raw) in raws {
        let Some(field) = entity.field(column) else { continue };
        let Kind::Reference(target) = field.kind else { continue };
        if let Ok(id) = raw.trim().parse::<i64>() {
            wanted.entry(target).or_default().insert(id);
        }
    }
}

/// Of the wanted ids, those that exist, per entity: the `KnownIds` the field rules check references with.
pub async fn known(conn: &mut SqliteConnection, wanted: &Wanted) -> sqlx::Result<BTreeMap<&'static str, HashSet<i64>>> {
    let mut out = BTreeMap::new();
    for (key, ids) in wanted {
        let Some(entity) = spec::entity(key) else { continue };
        out.insert(entity.key, existing(conn, entity, ids).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_terms_are_taken_literally() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(contains_pattern("长光"), "%长光%");
    }

    #[test]
    fn ids_are_typed_with_or_without_a_hash() {
        assert_eq!(id_of("12"), Some(12));
        assert_eq!(id_of("#12"), Some(12));
        assert_eq!(id_of("# 12"), Some(12));
        assert_eq!(id_of("12a"), None);
        assert_eq!(id_of("#"), None);
        assert_eq!(id_of("长光"), None);
    }
}
