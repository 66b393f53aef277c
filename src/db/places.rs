//! Sectors, phases and buildings.

use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SectorRow {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub sort_order: i64,
}

pub const SECTORS: super::Select = super::Select {
    table: "sector",
    sql: "select id, slug, name_zh, name_en, description_zh, description_en, sort_order from sector",
    key: "id",
    order: "sort_order, id",
};

#[derive(Debug, Clone, FromRow)]
pub struct PhaseRow {
    pub id: i64,
    pub number: i64,
    pub name_zh: String,
    pub name_en: String,
    pub status: Option<String>,
    pub construction_started_on: Option<String>,
    pub completed_on: Option<String>,
    pub expected_completion_on: Option<String>,
    pub tenant_count_stated: Option<i64>,
    pub as_of: Option<String>,
    pub note_zh: String,
    pub note_en: String,
    pub source_id: Option<i64>,
    pub site_plan_path: Option<String>,
    pub site_plan_alt_zh: String,
    pub site_plan_alt_en: String,
}

pub const PHASES: super::Select = super::Select {
    table: "phase",
    sql: "select id, number, name_zh, name_en, status, construction_started_on, completed_on,
                expected_completion_on, tenant_count_stated, as_of, note_zh, note_en, source_id,
                site_plan_path, site_plan_alt_zh, site_plan_alt_en
         from phase",
    key: "id",
    order: "number",
};

#[derive(Debug, Clone, FromRow)]
pub struct BuildingRow {
    pub id: i64,
    pub phase_id: Option<i64>,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub building_count: i64,
    pub completed_on: Option<String>,
    pub note_zh: String,
    pub note_en: String,
    pub source_id: Option<i64>,
}

pub const BUILDINGS: super::Select = super::Select {
    table: "building",
    sql: "select id, phase_id, name_zh, name_en, kind, building_count, completed_on, note_zh, note_en, source_id
         from building",
    key: "id",
    order: "coalesce(completed_on, '9999'), id",
};
