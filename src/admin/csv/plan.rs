//! Planning an import: what each row of an upload would create or change, or what is wrong with it, checked
//! by the same field rules as the forms and against what is stored now. Nothing is written here.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::SqliteConnection;

use super::{LINK_SEPARATOR, LinkNames, Upload, UploadRow, cell, ids_of, label_of, link_column};
use crate::admin::picker;
use crate::admin::record::{self, Record, Values};
use crate::admin::rules::{KnownIds, check};
use crate::admin::spec::{Entity, Label};
use crate::i18n::Text;

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
    pub(super) values: Values,
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
    let mut planner = Planner {
        entity,
        known: known_ids(conn, entity, upload).await?,
        names: LinkNames::load(conn, entity).await?,
        rows_by_id: HashMap::new(),
        unique_in_file: HashMap::new(),
    };
    let mut rows = Vec::with_capacity(upload.rows.len());
    for row in &upload.rows {
        rows.push(planner.row(conn, row).await?);
    }
    Ok(Plan { rows, unknown_columns: upload.unknown_columns.clone(), encoding: upload.encoding })
}

/// What the rows planned so far tell the next one.
struct Planner<'e> {
    entity: &'e Entity,
    known: KnownIds,
    names: LinkNames,
    /// The row each id was first named in.
    rows_by_id: HashMap<i64, usize>,
    /// The row each unique value was first used in, by column.
    unique_in_file: HashMap<(&'static str, String), usize>,
}

/// One row being planned.
struct Draft<'e> {
    entity: &'e Entity,
    /// No id: the row adds an entry.
    creating: bool,
    /// The entry the row names by id, as stored.
    stored: Option<Record>,
    changes: Vec<Change>,
    problems: Vec<Problem>,
    /// What to store: for a new entry every field, for an update only what changes.
    values: Values,
}

impl Draft<'_> {
    fn problem(&mut self, column: &'static str, message: Text) {
        self.problems.push(Problem { column, label: label_of(self.entity, column), message });
    }

    /// Keeps `value` for `key` when the row adds an entry or changes what is stored (`change`).
    fn set(&mut self, key: &str, value: Value, change: Option<Change>) {
        if self.creating || change.is_some() {
            self.changes.extend(change);
            self.values.insert(key.to_string(), value);
        }
    }

    fn finish(self, number: usize) -> PlannedRow {
        let action = if !self.problems.is_empty() {
            Action::Invalid
        } else if self.creating {
            Action::Create
        } else if self.values.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        };
        let mut shown = self.stored.as_ref().map(|r| r.values.clone()).unwrap_or_default();
        shown.extend(self.values.iter().map(|(k, v)| (k.clone(), v.clone())));
        let pick = |column: &str| shown.get(column).and_then(Value::as_str).unwrap_or_default().to_string();
        let (zh, en) = (pick(self.entity.title.0), pick(self.entity.title.1));
        PlannedRow {
            number,
            action,
            id: self.stored.as_ref().map(|r| r.id),
            version: self.stored.as_ref().map(|r| r.version),
            title: Text::new(zh.clone(), if en.is_empty() { zh } else { en }),
            changes: self.changes,
            problems: self.problems,
            values: self.values,
        }
    }
}

impl<'e> Planner<'e> {
    async fn row(&mut self, conn: &mut SqliteConnection, row: &UploadRow) -> sqlx::Result<PlannedRow> {
        let raw_id = row.cells.get("id").map(|s| s.trim()).unwrap_or("");
        let mut draft = Draft {
            entity: self.entity,
            creating: raw_id.is_empty(),
            stored: None,
            changes: Vec::new(),
            problems: Vec::new(),
            values: Values::new(),
        };
        self.find_stored(conn, row.number, raw_id, &mut draft).await?;
        self.fields(row, &mut draft);
        self.links(row, &mut draft);
        self.unique_values(conn, row.number, &mut draft).await?;
        Ok(draft.finish(row.number))
    }

