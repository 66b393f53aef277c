//! Outgoing mail end to end: queued in a transaction, sent by the background task over real SMTP to a
//! listener this test runs (or written to the outbox folder), recorded, and shown to staff.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use common::{TestApp, signed_in};
use park_portal::config::SmtpUrl;
use park_portal::i18n::Lang;
use park_portal::mail::{Mail, enqueue};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What one SMTP conversation delivered.
#[derive(Debug)]
struct Delivered {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A minimal SMTP server on 127.0.0.1 (no TLS): answers every conversation with 220/250/354/221 and sends
/// each message it accepts to the returned channel. With `refuse`, it answers `MAIL FROM` with that reply
/// (a 4xx: try again later) instead.
async fn smtp_listener(refuse: Option<&'static str>) -> (SmtpUrl, mpsc::UnboundedReceiver<Delivered>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
    let url = SmtpUrl::parse(&format!("smtp://{}", listener.local_addr().unwrap())).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(converse(socket, refuse, tx.clone()));
        }
    });
    (url, rx)
}

async fn converse(socket: tokio::net::TcpStream, refuse: Option<&str>, tx: mpsc::UnboundedSender<Delivered>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut session = Delivered { mail_from: String::new(), rcpt_to: Vec::new(), data: String::new() };
    write.write_all(b"220 test.local ESMTP ready\r\n").await.unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
        let reply: &str = match verb.as_str() {
            "EHLO" => "250-test.local greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "MAIL" if refuse.is_some() => refuse.unwrap(),
            "MAIL" => {
                session.mail_from = line.clone();
                "250 2.1.0 ok\r\n"
            }
            "RCPT" => {
                session.rcpt_to.push(line.clone());
                "250 2.1.5 ok\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.unwrap();
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    // dot-stuffing undone (RFC 5321 4.5.2)
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                session.data = data;
                let done = std::mem::replace(
                    &mut session,
                    Delivered { mail_from: String::new(), rcpt_to: Vec::new(), data: String::new() },
                );
                tx.send(done).unwrap();
                "250 2.0.0 queued as T1\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await.unwrap();
                return;
            }
            _ => "250 ok\r\n",
        };
        write.write_all(reply.as_bytes()).await.unwrap();
    }
}

/// A test app whose mail goes to `url`.
async fn app_sending_to(url: SmtpUrl) -> TestApp {
    TestApp::with_settings(|settings| settings.smtp_url = Some(url)).await
}

/// Queues `mail` in a transaction, commits it and wakes the sender, as a handler would. Returns its id.
async fn queue(app: &TestApp, mail: &Mail) -> i64 {
    let mut tx = app.state.pool.begin().await.unwrap();
    let id = enqueue(&mut tx, mail).await.expect("queue a message");
    tx.commit().await.unwrap();
    app.state.mailer.wake();
    id
}

/// Runs SQL on the test database (the queue is no part of the public catalog: nothing to wait for).
async fn exec(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sql).execute(&app.state.pool).await.expect("fixture SQL");
}

/// Polls (at most 10 s) until `sql`, given the message's id, is true.
async fn until(app: &TestApp, id: i64, sql: &str) {
    for _ in 0..200 {
        let done: bool = sqlx::query_scalar(sql).bind(id).fetch_one(&app.state.pool).await.unwrap();
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("message {id}: `{sql}` did not become true within 10 s");
}

fn invitation() -> Mail {
    Mail::new(
        "zhang.wei@example.com",
        Lang::Zh,
        "邀请您编辑贵公司的资料",
        "张伟您好：\n\n请打开 https://park.test/admin/invite?t=abc&x=1 设置密码。\n\n长春光电信息产业园",
    )
    .unwrap()
}

#[tokio::test]
async fn a_queued_message_goes_out_over_smtp_as_text_and_html() {
    let (url, mut delivered) = smtp_listener(None).await;
    let app = app_sending_to(url).await;
    let id = queue(&app, &invitation()).await;

    let got = tokio::time::timeout(Duration::from_secs(10), delivered.recv())
        .await
        .expect("the listener received a message within 10 s")
        .unwrap();
    assert_eq!(got.mail_from, "MAIL FROM:<park-portal@localhost>", "{got:?}");
    assert_eq!(got.rcpt_to, ["RCPT TO:<zhang.wei@example.com>"]);
    let message = Message::parse(&got.data);
    assert_eq!(message.header("To"), "zhang.wei@example.com");
    assert_eq!(message.header("From"), "park-portal@localhost");
    assert_eq!(decode_words(&message.header("Subject")), "邀请您编辑贵公司的资料");
    assert_eq!(message.header("Content-Language"), "zh-CN");
    assert!(message.header("Content-Type").starts_with("multipart/alternative;"), "{}", got.data);
    let (text, html) = (message.part("text/plain"), message.part("text/html"));
    assert!(text.contains("请打开 https://park.test/admin/invite?t=abc&x=1 设置密码。"), "{text}");
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://park.test/admin/invite?t=abc&amp;x=1\">https://park.test/admin/invite?t=abc&amp;x=1</a>"
        ),
        "{html}"
    );

    until(&app, id, "select sent_at is not null from mail_message where id = ?").await;
    let (how, attempts, error): (String, i64, Option<String>) =
        sqlx::query_as("select delivered_as, attempts, last_error from mail_message where id = ?")
            .bind(id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((how.as_str(), attempts, error), ("smtp", 1, None));
}

