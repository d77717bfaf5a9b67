//! Exact bounds of a line's units where a claim lives on that line alone.
//!
//! The search bounds a line's undecided units by their number times the best per-unit bound
//! of the options still to come ([`undecided_bounds`](super::item_bound::undecided_bounds)). For a
//! non-additive claim whose only option line is this one (a "one cup off every two" or a
//! 买一送一 on one drink) the per-unit bound is a share: 3 cups under one cup off every two are
//! bounded at 1.5 pairs, where one pair and the odd cup's next best option give less. Such a
//! claim lies wholly in the line's units, so its exact discount of `n` units bounds it in every
//! bound system, and a line not yet walked is bounded by the best split of its units among its
//! options (each of the others at its per-unit bound, the rest unclaimed): a small knapsack per
//! line, computed when the search is prepared, in place of its units times the best per-unit
//! bound in the bound of the lines still to walk. (Tabulating it per option position and
//! number of undecided units for the line being walked too cut almost no more nodes: 197,188
//! against 197,988 over the 1,000 sample carts, at a cost on every cart.)
//!
//! The aspiration floors stay fractions of the root bound without these totals (see
//! `Searcher::search`): below the tighter root the first floor sat above the best deal more
//! often, and a walk that fails costs its nodes again (seed 8's cart 989 of `sample.rs`: 9,704
//! -> 12,587 nodes). With the floors kept, search nodes over the 1,000 sample carts fell under
//! each of four promotion sets (see engine_rs/README.md, 2026-12-07).

use super::claim_memo::ClaimMemo;
use super::eval::CartCx;
use super::item_bound::ClaimBounds;
use super::search::Joint;
use super::table::Table;

/// Lines of more units than this keep the per-unit bounds: the knapsack grows with the square
/// of the units, and the lines that need it (an odd cup) are short.
pub const MAX_UNITS: i64 = 16;

/// `Run::line_totals`: per line with a claim that has it as its only option line (and at most
/// [`MAX_UNITS`] units), its units' bound by
/// [`line_total`] in each bound system, where it is below their
/// per-unit bound.
pub(super) fn line_totals(
    cx: &CartCx<'_>,
    ns: &[usize],
    b: &ClaimBounds,
    joint: Option<&Joint>,
    st_rate: &[i64],
    memo: &mut ClaimMemo,
) -> Vec<Option<[i64; 3]>> {
    let alone_line = alone_lines(cx, ns.len(), &b.options, &b.additive, &b.whole);
    let mut alone = AloneValues::new(cx.lines.len(), memo);
    let mut exact: Vec<(usize, Vec<i64>)> = Vec::new();
    b.options
        .iter()
        .enumerate()
        .map(|(l, opts)| {
            if opts.iter().all(|&k| alone_line[k] != Some(l)) {
                return None;
            }
            let q = cx.lines[l].quantity;
            let rate = |s: usize, k: usize| match (joint, s) {
                // (Bounded as a whole in the first system only.)
                (None, _) | (Some(_), 0) if b.whole[k] => 0,
                (None, _) | (Some(_), 0) => b.rate[k][l],
                (Some(joint), 1) => joint.rate[k][l],
                (Some(joint), _) if b.whole[k] => joint.rate[k][l],
                (Some(joint), _) => b.rate[k][l].max(joint.rate[k][l]),
            };
            let unit_ub = |s: usize| match (joint, s) {
                (None, _) | (Some(_), 0) => b.unit_ub[l][0],
                (Some(joint), 1) => joint.unit_ub[l][0],
                (Some(joint), _) => joint.max_unit_ub[l][0],
            };
            // Where the best per-unit bound is reached by every unit at once (unclaimed, or an
            // option whose discount of all `q` units is that), the knapsack gives the same:
            // checked first, with one evaluation per such option.
            let systems = if joint.is_some() { 3 } else { 1 };
            let mut reached = [false; 3];
            // (Not in a system where the line has an extra: there its claimers alone may
            // take more than its per-unit bound, which the best split counts.)
            let extra = joint.map_or(0, |joint| joint.line_extra[l]);
            for (s, reached) in reached.iter_mut().enumerate().take(systems) {
                let ub = unit_ub(s);
                if s > 0 && extra > 0 {
                    continue;
                }
                *reached = st_rate[l] == ub
                    || opts.iter().any(|&k| {
                        rate(s, k) == ub
                            && (alone_line[k] != Some(l)
                                || alone.value(cx, k, ns[k], l, q as usize) == q * ub)
                    });
            }
            if reached[..systems].iter().all(|&r| r) {
                return None;
            }
            exact.clear();
            for &k in opts.iter().filter(|&&k| alone_line[k] == Some(l)) {
                let values = (0..=q as usize).map(|n| alone.value(cx, k, ns[k], l, n)).collect();
                exact.push((k, values));
            }
            let find = |k: usize| exact.iter().find(|x| x.0 == k).map(|x| x.1.as_slice());
            let total = |s: usize| {
                if reached[s] {
                    return q * unit_ub(s);
                }
                line_total(opts, q as usize, st_rate[l], |k| rate(s, k), find)
            };
            let own = total(0);
            let totals = if joint.is_some() { [own, total(1), total(2)] } else { [own; 3] };
            (0..3).any(|s| totals[s] < q * unit_ub(s)).then_some(totals)
        })
        .collect()
}

