//! What a promotion kind does, as traits implemented by one small struct per kind (one file
//! each) and dispatched through two enums: [`ItemKind`] (discounts units) and [`OrderKind`]
//! (discounts the order from a base).

use super::amount_off::{AmountOffItem, AmountOffOrder};
use super::buy_x_get_y::BuyXGetY;
use super::cart::CartLine;
use super::combo::Combo;
use super::config::MAX_SLOTS;
use super::every_x_off_y::EveryXOffY;
use super::nth_unit::NthUnit;
use super::percent_off::{PercentOffItem, PercentOffOrder};
use super::selector::{lines_of, LineMask};
use super::threshold_tiers::ThresholdTiers;
use super::tier_price::TierPrice;

/// One unit as an item rule sees it: its line (index in `line_no` order), its price before any
/// discount, and its current price (after the item-level promotions applied before this one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub line: usize,
    pub unit_price: i64,
    pub current: i64,
}

/// Per-cart facts an item rule reads: the mask of every selector, and the rule's own per-line
/// values (see [`ItemRule::line_values`]).
#[derive(Debug, Clone, Copy)]
pub struct ItemCx<'a> {
    pub masks: &'a [LineMask],
    pub line_values: &'a [i64],
}

/// An item-level rule.
pub trait ItemRule {
    /// The lines the kind itself can use (the caller intersects with `scope`): the buy and get
    /// sets, the slots, the listed skus; every line for the other kinds.
    fn kind_mask(&self, masks: &[LineMask], all: LineMask) -> LineMask {
        let _ = masks;
        all
    }

    /// Per-line values the rule needs on every evaluation, computed once per cart.
    fn line_values(&self, lines: &[CartLine]) -> Vec<i64> {
        let _ = lines;
        Vec::new()
    }

    /// Writes the discount of each of `units` (the promotion's units, canonical order) into
    /// `out` (same length, zeroed by the caller). Each discount is within `0..=current`.
    fn discounts(&self, cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]);

    /// An upper bound, per unit of `line`, on what the rule can take off any set of its units
    /// containing it (the sum over the set bounds the rule's total): the search prunes with it.
    fn unit_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, line: usize) -> i64;

    /// [`unit_bound`](Self::unit_bound) of every line (0 where not eligible). A kind may charge
    /// its bound to some lines only (the scarce get set of a 买一送一, one slot of a combo) as
    /// long as the sum over any set of its units still bounds its discount; `other[l]` (if
    /// given) is what a unit of line `l` is bounded by anyway through other promotions, so a
    /// share up to it costs the search nothing.
    fn unit_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, other: &[i64]) -> Vec<i64> {
        let _ = other;
        let mut out = vec![0; lines.len()];
        for l in lines_of(eligible) {
            out[l] = self.unit_bound(cx, lines, eligible, l);
        }
        out
    }

    /// The per-line bounds charged to the rule's last set only (a combo's last slot, the get
    /// set of a 买一送一), for kinds that have such a set: when several promotions share that
    /// set (snacks for many drink combos) and it is scarce, charging it keeps them from
    /// counting the same snack twice.
    fn last_set_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> Option<Vec<i64>> {
        let _ = (cx, lines, eligible);
        None
    }

    /// An upper bound of the rule's total discount over any set of its eligible units (the
    /// search caps a claim's pending bound with it); `i64::MAX` if none is cheaper to give.
    fn total_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i64 {
        let _ = (cx, lines, eligible);
        i64::MAX
    }

    /// The exact discount of one unit of `line` at its undiscounted price when the rule
    /// discounts every unit alone (percent, amount, tier price); `None` otherwise.
    fn additive(&self, cx: ItemCx<'_>, lines: &[CartLine], line: usize) -> Option<i64> {
        let _ = (cx, lines, line);
        None
    }

    /// The discount of a claim given as units per line (`counts[l]` undiscounted units of line
    /// `l`, each line's units interchangeable): the sum of [`discounts`](Self::discounts) over
    /// those units in canonical order, and (if `per_line` is given) each line's part added to
    /// it. `None` where the kind only evaluates units (the caller then builds them). The search
    /// evaluates thousands of claims on its slowest carts; this skips building and sorting
    /// units, and the total alone skips splitting a combo's instances.
    fn claim_by_line(
        &self,
        cx: ItemCx<'_>,
        lines: &[CartLine],
        order: &PriceOrder,
        counts: &[u32],
        per_line: Option<&mut [i64]>,
    ) -> Option<i64> {
        let _ = (cx, lines, order, counts, per_line);
        None
    }

    /// For kinds that discount whole instances (an nth-unit group, a 买一送一 application, a
    /// combo), the number of units in one: any set of the rule's units is discounted as the sum
    /// of the instances it forms, and an instance's units alone form the same instance (see
    /// [`pattern_bound`](super::pattern_bound)). `None` for the per-unit kinds.
    fn instance_size(&self) -> Option<i64> {
        None
    }

    /// A few plain words on what the rule does ("50% off every 2nd unit").
    fn describe(&self) -> String;
}

