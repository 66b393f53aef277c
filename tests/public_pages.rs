//! Every public page, in both languages, shows the park's seeded facts.

mod common;

use axum::http::StatusCode;
use common::{PUBLIC_PAGES as PAGES, TestApp};

fn en(path: &str) -> String {
    if path == "/" { "/en/".to_string() } else { format!("/en{path}") }
}

#[tokio::test]
async fn every_page_renders_in_both_languages_with_its_twin_linked() {
    let app = TestApp::new().await;
    for path in PAGES {
        let zh = app.get(path).await;
        assert_eq!(zh.status, StatusCode::OK, "{path}");
        assert!(zh.header("content-type").starts_with("text/html"), "{path}");
        zh.assert_contains("<html lang=\"zh-CN\">");
        zh.assert_contains(&format!("class=\"lang-switch\" href=\"{}\"", en(path)));
        zh.assert_contains("<meta name=\"description\" content=\"");
        assert!(!zh.body.contains("content=\"\""), "{path} has an empty meta description");

        let english = app.get(&en(path)).await;
        assert_eq!(english.status, StatusCode::OK, "{}", en(path));
        english.assert_contains("<html lang=\"en\">");
        english.assert_contains(&format!("class=\"lang-switch\" href=\"{path}\""));
        english.assert_contains("Changchun Optoelectronic Information Industrial Park");
        // English pages carry English navigation, not Chinese.
        english.assert_contains(">Companies</a>");
        assert!(!english.body.contains(">企业名录</a>"), "{} shows Chinese navigation", en(path));

        let title =
            |body: &str| body.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).map(str::to_string);
        assert_ne!(title(&zh.body), title(&english.body), "{path}: the two languages share a title");
    }
}

#[tokio::test]
async fn pages_have_titles_of_their_own() {
    let app = TestApp::new().await;
    let mut titles = std::collections::HashSet::new();
    for path in PAGES {
        let page = app.get(&en(path)).await;
        let title = page.body.split("<title>").nth(1).unwrap().split("</title>").next().unwrap().to_string();
        assert!(titles.insert(title.clone()), "{path} repeats the title {title:?}");
    }
}

#[tokio::test]
async fn home_shows_key_figures_computed_from_the_data() {
    let app = TestApp::new().await;
    let zh = app.get("/").await;
    zh.assert_contains("北方光谷");
    zh.assert_contains("已知入驻企业 22 家");
    zh.assert_contains("2023年3月");
    // 40,000 + 60,000 yuan of prize money; 250,000 + 300,000 of project support.
    zh.assert_contains("10万元");
    zh.assert_contains("55万元");
    zh.assert_contains("2020年5月");
    zh.assert_contains("2024年6月");

    let en = app.get("/en/").await;
    en.assert_contains("of 22 tenants stated");
    en.assert_contains("100,000 yuan");
    en.assert_contains("550,000 yuan");
    en.assert_contains("May 2020");
    en.assert_contains("December 2021");
    en.assert_contains("14 February 2023");
    en.assert_contains("Northern Optics Valley");
    // The sectors with their counts: Gpixel and 圆辰 in core components.
    en.assert_contains(
        "Core Component Design and Manufacturing</span>\n      <span class=\"sector-count\">2 companies</span>",
    );
    // A sector with no company listed is quieter, and does not say "0 companies".
    en.assert_contains("class=\"sector-tile sector-tile-empty\" href=\"/en/sectors/laser\"");
    assert!(!en.body.contains(">0 companies<") && !zh.body.contains(">0 家企业<"));
    // The park's timeline is shown once: the latest list below it holds the companies' own milestones.
    let park_dates = |body: &str, date: &str| body.matches(date).count();
    assert_eq!(park_dates(&en.body, "datetime=\"2020-05\""), 1, "the park's milestone appears twice");
    en.assert_contains("Latest from the companies");
}

