//! The compiled catalog: stores, stations (kitchen order), items with their recipes, modifiers
//! and order steps, validated once at load time and immutable afterwards. Everything is indexed
//! by position (`usize`) so the hot path never hashes strings twice.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::config::{ShopConfig, StepConfig};
use crate::error::EngineError;
use crate::scheduler::Settings;
use crate::types::Fulfillment;

/// Idempotency keys are remembered for a week unless the shop says otherwise.
pub const DEFAULT_IDEMPOTENCY_WINDOW_MS: i64 = 7 * 24 * 3_600_000;
/// Most parallel slots a station may have.
pub const MAX_SLOTS: u32 = 32;
/// Fixed-point base of modifier scales (parts per million).
pub const SCALE_ONE: i64 = 1_000_000;

#[derive(Debug, Clone)]
pub struct Store {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Station {
    pub name: String,
    /// Slots at load time; the live value is per store in the engine state (staffing).
    pub slots: u32,
    pub batch_size: u32,
}

/// One step of a recipe: a task on a station taking `ms` per unit.
#[derive(Debug, Clone)]
pub struct Step {
    pub station: usize,
    pub task: String,
    pub ms: i64,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_minor: i64,
    /// Indices of the modifiers this item accepts, in config order.
    pub modifiers: Vec<usize>,
    /// In kitchen order.
    pub steps: Vec<Step>,
}

impl Item {
    /// Standard milliseconds of one unit without modifiers, over all stations.
    pub fn unit_ms(&self) -> i64 {
        self.steps.iter().map(|s| s.ms).sum()
    }

    pub fn accepts(&self, modifier: usize) -> bool {
        self.modifiers.contains(&modifier)
    }
}

#[derive(Debug, Clone)]
pub struct Modifier {
    pub code: String,
    pub name: String,
    pub price_minor: i64,
    /// Multiplier of the item's step durations, parts per million (rounded at load time so
    /// durations are integer arithmetic from here on).
    pub scale_ppm: i64,
    /// Extra steps, in kitchen order.
    pub steps: Vec<Step>,
}

/// A step every order of the listed fulfillments gets once.
#[derive(Debug, Clone)]
pub struct OrderStep {
    pub station: usize,
    pub task: String,
    pub ms: i64,
    pub fulfillment: Vec<Fulfillment>,
}

/// The shop as the engine sees it. All stores share menu and station layout.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub currency: String,
    pub stores: IndexMap<String, Store>,
    pub stations: IndexMap<String, Station>,
    pub order_steps: Vec<OrderStep>,
    pub items: IndexMap<String, Item>,
    pub modifiers: IndexMap<String, Modifier>,
    pub scheduler: Settings,
    /// Batch size per station (for the scheduler's cross-order batches).
    pub batch_sizes: Vec<u32>,
    /// How long an idempotency key is remembered.
    pub idempotency_window_ms: i64,
}

impl Catalog {
    /// Parses and validates a shop configuration (JSON form of the shop TOML).
    pub fn from_json(json: &str) -> Result<Self, EngineError> {
        Self::compile(ShopConfig::parse(json)?)
    }

    /// Validates a parsed configuration; the error names the first offending field.
    pub fn compile(cfg: ShopConfig) -> Result<Self, EngineError> {
        if cfg.currency.trim().is_empty() {
            return Err(EngineError::config("currency", "must not be empty"));
        }
        let stores = compile_stores(&cfg)?;
        let stations = compile_stations(&cfg)?;
        let modifiers = compile_modifiers(&cfg, &stations)?;
        let items = compile_items(&cfg, &stations, &modifiers)?;
        let order_steps = compile_order_steps(&cfg, &stations)?;
        let scheduler = Settings::compile(cfg.scheduler, &stations, &items, &modifiers)?;
        let batch_sizes = stations.values().map(|s| s.batch_size).collect();
        let idempotency_window_ms = match cfg.idempotency_window_s {
            None => DEFAULT_IDEMPOTENCY_WINDOW_MS,
            Some(s) if s.is_finite() && (3600.0..=31_536_000.0).contains(&s) => (s * 1000.0).round() as i64,
            Some(_) => {
                return Err(EngineError::config(
                    "idempotency_window_s",
                    "must be between 3600 (one hour) and 31536000 (a year)",
                ))
            }
        };
        Ok(Self {
            currency: cfg.currency,
            stores,
            stations,
            order_steps,
            items,
            modifiers,
            scheduler,
            batch_sizes,
            idempotency_window_ms,
        })
    }

