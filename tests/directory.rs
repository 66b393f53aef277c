//! The directory: each filter alone and combined, search in every script, sorting, pagination, bad input.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::TestApp;
use common::fixtures::{companies, company};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn slugs(app: &TestApp, uri: &str) -> Vec<String> {
    let page = app.get(uri).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    sorted(page.card_slugs())
}

fn list(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| s.to_string()).collect())
}

#[tokio::test]
async fn lists_every_company_with_count() {
    let app = TestApp::new().await;
    let page = app.get("/en/companies").await;
    page.assert_contains("5 companies");
    assert_eq!(
        sorted(page.card_slugs()),
        list(&["changguang-daqi", "changguang-huada", "chenying", "gpixel", "yuanchen"])
    );
    // Cards carry sector, phase, a line of description and the award count.
    page.assert_contains("Medical Instruments and Health");
    page.assert_contains("Phase not stated");
    page.assert_contains("4 awards");
    page.assert_contains("No awards recorded");
}

#[tokio::test]
async fn cards_say_what_a_company_does_and_english_pages_write_chinese_names_in_pinyin() {
    let app = TestApp::new().await;
    let en = app.get("/en/companies").await;
    // 辰英仪器's first sentence only says it is a phase 1 tenant: the card goes on to what it makes.
    en.assert_contains("It applies optical technology to problems in biology and medicine");
    // A name with no English form: pinyin, with the Chinese beside it in the title, pinyin in the sentence.
    en.assert_contains("Chényīng Yíqì <span class=\"card-zh\" lang=\"zh-CN\">辰英仪器</span></a>");
    en.assert_contains("<p class=\"card-summary\">Chényīng Yíqì is a phase 1 tenant of the park.");
    assert!(!en.body.contains("辰英仪器 is"), "no Chinese name as the subject of an English sentence");
    // The profile's English description names it once with the Chinese in brackets.
    app.get("/en/companies/chenying").await.assert_contains("<p>Chényīng Yíqì (辰英仪器) is a phase 1 tenant");
    // Chinese pages are untouched.
    let zh = app.get("/companies").await;
    assert!(!zh.body.contains("card-zh"));
    zh.assert_contains(
        "<p class=\"card-summary\">辰英仪器是光电信息产业园一期入驻企业，致力于将光学技术应用于生物学和医学问题",
    );
}

/// A CSV download's rows (the header first), read as a spreadsheet would: byte-order mark, then CSV.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let text = body.strip_prefix('\u{feff}').expect("a UTF-8 byte-order mark, for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_results_on_screen_download_as_csv_with_names_beside_ids() {
    let app = TestApp::new().await;
    let page = app.get("/en/companies?q=cmos").await;
    page.assert_contains("<a href=\"/companies.csv?q=cmos\" download>Download these results (CSV)</a>");
    let file = app.get("/companies.csv?q=cmos").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(file.header("content-disposition"), "attachment; filename=\"companies.csv\"");
    let rows = csv_rows(&file.body);
    assert_eq!(rows.len(), 3, "the header and the two results: {rows:?}");
    let gpixel = rows.iter().find(|r| r[1] == "gpixel").expect("Gpixel");
    assert_eq!((gpixel[2].as_str(), gpixel[3].as_str()), ("长光辰芯", "Gpixel"));
    assert_eq!(gpixel[8], "Core Component Design and Manufacturing");

    // Awards: each row names its company and its competition.
    let awards = app.get("/en/awards?company=changguang-daqi").await;
    awards.assert_contains("href=\"/awards.csv?company=changguang-daqi\" download>");
    let rows = csv_rows(&app.get("/awards.csv?company=changguang-daqi").await.body);
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][2..6], ["company_zh", "company_en", "competition_zh", "competition_en"]);
    assert_eq!(rows[1][2], "长光大器");
    assert!(rows[1][4].contains("创新创业大赛"), "{:?}", rows[1]);
    assert_eq!(rows[1][13], "40000");
    assert_eq!(app.get("/awards.csv?company=nope").await.status, StatusCode::BAD_REQUEST);

    // Past the limit, the whole directory's open-data file instead of a file built per request.
    companies("bulk-", 5001).zh("批量").insert(&app).await;
    app.settle().await;
    let many = app.get("/en/companies").await;
    many.assert_contains("<a href=\"/data/companies.csv\" download>Download every company (CSV, open data)</a>");
    let redirected = app.get("/companies.csv").await;
    assert!(redirected.status.is_redirection());
    assert_eq!(redirected.header("location"), "/data/companies.csv");
}

