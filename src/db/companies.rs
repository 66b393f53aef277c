//! Companies, their designations, and the company–sector and company–designation links.

use sqlx::FromRow;

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
    /// The time of its newest revision: when staff last changed it.
    pub edited_at: Option<String>,
}

/// Companies, with when staff last changed each (see [`super::select_each`]).
pub const COMPANIES: super::Select = super::Select {
    table: "company",
    sql: "select id, slug, legal_name_zh, short_name_zh, legal_name_en, short_name_en, phase_id, building_id,
                founded_year, ciomp_spinoff, description_zh, description_en, highlights_zh, highlights_en,
                website, logo_path, status, source_id, updated_at,
                (select max(r.created_at) from revision r where r.entity = 'companies' and r.entity_id = company.id)
                    as edited_at
         from company",
    key: "id",
    order: "id",
};

#[derive(Debug, Clone, FromRow)]
pub struct DesignationRow {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
}

pub const DESIGNATIONS: super::Select = super::Select {
    table: "designation",
    sql: "select id, slug, name_zh, name_en, description_zh, description_en from designation",
    key: "id",
    order: "id",
};

/// A company's link to a sector or a designation.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub company_id: i64,
    pub other_id: i64,
}

/// (company, sector) links, selected by company.
pub const COMPANY_SECTORS: super::Select = super::Select {
    table: "company_sector",
    sql: "select company_id, sector_id as other_id from company_sector",
    key: "company_id",
    order: "company_id, sector_id",
};

/// (company, designation) links, selected by company.
pub const COMPANY_DESIGNATIONS: super::Select = super::Select {
    table: "company_designation",
    sql: "select company_id, designation_id as other_id from company_designation",
    key: "company_id",
    order: "company_id, designation_id",
};
