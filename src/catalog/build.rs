//! Applying what was read to a catalog: the touched entries are replaced, everything else is shared with the
//! catalog before, and what depends on the entries (member lists, counts, positions, the search index)
//! follows. A full load is this applied to [`Catalog::empty`]. CPU work: callers run it off the async runtime.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::lists::{index, merge, merge_sorted, remap};
use super::load::{CompanyParts, Loaded, Touched};
use super::{Catalog, Company, KeyFigures, Positions, search};
use crate::db::BadRow;

/// Companies are built (pinyin, search keys) on this many threads when there are enough of them.
const BUILD_THREADS: usize = 2;

impl Catalog {
    /// A catalog with nothing in it: what a full load is applied to.
    pub(super) fn empty() -> Catalog {
        Catalog {
            park: Default::default(),
            sources: Vec::new(),
            sectors: Vec::new(),
            phases: Vec::new(),
            buildings: Vec::new(),
            units: Vec::new(),
            posts: Vec::new(),
            next_post: None,
            designations: Vec::new(),
            companies: imbl::Vector::new(),
            milestones: Default::default(),
            competitions: Vec::new(),
            awards: Default::default(),
            figures: KeyFigures::default(),
            awarded: Vec::new(),
            awarded_docs: Default::default(),
            unphased: Vec::new(),
            unsectored: Vec::new(),
            search: Default::default(),
            docs: Default::default(),
            through: 0,
            ids: Default::default(),
            positions: Default::default(),
            company_by_slug: Default::default(),
            award_index: Default::default(),
            milestone_index: Default::default(),
            small_modified: Default::default(),
            last_modified: String::new(),
            seeded_at: String::new(),
        }
    }

    /// This catalog with `loaded` applied, showing the change log through `through`; and the rows that could
    /// not be built.
    pub(super) fn apply(&self, loaded: Loaded, through: i64) -> (Catalog, Vec<BadRow>) {
        let Loaded {
            touched,
            small,
            companies,
            milestones,
            awards,
            last_revision_at,
            defer_search_index,
            mut problems,
        } = loaded;
        let mut next = self.clone();
        next.through = through;
        let small_reloaded = small.is_some();
        if let Some(small) = small {
            next.park = small.park;
            next.sources = small.sources;
            next.sectors = small.sectors;
            next.phases = small.phases;
            next.buildings = small.buildings;
            next.units = small.units;
            next.posts = small.posts;
            next.next_post = small.next_post;
            next.designations = small.designations;
            next.competitions = small.competitions;
            next.small_modified = Arc::new(small.modified);
            next.seeded_at = small.seeded_at;
        }
        if touched.full || !touched.milestones.is_empty() {
            let fresh = milestones.into_iter().map(Arc::new).collect();
            next.milestones = Arc::new(merge(&self.milestones, &touched.milestones, touched.full, fresh, |a, b| {
                a.occurred_on.cmp(&b.occurred_on).then(a.id.cmp(&b.id))
            }));
            next.milestone_index = Arc::new(index(&next.milestones, |m| m.id));
        }
        if touched.full || !touched.awards.is_empty() {
            let fresh = awards.into_iter().map(Arc::new).collect();
            next.awards = Arc::new(merge(&self.awards, &touched.awards, touched.full, fresh, |a, b| a.id.cmp(&b.id)));
            next.award_index = Arc::new(index(&next.awards, |a| a.id));
        }
        let shift = if touched.full || !touched.companies.is_empty() {
            next.replace_companies(self, &touched, companies, defer_search_index, &mut problems)
        } else {
            Some(Shift::default())
        };
        match shift {
            Some(shift) if !small_reloaded => next.relink_shifted(&shift),
            _ => next.relink(),
        }
        if touched.full || small_reloaded || !touched.awards.is_empty() {
            next.count_figures();
        }
        next.figures.companies_profiled = next.companies.len();
        next.last_modified = next.newest_change(self, last_revision_at.as_deref(), touched.full);
        (next, problems)
    }

