//! Evaluating a combination (the contract's "Evaluating a combination", stages 1 and 2) on one
//! prepared cart: what a claiming promotion takes off its claimed units, what a stackable one
//! takes off the unclaimed pool, what an order-level one takes off its eligible lines.
//!
//! Units of a line are interchangeable, so a claim is a count per line and the pool holds the
//! unclaimed units of each line in canonical order (the claimed ones would be the others: which
//! `k` they are changes nothing but the labels).

use super::allocate::largest_remainder;
use super::cart::CartLine;
use super::promotion::{Promotion, Rule};
use super::rule::{ItemCx, ItemKind, ItemRule, OrderRule, PriceOrder, Unit};
use super::selector::{all_lines, lines_of, LineMask, SelectorIndex};

/// One cart prepared for a calculator: lines in `line_no` order, every selector's mask, every
/// promotion's eligible lines and per-line rule values.
pub struct CartCx<'a> {
    pub promotions: &'a [Promotion],
    pub lines: &'a [CartLine],
    pub gross: Vec<i64>,
    pub masks: Vec<LineMask>,
    pub eligible: Vec<LineMask>,
    pub values: Vec<Vec<i64>>,
    /// The lines by unit price, for evaluating claims by line.
    pub by_price: PriceOrder,
}

impl<'a> CartCx<'a> {
    pub fn new(promotions: &'a [Promotion], selectors: &SelectorIndex, lines: &'a [CartLine]) -> Self {
        let masks = selectors.masks(lines);
        let all = all_lines(lines.len());
        let mut eligible = Vec::with_capacity(promotions.len());
        let mut values = Vec::with_capacity(promotions.len());
        for p in promotions {
            let scope = masks[p.scope];
            match &p.rule {
                Rule::Item { kind, .. } => {
                    let mask = scope & kind.kind_mask(&masks, all);
                    eligible.push(mask);
                    values.push(if mask == 0 { Vec::new() } else { kind.line_values(lines) });
                }
                Rule::Order { .. } => {
                    eligible.push(scope);
                    values.push(Vec::new());
                }
            }
        }
        let gross = lines.iter().map(CartLine::gross).collect();
        let by_price = PriceOrder::new(lines);
        Self { promotions, lines, gross, masks, eligible, values, by_price }
    }

