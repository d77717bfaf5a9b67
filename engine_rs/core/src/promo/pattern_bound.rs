//! Per-line unit bounds from a linear program over instance patterns, for carts where several
//! instance-based promotions (nth-unit groups, 买一送一, combos) compete for the same scarce
//! units: four drink-and-snack combos and a 买二送一 all wanting the cart's snacks.
//!
//! The search bounds a node by adding, per undecided unit, the largest per-unit bound of the
//! promotions that may claim it. Each promotion's own bounds are valid alone (see
//! [`item_bound`](super::item_bound)), but where combos share snacks they charge the same scarce
//! snack or drink several times over, and the bound stays 15-25 % above the best deal: on such
//! carts proving the best deal took most of the search (half of its nodes even when the search
//! started from the best deal).
//!
//! Here one bound `y[l]` per unit of line `l` is chosen for all of them at once, as small as a
//! linear program allows: minimise `sum q[l] * y[l] + sum n[i] * z[i] + sum (q[l] / k) *
//! v[l, k]` subject to
//! - `y[l] >= ` what an unclaimed unit can get there (the stackables' bound), and `>=` the exact
//!   per-unit discount of every per-unit (percent, amount, tier price) claimer there;
//! - for every instance-based claimer `i` and every multiset `M` of its eligible lines of its
//!   instance size (each line at most its quantity): `sum over M of y + z[i] + sum over the
//!   cuts (l, k) of (M's units of l / k) * v[l, k] >= ` the rule's discount of `M`'s units alone
//!   (the cut terms only for a claimer whose only line is `l`);
//!
//! where `n[i]` is the most instances claimer `i` can form (its units over its instance size)
//! and the cuts `(l, k)` are the lines where two or more claimers have `l` as their only line
//! (a line of `q` units holds at most `q / k` instances of `k` of its units in all).
//!
//! Why that bounds every claim: a rule discounts a set of its units as the sum of the instances
//! it forms, and an instance's units alone form the same instance (the rules fill an instance
//! with the dearest or cheapest units still unused, so the same units win within the instance
//! alone); units in no instance get nothing. So a claimer's discount is at most the sum of `y`
//! over its units, plus `z[i]` per instance (at most `n[i]` of them), plus `v[l, k]` per
//! `k` units of line `l` in an instance (the claimers of that line together at most `q / k`
//! times): the search may use `y[l]` as every such claimer's per-unit bound if it also holds
//! `n[i] * z[i]` for each unfinished claim and `(q / k) * v[l, k]` for each line still open
//! (see `search.rs`, `Joint`). Without `z` and `v` the program counted fractions of instances:
//! three cups under 买一送一 as one and a half pairs.
//!
//! The program is solved in floating point (its dual, a packing program, by a dense simplex),
//! then every `y` is rounded up and every constraint re-checked in integers (and raised where
//! rounding fell short), so the bound is exact whatever the floating-point error. Its cost is
//! capped: carts that would enumerate more than [`MAX_MULTISETS`] multisets, keep more than
//! [`MAX_PATTERNS`] patterns or pivot beyond [`MAX_PIVOT_WORK`] keep the per-promotion bounds.

use std::collections::BTreeMap;

use super::eval::CartCx;
use super::item_bound::ClaimBounds;
use super::rule::{ItemRule, Unit};
use super::selector::lines_of;

/// The most instance patterns one cart's program may keep.
pub const MAX_PATTERNS: usize = 500;

/// The most multisets of units one cart may enumerate (each costs one evaluation of a rule,
/// ~0.1-0.2 us): a few milliseconds at most, on carts of a hundred lines.
pub const MAX_MULTISETS: usize = 20_000;

/// The most simplex work (pivots x rows x columns) one cart may spend: a few milliseconds.
pub const MAX_PIVOT_WORK: usize = 4_000_000;

/// Called with each multiset of lines as `(line, multiplicity)`; false stops the enumeration.
type Visit<'v> = dyn FnMut(&[(usize, i64)]) -> bool + 'v;

/// One constraint: `sum over (line, multiplicity) of multiplicity * w[line] + z[claimer] >=
/// need`.
struct Pattern {
    claimer: usize,
    lines: Vec<(usize, i64)>,
    need: i64,
}

