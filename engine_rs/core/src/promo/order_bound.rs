//! An upper bound of item plus order discounts for the search, coupling the two: item
//! discounts lower the base of the order-level promotions, so taking the most off the items
//! and assuming the order stage still sees the undiscounted base overestimates a lot where
//! thresholds (满减) sit in between.
//!
//! Order-level promotions on every line with `base: "after_items"` all see the same base
//! `S - I` (`S` the subtotal, `I` the item discount). Those whose discount is a step function
//! of the base or a percent of it form `g(B)` (per group the best member, plus the ungrouped
//! ones; a percent counted exactly, `B * percent / 100`, rounded up). Between two steps,
//! `I + g(S - I)` grows with `I` as long as the percents (the largest per group) add up to at
//! most 100, so for item discounts anywhere in `[I_lo, I_hi]` it is largest at `I_hi` or where
//! the base sits exactly on a step: the bound is the maximum over those points. The other
//! order-level promotions (scoped or `before_items` ones, fine staircases, percents beyond
//! 100 in all) are bounded at the largest base they can still have.

use std::cell::Cell;

use super::eval::CartCx;
use super::rule::{ceil_div, OrderRule};
use super::selector::{all_lines, lines_of};

#[derive(Clone)]
pub struct OrderBound {
    subtotal: i64,
    /// `g` per group (each ungrouped promotion its own): the best step value at each step
    /// index, and the largest percent; the parts without a percent are summed per step index
    /// into `fixed` (the bound runs at every node of the search), the others kept in `sloped`.
    fixed: Vec<i64>,
    sloped: Vec<(Vec<i64>, i64)>,
    /// Sorted bases where `g` steps (0 first) and `g` there.
    steps: Vec<i64>,
    g: Vec<i64>,
    /// `(promotion, group)` bounded at their largest base, grouped members adjacent.
    loose: Vec<(usize, Option<usize>)>,
    /// The last bound computed without loose promotions, with its item range `(i_lo, i_hi)`:
    /// then it depends on nothing else, and consecutive nodes of a walk (a count of zero, the
    /// next option) often ask for the same range.
    last: Cell<(i64, i64, i64)>,
    /// The number of steps at most the last `lo_base` (see [`Self::joint_bound`]); at least 1
    /// (the step at 0).
    finger: Cell<usize>,
}

impl OrderBound {
    pub fn new(cx: &CartCx<'_>, ordered: &[usize]) -> Self {
        let subtotal: i64 = cx.gross.iter().sum();
        let all = all_lines(cx.lines.len());
        let mut joint = Vec::new();
        let mut loose = Vec::new();
        let mut percents = Vec::new();
        let mut steps = vec![0];
        for &p in ordered {
            let (kind, before) = cx.promotions[p].order_kind().expect("order-level");
            let group = cx.promotions[p].group;
            if before || cx.eligible[p] != all {
                loose.push((p, group));
            } else if kind.steps(subtotal, &mut steps) {
                joint.push((p, group));
            } else if let Some(percent) = kind.percent() {
                percents.push((p, group, percent));
            } else {
                loose.push((p, group));
            }
        }
        // The percents join `g` while their slopes (the largest per group) add up to <= 100%.
        percents.sort_by_key(|&(p, g, _)| (g.is_none(), g, p));
        let slope = best_per_group(&percents.iter().map(|&(p, g, _)| (p, g)).collect::<Vec<_>>(), |p| {
            percents.iter().find(|x| x.0 == p).map_or(0, |x| x.2)
        });
        let target = if slope <= 100 { &mut joint } else { &mut loose };
        target.extend(percents.iter().map(|&(p, g, _)| (p, g)));
        steps.sort_unstable();
        steps.dedup();
        joint.sort_by_key(|&(p, g)| (g.is_none(), g, p));
        loose.sort_by_key(|&(p, g)| (g.is_none(), g, p));
        // One part per group (or ungrouped promotion): its best step value at every step and
        // its largest percent.
        let mut parts: Vec<(Vec<i64>, i64)> = Vec::new();
        let mut last_group = None;
        for &(p, group) in &joint {
            if group.is_none() || group != last_group {
                parts.push((vec![0; steps.len()], 0));
            }
            last_group = group;
            let part = parts.last_mut().expect("a part");
            let kind = cx.promotions[p].order_kind().expect("order-level").0;
            match kind.percent() {
                Some(percent) => part.1 = part.1.max(percent),
                None => {
                    for (value, &base) in part.0.iter_mut().zip(&steps) {
                        *value = (*value).max(kind.discount(base));
                    }
                }
            }
        }
        let mut fixed = vec![0i64; steps.len()];
        let mut sloped = Vec::new();
        for (values, percent) in parts {
            if percent == 0 {
                for (f, v) in fixed.iter_mut().zip(&values) {
                    *f += v;
                }
            } else {
                sloped.push((values, percent));
            }
        }
        let last = Cell::new((i64::MIN, i64::MIN, 0));
        let finger = Cell::new(1);
        let mut bound = Self { subtotal, fixed, sloped, steps, g: Vec::new(), loose, last, finger };
        bound.g = (0..bound.steps.len()).map(|k| bound.g_at(k, bound.steps[k])).collect();
        bound
    }

