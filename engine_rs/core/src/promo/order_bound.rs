//! An upper bound of item plus order discounts for the search, coupling the two: item
//! discounts lower the base of the order-level promotions, so taking the most off the items
//! and assuming the order stage still sees the undiscounted base overestimates a lot where
//! thresholds (满减) sit in between.
//!
//! Order-level promotions on every line with `base: "after_items"` all see the same base
//! `S - I` (`S` the subtotal, `I` the item discount). Those whose discount is a step function
//! of the base or a percent of it form `g(B)` (per group the best member, plus the ungrouped
//! ones). Between two steps, `I + g(S - I)` grows with `I` as long as the percents (the
//! largest per group) add up to at most 100, so for item discounts anywhere in `[I_lo, I_hi]`
//! it is largest at `I_hi` or where the base sits exactly on a step: the bound is the maximum
//! over those points. With one percent `p` in `g` it is floored as the order stage floors it:
//! `I + floor(p (S - I) / 100)` still never falls as `I` grows (`d` more units of `I` take at
//! most `ceil(p d / 100) <= d` off the floor), so the bound is the largest value itself. Rounded
//! up, the root bound sat a cent above the best deal on about a third of the slowest carts
//! (ties at the root that looked like a gap). Several percents are each rounded up: their
//! floors together may fall by more than `I` gains. No base below `S` less the root's item
//! bound is ever asked for, so `g` keeps no step under it but the last. The other order-level
//! promotions (scoped or `before_items` ones, fine staircases, percents beyond 100 in all) are
//! bounded at the largest base they can still have.

//!
//! A group may hold item-level and order-level promotions alike, and at most one of them
//! applies. Once a claiming promotion of such a group claims a unit (and a claim that takes
//! nothing off is not allowed), every completion below leaves the group's order-level members
//! out, so a node bounds the order stage without them: [`OrderBound`] keeps one
//! [`StageBound`] per set of such groups claimed (built the first time a node asks for it),
//! indexed by the bits of [`OrderBound::bit`]. On the benchmark's hard mixes (`workload.py`,
//! groups drawn for promotions of every kind) the bound had counted a grouped 满减 beside the
//! item discount of its own group's claim, which is where their root bounds sat above the
//! best deal.

use std::cell::{Cell, OnceCell};

use super::eval::CartCx;
use super::rule::{ceil_div, percent_of, OrderRule};
use super::selector::{all_lines, lines_of};

/// Groups with order-level and claiming members beyond this many are not told apart (their
/// order-level members always count): at most `2^MIXED_GROUPS` stage bounds per search.
const MIXED_GROUPS: usize = 6;

/// The order stage's bound per set of groups whose order-level members a claim has excluded
/// (see the module doc).
#[derive(Clone)]
pub struct OrderBound {
    /// The order-level promotions in `(priority, id)` order.
    ordered: Vec<usize>,
    /// Per group: its bit in a mask of excluded groups (0: not told apart).
    bits: Vec<u64>,
    /// The bound with every order-level promotion (no group excluded: most nodes), and per
    /// nonzero mask the bound without the order-level members of the mask's groups.
    all: StageBound,
    by_mask: Vec<OnceCell<StageBound>>,
    /// At least the item discount of any completion (see [`StageBound::new`]).
    max_items: i64,
}

impl OrderBound {
    /// `claiming_groups`: the groups of the search's claiming promotions; `groups` the number
    /// of groups; `max_items`: at least the item discount of any completion (the root's item
    /// bound).
    pub fn new(
        cx: &CartCx<'_>,
        ordered: &[usize],
        claiming_groups: &[Option<usize>],
        groups: usize,
        max_items: i64,
    ) -> Self {
        let mut bits = vec![0u64; if ordered.is_empty() { 0 } else { groups }];
        let mut mixed = 0;
        for &p in ordered {
            if let Some(g) = cx.promotions[p].group {
                if bits[g] == 0 && mixed < MIXED_GROUPS && claiming_groups.contains(&Some(g)) {
                    bits[g] = 1 << mixed;
                    mixed += 1;
                }
            }
        }
        let all = StageBound::new(cx, ordered, max_items);
        if mixed == 0 {
            // Nothing to tell apart (the usual case): no masks.
            return Self { ordered: Vec::new(), bits: Vec::new(), all, by_mask: Vec::new(), max_items };
        }
        let by_mask = (0..(1usize << mixed) - 1).map(|_| OnceCell::new()).collect();
        Self { ordered: ordered.to_vec(), bits, all, by_mask, max_items }
    }

