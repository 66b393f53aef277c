//! Sign-in behind reverse proxies (which address is throttled, `--trusted-proxies`), and the sign-in log
//! kept bounded while the server runs.

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp};

/// The reverse proxy's address, inside the trusted range the tests configure.
const PROXY: &str = "10.0.0.5";
const INTERNET: &str = "203.0.113.9";

async fn with_editor(trusted: &[&str]) -> TestApp {
    let ranges: Vec<ipnet::IpNet> = trusted.iter().map(|r| r.parse().unwrap()).collect();
    let app = TestApp::with_settings(|s| s.trusted_proxies = ranges).await;
    app.add_admin("editor", PASSWORD).await;
    app
}

/// The addresses the sign-in log recorded, each once.
async fn recorded(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select distinct address from login_attempt order by address")
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

/// Five failures from `peer`, each for another unknown account, so only the throttle by address can trip.
/// `forwarded(n)` gives the n-th request's forwarding headers.
async fn fail_five_times(app: &TestApp, peer: &str, forwarded: impl Fn(u8) -> Vec<(String, String)>) {
    for n in 0..5 {
        let headers = forwarded(n);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = app.sign_in_from(peer, &headers, &format!("ghost{n}"), "wrong-guess-123").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {n}: {}", response.body);
    }
}

fn xff(value: &str) -> Vec<(String, String)> {
    vec![("x-forwarded-for".to_string(), value.to_string())]
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_header_changes_nothing() {
    let app = with_editor(&[]).await;
    // every failure claims another address, in both headers
    fail_five_times(&app, PROXY, |n| {
        let mut headers = xff(&format!("198.51.100.{n}"));
        headers.push(("forwarded".into(), format!("for=198.51.100.{n}")));
        headers
    })
    .await;
    assert_eq!(recorded(&app).await, [PROXY]);
    // The peer is throttled, whatever the next request claims to be.
    let blocked = app.sign_in_from(PROXY, &[("x-forwarded-for", "198.51.100.99")], "editor", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    blocked.assert_contains("登录失败次数过多");
    assert!(blocked.session_cookie().is_none());
    // Another peer is not.
    let other = app.sign_in_from(INTERNET, &[], "editor", PASSWORD).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_throttled_alone() {
    let app = with_editor(&["10.0.0.0/8"]).await;
    // Client A prepends forged entries; the proxy appends A's real address on the right.
    fail_five_times(&app, PROXY, |n| xff(&format!("192.0.2.{n}, 198.51.100.7"))).await;
    assert_eq!(recorded(&app).await, ["198.51.100.7"]);
    let a = app.sign_in_from(PROXY, &[("x-forwarded-for", "198.51.100.7")], "editor", PASSWORD).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    // Client B, through two proxies and written as RFC 7239 says for IPv6, still signs in.
    let b = app
        .sign_in_from(
            PROXY,
            &[("forwarded", "for=\"[2001:db8::b]:4711\", for=10.0.0.9;proto=https")],
            "editor",
            PASSWORD,
        )
        .await;
    assert_eq!(b.status, StatusCode::SEE_OTHER, "{}", b.body);
    assert!(b.session_cookie().is_some());
    let successes: Vec<String> = sqlx::query_scalar("select address from login_attempt where succeeded = 1")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(successes, ["2001:db8::b"]);
    // The proxy's own address was never recorded, so it throttles nobody.
    assert!(!recorded(&app).await.contains(&PROXY.to_string()));
}

#[tokio::test]
async fn a_peer_outside_the_trusted_ranges_is_the_client() {
    let app = with_editor(&["10.0.0.0/8"]).await;
    fail_five_times(&app, INTERNET, |n| xff(&format!("198.51.100.{n}"))).await;
    assert_eq!(recorded(&app).await, [INTERNET]);
    let blocked = app.sign_in_from(INTERNET, &[("x-forwarded-for", "198.51.100.99")], "editor", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_garbled_header_from_a_trusted_proxy_counts_as_the_proxy() {
    let app = with_editor(&["10.0.0.0/8"]).await;
    let response = app.sign_in_from(PROXY, &[("x-forwarded-for", "unknown")], "ghost", "wrong-guess-123").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(recorded(&app).await, [PROXY]);
}

#[tokio::test]
async fn the_pruning_task_drops_old_attempts_and_keeps_recent_ones() {
    let app = TestApp::new().await;
    sqlx::raw_sql(
        "insert into login_attempt (username, address, succeeded, attempted_at) values
           ('ancient', 'x', 0, '2020-01-01T00:00:00.000Z'),
           ('stale', 'x', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-91 days')),
           ('kept', 'x', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-89 days')),
           ('recent', 'x', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    // What the hourly task runs on each tick.
    assert_eq!(app.state.prune_expired().await, 2);
    let left: Vec<String> = sqlx::query_scalar("select username from login_attempt order by username")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(left, ["kept", "recent"]);
    assert_eq!(app.state.prune_expired().await, 0);
}

/// A burst of sign-ins for one account sent at the same moment: no more than the limit have their password
/// checked (the attempt is reserved before the hash, in one statement with the check), and the right password
/// in the same burst is refused like the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sign_ins_checks_no_more_passwords_than_the_limit() {
    let app = with_editor(&[]).await;
    let app = &app;
    let burst = (0..40).map(|n| async move {
        let password = if n == 39 { PASSWORD.to_string() } else { format!("wrong-guess-{n}") };
        app.sign_in_from(INTERNET, &[], "editor", &password).await.status
    });
    let statuses = futures_util::future::join_all(burst).await;
    let count = |status: StatusCode| statuses.iter().filter(|s| **s == status).count();
    let checked = count(StatusCode::UNAUTHORIZED) + count(StatusCode::SEE_OTHER);
    assert_eq!(checked, park_portal::admin::accounts::MAX_FAILURES as usize, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 40 - checked, "{statuses:?}");
    assert_eq!(count(StatusCode::SEE_OTHER), 0, "the right password came after the limit: {statuses:?}");
    let recorded: i64 =
        sqlx::query_scalar("select count(*) from login_attempt").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(recorded as usize, checked, "one record per password checked");
}
