//! Proposals: changes to a company's profile that wait for staff. A company editor's save is stored here with
//! the version it was based on; staff approve it (all or some fields: an ordinary save with a revision naming
//! the proposal) or reject it with a reason, which the editor sees.

use std::sync::LazyLock;

use serde_json::Value;
use sqlx::SqlitePool;

use super::record::{self, SaveError, Values};
use super::spec::{self, Entity};

/// The company fields an editor may propose changes to: what the company itself knows best. Where it sits in
/// the park, its status, its sectors and designations stay with staff.
pub const PROFILE_COLUMNS: &[&str] = &[
    "short_name_zh",
    "short_name_en",
    "legal_name_zh",
    "legal_name_en",
    "founded_year",
    "description_zh",
    "description_en",
    "highlights_zh",
    "highlights_en",
    "website",
];

/// The company entity cut down to [`PROFILE_COLUMNS`]: the editor's form, with the same field rules as staff's.
pub static PROFILE: LazyLock<Entity> = LazyLock::new(|| {
    let companies = &spec::COMPANIES;
    let fields = companies.fields.iter().filter(|f| PROFILE_COLUMNS.contains(&f.column)).cloned().collect::<Vec<_>>();
    Entity {
        key: "profile",
        fields: Box::leak(fields.into_boxed_slice()),
        upload_columns: &[],
        links: &[],
        referrers: &[],
        unique: &[],
        picker: None,
        ..*companies
    }
});

/// Each profile field as an entity of its own: a visitor's correction of one field is checked by that field's
/// rules alone, whatever the other stored fields hold.
static SINGLE_FIELDS: LazyLock<Vec<Entity>> =
    LazyLock::new(|| PROFILE.fields.iter().map(|f| Entity { fields: Box::leak(Box::new([*f])), ..*PROFILE }).collect());

/// The profile field `column` as an entity of its own (see [`SINGLE_FIELDS`]).
pub fn single_field(column: &str) -> Option<&'static Entity> {
    SINGLE_FIELDS.iter().find(|e| e.fields[0].column == column)
}

/// Columns whose Chinese and English versions are kept as a pair: a change to one side only is flagged.
pub fn translated_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    PROFILE.translated_pairs().map(|(zh, en)| (zh.column, en.column))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Proposal {
    pub id: i64,
    pub company_id: i64,
    pub kind: String,
    pub account_id: Option<i64>,
    pub proposer: String,
    pub base_version: i64,
    pub before_json: String,
    pub after_json: String,
    pub note: String,
    pub source_url: String,
    /// A visitor's address to ask back; shown to staff only, erased after [`PERSONAL_DATA_DAYS`].
    pub contact_email: Option<String>,
    pub status: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl Proposal {
    pub fn before(&self) -> Values {
        serde_json::from_str(&self.before_json).unwrap_or_default()
    }

    pub fn after(&self) -> Values {
        serde_json::from_str(&self.after_json).unwrap_or_default()
    }

    /// The columns it changes, in the form's order.
    pub fn changed_columns(&self) -> Vec<&'static str> {
        changed(&self.before(), &self.after())
    }

    pub fn is_pending(&self) -> bool {
        self.status == "pending"
    }

    pub fn is_suggestion(&self) -> bool {
        self.kind == "suggestion"
    }

    /// A short digest of what it proposes: the review form carries it, so a decision applies to what staff
    /// saw, not to a replacement the editor sent meanwhile.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.after_json.as_bytes())[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The profile columns whose value differs between `before` and `after`, in the form's order.
pub fn changed(before: &Values, after: &Values) -> Vec<&'static str> {
    let value = |v: &Values, c: &str| v.get(c).cloned().unwrap_or(Value::Null);
    PROFILE_COLUMNS.iter().copied().filter(|c| after.contains_key(*c) && value(before, c) != value(after, c)).collect()
}

/// Pairs where one language changed and the other did not: (changed column, unchanged column).
pub fn one_sided(changed: &[&str]) -> Vec<(&'static str, &'static str)> {
    translated_pairs()
        .filter_map(|(zh, en)| match (changed.contains(&zh), changed.contains(&en)) {
            (true, false) => Some((zh, en)),
            (false, true) => Some((en, zh)),
            _ => None,
        })
        .collect()
}

/// Stored profile values of a company: (version, values of [`PROFILE_COLUMNS`]).
pub async fn stored_profile(pool: &SqlitePool, company_id: i64) -> sqlx::Result<Option<(i64, Values)>> {
    let mut conn = pool.acquire().await?;
    let Some(record) = record::load(&mut conn, &spec::COMPANIES, company_id).await? else {
        return Ok(None);
    };
    let values = record.values.into_iter().filter(|(c, _)| PROFILE_COLUMNS.contains(&c.as_str())).collect();
    Ok(Some((record.version, values)))
}

