//! Hostile input: random requests through the whole router, XSS payloads through every admin field, SQL
//! metacharacters in every parameter. Each prints `FIGURE` lines for RELIABILITY.md.

mod common;

use std::collections::{BTreeSet, VecDeque};

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use park_portal::admin::spec::{ENTITIES, Kind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tower::ServiceExt;

use common::{TestApp, signed_in};

fn figure(name: &str, value: impl std::fmt::Display) {
    println!("FIGURE {name} = {value}");
}

// ---------------------------------------------------------------------------------------------------------
// Random requests

/// Routes worth aiming at; random segments and queries are added to them.
const PATHS: &[&str] = &[
    "/",
    "/companies",
    "/companies/gpixel",
    "/sectors",
    "/sectors/core-components",
    "/phases",
    "/awards",
    "/space",
    "/news",
    "/en/news",
    "/apply",
    "/about",
    "/admin",
    "/admin/login",
    "/admin/logout",
    "/admin/companies",
    "/admin/companies/1/edit",
    "/admin/companies/new",
    "/admin/companies/1/history",
    "/admin/companies/1/logo",
    "/admin/awards/1/delete",
    "/admin/units",
    "/admin/units/new",
    "/admin/posts",
    "/admin/posts/new",
    "/admin/park",
    "/static/site.css",
    "/healthz",
    "/stats",
    "/data",
    "/data/companies.json",
    "/data/awards.csv",
    "/api/companies",
    "/companies.csv",
    "/awards.csv",
    "/feed.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/admin/companies/export",
    "/admin/companies/import",
    "/admin/awards/import/confirm",
    "/admin/phases/1/site-plan",
];
/// Every target above exists: a plain GET (signed in) is answered, if only with 405 for a POST-only route,
/// never 404. A typo here would aim thousands of requests at the 404 page.
#[tokio::test]
async fn every_target_path_exists() {
    let (app, cookie) = signed_in().await;
    let mut missing = Vec::new();
    for path in PATHS {
        let response = app.get_as(path, &cookie).await;
        if response.status == axum::http::StatusCode::NOT_FOUND {
            missing.push(*path);
        }
    }
    assert!(missing.is_empty(), "target paths that do not exist: {missing:?}");
}

const PARAMS: &[&str] = &[
    "q",
    "sector",
    "phase",
    "awards",
    "designation",
    "page",
    "sort",
    "year",
    "competition",
    "company",
    "next",
    "kind",
    "min_area",
    "building",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9-]{1,12}",
        any::<String>(),
        Just("%FF%FE%00".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("\"><svg/onload=alert(1)>".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("长光".to_string()),
        Just("..%2F..%2Fetc%2Fpasswd".to_string()),
    ]
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Debug, Clone)]
struct RandomRequest {
    method: Method,
    uri: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    signed_in: bool,
}

fn random_request() -> impl Strategy<Value = RandomRequest> {
    let method = prop::sample::select(vec![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ]);
    let path = (prop::sample::select(PATHS), prop::bool::ANY, prop::collection::vec(text(), 0..3), prop::bool::ANY)
        .prop_map(|(base, english, extra, raw)| {
            let mut path = if english { format!("/en{base}") } else { base.to_string() };
            for segment in extra {
                path.push('/');
                // Half the time raw (only what a URI allows: not `<`, `>` or a backtick, which no request line
                // can carry to the router), half percent-encoded.
                if raw {
                    path.extend(segment.chars().filter(|c| c.is_ascii_graphic() && !"?#<>`".contains(*c)));
                } else {
                    path.push_str(&encode(&segment));
                }
            }
            path
        });
    let query = prop::collection::vec((prop::sample::select(PARAMS), text()), 0..4)
        .prop_map(|pairs| pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&"));
    let header_names = prop::sample::select(vec![
        "accept-encoding",
        "if-none-match",
        "content-type",
        "cookie",
        "accept-language",
        "origin",
        "sec-fetch-site",
        "range",
        "x-forwarded-for",
    ]);
    let header_value = prop_oneof![
        Just(b"gzip, br".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
        Just(b"multipart/form-data; boundary=x".to_vec()),
        Just(b"\"nonsense\"".to_vec()),
        Just(b"park_session=garbage".to_vec()),
        Just(b"https://evil.example".to_vec()),
        prop::collection::vec(32u8..=255u8, 0..40).prop_filter("no DEL", |v| !v.contains(&127)),
    ];
    let headers = prop::collection::vec((header_names, header_value), 0..4)
        .prop_map(|hs| hs.into_iter().map(|(n, v)| (n.to_string(), v)).collect::<Vec<_>>());
    let body = prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..200),
        prop::collection::vec((prop::sample::select(PARAMS), text()), 0..6).prop_map(|pairs| {
            pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&").into_bytes()
        }),
    ];
    (method, path, query, headers, body, prop::bool::ANY).prop_map(|(method, path, query, headers, body, signed_in)| {
        RandomRequest {
            method,
            uri: if query.is_empty() { path } else { format!("{path}?{query}") },
            headers,
            body,
            signed_in,
        }
    })
}