    /// `g(base)` where `at` is the index of the last step `<= base`: per part the better of its
    /// step value and its percent (rounded up).
    fn g_at(&self, at: usize, base: i64) -> i64 {
        self.fixed[at]
            + self
                .sloped
                .iter()
                .map(|(values, percent)| values[at].max(percent_up(base, *percent)))
                .sum::<i64>()
    }

    /// Bounds the value (item plus order stage) of any completion whose item discount lies in
    /// `[i_lo, i_hi]`, given the exact item discounts fixed so far per line (`exact_line`,
    /// summing to `i_lo`).
    pub fn bound(&self, cx: &CartCx<'_>, i_lo: i64, i_hi: i64, exact_line: &[i64]) -> i64 {
        if self.loose.is_empty() {
            let (lo, hi, bound) = self.last.get();
            if (lo, hi) == (i_lo, i_hi) {
                return bound;
            }
            let bound = self.joint_bound(i_lo, i_hi);
            self.last.set((i_lo, i_hi, bound));
            return bound;
        }
        let loose = best_per_group(&self.loose, |p| {
            let (kind, before) = cx.promotions[p].order_kind().expect("order-level");
            let base: i64 =
                lines_of(cx.eligible[p]).map(|l| cx.gross[l] - if before { 0 } else { exact_line[l] }).sum();
            kind.discount(base).min(base)
        });
        self.joint_bound(i_lo, i_hi).saturating_add(loose).min(self.subtotal)
    }

    /// The bound of item discounts in `[i_lo, i_hi]` plus `g` (see [`Self::bound`]).
    fn joint_bound(&self, i_lo: i64, i_hi: i64) -> i64 {
        let s = self.subtotal;
        let i_hi = i_hi.min(s);
        let lo_base = s - i_hi;
        let hi_base = s - i_lo;
        // How many steps are at most `lo_base`, walked from the last call's answer: consecutive
        // nodes ask for nearby bases, and a binary search here was a tenth of the slowest
        // carts' time (each probe waits for the one before).
        let mut at = self.finger.get();
        while at < self.steps.len() && self.steps[at] <= lo_base {
            at += 1;
        }
        while at > 1 && self.steps[at - 1] > lo_base {
            at -= 1;
        }
        self.finger.set(at);
        let mut best = i_hi + self.g_at(at - 1, lo_base);
        for k in at..self.steps.len() {
            if self.steps[k] > hi_base {
                break;
            }
            best = best.max(s - self.steps[k] + self.g[k]);
        }
        best.min(s)
    }
}

/// `base * percent / 100` rounded up; in i64 where the product fits (always, for the
/// calculator's money limits), because this runs at every node of the search.
fn percent_up(base: i64, percent: i64) -> i64 {
    match (percent, base.checked_mul(percent)) {
        (0, _) => 0,
        (_, Some(product)) if product <= i64::MAX - 99 => (product + 99) / 100,
        _ => ceil_div(i128::from(base) * i128::from(percent), 100),
    }
}

/// Sum over groups of the best member's value, plus every ungrouped one (`members` sorted with
/// each group's members adjacent).
fn best_per_group(members: &[(usize, Option<usize>)], value: impl Fn(usize) -> i64) -> i64 {
    let mut total = 0;
    let mut group_best: Option<(usize, i64)> = None;
    for &(p, group) in members {
        let v = value(p);
        match group {
            None => total = i64::saturating_add(total, v),
            Some(g) => match group_best {
                Some((current, best)) if current == g => group_best = Some((g, best.max(v))),
                _ => {
                    total = total.saturating_add(group_best.map_or(0, |b| b.1));
                    group_best = Some((g, v));
                }
            },
        }
    }
    total.saturating_add(group_best.map_or(0, |b| b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_per_group_sums_groups_and_loners() {
        let members = [(0, Some(1)), (1, Some(1)), (2, Some(4)), (3, None), (4, None)];
        let values = [5, 7, 2, 10, 1];
        assert_eq!(best_per_group(&members, |p| values[p]), 7 + 2 + 10 + 1);
    }
}
