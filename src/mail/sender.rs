//! The [`Mailer`] and its background task: takes due messages oldest first, delivers each (SMTP or a file in
//! the outbox folder) and records how it went; a failure is tried again later, with backoff, up to
//! [`MAX_ATTEMPTS`] times.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::SqlitePool;
use tokio::sync::{Notify, watch};

use super::queue::{self, Due};
use super::{document, lang_of_key};
use crate::config::{Settings, SmtpUrl};

/// How often the sender looks for due messages without being woken: mail queued by another process, or a
/// retry whose time has come (the shortest backoff is longer than this).
pub const POLL_EVERY: Duration = Duration::from_secs(30);
/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// The wait after the first failure; doubled after each next one, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 60 * 60);
/// Each SMTP command's time limit, and the whole attempt's.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// A message taken for an attempt is not taken again (by this or another process) before this: longer than
/// an attempt can last, so only a sender that died mid-attempt leaves one to be retried.
const LEASE: Duration = Duration::from_secs(10 * 60);
/// How often old messages are pruned (see `KEEP_DAYS`).
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// How long [`Mailer::stop`] waits for the attempt in hand.
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// How mail leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Through an SMTP server (`--smtp-url`).
    Smtp(SmtpUrl),
    /// As `<id>-<UTC time>.eml` files (whole RFC 5322 messages) in this folder, made when first needed.
    Folder(PathBuf),
}

impl Delivery {
    /// SMTP when the settings name a server, otherwise their outbox folder.
    pub fn for_settings(settings: &Settings) -> Delivery {
        match &settings.smtp_url {
            Some(url) => Delivery::Smtp(url.clone()),
            None => Delivery::Folder(settings.outbox_dir.clone()),
        }
    }
}

/// Why a [`Mailer`] cannot be made (a setting is wrong: the server should not start).
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("the mail sender “{0}” (--mail-from) is not an e-mail address")]
    From(String),
    /// The URL is shown without its password.
    #[error("cannot use the SMTP server {url}: {source}")]
    Smtp { url: String, source: lettre::transport::smtp::Error },
}

/// What [`Delivery`] becomes: the SMTP client built once from the URL, or the folder.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// Sends queued mail in the background. Cheap to clone (one shared pointer).
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

struct Inner {
    pool: SqlitePool,
    delivery: Delivery,
    transport: Transport,
    from: Mailbox,
    wake: Notify,
    stopping: AtomicBool,
    /// Whether a sender task is running, for [`Mailer::stop`] to wait on.
    running: watch::Sender<bool>,
}