    /// The entry the row's id names, or what is wrong with the id.
    async fn find_stored(
        &mut self,
        conn: &mut SqliteConnection,
        number: usize,
        raw_id: &str,
        draft: &mut Draft<'e>,
    ) -> sqlx::Result<()> {
        if draft.creating {
            if self.entity.singleton {
                draft.problem(
                    "id",
                    Text::new(
                        "此类条目只能修改，不能新建：请填写编号。",
                        "These entries can only be edited, not added: fill in the id.",
                    ),
                );
            }
            return Ok(());
        }
        let Ok(id) = raw_id.parse::<i64>() else {
            draft.problem(
                "id",
                Text::new("编号应为整数；新建时留空。", "The id must be a whole number, or empty for a new entry."),
            );
            return Ok(());
        };
        if let Some(first) = self.rows_by_id.insert(id, number) {
            draft.problem(
                "id",
                Text::new(
                    format!("编号 {id} 已在第 {first} 行出现。"),
                    format!("The id {id} already appears in row {first}."),
                ),
            );
        }
        draft.stored = record::load(conn, self.entity, id).await?;
        if draft.stored.is_none() {
            draft.problem(
                "id",
                Text::new(
                    format!("没有编号为 {id} 的条目（新建时请把编号留空）。"),
                    format!("There is no entry with the id {id} (leave the id empty to add one)."),
                ),
            );
        }
        Ok(())
    }

    /// Each field the row has a cell for (every field, for a new entry), checked by the field's rule.
    fn fields(&self, row: &UploadRow, draft: &mut Draft<'e>) {
        for f in self.entity.fields {
            let raw = match row.cells.get(f.column) {
                Some(raw) => raw.as_str(),
                None if draft.creating => "",
                None => continue,
            };
            let value = match check(f, raw, &self.known) {
                Ok(value) => value,
                Err(message) => {
                    draft.problem(f.column, message);
                    continue;
                }
            };
            let before = match &draft.stored {
                Some(r) => r.values.get(f.column).cloned().unwrap_or(Value::Null),
                None if draft.creating => Value::Null,
                None => continue,
            };
            // Unchanged also when the stored value reads back as this one (a URL the rules would normalise).
            let same = before == value || check(f, &cell(Some(&before)), &self.known).is_ok_and(|b| b == value);
            let change =
                (!same).then(|| Change { label: f.label, before: cell(Some(&before)), after: cell(Some(&value)) });
            draft.set(f.column, value, change);
        }
    }

    /// Each link the row has a cell for: the linked entries' slugs, each of which must exist.
    fn links(&self, row: &UploadRow, draft: &mut Draft<'e>) {
        for link in self.entity.links {
            let column = link_column(link);
            let raw = match row.cells.get(column) {
                Some(raw) => raw.as_str(),
                None if draft.creating => "",
                None => continue,
            };
            let mut ids = Vec::new();
            let mut missing = Vec::new();
            for name in raw.split(LINK_SEPARATOR).map(str::trim).filter(|n| !n.is_empty()) {
                match self.names.id(link, name) {
                    Some(id) => ids.push(id),
                    None => missing.push(name),
                }
            }
            if !missing.is_empty() {
                let missing = missing.join(", ");
                draft.problem(
                    column,
                    Text::new(format!("没有这些条目：{missing}。"), format!("No such entries: {missing}.")),
                );
                continue;
            }
            ids.sort_unstable();
            ids.dedup();
            let before = draft.stored.as_ref().map(|r| ids_of(r.values.get(link.name))).unwrap_or_default();
            let change = (before != ids).then(|| Change {
                label: link.label,
                before: self.names.join(link, &before),
                after: self.names.join(link, &ids),
            });
            draft.set(link.name, Value::from(ids), change);
        }
    }

    /// Unique values (slugs name pages; phases have one number each): two entries cannot share one. The
    /// database would refuse it too, but only at the end, for the whole import; here it is a message on the row.
    async fn unique_values(
        &mut self,
        conn: &mut SqliteConnection,
        number: usize,
        draft: &mut Draft<'e>,
    ) -> sqlx::Result<()> {
        for &column in self.entity.unique {
            let Some(value) = draft.values.get(column).filter(|v| !v.is_null()).cloned() else { continue };
            let shown = cell(Some(&value));
            if let Some(first) = self.unique_in_file.insert((column, shown.clone()), number) {
                draft.problem(
                    column,
                    Text::new(
                        format!("“{shown}”已在第 {first} 行使用。"),
                        format!("“{shown}” is already used in row {first}."),
                    ),
                );
                continue;
            }
            let holder = record::holder(conn, self.entity, column, &value).await?;
            if let Some(other) = holder.filter(|other| Some(*other) != draft.stored.as_ref().map(|r| r.id)) {
                draft.problem(
                    column,
                    Text::new(
                        format!("“{shown}”已被编号为 {other} 的条目使用。"),
                        format!("“{shown}” is already used by the entry with the id {other}."),
                    ),
                );
            }
        }
        Ok(())
    }
}
