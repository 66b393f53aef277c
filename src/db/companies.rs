//! Companies, their designations, and the company–sector and company–designation links.

use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct CompanyRow {
    pub id: i64,
    pub slug: String,
    pub legal_name_zh: String,
    pub short_name_zh: String,
    pub legal_name_en: String,
    pub short_name_en: String,
    pub phase_id: Option<i64>,
    pub building_id: Option<i64>,
    pub founded_year: Option<i64>,
    pub ciomp_spinoff: bool,
    pub description_zh: String,
    pub description_en: String,
    pub highlights_zh: String,
    pub highlights_en: String,
    pub website: Option<String>,
    pub logo_path: Option<String>,
    pub status: String,
    pub source_id: Option<i64>,
    pub updated_at: String,
}

/// Every company, as a stream (a large directory need not sit in memory twice while the catalog is built).
pub fn companies<'e>(
    db: impl SqliteExecutor<'e> + 'e,
) -> futures_util::stream::BoxStream<'e, sqlx::Result<CompanyRow>> {
    sqlx::query_as(
        "select id, slug, legal_name_zh, short_name_zh, legal_name_en, short_name_en, phase_id, building_id,
                founded_year, ciomp_spinoff, description_zh, description_en, highlights_zh, highlights_en,
                website, logo_path, status, source_id, updated_at
         from company order by id",
    )
    .fetch(db)
}

#[derive(Debug, Clone, FromRow)]
pub struct DesignationRow {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
}

pub async fn designations(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<DesignationRow>> {
    sqlx::query_as("select id, slug, name_zh, name_en, description_zh, description_en from designation order by id")
        .fetch_all(db)
        .await
}

/// (company_id, sector_id) pairs.
pub async fn company_sectors(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("select company_id, sector_id from company_sector order by company_id, sector_id")
        .fetch_all(db)
        .await
}

/// (company_id, designation_id) pairs.
pub async fn company_designations(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("select company_id, designation_id from company_designation order by company_id, designation_id")
        .fetch_all(db)
        .await
}
