//! The cart a calculator prices: lines after menu pricing plus the context (time, store,
//! channel, member, wallet, budgets, points). Parsed strictly from the contract's JSON form;
//! every refusal is an `InvalidArgument` naming the field (`cart.lines[2].quantity`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::config::{json_error, MAX_MONEY, MAX_QUANTITY};
use super::selector::MAX_LINES;
use crate::error::EngineError;

/// One cart line; `unit_price = item_price + modifiers_price`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub line_no: i64,
    pub sku: String,
    pub category: String,
    pub quantity: i64,
    #[serde(rename = "item_price_minor")]
    pub item_price: i64,
    #[serde(rename = "modifiers_price_minor")]
    pub modifiers_price: i64,
}

impl CartLine {
    pub fn unit_price(&self) -> i64 {
        self.item_price + self.modifiers_price
    }

    pub fn gross(&self) -> i64 {
        self.unit_price() * self.quantity
    }
}

/// A coupon in the member's wallet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub coupon_id: String,
    pub promotion_id: String,
    pub valid_from_ms: i64,
    pub valid_to_ms: i64,
}

/// Who orders, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub now_ms: i64,
    pub store_id: String,
    pub channel: String,
    #[serde(default)]
    pub member_tier: Option<String>,
    #[serde(default)]
    pub first_order: bool,
    #[serde(default)]
    pub wallet: Vec<Coupon>,
    #[serde(default)]
    pub remaining_uses: BTreeMap<String, i64>,
    #[serde(default)]
    pub points_balance: Option<i64>,
    #[serde(default)]
    pub points_to_redeem: Option<i64>,
}

impl Context {
    pub fn points_balance(&self) -> i64 {
        self.points_balance.unwrap_or(0)
    }

    pub fn points_to_redeem(&self) -> i64 {
        self.points_to_redeem.unwrap_or(0)
    }
}

/// A validated cart; `lines` are sorted by `line_no` (the canonical order).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub context: Context,
}

impl Cart {
    /// Parses and validates the JSON form; lines come back sorted by `line_no`.
    pub fn from_json(json: &str) -> Result<Self, EngineError> {
        // The plain parse first (per call, path tracking costs as much as the rest of a small
        // cart's pricing); only a refused cart is parsed again to name the field.
        let mut cart: Self = if let Ok(cart) = serde_json::from_str(json) {
            cart
        } else {
            let de = &mut serde_json::Deserializer::from_str(json);
            serde_path_to_error::deserialize(de)
                .map_err(|err| json_error(err, "cart", ".", EngineError::invalid))?
        };
        cart.validate()?;
        cart.lines.sort_by_key(|line| line.line_no);
        Ok(cart)
    }

    /// Checks the contract's ranges (and the calculator's limits); field paths index the lines
    /// as given.
    pub fn validate(&self) -> Result<(), EngineError> {
        if self.lines.len() > MAX_LINES {
            return Err(EngineError::invalid("cart.lines", format!("at most {MAX_LINES} lines")));
        }
        let mut seen = BTreeMap::new();
        for (i, line) in self.lines.iter().enumerate() {
            let at = |field: &str| format!("cart.lines[{i}].{field}");
            if line.line_no < 0 {
                return Err(EngineError::invalid(at("line_no"), "must be >= 0"));
            }
            if let Some(first) = seen.insert(line.line_no, i) {
                return Err(EngineError::invalid(at("line_no"), format!("duplicates cart.lines[{first}]")));
            }
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(EngineError::invalid(at("quantity"), format!("must be 1..={MAX_QUANTITY}")));
            }
            for (field, value) in
                [("item_price_minor", line.item_price), ("modifiers_price_minor", line.modifiers_price)]
            {
                if !(0..=MAX_MONEY).contains(&value) {
                    return Err(EngineError::invalid(at(field), format!("must be 0..={MAX_MONEY}")));
                }
            }
        }
        let ctx = &self.context;
        for (key, uses) in &ctx.remaining_uses {
            if *uses < 0 {
                return Err(EngineError::invalid(
                    format!("cart.context.remaining_uses.{key}"),
                    "must be >= 0",
                ));
            }
        }
        for (field, value) in
            [("points_balance", ctx.points_balance), ("points_to_redeem", ctx.points_to_redeem)]
        {
            if value.is_some_and(|v| v < 0) {
                return Err(EngineError::invalid(format!("cart.context.{field}"), "must be >= 0"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CART: &str = r#"{"lines": [
        {"line_no": 3, "sku": "b", "category": "c", "quantity": 1, "item_price_minor": 100, "modifiers_price_minor": 0},
        {"line_no": 1, "sku": "a", "category": "c", "quantity": 2, "item_price_minor": 1500, "modifiers_price_minor": 200}],
        "context": {"now_ms": 0, "store_id": "s", "channel": "COUNTER", "member_tier": null}}"#;

    #[test]
    fn parses_sorts_and_defaults() {
        let cart = Cart::from_json(CART).unwrap();
        assert_eq!(cart.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(cart.lines[0].unit_price(), 1700);
        assert_eq!(cart.lines[0].gross(), 3400);
        assert!(cart.context.wallet.is_empty());
        assert_eq!(cart.context.points_balance(), 0);
    }

    #[test]
    fn refusals_name_the_field() {
        let bad = CART.replace("\"quantity\": 2", "\"quantity\": 0");
        assert_eq!(Cart::from_json(&bad).unwrap_err().field(), "cart.lines[1].quantity");
        let bad = CART.replace("\"line_no\": 3", "\"line_no\": 1");
        assert_eq!(Cart::from_json(&bad).unwrap_err().field(), "cart.lines[1].line_no");
        let bad = CART.replace("\"quantity\": 2", "\"quantity\": true");
        assert_eq!(Cart::from_json(&bad).unwrap_err().field(), "cart.lines[1].quantity");
        let bad = CART.replace("\"member_tier\": null", "\"member\": 1");
        assert_eq!(Cart::from_json(&bad).unwrap_err().field(), "cart.context.member");
        let err = Cart::from_json("[]").unwrap_err();
        assert!(matches!(err, EngineError::InvalidArgument { .. }));
        assert_eq!(err.field(), "cart");
    }
}
