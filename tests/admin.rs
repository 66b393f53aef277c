//! The staff side: accounts, sign-in and sessions, the guard on every route, cross-site refusal, forms,
//! conflicts, history, uploads.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{PASSWORD, TestApp, hidden, multipart, png, signed_in};
use park_portal::admin::spec::{ENTITIES, Kind};
use park_portal::web::admin::GUARDED_ROUTES;

#[test]
fn cli_manages_accounts_with_the_password_on_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("park.db");
    let bin = env!("CARGO_BIN_EXE_park-portal");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(bin)
            .args(args)
            .arg("--database")
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let listed = run(&["admin", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("No accounts yet"));
    let weak = run(&["admin", "add", "alice"], "password1\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("too common"));
    let added = run(&["admin", "add", "alice"], &format!("{PASSWORD}\n"));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(String::from_utf8_lossy(&run(&["admin", "list"], "").stdout).contains("alice"));
    assert!(run(&["admin", "passwd", "alice"], "another-long-phrase-77\n").status.success());
    assert!(!run(&["admin", "passwd", "bob"], "another-long-phrase-77\n").status.success());
    assert!(run(&["admin", "remove", "alice"], "").status.success());
    assert!(String::from_utf8_lossy(&run(&["admin", "list"], "").stdout).contains("No accounts yet"));
}

#[tokio::test]
async fn a_fresh_install_has_no_account() {
    let app = TestApp::new().await;
    assert_eq!(app.count("select count(*) from admin_user").await, 0);
}

#[tokio::test]
async fn sign_in_redirects_and_sets_a_strict_httponly_cookie() {
    let app = TestApp::new().await;
    app.add_admin("editor", PASSWORD).await;
    let form = app.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("name=\"username\"");
    form.assert_contains("name=\"password\"");

    let response = app.post_form("/admin/login", None, &[("username", "editor"), ("password", PASSWORD)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/admin");
    let cookie = response.set_cookie();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let session = response.session_cookie().unwrap();
    let dashboard = app.get_as("/admin", &session).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    dashboard.assert_contains("editor");
    assert_eq!(app.count("select count(*) from login_attempt where succeeded = 1 and username = 'editor'").await, 1);
}

#[tokio::test]
async fn next_only_leads_within_the_admin() {
    let app = TestApp::new().await;
    app.add_admin("editor", PASSWORD).await;
    let ok = app
        .post_form(
            "/admin/login",
            None,
            &[("username", "editor"), ("password", PASSWORD), ("next", "/en/admin/companies")],
        )
        .await;
    assert_eq!(ok.header("location"), "/en/admin/companies");
    for evil in ["//evil.example/", "https://evil.example/admin", "/\\evil.example"] {
        let r = app
            .post_form("/admin/login", None, &[("username", "editor"), ("password", PASSWORD), ("next", evil)])
            .await;
        assert_eq!(r.header("location"), "/admin", "{evil}");
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let app = TestApp::new().await;
    app.add_admin("staffer", PASSWORD).await;
    let wrong =
        app.post_form("/en/admin/login", None, &[("username", "staffer"), ("password", "nope-nope-nope")]).await;
    let unknown =
        app.post_form("/en/admin/login", None, &[("username", "nobody"), ("password", "nope-nope-nope")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    wrong.assert_contains("Wrong username or password.");
    assert_eq!(wrong.body.replace("staffer", "X"), unknown.body.replace("nobody", "X"));
    assert!(wrong.session_cookie().is_none());
}

#[tokio::test]
async fn five_failures_throttle_even_the_right_password() {
    let app = TestApp::new().await;
    app.add_admin("editor", PASSWORD).await;
    for _ in 0..5 {
        let r = app.post_form("/admin/login", None, &[("username", "editor"), ("password", "wrong-guess-123")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app.post_form("/en/admin/login", None, &[("username", "editor"), ("password", PASSWORD)]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    blocked.assert_contains("Try again in 15 minutes");
    assert!(blocked.session_cookie().is_none());
    // Once the failures are older than 15 minutes, the account works again.
    sqlx::query("update login_attempt set attempted_at = '2000-01-01T00:00:00.000Z'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    app.login("editor", PASSWORD).await;
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let (app, cookie) = signed_in().await;
    assert_eq!(app.get_as("/admin", &cookie).await.status, StatusCode::OK);
    // Signing out is never a GET.
    assert_eq!(app.get_as("/admin/logout", &cookie).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let out = app.post_form("/admin/logout", Some(&cookie), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let again = app.get_as("/admin", &cookie).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.header("location"), "/admin/login?next=%2Fadmin");
}

#[tokio::test]
async fn a_session_id_chosen_by_someone_else_is_never_adopted() {
    let app = TestApp::new().await;
    app.add_admin("editor", PASSWORD).await;
    let planted = "park_session=attacker-chosen-id";
    let response = app
        .send(
            Method::POST,
            "/admin/login",
            Some(planted),
            &[("content-type", "application/x-www-form-urlencoded"), ("sec-fetch-site", "same-origin")],
            Body::from(format!("username=editor&password={PASSWORD}")),
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_ne!(response.session_cookie().unwrap(), planted);
}

#[tokio::test]
async fn every_guarded_route_refuses_without_a_session() {
    let app = TestApp::new().await;
    for prefix in ["/admin", "/en/admin"] {
        for (_, method, path) in GUARDED_ROUTES {
            for entity in ENTITIES {
                let uri = format!("{prefix}{path}")
                    .replace("{entity}", entity.key)
                    .replace("{id}", "1")
                    .replace("{revision}", "1")
                    .replace("{proposal}", "1")
                    .replace("{invitation}", "1")
                    .replace("{account}", "1")
                    .replace("{company}", "1")
                    .replace("{milestone}", "4")
                    .trim_end_matches('/')
                    .to_string();
                let uri = if uri.is_empty() { prefix.to_string() } else { uri };
                let response = if *method == "GET" {
                    app.get(&uri).await
                } else {
                    app.post_form(&uri, None, &[("short_name_zh", "x"), ("version", "1")]).await
                };
                if *method == "GET" {
                    assert_eq!(response.status, StatusCode::SEE_OTHER, "GET {uri}");
                    assert!(response.header("location").starts_with(&format!("{prefix}/login?next=")), "GET {uri}");
                } else {
                    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "POST {uri}");
                }
                assert!(!response.body.contains("长光辰芯"), "{method} {uri} leaks data");
            }
        }
    }
    assert_eq!(app.count("select count(*) from revision").await, 0);
}

#[tokio::test]
async fn no_admin_page_is_kept_by_the_browser() {
    let (app, cookie) = signed_in().await;
    for path in ["/admin", "/en/admin/companies", "/admin/companies/1/edit", "/admin/companies/export"] {
        let page = app.get_as(path, &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
    }
    assert_eq!(app.get("/en/admin/login").await.header("cache-control"), "no-store");
    assert_eq!(app.get("/admin").await.header("cache-control"), "no-store", "the redirect to sign in");
    assert_ne!(app.get("/en/companies/gpixel").await.header("cache-control"), "no-store", "public pages are kept");
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let body = format!("slug=gpixel&short_name_zh=HACKED&status=active&version={version}");
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "same-site"), ("origin", "https://sub.park.test")],
        // This host, but over HTTPS while the site is served over HTTP.
        vec![("origin", "https://park.test")],
    ] {
        let mut all = headers.clone();
        all.push(("content-type", "application/x-www-form-urlencoded"));
        let r = app.send(Method::POST, "/admin/companies/1/edit", Some(&cookie), &all, Body::from(body.clone())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(r.header("content-type").starts_with("text/html"));
    }
    assert_eq!(app.count("select count(*) from company where short_name_zh = 'HACKED'").await, 0);
    assert_eq!(app.count("select count(*) from revision").await, 0);
}

#[tokio::test]
async fn invalid_input_gets_422_with_values_kept_and_messages_beside_fields() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/en/admin/companies/1/edit", &cookie).await;
    assert_eq!(edit.status, StatusCode::OK);
    edit.assert_contains("name=\"short_name_en\"");
    let version = hidden(&edit.body, "version");
    let r = app
        .post_form(
            "/en/admin/companies/1/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("slug", "Bad Slug!"),
                ("short_name_zh", ""),
                ("short_name_en", "Kept <typed> value"),
                ("website", "javascript:alert(1)"),
                ("founded_year", "1800"),
                ("status", "active"),
                ("sector_ids", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("value=\"Bad Slug!\"");
    r.assert_contains("value=\"Kept &#60;typed&#62; value\"");
    r.assert_contains("This field is required.");
    r.assert_contains("Enter a full address starting with http:// or https://.");
    r.assert_contains("Enter a whole number from 1900 to 2100.");
    r.assert_contains("id=\"err-slug\"");
    // Nothing was saved.
    assert_eq!(app.count("select count(*) from company where slug = 'gpixel' and short_name_en = 'Gpixel'").await, 1);
    let zh = app.post_form("/admin/companies/1/edit", Some(&cookie), &[("version", &version), ("slug", "")]).await;
    zh.assert_contains("此项必填。");
}

/// A valid value for each required field of an entity (references point at row 1).
fn minimal_form(entity: &park_portal::admin::spec::Entity, suffix: &str) -> Vec<(String, String)> {
    entity
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| {
            let value = match f.kind {
                Kind::Slug => format!("test-{suffix}"),
                Kind::Integer { min, max } => (min + 42).min(max).to_string(),
                Kind::Choice(c) => c[0].0.to_string(),
                Kind::Reference(_) => "1".to_string(),
                Kind::Date => "2024-05".to_string(),
                Kind::DateTime => "2024-05-01 09:30".to_string(),
                _ => format!("测试{suffix}"),
            };
            (f.column.to_string(), value)
        })
        .collect()
}

#[tokio::test]
async fn every_entity_can_be_created_edited_and_deleted() {
    let (app, cookie) = signed_in().await;
    for entity in ENTITIES.iter().filter(|e| !e.singleton) {
        let base = format!("/admin/{}", entity.key);
        assert_eq!(app.get_as(&base, &cookie).await.status, StatusCode::OK, "{base}");
        assert_eq!(app.get_as(&format!("{base}/new"), &cookie).await.status, StatusCode::OK, "{base}/new");
        let before = app.count(&format!("select count(*) from {}", entity.table)).await;
        let form = minimal_form(entity, "a");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let created = app.post_form(&format!("{base}/new"), Some(&cookie), &pairs).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "create {}: {}", entity.key, created.body);
        assert_eq!(app.count(&format!("select count(*) from {}", entity.table)).await, before + 1);
        let location = created.header("location").to_string();
        let id: i64 = location.trim_end_matches("/edit").rsplit('/').next().unwrap().parse().unwrap();

        let edit = app.get_as(&location, &cookie).await;
        assert_eq!(edit.status, StatusCode::OK);
        edit.assert_contains("已新建");
        let version = hidden(&edit.body, "version");
        let mut form = minimal_form(entity, "b");
        form.push(("version".into(), version));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = app.post_form(&location, Some(&cookie), &pairs).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "edit {}: {}", entity.key, saved.body);

        assert_eq!(app.get_as(&format!("{base}/{id}/delete"), &cookie).await.status, StatusCode::OK);
        let deleted = app.post_form(&format!("{base}/{id}/delete"), Some(&cookie), &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "delete {}: {}", entity.key, deleted.body);
        assert_eq!(app.count(&format!("select count(*) from {}", entity.table)).await, before);
        let actions = app
            .count(&format!("select count(*) from revision where entity = '{}' and entity_id = {id}", entity.key))
            .await;
        assert_eq!(actions, 3, "{}: create, update, delete", entity.key);
    }
}

#[tokio::test]
async fn deleting_what_others_refer_to_says_what_refers_to_it() {
    let (app, cookie) = signed_in().await;
    let page = app.get_as("/en/admin/companies/5/delete", &cookie).await;
    page.assert_contains("cannot be deleted yet");
    page.assert_contains("awards");
    let r = app.post_form("/en/admin/companies/5/delete", Some(&cookie), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(app.count("select count(*) from company where id = 5").await, 1);
}

#[tokio::test]
async fn two_saves_from_the_same_version_conflict_and_lose_nothing() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/en/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let base = [
        ("slug", "gpixel"),
        ("short_name_zh", "长光辰芯"),
        ("short_name_en", "Gpixel"),
        ("status", "active"),
        ("sector_ids", "1"),
    ];
    let mut first: Vec<(&str, &str)> = base.to_vec();
    first.extend([("version", version.as_str()), ("description_en", "First editor's text.")]);
    let mut second: Vec<(&str, &str)> = base.to_vec();
    second.extend([("version", version.as_str()), ("description_en", "Second editor's text.")]);
    let a = app.post_form("/en/admin/companies/1/edit", Some(&cookie), &first).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let b = app.post_form("/en/admin/companies/1/edit", Some(&cookie), &second).await;
    assert_eq!(b.status, StatusCode::CONFLICT);
    b.assert_contains("Edit conflict");
    b.assert_contains("First editor&#39;s text.");
    b.assert_contains("Second editor&#39;s text.");
    let stored: String =
        sqlx::query_scalar("select description_en from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(stored, "First editor's text.");
    // Choosing "mine" on the conflict page saves it, from the new version.
    let new_version = hidden(&b.body, "version");
    assert_ne!(new_version, version);
    let mut resolve: Vec<(String, String)> = vec![("resolve".into(), "1".into()), ("version".into(), new_version)];
    for part in b.body.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = part.split('"').next().unwrap().to_string();
        let value = part.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or("").to_string();
        if name != "version" {
            resolve.push((name, value.replace("&#39;", "'")));
        }
    }
    resolve.push(("choice-description_en".into(), "mine".into()));
    let pairs: Vec<(&str, &str)> = resolve.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let c = app.post_form("/en/admin/companies/1/edit", Some(&cookie), &pairs).await;
    assert_eq!(c.status, StatusCode::SEE_OTHER, "{}", c.body);
    let stored: String =
        sqlx::query_scalar("select description_en from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(stored, "Second editor's text.");
    // Nothing else was lost on the way.
    assert_eq!(
        app.count("select count(*) from company where id = 1 and short_name_en = 'Gpixel' and slug = 'gpixel'").await,
        1
    );
}

#[tokio::test]
async fn a_save_is_on_the_public_page_at_once_and_can_be_reverted() {
    let (app, cookie) = signed_in().await;
    let _ = app.get("/en/companies/gpixel").await; // cached
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
                ("description_en", "A **new** description."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let public = app.get("/en/companies/gpixel").await;
    public.assert_contains("A <strong>new</strong> description.");
    // The sectors were unticked in that save: the history shows it, and a revert restores everything.
    let history = app.get_as("/en/admin/companies/1/history", &cookie).await;
    history.assert_contains("Description (English)");
    let after: Vec<String> = scraper::Html::parse_document(&history.body)
        .select(&scraper::Selector::parse("td.after").unwrap())
        .map(|td| td.text().collect())
        .collect();
    assert!(after.iter().any(|text| text == "A **new** description."), "{after:?}");
    let revision: i64 = sqlx::query_scalar("select max(id) from revision").fetch_one(&app.state.pool).await.unwrap();
    let reverted = app.post_form(&format!("/en/admin/companies/1/revert/{revision}"), Some(&cookie), &[]).await;
    assert_eq!(reverted.status, StatusCode::SEE_OTHER);
    let public = app.get("/en/companies/gpixel").await;
    assert!(!public.body.contains("A <strong>new</strong> description."));
    public.assert_contains("Core Component Design and Manufacturing");
    assert_eq!(app.count("select count(*) from revision where action = 'revert'").await, 1);
}

#[tokio::test]
async fn deleted_entries_can_be_restored_from_history() {
    let (app, cookie) = signed_in().await;
    let r = app.post_form("/admin/designations/3/delete", Some(&cookie), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "Gpixel holds it");
    sqlx::query("delete from company_designation where designation_id = 3").execute(&app.state.pool).await.unwrap();
    let r = app.post_form("/admin/designations/3/delete", Some(&cookie), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = app.get_as("/en/admin/designations", &cookie).await;
    list.assert_contains("Recently deleted");
    let history = app.get_as("/en/admin/designations/3/history", &cookie).await;
    history.assert_contains("Restore");
    let revision: i64 = sqlx::query_scalar("select max(id) from revision").fetch_one(&app.state.pool).await.unwrap();
    let restored = app.post_form(&format!("/admin/designations/3/revert/{revision}"), Some(&cookie), &[]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from designation where id = 3 and slug = 'changchun-little-giant'").await, 1);
}

#[tokio::test]
async fn the_park_text_is_edited_like_any_entry() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/en/admin/park/1/edit", &cookie).await;
    assert_eq!(edit.status, StatusCode::OK);
    edit.assert_contains("Northern Optics Valley");
    assert_eq!(app.get_as("/admin/park", &cookie).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get_as("/admin/park/new", &cookie).await.status, StatusCode::NOT_FOUND);
}

/// A PNG whose header claims `width` × `height` RGBA pixels, with a few bytes of image data: what a
/// decompression bomb looks like to a decoder before it allocates.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let header = [&width.to_be_bytes()[..], &height.to_be_bytes(), &[8, 6, 0, 0, 0]].concat();
    chunk(&mut out, b"IHDR", &header);
    let mut data = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut data, &[0u8; 4096]).unwrap();
    chunk(&mut out, b"IDAT", &data.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn logos_are_checked_scaled_and_served() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let upload = |content_type: String, body: Vec<u8>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/en/admin/companies/1/logo",
                Some(&cookie),
                &[("content-type", content_type.as_str()), ("sec-fetch-site", "same-origin")],
                Body::from(body),
            )
            .await
        }
    };
    // An SVG named .png is refused by its bytes.
    let (ct, body) = multipart(
        "logo",
        &version,
        "logo.png",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    );
    let svg = upload(ct, body).await;
    assert_eq!(svg.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    svg.assert_contains("Only PNG, JPEG or WebP");
    // Refused, the edit page comes back with the reason beside the upload field: not a dead end.
    svg.assert_contains("<p class=\"field-error\" id=\"image-error\" role=\"alert\">Only PNG, JPEG or WebP");
    svg.assert_contains("action=\"/en/admin/companies/1/edit\"");
    svg.assert_contains("aria-invalid=\"true\" aria-describedby=\"image-error\"");
    // A small file claiming 10,000 × 10,000 pixels (400 MB decoded): refused from its header, before decoding.
    let (ct, body) = multipart("logo", &version, "bomb.png", &png_claiming(10_000, 10_000));
    let bomb = upload(ct, body).await;
    assert_eq!(bomb.status, StatusCode::PAYLOAD_TOO_LARGE);
    bomb.assert_contains("The image is too large (10000 × 10000 pixels)");
    // Over 2 MB: 413.
    let (ct, body) = multipart("logo", &version, "big.png", &vec![0u8; 2 * 1024 * 1024 + 10]);
    let big = upload(ct, body).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    big.assert_contains("at most 2 MB");
    // A real PNG, larger than 512 px: accepted, scaled, served.
    let (ct, body) = multipart("logo", &version, "../../etc/passwd", &png(1024, 600));
    let ok = upload(ct, body).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let path: String =
        sqlx::query_scalar("select logo_path from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert!(path.starts_with("logos/") && path.ends_with(".png") && !path.contains(".."), "{path}");
    let served = app.get(&format!("/media/{path}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/png");
    let profile = app.get("/en/companies/gpixel").await;
    profile.assert_contains(&format!("/media/{path}"));
    let file = app.state.settings.uploads_dir.join(&path);
    let stored = image::open(file).unwrap();
    assert_eq!((stored.width(), stored.height()), (512, 300));
    assert_eq!(app.get("/media/logos/..%2F..%2Fpark.db").await.status, StatusCode::NOT_FOUND);
    // The history shows the new logo as a picture, not as an empty change.
    let history = app.get_as("/en/admin/companies/1/history", &cookie).await;
    history.assert_contains(&format!("<img class=\"diff-image\" src=\"/media/{path}\" alt=\"New Logo\""));
    history.assert_contains("(none)");
}

#[tokio::test]
async fn an_edit_page_leads_to_the_public_page_and_to_what_belongs_to_the_entry() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/en/admin/companies/5/edit", &cookie).await;
    edit.assert_contains("<a href=\"/en/companies/chenying\">View on the site</a>");
    edit.assert_contains("<a href=\"/en/admin/awards?f_company_id=5\">Awards</a> · <a href=\"/en/admin/awards/new?company_id=5\">add one</a>");
    edit.assert_contains("/en/admin/milestones/new?company_id=5\">add one</a>");
    // "Add one" opens the form with the company already chosen.
    let new = app.get_as("/en/admin/awards/new?company_id=5", &cookie).await;
    assert_eq!(new.status, StatusCode::OK);
    new.assert_contains("<input type=\"hidden\" name=\"company_id\" value=\"5\">");
    new.assert_contains("Chosen: <strong>辰英仪器</strong>");
    // Anything else in the query is ignored, not trusted.
    let odd = app.get_as("/en/admin/awards/new?company_id=x&rank_zh=%3Cb%3E", &cookie).await;
    assert_eq!(odd.status, StatusCode::OK);
    odd.assert_contains("<input type=\"hidden\" name=\"company_id\" value=\"\">");
    assert!(!odd.body.contains("&lt;b&gt;"));
}

/// The fields an edit page's form would submit as it stands: (name, value).
fn form_fields(body: &str) -> Vec<(String, String)> {
    let html = scraper::Html::parse_document(body);
    let mut form: Vec<(String, String)> = html
        .select(
            &scraper::Selector::parse("form[data-warn-unsaved] input[name], form[data-warn-unsaved] textarea[name]")
                .unwrap(),
        )
        .filter(|e| e.attr("type") != Some("checkbox") || e.attr("checked").is_some())
        .map(|e| {
            let value = match e.value().name() {
                "textarea" => e.text().collect(),
                _ => e.attr("value").unwrap_or_default().to_string(),
            };
            (e.attr("name").unwrap().to_string(), value)
        })
        .collect();
    form.extend(
        html.select(&scraper::Selector::parse("form[data-warn-unsaved] select[name] option[selected]").unwrap())
            .filter_map(|o| {
                let select = scraper::ElementRef::wrap(o.parent()?)?;
                Some((select.attr("name")?.to_string(), o.attr("value").unwrap_or_default().to_string()))
            }),
    );
    form
}

#[tokio::test]
async fn the_park_office_is_reached_from_every_page_and_staff_fill_in_what_the_source_does_not_say() {
    let (app, cookie) = signed_in().await;
    // Seeded: the source states no phone or email, and the page says so; the address is searchable on maps.
    let about = app.get("/en/about").await;
    about.assert_contains("id=\"contact\"");
    about.assert_contains("<dt>Phone</dt><dd><span class=\"muted\">Not stated</span></dd>");
    about.assert_contains("href=\"https://uri.amap.com/search?keyword=");
    about.assert_contains("href=\"https://map.baidu.com/search/");
    about.assert_contains("href=\"https://www.openstreetmap.org/search?query=");
    // The way in, from the header of every page and the home page's hero, leads to the application form,
    // which offers the office's contact too.
    app.get("/companies").await.assert_contains("<a class=\"nav-cta\" href=\"/apply\">入驻申请</a>");
    app.get("/en/").await.assert_contains("href=\"/en/apply\">Apply to move in</a>");
    app.get("/en/apply").await.assert_contains("href=\"/en/about#contact\">contact the park office</a>");

    let edit = app.get_as("/en/admin/park/1/edit", &cookie).await;
    let mut form = form_fields(&edit.body);
    let set = |form: &mut Vec<(String, String)>, key: &str, value: &str| {
        form.iter_mut().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no field {key}")).1 = value.to_string();
    };
    set(&mut form, "contact_phone", "call 0431");
    set(&mut form, "contact_email", "office(at)example.cn");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = app.post_form("/en/admin/park/1/edit", Some(&cookie), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("A phone number has 7 to 15 digits");
    refused.assert_contains("Enter a whole email address");
    refused.assert_contains("value=\"call 0431\"");
    assert_eq!(app.count("select count(*) from park where contact_phone <> ''").await, 0);

    set(&mut form, "contact_phone", "+86 431-8123 4567");
    set(&mut form, "contact_email", "office@example.cn");
    set(&mut form, "contact_office_en", "Investment service centre");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = app.post_form("/en/admin/park/1/edit", Some(&cookie), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let about = app.get("/en/about").await;
    about.assert_contains("<a href=\"tel:+8643181234567\">+86 431-8123 4567</a>");
    about.assert_contains("<a href=\"mailto:office@example.cn\">office@example.cn</a>");
    about.assert_contains("Investment service centre");
    assert!(!about.body.contains("gives no phone number or email address"));
}

/// The ids of the entries an admin list shows, in its order (each row links its edit page).
fn listed_ids(body: &str, key: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    for rest in body.split(&format!("href=\"/en/admin/{key}/")).skip(1) {
        let id = rest.split_once("/edit\"").and_then(|(id, _)| id.parse().ok());
        if let Some(id) = id.filter(|id| ids.last() != Some(id)) {
            ids.push(id);
        }
    }
    ids
}

#[tokio::test]
async fn the_company_list_is_in_pinyin_order_like_the_directory() {
    let (app, cookie) = signed_in().await;
    // 长光辰芯, 长光大器, 长光华大, 辰英仪器, 圆辰: by pinyin, as a Chinese reader expects and as the directory
    // lists them (by code point 圆 would come first and 长 last).
    let expected = vec![1, 4, 2, 5, 3];
    let list = app.get_as("/en/admin/companies", &cookie).await;
    assert_eq!(listed_ids(&list.body, "companies"), expected);
    let directory = app.get("/companies").await.card_slugs();
    assert_eq!(directory, ["gpixel", "changguang-daqi", "changguang-huada", "chenying", "yuanchen"]);
    // Sorted by that column, both ways; a search keeps the order.
    let by_name = app.get_as("/en/admin/companies?sort=short_name_zh", &cookie).await;
    assert_eq!(listed_ids(&by_name.body, "companies"), expected);
    let reversed = app.get_as("/en/admin/companies?sort=-short_name_zh", &cookie).await;
    assert_eq!(listed_ids(&reversed.body, "companies"), expected.iter().rev().copied().collect::<Vec<_>>());
    // 长光: the three short names, and 辰英仪器 by its legal name 长春长光辰英….
    let searched = app.get_as("/en/admin/companies?q=%E9%95%BF%E5%85%89", &cookie).await;
    assert_eq!(listed_ids(&searched.body, "companies"), vec![1, 4, 2, 5]);
    // Other columns still sort in SQL.
    let by_slug = app.get_as("/en/admin/companies?sort=slug", &cookie).await;
    assert_eq!(listed_ids(&by_slug.body, "companies"), vec![4, 2, 5, 1, 3]);
}

#[tokio::test]
async fn history_shows_only_what_changed_on_the_parks_clock_and_an_undo_asks_first() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let mut form = form_fields(&edit.body);
    // An English-only edit: one word of the English description.
    let english = form.iter_mut().find(|(k, _)| k == "description_en").expect("an English description field");
    assert!(english.1.contains("CMOS image sensors"), "{}", english.1);
    english.1 = english.1.replacen("CMOS image sensors", "CMOS image sensors and cameras", 1);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(fields.iter().any(|(k, v)| *k == "version" && *v == version));
    let saved = app.post_form("/admin/companies/1/edit", Some(&cookie), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let history = app.get_as("/en/admin/companies/1/history", &cookie).await;
    let html = scraper::Html::parse_document(&history.body);
    let rows: Vec<String> =
        html.select(&scraper::Selector::parse("table.diff tbody th").unwrap()).map(|th| th.text().collect()).collect();
    assert_eq!(rows, ["Description (English)"], "only the changed field is listed");
    // Times on the park's clock, the zone named: stored 02:33Z reads 10:33.
    let stored: String = sqlx::query_scalar("select created_at from revision order by id desc limit 1")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let park_time = park_portal::catalog::park_time(&stored);
    history.assert_contains(&format!(
        "datetime=\"{stored}\">{park_time} <abbr title=\"Asia/Shanghai (UTC+8)\">China time</abbr>"
    ));
    // The newest entry whole: who, when, the one changed field with the words added marked, the undo link.
    // The time and the revision's id change from run to run: they are replaced by names.
    let revision: i64 = sqlx::query_scalar("select max(id) from revision").fetch_one(&app.state.pool).await.unwrap();
    let entry = html
        .select(&scraper::Selector::parse(".history-entry").unwrap())
        .next()
        .expect("a history entry")
        .html()
        .replace(&stored, "[created_at]")
        .replace(&park_time, "[park time]")
        .replace(&format!("/revert/{revision}"), "/revert/[revision]");
    insta::assert_snapshot!("history_entry_english_only_edit", entry);

    // Undo is a link to a page that asks; only its form undoes.
    let ask_url = format!("/en/admin/companies/1/revert/{revision}");
    history.assert_contains(&format!("href=\"{ask_url}\""));
    let ask = app.get_as(&ask_url, &cookie).await;
    assert_eq!(ask.status, StatusCode::OK);
    ask.assert_contains("Undo this change?");
    ask.assert_contains("<ins> and cameras</ins>");
    ask.assert_contains(&format!("action=\"{ask_url}\""));
    assert_eq!(app.count("select count(*) from revision where action = 'revert'").await, 0);
    let undone = app.post_form(&ask_url, Some(&cookie), &[]).await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from company where id = 1 and description_en like '%and cameras%'").await, 0);
    assert_eq!(app.get_as("/en/admin/companies/1/revert/999999", &cookie).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dashboard_lists_changes_and_missing_translations() {
    let (app, cookie) = signed_in().await;
    let page = app.get_as("/en/admin", &cookie).await;
    page.assert_contains("Missing English translations");
    // 长光华大 has no English name.
    page.assert_contains("长光华大");
    page.assert_contains("No changes yet.");
}

#[tokio::test]
async fn markdown_from_editors_is_sanitised_on_public_pages() {
    let (app, cookie) = signed_in().await;
    let edit = app.get_as("/admin/companies/4/edit", &cookie).await;
    let version = hidden(&edit.body, "version");
    let hostile = "Safe **bold**. <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>";
    let saved = app
        .post_form(
            "/admin/companies/4/edit",
            Some(&cookie),
            &[
                ("version", &version),
                ("slug", "changguang-daqi"),
                ("short_name_zh", "长光大器"),
                ("status", "active"),
                ("sector_ids", "7"),
                ("description_en", hostile),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get("/en/companies/changguang-daqi").await;
    page.assert_contains("Safe <strong>bold</strong>.");
    for bad in ["<script>alert(1)", "javascript:alert", "onerror"] {
        assert!(!page.body.contains(bad), "{bad} reached the public page");
    }
    // The card's one-line summary is plain text.
    let list = app.get("/en/companies?sector=intelligent-manufacturing").await;
    assert_eq!(list.card_slugs(), vec!["changguang-daqi".to_string()]);
    assert!(!list.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn backup_makes_a_checkable_copy_while_the_database_is_open() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("park.db");
    let copy = dir.path().join("copy.db");
    let bin = env!("CARGO_BIN_EXE_park-portal");
    assert!(Command::new(bin).args(["migrate", "--database"]).arg(&db).output().unwrap().status.success());
    let backup = Command::new(bin).arg("backup").arg(&copy).arg("--database").arg(&db).output().unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    let check = Command::new(bin).args(["check", "--database"]).arg(&copy).output().unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("integrity ok, foreign keys ok"));
    // The copy holds the park's facts, and an existing file is never overwritten.
    let again = Command::new(bin).arg("backup").arg(&copy).arg("--database").arg(&db).output().unwrap();
    assert!(!again.status.success());
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", copy.display())).await.unwrap();
    let companies: i64 = sqlx::query_scalar("select count(*) from company").fetch_one(&pool).await.unwrap();
    assert_eq!(companies, 5);
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_site_is_served_over_https() {
    let app = TestApp::with_settings(|s| s.secure_cookies = true).await;
    app.add_admin("editor", PASSWORD).await;
    let response = app.post_form("/admin/login", None, &[("username", "editor"), ("password", PASSWORD)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert!(response.set_cookie().contains("Secure"), "{}", response.set_cookie());
}

/// A value another entry holds in a unique column (a slug, a phase's number) is named beside its field, for
/// every entity that has one, and nothing is written.
#[tokio::test]
async fn a_taken_unique_value_is_named_beside_its_field() {
    let (app, cookie) = signed_in().await;
    let mut checked = 0;
    for entity in ENTITIES.iter().filter(|e| !e.unique.is_empty() && !e.singleton) {
        let pairs = minimal_form(entity, "taken");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let base = format!("/en/admin/{}", entity.key);
        let first = app.post_form(&format!("{base}/new"), Some(&cookie), &pairs).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}: the first entry is created", entity.key);
        let rows = app.count(&format!("select count(*) from {}", entity.table)).await;
        let second = app.post_form(&format!("{base}/new"), Some(&cookie), &pairs).await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", entity.key);
        second.assert_contains("Another entry already uses this value.");
        second.assert_contains(&format!("id=\"err-{}\"", entity.unique[0]));
        assert_eq!(app.count(&format!("select count(*) from {}", entity.table)).await, rows, "{}", entity.key);
        checked += 1;
    }
    assert_eq!(checked, 6, "companies, sectors, phases, posts, designations and competitions");
}