/// An order-level rule.
pub trait OrderRule {
    /// The discount for a base, before the cap by the eligible lines.
    fn discount(&self, base: i64) -> i64;

    /// For threshold kinds, the near miss: `(add, extra)` to the next step above `base`, when
    /// there is one and (for `every_x_off_y`) only while the first step is not reached.
    fn near_miss(&self, base: i64) -> Option<(i64, i64)> {
        let _ = base;
        None
    }

    /// Whether `base` is below the rule's lowest threshold (threshold kinds only).
    fn below_threshold(&self, base: i64) -> bool {
        let _ = base;
        false
    }

    /// When the discount is a step function of the base (constant between steps, changing only
    /// at the listed bases, non-decreasing), the bases in `0..=up_to` where it steps (at most
    /// [`MAX_STEPS`]), appended to `out`, and true; false (nothing appended) otherwise. The
    /// search bounds item and order discounts jointly with it.
    fn steps(&self, up_to: i64, out: &mut Vec<i64>) -> bool {
        let _ = (up_to, out);
        false
    }

    /// For a discount that is `floor(base * percent / 100)`, the percent.
    fn percent(&self) -> Option<i64> {
        None
    }

    fn describe(&self) -> String;
}

/// The most steps [`OrderRule::steps`] lists; a finer staircase is bounded like a slope.
pub const MAX_STEPS: usize = 64;

/// The item-level kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    PercentOff(PercentOffItem),
    AmountOff(AmountOffItem),
    NthUnit(NthUnit),
    BuyXGetY(BuyXGetY),
    Combo(Combo),
    TierPrice(TierPrice),
}

impl ItemKind {
    fn rule(&self) -> &dyn ItemRule {
        match self {
            Self::PercentOff(r) => r,
            Self::AmountOff(r) => r,
            Self::NthUnit(r) => r,
            Self::BuyXGetY(r) => r,
            Self::Combo(r) => r,
            Self::TierPrice(r) => r,
        }
    }
}

impl ItemRule for ItemKind {
    fn kind_mask(&self, masks: &[LineMask], all: LineMask) -> LineMask {
        self.rule().kind_mask(masks, all)
    }

    fn line_values(&self, lines: &[CartLine]) -> Vec<i64> {
        self.rule().line_values(lines)
    }

    fn discounts(&self, cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        match self {
            Self::PercentOff(r) => r.discounts(cx, units, out),
            Self::AmountOff(r) => r.discounts(cx, units, out),
            Self::NthUnit(r) => r.discounts(cx, units, out),
            Self::BuyXGetY(r) => r.discounts(cx, units, out),
            Self::Combo(r) => r.discounts(cx, units, out),
            Self::TierPrice(r) => r.discounts(cx, units, out),
        }
    }

    fn unit_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, line: usize) -> i64 {
        self.rule().unit_bound(cx, lines, eligible, line)
    }

    fn claim_by_line(
        &self,
        cx: ItemCx<'_>,
        lines: &[CartLine],
        order: &PriceOrder,
        counts: &[u32],
        per_line: Option<&mut [i64]>,
    ) -> Option<i64> {
        match self {
            Self::NthUnit(r) => r.claim_by_line(cx, lines, order, counts, per_line),
            Self::BuyXGetY(r) => r.claim_by_line(cx, lines, order, counts, per_line),
            Self::Combo(r) => r.claim_by_line(cx, lines, order, counts, per_line),
            Self::PercentOff(_) | Self::AmountOff(_) | Self::TierPrice(_) => None,
        }
    }

    fn unit_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, other: &[i64]) -> Vec<i64> {
        self.rule().unit_bounds(cx, lines, eligible, other)
    }

    fn additive(&self, cx: ItemCx<'_>, lines: &[CartLine], line: usize) -> Option<i64> {
        self.rule().additive(cx, lines, line)
    }

    fn total_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i64 {
        self.rule().total_bound(cx, lines, eligible)
    }

    fn last_set_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> Option<Vec<i64>> {
        self.rule().last_set_bounds(cx, lines, eligible)
    }

    fn instance_size(&self) -> Option<i64> {
        self.rule().instance_size()
    }

    fn describe(&self) -> String {
        self.rule().describe()
    }
}

/// The order-level kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKind {
    PercentOff(PercentOffOrder),
    AmountOff(AmountOffOrder),
    ThresholdTiers(ThresholdTiers),
    EveryXOffY(EveryXOffY),
}

impl OrderKind {
    fn rule(&self) -> &dyn OrderRule {
        match self {
            Self::PercentOff(r) => r,
            Self::AmountOff(r) => r,
            Self::ThresholdTiers(r) => r,
            Self::EveryXOffY(r) => r,
        }
    }
}