/// The program's answer: per line the bound of every unit (`y`), and per claimer (index into
/// the search's claiming promotions) `extra = instances * z`: the most instances it can form in
/// the cart times what each may take beyond the `y` of its units.
///
/// Without `z` the program may count fractions of instances: three cups of one drink under
/// 买一送一 (one pair at most) were bounded at one and a half pairs, and the `y` that pays
/// for that half pair bounded every other claimer of those cups too. With `z` a claimer's
/// instances may also be paid for per instance, as many as it can form, and the search holds
/// `extra` for the claimer until its claim is complete.
pub struct JointBounds {
    pub y: Vec<i64>,
    pub extra: Vec<i64>,
    /// Per line, what the claimers that have it as their only line may take beyond `y` and
    /// their `extra` together (see [`line_cuts`]).
    pub line_extra: Vec<i64>,
    /// Per claimer and line, the units the program's own packing (its dual, rounded down,
    /// then up where units are left) gives the claimer: the walk tries these counts first (see
    /// [`rounded_packing`]); `u32::MAX` for the claimers that are not instance-based, empty
    /// without a pattern.
    pub packing: Vec<Vec<u32>>,
}

/// Per-line unit bounds for the claimers `ns` (indices into the cart's promotions) with bounds
/// `b`, valid for every option of every line and for unclaimed units (`st_rate`), and per
/// claimer (index into `ns`) what it may take beyond them (see [`JointBounds`]); `None` when
/// no instance-based claimer is bounded per unit or the program is too large.
pub fn unit_bounds(cx: &CartCx<'_>, ns: &[usize], b: &ClaimBounds, st_rate: &[i64]) -> Option<JointBounds> {
    let n_lines = cx.lines.len();
    // What every unit of each line is bounded by anyway: unclaimed, or an exact per-unit claim.
    let mut floor = st_rate.to_vec();
    let mut instance_based = Vec::new();
    for (l, opts) in b.options.iter().enumerate() {
        for &i in opts {
            match b.additive[i][l] {
                Some(exact) => floor[l] = floor[l].max(exact),
                // (Those the first system bounds as a whole, by their cap, too: there their
                // units are bounded as well by the other options', counted twice.)
                None if !instance_based.contains(&i) => instance_based.push(i),
                None => {}
            }
        }
    }
    if instance_based.is_empty() {
        return None;
    }
    let mut patterns: BTreeMap<(usize, Vec<(usize, i64)>), i64> = BTreeMap::new();
    // Per claimer, the most instances it can form: its eligible units over its instance size.
    let mut instances = vec![0i64; ns.len()];
    // Per claimer, its only line where it has one.
    let mut alone: Vec<Option<usize>> = vec![None; ns.len()];
    let mut visited = 0;
    // Scratch for each multiset's counts per line, and for evaluating it.
    let mut counts = vec![0u32; n_lines];
    let mut units: Vec<Unit> = Vec::new();
    let mut out: Vec<i64> = Vec::new();
    for &i in &instance_based {
        let p = ns[i];
        let kind = cx.item_kind(p);
        let size = usize::try_from(kind.instance_size()?).ok()?;
        let lines: Vec<usize> = lines_of(cx.eligible[p]).filter(|&l| b.options[l].contains(&i)).collect();
        instances[i] = lines.iter().map(|&l| cx.lines[l].quantity).sum::<i64>() / size.max(1) as i64;
        // (One the first system bounds as a whole is not treated exactly by a line's best
        // split, see `line_bound`: no cut counts it.)
        if let ([only], false) = (&lines[..], b.whole[i]) {
            alone[i] = Some(*only);
        }
        if !multisets(cx, &lines, size, &mut |chosen: &[(usize, i64)]| {
            for &(l, m) in chosen {
                counts[l] = m as u32;
            }
            let discount = cx.claim_total(p, &counts, &mut units, &mut out);
            for &(l, _) in chosen {
                counts[l] = 0;
            }
            let covered: i64 = chosen.iter().map(|&(l, m)| m * floor[l]).sum();
            let need = discount - covered;
            if need > 0 {
                let slot = patterns.entry((i, chosen.to_vec())).or_insert(0);
                *slot = (*slot).max(need);
            }
            visited += 1;
            patterns.len() <= MAX_PATTERNS && visited <= MAX_MULTISETS
        }) {
            return None;
        }
    }
    let patterns: Vec<Pattern> =
        patterns.into_iter().map(|((claimer, lines), need)| Pattern { claimer, lines, need }).collect();
    let Program { w, per_instance, line_extra, mut packing } = if patterns.is_empty() {
        Program {
            w: vec![0; n_lines],
            per_instance: vec![0; ns.len()],
            line_extra: vec![0; n_lines],
            packing: Vec::new(),
        }
    } else {
        program(cx, ns.len(), &patterns, &instances, &alone)?
    };
    // (An instance-based claimer without a pattern beyond the other options' bounds is packed
    // nowhere: it gets no unit first.)
    for (i, row) in packing.iter_mut().enumerate() {
        if !instance_based.contains(&i) {
            row.fill(u32::MAX);
        }
    }
    Some(JointBounds {
        y: floor.iter().zip(&w).map(|(f, x)| f + x).collect(),
        extra: per_instance.iter().zip(&instances).map(|(each, n)| each * n).collect(),
        line_extra,
        packing,
    })
}

