//! Visitors' corrections: the form on every profile, its spam checks, and the way into the review queue.

mod common;

use axum::http::StatusCode;
use common::{TestApp, hidden, signed_in};

/// The form as a person sends it: opened, read for longer than the minimum fill time, then sent.
async fn opened(app: &TestApp, path: &str) -> String {
    let form = app.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    let stamp = hidden(&form.body, "stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    stamp
}

#[tokio::test]
async fn every_profile_offers_the_form_in_both_languages() {
    let app = TestApp::new().await;
    app.get("/companies/gpixel").await.assert_contains("href=\"/companies/gpixel/suggest\"");
    app.get("/en/companies/gpixel").await.assert_contains("href=\"/en/companies/gpixel/suggest\"");
    let form = app.get("/en/companies/gpixel/suggest").await;
    form.assert_contains("Suggest a correction: Gpixel");
    form.assert_contains("it is deleted after 90 days");
    form.assert_contains("name=\"homepage\"");
    assert_eq!(app.get("/companies/no-such-company/suggest").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_suggestion_reaches_staff_who_reject_it_with_a_reason() {
    let (app, staff) = signed_in().await;
    let stamp = opened(&app, "/en/companies/gpixel/suggest").await;
    let sent = app
        .post_form(
            "/en/companies/gpixel/suggest",
            None,
            &[
                ("stamp", &stamp),
                ("field", "founded_year"),
                ("correction", "2013"),
                ("source_url", "https://example.com/annual-report"),
                ("email", "reader@example.com"),
                ("homepage", ""),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.header("location"), "/en/companies/gpixel/suggest?sent=1");
    app.get(sent.header("location")).await.assert_contains("Thank you!");
    assert_eq!(
        app.count("select count(*) from proposal where kind = 'suggestion' and after_json = '{\"founded_year\":2013}' and contact_email = 'reader@example.com'").await,
        1
    );
    // Never public: not on the profile, not in the open data.
    assert!(!app.get("/en/companies/gpixel").await.body.contains("reader@example.com"));
    app.open_data_settled().await;
    assert!(!app.get("/data/companies.json").await.body.contains("reader@example.com"));

    let queue = app.get_as("/en/admin/review", &staff).await;
    queue.assert_contains("A visitor");
    let id = app.count("select max(id) from proposal").await;
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    review.assert_contains("A visitor&#39;s suggested correction");
    review.assert_contains("reader@example.com");
    review.assert_contains("https://example.com/annual-report");
    let r = app
        .post_form(
            &format!("/en/admin/review/{id}/reject"),
            Some(&staff),
            &[("reason", "The source gives 2012."), ("seen", &hidden(&review.body, "seen"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("select count(*) from proposal where id = {id} and status = 'rejected' and reason = 'The source gives 2012.'")).await, 1);
}

#[tokio::test]
async fn an_accepted_suggestion_is_an_ordinary_save() {
    let (app, staff) = signed_in().await;
    let stamp = opened(&app, "/companies/gpixel/suggest").await;
    let pairs = [("stamp", stamp.as_str()), ("field", "website"), ("correction", "https://gpixel.example/")];
    assert_eq!(app.post_form("/companies/gpixel/suggest", None, &pairs).await.status, StatusCode::SEE_OTHER);
    let id = app.count("select max(id) from proposal").await;
    let review = app.get_as(&format!("/admin/review/{id}"), &staff).await;
    let version = hidden(&review.body, "version");
    let r = app
        .post_form(
            &format!("/admin/review/{id}/approve"),
            Some(&staff),
            &[("version", &version), ("seen", &hidden(&review.body, "seen")), ("column", "website")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.get("/companies/gpixel").await.assert_contains("https://gpixel.example/");
    // Accepted by staff, the change is staff's on the profile and in the open data.
    app.get("/en/companies/gpixel").await.assert_contains("Updated by park staff on ");
    assert_eq!(app.count(&format!("select count(*) from revision where proposal_id = {id}")).await, 1);
}

#[tokio::test]
async fn refused_suggestions_say_why_keep_what_was_typed_and_store_nothing() {
    let app = TestApp::new().await;
    let form = app.get("/companies/gpixel/suggest").await;
    let fresh = hidden(&form.body, "stamp");
    let typed = "成立于2013年左右";
    let too_fast = app
        .post_form(
            "/companies/gpixel/suggest",
            None,
            &[("stamp", &fresh), ("field", "founded_year"), ("correction", "2013")],
        )
        .await;
    assert_eq!(too_fast.status, StatusCode::UNPROCESSABLE_ENTITY);
    too_fast.assert_contains("提交得太快了");
    let forged = app
        .post_form(
            "/companies/gpixel/suggest",
            None,
            &[("stamp", "1000000000.abc"), ("field", "website"), ("correction", "https://x.example/")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    forged.assert_contains("这个表单已过期");
    forged.assert_contains("https://x.example/");

    let stamp = opened(&app, "/companies/gpixel/suggest").await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("field", "founded_year"), ("correction", typed), ("homepage", "http://spam.example")],
            "请不要填写隐藏的字段",
        ),
        (&[("field", "founded_year"), ("correction", typed)], "1900"),
        (&[("field", "slug"), ("correction", "taken-over")], "请选择要更正的项目"),
        (
            &[("field", "description_zh"), ("correction", "见 http://a.example http://b.example http://c.example")],
            "最多包含 2 个链接",
        ),
        (
            &[("field", "description_zh"), ("correction", "新的介绍"), ("source_url", "javascript:alert(1)")],
            "http:// 或 https://",
        ),
        (&[("field", "description_zh"), ("correction", "新的介绍"), ("email", "not-an-address")], "有效的电子邮件地址"),
    ];
    for (fields, message) in cases {
        let mut pairs = vec![("stamp", stamp.as_str())];
        pairs.extend_from_slice(fields);
        let r = app.post_form("/companies/gpixel/suggest", None, &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        r.assert_contains(message);
        let correction = fields.iter().find(|(k, _)| *k == "correction").unwrap().1;
        r.assert_contains(correction);
    }
    let long = "长".repeat(2001);
    let r = app
        .post_form(
            "/companies/gpixel/suggest",
            None,
            &[("stamp", &stamp), ("field", "description_zh"), ("correction", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from proposal").await, 0);
}

#[tokio::test]
async fn an_address_is_limited_per_hour_and_personal_data_is_erased_after_90_days() {
    let app = TestApp::new().await;
    for _ in 0..park_portal::admin::proposals::SUGGESTIONS_PER_HOUR {
        sqlx::query("insert into proposal (company_id, kind, proposer, base_version, before_json, after_json, client_address) values (1, 'suggestion', 'visitor', 1, '{}', '{}', 'unknown')")
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    let stamp = opened(&app, "/companies/gpixel/suggest").await;
    let r = app
        .post_form(
            "/companies/gpixel/suggest",
            None,
            &[("stamp", &stamp), ("field", "description_zh"), ("correction", "第六条建议")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("第六条建议");
    assert_eq!(app.count("select count(*) from proposal").await, 5);

    sqlx::query(
        "update proposal set contact_email = 'old@example.com', created_at = '2020-01-01T00:00:00Z' where id = 1",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let erased = park_portal::admin::proposals::erase_personal_data(&app.state.pool).await.unwrap();
    assert_eq!(erased, 1);
    assert_eq!(
        app.count(
            "select count(*) from proposal where contact_email is not null or (id = 1 and client_address is not null)"
        )
        .await,
        0
    );
    assert_eq!(app.count("select count(*) from proposal").await, 5, "the suggestions themselves stay");
}
