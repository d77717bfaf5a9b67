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
        if !self.charge(pool.len() as u64 / 8) {
            return;
        }
        let mut picked = Vec::new();
        // What the stackables from `j` on can still take off the pool, at most.
        let mut rest = vec![0i64; run.st.len() + 1];
        for j in (0..run.st.len()).rev() {
            let own: i64 = run.st_bounds[j].iter().zip(&run.avail).map(|(b, &a)| b * i64::from(a)).sum();
            rest[j] = rest[j + 1] + own;
        }
        self.stackables(
            run,
            &rest,
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
        rest: &[i64],
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
        if run.order_bound.bound(self.cx, value, value + rest[j], &item_line) < self.best.value {
            return;
        }
        let p = run.st[j];
        let group = self.cx.promotions[p].group;
        if !group.is_some_and(|g| taken[g]) && self.charge(pool.len() as u64 / 8) {
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
                self.stackables(run, rest, j + 1, pool2, line2, value + d, applied, members, taken, picked);
                if let Some(g) = group {
                    taken[g] = false;
                }
                picked.pop();
                members.pop();
                applied.pop();
            }
        }
        self.stackables(run, rest, j + 1, pool, item_line, value, applied, members, taken, picked);
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
        if !self.charge(run.ol.len() as u64 / 4) {
            return;
        }
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
            let units = self.best.vector.len() as u64;
            self.charge(units / 8);
            let best = &self.best;
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
            // Never more than the subtotal (what any cap leaves at most): keeps sums in range.
            let raw = if run.ol_whole[j] {
                cx.promotions[p].order_kind().expect("order-level").0.discount(total)
            } else {
                cx.raw_order(p, after)
            }
            .min(run.subtotal);
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
        // Promotions on every line each take `min(discount, what is left of the order)`, so
        // together `min(sum, total)`: while the best per group add up to at most the total they
        // all take their whole discount; beyond, the order is free and the fewest that make it
        // free win (then the smallest ids).
        let everywhere = |p: usize| run.ol.iter().position(|&q| q == p).is_some_and(|j| run.ol_everywhere[j]);
        if cands.iter().all(|c| everywhere(c.0)) {
            let sum: i64 = pick.iter().map(|x| x.1).fold(0, i64::saturating_add);
            if sum <= total {
                return (sum, pick.iter().map(|x| x.0).collect());
            }
            let n = cands.len() as u64;
            self.charge(n * n / 4);
            return (total, self.fewest_covering(&cands, total));
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

    /// The fewest of `cands` (one per group) whose discounts add up to at least `total`, and of
    /// those the smallest sorted ids: the size is the first `k` whose `k` best (one per group)
    /// reach it (none when nothing is left); then each next id is the smallest with which the
    /// rest can still reach it.
    fn fewest_covering(&self, cands: &[(usize, i64)], total: i64) -> Vec<usize> {
        let cx = self.cx;
        let group = |p: usize| cx.promotions[p].group;
        // The `m` best discounts among `from` (one per group, none of `used`).
        let best_of =
            |from: &mut dyn Iterator<Item = (usize, i64)>, used: &[Option<usize>], m: usize| -> i64 {
                let mut per_group: Vec<(Option<usize>, i64)> = Vec::new();
                for (p, raw) in from {
                    let g = group(p);
                    if g.is_some() && used.contains(&g) {
                        continue;
                    }
                    match per_group.iter_mut().find(|x| g.is_some() && x.0 == g) {
                        Some(x) => x.1 = x.1.max(raw),
                        None => per_group.push((g, raw)),
                    }
                }
                per_group.sort_unstable_by_key(|x| std::cmp::Reverse(x.1));
                per_group.iter().take(m).map(|x| x.1).fold(0, i64::saturating_add)
            };
        let mut k = 0;
        while best_of(&mut cands.iter().copied(), &[], k) < total {
            k += 1;
        }
        let mut by_id: Vec<(usize, i64)> = cands.to_vec();
        by_id.sort_by_key(|c| self.id_rank[c.0]);
        let mut chosen = Vec::with_capacity(k);
        let mut used: Vec<Option<usize>> = Vec::new();
        let mut sum: i64 = 0;
        let mut from = 0;
        while chosen.len() < k {
            let left = k - chosen.len() - 1;
            let at = (from..by_id.len())
                .find(|&i| {
                    let (p, raw) = by_id[i];
                    let g = group(p);
                    if g.is_some() && used.contains(&g) {
                        return false;
                    }
                    let mut used_too = used.clone();
                    used_too.push(g);
                    let rest = best_of(&mut by_id[i + 1..].iter().copied(), &used_too, left);
                    sum.saturating_add(raw).saturating_add(rest) >= total
                })
                .expect("the k best reach the total");
            let (p, raw) = by_id[at];
            chosen.push(p);
            if group(p).is_some() {
                used.push(group(p));
            }
            sum += raw;
            from = at + 1;
        }
        chosen.sort_unstable();
        chosen
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