    pub fn station(&self, index: usize) -> &Station {
        &self.stations[index]
    }

    pub fn station_name(&self, index: usize) -> &str {
        self.stations.get_index(index).map_or("", |(name, _)| name.as_str())
    }

    pub fn store_id(&self, index: usize) -> &str {
        self.stores.get_index(index).map_or("", |(id, _)| id.as_str())
    }

    pub fn item(&self, index: usize) -> &Item {
        &self.items[index]
    }

    pub fn modifier(&self, index: usize) -> &Modifier {
        &self.modifiers[index]
    }
}

fn non_empty(field: impl FnOnce() -> String, value: &str) -> Result<(), EngineError> {
    if value.trim().is_empty() {
        return Err(EngineError::config(field(), "must not be empty"));
    }
    Ok(())
}

fn compile_stores(cfg: &ShopConfig) -> Result<IndexMap<String, Store>, EngineError> {
    if cfg.stores.is_empty() {
        return Err(EngineError::config("stores", "must not be empty"));
    }
    let mut stores = IndexMap::with_capacity(cfg.stores.len());
    for (i, s) in cfg.stores.iter().enumerate() {
        non_empty(|| format!("stores[{i}].id"), &s.id)?;
        let store = Store { id: s.id.clone(), name: s.name.clone() };
        if stores.insert(s.id.clone(), store).is_some() {
            return Err(EngineError::config(
                format!("stores[{i}].id"),
                format!("duplicate store id '{}'", s.id),
            ));
        }
    }
    Ok(stores)
}

fn compile_stations(cfg: &ShopConfig) -> Result<IndexMap<String, Station>, EngineError> {
    if cfg.stations.is_empty() {
        return Err(EngineError::config("stations", "must not be empty"));
    }
    let mut stations = IndexMap::with_capacity(cfg.stations.len());
    for (i, s) in cfg.stations.iter().enumerate() {
        non_empty(|| format!("stations[{i}].name"), &s.name)?;
        if s.name.contains('/') {
            // Ticket ids are "<order_id>/<station>".
            return Err(EngineError::config(format!("stations[{i}].name"), "must not contain '/'"));
        }
        if !(0..=i64::from(MAX_SLOTS)).contains(&s.slots) {
            return Err(EngineError::config(
                format!("stations[{i}].slots"),
                format!("must be between 0 and {MAX_SLOTS}"),
            ));
        }
        if !(1..=1000).contains(&s.batch_size) {
            return Err(EngineError::config(
                format!("stations[{i}].batch_size"),
                "must be between 1 and 1000",
            ));
        }
        let station =
            Station { name: s.name.clone(), slots: s.slots as u32, batch_size: s.batch_size as u32 };
        if stations.insert(s.name.clone(), station).is_some() {
            return Err(EngineError::config(
                format!("stations[{i}].name"),
                format!("duplicate station '{}'", s.name),
            ));
        }
    }
    Ok(stations)
}

/// Whole milliseconds of a positive number of seconds.
fn seconds_to_ms(field: &str, seconds: f64) -> Result<i64, EngineError> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(EngineError::config(field, "must be > 0"));
    }
    if seconds > 86_400.0 {
        return Err(EngineError::config(field, "must be at most 86400 (one day)"));
    }
    Ok(((seconds * 1000.0).round() as i64).max(1))
}

/// Compiles a recipe, refusing unknown stations and steps that go backwards in kitchen order.
fn compile_steps(
    prefix: &str,
    steps: &[StepConfig],
    stations: &IndexMap<String, Station>,
) -> Result<Vec<Step>, EngineError> {
    let mut out: Vec<Step> = Vec::with_capacity(steps.len());
    for (j, step) in steps.iter().enumerate() {
        let field = format!("{prefix}.steps[{j}].station");
        let Some(station) = stations.get_index_of(&step.station) else {
            return Err(EngineError::config(field, format!("unknown station '{}'", step.station)));
        };
        if let Some(prev) = out.last() {
            if station < prev.station {
                let before = stations.get_index(station).map_or("", |(n, _)| n.as_str());
                let after = stations.get_index(prev.station).map_or("", |(n, _)| n.as_str());
                return Err(EngineError::config(
                    field,
                    format!("'{before}' comes before '{after}' in kitchen order"),
                ));
            }
        }
        non_empty(|| format!("{prefix}.steps[{j}].task"), &step.task)?;
        let ms = seconds_to_ms(&format!("{prefix}.steps[{j}].seconds"), step.seconds)?;
        out.push(Step { station, task: step.task.clone(), ms });
    }
    Ok(out)
}

