//! Properties of every answer, on random shops' promotions and carts: no line below zero,
//! totals are sums of lines, per-line amounts sum to each promotion's amount, the answer does
//! not depend on the order of the promotions or of the cart lines, and one more promotion never
//! makes the best deal worse.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::support::{calculator, context, line, plain_order};
use crate::promo::search::SearchOrder;
use crate::promo::{Answer, Cart};

const SKUS: [(&str, &str); 5] = [
    ("classic", "milk_tea"),
    ("taro", "milk_tea"),
    ("lemon", "fruit_tea"),
    ("mango", "fruit_tea"),
    ("pudding", "topping"),
];
const PRICES: [i64; 6] = [0, 500, 1200, 1500, 1800, 2200];

/// A small deterministic generator: one promotion per seed (so proptest shrinks by dropping
/// promotions).
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn of<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len() as u64) as usize].clone()
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next(100) < percent
    }

    fn selector(&mut self) -> Value {
        match self.next(3) {
            0 => json!({}),
            1 => json!({"categories": [self.of(&["milk_tea", "fruit_tea", "topping"])]}),
            _ => json!({"skus": [self.of(&SKUS).0, self.of(&SKUS).0]}),
        }
    }
}

pub(super) fn promotion(seed: u64, i: usize) -> Value {
    let mut r = Pick(seed | 1);
    let kinds = [
        "percent_off",
        "amount_off",
        "nth_unit",
        "buy_x_get_y",
        "combo",
        "tier_price",
        "threshold_tiers",
        "every_x_off_y",
    ];
    let kind = r.of(&kinds);
    let mut p = json!({"id": format!("p{i}"), "name": format!("促销{i}"), "kind": kind});
    let mut item = matches!(kind, "nth_unit" | "buy_x_get_y" | "combo" | "tier_price");
    if matches!(kind, "percent_off" | "amount_off") {
        item = r.chance(60);
        p["level"] = json!(if item { "item" } else { "order" });
    }
    if r.chance(30) {
        p["priority"] = json!(r.of(&[50, 100, 150]));
    }
    if r.chance(25) {
        p["group"] = json!(r.of(&["g1", "g2"]));
    }
    if r.chance(10) {
        p["exclusive"] = json!(true);
    }
    if r.chance(30) {
        p["scope"] = r.selector();
    }
    if item && r.chance(30) {
        p["stackable"] = json!(true);
    }
    if !item && r.chance(30) {
        p["base"] = json!(r.of(&["after_items", "before_items"]));
    }
    match kind {
        "percent_off" => p["percent"] = json!(r.of(&[5, 10, 20, 50, 100])),
        "amount_off" => p["amount_minor"] = json!(r.of(&[0, 100, 300, 500, 2000])),
        "nth_unit" => {
            p["n"] = json!(r.of(&[2, 2, 3]));
            p["percent"] = json!(r.of(&[30, 50, 100]));
            p["discount_on"] = json!(r.of(&["cheaper", "dearer"]));
        }
        "buy_x_get_y" => {
            let (mut buy, mut get) = (r.selector(), r.selector());
            buy["quantity"] = json!(r.of(&[1, 1, 2]));
            get["quantity"] = json!(1);
            p["buy"] = buy;
            p["get"] = get;
            p["percent"] = json!(r.of(&[50, 100]));
        }
        "combo" => {
            let slots: Vec<Value> = (0..=r.next(2))
                .map(|_| {
                    let mut s = r.selector();
                    s["quantity"] = json!(r.of(&[1, 1, 2]));
                    s
                })
                .collect();
            p["slots"] = json!(slots);
            p["price_minor"] = json!(r.of(&[1000, 2500, 3000, 4000]));
        }
        "tier_price" => {
            p["prices"] = json!({r.of(&SKUS).0: r.of(&[800, 1200, 2500]), r.of(&SKUS).0: r.of(&[800, 1500])});
        }
        "threshold_tiers" => {
            let first = r.of(&[1000, 2000, 3000]);
            let a = r.of(&[0, 200, 500]);
            p["tiers"] = json!([{"threshold_minor": first, "amount_minor": a},
                                {"threshold_minor": first + r.of(&[1000, 3000]), "amount_minor": a + r.of(&[0, 300, 500])}]);
        }
        _ => {
            p["every_minor"] = json!(r.of(&[1000, 3000]));
            p["amount_minor"] = json!(r.of(&[200, 500]));
            if r.chance(50) {
                p["cap_minor"] = json!(r.of(&[500, 1000]));
            }
        }
    }
    if r.chance(10) {
        p["conditions"] = json!({"min_quantity": r.next(4) + 1});
    }
    p
}

