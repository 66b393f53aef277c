//! Reading what a change set touched (or everything) from the database, in one snapshot, as model entities.
//! Each row is decoded on its own: one that cannot be read is reported and left out.

use std::collections::{BTreeSet, HashMap};

use sqlx::SqliteConnection;

use super::model::text;
use super::{
    Award, Building, Catalog, Competition, Designation, Milestone, Park, Phase, PhaseStatus, Sector, Source, Unit,
};
use crate::db::{self, BadRow};

/// What to read again: the small tables (park, sources, sectors, phases, buildings and their units,
/// designations, competitions: tens or hundreds of rows, read whole), and the large ones by id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Touched {
    /// Everything: a first load, or a follower that fell too far behind.
    pub full: bool,
    pub small: bool,
    /// The time of the newest revision may have moved.
    pub revisions: bool,
    pub companies: BTreeSet<i64>,
    pub milestones: BTreeSet<i64>,
    pub awards: BTreeSet<i64>,
}

impl Touched {
    pub fn everything() -> Touched {
        Touched { full: true, small: true, revisions: true, ..Default::default() }
    }

    fn ids(set: &BTreeSet<i64>, full: bool) -> Option<Vec<i64>> {
        (!full).then(|| set.iter().copied().collect())
    }
}

/// The small tables, read whole.
pub(super) struct Small {
    pub park: Park,
    pub sources: Vec<Source>,
    pub sectors: Vec<Sector>,
    pub phases: Vec<Phase>,
    pub buildings: Vec<Building>,
    pub units: Vec<Unit>,
    pub posts: Vec<super::news::Post>,
    pub next_post: Option<(time::OffsetDateTime, i64)>,
    pub designations: Vec<Designation>,
    pub competitions: Vec<Competition>,
    pub modified: HashMap<(String, i64), String>,
    pub seeded_at: String,
}

/// A company's row and links, before it is built (pinyin and search keys are computed off the runtime).
pub(super) struct CompanyParts {
    /// Boxed: 100,000 rows are moved through several lists on a full load, and a list of boxes costs 8 bytes a
    /// row where one of rows cost 500 (with its growth, the largest part of the load's peak memory).
    pub row: Box<db::companies::CompanyRow>,
    pub sector_ids: Vec<i64>,
    pub designation_ids: Vec<i64>,
}

/// Everything read for one change set.
pub(super) struct Loaded {
    /// What was read; `companies` includes the companies of touched awards and milestones, before and after.
    pub touched: Touched,
    pub small: Option<Small>,
    pub companies: Vec<CompanyParts>,
    pub milestones: Vec<Milestone>,
    pub awards: Vec<Award>,
    /// The newest revision's time, when revisions were touched.
    pub last_revision_at: Option<String>,
    /// Leave the search index to be built later (a first load of a large directory).
    pub defer_search_index: bool,
    pub problems: Vec<BadRow>,
}

/// Reads what `touched` names, as it stands in the connection's current transaction. `old` is the catalog
/// the result will be applied to: an award or milestone that moved also touches the company it left.
pub(super) async fn read(conn: &mut SqliteConnection, mut touched: Touched, old: &Catalog) -> anyhow::Result<Loaded> {
    let full = touched.full;
    let mut problems = Vec::new();
    let mut report = |problem: BadRow| {
        tracing::warn!(table = problem.table, id = ?problem.id, reason = %problem.reason, "row left out of the catalog");
        problems.push(problem);
    };

    let mut milestones = Vec::new();
    if full || !touched.milestones.is_empty() {
        let take = |r: Result<db::events::MilestoneRow, _>| match r {
            Ok(row) => milestones.push(milestone(row)),
            Err(bad) => report(bad),
        };
        match Touched::ids(&touched.milestones, full) {
            None => db::select_all(conn, db::events::ALL_MILESTONES, take).await?,
            Some(ids) => db::select_each(conn, db::events::MILESTONES, Some(&ids), take).await?,
        }
    }
    let mut awards = Vec::new();
    if full || !touched.awards.is_empty() {
        let ids = Touched::ids(&touched.awards, full);
        db::select_each(conn, db::events::AWARDS, ids.as_deref(), |r| match r {
            Ok(row) => awards.push(award(row)),
            Err(bad) => report(bad),
        })
        .await?;
    }
    if !full {
        let before = touched.milestones.iter().filter_map(|&id| old.milestone(id)).filter_map(|m| m.company_id);
        let after = milestones.iter().filter_map(|m| m.company_id);
        let moved = before.chain(after).collect::<Vec<_>>();
        let before = touched.awards.iter().filter_map(|&id| old.award(id)).map(|a| a.company_id);
        let after = awards.iter().map(|a| a.company_id);
        touched.companies.extend(moved.into_iter().chain(before).chain(after));
    }

    let companies = if full || !touched.companies.is_empty() {
        read_companies(conn, Touched::ids(&touched.companies, full), &mut report).await?
    } else {
        Vec::new()
    };
    let small = if full || touched.small { Some(read_small(conn, &mut report).await?) } else { None };
    let last_revision_at = if full || touched.revisions {
        sqlx::query_scalar("select created_at from revision order by id desc limit 1")
            .fetch_optional(&mut *conn)
            .await?
    } else {
        None
    };
    Ok(Loaded { touched, small, companies, milestones, awards, last_revision_at, defer_search_index: false, problems })
}

