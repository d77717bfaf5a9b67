//! Heuristics around the exact search: a local search that finds a good incumbent when the
//! first pass of the search does not finish (the search then cuts against it), and the greedy
//! answer when the budget is spent.

use super::search::{set_claim, Run, Searcher};
use super::selector::lines_of;

/// The most passes of [`Searcher::polish`] over the lines.
pub const POLISH_PASSES: usize = 4;

impl Searcher<'_> {
    /// Hill climbing on the claims, from none: for each line in walk order, each claiming
    /// promotion there takes all the line's units (or the line goes unclaimed); a move is kept
    /// when its leaf beats the incumbent. Rounds until nothing improves (at most three).
    pub(super) fn improve(&mut self, run: &mut Run) {
        for _ in 0..3 {
            let mut improved = false;
            for pos in 0..run.seq.len() {
                let l = run.seq[pos];
                let quantity = self.cx.lines[l].quantity as u32;
                let mut moves: Vec<Option<usize>> = run.options[l].iter().map(|&k| Some(k)).collect();
                moves.push(None);
                for target in moves {
                    if self.aborted {
                        return;
                    }
                    let before: Vec<u32> = run.counts.iter().map(|c| c[l]).collect();
                    for k in 0..run.ns.len() {
                        let group = self.cx.promotions[run.ns[k]].group;
                        set_claim(run, group, k, l, 0);
                    }
                    let allowed = target.is_none_or(|k| {
                        let group = self.cx.promotions[run.ns[k]].group;
                        !group.is_some_and(|g| run.group_claims[g].1 > 0 && run.group_claims[g].0 != k)
                    });
                    if let (Some(k), true) = (target, allowed) {
                        let group = self.cx.promotions[run.ns[k]].group;
                        set_claim(run, group, k, l, quantity);
                    }
                    let found = self.found;
                    self.evaluate_claims(run);
                    if self.found > found {
                        improved = true;
                    } else {
                        for (k, &count) in before.iter().enumerate() {
                            let group = self.cx.promotions[run.ns[k]].group;
                            set_claim(run, group, k, l, count);
                        }
                    }
                }
            }
            if !improved {
                break;
            }
        }
        // Back to no claim for the search.
        for k in 0..run.ns.len() {
            let group = self.cx.promotions[run.ns[k]].group;
            for l in 0..run.avail.len() {
                set_claim(run, group, k, l, 0);
            }
        }
    }

    /// Local search from the incumbent's claims, one unit at a time: each move takes a unit of
    /// a line from its holder (a claiming promotion, or the unclaimed pool) to another; a move
    /// is kept when its leaf beats the incumbent. The slowest carts' last gains are such small
    /// moves (a snack from one combo to another, one cup out of a claim to keep the order's
    /// base on a threshold), which a depth-first walk reaches only late. A move is evaluated
    /// only when the order bound at its exact item discount can still beat the incumbent;
    /// claims come from the memo. Passes until nothing improves (at most [`POLISH_PASSES`]).
    /// Call with no claim set; leaves none set.
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
        let saved = (run.exact_line.clone(), run.exact_total, run.exact_by.clone());
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
                            break;
                        }
                        if from == to || !self.held_by(run, l, from) || !self.may_take(run, to) {
                            continue;
                        }
                        if self.move_unit(run, l, from, to) {
                            improved = true;
                        }
                    }
                }
            }
            if !improved {
                break;
            }
        }
        for k in 0..run.ns.len() {
            let group = cx.promotions[run.ns[k]].group;
            for l in 0..run.avail.len() {
                set_claim(run, group, k, l, 0);
            }
        }
        (run.exact_line, run.exact_total, run.exact_by) = saved;
    }

    /// Whether `holder` (a claiming promotion, or the unclaimed pool) holds a unit of line `l`.
    fn held_by(&self, run: &Run, l: usize, holder: Option<usize>) -> bool {
        match holder {
            Some(k) => run.counts[k][l] > 0,
            None => run.avail[l] > 0,
        }
    }

    /// Whether `holder` may take a unit: the pool always; a promotion unless another of its
    /// group claims.
    fn may_take(&self, run: &Run, holder: Option<usize>) -> bool {
        holder.is_none_or(|k| {
            let group = self.cx.promotions[run.ns[k]].group;
            !group.is_some_and(|g| run.group_claims[g].1 > 0 && run.group_claims[g].0 != k)
        })
    }

    /// Moves one unit of line `l` from `from` to `to` and keeps the move if its leaf beats the
    /// incumbent; otherwise moves it back. Whether it was kept.
    fn move_unit(&mut self, run: &mut Run, l: usize, from: Option<usize>, to: Option<usize>) -> bool {
        if !self.tick() {
            return false;
        }
        let step = |s: &mut Self, run: &mut Run, from: Option<usize>, to: Option<usize>| {
            for k in [from, to].into_iter().flatten() {
                s.apply_claim(run, k, -1);
            }
            if let Some(k) = from {
                let group = s.cx.promotions[run.ns[k]].group;
                set_claim(run, group, k, l, run.counts[k][l] - 1);
            }
            if let Some(k) = to {
                let group = s.cx.promotions[run.ns[k]].group;
                set_claim(run, group, k, l, run.counts[k][l] + 1);
            }
            for k in [from, to].into_iter().flatten() {
                s.apply_claim(run, k, 1);
            }
        };
        step(self, run, from, to);
        let found = self.found;
        // The unclaimed units' stackable discounts are the leaf's; bounded here.
        let stacked: i64 = run.avail.iter().zip(&run.st_rate).map(|(&a, r)| i64::from(a) * r).sum();
        let item = run.exact_total;
        if run.order_bound.bound(self.cx, item, item + stacked, &run.exact_line) >= self.best.value {
            self.leaf(run);
        }
        if self.found > found {
            return true;
        }
        step(self, run, to, from);
        false
    }

    /// Adds (`sign` 1) or removes (-1) the exact discount of promotion `k`'s current claim to
    /// the run's exact item stage, if `k` is non-additive (set_claim keeps the additive ones).
    fn apply_claim(&mut self, run: &mut Run, k: usize, sign: i64) {
        if !run.bounded[k] || run.counts[k].iter().all(|&c| c == 0) {
            return;
        }
        let key = run.memo.key(k, &run.counts[k]);
        let entry = match key.and_then(|key| run.memo.get(k, key)) {
            Some(e) => Some(e),
            None => {
                self.charge(u64::from(run.counts[k].iter().sum::<u32>()) / 8);
                let amounts = &mut run.closed_amounts[k];
                amounts.fill(0);
                let exact =
                    self.cx.claimed_with(run.ns[k], &run.counts[k], amounts, &mut self.units, &mut self.out);
                key.and_then(|key| run.memo.put(k, key, exact, &run.closed_amounts[k])).or_else(|| {
                    run.exact_total += sign * exact;
                    run.exact_by[k] += sign * exact;
                    for (line, a) in run.closed_amounts[k].iter().enumerate() {
                        run.exact_line[line] += sign * a;
                    }
                    None
                })
            }
        };
        if let Some(e) = entry {
            let exact = run.memo.exact(e);
            run.exact_total += sign * exact;
            run.exact_by[k] += sign * exact;
            for &(line, a) in run.memo.amounts(e) {
                run.exact_line[line] += sign * a;
            }
        }
    }

    /// The leaf of the run's current claims, evaluated outside the walk: exact discounts of
    /// every claim, then [`leaf`](Self::leaf); the run's exact state is restored after.
    fn evaluate_claims(&mut self, run: &mut Run) {
        let units: u32 = run.counts.iter().flatten().sum();
        if !self.charge(1 + u64::from(units) / 8) {
            return;
        }
        let saved = (run.exact_line.clone(), run.exact_total, run.exact_by.clone());
        run.exact_line.fill(0);
        run.exact_total = 0;
        for k in 0..run.ns.len() {
            run.exact_by[k] = if run.counts[k].iter().any(|&c| c > 0) {
                self.cx.claimed_with(
                    run.ns[k],
                    &run.counts[k],
                    &mut run.exact_line,
                    &mut self.units,
                    &mut self.out,
                )
            } else {
                0
            };
            run.exact_total += run.exact_by[k];
        }
        self.leaf(run);
        (run.exact_line, run.exact_total, run.exact_by) = saved;
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
