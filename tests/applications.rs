//! Entry applications: the public form in both languages (its checks keep what was typed), the reference
//! number, the staff's mail through the queue, the inbox with statuses, assignment, notes, filters and CSV,
//! deletion on request, and anonymising after the keeping time.

mod common;

use axum::http::StatusCode;
use common::{TestApp, hidden, signed_in};

/// The form as a person sends it: opened, read for longer than the minimum fill time, then sent.
async fn opened(app: &TestApp, path: &str) -> String {
    let form = app.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{path}");
    let stamp = hidden(&form.body, "stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    stamp
}

fn complete(stamp: &str) -> Vec<(&str, &str)> {
    vec![
        ("stamp", stamp),
        ("company_name", "吉林光测科技有限公司"),
        ("contact_name", "王工"),
        ("phone", "138 0431 0000"),
        ("email", "wang@example.cn"),
        ("sector", "1"),
        ("space_kind", "laboratory"),
        ("area", "300"),
        ("wanted_from", "2027-03"),
        ("message", "需要一间洁净实验室。"),
        ("consent", "1"),
    ]
}

#[tokio::test]
async fn an_application_gets_a_reference_and_reaches_staff_by_mail() {
    let (app, cookie) = signed_in().await;
    app.get_as("/en/admin/applications", &cookie).await.assert_contains("new applications are not mailed to anyone");
    park_portal::admin::accounts::set_mail(&app.state.pool, "editor", "office@example.cn", "en").await.unwrap();
    let form = app.get("/en/apply").await;
    form.assert_contains("Apply to move in");
    form.assert_contains("erased 180 days after you send them");
    form.assert_contains("name=\"homepage\"");
    let stamp = opened(&app, "/apply").await;
    let sent = app.post_form("/apply", None, &complete(&stamp)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").to_string();
    assert!(location.starts_with("/apply/sent?ref=RZ-"), "{location}");
    let reference = location.split("ref=").nth(1).unwrap().to_string();
    let thanks = app.get(&location).await;
    thanks.assert_contains(&format!("<strong class=\"reference\">{reference}</strong>"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from application where reference = '{reference}' and status = 'new' and lang = 'zh'
             and phone = '138 0431 0000' and area_m2 = 300 and space_kind = 'laboratory' and sector_id = 1"
        ))
        .await,
        1
    );
    // One notice, in the staff member's language, naming the reference but not the applicant's details.
    assert_eq!(
        app.count(&format!(
            "select count(*) from mail_message where to_address = 'office@example.cn' and lang = 'en'
             and subject like '%{reference}%' and text_body like '%/en/admin/applications/1%'
             and text_body not like '%wang@example.cn%'"
        ))
        .await,
        1
    );
    // Staff see it in the inbox, with the count in the header.
    let inbox = app.get_as("/en/admin/applications", &cookie).await;
    inbox.assert_contains(&reference);
    inbox.assert_contains("吉林光测科技有限公司");
    inbox.assert_contains("class=\"count-badge\">1");
    assert!(!inbox.body.contains("not mailed to anyone"));
    let one = app.get_as("/en/admin/applications/1", &cookie).await;
    one.assert_contains("wang@example.cn");
    one.assert_contains("Laboratory · 300 m² · from March 2027");
    // A forged or broken reference link shows no reference.
    let forged = app.get("/apply/sent?ref=%3Cscript%3E").await;
    assert!(!forged.body.contains("class=\"reference\""));
}

#[tokio::test]
async fn a_refused_form_says_why_and_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let stamp = opened(&app, "/en/apply").await;
    let mut pairs = complete(&stamp);
    for (k, v) in pairs.iter_mut() {
        match *k {
            "phone" => *v = "12345",
            "email" => *v = "not-an-address",
            "consent" => *v = "",
            _ => {}
        }
    }
    let refused = app.post_form("/en/apply", None, &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Give a mainland mobile number");
    refused.assert_contains("Give a valid email address.");
    refused.assert_contains("Confirm that the park may use these details");
    refused.assert_contains("value=\"吉林光测科技有限公司\"");
    refused.assert_contains("value=\"12345\"");
    refused.assert_contains("需要一间洁净实验室。</textarea>");
    assert_eq!(app.count("select count(*) from application").await, 0);
    // A script: the hidden field filled, or sent at once.
    let mut trap = complete(&stamp);
    trap.push(("homepage", "http://spam.example"));
    assert_eq!(app.post_form("/apply", None, &trap).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let quick = hidden(&app.get("/apply").await.body, "stamp");
    let fast = app.post_form("/apply", None, &complete(&quick)).await;
    assert_eq!(fast.status, StatusCode::UNPROCESSABLE_ENTITY);
    fast.assert_contains("提交得太快了");
    assert_eq!(app.count("select count(*) from application").await, 0);
}

#[tokio::test]
async fn one_address_may_send_three_an_hour() {
    let app = TestApp::new().await;
    let stamp = opened(&app, "/apply").await;
    for _ in 0..3 {
        assert_eq!(app.post_form("/apply", None, &complete(&stamp)).await.status, StatusCode::SEE_OTHER);
    }
    let fourth = app.post_form("/apply", None, &complete(&stamp)).await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    fourth.assert_contains("value=\"王工\"");
    assert_eq!(app.count("select count(*) from application").await, 3);
    assert_eq!(app.count("select count(distinct reference) from application").await, 3);
}

#[tokio::test]
async fn staff_move_an_application_through_its_statuses_with_a_log() {
    let (app, cookie) = signed_in().await;
    app.exec_and_settle(
        "insert into application (id, reference, company_name, contact_name, phone, email)
         values (7, 'RZ-20261203-ABCDEF', '测试企业', '李四', '13900000000', 'li@example.cn');
         insert into application (id, reference, company_name, contact_name, phone, email, status)
         values (8, 'RZ-20261203-GHJKLM', '另一家', '张三', '13900000001', 'zhang@example.cn', 'declined')",
    )
    .await;
    let staff_id = app.count("select id from admin_user where role = 'staff' limit 1").await.to_string();
    for (path, pairs) in [
        ("/admin/applications/7/status", vec![("status", "contacted")]),
        ("/admin/applications/7/assign", vec![("assigned_to", staff_id.as_str())]),
        ("/admin/applications/7/note", vec![("note", "已电话联系，约下周看房。")]),
        ("/admin/applications/7/status", vec![("status", "visit_arranged")]),
        ("/admin/applications/7/status", vec![("status", "signed")]),
    ] {
        let response = app.post_form(path, Some(&cookie), &pairs).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}: {}", response.body);
    }
    assert_eq!(app.count("select count(*) from application where id = 7 and status = 'signed'").await, 1);
    assert_eq!(app.count("select count(*) from application_note where application_id = 7").await, 5);
    let page = app.get_as("/en/admin/applications/7", &cookie).await;
    page.assert_contains("Status: Visit arranged");
    page.assert_contains("已电话联系，约下周看房。");
    // Filters and the export.
    let signed = app.get_as("/en/admin/applications?status=signed", &cookie).await;
    signed.assert_contains("RZ-20261203-ABCDEF");
    assert!(!signed.body.contains("RZ-20261203-GHJKLM"));
    let nobody = app.get_as("/en/admin/applications?assigned=0", &cookie).await;
    assert!(nobody.body.contains("RZ-20261203-GHJKLM") && !nobody.body.contains("RZ-20261203-ABCDEF"));
    let csv = app.get_as("/admin/applications/export?status=declined", &cookie).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(csv.body.contains("zhang@example.cn") && !csv.body.contains("li@example.cn"), "{}", csv.body);
    // Bad input is a 4xx, never a change.
    assert_eq!(
        app.post_form("/admin/applications/7/status", Some(&cookie), &[("status", "won")]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post_form("/admin/applications/999/note", Some(&cookie), &[("note", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get_as("/admin/applications?status=won", &cookie).await.status, StatusCode::BAD_REQUEST);
    // Deleted on request: without the box ticked nothing goes; with it, the application and its log.
    assert_eq!(app.post_form("/admin/applications/7/delete", Some(&cookie), &[]).await.status, StatusCode::BAD_REQUEST);
    let deleted = app.post_form("/admin/applications/7/delete", Some(&cookie), &[("confirm", "1")]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from application where id = 7").await, 0);
    assert_eq!(app.count("select count(*) from application_note where application_id = 7").await, 0);
}

#[tokio::test]
async fn personal_data_is_blanked_after_the_keeping_time() {
    let app = TestApp::with_settings(|s| s.application_retention_days = 30).await;
    app.exec_and_settle(
        "insert into application (reference, company_name, contact_name, phone, email, message, created_at)
         values ('RZ-20260101-AAAAAA', '旧申请', '赵六', '13900000002', 'zhao@example.cn', '你好',
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-31 days')),
                ('RZ-20260101-BBBBBB', '新申请', '钱七', '13900000003', 'qian@example.cn', '你好',
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-29 days'));
         insert into application_note (application_id, author, automatic, body) values
           (1, 'staffer', 0, '赵六的手机 13900000002 已打通'),
           (1, 'staffer', 1, '状态改为：已联系 / Status: Contacted')",
    )
    .await;
    app.state.prune_expired().await;
    assert_eq!(
        app.count("select count(*) from application_note where application_id = 1 and body = '' and automatic = 0")
            .await,
        1,
        "a note staff wrote may quote the applicant: blanked with the rest"
    );
    assert_eq!(app.count("select count(*) from application_note where body like '%Status: Contacted'").await, 1);
    assert_eq!(
        app.count(
            "select count(*) from application where company_name = '旧申请' and contact_name = '' and phone = ''
                   and email = '' and message = '' and anonymised_at is not null"
        )
        .await,
        1
    );
    assert_eq!(app.count("select count(*) from application where email = 'qian@example.cn'").await, 1);
}

#[tokio::test]
async fn a_unit_leads_to_the_form_with_its_kind_and_area() {
    let app = TestApp::new().await;
    app.exec_and_settle(
        "insert into unit (id, building_id, name_zh, name_en, floor, area_m2, kind, status)
         values (5, 1, '2层洁净室', 'Clean room, 2F', '2', 260, 'clean_room', 'available')",
    )
    .await;
    app.get("/en/space/5").await.assert_contains("href=\"/en/apply?unit=5\"");
    let form = app.get("/en/apply?unit=5").await;
    form.assert_contains("You are asking about: <a href=\"/en/space/5\">Clean room, 2F</a>");
    form.assert_contains("<option value=\"clean_room\" selected>");
    form.assert_contains("value=\"260\"");
    form.assert_contains("name=\"unit\" value=\"5\"");
    // A unit let since is not offered: the form starts empty.
    app.exec_and_settle("update unit set status = 'let' where id = 5").await;
    assert!(!app.get("/en/space/5").await.body.contains("/en/apply?unit=5"));
    let form = app.get("/en/apply?unit=5").await;
    assert!(!form.body.contains("You are asking about") && !form.body.contains("value=\"260\""));
}
