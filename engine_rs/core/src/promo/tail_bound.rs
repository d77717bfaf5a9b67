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
//! have no line in common (each unit is counted once); where two claims' tails share lines (two
//! combos over the same snacks), the two are bounded together, over every split of those lines'
//! units between them, if that enumeration is small. Values are kept per tail and counts decided
//! so far (the decided counts in mixed radix), each computed the first time a node asks for it,
//! through the claim memo.

use indexmap::IndexMap;
use std::hash::BuildHasherDefault;

use super::claim_memo::{ClaimMemo, KeyHasher};
use super::eval::CartCx;
use super::rule::Unit;
use super::table::Table;

/// A tail's completions (splits of its lines' units) and its decided states beyond these keep
/// the per-unit bounds.
const MAX_COMPLETIONS: usize = 128;
const MAX_STATES: usize = 4096;

/// Nodes of a position its tails must cut one of to stay (see [`TailBounds::judge`]).
const TRIAL: u32 = 64;

#[derive(Clone, Default)]
pub(super) struct TailBounds {
    /// Whether the run uses them (built again whenever its walk order changes), and whether
    /// they join two claims whose tails share lines.
    pub(super) on: bool,
    pub(super) pairs: bool,
    /// Per walk position: the tails that bound its nodes.
    pub(super) at: Vec<Vec<TailAt>>,
    claims: Vec<TailClaim>,
    tails: Vec<Tail>,
    /// Per tail and decided state (keyed from the tail's `table`), per bound system: its best
    /// completion (a map: a dense table per tail, up to 96 KiB each, is mostly never read).
    values: IndexMap<u64, [i64; 3], BuildHasherDefault<KeyHasher>>,
    /// States numbered so far (the next tail's `table`).
    states: u64,
    /// Per walk position: nodes that asked its tails, and nodes they cut.
    tries: Vec<u32>,
    cuts: Vec<u32>,
    /// Scratch: per member its counts per line; the claim memo's buffers.
    counts: [Vec<u32>; 2],
    amounts: Vec<i64>,
    units: Vec<Unit>,
    out: Vec<i64>,
}

/// A tail bounding the nodes of one walk position.
#[derive(Clone, Copy)]
pub(super) struct TailAt {
    tail: u32,
    /// The options of the position's line from which the tail applies (past its claims' own).
    pub(super) from_option: u32,
}

#[derive(Clone)]
struct TailClaim {
    /// Index into the search's claiming promotions, and the promotion.
    k: usize,
    p: usize,
    /// Its option lines in walk order and their units.
    lines: Vec<usize>,
    units: Vec<u32>,
}

/// One claim's tail, or two claims' whose tails share lines.
#[derive(Clone)]
struct Tail {
    /// The members' claiming promotions (indices into the search's; `n` of them) and the
    /// promotions, and their decided lines: per line the claiming promotion, the line and its
    /// units + 1 (the state's digits).
    ks: [usize; 2],
    ps: [usize; 2],
    n: usize,
    decided: Vec<(usize, usize, u64)>,
    /// The members' tail lines in walk order; per line its units, which members claim there
    /// (bit 0, bit 1), and per bound system what a unit they leave gets at most.
    lines: Vec<usize>,
    units: Vec<u32>,
    owners: Vec<u8>,
    other: Vec<[i64; 3]>,
    /// Per bound system: what the suffix bound counts for the tail's units.
    sums: [i64; 3],
    /// Its first state's key in `values`.
    table: u64,
}

