//! Reading and checking an entity's HTML form: every value kept as typed, every problem named beside its field.

use std::collections::BTreeMap;

use serde_json::Value;

use sqlx::SqliteConnection;

use crate::admin::picker::{self, Candidate, Resolution};
use crate::admin::record::Values;
use crate::admin::rules::{KnownIds, check};
use crate::admin::spec::{self, Entity};
use crate::i18n::Text;

/// A submitted (or stored) form: raw text per field, chosen ids per link, the version it was loaded at.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub raw: BTreeMap<String, String>,
    pub links: BTreeMap<String, Vec<i64>>,
    pub version: Option<i64>,
    /// Search fields (references to a large entity), by column. The field's own value (`raw`) is the id
    /// of the chosen entry, posted in a hidden input; these are the inputs beside it.
    pub pickers: BTreeMap<String, PickerInput>,
}

/// What a search field posted, and what the server offered for it. Its inputs are named after the column:
/// `COLUMN-q` (the typed term), `COLUMN-pick` (a radio button of the short list), `COLUMN-asked` (the term
/// that short list answered) and `COLUMN-clear` (remove an optional entry).
#[derive(Debug, Clone, Default)]
pub struct PickerInput {
    pub term: String,
    pub pick: Option<i64>,
    pub asked: String,
    pub clear: bool,
    /// Entries to choose from, after a term that did not name one entry.
    pub candidates: Vec<Candidate>,
}

const PICKER_SUFFIXES: &[&str] = &["-q", "-pick", "-asked", "-clear"];

/// `(column, suffix)` when `key` is one of a search field's extra inputs.
fn picker_key<'k>(entity: &Entity, key: &'k str) -> Option<(&'k str, &'static str)> {
    PICKER_SUFFIXES.iter().find_map(|suffix| {
        let column = key.strip_suffix(suffix)?;
        entity.field(column).filter(|f| f.widget() == "picker").map(|_| (column, *suffix))
    })
}

impl FormData {
    /// The form as it was posted. Unknown keys are ignored. A conflict page's form (stored and submitted
    /// values side by side, with a choice per field) is first resolved into the chosen values.
    pub fn from_pairs(entity: &Entity, pairs: &[(String, String)]) -> FormData {
        let pairs = resolve_choices(pairs);
        let mut data = FormData::default();
        for (key, value) in &pairs {
            if key == "version" {
                data.version = value.trim().parse().ok();
            } else if let Some(link) = entity.link(key) {
                if let Ok(id) = value.trim().parse::<i64>() {
                    data.links.entry(link.name.to_string()).or_default().push(id);
                }
            } else if entity.field(key).is_some() {
                data.raw.insert(key.clone(), value.clone());
            } else if let Some((column, suffix)) = picker_key(entity, key) {
                let p = data.pickers.entry(column.to_string()).or_default();
                match suffix {
                    "-q" => p.term = value.clone(),
                    "-pick" => p.pick = value.trim().parse().ok(),
                    "-asked" => p.asked = value.clone(),
                    _ => p.clear = matches!(value.as_str(), "1" | "on" | "true"),
                }
            }
        }
        for link in entity.links {
            data.links.entry(link.name.to_string()).or_default();
        }
        data
    }

    /// A stored entry shown in its form.
    pub fn from_values(entity: &Entity, values: &Values, version: Option<i64>) -> FormData {
        let mut data = FormData { version, ..Default::default() };
        for f in entity.fields {
            let raw = match (values.get(f.column), f.kind) {
                (Some(Value::Bool(b)), _) => {
                    if *b {
                        "1".to_string()
                    } else {
                        String::new()
                    }
                }
                (Some(Value::Number(n)), _) => n.to_string(),
                (Some(Value::String(s)), _) => s.clone(),
                _ => String::new(),
            };
            data.raw.insert(f.column.to_string(), raw);
        }
        for link in entity.links {
            let ids = values
                .get(link.name)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            data.links.insert(link.name.to_string(), ids);
        }
        data
    }

    pub fn value(&self, column: &str) -> &str {
        self.raw.get(column).map(String::as_str).unwrap_or("")
    }

    pub fn is_checked(&self, column: &str) -> bool {
        matches!(self.value(column), "1" | "on" | "true")
    }

    /// Whether the field holds `value` (for marking the selected option).
    pub fn is_value(&self, column: &str, value: impl AsRef<str>) -> bool {
        self.value(column) == value.as_ref()
    }

    pub fn has_link(&self, link: &str, id: &i64) -> bool {
        self.links.get(link).is_some_and(|ids| ids.contains(id))
    }

    /// The term typed in a search field, kept when the form comes back.
    pub fn term(&self, column: &str) -> &str {
        self.pickers.get(column).map(|p| p.term.as_str()).unwrap_or("")
    }

    /// The entries a search field offers to choose from.
    pub fn candidates(&self, column: &str) -> &[Candidate] {
        self.pickers.get(column).map(|p| p.candidates.as_slice()).unwrap_or_default()
    }
}

