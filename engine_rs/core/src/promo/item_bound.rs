//! Per-unit upper bounds of the item stage for the search, and the order it walks the lines.
//!
//! Every claiming promotion gets a bound per line such that the sum over any set of its units
//! bounds its discount (exact for percent, amount and tier price; for the other kinds a share
//! that may land on another unit, see [`ItemRule::unit_bounds`]); a unit left unclaimed is
//! bounded by the stackable promotions' bounds. A promotion whose cap (its most over all its
//! units) is below what its per-unit bounds would add is bounded by the cap as a whole.

use super::cart::CartLine;
use super::eval::CartCx;
use super::rule::{ItemKind, ItemRule, Unit};
use super::selector::lines_of;
use super::table::{Ragged, Table};

/// The bounds of one search's claiming promotions (indices into its `ns` list).
pub struct ClaimBounds {
    /// Per promotion and line: the per-unit bound; the exact per-unit discount if additive.
    pub rate: Vec<Vec<i64>>,
    pub additive: Table<Option<i64>>,
    /// Per promotion: a cap of its total; whether the search bounds it by the cap as a whole;
    /// whether it is non-additive (bounded until its claim is complete).
    pub cap: Vec<i64>,
    pub whole: Vec<bool>,
    pub bounded: Vec<bool>,
    /// Per line: the promotions that may claim there (largest bound first), and per option
    /// position the bound of one undecided unit (the last entry: no option left).
    pub options: Vec<Vec<usize>>,
    pub unit_ub: Ragged<i64>,
}

/// Per line: the bound of one unclaimed unit through the stackable promotions. The additive
/// ones (percent, amount, tier price) are applied one after the other to the unit at full
/// price, in `(priority, id)` order: each maps a price to a lower one, never decreasing in it,
/// so all of them together take the most any subset can. The other kinds' bounds are shares of
/// what may land on other units, so they are added, uncapped.
/// Per stackable promotion its own per-unit bounds ([`ItemRule::unit_bounds`]).
pub fn stackable_unit_bounds(cx: &CartCx<'_>, st: &[usize]) -> Vec<Vec<i64>> {
    st.iter().map(|&p| cx.item_kind(p).unit_bounds(cx.item_cx(p), cx.lines, cx.eligible[p], &[])).collect()
}

/// `own`: the stackables' own per-unit bounds ([`stackable_unit_bounds`]).
pub fn stack_bounds(cx: &CartCx<'_>, st: &[usize], own: &[Vec<i64>]) -> Vec<i64> {
    let n_lines = cx.lines.len();
    let mut st_rate = vec![0i64; n_lines];
    let mut current: Vec<i64> = cx.lines.iter().map(CartLine::unit_price).collect();
    let mut out = [0i64];
    for (&p, bounds) in st.iter().zip(own) {
        let kind = cx.item_kind(p);
        for l in lines_of(cx.eligible[p]) {
            if kind.additive(cx.item_cx(p), cx.lines, l).is_some() {
                let unit = Unit { line: l, unit_price: cx.lines[l].unit_price(), current: current[l] };
                out[0] = 0;
                kind.discounts(cx.item_cx(p), &[unit], &mut out);
                current[l] -= out[0];
            } else {
                st_rate[l] += bounds[l];
            }
        }
    }
    for (l, r) in st_rate.iter_mut().enumerate() {
        *r += cx.lines[l].unit_price() - current[l];
    }
    st_rate
}

