//! The claim memo of the search: every claim of every claiming promotion has its own key, and
//! what the memo gives back is what evaluating the claim gives.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::bounds::each_claim;
use super::props::{cases, lines, promotion};
use super::support::{calculator, context};
use crate::promo::claim_memo::ClaimMemo;
use crate::promo::eval::CartCx;
use crate::promo::selector::lines_of;
use crate::promo::Cart;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_memo_gives_back_each_claims_own_evaluation((seeds, spec, _redeem) in cases()) {
        let promos: Vec<Value> = seeds.iter().enumerate().map(|(i, &s)| promotion(s, i)).collect();
        let calc = calculator(&json!(promos));
        let cart = Cart::from_json(&json!({"lines": lines(&spec), "context": context()}).to_string()).unwrap();
        let cx = CartCx::new(calc.promotions(), calc.selectors(), &cart.lines);
        let ns: Vec<usize> = (0..calc.promotions().len())
            .filter(|&p| calc.promotions()[p].claims() && cx.eligible_units(p) > 0)
            .collect();
        let mut memo = ClaimMemo::new(&cx, &ns);
        for (k, &p) in ns.iter().enumerate() {
            let mut limit = vec![0u32; cx.lines.len()];
            for l in lines_of(cx.eligible[p]) {
                limit[l] = cx.lines[l].quantity as u32;
            }
            let mut seen: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            let mut failure = None;
            each_claim(&limit, &mut |counts| {
                let Some(key) = memo.key(k, counts) else { return };
                if let Some(other) = seen.insert(key, counts.to_vec()) {
                    failure.get_or_insert(format!("{counts:?} and {other:?} share key {key}"));
                }
                let mut direct = vec![0; counts.len()];
                let exact = cx.claimed(p, counts, &mut direct);
                if memo.put(k, key, exact, &direct).is_none() {
                    return; // full: the search evaluates such claims itself
                }
                let entry = memo.get(k, key).expect("just put");
                let mut given = vec![0; counts.len()];
                for &(l, a) in memo.amounts(entry) {
                    given[l] += a;
                }
                if memo.exact(entry) != exact || given != direct {
                    failure.get_or_insert(format!("{counts:?}: memo {} {given:?}, evaluated {exact} {direct:?}", memo.exact(entry)));
                }
            });
            prop_assert!(failure.is_none(), "promotion {}: {:?}", calc.promotions()[p].id, failure);
        }
    }
}
