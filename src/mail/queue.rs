//! The queue table, `mail_message`: adding a message (inside the caller's transaction), taking the next due
//! one, recording how an attempt went, and what staff see.

use std::time::Duration;

use sqlx::{SqliteConnection, SqlitePool};

use super::{KEEP_DAYS, Mail, lang_key, lang_of_key};
use crate::i18n::Lang;

/// Queues `mail` on the caller's connection: inside the caller's transaction, the message commits (and
/// later goes out) only if the change that caused it commits. Call [`super::Mailer::wake`] after the commit.
/// Returns the message's id.
pub async fn enqueue(conn: &mut SqliteConnection, mail: &Mail) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into mail_message (to_address, lang, subject, text_body, html_body)
         values (?, ?, ?, ?, ?) returning id",
    )
    .bind(&mail.to)
    .bind(lang_key(mail.lang))
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .fetch_one(conn)
    .await
}

/// A message taken for an attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Due {
    pub id: i64,
    pub to_address: String,
    pub lang: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: String,
    pub attempts: i64,
}

/// What is due: not sent, not given up, its time come. Every time here is `strftime('%Y-%m-%dT%H:%M:%fZ')`, UTC
/// with milliseconds, so SQLite compares them as text.
const DUE: &str = "sent_at is null and failed_at is null and next_attempt_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Takes the oldest due message and holds it for `lease` (its `next_attempt_at` moves to the lease's end), in
/// one statement: two senders (two processes on one database) never take the same message, and one that
/// stops mid-attempt leaves it to be taken again when the lease runs out.
pub(super) async fn take_due(pool: &SqlitePool, lease: Duration) -> sqlx::Result<Option<Due>> {
    // A read first: the idle poll then never takes SQLite's write lock, which other writers would wait for.
    let any: bool =
        sqlx::query_scalar(&format!("select exists (select 1 from mail_message where {DUE})")).fetch_one(pool).await?;
    if !any {
        return Ok(None);
    }
    sqlx::query_as(&format!(
        "update mail_message set next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
         where id = (select id from mail_message where {DUE} order by id limit 1)
         returning id, to_address, lang, subject, text_body, html_body, created_at, attempts"
    ))
    .bind(format!("+{} seconds", lease.as_secs()))
    .fetch_optional(pool)
    .await
}

/// The attempt delivered the message; `how` is `smtp` or the .eml file's name.
pub(super) async fn mark_sent(pool: &SqlitePool, id: i64, how: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update mail_message set sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), delivered_as = ?,
         attempts = attempts + 1, last_error = null where id = ?",
    )
    .bind(how)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The attempt failed with `error`: try again after `retry_in`, or, with `None`, give up.
pub(super) async fn mark_failed(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    retry_in: Option<Duration>,
) -> sqlx::Result<()> {
    // Errors can be long (a server's whole reply); the page shows a line of it.
    let error: String = error.chars().take(500).collect();
    let query = match retry_in {
        Some(delay) => sqlx::query(
            "update mail_message set attempts = attempts + 1, last_error = ?,
             next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) where id = ?",
        )
        .bind(error)
        .bind(format!("+{} seconds", delay.as_secs())),
        None => sqlx::query(
            "update mail_message set attempts = attempts + 1, last_error = ?,
             failed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = ?",
        )
        .bind(error),
    };
    query.bind(id).execute(pool).await?;
    Ok(())
}

/// Deletes sent and given-up messages older than [`KEEP_DAYS`]. Returns how many.
pub async fn prune(pool: &SqlitePool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "delete from mail_message
         where coalesce(sent_at, failed_at) < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
    )
    .bind(format!("-{KEEP_DAYS} days"))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A queued message as staff see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub to_address: String,
    #[sqlx(try_from = "String")]
    pub lang: LangKey,
    pub subject: String,
    pub text_body: String,
    pub created_at: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub failed_at: Option<String>,
    pub last_error: Option<String>,
    pub delivered_as: Option<String>,
}

/// `mail_message.lang` read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LangKey(pub Lang);

impl From<String> for LangKey {
    fn from(key: String) -> LangKey {
        LangKey(lang_of_key(&key))
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<'a> {
    /// Not tried yet.
    Waiting,
    /// Delivered: `how` is `smtp` or the .eml file's name.
    Sent { at: &'a str, how: &'a str },
    /// Tried and failed; tried again at `next`.
    Retrying { attempts: i64, next: &'a str, error: &'a str },
    /// Given up after its attempts.
    GivenUp { at: &'a str, attempts: i64, error: &'a str },
}

impl QueuedMail {
    pub fn status(&self) -> Status<'_> {
        let error = self.last_error.as_deref().unwrap_or_default();
        match (&self.sent_at, &self.failed_at) {
            (Some(at), _) => Status::Sent { at, how: self.delivered_as.as_deref().unwrap_or_default() },
            (None, Some(at)) => Status::GivenUp { at, attempts: self.attempts, error },
            (None, None) if self.attempts == 0 => Status::Waiting,
            (None, None) => Status::Retrying { attempts: self.attempts, next: &self.next_attempt_at, error },
        }
    }
}

/// The newest `limit` messages, newest first.
pub async fn recent(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<QueuedMail>> {
    sqlx::query_as(
        "select id, to_address, lang, subject, text_body, created_at, attempts, next_attempt_at, sent_at,
                failed_at, last_error, delivered_as
         from mail_message order by id desc limit ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many messages stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    /// Not sent yet (never tried, or retrying).
    pub waiting: i64,
    /// Of those waiting, tried and failed at least once.
    pub retrying: i64,
    pub sent: i64,
    pub given_up: i64,
}

pub async fn counts(pool: &SqlitePool) -> sqlx::Result<Counts> {
    sqlx::query_as(
        "select coalesce(sum(sent_at is null and failed_at is null), 0) as waiting,
                coalesce(sum(sent_at is null and failed_at is null and attempts > 0), 0) as retrying,
                coalesce(sum(sent_at is not null), 0) as sent,
                coalesce(sum(failed_at is not null), 0) as given_up
         from mail_message",
    )
    .fetch_one(pool)
    .await
}
