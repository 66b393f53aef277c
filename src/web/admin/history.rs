//! An entry's history and undoing a change. Each revision lists only the fields it changed; long text marks
//! the words that changed; a logo or site plan change shows both pictures; times are on the park's clock
//! (Asia/Shanghai); undoing asks first, on a page that shows what will be undone.

use std::collections::HashSet;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use similar::{Algorithm, ChangeTag};

use super::auth::{AuthSession, Staff};
use super::names::{Lookups, display, revision_line};
use super::{EntryParam, RevisionParam, set_flash, take_flash};
use crate::admin::record::{self, Revision, SaveError, Values};
use crate::admin::spec::{Entity, Label};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// Text longer than this (in characters, on either side) shows the changed words rather than two wholes.
const WORDS_PAST: usize = 40;

#[derive(Template)]
#[template(path = "admin/history.html")]
struct HistoryPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    entity: &'static Entity,
    id: i64,
    title: String,
    exists: bool,
    entries: Vec<HistoryEntry>,
}

pub struct HistoryEntry {
    pub revision: Revision,
    pub changes: Vec<DiffRow>,
    /// The page that asks before undoing this revision (None: it cannot be undone).
    pub revert_url: Option<String>,
}

/// One changed field of a revision.
pub struct DiffRow {
    pub label: Label,
    /// An English field: its cells are marked `lang="en"`.
    pub english: bool,
    pub before: Vec<Piece>,
    pub after: Vec<Piece>,
    /// An uploaded picture (logo, site plan): its paths under `/media/` before and after.
    pub image: Option<(Option<String>, Option<String>)>,
}

/// A run of a value's text, and whether it is what changed.
pub struct Piece {
    pub text: String,
    pub changed: bool,
}

/// The pictures entries keep outside their form fields.
const IMAGES: &[(&str, Label)] =
    &[("logo_path", Label("标志", "Logo")), ("site_plan_path", Label("总平面图", "Site plan"))];

/// The fields `before` → `after` changed, in the form's order.
pub(super) fn diff(entity: &Entity, before: &Values, after: &Values, lookups: &Lookups, l: Lang) -> Vec<DiffRow> {
    let show = |key: &str, values: &Values| -> String {
        match (entity.link(key), values.get(key)) {
            (Some(link), Some(Value::Array(ids))) => ids
                .iter()
                .filter_map(Value::as_i64)
                .map(|id| lookups.title(link.other_entity, id, l))
                .collect::<Vec<_>>()
                .join(l.t("、", ", ")),
            (_, v) => display(entity.field(key), v, lookups, l),
        }
    };
    let english: HashSet<&str> = entity.translated_pairs().map(|(_, en)| en.column).collect();
    let changed = |key: &str| before.get(key).unwrap_or(&Value::Null) != after.get(key).unwrap_or(&Value::Null);
    let mut rows: Vec<DiffRow> = entity
        .fields
        .iter()
        .map(|f| (f.column, f.label))
        .chain(entity.links.iter().map(|k| (k.name, k.label)))
        .filter(|(key, _)| changed(key))
        .map(|(key, label)| {
            let (before, after) = pieces(&show(key, before), &show(key, after));
            DiffRow { label, english: english.contains(key), before, after, image: None }
        })
        .collect();
    for (key, label) in IMAGES {
        if entity.upload_columns.contains(key) && changed(key) {
            let path = |values: &Values| values.get(*key).and_then(Value::as_str).map(str::to_string);
            rows.push(DiffRow {
                label: *label,
                english: false,
                before: Vec::new(),
                after: Vec::new(),
                image: Some((path(before), path(after))),
            });
        }
    }
    rows
}

/// A value before and after as runs of text: whole values when short, the changed words marked when long.
pub(super) fn pieces(before: &str, after: &str) -> (Vec<Piece>, Vec<Piece>) {
    let whole = |text: &str| vec![Piece { text: text.to_string(), changed: !text.is_empty() }];
    let long = before.chars().count() > WORDS_PAST || after.chars().count() > WORDS_PAST;
    if !long || before.is_empty() || after.is_empty() {
        return (whole(before), whole(after));
    }
    let changes = similar::utils::diff_unicode_words(Algorithm::Myers, before, after);
    // Rewritten rather than edited (little in common): marking every other word would only be noise.
    let kept: usize = changes.iter().filter(|(tag, _)| *tag == ChangeTag::Equal).map(|(_, t)| t.chars().count()).sum();
    if kept * 2 < before.chars().count().max(after.chars().count()) {
        return (whole(before), whole(after));
    }
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for (tag, text) in changes {
        let piece = |changed| Piece { text: text.to_string(), changed };
        match tag {
            ChangeTag::Equal => {
                old.push(piece(false));
                new.push(piece(false));
            }
            ChangeTag::Delete => old.push(piece(true)),
            ChangeTag::Insert => new.push(piece(true)),
        }
    }
    (old, new)
}

