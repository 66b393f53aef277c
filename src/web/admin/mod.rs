//! The admin side: `/admin/…` (Chinese) and `/en/admin/…` (English). Every route but the sign-in page and the
//! invitation link sits behind a guard for the role it serves ([`Access`]): park staff, company editors, or
//! any signed-in account.

pub mod applications;
pub mod auth;
pub mod conflict;
pub mod dashboard;
pub mod delete;
pub mod edit;
pub mod editors;
pub mod form;
pub mod freshness;
pub mod history;
pub mod import;
pub mod invitation;
pub mod list;
pub mod lookup;
pub mod mail;
pub mod my;
pub mod names;
pub mod review;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::admin::spec::{self, Entity};
use crate::i18n::Text;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

use auth::AuthSession;

/// Entries on one page of a list.
const PER_PAGE: i64 = 50;
/// The session key of the message shown once on the next page (saved, deleted, …).
const FLASH: &str = "flash";

/// The entity an admin URL names (`/admin/{entity}/…`); a key that names none is 404.
pub struct EntityParam(pub &'static Entity);

/// The entry an admin URL names (`/admin/{entity}/{id}/…`); 404 unless the key names an entity and the id
/// is a number (whether the entry exists is the handler's to say).
pub struct EntryParam {
    pub entity: &'static Entity,
    pub id: i64,
}

/// The revision an admin URL names (`…/revert/{revision}`).
pub struct RevisionParam(pub i64);

/// The value of one named parameter of the matched route, or 404.
async fn path_param<S: Send + Sync>(parts: &mut Parts, state: &S, name: &str) -> AppResult<String> {
    let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
    params.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string()).ok_or(AppError::NotFound)
}

fn number(text: &str) -> AppResult<i64> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// The number a named parameter of the matched route holds (an invitation's, an account's, a company's id), or
/// 404: for handlers that take the request's parts rather than an extractor of their own.
pub(super) async fn id_in_path(parts: &mut Parts, state: &AppState, name: &str) -> AppResult<i64> {
    number(&path_param(parts, state, name).await?)
}

impl<S: Send + Sync> FromRequestParts<S> for EntityParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        let key = path_param(parts, state, "entity").await?;
        spec::entity(&key).map(EntityParam).ok_or(AppError::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EntryParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        let EntityParam(entity) = EntityParam::from_request_parts(parts, state).await?;
        Ok(EntryParam { entity, id: number(&path_param(parts, state, "id").await?)? })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RevisionParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        Ok(RevisionParam(number(&path_param(parts, state, "revision").await?)?))
    }
}

pub(super) async fn set_flash(auth: &AuthSession, message: Text) {
    let _ = auth.session.insert(FLASH, (message.zh, message.en)).await;
}

pub(super) async fn take_flash(auth: &AuthSession) -> Option<Text> {
    auth.session.remove::<(String, String)>(FLASH).await.ok().flatten().map(|(zh, en)| Text::new(zh, en))
}

/// Form bodies beyond this are refused with 413.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
pub const SESSION_COOKIE: &str = "park_session";

/// Who may use a guarded route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Park staff only (a company editor gets 403).
    Staff,
    /// A company editor only, on their own company (staff get 403).
    Editor,
    /// Any signed-in account.
    Account,
}

