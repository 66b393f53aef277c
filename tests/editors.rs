//! Company editors: invitations, proposals, the review queue and what each role may open.

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp, hidden, signed_in};
use park_portal::admin::spec::ENTITIES;
use park_portal::web::admin::{Access, GUARDED_ROUTES};

/// The invitation link a staff page shows once (in the flash after inviting), as its path.
fn invitation_path(body: &str) -> String {
    let start = body.find("/admin/invitation/").expect("an invitation link on the page");
    let prefix = if body[..start].ends_with("/en") { "/en" } else { "" };
    let token: String = body[start + "/admin/invitation/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{prefix}/admin/invitation/{token}")
}

/// Staff invite `email` to keep company `company_id`; returns the invitation's path.
async fn invite(app: &TestApp, staff: &str, company_id: i64, email: &str, lang: &str) -> String {
    let id = company_id.to_string();
    let r = app
        .post_form("/admin/editors/invite", Some(staff), &[("company_id", &id), ("email", email), ("lang", lang)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), format!("/admin/editors?company={company_id}"));
    let page = app.get_as(r.header("location"), staff).await;
    page.assert_contains(email);
    invitation_path(&page.body)
}

/// An editor for company 1 (长光辰芯 / Gpixel), signed in: (app, staff cookie, editor cookie).
async fn with_editor() -> (TestApp, String, String) {
    let (app, staff) = signed_in().await;
    let link = invite(&app, &staff, 1, "keeper@example.com", "en").await;
    let r = app
        .post_form(&link, None, &[("username", "gpixel-keeper"), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/en/admin/my");
    let editor = r.session_cookie().expect("the new editor is signed in");
    (app, staff, editor)
}

/// The editor proposes `pairs` over what the form holds; returns the proposal's id.
async fn propose(app: &TestApp, editor: &str, pairs: &[(&str, &str)]) -> i64 {
    let form = app.get_as("/en/admin/my/edit", editor).await;
    assert_eq!(form.status, StatusCode::OK);
    let version = hidden(&form.body, "version");
    let mut all: Vec<(&str, &str)> = vec![("version", &version), ("short_name_zh", "长光辰芯")];
    all.extend_from_slice(pairs);
    let r = app.post_form("/en/admin/my/edit", Some(editor), &all).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.count("select max(id) from proposal where status = 'pending'").await
}

#[tokio::test]
async fn an_invitation_makes_an_editor_once_and_keeps_only_a_hash() {
    let (app, staff) = signed_in().await;
    let link = invite(&app, &staff, 1, "keeper@example.com", "zh").await;
    let token = link.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 43);
    let stored: String =
        sqlx::query_scalar("select token_hash from invitation").fetch_one(&app.state.pool).await.unwrap();
    assert_ne!(stored, token, "the token itself is not stored");
    assert_eq!(app.count("select count(*) from mail_message where to_address = 'keeper@example.com'").await, 1);
    let mail: String =
        sqlx::query_scalar("select text_body from mail_message").fetch_one(&app.state.pool).await.unwrap();
    assert!(mail.contains(&token) && mail.contains("长光辰芯"), "the mail carries the link: {mail}");

    let open = app.get(&link).await;
    assert_eq!(open.status, StatusCode::OK);
    open.assert_contains("长光辰芯");
    let weak = app
        .post_form(&link, None, &[("username", "keeper"), ("password", "password1"), ("confirm", "password1")])
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    weak.assert_contains("value=\"keeper\"");
    let differ =
        app.post_form(&link, None, &[("username", "keeper"), ("password", PASSWORD), ("confirm", "other")]).await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    differ.assert_contains("两次输入的密码不一致");
    let taken =
        app.post_form(&link, None, &[("username", "editor"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY, "the staff account's name is taken");
    assert_eq!(app.count("select count(*) from admin_user").await, 1, "no account yet");

    let made =
        app.post_form(&link, None, &[("username", "keeper"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(made.header("location"), "/admin/my");
    assert_eq!(
        app.count(
            "select count(*) from admin_user where role = 'editor' and company_id = 1 and email = 'keeper@example.com'"
        )
        .await,
        1
    );
    let again =
        app.post_form(&link, None, &[("username", "keeper2"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");
    assert_eq!(app.count("select count(*) from admin_user").await, 2);
    // The editor signs in at the same page as staff and lands on their company.
    let signed = app.post_form("/admin/login", None, &[("username", "keeper"), ("password", PASSWORD)]).await;
    assert_eq!(signed.header("location"), "/admin/my");
}

#[tokio::test]
async fn revoked_and_expired_invitations_do_not_work() {
    let (app, staff) = signed_in().await;
    let revoked = invite(&app, &staff, 1, "a@example.com", "zh").await;
    let id = app.count("select max(id) from invitation").await;
    let r = app.post_form(&format!("/admin/editors/invitations/{id}/revoke"), Some(&staff), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&revoked).await.status, StatusCode::GONE);
    let expired = invite(&app, &staff, 1, "b@example.com", "zh").await;
    sqlx::query("update invitation set expires_at = '2020-01-01T00:00:00Z' where email = 'b@example.com'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let page = app.get(&expired).await;
    assert_eq!(page.status, StatusCode::GONE);
    page.assert_contains("这个邀请链接已失效");
    let r = app.post_form(&expired, None, &[("username", "late"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(app.count("select count(*) from admin_user where role = 'editor'").await, 0);
    assert_eq!(app.get("/admin/invitation/not-a-token").await.status, StatusCode::GONE);
    // An address that is not one is refused with what was typed kept, and nothing queued.
    let before = app.count("select count(*) from invitation").await;
    let bad = app
        .post_form(
            "/admin/editors/invite",
            Some(&staff),
            &[("company_id", "1"), ("email", "not an address"), ("lang", "zh")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("value=\"not an address\"");
    assert_eq!(app.count("select count(*) from invitation").await, before);
}

#[tokio::test]
async fn a_proposal_waits_for_staff_and_approval_publishes_the_chosen_fields() {
    let (app, staff, editor) = with_editor().await;
    let id = propose(
        &app,
        &editor,
        &[("description_zh", "长光辰芯的新介绍：只改了中文。"), ("website", "https://example.com/gpixel")],
    )
    .await;
    // Nothing public changes yet; the editor sees it waiting.
    let public = app.get("/companies/gpixel").await;
    assert!(!public.body.contains("长光辰芯的新介绍"));
    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("Waiting for review");
    mine.assert_contains("长光辰芯的新介绍");
    // Staff see the count, the queue, and the one-sided change flagged.
    app.get_as("/en/admin", &staff)
        .await
        .assert_contains("class=\"count-badge\">1<span class=\"visually-hidden\"> waiting</span>");
    let queue = app.get_as("/en/admin/review", &staff).await;
    queue.assert_contains(&format!("/en/admin/review/{id}"));
    queue.assert_contains("(one language only)");
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    assert_eq!(review.status, StatusCode::OK);
    review.assert_contains("One language only");
    review.assert_contains("value=\"description_zh\"");
    review.assert_contains("value=\"website\"");
    assert!(!review.body.contains("Stored now"), "based on the stored version: no conflict");
    let version = hidden(&review.body, "version");
    let seen = hidden(&review.body, "seen");
    // Approving nothing is refused; approving the description alone publishes it alone.
    let none = app
        .post_form(&format!("/en/admin/review/{id}/approve"), Some(&staff), &[("version", &version), ("seen", &seen)])
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let approved = app
        .post_form(
            &format!("/en/admin/review/{id}/approve"),
            Some(&staff),
            &[
                ("version", &version),
                ("seen", &seen),
                ("column", "description_zh"),
                ("reason", "The website is not the company's own."),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let public = app.get("/companies/gpixel").await;
    public.assert_contains("长光辰芯的新介绍");
    public.assert_contains("企业于 ");
    let en = app.get("/en/companies/gpixel").await;
    en.assert_contains("Updated by the company on ");
    assert!(!en.body.contains("All facts are as of the source"), "no longer only the source's facts");
    app.open_data_settled().await;
    let data: serde_json::Value = serde_json::from_str(&app.get("/data/companies.json").await.body).unwrap();
    let gpixel = data["companies"].as_array().unwrap().iter().find(|r| r["slug"] == "gpixel").unwrap().clone();
    assert_eq!(gpixel["updated_by"], "company", "{gpixel}");
    assert_eq!(gpixel["updated_on"].as_str().unwrap().len(), 10);
    let other = data["companies"].as_array().unwrap().iter().find(|r| r["slug"] == "chenying").unwrap().clone();
    assert_eq!((other["updated_by"].as_str(), other["updated_on"].as_str()), (Some("source"), None));
    assert_eq!(
        app.count("select count(*) from company where id = 1 and website = 'https://example.com/gpixel'").await,
        0
    );
    assert_eq!(
        app.count(&format!("select count(*) from revision where entity = 'companies' and entity_id = 1 and proposal_id = {id} and username = 'editor'")).await,
        1,
        "an ordinary save by the approver, naming the proposal"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from proposal where id = {id} and status = 'partly_approved' and decided_by = 'editor'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from mail_message where to_address = 'keeper@example.com' and lang = 'en' and subject = 'Your change to Gpixel: Partly approved and published' and text_body like '%The website is not the company''s own.%'").await,
        1,
        "the editor is told, in their language, with the reason"
    );
    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("Partly approved and published");
    mine.assert_contains("The website is not the company&#39;s own.");
    let again = app
        .post_form(
            &format!("/en/admin/review/{id}/approve"),
            Some(&staff),
            &[("version", &version), ("seen", &seen), ("column", "website")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "decided once");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_the_editor_sees_it() {
    let (app, staff, editor) = with_editor().await;
    let id = propose(&app, &editor, &[("description_en", "A new English description only.")]).await;
    let seen = hidden(&app.get_as(&format!("/admin/review/{id}"), &staff).await.body, "seen");
    let bare =
        app.post_form(&format!("/admin/review/{id}/reject"), Some(&staff), &[("reason", "  "), ("seen", &seen)]).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The editor replaces the proposal while staff read it: a decision on the old one is refused, and shown again.
    propose(&app, &editor, &[("description_en", "A newer English description.")]).await;
    let stale = app
        .post_form(
            &format!("/admin/review/{id}/reject"),
            Some(&staff),
            &[("reason", "请同时提供中文介绍。"), ("seen", &seen)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    stale.assert_contains("企业编辑修改了这条建议");
    stale.assert_contains("A newer English description.");
    stale.assert_contains(">请同时提供中文介绍。</textarea>");
    let seen = hidden(&stale.body, "seen");
    let r = app
        .post_form(
            &format!("/admin/review/{id}/reject"),
            Some(&staff),
            &[("reason", "请同时提供中文介绍。"), ("seen", &seen)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("select count(*) from proposal where id = {id} and status = 'rejected'")).await, 1);
    assert_eq!(app.count("select count(*) from revision").await, 0, "nothing was saved");
    assert_eq!(app.count("select count(*) from mail_message where text_body like '%请同时提供中文介绍。%'").await, 1);
    let mine = app.get_as("/admin/my", &editor).await;
    mine.assert_contains("未采纳");
    mine.assert_contains("请同时提供中文介绍。");
    assert!(!app.get("/en/companies/gpixel").await.body.contains("A new English description only."));
}

#[tokio::test]
async fn a_form_opened_before_a_staff_save_is_shown_again_with_what_was_typed() {
    let (app, _staff, editor) = with_editor().await;
    let form = app.get_as("/en/admin/my/edit", &editor).await;
    let based_on = hidden(&form.body, "version");
    app.exec_and_settle("update company set website = 'https://staff.example/', version = version + 1 where id = 1")
        .await;
    let pairs =
        [("version", based_on.as_str()), ("short_name_zh", "长光辰芯"), ("description_en", "Typed by the editor.")];
    let r = app.post_form("/en/admin/my/edit", Some(&editor), &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Park staff changed this after you opened this form.");
    r.assert_contains("Typed by the editor.");
    assert_ne!(hidden(&r.body, "version"), based_on, "the form is now based on what is stored");
    assert_eq!(app.count("select count(*) from proposal").await, 0);
}

#[tokio::test]
async fn a_proposal_older_than_the_stored_entry_shows_what_changed_since_first() {
    let (app, staff, editor) = with_editor().await;
    let id = propose(&app, &editor, &[("website", "https://editor.example/")]).await;
    let based_on = app.count(&format!("select base_version from proposal where id = {id}")).await.to_string();
    // Staff change the website after the editor sent theirs.
    app.exec_and_settle("update company set website = 'https://staff.example/', version = version + 1 where id = 1")
        .await;
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    review.assert_contains("The entry was changed after this was proposed.");
    review.assert_contains("Stored now:");
    review.assert_contains("https://staff.example/");
    // Approving is a save from the version staff saw on this page; the proposal's own base is stale.
    let version = hidden(&review.body, "version");
    let seen = hidden(&review.body, "seen");
    assert_ne!(version, based_on);
    let stale = app
        .post_form(
            &format!("/en/admin/review/{id}/approve"),
            Some(&staff),
            &[("version", &based_on), ("seen", &seen), ("column", "website")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "a version older than stored is a conflict");
    stale.assert_contains("It was changed while you reviewed.");
    let ok = app
        .post_form(
            &format!("/en/admin/review/{id}/approve"),
            Some(&staff),
            &[("version", &version), ("seen", &seen), ("column", "website")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from company where id = 1 and website = 'https://editor.example/'").await, 1);
}

/// Every named input and textarea of the page's forms, with its value as the browser would send it.
fn form_values(body: &str) -> Vec<(String, String)> {
    let html = scraper::Html::parse_document(body);
    let fields = scraper::Selector::parse("form.admin-form input[name], form.admin-form textarea[name]").unwrap();
    html.select(&fields)
        .map(|e| {
            let value = match e.value().name() {
                "textarea" => e.text().collect::<String>(),
                _ => e.value().attr("value").unwrap_or_default().to_string(),
            };
            (e.value().attr("name").unwrap().to_string(), value)
        })
        .collect()
}

#[tokio::test]
async fn an_editor_with_nothing_changed_sends_nothing_and_a_bad_form_keeps_what_was_typed() {
    let (app, _staff, editor) = with_editor().await;
    let form = app.get_as("/en/admin/my/edit", &editor).await;
    let unchanged = form_values(&form.body);
    assert!(unchanged.iter().any(|(k, v)| k == "short_name_zh" && v == "长光辰芯"), "{unchanged:?}");
    let pairs: Vec<(&str, &str)> = unchanged.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post_form("/en/admin/my/edit", Some(&editor), &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Nothing differs from what is published, so nothing was sent.");
    let version = hidden(&form.body, "version");
    let bad = app
        .post_form(
            "/admin/my/edit",
            Some(&editor),
            &[("version", &version), ("short_name_zh", ""), ("website", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("此项必填。");
    bad.assert_contains("value=\"javascript:alert(1)\"");
    assert_eq!(app.count("select count(*) from proposal").await, 0);
}

/// Every guarded route, with its placeholders filled for company 1 (and entity `companies`).
fn routes() -> Vec<(Access, &'static str, String)> {
    let mut out = Vec::new();
    for (access, method, path) in GUARDED_ROUTES {
        let entities: Vec<&str> =
            if path.contains("{entity}") { ENTITIES.iter().map(|e| e.key).collect() } else { vec![""] };
        for entity in entities {
            let uri = format!("/admin{path}")
                .replace("{entity}", entity)
                .replace("{id}", "1")
                .replace("{revision}", "1")
                .replace("{proposal}", "1")
                .replace("{invitation}", "1")
                .replace("{account}", "1")
                .replace("{company}", "1")
                .replace("{milestone}", "4");
            out.push((*access, *method, uri.trim_end_matches('/').to_string()));
        }
    }
    out
}

#[tokio::test]
async fn every_admin_route_refuses_the_other_role_and_changes_nothing() {
    let (app, staff, editor) = with_editor().await;
    let proposal = propose(&app, &editor, &[("description_en", "Kept pending.")]).await;
    assert_eq!(proposal, 1);
    let revisions = app.count("select count(*) from revision").await;
    let mut checked = 0;
    for (access, method, uri) in routes() {
        let as_role = |cookie: &str| {
            let (app, uri, cookie) = (&app, uri.clone(), cookie.to_string());
            async move {
                if method == "GET" {
                    app.get_as(&uri, &cookie).await
                } else {
                    app.post_form(
                        &uri,
                        Some(&cookie),
                        &[("short_name_zh", "HACKED"), ("version", "1"), ("reason", "x"), ("column", "description_en")],
                    )
                    .await
                }
            }
        };
        let (wrong, right_role) = match access {
            Access::Staff => (editor.as_str(), "staff"),
            Access::Editor => (staff.as_str(), "editor"),
            Access::Account => continue,
        };
        let r = as_role(wrong).await;
        if uri == "/admin" {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "the editor's dashboard link leads home");
            assert_eq!(r.header("location"), "/admin/my");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri} (a {right_role} route) for the other role");
            r.assert_contains("这个账号无权查看或更改这里的内容");
        }
        assert!(!r.body.contains("HACKED"));
        checked += 1;
    }
    assert!(checked > 60, "walked {checked} routes");
    assert_eq!(app.count("select count(*) from company where short_name_zh = 'HACKED'").await, 0);
    assert_eq!(app.count("select count(*) from revision").await, revisions);
    assert_eq!(app.count("select count(*) from proposal where status = 'pending'").await, 1, "still pending");
    assert_eq!(app.count("select count(*) from admin_user").await, 2, "no account removed");
    // Both roles may sign out.
    for cookie in [&staff, &editor] {
        assert_eq!(app.post_form("/admin/logout", Some(cookie), &[]).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn removing_an_editor_ends_their_session() {
    let (app, staff, editor) = with_editor().await;
    assert_eq!(app.get_as("/admin/my", &editor).await.status, StatusCode::OK);
    let id = app.count("select id from admin_user where role = 'editor'").await;
    let r = app.post_form(&format!("/admin/editors/{id}/remove"), Some(&staff), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = app.get_as("/admin/my", &editor).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.header("location").starts_with("/admin/login"));
    let staff_id = app.count("select id from admin_user where username = 'editor'").await;
    let refused = app.post_form(&format!("/admin/editors/{staff_id}/remove"), Some(&staff), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "staff accounts are not removed here");
}

#[tokio::test]
async fn a_company_with_an_editor_is_not_deleted_until_the_editor_is_removed() {
    let (app, staff) = signed_in().await;
    // A company nothing else refers to, kept by an editor.
    let id = common::fixtures::company("lonely-optics").insert(&app).await;
    let link = invite(&app, &staff, id, "lonely@example.com", "en").await;
    let made = app
        .post_form(&link, None, &[("username", "lonely-keeper"), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&format!("/en/admin/companies/{id}/delete"), &staff).await;
    page.assert_contains("lonely-keeper");
    let refused = app.post_form(&format!("/en/admin/companies/{id}/delete"), Some(&staff), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "refused while an editor keeps it");
    assert_eq!(app.count("select count(*) from admin_user where role = 'editor'").await, 1);
    let editor = app.count("select id from admin_user where role = 'editor'").await;
    app.post_form(&format!("/admin/editors/{editor}/remove"), Some(&staff), &[]).await;
    let deleted = app.post_form(&format!("/en/admin/companies/{id}/delete"), Some(&staff), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("select count(*) from company where id = {id}")).await, 0);
}

#[tokio::test]
async fn an_editor_withdraws_what_waits_and_it_leaves_the_queue() {
    let (app, staff, editor) = with_editor().await;
    let id = propose(&app, &editor, &[("description_en", "Sent by mistake.")]).await;
    let r = app.post_form("/en/admin/my/withdraw", Some(&editor), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("select count(*) from proposal where id = {id} and status = 'withdrawn'")).await, 1);
    assert!(!app.get_as("/en/admin/review", &staff).await.body.contains(&format!("/en/admin/review/{id}\"")));
    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("Withdrawn");
    mine.assert_contains("Nothing is waiting for review.");
}

/// Staff approve proposal `id` whole (its form's version and digest as the review page holds them).
async fn approve_whole(app: &TestApp, staff: &str, id: i64) -> common::TestResponse {
    let review = app.get_as(&format!("/en/admin/review/{id}"), staff).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let (version, seen) = (hidden(&review.body, "version"), hidden(&review.body, "seen"));
    app.post_form(&format!("/en/admin/review/{id}/approve"), Some(staff), &[("version", &version), ("seen", &seen)])
        .await
}

#[tokio::test]
async fn an_editor_adds_changes_and_removes_the_company_s_milestones_through_review() {
    let (app, staff, editor) = with_editor().await;
    let milestones = app.count("select count(*) from milestone").await;
    // A new product launch: the form offers only the company's own kinds, and a bad date keeps what was typed.
    let form = app.get_as("/en/admin/my/milestones/new", &editor).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("value=\"product_launch\"");
    assert!(!form.body.contains("value=\"handover\""), "construction and handovers are the park's");
    // The company and the phase are not the editor's to set: sent anyway, they are ignored.
    let launch = [
        ("company_id", "2"),
        ("phase_id", "1"),
        ("occurred_on", "2024-05"),
        ("kind", "product_launch"),
        ("product_name", "GSPRINT9000"),
        ("title_zh", "长光辰芯发布GSPRINT9000"),
        ("title_en", "Gpixel launches the GSPRINT9000"),
    ];
    let mut bad = launch.to_vec();
    bad[2] = ("occurred_on", "last spring");
    let refused = app.post_form("/en/admin/my/milestones/new", Some(&editor), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("value=\"GSPRINT9000\"");
    refused.assert_contains("value=\"last spring\"");
    let sent = app.post_form("/en/admin/my/milestones/new", Some(&editor), &launch).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id = app.count("select max(id) from proposal where entity = 'milestones' and action = 'create'").await;
    assert!(!app.get("/en/companies/gpixel").await.body.contains("GSPRINT9000"), "not public before approval");
    app.get_as("/en/admin/review", &staff).await.assert_contains("New milestone: Gpixel launches the GSPRINT9000");
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    review.assert_contains("Approve and publish");
    assert!(!review.body.contains("name=\"column\""), "a new milestone is approved whole");
    assert_eq!(approve_whole(&app, &staff, id).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from milestone").await, milestones + 1);
    assert_eq!(
        app.count(
            "select count(*) from milestone where company_id = 1 and product_name = 'GSPRINT9000' and phase_id is null"
        )
        .await,
        1,
        "the editor's own company, nothing else"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from revision where entity = 'milestones' and action = 'create' and proposal_id = {id}"
        ))
        .await,
        1
    );
    let public = app.get("/en/companies/gpixel").await;
    public.assert_contains("GSPRINT9000");
    public.assert_contains("<p class=\"timeline-provenance muted\">Updated by the company on ");

    // Changing the seeded launch (milestone 4, Gpixel's): approved field by field.
    let edit = app.get_as("/en/admin/my/milestones/4/edit", &editor).await;
    assert_eq!(edit.status, StatusCode::OK);
    edit.assert_contains("value=\"GMAX4002\"");
    let version = hidden(&edit.body, "version");
    let mut pairs: Vec<(String, String)> = form_values(&edit.body);
    for (k, v) in &mut pairs {
        if k == "title_en" {
            *v = "Gpixel launches the high-speed GMAX4002".into();
        }
    }
    pairs.push(("kind".into(), "product_launch".into())); // a select: not among the inputs read above
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sent = app.post_form("/en/admin/my/milestones/4/edit", Some(&editor), &refs).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let change = app.count("select max(id) from proposal where entity = 'milestones' and entity_id = 4").await;
    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("Changed milestone: Gpixel launches the GMAX4002 high-speed version");
    mine.assert_contains("(a change waits for review)");
    let review = app.get_as(&format!("/en/admin/review/{change}"), &staff).await;
    review.assert_contains("value=\"title_en\"");
    review.assert_contains("One language only");
    assert_eq!(hidden(&review.body, "version"), version);
    let approved = app
        .post_form(
            &format!("/en/admin/review/{change}/approve"),
            Some(&staff),
            &[("version", &version), ("seen", &hidden(&review.body, "seen")), ("column", "title_en")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    app.get("/en/companies/gpixel").await.assert_contains("Gpixel launches the high-speed GMAX4002");

    // Removing it: a proposal too, and the milestone goes only when staff approve.
    let ask = app.post_form("/en/admin/my/milestones/4/delete", Some(&editor), &[]).await;
    assert_eq!(ask.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from milestone where id = 4").await, 1);
    let removal = app.count("select max(id) from proposal where entity_id = 4 and action = 'delete'").await;
    app.get_as(&format!("/en/admin/review/{removal}"), &staff).await.assert_contains("Approve the removal");
    assert_eq!(approve_whole(&app, &staff, removal).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from milestone where id = 4").await, 0);
    assert_eq!(
        app.count(&format!("select count(*) from revision where entity = 'milestones' and entity_id = 4 and action = 'delete' and proposal_id = {removal}")).await,
        1,
        "kept in history, so staff can restore it"
    );
    assert!(!app.get("/en/companies/gpixel").await.body.contains("high-speed GMAX4002"));
}

#[tokio::test]
async fn an_editor_cannot_reach_milestones_of_the_park_or_of_other_companies() {
    let (app, _staff, editor) = with_editor().await;
    // Milestone 1 is the park's (construction began); 500 is another company's; 999 does not exist.
    app.exec_and_settle(
        "insert into milestone (id, occurred_on, kind, company_id, title_zh) values (500, '2024', 'other', 2, '别家的大事记')",
    )
    .await;
    for id in [1, 500, 999] {
        let get = app.get_as(&format!("/en/admin/my/milestones/{id}/edit"), &editor).await;
        assert_eq!(get.status, StatusCode::NOT_FOUND, "GET {id}");
        for action in ["edit", "delete"] {
            let post = app
                .post_form(
                    &format!("/en/admin/my/milestones/{id}/{action}"),
                    Some(&editor),
                    &[("version", "1"), ("occurred_on", "2020"), ("kind", "other"), ("title_zh", "HACKED")],
                )
                .await;
            assert_eq!(post.status, StatusCode::NOT_FOUND, "POST {action} {id}");
        }
    }
    assert_eq!(app.count("select count(*) from proposal").await, 0);
    assert_eq!(app.count("select count(*) from milestone where title_zh = 'HACKED'").await, 0);
}

#[tokio::test]
async fn an_editor_s_logo_waits_for_review_beside_their_text_and_a_bad_file_is_refused() {
    let (app, staff, editor) = with_editor().await;
    let upload = |bytes: Vec<u8>| {
        let (app, editor) = (&app, editor.clone());
        async move {
            let (content_type, body) = common::multipart("logo", "1", "logo.png", &bytes);
            app.send(
                axum::http::Method::POST,
                "/en/admin/my/logo",
                Some(&editor),
                &[("content-type", content_type.as_str()), ("sec-fetch-site", "same-origin")],
                axum::body::Body::from(body),
            )
            .await
        }
    };
    let svg = upload(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>".to_vec()).await;
    assert_eq!(svg.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    svg.assert_contains("<p class=\"field-error\" id=\"logo-error\" role=\"alert\">Only PNG, JPEG or WebP");
    svg.assert_contains("Milestones and products");
    assert_eq!(app.count("select count(*) from proposal").await, 0);
    // A text change first, then a logo: one proposal holding both.
    let id = propose(&app, &editor, &[("description_en", "Sensors, and a new logo.")]).await;
    let ok = upload(common::png(64, 64)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(app.count("select count(*) from proposal where status = 'pending'").await, 1, "the same proposal");
    let after: String = sqlx::query_scalar("select after_json from proposal where id = ?")
        .bind(id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(after.contains("Sensors, and a new logo.") && after.contains("logos/"), "{after}");
    assert_eq!(app.count("select count(*) from company where id = 1 and logo_path is not null").await, 0);
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    review.assert_contains("value=\"logo_path\"");
    review.assert_contains("alt=\"The proposed logo\"");
    // Sending the text again keeps the logo.
    propose(&app, &editor, &[("description_en", "Sensors, and a new logo, said better.")]).await;
    let after: String = sqlx::query_scalar("select after_json from proposal where id = ?")
        .bind(id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(after.contains("said better") && after.contains("logos/"), "{after}");
    let mine = app.get_as("/en/admin/my", &editor).await;
    mine.assert_contains("alt=\"New Logo\"");
    assert!(!mine.body.contains("(removed)"), "the pending change adds a logo");
    assert_eq!(approve_whole_fields(&app, &staff, id, &["logo_path"]).await.status, StatusCode::SEE_OTHER);
    let path: String =
        sqlx::query_scalar("select logo_path from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert!(after.contains(&path), "the proposed file is published");
    assert_eq!(app.get(&format!("/media/{path}")).await.status, StatusCode::OK);
    app.get("/en/companies/gpixel").await.assert_contains(&path);
    // A text change over the published logo says nothing of the logo.
    propose(&app, &editor, &[("description_en", "Only the text, this time.")]).await;
    let mine = app.get_as("/en/admin/my", &editor).await;
    let waiting = &mine.body[mine.body.find("id=\"pending-h\"").unwrap()..mine.body.find("id=\"logo-h\"").unwrap()];
    assert!(waiting.contains("Only the text, this time."));
    assert!(!waiting.contains("(removed)") && !waiting.contains("alt=\"New Logo\""), "text only: {waiting}");
    app.post_form("/en/admin/my/withdraw", Some(&editor), &[]).await;
    // Asking to remove it is a proposal too.
    assert_eq!(app.post_form("/en/admin/my/logo/remove", Some(&editor), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from proposal where status = 'pending' and after_json like '%\"logo_path\":null%'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from company where id = 1 and logo_path is not null").await, 1);
}

/// Staff approve only `columns` of proposal `id`.
async fn approve_whole_fields(app: &TestApp, staff: &str, id: i64, columns: &[&str]) -> common::TestResponse {
    let review = app.get_as(&format!("/en/admin/review/{id}"), staff).await;
    let (version, seen) = (hidden(&review.body, "version"), hidden(&review.body, "seen"));
    let mut pairs = vec![("version", version.as_str()), ("seen", seen.as_str())];
    pairs.extend(columns.iter().map(|c| ("column", *c)));
    app.post_form(&format!("/en/admin/review/{id}/approve"), Some(staff), &pairs).await
}

#[tokio::test]
async fn an_editor_withdraws_one_change_of_several_and_a_deleted_milestone_closes_what_waits_for_it() {
    let (app, _staff, editor) = with_editor().await;
    let profile = propose(&app, &editor, &[("description_en", "One of two.")]).await;
    let launch = [("occurred_on", "2024"), ("kind", "other"), ("title_zh", "第二项修改")];
    assert_eq!(
        app.post_form("/en/admin/my/milestones/new", Some(&editor), &launch).await.status,
        StatusCode::SEE_OTHER
    );
    let removal = app.post_form("/en/admin/my/milestones/4/delete", Some(&editor), &[]).await;
    assert_eq!(removal.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from proposal where status = 'pending'").await, 3);
    let bad = app.post_form("/en/admin/my/withdraw", Some(&editor), &[("proposal", "one")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "not a number: nothing withdrawn");
    assert_eq!(app.count("select count(*) from proposal where status = 'pending'").await, 3);
    let one = profile.to_string();
    let r = app.post_form("/en/admin/my/withdraw", Some(&editor), &[("proposal", &one)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("select count(*) from proposal where id = {profile} and status = 'withdrawn'")).await,
        1
    );
    assert_eq!(app.count("select count(*) from proposal where status = 'pending'").await, 2, "the others wait");
    // Staff delete milestone 4 themselves: the removal that waited for it is closed, and a new milestone
    // given the same id is never reached by it.
    app.exec_and_settle("delete from milestone where id = 4").await;
    assert_eq!(
        app.count(
            "select count(*) from proposal where entity_id = 4 and status = 'rejected' and reason like '%was deleted%'"
        )
        .await,
        1
    );
    app.exec_and_settle("insert into milestone (id, occurred_on, kind, company_id, title_zh) values (4, '2025', 'other', 1, '新的同号大事记')")
        .await;
    assert!(!app.get_as("/en/admin/my", &editor).await.body.contains("(a change waits for review)"));
}

#[tokio::test]
async fn a_logo_joining_a_pending_change_keeps_what_the_change_was_based_on() {
    let (app, staff, editor) = with_editor().await;
    let id = propose(&app, &editor, &[("description_en", "Typed over the old website.")]).await;
    let based_on = app.count(&format!("select base_version from proposal where id = {id}")).await;
    app.exec_and_settle("update company set website = 'https://staff.example/', version = version + 1 where id = 1")
        .await;
    let (content_type, body) = common::multipart("logo", "1", "logo.png", &common::png(32, 32));
    let r = app
        .send(
            axum::http::Method::POST,
            "/en/admin/my/logo",
            Some(&editor),
            &[("content-type", content_type.as_str()), ("sec-fetch-site", "same-origin")],
            axum::body::Body::from(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count(&format!("select base_version from proposal where id = {id}")).await, based_on);
    let review = app.get_as(&format!("/en/admin/review/{id}"), &staff).await;
    review.assert_contains("The entry was changed after this was proposed.");
    // The editor never changed the website: it is not offered, so approving cannot put the old one back.
    assert!(!review.body.contains("value=\"website\""), "staff's website is not passed off as the editor's");
    review.assert_contains("value=\"logo_path\"");
    review.assert_contains("value=\"description_en\"");
}