/// An entry's history: its title (from its last revision once it is deleted), whether it exists, and each
/// revision with what it changed.
struct Story {
    title: String,
    exists: bool,
    entries: Vec<HistoryEntry>,
}

async fn story(state: &AppState, ctx: &Ctx, entity: &'static Entity, id: i64) -> AppResult<Story> {
    let revisions = record::revisions(&state.pool, entity, id).await?;
    let mut conn = state.pool.acquire().await?;
    let current = record::load(&mut conn, entity, id).await?;
    drop(conn);
    if revisions.is_empty() && current.is_none() {
        return Err(AppError::NotFound);
    }
    let mut lookups = Lookups::load(state, entity).await?;
    let shown: Vec<Values> = revisions.iter().flat_map(|r| [r.before(), r.after()]).flatten().collect();
    lookups.name(state, entity, &shown).await?;
    let empty = Values::new();
    let entries = revisions
        .into_iter()
        .map(|revision| {
            let before = revision.before().unwrap_or_else(|| empty.clone());
            let after = revision.after().unwrap_or_else(|| empty.clone());
            let changes = diff(entity, &before, &after, &lookups, ctx.lang);
            // Undoing a creation deletes, which the singleton cannot be.
            let can_revert = !(entity.singleton && revision.before_json.is_none());
            HistoryEntry {
                revert_url: can_revert
                    .then(|| ctx.lang.url(&format!("/admin/{}/{id}/revert/{}", entity.key, revision.id))),
                revision,
                changes,
            }
        })
        .collect::<Vec<HistoryEntry>>();
    let title = match &current {
        Some(r) => r.title(entity, ctx.lang),
        None => entries.first().map(|e| revision_line(e.revision.clone(), ctx.lang).title).unwrap_or_default(),
    };
    Ok(Story { title, exists: current.is_some(), entries })
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
) -> AppResult<Response> {
    let Story { title, exists, entries } = story(&state, &ctx, entity, id).await?;
    render(&HistoryPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        entity,
        id,
        title,
        exists,
        entries,
    })
}

#[derive(Template)]
#[template(path = "admin/revert.html")]
struct RevertPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    entity: &'static Entity,
    title: String,
    entry: HistoryEntry,
    history_url: String,
}

/// Asks before undoing a revision, showing what it changed.
pub async fn confirm_revert(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
    RevisionParam(revision): RevisionParam,
) -> AppResult<Response> {
    let Story { title, entries, .. } = story(&state, &ctx, entity, id).await?;
    let entry =
        entries.into_iter().find(|e| e.revision.id == revision && e.revert_url.is_some()).ok_or(AppError::NotFound)?;
    render(&RevertPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        entity,
        title,
        history_url: ctx.lang.url(&format!("/admin/{}/{id}/history", entity.key)),
        entry,
    })
}

pub async fn revert(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
    RevisionParam(revision): RevisionParam,
) -> AppResult<Response> {
    match record::revert(&state.pool, entity, id, revision, &user.username).await {
        Ok(()) => {
            state.settle().await;
            set_flash(
                &auth,
                Text::new(
                    "已撤销该变更（撤销本身也记入历史）。",
                    "The change was undone (the undo is in the history too).",
                ),
            )
            .await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/{id}/history", entity.key))).into_response())
        }
        Err(SaveError::Duplicate { column }) => Err(AppError::Conflict(Text::new(
            format!("无法恢复：“{column}”的值已被另一条目使用。"),
            format!("Cannot restore: another entry now uses its “{column}”."),
        ))),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[Piece]) -> String {
        pieces.iter().map(|p| if p.changed { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn long_text_marks_the_changed_words_and_short_values_change_whole() {
        let (before, after) = pieces(
            "Gpixel develops and industrialises CMOS image sensors for science.",
            "Gpixel develops and industrialises CMOS image sensors for industry.",
        );
        assert_eq!(marked(&before), "Gpixel develops and industrialises CMOS image sensors for [science].");
        assert_eq!(marked(&after), "Gpixel develops and industrialises CMOS image sensors for [industry].");
        // A rewrite is shown whole, not as a scatter of marked words.
        let (before, after) = pieces(
            "Gpixel is a CIOMP spin-off that develops and industrialises CMOS image sensors.",
            "Edited in a real browser.",
        );
        assert_eq!(marked(&after), "[Edited in a real browser.]");
        assert!(marked(&before).starts_with("[Gpixel is"));
        let (before, after) = pieces("2014", "2015");
        assert_eq!((marked(&before), marked(&after)), ("[2014]".into(), "[2015]".into()));
        // Chinese has no spaces: the words are its characters.
        let (_, after) = pieces(
            "长光辰芯是长春光机所落地转化的高新技术企业，从事CMOS图像传感器的研发与产业化，产品用于科学研究。",
            "长光辰芯是长春光机所落地转化的高新技术企业，从事CMOS图像传感器的研发与产业化，产品用于工业检测。",
        );
        assert!(marked(&after).ends_with("，产品用于[工业检测]。"), "{}", marked(&after));
    }
}
