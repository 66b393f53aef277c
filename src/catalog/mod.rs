//! The public read model: every fact the public pages show, held in memory and kept in step with the database.
//!
//! Handlers are plain functions of (catalog, language, query). The catalog follows the database's change log
//! ([`follow`]): each change set is read and applied to a copy that shares everything it did not touch
//! ([`build`]), and the new catalog is swapped in whole, so readers never wait for writers and never see half
//! an update. A full load is the same code applied to an empty catalog.

pub mod awards;
mod build;
mod company;
pub mod directory;
pub mod follow;
mod lists;
pub mod live;
mod load;
mod model;
pub mod news;
pub mod pinyin;
pub mod search;
pub mod space;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;

pub use company::*;
pub use load::Touched;
pub use model::*;

/// Where each company sits in [`Catalog::companies`], by id: an array for the usual small ids, a map for the
/// rest (an id typed by hand can be anything).
#[derive(Debug, Clone, Default, PartialEq)]
struct Positions {
    dense: Vec<u32>,
    sparse: HashMap<i64, u32>,
}

impl Positions {
    const NONE: u32 = u32::MAX;

    /// From the id at each position.
    fn of(ids: &[i64]) -> Positions {
        // Ids up to a few times the count go in the array; larger ones would waste it.
        let limit = (ids.len() as i64).saturating_mul(4).saturating_add(1024);
        let dense_len = ids.iter().copied().filter(|id| (0..limit).contains(id)).max().map_or(0, |m| m + 1);
        let mut positions = Positions { dense: vec![Self::NONE; dense_len as usize], sparse: HashMap::new() };
        for (position, &id) in ids.iter().enumerate() {
            match usize::try_from(id).ok().filter(|&i| i < positions.dense.len()) {
                Some(i) => positions.dense[i] = position as u32,
                None => {
                    positions.sparse.insert(id, position as u32);
                }
            }
        }
        positions
    }

    fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&p) => (p != Self::NONE).then_some(p),
            None => self.sparse.get(&id).copied(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub park: Park,
    pub sources: Vec<Source>,
    pub sectors: Vec<Sector>,
    pub phases: Vec<Phase>,
    pub buildings: Vec<Building>,
    /// Units of the buildings, by building, floor and id.
    pub units: Vec<Unit>,
    /// Published posts whose time has come, newest first.
    pub posts: Vec<news::Post>,
    /// The next scheduled post: when it is due, and its id.
    pub next_post: Option<(time::OffsetDateTime, i64)>,
    pub designations: Vec<Designation>,
    /// In directory order (by name): a persistent vector, so a new catalog shares it with the old one and a
    /// change moves a company in O(log n) without reading the others.
    pub companies: imbl::Vector<Arc<Company>>,
    /// Oldest first.
    pub milestones: Arc<Vec<Arc<Milestone>>>,
    pub competitions: Vec<Competition>,
    /// By id.
    pub awards: Arc<Vec<Arc<Award>>>,
    pub figures: KeyFigures,
    /// Companies with at least one award (positions, name order).
    pub awarded: Vec<u32>,
    /// The same by number ([`search::Docs`]).
    pub awarded_docs: roaring::RoaringBitmap,
    /// Companies in no known phase, and in no known sector (positions, name order).
    pub unphased: Vec<u32>,
    pub unsectored: Vec<u32>,
    /// Where every search term occurs.
    pub search: search::SearchIndex,
    /// Each company's number in the bitmaps of `search` and of the member sets.
    docs: search::Docs,
    /// The last entry of the database's change log this catalog shows (0: none).
    pub through: i64,
    /// The id at each position of `companies` (contiguous: positions move without reading companies).
    ids: Arc<Vec<i64>>,
    positions: Arc<Positions>,
    /// A B-tree, not a hash map: at 100,000 companies imbl's hash map took 18 MB of nodes for these 100,000 short
    /// entries, the ordered map a few.
    company_by_slug: imbl::OrdMap<Box<str>, i64>,
    /// Award and milestone positions by id.
    award_index: Arc<HashMap<i64, u32>>,
    milestone_index: Arc<HashMap<i64, u32>>,
    /// Last admin change of the entries of the small tables: (entity key such as `sectors`, id) → time.
    small_modified: Arc<HashMap<(String, i64), String>>,
    /// When anything public last changed (`YYYY-MM-DDTHH:MM:SSZ`).
    last_modified: String,
    /// When the seeded facts were loaded; the date of every entry never edited since.
    seeded_at: String,
}

impl Catalog {
    /// When an entry last changed (`YYYY-MM-DDTHH:MM:SSZ`): its last admin edit, else when the seed was loaded.
    /// `entity` is the admin's key: `companies`, `awards`, `phases`, …
    pub fn modified_at(&self, entity: &str, id: i64) -> &str {
        self.edited_at(entity, id).unwrap_or(&self.seeded_at)
    }