    /// When anything public last changed: the newest revision, the seed, or a scheduled post that came due
    /// (which changed the public pages without a revision at that time); never earlier than `before` knew.
    fn newest_change(&self, before: &Catalog, last_revision_at: Option<&str>, full: bool) -> String {
        let newest_post = self.posts.first().map(|p| p.published_utc.as_str());
        let newest = [last_revision_at, Some(self.seeded_at.as_str()), newest_post].into_iter().flatten().max();
        match newest {
            Some(at) if full || at > before.last_modified.as_str() => at.to_string(),
            _ => before.last_modified.clone(),
        }
    }

    /// Puts the touched companies (rebuilt from `parts`; the ones without parts are gone) in place of their old
    /// versions, and updates what is keyed by company. Returns how positions moved when few companies changed
    /// (None: many did, and everything positional must be computed again).
    fn replace_companies(
        &mut self,
        old: &Catalog,
        touched: &Touched,
        parts: Vec<CompanyParts>,
        defer_search_index: bool,
        problems: &mut Vec<BadRow>,
    ) -> Option<Shift> {
        let full = touched.full;
        let jobs: Vec<Job> = if full || parts.len() > FEW {
            self.jobs_by_scanning(parts)
        } else {
            parts.into_iter().map(|p| self.job_from_links(old, touched, p)).collect()
        };
        let mut fresh = build_all(jobs, problems);
        fresh.sort_by(|a, b| a.order(b));
        let removed: Vec<Arc<Company>> = if full {
            Vec::new()
        } else {
            touched
                .companies
                .iter()
                .filter_map(|&id| old.position(id))
                .map(|p| old.companies[p as usize].clone())
                .collect()
        };
        if full {
            self.search = if defer_search_index { search::SearchIndex::pending() } else { Default::default() };
            self.docs = Default::default();
        }
        for c in &fresh {
            self.docs.assign(c.id);
        }
        let removed_docs = old.numbered(removed.iter().map(|c| &**c));
        self.search.update(&removed_docs, &self.numbered(fresh.iter().map(|c| &**c)));
        let mut slugs = if full { imbl::OrdMap::new() } else { old.company_by_slug.clone() };
        for c in &removed {
            slugs.remove(&c.slug);
        }
        for c in &fresh {
            slugs.insert(c.slug.clone(), c.id);
        }
        self.company_by_slug = slugs;

        if full || removed.len() + fresh.len() > FEW {
            let kept = old.companies.iter().filter(|c| !full && !touched.companies.contains(&c.id)).cloned();
            self.companies = merge_sorted(kept, fresh, |a, b| a.order(b)).into_iter().collect();
            self.ids = Arc::new(self.companies.iter().map(|c| c.id).collect());
            self.positions = Arc::new(Positions::of(&self.ids));
            return None;
        }
        // Few changes: remove and insert in place; positions move by counting, never by reading every company.
        let mut shift =
            Shift { removed_docs: removed_docs.iter().map(|(doc, _)| *doc).collect(), ..Default::default() };
        let mut ids = (*old.ids).clone();
        shift.removed = removed.iter().filter_map(|c| old.position(c.id)).collect();
        shift.removed.sort_unstable();
        for &p in shift.removed.iter().rev() {
            self.companies.remove(p as usize);
            ids.remove(p as usize);
        }
        for c in fresh {
            let at = self.companies.binary_search_by(|other| other.order(&c)).unwrap_or_else(|at| at);
            ids.insert(at, c.id);
            self.companies.insert(at, c.clone());
            shift.inserted.push((at as u32, c));
        }
        self.ids = Arc::new(ids);
        self.positions = Arc::new(Positions::of(&self.ids));
        Some(shift)
    }

    /// A company's awards, milestones and products from every award and milestone (a full load, or many
    /// companies at once).
    fn jobs_by_scanning(&self, parts: Vec<CompanyParts>) -> Vec<Job> {
        let ids: BTreeSet<i64> = parts.iter().map(|p| p.row.id).collect();
        let mut awards: HashMap<i64, Vec<i64>> = HashMap::new();
        for a in self.awards.iter().filter(|a| ids.contains(&a.company_id)) {
            awards.entry(a.company_id).or_default().push(a.id);
        }
        let mut milestones: HashMap<i64, Vec<i64>> = HashMap::new();
        for m in self.milestones.iter() {
            if let Some(company) = m.company_id.filter(|id| ids.contains(id)) {
                milestones.entry(company).or_default().push(m.id);
            }
        }
        parts
            .into_iter()
            .map(|p| {
                let id = p.row.id;
                let milestone_ids = milestones.remove(&id).unwrap_or_default();
                let products = self.products(&milestone_ids);
                (p, awards.remove(&id).unwrap_or_default(), (milestone_ids, products))
            })
            .collect()
    }

