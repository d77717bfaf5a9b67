//! The engine's promotions: the calculator compiled over the defined promotions (with their
//! switches), their budgets, and the bridge from a resolved order to the calculator's cart.
//!
//! The calculator is derived state: it is rebuilt from the promotion entries of the state after
//! every promotion record (live or replayed), never stored. Definitions are validated when put,
//! so a rebuild cannot fail.

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::draft::{Draft, Line};
use crate::error::EngineError;
use crate::menu::Catalog;
use crate::promo::cart::{Cart, CartLine, Context, Coupon};
use crate::promo::{Answer, PriceCalculator};
use crate::state::PromotionEntry;

/// Order budgets of a promotion (`max_uses`, `max_uses_per_member`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Budget {
    total: Option<u64>,
    per_member: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Promotions {
    shop_json: String,
    /// Shared, not copied, when the engine is cloned (it is immutable once compiled).
    calculator: Arc<PriceCalculator>,
    budgets: BTreeMap<String, Budget>,
}

/// A definition as accepted: its id, canonical JSON and own switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub id: String,
    pub json: String,
    pub enabled: bool,
}

impl Promotions {
    /// `pricing` is the shop file's `[pricing]` table (default: UTC, no points); its errors
    /// name `pricing.<field>`.
    pub fn new(pricing: Option<&Value>) -> Result<Self, EngineError> {
        let shop_json = match pricing {
            Some(value) => value.to_string(),
            None => r#"{"utc_offset_minutes": 0}"#.to_owned(),
        };
        let calculator =
            Arc::new(PriceCalculator::new(&shop_json, "[]").map_err(|e| rename(&e, "shop", "pricing"))?);
        Ok(Self { shop_json, calculator, budgets: BTreeMap::new() })
    }

    /// Checks one definition on its own (errors name its fields: `tiers[0].amount_minor`).
    pub fn validate(&self, definition_json: &str) -> Result<Definition, EngineError> {
        let value: Value = serde_json::from_str(definition_json)
            .map_err(|e| EngineError::invalid("definition_json", format!("not JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(EngineError::invalid("definition_json", "must be a JSON object"));
        };
        let Some(id) = object.get("id").and_then(Value::as_str) else {
            return Err(EngineError::invalid("id", "required: a string"));
        };
        let enabled = object.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let json = value.to_string();
        PriceCalculator::new(&self.shop_json, &format!("[{json}]")).map_err(|e| {
            let field = e.field().strip_prefix("promotions[0]").unwrap_or(e.field());
            EngineError::invalid(field.trim_start_matches('.'), e.reason())
        })?;
        Ok(Definition { id: id.to_owned(), json, enabled })
    }

    /// Recompiles the calculator over every entry, each with its current switch.
    pub fn rebuild(&mut self, entries: &IndexMap<String, PromotionEntry>) {
        let mut definitions = Vec::with_capacity(entries.len());
        self.budgets.clear();
        for entry in entries.values() {
            let mut value: Value = serde_json::from_str(&entry.definition_json).expect("validated when put");
            let object = value.as_object_mut().expect("validated when put");
            object.insert("enabled".into(), Value::Bool(entry.enabled));
            let budget = Budget {
                total: object.get("max_uses").and_then(Value::as_u64),
                per_member: object.get("max_uses_per_member").and_then(Value::as_u64),
            };
            self.budgets.insert(entry.id.clone(), budget);
            definitions.push(value);
        }
        let json = Value::Array(definitions).to_string();
        self.calculator = Arc::new(
            PriceCalculator::new(&self.shop_json, &json).expect("each definition validated when put"),
        );
    }

    /// Prices resolved lines with the promotions, for the draft's store, channel and member.
    pub fn price(
        &self,
        catalog: &Catalog,
        entries: &IndexMap<String, PromotionEntry>,
        draft: &Draft,
        lines: &[Line],
        now_ms: i64,
    ) -> Answer {
        let cart_lines = lines
            .iter()
            .map(|line| {
                let item = catalog.item(line.item);
                CartLine {
                    line_no: i64::from(line.line_no),
                    sku: item.sku.clone(),
                    category: item.category.clone(),
                    quantity: i64::from(line.quantity),
                    item_price: item.price_minor,
                    modifiers_price: line.modifiers.iter().map(|&m| catalog.modifier(m).price_minor).sum(),
                }
            })
            .collect();
        let member = &draft.member;
        let context = Context {
            now_ms,
            store_id: draft.store_id.clone(),
            channel: draft.channel().name().to_owned(),
            member_tier: (!member.tier.is_empty()).then(|| member.tier.clone()),
            first_order: member.first_order,
            wallet: member
                .wallet
                .iter()
                .map(|c| Coupon {
                    coupon_id: c.coupon_id.clone(),
                    promotion_id: c.promotion_id.clone(),
                    valid_from_ms: c.valid_from_ms,
                    valid_to_ms: c.valid_to_ms,
                })
                .collect(),
            remaining_uses: self.remaining_uses(entries, &draft.member_id),
            points_balance: Some(member.points_balance),
            points_to_redeem: Some(draft.points_to_redeem),
        };
        self.calculator.price(&Cart { lines: cart_lines, context })
    }

    /// Uses left under each budget: the smaller of the total and the member's. An anonymous
    /// order cannot use a promotion limited per member (nobody could count its uses).
    fn remaining_uses(
        &self,
        entries: &IndexMap<String, PromotionEntry>,
        member_id: &str,
    ) -> BTreeMap<String, i64> {
        let mut remaining = BTreeMap::new();
        for (id, budget) in &self.budgets {
            let entry = &entries[id];
            let total = budget.total.map(|max| max.saturating_sub(entry.uses));
            let member = budget.per_member.map(|max| {
                if member_id.is_empty() {
                    0
                } else {
                    max.saturating_sub(entry.member_uses.get(member_id).copied().unwrap_or(0))
                }
            });
            let left = match (total, member) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(left) = left {
                remaining.insert(id.clone(), i64::try_from(left).unwrap_or(i64::MAX));
            }
        }
        remaining
    }
}

fn rename(err: &EngineError, from: &str, to: &str) -> EngineError {
    let field = match err.field().strip_prefix(from) {
        Some(rest) => format!("{to}{rest}"),
        None => err.field().to_owned(),
    };
    EngineError::config(field, err.reason())
}
