//! Invitations: how someone becomes the editor of a company. Staff invite an email address; the invitee gets a
//! one-time link (random, valid [`VALID_DAYS`] days, used once, revocable) and sets a password with it. Only a
//! hash of the link's token is stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use sqlx::{SqliteConnection, SqlitePool};

use super::accounts::{self, Role};
use crate::i18n::Text;

/// How long an invitation link works.
pub const VALID_DAYS: i64 = 7;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitation {
    pub id: i64,
    pub company_id: i64,
    pub email: String,
    pub lang: String,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Whether `expires_at` has passed (worked out by the database, on the same clock that wrote it).
    pub expired: bool,
}

impl Invitation {
    /// Open: neither used, revoked nor expired.
    pub fn is_open(&self) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && !self.expired
    }
}

const COLUMNS: &str = "id, company_id, email, lang, invited_by, created_at, expires_at, used_at, revoked_at,
     expires_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now') as expired";

/// A new random token: 32 bytes from the operating system, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Records an invitation inside the caller's transaction (which also queues its mail) and returns its id.
pub async fn create_in(
    tx: &mut SqliteConnection,
    company_id: i64,
    email: &str,
    lang: &str,
    invited_by: &str,
    token: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into invitation (token_hash, company_id, email, lang, invited_by, expires_at)
         values (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)) returning id",
    )
    .bind(token_hash(token))
    .bind(company_id)
    .bind(email)
    .bind(lang)
    .bind(invited_by)
    .bind(format!("+{VALID_DAYS} days"))
    .fetch_one(&mut *tx)
    .await
}

/// The invitation a token opens, whatever its state (the page says why a used or expired one does not work).
pub async fn find_by_token(pool: &SqlitePool, token: &str) -> sqlx::Result<Option<Invitation>> {
    sqlx::query_as(&format!("select {COLUMNS} from invitation where token_hash = ?"))
        .bind(token_hash(token))
        .fetch_optional(pool)
        .await
}

pub async fn of_company(pool: &SqlitePool, company_id: i64) -> sqlx::Result<Vec<Invitation>> {
    sqlx::query_as(&format!("select {COLUMNS} from invitation where company_id = ? order by id desc"))
        .bind(company_id)
        .fetch_all(pool)
        .await
}

/// The newest invitations of every company, for the editors page.
pub async fn recent(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<Invitation>> {
    sqlx::query_as(&format!("select {COLUMNS} from invitation order by id desc limit ?"))
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Revokes an open invitation. False when it was not open (used, revoked already or unknown).
pub async fn revoke(pool: &SqlitePool, id: i64, by: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update invitation set revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), revoked_by = ?
         where id = ? and used_at is null and revoked_at is null",
    )
    .bind(by)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Why an invitation cannot be accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Unknown, used, revoked or expired: the link no longer works.
    #[error("the invitation is no longer valid")]
    Closed,
    /// The username or password breaks a rule; said beside the field.
    #[error("{}", .1.en)]
    Field(&'static str, Text),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Makes the editor account an invitation offers and uses the invitation up, in one transaction: two people
/// with the same link cannot both get an account. `password_hash` is hashed by the caller (off the runtime).
pub async fn accept(
    pool: &SqlitePool,
    token: &str,
    username: &str,
    password_hash: &str,
) -> Result<accounts::AdminUser, AcceptError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let invitation: Option<Invitation> =
        sqlx::query_as(&format!("select {COLUMNS} from invitation where token_hash = ?"))
            .bind(token_hash(token))
            .fetch_optional(&mut *tx)
            .await?;
    let invitation = invitation.filter(Invitation::is_open).ok_or(AcceptError::Closed)?;
    let taken: bool = sqlx::query_scalar("select count(*) > 0 from admin_user where username = ?")
        .bind(username)
        .fetch_one(&mut *tx)
        .await?;
    if taken {
        return Err(AcceptError::Field(
            "username",
            Text::new("这个用户名已被使用，请换一个。", "This username is taken; choose another."),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "insert into admin_user (username, password_hash, role, company_id, email, lang) values (?, ?, ?, ?, ?, ?)
         returning id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(Role::Editor)
    .bind(invitation.company_id)
    .bind(&invitation.email)
    .bind(&invitation.lang)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("update invitation set used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), used_by = ? where id = ?")
        .bind(id)
        .bind(invitation.id)
        .execute(&mut *tx)
        .await?;
    let account = sqlx::query_as(&format!("select {} from admin_user where id = ?", accounts::ACCOUNT_COLUMNS))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(username, company_id = invitation.company_id, invitation = invitation.id, "editor account made");
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_a_hash() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(!token_hash(&a).contains(&a));
    }
}
