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

/// What a unit is for (stored value, Chinese, English): the values the `unit.kind` check allows.
pub const UNIT_KIND: &[(&str, &str, &str)] = &[
    ("office", "办公", "Office"),
    ("laboratory", "实验室", "Laboratory"),
    ("clean_room", "洁净室", "Clean room"),
    ("production", "生产", "Production"),
    ("incubator_desk", "孵化工位", "Incubator desk"),
];
/// Whether a unit is free (stored value, Chinese, English): the values the `unit.status` check allows.
pub const UNIT_STATUS: &[(&str, &str, &str)] =
    &[("available", "可租", "Available"), ("reserved", "已预留", "Reserved"), ("let", "已出租", "Let")];

#[derive(Debug, Clone, FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub building_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub floor: String,
    pub area_m2: i64,
    pub kind: String,
    pub status: String,
    pub available_from: Option<String>,
    pub note_zh: String,
    pub note_en: String,
}

pub const UNITS: super::Select = super::Select {
    table: "unit",
    sql: "select id, building_id, name_zh, name_en, floor, area_m2, kind, status, available_from, note_zh, note_en
         from unit",
    key: "id",
    order: "building_id, floor, id",
};

pub const BUILDINGS: super::Select = super::Select {
    table: "building",
    sql: "select id, phase_id, name_zh, name_en, kind, building_count, completed_on, note_zh, note_en, source_id
         from building",
    key: "id",
    order: "coalesce(completed_on, '9999'), id",
};
