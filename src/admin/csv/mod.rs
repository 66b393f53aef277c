//! Entries as CSV and back: one format for the admin's export, its import, and the public data files.
//!
//! Columns: `id`, the entity's fields in [`spec`](super::spec) order, then one column per link (named after the
//! linked entity, e.g. `sectors`) holding the linked entries' slugs separated by `;`. Files are UTF-8 with a
//! byte-order mark, so Excel reads the Chinese, and quoted as RFC 4180 says (CRLF between records). A cell a
//! spreadsheet would run as a formula is written with a leading `'` ([`guard_formula`]), which an import
//! takes off again ([`unguard_formula`]): a download opened in Excel or WPS runs nothing, and a round trip
//! loses nothing.
//!
//! An import is planned first ([`plan`]: what each row would create or change, or what is wrong with it,
//! checked by the same field rules as the forms), then applied in one transaction the caller owns ([`apply`]).

use std::collections::HashMap;

use serde_json::Value;
use sqlx::SqliteConnection;

use super::record::Record;
use super::spec::{self, Entity, Label, Link};

mod apply;
mod plan;
mod read;

pub use apply::{Applied, ImportError, apply};
pub use plan::{Action, Change, Plan, PlannedRow, Problem, plan};
pub use read::{Upload, UploadRow, parse};

/// UTF-8 byte-order mark: Excel reads a CSV without it in the system's code page and garbles Chinese.
pub const BOM: &[u8] = "\u{feff}".as_bytes();
const LINK_SEPARATOR: char = ';';
const ID_LABEL: Label = Label("编号", "id");

/// The CSV column of a link: the linked entity's key (`sectors`), since cells hold its slugs, not ids.
pub fn link_column(link: &Link) -> &'static str {
    link.other_entity
}

/// Every column of an entity's CSV, in order.
pub fn columns(entity: &Entity) -> Vec<&'static str> {
    std::iter::once("id")
        .chain(entity.fields.iter().map(|f| f.column))
        .chain(entity.links.iter().map(link_column))
        .collect()
}

fn label_of(entity: &Entity, column: &str) -> Label {
    entity
        .field(column)
        .map(|f| f.label)
        .or_else(|| entity.links.iter().find(|l| link_column(l) == column).map(|l| l.label))
        .unwrap_or(ID_LABEL)
}

/// A stored value as a cell: empty for nothing, `1`/`0` for yes/no.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => if *b { "1" } else { "0" }.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// First characters that make a spreadsheet (Excel, WPS, LibreOffice) read a cell as a formula, after
/// OWASP's "CSV Injection" guidance.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell holding `value` must be written with a leading `'`: it would be read as a formula (a
/// plain number such as `-5` is not), or it already starts with `'` before such a value, so that reading
/// back can tell the two apart.
fn needs_guard(value: &str) -> bool {
    match value.chars().next() {
        Some('\'') => needs_guard(&value[1..]),
        Some(first) if FORMULA_STARTS.contains(&first) => !is_plain_number(value),
        _ => false,
    }
}

fn is_plain_number(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && value.parse::<f64>().is_ok()
}

/// A value as written to a cell: a spreadsheet shows a `'`-led cell as text and hides the `'`.
pub fn guard_formula(value: String) -> String {
    if needs_guard(&value) { format!("'{value}") } else { value }
}

/// A cell as read back: exactly what [`guard_formula`] added is taken off, and nothing else.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// How linked entries are named in cells: by slug where they have one, else by id.
struct LinkNames {
    names: HashMap<&'static str, HashMap<i64, String>>,
}

impl LinkNames {
    async fn load(conn: &mut SqliteConnection, entity: &Entity) -> sqlx::Result<LinkNames> {
        let mut names = HashMap::new();
        for link in entity.links {
            let Some(other) = spec::entity(link.other_entity) else { continue };
            let key = if other.field("slug").is_some() { "slug" } else { "cast(id as text)" };
            let rows: Vec<(i64, String)> =
                sqlx::query_as(&format!("select id, {key} from {}", other.table)).fetch_all(&mut *conn).await?;
            names.insert(link.name, rows.into_iter().collect());
        }
        Ok(LinkNames { names })
    }

    fn join(&self, link: &Link, ids: &[i64]) -> String {
        let names = self.names.get(link.name);
        ids.iter()
            .map(|id| names.and_then(|n| n.get(id)).cloned().unwrap_or_else(|| id.to_string()))
            .collect::<Vec<_>>()
            .join(&LINK_SEPARATOR.to_string())
    }

    fn id(&self, link: &Link, name: &str) -> Option<i64> {
        self.names.get(link.name)?.iter().find(|(_, n)| n.as_str() == name).map(|(id, _)| *id)
    }
}

fn ids_of(value: Option<&Value>) -> Vec<i64> {
    value.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}

/// The ids linked to every entry, per link name, read in one query per link.
async fn all_links(conn: &mut SqliteConnection, entity: &Entity) -> sqlx::Result<HashMap<&'static str, Pairs>> {
    let mut out = HashMap::new();
    for link in entity.links {
        let sql =
            format!("select {0}, {1} from {2} order by {0}, {1}", link.own_column, link.other_column, link.join_table);
        let mut pairs: Vec<(i64, i64)> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
        pairs.shrink_to_fit();
        out.insert(link.name, Pairs(pairs));
    }
    Ok(out)
}

