//! Names of the entries a page refers to, and how stored values and revisions read on admin pages.

use std::collections::HashMap;

use serde_json::Value;

use super::form::{Errors, FormData, known_ids, resolve_pickers, validate};
use crate::admin::picker;
use crate::admin::record::{self, Record, Revision, Values};
use crate::admin::spec::{self, Entity, Field, Kind};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::AppResult;

/// Names of the entries `entity`'s fields and links refer to. Small entities (phases, sectors, …) are read
/// whole, as select options and checkboxes; of a large one (see [`Entity::picker`]) only the entries a page
/// shows are named, by id, never the whole table.
pub(super) struct Lookups {
    titles: HashMap<&'static str, Vec<(i64, String, String)>>,
    named: HashMap<&'static str, HashMap<i64, (String, String)>>,
}

impl Lookups {
    pub(super) async fn load(state: &AppState, entity: &Entity) -> AppResult<Lookups> {
        let mut titles = HashMap::new();
        let referenced = entity
            .fields
            .iter()
            .filter_map(|f| if let Kind::Reference(e) = f.kind { Some(e) } else { None })
            .chain(entity.links.iter().map(|l| l.other_entity));
        for key in referenced {
            if let Some(other) = spec::entity(key).filter(|o| o.picker.is_none()) {
                titles.insert(key, record::options(&state.pool, other).await?);
            }
        }
        Ok(Lookups { titles, named: HashMap::new() })
    }

    /// Names of these companies only, for a page that lists entries of several (the review queue, editors);
    /// read by [`Lookups::title`] with the entity `companies`.
    pub(super) async fn companies(state: &AppState, ids: impl IntoIterator<Item = i64>) -> AppResult<Lookups> {
        let mut lookups = Lookups { titles: HashMap::new(), named: HashMap::new() };
        let mut wanted = picker::Wanted::new();
        wanted.insert(spec::COMPANIES.key, ids.into_iter().collect());
        lookups.name_ids(state, wanted).await?;
        Ok(lookups)
    }

    /// Names the entries of large entities that these values (rows, revisions, a form) refer to.
    pub(super) async fn name<'v>(
        &mut self,
        state: &AppState,
        entity: &Entity,
        values: impl IntoIterator<Item = &'v Values>,
    ) -> AppResult<()> {
        let mut wanted = picker::Wanted::new();
        for v in values {
            for f in entity.fields {
                if let (Kind::Reference(target), Some(id)) = (f.kind, v.get(f.column).and_then(Value::as_i64)) {
                    wanted.entry(target).or_default().insert(id);
                }
            }
        }
        self.name_ids(state, wanted).await
    }

    /// Names the entries a list's filters on large references are set to (`f_company_id=12`).
    pub(super) async fn name_filters(
        &mut self,
        state: &AppState,
        entity: &Entity,
        pairs: &[(String, String)],
    ) -> AppResult<()> {
        let mut wanted = picker::Wanted::new();
        let filters = pairs.iter().filter_map(|(k, v)| Some((k.strip_prefix("f_")?, v.as_str())));
        picker::referenced_ids(entity, filters, &mut wanted);
        self.name_ids(state, wanted).await
    }

    /// Names the entries a form's search fields hold.
    pub(super) async fn name_form(&mut self, state: &AppState, entity: &Entity, data: &FormData) -> AppResult<()> {
        let mut wanted = picker::Wanted::new();
        picker::referenced_ids(entity, data.raw.iter().map(|(k, v)| (k.as_str(), v.as_str())), &mut wanted);
        self.name_ids(state, wanted).await
    }

    async fn name_ids(&mut self, state: &AppState, wanted: picker::Wanted) -> AppResult<()> {
        let mut conn = state.pool.acquire().await?;
        for (key, mut ids) in wanted {
            let Some(other) = spec::entity(key).filter(|o| o.picker.is_some()) else { continue };
            let named = self.named.entry(other.key).or_default();
            ids.retain(|id| !named.contains_key(id));
            if !ids.is_empty() {
                named.extend(picker::titles(&mut conn, other, &ids).await?);
            }
        }
        Ok(())
    }

    /// Checks a submitted form: resolves what was typed in its search fields, then applies the field rules
    /// with the referenced ids checked by query. Names what the form will show either way.
    pub(super) async fn validate(
        &mut self,
        state: &AppState,
        entity: &Entity,
        data: &mut FormData,
    ) -> AppResult<Result<Values, Errors>> {
        let mut conn = state.pool.acquire().await?;
        let picker_errors = resolve_pickers(&mut conn, entity, data).await?;
        let known = known_ids(&mut conn, entity, data).await?;
        drop(conn);
        self.name_form(state, entity, data).await?;
        match validate(entity, data, &known) {
            Ok(values) if picker_errors.is_empty() => Ok(Ok(values)),
            Ok(_) => Ok(Err(picker_errors)),
            Err(mut errors) => {
                errors.extend(picker_errors);
                Ok(Err(errors))
            }
        }
    }

    pub fn options(&self, entity: &str) -> &[(i64, String, String)] {
        self.titles.get(entity).map(Vec::as_slice).unwrap_or_default()
    }

    /// The name of an entry, `#id` when it is not known (deleted since, or not named for this page).
    pub fn title(&self, entity: &str, id: i64, l: Lang) -> String {
        let pick = |zh: &String, en: &String| if l.is_en() && !en.is_empty() { en.clone() } else { zh.clone() };
        if let Some((zh, en)) = self.named.get(entity).and_then(|n| n.get(&id)) {
            return pick(zh, en);
        }
        self.options(entity)
            .iter()
            .find(|r| r.0 == id)
            .map(|(_, zh, en)| pick(zh, en))
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// Whether an entry of a large entity was found when naming (it exists).
    pub(super) fn is_named(&self, entity: &str, id: i64) -> bool {
        self.named.get(entity).is_some_and(|n| n.contains_key(&id))
    }
}

