//! The joint per-unit bounds of `pattern_bound` bound every claim: checked by enumerating every
//! claim of every instance-based promotion on small random carts.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::props::{cases, lines, promotion};
use super::support::{calculator, context};
use crate::promo::eval::CartCx;
use crate::promo::item_bound::{claim_bounds, stack_bounds};
use crate::promo::pattern_bound;
use crate::promo::promotion::Rule;
use crate::promo::Cart;

/// Every count vector `c` with `c[l] <= limit[l]`.
pub(super) fn each_claim(limit: &[u32], visit: &mut dyn FnMut(&[u32])) {
    let mut c = vec![0u32; limit.len()];
    loop {
        visit(&c);
        let mut l = 0;
        while l < c.len() && c[l] == limit[l] {
            c[l] = 0;
            l += 1;
        }
        if l == c.len() {
            return;
        }
        c[l] += 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn joint_bounds_cover_every_claim((seeds, spec, _redeem) in cases(), extra in prop::collection::vec(any::<u64>(), 0..4)) {
        let promos: Vec<Value> =
            seeds.iter().chain(&extra).enumerate().map(|(i, &s)| promotion(s, i)).collect();
        let calc = calculator(&json!(promos));
        let cart = Cart::from_json(&json!({"lines": lines(&spec), "context": context()}).to_string()).unwrap();
        let cx = CartCx::new(calc.promotions(), calc.selectors(), &cart.lines);
        let (mut ns, mut st, mut ol) = (Vec::new(), Vec::new(), Vec::new());
        for p in (0..calc.promotions().len()).filter(|&p| cx.eligible_units(p) > 0) {
            match calc.promotions()[p].rule {
                Rule::Item { stackable: false, .. } => ns.push(p),
                Rule::Item { stackable: true, .. } => st.push(p),
                Rule::Order { .. } => ol.push(p),
            }
        }
        let st_rate = stack_bounds(&cx, &st);
        let b = claim_bounds(&cx, &ns, &st, &ol, &st_rate);
        let Some(y) = pattern_bound::unit_bounds(&cx, &ns, &b, &st_rate) else {
            return Ok(());
        };
        for (l, opts) in b.options.iter().enumerate() {
            prop_assert!(y[l] >= st_rate[l]);
            for &i in opts {
                if let Some(exact) = b.additive[i][l] {
                    prop_assert!(y[l] >= exact, "line {} option {}", l, i);
                }
            }
        }
        for (i, &p) in ns.iter().enumerate() {
            if b.whole[i] || cx.lines.iter().enumerate().all(|(l, _)| b.additive[i][l].is_some()) {
                continue;
            }
            let limit: Vec<u32> = (0..cx.lines.len())
                .map(|l| if b.options[l].contains(&i) { cx.lines[l].quantity as u32 } else { 0 })
                .collect();
            let mut failure = None;
            each_claim(&limit, &mut |counts| {
                let mut per_line = vec![0; counts.len()];
                let discount = cx.claimed(p, counts, &mut per_line);
                let bound: i64 = counts.iter().zip(&y).map(|(&c, y)| i64::from(c) * y).sum();
                if discount > bound && failure.is_none() {
                    failure = Some((counts.to_vec(), discount, bound));
                }
            });
            prop_assert!(failure.is_none(), "promotion {}: {:?}", calc.promotions()[p].id, failure);
        }
    }
}
