//! Reliability with figures: crashes, racing saves, backups under writes, and what the logs say.
//!
//! Each test prints `FIGURE <name> = <value>` lines; `bench/reliability` runs them (with the load test, which
//! is too long for every CI run) and writes RELIABILITY.md. They run in CI as ordinary tests.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::server::{EDITOR, PASSWORD, Server, binary};

fn figure(name: &str, value: impl std::fmt::Display) {
    println!("FIGURE {name} = {value}");
}

/// A small deterministic generator, so a failing run can be repeated with the same seed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("PARK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        println!("seed {seed} (PARK_SEED={seed} repeats this run)");
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A milestone form: the smallest entry an editor can create.
fn milestone(title: &str) -> Vec<(&'static str, String)> {
    vec![("occurred_on", "2024-05".into()), ("kind", "other".into()), ("title_zh", title.into())]
}

/// Creates milestones titled `{prefix}{n}` until `stop` is set or the server stops answering, adding one to
/// `acked` as each save is acknowledged. Returns the (id, title) of every save the server acknowledged with
/// 303, and any other statuses it gave.
fn create_milestones(
    port: u16,
    cookie: &str,
    prefix: &str,
    stop: &AtomicBool,
    acked: &AtomicUsize,
) -> (Vec<(i64, String)>, Vec<u16>) {
    let mut acknowledged = Vec::new();
    let mut unexpected = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let title = format!("{prefix}{n}");
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(milestone(&title).iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let reply = common::server::http(port, "POST", "/admin/milestones/new", Some(cookie), Some(&form));
        match reply.status {
            303 => {
                let location = reply.header("location").expect("a Location");
                let id = location.trim_end_matches("/edit").rsplit('/').next().unwrap().parse().unwrap();
                acknowledged.push((id, title));
                acked.fetch_add(1, Ordering::SeqCst);
            }
            // the server was killed mid-request: this save was never acknowledged
            0 => break,
            other => unexpected.push(other),
        }
    }
    (acknowledged, unexpected)
}

/// Waits until `acked` reaches `n` (the writer's saves, not time, order the test's steps); panics after 60 s
/// or when the writer has stopped first.
fn wait_for_saves(acked: &AtomicUsize, n: usize, writer: &std::thread::JoinHandle<impl Sized>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < n {
        assert!(!writer.is_finished(), "the writer stopped after {} saves, before {n}", acked.load(Ordering::SeqCst));
        assert!(Instant::now() < deadline, "only {} of {n} saves within 60 s", acked.load(Ordering::SeqCst));
        std::thread::sleep(Duration::from_millis(1));
    }
}

async fn open_pool(path: &std::path::Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    sqlx::SqlitePool::connect_with(options).await.unwrap()
}

