//! The JSON forms of the shop's pricing settings and of the promotions, parsed strictly (unknown
//! fields and wrong types are refused by serde, with the path from `serde_path_to_error`) and
//! then validated and compiled (ranges, required and foreign kind parameters), every refusal a
//! `Config` error naming the field: `promotions[3].tiers[0].amount_minor`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::amount_off::{AmountOffItem, AmountOffOrder};
use super::buy_x_get_y::BuyXGetY;
use super::combo::Combo;
use super::conditions::{parse_time, Conditions, Window};
use super::every_x_off_y::EveryXOffY;
use super::nth_unit::NthUnit;
use super::percent_off::{PercentOffItem, PercentOffOrder};
use super::promotion::{Promotion, Rule};
use super::rule::{ItemKind, ItemRule, OrderKind, OrderRule};
use super::selector::{Selector, SelectorIndex};
use super::threshold_tiers::ThresholdTiers;
use super::tier_price::TierPrice;
use crate::error::EngineError;

/// The largest money amount (minor units) any input may hold (100 million yuan): keeps every
/// sum of a cart (at most 100 lines of 9,999 units, item plus modifiers) and of bounds over it
/// far inside i64.
pub const MAX_MONEY: i64 = 10_000_000_000;
/// The largest quantity of a cart line.
pub const MAX_QUANTITY: i64 = 9_999;
/// The most slots a combo may have (a bundle of more distinct slots is not a menu offer; the
/// bound schemes keep a slot's membership of a line in one bit of a word).
pub const MAX_SLOTS: usize = 16;

/// Turns a serde error into an `EngineError` whose field is `prefix` + the path (a missing
/// field is named too: `cart.lines[0].sku`).
pub(crate) fn json_error(
    err: serde_path_to_error::Error<serde_json::Error>,
    prefix: &str,
    sep: &str,
    make: fn(String, String) -> EngineError,
) -> EngineError {
    let path = err.path().to_string();
    let message = err.into_inner().to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    };
    let mut field = if path == "." {
        prefix.to_owned()
    } else if path.starts_with('[') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}{sep}{path}")
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some(name) = rest.strip_suffix('`') {
            field = format!("{field}.{name}");
        }
    }
    make(field, message)
}

fn config_error(field: String, reason: String) -> EngineError {
    EngineError::config(field, reason)
}

/// The shop's pricing settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopPricing {
    pub utc_offset_minutes: i64,
    #[serde(default)]
    pub points: Option<PointsRule>,
}

/// Points redemption: `per_block` points are worth `value_minor`, at most `max_share_percent`
/// of the total after promotions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsRule {
    pub per_block: i64,
    pub value_minor: i64,
    pub max_share_percent: i64,
}

