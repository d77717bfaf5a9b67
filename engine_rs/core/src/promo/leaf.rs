//! The leaves of the search: every claim is fixed, so the item stage of the claiming
//! promotions is known; the stackable promotions are chosen exactly (every group-compatible
//! subset, applied in `(priority, id)` order on the unclaimed pool) and, for each, the
//! order-level promotions: one per group with the largest discount when no cap binds (then
//! nothing can do better), else every subset. The result is compared with the incumbent on the
//! contract's full tie-break order.

use std::cmp::Ordering;

use super::eval::{CartCx, Choice};
use super::rule::{OrderRule, Unit};
use super::search::{Best, Run, Searcher};

impl Searcher<'_> {
    /// Every claim is fixed: choose the stackable and order-level promotions exactly.
    pub(super) fn leaf(&mut self, run: &Run) {
        let cx = self.cx;
        let mut applied = Vec::new();
        let mut members = Vec::new();
        let mut taken = vec![false; self.groups];
        for (k, &p) in run.ns.iter().enumerate() {
            if run.counts[k].iter().all(|&c| c == 0) {
                continue;
            }
            members.push(self.id_rank[p]);
            if run.exact_by[k] > 0 {
                applied.push(self.id_rank[p]);
            }
            if let Some(g) = cx.promotions[p].group {
                taken[g] = true;
            }
        }
        let value: i64 = run.exact_by.iter().sum();
        if run.st.is_empty() {
            self.finish(run, &run.exact_line, value, &applied, &members, &taken, &[]);
            return;
        }
        let pool = cx.pool(&run.avail);
        let mut picked = Vec::new();
        self.stackables(
            run,
            0,
            pool,
            run.exact_line.clone(),
            value,
            &mut applied,
            &mut members,
            &mut taken,
            &mut picked,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn stackables(
        &mut self,
        run: &Run,
        j: usize,
        pool: Vec<Unit>,
        item_line: Vec<i64>,
        value: i64,
        applied: &mut Vec<u32>,
        members: &mut Vec<u32>,
        taken: &mut Vec<bool>,
        picked: &mut Vec<usize>,
    ) {
        if j == run.st.len() {
            self.finish(run, &item_line, value, applied, members, taken, picked);
            return;
        }
        if !self.tick() {
            return;
        }
        let p = run.st[j];
        let group = self.cx.promotions[p].group;
        if !group.is_some_and(|g| taken[g]) {
            let mut pool2 = pool.clone();
            let mut line2 = item_line.clone();
            let d = self.cx.stack(p, &mut pool2, &mut line2);
            if d > 0 {
                let rank = self.id_rank[p];
                applied.push(rank);
                members.push(rank);
                picked.push(p);
                if let Some(g) = group {
                    taken[g] = true;
                }
                self.stackables(run, j + 1, pool2, line2, value + d, applied, members, taken, picked);
                if let Some(g) = group {
                    taken[g] = false;
                }
                picked.pop();
                members.pop();
                applied.pop();
            }
        }
        self.stackables(run, j + 1, pool, item_line, value, applied, members, taken, picked);
    }

    /// The item stage is fixed: the best order-level choice, then compare with the incumbent.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        run: &Run,
        item_line: &[i64],
        value: i64,
        applied: &[u32],
        members: &[u32],
        taken: &[bool],
        stacked: &[usize],
    ) {
        let cx = self.cx;
        // The item stage is exact here: the joint bound of the order stage is cheap and cuts
        // most leaves before the order-level choice.
        if run.order_bound.bound(cx, value, value, item_line) < self.best.value {
            return;
        }
        let after: Vec<i64> = cx.gross.iter().zip(item_line).map(|(g, d)| g - d).collect();
        let (order_value, ordered) = self.order_stage(run, &after, taken);
        let total = value + order_value;
        if total < self.best.value {
            return;
        }
        let mut applied = applied.to_vec();
        let mut members = members.to_vec();
        for &p in &ordered {
            applied.push(self.id_rank[p]);
            members.push(self.id_rank[p]);
        }
        applied.sort_unstable();
        members.sort_unstable();
        let best = &self.best;
        let mut order = best
            .value
            .cmp(&total)
            .then(applied.len().cmp(&best.applied.len()))
            .then_with(|| applied.cmp(&best.applied));
        if order == Ordering::Greater {
            return;
        }
        let claims: Vec<(usize, Vec<u32>)> = run
            .ns
            .iter()
            .zip(&run.counts)
            .filter(|(_, c)| c.iter().any(|&x| x > 0))
            .map(|(&p, c)| (p, c.clone()))
            .collect();
        let mut vector = Vec::new();
        if order == Ordering::Equal {
            vector = assignment_vector(cx, &claims);
            order = vector
                .cmp(&best.vector)
                .then(members.len().cmp(&best.members.len()))
                .then_with(|| members.cmp(&best.members));
        }
        if order == Ordering::Less {
            if vector.is_empty() {
                vector = assignment_vector(cx, &claims);
            }
            self.best = Best {
                value: total,
                applied,
                members,
                vector,
                choice: Choice { claims, stacked: stacked.to_vec(), ordered },
            };
        }
    }

    /// The best order-level choice for fixed item-stage nets: `(value, promotions)`.
    fn order_stage(&mut self, run: &Run, after: &[i64], taken: &[bool]) -> (i64, Vec<usize>) {
        let cx = self.cx;
        let total: i64 = after.iter().sum();
        // Candidates with something to give, and the best (then first by id) of each group.
        let mut cands: Vec<(usize, i64)> = Vec::new();
        let mut group_best: Vec<Option<(i64, u32, usize)>> = vec![None; self.groups];
        for (j, &p) in run.ol.iter().enumerate() {
            let group = cx.promotions[p].group;
            if group.is_some_and(|g| taken[g]) {
                continue;
            }
            let raw = if run.ol_whole[j] {
                cx.promotions[p].order_kind().expect("order-level").0.discount(total)
            } else {
                cx.raw_order(p, after)
            };
            if raw == 0 {
                continue;
            }
            cands.push((p, raw));
            if let Some(g) = group {
                let key = (raw, self.id_rank[p], p);
                let better = match group_best[g] {
                    None => true,
                    Some((r, rank, _)) => raw > r || (raw == r && self.id_rank[p] < rank),
                };
                if better {
                    group_best[g] = Some(key);
                }
            }
        }
        if cands.is_empty() {
            return (0, Vec::new());
        }
        // No cap binds for the greedy pick: it is optimal (every other choice gives less or the
        // same with larger ids).
        let pick: Vec<(usize, i64)> = cands
            .iter()
            .copied()
            .filter(|&(p, _)| match cx.promotions[p].group {
                Some(g) => group_best[g].is_some_and(|b| b.2 == p),
                None => true,
            })
            .collect();
        // On every line after the items, each takes its whole discount while they add up to at
        // most the total.
        let whole = |p: usize| run.ol.iter().position(|&q| q == p).is_some_and(|j| run.ol_whole[j]);
        let sum: i64 = pick.iter().map(|x| x.1).sum();
        if sum <= total && pick.iter().all(|x| whole(x.0)) {
            return (sum, pick.iter().map(|x| x.0).collect());
        }
        let mut nets = after.to_vec();
        let mut value = 0;
        let mut capped = false;
        for &(p, raw) in &pick {
            let d = cx.order(p, raw, &mut nets, None);
            capped |= d < raw;
            value += d;
        }
        if !capped {
            return (value, pick.iter().map(|x| x.0).collect());
        }
        // Some cap binds: every subset (one per group), best by value, count, ids.
        self.order_subsets_best(&cands, after, value, &pick)
    }

    fn order_subsets_best(
        &mut self,
        cands: &[(usize, i64)],
        after: &[i64],
        start_value: i64,
        start: &[(usize, i64)],
    ) -> (i64, Vec<usize>) {
        // The greedy pick is a first incumbent (without the promotions it left nothing to).
        let mut nets = after.to_vec();
        let mut applied = Vec::new();
        for &(p, raw) in start {
            if self.cx.order(p, raw, &mut nets, None) > 0 {
                applied.push(p);
            }
        }
        let mut best = (start_value, applied);
        let mut suffix = vec![0i64; cands.len() + 1];
        for j in (0..cands.len()).rev() {
            suffix[j] = suffix[j + 1] + cands[j].1;
        }
        let mut used = vec![false; self.groups];
        let mut chosen = Vec::new();
        self.order_dfs(cands, &suffix, 0, after.to_vec(), 0, &mut used, &mut chosen, &mut best);
        best
    }

    #[allow(clippy::too_many_arguments)]
    fn order_dfs(
        &mut self,
        cands: &[(usize, i64)],
        suffix: &[i64],
        j: usize,
        nets: Vec<i64>,
        value: i64,
        used: &mut Vec<bool>,
        chosen: &mut Vec<usize>,
        best: &mut (i64, Vec<usize>),
    ) {
        if !self.tick() {
            return;
        }
        if j == cands.len() {
            if self.order_choice_better(value, chosen, best) {
                *best = (value, chosen.clone());
            }
            return;
        }
        if value + suffix[j] < best.0 {
            return;
        }
        let (p, raw) = cands[j];
        let group = self.cx.promotions[p].group;
        if !group.is_some_and(|g| used[g]) {
            let mut nets2 = nets.clone();
            let d = self.cx.order(p, raw, &mut nets2, None);
            if d > 0 {
                if let Some(g) = group {
                    used[g] = true;
                }
                chosen.push(p);
                self.order_dfs(cands, suffix, j + 1, nets2, value + d, used, chosen, best);
                chosen.pop();
                if let Some(g) = group {
                    used[g] = false;
                }
            }
        }
        self.order_dfs(cands, suffix, j + 1, nets, value, used, chosen, best);
    }

    fn order_choice_better(&self, value: i64, chosen: &[usize], best: &(i64, Vec<usize>)) -> bool {
        if value != best.0 {
            return value > best.0;
        }
        if chosen.len() != best.1.len() {
            return chosen.len() < best.1.len();
        }
        let mut a: Vec<u32> = chosen.iter().map(|&p| self.id_rank[p]).collect();
        let mut b: Vec<u32> = best.1.iter().map(|&p| self.id_rank[p]).collect();
        a.sort_unstable();
        b.sort_unstable();
        a < b
    }
}

/// The contract's assignment vector: units in canonical order, each the 1-based position of
/// its claiming promotion among the claiming promotions of S (`(priority, id)` order), 0 for
/// none; within a line the unclaimed units come first (the smallest labelling).
fn assignment_vector(cx: &CartCx<'_>, claims: &[(usize, Vec<u32>)]) -> Vec<u32> {
    let mut vector = Vec::new();
    for (l, line) in cx.lines.iter().enumerate() {
        let claimed: u32 = claims.iter().map(|(_, c)| c[l]).sum();
        vector.extend(std::iter::repeat_n(0, line.quantity as usize - claimed as usize));
        for (pos, (_, c)) in claims.iter().enumerate() {
            vector.extend(std::iter::repeat_n(pos as u32 + 1, c[l] as usize));
        }
    }
    vector
}
