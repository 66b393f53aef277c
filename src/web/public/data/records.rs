//! What each open-data file holds: records by id, both languages side by side, and the header every file
//! carries (licence, sources, when it was made).

use serde::Serialize;

use super::{Dataset, LICENCE_NAME, LICENCE_NOTE_EN, LICENCE_NOTE_ZH, LICENCE_URL};
use crate::catalog::space::{kind_label, status_label};
use crate::catalog::{
    Award, Building, Catalog, Company, Competition, Designation, Milestone, Phase, Provenance, Sector, Source, Unit,
};
use crate::i18n::{Lang, Text};
use crate::web::AppState;

/// A text in both languages; an empty side is `null` (not stated), never filled from the other language.
#[derive(Debug, Serialize)]
pub struct Both<'a> {
    zh: Option<&'a str>,
    en: Option<&'a str>,
}

impl<'a> Both<'a> {
    pub(super) fn of(text: &'a Text) -> Both<'a> {
        Both::pair(&text.zh, &text.en)
    }

    pub(super) fn pair(zh: &'a str, en: &'a str) -> Both<'a> {
        let keep = |s: &'a str| Some(s).filter(|s| !s.trim().is_empty());
        Both { zh: keep(zh), en: keep(en) }
    }
}

/// [`Both`] for texts made on the spot (an award's edition label).
#[derive(Debug, Serialize)]
pub(super) struct OwnedBoth {
    zh: Option<String>,
    en: Option<String>,
}

impl OwnedBoth {
    fn pair(zh: String, en: String) -> OwnedBoth {
        let keep = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        OwnedBoth { zh: keep(zh), en: keep(en) }
    }
}

/// The same page in both languages, as absolute URLs.
#[derive(Debug, Serialize)]
pub(super) struct Urls {
    zh: String,
    en: String,
}

impl Urls {
    pub(super) fn of(state: &AppState, path: &str) -> Urls {
        Urls { zh: state.absolute(&Lang::Zh.url(path)), en: state.absolute(&Lang::En.url(path)) }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct Lines<'a> {
    zh: Vec<&'a str>,
    en: Vec<&'a str>,
}

pub(super) fn ids_of(catalog: &Catalog, members: &[u32]) -> Vec<i64> {
    members.iter().filter_map(|&i| catalog.companies.get(i as usize)).map(|c| c.id).collect()
}

#[derive(Debug, Serialize)]
pub(super) struct CompanyRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    legal_name: Both<'a>,
    /// Tone-marked pinyin of the Chinese short name.
    pinyin: String,
    status: &'a str,
    founded_year: Option<i64>,
    ciomp_spinoff: bool,
    phase_id: Option<i64>,
    building_id: Option<i64>,
    sector_ids: &'a [i64],
    designation_ids: &'a [i64],
    award_ids: &'a [i64],
    milestone_ids: &'a [i64],
    products: Vec<&'a str>,
    /// Markdown, as editors write it.
    description: Both<'a>,
    highlights: Lines<'a>,
    website: Option<&'a str>,
    logo: Option<String>,
    source_id: Option<i64>,
    url: Urls,
    last_modified: &'a str,
    /// Where the record's facts stand: `source` (as its source states them), `company` (last updated by the
    /// company, approved by park staff) or `staff` (last updated by park staff).
    updated_by: &'static str,
    /// The day of that last update; None when the facts are as the source states them.
    updated_on: Option<&'a str>,
    /// The day the company last confirmed the profile is current, when that came after its last update.
    confirmed_on: Option<&'a str>,
}