#[tokio::test]
async fn every_page_says_when_its_data_last_changed() {
    let app = TestApp::new().await;
    let newest: String = sqlx::query_scalar(
        "select max(at) from (select max(updated_at) as at from company union all select max(updated_at) from milestone \
         union all select max(updated_at) from award union all select max(updated_at) from phase)",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let day = park_portal::catalog::park_time(&newest)[..10].to_string();
    for path in ["/", "/companies", "/awards", "/phases/1"] {
        let zh = app.get(path).await;
        zh.assert_contains(&format!("数据最后更新：<time datetime=\"{day}\">"));
        app.get(&en(path)).await.assert_contains(&format!("Data last changed: <time datetime=\"{day}\">"));
    }
}

#[tokio::test]
async fn gpixel_profile_shows_every_fact() {
    let app = TestApp::new().await;
    let en = app.get("/en/companies/gpixel").await;
    assert_eq!(en.status, StatusCode::OK);
    for fact in [
        "<h1>Gpixel</h1>",
        "长光辰芯",
        "GMAX4002",
        "14 February 2023",
        "National High-Tech Enterprise",
        "Integrated Circuit Design Enterprise",
        "Little Giant",
        "CIOMP spin-off",
        "Business in more than 10 countries",
        "over 50% market share",
        "href=\"/en/phases/1\"",
        "href=\"/en/sectors/core-components\"",
        "China Jilin Net",
        "March 2023",
    ] {
        en.assert_contains(fact);
    }
    let zh = app.get("/companies/gpixel").await;
    zh.assert_contains("<h1>长光辰芯</h1>");
    zh.assert_contains("2023年2月14日");
    zh.assert_contains("国家高新技术企业");
    zh.assert_contains("业务遍及全球10多个国家");
}

#[tokio::test]
async fn awards_appear_with_their_amounts_on_profiles_and_the_awards_page() {
    let app = TestApp::new().await;
    let daqi = app.get("/en/companies/changguang-daqi").await;
    daqi.assert_contains("长春长光大器科技有限公司");
    daqi.assert_contains("10th China Innovation and Entrepreneurship Competition");
    daqi.assert_contains("Second prize");
    daqi.assert_contains("40,000 yuan");
    daqi.assert_contains("250,000 yuan");

    let chenying = app.get("/companies/chenying").await;
    chenying.assert_contains("第九届中国创新创业大赛");
    chenying.assert_contains("6万元");
    chenying.assert_contains("30万元");
    chenying.assert_contains("金奖");

    let awards = app.get("/en/awards").await;
    awards.assert_contains("5 awards");
    awards.assert_contains("100,000 yuan");
    awards.assert_contains("550,000 yuan");
    let only = app.get("/en/awards?company=changguang-daqi").await;
    only.assert_contains("1 award");
    only.assert_contains("40,000 yuan</td>");
    only.assert_contains("\">250,000 yuan</td>");
    // On phones each row is a card: every cell says what it is, the company (in pinyin with its Chinese
    // name, as it has no English one) comes first.
    only.assert_contains("<td class=\"num\" data-label=\"Prize money\">40,000 yuan</td>");
    only.assert_contains(
        "<td class=\"stack-title\"><a href=\"/en/companies/changguang-daqi\">Chángguāng Dàqì (长光大器)</a></td>",
    );
    let by_competition = app.get("/awards?competition=china-innovation-entrepreneurship").await;
    by_competition.assert_contains("共 2 项获奖");
    let bad = app.get("/en/awards?competition=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("There is no competition called “nope”");
}

#[tokio::test]
async fn unknown_facts_say_not_stated_in_each_language() {
    let app = TestApp::new().await;
    let huada = app.get("/en/companies/changguang-huada").await;
    huada.assert_contains("Not stated");
    huada.assert_contains("No official English name stated");
    huada.assert_contains("Chángguāng Huádà");
    let zh = app.get("/companies/changguang-huada").await;
    zh.assert_contains("未说明");
    assert!(!zh.body.contains("Not stated"));
    // Phase 2: status and dates not stated.
    let phase2 = app.get("/en/phases/2").await;
    phase2.assert_contains("gives no dates or status");
    phase2.assert_contains("Not stated");
}

#[tokio::test]
async fn phases_show_status_dates_as_of_and_buildings() {
    let app = TestApp::new().await;
    let phases = app.get("/en/phases").await;
    phases.assert_contains("Delivered and in use");
    phases.assert_contains("Under construction");
    phases.assert_contains("June 2024");
    phases.assert_contains("as stated in March 2023");
    phases.assert_contains("Science and technology buildings</strong> × 5");
    phases.assert_contains("Incubation building");
    phases.assert_contains("May 2021");
    let one = app.get("/phases/1").await;
    one.assert_contains("公开数字为 22 家，本站收录 3 家");
    for slug in ["gpixel", "changguang-daqi", "chenying"] {
        assert!(one.card_slugs().contains(&slug.to_string()), "phase 1 lists {slug}");
    }
    assert_eq!(one.card_slugs().len(), 3);
}

/// Phase 3 was expected in June 2024 and nothing since says it was completed: the pages say so instead of
/// showing the date as still to come. A phase stated as delivered, or given a completion date, is not flagged.
#[tokio::test]
async fn an_expected_date_that_passed_unconfirmed_says_so() {
    let app = TestApp::new().await;
    let three = app.get("/en/phases/3").await;
    three.assert_contains("June 2024");
    three.assert_contains("not confirmed since");
    let phases = app.get("/en/phases").await;
    phases.assert_contains("completion expected — not confirmed since");
    phases.assert_contains("that date has passed and the source has not said since whether it was completed");
    app.get("/phases/3").await.assert_contains("此后未见竣工确认");
    app.get("/").await.assert_contains("——此后未见确认");
    app.exec_and_settle("update phase set completed_on = '2024-07' where number = 3").await;
    let three = app.get("/en/phases/3").await;
    assert!(!three.body.contains("not confirmed since"), "a completion date confirms it");
}

#[tokio::test]
async fn about_page_carries_strategy_location_and_source() {
    let app = TestApp::new().await;
    let zh = app.get("/about").await;
    for fact in [
        "浦东路与福州街交会处",
        "一谷",
        "三园",
        "一街",
        "产学研用金、才政介美云",
        "芯、光、星、车、网",
        "王昕",
        "光机电",
    ] {
        zh.assert_contains(fact);
    }
    let en = app.get("/en/about").await;
    for fact in [
        "Pudong Road and Fuzhou Street",
        "CIOMP",
        "chips, optics, satellites, vehicles and networks",
        "Wang Xin",
        "several hundred jobs",
    ] {
        en.assert_contains(fact);
    }
}

#[tokio::test]
async fn health_and_assets() {
    let app = TestApp::new().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "ok");

    let home = app.get("/").await;
    let css = home.body.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(css.starts_with("/static/site.") && css.ends_with(".css"), "{css}");
    let asset = app.get(&css).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_eq!(asset.header("cache-control"), "public, max-age=31536000, immutable");
    assert!(asset.header("content-type").starts_with("text/css"));
    assert_eq!(app.get("/static/site.0000000000.css").await.status, StatusCode::NOT_FOUND);
}