#[test]
fn random_requests_never_get_a_server_error() {
    let cases: u32 = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app, cookie) = runtime.block_on(signed_in());
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    let unbuildable = std::cell::RefCell::new(0u32);
    let result = runner.run(&random_request(), |case| {
        let mut request =
            Request::builder().method(case.method.clone()).uri(case.uri.as_str()).header("host", "park.test");
        for (name, value) in &case.headers {
            request = request.header(name.as_str(), value.as_slice());
        }
        if case.signed_in {
            request = request.header("cookie", cookie.as_str());
        }
        let Ok(request) = request.body(Body::from(case.body.clone())) else {
            // not a request a client could send (an invalid URI or header): counted, and never sent
            *unbuildable.borrow_mut() += 1;
            return Ok(());
        };
        let status = runtime.block_on(async {
            let response = app.router.clone().oneshot(request).await.expect("the router never fails");
            let status = response.status();
            response.into_body().collect().await.expect("a body that can be read");
            status
        });
        *statuses.borrow_mut().entry(status.as_u16()).or_default() += 1;
        if status.is_server_error() {
            return Err(TestCaseError::fail(format!("{status} for {case:?}")));
        }
        Ok(())
    });
    let statuses = statuses.into_inner();
    let (sent, unbuildable) = (statuses.values().sum::<u32>(), unbuildable.into_inner());
    figure("random requests through the router", sent);
    figure("random requests by status", format!("{statuses:?}"));
    figure("random requests answered >= 500", statuses.range(500..).map(|(_, n)| n).sum::<u32>());
    figure("random requests that could not be built (not sent)", unbuildable);
    result.unwrap();
    // Every case the runner generated was sent: the figure is what the router answered, not what was planned.
    assert_eq!(unbuildable, 0, "the generator made requests no client could send");
    assert!(sent >= cases, "{sent} requests sent for {cases} cases");
}

// ---------------------------------------------------------------------------------------------------------
// XSS

/// Payloads; each carries a marker (`xss-N`) to prove it reached the pages.
const XSS: &[&str] = &[
    "<script>alert('xss-1')</script>",
    "\"><img src=x onerror=alert('xss-2')>",
    "' onmouseover='alert(\"xss-3\")",
    "\" autofocus onfocus=\"alert('xss-4')",
    "</textarea></title></script><svg/onload=alert('xss-5')>",
    "[click](javascript:alert('xss-6'))",
    "<a href=\"javascript:alert('xss-7')\">x</a>",
    "\u{200f}xss-8 \u{200b}<scr\u{200b}ipt>",
    "＜script＞alert('xss-9')＜/script＞ {{ 7*7 }} {% if %}",
    "<iframe src=//evil.example/xss-10>",
];

/// What a payload would have become had it escaped: parsed as the browser would, any element or attribute
/// that runs script or loads a foreign frame. Text that merely looks like markup is fine.
fn injected(body: &str) -> Vec<String> {
    let html = scraper::Html::parse_document(body);
    let mut found = Vec::new();
    for node in html.tree.nodes() {
        let Some(element) = node.value().as_element() else { continue };
        let name = element.name();
        if name == "script" {
            let json_ld = element.attr("type") == Some("application/ld+json");
            let ours = element.attr("src").is_some_and(|src| src.starts_with("/static/"));
            if !json_ld && !ours {
                found.push(format!("<script> {:?}", element.attrs().collect::<Vec<_>>()));
            }
        }
        if name == "iframe" || name == "object" || name == "embed" {
            found.push(format!("<{name}>"));
        }
        for (attribute, value) in element.attrs() {
            let value = value.trim().to_ascii_lowercase();
            if attribute.starts_with("on") || attribute == "autofocus" {
                found.push(format!("<{name} {attribute}=…>"));
            }
            if ["href", "src", "action", "formaction", "xlink:href"].contains(&attribute)
                && (value.starts_with("javascript:") || value.starts_with("data:text"))
            {
                found.push(format!("<{name} {attribute}={value}>"));
            }
        }
    }
    found
}

