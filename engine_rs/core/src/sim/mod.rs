//! The simulator: a seeded discrete-event rush that drives the public [`Engine`] API faster than
//! real time, and measures what customers, riders and the kitchen would have seen.
//!
//! - [`workload`]: who orders what, when (a rush arrival curve, the channel mix, drinks);
//! - [`kitchen`]: the event loop: simulated staff take tickets (policy `engine`: the first
//!   QUEUED ticket of the engine's board; policy `fifo`: arrival order), work for a drawn time
//!   (standard time x `slowdown` x log-normal(`cv`)), Start and Bump them through the engine;
//! - [`metrics`]: the [`Report`] and the definition of every figure;
//! - [`mpe2022`]: the generated 50-order instances of the restaurant-kitchen study in
//!   Mathematical Problems in Engineering (2022, article 4818158), as a scenario;
//! - [`rng`]: the simulator's own PRNG.
//!
//! Determinism: time is integer milliseconds from a fixed epoch; events at the same time run in
//! the order they were scheduled; all containers are ordered. The same shop, parameters and seed
//! give the same JSON, byte for byte.

// Counts, milliseconds and seconds here stay far below 2^52, where i64/usize -> f64 is exact;
// floats only shape random draws and averages in the report.
#![allow(clippy::cast_precision_loss)]

pub mod kitchen;
pub mod metrics;
pub mod mpe2022;
pub mod rng;
pub mod workload;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

pub use metrics::Report;

/// Who decides what the staff make next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// The engine: a free slot takes the first QUEUED ticket of its station's board (with the
    /// tickets the plan batches with it); quotes
    /// are the engine's; pacing, fast mode and channel pause as the shop configures them.
    Engine,
    /// The baseline: tickets in arrival order, the shop's `scheduler` actions off, and the
    /// quote = now + the standard work queued ahead (see [`kitchen`]).
    Fifo,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Self::Engine => "engine",
            Self::Fifo => "fifo",
        }
    }
}

/// Which world to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// A bubble-tea rush on the given shop (default).
    Rush,
    /// The MPE 2022 restaurant instances on a built-in Chinese-restaurant kitchen (the shop
    /// argument is ignored); see [`mpe2022`].
    Mpe2022,
}

/// How the kitchen is staffed at the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Staffing {
    /// Rush staffing: each station gets at least its shop slots and enough for the peak rate's
    /// expected standard work at 90 % utilization (the reference shop's slots cannot make
    /// 8-12 orders a minute; see docs/scheduler.md).
    Auto,
    /// The shop file's slots as they are.
    Shop,
}

/// Parameters of a run (JSON object; every field optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    pub seed: u64,
    /// Length of the arrival window in minutes (the run continues until every order is READY).
    pub minutes: u32,
    /// Orders per minute at the peak.
    pub peak_rate: f64,
    /// Orders per minute at rest.
    pub base_rate: f64,
    /// Share of orders from delivery platforms.
    pub delivery_share: f64,
    /// Coefficient of variation of step durations (log-normal around the true time).
    pub cv: f64,
    /// True time = standard time x slowdown (unknown to the scheduler).
    pub slowdown: f64,
    pub policy: Policy,
    pub scenario: Scenario,
    pub staffing: Staffing,
    /// Store to run (default: the shop's first).
    pub store_id: String,
    /// The platforms send each rider's updated arrival (within half a minute, 8 minutes before
    /// the rider comes) and the engine re-plans: drinks wait less for late riders, and the
    /// ready time moves away from the first quote with the rider.
    pub rider_updates: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            seed: 1,
            minutes: 90,
            peak_rate: 10.0,
            base_rate: 2.0,
            delivery_share: 0.5,
            cv: 0.15,
            slowdown: 1.0,
            policy: Policy::Engine,
            scenario: Scenario::Rush,
            staffing: Staffing::Auto,
            store_id: String::new(),
            rider_updates: false,
        }
    }
}

impl Params {
    /// Parses and checks a JSON parameter object; errors name the field.
    pub fn from_json(json: &str) -> Result<Self, EngineError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let params: Self = serde_path_to_error::deserialize(de).map_err(|err| {
            let path = err.path().to_string();
            EngineError::invalid(if path == "." { String::new() } else { path }, err.into_inner().to_string())
        })?;
        params.validate()?;
        Ok(params)
    }

    pub fn validate(&self) -> Result<(), EngineError> {
        let checks: [(&str, bool, &str); 6] = [
            ("minutes", (1..=24 * 60).contains(&self.minutes), "must be 1..=1440"),
            ("peak_rate", self.peak_rate > 0.0 && self.peak_rate <= 60.0, "must be in (0, 60]"),
            ("base_rate", self.base_rate > 0.0 && self.base_rate <= 60.0, "must be in (0, 60]"),
            ("delivery_share", (0.0..=1.0).contains(&self.delivery_share), "must be in [0, 1]"),
            ("cv", (0.0..=2.0).contains(&self.cv), "must be in [0, 2]"),
            ("slowdown", (0.2..=5.0).contains(&self.slowdown), "must be in [0.2, 5]"),
        ];
        for (field, ok, reason) in checks {
            if !ok {
                return Err(EngineError::invalid(field, reason));
            }
        }
        Ok(())
    }
}

/// Runs one simulation of `shop_json` (the JSON the core takes) and returns its report.
pub fn run(shop_json: &str, params: &Params) -> Result<Report, EngineError> {
    params.validate()?;
    match params.scenario {
        Scenario::Rush => kitchen::run_rush(shop_json, params),
        Scenario::Mpe2022 => mpe2022::run(params),
    }
}

/// [`run`] with JSON in and out (what the Python binding calls).
pub fn simulate(shop_json: &str, params_json: &str) -> Result<String, EngineError> {
    let params = Params::from_json(params_json)?;
    let report = run(shop_json, &params)?;
    Ok(serde_json::to_string(&report).expect("a report serializes"))
}

#[cfg(test)]
mod tests;
