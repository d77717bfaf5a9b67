//! The best deal: an exact branch-and-bound search over combinations, with a node budget and a
//! greedy fallback.
//!
//! **What is searched.** Units of a line are interchangeable, so an assignment is a count per
//! line per claiming (non-stackable item-level) promotion. The search walks the lines in
//! `line_no` order and, within a line, the claiming promotions eligible there (dearest
//! per-unit bound first), branching on how many of the line's still unclaimed units each one
//! claims (most first). At a leaf every claim is fixed; the stackable promotions are then
//! chosen exactly (every group-compatible subset, applied in `(priority, id)` order on the
//! unclaimed pool) and, for each, the order-level promotions (one per group with the largest
//! discount when no cap binds, else every subset). Exclusive promotions are searched alone, one
//! search each; the empty combination is the first incumbent.
//!
//! **Bounds.** Each claiming promotion has a per-unit upper bound per line (the sum over any
//! set of its units bounds its discount: exact for percent, amount and tier price; for the
//! other kinds a share that may land on another unit, so never capped by the unit's price); a
//! unit left unclaimed is bounded by the sum of the stackable promotions' bounds. The
//! order stage is bounded by each order-level promotion's discount at the largest base it can
//! still have (its lines minus the exact item discounts fixed so far). A node is cut only when
//! its bound is *below* the incumbent's value, never equal, so ties are all seen.
//!
//! **Ties** are compared explicitly, as the contract orders them: value, fewer applied, smaller
//! sorted applied ids, smaller assignment vector, fewer promotions in S, smaller sorted S ids.
//!
//! **Budget.** [`NODE_BUDGET`] counts the search tree's nodes plus the leaves' subset nodes
//! (stackable and capped order-level choices). A search that reaches it stops; the answer is
//! then the better of the best combination found so far and the greedy one ([`Searcher::greedy`])
//! and is marked `exact: false`.

use std::cmp::Ordering;

use super::eval::{CartCx, Choice};
use super::promotion::Rule;
use super::rule::{ItemRule, OrderRule};
use super::selector::lines_of;

/// Search nodes one cart may use before the greedy fallback. A realistic cart (10 lines, 30
/// units, 100 candidate promotions) needs a few hundred to a few thousand (see the benchmark).
pub const NODE_BUDGET: u64 = 1_000_000;

/// The incumbent: a combination and its tie-break key.
#[derive(Debug, Clone)]
struct Best {
    value: i64,
    /// Sorted id ranks of the applied promotions (nonzero discount).
    applied: Vec<u32>,
    /// Sorted id ranks of S.
    members: Vec<u32>,
    vector: Vec<u32>,
    choice: Choice,
}

/// One search over a set of candidates (see the module doc).
struct Run {
    /// Claiming promotions, stackable ones, order-level ones, each in `(priority, id)` order.
    ns: Vec<usize>,
    st: Vec<usize>,
    ol: Vec<usize>,
    /// Per claiming promotion and line: per-unit bound, exact per-unit discount if additive.
    rate: Vec<Vec<i64>>,
    additive: Vec<Vec<Option<i64>>>,
    /// Per line: the claiming promotions (indices into `ns`) that may claim there.
    options: Vec<Vec<usize>>,
    /// Per line and option position: the bound of one undecided unit.
    unit_ub: Vec<Vec<i64>>,
    /// Per line: the bound of one unclaimed unit (stackables).
    st_rate: Vec<i64>,
    /// `suffix[l]`: bound of every unit of lines `l..`.
    suffix: Vec<i64>,
    /// Order-level bound at the root.
    ol_root: i64,
    // State.
    counts: Vec<Vec<u32>>,
    avail: Vec<u32>,
    /// Per group: (claiming promotion index in `ns`, units claimed).
    group_claims: Vec<(usize, u32)>,
    fixed_ub: i64,
    fixed_additive: Vec<i64>,
}

pub struct Searcher<'a> {
    cx: &'a CartCx<'a>,
    id_rank: &'a [u32],
    groups: usize,
    best: Best,
    nodes: u64,
    budget: u64,
    aborted: bool,
    subtotal: i64,
}

/// The best combination of `candidates` (applicable promotions) and whether it is exact.
pub fn best_choice(
    cx: &CartCx<'_>,
    id_rank: &[u32],
    groups: usize,
    candidates: &[usize],
    budget: u64,
) -> (Choice, bool) {
    let empty = Best {
        value: 0,
        applied: vec![],
        members: vec![],
        vector: vec![0; total_units(cx)],
        choice: Choice::default(),
    };
    let mut s = Searcher {
        cx,
        id_rank,
        groups,
        best: empty,
        nodes: 0,
        budget,
        aborted: false,
        subtotal: cx.gross.iter().sum(),
    };
    let (exclusive, shared): (Vec<usize>, Vec<usize>) =
        candidates.iter().partition(|&&p| cx.promotions[p].exclusive);
    s.search(&shared);
    for &e in &exclusive {
        s.search(&[e]);
    }
    let exact = !s.aborted;
    if !exact {
        s.budget = s.nodes + NODE_BUDGET / 10;
        s.aborted = false;
        s.greedy(&shared);
        for &e in &exclusive {
            s.greedy(&[e]);
        }
    }
    (s.best.choice, exact)
}

