//! Search engines and link previews: the sitemap (read with a real XML parser), robots.txt, each page's
//! canonical URL, language alternates, Open Graph and Twitter tags, and its JSON-LD.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::{TestApp, TestResponse, fixtures};
use serde_json::Value;

const ORIGIN: &str = "http://127.0.0.1:3000";
const PASSWORD: &str = "lens-orbit-harbor-42";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// One `<url>` of a sitemap: its lastmod and its alternates (hreflang → href).
#[derive(Debug)]
struct SitemapUrl {
    lastmod: String,
    alternates: HashMap<String, String>,
}

/// Parses a `<urlset>` into loc → entry, checking the namespaces on the way.
fn parse_urlset(xml: &str) -> HashMap<String, SitemapUrl> {
    let doc = roxmltree::Document::parse(xml).expect("the sitemap is well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "urlset")), "root is {:?}", root.tag_name());
    let mut urls = HashMap::new();
    for url in root.children().filter(|n| n.has_tag_name((SITEMAP_NS, "url"))) {
        let text = |name: &str| {
            url.children()
                .find(|n| n.has_tag_name((SITEMAP_NS, name)))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_string()
        };
        let alternates = url
            .children()
            .filter(|n| n.has_tag_name((XHTML_NS, "link")) && n.attribute("rel") == Some("alternate"))
            .map(|n| (n.attribute("hreflang").unwrap().to_string(), n.attribute("href").unwrap().to_string()))
            .collect();
        let loc = text("loc");
        assert!(urls.insert(loc.clone(), SitemapUrl { lastmod: text("lastmod"), alternates }).is_none(), "{loc} twice");
    }
    urls
}

async fn sitemap(app: &TestApp) -> HashMap<String, SitemapUrl> {
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "application/xml; charset=utf-8");
    parse_urlset(&response.body)
}

/// The `content` of `<meta property|name="{key}" content="…">`, HTML entities for `&` and quotes undone.
fn meta(page: &TestResponse, key: &str) -> Option<String> {
    ["property", "name"].iter().find_map(|attr| {
        let marker = format!("<meta {attr}=\"{key}\" content=\"");
        page.body.split(&marker).nth(1).and_then(|rest| rest.split('"').next()).map(unescape)
    })
}

/// The `href` of `<link rel="{rel}"…>` (and `hreflang` for alternates).
fn link(page: &TestResponse, rel: &str, hreflang: Option<&str>) -> Option<String> {
    let marker = match hreflang {
        Some(lang) => format!("<link rel=\"{rel}\" hreflang=\"{lang}\" href=\""),
        None => format!("<link rel=\"{rel}\" href=\""),
    };
    page.body.split(&marker).nth(1).and_then(|rest| rest.split('"').next()).map(unescape)
}

fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// The raw text of each `<script type="application/ld+json">` block.
fn json_ld_blocks(page: &TestResponse) -> Vec<String> {
    let open = "<script type=\"application/ld+json\">";
    page.body.split(open).skip(1).map(|rest| rest.split("</script>").next().unwrap_or_default().to_string()).collect()
}

/// The page's JSON-LD items (one item, or the items of its `@graph`).
fn json_ld_items(page: &TestResponse) -> Vec<Value> {
    let blocks = json_ld_blocks(page);
    assert_eq!(blocks.len(), 1, "one JSON-LD block expected");
    let doc: Value = serde_json::from_str(&blocks[0]).expect("the JSON-LD block is JSON");
    assert_eq!(doc["@context"], "https://schema.org");
    match doc.get("@graph") {
        Some(Value::Array(items)) => items.clone(),
        _ => vec![doc],
    }
}

fn item_of_type<'a>(items: &'a [Value], kind: &str) -> &'a Value {
    items.iter().find(|i| i["@type"] == kind).unwrap_or_else(|| panic!("no {kind} in {items:?}"))
}