fn compile_modifiers(
    cfg: &ShopConfig,
    stations: &IndexMap<String, Station>,
) -> Result<IndexMap<String, Modifier>, EngineError> {
    let mut modifiers = IndexMap::with_capacity(cfg.modifiers.len());
    for (i, m) in cfg.modifiers.iter().enumerate() {
        let prefix = format!("modifiers[{i}]");
        non_empty(|| format!("{prefix}.code"), &m.code)?;
        if m.price_minor < 0 {
            return Err(EngineError::config(format!("{prefix}.price_minor"), "must be >= 0"));
        }
        if !m.scale.is_finite() || m.scale <= 0.0 || m.scale > 100.0 {
            return Err(EngineError::config(format!("{prefix}.scale"), "must be > 0 and <= 100"));
        }
        let scale_ppm = ((m.scale * 1_000_000.0).round() as i64).max(1);
        let steps = compile_steps(&prefix, &m.steps, stations)?;
        let modifier = Modifier {
            code: m.code.clone(),
            name: m.name.clone(),
            price_minor: m.price_minor,
            scale_ppm,
            steps,
        };
        if modifiers.insert(m.code.clone(), modifier).is_some() {
            return Err(EngineError::config(
                format!("{prefix}.code"),
                format!("duplicate modifier '{}'", m.code),
            ));
        }
    }
    Ok(modifiers)
}

fn compile_items(
    cfg: &ShopConfig,
    stations: &IndexMap<String, Station>,
    modifiers: &IndexMap<String, Modifier>,
) -> Result<IndexMap<String, Item>, EngineError> {
    if cfg.items.is_empty() {
        return Err(EngineError::config("items", "must not be empty"));
    }
    let mut items = IndexMap::with_capacity(cfg.items.len());
    for (i, it) in cfg.items.iter().enumerate() {
        let prefix = format!("items[{i}]");
        non_empty(|| format!("{prefix}.sku"), &it.sku)?;
        if it.price_minor < 0 {
            return Err(EngineError::config(format!("{prefix}.price_minor"), "must be >= 0"));
        }
        let mut allowed = Vec::with_capacity(it.modifiers.len());
        let mut seen = BTreeSet::new();
        for (j, code) in it.modifiers.iter().enumerate() {
            let field = format!("{prefix}.modifiers[{j}]");
            let Some(index) = modifiers.get_index_of(code) else {
                return Err(EngineError::config(field, format!("unknown modifier '{code}'")));
            };
            if !seen.insert(index) {
                return Err(EngineError::config(field, format!("duplicate modifier '{code}'")));
            }
            allowed.push(index);
        }
        if it.steps.is_empty() {
            return Err(EngineError::config(format!("{prefix}.steps"), "must not be empty"));
        }
        let steps = compile_steps(&prefix, &it.steps, stations)?;
        let item = Item {
            sku: it.sku.clone(),
            name: it.name.clone(),
            category: it.category.clone(),
            price_minor: it.price_minor,
            modifiers: allowed,
            steps,
        };
        if items.insert(it.sku.clone(), item).is_some() {
            return Err(EngineError::config(format!("{prefix}.sku"), format!("duplicate sku '{}'", it.sku)));
        }
    }
    Ok(items)
}