/// A claim's tail from line `start` on, at one walk position.
#[derive(Clone, Copy)]
struct Candidate {
    claim: usize,
    start: usize,
    from_option: u32,
    mask: u128,
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
    /// Per line and bound system: what its claimers with no other line may take together
    /// beyond their per-unit bounds (the joint program's line cuts).
    pub(super) line_extra: &'a dyn Fn(usize) -> [i64; 3],
    /// Whether two claims whose tails share lines are joined (else the first keeps them).
    pub(super) pairs: bool,
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
            pairs: input.pairs,
            at: vec![Vec::new(); positions],
            tries: vec![0; positions],
            cuts: vec![0; positions],
            ..Self::default()
        };
        // Per position, every claim's tail there: from line `start` on, it bounds the positions
        // from its previous line's (past the claim's option there) to the one before its own
        // first line.
        let mut candidates: Vec<Vec<Candidate>> = vec![Vec::new(); positions];
        for (k, lines) in lines_of.into_iter().enumerate() {
            if lines.len() < 2 || !(input.per_unit_claim)(k) {
                continue;
            }
            let units: Vec<u32> = lines.iter().map(|&l| cx.lines[l].quantity as u32).collect();
            let claim = tails.claims.len();
            for start in 0..lines.len() {
                let mask = lines[start..].iter().fold(0u128, |m, &l| m | 1u128 << l);
                let (from, own_from) = if start == 0 {
                    (0, 0)
                } else {
                    let prev = lines[start - 1];
                    let own = input.options[prev].iter().position(|&j| j == k).expect("an option line");
                    (position[prev], own as u32 + 1)
                };
                for (pos, here) in candidates.iter_mut().enumerate().take(position[lines[start]]).skip(from) {
                    let from_option = if pos == from { own_from } else { 0 };
                    here.push(Candidate { claim, start, from_option, mask });
                }
            }
            tails.claims.push(TailClaim { k, p: input.ns[k], lines, units });
        }
        // Per position, tails with no line in common: a claim's alone, or joined with the one
        // tail it shares lines with.
        let mut known: IndexMap<[usize; 4], u32> = IndexMap::default();
        for (pos, here) in candidates.iter().enumerate() {
            let mut groups: Vec<(Vec<Candidate>, u128)> = Vec::new();
            for &c in here {
                let overlapping: Vec<usize> =
                    (0..groups.len()).filter(|&g| groups[g].1 & c.mask != 0).collect();
                match overlapping[..] {
                    [] if tails.fits(&[c]) => groups.push((vec![c], c.mask)),
                    [g] if input.pairs && groups[g].0.len() == 1 && tails.fits(&[groups[g].0[0], c]) => {
                        groups[g].0.push(c);
                        groups[g].1 |= c.mask;
                    }
                    _ => {}
                }
            }
            for (members, _) in groups {
                let key = match members[..] {
                    [a] => [a.claim, a.start, usize::MAX, 0],
                    [a, b] => [a.claim, a.start, b.claim, b.start],
                    _ => unreachable!("one or two members"),
                };
                let tail = if let Some(&t) = known.get(&key) {
                    t
                } else {
                    let t = tails.tails.len() as u32;
                    let tail = tails.new_tail(cx, input, &position, &members);
                    tails.tails.push(tail);
                    known.insert(key, t);
                    t
                };
                let from_option = members.iter().map(|c| c.from_option).max().unwrap_or(0);
                tails.at[pos].push(TailAt { tail, from_option });
            }
        }
        tails
    }

    /// Whether a tail of these members is small enough: its completions and decided states.
    fn fits(&self, members: &[Candidate]) -> bool {
        let mut states = 1usize;
        let mut per_line: Vec<(usize, u32, u8)> = Vec::new();
        for (m, c) in members.iter().enumerate() {
            let claim = &self.claims[c.claim];
            states = states.saturating_mul(claim.units[..c.start].iter().map(|&q| q as usize + 1).product());
            for (&l, &q) in claim.lines[c.start..].iter().zip(&claim.units[c.start..]) {
                match per_line.iter_mut().find(|x| x.0 == l) {
                    Some(x) => x.2 |= 1 << m,
                    None => per_line.push((l, q, 1 << m)),
                }
            }
        }
        let completions = per_line.iter().fold(1usize, |n, &(_, q, owners)| {
            let q = q as usize;
            n.saturating_mul(if owners == 3 { (q + 1) * (q + 2) / 2 } else { q + 1 })
        });
        completions <= MAX_COMPLETIONS && states <= MAX_STATES
    }

    fn new_tail(
        &mut self,
        cx: &CartCx<'_>,
        input: &TailInput<'_>,
        position: &[usize],
        members: &[Candidate],
    ) -> Tail {
        let mut lines: Vec<usize> = Vec::new();
        let mut owners: Vec<u8> = Vec::new();
        for (m, c) in members.iter().enumerate() {
            let claim = &self.claims[c.claim];
            for &l in &claim.lines[c.start..] {
                if let Some(at) = lines.iter().position(|&x| x == l) {
                    owners[at] |= 1 << m;
                } else {
                    lines.push(l);
                    owners.push(1 << m);
                }
            }
        }
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| position[lines[i]]);
        let lines: Vec<usize> = order.iter().map(|&i| lines[i]).collect();
        let owners: Vec<u8> = order.iter().map(|&i| owners[i]).collect();
        let ks: Vec<usize> = members.iter().map(|c| self.claims[c.claim].k).collect();
        let units = lines.iter().map(|&l| cx.lines[l].quantity as u32).collect();
        let other = lines.iter().map(|&l| others(input, &ks, l)).collect();
        // Less the lines' extras: the claimers that have one of these lines as their only line
        // are among the other options a unit left goes to, whose per-unit bounds need them (so
        // the tail's value keeps them).
        let mut sums = [0i64; 3];
        for &l in &lines {
            for ((s, v), e) in sums.iter_mut().zip((input.line_sum)(l)).zip((input.line_extra)(l)) {
                *s += v - e;
            }
        }
        let states: u64 = members
            .iter()
            .map(|c| self.claims[c.claim].units[..c.start].iter().map(|&q| u64::from(q) + 1).product::<u64>())
            .product();
        let table = self.states;
        self.states += states;
        let mut decided = Vec::new();
        for c in members {
            let claim = &self.claims[c.claim];
            for (&l, &q) in claim.lines[..c.start].iter().zip(&claim.units) {
                decided.push((claim.k, l, u64::from(q) + 1));
            }
        }
        Tail {
            ks: [ks[0], ks.get(1).copied().unwrap_or(usize::MAX)],
            ps: [
                self.claims[members[0].claim].p,
                members.get(1).map_or(usize::MAX, |c| self.claims[c.claim].p),
            ],
            n: members.len(),
            decided,
            lines,
            units,
            owners,
            other,
            sums,
            table,
        }
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

    /// The claiming promotions (indices into the search's) of tail `t`: one or two.
    pub(super) fn claims_of(&self, t: TailAt) -> &[usize] {
        let tail = &self.tails[t.tail as usize];
        &tail.ks[..tail.n]
    }

    /// Per bound system: what the suffix bound counts for tail `t`'s units.
    pub(super) fn sums(&self, t: TailAt) -> [i64; 3] {
        self.tails[t.tail as usize].sums
    }

    /// Per bound system, the most tail `t`'s claims and its units get, the claims' counts on
    /// the lines before the tail being `counts` (the search's, per claiming promotion and line);
    /// evaluated (through the claim memo) the first time a state is asked for.
    pub(super) fn value(
        &mut self,
        cx: &CartCx<'_>,
        memo: &mut ClaimMemo,
        t: TailAt,
        counts: &Table<u32>,
    ) -> [i64; 3] {
        let tail = &self.tails[t.tail as usize];
        let state =
            tail.decided.iter().fold(0u64, |state, &(k, l, base)| state * base + u64::from(counts[k][l]));
        let key = tail.table + state;
        if let Some(&value) = self.values.get(&key) {
            return value;
        }
        for own in &mut self.counts {
            own.clear();
            own.resize(cx.lines.len(), 0);
        }
        for &(k, l, _) in &tail.decided {
            let m = usize::from(tail.ks[0] != k);
            self.counts[m][l] = counts[k][l];
        }
        self.amounts.resize(cx.lines.len(), 0);
        let (amounts, units, out) = (&mut self.amounts, &mut self.units, &mut self.out);
        let (ks, ps) = (tail.ks, tail.ps);
        let value =
            best_completion(&tail.lines, &tail.units, &tail.owners, &tail.other, &mut self.counts, |m, c| {
                memo.get_or_evaluate(cx, (ks[m], ps[m]), c, amounts, (&mut *units, &mut *out)).0
            });
        self.values.insert(key, value);
        value
    }
}