impl Mailer {
    /// A mailer over `pool` delivering as `delivery` from `from` (`name@domain` or `Name <name@domain>`).
    /// Nothing is sent until [`Mailer::spawn_sender`].
    pub fn new(pool: SqlitePool, delivery: Delivery, from: &str) -> Result<Mailer, MailerError> {
        let from: Mailbox = from.parse().map_err(|_| MailerError::From(from.to_string()))?;
        let transport = match &delivery {
            Delivery::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.secret())
                    .map_err(|source| MailerError::Smtp { url: url.to_string(), source })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            Delivery::Folder(dir) => Transport::Folder(dir.clone()),
        };
        let inner = Inner {
            pool,
            delivery,
            transport,
            from,
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
            running: watch::Sender::new(false),
        };
        Ok(Mailer(Arc::new(inner)))
    }

    pub fn delivery(&self) -> &Delivery {
        &self.0.delivery
    }

    /// The From header of every message.
    pub fn from_address(&self) -> String {
        self.0.from.to_string()
    }

    /// Tells the sender that mail was queued: call it after the transaction that queued it commits. Never
    /// waits; a wake while the sender is busy is kept for its next look.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Starts the background task that sends due mail: at once, when woken, and every [`POLL_EVERY`]. It
    /// runs on its own until [`Mailer::stop`]; a request never waits for it.
    pub fn spawn_sender(&self) -> tokio::task::JoinHandle<()> {
        self.0.running.send_replace(true);
        let mailer = self.clone();
        tokio::spawn(async move {
            mailer.send_forever().await;
            mailer.0.running.send_replace(false);
        })
    }

    /// Asks the sender to stop after the message in hand and waits for it, at most a few seconds (a message
    /// cut off mid-attempt is taken again when its lease ends). Call it at shutdown, before closing the pool.
    pub async fn stop(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
        self.0.wake.notify_one();
        let mut running = self.0.running.subscribe();
        if tokio::time::timeout(STOP_WITHIN, running.wait_for(|r| !*r)).await.is_err() {
            tracing::warn!("the mail sender did not stop in time; a message in hand is retried later");
        }
    }

    fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }

    async fn send_forever(&self) {
        let mut pruned: Option<Instant> = None;
        while !self.stopping() {
            self.send_due().await;
            if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                pruned = Some(Instant::now());
                match queue::prune(&self.0.pool).await {
                    Ok(0) => {}
                    Ok(dropped) => tracing::info!(dropped, "pruned old mail"),
                    Err(err) => tracing::warn!(error = %err, "cannot prune old mail"),
                }
            }
            tokio::select! {
                () = self.0.wake.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    }

    /// Sends every message due now, one at a time, oldest first. Returns how many were attempted.
    pub async fn send_due(&self) -> usize {
        let mut attempted = 0;
        while !self.stopping() {
            match queue::take_due(&self.0.pool, LEASE).await {
                Ok(Some(due)) => {
                    self.attempt(due).await;
                    attempted += 1;
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the mail queue");
                    break;
                }
            }
        }
        attempted
    }

    /// One attempt at one message, recorded.
    async fn attempt(&self, due: Due) {
        let outcome = match self.message(&due) {
            Ok(message) => self.deliver(due.id, message).await,
            // A message that cannot be built never will be: give up at once.
            Err(error) => Err((error, false)),
        };
        let pool = &self.0.pool;
        let recorded = match outcome {
            Ok(how) => {
                tracing::info!(id = due.id, how = %how, "mail sent");
                queue::mark_sent(pool, due.id, &how).await
            }
            Err((error, may_retry)) => {
                let attempts = due.attempts + 1;
                let retry_in = (may_retry && attempts < MAX_ATTEMPTS).then(|| backoff(attempts));
                tracing::warn!(id = due.id, attempts, error = %error, gave_up = retry_in.is_none(), "mail not sent");
                queue::mark_failed(pool, due.id, &error, retry_in).await
            }
        };
        if let Err(err) = recorded {
            // Its lease ends and it is taken again: delivered twice at worst, never lost.
            tracing::error!(id = due.id, error = %err, "cannot record a mail attempt");
        }
    }

    /// Delivers `message`: how (`smtp` or the file's name), or the error and whether trying again may help.
    async fn deliver(&self, id: i64, message: Message) -> Result<String, (String, bool)> {
        match &self.0.transport {
            Transport::Smtp(smtp) => match tokio::time::timeout(ATTEMPT_TIMEOUT, smtp.send(message)).await {
                Ok(Ok(_)) => Ok("smtp".to_string()),
                Ok(Err(err)) => Err((err.to_string(), true)),
                Err(_) => Err((format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()), true)),
            },
            Transport::Folder(dir) => write_eml(dir, id, &message).await.map_err(|err| (err, true)),
        }
    }

    /// The RFC 5322 message for a queued row: multipart/alternative (text, then HTML in the message's
    /// language), with a Message-ID of its own that stays the same on every attempt.
    fn message(&self, due: &Due) -> Result<Message, String> {
        let to: lettre::Address =
            due.to_address.parse().map_err(|err| format!("the address “{}”: {err}", due.to_address))?;
        let lang = lang_of_key(&due.lang);
        let html = document(lang, &due.subject, &due.html_body);
        let stamp: String = due.created_at.chars().filter(char::is_ascii_digit).collect();
        Message::builder()
            .from(self.0.from.clone())
            .to(Mailbox::new(None, to))
            .subject(due.subject.clone())
            .message_id(Some(format!("<{}.{stamp}.park-portal@{}>", due.id, self.0.from.email.domain())))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), lang.code().into()))
            .multipart(MultiPart::alternative_plain_html(due.text_body.clone(), html))
            .map_err(|err| format!("cannot build the message: {err}"))
    }
}

/// The wait before attempt `attempts + 1`: a minute, doubled after each failure, at most six hours.
fn backoff(attempts: i64) -> Duration {
    // Past 2^9 minutes the cap has long been reached: clamping keeps the power small.
    let doublings = u32::try_from(attempts.clamp(1, 21) - 1).unwrap_or(20);
    (FIRST_BACKOFF * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

/// Writes `message` as `<id>-<UTC time>.eml` in `dir` (made if missing), whole or not at all: it is
/// written under a hidden name and renamed. Returns the file's name.
async fn write_eml(dir: &Path, id: i64, message: &Message) -> Result<String, String> {
    let now = time::OffsetDateTime::now_utc();
    let name = format!(
        "{id}-{:04}{:02}{:02}T{:02}{:02}{:02}Z.eml",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let failed = |what: &str, err: std::io::Error| format!("cannot {what} in {}: {err}", dir.display());
    tokio::fs::create_dir_all(dir).await.map_err(|err| failed("make the outbox folder", err))?;
    let part = dir.join(format!(".{name}.part"));
    tokio::fs::write(&part, message.formatted()).await.map_err(|err| failed("write a message", err))?;
    tokio::fs::rename(&part, dir.join(&name)).await.map_err(|err| failed("write a message", err))?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_a_minute_up_to_six_hours() {
        let minutes: Vec<u64> = (1..=MAX_ATTEMPTS).map(|n| backoff(n).as_secs() / 60).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]);
        assert_eq!(backoff(1000), MAX_BACKOFF);
        assert_eq!(backoff(0), FIRST_BACKOFF);
    }
}
