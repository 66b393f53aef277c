//! The park's own row and the sources facts come from.

use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct SourceRow {
    pub id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub publisher_zh: String,
    pub publisher_en: String,
    pub author_zh: String,
    pub author_en: String,
    pub published_on: Option<String>,
    pub url: Option<String>,
    pub note_zh: String,
    pub note_en: String,
}

pub const SOURCES: super::Select = super::Select {
    table: "source",
    sql: "select id, title_zh, title_en, publisher_zh, publisher_en, author_zh, author_en, published_on, url,
                note_zh, note_en
         from source",
    key: "id",
    order: "id",
};

#[derive(Debug, Clone, FromRow)]
pub struct ParkRow {
    pub name_zh: String,
    pub name_en: String,
    pub alt_name_zh: String,
    pub alt_name_en: String,
    pub nickname_zh: String,
    pub nickname_en: String,
    pub location_zh: String,
    pub location_en: String,
    pub builders_zh: String,
    pub builders_en: String,
    pub aim_zh: String,
    pub aim_en: String,
    pub strategy_zh: String,
    pub strategy_en: String,
    pub ecosystem_zh: String,
    pub ecosystem_en: String,
    pub core_competence_zh: String,
    pub core_competence_en: String,
    pub industry_layout_zh: String,
    pub industry_layout_en: String,
    pub jobs_zh: String,
    pub jobs_en: String,
    pub outlook_zh: String,
    pub outlook_en: String,
    pub policy_context_zh: String,
    pub policy_context_en: String,
    pub history_zh: String,
    pub history_en: String,
    pub contact_office_zh: String,
    pub contact_office_en: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub source_id: Option<i64>,
    pub updated_at: String,
}

pub const PARK: super::Select =
    super::Select { table: "park", sql: "select * from park where id = 1", key: "id", order: "id" };

/// When each entry of the small tables (all but companies, awards and milestones, whose rows carry their own)
/// was last changed through the admin: (entity key, id, `YYYY-MM-DDTHH:MM:SSZ`).
pub async fn small_revision_times(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<(String, i64, String)>> {
    sqlx::query_as(
        "select entity, entity_id, max(created_at) from revision
         where entity not in ('companies', 'awards', 'milestones') group by entity, entity_id",
    )
    .fetch_all(db)
    .await
}

/// When the seed was applied (migration 2), as `YYYY-MM-DDTHH:MM:SSZ`: the date of every entry never edited
/// since. Not the newest migration: a later schema change does not change the facts.
pub async fn seeded_at(db: impl SqliteExecutor<'_>) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(min(case when version = 2 then installed_on end),
                                                          max(installed_on)))
         from _sqlx_migrations where success = 1",
    )
    .fetch_one(db)
    .await
}