/// The bounds of the claiming promotions `ns` given the stackables' bound per line.
pub fn claim_bounds(
    cx: &CartCx<'_>,
    ns: &[usize],
    st: &[usize],
    ol: &[usize],
    st_rate: &[i64],
) -> ClaimBounds {
    let n_lines = cx.lines.len();
    let rate = item_bounds(cx, ns, st_rate);
    let (first, second, first_of) = top_two(&rate, st_rate);
    let mut additive = Table::new(ns.len(), n_lines, None);
    let mut cap = Vec::with_capacity(ns.len());
    for (i, &p) in ns.iter().enumerate() {
        let kind = cx.item_kind(p);
        for l in lines_of(cx.eligible[p]) {
            additive[i][l] = kind.additive(cx.item_cx(p), cx.lines, l);
        }
        cap.push(kind.total_bound(cx.item_cx(p), cx.lines, cx.eligible[p]));
    }
    let mut options: Vec<Vec<usize>> = vec![Vec::new(); n_lines];
    // Per line, what an unclaimed unit gets for sure when every stackable there is an
    // ungrouped exact-amount one (so always applied, the same on every unit of the line).
    let order_on: Vec<bool> =
        (0..n_lines).map(|l| ol.iter().any(|&p| cx.eligible[p] & (1u128 << l) != 0)).collect();
    let unclaimed_exact: Vec<Option<i64>> = (0..n_lines)
        .map(|l| {
            st.iter()
                .all(|&p| {
                    cx.eligible[p] & (1u128 << l) == 0
                        || (cx.promotions[p].group.is_none()
                            && cx.item_kind(p).additive(cx.item_cx(p), cx.lines, l).is_some())
                })
                .then_some(st_rate[l])
        })
        .collect();
    for (i, &p) in ns.iter().enumerate() {
        // A promotion that can take nothing off claims no unit (the contract).
        if cap[i] == 0 || dominated(cx, ns, &additive, i) {
            continue;
        }
        for l in lines_of(cx.eligible[p]) {
            // An exact amount that the unit gets anyway unclaimed (nothing, when no stackable
            // is there), or that an ungrouped promotion matches: moving the unit changes no
            // line's net and lowers the assignment vector, so such a claim is never the best.
            // Beaten rather than matched only where no order-level promotion sees the line (a
            // larger item discount may lower a threshold's base). (A stackable of another kind
            // may use a line its bound puts at 0: a 买一送一's get units next to its bound's
            // buy; then nothing is sure.)
            let beats = |other: i64, own: i64| other == own || (other > own && !order_on[l]);
            let beaten_unclaimed =
                additive[i][l].is_some_and(|own| unclaimed_exact[l].is_some_and(|sure| beats(sure, own)));
            if !beaten_unclaimed && !line_dominated(cx, ns, &additive, &cap, i, l, beats) {
                options[l].push(i);
            }
        }
    }
    let bounded: Vec<bool> =
        (0..ns.len()).map(|i| lines_of(cx.eligible[ns[i]]).any(|l| additive[i][l].is_none())).collect();
    let whole: Vec<bool> = (0..ns.len())
        .map(|i| {
            let adds: i64 = lines_of(cx.eligible[ns[i]])
                .map(|l| {
                    let other = if first_of[l] == i { second[l] } else { first[l] };
                    cx.lines[l].quantity * (rate[i][l] - other).max(0)
                })
                .sum();
            additive[i].iter().all(Option::is_none) && cap[i] < adds
        })
        .collect();
    let mut b = ClaimBounds { rate, additive, cap, whole, bounded, options, unit_ub: Ragged::default() };
    b.order_options(st_rate);
    b
}

impl ClaimBounds {
    /// Sorts each line's options by bound (largest first) and derives `unit_ub`.
    fn order_options(&mut self, st_rate: &[i64]) {
        for (l, opts) in self.options.iter_mut().enumerate() {
            let rate = &self.rate;
            opts.sort_by(|&a, &b| rate[b][l].cmp(&rate[a][l]).then(a.cmp(&b)));
        }
        self.unit_ub = undecided_bounds(&self.options, &self.rate, &self.whole, st_rate);
    }

    /// On each line, first the options whose claim it completes (`closes_on`: per promotion its
    /// last option line in walk order), each part in order of its bounds: the search closes
    /// each right after its count is set, so the rest of the line is bounded with its exact
    /// discount rather than its per-unit bounds. On the benchmark's slowest carts that cut the
    /// instructions by 9 % against the options in order of their bounds alone (the undecided
    /// units' bound falls fastest); the closing ones last took 33 % more.
    pub fn closing_first(&mut self, closes_on: &[usize], st_rate: &[i64]) {
        for (l, opts) in self.options.iter_mut().enumerate() {
            opts.sort_by_key(|&k| closes_on[k] != l);
        }
        self.unit_ub = undecided_bounds(&self.options, &self.rate, &self.whole, st_rate);
    }