    /// A company's awards, milestones and products from its old lists and the awards and milestones that
    /// changed (one company's save touches only its own). A company new to the catalog is scanned for.
    fn job_from_links(&self, old: &Catalog, touched: &Touched, parts: CompanyParts) -> Job {
        let id = parts.row.id;
        let Some(before) = old.company(id) else {
            return self.jobs_by_scanning(vec![parts]).pop().expect("one job per company");
        };
        let mut award_ids: Vec<i64> =
            before.award_ids.iter().copied().filter(|a| !touched.awards.contains(a)).collect();
        award_ids.extend(touched.awards.iter().copied().filter(|&a| self.award(a).is_some_and(|a| a.company_id == id)));
        award_ids.sort_unstable_by_key(|&a| self.award_index.get(&a).copied());
        let mut milestone_ids: Vec<i64> =
            before.milestone_ids.iter().copied().filter(|m| !touched.milestones.contains(m)).collect();
        milestone_ids.extend(
            touched.milestones.iter().copied().filter(|&m| self.milestone(m).is_some_and(|m| m.company_id == Some(id))),
        );
        milestone_ids.sort_unstable_by_key(|&m| self.milestone_index.get(&m).copied());
        let products = self.products(&milestone_ids);
        (parts, award_ids, (milestone_ids, products))
    }

    fn products(&self, milestone_ids: &[i64]) -> Vec<String> {
        milestone_ids
            .iter()
            .filter_map(|&m| self.milestone(m))
            .filter(|m| !m.product_name.is_empty())
            .map(|m| m.product_name.clone())
            .collect()
    }

    /// Moves every member list by `shift` (contiguous numbers only), then adds the new companies' memberships.
    fn relink_shifted(&mut self, shift: &Shift) {
        for doc in &shift.removed_docs {
            self.sectors.iter_mut().for_each(|s| _ = s.docs.remove(*doc));
            self.phases.iter_mut().for_each(|p| _ = p.docs.remove(*doc));
            self.designations.iter_mut().for_each(|d| _ = d.docs.remove(*doc));
            self.awarded_docs.remove(*doc);
        }
        let inserted: Vec<u32> = shift.inserted.iter().map(|(position, _)| *position).collect();
        let moved = |list: &mut Vec<u32>| *list = remap(list, &shift.removed, &inserted);
        self.sectors.iter_mut().for_each(|s| moved(&mut s.members));
        self.phases.iter_mut().for_each(|p| moved(&mut p.members));
        self.buildings.iter_mut().for_each(|b| moved(&mut b.members));
        self.designations.iter_mut().for_each(|d| moved(&mut d.members));
        moved(&mut self.awarded);
        moved(&mut self.unphased);
        moved(&mut self.unsectored);
        for (position, c) in &shift.inserted {
            self.link(*position, c);
        }
    }

    /// Adds one company's memberships at `position` to the member lists (kept sorted).
    fn link(&mut self, position: u32, c: &Company) {
        let add = |list: &mut Vec<u32>| {
            if let Err(at) = list.binary_search(&position) {
                list.insert(at, position);
            }
        };
        let doc = self.docs.doc(c.id);
        let add_doc = |docs: &mut roaring::RoaringBitmap| _ = doc.map(|doc| docs.insert(doc));
        let mut in_a_sector = false;
        for s in self.sectors.iter_mut().filter(|s| c.sector_ids.contains(&s.id)) {
            add(&mut s.members);
            add_doc(&mut s.docs);
            in_a_sector = true;
        }
        if !in_a_sector {
            add(&mut self.unsectored);
        }
        for d in self.designations.iter_mut().filter(|d| c.designation_ids.contains(&d.id)) {
            add(&mut d.members);
            add_doc(&mut d.docs);
        }
        match self.phases.iter_mut().find(|p| c.phase_id == Some(p.id)) {
            Some(p) => {
                add(&mut p.members);
                add_doc(&mut p.docs);
            }
            None => add(&mut self.unphased),
        }
        for b in self.buildings.iter_mut().filter(|b| c.building_id == Some(b.id)) {
            add(&mut b.members);
        }
        if !c.award_ids.is_empty() {
            add(&mut self.awarded);
            add_doc(&mut self.awarded_docs);
        }
    }

