//! Entry applications (入驻申请) as stored (migration 0015): a visitor's application, under a per-address
//! limit; the staff's inbox (filters, paging, statuses, assignment, a log of notes); deletion on request; and
//! the anonymising of personal data after the keeping time.

use sqlx::{FromRow, SqlitePool};

use crate::i18n::Text;

/// Applications one address may send in an hour.
pub const APPLICATIONS_PER_HOUR: i64 = 3;
/// Rows on one page of the inbox.
pub const PER_PAGE: i64 = 50;

/// The statuses an application moves through (stored value, Chinese, English), in order.
pub const STATUSES: &[(&str, &str, &str)] = &[
    ("new", "新申请", "New"),
    ("contacted", "已联系", "Contacted"),
    ("visit_arranged", "已约看房", "Visit arranged"),
    ("signed", "已签约", "Signed"),
    ("declined", "未达成", "Declined"),
];

pub fn status_label(status: &str) -> Text {
    STATUSES.iter().find(|s| s.0 == status).map(|s| Text::new(s.1, s.2)).unwrap_or_else(|| Text::new(status, status))
}

/// What a visitor sends.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub company_name: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    pub sector_id: Option<i64>,
    pub space_kind: Option<String>,
    pub area_m2: Option<i64>,
    pub wanted_from: Option<String>,
    pub unit_id: Option<i64>,
    pub message: String,
    /// `zh` or `en`.
    pub lang: &'static str,
}

#[derive(Debug, Clone, FromRow)]
pub struct Application {
    pub id: i64,
    pub reference: String,
    pub company_name: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    pub sector_id: Option<i64>,
    pub space_kind: Option<String>,
    pub area_m2: Option<i64>,
    pub wanted_from: Option<String>,
    pub unit_id: Option<i64>,
    pub message: String,
    pub lang: String,
    pub status: String,
    pub assigned_to: Option<i64>,
    /// The assigned account's name.
    pub assignee: Option<String>,
    pub anonymised_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Application {
    /// The phone number for a `tel:` link: its digits and a leading `+` (a URL takes no spaces).
    pub fn tel(&self) -> String {
        self.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Note {
    pub author: String,
    pub body: String,
    pub created_at: String,
}

const COLUMNS: &str = "a.id, a.reference, a.company_name, a.contact_name, a.phone, a.email, a.sector_id, a.space_kind,
    a.area_m2, a.wanted_from, a.unit_id, a.message, a.lang, a.status, a.assigned_to, u.username as assignee,
    a.anonymised_at, a.created_at, a.updated_at";

/// A reference nobody can guess or count from: `RZ-20261203-K7Q2MX` (the day in Beijing, six characters from an
/// alphabet without look-alikes).
fn new_reference() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let random = uuid::Uuid::new_v4();
    let code: String =
        random.as_bytes()[..6].iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    let today = time::OffsetDateTime::now_utc().to_offset(crate::db::PARK_OFFSET).date();
    format!("RZ-{:04}{:02}{:02}-{code}", today.year(), u8::from(today.month()), today.day())
}

/// Whether `text` has a reference's shape (`RZ-`, eight digits, `-`, six characters): what a page may show back.
pub fn is_reference(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), ["RZ", day, code]
        if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit())
            && code.len() == 6 && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

/// Stores an application on `conn` (the caller's transaction, which queues the staff's notice with it) unless
/// `address` sent [`APPLICATIONS_PER_HOUR`] within the hour: its id and reference, or None when refused.
pub async fn insert(
    conn: &mut sqlx::SqliteConnection,
    a: &NewApplication,
    address: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    // A reference already taken (one in a billion) is drawn again.
    for _ in 0..3 {
        let reference = new_reference();
        let id: Option<i64> = sqlx::query_scalar(
            "insert into application (reference, company_name, contact_name, phone, email, sector_id, space_kind,
                                      area_m2, wanted_from, unit_id, message, lang, client_address)
             select ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
             where (select count(*) from application where client_address = ?13
                      and created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')) < ?14
               and not exists (select 1 from application where reference = ?1)
             returning id",
        )
        .bind(&reference)
        .bind(&a.company_name)
        .bind(&a.contact_name)
        .bind(&a.phone)
        .bind(&a.email)
        .bind(a.sector_id)
        .bind(&a.space_kind)
        .bind(a.area_m2)
        .bind(&a.wanted_from)
        .bind(a.unit_id)
        .bind(&a.message)
        .bind(a.lang)
        .bind(address)
        .bind(APPLICATIONS_PER_HOUR)
        .fetch_optional(&mut *conn)
        .await?;
        match id {
            Some(id) => {
                tracing::info!(application = id, "entry application stored");
                return Ok(Some((id, reference)));
            }
            None if reference_taken(&mut *conn, &reference).await? => continue,
            None => return Ok(None),
        }
    }
    Ok(None)
}

async fn reference_taken(conn: &mut sqlx::SqliteConnection, reference: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from application where reference = ?)")
        .bind(reference)
        .fetch_one(conn)
        .await
}

/// What the inbox is asked for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    /// An account id, or 0 for "nobody".
    pub assigned: Option<i64>,
    pub page: i64,
}