/// Fills every free-text field of `entity` with payloads (a different one per field, starting at `offset`).
fn hostile_form(entity: &park_portal::admin::spec::Entity, n: usize, offset: usize) -> Vec<(String, String)> {
    let mut k = offset;
    entity
        .fields
        .iter()
        .map(|f| {
            let value = match f.kind {
                Kind::Line | Kind::Lines | Kind::Markdown => {
                    k += 1;
                    XSS[k % XSS.len()].chars().take(f.max_chars.max(1)).collect()
                }
                Kind::Slug => format!("xss-{}-{n}", entity.key),
                Kind::Integer { min, max } => (min + 10 + n as i64).min(max).to_string(),
                Kind::Money => "1".to_string(),
                Kind::Date => "2024-05".to_string(),
                Kind::DateTime => "2024-05-01 09:00".to_string(),
                Kind::Url => format!("https://example.com/?q=\"><script>alert('xss-url-{n}')</script>"),
                // What the address rules let through that HTML must still escape: a quote and an ampersand.
                Kind::Email => format!("o'x&{n}@example.cn"),
                Kind::Phone => "+86 (431) 8123-4567".to_string(),
                Kind::Bool => "1".to_string(),
                // A post is public only once published.
                Kind::Choice(_) if entity.key == "posts" && f.column == "status" => "published".to_string(),
                Kind::Choice(c) => c[0].0.to_string(),
                Kind::Reference(_) => "1".to_string(),
            };
            (f.column.to_string(), value)
        })
        .collect()
}

fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
        .collect()
}

/// Visits every page reachable from `starts` (up to `limit`), returning (path, body) of each.
async fn crawl(app: &TestApp, cookie: Option<&str>, starts: &[&str], limit: usize) -> Vec<(String, String)> {
    let mut seen: BTreeSet<String> = starts.iter().map(|s| s.to_string()).collect();
    let mut queue: VecDeque<String> = seen.iter().cloned().collect();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= limit {
            break;
        }
        let response = match cookie {
            Some(c) => app.get_as(&path, c).await,
            None => app.get(&path).await,
        };
        assert!(!response.status.is_server_error(), "{path}: {}", response.status);
        if !response.header("content-type").starts_with("text/html") {
            continue;
        }
        for link in links(&response.body) {
            // The crawler only reads: sign-out is a form, but never follow anything that looks like it.
            if !link.contains("logout") && !link.starts_with("/static/") && seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
        pages.push((path, response.body));
    }
    pages
}

#[test]
fn the_xss_detector_finds_what_it_looks_for() {
    assert!(injected("<p>' onmouseover='alert(1)</p><p>&lt;script&gt;</p>").is_empty());
    assert_eq!(injected("<p title='' onmouseover='alert(1)'>x</p>").len(), 1);
    assert_eq!(injected("<div><script>alert(1)</script></div>").len(), 1);
    assert_eq!(injected("<a href=\" JavaScript:alert(1)\">x</a>").len(), 1);
    assert!(injected("<script src=\"/static/js/admin.js\" defer></script>").is_empty());
}

