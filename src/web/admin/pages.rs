//! The admin's pages for every entity: dashboard, list, create, edit (with conflicts), delete, history.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::auth::{AuthSession, Staff};
use super::form::{Errors, FormData, known_ids, resolve_pickers, validate};
use super::upload::{self, ImageSlot};
use crate::admin::picker;
use crate::admin::record::{self, ListQuery, Record, Revision, SaveError, Values};
use crate::admin::spec::{self, ENTITIES, Entity, Field, Kind, Label};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Text};
use crate::web::{Chrome, Ctx, render};

const PER_PAGE: i64 = 50;
const FLASH: &str = "flash";

pub(super) fn entity_of(key: &str) -> AppResult<&'static Entity> {
    spec::entity(key).ok_or(AppError::NotFound)
}

pub(super) async fn set_flash(auth: &AuthSession, message: Text) {
    let _ = auth.session.insert(FLASH, (message.zh, message.en)).await;
}

pub(super) async fn take_flash(auth: &AuthSession) -> Option<Text> {
    auth.session.remove::<(String, String)>(FLASH).await.ok().flatten().map(|(zh, en)| Text::new(zh, en))
}

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
    async fn name_filters(&mut self, state: &AppState, entity: &Entity, pairs: &[(String, String)]) -> AppResult<()> {
        let mut wanted = picker::Wanted::new();
        let filters = pairs.iter().filter_map(|(k, v)| Some((k.strip_prefix("f_")?, v.as_str())));
        picker::referenced_ids(entity, filters, &mut wanted);
        self.name_ids(state, wanted).await
    }

    /// Names the entries a form's search fields hold.
    async fn name_form(&mut self, state: &AppState, entity: &Entity, data: &FormData) -> AppResult<()> {
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
    async fn validate(
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
    fn is_named(&self, entity: &str, id: i64) -> bool {
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

// ---------------------------------------------------------------------------------------------------------
// Dashboard

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    counts: Vec<(&'static Entity, i64)>,
    recent: Vec<RevisionLine>,
    untranslated: Vec<(&'static Entity, i64, String, Vec<Label>)>,
}

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
            Record { id: revision.entity_id, version: 0, updated_at: String::new(), values: v }.title(e, l.is_en())
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

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx, auth: AuthSession, user: Staff) -> AppResult<Response> {
    let mut counts = Vec::new();
    let mut untranslated = Vec::new();
    for entity in ENTITIES.iter().copied() {
        let n: i64 =
            sqlx::query_scalar(&format!("select count(*) from {}", entity.table)).fetch_one(&state.pool).await?;
        counts.push((entity, n));
        let pairs: Vec<(&Field, &Field)> = entity.translated_pairs().collect();
        if pairs.is_empty() {
            continue;
        }
        let condition = pairs
            .iter()
            .map(|(zh, en)| format!("({0} <> '' and {1} = '')", zh.column, en.column))
            .collect::<Vec<_>>()
            .join(" or ");
        let (title_zh, _) = entity.title;
        let columns = pairs.iter().flat_map(|(zh, en)| [zh.column, en.column]).collect::<Vec<_>>().join(", ");
        let sql =
            format!("select id, {title_zh}, {columns} from {} where {condition} order by id limit 20", entity.table);
        let rows = sqlx::query(&sql).fetch_all(&state.pool).await?;
        for row in rows {
            use sqlx::Row;
            let id: i64 = row.try_get(0)?;
            let title: String = row.try_get::<Option<String>, _>(1)?.unwrap_or_default();
            let missing = pairs
                .iter()
                .filter(|(zh, en)| {
                    let z: String = row.try_get::<Option<String>, _>(zh.column).ok().flatten().unwrap_or_default();
                    let e: String = row.try_get::<Option<String>, _>(en.column).ok().flatten().unwrap_or_default();
                    !z.is_empty() && e.is_empty()
                })
                .map(|(_, en)| en.label)
                .collect();
            untranslated.push((entity, id, title, missing));
        }
    }
    let recent =
        record::recent_revisions(&state.pool, 15).await?.into_iter().map(|r| revision_line(r, ctx.lang)).collect();
    render(&DashboardPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        counts,
        recent,
        untranslated,
    })
}

// ---------------------------------------------------------------------------------------------------------
// List

/// A list filter: the field, its (value, label) options, the selected value.
type ListFilter = (&'static Field, Vec<(String, String)>, String);

/// What a list shows, read from its query string: search, sort, page and filters (the export reads the same).
struct ListParams {
    q: String,
    sort_raw: String,
    sort: Option<(&'static str, bool)>,
    page: i64,
    filters: Vec<ListFilter>,
    /// The filters in effect, as (column, value).
    active: Vec<(&'static str, String)>,
}

fn list_params(
    entity: &'static Entity,
    pairs: &[(String, String)],
    lookups: &Lookups,
    l: Lang,
) -> AppResult<ListParams> {
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let q = get("q");
    if q.chars().count() > 100 {
        return Err(AppError::BadRequest(Text::new(
            "搜索词最多 100 个字符。",
            "The search term can have at most 100 characters.",
        )));
    }
    let sortable: Vec<&'static str> =
        std::iter::once(entity.title.0).chain(entity.list_columns.iter().copied()).collect();
    let sort_raw = get("sort");
    let sort = match sort_raw.strip_prefix('-').unwrap_or(&sort_raw) {
        "" => None,
        column => Some((
            *sortable.iter().find(|c| **c == column).ok_or_else(|| {
                AppError::BadRequest(Text::new(
                    format!("无法按“{column}”排序。"),
                    format!("Cannot sort by “{column}”."),
                ))
            })?,
            sort_raw.starts_with('-'),
        )),
    };
    let page = match get("page").as_str() {
        "" => 1,
        p => p.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
            AppError::BadRequest(Text::new(
                "页码应为从 1 开始的整数。",
                "The page number must be a whole number from 1.",
            ))
        })?,
    };
    // Filters: every reference or choice column in the list.
    let mut filters = Vec::new();
    let mut active = Vec::new();
    for column in entity.list_columns {
        let Some(field) = entity.field(column) else { continue };
        let selected = get(&format!("f_{column}"));
        let options: Vec<(String, String)> = match field.kind {
            // A large entity's filter offers only the entry it is set to (named beforehand), to show and clear.
            Kind::Reference(e) if field.widget() == "picker" => selected
                .parse::<i64>()
                .ok()
                .filter(|id| lookups.is_named(e, *id))
                .map(|id| (id.to_string(), lookups.title(e, id, l)))
                .into_iter()
                .collect(),
            Kind::Reference(e) => lookups
                .options(e)
                .iter()
                .map(|(id, zh, en)| (id.to_string(), if l.is_en() && !en.is_empty() { en.clone() } else { zh.clone() }))
                .collect(),
            Kind::Choice(choices) => {
                choices.iter().map(|(v, zh, en)| (v.to_string(), l.t(zh, en).to_string())).collect()
            }
            _ => continue,
        };
        if !selected.is_empty() {
            if !options.iter().any(|(v, _)| *v == selected) {
                return Err(AppError::BadRequest(Text::new("筛选条件无效。", "That filter value does not exist.")));
            }
            active.push((field.column, selected.clone()));
        }
        filters.push((field, options, selected));
    }
    Ok(ListParams { q, sort_raw, sort, page, filters, active })
}

#[derive(Template)]
#[template(path = "admin/list.html")]
struct ListPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    entity: &'static Entity,
    rows: Vec<(Record, Vec<String>)>,
    columns: Vec<&'static Field>,
    filters: Vec<ListFilter>,
    q: String,
    sort: String,
    total: i64,
    page: i64,
    pages: i64,
    base: String,
    query_without_page: String,
    deleted: Vec<RevisionLine>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    if entity.singleton {
        return Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/1/edit", entity.key))).into_response());
    }
    let mut lookups = Lookups::load(&state, entity).await?;
    let pairs = ctx.query_pairs();
    lookups.name_filters(&state, entity, &pairs).await?;
    let ListParams { q, sort_raw, sort, page, filters, active } = list_params(entity, &pairs, &lookups, ctx.lang)?;
    // Companies by name are listed in the directory's order (pinyin), which the catalog knows and SQL does not.
    let cat = state.catalog();
    let by_pinyin = |id: i64| cat.position(id);
    let by_name = entity.key == "companies" && sort.is_none_or(|(column, _)| column == "short_name_zh");
    let rank: Option<&(dyn Fn(i64) -> Option<u32> + Sync)> = if by_name { Some(&by_pinyin) } else { None };
    let (records, total) =
        record::list(&state.pool, entity, &ListQuery { q: &q, filters: active, sort, page, per_page: PER_PAGE, rank })
            .await?;
    lookups.name(&state, entity, records.iter().map(|r| &r.values)).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::BadRequest(Text::new(
            format!("没有第 {page} 页。"),
            format!("There is no page {page}."),
        )));
    }
    let columns: Vec<&'static Field> = entity.list_columns.iter().filter_map(|c| entity.field(c)).collect();
    let rows = records
        .into_iter()
        .map(|r| {
            let cells = columns.iter().map(|f| display(Some(f), r.values.get(f.column), &lookups, ctx.lang)).collect();
            (r, cells)
        })
        .collect();
    let query_without_page = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(k, v)| k != "page" && !v.is_empty()))
        .finish();
    let deleted = sqlx::query_as::<_, Revision>(
        "select * from revision r where entity = ? and action in ('delete', 'revert') and after_json is null
           and id = (select max(id) from revision where entity = r.entity and entity_id = r.entity_id)
         order by id desc limit 10",
    )
    .bind(entity.key)
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| revision_line(r, ctx.lang))
    .collect();
    render(&ListPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        flash: take_flash(&auth).await,
        user,
        entity,
        rows,
        columns,
        filters,
        q,
        sort: sort_raw,
        total,
        page,
        pages,
        base: ctx.lang.url(&format!("/admin/{}", entity.key)),
        query_without_page,
        deleted,
    })
}

