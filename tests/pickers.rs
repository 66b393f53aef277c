//! Search fields for references to large entities (a company on an award or a milestone): what staff type
//! is resolved by the server without JavaScript, the combobox's lookup endpoint, and forms whose size does
//! not grow with the number of companies.

mod common;

use axum::http::StatusCode;
use common::fixtures::{companies, company};
use common::{TestApp, signed_in};
use serde_json::Value;

/// Two companies sharing part of their names in both languages; returns their ids.
async fn two_probes(app: &TestApp) -> (i64, i64) {
    let a = company("probe-optics-a").zh("测试光学甲").en("Probe Optics Alpha").insert(app).await;
    let b = company("probe-optics-b").zh("测试光学乙").en("Probe Optics Beta").insert(app).await;
    (a, b)
}

/// A new award's form with the company typed as `term`.
fn award<'a>(term: &'a str, rank: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("company_id-q", term), ("competition_id", "1"), ("rank_zh", rank), ("division_en", "Kept division")]
}

async fn company_of_award(app: &TestApp, rank: &str) -> Option<i64> {
    sqlx::query_scalar("select company_id from award where rank_zh = ?")
        .bind(rank)
        .fetch_optional(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_company_is_chosen_by_its_exact_name_slug_or_id() {
    let (app, cookie) = signed_in().await;
    let (a, b) = two_probes(&app).await;
    let by_hash = format!("#{b}");
    let by_id = a.to_string();
    for (term, rank, expected) in [
        ("测试光学甲", "名称奖", a),
        ("Probe Optics Beta", "英文名称奖", b),
        ("probe optics beta", "英文小写奖", b),
        ("probe-optics-b", "标识奖", b),
        (by_hash.as_str(), "井号编号奖", b),
        (by_id.as_str(), "编号奖", a),
    ] {
        let r = app.post_form("/admin/awards/new", Some(&cookie), &award(term, rank)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{term}: {}", r.body);
        assert_eq!(company_of_award(&app, rank).await, Some(expected), "{term}");
    }
    // The form shows the chosen company by name and id when it comes back.
    let id: i64 =
        sqlx::query_scalar("select id from award where rank_zh = '名称奖'").fetch_one(&app.state.pool).await.unwrap();
    let edit = app.get_as(&format!("/admin/awards/{id}/edit"), &cookie).await;
    edit.assert_contains("<strong>测试光学甲</strong> <span class=\"muted\">#");
    edit.assert_contains(&format!("name=\"company_id\" value=\"{a}\""));
}

#[tokio::test]
async fn a_partial_term_offers_the_matches_and_keeps_everything_typed() {
    let (app, cookie) = signed_in().await;
    let (a, b) = two_probes(&app).await;
    let r = app.post_form("/en/admin/awards/new", Some(&cookie), &award("测试光学", "部分奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(&format!("name=\"company_id-pick\" value=\"{a}\""));
    r.assert_contains(&format!("name=\"company_id-pick\" value=\"{b}\""));
    r.assert_contains("2 entries match “测试光学”: choose one below.");
    r.assert_contains("id=\"err-company_id\"");
    r.assert_contains("name=\"company_id-q\" type=\"text\" value=\"测试光学\"");
    r.assert_contains("value=\"部分奖\"");
    r.assert_contains("value=\"Kept division\"");
    assert_eq!(company_of_award(&app, "部分奖").await, None);

    // Choosing one of them saves it.
    let mut form = award("测试光学", "部分奖");
    let pick = b.to_string();
    form.extend([("company_id-asked", "测试光学"), ("company_id-pick", pick.as_str())]);
    let chosen = app.post_form("/en/admin/awards/new", Some(&cookie), &form).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    assert_eq!(company_of_award(&app, "部分奖").await, Some(b));

    // A choice answering another term than the one now typed is not taken: the new term is looked up.
    let mut form = award("Probe Optics Alpha", "改了主意奖");
    form.extend([("company_id-asked", "测试光学"), ("company_id-pick", pick.as_str())]);
    let r = app.post_form("/admin/awards/new", Some(&cookie), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(company_of_award(&app, "改了主意奖").await, Some(a));

    // Part of one name only is offered too, never chosen without asking.
    let r = app.post_form("/admin/awards/new", Some(&cookie), &award("Alpha", "一个奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(&format!("name=\"company_id-pick\" value=\"{a}\""));
    r.assert_contains("“Alpha”只是名称的一部分");
}

#[tokio::test]
async fn a_term_that_matches_nothing_is_a_field_error_in_the_pages_language() {
    let (app, cookie) = signed_in().await;
    let r = app.post_form("/admin/awards/new", Some(&cookie), &award("不存在的企业", "无奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("没有与“不存在的企业”相符的企业。");
    assert!(!r.body.contains("company_id-pick"));
    let r = app.post_form("/en/admin/awards/new", Some(&cookie), &award("No such firm", "无奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("No company matches “No such firm”.");
    // An id that does not exist is no entry either.
    let r = app.post_form("/en/admin/awards/new", Some(&cookie), &award("#999999", "无奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("No company matches “#999999”.");
    // A required company left empty.
    let r = app.post_form("/en/admin/awards/new", Some(&cookie), &award("", "无奖")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("This field is required.");
    assert_eq!(app.count("select count(*) from award where rank_zh = '无奖'").await, 0);
}

#[tokio::test]
async fn an_optional_company_can_be_removed() {
    let (app, cookie) = signed_in().await;
    sqlx::raw_sql(
        "insert into milestone (id, occurred_on, kind, company_id, title_zh) values (900, '2024-01', 'other', 1, '测试大事');",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let edit = app.get_as("/admin/milestones/900/edit", &cookie).await;
    edit.assert_contains("name=\"company_id-clear\"");
    let version = common::hidden(&edit.body, "version");
    let form = [
        ("version", version.as_str()),
        ("occurred_on", "2024-01"),
        ("kind", "other"),
        ("title_zh", "测试大事"),
        ("company_id", "1"),
        ("company_id-q", ""),
        ("company_id-clear", "1"),
    ];
    let r = app.post_form("/admin/milestones/900/edit", Some(&cookie), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from milestone where id = 900 and company_id is null").await, 1);
}

#[tokio::test]
async fn the_lookup_answers_staff_with_both_names() {
    let (app, cookie) = signed_in().await;
    let (a, b) = two_probes(&app).await;
    let ids = |body: &str| -> Vec<i64> {
        let json: Value = serde_json::from_str(body).expect("JSON");
        json["results"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    for term in ["测试光", "%E6%B5%8B%E8%AF%95%E5%85%89%E5%AD%A6", "probe%20optics", "Optics", "probe-optics"] {
        let r = app.get_as(&format!("/admin/lookup/companies?q={term}"), &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{term}");
        assert!(r.header("content-type").starts_with("application/json"), "{term}");
        assert_eq!(r.header("cache-control"), "no-store");
        let mut found = ids(&r.body);
        found.sort_unstable();
        assert_eq!(found, vec![a, b], "{term}");
    }
    let r = app.get_as("/en/admin/lookup/companies?q=Beta", &cookie).await;
    let json: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["results"][0]["zh"], "测试光学乙");
    assert_eq!(json["results"][0]["en"], "Probe Optics Beta");
    assert_eq!(json["results"][0]["slug"], "probe-optics-b");
    // An id comes first, then exact names; an empty term finds nothing.
    let r = app.get_as(&format!("/admin/lookup/companies?q=%23{b}"), &cookie).await;
    assert_eq!(ids(&r.body).first(), Some(&b));
    let r = app.get_as("/admin/lookup/companies?q=", &cookie).await;
    assert!(ids(&r.body).is_empty());
    // At most 20, however many match.
    companies("many-", 30).zh("众多企业").insert(&app).await;
    let r = app.get_as("/admin/lookup/companies?q=%E4%BC%97%E5%A4%9A", &cookie).await;
    assert_eq!(ids(&r.body).len(), 20);
    // The names the lookup scans are indexed (migration 0006).
    assert_eq!(
        app.count("select count(*) from sqlite_master where type = 'index' and name = 'company_names'").await,
        1
    );
    // Wildcards are taken literally.
    let r = app.get_as("/admin/lookup/companies?q=%25", &cookie).await;
    assert!(ids(&r.body).is_empty(), "{}", r.body);
    // Only large entities are looked up; small ones are lists on the form.
    assert_eq!(app.get_as("/admin/lookup/phases?q=1", &cookie).await.status, StatusCode::NOT_FOUND);
    // Nobody else gets an answer: a sign-in page, as every admin page.
    let r = app.get("/admin/lookup/companies?q=%E6%B5%8B%E8%AF%95").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/admin/login?next="));
    assert!(!r.body.contains("测试光学"));
}

/// Inserts `n` companies named 批量企业1…n with SQL.
async fn many_companies(app: &TestApp, n: usize) {
    companies("bulk-", n).zh("批量企业").en("Bulk company ").insert(app).await;
}

#[tokio::test]
async fn forms_do_not_grow_with_the_number_of_companies() {
    let (app, cookie) = signed_in().await;
    let pages = ["/admin/awards/new", "/admin/milestones/new", "/en/admin/awards/1/edit", "/admin/companies/1/edit"];
    let mut before = Vec::new();
    for page in pages {
        let r = app.get_as(page, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        before.push(r.body.len());
    }
    many_companies(&app, 2_000).await;
    for (page, size_before) in pages.into_iter().zip(before) {
        let r = app.get_as(page, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.body.len() < 100 * 1024, "{page} is {} bytes", r.body.len());
        assert_eq!(r.body.len(), size_before, "{page} grew with the companies");
        assert!(!r.body.contains("批量企业"), "{page} lists companies");
    }
    // The award list names the companies of the rows it shows, and its filter no longer lists them all.
    let list = app.get_as("/admin/awards", &cookie).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("批量企业"));
    assert!(list.body.len() < 100 * 1024, "the award list is {} bytes", list.body.len());
    let name: String =
        sqlx::query_scalar("select short_name_zh from company where id = (select company_id from award where id = 1)")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    list.assert_contains(&name);
    // A filter set to one company shows that one, and one that names nothing is refused.
    let filtered = app.get_as("/admin/awards?f_company_id=2001", &cookie).await;
    assert_eq!(filtered.status, StatusCode::OK);
    filtered.assert_contains("<option value=\"2001\" selected>");
    assert_eq!(app.get_as("/admin/awards?f_company_id=999999", &cookie).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_history_and_the_conflict_page_name_the_company() {
    let (app, cookie) = signed_in().await;
    let (a, b) = two_probes(&app).await;
    let edit = app.get_as("/en/admin/awards/1/edit", &cookie).await;
    let version = common::hidden(&edit.body, "version");
    let form = |term: &'static str| {
        vec![
            ("version", version.clone()),
            ("company_id-q", term.to_string()),
            ("competition_id", "1".to_string()),
            ("rank_zh", "二等奖".to_string()),
        ]
    };
    let pairs = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let first = pairs(&form("probe-optics-a"));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post_form("/en/admin/awards/1/edit", Some(&cookie), &first).await.status, StatusCode::SEE_OTHER);
    let history = app.get_as("/en/admin/awards/1/history", &cookie).await;
    history.assert_contains("Probe Optics Alpha");
    // A second save from the old version conflicts; both companies are named side by side.
    let second = pairs(&form("probe-optics-b"));
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let conflict = app.post_form("/en/admin/awards/1/edit", Some(&cookie), &second).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    conflict.assert_contains("Probe Optics Alpha");
    conflict.assert_contains("Probe Optics Beta");
    assert_eq!(app.count(&format!("select count(*) from award where id = 1 and company_id = {a}")).await, 1);
    let _ = b;
}

#[tokio::test]
async fn an_award_import_checks_its_companies_by_id_among_many() {
    use park_portal::admin::csv::{self, Action};
    use park_portal::admin::spec::AWARDS;
    let (app, _cookie) = signed_in().await;
    many_companies(&app, 2_000).await;
    let last: i64 = app.count("select max(id) from company").await;
    let file = format!("company_id,competition_id,rank_zh\r\n{last},1,导入奖\r\n{},1,查无此企业奖\r\n", last + 1);
    let upload = csv::parse(&AWARDS, file.as_bytes()).unwrap();
    let mut conn = app.state.pool.acquire().await.unwrap();
    let plan = csv::plan(&mut conn, &AWARDS, &upload).await.unwrap();
    assert_eq!(plan.rows[0].action, Action::Create, "{:?}", plan.rows[0].problems);
    assert_eq!(plan.rows[1].action, Action::Invalid);
    assert_eq!(plan.rows[1].problems[0].column, "company_id");
}
