//! Available space: units staff list per building, the public list with its filters and totals, one unit's
//! page, and what a new park shows (no invented units).

mod common;

use axum::http::StatusCode;
use common::{TestApp, signed_in};

/// Units in the seeded buildings (1: the five science and technology buildings; 2: the incubation building),
/// as staff would list them. The source does not say which phase the buildings belong to; here staff have put
/// building 1 in phase 1.
async fn with_units(app: &TestApp) {
    app.exec_and_settle(
        "update building set phase_id = 1 where id = 1;
         insert into unit (id, building_id, name_zh, name_en, floor, area_m2, kind, status, available_from) values
           (1, 1, '3层东侧', '3F east', '3', 420, 'office', 'available', null),
           (2, 1, '1层实验室', 'Lab, ground floor', '1', 180, 'laboratory', 'available', '2027-03'),
           (3, 2, '孵化工位 A12', 'Desk A12', '2', 6, 'incubator_desk', 'available', null),
           (4, 2, '已出租的办公室', 'A let office', '4', 900, 'office', 'let', null)",
    )
    .await;
}

#[tokio::test]
async fn a_new_park_lists_no_units_and_says_why() {
    let app = TestApp::new().await;
    assert_eq!(app.count("select count(*) from unit").await, 0, "the source gives no units: none are invented");
    let zh = app.get("/space").await;
    assert_eq!(zh.status, StatusCode::OK);
    zh.assert_contains("园区还没有在这里公布房源。");
    let en = app.get("/en/space").await;
    en.assert_contains("The park has not listed any units here yet.");
    en.assert_contains("but no units, floors or areas");
    assert!(!en.body.contains("<table"), "no empty table");
    en.assert_contains("aria-current=\"page\">Space</a>");
}

#[tokio::test]
async fn the_list_filters_by_kind_area_phase_and_building_with_totals() {
    let app = TestApp::new().await;
    with_units(&app).await;
    let all = app.get("/en/space").await;
    all.assert_contains("3 units available, 606 m² in all");
    all.assert_contains("href=\"/en/space/1\">3F east</a>");
    all.assert_contains("March 2027");
    assert!(!all.body.contains("A let office"), "a let unit is not free space");
    let labs = app.get("/en/space?kind=laboratory").await;
    labs.assert_contains("1 unit available, 180 m² in all");
    assert!(!labs.body.contains("3F east"));
    let large = app.get("/space?min_area=200").await;
    large.assert_contains("共 1 处可租，合计 420 平方米");
    let incubator = app.get("/en/space?building=2").await;
    incubator.assert_contains("Desk A12");
    assert!(!incubator.body.contains("3F east"));
    let phase = app.get("/en/space?phase=1").await;
    phase.assert_contains("2 units available");
    let none = app.get("/en/space?kind=clean_room").await;
    none.assert_contains("No available unit matches these filters.");
    // The phase page links its buildings' free space.
    let phase_page = app.get("/en/phases/1").await;
    phase_page.assert_contains("href=\"/en/space?building=1\">2 units to let</a>");
    phase_page.assert_contains("href=\"/en/space?phase=1\"");
    // Each unit is in the sitemap.
    let sitemap = app.get("/sitemap.xml").await;
    sitemap.assert_contains("/space/4</loc>");
    sitemap.assert_contains("/en/space</loc>");
}

#[tokio::test]
async fn a_bad_filter_is_a_clear_400_in_the_visitor_s_language() {
    let app = TestApp::new().await;
    with_units(&app).await;
    let area = app.get("/en/space?min_area=lots").await;
    assert_eq!(area.status, StatusCode::BAD_REQUEST);
    area.assert_contains("The minimum area “lots” is not valid");
    let kind = app.get("/space?kind=castle").await;
    assert_eq!(kind.status, StatusCode::BAD_REQUEST);
    kind.assert_contains("房源类型无效");
    assert_eq!(app.get("/en/space?phase=9").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/en/space?building=99").await.status, StatusCode::BAD_REQUEST);
    for missing in ["/space/99", "/en/space/x", "/space/-1"] {
        assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn a_unit_page_says_what_it_is_and_whether_it_is_free() {
    let app = TestApp::new().await;
    with_units(&app).await;
    let lab = app.get("/en/space/2").await;
    assert_eq!(lab.status, StatusCode::OK);
    lab.assert_contains("<h1>Lab, ground floor</h1>");
    lab.assert_contains("Available</strong>, from March 2027");
    lab.assert_contains("180 m²");
    lab.assert_contains("href=\"/en/phases/1\"");
    let let_office = app.get("/space/4").await;
    let_office.assert_contains("已出租");
    assert!(!let_office.body.contains("即可入驻"));
}

#[tokio::test]
async fn staff_list_a_unit_through_the_admin_and_a_building_with_units_is_kept() {
    let (app, staff) = signed_in().await;
    let form = app.get_as("/en/admin/units/new", &staff).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Area (m²)");
    let area = &form.body[form.body.find("name=\"area_m2\"").unwrap()..];
    assert!(area[..area.find('>').unwrap()].contains("value=\"\""), "a measure has no default (a count starts at one)");
    let bad = app
        .post_form(
            "/en/admin/units/new",
            Some(&staff),
            &[
                ("building_id", "2"),
                ("name_zh", "5层"),
                ("area_m2", "ninety"),
                ("kind", "office"),
                ("status", "available"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("value=\"ninety\"");
    let ok = app
        .post_form(
            "/en/admin/units/new",
            Some(&staff),
            &[("building_id", "2"), ("name_zh", "5层"), ("area_m2", "90"), ("kind", "office"), ("status", "available")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.get("/space").await.assert_contains("共 1 处可租，合计 90 平方米");
    // The building cannot be deleted from under its units.
    let delete = app.get_as("/en/admin/buildings/2/delete", &staff).await;
    delete.assert_contains("5层");
    let refused = app.post_form("/en/admin/buildings/2/delete", Some(&staff), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    // Exported like every entity.
    let csv = app.get_as("/admin/units/export", &staff).await;
    assert!(csv.body.contains(",5层,") && csv.body.contains(",90,office,available,"), "{}", csv.body);
}

#[tokio::test]
async fn a_long_list_comes_in_pages_with_totals_for_all() {
    let app = TestApp::new().await;
    app.exec_and_settle(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 60)
         insert into unit (building_id, name_zh, name_en, area_m2, kind, status)
         select 1, '单元' || i, 'Unit ' || i, 10, 'office', 'available' from n",
    )
    .await;
    let first = app.get("/en/space").await;
    first.assert_contains("60 units available, 600 m² in all");
    assert_eq!(first.body.matches("href=\"/en/space/").count(), 50, "fifty to a page");
    first.assert_contains("href=\"/en/space?page=2\" rel=\"next\"");
    let second = app.get("/en/space?page=2").await;
    assert_eq!(second.body.matches("href=\"/en/space/").count(), 10);
    second.assert_contains("Page 2 of 2");
    app.get("/en/space?kind=office&page=2").await.assert_contains("href=\"/en/space?kind=office\" rel=\"prev\"");
    assert_eq!(app.get("/en/space?page=3").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/en/space?page=x").await.status, StatusCode::BAD_REQUEST);
}
