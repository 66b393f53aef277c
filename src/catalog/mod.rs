//! The public read model: every fact the public pages show, loaded from SQLite once and held in memory.
//!
//! Handlers are plain functions of (catalog, language, query). After a write the catalog is rebuilt and
//! swapped atomically ([`crate::app::AppState::reload`]), so readers never wait for writers.

pub mod directory;
pub mod pinyin;
pub mod search;

use std::borrow::Borrow;
use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::SqlitePool;

use crate::db;
use crate::i18n::{Lang, Text};

#[derive(Debug, Clone)]
pub struct Source {
    pub id: i64,
    pub title: Text,
    pub publisher: Text,
    pub author: Text,
    pub published_on: Option<String>,
    pub url: Option<String>,
    pub note: Text,
}

#[derive(Debug, Clone)]
pub struct Park {
    pub name: Text,
    pub alt_name: Text,
    pub nickname: Text,
    pub location: Text,
    pub builders: Text,
    pub aim: Text,
    pub strategy: Text,
    pub ecosystem: Text,
    pub core_competence: Text,
    pub industry_layout: Text,
    pub jobs: Text,
    pub outlook: Text,
    pub policy_context: Text,
    pub history: Text,
    pub source_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Sector {
    pub id: i64,
    pub slug: String,
    pub name: Text,
    pub description: Text,
    /// Companies in this sector: positions in [`Catalog::companies`], so in name order.
    pub members: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseStatus {
    Planned,
    UnderConstruction,
    Delivered,
}

impl PhaseStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "planned" => Some(Self::Planned),
            "under_construction" => Some(Self::UnderConstruction),
            "delivered" => Some(Self::Delivered),
            _ => None,
        }
    }

    /// The stored value: `planned`, `under_construction`, `delivered`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::UnderConstruction => "under_construction",
            Self::Delivered => "delivered",
        }
    }

    pub fn label(self, l: impl Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Self::Planned => l.t("规划中", "Planned"),
            Self::UnderConstruction => l.t("在建", "Under construction"),
            Self::Delivered => l.t("已交付使用", "Delivered and in use"),
        }
    }

    /// CSS modifier for the status badge.
    pub fn css(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::UnderConstruction => "building",
            Self::Delivered => "delivered",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub id: i64,
    pub number: i64,
    pub name: Text,
    pub status: Option<PhaseStatus>,
    pub construction_started_on: Option<String>,
    pub completed_on: Option<String>,
    pub expected_completion_on: Option<String>,
    pub tenant_count_stated: Option<i64>,
    pub as_of: Option<String>,
    pub note: Text,
    pub source_id: Option<i64>,
    /// Positions in [`Catalog::companies`] (name order).
    pub members: Vec<u32>,
    pub building_ids: Vec<i64>,
    /// An uploaded plan of the phase (`site-plans/….png` under the uploads folder), shown instead of the
    /// schematic.
    pub site_plan_path: Option<String>,
    /// The plan's alternative text as staff wrote it (may be empty: see [`Phase::site_plan_alt`]).
    pub site_plan_alt: Text,
}

impl Phase {
    /// Where the site plan is served, if there is one.
    pub fn site_plan_url(&self) -> Option<String> {
        self.site_plan_path.as_ref().map(|p| format!("/media/{p}"))
    }

