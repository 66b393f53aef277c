//! News and announcements: drafts stay private, a published post appears at its time (and not before), one
//! post is pinned, the list filters and pages, a post links its phases, buildings and companies both ways, and
//! it reaches the feeds, the sitemap and search engines as a NewsArticle.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{TestApp, hidden, multipart, png, signed_in};

async fn post(app: &TestApp, cookie: &str, pairs: &[(&str, &str)]) -> common::TestResponse {
    let response = app.post_form("/admin/posts/new", Some(cookie), pairs).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    app.settle().await;
    response
}

#[tokio::test]
async fn a_new_park_has_no_invented_news_and_shows_its_milestones_labelled() {
    let app = TestApp::new().await;
    assert_eq!(app.count("select count(*) from post").await, 0, "the source has no posts: none are invented");
    let zh = app.get("/news").await;
    assert_eq!(zh.status, StatusCode::OK);
    zh.assert_contains("园区还没有在这里发布新闻或公告。");
    zh.assert_contains("园区大事记（来源文章）");
    let en = app.get("/en/news").await;
    en.assert_contains("not news releases");
    en.assert_contains("aria-current=\"page\">News</a>");
    assert!(!app.get("/").await.body.contains("id=\"news-h\""), "no empty news box on the home page");
}

#[tokio::test]
async fn a_draft_is_private_and_a_published_post_is_everywhere() {
    let (app, cookie) = signed_in().await;
    let body = "园区举办开放日，[长光辰芯](/companies/gpixel)介绍了新产品。";
    post(
        &app,
        &cookie,
        &[
            ("slug", "open-day"),
            ("kind", "news"),
            ("status", "draft"),
            ("publish_at", "2026-05-01 09:00"),
            ("title_zh", "园区开放日"),
            ("title_en", "Park open day"),
            ("body_zh", body),
            ("body_en", "An open day, with [Gpixel](/en/companies/gpixel)."),
            ("phase_ids", "1"),
        ],
    )
    .await;
    assert_eq!(app.get("/news/open-day").await.status, StatusCode::NOT_FOUND, "a draft is not public");
    // Published: on the list, its own page, the home page, the phase, the company, the feeds and the sitemap.
    let version = app.count("select version from post where slug = 'open-day'").await.to_string();
    let edit = app
        .post_form(
            "/admin/posts/1/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("slug", "open-day"),
                ("kind", "news"),
                ("status", "published"),
                ("publish_at", "2026-05-01 09:00"),
                ("title_zh", "园区开放日"),
                ("title_en", "Park open day"),
                ("body_zh", body),
                ("body_en", "An open day, with [Gpixel](/en/companies/gpixel)."),
                ("phase_ids", "1"),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    app.settle().await;
    let page = app.get("/en/news/open-day").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Park open day</h1>");
    page.assert_contains("1 May 2026");
    page.assert_contains("\"@type\":\"NewsArticle\"");
    page.assert_contains("\"datePublished\":\"2026-05-01T09:00:00+08:00\"");
    page.assert_contains("href=\"/en/companies/gpixel\">Gpixel</a></li>");
    page.assert_contains("href=\"/en/phases/1\"");
    app.get("/en/news").await.assert_contains("href=\"/en/news/open-day\">Park open day</a>");
    app.get("/").await.assert_contains("href=\"/news/open-day\">园区开放日</a>");
    app.get("/en/phases/1").await.assert_contains("News about this phase");
    app.get("/en/companies/gpixel").await.assert_contains("href=\"/en/news/open-day\"");
    let feed = app.get("/en/feed.atom").await;
    feed.assert_contains("<title type=\"text\">Park open day</title>");
    feed.assert_contains("<published>2026-05-01T09:00:00+08:00</published>");
    app.get("/sitemap.xml").await.assert_contains("/news/open-day</loc>");
    // The kind filter and a bad query.
    assert!(!app.get("/en/news?kind=announcement").await.body.contains("open-day"));
    assert_eq!(app.get("/en/news?kind=rumour").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/en/news?page=2").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_scheduled_post_appears_at_its_time_and_not_before() {
    let (app, cookie) = signed_in().await;
    let at = common::beijing_time_in(5);
    post(
        &app,
        &cookie,
        &[
            ("slug", "call-for-tenants"),
            ("kind", "announcement"),
            ("status", "published"),
            ("publish_at", &at),
            ("title_zh", "招商公告"),
            ("title_en", "Call for tenants"),
        ],
    )
    .await;
    assert_eq!(app.get("/en/news/call-for-tenants").await.status, StatusCode::NOT_FOUND, "not before its time");
    assert!(!app.get("/en/news").await.body.contains("Call for tenants"), "the cached list does not show it yet");
    let mut waited = 0;
    while app.get("/en/news/call-for-tenants").await.status != StatusCode::OK {
        assert!(waited < 150, "the post did not appear within 10 s of its time");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // A post of a title alone still has a description.
    app.get("/en/news/call-for-tenants")
        .await
        .assert_contains("<meta name=\"description\" content=\"Announcement: Call for tenants\">");
    // The list cached before its time was dropped when it appeared.
    app.get("/en/news").await.assert_contains("Call for tenants");
    app.get("/en/news?kind=announcement").await.assert_contains("Call for tenants");
}

#[tokio::test]
async fn the_newest_public_pin_leads_the_list() {
    let (app, cookie) = signed_in().await;
    for (slug, status, pinned, at) in [
        ("first", "published", "1", "2026-01-01 08:00"),
        ("second", "published", "1", "2026-02-01 08:00"),
        ("third", "published", "", "2026-03-01 08:00"),
        // A pinned draft and a pinned post scheduled far ahead take nothing from the public pin.
        ("draft", "draft", "1", "2026-04-01 08:00"),
        ("later", "published", "1", "2099-01-01 08:00"),
    ] {
        post(
            &app,
            &cookie,
            &[
                ("slug", slug),
                ("kind", "news"),
                ("status", status),
                ("publish_at", at),
                ("pinned", pinned),
                ("title_zh", slug),
            ],
        )
        .await;
    }
    let list = app.get("/en/news").await.body;
    let pos = |s: &str| list.find(&format!("href=\"/en/news/{s}\"")).unwrap_or_else(|| panic!("{s} listed"));
    assert!(pos("second") < pos("third") && pos("third") < pos("first"), "the pinned post first, then newest first");
    assert_eq!(list.matches("href=\"/en/news/second\"").count(), 1, "the pinned post is not listed twice");
    assert_eq!(list.matches("class=\"post-pin\"").count(), 1, "one post shows as pinned");
    assert!(!list.contains("/en/news/draft") && !list.contains("/en/news/later"));
}

#[tokio::test]
async fn a_time_no_form_could_save_keeps_the_post_off_the_site_not_the_server_down() {
    let app = TestApp::new().await;
    app.exec_and_settle(
        "insert into post (slug, kind, status, publish_at, title_zh) values ('typed-in-sql', 'news', 'published', 'soon', '手工');
         insert into post (slug, kind, status, publish_at, title_zh) values ('fine', 'news', 'published', '2026-01-02 03:04', '正常')",
    )
    .await;
    let list = app.get("/news").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("href=\"/news/fine\"");
    assert!(!list.body.contains("typed-in-sql"));
    assert_eq!(app.get("/news/typed-in-sql").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_publication_time_must_be_a_real_time() {
    let (app, cookie) = signed_in().await;
    let response = app
        .post_form(
            "/en/admin/posts/new",
            Some(&cookie),
            &[
                ("slug", "x"),
                ("kind", "news"),
                ("status", "published"),
                ("publish_at", "tomorrow 9am"),
                ("title_zh", "x"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Write the time as YYYY-MM-DD HH:MM (Beijing time)");
    response.assert_contains("value=\"tomorrow 9am\"");
    // A new post's form starts at now, Beijing time.
    let form = app.get_as("/admin/posts/new", &cookie).await;
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    form.assert_contains(&format!("value=\"{:04}-{:02}-{:02} ", today.year(), u8::from(today.month()), today.day()));
}

#[tokio::test]
async fn a_post_carries_a_picture_with_alt_text_in_both_languages() {
    let (app, cookie) = signed_in().await;
    post(
        &app,
        &cookie,
        &[
            ("slug", "new-building"),
            ("kind", "news"),
            ("status", "published"),
            ("publish_at", "2026-06-01 10:00"),
            ("title_zh", "新楼落成"),
            ("title_en", "A new building"),
            ("image_alt_zh", "新楼外景"),
            ("image_alt_en", "The new building from the street"),
        ],
    )
    .await;
    let edit = app.get_as("/en/admin/posts/1/edit", &cookie).await;
    edit.assert_contains("No picture uploaded yet.");
    let (content_type, body) = multipart("picture", &hidden(&edit.body, "version"), "photo.png", &png(1200, 630));
    let uploaded = app
        .send(
            Method::POST,
            "/en/admin/posts/1/picture",
            Some(&cookie),
            &[("content-type", content_type.as_str()), ("sec-fetch-site", "same-origin")],
            Body::from(body),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    app.settle().await;
    let path: String =
        sqlx::query_scalar("select image_path from post where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert!(path.starts_with("news/") && path.ends_with(".png"), "{path}");
    let en = app.get("/en/news/new-building").await;
    en.assert_contains(&format!("<img src=\"/media/{path}\" alt=\"The new building from the street\">"));
    let image = en.body.split("\"image\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    assert!(image.starts_with("http") && image.ends_with(&format!("/media/{path}")), "NewsArticle image: {image}");
    app.get("/news/new-building").await.assert_contains("alt=\"新楼外景\"");
    assert_eq!(app.get(&format!("/media/{path}")).await.header("content-type"), "image/png");
}