/// A link table's rows (own id, other id), sorted: 16 bytes a row. A map from each entry to a list of its
/// links took about a hundred per entry: at 100,000 companies the open-data build's peak was 13 MB higher.
struct Pairs(Vec<(i64, i64)>);

impl Pairs {
    /// What entry `own` links to, in order.
    fn of(&self, own: i64) -> Vec<i64> {
        let from = self.0.partition_point(|&(o, _)| o < own);
        self.0[from..].iter().take_while(|&&(o, _)| o == own).map(|&(_, other)| other).collect()
    }
}

/// `records` as a CSV file (with its BOM), in the order given.
pub async fn write(conn: &mut SqliteConnection, entity: &Entity, records: &[Record]) -> anyhow::Result<Vec<u8>> {
    let links = CsvLinks::load(conn, entity).await?;
    let mut writer = start(Vec::new(), entity)?;
    write_rows(&mut writer, entity, &links, records)?;
    Ok(writer.into_inner().map_err(|e| e.into_error())?)
}

/// What rows of an entity's CSV need besides themselves: the entries each links to, and how those are named.
pub struct CsvLinks {
    names: LinkNames,
    links: HashMap<&'static str, Pairs>,
}

impl CsvLinks {
    pub async fn load(conn: &mut SqliteConnection, entity: &Entity) -> sqlx::Result<CsvLinks> {
        Ok(CsvLinks { names: LinkNames::load(conn, entity).await?, links: all_links(conn, entity).await? })
    }
}

/// A CSV file of `entity` begun in `out`: the byte-order mark and the header row. Rows follow by [`write_rows`].
pub fn start<W: std::io::Write>(mut out: W, entity: &Entity) -> csv::Result<csv::Writer<W>> {
    out.write_all(BOM)?;
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    writer.write_record(columns(entity))?;
    Ok(writer)
}

/// `records` as rows, in the order given.
pub fn write_rows<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    entity: &Entity,
    links: &CsvLinks,
    records: &[Record],
) -> csv::Result<()> {
    for r in records {
        let mut row = Vec::with_capacity(1 + entity.fields.len() + entity.links.len());
        row.push(r.id.to_string());
        row.extend(entity.fields.iter().map(|f| guard_formula(cell(r.values.get(f.column)))));
        for link in entity.links {
            let ids = links.links.get(link.name).map(|pairs| pairs.of(r.id)).unwrap_or_default();
            row.push(guard_formula(links.names.join(link, &ids)));
        }
        writer.write_record(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::spec::COMPANIES;

    #[test]
    fn an_entry_has_exactly_its_own_links() {
        let pairs = Pairs(vec![(-3, 1), (2, 5), (2, 7), (4, 1), (9, 2), (9, 3), (9, 4)]);
        assert_eq!(pairs.of(2), [5, 7]);
        assert_eq!(pairs.of(9), [2, 3, 4]);
        assert_eq!(pairs.of(-3), [1]);
        for unlinked in [i64::MIN, 0, 3, 10, i64::MAX] {
            assert!(pairs.of(unlinked).is_empty(), "{unlinked}");
        }
    }

    #[test]
    fn formulas_are_guarded_and_every_value_reads_back_as_it_was() {
        for (value, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=already quoted", "''=already quoted"),
            ("''=twice", "'''=twice"),
            ("-5", "-5"),
            ("+86 431 1234", "'+86 431 1234"),
            ("-1.5e3", "-1.5e3"),
            ("-inf", "'-inf"),
            ("'plain", "'plain"),
            ("'-5", "'-5"),
            ("长光辰芯", "长光辰芯"),
            ("", ""),
            ("'", "'"),
        ] {
            assert_eq!(guard_formula(value.to_string()), written, "{value:?}");
            assert_eq!(unguard_formula(written), value, "{written:?}");
        }
    }

    #[test]
    fn columns_follow_the_spec() {
        let cols = columns(&COMPANIES);
        assert_eq!(cols.first(), Some(&"id"));
        assert_eq!(cols[1], "slug");
        assert_eq!(&cols[cols.len() - 2..], &["sectors", "designations"]);
    }

    #[test]
    fn uploads_are_read_with_bom_quotes_and_unknown_columns() {
        let file = "\u{feff}id,slug,short_name_zh,notes\r\n7,gpixel,\"长光辰芯, 有限\",x\r\n,,,\r\n,new-one,\"两行\n文字\",y\r\n";
        let upload = parse(&COMPANIES, file.as_bytes()).unwrap();
        assert_eq!(upload.unknown_columns, vec!["notes"]);
        assert_eq!(upload.rows.len(), 2);
        assert_eq!(upload.rows[0].number, 2);
        assert_eq!(upload.rows[0].cells["short_name_zh"], "长光辰芯, 有限");
        assert_eq!(upload.rows[1].number, 4);
        assert_eq!(upload.rows[1].cells["short_name_zh"], "两行\n文字");
        assert!(!upload.rows[0].cells.contains_key("website"));
    }

    #[test]
    fn files_that_are_not_csv_are_named_as_such() {
        assert!(parse(&COMPANIES, b"\x89PNG\r\n\x1a\n\0\0\0").is_err());
        assert!(parse(&COMPANIES, "名称\n长光\n".as_bytes()).is_err());
        assert!(parse(&COMPANIES, b"").is_err());
        assert!(parse(&COMPANIES, "id,slug\n1,a,b\n".as_bytes()).is_err());
        assert!(parse(&COMPANIES, b"id,slug\n\xb3\xa4\n").is_err());
    }
}
