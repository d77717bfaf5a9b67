//! Bounds of a claim together with the lines it has still to walk: its best completion.
//!
//! A claim spanning several lines (a category-wide "second cup half price" over three fruit
//! teas, a combo over cheese-foam lines and snack lines) is bounded by per-unit shares until
//! the walk sets its count on its last line. The shares are loose where the units do not pair
//! up: five fruit teas under "second cup free" are bounded at half of each cup (2.5 cups) where
//! two pairs give two, and a combo holding one snack is bounded at its share of every cheese
//! foam left, where one snack makes one instance. Meanwhile the walk splits every line between
//! the claim's first and last, and none of those splits is cut by a bound that still counts the
//! half cup or the instances no snack is left for.
//!
//! So a claim is bounded together with the lines it has still to walk (its tail) by its best
//! completion: its exact discount over every count of those lines (its counts decided so far
//! fixed), each unit it leaves at what the bound system gives that unit without the claim (the
//! best per-unit bound of another option there, or unclaimed). That replaces, in each bound
//! system, the claim's held bound and its tail's units' bounds: in every completion the claim's
//! discount plus what those units get otherwise is at most that. Tails that bound the same node
//! have no line in common (each unit is counted once). Values are kept per claim, first tail
//! line and counts decided so far (the decided counts in mixed radix), each computed the first
//! time a node asks for it, through the claim memo.

use indexmap::IndexMap;
use std::hash::BuildHasherDefault;

use super::claim_memo::{ClaimMemo, KeyHasher};
use super::eval::CartCx;
use super::rule::Unit;

/// A tail's completions (product of its lines' units + 1) and its decided states beyond these
/// keep the per-unit bounds.
const MAX_COMPLETIONS: usize = 128;
const MAX_STATES: usize = 4096;

/// Nodes of a position its tails must cut one of to stay (see [`TailBounds::judge`]).
const TRIAL: u32 = 64;

#[derive(Clone, Default)]
pub(super) struct TailBounds {
    /// Whether the run uses them (built again whenever its walk order changes).
    pub(super) on: bool,
    /// Per walk position: the tails that bound its nodes.
    pub(super) at: Vec<Vec<TailAt>>,
    claims: Vec<TailClaim>,
    /// Per tail and decided state (keyed from the tail's `table`), per bound system: its best
    /// completion (a map: a dense table per tail, up to 96 KiB each, is mostly never read).
    values: IndexMap<u64, [i64; 3], BuildHasherDefault<KeyHasher>>,
    /// States numbered so far (the next tail's `table`).
    states: u64,
    /// Per walk position: nodes that asked its tails, and nodes they cut.
    tries: Vec<u32>,
    cuts: Vec<u32>,
    counts: Vec<u32>,
    amounts: Vec<i64>,
    units: Vec<Unit>,
    out: Vec<i64>,
}

#[derive(Clone, Copy)]
pub(super) struct TailAt {
    claim: u32,
    /// The tail's first line (an index into the claim's lines).
    start: u32,
    /// The options of the position's line from which the tail applies (past the claim's own).
    pub(super) from_option: u32,
    /// Per bound system: what the suffix bound counts for the tail's units.
    pub(super) sums: [i64; 3],
    /// Its first state's key in `values`.
    table: u64,
}

#[derive(Clone)]
struct TailClaim {
    /// Index into the search's claiming promotions, and the promotion.
    k: usize,
    p: usize,
    /// Its option lines in walk order, their units, and per line and bound system what a unit
    /// it leaves gets at most (the best per-unit bound of another option, or unclaimed).
    lines: Vec<usize>,
    units: Vec<u32>,
    other: Vec<[i64; 3]>,
}

/// What [`TailBounds::build`] reads of the run.
pub(super) struct TailInput<'a> {
    pub(super) ns: &'a [usize],
    pub(super) seq: &'a [usize],
    pub(super) options: &'a [Vec<usize>],
    /// Whether claiming promotion `k` is non-additive on every line and bounded per unit.
    pub(super) per_unit_claim: &'a dyn Fn(usize) -> bool,
    /// Per claiming promotion and line, per bound system: the bound of one undecided unit it
    /// claims (0 for one bounded as a whole).
    pub(super) rate: &'a dyn Fn(usize, usize) -> [i64; 3],
    pub(super) st_rate: &'a [i64],
    /// Per line and bound system: what the suffix bound counts for its units.
    pub(super) line_sum: &'a dyn Fn(usize) -> [i64; 3],
}

