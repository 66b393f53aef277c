//! The staff side: `/admin/…` (Chinese) and `/en/admin/…` (English). Every route but the sign-in page sits
//! behind [`auth::require_staff`].

pub mod auth;
pub mod form;
pub mod history;
pub mod import;
pub mod lookup;
pub mod pages;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum_login::AuthManagerLayerBuilder;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::app::AppState;

/// Form bodies beyond this are refused with 413.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
pub const SESSION_COOKIE: &str = "park_session";

/// Every admin route behind the sign-in guard, as (method, path below `/admin`). The router is built from
/// this list, and the tests walk it to prove none answers without a session.
pub const GUARDED_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("POST", "/logout"),
    ("GET", "/lookup/{entity}"),
    ("GET", "/{entity}"),
    ("GET", "/{entity}/export"),
    ("GET", "/{entity}/import"),
    ("POST", "/{entity}/import"),
    ("POST", "/{entity}/import/confirm"),
    ("GET", "/{entity}/new"),
    ("POST", "/{entity}/new"),
    ("GET", "/{entity}/{id}/edit"),
    ("POST", "/{entity}/{id}/edit"),
    ("GET", "/{entity}/{id}/delete"),
    ("POST", "/{entity}/{id}/delete"),
    ("GET", "/{entity}/{id}/history"),
    ("GET", "/{entity}/{id}/revert/{revision}"),
    ("POST", "/{entity}/{id}/revert/{revision}"),
    ("POST", "/{entity}/{id}/logo"),
    ("POST", "/{entity}/{id}/logo/remove"),
    ("POST", "/{entity}/{id}/site-plan"),
    ("POST", "/{entity}/{id}/site-plan/remove"),
];

fn guarded() -> Router<AppState> {
    let mut router = Router::new();
    for (method, path) in GUARDED_ROUTES {
        let route = match (*method, *path) {
            ("GET", "/") => get(pages::dashboard),
            ("POST", "/logout") => post(auth::logout),
            ("GET", "/lookup/{entity}") => get(lookup::lookup),
            ("GET", "/{entity}") => get(pages::list),
            ("GET", "/{entity}/export") => get(pages::export),
            ("GET", "/{entity}/import") => get(import::form),
            ("POST", "/{entity}/import") => {
                post(import::upload).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES + 64 * 1024))
            }
            ("POST", "/{entity}/import/confirm") => {
                post(import::confirm).layer(DefaultBodyLimit::max(import::MAX_CONFIRM_BYTES))
            }
            ("GET", "/{entity}/new") => get(pages::new_form),
            ("POST", "/{entity}/new") => post(pages::create),
            ("GET", "/{entity}/{id}/edit") => get(pages::edit_form),
            ("POST", "/{entity}/{id}/edit") => post(pages::update),
            ("GET", "/{entity}/{id}/delete") => get(pages::confirm_delete),
            ("POST", "/{entity}/{id}/delete") => post(pages::delete),
            ("GET", "/{entity}/{id}/history") => get(history::history),
            ("GET", "/{entity}/{id}/revert/{revision}") => get(history::confirm_revert),
            ("POST", "/{entity}/{id}/revert/{revision}") => post(history::revert),
            ("POST", "/{entity}/{id}/logo") => {
                post(upload::upload_logo).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES + 64 * 1024))
            }
            ("POST", "/{entity}/{id}/logo/remove") => post(upload::remove_logo),
            ("POST", "/{entity}/{id}/site-plan") => {
                post(upload::upload_site_plan).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES + 64 * 1024))
            }
            ("POST", "/{entity}/{id}/site-plan/remove") => post(upload::remove_site_plan),
            (m, p) => unreachable!("GUARDED_ROUTES names {m} {p} without a handler"),
        };
        router = router.route(path, route);
    }
    router.route_layer(axum::middleware::from_fn(auth::require_staff))
}

/// Every admin page, the sign-in page included. None is kept by the browser or a proxy: on a shared
/// computer, the back button after signing out must not show what staff saw.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/login", get(auth::login_form).post(auth::login))
        .merge(guarded())
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
}

/// The admin, both languages, with sessions (SQLite-backed, HttpOnly, SameSite=Strict, `Secure` when the site
/// is served over HTTPS, 30 minutes idle) and axum-login over them.
pub fn router(state: &AppState) -> Router<AppState> {
    let store = SqliteStore::new(state.pool.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.settings.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(30)));
    let auth = AuthManagerLayerBuilder::new(auth::Backend { pool: state.pool.clone() }, sessions).build();
    Router::new()
        .nest("/admin", pages())
        .nest("/en/admin", pages())
        .route("/media/{dir}/{file}", get(upload::serve_image))
        .layer(auth)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.settings.request_timeout,
        ))
}
