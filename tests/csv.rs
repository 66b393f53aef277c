//! CSV export and import in the admin, and the public CSV files: filters respected, BOM and quoting,
//! round trips that change nothing, previews row by row, one transaction per import, conflicts refused.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::fixtures::companies;
use common::{TestApp, TestResponse, hidden, signed_in};
use park_portal::admin::spec::ENTITIES;

const BOM: &str = "\u{feff}";

/// A hidden field's value on a page, with askama's HTML escapes undone.
/// Uploads `bytes` as the import file of `entity`; `prefix` is "" or "/en".
async fn upload(app: &TestApp, cookie: &str, prefix: &str, entity: &str, bytes: &[u8]) -> TestResponse {
    let boundary = "XparkCsvBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{entity}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        Method::POST,
        &format!("{prefix}/admin/{entity}/import"),
        Some(cookie),
        &[("content-type", &format!("multipart/form-data; boundary={boundary}")), ("sec-fetch-site", "same-origin")],
        Body::from(body),
    )
    .await
}

/// Confirms a preview page's import, skipping rows with errors.
async fn confirm(app: &TestApp, cookie: &str, prefix: &str, entity: &str, preview: &TestResponse) -> TestResponse {
    let (file, versions, writes) =
        (hidden(&preview.body, "file"), hidden(&preview.body, "versions"), hidden(&preview.body, "writes"));
    assert!(!file.is_empty(), "no file in the preview:\n{}", preview.body);
    app.post_form(
        &format!("{prefix}/admin/{entity}/import/confirm"),
        Some(cookie),
        &[("file", &file), ("versions", &versions), ("writes", &writes), ("skip_invalid", "1")],
    )
    .await
}

/// The rows of a CSV body (BOM stripped), header first.
fn rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix(BOM).expect("a BOM first");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// Everything an import could touch: every entity's export, every row's version, the revisions.
async fn snapshot(app: &TestApp, cookie: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in ENTITIES {
        out.push(app.get_as(&format!("/admin/{}/export", e.key), cookie).await.body);
        let versions: Option<String> = sqlx::query_scalar(&format!(
            "select group_concat(id || ':' || version || ':' || updated_at, ',') from {}",
            e.table
        ))
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        out.push(versions.unwrap_or_default());
    }
    out.push(app.count("select count(*) from revision").await.to_string());
    out.push(app.count("select count(*) from company_sector").await.to_string());
    out.push(app.count("select count(*) from company_designation").await.to_string());
    out
}