/// The program's answer in integers: per line `w` (beyond the floors), per claimer what
/// one instance may take beyond them, per line its cuts' extra, and the rounded packing.
struct Program {
    w: Vec<i64>,
    per_instance: Vec<i64>,
    line_extra: Vec<i64>,
    packing: Vec<Vec<u32>>,
}

/// Builds the program over `patterns` (rows: the lines they use, the claimers that have
/// them, the lines' cuts), solves it, rounds its prices up and re-checks every pattern in
/// integers; `None` if the simplex does not finish (see [`solve`]).
fn program(
    cx: &CartCx<'_>,
    claimers_len: usize,
    patterns: &[Pattern],
    instances: &[i64],
    alone: &[Option<usize>],
) -> Option<Program> {
    let n_lines = cx.lines.len();
    let rows: Vec<usize> =
        (0..n_lines).filter(|&l| patterns.iter().any(|p| p.lines.iter().any(|x| x.0 == l))).collect();
    let claimers: Vec<usize> =
        (0..claimers_len).filter(|&i| patterns.iter().any(|p| p.claimer == i)).collect();
    let cuts = line_cuts(cx, alone, patterns);
    // Per row its capacity and each pattern's coefficient (small counts: exact in f64).
    let mut capacity = Vec::new();
    let mut coefficients: Vec<Vec<f64>> = Vec::new();
    for &l in &rows {
        capacity.push(cx.lines[l].quantity);
        coefficients.push(patterns.iter().map(|p| small(multiplicity(p, l))).collect());
    }
    for &i in &claimers {
        capacity.push(instances[i]);
        coefficients.push(patterns.iter().map(|p| if p.claimer == i { 1.0 } else { 0.0 }).collect());
    }
    for cut in &cuts {
        capacity.push(cx.lines[cut.line].quantity / cut.k);
        coefficients.push(patterns.iter().map(|p| small(cut.coefficient(p, alone))).collect());
    }
    let (prices, used) = solve(&coefficients, &capacity, patterns)?;
    let packing = rounded_packing(cx, claimers_len, patterns, &used, instances);
    // Rounded up, less a hair of floating-point noise; checked exactly just below.
    let round = |price: f64| (price - 1e-6).ceil().max(0.0) as i64;
    let mut w = vec![0i64; n_lines];
    for (r, &l) in rows.iter().enumerate() {
        w[l] = round(prices[r]);
    }
    let mut per_instance = vec![0i64; claimers_len];
    for (r, &i) in claimers.iter().enumerate() {
        per_instance[i] = round(prices[rows.len() + r]);
    }
    let at = rows.len() + claimers.len();
    let per_cut: Vec<i64> = (0..cuts.len()).map(|c| round(prices[at + c])).collect();
    let mut line_extra = vec![0i64; n_lines];
    for (cut, &price) in cuts.iter().zip(&per_cut) {
        line_extra[cut.line] += price * (cx.lines[cut.line].quantity / cut.k);
    }
    for pattern in patterns {
        let have: i64 = pattern.lines.iter().map(|&(l, m)| m * w[l]).sum::<i64>()
            + per_instance[pattern.claimer]
            + cuts
                .iter()
                .zip(&per_cut)
                .map(|(cut, price)| cut.coefficient(pattern, alone) * price)
                .sum::<i64>();
        if have < pattern.need {
            let &(l, m) = pattern.lines.iter().max_by_key(|x| x.1).expect("a pattern has lines");
            w[l] += (pattern.need - have + m - 1) / m;
        }
    }
    Some(Program { w, per_instance, line_extra, packing })
}