impl Filter {
    fn clause(&self) -> (String, Vec<String>) {
        let mut clause = String::from("where 1 = 1");
        let mut binds = Vec::new();
        if let Some(status) = &self.status {
            clause.push_str(" and a.status = ?");
            binds.push(status.clone());
        }
        match self.assigned {
            Some(0) => clause.push_str(" and a.assigned_to is null"),
            Some(id) => {
                clause.push_str(" and a.assigned_to = ?");
                binds.push(id.to_string());
            }
            None => {}
        }
        (clause, binds)
    }
}

/// One page of the inbox, newest first, and how many match in all.
pub async fn list(pool: &SqlitePool, filter: &Filter, limit: i64) -> sqlx::Result<(Vec<Application>, i64)> {
    let (clause, binds) = filter.clause();
    let sql = format!(
        "select {COLUMNS} from application a left join admin_user u on u.id = a.assigned_to {clause}
         order by a.id desc limit ? offset ?"
    );
    let mut query = sqlx::query_as::<_, Application>(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let offset = (filter.page.max(1) - 1).saturating_mul(limit.max(0));
    let rows = query.bind(limit).bind(offset).fetch_all(pool).await?;
    let count_sql = format!("select count(*) from application a {clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    Ok((rows, count.fetch_one(pool).await?))
}

/// Applications per status, for the inbox's filter and the admin header.
pub async fn counts(pool: &SqlitePool) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("select status, count(*) from application group by status").fetch_all(pool).await
}

pub async fn new_count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from application where status = 'new'").fetch_one(pool).await
}

pub async fn get(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from application a left join admin_user u on u.id = a.assigned_to where a.id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn notes(pool: &SqlitePool, id: i64) -> sqlx::Result<Vec<Note>> {
    sqlx::query_as("select author, body, created_at from application_note where application_id = ? order by id")
        .bind(id)
        .fetch_all(pool)
        .await
}

/// Adds a note to the log, and with it the change it records (a status, an assignment) when one is given.
async fn log(
    pool: &SqlitePool,
    id: i64,
    author: &str,
    body: &str,
    change: Option<(&'static str, Option<String>)>,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    if let Some((column, value)) = &change {
        debug_assert!(matches!(*column, "status" | "assigned_to"));
        let done = sqlx::query(&format!(
            "update application set {column} = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') where id = ?"
        ))
        .bind(value.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
    }
    let done = sqlx::query(
        "insert into application_note (application_id, author, automatic, body)
         select id, ?, ?, ? from application where id = ?",
    )
    .bind(author)
    .bind(change.is_some())
    .bind(body)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub async fn add_note(pool: &SqlitePool, id: i64, author: &str, body: &str) -> sqlx::Result<bool> {
    log(pool, id, author, body, None).await
}

/// Moves an application to `status` (one of [`STATUSES`]), logged with who and when.
pub async fn set_status(pool: &SqlitePool, id: i64, author: &str, status: &'static str) -> sqlx::Result<bool> {
    let label = status_label(status);
    let body = format!("状态改为：{} / Status: {}", label.zh, label.en);
    log(pool, id, author, &body, Some(("status", Some(status.to_string())))).await
}

/// Assigns an application to a staff account (None: to nobody), logged.
pub async fn assign(pool: &SqlitePool, id: i64, author: &str, to: Option<(i64, &str)>) -> sqlx::Result<bool> {
    let body = match to {
        Some((_, name)) => format!("指派给：{name} / Assigned to {name}"),
        None => "取消指派 / Unassigned".to_string(),
    };
    log(pool, id, author, &body, Some(("assigned_to", to.map(|(id, _)| id.to_string())))).await
}

/// Deletes an application and its notes (at the applicant's request).
pub async fn delete(pool: &SqlitePool, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from application where id = ?").bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Blanks the personal data of applications older than `days` (the contact, phone, email, message and the
/// notes staff wrote, which may quote them), and the addresses they came from after a day. Returns how many
/// applications lost personal data.
pub async fn anonymise_expired(pool: &SqlitePool, days: u32) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "update application set contact_name = '', phone = '', email = '', message = '', client_address = null,
                anonymised_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         where anonymised_at is null and created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
    )
    .bind(format!("-{days} days"))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update application_note set body = '' where automatic = 0 and body <> ''
           and application_id in (select id from application where anonymised_at is not null)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update application set client_address = null
         where client_address is not null and created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Staff accounts that can be assigned: (id, name).
pub async fn staff_accounts(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("select id, username from admin_user where role = 'staff' order by username").fetch_all(pool).await
}

/// Where a new application is announced: staff accounts with an email address, in their language.
pub async fn staff_to_notify(pool: &SqlitePool) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("select email, lang from admin_user where role = 'staff' and email <> '' order by id")
        .fetch_all(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_made_and_recognised_alike() {
        for _ in 0..50 {
            let r = new_reference();
            assert!(is_reference(&r), "{r}");
        }
        for bad in
            ["", "RZ-2026120-ABCDEF", "RZ-20261203-abcdef", "RZ-20261203-ABCDEFG", "XX-20261203-ABCDEF", "<script>"]
        {
            assert!(!is_reference(bad), "{bad}");
        }
    }
}