/// Every admin route behind a sign-in guard, as (who, method, path below `/admin`). The router is built from
/// this list, and the tests walk it to prove none answers without a session or to the wrong role.
pub const GUARDED_ROUTES: &[(Access, &str, &str)] = &[
    (Access::Staff, "GET", "/"),
    (Access::Account, "POST", "/logout"),
    (Access::Editor, "GET", "/my"),
    (Access::Editor, "GET", "/my/edit"),
    (Access::Editor, "POST", "/my/edit"),
    (Access::Editor, "POST", "/my/confirm"),
    (Access::Editor, "POST", "/my/withdraw"),
    (Access::Editor, "POST", "/my/logo"),
    (Access::Editor, "POST", "/my/logo/remove"),
    (Access::Editor, "GET", "/my/milestones/new"),
    (Access::Editor, "POST", "/my/milestones/new"),
    (Access::Editor, "GET", "/my/milestones/{milestone}/edit"),
    (Access::Editor, "POST", "/my/milestones/{milestone}/edit"),
    (Access::Editor, "POST", "/my/milestones/{milestone}/delete"),
    (Access::Staff, "GET", "/review"),
    (Access::Staff, "GET", "/review/{proposal}"),
    (Access::Staff, "POST", "/review/{proposal}/approve"),
    (Access::Staff, "POST", "/review/{proposal}/reject"),
    (Access::Staff, "GET", "/applications"),
    (Access::Staff, "GET", "/applications/export"),
    (Access::Staff, "GET", "/applications/{application}"),
    (Access::Staff, "POST", "/applications/{application}/status"),
    (Access::Staff, "POST", "/applications/{application}/assign"),
    (Access::Staff, "POST", "/applications/{application}/note"),
    (Access::Staff, "POST", "/applications/{application}/delete"),
    (Access::Staff, "GET", "/freshness"),
    (Access::Staff, "POST", "/freshness/{company}/ask"),
    (Access::Staff, "GET", "/editors"),
    (Access::Staff, "POST", "/editors/invite"),
    (Access::Staff, "POST", "/editors/invitations/{invitation}/revoke"),
    (Access::Staff, "POST", "/editors/{account}/remove"),
    (Access::Staff, "GET", "/lookup/{entity}"),
    (Access::Staff, "GET", "/mail"),
    (Access::Staff, "GET", "/{entity}"),
    (Access::Staff, "GET", "/{entity}/export"),
    (Access::Staff, "GET", "/{entity}/import"),
    (Access::Staff, "POST", "/{entity}/import"),
    (Access::Staff, "POST", "/{entity}/import/confirm"),
    (Access::Staff, "GET", "/{entity}/new"),
    (Access::Staff, "POST", "/{entity}/new"),
    (Access::Staff, "GET", "/{entity}/{id}/edit"),
    (Access::Staff, "POST", "/{entity}/{id}/edit"),
    (Access::Staff, "GET", "/{entity}/{id}/delete"),
    (Access::Staff, "POST", "/{entity}/{id}/delete"),
    (Access::Staff, "GET", "/{entity}/{id}/history"),
    (Access::Staff, "GET", "/{entity}/{id}/revert/{revision}"),
    (Access::Staff, "POST", "/{entity}/{id}/revert/{revision}"),
    (Access::Staff, "POST", "/{entity}/{id}/logo"),
    (Access::Staff, "POST", "/{entity}/{id}/logo/remove"),
    (Access::Staff, "POST", "/{entity}/{id}/site-plan"),
    (Access::Staff, "POST", "/{entity}/{id}/site-plan/remove"),
    (Access::Staff, "POST", "/{entity}/{id}/picture"),
    (Access::Staff, "POST", "/{entity}/{id}/picture/remove"),
];