#[tokio::test]
async fn xss_payloads_in_every_admin_field_come_back_escaped_everywhere() {
    let (app, cookie) = signed_in().await;
    let mut created = 0;
    for entity in ENTITIES.iter().filter(|e| !e.singleton) {
        for (n, offset) in [0, 3, 6].into_iter().enumerate() {
            let form = hostile_form(entity, n, offset);
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let response = app.post_form(&format!("/admin/{}/new", entity.key), Some(&cookie), &pairs).await;
            assert_eq!(response.status.as_u16(), 303, "{}: {}", entity.key, response.body);
            created += 1;
        }
    }
    // Entry applications come from visitors, not staff: payloads in every text field of the public form, read
    // back on the staff's inbox and application pages (the crawl below reaches them from /admin).
    let stamp = common::hidden(&app.get("/apply").await.body, "stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    for (n, payload) in XSS.iter().enumerate().take(3) {
        let message = XSS[(n + 3) % XSS.len()];
        let contact = XSS[(n + 6) % XSS.len()];
        let sent = app
            .post_form(
                "/apply",
                None,
                &[
                    ("stamp", &stamp),
                    ("company_name", payload),
                    ("contact_name", contact),
                    ("phone", "13804310000"),
                    ("email", "o'x&1@example.cn"),
                    ("message", message),
                    ("consent", "1"),
                ],
            )
            .await;
        assert_eq!(sent.status.as_u16(), 303, "application {n}: {}", sent.body);
        created += 1;
    }
    // A search that reflects a payload, and the reflected payload in every filter.
    let mut starts = vec!["/".to_string(), "/en/".to_string()];
    for payload in XSS {
        starts.push(format!("/companies?q={}", encode(payload)));
        starts.push(format!("/en/companies?sector={}&q={}", encode(payload), encode(payload)));
    }
    let starts_ref: Vec<&str> = starts.iter().map(String::as_str).collect();
    let public = crawl(&app, None, &starts_ref, 3000).await;
    let admin = crawl(&app, Some(&cookie), &["/admin", "/en/admin", "/admin/applications"], 3000).await;

    let mut unescaped = Vec::new();
    let mut markers_seen = BTreeSet::new();
    for (path, body) in public.iter().chain(admin.iter()) {
        unescaped.extend(injected(body).into_iter().map(|what| format!("{path}: {what}")));
        for i in 1..=XSS.len() {
            if body.contains(&format!("xss-{i}")) {
                markers_seen.insert(i);
            }
        }
    }
    // Structured data on the pages must still parse: a payload that escaped would have broken the JSON.
    let mut json_ld_blocks = 0;
    for (path, body) in public.iter() {
        let html = scraper::Html::parse_document(body);
        let selector = scraper::Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
        for block in html.select(&selector) {
            let text: String = block.text().collect();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{path}: JSON-LD ({e}): {text}"));
            json_ld_blocks += 1;
        }
    }
    // Feeds are XML with text-only content; the open data is JSON. Both must parse and carry the payloads as text.
    let mut feed_entries = 0;
    for feed in ["/feed.atom", "/en/feed.atom"] {
        let xml = app.get(feed).await.body;
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{feed} is not XML ({e})"));
        for node in doc.descendants().filter(|n| n.is_element()) {
            assert_eq!(
                node.tag_name().namespace(),
                Some("http://www.w3.org/2005/Atom"),
                "{feed}: {:?}",
                node.tag_name()
            );
            if let Some(kind) = node.attribute("type") {
                assert!(node.tag_name().name() == "link" || kind == "text", "{feed}: {kind} content");
            }
            if let Some(href) = node.attribute("href") {
                assert!(href.starts_with("http"), "{feed}: link {href}");
            }
        }
        feed_entries += doc.descendants().filter(|n| n.has_tag_name("entry")).count();
        assert!(xml.contains("xss-"), "{feed} carries none of the payloads");
    }
    app.open_data_settled().await;
    for dataset in ["companies", "awards", "phases", "sectors", "space"] {
        let body = app.get(&format!("/data/{dataset}.json")).await.body;
        serde_json::from_str::<serde_json::Value>(&body).unwrap_or_else(|e| panic!("{dataset}.json ({e})"));
        assert!(body.contains("xss-"), "{dataset}.json carries none of the payloads");
    }
    figure("XSS payloads", XSS.len());
    figure("entries saved with payloads in every text field", created);
    figure("public pages checked", public.len());
    figure("admin pages checked", admin.len());
    figure("JSON-LD blocks parsed", json_ld_blocks);
    figure("feed entries parsed (both languages)", feed_entries);
    figure("unescaped payloads", unescaped.len());
    assert!(unescaped.is_empty(), "unescaped: {unescaped:#?}");
    // The test means something only if the payloads reached the pages.
    assert_eq!(markers_seen.len(), XSS.len(), "payloads seen: {markers_seen:?}");
    assert!(public.len() > 100 && admin.len() > 50, "{} public, {} admin", public.len(), admin.len());
}

// ---------------------------------------------------------------------------------------------------------
// SQL metacharacters