fn compile_order_steps(
    cfg: &ShopConfig,
    stations: &IndexMap<String, Station>,
) -> Result<Vec<OrderStep>, EngineError> {
    let mut out = Vec::with_capacity(cfg.order_steps.len());
    for (i, s) in cfg.order_steps.iter().enumerate() {
        let prefix = format!("order_steps[{i}]");
        let Some(station) = stations.get_index_of(&s.station) else {
            return Err(EngineError::config(
                format!("{prefix}.station"),
                format!("unknown station '{}'", s.station),
            ));
        };
        non_empty(|| format!("{prefix}.task"), &s.task)?;
        let ms = seconds_to_ms(&format!("{prefix}.seconds"), s.seconds)?;
        let fulfillment = s.fulfillment.iter().map(|&f| f.into()).collect();
        out.push(OrderStep { station, task: s.task.clone(), ms, fulfillment });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{sample_json, sample_value};

    fn compile_err(edit: impl FnOnce(&mut serde_json::Value)) -> EngineError {
        let mut v = sample_value();
        edit(&mut v);
        Catalog::from_json(&v.to_string()).unwrap_err()
    }

    #[test]
    fn sample_shop_compiles() {
        let c = Catalog::from_json(&sample_json()).unwrap();
        assert_eq!(c.stores.len(), 2);
        assert_eq!(c.station_name(1), "tea_bar");
        assert_eq!(c.stations["tea_bar"].batch_size, 4);
        assert_eq!(c.modifiers["large"].scale_ppm, 1_200_000);
        assert_eq!(c.items["classic_milk_tea"].unit_ms(), 65_000);
        assert_eq!(c.order_steps[0].fulfillment, vec![Fulfillment::Delivery]);
    }

    #[test]
    fn slots_out_of_range() {
        let e = compile_err(|v| v["stations"][2]["slots"] = 33.into());
        assert_eq!(e.field(), "stations[2].slots");
        assert_eq!(e.reason(), "must be between 0 and 32");
    }

    #[test]
    fn unknown_station_in_recipe() {
        let e = compile_err(|v| v["items"][3]["steps"][1]["station"] = "grill".into());
        assert_eq!(e.field(), "items[3].steps[1].station");
        assert_eq!(e.reason(), "unknown station 'grill'");
    }

    #[test]
    fn unknown_modifier_on_item() {
        let e = compile_err(|v| v["items"][0]["modifiers"][2] = "x".into());
        assert_eq!(e.field(), "items[0].modifiers[2]");
        assert_eq!(e.reason(), "unknown modifier 'x'");
    }

    #[test]
    fn backwards_recipe() {
        // classic_milk_tea: tea_bar, shaker, sealer -> make step 1 the tea bar after the shaker.
        let e = compile_err(|v| {
            v["items"][0]["steps"][0]["station"] = "shaker".into();
            v["items"][0]["steps"][1]["station"] = "tea_bar".into();
        });
        assert_eq!(e.field(), "items[0].steps[1].station");
        assert_eq!(e.reason(), "'tea_bar' comes before 'shaker' in kitchen order");
    }

    #[test]
    fn duplicates() {
        let e = compile_err(|v| v["items"][1]["sku"] = "classic_milk_tea".into());
        assert_eq!((e.field(), e.reason()), ("items[1].sku", "duplicate sku 'classic_milk_tea'"));
        let e = compile_err(|v| v["stores"][1]["id"] = "sh-001".into());
        assert_eq!(e.field(), "stores[1].id");
        let e = compile_err(|v| v["stations"][1]["name"] = "fruit_prep".into());
        assert_eq!(e.field(), "stations[1].name");
        let e = compile_err(|v| v["modifiers"][1]["code"] = "large".into());
        assert_eq!(e.field(), "modifiers[1].code");
    }

    #[test]
    fn empty_lists_and_bad_numbers() {
        let e = compile_err(|v| v["stores"] = serde_json::json!([]));
        assert_eq!(e.field(), "stores");
        let e = compile_err(|v| v["stations"] = serde_json::json!([]));
        assert_eq!(e.field(), "stations");
        let e = compile_err(|v| v["items"] = serde_json::json!([]));
        assert_eq!(e.field(), "items");
        let e = compile_err(|v| v["items"][0]["steps"][0]["seconds"] = 0.into());
        assert_eq!((e.field(), e.reason()), ("items[0].steps[0].seconds", "must be > 0"));
        let e = compile_err(|v| v["items"][0]["price_minor"] = (-1).into());
        assert_eq!(e.field(), "items[0].price_minor");
        let e = compile_err(|v| v["stations"][0]["batch_size"] = 0.into());
        assert_eq!(e.field(), "stations[0].batch_size");
        let e = compile_err(|v| v["modifiers"][0]["scale"] = 0.into());
        assert_eq!(e.field(), "modifiers[0].scale");
        let e = compile_err(|v| v["order_steps"][0]["station"] = "door".into());
        assert_eq!(e.field(), "order_steps[0].station");
    }

    #[test]
    fn unknown_key_is_refused() {
        let e = compile_err(|v| v["items"][0]["colour"] = "red".into());
        assert_eq!(e.field(), "items[0].colour");
        assert!(e.reason().contains("colour"));
    }
}