impl TailBounds {
    pub(super) fn build(cx: &CartCx<'_>, input: &TailInput<'_>) -> Self {
        let positions = input.seq.len();
        let mut position = vec![usize::MAX; cx.lines.len()];
        for (pos, &l) in input.seq.iter().enumerate() {
            position[l] = pos;
        }
        let mut lines_of: Vec<Vec<usize>> = vec![Vec::new(); input.ns.len()];
        for &l in input.seq {
            for &k in &input.options[l] {
                lines_of[k].push(l);
            }
        }
        let mut tails = Self {
            on: true,
            at: vec![Vec::new(); positions],
            tries: vec![0; positions],
            cuts: vec![0; positions],
            ..Self::default()
        };
        // Per position, the lines of the tails bounding it already.
        let mut taken: Vec<u128> = vec![0; positions];
        for (k, lines) in lines_of.into_iter().enumerate() {
            if lines.len() < 2 || !(input.per_unit_claim)(k) {
                continue;
            }
            let units: Vec<u32> = lines.iter().map(|&l| cx.lines[l].quantity as u32).collect();
            let other = lines.iter().map(|&l| others(input, k, l)).collect();
            let claim = tails.claims.len() as u32;
            let mut registered = false;
            // The tail from line `start` on bounds the positions from its previous line's (past
            // the claim's option there) to the one before its own first line.
            for start in 0..lines.len() {
                let completions: usize = units[start..].iter().map(|&q| q as usize + 1).product();
                let states: usize = units[..start].iter().map(|&q| q as usize + 1).product();
                if completions > MAX_COMPLETIONS || states > MAX_STATES {
                    continue;
                }
                let mask = lines[start..].iter().fold(0u128, |m, &l| m | 1u128 << l);
                let mut sums = [0i64; 3];
                for &l in &lines[start..] {
                    for (s, v) in sums.iter_mut().zip((input.line_sum)(l)) {
                        *s += v;
                    }
                }
                let (from, own_from) = if start == 0 {
                    (0, 0)
                } else {
                    let prev = lines[start - 1];
                    let own = input.options[prev].iter().position(|&j| j == k).expect("an option line");
                    (position[prev], own as u32 + 1)
                };
                let table = tails.states;
                let mut used = false;
                let end = position[lines[start]];
                for (pos, taken) in taken.iter_mut().enumerate().take(end).skip(from) {
                    if *taken & mask != 0 {
                        continue;
                    }
                    *taken |= mask;
                    let from_option = if pos == from { own_from } else { 0 };
                    tails.at[pos].push(TailAt { claim, start: start as u32, from_option, sums, table });
                    used = true;
                }
                if used {
                    tails.states += states as u64;
                    registered = true;
                }
            }
            if registered {
                tails.claims.push(TailClaim { k, p: input.ns[k], lines, units, other });
            }
        }
        tails
    }

    /// Counts a node of position `pos` that asked its tails and whether they cut it. A position
    /// whose tails cut none of its first [`TRIAL`] nodes drops them: where the claims' shares
    /// are tight anyway, evaluating completions costs what a node does and cuts nothing.
    pub(super) fn judge(&mut self, pos: usize, cut: bool) {
        self.tries[pos] += 1;
        self.cuts[pos] += u32::from(cut);
        if self.tries[pos] >= TRIAL && self.cuts[pos] == 0 {
            self.at[pos].clear();
        }
    }

    /// The claiming promotion (index into the search's) of tail `t`.
    pub(super) fn claim_of(&self, t: TailAt) -> usize {
        self.claims[t.claim as usize].k
    }

    /// Per bound system, the most tail `t`'s claim and its tail's units get, its counts on the
    /// lines before the tail being `counts` (the search's, per line).
    pub(super) fn value(
        &mut self,
        cx: &CartCx<'_>,
        memo: &mut ClaimMemo,
        t: TailAt,
        counts: &[u32],
    ) -> [i64; 3] {
        let claim = &self.claims[t.claim as usize];
        let start = t.start as usize;
        let mut state = 0usize;
        for (&l, &q) in claim.lines[..start].iter().zip(&claim.units) {
            state = state * (q as usize + 1) + counts[l] as usize;
        }
        let key = t.table + state as u64;
        if let Some(&value) = self.values.get(&key) {
            return value;
        }
        let value = self.complete(cx, memo, t, counts);
        self.values.insert(key, value);
        value
    }

    fn complete(&mut self, cx: &CartCx<'_>, memo: &mut ClaimMemo, t: TailAt, counts: &[u32]) -> [i64; 3] {
        let claim = &self.claims[t.claim as usize];
        let start = t.start as usize;
        self.counts.clear();
        self.counts.resize(cx.lines.len(), 0);
        self.amounts.resize(cx.lines.len(), 0);
        for &l in &claim.lines[..start] {
            self.counts[l] = counts[l];
        }
        let (amounts, units, out) = (&mut self.amounts, &mut self.units, &mut self.out);
        best_completion(
            &claim.lines[start..],
            &claim.units[start..],
            &claim.other[start..],
            &mut self.counts,
            |counts| {
                memo.get_or_evaluate(cx, (claim.k, claim.p), counts, amounts, (&mut *units, &mut *out)).0
            },
        )
    }
}