/// `GET /admin/{entity}/export`: every row the list shows under the same search and filters, in its order,
/// as a CSV download (all pages at once).
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    _staff: Staff,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    let mut lookups = Lookups::load(&state, entity).await?;
    let pairs = ctx.query_pairs();
    lookups.name_filters(&state, entity, &pairs).await?;
    let ListParams { q, sort, filters: _, active, .. } = list_params(entity, &pairs, &lookups, ctx.lang)?;
    let (records, _) = record::list(
        &state.pool,
        entity,
        &ListQuery { q: &q, filters: active, sort, page: 1, per_page: -1, rank: None },
    )
    .await?;
    let mut conn = state.pool.acquire().await?;
    let bytes = crate::admin::csv::write(&mut conn, entity, &records).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.csv\"", entity.key)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

impl ListPage {
    /// (value of `sort`, label) for each way the list can be ordered.
    fn sort_options(&self) -> Vec<(String, String)> {
        let l = self.l;
        let mut out = vec![
            (self.entity.title.0.to_string(), format!("{} ↑", l.t("名称", "Name"))),
            (format!("-{}", self.entity.title.0), format!("{} ↓", l.t("名称", "Name"))),
        ];
        for f in &self.columns {
            out.push((f.column.to_string(), format!("{} ↑", f.label.get(l))));
            out.push((format!("-{}", f.column), format!("{} ↓", f.label.get(l))));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------------------
// Create and edit

#[derive(Template)]
#[template(path = "admin/form.html")]
struct FormPage<'a> {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    flash: Option<Text>,
    entity: &'static Entity,
    /// None when creating.
    id: Option<i64>,
    title: String,
    data: FormData,
    errors: Errors,
    lookups: &'a Lookups,
    action: String,
    image: Option<ImageBox>,
}

/// The image an entry carries (a logo, a site plan), for the upload box under its form.
pub struct ImageBox {
    pub slot: &'static ImageSlot,
    /// The stored path, if one is uploaded.
    pub path: Option<String>,
    /// Why the last upload was refused (too large, not an image), said beside the upload field.
    pub error: Option<Text>,
}

impl FormPage<'_> {
    fn error(&self, key: &str) -> Option<&Text> {
        self.errors.get(key)
    }

    /// The entry a search field holds: (id, name), when it holds one that exists.
    fn chosen(&self, f: &Field) -> Option<(i64, String)> {
        let target = f.reference()?;
        let id = self.data.value(f.column).trim().parse::<i64>().ok()?;
        self.lookups.is_named(target, id).then(|| (id, self.lookups.title(target, id, self.l)))
    }

    /// Where a search field's script looks entries up.
    fn lookup_url(&self, f: &Field) -> String {
        self.l.url(&format!("/admin/lookup/{}", f.reference().unwrap_or_default()))
    }

    /// The entry on the public site, where it has a page of its own. Not on a form refused for errors: what
    /// it shows is what was typed (a slug that may not exist), not what is stored.
    fn public_url(&self) -> Option<String> {
        if !self.errors.is_empty() {
            return None;
        }
        let slug = self.data.value("slug");
        match self.entity.key {
            "companies" | "sectors" if self.id.is_some() && !slug.is_empty() => {
                Some(self.l.url(&format!("/{}/{slug}", self.entity.key)))
            }
            "phases" if self.id.is_some() => Some(self.l.url(&format!("/phases/{}", self.data.value("number")))),
            _ => None,
        }
    }

    /// The entries that refer to this one and are edited on their own (a company's awards and milestones):
    /// (their name, the list of those referring here, a new one already referring here).
    fn related(&self) -> Vec<(Label, Option<String>, String)> {
        let Some(id) = self.id else { return Vec::new() };
        self.entity
            .referrers
            .iter()
            .filter_map(|r| {
                let other = ENTITIES.iter().find(|e| e.table == r.table)?;
                other.field(r.column)?;
                let list = other
                    .list_columns
                    .contains(&r.column)
                    .then(|| self.l.url(&format!("/admin/{}?f_{}={id}", other.key, r.column)));
                Some((other.plural, list, self.l.url(&format!("/admin/{}/new?{}={id}", other.key, r.column))))
            })
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    ctx: &Ctx,
    user: Staff,
    flash: Option<Text>,
    entity: &'static Entity,
    id: Option<i64>,
    title: String,
    data: FormData,
    errors: Errors,
    lookups: &Lookups,
    image: Option<ImageBox>,
) -> AppResult<Response> {
    let action = match id {
        Some(id) => ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key)),
        None => ctx.lang.url(&format!("/admin/{}/new", entity.key)),
    };
    let invalid = !errors.is_empty();
    let mut response = render(&FormPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        user,
        flash,
        entity,
        id,
        title,
        data,
        errors,
        lookups,
        action,
        image,
    })?;
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    if entity.singleton {
        return Err(AppError::NotFound);
    }
    let mut lookups = Lookups::load(&state, entity).await?;
    let mut data = FormData::default();
    // Sensible defaults for required choices and counts.
    for f in entity.fields {
        let default = match f.kind {
            Kind::Choice(c) if f.required => c.first().map(|c| c.0.to_string()).unwrap_or_default(),
            Kind::Integer { min, .. } if f.required && f.column != "number" => min.to_string(),
            _ => String::new(),
        };
        data.raw.insert(f.column.to_string(), default);
    }
    // A link from the entry it belongs to chooses it beforehand ("add an award" on a company: `?company_id=1`).
    for (key, value) in ctx.query_pairs() {
        if entity.field(&key).is_some_and(|f| f.reference().is_some()) && value.parse::<i64>().is_ok() {
            data.raw.insert(key, value);
        }
    }
    lookups.name_form(&state, entity, &data).await?;
    let title = format!("{}{}", ctx.lang.t("新建", "New "), entity.singular.get(ctx.lang));
    form_page(&ctx, user, None, entity, None, title, data, Errors::new(), &lookups, None)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    Path(key): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    if entity.singleton {
        return Err(AppError::NotFound);
    }
    let mut lookups = Lookups::load(&state, entity).await?;
    let mut data = FormData::from_pairs(entity, &pairs);
    let title = format!("{}{}", ctx.lang.t("新建", "New "), entity.singular.get(ctx.lang));
    let values = match lookups.validate(&state, entity, &mut data).await? {
        Ok(values) => values,
        Err(errors) => return form_page(&ctx, user, None, entity, None, title, data, errors, &lookups, None),
    };
    match record::create(&state.pool, entity, &values, &user.username).await {
        Ok(id) => {
            state.settle().await;
            let name = Record { id, version: 1, updated_at: String::new(), values }.title(entity, ctx.lang.is_en());
            set_flash(&auth, Text::new(format!("已新建“{name}”。"), format!("Created “{name}”."))).await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key))).into_response())
        }
        Err(SaveError::Duplicate { column }) => {
            let errors = duplicate_error(&column);
            form_page(&ctx, user, None, entity, None, title, data, errors, &lookups, None)
        }
        Err(err) => Err(save_failure(err)),
    }
}