const COLUMNS: &str = "id, company_id, kind, account_id, proposer, base_version, before_json, after_json, note,
     source_url, contact_email, status, reason, decided_by, decided_at, created_at";

/// Stores an editor's proposal, replacing their own pending one for the same company (one open proposal per
/// editor: the latest form is what they mean). Returns its id.
pub async fn propose(
    pool: &SqlitePool,
    company_id: i64,
    account_id: i64,
    proposer: &str,
    base: (i64, &Values),
    proposed: &Values,
    note: &str,
) -> sqlx::Result<i64> {
    let json = |v: &Values| serde_json::to_string(v).unwrap_or_default();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let pending: Option<i64> = sqlx::query_scalar(
        "select id from proposal where company_id = ? and account_id = ? and status = 'pending' order by id desc limit 1",
    )
    .bind(company_id)
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match pending {
        Some(id) => {
            sqlx::query(
                "update proposal set base_version = ?, before_json = ?, after_json = ?, note = ?,
                   created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') where id = ?",
            )
            .bind(base.0)
            .bind(json(base.1))
            .bind(json(proposed))
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => sqlx::query_scalar(
            "insert into proposal (company_id, kind, account_id, proposer, base_version, before_json, after_json, note)
                 values (?, 'edit', ?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(company_id)
        .bind(account_id)
        .bind(proposer)
        .bind(base.0)
        .bind(json(base.1))
        .bind(json(proposed))
        .bind(note)
        .fetch_one(&mut *tx)
        .await?,
    };
    tx.commit().await?;
    tracing::info!(proposal = id, company_id, proposer, "proposal stored");
    Ok(id)
}

/// How long a visitor's contact email and address are kept (China's PIPL and the GDPR ask for no longer than
/// needed; staff answer a suggestion well within this).
pub const PERSONAL_DATA_DAYS: i64 = 90;
/// Suggestions one address may send within an hour.
pub const SUGGESTIONS_PER_HOUR: i64 = 5;

/// A visitor's correction of one profile field, already checked by the field's rules.
pub struct Suggestion<'a> {
    pub company_id: i64,
    pub base_version: i64,
    pub column: &'static str,
    pub before: Value,
    pub after: Value,
    pub source_url: &'a str,
    pub contact_email: Option<&'a str>,
    pub client_address: &'a str,
}

/// Stores a suggestion unless its address sent [`SUGGESTIONS_PER_HOUR`] within the hour (None). The check and
/// the insert are one statement, so suggestions sent at once cannot pass the limit together.
pub async fn suggest(pool: &SqlitePool, s: &Suggestion<'_>) -> sqlx::Result<Option<i64>> {
    let one = |v: &Value| serde_json::json!({ s.column: v }).to_string();
    let id = sqlx::query_scalar(
        "insert into proposal (company_id, kind, proposer, base_version, before_json, after_json, source_url,
                               contact_email, client_address)
         select ?1, 'suggestion', 'visitor', ?2, ?3, ?4, ?5, ?6, ?7
         where (select count(*) from proposal where client_address = ?7
                  and created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')) < ?8
         returning id",
    )
    .bind(s.company_id)
    .bind(s.base_version)
    .bind(one(&s.before))
    .bind(one(&s.after))
    .bind(s.source_url)
    .bind(s.contact_email)
    .bind(s.client_address)
    .bind(SUGGESTIONS_PER_HOUR)
    .fetch_optional(pool)
    .await?;
    if let Some(id) = id {
        tracing::info!(proposal = id, company_id = s.company_id, column = s.column, "suggestion stored");
    }
    Ok(id)
}

/// Erases visitors' contact emails older than [`PERSONAL_DATA_DAYS`], and the addresses they came from after a
/// day (only the hourly limit reads them); the suggestions themselves stay. Run at start and hourly. Returns
/// how many suggestions lost personal data.
pub async fn erase_personal_data(pool: &SqlitePool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "update proposal set
           contact_email = case when created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?1) then null else contact_email end,
           client_address = case when created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day') then null
                                 else client_address end
         where (contact_email is not null and created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?1))
            or (client_address is not null and created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day'))",
    )
    .bind(format!("-{PERSONAL_DATA_DAYS} days"))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// An editor takes back their pending proposal for a company. False when they had none.
pub async fn withdraw(pool: &SqlitePool, company_id: i64, account_id: i64, by: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update proposal set status = 'withdrawn', decided_by = ?, decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         where company_id = ? and account_id = ? and status = 'pending'",
    )
    .bind(by)
    .bind(company_id)
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Proposal>> {
    sqlx::query_as(&format!("select {COLUMNS} from proposal where id = ?")).bind(id).fetch_optional(pool).await
}

/// The review queue: pending proposals, oldest first.
pub async fn pending(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<Proposal>> {
    sqlx::query_as(&format!("select {COLUMNS} from proposal where status = 'pending' order by id limit ?"))
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub async fn count_pending(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from proposal where status = 'pending'").fetch_one(pool).await
}

/// A company's proposals, newest first (what its editor sees, with the decisions).
pub async fn of_company(pool: &SqlitePool, company_id: i64, limit: i64) -> sqlx::Result<Vec<Proposal>> {
    sqlx::query_as(&format!("select {COLUMNS} from proposal where company_id = ? order by id desc limit ?"))
        .bind(company_id)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Why a decision could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// Decided already (by someone else, or in another tab), or replaced by its editor since it was read.
    #[error("the proposal is no longer pending as read")]
    NotPending,
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// Applies the chosen `columns` of a pending proposal to its company as a save from `version` (the stored
/// version staff saw: the proposal's own base, or a newer one after the conflict view), with a revision that
/// names the proposal. Fields left out are recorded with `reason`.
pub async fn approve(
    pool: &SqlitePool,
    proposal: &Proposal,
    columns: &[&str],
    version: i64,
    reason: &str,
    approver: &str,
) -> Result<(), DecideError> {
    let after = proposal.after();
    let chosen: Values = after.into_iter().filter(|(c, _)| columns.contains(&c.as_str())).collect();
    let all = proposal.changed_columns().iter().all(|c| columns.contains(c));
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(SaveError::from)?;
    let status = if all { "approved" } else { "partly_approved" };
    mark_decided(&mut tx, proposal, status, reason, approver).await?;
    let last_revision: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from revision")
        .fetch_one(&mut *tx)
        .await
        .map_err(SaveError::from)?;
    let companies = &spec::COMPANIES;
    record::update_in(&mut tx, companies, proposal.company_id, version, &chosen, approver).await?;
    // The revision this save wrote, if it changed anything (a save of values already stored writes none).
    sqlx::query("update revision set proposal_id = ?1 where id > ?2 and entity = ?3 and entity_id = ?4")
        .bind(proposal.id)
        .bind(last_revision)
        .bind(companies.key)
        .bind(proposal.company_id)
        .execute(&mut *tx)
        .await
        .map_err(SaveError::from)?;
    tx.commit().await.map_err(SaveError::from)?;
    tracing::info!(proposal = proposal.id, company_id = proposal.company_id, approver, fields = ?columns, "proposal approved");
    Ok(())
}

pub async fn reject(pool: &SqlitePool, proposal: &Proposal, reason: &str, by: &str) -> Result<(), DecideError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(SaveError::from)?;
    mark_decided(&mut tx, proposal, "rejected", reason, by).await?;
    tx.commit().await.map_err(SaveError::from)?;
    tracing::info!(proposal = proposal.id, by, "proposal rejected");
    Ok(())
}

/// Records a decision on `proposal` as the caller read it: refused when it was decided meanwhile or its
/// editor replaced what it proposes since.
async fn mark_decided(
    tx: &mut sqlx::SqliteConnection,
    proposal: &Proposal,
    status: &str,
    reason: &str,
    by: &str,
) -> Result<(), DecideError> {
    let done = sqlx::query(
        "update proposal set status = ?, reason = ?, decided_by = ?, decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         where id = ? and status = 'pending' and after_json = ?",
    )
    .bind(status)
    .bind(reason)
    .bind(by)
    .bind(proposal.id)
    .bind(&proposal.after_json)
    .execute(&mut *tx)
    .await
    .map_err(SaveError::from)?;
    if done.rows_affected() != 1 {
        return Err(DecideError::NotPending);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_the_company_form_cut_down_with_its_pairs() {
        let columns: Vec<&str> = PROFILE.fields.iter().map(|f| f.column).collect();
        assert_eq!(columns.len(), PROFILE_COLUMNS.len(), "every profile column is a company field");
        assert!(!columns.contains(&"slug") && !columns.contains(&"status"));
        let pairs: Vec<_> = translated_pairs().collect();
        assert!(pairs.contains(&("description_zh", "description_en")));
        assert!(pairs.contains(&("highlights_zh", "highlights_en")));
    }

    #[test]
    fn a_change_to_one_language_only_is_flagged() {
        assert_eq!(one_sided(&["description_zh"]), [("description_zh", "description_en")]);
        assert_eq!(one_sided(&["highlights_en", "website"]), [("highlights_en", "highlights_zh")]);
        assert!(one_sided(&["description_zh", "description_en"]).is_empty());
    }
}
