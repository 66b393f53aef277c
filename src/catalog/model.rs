//! What the public pages show: the park, its places, companies and events, linked and ready to render.

use std::borrow::Borrow;

use crate::i18n::{Lang, Text};

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: i64,
    pub title: Text,
    pub publisher: Text,
    pub author: Text,
    pub published_on: Option<String>,
    pub url: Option<String>,
    pub note: Text,
}

#[derive(Debug, Clone, Default, PartialEq)]
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
    /// How to reach the park office; each may be empty (not stated).
    pub contact_office: Text,
    pub contact_phone: String,
    pub contact_email: String,
    pub source_id: Option<i64>,
}

impl Park {
    /// The address to search for on a map: the first line of the Chinese location, which names the streets.
    pub fn map_query(&self) -> String {
        self.location.zh.lines().next().unwrap_or_default().trim().to_string()
    }

    /// Searches for the park's address on the map services people use in China (Amap, Baidu) and on
    /// OpenStreetMap: (name in `l`, URL).
    pub fn map_links(&self, l: impl Borrow<Lang>) -> Vec<(&'static str, String)> {
        let l = *l.borrow();
        let query = self.map_query();
        if query.is_empty() {
            return Vec::new();
        }
        let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        vec![
            (
                l.t("高德地图", "Amap"),
                format!("https://uri.amap.com/search?keyword={q}&city=%E9%95%BF%E6%98%A5&view=map&callnative=0"),
            ),
            (l.t("百度地图", "Baidu Maps"), format!("https://map.baidu.com/search/{q}")),
            ("OpenStreetMap", format!("https://www.openstreetmap.org/search?query={q}")),
        ]
    }

    /// The phone number as a `tel:` link target: digits and a leading `+` only.
    pub fn phone_link(&self) -> String {
        let phone = self.contact_phone.trim();
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if phone.starts_with('+') { format!("tel:+{digits}") } else { format!("tel:{digits}") }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    pub id: i64,
    pub slug: String,
    pub name: Text,
    pub description: Text,
    /// Companies in this sector: positions in [`Catalog::companies`], so in name order.
    pub members: Vec<u32>,
    /// The same companies by number ([`super::search::Docs`]): what the directory's counts intersect.
    pub docs: roaring::RoaringBitmap,
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

#[derive(Debug, Clone, PartialEq)]
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
    /// The same companies by number ([`super::search::Docs`]): what the directory's counts intersect.
    pub docs: roaring::RoaringBitmap,
    pub building_ids: Vec<i64>,
    /// An uploaded plan of the phase (`site-plans/….png` under the uploads folder), shown instead of the
    /// schematic.
    pub site_plan_path: Option<String>,
    /// The plan's alternative text as staff wrote it (may be empty: see [`Phase::site_plan_alt`]).
    pub site_plan_alt: Text,
}

/// A stored UTC time (`2026-12-02T02:33:22Z`) on the park's clock (China Standard Time, UTC+8, no daylight
/// saving): `2026-12-02 10:33`. Text that is not such a time comes back as it is.
pub fn park_time(utc: &str) -> String {
    match time::OffsetDateTime::parse(utc, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(crate::db::PARK_OFFSET);
            format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        }
        Err(_) => utc.to_string(),
    }
}

/// Today's date in the park's time zone, `YYYY-MM-DD`.
pub fn park_today() -> String {
    let date = time::OffsetDateTime::now_utc().to_offset(crate::db::PARK_OFFSET).date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

impl Phase {
    /// Whether the expected completion date has passed (the whole year or month of a partial date) while
    /// nothing since says the phase was completed: the page must not present it as still to come.
    pub fn expectation_lapsed(&self) -> bool {
        self.expectation_lapsed_on(&park_today())
    }

    /// [`Phase::expectation_lapsed`] as of `today` (`YYYY-MM-DD`).
    pub fn expectation_lapsed_on(&self, today: &str) -> bool {
        let Some(expected) = self.expected_completion_on.as_deref() else { return false };
        let confirmed = self.completed_on.is_some() || self.status == Some(PhaseStatus::Delivered);
        // "2024-06" has passed once today's "YYYY-MM" is later; "2024" once the year is.
        !confirmed && today.get(..expected.len()).is_some_and(|period| period > expected)
    }

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

#[derive(Debug, Clone, PartialEq)]
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

/// A unit of a building that is let: an office, a laboratory, a desk in the incubator.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub id: i64,
    pub building_id: i64,
    pub name: Text,
    /// As the building signs it (`3`, `B1`); empty when not given.
    pub floor: String,
    /// Whole square metres.
    pub area_m2: i64,
    /// `office`, `laboratory`, `clean_room`, `production` or `incubator_desk`.
    pub kind: String,
    /// `available`, `reserved` or `let`.
    pub status: String,
    /// For an available unit, from when; none: now.
    pub available_from: Option<String>,
    pub note: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Designation {
    pub id: i64,
    pub slug: String,
    pub name: Text,
    pub description: Text,
    /// Positions in [`Catalog::companies`] (name order).
    pub members: Vec<u32>,
    /// The same companies by number ([`super::search::Docs`]): what the directory's counts intersect.
    pub docs: roaring::RoaringBitmap,
}

#[derive(Debug, Clone, PartialEq)]
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
    /// When staff last changed this entry, if ever.
    pub edited_at: Option<String>,
    /// That change was the company's own, through its editor (a proposal staff approved).
    pub edited_by_company: bool,
}

impl Milestone {
    /// Who last changed it here and when; the source's own facts when never.
    pub fn provenance(&self) -> super::Provenance<'_> {
        super::company::provenance(self.edited_at.as_deref(), self.edited_by_company)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Competition {
    pub id: i64,
    pub slug: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq)]
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
    /// When staff last changed this entry, if ever.
    pub edited_at: Option<String>,
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
#[derive(Debug, Clone, Default, PartialEq)]
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

pub(super) fn text(zh: String, en: String) -> Text {
    Text::new(zh, en)
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
