//! Creating and editing an entry: the form, its checks, and the save (a stale version gets the conflict page).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Staff};
use super::conflict;
use super::form::{Errors, FormData};
use super::names::Lookups;
use super::upload::{self, ImageSlot};
use super::{EntityParam, EntryParam, set_flash, take_flash};
use crate::admin::record::{self, Record, SaveError};
use crate::admin::spec::{ENTITIES, Entity, Field, Kind, Label};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

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
pub(super) fn form_page(
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

/// A new entry's form: sensible defaults for required choices, counts and times, the rest empty.
pub(super) fn blank(entity: &Entity) -> FormData {
    let mut data = FormData::default();
    for f in entity.fields {
        let default = match f.kind {
            Kind::Choice(c) if f.required => c.first().map(|c| c.0.to_string()).unwrap_or_default(),
            // A count starts at its least (one building); a number or a measure (an area) has no default.
            Kind::Integer { min, .. } if f.required && !matches!(f.column, "number" | "area_m2") => min.to_string(),
            // A post's publication time: now, so "published" publishes it at once unless a later time is typed.
            Kind::DateTime if f.required => crate::db::posts::beijing_now(),
            _ => String::new(),
        };
        data.raw.insert(f.column.to_string(), default);
    }
    data
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    EntityParam(entity): EntityParam,
) -> AppResult<Response> {
    if entity.singleton {
        return Err(AppError::NotFound);
    }
    let mut lookups = Lookups::load(&state, entity).await?;
    let mut data = blank(entity);
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
    EntityParam(entity): EntityParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
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
            let name = Record { id, version: 1, updated_at: String::new(), values }.title(entity, ctx.lang);
            set_flash(&auth, Text::new(format!("已新建“{name}”。"), format!("Created “{name}”."))).await;
            Ok(Redirect::to(&ctx.lang.url(&format!("/admin/{}/{id}/edit", entity.key))).into_response())
        }
        Err(SaveError::Duplicate { column }) => {
            let errors = duplicate_error(&column);
            form_page(&ctx, user, None, entity, None, title, data, errors, &lookups, None)
        }
        Err(err) => Err(err.into()),
    }
}

pub(super) fn duplicate_error(column: &str) -> Errors {
    let mut errors = Errors::new();
    errors.insert(column.to_string(), Text::new("这个值已被另一条目使用。", "Another entry already uses this value."));
    errors
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
) -> AppResult<Response> {
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
    let title = stored.title(entity, ctx.lang);
    let data = FormData::from_values(entity, &stored.values, Some(stored.version));
    let image = image_of(state, entity, id).await?.map(|image| ImageBox { error: upload_error, ..image });
    form_page(ctx, user, flash, entity, Some(id), title, data, Errors::new(), &lookups, image)
}

pub(super) async fn image_of(state: &AppState, entity: &Entity, id: i64) -> AppResult<Option<ImageBox>> {
    let Some(slot) = upload::slot_of(entity.key) else { return Ok(None) };
    let path = record::upload_path(&state.pool, entity, id, slot.column).await?;
    Ok(Some(ImageBox { slot, path, error: None }))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut lookups = Lookups::load(&state, entity).await?;
    let mut data = FormData::from_pairs(entity, &pairs);
    let title = {
        let mut conn = state.pool.acquire().await?;
        record::load(&mut conn, entity, id).await?.ok_or(AppError::NotFound)?.title(entity, ctx.lang)
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
            conflict::page(&ctx, user, entity, id, title, &current, &values, &lookups)
        }
        Err(SaveError::Duplicate { column }) => {
            let image = image_of(&state, entity, id).await?;
            form_page(&ctx, user, None, entity, Some(id), title, data, duplicate_error(&column), &lookups, image)
        }
        Err(err) => Err(err.into()),
    }
}
