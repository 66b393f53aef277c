//! One test-app builder: a fresh, migrated and seeded SQLite file per test, the real router, and helpers
//! to send requests through it without a network.
#![allow(dead_code)]

pub mod fixtures;
pub mod server;

/// Every public page once, as its Chinese path (the English one is `/en` + it).
pub const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/companies",
    "/companies/gpixel",
    "/companies/changguang-huada",
    "/companies/yuanchen",
    "/companies/changguang-daqi",
    "/companies/chenying",
    "/sectors",
    "/sectors/core-components",
    "/sectors/composite-materials",
    "/sectors/laser",
    "/sectors/medical-health",
    "/sectors/analysis-display",
    "/sectors/aerospace",
    "/sectors/intelligent-manufacturing",
    "/phases",
    "/phases/1",
    "/phases/2",
    "/phases/3",
    "/space",
    "/news",
    "/awards",
    "/about",
    "/stats",
    "/data",
];

/// The test accounts' password (strong enough for the account rules).
pub const PASSWORD: &str = server::PASSWORD;

/// A fresh test app with one staff account, `editor`, signed in; returns its session cookie too.
pub async fn signed_in() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.add_admin("editor", PASSWORD).await;
    let cookie = app.login("editor", PASSWORD).await;
    (app, cookie)
}

/// A publication time `seconds` from now, as staff type it: Beijing time, `YYYY-MM-DD HH:MM:SS`.
pub fn beijing_time_in(seconds: i64) -> String {
    let at = (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds)).to_offset(time::macros::offset!(+8));
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.format(format).unwrap()
}

/// The value of the hidden input `name` in a page, unescaped.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let raw = body.split(&marker).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
    raw.replace("&#43;", "+").replace("&#47;", "/").replace("&#61;", "=").replace("&amp;", "&")
}

/// A plain PNG of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([11, 61, 92, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode a PNG");
    out
}

