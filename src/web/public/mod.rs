//! The public portal: the same pages in Chinese at `/…` and in English at `/en/…`.

mod about;
mod awards;
mod companies;
mod home;
mod phases;
mod sectors;
mod stats;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

/// Every public page, once; mounted at `/` and at `/en`.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/companies", get(companies::index))
        .route("/companies/{slug}", get(companies::show))
        .route("/sectors", get(sectors::index))
        .route("/sectors/{slug}", get(sectors::show))
        .route("/phases", get(phases::index))
        .route("/phases/{number}", get(phases::show))
        .route("/awards", get(awards::index))
        .route("/stats", get(stats::show))
        .route("/about", get(about::show))
}

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/en", get(home::show))
        .route("/en/", get(home::show))
        .merge(pages())
        .nest("/en", pages())
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::web::cache::serve_cached))
}
