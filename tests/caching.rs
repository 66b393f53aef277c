//! HTTP caching: ETags and 304s, precompressed bodies, HEAD, and no stale page after a write.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::TestApp;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn send(
    app: &TestApp,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn pages_carry_a_strong_etag_and_answer_304() {
    let app = TestApp::new().await;
    let (status, headers, body) = send(&app, Method::GET, "/en/companies/gpixel", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = header(&headers, "etag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"), "{etag}");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert_eq!(header(&headers, "vary"), "accept-encoding");
    assert!(String::from_utf8_lossy(&body).contains("GMAX4002"));

    // The second request is served from the cache: same bytes, same tag.
    let (_, again, body2) = send(&app, Method::GET, "/en/companies/gpixel", &[]).await;
    assert_eq!(header(&again, "etag"), etag);
    assert_eq!(body, body2);

    let (status, headers, body) = send(&app, Method::GET, "/en/companies/gpixel", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), etag);

    let (status, _, _) = send(&app, Method::GET, "/en/companies/gpixel", &[("if-none-match", "\"other\"")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn compressed_bodies_are_served_to_clients_that_accept_them() {
    let app = TestApp::new().await;
    let (_, plain_headers, plain) = send(&app, Method::GET, "/", &[]).await;
    let (status, headers, gz) = send(&app, Method::GET, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_ne!(header(&headers, "etag"), header(&plain_headers, "etag"), "each encoding has its own strong tag");
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
    assert_eq!(out, plain);

    let (_, headers, br) = send(&app, Method::GET, "/", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
    assert_eq!(out, plain);
    assert!(br.len() * 3 < plain.len(), "brotli {} vs plain {}", br.len(), plain.len());

    let (_, headers, _) = send(&app, Method::GET, "/", &[("accept-encoding", "br;q=0, gzip;q=0")]).await;
    assert_eq!(header(&headers, "content-encoding"), "");
}

/// The first request for a page renders it; the next ones are answered by the front door before routing. Both
/// must be the same answer: every header (but the date and the request id) and the body, in every encoding.
#[tokio::test]
async fn a_page_answered_from_memory_is_the_page_as_rendered() {
    let varying = ["date", "x-request-id"];
    let kept = |headers: &axum::http::HeaderMap| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| !varying.contains(&name.as_str()))
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_string()))
            .collect();
        all.sort();
        all
    };
    for uri in ["/en/companies/gpixel", "/phases", "/en/companies?sector=core-components", "/feed.atom"] {
        for accept in ["", "gzip", "gzip, deflate, br"] {
            for method in [Method::GET, Method::HEAD] {
                // A new portal each round, so its first request is rendered.
                let app = &TestApp::new().await;
                let headers: &[(&str, &str)] = if accept.is_empty() { &[] } else { &[("accept-encoding", accept)] };
                let (status, first, body) = send(app, method.clone(), uri, headers).await;
                assert_eq!(status, StatusCode::OK, "{uri}");
                assert_eq!(app.state.page_cache.answered_at_door(), 0, "{uri}: the first request is rendered");
                let (again_status, again, again_body) = send(app, method.clone(), uri, headers).await;
                assert_eq!(app.state.page_cache.answered_at_door(), 1, "{uri} {accept:?} {method}: not at the door");
                assert_eq!(again_status, status, "{uri} {accept:?} {method}");
                assert_eq!(kept(&again), kept(&first), "{uri} {accept:?} {method}");
                assert_eq!(again_body, body, "{uri} {accept:?} {method}");
                assert!(!header(&again, "x-request-id").is_empty());
                assert_ne!(header(&again, "x-request-id"), header(&first, "x-request-id"));
            }
        }
    }
}