/// A count of units or instances as a coefficient of the program.
#[allow(clippy::cast_precision_loss)]
fn small(count: i64) -> f64 {
    count as f64
}

/// A pattern's units of line `l`.
fn multiplicity(pattern: &Pattern, l: usize) -> i64 {
    pattern.lines.iter().find(|x| x.0 == l).map_or(0, |x| x.1)
}

/// A cut on one line's units: instances of `k` or more units of `line` from the claimers that
/// have it as their only line, at most `quantity / k` (rounded down) of them in all (each
/// instance of `m` such units counted `m / k` times, rounded down).
struct LineCut {
    line: usize,
    k: i64,
}

impl LineCut {
    fn coefficient(&self, pattern: &Pattern, alone: &[Option<usize>]) -> i64 {
        if alone[pattern.claimer] == Some(self.line) {
            multiplicity(pattern, self.line) / self.k
        } else {
            0
        }
    }
}

/// The cuts worth adding: where two or more claimers have a line as their only line (three
/// units of one snack under two "second one free" and a 买一送一), each claimer's own count of
/// instances still lets the program form an instance of each (1.5 pairs' worth of units each
/// way); a line of `q` units holds at most `q / k` instances of `k` of its units in all. Only
/// where `q` is not a multiple of `k` (else the line's own row says as much).
fn line_cuts(cx: &CartCx<'_>, alone: &[Option<usize>], patterns: &[Pattern]) -> Vec<LineCut> {
    let mut cuts = Vec::new();
    for (l, line) in cx.lines.iter().enumerate() {
        let q = line.quantity;
        for k in 2..=q {
            if q % k == 0 {
                continue;
            }
            let cut = LineCut { line: l, k };
            let mut members: Vec<usize> =
                patterns.iter().filter(|p| cut.coefficient(p, alone) > 0).map(|p| p.claimer).collect();
            members.dedup();
            if members.len() >= 2 {
                cuts.push(cut);
            }
        }
    }
    cuts
}

/// The program's packing `used` (instances per pattern, fractional) as whole instances: each
/// pattern's whole part, the largest first, then one more of each by its fraction, the
/// largest first, while every line has the units and every claimer the instances. Per claimer
/// (index into `ns`) and line, the units.
///
/// On the slowest carts the search found its best deal late: a walk at a floor 2 % under the
/// root bound went through most of the nodes above the floor before it (a third of all nodes,
/// measured by starting a walk with the best deal's value as its floor). Where the program's
/// bound is the best deal (most of those carts), its packing usually is the best deal's item
/// claims, so the walk's first path is that deal.
fn rounded_packing(
    cx: &CartCx<'_>,
    claimers: usize,
    patterns: &[Pattern],
    used: &[f64],
    instances: &[i64],
) -> Vec<Vec<u32>> {
    let mut left_units: Vec<i64> = cx.lines.iter().map(|line| line.quantity).collect();
    let mut left_instances = instances.to_vec();
    let mut packing = vec![vec![0u32; cx.lines.len()]; claimers];
    let mut take = |pattern: &Pattern, n: i64| {
        let fits = pattern.lines.iter().map(|&(l, m)| left_units[l] / m).min().unwrap_or(0);
        let n = n.min(fits).min(left_instances[pattern.claimer]);
        if n <= 0 {
            return;
        }
        left_instances[pattern.claimer] -= n;
        for &(l, m) in &pattern.lines {
            left_units[l] -= n * m;
            packing[pattern.claimer][l] += (n * m) as u32;
        }
    };
    let mut by_use: Vec<usize> = (0..patterns.len()).filter(|&j| used[j] > 1e-6).collect();
    by_use.sort_by(|&a, &b| used[b].total_cmp(&used[a]).then(a.cmp(&b)));
    for &j in &by_use {
        take(&patterns[j], (used[j] + 1e-6).floor() as i64);
    }
    let fraction = |j: usize| used[j] - (used[j] + 1e-6).floor();
    by_use.sort_by(|&a, &b| fraction(b).total_cmp(&fraction(a)).then(a.cmp(&b)));
    for &j in &by_use {
        if fraction(j) > 1e-6 {
            take(&patterns[j], 1);
        }
    }
    packing
}

