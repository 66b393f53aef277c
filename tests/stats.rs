//! Pictures: the statistics charts agree with the database, in both languages and after edits; the phases
//! schematic links every placed tenant and says it is not to scale; site plans replace it when uploaded.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse, hidden, multipart, png, signed_in};

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    let rest = &text[from..];
    &rest[..rest.find(end).map(|i| i + end.len()).unwrap_or(rest.len())]
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

fn data_value(fragment: &str) -> Option<i64> {
    let open_tag = &fragment[..fragment.find('>').unwrap_or(fragment.len())];
    open_tag.split("data-value=\"").nth(1).and_then(|r| r.split('"').next()).map(|v| v.parse().unwrap())
}

/// One chart on the stats page: its table rows (label, data-value, cell text) and its bars' values.
struct Chart {
    rows: Vec<(String, Option<i64>, String)>,
    bars: Vec<Option<i64>>,
    svg: String,
}

impl Chart {
    fn of(page: &TestResponse, id: &str) -> Chart {
        let section = between(&page.body, &format!("<section class=\"chart-panel\" id=\"{id}\""), "</section>");
        let svg = between(section, "<svg", "</svg>").to_string();
        let table = between(section, "<table", "</table>");
        let rows = table
            .split("<tr><th scope=\"row\">")
            .skip(1)
            .map(|row| {
                let (head, rest) = row.split_once("</th>").unwrap();
                let cell = between(rest, "<td", "</td>");
                (strip_tags(head), data_value(cell), strip_tags(cell))
            })
            .collect();
        let bars = svg.split("<g class=\"chart-row\"").skip(1).map(data_value).collect();
        Chart { rows, bars, svg }
    }

    fn value(&self, label: &str) -> Option<i64> {
        self.rows.iter().find(|r| r.0 == label).unwrap_or_else(|| panic!("no row {label:?} in {:?}", self.rows)).1
    }

    fn cell(&self, label: &str) -> &str {
        &self.rows.iter().find(|r| r.0 == label).unwrap_or_else(|| panic!("no row {label:?}")).2
    }
}

/// Every chart on `page`: the table and the picture carry the same values, in the same order, and the
/// picture is labelled for assistive technology by its title and the table's caption.
fn check_charts(page: &TestResponse) -> Vec<(&'static str, Chart)> {
    let ids = [
        "chart-sectors",
        "chart-phases",
        "chart-award-competitions",
        "chart-award-years",
        "chart-prize-competitions",
        "chart-prize-years",
    ];
    ids.iter()
        .map(|id| {
            let chart = Chart::of(page, id);
            assert!(!chart.rows.is_empty(), "{id} has rows");
            let table_values: Vec<Option<i64>> = chart.rows.iter().map(|r| r.1).collect();
            assert_eq!(table_values, chart.bars, "{id}: table and bars differ");
            assert!(
                chart.svg.contains(&format!(
                    "role=\"img\" aria-labelledby=\"{id}-title\" aria-describedby=\"{id}-caption\""
                ))
            );
            assert!(chart.svg.contains(&format!("<title id=\"{id}-title\">")));
            page.assert_contains(&format!("<caption id=\"{id}-caption\">"));
            (*id, chart)
        })
        .collect()
}