/// A cart line as generated: (sku, quantity, price, line_no / 10).
pub(super) type LineSpec = (usize, i64, usize, i64);

pub(super) fn lines(spec: &[LineSpec]) -> Vec<Value> {
    spec.iter()
        .enumerate()
        .map(|(i, &(sku, quantity, price, line_no))| {
            line(line_no * 10 + i as i64, SKUS[sku].0, SKUS[sku].1, quantity, PRICES[price])
        })
        .collect()
}

fn price_with(promos: &[Value], lines: &[Value], redeem: i64) -> Answer {
    price_in_order(promos, lines, redeem, SearchOrder::default())
}

fn price_in_order(promos: &[Value], lines: &[Value], redeem: i64, order: SearchOrder) -> Answer {
    let mut ctx = context();
    ctx["points_balance"] = json!(1000);
    ctx["points_to_redeem"] = json!(redeem);
    let cart = Cart::from_json(&json!({"lines": lines, "context": ctx}).to_string()).unwrap();
    calculator(&json!(promos)).with_search_order(order).price(&cart)
}

fn relabel(answer: &Answer, map: &dyn Fn(i64) -> i64) -> Answer {
    let mut a = answer.clone();
    for l in &mut a.lines {
        l.line_no = map(l.line_no);
    }
    for p in &mut a.applied {
        for l in &mut p.lines {
            l.line_no = map(l.line_no);
        }
    }
    a
}