    /// The plan's alternative text in `l`: the one staff entered, else "Site plan of Phase 1" (never the
    /// other language's text, which a screen reader would read with the wrong voice).
    pub fn site_plan_alt(&self, l: impl Borrow<Lang>) -> String {
        let l = *l.borrow();
        let entered = match l {
            Lang::Zh => &self.site_plan_alt.zh,
            Lang::En => &self.site_plan_alt.en,
        };
        match entered.trim() {
            "" => match l {
                Lang::Zh => format!("{}总平面图", self.name.get(l)),
                Lang::En => format!("Site plan of {}", self.name.get(l)),
            },
            alt => alt.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Building {
    pub id: i64,
    pub phase_id: Option<i64>,
    pub name: Text,
    pub kind: String,
    pub building_count: i64,
    pub completed_on: Option<String>,
    pub note: Text,
    /// Positions in [`Catalog::companies`] (name order).
    pub members: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Designation {
    pub id: i64,
    pub slug: String,
    pub name: Text,
    pub description: Text,
    /// Positions in [`Catalog::companies`] (name order).
    pub members: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Company {
    pub id: i64,
    pub slug: String,
    /// Short names: the ones people use (长光辰芯, Gpixel).
    pub name: Text,
    pub legal_name: Text,
    pub phase_id: Option<i64>,
    pub building_id: Option<i64>,
    pub founded_year: Option<i64>,
    pub ciomp_spinoff: bool,
    pub description: Text,
    pub highlights: Text,
    pub website: Option<String>,
    pub logo_path: Option<String>,
    pub status: String,
    pub source_id: Option<i64>,
    pub updated_at: String,
    pub sector_ids: Vec<i64>,
    pub designation_ids: Vec<i64>,
    pub award_ids: Vec<i64>,
    pub milestone_ids: Vec<i64>,
    /// Position in name order (pinyin of the Chinese name, the same in both languages).
    pub name_rank: u32,
    /// Names, pinyin spellings and product names, lower-cased: what short search terms match; see [`search`].
    pub search_keys: String,
}

impl Company {
    fn from_row(c: db::companies::CompanyRow) -> Company {
        Company {
            id: c.id,
            slug: c.slug,
            name: text(c.short_name_zh, c.short_name_en),
            legal_name: text(c.legal_name_zh, c.legal_name_en),
            phase_id: c.phase_id,
            building_id: c.building_id,
            founded_year: c.founded_year,
            ciomp_spinoff: c.ciomp_spinoff,
            description: text(c.description_zh, c.description_en),
            highlights: text(c.highlights_zh, c.highlights_en),
            website: c.website.filter(|w| !w.trim().is_empty()),
            logo_path: c.logo_path.filter(|p| !p.trim().is_empty()),
            status: c.status,
            source_id: c.source_id,
            updated_at: c.updated_at,
            sector_ids: Vec::new(),
            designation_ids: Vec::new(),
            award_ids: Vec::new(),
            milestone_ids: Vec::new(),
            name_rank: 0,
            search_keys: String::new(),
        }
    }

    /// Tone-marked pinyin of the Chinese short name, shown on English pages when no English name exists.
    pub fn pinyin(&self) -> String {
        pinyin::display(&self.name.zh)
    }

    /// The lower-cased document the full-text index holds for this company.
    pub fn search_document(&self) -> String {
        search::document(self)
    }

    /// First sentence of the description, as plain text, for cards and meta descriptions.
    pub fn summary(&self, l: impl Borrow<Lang>) -> String {
        let text = crate::web::markdown::first_paragraph_text(self.description.get(l));
        let end = text
            .char_indices()
            .find(|(_, c)| matches!(c, '。' | '！' | '？'))
            .map(|(i, c)| i + c.len_utf8())
            .or_else(|| text.find(". ").map(|i| i + 1))
            .unwrap_or(text.len());
        text[..end].to_string()
    }

    /// The description as safe HTML (editors write Markdown).
    pub fn description_html(&self, l: impl Borrow<Lang>) -> String {
        crate::web::markdown::to_html(self.description.get(l))
    }
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub id: i64,
    pub occurred_on: String,
    pub kind: String,
    pub phase_id: Option<i64>,
    pub building_id: Option<i64>,
    pub company_id: Option<i64>,
    pub product_name: String,
    pub title: Text,
    pub description: Text,
    pub source_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Competition {
    pub id: i64,
    pub slug: String,
    pub name: Text,
}

#[derive(Debug, Clone)]
pub struct Award {
    pub id: i64,
    pub company_id: i64,
    pub competition_id: i64,
    pub edition: Option<i64>,
    pub division: Text,
    pub organiser: Text,
    pub group: Text,
    pub rank: Text,
    pub year: Option<i64>,
    pub prize_money_yuan: Option<i64>,
    pub project_support_yuan: Option<i64>,
    pub source_id: Option<i64>,
}

impl Award {
    /// "10th" / "第十届" style edition label, empty when the edition is not stated.
    pub fn edition_label(&self, l: impl Borrow<Lang>) -> String {
        match (self.edition, *l.borrow()) {
            (None, _) => String::new(),
            (Some(n), Lang::Zh) => format!("第{}届", chinese_numeral(n)),
            (Some(n), Lang::En) => {
                let suffix = match (n % 10, n % 100) {
                    (1, r) if r != 11 => "st",
                    (2, r) if r != 12 => "nd",
                    (3, r) if r != 13 => "rd",
                    _ => "th",
                };
                format!("{n}{suffix}")
            }
        }
    }
}

/// Chinese numerals for edition counts (1–99), as competitions write them: 第六届, 第十届, 第二十一届.
fn chinese_numeral(n: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[(n % 10) as usize]),
        20..=99 => {
            let ones = if n % 10 == 0 { "" } else { DIGITS[(n % 10) as usize] };
            format!("{}十{ones}", DIGITS[(n / 10) as usize])
        }
        _ => n.to_string(),
    }
}

/// Figures computed from the data for the home page.
#[derive(Debug, Clone, Default)]
pub struct KeyFigures {
    pub companies_profiled: usize,
    /// Sum of the tenant counts the sources state for phases (22 in phase 1 as of March 2023).
    pub tenants_stated: Option<i64>,
    pub tenants_as_of: Option<String>,
    pub phases: usize,
    pub sectors: usize,
    pub awards: usize,
    pub prize_money_yuan: i64,
    pub project_support_yuan: i64,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub park: Park,
    pub sources: Vec<Source>,
    pub sectors: Vec<Sector>,
    pub phases: Vec<Phase>,
    pub buildings: Vec<Building>,
    pub designations: Vec<Designation>,
    /// In directory order (by name).
    pub companies: Vec<Company>,
    /// Oldest first.
    pub milestones: Vec<Milestone>,
    pub competitions: Vec<Competition>,
    pub awards: Vec<Award>,
    pub figures: KeyFigures,
    /// Companies with at least one award (positions, name order).
    pub awarded: Vec<u32>,
    /// Where one- and two-character search terms occur.
    pub short_terms: search::ShortTermIndex,
    company_index: HashMap<i64, usize>,
    company_by_slug: HashMap<String, usize>,
    /// Last admin change per entry: (entity key such as `companies`, id) → `YYYY-MM-DDTHH:MM:SSZ`.
    modified: HashMap<(String, i64), String>,
    /// When the seeded facts were loaded; the date of every entry never edited since.
    seeded_at: String,
}

fn text(zh: String, en: String) -> Text {
    Text { zh, en }
}

impl Catalog {
    /// Reads every public table. A handful of queries; run at start and after each write.
    pub async fn load(pool: &SqlitePool) -> anyhow::Result<Catalog> {
        let mut conn = pool.acquire().await?;
        let park = db::park::park(&mut *conn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the database has no park row; was the seed migration applied?"))?;
        let sources = db::park::sources(&mut *conn).await?;
        let sectors = db::places::sectors(&mut *conn).await?;
        let phases = db::places::phases(&mut *conn).await?;
        let buildings = db::places::buildings(&mut *conn).await?;
        let designations = db::companies::designations(&mut *conn).await?;
        // Streamed, so a large directory is never held twice (as rows and as companies) at once.
        let mut companies = Vec::new();
        {
            let mut rows = db::companies::companies(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                companies.push(Company::from_row(row));
            }
        }
        let company_sectors = db::companies::company_sectors(&mut *conn).await?;
        let company_designations = db::companies::company_designations(&mut *conn).await?;
        let milestones = db::events::milestones(&mut *conn).await?;
        let competitions = db::events::competitions(&mut *conn).await?;
        let awards = db::events::awards(&mut *conn).await?;
        let revision_times = db::park::revision_times(&mut *conn).await?;
        let seeded_at = db::park::seeded_at(&mut *conn).await?.unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        Ok(Self::build(
            park,
            Rows {
                sources,
                sectors,
                phases,
                buildings,
                designations,
                companies,
                company_sectors,
                company_designations,
                milestones,
                competitions,
                awards,
                revision_times,
                seeded_at,
            },
        ))
    }

    fn build(park: db::park::ParkRow, rows: Rows) -> Catalog {
        let park = Park {
            name: text(park.name_zh, park.name_en),
            alt_name: text(park.alt_name_zh, park.alt_name_en),
            nickname: text(park.nickname_zh, park.nickname_en),
            location: text(park.location_zh, park.location_en),
            builders: text(park.builders_zh, park.builders_en),
            aim: text(park.aim_zh, park.aim_en),
            strategy: text(park.strategy_zh, park.strategy_en),
            ecosystem: text(park.ecosystem_zh, park.ecosystem_en),
            core_competence: text(park.core_competence_zh, park.core_competence_en),
            industry_layout: text(park.industry_layout_zh, park.industry_layout_en),
            jobs: text(park.jobs_zh, park.jobs_en),
            outlook: text(park.outlook_zh, park.outlook_en),
            policy_context: text(park.policy_context_zh, park.policy_context_en),
            history: text(park.history_zh, park.history_en),
            source_id: park.source_id,
        };
        let sources = rows
            .sources
            .into_iter()
            .map(|s| Source {
                id: s.id,
                title: text(s.title_zh, s.title_en),
                publisher: text(s.publisher_zh, s.publisher_en),
                author: text(s.author_zh, s.author_en),
                published_on: s.published_on,
                url: s.url,
                note: text(s.note_zh, s.note_en),
            })
            .collect();

        let companies = rows.companies;
        // Sort once by pinyin (computed here, not kept: a large directory would carry it twice).
        let mut keyed: Vec<(String, Company)> = companies
            .into_iter()
            .map(|c| (format!("{} {}", pinyin::display(&c.name.zh).to_lowercase(), c.name.zh), c))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
        let mut companies: Vec<Company> = keyed.into_iter().map(|(_, c)| c).collect();
        for (rank, c) in companies.iter_mut().enumerate() {
            c.name_rank = rank as u32;
        }
        let company_index: HashMap<i64, usize> = companies.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let company_by_slug = companies.iter().enumerate().map(|(i, c)| (c.slug.clone(), i)).collect();

        for (company_id, sector_id) in rows.company_sectors {
            if let Some(&i) = company_index.get(&company_id) {
                companies[i].sector_ids.push(sector_id);
            }
        }
        for (company_id, designation_id) in rows.company_designations {
            if let Some(&i) = company_index.get(&company_id) {
                companies[i].designation_ids.push(designation_id);
            }
        }
        let milestones: Vec<Milestone> = rows
            .milestones
            .into_iter()
            .map(|m| Milestone {
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
            })
            .collect();
        let mut products: HashMap<i64, Vec<&str>> = HashMap::new();
        for m in &milestones {
            if let Some(&i) = m.company_id.and_then(|id| company_index.get(&id)) {
                companies[i].milestone_ids.push(m.id);
                if !m.product_name.is_empty() {
                    products.entry(companies[i].id).or_default().push(&m.product_name);
                }
            }
        }
        for c in &mut companies {
            c.search_keys = search::search_keys(c, products.get(&c.id).map(Vec::as_slice).unwrap_or_default());
        }
        let awards: Vec<Award> = rows
            .awards
            .into_iter()
            .map(|a| Award {
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
            })
            .collect();
        for a in &awards {
            if let Some(&i) = company_index.get(&a.company_id) {
                companies[i].award_ids.push(a.id);
            }
        }

        let members = |pred: &dyn Fn(&Company) -> bool| -> Vec<u32> {
            companies.iter().enumerate().filter(|(_, c)| pred(c)).map(|(i, _)| i as u32).collect()
        };
        let awarded = members(&|c| !c.award_ids.is_empty());
        let short_terms = search::ShortTermIndex::build(&companies);
        let sectors: Vec<Sector> = rows
            .sectors
            .into_iter()
            .map(|s| Sector {
                members: members(&|c| c.sector_ids.contains(&s.id)),
                id: s.id,
                slug: s.slug,
                name: text(s.name_zh, s.name_en),
                description: text(s.description_zh, s.description_en),
            })
            .collect();
        let buildings: Vec<Building> = rows
            .buildings
            .into_iter()
            .map(|b| Building {
                members: members(&|c| c.building_id == Some(b.id)),
                id: b.id,
                phase_id: b.phase_id,
                name: text(b.name_zh, b.name_en),
                kind: b.kind,
                building_count: b.building_count,
                completed_on: b.completed_on,
                note: text(b.note_zh, b.note_en),
            })
            .collect();
        let phases: Vec<Phase> = rows
            .phases
            .into_iter()
            .map(|p| Phase {
                members: members(&|c| c.phase_id == Some(p.id)),
                building_ids: buildings.iter().filter(|b| b.phase_id == Some(p.id)).map(|b| b.id).collect(),
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
                site_plan_path: p.site_plan_path.filter(|path| !path.trim().is_empty()),
                site_plan_alt: text(p.site_plan_alt_zh, p.site_plan_alt_en),
            })
            .collect();
        let designations: Vec<Designation> = rows
            .designations
            .into_iter()
            .map(|d| Designation {
                members: members(&|c| c.designation_ids.contains(&d.id)),
                id: d.id,
                slug: d.slug,
                name: text(d.name_zh, d.name_en),
                description: text(d.description_zh, d.description_en),
            })
            .collect();
        let competitions = rows
            .competitions
            .into_iter()
            .map(|c| Competition { id: c.id, slug: c.slug, name: text(c.name_zh, c.name_en) })
            .collect();

        let stated: Vec<&Phase> = phases.iter().filter(|p| p.tenant_count_stated.is_some()).collect();
        let figures = KeyFigures {
            companies_profiled: companies.len(),
            tenants_stated: (!stated.is_empty()).then(|| stated.iter().filter_map(|p| p.tenant_count_stated).sum()),
            tenants_as_of: stated.iter().filter_map(|p| p.as_of.clone()).max(),
            phases: phases.len(),
            sectors: sectors.len(),
            awards: awards.len(),
            prize_money_yuan: awards.iter().filter_map(|a| a.prize_money_yuan).sum(),
            project_support_yuan: awards.iter().filter_map(|a| a.project_support_yuan).sum(),
        };

        Catalog {
            park,
            sources,
            sectors,
            phases,
            buildings,
            designations,
            companies,
            milestones,
            competitions,
            awards,
            figures,
            awarded,
            short_terms,
            company_index,
            company_by_slug,
            modified: rows.revision_times.into_iter().map(|(entity, id, at)| ((entity, id), at)).collect(),
            seeded_at: rows.seeded_at,
        }
    }

    /// When an entry last changed (`YYYY-MM-DDTHH:MM:SSZ`): its last admin edit, else when the seed was loaded.
    /// `entity` is the admin's key: `companies`, `awards`, `phases`, …
    pub fn modified_at(&self, entity: &str, id: i64) -> &str {
        self.edited_at(entity, id).unwrap_or(&self.seeded_at)
    }

    /// When an entry was last changed through the admin, if ever (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn edited_at(&self, entity: &str, id: i64) -> Option<&str> {
        self.modified.get(&(entity.to_string(), id)).map(String::as_str)
    }

    /// When anything public last changed (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn last_modified(&self) -> &str {
        self.modified.values().map(String::as_str).max().unwrap_or(&self.seeded_at).max(&self.seeded_at)
    }

    pub fn company(&self, id: impl Borrow<i64>) -> Option<&Company> {
        self.company_index.get(id.borrow()).map(|&i| &self.companies[i])
    }

    /// A company's position in [`Catalog::companies`].
    pub fn position(&self, id: i64) -> Option<u32> {
        self.company_index.get(&id).map(|&i| i as u32)
    }

    pub fn company_by_slug(&self, slug: &str) -> Option<&Company> {
        self.company_by_slug.get(slug).map(|&i| &self.companies[i])
    }

    /// The first `limit` of a member list, as companies (pages show a bounded number; the directory has all).
    pub fn members_of(&self, members: &[u32], limit: usize) -> Vec<&Company> {
        members.iter().take(limit).filter_map(|&i| self.companies.get(i as usize)).collect()
    }

    pub fn sector(&self, id: i64) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.id == id)
    }

    pub fn sector_by_slug(&self, slug: &str) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.slug == slug)
    }

    pub fn sectors_of(&self, c: &Company) -> Vec<&Sector> {
        self.sectors.iter().filter(|s| c.sector_ids.contains(&s.id)).collect()
    }

    pub fn phase(&self, id: impl Borrow<i64>) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == *id.borrow())
    }

    pub fn phase_by_number(&self, number: impl Borrow<i64>) -> Option<&Phase> {
        self.phases.iter().find(|p| p.number == *number.borrow())
    }

    pub fn phase_of(&self, c: &Company) -> Option<&Phase> {
        c.phase_id.and_then(|id| self.phase(id))
    }

    pub fn building(&self, id: impl Borrow<i64>) -> Option<&Building> {
        self.buildings.iter().find(|b| b.id == *id.borrow())
    }

    pub fn buildings_of(&self, p: &Phase) -> Vec<&Building> {
        p.building_ids.iter().filter_map(|&id| self.building(id)).collect()
    }

    /// Buildings the sources name without saying which phase they belong to.
    pub fn buildings_without_phase(&self) -> Vec<&Building> {
        self.buildings.iter().filter(|b| b.phase_id.is_none()).collect()
    }

    pub fn designation_by_slug(&self, slug: &str) -> Option<&Designation> {
        self.designations.iter().find(|d| d.slug == slug)
    }

    pub fn designations_of(&self, c: &Company) -> Vec<&Designation> {
        self.designations.iter().filter(|d| c.designation_ids.contains(&d.id)).collect()
    }

    pub fn competition(&self, id: impl Borrow<i64>) -> Option<&Competition> {
        self.competitions.iter().find(|c| c.id == *id.borrow())
    }

    pub fn competition_by_slug(&self, slug: &str) -> Option<&Competition> {
        self.competitions.iter().find(|c| c.slug == slug)
    }

    pub fn awards_of(&self, c: &Company) -> Vec<&Award> {
        self.awards.iter().filter(|a| a.company_id == c.id).collect()
    }

    pub fn milestones_of_company(&self, c: &Company) -> Vec<&Milestone> {
        self.milestones.iter().filter(|m| m.company_id == Some(c.id)).collect()
    }

    pub fn milestones_of_phase(&self, p: &Phase) -> Vec<&Milestone> {
        self.milestones
            .iter()
            .filter(|m| {
                m.phase_id == Some(p.id)
                    || m.building_id.and_then(|b| self.building(b)).is_some_and(|b| b.phase_id == Some(p.id))
            })
            .collect()
    }

    /// The park's own milestones (construction, handovers, tenants), oldest first; company events are on
    /// their profiles, so the park's timeline stays short however many companies there are.
    pub fn park_milestones(&self) -> Vec<&Milestone> {
        self.milestones.iter().filter(|m| m.company_id.is_none()).collect()
    }

    /// The newest milestones first.
    pub fn latest_milestones(&self, n: usize) -> Vec<&Milestone> {
        self.milestones.iter().rev().take(n).collect()
    }

    pub fn source(&self, id: impl Borrow<Option<i64>>) -> Option<&Source> {
        id.borrow().and_then(|id| self.sources.iter().find(|s| s.id == id))
    }

    /// Product names a company has launched (searchable).
    pub fn products_of(&self, c: &Company) -> Vec<&str> {
        self.milestones
            .iter()
            .filter(|m| m.company_id == Some(c.id) && !m.product_name.is_empty())
            .map(|m| m.product_name.as_str())
            .collect()
    }
}

/// Everything [`Catalog::load`] reads, before it is linked together.
struct Rows {
    sources: Vec<db::park::SourceRow>,
    sectors: Vec<db::places::SectorRow>,
    phases: Vec<db::places::PhaseRow>,
    buildings: Vec<db::places::BuildingRow>,
    designations: Vec<db::companies::DesignationRow>,
    companies: Vec<Company>,
    company_sectors: Vec<(i64, i64)>,
    company_designations: Vec<(i64, i64)>,
    milestones: Vec<db::events::MilestoneRow>,
    competitions: Vec<db::events::CompetitionRow>,
    awards: Vec<db::events::AwardRow>,
    revision_times: Vec<(String, i64, String)>,
    seeded_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_edition_numerals() {
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(6), "六");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(13), "十三");
        assert_eq!(chinese_numeral(21), "二十一");
    }
}