/// Per claiming promotion (indices into `ns`): the line whose units it may claim alone, where
/// that is its only option line, it is non-additive there and bounded per unit (not as a
/// whole), and the line has at most [`MAX_UNITS`] units; else `None`.
pub fn alone_lines(
    cx: &CartCx<'_>,
    n_claiming: usize,
    options: &[Vec<usize>],
    additive: &Table<Option<i64>>,
    whole: &[bool],
) -> Vec<Option<usize>> {
    let mut only_line = vec![None; n_claiming];
    let mut lines_seen = vec![0u32; n_claiming];
    for (l, opts) in options.iter().enumerate() {
        for &k in opts {
            lines_seen[k] += 1;
            only_line[k] = Some(l);
        }
    }
    (0..n_claiming)
        .map(|k| {
            only_line[k].filter(|&l| {
                lines_seen[k] == 1
                    && !whole[k]
                    && additive[k][l].is_none()
                    && cx.lines[l].quantity <= MAX_UNITS
            })
        })
        .collect()
}

/// Evaluates claims of one promotion on one line alone, through the search's claim memo (where
/// the walk finds them again when it closes such a claim).
pub struct AloneValues<'m> {
    memo: &'m mut ClaimMemo,
    counts: Vec<u32>,
    per_line: Vec<i64>,
    units: Vec<super::rule::Unit>,
    out: Vec<i64>,
}

impl<'m> AloneValues<'m> {
    pub fn new(lines: usize, memo: &'m mut ClaimMemo) -> Self {
        Self { memo, counts: vec![0; lines], per_line: vec![0; lines], units: Vec::new(), out: Vec::new() }
    }

    /// Claiming promotion `k`'s (promotion `p`'s) exact discount of `n` units of line `l`.
    pub fn value(&mut self, cx: &CartCx<'_>, k: usize, p: usize, l: usize, n: usize) -> i64 {
        if n == 0 {
            return 0;
        }
        self.counts[l] = n as u32;
        let scratch = (&mut self.units, &mut self.out);
        let (value, _, _) = self.memo.get_or_evaluate(cx, (k, p), &self.counts, &mut self.per_line, scratch);
        self.counts[l] = 0;
        value
    }
}

/// The most `q` units of one line get from its options `opts` and staying unclaimed (each
/// unclaimed unit `st_rate`): per option its exact values where it has them (`exact(k)`, of
/// `0..=q` units), else `n` times `rate(k)`, its per-unit bound in the bound system at hand (0
/// for one bounded as a whole: its cap is held already). A knapsack over the options.
pub fn line_total<'a>(
    opts: &[usize],
    q: usize,
    st_rate: i64,
    rate: impl Fn(usize) -> i64,
    exact: impl Fn(usize) -> Option<&'a [i64]>,
) -> i64 {
    // `best[r]`: the most `r` units get from the options so far and staying unclaimed.
    let mut best: Vec<i64> = (0..=q).map(|r| (r as i64).saturating_mul(st_rate)).collect();
    let mut next = best.clone();
    for &k in opts {
        let per_unit = rate(k);
        let values = exact(k);
        for r in 0..=q {
            next[r] = (0..=r)
                .map(|n| {
                    let own = values.map_or((n as i64).saturating_mul(per_unit), |v| v[n]);
                    own.saturating_add(best[r - n])
                })
                .max()
                .expect("n = 0 is always there");
        }
        std::mem::swap(&mut best, &mut next);
    }
    best[q]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_odd_cup_takes_the_next_best_option() {
        // 3 cups of 19.00 under "one cup off every two" (option 0: 0, 0, 19.00, 19.00 for 0..=3
        // cups, bounded at 9.50 a cup) and 6.34 off a cup (option 1): one pair free and the odd
        // cup at 6.34 is 25.34, where 3 x 9.50 = 28.50.
        let exact = [0, 0, 1900, 1900];
        let rate = |k: usize| [950, 634][k];
        let alone = |k: usize| (k == 0).then_some(&exact[..]);
        assert_eq!(line_total(&[0, 1], 3, 0, rate, alone), 1900 + 634);
        // The odd cup unclaimed when the stackables give it more (7.00), in either order.
        assert_eq!(line_total(&[1, 0], 3, 700, rate, alone), 1900 + 700);
        // Two cups: the pair.
        assert_eq!(line_total(&[0, 1], 2, 0, rate, alone), 1900);
    }

    #[test]
    fn one_cup_under_buy_one_get_one_is_worth_its_other_options() {
        // 买一送一 on one cup takes nothing: the cup is bounded by the 2.00 off, not 11.00.
        let exact = [0, 0];
        let rate = |k: usize| [1100, 200][k];
        assert_eq!(line_total(&[0, 1], 1, 50, rate, |k| (k == 0).then_some(&exact[..])), 200);
    }
}