fn duplicate_error(column: &str) -> Errors {
    let mut errors = Errors::new();
    errors.insert(column.to_string(), Text::new("这个值已被另一条目使用。", "Another entry already uses this value."));
    errors
}

pub(super) fn save_failure(err: SaveError) -> AppError {
    match err {
        SaveError::NotFound => AppError::NotFound,
        SaveError::Database(e) => AppError::Database(e),
        SaveError::Invalid(text) => AppError::Conflict(text),
        SaveError::Referred => {
            AppError::Conflict(Text::new("其他条目仍引用此条目。", "Other entries still refer to this one."))
        }
        other => AppError::Other(anyhow::anyhow!("{other}")),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    Path((key, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    edit_page(&state, &ctx, user, take_flash(&auth).await, entity, id, None).await
}

/// The edit page of what is stored; `upload_error` is said beside the image upload that was refused.
pub(super) async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    user: Staff,
    flash: Option<Text>,
    entity: &'static Entity,
    id: i64,
    upload_error: Option<Text>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let stored = record::load(&mut conn, entity, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let mut lookups = Lookups::load(state, entity).await?;
    lookups.name(state, entity, [&stored.values]).await?;
    let title = stored.title(entity, ctx.lang.is_en());
    let data = FormData::from_values(entity, &stored.values, Some(stored.version));
    let image = image_of(state, entity, id).await?.map(|image| ImageBox { error: upload_error, ..image });
    form_page(ctx, user, flash, entity, Some(id), title, data, Errors::new(), &lookups, image)
}

async fn image_of(state: &AppState, entity: &Entity, id: i64) -> AppResult<Option<ImageBox>> {
    let Some(slot) = upload::slot_of(entity.key) else { return Ok(None) };
    let sql = format!("select {} from {} where id = ?", slot.column, entity.table);
    let path = sqlx::query_scalar::<_, Option<String>>(&sql).bind(id).fetch_optional(&state.pool).await?.flatten();
    Ok(Some(ImageBox { slot, path, error: None }))
}

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

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    Path((key, id)): Path<(String, i64)>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let entity = entity_of(&key)?;
    let mut lookups = Lookups::load(&state, entity).await?;
    let mut data = FormData::from_pairs(entity, &pairs);
    let title = {
        let mut conn = state.pool.acquire().await?;
        record::load(&mut conn, entity, id).await?.ok_or(AppError::NotFound)?.title(entity, ctx.lang.is_en())
    };
    let Some(version) = data.version else {
        return Err(AppError::BadRequest(Text::new(
            "表单缺少版本号，请重新打开编辑页。",
            "The form has no version; open the edit page again.",
        )));
    };
    let values = match lookups.validate(&state, entity, &mut data).await? {
        Ok(values) => values,
        Err(errors) => {
            let image = image_of(&state, entity, id).await?;
            return form_page(&ctx, user, None, entity, Some(id), title, data, errors, &lookups, image);
        }
    };
    match record::update(&state.pool, entity, id, version, &values, &user.username).await {
        Ok(()) => {
            state.settle().await;
            set_flash(&auth, Text::new(format!("已保存“{title}”。"), format!("Saved “{title}”."))).await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key))).into_response())
        }
        Err(SaveError::Conflict { current }) => {
            lookups.name(&state, entity, [&current.values]).await?;
            let rows = conflict_rows(entity, &current.values, &values, &lookups, ctx.lang);
            let mut response = render(&ConflictPage {
                l: ctx.lang,
                chrome: ctx.chrome("admin"),
                user,
                title,
                action: ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key)),
                current_version: current.version,
                rows,
            })?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(SaveError::Duplicate { column }) => {
            let image = image_of(&state, entity, id).await?;
            form_page(&ctx, user, None, entity, Some(id), title, data, duplicate_error(&column), &lookups, image)
        }
        Err(err) => Err(save_failure(err)),
    }
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