impl OrderRule for OrderKind {
    fn discount(&self, base: i64) -> i64 {
        match self {
            Self::PercentOff(r) => r.discount(base),
            Self::AmountOff(r) => r.discount(base),
            Self::ThresholdTiers(r) => r.discount(base),
            Self::EveryXOffY(r) => r.discount(base),
        }
    }

    fn near_miss(&self, base: i64) -> Option<(i64, i64)> {
        self.rule().near_miss(base)
    }

    fn below_threshold(&self, base: i64) -> bool {
        self.rule().below_threshold(base)
    }

    fn steps(&self, up_to: i64, out: &mut Vec<i64>) -> bool {
        self.rule().steps(up_to, out)
    }

    fn percent(&self) -> Option<i64> {
        self.rule().percent()
    }

    fn describe(&self) -> String {
        self.rule().describe()
    }
}

/// `floor(price * percent / 100)` without overflow for any money the calculator accepts.
pub fn percent_of(price: i64, percent: i64) -> i64 {
    match price.checked_mul(percent) {
        Some(product) => product / 100,
        None => (i128::from(price) * i128::from(percent) / 100) as i64,
    }
}

/// `ceil(a / b)` for `a >= 0`, `b > 0`, in i128 (bounds only).
pub fn ceil_div(a: i128, b: i128) -> i64 {
    ((a + b - 1) / b) as i64
}

/// Unit indices sorted by `unit_price` (descending when `dearest`), ties in canonical order.
pub fn by_price(units: &[Unit], indices: &mut [usize], dearest: bool) {
    // The order is total (ties by index), so the unstable sort gives the stable one's order
    // without its scratch allocation: claims are evaluated at many nodes of a search.
    indices.sort_unstable_by(|&a, &b| {
        let (pa, pb) = (units[a].unit_price, units[b].unit_price);
        let by = if dearest { pb.cmp(&pa) } else { pa.cmp(&pb) };
        by.then(a.cmp(&b))
    });
}

/// A cart's lines by `unit_price`, ties by line: the order [`by_price`] gives their units.
/// Computed once per cart for [`ItemRule::claim_by_line`].
#[derive(Debug, Clone, Default)]
pub struct PriceOrder {
    pub dearest: Vec<u8>,
    pub cheapest: Vec<u8>,
}

impl PriceOrder {
    pub fn new(lines: &[CartLine]) -> Self {
        let mut dearest: Vec<u8> = (0..lines.len()).map(|l| l as u8).collect();
        let mut cheapest = dearest.clone();
        dearest.sort_by_key(|&l| std::cmp::Reverse(lines[usize::from(l)].unit_price()));
        cheapest.sort_by_key(|&l| lines[usize::from(l)].unit_price());
        Self { dearest, cheapest }
    }
}

/// A cart's most lines (a line mask's width).
pub const MAX_LINES: usize = 128;

/// The most claimed lines [`claimed_lines`] lists (claims over more lines evaluate units).
pub const CLAIM_LINES: usize = 32;

/// The lines of `mask` holding units of a claim (`counts`) in `order` (a [`PriceOrder`] list),
/// written into `out`; `None` beyond [`CLAIM_LINES`].
pub fn claimed_lines(
    order: &[u8],
    counts: &[u32],
    mask: LineMask,
    out: &mut [u8; CLAIM_LINES],
) -> Option<usize> {
    let mut n = 0;
    for &l in order {
        if counts[usize::from(l)] > 0 && mask & (1u128 << l) != 0 {
            *out.get_mut(n)? = l;
            n += 1;
        }
    }
    Some(n)
}

/// The eligible units' prices, dearest first.
pub fn prices_desc(lines: &[CartLine], mask: LineMask) -> Vec<i64> {
    let mut prices: Vec<i64> = lines_of(mask)
        .flat_map(|l| std::iter::repeat_n(lines[l].unit_price(), lines[l].quantity as usize))
        .collect();
    prices.sort_unstable_by(|a, b| b.cmp(a));
    prices
}

/// What scheme `s` adds over `other` (what each line's units are bounded by anyway; empty =
/// nothing), summed over the units.
fn scheme_cost(lines: &[CartLine], s: &[i64], other: &[i64]) -> i128 {
    s.iter().enumerate().map(|(l, &r)| line_cost(lines, other, l, r)).sum()
}

/// What a bound of `r` per unit on line `l` adds over `other` there, for all its units.
fn line_cost(lines: &[CartLine], other: &[i64], l: usize, r: i64) -> i128 {
    i128::from((r - other.get(l).copied().unwrap_or(0)).max(0)) * i128::from(lines[l].quantity)
}