/// Turns what was typed in each search field into the id it names (the field's value, checked later like
/// any reference), with a query per term. A term that names no single entry keeps the entry chosen before,
/// offers the matches (at most [`picker::MAX_CANDIDATES`]) and is a problem beside the field.
pub async fn resolve_pickers(
    conn: &mut SqliteConnection,
    entity: &Entity,
    data: &mut FormData,
) -> sqlx::Result<Errors> {
    let mut errors = Errors::new();
    for f in entity.fields.iter().filter(|f| f.widget() == "picker") {
        let Some(target) = f.reference().and_then(spec::entity) else { continue };
        let Some(input) = data.pickers.get_mut(f.column) else { continue };
        let term = input.term.trim().to_string();
        if input.clear {
            data.raw.insert(f.column.to_string(), String::new());
            input.term.clear();
            continue;
        }
        // A choice from the short list, as long as the term it answered was not changed since.
        if let Some(pick) = input.pick.filter(|_| term == input.asked.trim()) {
            data.raw.insert(f.column.to_string(), pick.to_string());
            input.term.clear();
            continue;
        }
        if term.is_empty() {
            continue;
        }
        let (what_zh, what_en) = (target.singular.0, target.singular.1);
        match picker::resolve(conn, target, &term).await? {
            Resolution::One(found) => {
                data.raw.insert(f.column.to_string(), found.id.to_string());
                input.term.clear();
            }
            Resolution::Several { candidates, more } => {
                let message = several_match(&term, target, candidates.len(), more);
                input.candidates = candidates;
                errors.insert(f.column.to_string(), message);
            }
            Resolution::Nothing => {
                errors.insert(
                    f.column.to_string(),
                    Text::new(
                        format!("没有与“{term}”相符的{what_zh}。可输入编号、网址标识或中英文名称。"),
                        format!("No {what_en} matches “{term}”. Type an id, a slug or a Chinese or English name."),
                    ),
                );
            }
        }
    }
    Ok(errors)
}

/// The ids a form's reference fields and links name that exist, found with one query per referenced entity
/// (never by loading every id of a table).
pub async fn known_ids(conn: &mut SqliteConnection, entity: &Entity, data: &FormData) -> sqlx::Result<KnownIds> {
    let mut wanted = picker::Wanted::new();
    picker::referenced_ids(entity, data.raw.iter().map(|(k, v)| (k.as_str(), v.as_str())), &mut wanted);
    for link in entity.links {
        let ids = wanted.entry(link.other_entity).or_default();
        ids.extend(data.links.get(link.name).into_iter().flatten().copied());
    }
    picker::known(conn, &wanted).await
}

/// What to say when `n` entries match a typed term (`more`: and others beyond them).
fn several_match(term: &str, target: &Entity, n: usize, more: bool) -> Text {
    let (what_zh, what_en) = (target.singular.0, target.singular.1);
    if more {
        Text::new(
            format!("与“{term}”相符的{what_zh}超过 {n} 个：请从下面前 {n} 个中选择，或输入更完整的名称。"),
            format!(
                "More than {n} entries match “{term}”: choose one of the first {n} below, or type more of the name."
            ),
        )
    } else if n == 1 {
        Text::new(
            format!("“{term}”只是名称的一部分：请在下面确认所指的{what_zh}。"),
            format!("“{term}” is only part of a name: confirm the {what_en} below."),
        )
    } else {
        Text::new(
            format!("有 {n} 个{what_zh}与“{term}”相符：请从下面选择一个。"),
            format!("{n} entries match “{term}”: choose one below."),
        )
    }
}

/// Keeps, for each `choice-KEY` (`stored` or `mine`, default `mine`), the `stored-KEY` or `mine-KEY` values
/// under `KEY`; passes other pairs through.
fn resolve_choices(pairs: &[(String, String)]) -> Vec<(String, String)> {
    if !pairs.iter().any(|(k, _)| k == "resolve") {
        return pairs.to_vec();
    }
    let choices: BTreeMap<&str, &str> =
        pairs.iter().filter_map(|(k, v)| k.strip_prefix("choice-").map(|key| (key, v.as_str()))).collect();
    let mut out = Vec::new();
    for (k, v) in pairs {
        if k.starts_with("choice-") {
            continue;
        }
        let picked = k
            .strip_prefix("stored-")
            .map(|key| (key, "stored"))
            .or_else(|| k.strip_prefix("mine-").map(|key| (key, "mine")));
        match picked {
            Some((key, side)) => {
                if choices.get(key).copied().unwrap_or("mine") == side {
                    out.push((key.to_string(), v.clone()));
                }
            }
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// Problems by field (or link) key.
pub type Errors = BTreeMap<String, Text>;

/// Checks every field; on success, the typed values to store.
pub fn validate(entity: &Entity, data: &FormData, known: &KnownIds) -> Result<Values, Errors> {
    let mut values = Values::new();
    let mut errors = Errors::new();
    for f in entity.fields {
        match check(f, data.value(f.column), known) {
            Ok(v) => {
                values.insert(f.column.to_string(), v);
            }
            Err(message) => {
                errors.insert(f.column.to_string(), message);
            }
        }
    }
    for link in entity.links {
        let ids = data.links.get(link.name).cloned().unwrap_or_default();
        let exists = known.get(link.other_entity);
        if ids.iter().any(|id| !exists.is_some_and(|set| set.contains(id))) {
            errors.insert(link.name.to_string(), Text::new("所选条目不存在。", "A chosen entry does not exist."));
        } else {
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            values.insert(link.name.to_string(), Value::from(ids));
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}