    /// A second, joint system of per-unit bounds: the instance-based claimers take the bounds
    /// `y` of [`pattern_bound`](super::pattern_bound) (none is bounded as a whole there), the
    /// others keep theirs;
    /// `None` unless it bounds the whole cart lower than this one. Each system is valid on its
    /// own (never mixed within one bound), so the search may take the smaller of the two.
    /// With the rates, what each claimer may take beyond them (see
    /// [`JointBounds`](super::pattern_bound::JointBounds)).
    /// And the program's other answers (`y` aside): see
    /// [`JointBounds`](super::pattern_bound::JointBounds).
    pub fn joint_rates(
        &self,
        cx: &CartCx<'_>,
        ns: &[usize],
        st_rate: &[i64],
    ) -> Option<(Vec<Vec<i64>>, super::pattern_bound::JointBounds)> {
        let joint = super::pattern_bound::unit_bounds(cx, ns, self, st_rate)?;
        let whole_caps: i64 = (0..ns.len()).filter(|&i| self.whole[i]).map(|i| self.cap[i]).sum();
        let old: i64 =
            cx.lines.iter().zip(self.unit_ub.rows()).map(|(line, ub)| line.quantity * ub[0]).sum::<i64>()
                + whole_caps;
        let new: i64 = cx.lines.iter().zip(&joint.y).map(|(line, y)| line.quantity * y).sum::<i64>()
            + joint.extra.iter().sum::<i64>()
            + joint.line_extra.iter().sum::<i64>();
        if new >= old {
            return None;
        }
        let mut rate = self.rate.clone();
        for (l, opts) in self.options.iter().enumerate() {
            for &i in opts {
                if self.additive[i][l].is_none() {
                    rate[i][l] = joint.y[l];
                }
            }
        }
        Some((rate, joint))
    }
}

/// Per line and option position (options in the order given): the bound of one undecided
/// unit, the best of the options still to come (those bounded as a whole aside) or unclaimed.
pub fn undecided_bounds(
    options: &[Vec<usize>],
    rate: &[Vec<i64>],
    whole: &[bool],
    st_rate: &[i64],
) -> Ragged<i64> {
    let mut ub = Ragged::new(options.iter().map(|opts| opts.len() + 1), 0);
    for (l, opts) in options.iter().enumerate() {
        let row = &mut ub[l];
        row[opts.len()] = st_rate[l];
        for j in (0..opts.len()).rev() {
            let r = if whole[opts[j]] { 0 } else { rate[opts[j]][l] };
            row[j] = row[j + 1].max(r);
        }
    }
    ub
}

/// Whether claiming promotion `i` is never needed: another additive one of the same group (or
/// both ungrouped) earlier in `(priority, id)` order is eligible wherever it is and takes exactly as much off
/// each unit there. Moving its units to that one keeps every discount and lowers the
/// assignment vector (its label, the position in `(priority, id)` order, is smaller), which
/// the tie-break prefers.
fn dominated(cx: &CartCx<'_>, ns: &[usize], additive: &Table<Option<i64>>, i: usize) -> bool {
    let p = ns[i];
    let mask = cx.eligible[p];
    if lines_of(mask).any(|l| additive[i][l].is_none()) {
        return false;
    }
    ns.iter().enumerate().any(|(j, &q)| {
        j != i
            && q < p
            && cx.promotions[q].group == cx.promotions[p].group
            && cx.eligible[q] & mask == mask
            && lines_of(mask).all(|l| additive[j][l] == additive[i][l])
    })
}

/// Whether claiming promotion `i` never needs a unit of line `l`: it takes an exact amount
/// off each unit there (percent, amount, tier price), and an ungrouped one of the same kind of
/// rule takes as much there with a smaller label (earlier in `(priority, id)` order), or more
/// (`beats`, see the caller). Moving such units from `i` to that one needs no group, gives it
/// something (so it may hold units) and lowers the assignment vector: a combination in which
/// `i` claims there is never the best.
fn line_dominated(
    cx: &CartCx<'_>,
    ns: &[usize],
    additive: &Table<Option<i64>>,
    cap: &[i64],
    i: usize,
    l: usize,
    beats: impl Fn(i64, i64) -> bool,
) -> bool {
    let Some(own) = additive[i][l] else {
        return false;
    };
    ns.iter().enumerate().any(|(j, &q)| {
        j != i
            && cap[j] > 0
            && cx.promotions[q].group.is_none()
            && additive[j][l]
                .is_some_and(|other| other > 0 && beats(other, own) && (other != own || q < ns[i]))
    })
}