/// What the front door leaves to the router, with a kept page at hand: a conditional request (the 304 is the
/// router's), another spelling of the URL (redirected), a page made stale by a write (rendered again).
#[tokio::test]
async fn the_door_answers_only_a_current_page_at_its_own_url() {
    let app = TestApp::new().await;
    let (_, first, _) = send(&app, Method::GET, "/en/companies/gpixel", &[]).await;
    let etag = header(&first, "etag").to_string();
    let (status, _, _) = send(&app, Method::GET, "/en/companies/gpixel", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, moved, _) = send(&app, Method::GET, "/en/companies/gpixel?utm_source=x", &[]).await;
    assert_eq!((status, header(&moved, "location")), (StatusCode::MOVED_PERMANENTLY, "/en/companies/gpixel"));
    assert_eq!(app.state.page_cache.answered_at_door(), 0);
    app.exec_and_settle("update company set description_en = 'Changed.', version = version + 1 where slug = 'gpixel'")
        .await;
    let (_, _, body) = send(&app, Method::GET, "/en/companies/gpixel", &[]).await;
    assert!(String::from_utf8_lossy(&body).contains("Changed."));
    assert_eq!(app.state.page_cache.answered_at_door(), 0, "a stale page was answered at the door");
    let (_, _, again) = send(&app, Method::GET, "/en/companies/gpixel", &[]).await;
    assert_eq!((again, app.state.page_cache.answered_at_door()), (body, 1));
}

#[tokio::test]
async fn head_works_wherever_get_does() {
    let app = TestApp::new().await;
    for uri in ["/", "/en/companies", "/companies/gpixel", "/en/awards", "/healthz"] {
        let (get_status, get_headers, get_body) = send(&app, Method::GET, uri, &[]).await;
        let (status, headers, body) = send(&app, Method::HEAD, uri, &[]).await;
        assert_eq!(status, get_status, "{uri}");
        assert!(body.is_empty(), "{uri}: HEAD has a body");
        assert_eq!(header(&headers, "content-type"), header(&get_headers, "content-type"), "{uri}");
        if uri != "/healthz" {
            assert_eq!(header(&headers, "content-length"), get_body.len().to_string(), "{uri}");
        }
    }
    let (status, _, body) = send(&app, Method::HEAD, "/en/nope", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.is_empty());
}

#[tokio::test]
async fn a_committed_write_is_visible_on_the_next_request() {
    let app = TestApp::new().await;
    let before = app.get("/en/companies/gpixel").await;
    let home_before = app.get("/en/").await;
    // Pages other than the edited one that show the company's summary, cached before the write.
    let others = ["/en/companies", "/en/sectors/core-components"];
    let mut others_before = Vec::new();
    for path in others {
        let page = app.get(path).await;
        assert!(page.body.contains("Gpixel") && !page.body.contains("Updated by the admin test."), "{path}");
        others_before.push(page);
    }
    assert!(app.state.page_cache.len() >= 4, "the pages were cached: {}", app.state.page_cache.len());
    app.exec_and_settle(
        "update company set description_en = 'Updated by the admin test.', version = version + 1 where slug = 'gpixel'",
    )
    .await;
    let after = app.get("/en/companies/gpixel").await;
    after.assert_contains("Updated by the admin test.");
    assert_ne!(before.header("etag"), after.header("etag"));
    // Every cached page was dropped, not only the edited one: the others show the new summary, with a new
    // ETag (kept pages would still show the old one).
    for (path, page_before) in others.iter().zip(&others_before) {
        let page = app.get(path).await;
        page.assert_contains("Updated by the admin test.");
        assert_ne!(page.header("etag"), page_before.header("etag"), "{path}");
    }
    // A page rendered again to the same bytes keeps its ETag, so a browser's copy stays valid.
    let home_after = app.get("/en/").await;
    assert_eq!(home_before.body, home_after.body);
    assert_eq!(home_before.header("etag"), home_after.header("etag"));
    app.exec_and_settle("update phase set status = 'delivered' where number = 3").await;
    let phases = app.get("/en/phases/3").await;
    phases.assert_contains("Delivered and in use");
}

