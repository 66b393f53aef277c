//! Open data: the Atom feeds, the JSON datasets, the JSON API over the directory, and the data page.

mod common;

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use common::fixtures::{companies, company};
use common::{PASSWORD, TestApp, TestResponse, hidden};
use serde_json::Value;

/// A username that appears nowhere else, so finding it anywhere in a feed means it leaked.
const EDITOR: &str = "kestrel-quill";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const ORIGIN: &str = "http://127.0.0.1:3000";

/// One parsed Atom entry.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    title: String,
    updated: String,
    published: Option<String>,
    link: String,
    summary: String,
}

/// Parses a feed with a real XML parser and checks the structure RFC 4287 requires of it.
fn parse_feed(response: &TestResponse, lang: &str, self_path: &str) -> Vec<Entry> {
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "application/atom+xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&response.body).expect("the feed is well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    assert_eq!(feed.attribute(("http://www.w3.org/XML/1998/namespace", "lang")), Some(lang));
    let child = |parent: roxmltree::Node<'_, '_>, name: &str| -> Vec<String> {
        parent
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ATOM))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    };
    let one = |parent: roxmltree::Node<'_, '_>, name: &str| -> String {
        let found = child(parent, name);
        assert_eq!(found.len(), 1, "exactly one <{name}>");
        found[0].clone()
    };
    let links = |parent: roxmltree::Node<'_, '_>| -> Vec<(String, String)> {
        parent
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "link")
            .map(|n| (n.attribute("rel").unwrap_or("alternate").to_string(), n.attribute("href").unwrap().to_string()))
            .collect()
    };
    assert!(one(feed, "id").starts_with("tag:127.0.0.1,2023:feed/"));
    assert!(!one(feed, "title").is_empty());
    let feed_updated = one(feed, "updated");
    time::OffsetDateTime::parse(&feed_updated, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
    let author = feed.children().find(|n| n.tag_name().name() == "author").expect("a feed author");
    assert!(!one(author, "name").is_empty());
    let feed_links = links(feed);
    assert!(feed_links.contains(&("self".into(), format!("{ORIGIN}{self_path}"))), "{feed_links:?}");
    assert!(feed_links.iter().any(|(rel, href)| rel == "alternate" && href.starts_with(ORIGIN)));

    let entries: Vec<Entry> = feed
        .children()
        .filter(|n| n.tag_name().name() == "entry")
        .map(|e| {
            let alternate: Vec<String> =
                links(e).into_iter().filter(|(rel, _)| rel == "alternate").map(|(_, href)| href).collect();
            assert_eq!(alternate.len(), 1, "one alternate link per entry");
            let published = child(e, "published").into_iter().next();
            Entry {
                id: one(e, "id"),
                title: one(e, "title"),
                updated: one(e, "updated"),
                published,
                link: alternate[0].clone(),
                summary: one(e, "summary"),
            }
        })
        .collect();
    assert!(!entries.is_empty() && entries.len() <= 50, "{} entries", entries.len());
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), entries.len(), "entry ids are unique");
    let times: Vec<time::OffsetDateTime> = entries
        .iter()
        .map(|e| time::OffsetDateTime::parse(&e.updated, &time::format_description::well_known::Rfc3339).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(feed_updated, entries[0].updated, "the feed changed when its newest entry did");
    for e in &entries {
        assert!(e.id.starts_with("tag:127.0.0.1,2023:"), "{}", e.id);
        assert!(!e.title.is_empty() && !e.summary.is_empty(), "{e:?}");
        assert!(e.link.starts_with(ORIGIN), "{}", e.link);
    }
    entries
}