/// Company rows (None: all) with their links, each row that cannot be read reported.
async fn read_companies(
    conn: &mut SqliteConnection,
    ids: Option<Vec<i64>>,
    report: &mut impl FnMut(BadRow),
) -> anyhow::Result<Vec<CompanyParts>> {
    let mut companies = Vec::new();
    let take = |r: Result<db::companies::CompanyRow, _>| match r {
        Ok(mut row) => {
            let company = row.id;
            let mut links = |table: &'static str, json: &str| {
                let (ids, bad) = db::companies::link_ids(json);
                for value in bad {
                    let reason = format!("a link to {value}, which is not an id");
                    report(BadRow { table, id: Some(company), reason });
                }
                ids
            };
            // The link columns are read here and not kept: their text is freed now, not when the company is built.
            let sector_ids = links("company_sector", &std::mem::take(&mut row.sector_ids));
            let designation_ids = links("company_designation", &std::mem::take(&mut row.designation_ids));
            companies.push(CompanyParts { row: Box::new(row), sector_ids, designation_ids });
        }
        Err(bad) => report(bad),
    };
    match ids {
        None => db::select_all(conn, db::companies::ALL_COMPANIES, take).await?,
        Some(ids) => db::select_each(conn, db::companies::COMPANIES, Some(&ids), take).await?,
    }
    Ok(companies)
}

/// Reads every row of a small table as entities.
async fn read_all<R, T>(
    conn: &mut SqliteConnection,
    select: db::Select,
    report: &mut impl FnMut(BadRow),
    convert: impl Fn(R) -> T,
) -> sqlx::Result<Vec<T>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    let mut out = Vec::new();
    db::select_each(conn, select, None, |r| match r {
        Ok(row) => out.push(convert(row)),
        Err(bad) => report(bad),
    })
    .await?;
    Ok(out)
}

async fn read_small(conn: &mut SqliteConnection, report: &mut impl FnMut(BadRow)) -> anyhow::Result<Small> {
    let mut parks = read_all(conn, db::park::PARK, report, park).await?;
    if parks.is_empty() {
        report(BadRow { table: "park", id: Some(1), reason: "the park's row is missing".into() });
    }
    let post_rows = read_all(conn, db::posts::POSTS, report, |p: db::posts::PostRow| p).await?;
    // A time typed by hand in SQL that is no time: the post stays off the site, and `check` names it.
    for bad in post_rows.iter().filter(|p| db::posts::beijing_moment(&p.publish_at).is_none()) {
        report(BadRow {
            table: "post",
            id: Some(bad.id),
            reason: format!("publish_at {:?} is not a Beijing time YYYY-MM-DD HH:MM", bad.publish_at),
        });
    }
    let (posts, next_post) = super::news::due(post_rows, time::OffsetDateTime::now_utc());
    Ok(Small {
        posts,
        next_post,
        park: parks.pop().unwrap_or_default(),
        sources: read_all(conn, db::park::SOURCES, report, source).await?,
        sectors: read_all(conn, db::places::SECTORS, report, sector).await?,
        phases: read_all(conn, db::places::PHASES, report, phase).await?,
        buildings: read_all(conn, db::places::BUILDINGS, report, building).await?,
        units: read_all(conn, db::places::UNITS, report, unit).await?,
        designations: read_all(conn, db::companies::DESIGNATIONS, report, designation).await?,
        competitions: read_all(conn, db::events::COMPETITIONS, report, |c: db::events::CompetitionRow| Competition {
            id: c.id,
            slug: c.slug,
            name: text(c.name_zh, c.name_en),
        })
        .await?,
        modified: db::park::small_revision_times(&mut *conn)
            .await?
            .into_iter()
            .map(|(entity, id, at)| ((entity, id), at))
            .collect(),
        seeded_at: db::park::seeded_at(&mut *conn).await?.unwrap_or_else(|| "1970-01-01T00:00:00Z".into()),
    })
}

