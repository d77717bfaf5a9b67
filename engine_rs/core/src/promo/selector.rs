//! Unit selectors (a promotion's `scope`, a buy or get set, a combo slot, the skus listed by a
//! `tier_price`) and the per-cart line masks they compile to.
//!
//! All units of a line share sku and category, so eligibility is decided per line: a
//! [`LineMask`] has bit `l` set when the `l`-th line (in `line_no` order) matches. The
//! calculator indexes every selector by sku and by category once, so a cart costs two map
//! look-ups per line, not one per selector and line.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use super::cart::CartLine;

/// A set of lines of one cart, bit `l` = the `l`-th line by `line_no` (carts have at most
/// [`MAX_LINES`] lines).
pub type LineMask = u128;

/// The most lines a cart may have (one bit each in a [`LineMask`]).
pub const MAX_LINES: usize = 100;

/// The mask of the first `n` lines.
pub fn all_lines(n: usize) -> LineMask {
    if n >= 128 {
        LineMask::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Iterates the line indices of a mask in ascending order.
pub fn lines_of(mut mask: LineMask) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let l = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(l)
    })
}

/// Which units a selector takes: by sku or category; `every` = all units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub every: bool,
    pub skus: BTreeSet<String>,
    pub categories: BTreeSet<String>,
}

impl Selector {
    /// The contract's selector: both lists empty = every unit.
    pub fn new(skus: Vec<String>, categories: Vec<String>) -> Self {
        let every = skus.is_empty() && categories.is_empty();
        Self { every, skus: skus.into_iter().collect(), categories: categories.into_iter().collect() }
    }

    /// Exactly the listed skus (an empty list selects nothing).
    pub fn skus(skus: impl IntoIterator<Item = String>) -> Self {
        Self { every: false, skus: skus.into_iter().collect(), categories: BTreeSet::new() }
    }

    pub fn matches(&self, sku: &str, category: &str) -> bool {
        self.every || self.skus.contains(sku) || self.categories.contains(category)
    }
}

/// Identifies a selector inside a [`SelectorIndex`].
pub type SelectorId = usize;

/// Every selector of the compiled promotions, indexed by sku and category.
#[derive(Debug, Default)]
pub struct SelectorIndex {
    selectors: Vec<Selector>,
    every: Vec<SelectorId>,
    by_sku: BTreeMap<String, Vec<SelectorId>>,
    by_category: BTreeMap<String, Vec<SelectorId>>,
}

impl SelectorIndex {
    pub fn add(&mut self, selector: Selector) -> SelectorId {
        let id = self.selectors.len();
        if selector.every {
            self.every.push(id);
        }
        for sku in &selector.skus {
            self.by_sku.entry(sku.clone()).or_default().push(id);
        }
        for category in &selector.categories {
            self.by_category.entry(category.clone()).or_default().push(id);
        }
        self.selectors.push(selector);
        id
    }

    pub fn get(&self, id: SelectorId) -> &Selector {
        &self.selectors[id]
    }

    /// The mask of every selector for these lines.
    pub fn masks(&self, lines: &[CartLine]) -> Vec<LineMask> {
        let mut masks = vec![0; self.selectors.len()];
        let all = all_lines(lines.len());
        for &id in &self.every {
            masks[id] = all;
        }
        for (l, line) in lines.iter().enumerate() {
            let bit = 1u128 << l;
            for id in self.by_sku.get(&line.sku).into_iter().flatten() {
                masks[*id] |= bit;
            }
            for id in self.by_category.get(&line.category).into_iter().flatten() {
                masks[*id] |= bit;
            }
        }
        masks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, category: &str) -> CartLine {
        CartLine {
            line_no: 0,
            sku: sku.into(),
            category: category.into(),
            quantity: 1,
            item_price: 100,
            modifiers_price: 0,
        }
    }

    #[test]
    fn masks_follow_sku_or_category_and_empty_means_every() {
        let mut index = SelectorIndex::default();
        let every = index.add(Selector::new(vec![], vec![]));
        let tea = index.add(Selector::new(vec![], vec!["milk_tea".into()]));
        let sku = index.add(Selector::new(vec!["lemon".into()], vec!["milk_tea".into()]));
        let none = index.add(Selector::skus(Vec::new()));
        let lines = [line("classic", "milk_tea"), line("lemon", "fruit_tea"), line("x", "y")];
        let masks = index.masks(&lines);
        assert_eq!(masks[every], 0b111);
        assert_eq!(masks[tea], 0b001);
        assert_eq!(masks[sku], 0b011);
        assert_eq!(masks[none], 0);
        assert_eq!(lines_of(0b101).collect::<Vec<_>>(), vec![0, 2]);
    }
}
