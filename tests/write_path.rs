//! The write path from outside: another process writes and the serving one shows it without a restart; a row
//! the catalog cannot read is left out, reported, and stops nothing.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::TestApp;
use common::fixtures::{companies, company};

/// The portal's own binary, as an operator runs it.
fn portal(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_park-portal")).args(args).output().expect("run park-portal")
}

/// Polls `path` until its body contains `needle` (at most `limit`); returns how long that took.
async fn shows(app: &TestApp, path: &str, needle: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if app.get(path).await.body.contains(needle) {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_by_another_process_shows_without_a_restart() {
    let app = TestApp::new().await;
    let db = app.database();
    let db = db.to_str().unwrap();
    // The page is cached before the other process writes: the change must reach it anyway.
    let before = app.get("/en/companies/gpixel").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.body.contains("Gpixel (renamed elsewhere)"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("companies.csv");
    let file = file.to_str().unwrap();
    let exported = portal(&["export", "companies", "--output", file, "--database", db]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let csv = std::fs::read_to_string(file).unwrap();
    let renamed = csv.replacen(",Gpixel,", ",Gpixel (renamed elsewhere),", 1);
    assert_ne!(csv, renamed, "the export names Gpixel in a cell of its own");
    std::fs::write(file, renamed).unwrap();
    let imported = portal(&["import", "companies", file, "--apply", "--database", db]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));

    let waited = shows(&app, "/en/companies/gpixel", "Gpixel (renamed elsewhere)", Duration::from_secs(10)).await;
    let waited = waited.expect("the serving process shows the other process's import");
    eprintln!("an import by another process showed after {} ms", waited.as_millis());
    // The directory and the search index followed too.
    assert!(app.get("/en/companies?q=renamed").await.body.contains("Gpixel (renamed elsewhere)"));
    // One revision, by the command line's user.
    assert_eq!(app.count("select count(*) from revision where username = 'command-line'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_cannot_be_read_is_left_out_and_stops_nothing() {
    let app = TestApp::new().await;
    // What someone at the sqlite3 prompt could do: bytes that are not text in a text column, a fraction in a
    // year, and an ordinary name whose
    // first reading (ê) once broke the pinyin code.
    sqlx::raw_sql("update company set website = x'ff00', founded_year = 2012.5 where slug = 'gpixel'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    company("ainai").zh("欸乃光电").insert(&app).await;
    app.settle().await;
    assert_eq!(app.get("/companies/gpixel").await.status, StatusCode::NOT_FOUND, "the bad row is left out");
    assert_eq!(app.get("/companies").await.status, StatusCode::OK);
    let ainai = app.get("/en/companies/ainai").await;
    assert_eq!(ainai.status, StatusCode::OK);
    assert!(ainai.body.contains("欸乃光电"));

    // A new server on the same file starts, without that row.
    let db = app.database();
    let pool = park_portal::db::open(&db).await.expect("the database opens");
    let settings = park_portal::config::Settings::for_database(&db);
    let second = park_portal::app::start(pool, settings).await.expect("the server starts");
    assert!(second.catalog().company_by_slug("gpixel").is_none());
    assert!(second.catalog().company_by_slug("ainai").is_some());
    assert!(second.catalog().company_by_slug("changguang-huada").is_some());

    // `check` names the row and fails, so an operator finds it.
    let check = portal(&["check", "--database", db.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(!check.status.success());
    assert!(out.contains("left out of the public site: company row 1"), "{out}");

    // Staff can still open the entry and fix it.
    app.add_admin("editor", common::PASSWORD).await;
    let cookie = app.login("editor", common::PASSWORD).await;
    let edit = app.get_as("/admin/companies/1/edit", &cookie).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    app.exec_and_settle("update company set website = null, founded_year = 2012 where slug = 'gpixel'").await;
    assert_eq!(app.get("/companies/gpixel").await.status, StatusCode::OK, "fixed, it is back");
}

/// A first load reads whole tables many rows at a time; a bad row among them costs that row only, and the
/// rows come out as they do one at a time.
#[tokio::test]
async fn a_whole_table_read_gives_every_good_row_and_reports_each_bad_one() {
    use park_portal::db::{self, companies::CompanyRow};
    let app = TestApp::new().await;
    companies("bulk-", 12000).zh("批量").legal_en("Bulk ").insert(&app).await;
    let bad = [
        // a blob (SQLite cannot put it in JSON), a fraction in a year, bytes that are not UTF-8 in a name
        "update company set website = x'ff00' where slug = 'bulk-10'",
        "update company set founded_year = 2012.5 where slug = 'bulk-6000'",
        "update company set short_name_zh = cast(x'c328' as text) where slug = 'bulk-11999'",
    ];
    for sql in bad {
        sqlx::query(sql).execute(&app.state.pool).await.unwrap();
    }
    let mut conn = app.state.pool.acquire().await.unwrap();
    let (mut blocks, mut blocks_bad) = (Vec::<CompanyRow>::new(), Vec::new());
    db::select_all(&mut conn, db::companies::ALL_COMPANIES, |r| match r {
        Ok(row) => blocks.push(row),
        Err(bad) => blocks_bad.push(bad.id),
    })
    .await
    .unwrap();
    let (mut rows, mut rows_bad) = (Vec::<CompanyRow>::new(), Vec::new());
    db::select_each(&mut conn, db::companies::COMPANIES, None, |r| match r {
        Ok(row) => rows.push(row),
        Err(bad) => rows_bad.push(bad.id),
    })
    .await
    .unwrap();
    assert_eq!(blocks_bad.len(), 3, "{blocks_bad:?}");
    assert_eq!(blocks_bad, rows_bad);
    assert!(blocks.len() > 12_000 - 3);
    assert!(blocks.iter().any(|c| c.slug == "gpixel" && c.sector_ids == "[1]"), "links come along");
    assert_eq!(blocks, rows);
}

/// A database seeded before the seed migration's comments were reworded still opens: its recorded checksum
/// (of the first wording) is replaced, and only that one.
#[tokio::test]
async fn a_database_seeded_with_the_first_wording_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("park.db");
    let pool = park_portal::db::open(&db).await.unwrap();
    let first = "06af6b1f6e3f64ebfa817939a62411bb3c15a558e81f76806c7449eb9fe5cd1382e0d6ba149a1b3d89d6320ec40c75c3";
    let bytes: Vec<u8> =
        (0..first.len() / 2).map(|i| u8::from_str_radix(&first[2 * i..2 * i + 2], 16).unwrap()).collect();
    sqlx::query("update _sqlx_migrations set checksum = ? where version = 2")
        .bind(&bytes)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let pool = park_portal::db::open(&db).await.expect("an old database opens");
    let stored: Vec<u8> =
        sqlx::query_scalar("select checksum from _sqlx_migrations where version = 2").fetch_one(&pool).await.unwrap();
    assert_ne!(stored, bytes);
    // Any other checksum is still an edited migration, refused.
    sqlx::query("update _sqlx_migrations set checksum = x'00' where version = 2").execute(&pool).await.unwrap();
    pool.close().await;
    assert!(park_portal::db::open(&db).await.is_err());
}
