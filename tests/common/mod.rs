//! One test-app builder: a fresh, migrated and seeded SQLite file per test, the real router, and helpers
//! to send requests through it without a network.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use park_portal::app::{AppState, router};
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Slugs of the company cards on a page, in order.
    pub fn card_slugs(&self) -> Vec<String> {
        let marker = "<h3 class=\"card-title\"><a href=\"";
        self.body
            .split(marker)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(|href| href.rsplit('/').next().unwrap_or_default().to_string())
            .collect()
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(self.body.contains(needle), "expected {needle:?} in the {} body:\n{}", self.status, self.body);
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::open(&dir.path().join("park.db")).await.expect("open app state");
        TestApp { router: router(state.clone()), state, _dir: dir }
    }

    pub async fn request(&self, method: Method, uri: &str, body: Body) -> TestResponse {
        let request = Request::builder().method(method).uri(uri).body(body).expect("request");
        let response = self.router.clone().oneshot(request).await.expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, Body::empty()).await
    }

    /// Runs SQL against the test database, then reloads the catalog as an admin save would.
    pub async fn exec_and_reload(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(&self.state.pool).await.expect("fixture SQL");
        self.state.reload().await.expect("reload");
    }
}