#[tokio::test]
async fn sitemap_lists_every_public_page_in_both_languages_with_alternates_and_dates() {
    let app = TestApp::new().await;
    let urls = sitemap(&app).await;
    let cat = app.state.catalog();

    let mut paths: Vec<String> =
        ["/", "/news", "/companies", "/sectors", "/phases", "/space", "/apply", "/awards", "/about", "/stats", "/data"]
            .map(String::from)
            .to_vec();
    paths.extend(cat.companies.iter().map(|c| format!("/companies/{}", c.slug)));
    paths.extend(cat.sectors.iter().map(|s| format!("/sectors/{}", s.slug)));
    paths.extend(cat.phases.iter().map(|p| format!("/phases/{}", p.number)));
    assert!(paths.contains(&"/companies/gpixel".to_string()) && paths.contains(&"/sectors/laser".to_string()));
    assert_eq!(urls.len(), paths.len() * 2, "each page once per language, nothing else");

    for path in &paths {
        let zh = format!("{ORIGIN}{path}");
        let en = if path == "/" { format!("{ORIGIN}/en/") } else { format!("{ORIGIN}/en{path}") };
        for loc in [&zh, &en] {
            let entry = urls.get(loc).unwrap_or_else(|| panic!("{loc} missing from the sitemap"));
            assert_eq!(entry.alternates.get("zh-CN"), Some(&zh), "{loc}");
            assert_eq!(entry.alternates.get("en"), Some(&en), "{loc}");
            assert_eq!(entry.alternates.get("x-default"), Some(&zh), "{loc}");
            // W3C datetime, as the catalog keeps it.
            let lastmod = &entry.lastmod;
            assert!(lastmod.len() == 20 && lastmod.ends_with('Z') && &lastmod[10..11] == "T", "{loc}: {lastmod:?}");
        }
    }
    // The pages of entries are real pages.
    for path in ["/companies/gpixel", "/en/sectors/laser", "/phases/1"] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_company_edited_through_the_admin_gets_a_newer_lastmod() {
    let app = TestApp::new().await;
    // The seed was loaded long ago (and the admin's save below is never in the same second).
    app.exec_and_reload("update _sqlx_migrations set installed_on = '2023-03-01 08:00:00'").await;
    let before = sitemap(&app).await;
    let gpixel = format!("{ORIGIN}/companies/gpixel");
    let seeded = before[&gpixel].lastmod.clone();
    assert_eq!(seeded, "2023-03-01T08:00:00Z");

    app.add_admin("editor", PASSWORD).await;
    let cookie = app.login("editor", PASSWORD).await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = edit.body.split("name=\"version\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
    let saved = app
        .post_form(
            "/admin/companies/1/edit",
            Some(&cookie),
            &[
                ("version", version),
                ("slug", "gpixel"),
                ("short_name_zh", "长光辰芯"),
                ("short_name_en", "Gpixel"),
                ("status", "active"),
                ("sector_ids", "1"),
                ("description_en", "Edited for the sitemap test."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: String =
        sqlx::query_scalar("select max(created_at) from revision where entity = 'companies' and entity_id = 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();

    let after = sitemap(&app).await;
    for loc in [gpixel.clone(), format!("{ORIGIN}/en/companies/gpixel")] {
        assert_eq!(after[&loc].lastmod, stored, "{loc}");
        assert!(after[&loc].lastmod > seeded);
    }
    // Lists changed with it; a company nobody edited keeps the seed's date.
    assert_eq!(after[&format!("{ORIGIN}/companies")].lastmod, stored);
    assert_eq!(after[&format!("{ORIGIN}/companies/yuanchen")].lastmod, seeded);
}

#[tokio::test]
async fn past_one_file_the_sitemap_becomes_an_index_of_files() {
    let app = TestApp::new().await;
    // Enough companies for more than one file: (8 lists + 7 sectors + 3 phases + companies) × 2 languages.
    let per_file = park_portal::web::public::seo::URLS_PER_FILE;
    let companies = per_file / 2 + 10;
    fixtures::companies("bulk-", companies).zh("批量企业").insert(&app).await;
    app.settle().await;
    let index = app.get("/sitemap.xml").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.header("content-type"), "application/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&index.body).expect("the index is well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "sitemapindex")));
    let files: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name((SITEMAP_NS, "loc")))
        .map(|n| n.text().unwrap().to_string())
        .collect();
    assert_eq!(files, vec![format!("{ORIGIN}/sitemap-1.xml"), format!("{ORIGIN}/sitemap-2.xml")]);

    let mut listed = HashMap::new();
    for n in 1..=2 {
        let file = app.get(&format!("/sitemap-{n}.xml")).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.header("content-type"), "application/xml; charset=utf-8");
        let urls = parse_urlset(&file.body);
        assert!(urls.len() <= per_file && urls.len() <= 50_000, "file {n}: {} URLs", urls.len());
        for (loc, entry) in urls {
            assert!(listed.insert(loc, entry).is_none(), "a URL in two files");
        }
    }
    assert_eq!(listed.len(), (11 + 7 + 3 + 5 + companies) * 2, "every page once, in both languages");
    for slug in ["gpixel".to_string(), "bulk-1".to_string(), format!("bulk-{companies}")] {
        let en = &listed[&format!("{ORIGIN}/en/companies/{slug}")];
        assert_eq!(en.alternates["zh-CN"], format!("{ORIGIN}/companies/{slug}"));
        assert!(listed.contains_key(&en.alternates["zh-CN"]));
    }
    for missing in ["/sitemap-3.xml", "/sitemap-0.xml", "/sitemap-x.xml", "/sitemap-1.txt"] {
        assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn a_small_sitemap_has_no_numbered_files() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/sitemap-1.xml").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn robots_txt_allows_the_site_keeps_out_of_the_admin_and_names_the_sitemap() {
    let app = TestApp::with_settings(|s| s.public_url = "https://park.example".into()).await;
    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert_eq!(robots.header("content-type"), "text/plain; charset=utf-8");
    let lines: Vec<&str> = robots.body.lines().collect();
    assert_eq!(lines[0], "User-agent: *");
    for rule in ["Allow: /", "Disallow: /admin", "Disallow: /en/admin", "Sitemap: https://park.example/sitemap.xml"] {
        assert!(lines.contains(&rule), "{rule:?} missing from:\n{}", robots.body);
    }
    // The sitemap follows the configured origin too.
    let sitemap = app.get("/sitemap.xml").await;
    assert!(parse_urlset(&sitemap.body).contains_key("https://park.example/en/companies/gpixel"));
}

#[tokio::test]
async fn the_home_page_has_absolute_canonical_alternates_and_the_park_preview_in_both_languages() {
    let app = TestApp::new().await;
    let image = format!("{ORIGIN}{}", park_portal::web::assets::url("og-park.png"));
    assert!(image.contains("/static/og-park.") && image.ends_with(".png"), "fingerprinted: {image}");
    for (path, canonical, locale, other) in
        [("/", format!("{ORIGIN}/"), "zh_CN", "en_US"), ("/en/", format!("{ORIGIN}/en/"), "en_US", "zh_CN")]
    {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(link(&page, "canonical", None).as_deref(), Some(canonical.as_str()), "{path}");
        assert_eq!(link(&page, "alternate", Some("zh-CN")), Some(format!("{ORIGIN}/")));
        assert_eq!(link(&page, "alternate", Some("en")), Some(format!("{ORIGIN}/en/")));
        assert_eq!(link(&page, "alternate", Some("x-default")), Some(format!("{ORIGIN}/")));
        assert_eq!(meta(&page, "og:url"), Some(canonical.clone()));
        assert_eq!(meta(&page, "og:type").as_deref(), Some("website"));
        assert_eq!(meta(&page, "og:locale").as_deref(), Some(locale));
        assert_eq!(meta(&page, "og:locale:alternate").as_deref(), Some(other));
        assert_eq!(meta(&page, "og:image"), Some(image.clone()));
        assert_eq!(meta(&page, "og:image:width").as_deref(), Some("1200"));
        assert_eq!(meta(&page, "og:image:height").as_deref(), Some("630"));
        assert_eq!(meta(&page, "twitter:card").as_deref(), Some("summary_large_image"));
        let (site, nickname, aim) = if path == "/" {
            ("长春光电信息产业园", "北方光谷", "以CMOS图像传感器为核心")
        } else {
            ("Changchun Optoelectronic Information Industrial Park", "Northern Optics Valley", "CMOS image sensors")
        };
        assert_eq!(meta(&page, "og:site_name").as_deref(), Some(site));
        assert_eq!(meta(&page, "og:title"), Some(format!("{nickname} · {site}")));
        assert!(meta(&page, "og:image:alt").unwrap().contains(nickname));
        assert!(meta(&page, "description").unwrap().contains(aim), "{path}");
        assert_eq!(meta(&page, "og:description"), meta(&page, "description"));

        // The park as a place, with its location from the facts.
        let items = json_ld_items(&page);
        let place = item_of_type(&items, "Place");
        assert_eq!(place["url"], canonical);
        let address = place["address"].as_str().unwrap();
        assert!(address.contains(if path == "/" { "浦东路与福州街" } else { "Pudong Road and Fuzhou Street" }));
        assert!(place["alternateName"].as_array().unwrap().iter().any(|n| n == nickname));
    }
    // The picture itself is served, as a PNG of that size, cached for good.
    let png = app.get(image.strip_prefix(ORIGIN).unwrap()).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.header("content-type"), "image/png");
    assert!(png.header("cache-control").contains("immutable"));
}

#[tokio::test]
async fn a_profile_has_its_own_head_in_both_languages() {
    let app = TestApp::new().await;
    let zh = app.get("/companies/gpixel").await;
    let en = app.get("/en/companies/gpixel").await;
    for (page, canonical, title) in [
        (&zh, format!("{ORIGIN}/companies/gpixel"), "长光辰芯 · 长春光电信息产业园"),
        (&en, format!("{ORIGIN}/en/companies/gpixel"), "Gpixel · Changchun Optoelectronic Information Industrial Park"),
    ] {
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(link(page, "canonical", None), Some(canonical.clone()));
        assert_eq!(link(page, "alternate", Some("zh-CN")), Some(format!("{ORIGIN}/companies/gpixel")));
        assert_eq!(link(page, "alternate", Some("en")), Some(format!("{ORIGIN}/en/companies/gpixel")));
        assert_eq!(meta(page, "og:url"), Some(canonical));
        assert_eq!(meta(page, "og:title").as_deref(), Some(title));
        page.assert_contains(&format!("<title>{title}</title>"));
        // No logo uploaded: the park's picture.
        assert!(meta(page, "og:image").unwrap().starts_with(&format!("{ORIGIN}/static/og-park.")));
        assert_eq!(meta(page, "twitter:card").as_deref(), Some("summary_large_image"));
    }
    // Its own description, from its own text, in each language.
    assert!(meta(&zh, "description").unwrap().contains("CMOS"));
    assert_ne!(meta(&zh, "description"), meta(&en, "description"));
    assert_ne!(meta(&zh, "description"), meta(&app.get("/companies/chenying").await, "description"));

    // Only a Chinese description: the English page does not borrow it for its snippet.
    app.exec_and_settle("update company set description_en = '' where slug = 'gpixel'").await;
    let en = app.get("/en/companies/gpixel").await;
    assert_eq!(
        meta(&en, "description").as_deref(),
        Some("Gpixel, a company in the Changchun Optoelectronic Information Industrial Park.")
    );
}

#[tokio::test]
async fn a_profile_carries_its_organization_and_breadcrumbs_as_json_ld() {
    let app = TestApp::new().await;
    let page = app.get("/en/companies/chenying").await;
    let items = json_ld_items(&page);
    let org = item_of_type(&items, "Organization");
    assert_eq!(org["url"], format!("{ORIGIN}/en/companies/chenying"));
    assert_eq!(org["name"], "辰英仪器", "no English name is stated: the Chinese one");
    assert_eq!(org["legalName"], "长春长光辰英生物科学仪器有限公司");
    // The source states no website, founding year, logo or address: none is invented.
    for absent in ["sameAs", "foundingDate", "logo", "address"] {
        assert!(org.get(absent).is_none(), "{absent} should be absent: {org}");
    }
    assert_eq!(org["award"].as_array().map(Vec::len), Some(4), "{org}");
    // The whole block: the organisation with its four awards, and the breadcrumbs Home › Companies › 辰英仪器.
    let block: Value = serde_json::from_str(&json_ld_blocks(&page)[0]).unwrap();
    insta::assert_json_snapshot!("json_ld_chenying_en", block);

    // Gpixel, in Chinese: its English brand is the alternate name, and a website once known is sameAs.
    app.exec_and_settle("update company set website = 'https://www.gpixel.com', founded_year = 2012 where id = 1")
        .await;
    let items = json_ld_items(&app.get("/companies/gpixel").await);
    let org = item_of_type(&items, "Organization");
    assert_eq!(org["name"], "长光辰芯");
    assert_eq!(org["alternateName"], serde_json::json!(["Gpixel"]));
    assert_eq!(org["sameAs"], "https://www.gpixel.com");
    assert_eq!(org["foundingDate"], "2012");
    assert!(org.get("award").is_none(), "the source records no award for Gpixel");
}

#[tokio::test]
async fn sector_and_phase_pages_have_breadcrumbs_and_descriptions_of_their_own() {
    let app = TestApp::new().await;
    let sector = app.get("/en/sectors/laser").await;
    let items = json_ld_items(&sector);
    let crumbs = item_of_type(&items, "BreadcrumbList");
    assert_eq!(crumbs["itemListElement"][1]["item"], format!("{ORIGIN}/en/sectors"));
    assert_eq!(crumbs["itemListElement"][2]["item"], format!("{ORIGIN}/en/sectors/laser"));
    assert_eq!(link(&sector, "canonical", None), Some(format!("{ORIGIN}/en/sectors/laser")));

    let phase = app.get("/phases/3").await;
    let items = json_ld_items(&phase);
    assert_eq!(item_of_type(&items, "BreadcrumbList")["itemListElement"][2]["item"], format!("{ORIGIN}/phases/3"));

    // Every public page describes itself differently.
    let mut seen = HashMap::new();
    for path in [
        "/",
        "/companies",
        "/companies?sector=laser",
        "/companies/gpixel",
        "/sectors",
        "/sectors/laser",
        "/sectors/aerospace",
        "/phases",
        "/phases/1",
        "/phases/2",
        "/awards",
        "/awards?competition=china-innovation-entrepreneurship",
        "/about",
    ] {
        for path in [path.to_string(), format!("/en{}", if path == "/" { "/" } else { path })] {
            let page = app.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let description = meta(&page, "description").unwrap();
            assert!(description.chars().count() > 10, "{path}: {description:?}");
            if let Some(other) = seen.insert(description.clone(), path.clone()) {
                panic!("{path} and {other} share the description {description:?}");
            }
            assert!(meta(&page, "og:title").is_some() && link(&page, "canonical", None).is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn the_directory_canonical_keeps_filters_and_drops_pages_order_and_search() {
    let app = TestApp::new().await;
    // Sectors in any order are one page, redirected to one spelling.
    let asked = app.get("/en/companies?sector=laser&sector=core-components&sort=awards").await;
    assert_eq!(asked.status, StatusCode::MOVED_PERMANENTLY);
    let page = app.get(asked.header("location")).await;
    assert_eq!(page.status, StatusCode::OK);
    let canonical = format!("{ORIGIN}/en/companies?sector=core-components&sector=laser");
    assert_eq!(link(&page, "canonical", None), Some(canonical.clone()));
    assert_eq!(meta(&page, "og:url"), Some(canonical));
    assert_eq!(
        link(&page, "alternate", Some("zh-CN")),
        Some(format!("{ORIGIN}/companies?sector=core-components&sector=laser"))
    );
    let description = meta(&page, "description").unwrap();
    assert!(description.contains("Laser") && description.contains("Core Component"), "{description}");
    // The language switch still keeps the visitor's own query.
    page.assert_contains("href=\"/companies?sector=core-components&#38;sector=laser&#38;sort=awards\"");

    let searched = app.get("/companies?q=gpixel&phase=1").await;
    assert_eq!(link(&searched, "canonical", None), Some(format!("{ORIGIN}/companies?phase=1")));
    let plain = app.get("/companies").await;
    assert_eq!(link(&plain, "canonical", None), Some(format!("{ORIGIN}/companies")));

    let awards = app.get("/awards?competition=china-innovation-entrepreneurship&sort=prize").await;
    assert_eq!(
        link(&awards, "canonical", None),
        Some(format!("{ORIGIN}/awards?competition=china-innovation-entrepreneurship"))
    );
}

#[tokio::test]
async fn an_uploaded_logo_is_the_preview_and_the_organization_logo() {
    let app = TestApp::new().await;
    let file = "0123456789abcdef0123456789abcdef.png";
    let dir = app.state.settings.uploads_dir.join("logos");
    std::fs::create_dir_all(&dir).unwrap();
    image::RgbaImage::from_pixel(240, 240, image::Rgba([11, 61, 92, 255])).save(dir.join(file)).unwrap();
    app.exec_and_settle(&format!("update company set logo_path = 'logos/{file}' where slug = 'gpixel'")).await;

    let page = app.get("/en/companies/gpixel").await;
    let logo = format!("{ORIGIN}/media/logos/{file}");
    assert_eq!(meta(&page, "og:image"), Some(logo.clone()));
    assert_eq!(meta(&page, "og:image:width").as_deref(), Some("240"));
    assert_eq!(meta(&page, "og:image:height").as_deref(), Some("240"));
    assert_eq!(meta(&page, "og:image:alt").as_deref(), Some("Gpixel logo"));
    assert_eq!(meta(&page, "twitter:card").as_deref(), Some("summary"), "a square logo is a small card");
    let items = json_ld_items(&page);
    assert_eq!(item_of_type(&items, "Organization")["logo"], logo);
    assert_eq!(app.get(logo.strip_prefix(ORIGIN).unwrap()).await.status, StatusCode::OK);

    // A logo whose file is gone: previews fall back to the park's picture rather than a broken link.
    std::fs::remove_file(dir.join(file)).unwrap();
    app.exec_and_settle("update company set version = version + 1 where slug = 'gpixel'").await;
    let page = app.get("/en/companies/gpixel").await;
    assert!(meta(&page, "og:image").unwrap().contains("/static/og-park."));
}

#[tokio::test]
async fn a_hostile_company_name_cannot_break_out_of_the_json_ld_block() {
    let app = TestApp::new().await;
    let hostile = "</script><script>alert(1)</script>";
    app.exec_and_settle("update company set short_name_zh = '</script><script>alert(1)</script>' where id = 1").await;
    let page = app.get("/companies/gpixel").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert(1)"), "the name was written raw:\n{}", page.body);
    let blocks = json_ld_blocks(&page);
    assert_eq!(blocks.len(), 1);
    assert!(!blocks[0].contains('<') && !blocks[0].contains('>'), "{}", blocks[0]);
    assert!(blocks[0].contains("\\u003c/script\\u003e"));
    let items = json_ld_items(&page);
    assert_eq!(item_of_type(&items, "Organization")["name"], hostile, "escaped, yet the same string");
    assert_eq!(item_of_type(&items, "BreadcrumbList")["itemListElement"][2]["name"], hostile);
    // Elsewhere in the head it is HTML-escaped text, which reads as the same name.
    assert_eq!(meta(&page, "og:title"), Some(format!("{hostile} · 长春光电信息产业园")));
}

#[tokio::test]
async fn error_pages_are_not_indexed_and_still_describe_themselves() {
    let app = TestApp::new().await;
    for (path, text) in
        [("/companies/nobody", "There is no page at this address"), ("/companies?page=99", "Part of this address")]
    {
        let page = app.get(&format!("/en{path}")).await;
        assert!(page.status.is_client_error(), "{path}");
        page.assert_contains("<meta name=\"robots\" content=\"noindex\">");
        assert!(link(&page, "canonical", None).is_none(), "{path}");
        assert!(meta(&page, "og:title").is_none(), "{path}");
        assert!(json_ld_blocks(&page).is_empty(), "{path}");
        assert!(meta(&page, "description").unwrap().contains(text), "{path}");
    }
}

#[tokio::test]
async fn the_stats_and_data_pages_have_preview_titles_and_descriptions_of_their_own() {
    let app = TestApp::new().await;
    for (path, title) in
        [("/stats", "统计"), ("/en/stats", "Statistics"), ("/data", "开放数据"), ("/en/data", "Open data")]
    {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.assert_contains(&format!("<meta property=\"og:title\" content=\"{title} · "));
        page.assert_contains("<meta property=\"og:description\" content=\"");
    }
}
