//! Sorted lists of shared entries and of positions: merging changed entries into a list, and moving a member
//! list's positions when companies were taken out and put in (without reading the companies).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::Company;

/// A member list (sorted old positions) after `removed` were taken out and `inserted` put in: each kept
/// position `p` becomes `q + (inserted before it)`, where `q` is `p` less the removed before it.
pub(super) fn remap(list: &[u32], removed: &[u32], inserted: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(list.len() + 1);
    let (mut r, mut i) = (0, 0);
    for &p in list {
        while r < removed.len() && removed[r] < p {
            r += 1;
        }
        if removed.get(r) == Some(&p) {
            continue;
        }
        let q = p - r as u32;
        // The j-th inserted company has (its position - j) kept companies before it.
        while i < inserted.len() && inserted[i] - (i as u32) <= q {
            i += 1;
        }
        out.push(q + i as u32);
    }
    out
}

pub(super) fn merge_sorted<T>(
    kept: impl Iterator<Item = Arc<T>>,
    fresh: Vec<Arc<T>>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<Arc<T>> {
    let mut out = Vec::with_capacity(fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for e in kept {
        while let Some(f) = fresh.next_if(|f| order(f, &e).is_lt()) {
            out.push(f);
        }
        out.push(e);
    }
    out.extend(fresh);
    out
}

/// The entries of `old` not in `touched` (none when `full`), merged with `fresh`, in `order`.
pub(super) fn merge<T: HasId>(
    old: &[Arc<T>],
    touched: &BTreeSet<i64>,
    full: bool,
    mut fresh: Vec<Arc<T>>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<Arc<T>> {
    fresh.sort_by(|a, b| order(a, b));
    let kept = old.iter().filter(|e| !full && !touched.contains(&e.id())).cloned();
    merge_sorted(kept, fresh, order)
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

pub(super) fn index<T>(list: &[Arc<T>], id: impl Fn(&T) -> i64) -> HashMap<i64, u32> {
    list.iter().enumerate().map(|(i, e)| (id(e), i as u32)).collect()
}

#[cfg(test)]
mod tests {
    use super::remap;

    #[test]
    fn positions_move_by_counting() {
        // Old order: a0 b1 c2 d3 e4. Take out c (2); put x at 0 and y at 3 of the new order: x a b y d e.
        assert_eq!(remap(&[0, 1, 3, 4], &[2], &[0, 3]), vec![1, 2, 4, 5]);
        // A member that was taken out is dropped; nothing moved: the same list.
        assert_eq!(remap(&[1, 2, 3], &[2], &[]), vec![1, 2]);
        assert_eq!(remap(&[0, 5, 9], &[], &[]), vec![0, 5, 9]);
        // Put in at the end only: nothing before it moves.
        assert_eq!(remap(&[0, 1], &[], &[2]), vec![0, 1]);
    }
}
