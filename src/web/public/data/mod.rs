//! Open data: the datasets as JSON and CSV files (`/data/*.json`, `/data/*.csv`), the directory as a JSON API
//! (`/api/companies`), and the page that describes them (`/data`, `/en/data`).
//!
//! Every file carries a header naming its licence, its source and when it was made; records keep their
//! database ids and slugs, both languages side by side, and refer to each other by id. The files are
//! language-neutral, so they live only at `/data/…` and `/api/…`.

mod api;
mod build;
mod page;
mod records;
mod serve;
mod write;

pub use api::{api_companies, api_not_found, json_error};
pub use build::{DataFile, Generation, OpenData, spawn_builder};
pub use page::page;
pub use serve::{FIRST_BUILD_PATIENCE, route};

use crate::catalog::Catalog;
use crate::i18n::Lang;

/// The licence of the portal's own compilation. The facts themselves come from the cited reporting.
pub const LICENCE_NAME: &str = "CC BY 4.0";
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
const LICENCE_NOTE_ZH: &str = "本站对这些数据的整理与汇编以知识共享署名 4.0 国际许可协议（CC BY 4.0）发布，使用时请注明“长春光电信息产业园门户网站”并附上本站链接。数据中的事实取自所注明的公开报道。";
const LICENCE_NOTE_EN: &str = "The portal's compilation of this data is published under the Creative Commons Attribution 4.0 International licence (CC BY 4.0): credit \"Changchun Optoelectronic Information Industrial Park portal\" with a link to the portal. The facts in it come from the public reporting cited as the source.";

pub const JSON: &str = "application/json; charset=utf-8";

/// The open datasets, each as JSON here and as CSV at the same path with `.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Companies,
    Awards,
    Phases,
    Sectors,
    Competitions,
    Space,
}

impl Dataset {
    pub const ALL: [Dataset; 6] =
        [Dataset::Companies, Dataset::Awards, Dataset::Phases, Dataset::Sectors, Dataset::Competitions, Dataset::Space];

    pub fn key(self) -> &'static str {
        match self {
            Dataset::Companies => "companies",
            Dataset::Awards => "awards",
            Dataset::Phases => "phases",
            Dataset::Sectors => "sectors",
            Dataset::Competitions => "competitions",
            Dataset::Space => "space",
        }
    }

    pub fn title(self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Dataset::Companies => l.t("入驻企业", "Companies"),
            Dataset::Awards => l.t("企业获奖", "Awards"),
            Dataset::Phases => l.t("园区分期", "Phases"),
            Dataset::Sectors => l.t("产业方向", "Sectors"),
            Dataset::Competitions => l.t("赛事", "Competitions"),
            Dataset::Space => l.t("可租房源", "Available space"),
        }
    }

    pub fn description(self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        let l = *l.borrow();
        match self {
            Dataset::Companies => l.t(
                "企业名称、简介、亮点、所属分期、产业方向与资质认定（附资质认定表）。",
                "Names, descriptions, highlights, phase, sectors and designations of each company (with the designations).",
            ),
            Dataset::Awards => l.t(
                "企业在各赛事中获得的奖项、奖金与项目支持（附赛事表）。",
                "Awards won by park companies, with prize money and project support (with the competitions).",
            ),
            Dataset::Phases => l.t(
                "各期的状态、日期与入驻企业，以及楼宇和园区大事记。",
                "Each phase's status, dates and tenants, with the buildings and the park's milestones.",
            ),
            Dataset::Sectors => l.t("园区的产业方向及各方向的企业。", "The park's sectors and the companies in each."),
            Dataset::Competitions => l.t(
                "园区企业获奖的赛事及其中英文名称（各奖项见“企业获奖”）。",
                "The competitions park companies won awards in, named in both languages (the awards are in Awards).",
            ),
            Dataset::Space => l.t(
                "各楼宇的房源：楼层、面积、类型、状态与可入驻日期（含已预订和已出租的房源）。",
                "The units of each building: floor, area, kind, status and the date each is available from (reserved and let units included).",
            ),
        }
    }

    /// Rows of the dataset's main table.
    pub fn rows(self, catalog: &Catalog) -> usize {
        match self {
            Dataset::Companies => catalog.companies.len(),
            Dataset::Awards => catalog.awards.len(),
            Dataset::Phases => catalog.phases.len(),
            Dataset::Sectors => catalog.sectors.len(),
            Dataset::Competitions => catalog.competitions.len(),
            Dataset::Space => catalog.units.len(),
        }
    }

    pub fn json_path(self) -> String {
        format!("/data/{}.json", self.key())
    }

    pub fn csv_path(self) -> String {
        format!("/data/{}.csv", self.key())
    }
}

/// The formats each dataset is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Json, Format::Csv];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
fn now() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