pub(super) fn cases() -> impl Strategy<Value = (Vec<u64>, Vec<LineSpec>, i64)> {
    (
        prop::collection::vec(any::<u64>(), 0..6),
        prop::collection::vec((0usize..5, 1i64..=3, 0usize..6, 0i64..5), 1..4),
        prop_oneof![Just(0i64), Just(300)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn answers_add_up((seeds, spec, redeem) in cases()) {
        let promos: Vec<Value> = seeds.iter().enumerate().map(|(i, &s)| promotion(s, i)).collect();
        let a = price_with(&promos, &lines(&spec), redeem);
        prop_assert!(a.exact);
        for l in &a.lines {
            prop_assert!(l.net_minor >= 0 && l.net_minor <= l.gross_minor, "{:?}", l);
            prop_assert_eq!(l.discount_minor, l.gross_minor - l.net_minor);
        }
        prop_assert_eq!(a.total_minor, a.lines.iter().map(|l| l.net_minor).sum::<i64>());
        prop_assert_eq!(a.subtotal_minor, a.lines.iter().map(|l| l.gross_minor).sum::<i64>());
        prop_assert_eq!(a.discount_minor, a.subtotal_minor - a.total_minor);
        prop_assert!(a.discount_minor <= a.subtotal_minor);
        let promo_total: i64 = a.applied.iter().map(|p| p.amount_minor).sum();
        prop_assert_eq!(a.discount_minor, promo_total + a.points_value_minor);
        for p in &a.applied {
            prop_assert!(p.amount_minor > 0);
            prop_assert_eq!(p.amount_minor, p.lines.iter().map(|l| l.amount_minor).sum::<i64>());
            prop_assert!(p.lines.iter().all(|l| l.amount_minor != 0));
        }
        prop_assert_eq!(a.applied.len() + a.not_applied.len(), promos.len());
    }

    #[test]
    fn order_of_promotions_and_lines_does_not_matter(
        (seeds, spec, redeem) in cases(), rotate in 0usize..6, shift in 1i64..50,
    ) {
        let promos: Vec<Value> = seeds.iter().enumerate().map(|(i, &s)| promotion(s, i)).collect();
        let cart_lines = lines(&spec);
        let a = price_with(&promos, &cart_lines, redeem);
        let mut shuffled = promos.clone();
        shuffled.reverse();
        let k = rotate % shuffled.len().max(1);
        shuffled.rotate_left(k);
        prop_assert_eq!(&price_with(&shuffled, &cart_lines, redeem), &a);
        // Lines listed in another order and renumbered by an increasing map: the same answer,
        // renumbered.
        let map = |n: i64| n * 3 + shift;
        let mut moved: Vec<Value> = cart_lines.iter().cloned().map(|mut l| {
            l["line_no"] = json!(map(l["line_no"].as_i64().unwrap()));
            l
        }).collect();
        moved.reverse();
        let b = price_with(&promos, &moved, redeem);
        prop_assert_eq!(b, relabel(&a, &map));
    }

    #[test]
    fn the_walk_of_the_search_does_not_change_the_answer(
        (seeds, spec, redeem) in cases(),
        first_pass in 0u64..60,
        lex_first_walk in prop_oneof![Just(0u64), 0u64..40],
        order_off in prop_oneof![Just(None), (300i64..6000).prop_map(Some)],
        tails_after in prop_oneof![Just(0u64), 0u64..40],
    ) {
        // An ungrouped order-level amount often makes the order free: then the search switches
        // to the assignment vector's order once it finds a free leaf (after a first pass of
        // `first_pass` nodes), first over every line (for `lex_first_walk` nodes), then depth
        // by depth; a plain walk in bound order must give the same answer.
        let mut promos: Vec<Value> = seeds.iter().enumerate().map(|(i, &s)| promotion(s, i)).collect();
        if let Some(amount) = order_off {
            promos.push(json!({"id": "zz-order-off", "name": "满减", "kind": "amount_off",
                               "level": "order", "amount_minor": amount}));
        }
        let cart_lines = lines(&spec);
        let plain = plain_order();
        let expected = price_in_order(&promos, &cart_lines, redeem, plain);
        prop_assert!(expected.exact);
        for order in [
            SearchOrder { first_pass, switch_when_free: true, lex_first_walk, joint_bounds: false, aspiration: false, tails_after, pairs_after: 0, tight_ties: true, packing_first: true },
            SearchOrder { first_pass: 0, switch_when_free: true, lex_first_walk: 0, joint_bounds: true, aspiration: false, tails_after: 0, pairs_after: 0, tight_ties: false, packing_first: false },
            SearchOrder { first_pass, switch_when_free: false, lex_first_walk, joint_bounds: true, aspiration: true, tails_after, pairs_after: tails_after.saturating_mul(2), tight_ties: true, packing_first: true },
            SearchOrder { first_pass: u64::MAX, switch_when_free: false, lex_first_walk, joint_bounds: true, aspiration: true, tails_after: 0, pairs_after: u64::MAX, tight_ties: false, packing_first: false },
            SearchOrder { first_pass, switch_when_free: true, lex_first_walk, joint_bounds: false, aspiration: true, tails_after: u64::MAX, pairs_after: 0, tight_ties: true, packing_first: true },
            SearchOrder { first_pass: 0, switch_when_free: true, lex_first_walk: u64::MAX, joint_bounds: true, aspiration: true, tails_after, pairs_after: tails_after.saturating_mul(2), tight_ties: false, packing_first: false },
            SearchOrder::default(),
        ] {
            prop_assert_eq!(&price_in_order(&promos, &cart_lines, redeem, order), &expected);
        }
    }

    #[test]
    fn one_more_promotion_never_makes_the_deal_worse(
        (seeds, spec, _redeem) in cases(), extra in any::<u64>(),
    ) {
        let promos: Vec<Value> = seeds.iter().enumerate().map(|(i, &s)| promotion(s, i)).collect();
        let cart_lines = lines(&spec);
        let before = price_with(&promos, &cart_lines, 0);
        // A promotion alone in its group is optional (the contract's shared combination may
        // leave a group out), so the old best stays a choice. One without a group would always
        // be in S: a stackable one may then lower a threshold's base and cost more than it gives.
        let mut more = promos.clone();
        let mut added = promotion(extra, 99);
        added["group"] = json!("only-the-added-one");
        more.push(added);
        let after = price_with(&more, &cart_lines, 0);
        prop_assert!(after.total_minor <= before.total_minor, "{} > {}", after.total_minor, before.total_minor);
    }
}
