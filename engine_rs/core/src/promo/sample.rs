//! A realistic promotion mix of a bubble-tea shop and its carts, generated deterministically
//! from a seed: the benchmark's workload and the tests' "realistic carts stay exact" check.
//!
//! 15 menu items in 5 categories; 100 promotions, all enabled and valid now (item discounts on
//! an item or a category, 第二杯半价, 买一送一, combos, member prices, 满减 tiers and coupons,
//! 每满减, order discounts, a few stackable, grouped and exclusive ones); carts of 10 distinct
//! items, 1 to 3 cups each.

use serde_json::{json, Value};

/// `(sku, category, price)`.
pub const MENU: [(&str, &str, i64); 15] = [
    ("classic_milk_tea", "milk_tea", 1500),
    ("taro_milk_tea", "milk_tea", 1800),
    ("brown_sugar_boba", "milk_tea", 2200),
    ("oolong_latte", "milk_tea", 1900),
    ("lemon_tea", "fruit_tea", 1200),
    ("mango_tea", "fruit_tea", 2000),
    ("grape_tea", "fruit_tea", 2400),
    ("passion_tea", "fruit_tea", 1600),
    ("cheese_grape", "cheese_foam", 2800),
    ("cheese_berry", "cheese_foam", 2600),
    ("americano", "coffee", 1400),
    ("latte", "coffee", 1800),
    ("pudding", "snack", 600),
    ("egg_tart", "snack", 900),
    ("waffle", "snack", 1500),
];

const CATEGORIES: [&str; 5] = ["milk_tea", "fruit_tea", "cheese_foam", "coffee", "snack"];

/// xorshift64: enough randomness for a workload, identical on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn of<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len() as u64) as usize]
    }

    fn scope(&mut self) -> Value {
        if self.next(2) == 0 {
            json!({"skus": [self.of(&MENU).0]})
        } else {
            json!({"categories": [self.of(&CATEGORIES)]})
        }
    }
}

/// The shop's pricing settings (UTC+8, 100 points = 5.00, at most half the total).
pub const SHOP: &str =
    r#"{"utc_offset_minutes": 480, "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50}}"#;

/// 100 promotions (JSON list).
pub fn promotions(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::new();
    for i in 0..100 {
        let id = format!("promo-{i:03}");
        let mut p = match i {
            0..=23 => {
                let mut p = if r.next(2) == 0 {
                    json!({"kind": "percent_off", "level": "item", "percent": r.of(&[5, 10, 15, 20, 30])})
                } else {
                    json!({"kind": "amount_off", "level": "item", "amount_minor": r.of(&[200, 300, 500])})
                };
                p["scope"] = r.scope();
                if i % 8 == 0 {
                    p["stackable"] = json!(true);
                }
                p
            }
            24..=33 => json!({"kind": "nth_unit", "n": r.of(&[2, 2, 3]), "percent": r.of(&[50, 50, 100]),
                "discount_on": "cheaper", "scope": r.scope()}),
            34..=41 => {
                let sku = r.of(&MENU).0;
                if r.next(2) == 0 {
                    json!({"kind": "buy_x_get_y", "percent": 100, "buy": {"skus": [sku], "quantity": 1},
                        "get": {"skus": [sku], "quantity": 1}})
                } else {
                    json!({"kind": "buy_x_get_y", "percent": r.of(&[50, 100]),
                        "buy": {"categories": [r.of(&CATEGORIES[..4])], "quantity": r.of(&[1, 2])},
                        "get": {"categories": ["snack"], "quantity": 1}})
                }
            }
            42..=49 => json!({"kind": "combo", "price_minor": r.of(&[2500, 3000, 3500]),
                "slots": [{"categories": [r.of(&CATEGORIES[..4])], "quantity": 1},
                          {"categories": [r.of(&CATEGORIES)], "quantity": 1}]}),
            50..=55 => {
                let (a, b) = (r.of(&MENU), r.of(&MENU));
                json!({"kind": "tier_price", "prices": {a.0: a.2 - 300, b.0: b.2 - 200},
                    "conditions": {"member_tiers": ["gold", "platinum"]}})
            }
            56..=75 => {
                let t = r.of(&[2000, 3000, 4000, 5000]);
                let mut p = json!({"kind": "threshold_tiers", "tiers": [
                    {"threshold_minor": t, "amount_minor": t / 6},
                    {"threshold_minor": t * 2, "amount_minor": t / 2}]});
                if i % 4 == 0 {
                    p["conditions"] = json!({"coupon": true});
                    p["group"] = json!("coupon");
                }
                p
            }
            76..=87 => json!({"kind": "every_x_off_y", "every_minor": r.of(&[3000, 5000]),
                "amount_minor": r.of(&[300, 500]), "cap_minor": r.of(&[1000, 2000])}),
            88..=95 => {
                let mut p = if r.next(2) == 0 {
                    json!({"kind": "percent_off", "level": "order", "percent": r.of(&[5, 10, 12])})
                } else {
                    json!({"kind": "amount_off", "level": "order", "amount_minor": r.of(&[300, 500, 800])})
                };
                p["group"] = json!("member-day");
                p
            }
            _ => json!({"kind": "percent_off", "level": "order", "percent": r.of(&[20, 25, 30]),
                "exclusive": true}),
        };
        p["id"] = json!(id);
        p["name"] = json!(format!("活动{i}"));
        p["priority"] = json!(if i < 56 { 100 } else { 200 });
        out.push(p);
    }
    Value::Array(out).to_string()
}

/// A cart of 10 distinct items, 1 to 3 cups each, for a gold member with every coupon.
pub fn cart(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let mut items: Vec<usize> = (0..MENU.len()).collect();
    for i in (1..items.len()).rev() {
        items.swap(i, r.next(i as u64 + 1) as usize);
    }
    let lines: Vec<Value> = items[..10]
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let (sku, category, price) = MENU[i];
            json!({"line_no": n, "sku": sku, "category": category, "quantity": r.of(&[1, 1, 2, 2, 3]),
                "item_price_minor": price, "modifiers_price_minor": r.of(&[0, 0, 200, 300])})
        })
        .collect();
    let wallet: Vec<Value> = (56..76)
        .step_by(4)
        .map(|i| json!({"coupon_id": format!("c{i}"), "promotion_id": format!("promo-{i:03}"),
            "valid_from_ms": 0, "valid_to_ms": 4_000_000_000_000_i64}))
        .collect();
    json!({"lines": lines, "context": {"now_ms": 1_795_413_600_000_i64, "store_id": "sh-001",
        "channel": "MEITUAN", "member_tier": "gold", "first_order": false, "wallet": wallet,
        "remaining_uses": {}, "points_balance": 800, "points_to_redeem": 500}})
    .to_string()
}
