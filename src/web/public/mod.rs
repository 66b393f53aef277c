//! The public portal: the same pages in Chinese at `/…` and in English at `/en/…`.

mod about;
mod apply;
mod awards;
mod companies;
pub mod data;
mod downloads;
mod feed;
mod home;
mod news;
mod phases;
mod screen;
mod sectors;
pub mod seo;
mod space;
mod stats;
mod suggest;

use axum::Router;
use axum::routing::get;

use crate::catalog::directory::DirectoryQuery;
use crate::query::QueryParam;
use crate::web::AppState;

/// The most rows one download of results (`/companies.csv?…`) builds; past it the page links the whole
/// open-data file instead.
pub const MAX_DOWNLOAD_ROWS: usize = 5_000;

/// The query parameters the public page at `route` (a route pattern, `/en` included) reads; the lists live
/// beside the code that parses them. Pages not named here read none.
pub fn query_params(route: &str) -> &'static [QueryParam] {
    match route.strip_prefix("/en").unwrap_or(route) {
        "/companies" | "/api/companies" | "/companies.csv" => DirectoryQuery::PARAMS,
        "/awards" | "/awards.csv" => crate::catalog::awards::PARAMS,
        "/space" => crate::catalog::space::PARAMS,
        "/news" => crate::catalog::news::PARAMS,
        _ => &[],
    }
}

/// Whether the response cache must leave a page alone, known from its URL before anything is rendered:
/// search results (every term is new, so keeping them would only evict pages asked for again). Known up
/// front, because identical searches arriving together must not wait in line for a render that is never kept.
pub fn never_kept(route: &str, canonical_query: &str) -> bool {
    matches!(route.strip_prefix("/en").unwrap_or(route), "/companies" | "/api/companies")
        && form_urlencoded::parse(canonical_query.as_bytes()).any(|(key, value)| key == "q" && !value.is_empty())
}

/// Every public page, once; mounted at `/` and at `/en`.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/companies", get(companies::index))
        .route("/companies/{slug}", get(companies::show))
        .route("/sectors", get(sectors::index))
        .route("/sectors/{slug}", get(sectors::show))
        .route("/phases", get(phases::index))
        .route("/phases/{number}", get(phases::show))
        .route("/news", get(news::index))
        .route("/news/{slug}", get(news::show))
        .route("/space", get(space::index))
        .route("/space/{id}", get(space::show))
        .route("/awards", get(awards::index))
        .route("/stats", get(stats::show))
        .route("/about", get(about::show))
        .route("/data", get(data::page))
        .route("/feed.atom", get(feed::show))
}

/// Every page the response cache may keep (layers: `app::router`).
pub fn cached_pages() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/en", get(home::show))
        .route("/en/", get(home::show))
        .route("/sitemap.xml", get(seo::sitemap_xml))
        .route("/sitemap-{file}", get(seo::sitemap_file))
        .route("/robots.txt", get(seo::robots_txt))
        .merge(pages())
        .nest("/en", pages())
        // The API is the same in both languages: one address.
        .route("/api/companies", get(data::api_companies))
        .route("/api/{*rest}", get(data::api_not_found))
}

/// Forms visitors send (a correction of a profile, an entry application), in both languages: never kept by the response cache (each
/// form carries the time it was made). Their bodies are small: 2,000 Chinese characters are 18 KB encoded.
pub fn forms() -> Router<AppState> {
    let form = || {
        Router::new()
            .route("/companies/{slug}/suggest", get(suggest::form).post(suggest::send))
            .route("/apply", get(apply::form).post(apply::send))
            .route("/apply/sent", get(apply::sent))
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
    };
    Router::new().merge(form()).nest("/en", form())
}

/// The open-data files, language-neutral (the records carry both languages): built in the background and
/// served from disk, outside the response cache (they are large, and on disk already).
pub fn data_files() -> Router<AppState> {
    let mut router =
        Router::new().route("/companies.csv", get(downloads::companies)).route("/awards.csv", get(downloads::awards));
    for dataset in data::Dataset::ALL {
        for format in data::Format::ALL {
            router =
                router.route(&format!("/data/{}.{}", dataset.key(), format.extension()), data::route(dataset, format));
        }
    }
    router
}
