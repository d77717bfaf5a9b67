//! Heuristics around the exact search: a local search that finds a good incumbent when the
//! first pass of the search does not finish (the search then cuts against it), and the greedy
//! answer when the budget is spent.

use super::search::{set_claim, Run, Searcher};
use super::selector::lines_of;

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