fn park(p: db::park::ParkRow) -> Park {
    Park {
        name: text(p.name_zh, p.name_en),
        alt_name: text(p.alt_name_zh, p.alt_name_en),
        nickname: text(p.nickname_zh, p.nickname_en),
        location: text(p.location_zh, p.location_en),
        builders: text(p.builders_zh, p.builders_en),
        aim: text(p.aim_zh, p.aim_en),
        strategy: text(p.strategy_zh, p.strategy_en),
        ecosystem: text(p.ecosystem_zh, p.ecosystem_en),
        core_competence: text(p.core_competence_zh, p.core_competence_en),
        industry_layout: text(p.industry_layout_zh, p.industry_layout_en),
        jobs: text(p.jobs_zh, p.jobs_en),
        outlook: text(p.outlook_zh, p.outlook_en),
        policy_context: text(p.policy_context_zh, p.policy_context_en),
        history: text(p.history_zh, p.history_en),
        contact_office: text(p.contact_office_zh, p.contact_office_en),
        contact_phone: p.contact_phone,
        contact_email: p.contact_email,
        source_id: p.source_id,
    }
}

fn source(s: db::park::SourceRow) -> Source {
    Source {
        id: s.id,
        title: text(s.title_zh, s.title_en),
        publisher: text(s.publisher_zh, s.publisher_en),
        author: text(s.author_zh, s.author_en),
        published_on: s.published_on,
        url: s.url,
        note: text(s.note_zh, s.note_en),
    }
}

fn sector(s: db::places::SectorRow) -> Sector {
    Sector {
        id: s.id,
        slug: s.slug,
        name: text(s.name_zh, s.name_en),
        description: text(s.description_zh, s.description_en),
        members: Vec::new(),
        docs: Default::default(),
    }
}

fn phase(p: db::places::PhaseRow) -> Phase {
    Phase {
        id: p.id,
        number: p.number,
        name: text(p.name_zh, p.name_en),
        status: p.status.as_deref().and_then(PhaseStatus::parse),
        construction_started_on: p.construction_started_on,
        completed_on: p.completed_on,
        expected_completion_on: p.expected_completion_on,
        tenant_count_stated: p.tenant_count_stated,
        as_of: p.as_of,
        note: text(p.note_zh, p.note_en),
        source_id: p.source_id,
        members: Vec::new(),
        docs: Default::default(),
        building_ids: Vec::new(),
        site_plan_path: p.site_plan_path.filter(|path| !path.trim().is_empty()),
        site_plan_alt: text(p.site_plan_alt_zh, p.site_plan_alt_en),
    }
}

fn building(b: db::places::BuildingRow) -> Building {
    Building {
        id: b.id,
        phase_id: b.phase_id,
        name: text(b.name_zh, b.name_en),
        kind: b.kind,
        building_count: b.building_count,
        completed_on: b.completed_on,
        note: text(b.note_zh, b.note_en),
        members: Vec::new(),
    }
}

fn unit(u: db::places::UnitRow) -> Unit {
    Unit {
        id: u.id,
        building_id: u.building_id,
        name: text(u.name_zh, u.name_en),
        floor: u.floor,
        area_m2: u.area_m2,
        kind: u.kind,
        status: u.status,
        available_from: u.available_from.filter(|d| !d.trim().is_empty()),
        note: text(u.note_zh, u.note_en),
    }
}

fn designation(d: db::companies::DesignationRow) -> Designation {
    Designation {
        id: d.id,
        slug: d.slug,
        name: text(d.name_zh, d.name_en),
        description: text(d.description_zh, d.description_en),
        members: Vec::new(),
        docs: Default::default(),
    }
}

fn milestone(m: db::events::MilestoneRow) -> Milestone {
    Milestone {
        id: m.id,
        occurred_on: m.occurred_on,
        kind: m.kind,
        phase_id: m.phase_id,
        building_id: m.building_id,
        company_id: m.company_id,
        product_name: m.product_name,
        title: text(m.title_zh, m.title_en),
        description: text(m.description_zh, m.description_en),
        source_id: m.source_id,
        edited_by_company: m.edited_via.as_deref() == Some("edit"),
        edited_at: m.edited_at,
    }
}

fn award(a: db::events::AwardRow) -> Award {
    Award {
        id: a.id,
        company_id: a.company_id,
        competition_id: a.competition_id,
        edition: a.edition,
        division: text(a.division_zh, a.division_en),
        organiser: text(a.organiser_zh, a.organiser_en),
        group: text(a.group_zh, a.group_en),
        rank: text(a.rank_zh, a.rank_en),
        year: a.year,
        prize_money_yuan: a.prize_money_yuan,
        project_support_yuan: a.project_support_yuan,
        source_id: a.source_id,
        edited_at: a.edited_at,
    }
}