    /// Group `g`'s bit in the masks of [`Self::bound`] (0 if its claims change nothing here).
    #[inline]
    pub fn bit(&self, g: usize) -> u64 {
        self.bits.get(g).copied().unwrap_or(0)
    }

    /// Bounds the value (item plus order stage) of any completion whose item discount lies in
    /// `[i_lo, i_hi]` and whose claims exclude the order-level members of the groups in
    /// `excluded` (see [`StageBound::bound`]).
    #[inline]
    pub fn bound(&self, cx: &CartCx<'_>, excluded: u64, i_lo: i64, i_hi: i64, exact_line: &[i64]) -> i64 {
        if excluded == 0 {
            return self.all.bound(cx, i_lo, i_hi, exact_line);
        }
        self.by_mask[excluded as usize - 1]
            .get_or_init(|| {
                let kept: Vec<usize> = self
                    .ordered
                    .iter()
                    .copied()
                    .filter(|&p| cx.promotions[p].group.is_none_or(|g| self.bits[g] & excluded == 0))
                    .collect();
                StageBound::new(cx, &kept, self.max_items)
            })
            .bound(cx, i_lo, i_hi, exact_line)
    }
}

/// The bound of item plus order stage for one set of order-level promotions.
#[derive(Clone)]
pub struct StageBound {
    subtotal: i64,
    /// At least the item discount of any completion: the bound never looks at bases below
    /// `subtotal - max_items`, so `g` keeps no step under the last one at most that base.
    max_items: i64,
    /// `g` per group (each ungrouped promotion its own): the best step value at each step
    /// index, and the largest percent; the parts without a percent are summed per step index
    /// into `fixed` (the bound runs at every node of the search), the others kept in `sloped`.
    fixed: Vec<i64>,
    sloped: Vec<(Vec<i64>, i64)>,
    /// Whether the percents are rounded up: with one sloped part they are floored as the
    /// order stage floors them (see the module doc).
    round_up: bool,
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

impl StageBound {
    /// The bound of `ordered` for completions whose item discount is at most `max_items`.
    pub fn new(cx: &CartCx<'_>, ordered: &[usize], max_items: i64) -> Self {
        let subtotal: i64 = cx.gross.iter().sum();
        let max_items = max_items.clamp(0, subtotal);
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
        // No base below `subtotal - max_items` is asked for: of the steps under it only the
        // last is needed (where `g` stands there), and the step at 0 keeps `steps` non-empty.
        // (Computing `g` at every step of every 满减 was a fifth of preparing a search.)
        let below = steps.partition_point(|&base| base <= subtotal - max_items);
        if below > 2 {
            steps.drain(1..below - 1);
        }
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
        let round_up = sloped.len() > 1;
        let mut bound =
            Self { subtotal, max_items, fixed, sloped, round_up, steps, g: Vec::new(), loose, last, finger };
        bound.g = (0..bound.steps.len()).map(|k| bound.g_at(k, bound.steps[k])).collect();
        bound
    }

    /// `g(base)` where `at` is the index of the last step `<= base`: per part the better of its
    /// step value and its percent (floored, or rounded up: see `round_up`).
    fn g_at(&self, at: usize, base: i64) -> i64 {
        self.fixed[at]
            + self
                .sloped
                .iter()
                .map(|(values, percent)| {
                    values[at].max(if self.round_up {
                        percent_up(base, *percent)
                    } else {
                        percent_of(base, *percent)
                    })
                })
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
        let i_hi = i_hi.min(self.max_items);
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
