//! Builders for the calculator tests: promotions and carts as JSON values.
#![allow(dead_code)]

use serde_json::{json, Value};

use crate::promo::search::SearchOrder;
use crate::promo::{Answer, Cart, PriceCalculator};

pub const SHOP: &str = r#"{"utc_offset_minutes": 480, "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50}}"#;

/// A line: `(line_no, sku, category, quantity, unit price)`.
pub fn line(line_no: i64, sku: &str, category: &str, quantity: i64, price: i64) -> Value {
    json!({"line_no": line_no, "sku": sku, "category": category, "quantity": quantity,
           "item_price_minor": price, "modifiers_price_minor": 0})
}

pub fn context() -> Value {
    json!({"now_ms": 0, "store_id": "sh-001", "channel": "COUNTER", "member_tier": null,
           "first_order": false, "wallet": [], "remaining_uses": {}, "points_balance": 0,
           "points_to_redeem": 0})
}

pub fn cart(lines: &[Value]) -> Value {
    json!({"lines": lines, "context": context()})
}

pub fn calculator(promotions: &Value) -> PriceCalculator {
    PriceCalculator::new(SHOP, &promotions.to_string()).expect("valid promotions")
}

pub fn price(promotions: &Value, cart: &Value) -> Answer {
    let cart = Cart::from_json(&cart.to_string()).expect("valid cart");
    calculator(promotions).price(&cart)
}

/// `(id, amount)` of the applied promotions, in application order.
pub fn applied(answer: &Answer) -> Vec<(&str, i64)> {
    answer.applied.iter().map(|a| (&*a.id, a.amount_minor)).collect()
}

/// `(id, reason)` of the promotions not applied, by id.
pub fn reasons(answer: &Answer) -> Vec<(&str, &str)> {
    answer.not_applied.iter().map(|a| (&*a.id, a.reason)).collect()
}

/// The plain walk: every refinement of the search's order and bounds off (the answers of the
/// others are compared with it).
pub fn plain_order() -> SearchOrder {
    SearchOrder {
        first_pass: u64::MAX,
        switch_when_free: false,
        lex_first_walk: 0,
        joint_bounds: false,
        aspiration: false,
        tails_after: u64::MAX,
        pairs_after: u64::MAX,
        tight_ties: false,
        packing_first: false,
    }
}
