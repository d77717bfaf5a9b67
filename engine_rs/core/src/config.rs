//! The shop configuration as written (the JSON form of a shop TOML file): parsed strictly
//! (unknown keys are refused, every error names its field path) and then compiled into a
//! [`Catalog`](crate::menu::Catalog) by [`Catalog::from_json`](crate::menu::Catalog::from_json).

use serde::Deserialize;

use crate::error::EngineError;
use crate::types::Fulfillment;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    pub currency: String,
    pub stores: Vec<StoreConfig>,
    /// In kitchen order.
    pub stations: Vec<StationConfig>,
    #[serde(default)]
    pub order_steps: Vec<OrderStepConfig>,
    pub items: Vec<ItemConfig>,
    #[serde(default)]
    pub modifiers: Vec<ModifierConfig>,
    /// Pricing settings for promotions (`utc_offset_minutes`, `points`); checked by the
    /// promotion calculator, see docs/promotions.md.
    #[serde(default)]
    pub pricing: Option<serde_json::Value>,
    /// Scheduler settings (load thresholds, automatic actions, freshness); every key has a
    /// default, see [`crate::scheduler::Settings`].
    #[serde(default)]
    pub scheduler: SchedulerConfig,
    /// How long an idempotency key (channel, channel_order_id) is remembered, in seconds
    /// (default 7 days); after that the key may name a new order.
    #[serde(default)]
    pub idempotency_window_s: Option<f64>,
}

/// The `[scheduler]` table as written: seconds as numbers, names as strings. Compiled and
/// range-checked by [`crate::scheduler::Settings::compile`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerConfig {
    pub busy: Option<ThresholdConfig>,
    pub rush: Option<ThresholdConfig>,
    pub overload: Option<ThresholdConfig>,
    /// Channels pause at this threshold (only while overloaded).
    pub pause: Option<ThresholdConfig>,
    pub hysteresis_percent: Option<i64>,
    pub min_dwell_s: Option<f64>,
    pub pacing: Option<bool>,
    pub fast_mode: Option<bool>,
    pub channel_pause: Option<bool>,
    pub pause_channels: Option<Vec<String>>,
    pub fast_mode_hides: Option<Vec<String>>,
    pub slow_item_s: Option<f64>,
    pub freshness_s: Option<f64>,
    pub jit_lead_s: Option<f64>,
    pub target_margin_s: Option<f64>,
    pub pace_lookahead_s: Option<f64>,
    pub skip_queue_tiers: Option<Vec<String>>,
    pub skip_queue_boost_s: Option<f64>,
    pub speed_alpha_percent: Option<i64>,
    pub fire_last: Option<Vec<String>>,
    pub zone_window_s: Option<f64>,
    pub quote_margin_s: Option<f64>,
    pub quote_margin_free_work_s: Option<f64>,
    pub quote_margin_work_percent: Option<i64>,
    pub hold_lead_s: Option<f64>,
    pub follow_slack_s: Option<f64>,
    pub target_quote_slip_s: Option<f64>,
}

/// Entering a load level: `orders` in the kitchen or `backlog_s` of projected work, whichever
/// comes first.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdConfig {
    pub orders: i64,
    pub backlog_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    pub name: String,
    pub slots: i64,
    #[serde(default = "one")]
    pub batch_size: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    pub station: String,
    pub task: String,
    pub seconds: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderStepConfig {
    pub station: String,
    pub task: String,
    pub seconds: f64,
    pub fulfillment: Vec<FulfillmentName>,
}

/// The names a config may use for a fulfillment: the proto enum names without prefix.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum FulfillmentName {
    #[serde(rename = "ASAP")]
    Asap,
    #[serde(rename = "PICKUP_AT")]
    PickupAt,
    #[serde(rename = "DELIVERY")]
    Delivery,
}

impl From<FulfillmentName> for Fulfillment {
    fn from(name: FulfillmentName) -> Self {
        match name {
            FulfillmentName::Asap => Self::Asap,
            FulfillmentName::PickupAt => Self::PickupAt,
            FulfillmentName::Delivery => Self::Delivery,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemConfig {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_minor: i64,
    #[serde(default)]
    pub modifiers: Vec<String>,
    pub steps: Vec<StepConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifierConfig {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub price_minor: i64,
    #[serde(default = "unit_scale")]
    pub scale: f64,
    #[serde(default)]
    pub steps: Vec<StepConfig>,
}

fn one() -> i64 {
    1
}

fn unit_scale() -> f64 {
    1.0
}

impl ShopConfig {
    /// Parses the JSON form of a shop file; a type error or an unknown key names its path.
    pub fn parse(json: &str) -> Result<Self, EngineError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|err| {
            let path = err.path().to_string();
            let field = if path == "." { String::new() } else { path };
            EngineError::config(field, strip_position(&err.into_inner().to_string()))
        })
    }
}

/// serde_json appends " at line L column C"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_its_path() {
        let json =
            r#"{"currency":"CNY","stores":[],"stations":[{"name":"a","slots":1,"colour":1}],"items":[]}"#;
        let err = ShopConfig::parse(json).unwrap_err();
        assert_eq!(err.field(), "stations[0].colour");
        assert!(err.reason().contains("unknown field `colour`"), "{}", err.reason());
    }

    #[test]
    fn wrong_type_names_its_path() {
        let json = r#"{"currency":"CNY","stores":[],"stations":[{"name":"a","slots":"x"}],"items":[]}"#;
        let err = ShopConfig::parse(json).unwrap_err();
        assert_eq!(err.field(), "stations[0].slots");
    }

    #[test]
    fn unknown_fulfillment_is_refused() {
        let json = r#"{"currency":"CNY","stores":[],"stations":[],"items":[],
            "order_steps":[{"station":"a","task":"b","seconds":1,"fulfillment":["TELEPORT"]}]}"#;
        let err = ShopConfig::parse(json).unwrap_err();
        assert_eq!(err.field(), "order_steps[0].fulfillment[0]");
    }

    #[test]
    fn defaults_apply() {
        let json = r#"{"currency":"CNY","stores":[],"stations":[{"name":"a","slots":1}],"items":[],
            "modifiers":[{"code":"m","name":"M"}]}"#;
        let cfg = ShopConfig::parse(json).unwrap();
        assert_eq!(cfg.stations[0].batch_size, 1);
        assert!((cfg.modifiers[0].scale - 1.0).abs() < f64::EPSILON);
        assert_eq!(cfg.modifiers[0].price_minor, 0);
        assert!(cfg.order_steps.is_empty());
    }
}