impl<'a> CompanyRecord<'a> {
    pub(super) fn of(state: &AppState, catalog: &'a Catalog, c: &'a Company) -> CompanyRecord<'a> {
        let products = catalog.products_of(c);
        CompanyRecord {
            id: c.id,
            slug: &c.slug,
            name: Both::of(&c.name),
            legal_name: Both::of(&c.legal_name),
            pinyin: c.pinyin().to_string(),
            status: &c.status,
            founded_year: c.founded_year,
            ciomp_spinoff: c.ciomp_spinoff,
            phase_id: c.phase_id,
            building_id: c.building_id,
            sector_ids: &c.sector_ids,
            designation_ids: &c.designation_ids,
            award_ids: &c.award_ids,
            milestone_ids: &c.milestone_ids,
            products,
            description: Both::of(&c.description),
            highlights: Lines {
                zh: c.highlights.zh.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
                en: c.highlights.en.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
            },
            website: c.website.as_deref(),
            logo: c.logo_path.as_ref().map(|p| state.absolute(&format!("/media/{p}"))),
            source_id: c.source_id,
            url: Urls::of(state, &format!("/companies/{}", c.slug)),
            last_modified: catalog.modified_at("companies", c.id),
            updated_by: match c.provenance() {
                Provenance::Source => "source",
                Provenance::Company(_) => "company",
                Provenance::Staff(_) => "staff",
            },
            updated_on: match c.provenance() {
                Provenance::Source => None,
                Provenance::Company(day) | Provenance::Staff(day) => Some(day),
            },
            confirmed_on: c.confirmed_on(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct DesignationRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    description: Both<'a>,
    company_ids: Vec<i64>,
}

impl<'a> DesignationRecord<'a> {
    pub(super) fn of(catalog: &Catalog, d: &'a Designation) -> DesignationRecord<'a> {
        DesignationRecord {
            id: d.id,
            slug: &d.slug,
            name: Both::of(&d.name),
            description: Both::of(&d.description),
            company_ids: ids_of(catalog, &d.members),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct AwardRecord<'a> {
    id: i64,
    company_id: i64,
    competition_id: i64,
    edition: Option<i64>,
    edition_label: OwnedBoth,
    division: Both<'a>,
    organiser: Both<'a>,
    group: Both<'a>,
    rank: Both<'a>,
    year: Option<i64>,
    prize_money_yuan: Option<i64>,
    project_support_yuan: Option<i64>,
    source_id: Option<i64>,
    last_modified: &'a str,
}

impl<'a> AwardRecord<'a> {
    pub(super) fn of(catalog: &'a Catalog, a: &'a Award) -> AwardRecord<'a> {
        AwardRecord {
            id: a.id,
            company_id: a.company_id,
            competition_id: a.competition_id,
            edition: a.edition,
            edition_label: OwnedBoth::pair(a.edition_label(Lang::Zh), a.edition_label(Lang::En)),
            division: Both::of(&a.division),
            organiser: Both::of(&a.organiser),
            group: Both::of(&a.group),
            rank: Both::of(&a.rank),
            year: a.year,
            prize_money_yuan: a.prize_money_yuan,
            project_support_yuan: a.project_support_yuan,
            source_id: a.source_id,
            last_modified: catalog.modified_at("awards", a.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct CompetitionRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
}

impl<'a> CompetitionRecord<'a> {
    pub(super) fn of(c: &'a Competition) -> CompetitionRecord<'a> {
        CompetitionRecord { id: c.id, slug: &c.slug, name: Both::of(&c.name) }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct PhaseRecord<'a> {
    id: i64,
    number: i64,
    name: Both<'a>,
    /// `planned`, `under_construction`, `delivered`, or null when the source does not say.
    status: Option<&'static str>,
    status_label: Option<Both<'static>>,
    construction_started_on: Option<&'a str>,
    completed_on: Option<&'a str>,
    expected_completion_on: Option<&'a str>,
    tenant_count_stated: Option<i64>,
    /// The date the stated status and counts hold for.
    as_of: Option<&'a str>,
    note: Both<'a>,
    source_id: Option<i64>,
    company_ids: Vec<i64>,
    building_ids: &'a [i64],
    url: Urls,
    last_modified: &'a str,
}

impl<'a> PhaseRecord<'a> {
    pub(super) fn of(state: &AppState, catalog: &'a Catalog, p: &'a Phase) -> PhaseRecord<'a> {
        PhaseRecord {
            id: p.id,
            number: p.number,
            name: Both::of(&p.name),
            status: p.status.map(|s| s.key()),
            status_label: p.status.map(|s| Both::pair(s.label(Lang::Zh), s.label(Lang::En))),
            construction_started_on: p.construction_started_on.as_deref(),
            completed_on: p.completed_on.as_deref(),
            expected_completion_on: p.expected_completion_on.as_deref(),
            tenant_count_stated: p.tenant_count_stated,
            as_of: p.as_of.as_deref(),
            note: Both::of(&p.note),
            source_id: p.source_id,
            company_ids: ids_of(catalog, &p.members),
            building_ids: &p.building_ids,
            url: Urls::of(state, &format!("/phases/{}", p.number)),
            last_modified: catalog.modified_at("phases", p.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct BuildingRecord<'a> {
    id: i64,
    phase_id: Option<i64>,
    name: Both<'a>,
    kind: &'a str,
    building_count: i64,
    completed_on: Option<&'a str>,
    note: Both<'a>,
    company_ids: Vec<i64>,
}

impl<'a> BuildingRecord<'a> {
    pub(super) fn of(catalog: &Catalog, b: &'a Building) -> BuildingRecord<'a> {
        BuildingRecord {
            id: b.id,
            phase_id: b.phase_id,
            name: Both::of(&b.name),
            kind: &b.kind,
            building_count: b.building_count,
            completed_on: b.completed_on.as_deref(),
            note: Both::of(&b.note),
            company_ids: ids_of(catalog, &b.members),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct UnitRecord<'a> {
    id: i64,
    building_id: i64,
    phase_id: Option<i64>,
    name: Both<'a>,
    /// As the building signs it (`3`, `B1`); null when not given.
    floor: Option<&'a str>,
    area_m2: i64,
    /// `office`, `laboratory`, `clean_room`, `production` or `incubator_desk`.
    kind: &'a str,
    kind_label: Both<'a>,
    /// `available`, `reserved` or `let`.
    status: &'a str,
    status_label: Both<'a>,
    /// For an available unit: from when (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); null means now.
    available_from: Option<&'a str>,
    note: Both<'a>,
    url: Urls,
    last_modified: &'a str,
}

impl<'a> UnitRecord<'a> {
    pub(super) fn of(state: &AppState, catalog: &'a Catalog, u: &'a Unit) -> UnitRecord<'a> {
        UnitRecord {
            id: u.id,
            building_id: u.building_id,
            phase_id: catalog.building(u.building_id).and_then(|b| b.phase_id),
            name: Both::of(&u.name),
            floor: Some(u.floor.as_str()).filter(|f| !f.is_empty()),
            area_m2: u.area_m2,
            kind: &u.kind,
            kind_label: Both::pair(kind_label(&u.kind, Lang::Zh), kind_label(&u.kind, Lang::En)),
            status: &u.status,
            status_label: Both::pair(status_label(&u.status, Lang::Zh), status_label(&u.status, Lang::En)),
            available_from: u.available_from.as_deref(),
            note: Both::of(&u.note),
            url: Urls::of(state, &format!("/space/{}", u.id)),
            last_modified: catalog.modified_at("units", u.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct MilestoneRecord<'a> {
    id: i64,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: as precise as the source is.
    occurred_on: &'a str,
    kind: &'a str,
    phase_id: Option<i64>,
    building_id: Option<i64>,
    company_id: Option<i64>,
    product_name: Option<&'a str>,
    title: Both<'a>,
    description: Both<'a>,
    source_id: Option<i64>,
}

impl<'a> MilestoneRecord<'a> {
    pub(super) fn of(m: &'a Milestone) -> MilestoneRecord<'a> {
        MilestoneRecord {
            id: m.id,
            occurred_on: &m.occurred_on,
            kind: &m.kind,
            phase_id: m.phase_id,
            building_id: m.building_id,
            company_id: m.company_id,
            product_name: Some(m.product_name.as_str()).filter(|p| !p.is_empty()),
            title: Both::of(&m.title),
            description: Both::of(&m.description),
            source_id: m.source_id,
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct SectorRecord<'a> {
    id: i64,
    slug: &'a str,
    name: Both<'a>,
    description: Both<'a>,
    company_ids: Vec<i64>,
    url: Urls,
    last_modified: &'a str,
}

impl<'a> SectorRecord<'a> {
    pub(super) fn of(state: &AppState, catalog: &'a Catalog, s: &'a Sector) -> SectorRecord<'a> {
        SectorRecord {
            id: s.id,
            slug: &s.slug,
            name: Both::of(&s.name),
            description: Both::of(&s.description),
            company_ids: ids_of(catalog, &s.members),
            url: Urls::of(state, &format!("/sectors/{}", s.slug)),
            last_modified: catalog.modified_at("sectors", s.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct SourceRecord<'a> {
    id: i64,
    title: Both<'a>,
    publisher: Both<'a>,
    author: Both<'a>,
    published_on: Option<&'a str>,
    url: Option<&'a str>,
    note: Both<'a>,
}

impl<'a> SourceRecord<'a> {
    pub(super) fn of(s: &'a Source) -> SourceRecord<'a> {
        SourceRecord {
            id: s.id,
            title: Both::of(&s.title),
            publisher: Both::of(&s.publisher),
            author: Both::of(&s.author),
            published_on: s.published_on.as_deref(),
            url: s.url.as_deref(),
            note: Both::of(&s.note),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct Licence {
    name: &'static str,
    url: &'static str,
    note: Both<'static>,
}

pub(super) const LICENCE: Licence = Licence {
    name: LICENCE_NAME,
    url: LICENCE_URL,
    note: Both { zh: Some(LICENCE_NOTE_ZH), en: Some(LICENCE_NOTE_EN) },
};

/// What every file says about itself.
#[derive(Debug, Serialize)]
pub(super) struct Header<'a> {
    dataset: &'static str,
    title: Both<'static>,
    description: Both<'static>,
    rows: usize,
    licence: Licence,
    /// The reporting the facts come from (records refer to it by `source_id`).
    sources: Vec<SourceRecord<'a>>,
    generated_at: String,
    /// When anything in the portal's data last changed.
    last_modified: &'a str,
    portal: String,
    documentation: Urls,
    formats: Formats,
}

#[derive(Debug, Serialize)]
pub(super) struct Formats {
    json: String,
    csv: String,
}

impl<'a> Header<'a> {
    pub(super) fn of(state: &AppState, catalog: &'a Catalog, dataset: Dataset, generated_at: String) -> Header<'a> {
        Header {
            dataset: dataset.key(),
            title: Both::pair(dataset.title(Lang::Zh), dataset.title(Lang::En)),
            description: Both::pair(dataset.description(Lang::Zh), dataset.description(Lang::En)),
            rows: dataset.rows(catalog),
            licence: LICENCE,
            sources: catalog.sources.iter().map(SourceRecord::of).collect(),
            generated_at,
            last_modified: catalog.last_modified(),
            portal: state.absolute("/"),
            documentation: Urls::of(state, "/data"),
            formats: Formats { json: state.absolute(&dataset.json_path()), csv: state.absolute(&dataset.csv_path()) },
        }
    }
}