fn handler(method: &str, path: &str) -> axum::routing::MethodRouter<AppState> {
    let upload_limit = || DefaultBodyLimit::max(crate::admin::MAX_UPLOAD_BYTES + 64 * 1024);
    match (method, path) {
        ("GET", "/") => get(dashboard::dashboard),
        ("POST", "/logout") => post(auth::logout),
        ("GET", "/my") => get(my::page),
        ("GET", "/my/edit") => get(my::edit_form),
        ("POST", "/my/edit") => post(my::propose),
        ("POST", "/my/confirm") => post(my::confirm),
        ("POST", "/my/withdraw") => post(my::withdraw),
        ("POST", "/my/logo") => post(my::upload_logo).layer(upload_limit()),
        ("POST", "/my/logo/remove") => post(my::remove_logo),
        ("GET", "/my/milestones/new") => get(my::new_milestone_form),
        ("POST", "/my/milestones/new") => post(my::propose_new_milestone),
        ("GET", "/my/milestones/{milestone}/edit") => get(my::milestone_form),
        ("POST", "/my/milestones/{milestone}/edit") => post(my::propose_milestone),
        ("POST", "/my/milestones/{milestone}/delete") => post(my::propose_removal),
        ("GET", "/review") => get(review::queue),
        ("GET", "/review/{proposal}") => get(review::show),
        ("POST", "/review/{proposal}/approve") => post(review::approve),
        ("POST", "/review/{proposal}/reject") => post(review::reject),
        ("GET", "/applications") => get(applications::inbox),
        ("GET", "/applications/export") => get(applications::export),
        ("GET", "/applications/{application}") => get(applications::show),
        ("POST", "/applications/{application}/status") => post(applications::set_status),
        ("POST", "/applications/{application}/assign") => post(applications::assign),
        ("POST", "/applications/{application}/note") => post(applications::note),
        ("POST", "/applications/{application}/delete") => post(applications::delete),
        ("GET", "/freshness") => get(freshness::list),
        ("POST", "/freshness/{company}/ask") => post(freshness::ask),
        ("GET", "/editors") => get(editors::page),
        ("POST", "/editors/invite") => post(editors::invite),
        ("POST", "/editors/invitations/{invitation}/revoke") => post(editors::revoke),
        ("POST", "/editors/{account}/remove") => post(editors::remove),
        ("GET", "/lookup/{entity}") => get(lookup::lookup),
        ("GET", "/mail") => get(mail::outbox),
        ("GET", "/{entity}") => get(list::list),
        ("GET", "/{entity}/export") => get(list::export),
        ("GET", "/{entity}/import") => get(import::form),
        ("POST", "/{entity}/import") => post(import::upload).layer(upload_limit()),
        ("POST", "/{entity}/import/confirm") => {
            post(import::confirm).layer(DefaultBodyLimit::max(import::MAX_CONFIRM_BYTES))
        }
        ("GET", "/{entity}/new") => get(edit::new_form),
        ("POST", "/{entity}/new") => post(edit::create),
        ("GET", "/{entity}/{id}/edit") => get(edit::edit_form),
        ("POST", "/{entity}/{id}/edit") => post(edit::update),
        ("GET", "/{entity}/{id}/delete") => get(delete::confirm_delete),
        ("POST", "/{entity}/{id}/delete") => post(delete::delete),
        ("GET", "/{entity}/{id}/history") => get(history::history),
        ("GET", "/{entity}/{id}/revert/{revision}") => get(history::confirm_revert),
        ("POST", "/{entity}/{id}/revert/{revision}") => post(history::revert),
        ("POST", "/{entity}/{id}/logo") => post(upload::upload_logo).layer(upload_limit()),
        ("POST", "/{entity}/{id}/logo/remove") => post(upload::remove_logo),
        ("POST", "/{entity}/{id}/site-plan") => post(upload::upload_site_plan).layer(upload_limit()),
        ("POST", "/{entity}/{id}/site-plan/remove") => post(upload::remove_site_plan),
        ("POST", "/{entity}/{id}/picture") => post(upload::upload_picture).layer(upload_limit()),
        ("POST", "/{entity}/{id}/picture/remove") => post(upload::remove_picture),
        (m, p) => unreachable!("GUARDED_ROUTES names {m} {p} without a handler"),
    }
}

/// The routes of one [`Access`], each behind its guard (a route's methods are merged, so GET and POST of one
/// path may be listed apart).
fn guarded(access: Access) -> Router<AppState> {
    let mut router = Router::new();
    for (_, method, path) in GUARDED_ROUTES.iter().filter(|(a, _, _)| *a == access) {
        router = router.route(path, handler(method, path));
    }
    match access {
        Access::Staff => router.route_layer(axum::middleware::from_fn(auth::require_staff)),
        Access::Editor => router.route_layer(axum::middleware::from_fn(auth::require_editor)),
        Access::Account => router.route_layer(axum::middleware::from_fn(auth::require_account)),
    }
}

/// Every admin page, the sign-in page included, in both languages (layers: `app::router`).
pub fn pages() -> Router<AppState> {
    let pages = || {
        Router::new()
            .route("/login", get(auth::login_form).post(auth::login))
            .route("/invitation/{token}", get(invitation::form).post(invitation::accept))
            .merge(guarded(Access::Staff))
            .merge(guarded(Access::Editor))
            .merge(guarded(Access::Account))
    };
    Router::new().nest("/admin", pages()).nest("/en/admin", pages())
}

/// Uploaded images (logos, site plans), for the public pages and the admin alike.
pub fn media() -> Router<AppState> {
    Router::new().route("/media/{dir}/{file}", get(upload::serve_image))
}

/// Sessions (SQLite-backed, HttpOnly, SameSite=Strict, `Secure` when the site is served over HTTPS, 30
/// minutes idle) and axum-login over them.
pub fn sessions(state: &AppState) -> AuthManagerLayer<auth::Backend, SqliteStore> {
    let store = SqliteStore::new(state.pool.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.settings.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(30)));
    AuthManagerLayerBuilder::new(auth::Backend { pool: state.pool.clone() }, sessions).build()
}
