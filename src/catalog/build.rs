//! Applying what was read to a catalog: the touched entries are replaced, everything else is shared with the
//! catalog before, and what depends on the entries (member lists, counts, positions, the short-term index)
//! follows. A full load is this applied to [`Catalog::empty`]. CPU work: callers run it off the async runtime.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::load::{CompanyParts, Loaded};
use super::{Catalog, Company, KeyFigures, Positions};
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
            designations: Vec::new(),
            companies: Vec::new(),
            milestones: Vec::new(),
            competitions: Vec::new(),
            awards: Vec::new(),
            figures: KeyFigures::default(),
            awarded: Vec::new(),
            short_terms: Default::default(),
            through: 0,
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
        let Loaded { touched, small, companies, milestones, awards, last_revision_at, mut problems } = loaded;
        let mut next = self.clone();
        next.through = through;
        if let Some(small) = small {
            next.park = small.park;
            next.sources = small.sources;
            next.sectors = small.sectors;
            next.phases = small.phases;
            next.buildings = small.buildings;
            next.designations = small.designations;
            next.competitions = small.competitions;
            next.small_modified = Arc::new(small.modified);
            next.seeded_at = small.seeded_at;
        }
        if touched.full || !touched.milestones.is_empty() {
            let fresh = milestones.into_iter().map(Arc::new).collect();
            next.milestones = merge(&self.milestones, &touched.milestones, touched.full, fresh, |a, b| {
                a.occurred_on.cmp(&b.occurred_on).then(a.id.cmp(&b.id))
            });
            next.milestone_index = Arc::new(index(&next.milestones, |m| m.id));
        }
        if touched.full || !touched.awards.is_empty() {
            let fresh = awards.into_iter().map(Arc::new).collect();
            next.awards = merge(&self.awards, &touched.awards, touched.full, fresh, |a, b| a.id.cmp(&b.id));
            next.award_index = Arc::new(index(&next.awards, |a| a.id));
        }
        if touched.full || !touched.companies.is_empty() {
            next.replace_companies(self, &touched.companies, touched.full, companies, &mut problems);
        }
        next.relink();
        let newest = [last_revision_at.as_deref(), Some(next.seeded_at.as_str())].into_iter().flatten().max();
        next.last_modified = match newest {
            Some(at) if touched.full || at > self.last_modified.as_str() => at.to_string(),
            _ => self.last_modified.clone(),
        };
        (next, problems)
    }

    /// Puts the touched companies (rebuilt from `parts`; the ones without parts are gone) in place of their old
    /// versions, and updates what is keyed by company.
    fn replace_companies(
        &mut self,
        old: &Catalog,
        touched: &BTreeSet<i64>,
        full: bool,
        parts: Vec<CompanyParts>,
        problems: &mut Vec<BadRow>,
    ) {
        let ids: BTreeSet<i64> = parts.iter().map(|p| p.row.id).collect();
        // Awards, milestones and products of the companies being built, in catalog order.
        let mut awards: HashMap<i64, Vec<i64>> = HashMap::new();
        for a in self.awards.iter().filter(|a| ids.contains(&a.company_id)) {
            awards.entry(a.company_id).or_default().push(a.id);
        }
        let mut milestones: HashMap<i64, (Vec<i64>, Vec<String>)> = HashMap::new();
        for m in &self.milestones {
            let Some(company) = m.company_id.filter(|id| ids.contains(id)) else { continue };
            let entry = milestones.entry(company).or_default();
            entry.0.push(m.id);
            if !m.product_name.is_empty() {
                entry.1.push(m.product_name.clone());
            }
        }
        let jobs: Vec<Job> = parts
            .into_iter()
            .map(|p| {
                let id = p.row.id;
                (p, awards.remove(&id).unwrap_or_default(), milestones.remove(&id).unwrap_or_default())
            })
            .collect();
        let mut fresh = build_all(jobs, problems);
        fresh.sort_by(|a, b| a.order(b));

        let removed: Vec<&Company> =
            if full { Vec::new() } else { touched.iter().filter_map(|&id| old.company(id)).collect() };
        let slugs_moved = full
            || removed.len() != fresh.len()
            || removed.iter().any(|c| fresh.iter().all(|f| f.id != c.id || f.slug != c.slug));
        self.companies = merge(&old.companies, touched, full, fresh, |a, b| a.order(b));
        let added: Vec<&Company> =
            self.companies.iter().filter(|c| full || touched.contains(&c.id)).map(|c| &**c).collect();
        if full {
            self.short_terms = Default::default();
        }
        self.short_terms.update(&removed, &added);
        self.positions = Arc::new(Positions::of(&self.companies));
        if slugs_moved {
            self.company_by_slug = Arc::new(self.companies.iter().map(|c| (c.slug.clone(), c.id)).collect());
        }
    }

    /// Recomputes what depends on where companies sit: member lists, buildings per phase, figures.
    fn relink(&mut self) {
        let sector_at = index_of(&self.sectors, |s| s.id);
        let phase_at = index_of(&self.phases, |p| p.id);
        let building_at = index_of(&self.buildings, |b| b.id);
        let designation_at = index_of(&self.designations, |d| d.id);
        for s in &mut self.sectors {
            s.members.clear();
        }
        for p in &mut self.phases {
            p.members.clear();
        }
        for b in &mut self.buildings {
            b.members.clear();
        }
        for d in &mut self.designations {
            d.members.clear();
        }
        self.awarded.clear();
        for (position, c) in self.companies.iter().enumerate() {
            let position = position as u32;
            for id in &c.sector_ids {
                if let Some(&i) = sector_at.get(id) {
                    self.sectors[i].members.push(position);
                }
            }
            for id in &c.designation_ids {
                if let Some(&i) = designation_at.get(id) {
                    self.designations[i].members.push(position);
                }
            }
            if let Some(&i) = c.phase_id.and_then(|id| phase_at.get(&id)) {
                self.phases[i].members.push(position);
            }
            if let Some(&i) = c.building_id.and_then(|id| building_at.get(&id)) {
                self.buildings[i].members.push(position);
            }
            if !c.award_ids.is_empty() {
                self.awarded.push(position);
            }
        }
        for p in &mut self.phases {
            p.building_ids = self.buildings.iter().filter(|b| b.phase_id == Some(p.id)).map(|b| b.id).collect();
        }
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

/// The entries of `old` not in `touched` (none when `full`), merged with `fresh` (sorted by `order`), in
/// `order`: linear in the list, whatever the number of changes.
fn merge<T>(
    old: &[Arc<T>],
    touched: &BTreeSet<i64>,
    full: bool,
    fresh: Vec<Arc<T>>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<Arc<T>>
where
    T: HasId,
{
    let mut fresh = fresh;
    fresh.sort_by(|a, b| order(a, b));
    let kept = old.iter().filter(|e| !full && !touched.contains(&e.id()));
    let mut out = Vec::with_capacity(old.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for e in kept {
        while let Some(f) = fresh.next_if(|f| order(f, e).is_lt()) {
            out.push(f);
        }
        out.push(e.clone());
    }
    out.extend(fresh);
    out
}

/// Entries that a change set names by id.
pub(super) trait HasId {
    fn id(&self) -> i64;
}

impl HasId for Company {
    fn id(&self) -> i64 {
        self.id
    }
}

impl HasId for super::Milestone {
    fn id(&self) -> i64 {
        self.id
    }
}

impl HasId for super::Award {
    fn id(&self) -> i64 {
        self.id
    }
}

fn index<T>(list: &[Arc<T>], id: impl Fn(&T) -> i64) -> HashMap<i64, u32> {
    list.iter().enumerate().map(|(i, e)| (id(e), i as u32)).collect()
}

fn index_of<T>(list: &[T], id: impl Fn(&T) -> i64) -> HashMap<i64, usize> {
    list.iter().enumerate().map(|(i, e)| (id(e), i)).collect()
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
            let mut c = Company::build(parts.row, parts.sector_ids, parts.designation_ids, products);
            c.award_ids = award_ids;
            c.milestone_ids = milestone_ids;
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