#[tokio::test]
async fn each_filter_alone() {
    let app = TestApp::new().await;
    assert_eq!(slugs(&app, "/companies?sector=core-components").await, list(&["gpixel", "yuanchen"]));
    assert_eq!(slugs(&app, "/companies?phase=1").await, list(&["changguang-daqi", "chenying", "gpixel"]));
    assert_eq!(slugs(&app, "/companies?awards=1").await, list(&["changguang-daqi", "chenying"]));
    assert_eq!(slugs(&app, "/companies?designation=national-high-tech").await, list(&["gpixel"]));
    assert_eq!(slugs(&app, "/companies?phase=3").await, list(&[]));
}

#[tokio::test]
async fn filters_combine_and_sectors_repeat() {
    let app = TestApp::new().await;
    assert_eq!(
        slugs(&app, "/companies?sector=intelligent-manufacturing&sector=medical-health").await,
        list(&["changguang-daqi", "chenying"])
    );
    assert_eq!(slugs(&app, "/companies?sector=core-components&phase=1").await, list(&["gpixel"]));
    assert_eq!(slugs(&app, "/en/companies?sector=core-components&awards=1").await, list(&[]));
    assert_eq!(slugs(&app, "/companies?q=%E8%BE%B0%E8%8B%B1&phase=1&awards=1").await, list(&["chenying"]));
}