    /// Recomputes what depends on where companies sit, reading every company: member lists, buildings per
    /// phase.
    fn relink(&mut self) {
        for s in &mut self.sectors {
            s.members.clear();
            s.docs.clear();
        }
        for p in &mut self.phases {
            p.members.clear();
            p.docs.clear();
        }
        for b in &mut self.buildings {
            b.members.clear();
        }
        for d in &mut self.designations {
            d.members.clear();
            d.docs.clear();
        }
        self.awarded.clear();
        self.awarded_docs.clear();
        self.unphased.clear();
        self.unsectored.clear();
        let companies = self.companies.clone();
        for (position, c) in companies.iter().enumerate() {
            self.link(position as u32, c);
        }
        for p in &mut self.phases {
            p.building_ids = self.buildings.iter().filter(|b| b.phase_id == Some(p.id)).map(|b| b.id).collect();
        }
    }

    fn count_figures(&mut self) {
        let stated: Vec<_> = self.phases.iter().filter(|p| p.tenant_count_stated.is_some()).collect();
        self.figures = KeyFigures {
            companies_profiled: self.companies.len(),
            tenants_stated: (!stated.is_empty()).then(|| stated.iter().filter_map(|p| p.tenant_count_stated).sum()),
            tenants_as_of: stated.iter().filter_map(|p| p.as_of.clone()).max(),
            phases: self.phases.len(),
            sectors: self.sectors.len(),
            awards: self.awards.len(),
            prize_money_yuan: self.awards.iter().filter_map(|a| a.prize_money_yuan).sum(),
            project_support_yuan: self.awards.iter().filter_map(|a| a.project_support_yuan).sum(),
        };
    }
}

/// At most this many companies changed: they are moved in place and member lists shifted by counting.
const FEW: usize = 256;

/// How positions moved: the old positions of the companies taken out, and where their new versions went (in
/// the final order, ascending).
#[derive(Default)]
struct Shift {
    removed: Vec<u32>,
    /// The numbers of the companies taken out ([`super::search::Docs`]).
    removed_docs: Vec<u32>,
    inserted: Vec<(u32, Arc<Company>)>,
}

type Job = (CompanyParts, Vec<i64>, (Vec<i64>, Vec<String>));

/// Builds companies, on [`BUILD_THREADS`] threads when there are many (a full load); one that cannot be built
/// (its build panicked) is reported and left out.
fn build_all(jobs: Vec<Job>, problems: &mut Vec<BadRow>) -> Vec<Arc<Company>> {
    if jobs.len() < 2_000 {
        return build_some(jobs, problems);
    }
    let chunk = jobs.len().div_ceil(BUILD_THREADS);
    let mut jobs = jobs;
    let mut chunks = Vec::new();
    while jobs.len() > chunk {
        chunks.push(jobs.split_off(jobs.len() - chunk));
    }
    chunks.push(jobs);
    let results: Vec<(Vec<Arc<Company>>, Vec<BadRow>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut problems = Vec::new();
                    (build_some(chunk, &mut problems), problems)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut out = Vec::new();
    for (companies, bad) in results {
        out.extend(companies);
        problems.extend(bad);
    }
    out
}

fn build_some(jobs: Vec<Job>, problems: &mut Vec<BadRow>) -> Vec<Arc<Company>> {
    let mut out = Vec::with_capacity(jobs.len());
    for (parts, award_ids, (milestone_ids, products)) in jobs {
        let id = parts.row.id;
        let built = std::panic::catch_unwind(move || {
            let mut c = Company::build(*parts.row, parts.sector_ids, parts.designation_ids, products);
            c.award_ids = award_ids.into();
            c.milestone_ids = milestone_ids.into();
            c
        });
        match built {
            Ok(c) => out.push(Arc::new(c)),
            Err(_) => {
                tracing::error!(table = "company", id, "company cannot be built (a bug); left out of the catalog");
                problems.push(BadRow { table: "company", id: Some(id), reason: "cannot be built".into() });
            }
        }
    }
    out
}
