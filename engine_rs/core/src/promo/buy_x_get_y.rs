//! `buy_x_get_y` (买一送一): repeatedly take the Y cheapest unused get-eligible units, then the X
//! dearest unused buy-eligible units among the rest (by `unit_price`, ties in canonical order);
//! while both are there, the Y get units get `percent` off (100 = free).

use super::cart::CartLine;
use super::rule::{
    by_price, ceil_div, cheapest_scheme, claimed_lines, percent_of, prices_desc, ItemCx, ItemRule,
    PriceOrder, Unit, CLAIM_LINES, MAX_LINES,
};
use super::selector::{lines_of, LineMask, SelectorId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyXGetY {
    pub buy: SelectorId,
    pub buy_quantity: i64,
    pub get: SelectorId,
    pub get_quantity: i64,
    pub percent: i64,
}

impl ItemRule for BuyXGetY {
    fn kind_mask(&self, masks: &[LineMask], _all: LineMask) -> LineMask {
        masks[self.buy] | masks[self.get]
    }

    fn discounts(&self, cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        let (buy_mask, get_mask) = (cx.masks[self.buy], cx.masks[self.get]);
        let in_mask = |mask: LineMask, u: usize| mask & (1u128 << units[u].line) != 0;
        let mut gets: Vec<usize> = (0..units.len()).filter(|&u| in_mask(get_mask, u)).collect();
        by_price(units, &mut gets, false);
        let mut buys: Vec<usize> = (0..units.len()).filter(|&u| in_mask(buy_mask, u)).collect();
        by_price(units, &mut buys, true);
        // Both lists are walked once: a unit passed over is used (or, for the other list,
        // not eligible), and used units stay used.
        let mut used = vec![false; units.len()];
        let (x, y) = (self.buy_quantity as usize, self.get_quantity as usize);
        let (mut at_get, mut at_buy) = (0, 0);
        let mut taken = Vec::with_capacity(y);
        let mut bought = Vec::with_capacity(x);
        loop {
            taken.clear();
            while taken.len() < y && at_get < gets.len() {
                let u = gets[at_get];
                at_get += 1;
                if !used[u] {
                    taken.push(u);
                }
            }
            if taken.len() < y {
                break;
            }
            for &u in &taken {
                used[u] = true;
            }
            bought.clear();
            while bought.len() < x && at_buy < buys.len() {
                let u = buys[at_buy];
                at_buy += 1;
                if !used[u] {
                    bought.push(u);
                }
            }
            if bought.len() < x {
                break;
            }
            for &u in &bought {
                used[u] = true;
            }
            for &u in &taken {
                out[u] = percent_of(units[u].current, self.percent);
            }
        }
    }

    /// `discounts` over lines: each list's cursor stays on a line while it has units left.
    fn claim_by_line(
        &self,
        cx: ItemCx<'_>,
        lines: &[CartLine],
        order: &PriceOrder,
        counts: &[u32],
        mut per_line: Option<&mut [i64]>,
    ) -> Option<i64> {
        let (mut gets, mut buys) = ([0u8; CLAIM_LINES], [0u8; CLAIM_LINES]);
        let n_gets = claimed_lines(&order.cheapest, counts, cx.masks[self.get], &mut gets)?;
        let n_buys = claimed_lines(&order.dearest, counts, cx.masks[self.buy], &mut buys)?;
        let (x, y) = (u32::try_from(self.buy_quantity).ok()?, u32::try_from(self.get_quantity).ok()?);
        let mut left = [0u32; MAX_LINES];
        left[..counts.len()].copy_from_slice(counts);
        let (mut at_get, mut at_buy) = (0, 0);
        // One application's get units: `(line, units)`, each entry at least one unit.
        let mut taken = [(0usize, 0u32); CLAIM_LINES];
        let mut total = 0;
        loop {
            let (mut need, mut n_taken) = (y, 0);
            while need > 0 && at_get < n_gets {
                let l = usize::from(gets[at_get]);
                let t = left[l].min(need);
                if t > 0 {
                    left[l] -= t;
                    need -= t;
                    taken[n_taken] = (l, t);
                    n_taken += 1;
                }
                if left[l] == 0 {
                    at_get += 1;
                }
            }
            if need > 0 {
                break;
            }
            let mut need = x;
            while need > 0 && at_buy < n_buys {
                let l = usize::from(buys[at_buy]);
                let t = left[l].min(need);
                left[l] -= t;
                need -= t;
                if left[l] == 0 {
                    at_buy += 1;
                }
            }
            if need > 0 {
                break;
            }
            for &(l, t) in &taken[..n_taken] {
                let amount = i64::from(t) * percent_of(lines[l].unit_price(), self.percent);
                total += amount;
                if let Some(per_line) = per_line.as_deref_mut() {
                    per_line[l] += amount;
                }
            }
        }
        Some(total)
    }

    fn unit_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, _line: usize) -> i64 {
        // An application uses X + Y units and takes at most `percent` of Y get prices.
        let get_max =
            lines_of(eligible & cx.masks[self.get]).map(|l| lines[l].unit_price()).max().unwrap_or(0);
        ceil_div(
            i128::from(get_max) * i128::from(self.percent) * i128::from(self.get_quantity),
            100 * i128::from(self.buy_quantity + self.get_quantity),
        )
    }

    /// The cheapest (see [`cheapest_scheme`]) of: the proportional share on every unit; the
    /// get units' own discount; an application's most (`Y` get discounts) carried by its get
    /// and buy units at levels that cover it.
    fn unit_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, other: &[i64]) -> Vec<i64> {
        let (get_mask, buy_mask) = (eligible & cx.masks[self.get], eligible & cx.masks[self.buy]);
        let units = |mask: LineMask| lines_of(mask).map(|l| lines[l].quantity).sum::<i64>();
        if units(get_mask) < self.get_quantity
            || units(buy_mask) < self.buy_quantity
            || units(eligible) < self.get_quantity + self.buy_quantity
        {
            return vec![0; lines.len()];
        }
        let get_max = lines_of(get_mask).map(|l| lines[l].unit_price()).max().unwrap_or(0);
        let share = self.unit_bound(cx, lines, eligible, 0);
        let mut proportional = vec![0; lines.len()];
        let mut on_get = vec![0; lines.len()];
        for l in lines_of(eligible) {
            proportional[l] = share;
            if get_mask & (1 << l) != 0 {
                on_get[l] = percent_of(lines[l].unit_price(), self.percent);
            }
        }
        let gain = i128::from(percent_of(get_max, self.percent)) * i128::from(self.get_quantity);
        let sets = [(get_mask, self.get_quantity), (buy_mask, self.buy_quantity)];
        cheapest_scheme(&sets, gain, lines, other, vec![proportional, on_get])
    }

    fn last_set_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> Option<Vec<i64>> {
        let mut out = vec![0; lines.len()];
        for l in lines_of(eligible & cx.masks[self.get]) {
            out[l] = percent_of(lines[l].unit_price(), self.percent);
        }
        Some(out)
    }

    /// Applications are limited by the get set, the buy set and all units; each discounts Y
    /// of the dearest get-eligible prices at most.
    fn total_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i64 {
        let gets = prices_desc(lines, eligible & cx.masks[self.get]);
        let buys = prices_desc(lines, eligible & cx.masks[self.buy]).len() as i64;
        let all = lines_of(eligible).map(|l| lines[l].quantity).sum::<i64>();
        let apps = (gets.len() as i64 / self.get_quantity)
            .min(buys / self.buy_quantity)
            .min(all / (self.buy_quantity + self.get_quantity));
        gets.iter().take((apps * self.get_quantity) as usize).map(|&p| percent_of(p, self.percent)).sum()
    }

    fn instance_size(&self) -> Option<i64> {
        Some(self.buy_quantity + self.get_quantity)
    }

    fn describe(&self) -> String {
        if self.percent == 100 {
            format!("buy {} get {} free", self.buy_quantity, self.get_quantity)
        } else {
            format!("buy {} get {} at {}% off", self.buy_quantity, self.get_quantity, self.percent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{run, units};

    #[test]
    fn bogo_same_item_gives_the_cheapest_free() {
        let rule = BuyXGetY { buy: 0, buy_quantity: 1, get: 0, get_quantity: 1, percent: 100 };
        // Get = cheapest 1200 (u2), buy = dearest 1800 (u0); then get = 1500 (u1) but no buy is
        // left: stop.
        let u = units(&[(0, 1800), (1, 1500), (2, 1200)]);
        assert_eq!(run(&rule, &[0b111], &[], &u), vec![0, 0, 1200]);
    }

    #[test]
    fn cross_category_get_set() {
        // Buy 2 milk teas (lines 0, 1), get 1 pudding (line 2) at 50% off.
        let rule = BuyXGetY { buy: 0, buy_quantity: 2, get: 1, get_quantity: 1, percent: 50 };
        let u = units(&[(0, 1800), (1, 1500), (2, 600), (2, 600)]);
        // First application: get u2 (600, first in canonical order), buy u0, u1. Second: get u3,
        // no buy left: stop.
        assert_eq!(run(&rule, &[0b011, 0b100], &[], &u), vec![0, 0, 300, 0]);
    }

    #[test]
    fn bounds_go_to_the_scarce_get_set() {
        use crate::promo::rule::testing::line;
        let rule = BuyXGetY { buy: 0, buy_quantity: 2, get: 1, get_quantity: 1, percent: 100 };
        let lines = [line("a", "tea", 1800, 3), line("b", "tea", 1500, 3), line("p", "snack", 600, 1)];
        let cx = ItemCx { masks: &[0b011, 0b100], line_values: &[] };
        // Proportional: 600 / 3 = 200 on 7 units = 1400; on the get unit: 600; on the buy units:
        // 600 / 2 = 300 on 6 units = 1800. The pudding carries the bound. When the teas are
        // bounded by 300 anyway (other promotions), the buy units carry it for free.
        assert_eq!(rule.unit_bounds(cx, &lines, 0b111, &[]), vec![0, 0, 600]);
        assert_eq!(rule.unit_bounds(cx, &lines, 0b111, &[300, 300, 0]), vec![300, 300, 0]);
    }
}
