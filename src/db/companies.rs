//! Companies, their designations, and the company–sector and company–designation links.

use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Deserialize)]
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
    /// The time of its newest revision: when staff last changed it.
    pub edited_at: Option<String>,
    /// The kind of proposal its newest revision applied: `edit` (its editor's, approved), `suggestion` (a
    /// visitor's, accepted by staff); None for a revision staff made themselves, or none at all.
    pub edited_via: Option<String>,
    /// When its editor last confirmed the profile is current.
    pub confirmed_at: Option<String>,
    /// Its sectors' ids, a JSON array (see [`link_ids`]).
    pub sector_ids: String,
    /// Its designations' ids, a JSON array.
    pub designation_ids: String,
}

/// The ids in a link column; values that are not ids are returned apart, to be reported.
pub fn link_ids(json: &str) -> (Vec<i64>, Vec<String>) {
    let values: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    let (mut ids, mut bad) = (Vec::with_capacity(values.len()), Vec::new());
    for value in values {
        match value.as_i64() {
            Some(id) => ids.push(id),
            None => bad.push(value.to_string()),
        }
    }
    ids.sort_unstable();
    (ids, bad)
}

/// A company's status (stored value, Chinese, English): the values the `company.status` check allows.
pub const STATUSES: &[(&str, &str, &str)] =
    &[("active", "在园", "Active"), ("moved_out", "已迁出", "Moved out"), ("closed", "已关闭", "Closed")];

/// Companies, with when staff last changed each and their links (see [`super::select_each`]). The links
/// come inside each company's row, not as rows of their own: a first load of 100,000 companies moves half
/// as many rows from SQLite's thread to ours.
pub const COMPANIES: super::Select = super::Select {
    table: "company",
    sql: "select id, slug, legal_name_zh, short_name_zh, legal_name_en, short_name_en, phase_id, building_id,
                founded_year, ciomp_spinoff, description_zh, description_en, highlights_zh, highlights_en,
                website, logo_path, status, source_id,
                (select max(r.created_at) from revision r where r.entity = 'companies' and r.entity_id = company.id)
                    as edited_at,
                (select p.kind from revision r left join proposal p on p.id = r.proposal_id
                    where r.entity = 'companies' and r.entity_id = company.id order by r.id desc limit 1) as edited_via,
                confirmed_at,
                (select json_group_array(l.sector_id) from company_sector l where l.company_id = company.id)
                    as sector_ids,
                (select json_group_array(l.designation_id) from company_designation l
                    where l.company_id = company.id) as designation_ids
         from company",
    key: "id",
    order: "id",
};

/// [`COMPANIES`] for a whole-table read (see [`super::select_all`]).
pub const ALL_COMPANIES: super::Bulk = super::Bulk {
    select: COMPANIES,
    fields: &[
        "id",
        "slug",
        "legal_name_zh",
        "short_name_zh",
        "legal_name_en",
        "short_name_en",
        "phase_id",
        "building_id",
        "founded_year",
        // JSON has true and false where SQLite has 1 and 0; any other value stays as it is, for serde to refuse.
        "case when ciomp_spinoff in (0, 1) and typeof(ciomp_spinoff) = 'integer' \
            then json(iif(ciomp_spinoff, 'true', 'false')) else ciomp_spinoff end",
        "description_zh",
        "description_en",
        "highlights_zh",
        "highlights_en",
        "website",
        "logo_path",
        "status",
        "source_id",
        "edited_at",
        "edited_via",
        "confirmed_at",
        "sector_ids",
        "designation_ids",
    ],
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
