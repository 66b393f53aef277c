//! How fresh each company's profile is: the last time it was changed (its newest revision), confirmed current
//! by its editor, or, never touched, the date of the source it comes from. Staff list the stale ones and ask
//! their editors to confirm; an editor confirms with one click.

use sqlx::SqlitePool;

/// Profiles not confirmed for this many months are listed unless staff choose another span.
pub const DEFAULT_MONTHS: u32 = 12;
/// The longest span the list accepts (ten years: anything longer is "never").
pub const MAX_MONTHS: u32 = 120;
/// Entries on one page of the list.
pub const PER_PAGE: i64 = 50;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stale {
    pub id: i64,
    pub short_name_zh: String,
    pub short_name_en: String,
    /// The newest of: its last revision, its editor's confirmation, its source's date (`''`: none known).
    pub fresh_as_of: String,
    pub confirmed_at: Option<String>,
    pub confirm_asked_at: Option<String>,
    pub editors: i64,
}

/// When a profile was last known to be right, as SQL over `company c` (ISO text compares in date order; a
/// source dated '2023-03' is older than any day of April 2023).
const FRESH_AS_OF: &str = "max(coalesce(c.confirmed_at, ''),
     coalesce((select max(r.created_at) from revision r where r.entity = 'companies' and r.entity_id = c.id), ''),
     coalesce((select s.published_on from source s where s.id = c.source_id), ''))";

/// Active companies whose profile is older than `months`, oldest first, one page; and how many there are.
pub async fn stale(pool: &SqlitePool, months: u32, page: i64) -> sqlx::Result<(i64, Vec<Stale>)> {
    let cutoff = format!("-{} months", months.min(MAX_MONTHS));
    let from = format!(
        "from company c where c.status = 'active' and {FRESH_AS_OF} < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?1)"
    );
    let total: i64 = sqlx::query_scalar(&format!("select count(*) {from}")).bind(&cutoff).fetch_one(pool).await?;
    let rows = sqlx::query_as(&format!(
        "select c.id, c.short_name_zh, c.short_name_en, {FRESH_AS_OF} as fresh_as_of, c.confirmed_at,
                c.confirm_asked_at,
                (select count(*) from admin_user u where u.company_id = c.id and u.role = 'editor') as editors
         {from} order by fresh_as_of, c.id limit ?2 offset ?3"
    ))
    .bind(&cutoff)
    .bind(PER_PAGE)
    .bind((page.max(1) - 1).saturating_mul(PER_PAGE))
    .fetch_all(pool)
    .await?;
    Ok((total, rows))
}

/// Records that staff asked a company's editors to confirm (inside the transaction that queues their mail).
pub async fn mark_asked(tx: &mut sqlx::SqliteConnection, company_id: i64) -> sqlx::Result<()> {
    sqlx::query("update company set confirm_asked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') where id = ?")
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// An editor confirms that their company's profile is current.
pub async fn confirm(pool: &SqlitePool, company_id: i64, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update company set confirmed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), confirmed_by = ? where id = ?",
    )
    .bind(by)
    .bind(company_id)
    .execute(pool)
    .await?;
    tracing::info!(company_id, by, "profile confirmed current");
    Ok(())
}

/// When a company's editor last confirmed its profile, if ever.
pub async fn confirmed_at(pool: &SqlitePool, company_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select confirmed_at from company where id = ?")
        .bind(company_id)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}