    /// When an entry was last changed through the admin, if ever (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn edited_at(&self, entity: &str, id: i64) -> Option<&str> {
        match entity {
            "companies" => self.company(id).and_then(|c| c.edited_at.as_deref()),
            "awards" => self.award(id).and_then(|a| a.edited_at.as_deref()),
            "milestones" => self.milestone(id).and_then(|m| m.edited_at.as_deref()),
            _ => self.small_modified.get(&(entity.to_string(), id)).map(String::as_str),
        }
    }

    /// When anything public last changed (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn last_modified(&self) -> &str {
        &self.last_modified
    }

    pub fn company(&self, id: impl Borrow<i64>) -> Option<&Company> {
        self.position(*id.borrow()).and_then(|p| self.companies.get(p as usize)).map(|c| &**c)
    }

    /// A company's position in [`Catalog::companies`] (its place in name order).
    pub fn position(&self, id: i64) -> Option<u32> {
        self.positions.get(id)
    }

    /// A company's number in the bitmaps ([`search::Docs`]).
    pub fn doc(&self, id: i64) -> Option<u32> {
        self.docs.doc(id)
    }

    /// The company with the number `doc`.
    pub fn company_of_doc(&self, doc: u32) -> Option<&Company> {
        self.docs.id(doc).and_then(|id| self.company(id))
    }

    /// The position of the company with the number `doc`.
    pub fn position_of_doc(&self, doc: u32) -> Option<u32> {
        self.docs.id(doc).and_then(|id| self.position(id))
    }

    /// The ids in directory order (position → id).
    pub fn ids_in_order(&self) -> &[i64] {
        &self.ids
    }

    /// This catalog with its search index built, if it was pending (CPU work: call off the runtime).
    pub fn with_search_index(&self) -> Option<Catalog> {
        self.with_search_index_from(self, self.build_search_index(), &Default::default())
    }

    /// The whole search index of this catalog (CPU work: seconds at 100,000 companies).
    pub fn build_search_index(&self) -> search::SearchIndex {
        search::SearchIndex::of(&self.numbered(self.companies.iter().map(|c| &**c)))
    }

    /// `companies` with their numbers.
    fn numbered<'a>(&self, companies: impl Iterator<Item = &'a Company>) -> Vec<(u32, &'a Company)> {
        companies.filter_map(|c| self.doc(c.id).map(|doc| (doc, c))).collect()
    }

    /// This catalog, whose index is pending, with `index`: built from the older catalog `from`, then brought
    /// up to date for the companies `touched` since. None when this catalog's index is not pending.
    pub fn with_search_index_from(
        &self,
        from: &Catalog,
        mut index: search::SearchIndex,
        touched: &std::collections::BTreeSet<i64>,
    ) -> Option<Catalog> {
        if !self.search.is_pending() {
            return None;
        }
        let removed = from.numbered(touched.iter().filter_map(|&id| from.company(id)));
        let added = self.numbered(touched.iter().filter_map(|&id| self.company(id)));
        index.update(&removed, &added);
        Some(Catalog { search: index, ..self.clone() })
    }

    /// The companies matching every one of `terms` (lower-case, see [`search::terms`]), by tier.
    pub fn find_terms(&self, terms: &[String]) -> search::Found {
        let whole = terms.join(" ");
        if self.search.is_pending() {
            // Only in the seconds after a large directory starts, before its index is built.
            let numbered = self.numbered(self.companies.iter().map(|c| &**c));
            return search::find_by_reading(numbered.into_iter(), terms, &whole);
        }
        self.search.find(terms, &whole, |doc| self.company_of_doc(doc))
    }

    pub fn company_by_slug(&self, slug: &str) -> Option<&Company> {
        self.company_by_slug.get(slug).and_then(|&id| self.company(id))
    }

    /// The first `limit` of a member list, as companies (pages show a bounded number; the directory has all).
    pub fn members_of(&self, members: &[u32], limit: usize) -> Vec<&Company> {
        members.iter().take(limit).filter_map(|&i| self.companies.get(i as usize)).map(|c| &**c).collect()
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

    pub fn award(&self, id: i64) -> Option<&Award> {
        self.award_index.get(&id).map(|&i| &*self.awards[i as usize])
    }

    pub fn milestone(&self, id: i64) -> Option<&Milestone> {
        self.milestone_index.get(&id).map(|&i| &*self.milestones[i as usize])
    }

    /// A company's awards, by id.
    pub fn awards_of(&self, c: &Company) -> Vec<&Award> {
        c.award_ids.iter().filter_map(|&id| self.award(id)).collect()
    }

    /// A company's milestones, oldest first.
    pub fn milestones_of_company(&self, c: &Company) -> Vec<&Milestone> {
        c.milestone_ids.iter().filter_map(|&id| self.milestone(id)).collect()
    }

    pub fn milestones_of_phase(&self, p: &Phase) -> Vec<&Milestone> {
        self.milestones
            .iter()
            .map(|m| &**m)
            .filter(|m| {
                m.phase_id == Some(p.id)
                    || m.building_id.and_then(|b| self.building(b)).is_some_and(|b| b.phase_id == Some(p.id))
            })
            .collect()
    }

    /// The park's own milestones (construction, handovers, tenants), oldest first; company events are on
    /// their profiles, so the park's timeline stays short however many companies there are.
    pub fn park_milestones(&self) -> Vec<&Milestone> {
        self.milestones.iter().map(|m| &**m).filter(|m| m.company_id.is_none()).collect()
    }

    /// The newest milestones of companies first (the park's own are in its timeline).
    pub fn latest_company_milestones(&self, n: usize) -> Vec<&Milestone> {
        self.milestones.iter().rev().filter(|m| m.company_id.is_some()).take(n).map(|m| &**m).collect()
    }

    pub fn source(&self, id: impl Borrow<Option<i64>>) -> Option<&Source> {
        id.borrow().and_then(|id| self.sources.iter().find(|s| s.id == id))
    }

    /// Product names a company has launched (searchable).
    pub fn products_of<'a>(&self, c: &'a Company) -> Vec<&'a str> {
        c.products.iter().map(String::as_str).collect()
    }
}
