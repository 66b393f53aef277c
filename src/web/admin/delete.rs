//! Deleting an entry: a confirmation page, refused while other entries refer to it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{AuthSession, Staff};
use super::{EntryParam, set_flash};
use crate::admin::record::{self, SaveError};
use crate::admin::spec::{Entity, Label};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

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

async fn delete_page(
    state: &AppState,
    ctx: &Ctx,
    user: Staff,
    entity: &'static Entity,
    id: i64,
) -> AppResult<(DeletePage, bool)> {
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
            title: stored.title(entity, ctx.lang),
            referrers,
        },
        blocked,
    ))
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
) -> AppResult<Response> {
    let (page, _) = delete_page(&state, &ctx, user, entity, id).await?;
    render(&page)
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: AuthSession,
    user: Staff,
    EntryParam { entity, id }: EntryParam,
) -> AppResult<Response> {
    let (page, blocked) = delete_page(&state, &ctx, user.clone(), entity, id).await?;
    if blocked {
        let mut response = render(&page)?;
        *response.status_mut() = StatusCode::CONFLICT;
        return Ok(response);
    }
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
            let (page, _) = delete_page(&state, &ctx, user, entity, id).await?;
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(err) => Err(err.into()),
    }
}
