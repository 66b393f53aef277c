//! The conflict page: someone saved the entry since this form was loaded.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::auth::Staff;
use super::form::FormData;
use super::names::{Lookups, display};
use crate::admin::record::{Record, Values};
use crate::admin::spec::{Entity, Label};
use crate::i18n::Lang;
use crate::web::error::AppResult;
use crate::web::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "admin/conflict.html")]
struct ConflictPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    title: String,
    action: String,
    current_version: i64,
    rows: Vec<ConflictRow>,
}

pub struct ConflictRow {
    pub key: String,
    pub label: Label,
    pub stored: String,
    pub submitted: String,
    pub stored_raw: Vec<String>,
    pub submitted_raw: Vec<String>,
    pub differs: bool,
}

fn raw_values(entity: &Entity, key: &str, value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(ids)) => ids.iter().map(|v| v.to_string()).collect(),
        Some(v) => {
            let mut single = Values::new();
            single.insert(key.to_string(), v.clone());
            vec![FormData::from_values(entity, &single, None).value(key).to_string()]
        }
        None => vec![String::new()],
    }
}

fn conflict_rows(entity: &Entity, stored: &Values, submitted: &Values, lookups: &Lookups, l: Lang) -> Vec<ConflictRow> {
    let keys = entity.fields.iter().map(|f| (f.column, f.label)).chain(entity.links.iter().map(|k| (k.name, k.label)));
    let mut rows = keys
        .map(|(key, label)| {
            let field = entity.field(key);
            let show = |v: Option<&Value>| match (entity.link(key), v) {
                (Some(link), Some(Value::Array(ids))) => ids
                    .iter()
                    .filter_map(Value::as_i64)
                    .map(|id| lookups.title(link.other_entity, id, l))
                    .collect::<Vec<_>>()
                    .join(l.t("、", ", ")),
                _ => display(field, v, lookups, l),
            };
            ConflictRow {
                key: key.to_string(),
                label,
                stored: show(stored.get(key)),
                submitted: show(submitted.get(key)),
                stored_raw: raw_values(entity, key, stored.get(key)),
                submitted_raw: raw_values(entity, key, submitted.get(key)),
                differs: stored.get(key) != submitted.get(key),
            }
        })
        .collect::<Vec<_>>();
    // What needs a choice first; what both sides agree on after.
    rows.sort_by_key(|r| !r.differs);
    rows
}

/// The conflict page (409): what is stored now beside what was submitted, field by field, to choose from.
#[allow(clippy::too_many_arguments)]
pub(super) fn page(
    ctx: &Ctx,
    user: Staff,
    entity: &Entity,
    id: i64,
    title: String,
    current: &Record,
    submitted: &Values,
    lookups: &Lookups,
) -> AppResult<Response> {
    let mut response = render(&ConflictPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        title,
        action: ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key)),
        current_version: current.version,
        rows: conflict_rows(entity, &current.values, submitted, lookups, ctx.lang),
    })?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}