#[tokio::test]
async fn export_holds_exactly_the_filtered_rows_of_every_page_with_a_bom() {
    let (app, cookie) = signed_in().await;
    // More rows than one list page (50), a third of them in phase 1.
    companies("extra-phase-1-", 20).zh("附加企业甲").phase(1).insert(&app).await;
    companies("extra-", 40).zh("附加企业乙").insert(&app).await;
    app.settle().await;

    let out = app.get_as("/admin/companies/export?f_phase_id=1", &cookie).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(out.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(out.header("content-disposition"), "attachment; filename=\"companies.csv\"");
    assert!(out.body.starts_with(BOM));
    let table = rows(&out.body);
    assert_eq!(table[0][..3], ["id", "slug", "short_name_zh"]);
    assert_eq!(table[0][table[0].len() - 2..], ["sectors", "designations"]);
    let phase = table[0].iter().position(|c| c == "phase_id").unwrap();
    let ids: Vec<i64> = table[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    let expected: Vec<i64> = sqlx::query_scalar("select id from company where phase_id = 1 order by short_name_zh")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert!(expected.len() > 20, "the filter should select rows from several seeded and added companies");
    assert_eq!(ids, expected);
    assert!(table[1..].iter().all(|r| r[phase] == "1"));
    // The seeded Gpixel row: its sector by slug, its Chinese name intact.
    let gpixel = table.iter().find(|r| r[1] == "gpixel").expect("gpixel is in phase 1");
    assert_eq!(gpixel[2], "长光辰芯");
    assert_eq!(gpixel[gpixel.len() - 2], "core-components");

    // A search, in English, on the list's second page of results: all pages are exported.
    let out = app.get_as("/en/admin/companies/export?q=%E9%99%84%E5%8A%A0&page=2", &cookie).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(rows(&out.body).len() - 1, 60);
    // The list links to the export with its filters.
    let list = app.get_as("/admin/companies?f_phase_id=1&page=1", &cookie).await;
    list.assert_contains("href=\"/admin/companies/export?f_phase_id=1\"");
    list.assert_contains("href=\"/admin/companies/import\"");
    let list = app.get_as("/en/admin/sectors", &cookie).await;
    list.assert_contains("Export CSV");
    list.assert_contains("href=\"/en/admin/sectors/import\"");
    // A filter that does not exist is refused as on the list.
    assert_eq!(app.get_as("/admin/companies/export?f_phase_id=999", &cookie).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn exporting_and_importing_every_entity_unchanged_changes_nothing() {
    let (app, cookie) = signed_in().await;
    let before = snapshot(&app, &cookie).await;
    for e in ENTITIES {
        let file = app.get_as(&format!("/en/admin/{}/export", e.key), &cookie).await;
        assert_eq!(file.status, StatusCode::OK, "{}", e.key);
        let preview = upload(&app, &cookie, "/en", e.key, file.body.as_bytes()).await;
        assert_eq!(preview.status, StatusCode::OK, "{}: {}", e.key, preview.body);
        preview.assert_contains(">0</strong> <span>to create");
        preview.assert_contains(">0</strong> <span>to update");
        preview.assert_contains(">0</strong> <span>with errors");
        preview.assert_contains("This file would change nothing.");
        let done = confirm(&app, &cookie, "/en", e.key, &preview).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}: {}", e.key, done.body);
    }
    assert_eq!(snapshot(&app, &cookie).await, before);
}

/// The seeded park has no units or posts: the same round trip with some, their times, flags and links.
#[tokio::test]
async fn units_and_posts_come_back_from_their_own_file_unchanged() {
    let (app, cookie) = signed_in().await;
    app.exec_and_settle(
        "insert into unit (building_id, name_zh, name_en, floor, area_m2, kind, status, available_from, note_zh)
           values (1, '3层东侧', '3F east', '3', 420, 'office', 'available', '2027-03', '朝南'),
                  (2, '孵化工位', '', '', 6, 'incubator_desk', 'let', null, '');
         insert into post (slug, kind, status, publish_at, pinned, title_zh, title_en, body_zh)
           values ('open-day', 'announcement', 'published', '2026-05-01 09:00:30', 1, '开放日', 'Open day', '=1+1 **正文**'),
                  ('draft', 'news', 'draft', '2027-01-01 08:00', 0, '草稿', '', '');
         insert into post_phase values (1, 1);
         insert into post_building values (1, 2)",
    )
    .await;
    let before = snapshot(&app, &cookie).await;
    for key in ["units", "posts"] {
        let file = app.get_as(&format!("/en/admin/{key}/export"), &cookie).await;
        assert!(file.body.lines().count() == 3, "{key}: a header and two rows:\n{}", file.body);
        let preview = upload(&app, &cookie, "/en", key, file.body.as_bytes()).await;
        assert_eq!(preview.status, StatusCode::OK, "{key}: {}", preview.body);
        preview.assert_contains("This file would change nothing.");
        let done = confirm(&app, &cookie, "/en", key, &preview).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{key}: {}", done.body);
    }
    assert_eq!(snapshot(&app, &cookie).await, before);
    assert_eq!(app.count("select count(*) from post where publish_at = '2026-05-01 09:00:30' and pinned = 1").await, 1);
}

const MIXED: &str = "id,slug,short_name_zh,short_name_en,website,founded_year,status,sectors,notes\r\n\
,new-optics,\"新光学, 有限\",New Optics,https://new-optics.example,2019,active,laser;core-components,x\r\n\
2,changguang-huada,长光华大,Changguang Huada,,,active,,y\r\n\
3,yuanchen,圆辰,,not a url,nineteen,active,no-such-sector,z\r\n";

#[tokio::test]
async fn a_new_a_changed_and_an_invalid_row_are_previewed_and_the_good_ones_applied() {
    let (app, cookie) = signed_in().await;
    let revisions = app.count("select count(*) from revision").await;
    let companies = app.count("select count(*) from company").await;

    let preview = upload(&app, &cookie, "/en", "companies", MIXED.as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    preview.assert_contains(">1</strong> <span>to create");
    preview.assert_contains(">1</strong> <span>to update");
    preview.assert_contains(">1</strong> <span>with errors");
    preview.assert_contains("These columns are unknown and were ignored: <code>notes</code>");
    // Row numbers as the spreadsheet shows them, with what each row does.
    preview.assert_contains("<th scope=\"row\">2</th>");
    preview.assert_contains("新光学, 有限");
    preview.assert_contains("<th scope=\"row\">3</th>");
    preview.assert_contains("<span class=\"after\">Changguang Huada</span>");
    preview.assert_contains("<th scope=\"row\">4</th>");
    preview.assert_contains("Enter a full address starting with http:// or https://.");
    preview.assert_contains("Enter a whole number from 1900 to 2100.");
    preview.assert_contains("No such entries: no-such-sector.");
    assert_eq!(hidden(&preview.body, "writes"), "2,3");
    // The same file previewed in Chinese speaks Chinese.
    let zh = upload(&app, &cookie, "", "companies", MIXED.as_bytes()).await;
    zh.assert_contains("请输入以 http:// 或 https:// 开头的完整网址。");
    zh.assert_contains("条将新建");
    // Previewing saved nothing.
    assert_eq!(app.count("select count(*) from company").await, companies);

    let done = confirm(&app, &cookie, "/en", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.header("location"), "/en/admin/companies");
    let list = app.get_as("/en/admin/companies", &cookie).await;
    list.assert_contains("Imported: 1 created, 1 updated, 1 rows with errors skipped.");

    assert_eq!(app.count("select count(*) from company").await, companies + 1);
    assert_eq!(app.count("select count(*) from revision").await, revisions + 2);
    let (name, year, website): (String, i64, String) =
        sqlx::query_as("select short_name_zh, founded_year, website from company where slug = 'new-optics'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), year, website.as_str()), ("新光学, 有限", 2019, "https://new-optics.example/"));
    assert_eq!(
        app.count(
            "select count(*) from company_sector cs join sector s on s.id = cs.sector_id
             join company c on c.id = cs.company_id
             where c.slug = 'new-optics' and s.slug in ('laser', 'core-components')"
        )
        .await,
        2
    );
    // The update changed only its column, in one revision; the invalid row was left alone.
    assert_eq!(app.count("select count(*) from company where id = 2 and short_name_en = 'Changguang Huada'").await, 1);
    assert_eq!(app.count("select count(*) from revision where entity = 'companies' and entity_id = 2").await, 1);
    assert_eq!(app.count("select count(*) from company where id = 3 and website is null").await, 1);
    assert_eq!(app.count("select count(*) from revision where entity = 'companies' and entity_id = 3").await, 0);
    // Public pages show the import at once.
    app.get("/en/companies/new-optics").await.assert_contains("New Optics");
}

#[tokio::test]
async fn an_import_is_one_transaction_a_late_failure_leaves_nothing() {
    let (app, cookie) = signed_in().await;
    let file = "id,slug,short_name_zh,short_name_en,status\r\n\
        2,changguang-huada,长光华大,Changguang Huada,active\r\n\
        ,first-new,第一家,,active\r\n\
        ,second-new,第二家,,active\r\n";
    let preview = upload(&app, &cookie, "/en", "companies", file.as_bytes()).await;
    preview.assert_contains(">2</strong> <span>to create");
    let before = snapshot(&app, &cookie).await;
    // The database refuses the last row only (as a constraint would).
    sqlx::raw_sql(
        "create trigger refuse_second before insert on company when new.slug = 'second-new'
         begin select raise(abort, 'refused for the test'); end;",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let done = confirm(&app, &cookie, "/en", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
    done.assert_contains("Row 4 could not be saved");
    done.assert_contains("Nothing was imported.");
    assert_eq!(snapshot(&app, &cookie).await, before);
    assert_eq!(app.count("select count(*) from company where slug = 'first-new'").await, 0);
}

#[tokio::test]
async fn an_edit_between_preview_and_confirm_refuses_the_whole_import() {
    let (app, cookie) = signed_in().await;
    // Row 2 updates company 2; row 3 names company 4 and leaves it as it is.
    let file = "id,short_name_en\r\n2,Changguang Huada\r\n4,\r\n";
    let preview = upload(&app, &cookie, "", "companies", file.as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    // Someone saves company 4 (named in the file, unchanged by it) meanwhile.
    app.exec_and_settle("update company set short_name_en = 'Someone else', version = version + 1 where id = 4").await;
    let revisions = app.count("select count(*) from revision").await;
    let done = confirm(&app, &cookie, "/en", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
    done.assert_contains("were changed by someone else");
    done.assert_contains("nothing was imported");
    assert_eq!(app.count("select count(*) from company where id = 2 and short_name_en = ''").await, 1);
    assert_eq!(app.count("select count(*) from company where id = 4 and short_name_en = 'Someone else'").await, 1);
    assert_eq!(app.count("select count(*) from revision").await, revisions);

    // Without the meanwhile edit, the same preview would apply; an edit to an updated row is refused too.
    let preview = upload(&app, &cookie, "", "companies", file.as_bytes()).await;
    app.exec_and_settle("update company set version = version + 1 where id = 2").await;
    let done = confirm(&app, &cookie, "", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::CONFLICT);
    done.assert_contains("已被他人修改");
    assert_eq!(app.count("select count(*) from revision").await, revisions);
}

#[tokio::test]
async fn chinese_text_survives_export_and_import() {
    let (app, cookie) = signed_in().await;
    let description = "长春“光电”信息产业园, 北方光谷\n第二行：含逗号, 引号\"和换行";
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(["id", "description_zh"]).unwrap();
        w.write_record(["1", description]).unwrap();
    }
    // As Excel saves "CSV UTF-8": with a BOM.
    let file = [BOM.as_bytes(), &out].concat();
    let preview = upload(&app, &cookie, "", "companies", &file).await;
    preview.assert_contains(">1</strong> <span>条将修改");
    let done = confirm(&app, &cookie, "", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored: String =
        sqlx::query_scalar("select description_zh from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(stored, description);
    let export = app.get_as("/admin/companies/export", &cookie).await;
    let table = rows(&export.body);
    let column = table[0].iter().position(|c| c == "description_zh").unwrap();
    assert_eq!(table.iter().find(|r| r[0] == "1").unwrap()[column], description);
    // RFC 4180: records end in CRLF, quotes are doubled inside quoted cells.
    assert!(export.body.contains("\"长春“光电”信息产业园, 北方光谷\n第二行：含逗号, 引号\"\"和换行\""));
    assert!(export.body.contains("\r\n"));

    // A file in GBK (what Excel's plain "CSV" writes on a Chinese system) is read as GB18030, named so in the
    // preview, and imported with its Chinese intact.
    let gbk = b"id,short_name_zh\r\n1,\xb3\xa4\xb9\xe2\xb3\xbd\xd0\xbe\xb6\xfe\r\n";
    let preview = upload(&app, &cookie, "/en", "companies", gbk).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    preview.assert_contains("it was read as <strong>GB18030</strong>");
    preview.assert_contains("长光辰芯二");
    let done = confirm(&app, &cookie, "/en", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored: String =
        sqlx::query_scalar("select short_name_zh from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(stored, "长光辰芯二");
    // Bytes that are neither UTF-8 nor GB18030 are refused with a way out.
    let neither = b"id,short_name_zh\r\n1,\x81\x20\xff\r\n";
    let refused = upload(&app, &cookie, "/en", "companies", neither).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("CSV UTF-8 (Comma delimited)");
}

#[tokio::test]
async fn public_csv_files_are_open_data_in_the_import_format() {
    let (app, cookie) = signed_in().await;
    for (name, first) in
        [("companies", "长光辰芯"), ("awards", "id,company_id"), ("phases", "id,number"), ("sectors", "laser")]
    {
        let file = app.get(&format!("/data/{name}.csv")).await;
        assert_eq!(file.status, StatusCode::OK, "{name}");
        assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
        assert!(file.body.starts_with(BOM), "{name}");
        file.assert_contains(first);
        assert!(file.header("last-modified").ends_with(" GMT"), "{name}: {}", file.header("last-modified"));
    }
    assert_eq!(app.get("/en/data/companies.csv").await.status, StatusCode::NOT_FOUND);

    let file = app.get("/data/companies.csv").await;
    let table = rows(&file.body);
    let ids: Vec<i64> = table[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    let stored: Vec<i64> =
        sqlx::query_scalar("select id from company order by id").fetch_all(&app.state.pool).await.unwrap();
    assert_eq!(ids, stored, "every company by its stable id");

    // Conditional GETs, answered by the handler and then from the response cache.
    let last_modified = file.header("last-modified").to_string();
    app.state.page_cache.invalidate();
    for warm_the_cache in [false, true] {
        if warm_the_cache {
            assert_eq!(app.get("/data/companies.csv").await.status, StatusCode::OK);
        }
        let again = app
            .send(Method::GET, "/data/companies.csv", None, &[("if-modified-since", &last_modified)], Body::empty())
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());
        assert_eq!(again.header("last-modified"), last_modified);
    }
    let old = app
        .send(
            Method::GET,
            "/data/companies.csv",
            None,
            &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
            Body::empty(),
        )
        .await;
    assert_eq!(old.status, StatusCode::OK);

    // A downloaded public file goes through the importer and changes nothing.
    let before = snapshot(&app, &cookie).await;
    let preview = upload(&app, &cookie, "/en", "companies", file.body.as_bytes()).await;
    preview.assert_contains(">0</strong> <span>to create");
    preview.assert_contains(">0</strong> <span>to update");
    preview.assert_contains(">0</strong> <span>with errors");
    let done = confirm(&app, &cookie, "/en", "companies", &preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(snapshot(&app, &cookie).await, before);

    // After a write the file follows.
    app.exec_and_settle("update company set short_name_en = 'Renamed for the test' where id = 2").await;
    app.get("/data/companies.csv").await.assert_contains("Renamed for the test");
}

#[tokio::test]
async fn oversized_and_non_csv_uploads_get_clear_4xx_pages() {
    let (app, cookie) = signed_in().await;
    let big = vec![b'a'; 2 * 1024 * 1024 + 10];
    let refused = upload(&app, &cookie, "/en", "companies", &big).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    refused.assert_contains("The CSV file must be at most 2 MB.");

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let refused = upload(&app, &cookie, "/en", "companies", png).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("This is not a CSV file of these entries");
    refused.assert_contains("name=\"file\"");

    let refused = upload(&app, &cookie, "", "companies", "公司名称,地址\n长光,长春\n".as_bytes()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("这不是本类条目的 CSV 文件");

    let ragged = upload(&app, &cookie, "/en", "companies", b"id,slug\n1,gpixel,extra\n").await;
    assert_eq!(ragged.status, StatusCode::UNPROCESSABLE_ENTITY);
    ragged.assert_contains("Row 2 has 3 cells, but the header row has 2.");

    let empty = upload(&app, &cookie, "/en", "companies", b"").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Choose a CSV file.");

    // A confirmation that was tampered with or cut short.
    let bad =
        app.post_form("/en/admin/companies/import/confirm", Some(&cookie), &[("file", "%%%"), ("versions", "")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("upload the file again");
    assert_eq!(app.get_as("/admin/nothing/import", &cookie).await.status, StatusCode::NOT_FOUND);
    // The upload form, in both languages.
    app.get_as("/admin/companies/import", &cookie).await.assert_contains("上传并预览");
    app.get_as("/en/admin/companies/import", &cookie).await.assert_contains("Upload and preview");
    // Signed out: nothing.
    assert_ne!(app.get("/admin/companies/export").await.status, StatusCode::OK);
}

#[test]
fn the_command_line_exports_checks_and_imports() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("park.db");
    let bin = env!("CARGO_BIN_EXE_park-portal");
    let run = |args: &[&str]| {
        let out = Command::new(bin).args(args).arg("--database").arg(&db).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let exported = dir.path().join("sectors.csv");
    let (ok, _) = run(&["export", "sectors", "--output", exported.to_str().unwrap()]);
    assert!(ok);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.starts_with(BOM) && text.contains("core-components"));
    let (ok, out) = run(&["import", "sectors", exported.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("0 to create, 0 to update"), "{out}");

    let file = dir.path().join("new.csv");
    std::fs::write(&file, "slug,name_zh,sort_order\nphotonics,光子学,90\nBad Slug,坏,1\n").unwrap();
    let (ok, out) = run(&["import", "sectors", file.to_str().unwrap()]);
    assert!(ok && out.contains("1 to create, 0 to update, 0 unchanged, 1 with errors"), "{out}");
    assert!(out.contains("Nothing was written"), "{out}");
    let (ok, out) = run(&["import", "sectors", file.to_str().unwrap(), "--apply"]);
    assert!(!ok, "errors without --skip-invalid refuse the import: {out}");
    let (ok, out) = run(&["import", "sectors", file.to_str().unwrap(), "--apply", "--skip-invalid"]);
    assert!(ok && out.contains("Imported: 1 created, 0 updated."), "{out}");
    let (_, csv) = run(&["export", "sectors"]);
    assert!(csv.contains("photonics,光子学"), "{csv}");
    assert!(!run(&["export", "nothing"]).0);
}

/// Cells a spreadsheet would run as formulas are written with a leading `'` in the admin's export and the
/// public files, and an import of that export takes exactly the `'` off again: nothing changes.
#[tokio::test]
async fn formula_cells_are_neutralised_in_downloads_and_round_trip_unchanged() {
    let (app, cookie) = signed_in().await;
    app.exec_and_settle(
        "update company set description_en = '=HYPERLINK(\"http://evil.example\",\"x\")', short_name_en = '@SUM(1)',
                legal_name_en = '-2+3', highlights_en = '''=quoted already', founded_year = 2012, version = version + 1
         where id = 1",
    )
    .await;
    let before = snapshot(&app, &cookie).await;
    let guarded = ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(1)", "'-2+3", "''=quoted already"];

    let export = app.get_as("/en/admin/companies/export", &cookie).await;
    let table = rows(&export.body);
    let gpixel = table.iter().find(|r| r[0] == "1").unwrap();
    for cell in guarded {
        assert!(gpixel.iter().any(|c| c == cell), "{cell} in {gpixel:?}");
    }
    assert!(table.iter().flatten().all(|c| !c.starts_with(['=', '+', '@', '\t', '\r'])), "no cell starts a formula");

    // The public file follows the save: `exec_and_settle` waited for its rebuild in the background.
    let public = rows(&app.get("/data/companies.csv").await.body);
    let gpixel = public.iter().find(|r| r[0] == "1").unwrap();
    for cell in guarded {
        assert!(gpixel.iter().any(|c| c == cell), "{cell} in the public file: {gpixel:?}");
    }

    let preview = upload(&app, &cookie, "/en", "companies", export.body.as_bytes()).await;
    preview.assert_contains("This file would change nothing.");
    assert_eq!(snapshot(&app, &cookie).await, before);
    let stored: String =
        sqlx::query_scalar("select short_name_en from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(stored, "@SUM(1)");
}

/// The header row of every CSV the portal writes: the open-data files, the directory's and awards' result
/// downloads, and each admin export. Importers and spreadsheets rely on these names and their order, so the
/// rows are compared whole.
#[tokio::test]
async fn every_csv_header_row() {
    let (app, cookie) = signed_in().await;
    let mut headers = String::new();
    let mut add = |path: &str, body: &str| {
        let first = body.trim_start_matches(BOM).lines().next().unwrap_or_default().to_string();
        headers.push_str(&format!("{path}\n{first}\n\n"));
    };
    for dataset in ["companies", "awards", "phases", "sectors"] {
        let path = format!("/data/{dataset}.csv");
        let response = app.get(&path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        add(&path, &response.body);
    }
    for path in ["/companies.csv", "/awards.csv"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        add(path, &response.body);
    }
    for e in ENTITIES {
        let path = format!("/admin/{}/export", e.key);
        let response = app.get_as(&path, &cookie).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        add(&path, &response.body);
    }
    insta::assert_snapshot!("csv_header_rows", headers);
}