#[tokio::test]
async fn the_table_comparison_sees_an_update_that_keeps_the_row_count() {
    let app = TestApp::new().await;
    let before = app.table_contents(&[]).await;
    assert_eq!(app.table_contents(&[]).await, before, "two reads of the same data compare equal");
    sqlx::raw_sql("update sector set name_en = name_en || ' (injected)' where id = 1")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let after = app.table_contents(&[]).await;
    assert_eq!(after["sector"].len(), before["sector"].len());
    assert_ne!(after["sector"], before["sector"]);
    assert!(after["sector"].iter().any(|row| row.contains("(injected)")));
}

#[tokio::test]
async fn sql_metacharacters_in_every_parameter_change_nothing() {
    let (app, cookie) = signed_in().await;
    // The session is saved again on each request with a later expiry (sessions end after inactivity), and its
    // serialised record changes with it: of that table only the session ids are compared. Everything else of
    // every table is.
    const MOVING: &[(&str, &str)] = &[("tower_sessions", "expiry_date"), ("tower_sessions", "data")];
    let before = app.table_contents(MOVING).await;
    let payloads = [
        "' OR 1=1 --",
        "\"; DROP TABLE company; --",
        "1; DELETE FROM company",
        "%' OR '%'='",
        "1) UNION SELECT password_hash FROM admin_user --",
        "\\",
        "NEAR(a b)",
        "\"*\"",
        "a OR b AND NOT c",
    ];
    let mut requests = 0;
    for payload in payloads {
        let p = encode(payload);
        for path in [
            "/companies",
            "/en/companies",
            "/awards",
            "/space",
            "/en/space",
            "/api/companies",
            "/companies.csv",
            "/awards.csv",
            "/admin/companies",
            "/admin/awards",
            "/admin/companies/export",
        ] {
            for param in PARAMS {
                let response = app.get_as(&format!("{path}?{param}={p}"), &cookie).await;
                requests += 1;
                assert!(response.status.as_u16() < 500, "{path}?{param}={payload}: {}", response.status);
                // the payload is reflected (escaped) in a search box; a hash never is
                assert!(!response.body.contains("$argon2"), "{path}?{param}={payload} shows a password hash");
            }
        }
        // In a search box, the payload is text to look for: it finds nothing rather than everything.
        let found = app.get(&format!("/en/companies?q={p}")).await;
        // the page itself, not a redirect with an empty body
        assert_eq!(found.status.as_u16(), 200, "{payload}");
        assert!(!found.body.contains("/en/companies/gpixel"), "{payload} matched everything");
        let login = app.post_form("/admin/login", None, &[("username", payload), ("password", payload)]).await;
        // refused, then throttled after five failures from this address
        assert!(matches!(login.status.as_u16(), 401 | 429), "{payload}: {}", login.status);
        requests += 1;
    }
    let after = app.table_contents(MOVING).await;
    // Rows that differ between the two reads (added, removed or changed), table by table.
    let mut changed = std::collections::BTreeMap::new();
    for table in before.keys().chain(after.keys()).collect::<BTreeSet<_>>() {
        let (old, new) =
            (before.get(table).cloned().unwrap_or_default(), after.get(table).cloned().unwrap_or_default());
        let (old_set, new_set): (BTreeSet<_>, BTreeSet<_>) = (old.iter().collect(), new.iter().collect());
        let gone: Vec<_> = old_set.difference(&new_set).collect();
        let added: Vec<_> = new_set.difference(&old_set).collect();
        if !gone.is_empty() || !added.is_empty() || old.len() != new.len() {
            changed.insert(table.clone(), (gone.len(), added.len(), format!("gone {gone:?}, added {added:?}")));
        }
    }
    let rows_changed = |changed: &std::collections::BTreeMap<String, (usize, usize, String)>| {
        changed.values().map(|(gone, added, _)| gone + added).sum::<usize>()
    };
    figure("requests with SQL metacharacters", requests);
    figure("tables compared (every row, every column)", before.len());
    figure("rows that differ after them, every table (a changed row: one gone, one added)", rows_changed(&changed));
    // The sign-ins above are refused, and each refusal is recorded: login_attempt may only gain rows, one
    // per attempt at most, and keeps every row it had.
    if let Some((gone, added, detail)) = changed.remove("login_attempt") {
        assert_eq!(gone, 0, "login_attempt lost or changed rows: {detail}");
        assert!(added <= payloads.len(), "login_attempt: {detail}");
    }
    figure("rows changed outside the sign-in log", rows_changed(&changed));
    assert!(changed.is_empty(), "tables changed by the requests: {changed:#?}");
}