#[tokio::test]
async fn both_feeds_are_valid_atom_with_dated_milestones_and_stable_ids() {
    let app = TestApp::with_settings(|s| s.page_cache = false).await;
    let zh = parse_feed(&app.get("/feed.atom").await, "zh-CN", "/feed.atom");
    let en = parse_feed(&app.get("/en/feed.atom").await, "en", "/en/feed.atom");
    assert_eq!(zh.len(), en.len());

    // The product launch, whole, as each feed renders it: nothing in it changes from run to run.
    for feed in ["/feed.atom", "/en/feed.atom"] {
        let body = app.get(feed).await.body;
        let entry = body
            .split("<entry>")
            .skip(1)
            .find(|e| e.contains("GMAX4002"))
            .and_then(|e| e.split("</entry>").next())
            .expect("the GMAX4002 entry");
        let name = if feed == "/feed.atom" { "feed_entry_gmax4002_zh" } else { "feed_entry_gmax4002_en" };
        insta::assert_snapshot!(name, format!("<entry>{entry}</entry>"));
    }
    // The product launch, dated by its own (full) date, linking to the company in the feed's language.
    let launch = en.iter().find(|e| e.title.contains("GMAX4002")).expect("the GMAX4002 launch");
    assert_eq!(launch.title, "14 February 2023: Gpixel launches the GMAX4002 high-speed version");
    assert_eq!(launch.published.as_deref(), Some("2023-02-14T00:00:00+08:00"));
    assert_eq!(launch.link, format!("{ORIGIN}/en/companies/gpixel"));
    let launch_zh = zh.iter().find(|e| e.title.contains("GMAX4002")).unwrap();
    assert_eq!(launch_zh.link, format!("{ORIGIN}/companies/gpixel"));
    assert!(launch_zh.title.starts_with("2023年2月14日："), "{}", launch_zh.title);
    assert_ne!(launch.id, launch_zh.id, "each language's entry has its own id");

    // A partial date maps to the first day of its month, and the entry says how precise it is.
    let start = en.iter().find(|e| e.title.contains("Construction of the park begins")).unwrap();
    assert_eq!(start.title, "May 2020: Construction of the park begins");
    assert_eq!(start.updated, "2020-05-01T00:00:00+08:00");
    assert!(start.summary.contains("gives the month only"), "{}", start.summary);
    let start_zh = zh.iter().find(|e| e.title.contains("开工")).unwrap();
    assert!(start_zh.summary.contains("只给出年月"), "{}", start_zh.summary);
    // 2023-03 counts as 1 March 2023, so the March milestones come before the launch of 14 February.
    assert_eq!(en[0].title, "March 2023: 22 companies in phase 1");
    let position = |title: &str| en.iter().position(|e| e.title.contains(title)).unwrap();
    assert!(position("GMAX4002") < position("Construction of the park begins"));

    // The same events keep the same ids, also after the catalog is rebuilt.
    app.exec_and_settle("update company set description_en = description_en where id = 1").await;
    let again = parse_feed(&app.get("/en/feed.atom").await, "en", "/en/feed.atom");
    let ids = |entries: &[Entry]| entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&en));
}

#[tokio::test]
async fn every_page_links_its_feed_and_the_data_page() {
    let app = TestApp::new().await;
    for (path, feed, data) in [
        ("/", "/feed.atom", "/data"),
        ("/companies/gpixel", "/feed.atom", "/data"),
        ("/en/", "/en/feed.atom", "/en/data"),
        ("/en/awards", "/en/feed.atom", "/en/data"),
    ] {
        let page = app.get(path).await;
        page.assert_contains(&format!("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{feed}\""));
        page.assert_contains(&format!("<a href=\"{data}\">"));
    }
}