/// The cheapest of several per-line bound schemes (each valid alone): the one that adds the
/// least over `other` (see [`scheme_cost`]), the first of equals, in this order: the level
/// schemes of a rule whose every application takes `quantity` units from each of its sets
/// (`(mask, quantity)`) and gives at most `gain`, then `extra` in its order.
///
/// A level scheme sets a level per set such that the levels times the quantities cover `gain`
/// (so any application's units carry it), each line bounded by the highest level of the sets
/// it is in: one set carrying it all, or (two sets) one set at a level its units are bounded
/// by anyway and the other the rest. Each is costed over the sets' lines before it is built
/// (this runs for every combo and 买一送一 of every cart).
pub fn cheapest_scheme(
    sets: &[(LineMask, i64)],
    gain: i128,
    lines: &[CartLine],
    other: &[i64],
    extra: Vec<Vec<i64>>,
) -> Vec<i64> {
    // Only the lines of some set carry a level: a line's is the highest of the sets it is in.
    // The levels are costed without building their scheme (on the stack: a rule has at most
    // `MAX_SLOTS` sets); the winner's is built once at the end. This runs for every combo and
    // 买一送一 of every cart.
    assert!(sets.len() <= MAX_SLOTS, "at most {MAX_SLOTS} sets");
    let union = sets.iter().fold(0, |m, &(mask, _)| m | mask);
    let level = |levels: &[i64; MAX_SLOTS], l: usize| {
        sets.iter().zip(levels).filter(|(s, _)| s.0 & (1 << l) != 0).map(|(_, &v)| v).max().unwrap_or(0)
    };
    let cost_of = |levels: &[i64; MAX_SLOTS]| -> i128 {
        lines_of(union).map(|l| line_cost(lines, other, l, level(levels, l))).sum()
    };
    // The best so far: its cost, and its levels or its index in `extra`.
    let mut best_cost: Option<i128> = None;
    let mut best_levels = [0i64; MAX_SLOTS];
    let mut best_extra: Option<usize> = None;
    let mut levels = [0i64; MAX_SLOTS];
    let mut consider = |levels: &[i64; MAX_SLOTS]| {
        let cost = cost_of(levels);
        if best_cost.is_none_or(|b| cost < b) {
            best_cost = Some(cost);
            best_levels = *levels;
        }
    };
    for (i, &(_, quantity)) in sets.iter().enumerate() {
        levels.fill(0);
        levels[i] = ceil_div(gain, i128::from(quantity));
        consider(&levels);
    }
    if sets.len() == 2 && !other.is_empty() {
        for first in 0..2 {
            let (mask, q1) = sets[first];
            let q2 = sets[1 - first].1;
            for l in lines_of(mask) {
                let t1 = i128::from(other[l]).min(i128::from(ceil_div(gain, i128::from(q1))));
                let t2 = ceil_div((gain - t1 * i128::from(q1)).max(0), i128::from(q2));
                levels[first] = t1 as i64;
                levels[1 - first] = t2;
                consider(&levels);
            }
        }
    }
    for (e, scheme) in extra.iter().enumerate() {
        let cost = scheme_cost(lines, scheme, other);
        if best_cost.is_none_or(|b| cost < b) {
            best_cost = Some(cost);
            best_extra = Some(e);
        }
    }
    match (best_extra, best_cost) {
        (Some(e), _) => extra.into_iter().nth(e).expect("an extra scheme"),
        (None, Some(_)) => {
            let mut scheme = vec![0i64; lines.len()];
            for l in lines_of(union) {
                scheme[l] = level(&best_levels, l);
            }
            scheme
        }
        (None, None) => vec![0; lines.len()],
    }
}

/// Formats minor units as yuan with two decimals ("7.50").
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    // `unsigned_abs`: `i64::MIN` has no positive i64.
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the kinds' tests: units of one price per line, discounts as a vector.
    use super::*;

    pub fn units(prices: &[(usize, i64)]) -> Vec<Unit> {
        prices.iter().map(|&(line, p)| Unit { line, unit_price: p, current: p }).collect()
    }

    pub fn run(rule: &dyn ItemRule, masks: &[LineMask], values: &[i64], units: &[Unit]) -> Vec<i64> {
        let mut out = vec![0; units.len()];
        rule.discounts(ItemCx { masks, line_values: values }, units, &mut out);
        out
    }

    pub fn line(sku: &str, category: &str, price: i64, quantity: i64) -> CartLine {
        CartLine {
            line_no: 0,
            sku: sku.into(),
            category: category.into(),
            quantity,
            item_price: price,
            modifiers_price: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_prints_yuan_with_two_decimals_over_the_whole_range() {
        assert_eq!(money(750), "7.50");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
        assert_eq!(money(-1205), "-12.05");
        assert_eq!(money(i64::MAX), "92233720368547758.07");
        assert_eq!(money(i64::MIN), "-92233720368547758.08");
    }
}
