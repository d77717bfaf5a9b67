//! A realistic promotion mix of a bubble-tea chain and its carts, generated deterministically
//! from a seed: the benchmark's workload and the tests' "realistic carts stay exact" check.
//!
//! A menu of 48 items in 8 categories; 100 promotions, all enabled and valid now: item
//! discounts (mostly on one item, some on a category, a few stackable), 第二杯半价, 买一送一,
//! drink + snack combos (mostly for one drink), member prices, 满减 tiers and coupons, 每满减, member-day order
//! discounts and a few exclusive ones. As in real shops, order-level promotions come in groups:
//! one 满减 campaign (`manjian`), one coupon (`coupon`), one member-day discount (`member-day`)
//! per order. Carts have 10 distinct items, 1 to 3 cups each.

use serde_json::{json, Value};

/// `(category, items, base price)`.
const CATEGORIES: [(&str, usize, i64); 8] = [
    ("milk_tea", 10, 1500),
    ("fruit_tea", 10, 1600),
    ("cheese_foam", 6, 2200),
    ("coffee", 6, 1600),
    ("pure_tea", 4, 1000),
    ("smoothie", 4, 1900),
    ("snack", 5, 600),
    ("bread", 3, 900),
];

/// `(sku, category, price)` of every menu item.
pub fn menu() -> Vec<(String, &'static str, i64)> {
    let mut items = Vec::new();
    for (category, count, base) in CATEGORIES {
        for i in 0..count {
            items.push((format!("{category}_{i:02}"), category, base + (i as i64 % 4) * 200));
        }
    }
    items
}

/// xorshift64: enough randomness for a workload, identical on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, salt: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt | 1)
    }

    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn of<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len() as u64) as usize].clone()
    }

    fn drink_category(&mut self) -> &'static str {
        CATEGORIES[self.next(6) as usize].0
    }

    fn snack_category(&mut self) -> &'static str {
        CATEGORIES[6 + self.next(2) as usize].0
    }

    /// Mostly one item, sometimes a whole category.
    fn scope(&mut self, menu: &[(String, &'static str, i64)]) -> Value {
        if self.next(8) == 0 {
            json!({"categories": [self.drink_category()]})
        } else {
            json!({"skus": [self.of(menu).0]})
        }
    }
}

/// The shop's pricing settings (UTC+8, 100 points = 5.00, at most half the total).
pub const SHOP: &str = r#"{"utc_offset_minutes": 480, "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50}}"#;

/// 100 promotions (JSON list).
pub fn promotions(seed: u64) -> String {
    let menu = menu();
    let mut r = Rng::new(seed, 1);
    let mut out = Vec::new();
    for i in 0..100 {
        let mut p = match i {
            0..=29 => {
                let mut p = if r.next(2) == 0 {
                    json!({"kind": "percent_off", "level": "item", "percent": r.of(&[5, 10, 15, 20, 30])})
                } else {
                    json!({"kind": "amount_off", "level": "item", "amount_minor": r.of(&[200, 300, 500])})
                };
                p["scope"] = r.scope(&menu);
                if i == 0 {
                    p = json!({"kind": "percent_off", "level": "item", "percent": 5, "stackable": true});
                } else if i % 10 == 0 {
                    p["stackable"] = json!(true);
                }
                p
            }
            30..=41 => json!({"kind": "nth_unit", "n": r.of(&[2, 2, 3]), "percent": r.of(&[50, 50, 100]),
                "discount_on": "cheaper", "scope": r.scope(&menu)}),
            42..=49 => {
                if i < 49 {
                    let sku = r.of(&menu).0;
                    json!({"kind": "buy_x_get_y", "percent": 100, "buy": {"skus": [&sku], "quantity": 1},
                        "get": {"skus": [&sku], "quantity": 1}})
                } else {
                    json!({"kind": "buy_x_get_y", "percent": r.of(&[50, 100]),
                        "buy": {"categories": [r.drink_category()], "quantity": 2},
                        "get": {"categories": [r.snack_category()], "quantity": 1}})
                }
            }
            50..=57 => {
                // Mostly one drink with any snack (杨枝甘露 + 小食), sometimes any drink of a
                // category with any snack.
                let drink = if i < 56 {
                    json!({"skus": [r.of(&menu[..40]).0], "quantity": 1})
                } else {
                    json!({"categories": [r.drink_category()], "quantity": 1})
                };
                json!({"kind": "combo", "price_minor": r.of(&[2000, 2200, 2500]),
                    "slots": [drink, {"categories": [r.snack_category()], "quantity": 1}]})
            }
            58..=63 => {
                let prices: serde_json::Map<String, Value> = (0..4)
                    .map(|_| {
                        let item = r.of(&menu);
                        (item.0, json!(item.2 - r.of(&[100, 200, 300])))
                    })
                    .collect();
                json!({"kind": "tier_price", "prices": prices, "conditions": {"member_tiers": ["gold", "platinum"]}})
            }
            64..=79 => {
                let t = r.of(&[2000, 3000, 4000, 5000]);
                let mut p = json!({"kind": "threshold_tiers", "tiers": [
                    {"threshold_minor": t, "amount_minor": t / 10},
                    {"threshold_minor": t * 2, "amount_minor": t / 4}]});
                if i % 4 == 0 {
                    p["conditions"] = json!({"coupon": true});
                    p["group"] = json!("coupon");
                } else {
                    p["group"] = json!("manjian");
                }
                p
            }
            80..=87 => json!({"kind": "every_x_off_y", "every_minor": r.of(&[3000, 5000]),
                "amount_minor": r.of(&[300, 500]), "cap_minor": r.of(&[1000, 2000]), "group": "manjian"}),
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
        p["id"] = json!(format!("promo-{i:03}"));
        p["name"] = json!(format!("活动{i}"));
        p["priority"] = json!(if i < 64 { 100 } else { 200 });
        out.push(p);
    }
    Value::Array(out).to_string()
}

/// A cart of 10 distinct items, 1 to 3 cups each, for a gold member with every coupon.
pub fn cart(seed: u64) -> String {
    let menu = menu();
    let mut r = Rng::new(seed, 2);
    let mut items: Vec<usize> = (0..menu.len()).collect();
    for i in (1..items.len()).rev() {
        items.swap(i, r.next(i as u64 + 1) as usize);
    }
    let lines: Vec<Value> = items[..10]
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let (sku, category, price) = &menu[i];
            json!({"line_no": n, "sku": sku, "category": category, "quantity": r.of(&[1, 1, 2, 2, 3]),
                "item_price_minor": price, "modifiers_price_minor": r.of(&[0, 0, 200, 300])})
        })
        .collect();
    let wallet: Vec<Value> = (64..80)
        .step_by(4)
        .map(|i| {
            json!({"coupon_id": format!("c{i}"), "promotion_id": format!("promo-{i:03}"),
            "valid_from_ms": 0, "valid_to_ms": 4_000_000_000_000_i64})
        })
        .collect();
    json!({"lines": lines, "context": {"now_ms": 1_795_413_600_000_i64, "store_id": "sh-001",
        "channel": "MEITUAN", "member_tier": "gold", "first_order": false, "wallet": wallet,
        "remaining_uses": {}, "points_balance": 800, "points_to_redeem": 500}})
    .to_string()
}
