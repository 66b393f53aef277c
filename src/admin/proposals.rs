//! Proposals: changes to what a company keeps (its profile and logo, its milestones and product launches) that
//! wait for staff. A company editor's save is stored here with the version it was based on; staff approve it
//! (an edit all or field by field: an ordinary save with a revision naming the proposal) or reject it with a
//! reason, which the editor sees.

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

/// The profile's picture, proposed like its text (an upload, not a form field).
pub const PROFILE_UPLOADS: &[&str] = &["logo_path"];

/// The milestone fields an editor may propose: what happened and when. Which phase or building it concerns
/// stays with staff; the company is always the editor's own.
pub const MILESTONE_COLUMNS: &[&str] =
    &["occurred_on", "kind", "product_name", "title_zh", "title_en", "description_zh", "description_en"];

/// The kinds of milestone a company reports of itself (construction, handovers and tenant counts are the
/// park's).
pub const COMPANY_MILESTONE_KIND: &[(&str, &str, &str)] =
    &[("product_launch", "产品发布", "Product launch"), ("other", "其他", "Other")];

/// `entity` cut down to `columns` under its own key: an editor's form, with the same field rules as staff's.
fn cut(entity: &'static Entity, key: &'static str, columns: &[&str], uploads: &'static [&'static str]) -> Entity {
    let fields = entity.fields.iter().filter(|f| columns.contains(&f.column)).cloned().collect::<Vec<_>>();
    Entity {
        key,
        fields: Box::leak(fields.into_boxed_slice()),
        upload_columns: uploads,
        links: &[],
        referrers: &[],
        unique: &[],
        picker: None,
        ..*entity
    }
}

/// The company entity cut down to [`PROFILE_COLUMNS`] and its logo.
pub static PROFILE: LazyLock<Entity> =
    LazyLock::new(|| cut(&spec::COMPANIES, "profile", PROFILE_COLUMNS, PROFILE_UPLOADS));

/// The milestone entity cut down to [`MILESTONE_COLUMNS`], its kinds to [`COMPANY_MILESTONE_KIND`].
pub static MILESTONE: LazyLock<Entity> = LazyLock::new(|| {
    let mut entity = cut(&spec::MILESTONES, "milestone", MILESTONE_COLUMNS, &[]);
    let fields = entity
        .fields
        .iter()
        .map(|f| {
            if f.column == "kind" { spec::Field { kind: spec::Kind::Choice(COMPANY_MILESTONE_KIND), ..*f } } else { *f }
        })
        .collect::<Vec<_>>();
    entity.fields = Box::leak(fields.into_boxed_slice());
    entity
});

/// Each profile field as an entity of its own: a visitor's correction of one field is checked by that field's
/// rules alone, whatever the other stored fields hold.
static SINGLE_FIELDS: LazyLock<Vec<Entity>> = LazyLock::new(|| {
    PROFILE
        .fields
        .iter()
        .map(|f| Entity { fields: Box::leak(Box::new([*f])), upload_columns: &[], ..*PROFILE })
        .collect()
});

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
    /// What it changes: `companies` (the profile of `company_id`) or `milestones`.
    pub entity: String,
    /// The milestone it changes; none for the profile or a new milestone.
    pub entity_id: Option<i64>,
    /// `edit`, `create` or `delete`.
    pub action: String,
}

/// What a proposal changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The company's profile and logo.
    Profile,
    /// One of the company's milestones, changed or (`delete`) removed.
    Milestone { id: i64, delete: bool },
    /// A milestone the company adds.
    NewMilestone,
}

impl Target {
    fn entity(self) -> &'static str {
        match self {
            Target::Profile => spec::COMPANIES.key,
            _ => spec::MILESTONES.key,
        }
    }

    fn entity_id(self) -> Option<i64> {
        match self {
            Target::Milestone { id, .. } => Some(id),
            _ => None,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Target::Profile | Target::Milestone { delete: false, .. } => "edit",
            Target::Milestone { delete: true, .. } => "delete",
            Target::NewMilestone => "create",
        }
    }
}

impl Proposal {
    pub fn target(&self) -> Target {
        match (self.entity.as_str(), self.entity_id, self.action.as_str()) {
            ("milestones", Some(id), action) => Target::Milestone { id, delete: action == "delete" },
            ("milestones", None, _) => Target::NewMilestone,
            _ => Target::Profile,
        }
    }

    /// The form its values are read with: the profile or a milestone.
    pub fn form(&self) -> &'static Entity {
        match self.target() {
            Target::Profile => &PROFILE,
            _ => &MILESTONE,
        }
    }

    /// An edit, approved field by field; a new or removed milestone is approved whole.
    pub fn by_field(&self) -> bool {
        self.action == "edit"
    }

    pub fn before(&self) -> Values {
        serde_json::from_str(&self.before_json).unwrap_or_default()
    }

    pub fn after(&self) -> Values {
        serde_json::from_str(&self.after_json).unwrap_or_default()
    }

    /// The columns it changes, in the form's order.
    pub fn changed_columns(&self) -> Vec<&'static str> {
        changed(self.form(), &self.before(), &self.after())
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

