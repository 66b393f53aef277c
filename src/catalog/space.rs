//! The "Available space" list's query: which kind of unit, how large at least, in which phase or building; read
//! from a query string and applied to the catalog's units. Only units staff marked available are listed.

use super::{Building, Catalog, Phase, Unit};
use crate::db::places::{UNIT_KIND, UNIT_STATUS};
use crate::i18n::{Lang, Text};
use crate::query::QueryParam;

/// The parameters the space list reads, in their canonical order.
pub const PARAMS: &[QueryParam] = &[
    QueryParam::one("kind"),
    QueryParam::one("min_area"),
    QueryParam::one("phase"),
    QueryParam::one("building"),
    QueryParam::one("page").or("1"),
];
/// Units on one page of the list: the totals count them all.
pub const PER_PAGE: usize = 50;

/// The label of a unit kind in `l` (the stored value when unknown).
pub fn kind_label(kind: &str, l: Lang) -> &str {
    UNIT_KIND.iter().find(|k| k.0 == kind).map(|k| l.t(k.1, k.2)).unwrap_or(kind)
}

/// The label of a unit status in `l`.
pub fn status_label(status: &str, l: Lang) -> &str {
    UNIT_STATUS.iter().find(|s| s.0 == status).map(|s| l.t(s.1, s.2)).unwrap_or(status)
}

impl Unit {
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// What the space list was asked for.
#[derive(Default, Clone, Copy)]
pub struct SpaceQuery<'a> {
    pub kind: Option<&'static str>,
    pub min_area: Option<i64>,
    pub phase: Option<&'a Phase>,
    pub building: Option<&'a Building>,
    /// From 1; 0 (the default) reads as 1.
    pub page: usize,
}

impl<'a> SpaceQuery<'a> {
    pub fn parse(pairs: &[(String, String)], catalog: &'a Catalog) -> Result<SpaceQuery<'a>, Text> {
        let mut query = SpaceQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "kind" => {
                    query.kind = Some(UNIT_KIND.iter().find(|k| k.0 == value).map(|k| k.0).ok_or_else(|| {
                        Text::new(
                            "房源类型无效：可选 office、laboratory、clean_room、production、incubator_desk。",
                            "Unknown kind of space: use office, laboratory, clean_room, production or incubator_desk.",
                        )
                    })?);
                }
                "min_area" => {
                    query.min_area = Some(value.parse::<i64>().ok().filter(|a| *a >= 0).ok_or_else(|| {
                        Text::new(
                            format!("最小面积“{value}”无效：请填写整数平方米，如 100。"),
                            format!("The minimum area “{value}” is not valid: give whole square metres, e.g. 100."),
                        )
                    })?);
                }
                "phase" => {
                    let phase = value.parse::<i64>().ok().and_then(|n| catalog.phases.iter().find(|p| p.number == n));
                    query.phase = Some(phase.ok_or_else(|| {
                        Text::new(format!("没有第“{value}”期。"), format!("There is no phase “{value}”."))
                    })?);
                }
                "building" => {
                    let building = value.parse::<i64>().ok().and_then(|id| catalog.building(id));
                    query.building = Some(building.ok_or_else(|| {
                        Text::new(format!("没有编号为“{value}”的楼宇。"), format!("There is no building “{value}”."))
                    })?);
                }
                "page" => {
                    query.page = value.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        Text::new("页码无效：请使用从 1 开始的整数。", "Not a page number: use a whole number from 1.")
                    })?;
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// The available units asked for, in the catalog's order (building, floor).
    pub fn rows(&self, catalog: &'a Catalog) -> Vec<&'a Unit> {
        catalog
            .units
            .iter()
            .filter(|u| u.is_available())
            .filter(|u| self.kind.is_none_or(|k| u.kind == k))
            .filter(|u| self.min_area.is_none_or(|a| u.area_m2 >= a))
            .filter(|u| self.building.is_none_or(|b| u.building_id == b.id))
            .filter(|u| {
                self.phase.is_none_or(|p| catalog.building(u.building_id).is_some_and(|b| b.phase_id == Some(p.id)))
            })
            .collect()
    }

    /// Whether any filter is set.
    pub fn is_filtered(&self) -> bool {
        self.kind.is_some() || self.min_area.is_some() || self.phase.is_some() || self.building.is_some()
    }

    /// The same query as a query string, in canonical order.
    pub fn to_query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(k) = self.kind {
            s.append_pair("kind", k);
        }
        if let Some(a) = self.min_area {
            s.append_pair("min_area", &a.to_string());
        }
        if let Some(p) = self.phase {
            s.append_pair("phase", &p.number.to_string());
        }
        if let Some(b) = self.building {
            s.append_pair("building", &b.id.to_string());
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    /// The same filters on another page.
    pub fn with_page(&self, page: usize) -> SpaceQuery<'a> {
        SpaceQuery { page, ..*self }
    }
}

impl Catalog {
    pub fn unit(&self, id: i64) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// The phase a building belongs to.
    pub fn phase_of_building(&self, b: &Building) -> Option<&Phase> {
        b.phase_id.and_then(|id| self.phase(id))
    }

    /// Whether any building of the phase has a unit available.
    pub fn has_space_in(&self, p: &Phase) -> bool {
        self.buildings_of(p).iter().any(|b| self.available_in(b.id).next().is_some())
    }

    /// Available units in a building.
    pub fn available_in(&self, building_id: impl std::borrow::Borrow<i64>) -> impl Iterator<Item = &Unit> {
        let building_id = *building_id.borrow();
        self.units.iter().filter(move |u| u.building_id == building_id && u.is_available())
    }
}