fn check_database(path: &std::path::Path) -> Result<(), String> {
    let out = Command::new(binary()).args(["check", "--database"]).arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() && text.contains("integrity ok") { Ok(()) } else { Err(text) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_saves_survive_sigkill() {
    let cycles: usize = std::env::var("PARK_CRASH_CYCLES").ok().and_then(|s| s.parse().ok()).unwrap_or(100);
    let mut rng = Rng::from_env();
    let mut server = Server::start();
    // Sessions live in SQLite too, so one sign-in survives every restart.
    let cookie = server.login();
    let mut acknowledged = Vec::new();
    let mut unexpected = Vec::new();
    let mut integrity_failures = Vec::new();
    let started = Instant::now();
    for cycle in 0..cycles {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (port, cookie, stop, acked) = (server.port, cookie.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || create_milestones(port, &cookie, &format!("崩溃测试 {cycle}-"), &stop, &acked))
        };
        // The kill comes after a random number of acknowledged saves (1 to 8), while the writer is sending the
        // next one: on an event, not after a time that may or may not have let a save through.
        wait_for_saves(&acked, 1 + rng.below(8) as usize, &writer);
        // Random jitter (0–3 ms) only moves the kill to a random point of that next save; nothing waits on it.
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        server.kill_hard();
        stop.store(true, Ordering::Relaxed);
        let (acked, other) = writer.join().unwrap();
        acknowledged.extend(acked);
        unexpected.extend(other);
        if let Err(report) = check_database(&server.db) {
            integrity_failures.push(format!("cycle {cycle}: {report}"));
        }
        server.restart();
    }
    server.kill_hard();
    let pool = open_pool(&server.db).await;
    let mut missing = Vec::new();
    for (id, title) in &acknowledged {
        let stored: Option<String> = sqlx::query_scalar("select title_zh from milestone where id = ?")
            .bind(id)
            .fetch_optional(&pool)
            .await
            .unwrap();
        if stored.as_deref() != Some(title) {
            missing.push((id, title, stored));
        }
    }
    figure("crash cycles (SIGKILL while saving)", cycles);
    figure("acknowledged saves", acknowledged.len());
    figure("acknowledged saves present after the kills", acknowledged.len() - missing.len());
    figure("integrity_check failures", integrity_failures.len());
    figure("crash test duration", format!("{:.1} s", started.elapsed().as_secs_f64()));
    assert!(acknowledged.len() >= cycles, "too few saves to mean anything: {}", acknowledged.len());
    assert!(missing.is_empty(), "acknowledged saves lost: {missing:?}");
    assert!(integrity_failures.is_empty(), "{integrity_failures:?}");
    assert!(unexpected.is_empty(), "saves answered with {unexpected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_is_consistent() {
    let server = Server::start();
    let cookie = server.login();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (port, cookie, stop, acked) = (server.port, cookie.clone(), stop.clone(), acked.clone());
        std::thread::spawn(move || create_milestones(port, &cookie, "备份测试 ", &stop, &acked))
    };
    // The backup starts once saves have been acknowledged, and the writer goes on until more are after it.
    wait_for_saves(&acked, 20, &writer);
    let copy = server.dir().join("copy.db");
    let backup = Command::new(binary()).arg("backup").arg(&copy).arg("--database").arg(&server.db).output().unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    let after_backup = acked.load(Ordering::SeqCst);
    wait_for_saves(&acked, after_backup + 20, &writer);
    stop.store(true, Ordering::Relaxed);
    let (acknowledged, unexpected) = writer.join().unwrap();
    assert!(unexpected.is_empty(), "saves answered with {unexpected:?}");
    check_database(&copy).expect("the copy passes integrity_check");

    // The copy is one moment of the source: each created row has its revision, and nothing half-written.
    let pool = open_pool(&copy).await;
    let rows: i64 = sqlx::query_scalar("select count(*) from milestone where title_zh like '备份测试 %'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let revisions: i64 = sqlx::query_scalar(
        "select count(*) from revision where entity = 'milestones' and action = 'create' and after_json like '%备份测试 %'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("select id from milestone where title_zh like '备份测试 %' order by id")
        .fetch_all(&pool)
        .await
        .unwrap();
    // A prefix of the acknowledged saves, in order: the copy is a moment, not a sample.
    let expected: Vec<i64> = acknowledged.iter().map(|(id, _)| *id).take(ids.len()).collect();
    figure("backup under writes: saves acknowledged during the test", acknowledged.len());
    figure("backup under writes: rows in the copy", rows);
    figure("backup under writes: create revisions in the copy", revisions);
    assert_eq!(rows, revisions, "rows and their revisions disagree in the copy");
    assert!(rows > 0 && (rows as usize) < acknowledged.len(), "the copy was not taken mid-writes: {rows}");
    assert_eq!(ids, expected);
}

#[test]
fn json_logs_carry_the_request_id_and_never_a_secret() {
    let server = Server::start_with(&["--log-format", "json"]);
    let wrong_password = "not-the-password-9";
    let refused = server.post("/admin/login", None, &[("username", EDITOR), ("password", wrong_password)]);
    assert_eq!(refused.status, 401);
    let request_id = refused.header("x-request-id").expect("an X-Request-Id").to_string();
    let cookie = server.login();
    let form = milestone("日志测试");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(server.post("/admin/milestones/new", Some(&cookie), &pairs).status, 303);
    assert_eq!(server.get("/no-such-page", None).status, 404);

    let log = std::fs::read_to_string(&server.log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let find = |message: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no log line {message:?} in:\n{log}"))
    };
    // The request's span, among the spans the line was written in.
    let request_span = |line: &serde_json::Value| {
        line["spans"].as_array().and_then(|spans| spans.iter().find(|s| s["name"] == "request")).cloned()
    };
    let failed = find("sign-in failed");
    let span = request_span(failed).expect("the request span");
    assert_eq!(span["id"], request_id.as_str());
    assert_eq!(span["path"], "/admin/login");
    assert_eq!(span["method"], "POST");
    assert_eq!(failed["fields"]["username"], EDITOR);
    for message in ["signed in", "revision recorded"] {
        let id = request_span(find(message)).and_then(|s| s["id"].as_str().map(str::to_string)).unwrap_or_default();
        assert_eq!(id.len(), 16, "{message}: request id {id:?}");
    }
    let session = cookie.split_once('=').unwrap().1;
    for secret in [PASSWORD, wrong_password, session] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
    assert!(!log.to_ascii_lowercase().contains("cookie"), "the log mentions cookies:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_saves_from_one_version_lose_nothing() {
    let pairs: usize = std::env::var("PARK_RACE_PAIRS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let app = Arc::new(common::TestApp::new().await);
    app.add_admin(EDITOR, PASSWORD).await;
    let cookie = Arc::new(app.login(EDITOR, PASSWORD).await);
    let (mut lost, mut conflicts) = (0, 0);
    let mut other_outcomes = Vec::new();
    for pair in 0..pairs {
        let version: i64 =
            sqlx::query_scalar("select version from company where id = 1").fetch_one(&app.state.pool).await.unwrap();
        let revisions_before = app.count("select count(*) from revision").await;
        let save = |who: &'static str| {
            let (app, cookie) = (app.clone(), cookie.clone());
            let text = format!("Race {pair}, editor {who}.");
            tokio::spawn(async move {
                let version = version.to_string();
                let form = [
                    ("version", version.as_str()),
                    ("slug", "gpixel"),
                    ("short_name_zh", "长光辰芯"),
                    ("short_name_en", "Gpixel"),
                    ("status", "active"),
                    ("sector_ids", "1"),
                    ("description_en", text.as_str()),
                ];
                let response = app.post_form("/en/admin/companies/1/edit", Some(&cookie), &form).await;
                let excerpt: String = response.body.chars().take(600).collect();
                (response.status.as_u16(), text, excerpt)
            })
        };
        let (a, b) = (save("A"), save("B"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let stored: String = sqlx::query_scalar("select description_en from company where id = 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        let revisions = app.count("select count(*) from revision").await - revisions_before;
        match (a.0, b.0) {
            (303, 409) | (409, 303) => {
                conflicts += 1;
                let winner = if a.0 == 303 { &a.1 } else { &b.1 };
                // The winner's text is stored, and exactly one revision says so.
                if &stored != winner || revisions != 1 {
                    lost += 1;
                }
            }
            (303, 303) => lost += 1,
            other => other_outcomes.push((other, a.2.clone(), b.2.clone())),
        }
    }
    figure("racing save pairs (same record, same version)", pairs);
    figure("racing pairs with a lost update", lost);
    figure("racing pairs where the loser got 409", conflicts);
    assert_eq!(lost, 0);
    assert!(other_outcomes.is_empty(), "pairs that were neither one save nor one conflict: {other_outcomes:#?}");
    assert_eq!(conflicts, pairs);
}