    pub fn item_cx(&self, p: usize) -> ItemCx<'_> {
        ItemCx { masks: &self.masks, line_values: &self.values[p] }
    }

    pub fn item_kind(&self, p: usize) -> &ItemKind {
        self.promotions[p].item_kind().expect("an item-level promotion")
    }

    /// Eligible units of promotion `p` in the cart.
    pub fn eligible_units(&self, p: usize) -> i64 {
        lines_of(self.eligible[p]).map(|l| self.lines[l].quantity).sum()
    }

    /// What a claiming promotion takes off its claimed units (`counts` per line): adds each
    /// line's amount to `per_line` and returns the total.
    pub fn claimed(&self, p: usize, counts: &[u32], per_line: &mut [i64]) -> i64 {
        self.claimed_with(p, counts, per_line, &mut Vec::new(), &mut Vec::new())
    }

    /// [`claimed`](Self::claimed) with the caller's scratch buffers (the search calls it often).
    pub fn claimed_with(
        &self,
        p: usize,
        counts: &[u32],
        per_line: &mut [i64],
        units: &mut Vec<Unit>,
        out: &mut Vec<i64>,
    ) -> i64 {
        #[cfg(debug_assertions)]
        let before = per_line.to_vec();
        let kind = self.item_kind(p);
        if let Some(total) =
            kind.claim_by_line(self.item_cx(p), self.lines, &self.by_price, counts, Some(&mut *per_line))
        {
            // Every debug test run checks the shortcut against the rule's own evaluation.
            #[cfg(debug_assertions)]
            {
                let mut by_unit = before;
                let unit_total = self.claimed_by_unit(p, counts, &mut by_unit, units, out);
                assert_eq!(
                    (total, &by_unit[..]),
                    (unit_total, &per_line[..]),
                    "promotion {p}, claim {counts:?}"
                );
                let only = kind.claim_by_line(self.item_cx(p), self.lines, &self.by_price, counts, None);
                assert_eq!(only, Some(total), "promotion {p}, claim {counts:?}: the total alone");
            }
            return total;
        }
        self.claimed_by_unit(p, counts, per_line, units, out)
    }

    /// [`claimed`](Self::claimed)'s total alone.
    pub fn claim_total(&self, p: usize, counts: &[u32], units: &mut Vec<Unit>, out: &mut Vec<i64>) -> i64 {
        match self.item_kind(p).claim_by_line(self.item_cx(p), self.lines, &self.by_price, counts, None) {
            Some(total) => total,
            None => self.claimed_by_unit(p, counts, &mut vec![0; counts.len()], units, out),
        }
    }

    /// [`claimed_with`](Self::claimed_with) through the rule's units.
    fn claimed_by_unit(
        &self,
        p: usize,
        counts: &[u32],
        per_line: &mut [i64],
        units: &mut Vec<Unit>,
        out: &mut Vec<i64>,
    ) -> i64 {
        units.clear();
        for (l, &c) in counts.iter().enumerate() {
            let price = self.lines[l].unit_price();
            units.extend((0..c).map(|_| Unit { line: l, unit_price: price, current: price }));
        }
        out.clear();
        out.resize(units.len(), 0);
        self.item_kind(p).discounts(self.item_cx(p), units, out);
        let mut total = 0;
        for (unit, &d) in units.iter().zip(out.iter()) {
            per_line[unit.line] += d;
            total += d;
        }
        total
    }

    /// The unclaimed units (`unclaimed` per line), canonical order, undiscounted.
    pub fn pool(&self, unclaimed: &[u32]) -> Vec<Unit> {
        let mut pool = Vec::new();
        for (l, &c) in unclaimed.iter().enumerate() {
            let price = self.lines[l].unit_price();
            pool.extend((0..c).map(|_| Unit { line: l, unit_price: price, current: price }));
        }
        pool
    }

    /// What a stackable promotion takes off its eligible units of the pool: lowers their
    /// current prices, adds each line's amount to `per_line`, returns the total.
    pub fn stack(&self, p: usize, pool: &mut [Unit], per_line: &mut [i64]) -> i64 {
        let mask = self.eligible[p];
        let at: Vec<usize> = (0..pool.len()).filter(|&i| mask & (1u128 << pool[i].line) != 0).collect();
        let units: Vec<Unit> = at.iter().map(|&i| pool[i]).collect();
        let mut out = vec![0; units.len()];
        self.item_kind(p).discounts(self.item_cx(p), &units, &mut out);
        let mut total = 0;
        for (&i, d) in at.iter().zip(out) {
            pool[i].current -= d;
            per_line[pool[i].line] += d;
            total += d;
        }
        total
    }

    /// An order-level promotion's base: its eligible lines after the item stage
    /// (`after_items`), or before any discount.
    pub fn base(&self, p: usize, after_items: &[i64]) -> i64 {
        let (_, before) = self.promotions[p].order_kind().expect("an order-level promotion");
        let from = if before { &self.gross } else { after_items };
        lines_of(self.eligible[p]).map(|l| from[l]).sum()
    }

    /// The discount before the cap by the eligible lines.
    pub fn raw_order(&self, p: usize, after_items: &[i64]) -> i64 {
        let (kind, _) = self.promotions[p].order_kind().expect("an order-level promotion");
        kind.discount(self.base(p, after_items))
    }

    /// Applies order-level promotion `p` with discount `raw` (before the cap): takes
    /// `d = min(raw, current nets of its eligible lines)`, spreads it over those lines in
    /// proportion to their nets, adds each line's share to `per_line` (if given), returns `d`.
    pub fn order(&self, p: usize, raw: i64, nets: &mut [i64], per_line: Option<&mut [i64]>) -> i64 {
        let mask = self.eligible[p];
        let left: i64 = lines_of(mask).map(|l| nets[l]).sum();
        let d = raw.min(left);
        if d == 0 {
            return 0;
        }
        let lines: Vec<usize> = lines_of(mask).collect();
        let weights: Vec<i64> = lines.iter().map(|&l| nets[l]).collect();
        let shares = largest_remainder(d, &weights);
        match per_line {
            Some(per_line) => {
                for (&l, s) in lines.iter().zip(shares) {
                    nets[l] -= s;
                    per_line[l] += s;
                }
            }
            None => {
                for (&l, s) in lines.iter().zip(shares) {
                    nets[l] -= s;
                }
            }
        }
        d
    }
}

/// A combination as the search keeps it: the claims of its non-stackable item-level
/// promotions (counts per line), its stackable and its order-level promotions, each list in
/// `(priority, id)` order. Only promotions that claim units or discount something are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub claims: Vec<(usize, Vec<u32>)>,
    pub stacked: Vec<usize>,
    pub ordered: Vec<usize>,
}

/// A combination evaluated in full.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// `(promotion, amount per line)` in application order (item stage, then order stage).
    pub amounts: Vec<(usize, Vec<i64>)>,
    /// Line nets after the item stage.
    pub after_items: Vec<i64>,
    /// Line nets after the order stage.
    pub nets: Vec<i64>,
}

impl CartCx<'_> {
    pub fn evaluate(&self, choice: &Choice) -> Evaluation {
        let n = self.lines.len();
        let mut unclaimed: Vec<u32> = self.lines.iter().map(|l| l.quantity as u32).collect();
        for (_, counts) in &choice.claims {
            for (u, c) in unclaimed.iter_mut().zip(counts) {
                *u -= c;
            }
        }
        let mut pool = self.pool(&unclaimed);
        let mut items: Vec<(usize, Option<&Vec<u32>>)> =
            choice.claims.iter().map(|(p, c)| (*p, Some(c))).collect();
        items.extend(choice.stacked.iter().map(|&p| (p, None)));
        items.sort_by_key(|x| x.0);
        let mut amounts = Vec::new();
        let mut after_items = self.gross.clone();
        for (p, counts) in items {
            let mut per_line = vec![0; n];
            match counts {
                Some(counts) => self.claimed(p, counts, &mut per_line),
                None => self.stack(p, &mut pool, &mut per_line),
            };
            for (net, a) in after_items.iter_mut().zip(&per_line) {
                *net -= a;
            }
            amounts.push((p, per_line));
        }
        let mut nets = after_items.clone();
        for &p in &choice.ordered {
            let mut per_line = vec![0; n];
            let raw = self.raw_order(p, &after_items);
            self.order(p, raw, &mut nets, Some(&mut per_line));
            amounts.push((p, per_line));
        }
        Evaluation { amounts, after_items, nets }
    }
}