/// Per bound system, the most a claim and the units of its tail `lines` (`units` each) get:
/// over every count of those lines, the claim's `exact` discount of `counts` (its counts on
/// the earlier lines already there) plus each unit it leaves at `other` (per line and system).
/// `counts` is left as it came.
pub(super) fn best_completion(
    lines: &[usize],
    units: &[u32],
    other: &[[i64; 3]],
    counts: &mut [u32],
    mut exact: impl FnMut(&[u32]) -> i64,
) -> [i64; 3] {
    let mut best = [i64::MIN; 3];
    loop {
        let claimed = exact(counts);
        let mut value = [claimed; 3];
        for ((&l, &q), other) in lines.iter().zip(units).zip(other) {
            let left = i64::from(q - counts[l]);
            for (v, o) in value.iter_mut().zip(other) {
                *v += left * o;
            }
        }
        for (b, v) in best.iter_mut().zip(value) {
            *b = (*b).max(v);
        }
        // The next tail counts (an odometer over the tail's lines).
        let mut j = 0;
        while j < lines.len() {
            let l = lines[j];
            if counts[l] < units[j] {
                counts[l] += 1;
                break;
            }
            counts[l] = 0;
            j += 1;
        }
        if j == lines.len() {
            return best;
        }
    }
}

/// Per bound system, the most one unit of line `l` gets from its options other than claiming
/// promotion `k`, or unclaimed.
fn others(input: &TailInput<'_>, k: usize, l: usize) -> [i64; 3] {
    let mut best = [input.st_rate[l]; 3];
    for &j in input.options[l].iter().filter(|&&j| j != k) {
        for (b, r) in best.iter_mut().zip((input.rate)(j, l)) {
            *b = (*b).max(r);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Second cup free", the cheaper of each pair free, pairs formed from the dearest cups.
    fn second_cup_free(prices: &[i64], counts: &[u32]) -> i64 {
        let mut cups: Vec<i64> =
            counts.iter().zip(prices).flat_map(|(&c, &p)| std::iter::repeat_n(p, c as usize)).collect();
        cups.sort_unstable_by(|a, b| b.cmp(a));
        cups.chunks(2).filter(|pair| pair.len() == 2).map(|pair| pair[1]).sum()
    }

    #[test]
    fn five_cups_of_second_cup_free_are_two_pairs_not_two_and_a_half() {
        // Three fruit-tea lines: 2 x 23.00, 2 x 18.00, 1 x 21.00; a cup the promotion leaves gets
        // 5 % elsewhere. Per-unit shares bound the five cups at half their prices: 51.50.
        let prices = [2300, 1800, 2100];
        let lines = [0, 1, 2];
        let units = [2, 2, 1];
        let other = [[115; 3], [90; 3], [105; 3]];
        let mut counts = vec![0; 3];
        let best = best_completion(&lines, &units, &other, &mut counts, |c| second_cup_free(&prices, c));
        // All five claimed: (23, 23) (21, 18) 18 -> 23 + 18 = 41.00; leaving the 21.00 cup: (23,
        // 23) (18, 18) -> 41.00 + 1.05; leaving an 18.00 cup: (23, 23) (21, 18) -> 41.00 + 0.90;
        // leaving a 23.00 cup: (23, 21) (18, 18) -> 39.00 + 1.15. The most: 42.05.
        assert_eq!(best, [4100 + 105; 3]);
        assert!(best[0] < 2 * 1150 + 2 * 900 + 1050, "below the per-unit shares");
        assert_eq!(counts, vec![0, 0, 0], "counts left as they came");
    }

    #[test]
    fn decided_counts_stay_and_each_system_takes_its_own_other_bounds() {
        // Line 0 is decided (1 cup claimed); the tail is line 1 (2 cups of 18.00), whose cups
        // left over get 3.00 in the first system and 9.00 in the others (a combo's share).
        let prices = [2300, 1800];
        let mut counts = vec![1, 0];
        let best =
            best_completion(&[1], &[2], &[[300, 900, 900]], &mut counts, |c| second_cup_free(&prices, c));
        // Claim both: (23, 18) 18 -> 18.00. Claim one: (23, 18) -> 18.00 + one left over.
        // Claim none: nothing + two left over.
        assert_eq!(best, [1800 + 300, 1800 + 900, 1800 + 900]);
        assert_eq!(counts, vec![1, 0]);
    }
}
