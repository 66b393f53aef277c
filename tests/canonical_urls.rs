//! One URL per page: unknown query parameters, another order, blank or default values are redirected to the
//! page's canonical URL, so junk cannot fill the response cache.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};

/// Follows one redirect, asserting it is the permanent one to `target`, and returns the page there.
async fn redirected(app: &TestApp, uri: &str, target: &str) -> TestResponse {
    let first = app.get(uri).await;
    assert_eq!(first.status, StatusCode::MOVED_PERMANENTLY, "{uri}: {}", first.body);
    assert_eq!(first.header("location"), target, "{uri}");
    let page = app.get(target).await;
    assert_eq!(page.status, StatusCode::OK, "{target}: {}", page.body);
    page
}

/// Clean URLs and a junk parameter for each; the redirect goes to the clean one.
const PAGES: &[&str] = &[
    "/",
    "/en/",
    "/companies",
    "/en/companies",
    "/companies?sector=core-components&phase=1",
    "/en/companies?sector=laser&sort=founded",
    "/companies/gpixel",
    "/awards",
    "/en/awards?competition=china-innovation-entrepreneurship&sort=prize",
    "/en/about",
    "/space",
    "/en/space?kind=office&min_area=50",
    "/data/companies.json",
    "/api/companies?sector=medical-health&awards=1",
    "/sitemap.xml",
    "/feed.atom",
];

#[tokio::test]
async fn junk_parameters_are_redirected_and_never_fill_the_cache() {
    let app = TestApp::new().await;
    for page in PAGES {
        assert_eq!(app.get(page).await.status, StatusCode::OK, "{page}");
    }
    let cached = app.state.page_cache.len();
    // All but the open-data file, which is served from its own file on disk, not from the page cache.
    assert!(cached >= PAGES.len() - 1, "the clean pages are kept: {cached}");
    for n in 0..200 {
        let page = PAGES[n % PAGES.len()];
        let glue = if page.contains('?') { '&' } else { '?' };
        let junk = format!("{page}{glue}junk{n}={n}");
        let response = app.get(&junk).await;
        assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY, "{junk}: {}", response.body);
        assert_eq!(response.header("location"), page, "{junk}");
        assert_eq!(response.header("etag"), "", "{junk}: a redirect is not a cached page");
    }
    assert_eq!(app.state.page_cache.len(), cached, "200 junk URLs added no entry");
}

#[tokio::test]
async fn the_same_filters_in_any_order_end_on_one_cached_entry() {
    let app = TestApp::new().await;
    let _ = app.get("/").await;
    let before = app.state.page_cache.len();
    // `sort=name` is the default order, so it goes too.
    let a = redirected(&app, "/companies?sort=name&sector=laser", "/companies?sector=laser").await;
    let b = redirected(&app, "/companies?sector=laser&sort=name", "/companies?sector=laser").await;
    assert_eq!(a.header("etag"), b.header("etag"));
    let c =
        redirected(&app, "/en/companies?sort=founded&sector=laser", "/en/companies?sector=laser&sort=founded").await;
    // the canonical spelling is answered directly, from the same entry
    let direct = app.get("/en/companies?sector=laser&sort=founded").await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_eq!(direct.header("etag"), c.header("etag"));
    // sectors are a set: order and repeats do not matter
    let e = redirected(
        &app,
        "/companies?sector=medical-health&sector=core-components&sector=medical-health",
        "/companies?sector=core-components&sector=medical-health",
    )
    .await;
    let slugs = e.card_slugs();
    assert!(slugs.contains(&"gpixel".to_string()) && slugs.contains(&"yuanchen".to_string()), "{slugs:?}");
    assert_eq!(app.state.page_cache.len(), before + 3, "one entry per page, not per spelling");
}

#[tokio::test]
async fn real_filters_still_answer_200_in_both_languages() {
    let app = TestApp::new().await;
    let zh = app.get("/companies?sector=core-components&phase=1").await;
    assert_eq!(zh.status, StatusCode::OK);
    assert_eq!(zh.card_slugs(), ["gpixel"]);
    let en = app.get("/en/awards?company=changguang-daqi").await;
    assert_eq!(en.status, StatusCode::OK);
    en.assert_contains("1 award");
    let api = app.get("/api/companies?sector=medical-health&awards=1").await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(api.body.contains("\"total\":"), "{}", api.body);
    // a search is canonical when it is alone, and answered (not kept) as before
    let search = app.get("/en/companies?q=gmax").await;
    assert_eq!(search.status, StatusCode::OK);
    assert_eq!(search.card_slugs(), ["gpixel"]);
    // a bad value in canonical form is still the page's 400, in its language
    let bad = app.get("/en/companies?sector=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("There is no sector called “nope”");
}

#[tokio::test]
async fn the_filter_form_lands_on_the_clean_url_in_one_step() {
    let app = TestApp::new().await;
    // What a browser sends for the directory's form with two filters chosen.
    let submitted = "/en/companies?q=&sector=core-components&phase=1&designation=&sort=name&page=1";
    redirected(&app, submitted, "/en/companies?sector=core-components&phase=1").await;
    let awards = "/awards?competition=&company=chenying&sort=competition";
    redirected(&app, awards, "/awards?company=chenying").await;
    // Percent-encoding is written one way: a search term with a space.
    let q = app.get("/en/companies?q=changguang%20huada&utm_source=x").await;
    assert_eq!(q.header("location"), "/en/companies?q=changguang+huada");
}

#[tokio::test]
async fn head_is_redirected_like_get() {
    let app = TestApp::new().await;
    let head = app.request(Method::HEAD, "/en/companies?sector=laser&junk=1", Body::empty()).await;
    assert_eq!(head.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(head.header("location"), "/en/companies?sector=laser");
    assert!(head.body.is_empty());
    let clean = app.request(Method::HEAD, "/en/companies?sector=laser", Body::empty()).await;
    assert_eq!(clean.status, StatusCode::OK);
    assert!(clean.body.is_empty());
    let cached = app.state.page_cache.len();
    let again = app.request(Method::HEAD, "/en/companies?junk=2&sector=laser", Body::empty()).await;
    assert_eq!(again.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(app.state.page_cache.len(), cached);
}

#[tokio::test]
async fn urls_are_canonical_even_without_the_page_cache() {
    let app = TestApp::with_settings(|s| s.page_cache = false).await;
    redirected(&app, "/companies?junk=1&sector=laser", "/companies?sector=laser").await;
    assert_eq!(app.state.page_cache.len(), 0);
}

#[tokio::test]
async fn other_spellings_of_a_path_are_answered_but_not_kept() {
    let app = TestApp::new().await;
    let plain = app.get("/companies/gpixel").await;
    let cached = app.state.page_cache.len();
    for uri in ["/companies/%67pixel", "/companies/g%70ixel", "http://other.example/companies/gpixel"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        page.assert_contains("GMAX4002");
    }
    // the absolute form is the same page as the plain path, so it is served from that entry
    let absolute = app.get("http://other.example/companies/gpixel").await;
    assert_eq!(absolute.header("etag"), plain.header("etag"));
    assert_eq!(app.state.page_cache.len(), cached);
}

#[tokio::test]
async fn other_methods_pass_through_untouched() {
    let app = TestApp::new().await;
    let post = app.request(Method::POST, "/companies?junk=1", Body::empty()).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}
