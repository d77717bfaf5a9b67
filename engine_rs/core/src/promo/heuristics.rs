//! Heuristics around the exact search: a local search that finds a better incumbent when the
//! first pass of the search does not finish (the walk then goes on cutting against it, see
//! `Searcher::local_search`), and the greedy answer when the budget is spent.

use super::search::{set_claim, Run, Searcher};
use super::selector::lines_of;

/// The most passes of `Searcher::polish` over the lines.
pub const POLISH_PASSES: usize = 4;

impl Searcher<'_> {
    /// Hill climbing on the claims, from none: for each line in walk order, each claiming
    /// promotion there takes all the line's units (or the line goes unclaimed); a move is kept
    /// when its leaf beats the incumbent. Rounds until nothing improves (at most three). Call
    /// with no claim set; leaves the claims it kept set (see [`polish`](Self::polish)).
    pub(super) fn improve(&mut self, run: &mut Run) {
        let mut before = Vec::new();
        for _ in 0..3 {
            let mut improved = false;
            for pos in 0..run.seq.len() {
                let l = run.seq[pos];
                let quantity = self.cx.lines[l].quantity as u32;
                for t in 0..=run.options[l].len() {
                    if self.aborted {
                        return;
                    }
                    let target = run.options[l].get(t).copied();
                    if target.is_some_and(|k| run.counts[k][l] == quantity) || !self.may_take(run, target) {
                        continue;
                    }
                    if target.is_none() && run.avail[l] == quantity {
                        continue;
                    }
                    before.clear();
                    before.extend(run.options[l].iter().map(|&k| (k, run.counts[k][l])));
                    let mut after = before.clone();
                    for (k, c) in &mut after {
                        *c = if Some(*k) == target { quantity } else { 0 };
                    }
                    if self.try_line(run, l, &before, &after) {
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// Sets line `l`'s claims from `before` to `after` (`(promotion, count)` pairs) and keeps
    /// them if the leaf beats the incumbent; otherwise sets them back. Whether they were kept.
    fn try_line(&mut self, run: &mut Run, l: usize, before: &[(usize, u32)], after: &[(usize, u32)]) -> bool {
        if !self.tick() {
            return false;
        }
        self.set_line(run, l, after);
        let found = self.found;
        self.leaf_if_promising(run);
        if self.found > found {
            return true;
        }
        self.set_line(run, l, before);
        false
    }

    /// Sets line `l`'s claims to `counts` (`(promotion, count)` pairs), keeping the exact item
    /// stage of the changed claims in step.
    fn set_line(&mut self, run: &mut Run, l: usize, counts: &[(usize, u32)]) {
        let changed: Vec<(usize, u32)> =
            counts.iter().copied().filter(|&(k, c)| run.counts[k][l] != c).collect();
        for &(k, _) in &changed {
            self.apply_claim(run, k, -1);
        }
        // Lower counts first, so the units are free for the raised ones.
        for lower in [true, false] {
            for &(k, c) in &changed {
                if lower == (c < run.counts[k][l]) {
                    let group = self.cx.promotions[run.ns[k]].group;
                    set_claim(run, group, k, l, c);
                }
            }
        }
        for &(k, _) in &changed {
            self.apply_claim(run, k, 1);
        }
    }

    /// The leaf of the current claims, if the order bound at their exact item discount (the
    /// unclaimed units' stackable discounts bounded) can still beat the incumbent.
    fn leaf_if_promising(&mut self, run: &Run) {
        let stacked: i64 = run.avail.iter().zip(&run.st_rate).map(|(&a, r)| i64::from(a) * r).sum();
        let item = run.exact_total;
        if run.order_bound.bound(self.cx, run.excluded, item, item + stacked, &run.exact_line)
            >= self.best.value
        {
            self.leaf(run);
        }
    }

    /// Local search from the incumbent's claims, one unit at a time: each move takes a unit of
    /// a line from its holder (a claiming promotion, or the unclaimed pool) to another; a move
    /// is kept when its leaf beats the incumbent. The slowest carts' last gains are such small
    /// moves (a snack from one combo to another, one cup out of a claim to keep the order's
    /// base on a threshold), which a depth-first walk reaches only late. A move is evaluated
    /// only when the order bound at its exact item discount can still beat the incumbent;
    /// claims come from the memo. Passes until nothing improves (at most [`POLISH_PASSES`]).
    /// Call with no claim set; leaves the claims it kept set.
    pub(super) fn polish(&mut self, run: &mut Run) {
        let cx = self.cx;
        let mut k_of = vec![usize::MAX; cx.promotions.len()];
        for (k, &p) in run.ns.iter().enumerate() {
            k_of[p] = k;
        }
        let claims = self.best.choice.claims.clone();
        if self.best.exclusive != run.exclusive || claims.iter().any(|(p, _)| k_of[*p] == usize::MAX) {
            return;
        }
        for (p, counts) in &claims {
            let k = k_of[*p];
            let group = cx.promotions[*p].group;
            for (l, &c) in counts.iter().enumerate() {
                set_claim(run, group, k, l, c);
            }
            self.apply_claim(run, k, 1);
        }
        for _ in 0..POLISH_PASSES {
            let mut improved = false;
            for pos in 0..run.seq.len() {
                let l = run.seq[pos];
                let holders: Vec<Option<usize>> =
                    std::iter::once(None).chain(run.options[l].iter().map(|&k| Some(k))).collect();
                for &from in &holders {
                    for &to in &holders {
                        if self.aborted {
                            return;
                        }
                        if from == to || !held_by(run, l, from) || !self.may_take(run, to) {
                            continue;
                        }
                        // One unit from `from` to `to` (the pool's count is implied).
                        let before: Vec<(usize, u32)> =
                            [from, to].into_iter().flatten().map(|k| (k, run.counts[k][l])).collect();
                        let after: Vec<(usize, u32)> = before
                            .iter()
                            .map(|&(k, c)| (k, if Some(k) == from { c - 1 } else { c + 1 }))
                            .collect();
                        if self.try_line(run, l, &before, &after) {
                            improved = true;
                        }
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// Whether `holder` may take a unit: the pool always; a promotion unless another of its
    /// group claims.
    fn may_take(&self, run: &Run, holder: Option<usize>) -> bool {
        holder.is_none_or(|k| !run.blocked(self.cx.promotions[run.ns[k]].group, k))
    }

    /// Adds (`sign` 1) or removes (-1) the exact discount of promotion `k`'s current claim to
    /// the run's exact item stage, if `k` is non-additive (set_claim keeps the additive ones).
    fn apply_claim(&mut self, run: &mut Run, k: usize, sign: i64) {
        if !run.bounded[k] || run.claimed[k] == 0 {
            return;
        }
        let (exact, entry) = self.claim(run, k);
        run.exact_total += sign * exact;
        run.exact_by[k] += sign * exact;
        run.add_line_amounts(k, entry, sign);
    }

    /// The fallback: claiming promotions in `(priority, id)` order each claim every eligible
    /// unit still free (when that gives them something), then the leaf's exact choice of
    /// stackable and order-level promotions.
    pub(super) fn greedy(&mut self, candidates: &[usize], exclusive: bool) {
        let mut run = self.prepare(candidates, exclusive, false);
        let cx = self.cx;
        let mut scratch = vec![0; cx.lines.len()];
        let mut claims = Vec::new();
        for k in 0..run.ns.len() {
            let p = run.ns[k];
            let group = cx.promotions[p].group;
            if group.is_some_and(|g| run.group_claims[g].1 > 0) {
                continue;
            }
            let lines: Vec<usize> = lines_of(cx.eligible[p]).collect();
            for &l in &lines {
                let c = run.avail[l];
                set_claim(&mut run, group, k, l, c);
            }
            if cx.claimed(p, &run.counts[k], &mut scratch) == 0 {
                for &l in &lines {
                    set_claim(&mut run, group, k, l, 0);
                }
            } else {
                claims.push(k);
            }
        }
        // The leaf reads the exact item stage from the run.
        run.exact_line = vec![0; cx.lines.len()];
        run.exact_total = 0;
        for &k in &claims {
            run.exact_by[k] = cx.claimed(run.ns[k], &run.counts[k], &mut run.exact_line);
            run.exact_total += run.exact_by[k];
        }
        self.leaf(&run);
    }
}

/// Whether `holder` (a claiming promotion, or the unclaimed pool) holds a unit of line `l`.
fn held_by(run: &Run, l: usize, holder: Option<usize>) -> bool {
    match holder {
        Some(k) => run.counts[k][l] > 0,
        None => run.avail[l] > 0,
    }
}
