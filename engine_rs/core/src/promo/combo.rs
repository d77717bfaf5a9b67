//! `combo` (套餐, "any milk tea + any fruit tea = 30"): repeatedly fill every slot in order with
//! its `quantity` dearest unused matching units (by `unit_price`, ties in canonical order); an
//! instance dearer than `price_minor` gets the difference off, split over its units in
//! proportion to their current prices; a cheaper one is dropped (its units stay used).

use super::allocate::largest_remainder_into;
use super::cart::CartLine;
use super::config::MAX_SLOTS;
use super::rule::{
    by_price, ceil_div, cheapest_scheme, claimed_lines, money, ItemCx, ItemRule, PriceOrder, Unit,
    CLAIM_LINES, MAX_LINES,
};
use super::selector::{lines_of, LineMask, SelectorId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combo {
    /// `(selector, quantity)` per slot, in order.
    pub slots: Vec<(SelectorId, i64)>,
    pub price: i64,
}

impl Combo {
    /// The most an instance's units can cost: each slot's dearest eligible matching units; 0
    /// when a slot cannot be filled at all.
    fn most(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i128 {
        let mut most: i128 = 0;
        for &(slot, quantity) in &self.slots {
            if quantity == 1 {
                // The common slot: its dearest matching unit.
                match lines_of(eligible & cx.masks[slot]).map(|l| lines[l].unit_price()).max() {
                    Some(price) => most += i128::from(price),
                    None => return 0,
                }
                continue;
            }
            let mut prices: Vec<(i64, i64)> = lines_of(eligible & cx.masks[slot])
                .map(|l| (lines[l].unit_price(), lines[l].quantity))
                .collect();
            prices.sort_unstable_by(|a, b| b.cmp(a));
            let mut left = quantity;
            for (price, count) in prices {
                let take = left.min(count);
                most += i128::from(price) * i128::from(take);
                left -= take;
            }
            if left > 0 {
                return 0;
            }
        }
        most
    }

    /// The most a unit of price `unit_price` gets off when an instance's units cost at most
    /// `most` (each slot's dearest matching units): `unit_price * (1 - price / most)`.
    fn share(&self, most: i128, unit_price: i64) -> i64 {
        if most <= i128::from(self.price) {
            return 0;
        }
        ceil_div(i128::from(unit_price) * (most - i128::from(self.price)), most)
    }
}

/// The most units [`Combo::fill`]'s buffers hold on the stack.
const INLINE_UNITS: usize = 32;

impl Combo {
    /// [`ItemRule::discounts`] with its buffers, for `n` units: `order` and `split` of `2n`
    /// (the units dearest first and an instance's units; an instance's weights and shares),
    /// `used` of `n`.
    fn fill(
        &self,
        cx: ItemCx<'_>,
        units: &[Unit],
        out: &mut [i64],
        order: &mut [usize],
        used: &mut [bool],
        split: &mut [i64],
    ) {
        let n = units.len();
        let (dearest, instance) = order.split_at_mut(n);
        let (weights, shares) = split.split_at_mut(n);
        for (i, d) in dearest.iter_mut().enumerate() {
            *d = i;
        }
        by_price(units, dearest, true);
        // Each slot walks the dearest-first list once with its own cursor: a unit passed over
        // is used or does not match the slot, and used units stay used.
        let mut cursor = [0; MAX_SLOTS];
        loop {
            let mut len = 0;
            for (s, &(slot, quantity)) in self.slots.iter().enumerate() {
                let mask = cx.masks[slot];
                let before = len;
                while len - before < quantity as usize && cursor[s] < n {
                    let u = dearest[cursor[s]];
                    cursor[s] += 1;
                    if !used[u] && mask & (1u128 << units[u].line) != 0 {
                        used[u] = true;
                        instance[len] = u;
                        len += 1;
                    }
                }
                if len - before < quantity as usize {
                    return;
                }
            }
            let instance = &mut instance[..len];
            instance.sort_unstable(); // canonical order for the split's ties
            let total: i64 = instance.iter().map(|&u| units[u].current).sum();
            if total > self.price {
                for (w, &u) in weights.iter_mut().zip(instance.iter()) {
                    *w = units[u].current;
                }
                largest_remainder_into(total - self.price, &weights[..len], &mut shares[..len]);
                for (&u, &share) in instance.iter().zip(shares.iter()) {
                    out[u] = share;
                }
            }
        }
    }
}

impl ItemRule for Combo {
    fn kind_mask(&self, masks: &[LineMask], _all: LineMask) -> LineMask {
        self.slots.iter().fold(0, |m, &(slot, _)| m | masks[slot])
    }

    fn discounts(&self, cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        // Claims are evaluated at many nodes of a search: the usual few units on the stack.
        let n = units.len();
        if n <= INLINE_UNITS {
            let mut order = [0; 2 * INLINE_UNITS];
            let mut used = [false; INLINE_UNITS];
            let mut split = [0; 2 * INLINE_UNITS];
            self.fill(cx, units, out, &mut order[..2 * n], &mut used[..n], &mut split[..2 * n]);
        } else {
            self.fill(cx, units, out, &mut vec![0; 2 * n], &mut vec![false; n], &mut vec![0; 2 * n]);
        }
    }

    /// `discounts` over lines: each slot's cursor stays on a line while it has units left. An
    /// instance's units in canonical order are its lines' in line order, so its split (per
    /// line, summed) is the same for every instance of the same lines and counts: computed
    /// once for a run of equal instances.
    fn claim_by_line(
        &self,
        cx: ItemCx<'_>,
        lines: &[CartLine],
        order: &PriceOrder,
        counts: &[u32],
        mut per_line: Option<&mut [i64]>,
    ) -> Option<i64> {
        // An instance's units fit the buffers below (checked before anything is added).
        if self.slots.iter().map(|&(_, quantity)| quantity).sum::<i64>() > INLINE_UNITS as i64 {
            return None;
        }
        let mut dearest = [0u8; CLAIM_LINES];
        let n = claimed_lines(&order.dearest, counts, LineMask::MAX, &mut dearest)?;
        let mut left = [0u32; MAX_LINES];
        left[..counts.len()].copy_from_slice(counts);
        let mut cursor = [0; MAX_SLOTS];
        // An instance as `(line, units)` (sorted by line once formed), and the last one split.
        let mut instance = [(0u8, 0u32); INLINE_UNITS];
        let mut last: ([(u8, u32); INLINE_UNITS], usize) = ([(0, 0); INLINE_UNITS], usize::MAX);
        let mut last_amounts = [0i64; INLINE_UNITS];
        let mut total = 0;
        loop {
            let mut len = 0;
            for (s, &(slot, quantity)) in self.slots.iter().enumerate() {
                let mask = cx.masks[slot];
                let mut need = quantity as u32;
                while need > 0 && cursor[s] < n {
                    let l = dearest[cursor[s]];
                    let t = left[usize::from(l)].min(need);
                    if t > 0 && mask & (1u128 << l) != 0 {
                        left[usize::from(l)] -= t;
                        need -= t;
                        instance[len] = (l, t);
                        len += 1;
                    }
                    if left[usize::from(l)] == 0 || mask & (1u128 << l) == 0 {
                        cursor[s] += 1;
                    }
                }
                if need > 0 {
                    return Some(total);
                }
            }
            let instance = &mut instance[..len];
            let sum: i64 =
                instance.iter().map(|&(l, t)| i64::from(t) * lines[usize::from(l)].unit_price()).sum();
            if sum <= self.price {
                continue;
            }
            total += sum - self.price;
            let Some(per_line) = per_line.as_deref_mut() else { continue };
            instance.sort_unstable();
            if last.1 != len || last.0[..len] != *instance {
                // Weights in canonical order: each line's units in turn.
                let units: usize = instance.iter().map(|&(_, t)| t as usize).sum();
                let mut weights = [0i64; INLINE_UNITS];
                let mut shares = [0i64; INLINE_UNITS];
                let mut at = 0;
                for &(l, t) in instance.iter() {
                    weights[at..at + t as usize].fill(lines[usize::from(l)].unit_price());
                    at += t as usize;
                }
                largest_remainder_into(sum - self.price, &weights[..units], &mut shares[..units]);
                let mut at = 0;
                for (j, &(_, t)) in instance.iter().enumerate() {
                    last_amounts[j] = shares[at..at + t as usize].iter().sum();
                    at += t as usize;
                }
                last.0[..len].copy_from_slice(instance);
                last.1 = len;
            }
            for (j, &(l, _)) in instance.iter().enumerate() {
                per_line[usize::from(l)] += last_amounts[j];
            }
        }
    }

    fn unit_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, line: usize) -> i64 {
        self.share(self.most(cx, lines, eligible), lines[line].unit_price())
    }

    /// The cheapest (see [`cheapest_scheme`]) of: the proportional share; an instance's most
    /// (`most - price`) carried by the slots' units at levels that cover it.
    fn unit_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, other: &[i64]) -> Vec<i64> {
        let most = self.most(cx, lines, eligible);
        let mut proportional = vec![0; lines.len()];
        for l in lines_of(eligible) {
            proportional[l] = self.share(most, lines[l].unit_price());
        }
        let gain = (most - i128::from(self.price)).max(0);
        let sets: Vec<(LineMask, i64)> =
            self.slots.iter().map(|&(slot, q)| (eligible & cx.masks[slot], q)).collect();
        cheapest_scheme(&sets, gain, lines, other, vec![proportional])
    }

    fn last_set_bounds(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> Option<Vec<i64>> {
        let &(slot, quantity) = self.slots.last()?;
        let gain = (self.most(cx, lines, eligible) - i128::from(self.price)).max(0);
        let mut out = vec![0; lines.len()];
        for l in lines_of(eligible & cx.masks[slot]) {
            out[l] = ceil_div(gain, i128::from(quantity));
        }
        Some(out)
    }

    /// Instances are limited by each slot's matching units; each gives at most `most - price`.
    fn total_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i64 {
        let gain = (self.most(cx, lines, eligible) - i128::from(self.price)).max(0);
        let instances = self
            .slots
            .iter()
            .map(|&(slot, quantity)| {
                lines_of(eligible & cx.masks[slot]).map(|l| lines[l].quantity).sum::<i64>() / quantity
            })
            .min()
            .unwrap_or(0);
        (gain * i128::from(instances)).min(i128::from(i64::MAX)) as i64
    }

    fn instance_size(&self) -> Option<i64> {
        Some(self.slots.iter().map(|&(_, quantity)| quantity).sum())
    }

    fn describe(&self) -> String {
        let units: i64 = self.slots.iter().map(|s| s.1).sum();
        format!("{units} items for {}", money(self.price))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{run, units};

    #[test]
    fn milk_tea_plus_fruit_tea_for_thirty() {
        // Slot 0: milk tea (lines 0, 1); slot 1: fruit tea (line 2).
        let rule = Combo { slots: vec![(0, 1), (1, 1)], price: 3000 };
        let u = units(&[(0, 1800), (1, 1600), (2, 2000), (2, 1900)]);
        // Instance 1: dearest milk tea u0 (1800) + dearest fruit tea u2 (2000) = 3800 > 3000:
        // 800 off split 1800:2000 -> 378.9 and 421.05 -> floors 378 + 421 = 799, the leftover
        // unit to the larger remainder (u0: 800*1800 mod 3800 = 3400 vs u2: 400): u0 379, u2 421.
        // Instance 2: u1 (1600) + u3 (1900) = 3500: 500 off -> 228.57 / 271.43 -> 228 + 271 = 499,
        // leftover to u1 (remainder 2200 vs 1600): 229, 271.
        assert_eq!(run(&rule, &[0b011, 0b100], &[], &u), vec![379, 229, 421, 271]);
    }

    #[test]
    fn a_cheap_instance_is_dropped_and_forming_continues() {
        let rule = Combo { slots: vec![(0, 2)], price: 2000 };
        // Stacked before: u0 and u1 are already cheap now (current 900 each): 1800 <= 2000 is
        // dropped; the next instance u2 + u3 (current 1500 each) gets 1000 off.
        let mut u = units(&[(0, 1500), (0, 1500), (0, 1500), (0, 1500)]);
        u[0].current = 900;
        u[1].current = 900;
        assert_eq!(run(&rule, &[0b1], &[], &u), vec![0, 0, 500, 500]);
    }

    #[test]
    fn short_slot_stops() {
        let rule = Combo { slots: vec![(0, 1), (1, 1)], price: 100 };
        let u = units(&[(0, 1800), (0, 1600)]);
        assert_eq!(run(&rule, &[0b1, 0b10], &[], &u), vec![0, 0]);
    }
}
