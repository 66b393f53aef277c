//! The freshness list: profiles not confirmed for months, asking their editors, and the editor's confirmation.

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp, signed_in};

/// An editor for company 1 (Gpixel) with an address, made directly; returns their session cookie.
async fn editor_of_gpixel(app: &TestApp) -> String {
    let hash = park_portal::admin::accounts::hash_password(PASSWORD).unwrap();
    sqlx::query("insert into admin_user (username, password_hash, role, company_id, email, lang) values ('keeper', ?, 'editor', 1, 'keeper@example.com', 'en')")
        .bind(hash)
        .execute(&app.state.pool)
        .await
        .unwrap();
    app.login("keeper", PASSWORD).await
}

#[tokio::test]
async fn profiles_older_than_the_span_are_listed_until_changed_or_confirmed() {
    let (app, staff) = signed_in().await;
    let active = app.count("select count(*) from company where status = 'active'").await;
    // The seeded profiles date from their source (March 2023): older than a year.
    let list = app.get_as("/en/admin/freshness", &staff).await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains(&format!("{active} profile"));
    list.assert_contains("Gpixel");
    list.assert_contains("(source)");
    // Ten years back, nothing is that old; a nonsense span is the default.
    app.get_as("/en/admin/freshness?months=120", &staff).await.assert_contains("0 profiles");
    app.get_as("/en/admin/freshness?months=99999", &staff).await.assert_contains("0 profiles");
    app.get_as("/en/admin/freshness?months=abc", &staff).await.assert_contains(&format!("{active} profile"));
    let far = app.get_as("/en/admin/freshness?page=9223372036854775807", &staff).await;
    assert_eq!(far.status, StatusCode::OK, "a page past the end is an empty page, not an overflow");

    // A change by staff makes a profile fresh.
    app.exec_and_settle(
        "insert into revision (entity, entity_id, action, username) values ('companies', 2, 'update', 'editor')",
    )
    .await;
    let list = app.get_as("/en/admin/freshness", &staff).await;
    list.assert_contains(&format!("{} profile", active - 1));
    assert!(!list.body.contains("/en/admin/companies/2/edit"));
}

#[tokio::test]
async fn asking_mails_the_editors_and_their_confirmation_takes_the_profile_off_the_list() {
    let (app, staff) = signed_in().await;
    let editor = editor_of_gpixel(&app).await;
    // Without an editor there is no one to ask.
    let none = app.post_form("/en/admin/freshness/2/ask?months=12&page=1", Some(&staff), &[]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(none.header("location"), "/en/admin/freshness?months=12&page=1");
    app.get_as(none.header("location"), &staff).await.assert_contains("invite one first");
    assert_eq!(app.count("select count(*) from mail_message").await, 0);

    let asked = app.post_form("/en/admin/freshness/1/ask", Some(&staff), &[]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from mail_message where to_address = 'keeper@example.com' and subject = 'Please confirm that the profile of Gpixel is current' and text_body like '%/en/admin/my%'").await,
        1
    );
    assert_eq!(app.count("select count(*) from company where id = 1 and confirm_asked_at is not null").await, 1);

    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("Not confirmed yet.");
    let r = app.post_form("/en/admin/my/confirm", Some(&editor), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from company where id = 1 and confirmed_by = 'keeper' and confirmed_at is not null")
            .await,
        1
    );
    app.get_as("/en/admin/my", &editor).await.assert_contains("Last confirmed:");
    app.settle().await;
    let public = app.get("/en/companies/gpixel").await;
    public.assert_contains("All facts are as of the source&#39;s date; confirmed current by the company on ");
    app.get("/en/companies/chenying").await.assert_contains("All facts are as of the source&#39;s date.");
    assert!(!app.get_as("/en/admin/freshness", &staff).await.body.contains("/en/admin/companies/1/edit"));
    // Staff cannot confirm for a company, and an editor cannot ask.
    assert_eq!(app.post_form("/admin/my/confirm", Some(&staff), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post_form("/admin/freshness/1/ask", Some(&editor), &[]).await.status, StatusCode::FORBIDDEN);
}
