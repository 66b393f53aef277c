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

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sqlx::SqliteConnection;

use super::picker;
use super::record::{self, Record, SaveError, Values};
use super::spec::{self, Entity, Kind, Label, Link};
use crate::i18n::Text;
use crate::web::admin::form::{KnownIds, check};

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
async fn all_links(
    conn: &mut SqliteConnection,
    entity: &Entity,
) -> sqlx::Result<HashMap<&'static str, HashMap<i64, Vec<i64>>>> {
    let mut out = HashMap::new();
    for link in entity.links {
        let sql =
            format!("select {0}, {1} from {2} order by {0}, {1}", link.own_column, link.other_column, link.join_table);
        let pairs: Vec<(i64, i64)> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
        let mut by_entry: HashMap<i64, Vec<i64>> = HashMap::new();
        for (own, other) in pairs {
            by_entry.entry(own).or_default().push(other);
        }
        out.insert(link.name, by_entry);
    }
    Ok(out)
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
    links: HashMap<&'static str, HashMap<i64, Vec<i64>>>,
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
            let ids = links.links.get(link.name).and_then(|by| by.get(&r.id)).map(Vec::as_slice).unwrap_or_default();
            row.push(guard_formula(links.names.join(link, ids)));
        }
        writer.write_record(&row)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Reading an upload

/// An uploaded file, read: its known columns' cells per row, and the columns it had that are not ours.
#[derive(Debug)]
pub struct Upload {
    pub rows: Vec<UploadRow>,
    pub unknown_columns: Vec<String>,
    /// The file's encoding when it was not UTF-8 (a Chinese Excel's plain "CSV" is GBK; read as GB18030,
    /// which contains it).
    pub encoding: Option<&'static str>,
}

#[derive(Debug)]
pub struct UploadRow {
    /// The row as a spreadsheet numbers it: the header is row 1, the first entry row 2.
    pub number: usize,
    /// Cells by column; a column the file lacks is absent (for an update: leave that field as it is).
    pub cells: BTreeMap<&'static str, String>,
}

/// Reads a CSV upload for `entity`. Everything wrong with the file as a whole comes back as a message for
/// the admin; problems of single rows are left to [`plan`].
pub fn parse(entity: &Entity, bytes: &[u8]) -> Result<Upload, Text> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // Text never holds NUL; images, spreadsheets (.xlsx) and other binaries do.
    if bytes.contains(&0) {
        return Err(not_csv(entity));
    }
    // Excel on Chinese Windows saves plain "CSV" as GBK: read it as GB18030 (which contains GBK) when it is not
    // UTF-8 and decodes without a single bad sequence; anything else is refused with a way out.
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), None),
        Err(_) => match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => (text, Some("GB18030")),
            None => {
                return Err(Text::new(
                    "文件既不是 UTF-8 也不是 GBK/GB18030 编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传。",
                    "The file is neither UTF-8 nor GBK/GB18030. In Excel, save it as “CSV UTF-8 (Comma delimited)” \
                     and upload it again.",
                ));
            }
        },
    };
    if text.trim().is_empty() {
        return Err(Text::new("文件是空的。", "The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| not_csv(entity))?.clone();
    let ours = columns(entity);
    let mut mapped: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    let mut unknown_columns = Vec::new();
    for name in header.iter().map(str::trim) {
        match ours.iter().find(|c| **c == name) {
            Some(column) => {
                if !seen.insert(*column) {
                    return Err(Text::new(
                        format!("列“{column}”出现了两次。"),
                        format!("The column “{column}” appears twice."),
                    ));
                }
                mapped.push(Some(*column));
            }
            None => {
                if !name.is_empty() {
                    unknown_columns.push(name.to_string());
                }
                mapped.push(None);
            }
        }
    }
    if seen.is_empty() {
        return Err(not_csv(entity));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 2;
        let record = record.map_err(|err| match err.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Text::new(
                format!("第 {number} 行有 {len} 个单元格，而标题行有 {expected_len} 个。"),
                format!("Row {number} has {len} cells, but the header row has {expected_len}."),
            ),
            _ => Text::new(format!("第 {number} 行无法读取。"), format!("Row {number} cannot be read.")),
        })?;
        // Spreadsheets leave rows of empty cells behind; they say nothing.
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = mapped
            .iter()
            .zip(record.iter())
            .filter_map(|(column, value)| column.map(|c| (c, unguard_formula(value).to_string())))
            .collect();
        rows.push(UploadRow { number, cells });
    }
    Ok(Upload { rows, unknown_columns, encoding })
}

fn not_csv(entity: &Entity) -> Text {
    let expected = columns(entity).join(", ");
    Text::new(
        format!("这不是本类条目的 CSV 文件：第一行应为列名，如 {expected}。"),
        format!("This is not a CSV file of these entries: its first row should name columns such as {expected}."),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Planning an import

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Invalid,
}

/// A field a row changes: its cell text before and after.
#[derive(Debug, Clone)]
pub struct Change {
    pub label: Label,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub column: &'static str,
    pub label: Label,
    pub message: Text,
}

#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub number: usize,
    pub action: Action,
    /// The entry a row names by id (an update, or a row left unchanged).
    pub id: Option<i64>,
    /// The entry's version when this plan was made; applying refuses if it moved.
    pub version: Option<i64>,
    pub title: Text,
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
    /// What to store: for an update only the changed fields and links.
    values: Values,
}

#[derive(Debug)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
    pub unknown_columns: Vec<String>,
    /// The file's encoding when it was not UTF-8 (named in the preview).
    pub encoding: Option<&'static str>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }

    /// The rows that would write something.
    pub fn writes(&self) -> impl Iterator<Item = &PlannedRow> {
        self.rows.iter().filter(|r| matches!(r.action, Action::Create | Action::Update))
    }
}