/// Calls `visit` with every multiset of `size` units over `lines` (each line at most its
/// quantity), as `(line, multiplicity)` pairs in line order; stops (false) when `visit` does.
fn multisets(cx: &CartCx<'_>, lines: &[usize], size: usize, visit: &mut Visit<'_>) -> bool {
    fn rec(
        cx: &CartCx<'_>,
        lines: &[usize],
        at: usize,
        left: i64,
        chosen: &mut Vec<(usize, i64)>,
        visit: &mut Visit<'_>,
    ) -> bool {
        if left == 0 {
            return visit(chosen);
        }
        if at == lines.len() {
            return true;
        }
        let l = lines[at];
        let most = left.min(cx.lines[l].quantity);
        for m in (0..=most).rev() {
            if m > 0 {
                chosen.push((l, m));
            }
            let go_on = rec(cx, lines, at + 1, left - m, chosen, visit);
            if m > 0 {
                chosen.pop();
            }
            if !go_on {
                return false;
            }
        }
        true
    }
    rec(cx, lines, 0, size as i64, &mut Vec::new(), visit)
}

/// The optimal `(w, z)` of `min sum q[l] w[l] + sum n[i] z[i]` s.t. every pattern `sum m w +
/// z[claimer] >= need`, `w, z >= 0`, read off as the shadow prices of its dual `max sum need[p]
/// x[p]` s.t. per line `sum m x <= q[l]` and per claimer `sum x <= n[i]` (its instances),
/// `x >= 0`, solved by a dense primal simplex from the slack basis (Bland's rule, so it
/// terminates): `rows` (lines) then `claimers`, with `capacity` in that order; with the
/// packing `x` itself (per pattern, fractional). `None` if it does
/// not finish within [`MAX_PIVOT_WORK`]. Quantities and amounts are far below 2^53 (the
/// calculator's limits), and the caller re-checks the result in integers.
#[allow(clippy::cast_precision_loss)]
fn solve(coefficients: &[Vec<f64>], capacity: &[i64], patterns: &[Pattern]) -> Option<(Vec<f64>, Vec<f64>)> {
    let (n_rows, n_pat) = (capacity.len(), patterns.len());
    let width = n_pat + n_rows;
    // Rows of [A | I | b]; the objective row holds the reduced costs (negated gains).
    let mut t = vec![vec![0.0f64; width + 1]; n_rows];
    for (r, (&c, row)) in capacity.iter().zip(coefficients).enumerate() {
        t[r][..n_pat].copy_from_slice(row);
        t[r][n_pat + r] = 1.0;
        t[r][width] = c as f64;
    }
    let mut z: Vec<f64> = patterns.iter().map(|p| -(p.need as f64)).collect();
    z.extend(std::iter::repeat_n(0.0, n_rows + 1));
    let eps = 1e-9;
    // The basic variable of each row: the slacks first.
    let mut basis: Vec<usize> = (n_pat..width).collect();
    for _ in 0..MAX_PIVOT_WORK / (n_rows * (width + 1)).max(1) {
        let Some(enter) = (0..width).find(|&j| z[j] < -eps) else {
            let prices = (0..n_rows).map(|r| z[n_pat + r].max(0.0)).collect();
            let mut used = vec![0.0; n_pat];
            for (r, &j) in basis.iter().enumerate() {
                if j < n_pat {
                    used[j] = t[r][width].max(0.0);
                }
            }
            return Some((prices, used));
        };
        let mut leave: Option<(usize, f64)> = None;
        for (r, row) in t.iter().enumerate() {
            if row[enter] > eps {
                let ratio = row[width] / row[enter];
                if leave.is_none_or(|(_, best)| ratio < best - eps) {
                    leave = Some((r, ratio));
                }
            }
        }
        // Unbounded cannot happen (every pattern uses a row with a finite quantity).
        let (r, _) = leave?;
        basis[r] = enter;
        let pivot = t[r][enter];
        for x in &mut t[r] {
            *x /= pivot;
        }
        let pivot_row = t[r].clone();
        for (i, row) in t.iter_mut().enumerate() {
            if i != r && row[enter].abs() > eps {
                let f = row[enter];
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * p;
                }
            }
        }
        let f = z[enter];
        for (x, p) in z.iter_mut().zip(&pivot_row) {
            *x -= f * p;
        }
    }
    None
}