/// The columns of `form` (fields, then uploads) whose value differs between `before` and `after`, in the
/// form's order; a column `after` leaves out is not proposed. Empty text and no value are the same.
pub fn changed(form: &Entity, before: &Values, after: &Values) -> Vec<&'static str> {
    let value = |v: &Values, c: &str| match v.get(c) {
        Some(Value::String(s)) if s.is_empty() => Value::Null,
        other => other.cloned().unwrap_or(Value::Null),
    };
    let columns = form.fields.iter().map(|f| f.column).chain(form.upload_columns.iter().copied());
    columns.filter(|c| after.contains_key(*c) && value(before, c) != value(after, c)).collect()
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

/// Keeps the columns of `form` (fields and uploads) of a stored entry's values.
fn cut_values(form: &Entity, values: Values) -> Values {
    let kept = |c: &str| form.fields.iter().any(|f| f.column == c) || form.upload_columns.contains(&c);
    values.into_iter().filter(|(c, _)| kept(c)).collect()
}

/// Stored profile values of a company: (version, values of [`PROFILE`]).
pub async fn stored_profile(pool: &SqlitePool, company_id: i64) -> sqlx::Result<Option<(i64, Values)>> {
    let mut conn = pool.acquire().await?;
    let Some(record) = record::load(&mut conn, &spec::COMPANIES, company_id).await? else {
        return Ok(None);
    };
    Ok(Some((record.version, cut_values(&PROFILE, record.values))))
}

/// A milestone of `company_id` as its editor's form holds it: (version, values of [`MILESTONE`]); none when
/// it is not that company's.
pub async fn stored_milestone(pool: &SqlitePool, company_id: i64, id: i64) -> sqlx::Result<Option<(i64, Values)>> {
    let mut conn = pool.acquire().await?;
    let Some(record) = record::load(&mut conn, &spec::MILESTONES, id).await? else {
        return Ok(None);
    };
    if record.values.get("company_id").and_then(Value::as_i64) != Some(company_id) {
        return Ok(None);
    }
    Ok(Some((record.version, cut_values(&MILESTONE, record.values))))
}

/// A company's milestones, newest first, as (id, values of [`MILESTONE`]): what its editor may change.
pub async fn company_milestones(pool: &SqlitePool, company_id: i64, limit: i64) -> sqlx::Result<Vec<(i64, Values)>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("select id from milestone where company_id = ? order by occurred_on desc, id desc limit ?")
            .bind(company_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    let mut conn = pool.acquire().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(record) = record::load(&mut conn, &spec::MILESTONES, id).await? {
            out.push((id, cut_values(&MILESTONE, record.values)));
        }
    }
    Ok(out)
}

const COLUMNS: &str = "id, company_id, kind, account_id, proposer, base_version, before_json, after_json, note,
     source_url, contact_email, status, reason, decided_by, decided_at, created_at, entity, entity_id, action";

/// An editor's pending proposal for `target`, if they have one (a new milestone never has: each is its own).
pub async fn own_pending(
    pool: &SqlitePool,
    company_id: i64,
    account_id: i64,
    target: Target,
) -> sqlx::Result<Option<Proposal>> {
    if target == Target::NewMilestone {
        return Ok(None);
    }
    sqlx::query_as(&format!(
        "select {COLUMNS} from proposal where company_id = ? and account_id = ? and status = 'pending'
           and entity = ? and entity_id is ? and action <> 'create' order by id desc limit 1"
    ))
    .bind(company_id)
    .bind(account_id)
    .bind(target.entity())
    .bind(target.entity_id())
    .fetch_optional(pool)
    .await
}

/// Everything an editor has waiting for review for a company, oldest first (as staff review them).
pub async fn own_pending_all(pool: &SqlitePool, company_id: i64, account_id: i64) -> sqlx::Result<Vec<Proposal>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from proposal where company_id = ? and account_id = ? and status = 'pending' order by id"
    ))
    .bind(company_id)
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// What an editor proposes: for which company and entry, from which stored version and values.
pub struct Draft<'a> {
    pub company_id: i64,
    pub account_id: i64,
    pub proposer: &'a str,
    pub target: Target,
    pub base: (i64, &'a Values),
    pub proposed: &'a Values,
    pub note: &'a str,
}