/// Of the ids the file's reference cells name, those that exist: one query per referenced entity for just
/// these ids (a file of 10 awards does not read every company's id).
async fn known_ids(conn: &mut SqliteConnection, entity: &Entity, upload: &Upload) -> sqlx::Result<KnownIds> {
    let mut wanted = picker::Wanted::new();
    for row in &upload.rows {
        picker::referenced_ids(entity, row.cells.iter().map(|(c, v)| (*c, v.as_str())), &mut wanted);
    }
    picker::known(conn, &wanted).await
}

/// What importing `upload` would do, row by row, against what is stored now.
pub async fn plan(conn: &mut SqliteConnection, entity: &Entity, upload: &Upload) -> sqlx::Result<Plan> {
    let known = known_ids(conn, entity, upload).await?;
    let names = LinkNames::load(conn, entity).await?;
    let mut rows_by_id: HashMap<i64, usize> = HashMap::new();
    let mut slugs_in_file: HashMap<(&'static str, String), usize> = HashMap::new();
    let mut rows = Vec::with_capacity(upload.rows.len());
    for row in &upload.rows {
        let mut problems = Vec::new();
        let mut problem = |column: &'static str, message: Text| {
            problems.push(Problem { column, label: label_of(entity, column), message });
        };
        let raw_id = row.cells.get("id").map(|s| s.trim()).unwrap_or("");
        let creating = raw_id.is_empty();
        let mut stored: Option<Record> = None;
        if creating {
            if entity.singleton {
                problem(
                    "id",
                    Text::new(
                        "此类条目只能修改，不能新建：请填写编号。",
                        "These entries can only be edited, not added: fill in the id.",
                    ),
                );
            }
        } else {
            match raw_id.parse::<i64>() {
                Ok(id) => {
                    if let Some(first) = rows_by_id.insert(id, row.number) {
                        problem(
                            "id",
                            Text::new(
                                format!("编号 {id} 已在第 {first} 行出现。"),
                                format!("The id {id} already appears in row {first}."),
                            ),
                        );
                    }
                    stored = record::load(conn, entity, id).await?;
                    if stored.is_none() {
                        problem(
                            "id",
                            Text::new(
                                format!("没有编号为 {id} 的条目（新建时请把编号留空）。"),
                                format!("There is no entry with the id {id} (leave the id empty to add one)."),
                            ),
                        );
                    }
                }
                Err(_) => problem(
                    "id",
                    Text::new("编号应为整数；新建时留空。", "The id must be a whole number, or empty for a new entry."),
                ),
            }
        }

        let mut changes = Vec::new();
        let mut values = Values::new();
        for f in entity.fields {
            let raw = match row.cells.get(f.column) {
                Some(raw) => raw.as_str(),
                None if creating => "",
                None => continue,
            };
            let value = match check(f, raw, &known) {
                Ok(value) => value,
                Err(message) => {
                    problem(f.column, message);
                    continue;
                }
            };
            let before = match &stored {
                Some(r) => r.values.get(f.column).cloned().unwrap_or(Value::Null),
                None if creating => Value::Null,
                None => continue,
            };
            // Unchanged also when the stored value reads back as this one (a URL the rules would normalise).
            let same = before == value || check(f, &cell(Some(&before)), &known).is_ok_and(|b| b == value);
            if creating || !same {
                if !same {
                    changes.push(Change { label: f.label, before: cell(Some(&before)), after: cell(Some(&value)) });
                }
                values.insert(f.column.to_string(), value);
            }
        }
        for link in entity.links {
            let column = link_column(link);
            let raw = match row.cells.get(column) {
                Some(raw) => raw.as_str(),
                None if creating => "",
                None => continue,
            };
            let mut ids = Vec::new();
            let mut missing = Vec::new();
            for name in raw.split(LINK_SEPARATOR).map(str::trim).filter(|n| !n.is_empty()) {
                match names.id(link, name) {
                    Some(id) => ids.push(id),
                    None => missing.push(name),
                }
            }
            if !missing.is_empty() {
                let missing = missing.join(", ");
                problem(
                    column,
                    Text::new(format!("没有这些条目：{missing}。"), format!("No such entries: {missing}.")),
                );
                continue;
            }
            ids.sort_unstable();
            ids.dedup();
            let before = stored.as_ref().map(|r| ids_of(r.values.get(link.name))).unwrap_or_default();
            if creating || before != ids {
                if before != ids {
                    changes.push(Change {
                        label: link.label,
                        before: names.join(link, &before),
                        after: names.join(link, &ids),
                    });
                }
                values.insert(link.name.to_string(), Value::from(ids));
            }
        }
        // Slugs name pages: two entries cannot share one. The database would refuse it too, but only at the
        // end, for the whole import; here it is a message on the row.
        for f in entity.fields.iter().filter(|f| f.kind == Kind::Slug) {
            let Some(Value::String(slug)) = values.get(f.column) else { continue };
            if let Some(first) = slugs_in_file.insert((f.column, slug.clone()), row.number) {
                problem(
                    f.column,
                    Text::new(
                        format!("“{slug}”已在第 {first} 行使用。"),
                        format!("“{slug}” is already used in row {first}."),
                    ),
                );
                continue;
            }
            let holder: Option<i64> =
                sqlx::query_scalar(&format!("select id from {} where {} = ?", entity.table, f.column))
                    .bind(slug)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(other) = holder.filter(|other| Some(*other) != stored.as_ref().map(|r| r.id)) {
                problem(
                    f.column,
                    Text::new(
                        format!("“{slug}”已被编号为 {other} 的条目使用。"),
                        format!("“{slug}” is already used by the entry with the id {other}."),
                    ),
                );
            }
        }

        let action = if !problems.is_empty() {
            Action::Invalid
        } else if creating {
            Action::Create
        } else if values.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        };
        let mut shown = stored.as_ref().map(|r| r.values.clone()).unwrap_or_default();
        shown.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        let pick = |column: &str| shown.get(column).and_then(Value::as_str).unwrap_or_default().to_string();
        let (zh, en) = (pick(entity.title.0), pick(entity.title.1));
        let title = Text::new(zh.clone(), if en.is_empty() { zh } else { en });
        rows.push(PlannedRow {
            number: row.number,
            action,
            id: stored.as_ref().map(|r| r.id),
            version: stored.as_ref().map(|r| r.version),
            title,
            changes,
            problems,
            values,
        });
    }
    Ok(Plan { rows, unknown_columns: upload.unknown_columns.clone(), encoding: upload.encoding })
}

