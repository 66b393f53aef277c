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

pub async fn sources(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<SourceRow>> {
    sqlx::query_as(
        "select id, title_zh, title_en, publisher_zh, publisher_en, author_zh, author_en, published_on, url,
                note_zh, note_en
         from source order by id",
    )
    .fetch_all(db)
    .await
}

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
    pub source_id: Option<i64>,
    pub updated_at: String,
}

pub async fn park(db: impl SqliteExecutor<'_>) -> sqlx::Result<Option<ParkRow>> {
    sqlx::query_as("select * from park where id = 1").fetch_optional(db).await
}

/// When each entry was last changed through the admin: (entity key, id, `YYYY-MM-DDTHH:MM:SSZ`).
pub async fn revision_times(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<(String, i64, String)>> {
    sqlx::query_as("select entity, entity_id, max(created_at) from revision group by entity, entity_id")
        .fetch_all(db)
        .await
}

/// When the seed was applied (the newest migration), as `YYYY-MM-DDTHH:MM:SSZ`.
pub async fn seeded_at(db: impl SqliteExecutor<'_>) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select strftime('%Y-%m-%dT%H:%M:%SZ', max(installed_on)) from _sqlx_migrations where success = 1",
    )
    .fetch_one(db)
    .await
}
