//! The real binary on a fresh database and a loopback port, for the tests that need a process: the browser,
//! crashes, logs, backups. Requests are plain HTTP/1.1 over a socket, so nothing here hides what the server
//! actually sent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const EDITOR: &str = "editor";
pub const PASSWORD: &str = "lens-orbit-harbor-42";

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_park-portal")
}

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub db: PathBuf,
    /// Everything the server wrote to standard error (its log).
    pub log: PathBuf,
    extra_args: Vec<String>,
    dir: tempfile::TempDir,
}

impl Server {
    /// The portal on a fresh, seeded database with one staff account (`EDITOR` / `PASSWORD`).
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// As [`Server::start`], with more arguments for `serve` (such as `--log-format json`).
    pub fn start_with(extra_args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("park.db");
        let mut add = Command::new(binary())
            .args(["admin", "add", EDITOR, "--database"])
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        add.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        assert!(add.wait().unwrap().success(), "admin add failed");
        let log = dir.path().join("server.log");
        let extra_args: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        let (child, port) = spawn(&db, &log, &extra_args);
        Server { child, port, db, log, extra_args, dir }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        http(self.port, "GET", path, cookie, None)
    }

    pub fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        http(self.port, "POST", path, cookie, Some(&body))
    }

    /// Signs in as `EDITOR`; returns the session cookie (`name=value`).
    pub fn login(&self) -> String {
        let reply = self.post("/admin/login", None, &[("username", EDITOR), ("password", PASSWORD)]);
        assert_eq!(reply.status, 303, "sign-in failed: {}", reply.body);
        reply.session_cookie().expect("a session cookie")
    }

    /// Kills the process at once (SIGKILL: no shutdown, no flush), as a power cut would.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same database, once the killed process is gone (`kill_hard` waits for
    /// it). The new process gets a port of its own: the old one is never reused.
    pub fn restart(&mut self) {
        self.kill_hard();
        (self.child, self.port) = spawn(&self.db, &self.log, &self.extra_args);
    }
}

/// Starts `serve` on port 0 (the system picks a free port, so no other process can take it between our
/// choosing it and the server binding it), appending to `log`. Returns once the process has said which port
/// it listens on (its "listening on" log line) and answers `/healthz` with 200 there.
fn spawn(db: &Path, log: &Path, extra_args: &[String]) -> (Child, u16) {
    let file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    // The log is appended to across restarts: only what this process writes counts.
    let from = file.metadata().unwrap().len() as usize;
    let mut child = Command::new(binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(db)
        .args(extra_args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        let text = std::fs::read(log).unwrap();
        let ours = String::from_utf8_lossy(&text[from.min(text.len())..]).into_owned();
        if let Some(port) = listening_port(&ours) {
            break port;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the portal exited ({status}) before listening:\n{ours}");
        }
        assert!(Instant::now() < deadline, "the portal did not say it listens within 30 s:\n{ours}");
        std::thread::sleep(Duration::from_millis(10));
    };
    while http(port, "GET", "/healthz", None, None).status != 200 {
        assert!(Instant::now() < deadline, "the portal listens on {port} but is not ready within 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, port)
}

/// The port in the server's `listening on http://127.0.0.1:PORT` log line (plain text or JSON).
fn listening_port(log: &str) -> Option<u16> {
    let marker = "listening on http://127.0.0.1:";
    let rest = &log[log.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // A line still being written may end mid-number: wait for what follows it.
    if digits.len() == rest.len() {
        return None;
    }
    digits.parse().ok()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// One HTTP answer, as received.
#[derive(Debug)]
pub struct Reply {
    /// 0 when the server could not be reached or hung up without answering.
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// `park_session=…` from `Set-Cookie`, if set.
    pub fn session_cookie(&self) -> Option<String> {
        self.head.lines().filter_map(|l| l.split_once(':')).find_map(|(n, v)| {
            (n.eq_ignore_ascii_case("set-cookie") && v.trim().starts_with("park_session="))
                .then(|| v.trim().split(';').next().unwrap().to_string())
        })
    }
}

/// A minimal HTTP/1.1 exchange over a fresh connection. A form body is sent as a same-origin form post.
pub fn http(port: u16, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Reply {
    let failed = || Reply { status: 0, head: String::new(), body: String::new() };
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return failed() };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let body = form.unwrap_or("");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        request.push_str(&format!("Cookie: {c}\r\n"));
    }
    if form.is_some() {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nSec-Fetch-Site: same-origin\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    if stream.write_all(request.as_bytes()).is_err() {
        return failed();
    }
    let mut raw = Vec::new();
    if stream.read_to_end(&mut raw).is_err() && raw.is_empty() {
        return failed();
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply { status, head: head.to_string(), body: body.to_string() }
}