#[tokio::test]
async fn filter_state_lives_in_the_url_and_each_filter_can_be_removed() {
    let app = TestApp::new().await;
    // What the form submits (every field, most empty) redirects to the clean URL of the same filters.
    let submitted = app.get("/en/companies?q=&sector=core-components&phase=1&designation=&sort=name").await;
    assert_eq!(submitted.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(submitted.header("location"), "/en/companies?sector=core-components&phase=1");
    let page = app.get("/en/companies?sector=core-components&phase=1").await;
    // The form shows what is active.
    page.assert_contains("value=\"core-components\" checked");
    page.assert_contains("<option value=\"1\" selected>");
    // One chip per filter, each linking to the same URL without it.
    page.assert_contains("href=\"/en/companies?phase=1#results\"");
    page.assert_contains("href=\"/en/companies?sector=core-components#results\"");
    page.assert_contains("Clear all");
}

/// Each sector option's count and whether it can be ticked, as the page shows them: (slug, count, disabled).
fn sector_options(body: &str) -> Vec<(String, usize, bool)> {
    let html = scraper::Html::parse_document(body);
    let labels = scraper::Selector::parse("label.check").unwrap();
    let input = scraper::Selector::parse("input[name=sector]").unwrap();
    let count = scraper::Selector::parse(".count").unwrap();
    html.select(&labels)
        .filter_map(|label| {
            let input = label.select(&input).next()?;
            let n: String = label.select(&count).next()?.text().collect();
            let n = n.trim_matches(|c| c == '(' || c == ')').parse().expect("a count in brackets");
            Some((input.attr("value")?.to_string(), n, input.attr("disabled").is_some()))
        })
        .collect()
}

#[tokio::test]
async fn facet_counts_follow_the_search_and_the_other_filters() {
    let app = TestApp::new().await;
    // The case: with q=cmos, 医疗仪器与大健康 used to say (1) and give 0 results when ticked.
    let cmos = sector_options(&app.get("/companies?q=cmos").await.body);
    assert!(cmos.contains(&("medical-health".to_string(), 0, true)), "{cmos:?}");
    assert!(cmos.contains(&("core-components".to_string(), 2, false)), "{cmos:?}");
    // Every count is what ticking the option gives, under a search, a filter, both, and none.
    let mut checked = 0;
    // (before the sector, after it): the URL's parameters in their canonical order.
    let bases = [("q=cmos&", ""), ("", "&phase=1"), ("q=cmos&", "&phase=1"), ("", "&awards=1"), ("", "")];
    for (before, after) in bases {
        let base =
            format!("/en/companies?{before}{}", after.trim_start_matches('&')).trim_end_matches(['?', '&']).to_string();
        let options = sector_options(&app.get(&base).await.body);
        assert_eq!(options.len(), 7, "{base}: every sector is offered");
        for (slug, count, disabled) in options {
            let joined = format!("/en/companies?{before}sector={slug}{after}");
            assert_eq!(slugs(&app, &joined).await.len(), count, "{joined}");
            assert_eq!(disabled, count == 0, "{base}: {slug} can be ticked only when it gives results");
            checked += 1;
        }
    }
    assert_eq!(checked, 35);
    // The phase and designation lists count the same way, and the awards box too.
    let page = app.get("/en/companies?sector=core-components").await;
    page.assert_contains("<option value=\"1\">Phase 1 (1)</option>");
    page.assert_contains("<option value=\"2\" disabled>Phase 2 (0)</option>");
    page.assert_contains("<option value=\"national-high-tech\">");
    page.assert_contains("value=\"1\" disabled> Only companies with awards <span class=\"count\">(0)</span>");
}

#[tokio::test]
async fn empty_results_say_so_and_offer_to_clear() {
    let app = TestApp::new().await;
    let en = app.get("/en/companies?sector=laser").await;
    assert_eq!(en.status, StatusCode::OK);
    en.assert_contains("0 companies");
    en.assert_contains("No company matches these filters.");
    en.assert_contains("Clear all filters");
    let zh = app.get("/companies?q=zzzzzz").await;
    zh.assert_contains("共 0 家企业");
    zh.assert_contains("没有符合条件的企业");
}

#[tokio::test]
async fn search_in_chinese_english_pinyin_and_products() {
    let app = TestApp::new().await;
    // 2-character Chinese terms: one lookup in the index.
    assert_eq!(slugs(&app, "/companies?q=%E8%BE%B0%E8%8B%B1").await, list(&["chenying"])); // 辰英
    assert!(slugs(&app, "/companies?q=%E5%A4%A7%E5%99%A8").await.contains(&"changguang-daqi".into())); // 大器
    // 1 character.
    assert!(slugs(&app, "/companies?q=%E5%9C%86").await.contains(&"yuanchen".into())); // 圆
    // Longer Chinese substring: its three-character grams intersected, then confirmed.
    assert_eq!(slugs(&app, "/companies?q=%E7%94%9F%E7%89%A9%E7%A7%91%E5%AD%A6").await, list(&["chenying"])); // 生物科学
    // Brand and product names, any case.
    assert_eq!(slugs(&app, "/en/companies?q=Gpixel").await[..1], ["gpixel".to_string()]);
    assert_eq!(slugs(&app, "/en/companies?q=GMAX4002").await, list(&["gpixel"]));
    assert_eq!(slugs(&app, "/en/companies?q=gmax").await, list(&["gpixel"]));
    // Full pinyin, with 长 read as "chang" (not the first reading "zhang").
    assert_eq!(
        slugs(&app, "/companies?q=changguang").await,
        list(&["changguang-daqi", "changguang-huada", "chenying", "gpixel"])
    );
    assert_eq!(slugs(&app, "/companies?q=changguangchenxin").await, list(&["gpixel"]));
    assert_eq!(slugs(&app, "/companies?q=yuanchen").await, list(&["yuanchen"]));
    // Pinyin initials: 长光辰芯 → cgcx, 辰英仪器 → cyyq.
    assert_eq!(slugs(&app, "/companies?q=cgcx").await, list(&["gpixel"]));
    assert_eq!(slugs(&app, "/en/companies?q=cyyq").await, list(&["chenying"]));
    // English words from descriptions.
    assert_eq!(slugs(&app, "/en/companies?q=biomedical").await, list(&["chenying"]));
    // Several terms must all match.
    assert_eq!(slugs(&app, "/companies?q=changguang+huada").await, list(&["changguang-huada"]));
}

/// Results come best match first, each tier in name order: a name that is the query, a name that starts with
/// it, a name that holds it, then a match elsewhere (a description). In name order alone (pinyin: chaoji,
/// jia, liuming, liumingkeji) the description's match would come second and the exact name third.
#[tokio::test]
async fn search_ranks_exact_name_then_prefix_then_substring_then_description() {
    let app = TestApp::new().await;
    for (slug, zh, en) in
        [("lumen", "流明", "Lumen"), ("lumentech", "流明科技", "Lumentech"), ("super-lumen", "超级流明", "Super Lumen")]
    {
        company(slug).zh(zh).en(en).insert(&app).await;
    }
    company("acme")
        .zh("甲公司")
        .en("Acme Optics")
        .description_zh("提供流明测量服务（lumen meters）。")
        .insert(&app)
        .await;
    app.settle().await;
    let expected = ["lumen", "lumentech", "super-lumen", "acme"];
    for uri in ["/en/companies?q=lumen", "/en/companies?q=LUMEN", "/companies?q=%E6%B5%81%E6%98%8E"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert_eq!(page.card_slugs(), expected, "{uri}");
    }
    // The order's name says so while searching, and only then.
    app.get("/en/companies?q=lumen")
        .await
        .assert_contains("<option value=\"name\" selected>Best match, then name</option>");
    app.get("/companies?q=lumen").await.assert_contains("<option value=\"name\" selected>最匹配（再按名称）</option>");
    app.get("/en/companies").await.assert_contains("<option value=\"name\" selected>Name</option>");
    // A longer query: its prefix and exact tiers are read, not only looked up.
    assert_eq!(app.get("/en/companies?q=lumentech").await.card_slugs(), ["lumentech"]);
    assert_eq!(app.get("/en/companies?q=lument").await.card_slugs(), ["lumentech"]);
    // An explicit order still wins over the tiers.
    let by_founded = app.get("/en/companies?q=lumen&sort=founded").await.card_slugs();
    assert_eq!(sorted(by_founded), list(&expected));
}

/// A term in every company pages like any other: the count, pages in name order to the last one, and a longer
/// term (grams intersected, then read) gives the same pages as a short one (looked up).
#[tokio::test]
async fn a_term_in_every_company_pages_like_any_other() {
    let app = TestApp::new().await;
    companies("bulk-", 130).numbered(0, 3).zh("批量光电").description_zh("通用描述。").insert(&app).await;
    app.settle().await;
    let all = app.get("/en/companies?q=%E6%89%B9%E9%87%8F").await; // 批量
    all.assert_contains("130 companies · page 1 of 6");
    let first = all.card_slugs();
    assert_eq!(first.len(), 24);
    assert_eq!(first[0], "bulk-000");
    let last = app.get("/en/companies?q=%E6%89%B9%E9%87%8F&page=6").await;
    assert_eq!(last.card_slugs().len(), 130 - 5 * 24);
    // A longer term matched by reading the candidates, with the same pages.
    let long = app.get("/en/companies?q=%E6%89%B9%E9%87%8F%E5%85%89%E7%94%B5&page=6").await; // 批量光电
    assert_eq!(long.card_slugs(), last.card_slugs());
}

#[tokio::test]
async fn search_input_with_query_syntax_is_plain_text() {
    let app = TestApp::new().await;
    for q in [
        "%22",
        "%22%22%22",
        "a%20OR%20b",
        "NEAR(a%20b)",
        "*",
        "gpixel*",
        "%5E",
        "-",
        "%27%3B%20drop%20table%20company%3B--",
        "(((",
        "col:val",
    ] {
        let mut page = app.get(&format!("/companies?q={q}")).await;
        if page.status == StatusCode::MOVED_PERMANENTLY {
            // the same term, percent-encoded one way
            page = app.get(page.header("location")).await;
        }
        assert_eq!(page.status, StatusCode::OK, "q={q}: {}", page.body);
    }
    let companies: (i64,) = sqlx::query_as("select count(*) from company").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(companies.0, 5);
}

#[tokio::test]
async fn sort_by_awards_puts_the_most_awarded_first() {
    let app = TestApp::new().await;
    let page = app.get("/companies?sort=awards").await;
    assert_eq!(page.card_slugs()[..2], ["chenying".to_string(), "changguang-daqi".to_string()]);
    assert_eq!(app.get("/companies?sort=founded").await.card_slugs().len(), 5);
    let by_name = app.get("/companies").await.card_slugs();
    // Pinyin order, the same in both languages: Chángguāng Dàqì, Chángguāng Chénxīn, ...
    assert_eq!(by_name, app.get("/en/companies").await.card_slugs());
}

#[tokio::test]
async fn pagination_with_more_companies_than_a_page() {
    let app = TestApp::new().await;
    companies("fixture-", 30).numbered(0, 2).zh("测试企业").description_zh("测试用企业。").insert(&app).await;
    app.settle().await;
    let first = app.get("/en/companies").await;
    first.assert_contains("35 companies · page 1 of 2");
    assert_eq!(first.card_slugs().len(), 24);
    first.assert_contains("href=\"/en/companies?page=2#results\" rel=\"next\"");
    let second = app.get("/en/companies?page=2").await;
    assert_eq!(second.card_slugs().len(), 11);
    second.assert_contains("href=\"/en/companies#results\" rel=\"prev\"");
    // Filters survive paging.
    let filtered = app.get("/companies?q=%E6%B5%8B%E8%AF%95&page=2").await;
    assert_eq!(filtered.card_slugs().len(), 6);
    filtered.assert_contains("href=\"/companies?q=%E6%B5%8B%E8%AF%95#results\" rel=\"prev\"");
    // Fixtures are searchable at once: the reload re-indexed them.
    assert_eq!(app.get("/companies?q=ceshiqiye07").await.card_slugs(), vec!["fixture-07".to_string()]);
}

#[tokio::test]
async fn bad_query_values_get_a_clear_400_in_the_visitors_language() {
    let app = TestApp::new().await;
    let cases = [
        ("/en/companies?page=abc", "“abc” is not a page number"),
        ("/companies?page=abc", "页码“abc”无效"),
        ("/en/companies?page=0", "is not a page number"),
        ("/en/companies?page=9", "There is no page 9"),
        // Past any count, searched or sorted: still the same answer, never an overflow.
        ("/en/companies?page=18446744073709551615", "There is no page 18446744073709551615"),
        ("/en/companies?q=gpixel&page=922337203685477581", "There is no page 922337203685477581"),
        ("/en/companies?sort=founded&page=922337203685477581", "There is no page 922337203685477581"),
        ("/en/companies?sector=nope", "There is no sector called “nope”"),
        ("/companies?sector=nope", "没有名为“nope”的产业方向"),
        ("/en/companies?phase=9", "There is no phase “9”"),
        ("/en/companies?designation=x", "There is no designation called “x”"),
        ("/en/companies?sort=random", "Cannot sort by “random”"),
    ];
    for (uri, message) in cases {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.header("content-type").starts_with("text/html"), "{uri}");
        page.assert_contains(message);
        page.assert_contains("class=\"site-header\"");
    }
    let long_q = format!("/en/companies?q={}", "a".repeat(5000));
    let page = app.get(&long_q).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("The search term is too long: at most 100 characters.");
}