/// Stores an editor's proposal, replacing their own pending one for the same entry (one open proposal per
/// editor and entry: the latest form is what they mean). Returns its id.
pub async fn propose(pool: &SqlitePool, d: &Draft<'_>) -> sqlx::Result<i64> {
    let json = |v: &Values| serde_json::to_string(v).unwrap_or_default();
    let (company_id, account_id, proposer, note, proposed, base) =
        (d.company_id, d.account_id, d.proposer, d.note, d.proposed, d.base);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let pending: Option<i64> = if d.target == Target::NewMilestone {
        None
    } else {
        sqlx::query_scalar(
            "select id from proposal where company_id = ? and account_id = ? and status = 'pending'
               and entity = ? and entity_id is ? and action <> 'create' order by id desc limit 1",
        )
        .bind(company_id)
        .bind(account_id)
        .bind(d.target.entity())
        .bind(d.target.entity_id())
        .fetch_optional(&mut *tx)
        .await?
    };
    let id = match pending {
        Some(id) => {
            sqlx::query(
                "update proposal set base_version = ?, before_json = ?, after_json = ?, note = ?, action = ?,
                   created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') where id = ?",
            )
            .bind(base.0)
            .bind(json(base.1))
            .bind(json(proposed))
            .bind(note)
            .bind(d.target.action())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => sqlx::query_scalar(
            "insert into proposal (company_id, kind, account_id, proposer, base_version, before_json, after_json, note,
                                   entity, entity_id, action)
                 values (?, 'edit', ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(company_id)
        .bind(account_id)
        .bind(proposer)
        .bind(base.0)
        .bind(json(base.1))
        .bind(json(proposed))
        .bind(note)
        .bind(d.target.entity())
        .bind(d.target.entity_id())
        .bind(d.target.action())
        .fetch_one(&mut *tx)
        .await?,
    };
    tx.commit().await?;
    tracing::info!(proposal = id, company_id, proposer, target = ?d.target, "proposal stored");
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

/// An editor takes back their pending proposal `only` for a company, or all of them. False when they had none.
pub async fn withdraw(
    pool: &SqlitePool,
    company_id: i64,
    account_id: i64,
    only: Option<i64>,
    by: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update proposal set status = 'withdrawn', decided_by = ?, decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         where company_id = ? and account_id = ? and status = 'pending' and (?4 is null or id = ?4)",
    )
    .bind(by)
    .bind(company_id)
    .bind(account_id)
    .bind(only)
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

/// Applies the chosen `columns` of a pending proposal to its entry as a save from `version` (the stored
/// version staff saw: the proposal's own base, or a newer one after the conflict view), with a revision that
/// names the proposal; a new milestone is created for the proposal's company, a removed one deleted. Fields
/// left out are recorded with `reason`.
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
    apply(&mut tx, proposal, version, chosen, approver).await?;
    // The revisions this save wrote (the write lock is held: none but ours), if it changed anything (a save of
    // values already stored writes none).
    sqlx::query("update revision set proposal_id = ?1 where id > ?2")
        .bind(proposal.id)
        .bind(last_revision)
        .execute(&mut *tx)
        .await
        .map_err(SaveError::from)?;
    tx.commit().await.map_err(SaveError::from)?;
    tracing::info!(proposal = proposal.id, company_id = proposal.company_id, approver, fields = ?columns, "proposal approved");
    Ok(())
}

/// Writes an approved proposal's `chosen` values to its entry. A milestone that left the company (or is gone)
/// is not found: staff moved or deleted it meanwhile.
async fn apply(
    tx: &mut sqlx::SqliteConnection,
    proposal: &Proposal,
    version: i64,
    mut chosen: Values,
    approver: &str,
) -> Result<(), SaveError> {
    let milestones = &spec::MILESTONES;
    let owned =
        |record: &record::Record| record.values.get("company_id").and_then(Value::as_i64) == Some(proposal.company_id);
    match proposal.target() {
        Target::Profile => {
            record::update_in(tx, &spec::COMPANIES, proposal.company_id, version, &chosen, approver).await
        }
        Target::NewMilestone => {
            chosen.insert("company_id".into(), Value::from(proposal.company_id));
            record::create_in(tx, milestones, &chosen, approver).await.map(|_| ())
        }
        Target::Milestone { id, delete } => {
            let stored = record::load(tx, milestones, id).await?.filter(owned).ok_or(SaveError::NotFound)?;
            if stored.version != version {
                return Err(SaveError::Conflict { current: Box::new(stored) });
            }
            if delete {
                record::delete_in(tx, milestones, id, "delete", approver).await
            } else {
                record::update_in(tx, milestones, id, version, &chosen, approver).await
            }
        }
    }
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
    fn an_editor_reports_only_the_company_s_own_kinds_of_milestone() {
        let kind = MILESTONE.field("kind").expect("a kind field");
        assert!(matches!(kind.kind, spec::Kind::Choice(k) if k == COMPANY_MILESTONE_KIND));
        assert!(MILESTONE.field("company_id").is_none() && MILESTONE.field("phase_id").is_none());
        assert_eq!(MILESTONE.fields.len(), MILESTONE_COLUMNS.len());
    }

    #[test]
    fn a_logo_alone_is_a_change_and_empty_text_is_no_value() {
        let before: Values = serde_json::from_str(r#"{"logo_path": null, "website": null}"#).unwrap();
        let after: Values = serde_json::from_str(r#"{"logo_path": "logos/a.png", "website": ""}"#).unwrap();
        assert_eq!(changed(&PROFILE, &before, &after), ["logo_path"]);
    }

    #[test]
    fn a_change_to_one_language_only_is_flagged() {
        assert_eq!(one_sided(&["description_zh"]), [("description_zh", "description_en")]);
        assert_eq!(one_sided(&["highlights_en", "website"]), [("highlights_en", "highlights_zh")]);
        assert!(one_sided(&["description_zh", "description_en"]).is_empty());
    }
}