/// Per bound system, the most one or two claims and the units of their tail `lines` (`units`
/// each, claimed by the members `owners` names: bit 0, bit 1) get: over every split of those
/// lines' units between them, each member's `exact` discount of its counts (`counts[m]`, its
/// counts on the earlier lines already there) plus each unit they leave at `other` (per line
/// and system). `counts` is left as it came.
pub(super) fn best_completion(
    lines: &[usize],
    units: &[u32],
    owners: &[u8],
    other: &[[i64; 3]],
    counts: &mut [Vec<u32>; 2],
    mut exact: impl FnMut(usize, &[u32]) -> i64,
) -> [i64; 3] {
    let members = if owners.iter().any(|&o| o & 2 != 0) { 2 } else { 1 };
    let mut best = [i64::MIN; 3];
    loop {
        let claimed: i64 = (0..members).map(|m| exact(m, &counts[m])).sum();
        let mut value = [claimed; 3];
        for ((&l, &q), other) in lines.iter().zip(units).zip(other) {
            let left = i64::from(q - counts[0][l] - if members == 2 { counts[1][l] } else { 0 });
            for (v, o) in value.iter_mut().zip(other) {
                *v += left * o;
            }
        }
        for (b, v) in best.iter_mut().zip(value) {
            *b = (*b).max(v);
        }
        if !next_split(lines, units, owners, counts) {
            return best;
        }
    }
}

/// The next split of the tail's units (an odometer over its lines; on a shared line every
/// `(first, second)` with `first + second` at most its units); false after the last.
fn next_split(lines: &[usize], units: &[u32], owners: &[u8], counts: &mut [Vec<u32>; 2]) -> bool {
    let [first, second] = counts;
    for ((&line, &q), &owner) in lines.iter().zip(units).zip(owners) {
        let (ours, theirs) = (&mut first[line], &mut second[line]);
        let moved = match owner {
            1 => step(ours, q),
            2 => step(theirs, q),
            _ if *ours + *theirs < q => {
                *ours += 1;
                true
            }
            _ => {
                *ours = 0;
                step(theirs, q)
            }
        };
        if moved {
            return true;
        }
    }
    false
}