impl ShopPricing {
    pub fn from_json(json: &str) -> Result<Self, EngineError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let shop: Self =
            serde_path_to_error::deserialize(de).map_err(|e| json_error(e, "shop", ".", config_error))?;
        if !(-1440..=1440).contains(&shop.utc_offset_minutes) {
            return Err(EngineError::config("shop.utc_offset_minutes", "must be -1440..=1440"));
        }
        if let Some(p) = shop.points {
            if p.per_block < 1 {
                return Err(EngineError::config("shop.points.per_block", "must be >= 1"));
            }
            if !(0..=MAX_MONEY).contains(&p.value_minor) {
                return Err(EngineError::config(
                    "shop.points.value_minor",
                    format!("must be 0..={MAX_MONEY}"),
                ));
            }
            if !(0..=100).contains(&p.max_share_percent) {
                return Err(EngineError::config("shop.points.max_share_percent", "must be 0..=100"));
            }
        }
        Ok(shop)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindName {
    PercentOff,
    AmountOff,
    NthUnit,
    BuyXGetY,
    Combo,
    TierPrice,
    ThresholdTiers,
    EveryXOffY,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Level {
    Item,
    Order,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DiscountOn {
    Cheaper,
    Dearer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Base {
    AfterItems,
    BeforeItems,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectorConfig {
    #[serde(default)]
    skus: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotConfig {
    #[serde(default)]
    skus: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    quantity: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierConfig {
    threshold_minor: i64,
    amount_minor: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowConfig {
    start: String,
    end: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionsConfig {
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    stores: Vec<String>,
    #[serde(default)]
    member_tiers: Vec<String>,
    #[serde(default)]
    weekdays: Vec<i64>,
    #[serde(default)]
    time_windows: Vec<WindowConfig>,
    valid_from_ms: Option<i64>,
    valid_to_ms: Option<i64>,
    min_quantity: Option<i64>,
    #[serde(default)]
    first_order_only: bool,
    #[serde(default)]
    coupon: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromotionConfig {
    id: String,
    name: String,
    kind: KindName,
    #[serde(default = "yes")]
    enabled: bool,
    priority: Option<i64>,
    group: Option<String>,
    #[serde(default)]
    exclusive: bool,
    stackable: Option<bool>,
    scope: Option<SelectorConfig>,
    conditions: Option<ConditionsConfig>,
    percent: Option<i64>,
    amount_minor: Option<i64>,
    level: Option<Level>,
    n: Option<i64>,
    discount_on: Option<DiscountOn>,
    buy: Option<SlotConfig>,
    get: Option<SlotConfig>,
    slots: Option<Vec<SlotConfig>>,
    price_minor: Option<i64>,
    prices: Option<BTreeMap<String, i64>>,
    tiers: Option<Vec<TierConfig>>,
    every_minor: Option<i64>,
    cap_minor: Option<i64>,
    base: Option<Base>,
    /// Budgets: validated here, enforced by the engine through `remaining_uses`.
    max_uses: Option<i64>,
    max_uses_per_member: Option<i64>,
}

fn yes() -> bool {
    true
}

/// The compiled promotions: in `(priority, id)` order, with their selectors and group names.
pub struct Compiled {
    pub promotions: Vec<Promotion>,
    pub selectors: SelectorIndex,
    pub groups: Vec<String>,
}

/// Parses, validates and compiles the promotions JSON (a list).
pub fn compile_promotions(json: &str) -> Result<Compiled, EngineError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let configs: Vec<PromotionConfig> =
        serde_path_to_error::deserialize(de).map_err(|e| json_error(e, "promotions", ".", config_error))?;
    let mut out =
        Compiled { promotions: Vec::new(), selectors: SelectorIndex::default(), groups: Vec::new() };
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, cfg) in configs.iter().enumerate() {
        for (name, budget) in [("max_uses", cfg.max_uses), ("max_uses_per_member", cfg.max_uses_per_member)] {
            if budget.is_some_and(|b| b < 1) {
                return Err(EngineError::config(format!("promotions[{i}].{name}"), "must be at least 1"));
            }
        }
        if let Some(first) = ids.insert(&cfg.id, i) {
            return Err(EngineError::config(
                format!("promotions[{i}].id"),
                format!("duplicates promotions[{first}].id"),
            ));
        }
        let promotion = Compiler { path: format!("promotions[{i}]"), out: &mut out }.promotion(cfg)?;
        out.promotions.push(promotion);
    }
    out.promotions.sort_by(|a, b| (a.priority, &a.id).cmp(&(b.priority, &b.id)));
    Ok(out)
}

struct Compiler<'a> {
    path: String,
    out: &'a mut Compiled,
}

impl Compiler<'_> {
    fn err(&self, field: &str, reason: impl Into<String>) -> EngineError {
        EngineError::config(format!("{}.{field}", self.path), reason)
    }

    fn required<T: Copy>(&self, value: Option<T>, field: &str) -> Result<T, EngineError> {
        value.ok_or_else(|| self.err(field, "required"))
    }

    fn range(&self, value: i64, field: &str, low: i64, high: i64) -> Result<i64, EngineError> {
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(self.err(field, format!("must be {low}..={high}")))
        }
    }

    fn money(&self, value: Option<i64>, field: &str) -> Result<i64, EngineError> {
        let value = self.required(value, field)?;
        self.range(value, field, 0, MAX_MONEY)
    }

    fn percent(&self, cfg: &PromotionConfig) -> Result<i64, EngineError> {
        let value = self.required(cfg.percent, "percent")?;
        self.range(value, "percent", 1, 100)
    }

    fn slot(&mut self, slot: &SlotConfig, field: &str) -> Result<(usize, i64), EngineError> {
        let quantity = self.range(slot.quantity, &format!("{field}.quantity"), 1, MAX_QUANTITY)?;
        let id = self.out.selectors.add(Selector::new(slot.skus.clone(), slot.categories.clone()));
        Ok((id, quantity))
    }

    fn promotion(&mut self, cfg: &PromotionConfig) -> Result<Promotion, EngineError> {
        let item = match cfg.kind {
            KindName::PercentOff | KindName::AmountOff => match cfg.level {
                Some(level) => level == Level::Item,
                None => return Err(self.err("level", "required: \"item\" or \"order\"")),
            },
            KindName::NthUnit | KindName::BuyXGetY | KindName::Combo | KindName::TierPrice => true,
            KindName::ThresholdTiers | KindName::EveryXOffY => false,
        };
        self.foreign_fields(cfg, item)?;
        let rule = if item {
            Rule::Item { kind: self.item_kind(cfg)?, stackable: cfg.stackable.unwrap_or(false) }
        } else {
            Rule::Order { kind: self.order_kind(cfg)?, before_items: cfg.base == Some(Base::BeforeItems) }
        };
        let scope = cfg.scope.clone().unwrap_or_default();
        let scope = self.out.selectors.add(Selector::new(scope.skus, scope.categories));
        let group = cfg.group.as_ref().map(|g| {
            if let Some(at) = self.out.groups.iter().position(|x| x == g) {
                at
            } else {
                self.out.groups.push(g.clone());
                self.out.groups.len() - 1
            }
        });
        let description = match &rule {
            Rule::Item { kind, .. } => kind.describe(),
            Rule::Order { kind, .. } => kind.describe(),
        };
        Ok(Promotion {
            description,
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            kind_name: kind_name(cfg.kind),
            enabled: cfg.enabled,
            priority: cfg.priority.unwrap_or(100),
            group,
            exclusive: cfg.exclusive,
            scope,
            conditions: self.conditions(cfg.conditions.as_ref())?,
            rule,
        })
    }

    /// Another kind's parameters are unknown fields; `level`, `base` and `stackable` only where
    /// they mean something.
    fn foreign_fields(&self, cfg: &PromotionConfig, item: bool) -> Result<(), EngineError> {
        let own: &[&str] = match cfg.kind {
            KindName::PercentOff => &["level", "percent"],
            KindName::AmountOff => &["level", "amount_minor"],
            KindName::NthUnit => &["n", "percent", "discount_on"],
            KindName::BuyXGetY => &["buy", "get", "percent"],
            KindName::Combo => &["slots", "price_minor"],
            KindName::TierPrice => &["prices"],
            KindName::ThresholdTiers => &["tiers"],
            KindName::EveryXOffY => &["every_minor", "amount_minor", "cap_minor"],
        };
        let present = [
            ("percent", cfg.percent.is_some()),
            ("amount_minor", cfg.amount_minor.is_some()),
            ("level", cfg.level.is_some()),
            ("n", cfg.n.is_some()),
            ("discount_on", cfg.discount_on.is_some()),
            ("buy", cfg.buy.is_some()),
            ("get", cfg.get.is_some()),
            ("slots", cfg.slots.is_some()),
            ("price_minor", cfg.price_minor.is_some()),
            ("prices", cfg.prices.is_some()),
            ("tiers", cfg.tiers.is_some()),
            ("every_minor", cfg.every_minor.is_some()),
            ("cap_minor", cfg.cap_minor.is_some()),
            ("base", cfg.base.is_some() && item),
            ("stackable", cfg.stackable.is_some() && !item),
        ];
        for (field, is_present) in present {
            if is_present && !own.contains(&field) {
                return Err(self.err(field, format!("unknown field `{field}` for this kind and level")));
            }
        }
        Ok(())
    }

    fn item_kind(&mut self, cfg: &PromotionConfig) -> Result<ItemKind, EngineError> {
        Ok(match cfg.kind {
            KindName::PercentOff => ItemKind::PercentOff(PercentOffItem { percent: self.percent(cfg)? }),
            KindName::AmountOff => {
                ItemKind::AmountOff(AmountOffItem { amount: self.money(cfg.amount_minor, "amount_minor")? })
            }
            KindName::NthUnit => {
                let n = self.required(cfg.n, "n")?;
                let n = self.range(n, "n", 2, MAX_QUANTITY)?;
                let percent = self.percent(cfg)?;
                let on = self.required(cfg.discount_on, "discount_on")?;
                ItemKind::NthUnit(NthUnit { n, percent, cheaper: on == DiscountOn::Cheaper })
            }
            KindName::BuyXGetY => {
                let buy = cfg.buy.as_ref().ok_or_else(|| self.err("buy", "required"))?;
                let get = cfg.get.as_ref().ok_or_else(|| self.err("get", "required"))?;
                let percent = self.percent(cfg)?;
                let (buy, buy_quantity) = self.slot(buy, "buy")?;
                let (get, get_quantity) = self.slot(get, "get")?;
                ItemKind::BuyXGetY(BuyXGetY { buy, buy_quantity, get, get_quantity, percent })
            }
            KindName::Combo => {
                let slots = cfg.slots.as_ref().ok_or_else(|| self.err("slots", "required"))?;
                if slots.is_empty() || slots.len() > MAX_SLOTS {
                    return Err(self.err("slots", format!("must have 1..={MAX_SLOTS} slots")));
                }
                let price = self.money(cfg.price_minor, "price_minor")?;
                let slots = slots
                    .iter()
                    .enumerate()
                    .map(|(i, slot)| self.slot(slot, &format!("slots[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                ItemKind::Combo(Combo { slots, price })
            }
            KindName::TierPrice => {
                let prices = cfg.prices.clone().ok_or_else(|| self.err("prices", "required"))?;
                for (sku, price) in &prices {
                    self.range(*price, &format!("prices.{sku}"), 0, MAX_MONEY)?;
                }
                let listed = self.out.selectors.add(Selector::skus(prices.keys().cloned()));
                ItemKind::TierPrice(TierPrice { listed, prices })
            }
            KindName::ThresholdTiers | KindName::EveryXOffY => unreachable!("order-level kinds"),
        })
    }

    fn order_kind(&self, cfg: &PromotionConfig) -> Result<OrderKind, EngineError> {
        Ok(match cfg.kind {
            KindName::PercentOff => OrderKind::PercentOff(PercentOffOrder { percent: self.percent(cfg)? }),
            KindName::AmountOff => {
                OrderKind::AmountOff(AmountOffOrder { amount: self.money(cfg.amount_minor, "amount_minor")? })
            }
            KindName::ThresholdTiers => {
                let tiers = cfg.tiers.as_ref().ok_or_else(|| self.err("tiers", "required"))?;
                if tiers.is_empty() {
                    return Err(self.err("tiers", "must not be empty"));
                }
                let mut out: Vec<(i64, i64)> = Vec::new();
                for (i, tier) in tiers.iter().enumerate() {
                    let at = format!("tiers[{i}]");
                    let t =
                        self.range(tier.threshold_minor, &format!("{at}.threshold_minor"), 0, MAX_MONEY)?;
                    let a = self.range(tier.amount_minor, &format!("{at}.amount_minor"), 0, MAX_MONEY)?;
                    for (j, other) in tiers[..i].iter().enumerate() {
                        if other.threshold_minor == t {
                            return Err(self.err(
                                &format!("{at}.threshold_minor"),
                                format!("duplicates tiers[{j}].threshold_minor"),
                            ));
                        }
                        if (t > other.threshold_minor && a < other.amount_minor)
                            || (t < other.threshold_minor && a > other.amount_minor)
                        {
                            return Err(self.err(
                                &format!("{at}.amount_minor"),
                                format!(
                                    "a higher threshold than in tiers[{j}] must not have a smaller amount"
                                ),
                            ));
                        }
                    }
                    out.push((t, a));
                }
                out.sort_unstable();
                OrderKind::ThresholdTiers(ThresholdTiers { tiers: out })
            }
            KindName::EveryXOffY => {
                let every = self.required(cfg.every_minor, "every_minor")?;
                let every = self.range(every, "every_minor", 1, MAX_MONEY)?;
                let amount = self.money(cfg.amount_minor, "amount_minor")?;
                let cap = match cfg.cap_minor {
                    Some(cap) => Some(self.range(cap, "cap_minor", 0, MAX_MONEY)?),
                    None => None,
                };
                OrderKind::EveryXOffY(EveryXOffY { every, amount, cap })
            }
            _ => unreachable!("item-level kinds"),
        })
    }

    fn conditions(&self, cfg: Option<&ConditionsConfig>) -> Result<Conditions, EngineError> {
        let Some(cfg) = cfg else { return Ok(Conditions::default()) };
        let mut weekdays = 0u8;
        for (i, &day) in cfg.weekdays.iter().enumerate() {
            weekdays |= 1 << self.range(day, &format!("conditions.weekdays[{i}]"), 1, 7)?;
        }
        let mut windows = Vec::new();
        for (i, w) in cfg.time_windows.iter().enumerate() {
            let at = format!("conditions.time_windows[{i}]");
            let time = |text: &str, field: &str| {
                parse_time(text).ok_or_else(|| {
                    self.err(&format!("{at}.{field}"), "must be \"HH:MM\" from 00:00 to 23:59")
                })
            };
            let (start, end) = (time(&w.start, "start")?, time(&w.end, "end")?);
            if start == end {
                return Err(self.err(&format!("{at}.end"), "must differ from start"));
            }
            windows.push(Window { start, end });
        }
        let min_quantity = match cfg.min_quantity {
            Some(q) => self.range(q, "conditions.min_quantity", 0, i64::MAX)?,
            None => 0,
        };
        Ok(Conditions {
            channels: cfg.channels.clone(),
            stores: cfg.stores.clone(),
            member_tiers: cfg.member_tiers.clone(),
            weekdays,
            windows,
            valid_from_ms: cfg.valid_from_ms,
            valid_to_ms: cfg.valid_to_ms,
            min_quantity,
            first_order_only: cfg.first_order_only,
            coupon: cfg.coupon,
        })
    }
}

fn kind_name(kind: KindName) -> &'static str {
    match kind {
        KindName::PercentOff => "percent_off",
        KindName::AmountOff => "amount_off",
        KindName::NthUnit => "nth_unit",
        KindName::BuyXGetY => "buy_x_get_y",
        KindName::Combo => "combo",
        KindName::TierPrice => "tier_price",
        KindName::ThresholdTiers => "threshold_tiers",
        KindName::EveryXOffY => "every_x_off_y",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(json: &str) -> String {
        compile_promotions(json).err().expect("refused").field().to_owned()
    }

    #[test]
    fn compiles_and_sorts_by_priority_then_id() {
        let json = r#"[
            {"id": "b", "name": "B", "kind": "percent_off", "level": "item", "percent": 10},
            {"id": "a", "name": "A", "kind": "threshold_tiers", "priority": 100,
             "tiers": [{"threshold_minor": 5000, "amount_minor": 1000}, {"threshold_minor": 3000, "amount_minor": 500}]},
            {"id": "c", "name": "C", "kind": "amount_off", "level": "order", "amount_minor": 300, "priority": 5,
             "group": "g", "base": "before_items"}
        ]"#;
        let c = compile_promotions(json).unwrap();
        let ids: Vec<&str> = c.promotions.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, vec!["c", "a", "b"]);
        assert_eq!(c.groups, vec!["g".to_owned()]);
        assert_eq!(
            c.promotions[1].rule,
            Rule::Order {
                kind: OrderKind::ThresholdTiers(ThresholdTiers { tiers: vec![(3000, 500), (5000, 1000)] }),
                before_items: false
            }
        );
        assert!(matches!(c.promotions[0].rule, Rule::Order { before_items: true, .. }));
    }

    #[test]
    fn refusals_name_the_field() {
        let p = |extra: &str| {
            format!(
                r#"[{{"id": "x", "name": "X", "kind": "percent_off", "level": "item", "percent": 10}},
                        {{"id": "y", "name": "Y", {extra}}}]"#
            )
        };
        assert_eq!(
            field_of(&p(
                r#""kind": "threshold_tiers", "tiers": [{"threshold_minor": 1, "amount_minor": -1}]"#
            )),
            "promotions[1].tiers[0].amount_minor"
        );
        assert_eq!(
            field_of(&p(
                r#""kind": "threshold_tiers", "tiers": [{"threshold_minor": 1, "amount_minor": "5"}]"#
            )),
            "promotions[1].tiers[0].amount_minor"
        );
        assert_eq!(field_of(&p(r#""kind": "percent_off", "percent": 10"#)), "promotions[1].level");
        assert_eq!(
            field_of(&p(r#""kind": "percent_off", "level": "item", "percent": 0"#)),
            "promotions[1].percent"
        );
        assert_eq!(
            field_of(&p(r#""kind": "percent_off", "level": "item", "percent": 5, "tiers": []"#)),
            "promotions[1].tiers"
        );
        assert_eq!(
            field_of(&p(r#""kind": "percent_off", "level": "item", "percent": 5, "base": "after_items""#)),
            "promotions[1].base"
        );
        assert_eq!(
            field_of(&p(r#""kind": "amount_off", "level": "order", "amount_minor": 5, "stackable": true"#)),
            "promotions[1].stackable"
        );
        assert_eq!(
            field_of(&p(r#""kind": "percent_off", "level": "item", "percent": 5, "color": 1"#)),
            "promotions[1].color"
        );
        assert_eq!(field_of(&p(r#""kind": "teleport""#)), "promotions[1].kind");
        assert_eq!(
            field_of(&p(r#""kind": "nth_unit", "n": 1, "percent": 50, "discount_on": "cheaper""#)),
            "promotions[1].n"
        );
        assert_eq!(
            field_of(&p(r#""kind": "combo", "price_minor": 1, "slots": [{"quantity": 0}]"#)),
            "promotions[1].slots[0].quantity"
        );
        let slots = |n: usize| vec![r#"{"quantity": 1}"#; n].join(", ");
        let combo = |n: usize| format!(r#""kind": "combo", "price_minor": 1, "slots": [{}]"#, slots(n));
        assert_eq!(field_of(&p(&combo(MAX_SLOTS + 1))), "promotions[1].slots");
        assert_eq!(field_of(&p(r#""kind": "combo", "price_minor": 1, "slots": []"#)), "promotions[1].slots");
        assert!(compile_promotions(&p(&combo(MAX_SLOTS))).is_ok());
        assert_eq!(
            field_of(&p(
                r#""kind": "threshold_tiers", "tiers": [{"threshold_minor": 10, "amount_minor": 5}, {"threshold_minor": 20, "amount_minor": 4}]"#
            )),
            "promotions[1].tiers[1].amount_minor"
        );
        assert_eq!(
            field_of(&p(
                r#""kind": "tier_price", "prices": {"a": 1}, "conditions": {"time_windows": [{"start": "10:00", "end": "10:00"}]}"#
            )),
            "promotions[1].conditions.time_windows[0].end"
        );
        assert_eq!(
            field_of(&p(r#""kind": "tier_price", "prices": {"a": 1}, "conditions": {"weekdays": [8]}"#)),
            "promotions[1].conditions.weekdays[0]"
        );
        assert_eq!(
            field_of(&p(r#""kind": "tier_price", "enabled": 1, "prices": {}"#)),
            "promotions[1].enabled"
        );
        assert_eq!(field_of(r#"[{"id": "x", "kind": "tier_price", "prices": {}}]"#), "promotions[0].name");
        assert_eq!(
            field_of(
                r#"[{"id": "x", "name": "", "kind": "tier_price", "prices": {}}, {"id": "x", "name": "", "kind": "tier_price", "prices": {}}]"#
            ),
            "promotions[1].id"
        );
        assert_eq!(field_of("{}"), "promotions");
    }

    #[test]
    fn shop_refusals_name_the_field() {
        let ok = ShopPricing::from_json(r#"{"utc_offset_minutes": 480, "points": null}"#).unwrap();
        assert_eq!(ok.points, None);
        let err = ShopPricing::from_json(
            r#"{"utc_offset_minutes": 480, "points": {"per_block": 0, "value_minor": 1, "max_share_percent": 5}}"#,
        );
        assert_eq!(err.unwrap_err().field(), "shop.points.per_block");
        let err = ShopPricing::from_json(r#"{"points": null}"#);
        assert_eq!(err.unwrap_err().field(), "shop.utc_offset_minutes");
    }
}