/// A multipart form with the record's `version` and one file in `field`: (content type, body).
pub fn multipart(field: &str, version: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "XparkBoundary7";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n{version}\r\n").as_bytes(),
    );
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use park_portal::app::{router, start};
use park_portal::web::AppState;
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

    /// `park_session=…` from `Set-Cookie`, if set.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("park_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_string())
    }

    pub fn set_cookie(&self) -> String {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join("\n")
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
    /// The test's SQLite file (another process may open it too).
    pub fn database(&self) -> std::path::PathBuf {
        self._dir.path().join("park.db")
    }

    pub async fn new() -> TestApp {
        Self::with_settings(|_| {}).await
    }

    /// A test app whose settings `adjust` changes first.
    pub async fn with_settings(adjust: impl FnOnce(&mut park_portal::config::Settings)) -> TestApp {
        // The portal's log lines (with any incident's cause) are shown with a failing test's output.
        let _ = tracing_subscriber::fmt().with_env_filter("warn").with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("park.db");
        let mut settings = park_portal::config::Settings::for_database(&db);
        adjust(&mut settings);
        let pool = park_portal::db::open(&db).await.expect("open database");
        let state = start(pool, settings).await.expect("app state");
        let app = TestApp { router: router(state.clone()), state, _dir: dir };
        app.open_data_settled().await;
        app
    }

    /// Waits (at most 30 s) until the open-data files are built from the newest publication: they are built in
    /// the background, after start and after each write.
    pub async fn open_data_settled(&self) {
        let publication = self.state.live.publication();
        tokio::time::timeout(std::time::Duration::from_secs(30), self.state.open_data.built_after(publication))
            .await
            .expect("the open-data files were built within 30 s");
    }

    /// A request with headers, its body as bytes (compressed bodies and slices are not text).
    pub async fn raw(&self, method: Method, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response =
            self.router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, headers, bytes.to_vec())
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

    /// A request as a same-origin browser page would send it, with the session cookie if any.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        cookie: Option<&str>,
        headers: &[(&str, &str)],
        body: Body,
    ) -> TestResponse {
        self.send_from(None, method, uri, cookie, headers, body).await
    }

    /// As [`TestApp::send`], over a connection from `peer` (what the server's socket would report).
    pub async fn send_from(
        &self,
        peer: Option<std::net::SocketAddr>,
        method: Method,
        uri: &str,
        cookie: Option<&str>,
        headers: &[(&str, &str)],
        body: Body,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(uri).header("host", "park.test");
        if let Some(peer) = peer {
            request = request.extension(axum::extract::ConnectInfo(peer));
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.router.clone().oneshot(request.body(body).expect("request")).await.expect("router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get_as(&self, uri: &str, cookie: &str) -> TestResponse {
        self.send(Method::GET, uri, Some(cookie), &[], Body::empty()).await
    }

    /// POSTs a urlencoded form from this site (`Sec-Fetch-Site: same-origin`).
    pub async fn post_form(&self, uri: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> TestResponse {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.send(
            Method::POST,
            uri,
            cookie,
            &[("content-type", "application/x-www-form-urlencoded"), ("sec-fetch-site", "same-origin")],
            Body::from(body),
        )
        .await
    }

    /// A sign-in from `peer` (an IP address) with extra request headers such as `X-Forwarded-For`.
    pub async fn sign_in_from(
        &self,
        peer: &str,
        headers: &[(&str, &str)],
        username: &str,
        password: &str,
    ) -> TestResponse {
        let peer = std::net::SocketAddr::new(peer.parse().expect("an IP address"), 40000);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("username", username), ("password", password)])
            .finish();
        let mut all = vec![("content-type", "application/x-www-form-urlencoded"), ("sec-fetch-site", "same-origin")];
        all.extend_from_slice(headers);
        self.send_from(Some(peer), Method::POST, "/admin/login", None, &all, Body::from(body)).await
    }

    /// Creates a staff account.
    pub async fn add_admin(&self, username: &str, password: &str) {
        park_portal::admin::accounts::add(&self.state.pool, username, password).await.expect("add admin");
    }

    /// Signs in and returns the session cookie (`name=value`).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let response = self.post_form("/admin/login", None, &[("username", username), ("password", password)]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "login failed: {}", response.body);
        response.session_cookie().expect("a session cookie")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.state.pool).await.expect("count")
    }

    /// Every table's full content (every row, every column, as SQL literals), by table name; each table's rows
    /// sorted, so two reads of the same content compare equal whatever order SQLite returns them in. Tables
    /// are all of `sqlite_master`'s, so a table added later is compared too; only the `(table, column)` pairs
    /// in `leave_out` are not read.
    pub async fn table_contents(&self, leave_out: &[(&str, &str)]) -> std::collections::BTreeMap<String, Vec<String>> {
        let pool = &self.state.pool;
        let tables: Vec<String> =
            sqlx::query_scalar("select name from sqlite_master where type = 'table' order by name")
                .fetch_all(pool)
                .await
                .expect("list tables");
        let mut contents = std::collections::BTreeMap::new();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar("select name from pragma_table_info(?) order by cid")
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("list columns");
            assert!(!columns.is_empty(), "no columns in {table}");
            let row = columns
                .iter()
                .filter(|c| !leave_out.contains(&(table.as_str(), c.as_str())))
                .map(|c| format!("quote(\"{}\")", c.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            let sql = format!("select {row} from \"{}\" order by 1", table.replace('"', "\"\""));
            let mut rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.expect("read a table");
            rows.sort_unstable();
            contents.insert(table, rows);
        }
        contents
    }

    /// Waits for the catalog (and the open-data files) to show what was written to the database, as an admin
    /// save does.
    pub async fn settle(&self) {
        self.state.settle().await;
        self.open_data_settled().await;
    }

    /// Runs SQL against the test database, then waits for the catalog (and the open-data files) to show it,
    /// as an admin save does.
    pub async fn exec_and_settle(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(&self.state.pool).await.expect("fixture SQL");
        self.settle().await;
    }

    /// Runs SQL that may touch what the change log does not follow (the seed's date), then reloads everything.
    pub async fn exec_and_reload(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(&self.state.pool).await.expect("fixture SQL");
        self.state.reload_all().await;
        self.open_data_settled().await;
    }
}
