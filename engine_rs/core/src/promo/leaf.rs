//! The leaves of the search: every claim is fixed, so the item stage of the claiming
//! promotions is known. The stackable and order-level promotions without a group are always
//! in S (the contract's shared combination); of each group at most one is chosen, exactly: the
//! grouped stackables by every group-compatible subset (applied in `(priority, id)` order on
//! the unclaimed pool with the others), the grouped order-level ones by the best of each group
//! when no cap binds (nothing can do better), the fewest that make the order free when every
//! one covers every line, else every subset. The result is compared with the incumbent on the
//! contract's full tie-break order.

use std::cmp::Ordering;

use super::eval::{CartCx, Choice};
use super::rule::{OrderRule, Unit};
use super::search::{label, Best, PauseOn, Run, Searcher};

impl Searcher<'_> {
    /// Every claim is fixed: the stackable and order-level promotions, then the comparison.
    pub(super) fn leaf(&mut self, run: &Run) {
        // A promotion that takes nothing off claims no unit (the contract).
        if (0..run.ns.len()).any(|k| run.claimed[k] > 0 && run.exact_by[k] == 0) {
            return;
        }
        let value: i64 = run.exact_by.iter().sum();
        // What the stackables from `j` on can still take off the pool, at most (the leaf's
        // buffers are the searcher's, reused: most leaves end at the first cut).
        let mut rest = std::mem::take(&mut self.leaf_rest);
        rest.clear();
        rest.resize(run.st.len() + 1, 0);
        for j in (0..run.st.len()).rev() {
            let own: i64 = run.st_bounds[j].iter().zip(&run.avail).map(|(b, &a)| b * i64::from(a)).sum();
            rest[j] = rest[j + 1] + own;
        }
        // The stackables' walk, or the order stage, would cut here first.
        if !run.st.is_empty()
            && run.order_bound.bound(self.cx, run.excluded, value, value + rest[0], &run.exact_line)
                < self.best.value
        {
            self.leaf_rest = rest;
            return;
        }
        let mut members = std::mem::take(&mut self.leaf_members);
        let mut taken = std::mem::take(&mut self.leaf_taken);
        members.clear();
        taken.clear();
        taken.resize(self.groups, false);
        for (k, &p) in run.ns.iter().enumerate() {
            let claims = run.claimed[k] > 0;
            if run.forced[p] || claims {
                members.push(self.id_rank[p]);
            }
            if let (true, Some(g)) = (claims, self.cx.promotions[p].group) {
                taken[g] = true;
            }
        }
        self.leaf_stack(run, &rest, value, &mut members, &mut taken);
        self.leaf_rest = rest;
        self.leaf_members = members;
        self.leaf_taken = taken;
    }

    /// The leaf past its first cut: the stackables, then the order stage.
    fn leaf_stack(
        &mut self,
        run: &Run,
        rest: &[i64],
        value: i64,
        members: &mut Vec<u32>,
        taken: &mut Vec<bool>,
    ) {
        let cx = self.cx;
        if run.st.is_empty() {
            self.finish(run, &run.exact_line, value, members, taken, &[]);
            return;
        }
        if let Some(per_unit) = &run.exact_stack {
            // The same work charged as applying them one by one.
            let units: u32 = run.avail.iter().sum();
            let per_pass = u64::from(units) / 8;
            if !self.charge(per_pass + run.st.len() as u64 * (1 + per_pass)) {
                return;
            }
            let mut item_line = std::mem::take(&mut self.leaf_line);
            item_line.clear();
            item_line.extend_from_slice(&run.exact_line);
            let mut stacked = value;
            for (l, line) in item_line.iter_mut().enumerate() {
                let d = i64::from(run.avail[l]) * per_unit[l];
                *line += d;
                stacked += d;
            }
            let before = members.len();
            members.extend(run.st.iter().map(|&p| self.id_rank[p]));
            self.finish(run, &item_line, stacked, members, taken, &run.st);
            members.truncate(before);
            self.leaf_line = item_line;
            return;
        }
        let pool = cx.pool(&run.avail);
        if !self.charge(pool.len() as u64 / 8) {
            return;
        }
        let mut picked = Vec::new();
        self.stackables(run, rest, 0, pool, run.exact_line.clone(), value, members, taken, &mut picked);
    }

    /// The stackables from `j` on: a forced one is applied, a grouped one (whose group is
    /// free) is tried with and without.
    #[allow(clippy::too_many_arguments)]
    fn stackables(
        &mut self,
        run: &Run,
        rest: &[i64],
        j: usize,
        mut pool: Vec<Unit>,
        mut item_line: Vec<i64>,
        value: i64,
        members: &mut Vec<u32>,
        taken: &mut Vec<bool>,
        picked: &mut Vec<usize>,
    ) {
        if j == run.st.len() {
            self.finish(run, &item_line, value, members, taken, picked);
            return;
        }
        if !self.tick() {
            return;
        }
        // (At `j = 0` the leaf has just made this cut.)
        if j > 0
            && run.order_bound.bound(self.cx, run.excluded, value, value + rest[j], &item_line)
                < self.best.value
        {
            return;
        }
        let p = run.st[j];
        let rank = self.id_rank[p];
        if run.forced[p] {
            if !self.charge(pool.len() as u64 / 8) {
                return;
            }
            let d = self.cx.stack(p, &mut pool, &mut item_line);
            members.push(rank);
            picked.push(p);
            self.stackables(run, rest, j + 1, pool, item_line, value + d, members, taken, picked);
            picked.pop();
            members.pop();
            return;
        }
        let group = self.cx.promotions[p].group;
        if !group.is_some_and(|g| taken[g]) && self.charge(pool.len() as u64 / 8) {
            let mut pool2 = pool.clone();
            let mut line2 = item_line.clone();
            let d = self.cx.stack(p, &mut pool2, &mut line2);
            // One that gives nothing only makes S larger.
            if d > 0 {
                members.push(rank);
                picked.push(p);
                if let Some(g) = group {
                    taken[g] = true;
                }
                self.stackables(run, rest, j + 1, pool2, line2, value + d, members, taken, picked);
                if let Some(g) = group {
                    taken[g] = false;
                }
                picked.pop();
                members.pop();
            }
        }
        self.stackables(run, rest, j + 1, pool, item_line, value, members, taken, picked);
    }

    /// The item stage is fixed: the best order-level choice, then compare with the incumbent.
    fn finish(
        &mut self,
        run: &Run,
        item_line: &[i64],
        value: i64,
        members: &[u32],
        taken: &[bool],
        stacked: &[usize],
    ) {
        let cx = self.cx;
        // The item stage is exact here: the joint bound of the order stage is cheap and cuts
        // most leaves before the order-level choice.
        if run.order_bound.bound(cx, run.excluded, value, value, item_line) < self.best.value {
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
        let mut members = members.to_vec();
        members.extend(ordered.iter().map(|&p| self.id_rank[p]));
        members.sort_unstable();
        let claims: Vec<(usize, Vec<u32>)> = run
            .ns
            .iter()
            .zip(run.counts.rows())
            .filter(|(_, c)| c.iter().any(|&x| x > 0))
            .map(|(&p, c)| (p, c.to_vec()))
            .collect();
        let units = self.best.vector.len() as u64;
        self.charge(units / 8);
        let vector = assignment_vector(cx, &claims);
        let best = &self.best;
        let order = best
            .value
            .cmp(&total)
            .then_with(|| vector.cmp(&best.vector))
            .then(run.exclusive.cmp(&best.exclusive))
            .then(members.len().cmp(&best.members.len()))
            .then_with(|| members.cmp(&best.members));
        if order == Ordering::Less {
            self.best = Best {
                value: total,
                exclusive: run.exclusive,
                members,
                vector,
                choice: Choice { claims, stacked: stacked.to_vec(), ordered },
            };
            self.found += 1;
            // The order is free: from here only the assignment vector decides; the search
            // pauses to walk in the vector's order (see `Searcher::search`). A depth of that
            // walk ends at its first new incumbent (see `Searcher::lex_walk`).
            if (total == run.subtotal && self.pause_on == PauseOn::Free) || self.pause_on == PauseOn::Found {
                self.paused = true;
            }
        }
    }

    /// The order stage for fixed item-stage nets: `(value, its promotions in S)`, in
    /// application order. The forced ones are always in; of each free group the choice with
    /// the greatest value, then the fewest promotions, then the smallest ids.
    fn order_stage(&mut self, run: &Run, after: &[i64], taken: &[bool]) -> (i64, Vec<usize>) {
        let cx = self.cx;
        let total: i64 = after.iter().sum();
        let mut forced: Vec<(usize, i64)> = Vec::new();
        // Grouped candidates with something to give, and the best (then first by id) of each
        // group.
        let mut cands: Vec<(usize, i64)> = Vec::new();
        let mut group_best: Vec<Option<(i64, u32, usize)>> = vec![None; self.groups];
        let mut everywhere = true;
        for (j, &p) in run.ol.iter().enumerate() {
            let group = cx.promotions[p].group;
            if !run.forced[p] && group.is_some_and(|g| taken[g]) {
                continue;
            }
            // Never more than the subtotal (what any cap leaves at most): keeps sums in range.
            let raw = if run.ol_whole[j] {
                cx.promotions[p].order_kind().expect("order-level").0.discount(total)
            } else {
                cx.raw_order(p, after)
            }
            .min(run.subtotal);
            if run.forced[p] {
                forced.push((p, raw));
                everywhere &= run.ol_everywhere[j];
                continue;
            }
            if raw == 0 {
                continue;
            }
            everywhere &= run.ol_everywhere[j];
            cands.push((p, raw));
            if let Some(g) = group {
                let better = match group_best[g] {
                    None => true,
                    Some((r, rank, _)) => raw > r || (raw == r && self.id_rank[p] < rank),
                };
                if better {
                    group_best[g] = Some((raw, self.id_rank[p], p));
                }
            }
        }
        let forced_ids: Vec<usize> = forced.iter().map(|x| x.0).collect();
        let pick: Vec<(usize, i64)> = cands
            .iter()
            .copied()
            .filter(|&(p, _)| cx.promotions[p].group.is_some_and(|g| group_best[g].is_some_and(|b| b.2 == p)))
            .collect();
        // Promotions on every line each take `min(discount, what is left of the order)`, so
        // together `min(sum, total)`: while the forced ones and the best per group add up to at
        // most the total they all take their whole discount; beyond, the order is free and the
        // fewest grouped ones that make it so win (then the smallest ids).
        if everywhere {
            let sum_forced: i64 = forced.iter().map(|x| x.1).fold(0, i64::saturating_add);
            let sum: i64 = pick.iter().map(|x| x.1).fold(sum_forced, i64::saturating_add);
            if sum <= total {
                return (sum, merged(&forced_ids, pick.iter().map(|x| x.0)));
            }
            if sum_forced >= total {
                return (total, forced_ids);
            }
            let n = cands.len() as u64;
            self.charge(n * n / 4);
            let chosen = self.fewest_covering(&cands, total - sum_forced);
            return (total, merged(&forced_ids, chosen.into_iter()));
        }
        let mut nets = after.to_vec();
        let mut value = 0;
        let mut capped = false;
        let mut kept = Vec::new();
        let start = merged(&forced_ids, pick.iter().map(|x| x.0));
        for &p in &start {
            let raw = forced.iter().chain(&pick).find(|x| x.0 == p).expect("listed").1;
            let d = cx.order(p, raw, &mut nets, None);
            capped |= d < raw;
            value += d;
            // A grouped one that takes nothing only makes S larger.
            if run.forced[p] || d > 0 {
                kept.push(p);
            }
        }
        if !capped || cands.is_empty() {
            return (value, kept);
        }
        // Some cap binds: every choice (one per group), best by value, count, ids.
        let mut seq: Vec<(usize, i64)> = forced.iter().chain(&cands).copied().collect();
        seq.sort_unstable_by_key(|x| x.0);
        let mut suffix = vec![0i64; seq.len() + 1];
        for j in (0..seq.len()).rev() {
            suffix[j] = suffix[j + 1].saturating_add(seq[j].1);
        }
        let mut best = (value, kept);
        let mut used = vec![false; self.groups];
        let mut chosen = Vec::new();
        self.order_dfs(run, &seq, &suffix, 0, after.to_vec(), 0, &mut used, &mut chosen, &mut best);
        best
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

    /// Every choice of the grouped ones in `seq` (the forced ones always applied), in
    /// application order; `best` keeps `(value, S's order-level promotions)`.
    #[allow(clippy::too_many_arguments)]
    fn order_dfs(
        &mut self,
        run: &Run,
        seq: &[(usize, i64)],
        suffix: &[i64],
        j: usize,
        mut nets: Vec<i64>,
        value: i64,
        used: &mut Vec<bool>,
        chosen: &mut Vec<usize>,
        best: &mut (i64, Vec<usize>),
    ) {
        if !self.tick() {
            return;
        }
        if j == seq.len() {
            if self.order_choice_better(value, chosen, best) {
                *best = (value, chosen.clone());
            }
            return;
        }
        if value.saturating_add(suffix[j]) < best.0 {
            return;
        }
        let (p, raw) = seq[j];
        if run.forced[p] {
            let d = self.cx.order(p, raw, &mut nets, None);
            chosen.push(p);
            self.order_dfs(run, seq, suffix, j + 1, nets, value + d, used, chosen, best);
            chosen.pop();
            return;
        }
        let group = self.cx.promotions[p].group;
        if !group.is_some_and(|g| used[g]) {
            let mut nets2 = nets.clone();
            let d = self.cx.order(p, raw, &mut nets2, None);
            if d > 0 {
                if let Some(g) = group {
                    used[g] = true;
                }
                chosen.push(p);
                self.order_dfs(run, seq, suffix, j + 1, nets2, value + d, used, chosen, best);
                chosen.pop();
                if let Some(g) = group {
                    used[g] = false;
                }
            }
        }
        self.order_dfs(run, seq, suffix, j + 1, nets, value, used, chosen, best);
    }

    /// The forced ones are in both: fewer members and smaller sorted ids compare the grouped
    /// ones.
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

/// The forced promotions and the chosen ones, in application order (promotions are stored in
/// `(priority, id)` order).
fn merged(forced: &[usize], chosen: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut all: Vec<usize> = forced.iter().copied().chain(chosen).collect();
    all.sort_unstable();
    all
}

/// The contract's assignment vector: units in canonical order, each its claiming promotion's
/// 1-based position among all the promotions in `(priority, id)` order ([`label`]), 0 for
/// none; within a line the unclaimed units come first (the smallest labelling).
fn assignment_vector(cx: &CartCx<'_>, claims: &[(usize, Vec<u32>)]) -> Vec<u32> {
    let mut vector = Vec::new();
    for (l, line) in cx.lines.iter().enumerate() {
        let claimed: u32 = claims.iter().map(|(_, c)| c[l]).sum();
        vector.extend(std::iter::repeat_n(0, line.quantity as usize - claimed as usize));
        for (p, c) in claims {
            vector.extend(std::iter::repeat_n(label(*p), c[l] as usize));
        }
    }
    vector
}
