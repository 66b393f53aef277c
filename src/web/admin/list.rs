//! `/admin/{entity}`: the list of an entity's entries (search, filters, order, pages) and its CSV export.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Staff};
use super::names::{Lookups, RevisionLine, display, revision_line};
use super::{EntityParam, PER_PAGE, take_flash};
use crate::admin::record::{self, ListQuery, Record};
use crate::admin::spec::{Entity, Field, Kind};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

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
    let (filters, active) = list_filters(entity, &get, lookups, l)?;
    Ok(ListParams { q, sort_raw, sort, page, filters, active })
}

/// The list's filters (every reference or choice column it shows) and those in effect, as (column, value).
#[allow(clippy::type_complexity)]
fn list_filters(
    entity: &'static Entity,
    get: &impl Fn(&str) -> String,
    lookups: &Lookups,
    l: Lang,
) -> AppResult<(Vec<ListFilter>, Vec<(&'static str, String)>)> {
    let mut filters = Vec::new();
    let mut active = Vec::new();
    for column in entity.list_columns {
        let Some(field) = entity.field(column) else { continue };
        let selected = get(&format!("f_{column}"));
        let Some(options) = filter_options(field, &selected, lookups, l) else { continue };
        if !selected.is_empty() {
            if !options.iter().any(|(v, _)| *v == selected) {
                return Err(AppError::BadRequest(Text::new("筛选条件无效。", "That filter value does not exist.")));
            }
            active.push((field.column, selected.clone()));
        }
        filters.push((field, options, selected));
    }
    Ok((filters, active))
}

/// (value, label) of each option a column's filter offers; None for a column that has no filter.
fn filter_options(field: &Field, selected: &str, lookups: &Lookups, l: Lang) -> Option<Vec<(String, String)>> {
    Some(match field.kind {
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
        Kind::Choice(choices) => choices.iter().map(|(v, zh, en)| (v.to_string(), l.t(zh, en).to_string())).collect(),
        _ => return None,
    })
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
    EntityParam(entity): EntityParam,
) -> AppResult<Response> {
    if entity.singleton {
        return Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/1/edit", entity.key))).into_response());
    }
    let mut lookups = Lookups::load(&state, entity).await?;
    let pairs = ctx.query_pairs();
    lookups.name_filters(&state, entity, &pairs).await?;
    let ListParams { q, sort_raw, sort, page, filters, active } = list_params(entity, &pairs, &lookups, ctx.lang)?;
    // Companies by name are listed in the directory's order (pinyin), which the catalog knows and SQL does not.
    let catalog = state.catalog();
    let by_pinyin = |id: i64| catalog.position(id);
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
    let deleted = record::recently_deleted(&state.pool, entity, 10)
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
    EntityParam(entity): EntityParam,
) -> AppResult<Response> {
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