/// How a stored value reads in lists, diffs and the conflict page.
pub(super) fn display(field: Option<&Field>, value: Option<&Value>, lookups: &Lookups, l: Lang) -> String {
    let Some(value) = value else { return String::new() };
    match (field.map(|f| f.kind), value) {
        (_, Value::Null) => String::new(),
        (Some(Kind::Bool), Value::Bool(b)) => {
            l.t(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).to_string()
        }
        (Some(Kind::Choice(choices)), Value::String(s)) => {
            choices.iter().find(|c| c.0 == s).map(|c| l.t(c.1, c.2).to_string()).unwrap_or_else(|| s.clone())
        }
        (Some(Kind::Reference(e)), Value::Number(n)) => lookups.title(e, n.as_i64().unwrap_or_default(), l),
        (Some(Kind::Money), Value::Number(n)) => l.yuan(n.as_i64().unwrap_or_default()),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(ids)) => ids.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "),
        (_, other) => other.to_string(),
    }
}

/// A revision as lists show it: what it did, to which entry, named.
pub struct RevisionLine {
    pub revision: Revision,
    pub entity: Option<&'static Entity>,
    pub title: String,
}

pub(super) fn revision_line(revision: Revision, l: Lang) -> RevisionLine {
    let entity = spec::entity(&revision.entity);
    let values = revision.after().or_else(|| revision.before());
    let title = match (entity, values) {
        (Some(e), Some(v)) => {
            Record { id: revision.entity_id, version: 0, updated_at: String::new(), values: v }.title(e, l)
        }
        _ => format!("#{}", revision.entity_id),
    };
    RevisionLine { revision, entity, title }
}

pub fn action_label(action: &str, l: impl std::borrow::Borrow<Lang>) -> &'static str {
    let l = *l.borrow();
    match action {
        "create" => l.t("新建", "created"),
        "update" => l.t("修改", "edited"),
        "delete" => l.t("删除", "deleted"),
        "revert" => l.t("撤销", "reverted"),
        "restore" => l.t("恢复", "restored"),
        _ => l.t("变更", "changed"),
    }
}