/// One count up to `q`, or back to 0 (false: carry).
fn step(count: &mut u32, q: u32) -> bool {
    if *count < q {
        *count += 1;
        true
    } else {
        *count = 0;
        false
    }
}

/// Per bound system, the most one unit of line `l` gets from its options other than the
/// claiming promotions `ks`, or unclaimed.
fn others(input: &TailInput<'_>, ks: &[usize], l: usize) -> [i64; 3] {
    let mut best = [input.st_rate[l]; 3];
    for &j in input.options[l].iter().filter(|j| !ks.contains(j)) {
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
        let mut counts = [vec![0; 3], vec![0; 3]];
        let best =
            best_completion(&lines, &units, &[1; 3], &other, &mut counts, |_, c| second_cup_free(&prices, c));
        // All five claimed: (23, 23) (21, 18) 18 -> 23 + 18 = 41.00; leaving the 21.00 cup: (23,
        // 23) (18, 18) -> 41.00 + 1.05; leaving an 18.00 cup: (23, 23) (21, 18) -> 41.00 + 0.90;
        // leaving a 23.00 cup: (23, 21) (18, 18) -> 39.00 + 1.15. The most: 42.05.
        assert_eq!(best, [4100 + 105; 3]);
        assert!(best[0] < 2 * 1150 + 2 * 900 + 1050, "below the per-unit shares");
        assert_eq!(counts[0], vec![0, 0, 0], "counts left as they came");
    }

    #[test]
    fn decided_counts_stay_and_each_system_takes_its_own_other_bounds() {
        // Line 0 is decided (1 cup claimed); the tail is line 1 (2 cups of 18.00), whose cups
        // left over get 3.00 in the first system and 9.00 in the others (a combo's share).
        let prices = [2300, 1800];
        let mut counts = [vec![1, 0], vec![0, 0]];
        let best = best_completion(&[1], &[2], &[1], &[[300, 900, 900]], &mut counts, |_, c| {
            second_cup_free(&prices, c)
        });
        // Claim both: (23, 18) 18 -> 18.00. Claim one: (23, 18) -> 18.00 + one left over.
        // Claim none: nothing + two left over.
        assert_eq!(best, [1800 + 300, 1800 + 900, 1800 + 900]);
        assert_eq!(counts[0], vec![1, 0]);
    }

    /// A combo: one drink (line 0) and one snack (line 1 or 2) for a fixed price; the discount
    /// is the pair's prices less the price, per instance, the dearest units first.
    fn combo(prices: &[i64], fixed: i64, counts: &[u32]) -> i64 {
        let mut drinks: Vec<i64> = std::iter::repeat_n(prices[0], counts[0] as usize).collect();
        let mut snacks: Vec<i64> = counts[1..]
            .iter()
            .zip(&prices[1..])
            .flat_map(|(&c, &p)| std::iter::repeat_n(p, c as usize))
            .collect();
        drinks.sort_unstable_by(|a, b| b.cmp(a));
        snacks.sort_unstable_by(|a, b| b.cmp(a));
        drinks.iter().zip(&snacks).map(|(d, s)| (d + s - fixed).max(0)).sum()
    }

    #[test]
    fn two_combos_over_the_same_snacks_share_them() {
        // Drinks of 24.00 on line 0: combo A holds 1 of them, combo B 1 (decided). Snacks on
        // lines 1 (2 x 15.00) and 2 (1 x 6.00) are the tail both combos may claim. A: drink +
        // snack = 25.00; B: drink + snack = 28.00. A snack left gets 0.75 elsewhere. Each combo
        // can make one instance: A with a 15.00 snack 14.00, B with a 15.00 snack 11.00, and
        // the 6.00 snack left at 0.75: 25.75. Alone, each tail would count the snacks the other
        // takes again (A 14.00 + 2 x 0.75 = 15.50, B 11.00 + 1.50 = 12.50: 28.00 together).
        let prices = [2400, 1500, 600];
        let mut counts = [vec![1, 0, 0], vec![1, 0, 0]];
        let other = [[75; 3], [75; 3]];
        let best = best_completion(&[1, 2], &[2, 1], &[3, 3], &other, &mut counts, |m, c| {
            combo(&prices, [2500, 2800][m], c)
        });
        assert_eq!(best, [1400 + 1100 + 75; 3]);
        assert_eq!(counts, [vec![1, 0, 0], vec![1, 0, 0]], "counts left as they came");
    }
}