/// Per claiming promotion, per-line bounds (see [`ItemRule::unit_bounds`]), chosen so that
/// their per-unit maximum (what the search adds up) is small: either every promotion's own
/// cheapest scheme or every scheme charged to the last set (shared scarce snacks), whichever
/// adds up to less; then each non-additive promotion in turn re-chooses, given what the others
/// already bound each line by.
fn item_bounds(cx: &CartCx<'_>, ns: &[usize], st_rate: &[i64]) -> Vec<Vec<i64>> {
    let own: Vec<Vec<i64>> = ns
        .iter()
        .map(|&p| cx.item_kind(p).unit_bounds(cx.item_cx(p), cx.lines, cx.eligible[p], &[]))
        .collect();
    // The kinds with a last-set scheme (combos, 买一送一) replace their rows; the others keep
    // their own (no copy of them).
    let last: Vec<Option<Vec<i64>>> = ns
        .iter()
        .map(|&p| cx.item_kind(p).last_set_bounds(cx.item_cx(p), cx.lines, cx.eligible[p]))
        .collect();
    let with_last = summed_top(ns.len(), |i| last[i].as_deref().unwrap_or(&own[i]), st_rate, cx.lines);
    let with_own = summed_top(ns.len(), |i| &own[i], st_rate, cx.lines);
    let mut rates = own;
    if with_last < with_own {
        for (row, last) in rates.iter_mut().zip(last) {
            if let Some(last) = last {
                *row = last;
            }
        }
    }
    let mut top = top_two(&rates, st_rate);
    for (i, &p) in ns.iter().enumerate() {
        // Only combos and 买一送一 have schemes to choose from.
        let kind = cx.item_kind(p);
        if !matches!(kind, ItemKind::Combo(_) | ItemKind::BuyXGetY(_)) {
            continue;
        }
        let (first, second, first_of) = &top;
        let other: Vec<i64> =
            (0..cx.lines.len()).map(|l| if first_of[l] == i { second[l] } else { first[l] }).collect();
        let cost = |r: &[i64]| -> i64 {
            r.iter().zip(&other).zip(cx.lines).map(|((r, o), line)| (r - o).max(0) * line.quantity).sum()
        };
        // Nothing to gain where its bounds add nothing over the others' already.
        let current = cost(&rates[i]);
        if current == 0 {
            continue;
        }
        let candidate = kind.unit_bounds(cx.item_cx(p), cx.lines, cx.eligible[p], &other);
        if cost(&candidate) < current {
            rates[i] = candidate;
            top = top_two(&rates, st_rate);
        }
    }
    rates
}

/// Per line the largest of `n` promotions' bounds (`row(i)`) and the stackables' bound, summed
/// over the units.
fn summed_top<'a>(n: usize, row: impl Fn(usize) -> &'a [i64], st_rate: &[i64], lines: &[CartLine]) -> i64 {
    let mut first = st_rate.to_vec();
    for i in 0..n {
        for (f, &r) in first.iter_mut().zip(row(i)) {
            *f = (*f).max(r);
        }
    }
    first.iter().zip(lines).map(|(r, line)| r * line.quantity).sum()
}

/// Per line: the largest and second largest bound (the stackables' bound counts as one), and
/// which promotion has the largest (`usize::MAX` for the stackables).
fn top_two(rates: &[Vec<i64>], st_rate: &[i64]) -> (Vec<i64>, Vec<i64>, Vec<usize>) {
    let (mut first, mut second) = (st_rate.to_vec(), st_rate.to_vec());
    let mut first_of = vec![usize::MAX; st_rate.len()];
    for (i, r) in rates.iter().enumerate() {
        for l in 0..st_rate.len() {
            if r[l] > first[l] {
                second[l] = first[l];
                first[l] = r[l];
                first_of[l] = i;
            } else if r[l] > second[l] {
                second[l] = r[l];
            }
        }
    }
    (first, second, first_of)
}

