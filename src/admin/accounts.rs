//! Accounts (park staff and company editors): argon2id password hashes, the password policy, and sign-in
//! throttling.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sqlx::SqlitePool;

use crate::i18n::Text;

/// Failures within [`THROTTLE_WINDOW_MINUTES`] after which an account or address is refused.
pub const MAX_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub created_at: String,
    pub role: Role,
    /// The company an editor keeps (None for staff).
    pub company_id: Option<i64>,
    pub email: String,
    pub lang: String,
}

/// What an account may do: staff edit everything; an editor proposes changes to one company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Editor,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, username, password_hash, created_at, role, company_id, email, lang";

/// argon2id with OWASP's minimum: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the user does not exist, so both failures take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("not a real password, only for timing").unwrap_or_default());
    &DUMMY
}

/// 8–128 characters and not guessable (zxcvbn score of 3 or more: refuses common and dictionary passwords).
pub fn check_password_policy(password: &str, username: &str) -> Result<(), Text> {
    let chars = password.chars().count();
    if chars < 8 {
        return Err(Text::new("密码至少需要 8 个字符。", "The password needs at least 8 characters."));
    }
    if chars > 128 {
        return Err(Text::new("密码最多 128 个字符。", "The password can have at most 128 characters."));
    }
    let estimate = zxcvbn::zxcvbn(password, &[username, "park", "portal", "changchun"]);
    if (estimate.score() as u8) < 3 {
        return Err(Text::new(
            "这个密码太常见或太容易猜到，请换一个更长、更独特的密码。",
            "This password is too common or too easy to guess; choose a longer, less predictable one.",
        ));
    }
    Ok(())
}

pub fn check_username(username: &str) -> Result<(), Text> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Text::new(
            "用户名只能包含字母、数字、点、下划线和连字符（1–64 个字符）。",
            "A username has 1–64 letters, digits, dots, underscores or hyphens.",
        ))
    }
}

pub async fn find(pool: &SqlitePool, username: &str) -> sqlx::Result<Option<AdminUser>> {
    sqlx::query_as(&format!("select {ACCOUNT_COLUMNS} from admin_user where username = ?"))
        .bind(username)
        .fetch_optional(pool)
        .await
}