fn chart<'a>(charts: &'a [(&'static str, Chart)], id: &str) -> &'a Chart {
    &charts.iter().find(|(i, _)| *i == id).unwrap().1
}

#[tokio::test]
async fn stats_charts_match_the_database_in_both_languages() {
    let app = TestApp::new().await;
    let en = app.get("/en/stats").await;
    assert_eq!(en.status, StatusCode::OK);
    en.assert_contains("<a href=\"/en/stats\" aria-current=\"page\">Statistics</a>");
    en.assert_contains("class=\"lang-switch\" href=\"/stats\"");
    assert!(!en.body.contains("style="), "no inline styles (the CSP forbids them)");
    assert!(!en.body.contains("<script"), "no script");
    let charts = check_charts(&en);

    let sectors = chart(&charts, "chart-sectors");
    for (slug, name) in [
        ("core-components", "Core Component Design and Manufacturing"),
        ("laser", "Laser Technology and Applications"),
        ("medical-health", "Medical Instruments and Health"),
        ("intelligent-manufacturing", "Intelligent Manufacturing"),
    ] {
        let n = app
            .count(&format!(
                "select count(*) from company_sector where sector_id = (select id from sector where slug = '{slug}')"
            ))
            .await;
        assert_eq!(sectors.value(name), Some(n), "{name}");
    }
    assert_eq!(sectors.value("Core Component Design and Manufacturing"), Some(2));
    let unsectored =
        app.count("select count(*) from company where id not in (select company_id from company_sector)").await;
    assert_eq!(sectors.value("Sector not stated"), Some(unsectored));
    assert_eq!(sectors.rows.len() as i64, app.count("select count(*) from sector").await + 1);

    let phases = chart(&charts, "chart-phases");
    for n in 1..=3 {
        let count = app.count(&format!("select count(*) from company where phase_id = {n}")).await;
        assert_eq!(phases.value(&format!("Phase {n}")), Some(count));
    }
    assert_eq!(phases.value("Phase 1"), Some(3));
    assert_eq!(
        phases.value("Phase not stated"),
        Some(app.count("select count(*) from company where phase_id is null").await)
    );
    // The stated tenant count is a different number and is said beside the chart, not mixed into it.
    en.assert_contains("Phase 1 has 22 tenants as stated in March 2023");

    let by_competition = chart(&charts, "chart-award-competitions");
    assert_eq!(
        by_competition.value("China Innovation and Entrepreneurship Competition"),
        Some(app.count("select count(*) from award where competition_id = 1").await)
    );
    let total: i64 = by_competition.rows.iter().filter_map(|r| r.1).sum();
    assert_eq!(total, app.count("select count(*) from award").await);

    let by_year = chart(&charts, "chart-award-years");
    assert_eq!(
        by_year.value("Year not stated"),
        Some(app.count("select count(*) from award where year is null").await)
    );

    let prize = chart(&charts, "chart-prize-competitions");
    let stated = app.count("select sum(prize_money_yuan) from award where competition_id = 1").await;
    assert_eq!(stated, 100_000);
    assert_eq!(prize.value("China Innovation and Entrepreneurship Competition"), Some(stated));
    assert_eq!(prize.cell("China Innovation and Entrepreneurship Competition"), "100,000 yuan");
    assert!(prize.svg.contains(">100,000 yuan</text>"), "the bar's value label");
    // No amount stated: "not stated", never a zero bar.
    let roadshow = "Roadshow of the CAS Advanced Medical Device Industry Incubation Alliance";
    assert_eq!(prize.value(roadshow), None);
    assert_eq!(prize.cell(roadshow), "not stated");
    let prize_years = chart(&charts, "chart-prize-years");
    assert_eq!(prize_years.value("Year not stated"), Some(app.count("select sum(prize_money_yuan) from award").await));

    let zh = app.get("/stats").await;
    assert_eq!(zh.status, StatusCode::OK);
    zh.assert_contains("<html lang=\"zh-CN\">");
    zh.assert_contains("<a href=\"/stats\" aria-current=\"page\">统计</a>");
    zh.assert_contains("<title id=\"chart-sectors-title\">各产业方向的企业数</title>");
    let charts = check_charts(&zh);
    assert_eq!(chart(&charts, "chart-sectors").value("核心元器件设计与制造"), Some(2));
    assert_eq!(chart(&charts, "chart-phases").value("分期未说明"), Some(2));
    assert_eq!(chart(&charts, "chart-prize-competitions").cell("中国创新创业大赛"), "10万元");
    assert_eq!(chart(&charts, "chart-award-years").value("年份未说明"), Some(5));
    assert!(!zh.body.contains("Companies by sector"), "the Chinese page is in Chinese");
}

#[tokio::test]
async fn an_admin_edit_changes_the_numbers_on_the_next_request() {
    let (app, cookie) = signed_in().await;
    let before = Chart::of(&app.get("/en/stats").await, "chart-sectors");
    assert_eq!(before.value("Laser Technology and Applications"), Some(0));
    let created = app
        .post_form(
            "/admin/companies/new",
            Some(&cookie),
            &[
                ("slug", "laser-test"),
                ("short_name_zh", "测试激光"),
                ("status", "active"),
                ("phase_id", "3"),
                ("sector_ids", "3"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = app.get("/en/stats").await;
    let charts = check_charts(&page);
    assert_eq!(chart(&charts, "chart-sectors").value("Laser Technology and Applications"), Some(1));
    assert_eq!(chart(&charts, "chart-phases").value("Phase 3"), Some(1));

    // An award with a year and prize money: a year of its own in both award charts.
    app.exec_and_settle(
        "insert into award (company_id, competition_id, rank_zh, rank_en, year, prize_money_yuan)
         values (4, 3, '一等奖', 'First prize', 2023, 5000)",
    )
    .await;
    let page = app.get("/en/stats").await;
    let charts = check_charts(&page);
    assert_eq!(chart(&charts, "chart-award-years").value("2023"), Some(1));
    assert_eq!(chart(&charts, "chart-prize-years").value("2023"), Some(5000));
    assert_eq!(chart(&charts, "chart-prize-years").cell("2023"), "5,000 yuan");
    let hard_tech = "Jilin Province \"Hard Tech\" Innovation and Entrepreneurship Competition";
    let by_competition = chart(&charts, "chart-award-competitions");
    let label = by_competition.rows.iter().find(|r| r.0.contains("Hard Tech")).unwrap();
    assert_eq!(label.1, Some(2), "{hard_tech}");
    let zh = check_charts(&app.get("/stats").await);
    assert_eq!(chart(&zh, "chart-award-years").value("2023年"), Some(1));
}

#[tokio::test]
async fn the_phases_schematic_links_every_placed_tenant_and_is_not_to_scale() {
    let app = TestApp::new().await;
    let placed: Vec<(String, i64)> = sqlx::query_as("select slug, phase_id from company where phase_id is not null")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(placed.len(), 3);
    for (prefix, scale) in [("/en", "Schematic, not to scale"), ("", "示意图，非按比例")] {
        let page = app.get(&format!("{prefix}/phases")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("style="));
        let figure = between(&page.body, "<figure class=\"schematic\">", "</figure>");
        assert!(figure.contains(scale), "{prefix}: says it is not to scale");
        for (slug, phase) in &placed {
            let svg = between(figure, &format!("aria-labelledby=\"schematic-phase-{phase}-title\""), "</svg>");
            assert!(
                svg.contains(&format!("<a class=\"schematic-chip\" href=\"{prefix}/companies/{slug}\">")),
                "{prefix}: {slug} is linked in phase {phase}'s box"
            );
            // The same link is in the page's text too, for readers who do not use the picture.
            let text = page.body.replace(figure, "");
            assert!(text.contains(&format!("href=\"{prefix}/companies/{slug}\"")), "{slug} listed in text");
        }
        // Buildings whose phase is not stated sit apart, in a box that says so.
        let apart = between(figure, "aria-labelledby=\"schematic-unplaced-title\"", "</svg>");
        let (buildings, not_stated) = if prefix == "/en" {
            ("Science and technology buildings × 5", "Phase not stated")
        } else {
            ("科技楼 × 5", "所属期次未说明")
        };
        assert!(apart.contains(buildings) && apart.contains(not_stated), "{apart}");
        for svg in figure.split("<svg").skip(1) {
            assert!(svg.contains(scale), "every box carries the note");
        }
    }
    let one = app.get("/en/phases/1").await;
    let figure = between(&one.body, "<figure class=\"schematic schematic-single\">", "</figure>");
    assert!(figure.contains("Schematic, not to scale"));
    assert_eq!(figure.matches("<a class=\"schematic-chip\"").count(), 3);
    let two = app.get("/en/phases/2").await;
    // Nothing known about phase 2: its box says so (the note wraps over lines in the picture).
    let figure = between(&two.body, "<figure class=\"schematic schematic-single\">", "</figure>");
    assert!(figure.contains("<text class=\"schematic-empty\""), "{figure}");
    assert!(figure.contains(">The sources name no buildings"), "{figure}");
    assert!(!figure.contains("schematic-chip"));
}

#[tokio::test]
async fn a_site_plan_replaces_the_schematic_until_it_is_removed() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/en/admin/phases/1/edit", &cookie).await;
    edit.assert_contains("No site plan uploaded");
    let version = hidden(&edit.body, "version");
    let upload = |body: (String, Vec<u8>)| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/en/admin/phases/1/site-plan",
                Some(&cookie),
                &[("content-type", body.0.as_str()), ("sec-fetch-site", "same-origin")],
                Body::from(body.1),
            )
            .await
        }
    };
    // A text file named .png: refused by its bytes, with the styled page.
    let text = upload(multipart("site_plan", &version, "plan.png", b"site plan: phase 1, not an image\n")).await;
    assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    text.assert_contains("Only PNG, JPEG or WebP");
    text.assert_contains("<html lang=\"en\">");
    // Over 2 MB: 413.
    let big = upload(multipart("site_plan", &version, "big.png", &vec![0u8; 2 * 1024 * 1024 + 10])).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    big.assert_contains("at most 2 MB");
    assert_eq!(app.count("select count(*) from phase where site_plan_path is not null").await, 0);
    assert_eq!(app.count("select count(*) from revision where entity = 'phases'").await, 0);

    let before = app.get("/en/phases/1").await;
    before.assert_contains("Schematic, not to scale");

    // A real PNG: stored re-encoded, recorded as a revision, shown instead of the schematic.
    let ok = upload(multipart("site_plan", &version, "../plan.png", &png(800, 500))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let path: String =
        sqlx::query_scalar("select site_plan_path from phase where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert!(path.starts_with("site-plans/") && path.ends_with(".png") && !path.contains(".."), "{path}");
    assert_eq!(
        app.count(&format!(
            "select count(*) from revision where entity = 'phases' and entity_id = 1 and action = 'update'
               and json_extract(before_json, '$.site_plan_path') is null
               and json_extract(after_json, '$.site_plan_path') = '{path}'"
        ))
        .await,
        1
    );
    let page = app.get("/en/phases/1").await;
    page.assert_contains(&format!(
        "<a href=\"/media/{path}\"><img src=\"/media/{path}\" alt=\"Site plan of Phase 1\"></a>"
    ));
    assert!(!page.body.contains("Schematic, not to scale"), "the plan replaces the schematic");
    assert!(!page.body.contains("schematic-chip"));
    let zh = app.get("/phases/1").await;
    zh.assert_contains("alt=\"一期总平面图\"");
    let served = app.get(&format!("/media/{path}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/png");
    let stored = image::open(app.state.settings.uploads_dir.join(&path)).unwrap();
    assert_eq!((stored.width(), stored.height()), (800, 500));
    // The overview still draws every phase, and points to the plan.
    app.get("/en/phases").await.assert_contains("See this phase");
    // Other phases keep their schematic.
    app.get("/en/phases/3").await.assert_contains("Schematic, not to scale");

    // Alt text written by staff is used in its own language.
    let edit = app.get_as("/en/admin/phases/1/edit", &cookie).await;
    edit.assert_contains(&format!("src=\"/media/{path}\""));
    let version = hidden(&edit.body, "version");
    let saved = app
        .post_form(
            "/en/admin/phases/1/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("number", "1"),
                ("name_zh", "一期"),
                ("name_en", "Phase 1"),
                ("status", "delivered"),
                ("tenant_count_stated", "22"),
                ("as_of", "2023-03"),
                ("site_plan_alt_en", "Plan of phase 1 with its five buildings"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    app.get("/en/phases/1").await.assert_contains("alt=\"Plan of phase 1 with its five buildings\"");
    app.get("/phases/1").await.assert_contains("alt=\"一期总平面图\"");

    // Removal: the schematic is back, and the removal is a revision too.
    let edit = app.get_as("/en/admin/phases/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let stale = app.post_form("/en/admin/phases/1/site-plan/remove", Some(&cookie), &[("version", "1")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "an old form cannot remove it");
    let removed = app.post_form("/en/admin/phases/1/site-plan/remove", Some(&cookie), &[("version", &version)]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(app.count("select count(*) from phase where site_plan_path is not null").await, 0);
    assert_eq!(
        app.count(
            "select count(*) from revision where entity = 'phases' and entity_id = 1
               and json_extract(after_json, '$.site_plan_path') is null
               and json_extract(before_json, '$.site_plan_path') is not null"
        )
        .await,
        1
    );
    let page = app.get("/en/phases/1").await;
    page.assert_contains("Schematic, not to scale");
    assert!(!page.body.contains("/media/site-plans/"));
    // A site-plan route on an entity without site plans is not there.
    let wrong = app.post_form("/en/admin/companies/1/site-plan/remove", Some(&cookie), &[("version", "1")]).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}