// ---------------------------------------------------------------------------------------------------------
// Applying an import

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The row's entry was saved (or deleted) by someone else after the plan was made.
    #[error("row {row}: the entry changed since the preview")]
    Changed { row: usize },
    #[error("row {row}: {column} is already used")]
    Duplicate { row: usize, column: String },
    /// A constraint of the database refused the row.
    #[error("row {row}: refused by the database: {message}")]
    Refused { row: usize, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ImportError {
    /// What to tell the admin; `None` for a fault of ours.
    pub fn message(&self) -> Option<Text> {
        Some(match self {
            ImportError::Changed { row } => Text::new(
                format!(
                    "第 {row} 行的条目在预览之后已被他人修改或删除。为免覆盖他人的修改，本次导入未做任何更改；请重新上传以查看最新的对比。"
                ),
                format!(
                    "The entry in row {row} was changed or deleted by someone else after the preview. So as not to overwrite their work, nothing was imported; upload the file again to see a fresh comparison."
                ),
            ),
            ImportError::Duplicate { row, column } => Text::new(
                format!("第 {row} 行：“{column}”的值已被另一条目使用。本次导入未做任何更改。"),
                format!("Row {row}: another entry already uses its “{column}”. Nothing was imported."),
            ),
            ImportError::Refused { row, message } => Text::new(
                format!("第 {row} 行无法保存（数据库拒绝：{message}）。本次导入未做任何更改。"),
                format!("Row {row} could not be saved (the database refused it: {message}). Nothing was imported."),
            ),
            ImportError::Database(_) => return None,
        })
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
}

/// Writes every row of `plan` that creates or changes something, each with its revision, in the caller's
/// transaction. On an error the caller drops the transaction, so nothing of the import stays.
pub async fn apply(
    tx: &mut SqliteConnection,
    entity: &Entity,
    plan: &Plan,
    username: &str,
) -> Result<Applied, ImportError> {
    let mut applied = Applied::default();
    for row in plan.writes() {
        let result = match (row.action, row.id, row.version) {
            (Action::Create, _, _) => record::create_in(tx, entity, &row.values, username).await.map(|_| {
                applied.created += 1;
            }),
            (Action::Update, Some(id), Some(version)) => {
                record::update_in(tx, entity, id, version, &row.values, username).await.map(|()| {
                    applied.updated += 1;
                })
            }
            _ => continue,
        };
        result.map_err(|err| {
            let row = row.number;
            match err {
                SaveError::Conflict { .. } | SaveError::NotFound => ImportError::Changed { row },
                SaveError::Duplicate { column } => ImportError::Duplicate { row, column },
                SaveError::Invalid(text) => ImportError::Refused { row, message: text.en },
                SaveError::Referred => ImportError::Refused { row, message: "the entry is referred to".into() },
                SaveError::Database(err) => match err.as_database_error() {
                    Some(db) => ImportError::Refused { row, message: db.message().to_string() },
                    None => ImportError::Database(err),
                },
            }
        })?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::spec::COMPANIES;

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