/// The order in which the search walks the lines: each next line is the one that brings the
/// most bound mass of non-additive claims closer to completion (a claim's mass, the sum of its
/// per-unit bounds at most its cap, credited to each line it still has by a blend of an equal
/// share and the line's own part; twice all of it for its last one, which the search closes as
/// soon as its count there is set), then the one with the largest bound; so the loosest claims
/// become exact first and the bound tightens early. (The equal share alone, until 2026-12-07:
/// against a quarter of the own part, search nodes over the 1,000 sample carts under promotion
/// seeds 7, 8, 9 and 11 of `sample.rs`, p99 1,064, 6,666, 3,671, 3,249 -> 983, 5,978, 3,671,
/// 3,344, max 7,064, 100,001 (inexact), 100,001, 54,196 -> 3,129, 42,604, 100,001, 60,708,
/// instructions over all of them -1.0 %, -12.8 %, -0.1 %, +0.4 %. The own part alone cut seed
/// 8 more but raised seed 7's p99 to 1,395 and seed 11's to 3,521; an eighth, three eighths and
/// a half of it moved the same ways, less or more.)
/// (Counting a completed claim once, until 2026-12-07: search nodes over the 1,000 sample carts
/// p99 1,483 -> 1,115, sum 214,523 -> 203,788; under promotion seeds 8, 9 and 11 of `sample.rs`
/// p99 8,967 -> 6,666, 5,499 -> 4,238, 3,757 -> 3,291. Completed mass as a first key of its own
/// did better on the sample mixes (p99 988, 5,503, 4,596, 3,362) but made 12 of the 200 carts
/// of `workload.py`'s dense mix inexact, where this order keeps all but one.)
pub fn walk_order(cx: &CartCx<'_>, b: &ClaimBounds) -> Vec<usize> {
    let walk =
        Walk { options: &b.options, rate: &b.rate, bounded: &b.bounded, cap: &b.cap, unit_ub: &b.unit_ub };
    walk_order_after(cx, &walk, 0)
}

/// What [`walk_order_after`] reads of the claim bounds.
pub struct Walk<'a> {
    pub options: &'a [Vec<usize>],
    pub rate: &'a [Vec<i64>],
    pub bounded: &'a [bool],
    pub cap: &'a [i64],
    pub unit_ub: &'a Ragged<i64>,
}

/// [`walk_order`] after the lines `0..first`, which come first in canonical order.
pub fn walk_order_after(cx: &CartCx<'_>, b: &Walk<'_>, first: usize) -> Vec<usize> {
    let n = b.options.len();
    let mut left: Vec<i64> = vec![0; b.bounded.len()];
    let mut mass: Vec<i64> = vec![0; b.bounded.len()];
    for (l, opts) in b.options.iter().enumerate() {
        for &i in opts {
            left[i] += 1;
            mass[i] += cx.lines[l].quantity * b.rate[i][l];
        }
    }
    for (i, m) in mass.iter_mut().enumerate() {
        *m = if b.bounded[i] { (*m).min(b.cap[i]) } else { 0 };
    }
    let mut done = vec![false; n];
    let mut seq = Vec::with_capacity(n);
    let mut visit = |l: usize, done: &mut Vec<bool>, left: &mut Vec<i64>| {
        done[l] = true;
        for &i in &b.options[l] {
            left[i] -= 1;
        }
        seq.push(l);
    };
    for l in 0..first.min(n) {
        visit(l, &mut done, &mut left);
    }
    for _ in first.min(n)..n {
        let mut pick = None;
        let mut pick_key = (0i64, 0i64);
        for l in (0..n).filter(|&l| !done[l]) {
            let progress: i64 = b.options[l]
                .iter()
                .map(|&i| {
                    if left[i] == 1 {
                        return 2 * mass[i];
                    }
                    // A quarter of the line's own part of the mass, three quarters an equal
                    // share of it per line left.
                    let own = (cx.lines[l].quantity * b.rate[i][l]).min(mass[i]);
                    (own + 3 * (mass[i] / left[i])) / 4
                })
                .sum();
            let key = (progress, cx.lines[l].quantity * b.unit_ub[l][0]);
            if pick.is_none() || key > pick_key {
                pick = Some(l);
                pick_key = key;
            }
        }
        visit(pick.expect("a line is left"), &mut done, &mut left);
    }
    seq
}