#[tokio::test]
async fn admin_changes_appear_in_the_feed_without_the_editor() {
    let app = TestApp::new().await;
    app.add_admin(EDITOR, PASSWORD).await;
    let cookie = app.login(EDITOR, PASSWORD).await;

    // A profile update.
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let saved = app
        .post_form(
            "/admin/companies/1/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("slug", "gpixel"),
                ("short_name_zh", "长光辰芯"),
                ("short_name_en", "Gpixel"),
                ("status", "active"),
                ("phase_id", "1"),
                ("ciomp_spinoff", "1"),
                ("sector_ids", "1"),
                ("designation_ids", "1"),
                ("designation_ids", "2"),
                ("designation_ids", "3"),
                ("description_en", "Gpixel designs CMOS image sensors."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let revision: i64 = sqlx::query_scalar("select max(id) from revision").fetch_one(&app.state.pool).await.unwrap();

    let en = parse_feed(&app.get("/en/feed.atom").await, "en", "/en/feed.atom");
    let update = &en[0];
    assert_eq!(update.title, "Profile updated: Gpixel");
    assert_eq!(update.link, format!("{ORIGIN}/en/companies/gpixel"));
    assert_eq!(update.id, format!("tag:127.0.0.1,2023:revision/{revision}/en"));
    assert!(update.summary.contains("Description (English)"), "{}", update.summary);
    assert!(update.published.is_none());
    let zh = parse_feed(&app.get("/feed.atom").await, "zh-CN", "/feed.atom");
    assert_eq!(zh[0].title, "企业资料更新：长光辰芯");
    assert_eq!(zh[0].link, format!("{ORIGIN}/companies/gpixel"));
    assert!(zh[0].summary.contains("英文介绍"), "{}", zh[0].summary);

    // A new award, a phase whose status changed, and a milestone recorded now about September 2021.
    let award = app
        .post_form(
            "/admin/awards/new",
            Some(&cookie),
            &[("company_id", "3"), ("competition_id", "1"), ("rank_zh", "优秀奖"), ("rank_en", "Excellence award")],
        )
        .await;
    assert_eq!(award.status, StatusCode::SEE_OTHER, "{}", award.body);
    let phase = app.get_as("/admin/phases/2/edit", &cookie).await;
    let phase_version = hidden(&phase.body, "version");
    let status = app
        .post_form(
            "/admin/phases/2/edit",
            Some(&cookie),
            &[
                ("version", &phase_version),
                ("number", "2"),
                ("name_zh", "二期"),
                ("name_en", "Phase 2"),
                ("status", "planned"),
            ],
        )
        .await;
    assert_eq!(status.status, StatusCode::SEE_OTHER, "{}", status.body);
    let milestone = app
        .post_form(
            "/admin/milestones/new",
            Some(&cookie),
            &[
                ("occurred_on", "2021-09"),
                ("kind", "other"),
                ("title_zh", "园区举办开放日"),
                ("title_en", "The park holds an open day"),
            ],
        )
        .await;
    assert_eq!(milestone.status, StatusCode::SEE_OTHER, "{}", milestone.body);

    let en_response = app.get("/en/feed.atom").await;
    let en = parse_feed(&en_response, "en", "/en/feed.atom");
    let titles: Vec<&str> = en.iter().map(|e| e.title.as_str()).collect();
    let award = en.iter().find(|e| e.title.starts_with("New award:")).expect("the award entry");
    assert!(award.title.contains("Excellence award"), "{}", award.title);
    assert_eq!(award.link, format!("{ORIGIN}/en/companies/yuanchen"));
    let phase = en.iter().find(|e| e.title == "Phase 2 is now: Planned").expect("the status change");
    assert_eq!(phase.link, format!("{ORIGIN}/en/phases/2"));
    assert!(phase.summary.contains("“not stated” to “Planned”"), "{}", phase.summary);
    let recorded = en.iter().find(|e| e.title == "September 2021: The park holds an open day").expect("the milestone");
    assert_eq!(recorded.published.as_deref(), Some("2021-09-01T00:00:00+08:00"));
    assert!(recorded.updated.starts_with("20") && recorded.updated.ends_with('Z'), "{}", recorded.updated);
    assert_eq!(en[0].id, recorded.id, "newest change first: {titles:?}");
    assert_eq!(titles.iter().filter(|t| t.contains("open day")).count(), 1, "{titles:?}");

    // Nothing about who edited is published.
    for feed in [&en_response, &app.get("/feed.atom").await] {
        assert!(!feed.body.contains(EDITOR), "the username leaked:\n{}", feed.body);
        assert!(!feed.body.contains("username"));
    }
    assert_eq!(app.count(&format!("select count(*) from revision where username = '{EDITOR}'")).await, 4);
}

async fn json(app: &TestApp, uri: &str) -> (TestResponse, Value) {
    let response = app.get(uri).await;
    let value = serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("{uri}: {e}\n{}", response.body));
    (response, value)
}

fn ids(records: &Value) -> Vec<i64> {
    records.as_array().expect("an array").iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

async fn db_ids(app: &TestApp, table: &str) -> Vec<i64> {
    let mut ids: Vec<i64> =
        sqlx::query_scalar(&format!("select id from {table}")).fetch_all(&app.state.pool).await.unwrap();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn datasets_match_the_database_and_carry_their_licence_and_source() {
    let app = TestApp::new().await;
    for (dataset, table) in [
        ("companies", "company"),
        ("awards", "award"),
        ("phases", "phase"),
        ("sectors", "sector"),
        ("competitions", "competition"),
    ] {
        let (response, file) = json(&app, &format!("/data/{dataset}.json")).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("content-type"), "application/json; charset=utf-8");
        assert_eq!(response.header("cache-control"), "no-cache");
        let header = &file["header"];
        assert_eq!(header["dataset"], dataset);
        assert!(header["generated_at"].as_str().unwrap().ends_with('Z'));
        // The whole header (licence, sources, formats, counts); the two times change from run to run.
        insta::assert_json_snapshot!(format!("header_{dataset}"), header, {
            ".generated_at" => "[generated_at]",
            ".last_modified" => "[last_modified]",
        });
        let mut got = ids(&file[dataset]);
        got.sort_unstable();
        assert_eq!(got, db_ids(&app, table).await, "{dataset}");
        assert_eq!(header["rows"].as_i64().unwrap(), app.count(&format!("select count(*) from {table}")).await);
    }

    // The competitions on their own, as CSV too: one row each, named in both languages.
    let competitions = app.get("/data/competitions.csv").await;
    assert_eq!(competitions.status, StatusCode::OK);
    assert!(competitions.body.starts_with("\u{feff}id,slug,name_zh,name_en\r\n"), "{}", competitions.body);
    assert_eq!(competitions.body.lines().count() as i64 - 1, app.count("select count(*) from competition").await);
    competitions.assert_contains("中国创新创业大赛");

    // Both languages side by side; what the source does not state is null, never filled in.
    let (_, companies) = json(&app, "/data/companies.json").await;
    let gpixel = companies["companies"].as_array().unwrap().iter().find(|c| c["slug"] == "gpixel").unwrap();
    assert_eq!(gpixel["id"], 1);
    assert_eq!(gpixel["name"]["zh"], "长光辰芯");
    assert_eq!(gpixel["name"]["en"], "Gpixel");
    assert_eq!(gpixel["legal_name"]["zh"], Value::Null);
    assert_eq!(gpixel["founded_year"], Value::Null);
    assert_eq!(gpixel["products"], serde_json::json!(["GMAX4002"]));
    assert_eq!(gpixel["url"]["en"], format!("{ORIGIN}/en/companies/gpixel"));
    assert_eq!(gpixel["source_id"], 1);
    // References by id resolve within the files.
    let designation_ids: HashSet<i64> = ids(&companies["designations"]).into_iter().collect();
    for id in gpixel["designation_ids"].as_array().unwrap() {
        assert!(designation_ids.contains(&id.as_i64().unwrap()));
    }
    let company_ids: HashSet<i64> = ids(&companies["companies"]).into_iter().collect();
    let (_, awards) = json(&app, "/data/awards.json").await;
    let competition_ids: HashSet<i64> = ids(&awards["competitions"]).into_iter().collect();
    for award in awards["awards"].as_array().unwrap() {
        assert!(company_ids.contains(&award["company_id"].as_i64().unwrap()));
        assert!(competition_ids.contains(&award["competition_id"].as_i64().unwrap()));
    }
    let first = awards["awards"].as_array().unwrap().iter().find(|a| a["id"] == 1).unwrap();
    assert_eq!(first["prize_money_yuan"], 40000);
    assert_eq!(first["project_support_yuan"], 250000);
    assert_eq!(first["edition_label"]["zh"], "第十届");
    assert_eq!(first["year"], Value::Null);
    let (_, phases) = json(&app, "/data/phases.json").await;
    let one = &phases["phases"][0];
    assert_eq!((one["number"].as_i64(), one["status"].as_str()), (Some(1), Some("delivered")));
    assert_eq!(one["tenant_count_stated"], 22);
    assert_eq!(one["as_of"], "2023-03");
    assert_eq!(phases["phases"][1]["status"], Value::Null);
    assert_eq!(
        phases["milestones"].as_array().unwrap().len() as i64,
        app.count("select count(*) from milestone").await
    );
    let (_, sectors) = json(&app, "/data/sectors.json").await;
    let core = sectors["sectors"].as_array().unwrap().iter().find(|s| s["slug"] == "core-components").unwrap();
    assert_eq!(core["name"]["en"], "Core Component Design and Manufacturing");
    assert!(core["company_ids"].as_array().unwrap().contains(&Value::from(1)));
}

#[tokio::test]
async fn dataset_ids_stay_the_same_across_edits() {
    let app = TestApp::new().await;
    let slugs = |file: &Value| -> BTreeMap<i64, String> {
        file["companies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_i64().unwrap(), c["slug"].as_str().unwrap().to_string()))
            .collect()
    };
    let (_, before) = json(&app, "/data/companies.json").await;
    company("aaa-first-by-name").id(99).zh("阿阿").insert(&app).await;
    app.settle().await;
    let (_, after) = json(&app, "/data/companies.json").await;
    let (before, mut after) = (slugs(&before), slugs(&after));
    assert_eq!(after.remove(&99).as_deref(), Some("aaa-first-by-name"));
    assert_eq!(before, after, "a new row moves nobody's id");
}

#[tokio::test]
async fn datasets_send_last_modified_and_answer_if_modified_since() {
    for page_cache in [true, false] {
        let app = TestApp::with_settings(|s| s.page_cache = page_cache).await;
        for uri in
            ["/data/companies.json", "/data/awards.json", "/data/phases.json", "/data/sectors.json", "/en/feed.atom"]
        {
            let first = app.get(uri).await;
            assert_eq!(first.status, StatusCode::OK, "{uri}");
            let modified = first.header("last-modified").to_string();
            let at = httpdate::parse_http_date(&modified).unwrap_or_else(|_| panic!("{uri}: {modified:?}"));
            assert!(modified.ends_with(" GMT"), "{modified}");
            // From the cache (the second time) and from the handler alike.
            for _ in 0..2 {
                let again = app
                    .send(axum::http::Method::GET, uri, None, &[("if-modified-since", &modified)], Default::default())
                    .await;
                assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} (cache {page_cache})");
                assert!(again.body.is_empty());
                assert_eq!(again.header("last-modified"), modified);
            }
            let older = httpdate::fmt_http_date(at - std::time::Duration::from_secs(1));
            let stale = app
                .send(axum::http::Method::GET, uri, None, &[("if-modified-since", &older)], Default::default())
                .await;
            assert_eq!(stale.status, StatusCode::OK, "{uri}");
            assert!(!stale.body.is_empty(), "{uri}");
        }
    }
    // An admin change moves Last-Modified on, so the old date no longer matches.
    let app = TestApp::with_settings(|s| s.page_cache = false).await;
    let first = app.get("/data/companies.json").await;
    app.exec_and_settle(
        "insert into revision (entity, entity_id, action, username, created_at) values ('companies', 1, 'update', 'x', '2099-01-01T00:00:00Z')",
    )
    .await;
    let later = app
        .send(
            axum::http::Method::GET,
            "/data/companies.json",
            None,
            &[("if-modified-since", first.header("last-modified"))],
            Default::default(),
        )
        .await;
    assert_eq!(later.status, StatusCode::OK);
    assert_eq!(later.header("last-modified"), "Thu, 01 Jan 2099 00:00:00 GMT");
}

/// The slugs the API and the HTML directory list for the same query.
async fn api_and_html(app: &TestApp, query: &str) -> (Value, Vec<String>, Vec<String>) {
    let (response, answer) = json(app, &format!("/api/companies?{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{query}: {}", response.body);
    assert_eq!(response.header("content-type"), "application/json; charset=utf-8");
    assert_eq!(response.header("cache-control"), "no-cache");
    let api: Vec<String> =
        answer["results"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap().to_string()).collect();
    let page = app.get(&format!("/en/companies?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}");
    (answer, api, page.card_slugs())
}

#[tokio::test]
async fn the_api_agrees_with_the_directory() {
    let app = TestApp::new().await;
    for (query, expected) in [
        ("", None),
        ("sector=medical-health", Some(vec!["chenying"])),
        ("sector=core-components&sector=intelligent-manufacturing", None),
        ("phase=1", None),
        ("phase=1&awards=1", None),
        ("designation=changchun-little-giant", Some(vec!["gpixel"])),
        ("q=%E8%BE%B0%E8%8A%AF", Some(vec!["gpixel", "yuanchen"])), // 辰芯 (Chinese, short)
        ("q=%E9%95%BF%E5%85%89%E8%BE%B0%E8%8A%AF", Some(vec!["gpixel", "yuanchen"])), // 长光辰芯 (Chinese, indexed)
        ("q=changguang", None),                                     // pinyin
        ("q=cgcx", Some(vec!["gpixel"])),                           // pinyin initials
        ("q=Gpixel", Some(vec!["gpixel", "yuanchen"])),             // English
        ("q=GMAX4002", Some(vec!["gpixel"])),                       // product
        ("sort=founded", None),
        ("sector=laser", Some(vec![])),
    ] {
        let (answer, api, html) = api_and_html(&app, query).await;
        assert_eq!(api, html, "{query}");
        assert_eq!(answer["total"].as_u64().unwrap() as usize, api.len(), "{query}");
        assert_eq!((answer["page"].as_u64(), answer["pages"].as_u64()), (Some(1), Some(1)), "{query}");
        assert_eq!((&answer["next"], &answer["prev"]), (&Value::Null, &Value::Null));
        if let Some(expected) = expected {
            assert_eq!(api, expected, "{query}");
        }
    }
    let (answer, api, _) = api_and_html(&app, "q=changguang").await;
    assert!(api.len() >= 2, "pinyin matches the 长光 companies: {api:?}");
    assert_eq!(answer["query"]["q"], "changguang");
    let (answer, _, _) = api_and_html(&app, "").await;
    assert_eq!(answer["total"].as_i64().unwrap(), app.count("select count(*) from company").await);
    assert!(answer["results"][0]["name"]["zh"].is_string());
    assert_eq!(answer["licence"]["name"], "CC BY 4.0");
    assert_eq!(answer["html"]["en"], format!("{ORIGIN}/en/companies"));
}

#[tokio::test]
async fn the_api_pages_with_next_and_prev_links() {
    let app = TestApp::new().await;
    companies("fixture-", 30).zh("测试企业").phase(1).insert(&app).await;
    app.settle().await;
    let (first, page1, html1) = api_and_html(&app, "phase=1").await;
    assert_eq!(first["total"], 33);
    assert_eq!(
        (first["page"].as_u64(), first["pages"].as_u64(), first["per_page"].as_u64()),
        (Some(1), Some(2), Some(24))
    );
    assert_eq!(page1, html1);
    assert_eq!(page1.len(), 24);
    assert_eq!(first["prev"], Value::Null);
    let next = first["next"].as_str().unwrap();
    assert_eq!(next, format!("{ORIGIN}/api/companies?phase=1&page=2"));
    let (second, page2, html2) = api_and_html(&app, next.split_once('?').unwrap().1).await;
    assert_eq!(page2, html2);
    assert_eq!(page2.len(), 9);
    assert!(page1.iter().all(|s| !page2.contains(s)));
    assert_eq!(second["next"], Value::Null);
    assert_eq!(second["prev"], format!("{ORIGIN}/api/companies?phase=1"));
    assert_eq!(second["html"]["zh"], format!("{ORIGIN}/companies?phase=1&page=2"));
}

#[tokio::test]
async fn bad_api_input_gets_a_json_400_in_both_languages() {
    let app = TestApp::new().await;
    let long = "x".repeat(101);
    for (query, zh, en) in [
        ("sector=nope", "没有名为“nope”的产业方向。", "There is no sector called “nope”."),
        ("phase=9", "没有“9”期。", "There is no phase “9”."),
        ("designation=nope", "没有名为“nope”的资质认定。", "There is no designation called “nope”."),
        ("page=0", "页码“0”无效", "“0” is not a page number"),
        ("page=7", "没有第 7 页：共 1 页。", "There is no page 7: there are 1 pages."),
        ("sort=price", "无法按“price”排序", "Cannot sort by “price”"),
        (&format!("q={long}"), "搜索词太长", "The search term is too long"),
    ] {
        let (response, body) = json(&app, &format!("/api/companies?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.header("content-type"), "application/json; charset=utf-8", "{query}");
        assert_eq!(body["error"]["status"], 400);
        assert!(body["error"]["message"]["zh"].as_str().unwrap().contains(zh), "{query}: {body}");
        assert!(body["error"]["message"]["en"].as_str().unwrap().contains(en), "{query}: {body}");
        assert!(!response.body.contains("<html"), "{query}");
    }
    let (response, body) = json(&app, "/api/nothing-here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"]["en"], "There is no API at this address.");
    // The HTML directory still answers the same mistake with its styled page.
    let page = app.get("/en/companies?sector=nope").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.header("content-type").starts_with("text/html"));
    page.assert_contains("There is no sector called “nope”.");
}

#[tokio::test]
async fn the_data_page_lists_datasets_feeds_licence_and_the_api() {
    let app = TestApp::new().await;
    for (path, heading, licence, source) in [
        ("/data", "开放数据", "知识共享署名 4.0 国际许可协议（CC BY 4.0）", "吉林奋进春天里"),
        (
            "/en/data",
            "Open data",
            "Creative Commons Attribution 4.0 International licence (CC BY 4.0)",
            "Jilin Forging Ahead",
        ),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.assert_contains(&format!("<h1>{heading}</h1>"));
        page.assert_contains(licence);
        page.assert_contains("href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\"");
        for dataset in ["companies", "awards", "phases", "sectors"] {
            page.assert_contains(&format!("href=\"/data/{dataset}.json\""));
            page.assert_contains(&format!("href=\"/data/{dataset}.csv\""));
        }
        page.assert_contains("<td class=\"num\">5</td>"); // companies (and awards) in the seed
        page.assert_contains("<td class=\"num\">7</td>"); // sectors
        page.assert_contains(&format!("href=\"{ORIGIN}/feed.atom\""));
        page.assert_contains(&format!("href=\"{ORIGIN}/en/feed.atom\""));
        page.assert_contains(&format!("GET {ORIGIN}/api/companies?designation=changchun-little-giant"));
        page.assert_contains("&#34;slug&#34;: &#34;gpixel&#34;");
        page.assert_contains(source);
    }
}

// ---------------------------------------------------------------------------------------------------------
// The files on disk: built in the background, served with validators, ranges and a gzip copy.
// ---------------------------------------------------------------------------------------------------------

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).expect("a gzip stream");
    out
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn data_files_answer_etags_ranges_and_gzip() {
    use axum::http::Method;
    let app = TestApp::new().await;
    for uri in ["/data/companies.json", "/data/sectors.csv"] {
        let (status, headers, full) = app.raw(Method::GET, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let etag = header(&headers, "etag").to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 20, "{uri}: a strong ETag, {etag:?}");
        assert_eq!(header(&headers, "accept-ranges"), "bytes");
        assert_eq!(header(&headers, "vary"), "accept-encoding");
        assert_eq!(header(&headers, "cache-control"), "no-cache");
        assert_eq!(header(&headers, "content-length"), full.len().to_string());
        assert!(full.len() > 200, "{uri}");

        // The ETag answers If-None-Match with a 304 (weak comparison, as RFC 9110 asks).
        for inm in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}")] {
            let (status, again, body) = app.raw(Method::GET, uri, &[("if-none-match", &inm)]).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{uri}: {inm}");
            assert!(body.is_empty());
            assert_eq!(header(&again, "etag"), etag);
        }
        let (status, _, _) = app.raw(Method::GET, uri, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(status, StatusCode::OK);

        // A range is that exact slice of the whole file; from the end too.
        let (status, part, body) = app.raw(Method::GET, uri, &[("range", "bytes=10-109")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{uri}");
        assert_eq!(header(&part, "content-range"), format!("bytes 10-109/{}", full.len()));
        assert_eq!(header(&part, "content-length"), "100");
        assert_eq!(body, full[10..110]);
        let (status, _, body) = app.raw(Method::GET, uri, &[("range", "bytes=-30")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(body, full[full.len() - 30..]);
        let (_, _, body) = app.raw(Method::GET, uri, &[("range", &format!("bytes={}-", full.len() - 7))]).await;
        assert_eq!(body, full[full.len() - 7..]);

        // Past the end: 416, saying how long the file is.
        let (status, refused, _) = app.raw(Method::GET, uri, &[("range", &format!("bytes={}-", full.len()))]).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{uri}");
        assert_eq!(header(&refused, "content-range"), format!("bytes */{}", full.len()));

        // If-Range: the range only while the ETag still names these bytes; a date is not strong enough.
        let (status, _, body) = app.raw(Method::GET, uri, &[("range", "bytes=0-9"), ("if-range", &etag)]).await;
        assert_eq!((status, body.len()), (StatusCode::PARTIAL_CONTENT, 10));
        let last_modified = header(&headers, "last-modified").to_string();
        for validator in ["\"changed\"", last_modified.as_str()] {
            let (status, _, body) = app.raw(Method::GET, uri, &[("range", "bytes=0-9"), ("if-range", validator)]).await;
            assert_eq!(status, StatusCode::OK, "{uri}: If-Range {validator}");
            assert_eq!(body, full);
        }

        // The gzip copy: its own ETag, and the same bytes once decompressed; ranges apply to it as sent.
        let (status, zipped, gz) = app.raw(Method::GET, uri, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&zipped, "content-encoding"), "gzip");
        assert_eq!(header(&zipped, "vary"), "accept-encoding");
        assert_ne!(header(&zipped, "etag"), etag);
        assert_eq!(header(&zipped, "content-length"), gz.len().to_string());
        assert_eq!(gunzip(&gz), full, "{uri}");
        let (status, _, head) = app.raw(Method::GET, uri, &[("accept-encoding", "gzip"), ("range", "bytes=0-1")]).await;
        assert_eq!((status, head.as_slice()), (StatusCode::PARTIAL_CONTENT, &gz[..2]));
        let (_, plain, _) = app.raw(Method::GET, uri, &[("accept-encoding", "gzip;q=0")]).await;
        assert_eq!(header(&plain, "content-encoding"), "");

        // HEAD: the same headers, no body.
        let (status, head, body) = app.raw(Method::HEAD, uri, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&head, "etag"), etag);
        assert_eq!(header(&head, "content-length"), full.len().to_string());
        assert!(body.is_empty());
    }
    // Large and on disk already: the response cache keeps none of them.
    assert!(app.state.page_cache.is_empty(), "{} pages cached", app.state.page_cache.len());
}

#[tokio::test]
async fn an_admin_edit_rebuilds_the_files() {
    let app = TestApp::new().await;
    app.add_admin(EDITOR, PASSWORD).await;
    let cookie = app.login(EDITOR, PASSWORD).await;
    let before = app.get("/data/companies.json").await;
    let csv_before = app.get("/data/companies.csv").await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let saved = app
        .post_form(
            "/admin/companies/1/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("slug", "gpixel"),
                ("short_name_zh", "长光辰芯"),
                ("short_name_en", "Gpixel Rebuilt"),
                ("status", "active"),
                ("phase_id", "1"),
                ("ciomp_spinoff", "1"),
                ("sector_ids", "1"),
                ("designation_ids", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    app.open_data_settled().await;

    let after = app.get("/data/companies.json").await;
    assert_ne!(after.header("etag"), before.header("etag"));
    let file: Value = serde_json::from_str(&after.body).unwrap();
    let gpixel = file["companies"].as_array().unwrap().iter().find(|c| c["id"] == 1).unwrap();
    assert_eq!(gpixel["name"]["en"], "Gpixel Rebuilt");
    let csv_after = app.get("/data/companies.csv").await;
    assert_ne!(csv_after.header("etag"), csv_before.header("etag"));
    csv_after.assert_contains("Gpixel Rebuilt");
    // The old ETag no longer matches.
    let stale = app
        .send(
            axum::http::Method::GET,
            "/data/companies.json",
            None,
            &[("if-none-match", before.header("etag"))],
            Default::default(),
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_never_build_the_files() {
    let app = TestApp::new().await;
    let open_data = &app.state.open_data;
    let builds = open_data.builds();
    assert_eq!(builds, 1, "built once at start");
    let (_, first) = json(&app, "/data/companies.json").await;
    for _ in 0..5 {
        for uri in ["/data/companies.json", "/data/awards.json", "/data/phases.csv", "/data/sectors.csv"] {
            assert_eq!(app.get(uri).await.status, StatusCode::OK);
        }
        let (_, again) = json(&app, "/data/companies.json").await;
        assert_eq!(again["header"]["generated_at"], first["header"]["generated_at"]);
    }
    assert_eq!(open_data.builds(), builds, "requests build nothing");

    // Publications in a burst are built once, from the newest.
    for _ in 0..5 {
        app.state.live.republish();
    }
    app.open_data_settled().await;
    assert_eq!(open_data.builds(), builds + 1, "five publications at once, one build");
    assert_eq!(open_data.current().unwrap().publication, app.state.live.publication());
}

#[tokio::test]
async fn old_files_are_removed_once_no_download_reads_them() {
    let app = TestApp::new().await;
    let old = app.state.open_data.current().unwrap();
    let path = old
        .file(park_portal::web::public::data::Dataset::Companies, park_portal::web::public::data::Format::Json)
        .unwrap()
        .path
        .clone();
    drop(old);
    // A download begun before the rebuild...
    let request = axum::http::Request::get("/data/companies.json").body(axum::body::Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
    app.exec_and_settle("update company set short_name_en = 'Renamed' where id = 2").await;
    assert!(path.exists(), "still read by a download");
    // ...ends with the old file whole.
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let file: Value = serde_json::from_slice(&bytes).expect("the old file, whole");
    assert!(!file.to_string().contains("Renamed"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while path.exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!path.exists(), "the old generation is removed");
    assert!(app.get("/data/companies.json").await.body.contains("Renamed"));
}

#[tokio::test]
async fn files_left_by_a_killed_process_go_and_a_running_ones_stay() {
    use park_portal::web::public::data::OpenData;
    let dir = tempfile::tempdir().unwrap();
    // A running process's folder (its lock held) and one a killed process left (its lock free).
    let running = OpenData::new(dir.path()).unwrap();
    let left = dir.path().join(".open-data-killed");
    std::fs::create_dir_all(left.join("7")).unwrap();
    std::fs::write(left.join("lock"), b"").unwrap();
    std::fs::write(left.join("7/companies.json"), b"{}").unwrap();
    let starting = dir.path().join(".open-data-starting"); // no lock yet: being set up
    std::fs::create_dir_all(&starting).unwrap();

    let next = OpenData::new(dir.path()).unwrap();
    assert!(!left.exists(), "a dead process's files are removed");
    assert!(running.folder().exists(), "a live process's files stay");
    assert!(starting.exists());
    assert!(next.folder().exists());
    drop(running);
    assert!(next.folder().exists());
}