// ---------------------------------------------------------------------------------------------------------
// Delete

#[derive(Template)]
#[template(path = "admin/delete.html")]
struct DeletePage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    entity: &'static Entity,
    id: i64,
    title: String,
    referrers: Vec<(Label, Vec<String>)>,
}

async fn delete_page(state: &AppState, ctx: &Ctx, user: Staff, key: &str, id: i64) -> AppResult<(DeletePage, bool)> {
    let entity = entity_of(key)?;
    if entity.singleton {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.acquire().await?;
    let stored = record::load(&mut conn, entity, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let referrers = record::referrers(&state.pool, entity, id).await?;
    let blocked = !referrers.is_empty();
    Ok((
        DeletePage {
            l: ctx.lang,
            chrome: ctx.chrome("admin"),
            user,
            entity,
            id,
            title: stored.title(entity, ctx.lang.is_en()),
            referrers,
        },
        blocked,
    ))
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    Path((key, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (page, _) = delete_page(&state, &ctx, user, &key, id).await?;
    render(&page)
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    Path((key, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (page, blocked) = delete_page(&state, &ctx, user.clone(), &key, id).await?;
    if blocked {
        let mut response = render(&page)?;
        *response.status_mut() = StatusCode::CONFLICT;
        return Ok(response);
    }
    let entity = page.entity;
    match record::delete(&state.pool, entity, id, &page.user.username).await {
        Ok(()) => {
            state.settle().await;
            let title = page.title;
            set_flash(
                &auth,
                Text::new(
                    format!("已删除“{title}”，可在历史记录中恢复。"),
                    format!("Deleted “{title}”; it can be restored from its history."),
                ),
            )
            .await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}", entity.key))).into_response())
        }
        Err(SaveError::Referred) => {
            let (page, _) = delete_page(&state, &ctx, user, &key, id).await?;
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(err) => Err(save_failure(err)),
    }
}
