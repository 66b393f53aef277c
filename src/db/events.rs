//! Dated milestones, competitions and the awards won in them.

use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Deserialize)]
pub struct MilestoneRow {
    pub id: i64,
    pub occurred_on: String,
    pub kind: String,
    pub phase_id: Option<i64>,
    pub building_id: Option<i64>,
    pub company_id: Option<i64>,
    pub product_name: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub source_id: Option<i64>,
    pub edited_at: Option<String>,
    /// The kind of proposal its newest revision applied (see `companies::CompanyRow::edited_via`).
    pub edited_via: Option<String>,
}

pub const MILESTONES: super::Select = super::Select {
    table: "milestone",
    sql: "select id, occurred_on, kind, phase_id, building_id, company_id, product_name, title_zh, title_en,
                description_zh, description_en, source_id,
                (select max(r.created_at) from revision r where r.entity = 'milestones' and r.entity_id = milestone.id)
                    as edited_at,
                (select p.kind from revision r left join proposal p on p.id = r.proposal_id
                    where r.entity = 'milestones' and r.entity_id = milestone.id order by r.id desc limit 1) as edited_via
         from milestone",
    key: "id",
    order: "occurred_on, id",
};

/// [`MILESTONES`] for a whole-table read (see [`super::select_all`]), in id order.
pub const ALL_MILESTONES: super::Bulk = super::Bulk {
    select: super::Select { order: "id", ..MILESTONES },
    fields: &[
        "id",
        "occurred_on",
        "kind",
        "phase_id",
        "building_id",
        "company_id",
        "product_name",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "source_id",
        "edited_at",
        "edited_via",
    ],
};

#[derive(Debug, Clone, FromRow)]
pub struct CompetitionRow {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

pub const COMPETITIONS: super::Select = super::Select {
    table: "competition",
    sql: "select id, slug, name_zh, name_en from competition",
    key: "id",
    order: "id",
};

#[derive(Debug, Clone, FromRow)]
pub struct AwardRow {
    pub id: i64,
    pub company_id: i64,
    pub competition_id: i64,
    pub edition: Option<i64>,
    pub division_zh: String,
    pub division_en: String,
    pub organiser_zh: String,
    pub organiser_en: String,
    pub group_zh: String,
    pub group_en: String,
    pub rank_zh: String,
    pub rank_en: String,
    pub year: Option<i64>,
    pub prize_money_yuan: Option<i64>,
    pub project_support_yuan: Option<i64>,
    pub source_id: Option<i64>,
    pub edited_at: Option<String>,
}

pub const AWARDS: super::Select = super::Select {
    table: "award",
    sql: "select id, company_id, competition_id, edition, division_zh, division_en, organiser_zh, organiser_en,
                group_zh, group_en, rank_zh, rank_en, year, prize_money_yuan, project_support_yuan, source_id,
                (select max(r.created_at) from revision r where r.entity = 'awards' and r.entity_id = award.id)
                    as edited_at
         from award",
    key: "id",
    order: "id",
};

/// An admin change to a public entry, as the feed reads it. Deliberately without the revision's username:
/// who edited is staff information, never published.
#[derive(Debug, Clone, FromRow)]
pub struct PublicChange {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub created_at: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// The newest `limit` creates, updates, reverts and restores of companies, awards, phases and milestones.
pub async fn public_changes(db: impl SqliteExecutor<'_>, limit: i64) -> sqlx::Result<Vec<PublicChange>> {
    sqlx::query_as(
        "select id, entity, entity_id, action, created_at, before_json, after_json
         from revision
         where entity in ('companies', 'awards', 'phases', 'milestones')
           and action in ('create', 'update', 'revert', 'restore')
         order by id desc
         limit ?",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