fn total_units(cx: &CartCx<'_>) -> usize {
    cx.lines.iter().map(|l| l.quantity as usize).sum()
}

impl Searcher<'_> {
    fn tick(&mut self) -> bool {
        self.nodes += 1;
        if self.nodes > self.budget {
            self.aborted = true;
        }
        !self.aborted
    }

    fn prepare(&self, candidates: &[usize]) -> Run {
        let cx = self.cx;
        let n_lines = cx.lines.len();
        let (mut ns, mut st, mut ol) = (Vec::new(), Vec::new(), Vec::new());
        for &p in candidates {
            match cx.promotions[p].rule {
                Rule::Item { stackable: false, .. } => ns.push(p),
                Rule::Item { stackable: true, .. } => st.push(p),
                Rule::Order { .. } => ol.push(p),
            }
        }
        let price = |l: usize| cx.lines[l].unit_price();
        // A unit's own discounts by additive stackables are at most its price; the other
        // kinds' bounds are shares of what may land on other units, so they are not capped.
        let mut st_additive = vec![0i64; n_lines];
        let mut st_rate = vec![0i64; n_lines];
        for &p in &st {
            let kind = cx.item_kind(p);
            for l in lines_of(cx.eligible[p]) {
                let bound = kind.unit_bound(cx.item_cx(p), cx.lines, cx.eligible[p], l);
                if kind.additive(cx.item_cx(p), cx.lines, l).is_some() {
                    st_additive[l] += bound;
                } else {
                    st_rate[l] += bound;
                }
            }
        }
        for (l, r) in st_rate.iter_mut().enumerate() {
            *r += st_additive[l].min(price(l));
        }
        let mut rate = Vec::with_capacity(ns.len());
        let mut additive = Vec::with_capacity(ns.len());
        let mut options: Vec<Vec<usize>> = vec![Vec::new(); n_lines];
        for (i, &p) in ns.iter().enumerate() {
            let kind = cx.item_kind(p);
            let mut r = vec![0; n_lines];
            let mut a = vec![None; n_lines];
            for l in lines_of(cx.eligible[p]) {
                r[l] = kind.unit_bound(cx.item_cx(p), cx.lines, cx.eligible[p], l);
                a[l] = kind.additive(cx.item_cx(p), cx.lines, l);
                // A claim that can take nothing off and blocks no stackable changes nothing
                // but the assignment vector (for the worse): not a branch.
                if !(a[l].is_some() && r[l] == 0 && st_rate[l] == 0) {
                    options[l].push(i);
                }
            }
            rate.push(r);
            additive.push(a);
        }
        let mut unit_ub = Vec::with_capacity(n_lines);
        for (l, opts) in options.iter_mut().enumerate() {
            opts.sort_by(|&a, &b| rate[b][l].cmp(&rate[a][l]).then(a.cmp(&b)));
            let mut ub: Vec<i64> = opts.iter().map(|&i| rate[i][l].max(st_rate[l])).collect();
            ub.push(st_rate[l]);
            unit_ub.push(ub);
        }
        let mut suffix = vec![0; n_lines + 1];
        for l in (0..n_lines).rev() {
            suffix[l] = suffix[l + 1] + cx.lines[l].quantity * unit_ub[l][0];
        }
        let avail: Vec<u32> = cx.lines.iter().map(|l| l.quantity as u32).collect();
        let mut run = Run {
            counts: vec![vec![0; n_lines]; ns.len()],
            ns,
            st,
            ol,
            rate,
            additive,
            options,
            unit_ub,
            st_rate,
            suffix,
            ol_root: 0,
            avail,
            group_claims: vec![(usize::MAX, 0); self.groups],
            fixed_ub: 0,
            fixed_additive: vec![0; n_lines],
        };
        run.ol_root = self.order_bound(&run);
        run
    }

    /// Bound of the order stage: each order-level promotion at its largest possible base, the
    /// best one per group.
    fn order_bound(&self, run: &Run) -> i64 {
        let cx = self.cx;
        let mut per_group = vec![0i64; self.groups];
        let mut total = 0;
        for &p in &run.ol {
            let (kind, before) = cx.promotions[p].order_kind().expect("order-level");
            let base: i64 = lines_of(cx.eligible[p])
                .map(|l| if before { cx.gross[l] } else { cx.gross[l] - run.fixed_additive[l] })
                .sum();
            let d = kind.discount(base);
            match cx.promotions[p].group {
                Some(g) => per_group[g] = per_group[g].max(d),
                None => total += d,
            }
        }
        total + per_group.iter().sum::<i64>()
    }

    /// Whether a node whose item stage is bounded by `item_ub` may still reach the incumbent.
    fn may_reach(&self, run: &Run, item_ub: i64) -> bool {
        let best = self.best.value;
        if (item_ub + run.ol_root).min(self.subtotal) < best {
            return false;
        }
        run.ol.is_empty() || (item_ub + self.order_bound(run)).min(self.subtotal) >= best
    }

    fn search(&mut self, candidates: &[usize]) {
        if self.aborted {
            return;
        }
        let mut run = self.prepare(candidates);
        self.dfs(&mut run, 0, 0);
    }

    fn dfs(&mut self, run: &mut Run, l: usize, i: usize) {
        if !self.tick() {
            return;
        }
        if l == run.avail.len() {
            self.leaf(run);
            return;
        }
        if i == run.options[l].len() {
            let rest = i64::from(run.avail[l]) * run.st_rate[l];
            run.fixed_ub += rest;
            self.dfs(run, l + 1, 0);
            run.fixed_ub -= rest;
            return;
        }
        let ub = run.fixed_ub + i64::from(run.avail[l]) * run.unit_ub[l][i] + run.suffix[l + 1];
        if !self.may_reach(run, ub) {
            return;
        }
        let k = run.options[l][i];
        let p = run.ns[k];
        let group = self.cx.promotions[p].group;
        let blocked = group.is_some_and(|g| run.group_claims[g].1 > 0 && run.group_claims[g].0 != k);
        let most = if blocked { 0 } else { run.avail[l] };
        for c in (0..=most).rev() {
            set_claim(run, group, k, l, c);
            self.dfs(run, l, i + 1);
            set_claim(run, group, k, l, 0);
            if self.aborted {
                return;
            }
        }
    }

    /// Every claim is fixed: choose the stackable and order-level promotions exactly.
    fn leaf(&mut self, run: &Run) {
        let cx = self.cx;
        let mut item_line = vec![0i64; cx.lines.len()];
        let mut value = 0;
        let mut applied = Vec::new();
        let mut members = Vec::new();
        let mut taken = vec![false; self.groups];
        for (k, &p) in run.ns.iter().enumerate() {
            if run.counts[k].iter().all(|&c| c == 0) {
                continue;
            }
            let f = cx.claimed(p, &run.counts[k], &mut item_line);
            value += f;
            members.push(self.id_rank[p]);
            if f > 0 {
                applied.push(self.id_rank[p]);
            }
            if let Some(g) = cx.promotions[p].group {
                taken[g] = true;
            }
        }
        let pool = cx.pool(&run.avail);
        let mut picked = Vec::new();
        self.stackables(run, 0, pool, item_line, value, &mut applied, &mut members, &mut taken, &mut picked);
    }

    #[allow(clippy::too_many_arguments)]
    fn stackables(
        &mut self,
        run: &Run,
        j: usize,
        pool: Vec<super::rule::Unit>,
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
        // Candidates with something to give, and the best (then first by id) of each group.
        let mut cands: Vec<(usize, i64)> = Vec::new();
        let mut group_best: Vec<Option<(i64, u32, usize)>> = vec![None; self.groups];
        for &p in &run.ol {
            let group = cx.promotions[p].group;
            if group.is_some_and(|g| taken[g]) {
                continue;
            }
            let raw = cx.raw_order(p, after);
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

    /// The fallback: claiming promotions in `(priority, id)` order each claim every eligible
    /// unit still free (when that gives them something), then the leaf's exact choice of
    /// stackable and order-level promotions.
    fn greedy(&mut self, candidates: &[usize]) {
        let mut run = self.prepare(candidates);
        let cx = self.cx;
        let mut scratch = vec![0; cx.lines.len()];
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
            }
        }
        self.leaf(&run);
    }
}

/// Sets promotion `k`'s claim on line `l` to `c` units, keeping availability, bounds and
/// group ownership in step.
fn set_claim(run: &mut Run, group: Option<usize>, k: usize, l: usize, c: u32) {
    let old = run.counts[k][l];
    if old == c {
        return;
    }
    let delta = i64::from(c) - i64::from(old);
    run.counts[k][l] = c;
    run.avail[l] = (i64::from(run.avail[l]) - delta) as u32;
    run.fixed_ub += delta * run.rate[k][l];
    if let Some(a) = run.additive[k][l] {
        run.fixed_additive[l] += delta * a;
    }
    if let Some(g) = group {
        let claims = &mut run.group_claims[g];
        claims.1 = (i64::from(claims.1) + delta) as u32;
        claims.0 = if claims.1 > 0 { k } else { usize::MAX };
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