pub async fn find_by_id(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<AdminUser>> {
    sqlx::query_as(&format!("select {ACCOUNT_COLUMNS} from admin_user where id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn all(pool: &SqlitePool) -> sqlx::Result<Vec<AdminUser>> {
    sqlx::query_as(&format!("select {ACCOUNT_COLUMNS} from admin_user order by username")).fetch_all(pool).await
}

pub async fn add(pool: &SqlitePool, username: &str, password: &str) -> anyhow::Result<()> {
    check_username(username).map_err(|t| anyhow::anyhow!(t.en))?;
    check_password_policy(password, username).map_err(|t| anyhow::anyhow!(t.en))?;
    if find(pool, username).await?.is_some() {
        anyhow::bail!("an account named {username} already exists");
    }
    let hash = hash_password(password)?;
    sqlx::query("insert into admin_user (username, password_hash) values (?, ?)")
        .bind(username)
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Sets the address an account is mailed at and the language of its mail (`zh` or `en`); empty: none.
pub async fn set_mail(pool: &SqlitePool, username: &str, email: &str, lang: &str) -> anyhow::Result<()> {
    let done = sqlx::query(
        "update admin_user set email = ?, lang = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         where username = ?",
    )
    .bind(email)
    .bind(lang)
    .bind(username)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        anyhow::bail!("no account named {username}");
    }
    Ok(())
}

/// Changes a password; existing sessions of the account stop working (their auth hash no longer matches).
pub async fn set_password(pool: &SqlitePool, username: &str, password: &str) -> anyhow::Result<()> {
    check_password_policy(password, username).map_err(|t| anyhow::anyhow!(t.en))?;
    let hash = hash_password(password)?;
    let done = sqlx::query(
        "update admin_user set password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') where username = ?",
    )
    .bind(hash)
    .bind(username)
    .execute(pool)
    .await?;
    if done.rows_affected() != 1 {
        anyhow::bail!("no account named {username}");
    }
    Ok(())
}

pub async fn remove(pool: &SqlitePool, username: &str) -> anyhow::Result<()> {
    let done = sqlx::query("delete from admin_user where username = ?").bind(username).execute(pool).await?;
    if done.rows_affected() != 1 {
        anyhow::bail!("no account named {username}");
    }
    Ok(())
}

/// Company editors, by company then username; of one company when `company_id` is given.
pub async fn editors(pool: &SqlitePool, company_id: Option<i64>) -> sqlx::Result<Vec<AdminUser>> {
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from admin_user where role = 'editor' and (?1 is null or company_id = ?1)
         order by company_id, username"
    ))
    .bind(company_id)
    .fetch_all(pool)
    .await
}

/// Removes an editor's account (staff accounts are removed from the command line only). False if `id` is
/// not an editor.
pub async fn remove_editor(pool: &SqlitePool, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from admin_user where id = ? and role = 'editor'").bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Reserves a sign-in attempt before the password is checked: records it as failed unless the account or the
/// address has failed [`MAX_FAILURES`] times within [`THROTTLE_WINDOW_MINUTES`], and returns its id (None:
/// throttled). The check and the record are one statement, so however many attempts arrive at once, no more
/// than the limit get their password checked; [`attempt_succeeded`] corrects the record after a right password.
pub async fn reserve_attempt(pool: &SqlitePool, username: &str, address: &str) -> sqlx::Result<Option<i64>> {
    let window = format!("-{THROTTLE_WINDOW_MINUTES} minutes");
    sqlx::query_scalar(
        "insert into login_attempt (username, address, succeeded)
         select ?1, ?2, 0
         where (select count(*) from login_attempt where succeeded = 0 and username = ?1
                  and attempted_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) < ?4
           and (select count(*) from login_attempt where succeeded = 0 and address = ?2
                  and attempted_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) < ?4
         returning id",
    )
    .bind(username)
    .bind(address)
    .bind(window)
    .bind(MAX_FAILURES)
    .fetch_optional(pool)
    .await
}

/// Marks a reserved attempt as a successful sign-in.
pub async fn attempt_succeeded(pool: &SqlitePool, attempt: i64) -> sqlx::Result<()> {
    sqlx::query("update login_attempt set succeeded = 1 where id = ?").bind(attempt).execute(pool).await?;
    Ok(())
}

/// How long sign-in attempts are kept as the audit trail; older ones are dropped at start and then hourly.
pub const ATTEMPTS_KEPT_DAYS: u32 = 90;

/// Drops sign-in attempts older than [`ATTEMPTS_KEPT_DAYS`]. Run at start and on a timer, not per attempt,
/// so a flood of attempts cannot make each one scan the table. Returns how many were dropped.
pub async fn prune_attempts(pool: &SqlitePool) -> sqlx::Result<u64> {
    let done = sqlx::query("delete from login_attempt where attempted_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)")
        .bind(format!("-{ATTEMPTS_KEPT_DAYS} days"))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn old_attempts_are_pruned_and_recent_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("park.db")).await.unwrap();
        assert!(reserve_attempt(&pool, "editor", "127.0.0.1").await.unwrap().is_some());
        sqlx::query("insert into login_attempt (username, address, succeeded, attempted_at) values ('old', 'x', 0, '2020-01-01T00:00:00.000Z')")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(prune_attempts(&pool).await.unwrap(), 1);
        let left: Vec<String> =
            sqlx::query_scalar("select username from login_attempt").fetch_all(&pool).await.unwrap();
        assert_eq!(left, ["editor"]);
    }

    #[tokio::test]
    async fn attempts_past_the_limit_are_not_reserved_and_a_success_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("park.db")).await.unwrap();
        let first = reserve_attempt(&pool, "editor", "10.0.0.1").await.unwrap().unwrap();
        attempt_succeeded(&pool, first).await.unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(reserve_attempt(&pool, "editor", "10.0.0.1").await.unwrap().is_some());
        }
        assert_eq!(reserve_attempt(&pool, "editor", "10.0.0.2").await.unwrap(), None, "the account is throttled");
        assert_eq!(reserve_attempt(&pool, "other", "10.0.0.1").await.unwrap(), None, "and so is the address");
        assert!(reserve_attempt(&pool, "other", "10.0.0.2").await.unwrap().is_some());
    }

    #[test]
    fn policy_refuses_short_long_and_common() {
        assert!(check_password_policy("short", "admin").is_err());
        assert!(check_password_policy(&"x".repeat(129), "admin").is_err());
        assert!(check_password_policy("password123", "admin").is_err());
        assert!(check_password_policy("qwertyuiop", "admin").is_err());
        assert!(check_password_policy("admin2024!", "admin").is_err());
        assert!(check_password_policy("lens-orbit-harbor-42", "admin").is_ok());
    }

    #[test]
    fn hashes_verify() {
        let hash = hash_password("lens-orbit-harbor-42").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("lens-orbit-harbor-42", &hash));
        assert!(!verify_password("lens-orbit-harbor-43", &hash));
    }
}