#[tokio::test]
async fn search_results_are_not_kept() {
    let app = TestApp::new().await;
    let _ = app.get("/companies").await;
    let cached = app.state.page_cache.len();
    let counted = app.state.page_cache.stats();
    for q in ["gpixel", "changguang", "cgcx", "gmax"] {
        let page = app.get(&format!("/en/companies?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("etag"), "");
    }
    assert_eq!(app.state.page_cache.len(), cached);
    // Known from the URL, before any render: the same search from many visitors at once must not queue behind
    // one render that will not be kept (the cache's one-render-per-page wait), so the cache never sees them.
    let together = (0..8).map(|_| app.get("/api/companies?q=gpixel"));
    for answer in futures_util::future::join_all(together).await {
        assert_eq!(answer.status, StatusCode::OK);
    }
    assert_eq!(app.state.page_cache.stats(), counted, "searches went past the cache, neither hits nor renders");
}

#[tokio::test]
async fn static_assets_are_precompressed_and_immutable() {
    let app = TestApp::new().await;
    let home = app.get("/").await;
    let css = home.body.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let (_, plain_headers, plain) = send(&app, Method::GET, &css, &[]).await;
    assert_eq!(header(&plain_headers, "content-encoding"), "", "a client that accepts nothing gets the bytes");
    assert!(header(&plain_headers, "etag").starts_with('"'));
    assert!(String::from_utf8_lossy(&plain).contains("font-family"), "the stylesheet itself");

    let (status, headers, br) = send(&app, Method::GET, &css, &[("accept-encoding", "br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&headers, "vary"), "accept-encoding");
    assert_eq!(header(&headers, "content-length"), br.len().to_string());
    let br_etag = header(&headers, "etag").to_string();
    assert_ne!(br_etag, header(&plain_headers, "etag"), "each encoding has its own strong tag");
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
    assert_eq!(out, plain);
    // A real stylesheet compresses well; an empty or already-compressed body would not.
    assert!(br.len() * 3 < plain.len(), "brotli {} vs plain {}", br.len(), plain.len());

    let (_, headers, gz) = send(&app, Method::GET, &css, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_eq!(header(&headers, "vary"), "accept-encoding");
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
    assert_eq!(out, plain);

    // A stable validator: the same request gets the same bytes and the same tag again.
    let (_, again, br2) = send(&app, Method::GET, &css, &[("accept-encoding", "br")]).await;
    assert_eq!(br2, br);
    assert_eq!(header(&again, "etag"), br_etag);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let css = {
        let home = app.get("/").await;
        home.body.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
    };
    for (method, uri) in [
        (Method::GET, "/"),
        (Method::GET, "/en/nope"),
        (Method::GET, css.as_str()),
        (Method::POST, "/companies"),
        (Method::GET, "/admin/login"),
        (Method::GET, "/healthz"),
    ] {
        let (_, headers, _) = send(&app, method.clone(), uri, &[]).await;
        let csp = header(&headers, "content-security-policy");
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{uri}: {csp}"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header(&headers, "cross-origin-opener-policy"), "same-origin", "{uri}");
        assert!(!header(&headers, "referrer-policy").is_empty(), "{uri}");
        assert!(!header(&headers, "permissions-policy").is_empty(), "{uri}");
        // Plain HTTP by default: no HSTS.
        assert_eq!(header(&headers, "strict-transport-security"), "", "{uri}");
    }
}

#[tokio::test]
async fn only_allowed_hosts_are_answered_when_configured() {
    let app =
        TestApp::with_settings(|s| s.allowed_hosts = vec!["park.example.cn".into(), ".ccopt.example".into()]).await;
    for (host, status) in [
        ("park.example.cn", StatusCode::OK),
        ("park.example.cn:8080", StatusCode::OK),
        ("www.ccopt.example", StatusCode::OK),
        ("ccopt.example", StatusCode::OK),
        ("evil.example", StatusCode::BAD_REQUEST),
        ("park.example.cn.evil.example", StatusCode::BAD_REQUEST),
    ] {
        let (got, headers, body) = send(&app, Method::GET, "/en/", &[("host", host)]).await;
        assert_eq!(got, status, "{host}");
        if status == StatusCode::BAD_REQUEST {
            assert!(header(&headers, "content-type").starts_with("text/html"));
            assert!(String::from_utf8_lossy(&body).contains("This site does not answer to that host name."));
        }
    }
    let (got, _, _) = send(&app, Method::GET, "/", &[]).await;
    assert_eq!(got, StatusCode::BAD_REQUEST, "no Host at all");
}

#[tokio::test]
async fn hsts_only_when_served_over_https() {
    let app = TestApp::with_settings(|s| s.secure_cookies = true).await;
    let (_, headers, _) = send(&app, Method::GET, "/", &[]).await;
    assert!(header(&headers, "strict-transport-security").starts_with("max-age=31536000"));
}

/// The sending half that keeps a stalled request's body open, and a signal that fires when the handler
/// starts reading that body (so the request is inside the server, holding its place).
struct Stalled {
    _hold: tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>,
    reading: tokio::sync::oneshot::Receiver<()>,
}

/// A request whose body never finishes: it holds its place until the returned [`Stalled`] is dropped.
fn stalled_login() -> (Request<Body>, Stalled) {
    let (hold, rx) = tokio::sync::mpsc::channel(1);
    let (reading_tx, reading) = tokio::sync::oneshot::channel();
    let stream = futures_util::stream::unfold((rx, Some(reading_tx)), |(mut rx, mut reading_tx)| async move {
        if let Some(tx) = reading_tx.take() {
            let _ = tx.send(());
        }
        rx.recv().await.map(|item| (item, (rx, reading_tx)))
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/admin/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "100")
        .body(Body::from_stream(stream))
        .unwrap();
    (request, Stalled { _hold: hold, reading })
}

#[tokio::test]
async fn excess_load_is_shed_with_503_and_retry_after() {
    let app = TestApp::with_settings(|s| s.max_concurrency = 1).await;
    let (slow, mut stalled) = stalled_login();
    let router = app.router.clone();
    let first = tokio::spawn(async move { router.oneshot(slow).await });
    // The slow request holds the one place once its handler reads the body: wait for that, not for a time.
    tokio::time::timeout(std::time::Duration::from_secs(10), &mut stalled.reading)
        .await
        .expect("the stalled sign-in reached its handler within 10 s")
        .unwrap();
    let (status, headers, body) = send(&app, Method::GET, "/en/", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&headers, "retry-after"), "1");
    assert!(String::from_utf8_lossy(&body).contains("The server is busy"));
    drop(stalled);
    let _ = first.await;
    let (status, _, _) = send(&app, Method::GET, "/en/", &[]).await;
    assert_eq!(status, StatusCode::OK, "capacity is back once the slow request ends");
}

#[tokio::test]
async fn a_request_that_takes_too_long_gets_408() {
    let app = TestApp::with_settings(|s| s.request_timeout = std::time::Duration::from_millis(200)).await;
    let (slow, _stalled) = stalled_login();
    let response = app.router.clone().oneshot(slow).await.unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("请求超时"));
}

#[tokio::test]
async fn the_cache_counts_what_it_answered_from_memory_and_what_it_rendered() {
    let app = TestApp::new().await;
    let (hits, renders) = app.state.page_cache.stats();
    for _ in 0..3 {
        assert_eq!(app.get("/en/phases").await.status, StatusCode::OK);
    }
    // A search goes past the cache (results are never kept): counted neither way.
    for _ in 0..2 {
        assert_eq!(app.get("/en/companies?q=gpixel").await.status, StatusCode::OK);
    }
    let (hits_after, renders_after) = app.state.page_cache.stats();
    assert_eq!((hits_after - hits, renders_after - renders), (2, 1), "(from memory, rendered)");
}