#[tokio::test]
async fn odd_encodings_are_read_sensibly() {
    let app = TestApp::new().await;
    // Invalid percent-encoding and invalid UTF-8: read leniently, never a 500 or a plain-text rejection.
    for uri in ["/companies?q=%E0%A4%A", "/companies?q=%ZZ", "/companies?q=%FF%FE", "/companies?&&=&x"] {
        // first redirected to the same text written one way, which is then answered
        let moved = app.get(uri).await;
        assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY, "{uri}");
        let page = app.get(moved.header("location")).await;
        assert_eq!(page.status, StatusCode::OK, "{uri} → {}", moved.header("location"));
        page.assert_contains("<html lang=\"zh-CN\">");
    }
    // Empty filters are dropped from the URL.
    let page = app.get("/companies?sector").await;
    assert_eq!((page.status, page.header("location")), (StatusCode::MOVED_PERMANENTLY, "/companies"));
}

#[tokio::test]
async fn unknown_pages_get_a_styled_404_in_the_right_language() {
    let app = TestApp::new().await;
    for (uri, text, lang) in [
        ("/nope", "页面不存在", "zh-CN"),
        ("/en/nope", "Page not found", "en"),
        ("/companies/nope", "页面不存在", "zh-CN"),
        ("/en/companies/nope", "Page not found", "en"),
        ("/en/sectors/nope", "Page not found", "en"),
        ("/en/phases/9", "Page not found", "en"),
        ("/en/phases/abc", "Page not found", "en"),
    ] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        page.assert_contains(text);
        page.assert_contains(&format!("<html lang=\"{lang}\">"));
    }
}

#[tokio::test]
async fn undecodable_paths_get_a_styled_400_not_axums_plain_text() {
    let app = TestApp::new().await;
    let page = app.get("/en/companies/%FF").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.header("content-type").starts_with("text/html"));
    page.assert_contains("Part of this address could not be understood.");
    page.assert_contains("<html lang=\"en\">");
}

#[tokio::test]
async fn unsupported_methods_get_a_styled_405() {
    let app = TestApp::new().await;
    let page = app.request(Method::POST, "/en/companies", Body::from("q=x")).await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    page.assert_contains("Method not allowed");
    assert!(page.header("allow").contains("GET"), "{:?}", page.headers);
}