#[tokio::test]
async fn a_server_that_says_try_later_leaves_the_message_for_a_retry() {
    let (url, mut delivered) = smtp_listener(Some("451 4.3.0 mailbox busy, try again later\r\n")).await;
    let app = app_sending_to(url).await;
    let id = queue(&app, &invitation()).await;

    until(&app, id, "select attempts > 0 from mail_message where id = ?").await;
    let (attempts, sent, failed, error): (i64, Option<String>, Option<String>, String) =
        sqlx::query_as("select attempts, sent_at, failed_at, last_error from mail_message where id = ?")
            .bind(id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((attempts, sent, failed), (1, None, None));
    assert!(error.contains("451") || error.contains("try again later"), "{error}");
    // The first backoff (a minute), not the lease an attempt holds (ten minutes), nor now.
    let retry_in: f64 = sqlx::query_scalar(
        "select (julianday(next_attempt_at) - julianday('now')) * 86400 from mail_message where id = ?",
    )
    .bind(id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert!((30.0..=61.0).contains(&retry_in), "next try in {retry_in} s");
    assert!(delivered.try_recv().is_err(), "nothing was accepted");
    // Woken again before its time, the sender leaves it alone.
    app.state.mailer.wake();
    assert_eq!(app.state.mailer.send_due().await, 0);
}

#[tokio::test]
async fn a_message_is_given_up_after_its_last_attempt_and_pruned_later() {
    let (url, _delivered) = smtp_listener(Some("451 4.3.0 mailbox busy, try again later\r\n")).await;
    let app = app_sending_to(url).await;
    let id = queue(&app, &invitation()).await;
    until(&app, id, "select attempts = 1 from mail_message where id = ?").await;
    // As if eight more retries had failed and the last one's time had come.
    exec(
        &app,
        &format!("update mail_message set attempts = 9, next_attempt_at = '2000-01-01T00:00:00.000Z' where id = {id}"),
    )
    .await;
    app.state.mailer.wake();
    until(&app, id, "select failed_at is not null from mail_message where id = ?").await;
    let (attempts, sent): (i64, Option<String>) =
        sqlx::query_as("select attempts, sent_at from mail_message where id = ?")
            .bind(id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((attempts, sent), (10, None));

    // Kept for 90 days, then pruned; a waiting message never is.
    let waiting = queue(&app, &invitation()).await;
    exec(
        &app,
        &format!(
            "update mail_message set failed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-89 days') where id = {id}"
        ),
    )
    .await;
    assert_eq!(park_portal::mail::prune(&app.state.pool).await.unwrap(), 0);
    exec(
        &app,
        &format!(
            "update mail_message set failed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-91 days') where id = {id}"
        ),
    )
    .await;
    assert_eq!(park_portal::mail::prune(&app.state.pool).await.unwrap(), 1);
    let left: Vec<i64> = sqlx::query_scalar("select id from mail_message").fetch_all(&app.state.pool).await.unwrap();
    assert_eq!(left, [waiting]);
}

#[tokio::test]
async fn without_smtp_each_message_is_written_to_the_outbox_folder() {
    let app = TestApp::new().await;
    let outbox = app.state.settings.outbox_dir.clone();
    assert_eq!(outbox, app.database().parent().unwrap().join("outbox"));
    let mail = Mail::new("li.na@example.com", Lang::En, "Your account", "Hello Li Na,\n\nwelcome.").unwrap();
    let id = queue(&app, &mail).await;

    until(&app, id, "select sent_at is not null from mail_message where id = ?").await;
    let file: String = sqlx::query_scalar("select delivered_as from mail_message where id = ?")
        .bind(id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(file.starts_with(&format!("{id}-")) && file.ends_with("Z.eml"), "{file}");
    let files: Vec<String> =
        std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files, std::slice::from_ref(&file), "one whole file, no partial one");
    let eml = std::fs::read_to_string(outbox.join(&file)).unwrap();
    let message = Message::parse(&eml);
    assert_eq!(message.header("To"), "li.na@example.com");
    assert_eq!(message.header("Subject"), "Your account");
    assert!(message.part("text/plain").contains("Hello Li Na,"));
    assert!(message.part("text/html").contains("<p>Hello Li Na,</p>\n<p>welcome.</p>"));
}

#[tokio::test]
async fn mail_queued_in_a_transaction_that_rolls_back_is_never_sent() {
    let app = TestApp::new().await;
    let mut tx = app.state.pool.begin().await.unwrap();
    enqueue(&mut tx, &invitation()).await.unwrap();
    tx.rollback().await.unwrap();
    app.state.mailer.wake();
    assert_eq!(app.state.mailer.send_due().await, 0);
    assert_eq!(app.count("select count(*) from mail_message").await, 0);
    assert!(!app.state.settings.outbox_dir.exists(), "no file was written");
}

#[tokio::test]
async fn staff_see_the_queue_and_where_mail_goes() {
    let (app, cookie) = signed_in().await;
    let id = queue(&app, &invitation()).await;
    until(&app, id, "select sent_at is not null from mail_message where id = ?").await;
    let file: String =
        sqlx::query_scalar("select delivered_as from mail_message").fetch_one(&app.state.pool).await.unwrap();

    let page = app.get_as("/en/admin/mail", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Outgoing mail</h1>");
    page.assert_contains("<td>zhang.wei@example.com</td>");
    page.assert_contains("<td lang=\"zh-CN\"><details><summary>邀请您编辑贵公司的资料</summary>");
    page.assert_contains("<td>Chinese</td>");
    page.assert_contains("<span class=\"status status-delivered\">Sent</span>");
    page.assert_contains(&format!("file <code>{file}</code>"));
    page.assert_contains(&format!(
        "<code>{}</code>",
        std::path::absolute(&app.state.settings.outbox_dir).unwrap().display()
    ));
    page.assert_contains("0 waiting (0 after a failed attempt) · 1 sent · 0 given up");
    page.assert_contains("href=\"/en/admin/mail\"");

    let zh = app.get_as("/admin/mail", &cookie).await;
    assert_eq!(zh.status, StatusCode::OK);
    zh.assert_contains("<h1>发出的邮件</h1>");
    zh.assert_contains("已发送 1 封");

    for path in ["/admin/mail", "/en/admin/mail"] {
        let anonymous = app.get(path).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path}");
        assert!(anonymous.header("location").contains("/login?next="), "{path}");
        assert!(!anonymous.body.contains("zhang.wei"), "{path}");
    }
}

#[tokio::test]
async fn staff_see_a_retry_and_its_error() {
    let (url, _delivered) = smtp_listener(Some("451 4.3.0 mailbox busy, try again later\r\n")).await;
    let app = app_sending_to(url.clone()).await;
    app.add_admin("editor", common::PASSWORD).await;
    let cookie = app.login("editor", common::PASSWORD).await;
    let id = queue(&app, &invitation()).await;
    until(&app, id, "select attempts > 0 from mail_message where id = ?").await;

    let page = app.get_as("/en/admin/mail", &cookie).await;
    page.assert_contains(&format!("<code>{}:{}</code> (unencrypted)", url.host(), url.port()));
    page.assert_contains("<span class=\"status status-building\">Retrying</span>");
    page.assert_contains("1 failed attempt; next try");
    page.assert_contains("mailbox busy");
    page.assert_contains("1 waiting (1 after a failed attempt)");
}

/// A received message: its unfolded headers and its body.
struct Message {
    headers: Vec<(String, String)>,
    body: String,
}

impl Message {
    fn parse(text: &str) -> Message {
        let (head, body) = text.split_once("\r\n\r\n").expect("headers, a blank line, a body");
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                headers.last_mut().expect("a header to continue").1.push_str(line);
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.to_string(), value.trim().to_string()));
            }
        }
        Message { headers, body: body.to_string() }
    }

    fn header(&self, name: &str) -> String {
        let found = self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The decoded body of the (first) part of this MIME type in a multipart message, with `\n` line ends.
    fn part(&self, mime: &str) -> String {
        let content_type = self.header("Content-Type");
        let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"');
        for part in self.body.split(&format!("--{boundary}")).skip(1) {
            let part = Message::parse(part.trim_start_matches("\r\n"));
            if part.header("Content-Type").starts_with(mime) {
                let body = match part.header("Content-Transfer-Encoding").to_ascii_lowercase().as_str() {
                    "base64" => base64_text(&part.body),
                    "quoted-printable" => quoted_printable(&part.body),
                    _ => part.body,
                };
                return body.replace("\r\n", "\n");
            }
        }
        panic!("no {mime} part in:\n{}", self.body)
    }
}

fn base64_text(encoded: &str) -> String {
    let clean: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(clean).expect("base64")).expect("UTF-8")
}

fn quoted_printable(encoded: &str) -> String {
    let joined = encoded.replace("=\r\n", "");
    let mut bytes = Vec::new();
    let mut rest = joined.as_bytes();
    while let Some((&first, after)) = rest.split_first() {
        if first == b'=' && after.len() >= 2 {
            let hex = std::str::from_utf8(&after[..2]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).expect("=XX"));
            rest = &after[2..];
        } else {
            bytes.push(first);
            rest = after;
        }
    }
    String::from_utf8(bytes).expect("UTF-8")
}

/// An RFC 2047 header value (`=?utf-8?b?…?=` words) decoded.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let inner = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")).expect("an encoded word");
        let mut fields = inner.splitn(3, '?');
        let (charset, encoding, text) = (fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap());
        assert!(charset.eq_ignore_ascii_case("utf-8") && encoding.eq_ignore_ascii_case("b"), "{word}");
        out.push_str(&base64_text(text));
    }
    out
}
