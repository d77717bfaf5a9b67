//! `pyengine-core`: the deterministic order-orchestration core of pyengine, with no Python and
//! no protobuf in it (the `pyengine-native` crate binds it to Python).
//!
//! The engine is a state machine: commands carry their own time (`now_ms`), nothing reads a
//! clock, and every state change is one event record; applying the same records in the same
//! order rebuilds the same state, bit for bit ([`Engine::state_hash`]).
//!
//! Modules, from the configuration to the state machine:
//! - [`config`]: the shop file as written (strict serde parsing, field paths in errors);
//! - [`menu`]: the compiled, validated [`Catalog`] (stores, stations in kitchen order, items,
//!   modifiers, order steps), indexed by position;
//! - [`types`]: the API's closed vocabularies (channel, fulfillment, statuses, ...);
//! - [`draft`]: an incoming order draft, its validation and idempotency fingerprint;
//! - [`pricing`]: line prices and totals in integer minor units (promotions plug in here);
//! - [`promo`]: promotions and the best-deal [`PriceCalculator`] (contract: docs/promotions.md);
//! - [`ticket`]: per-station kitchen tickets built from the recipe steps, with batching and the
//!   dependencies that release them;
//! - [`order`]: an accepted order and its lifecycle fields;
//! - [`scheduler`]: the capacity-aware scheduler: plans by slack (derived, never stored),
//!   learned speeds, the load ladder with its automatic actions, admission decisions;
//! - [`load`]: the store's load as the API answers it;
//! - [`board`]: a station's board (queue, all-day counts);
//! - [`record`]: event records (msgpack) holding decided facts;
//! - [`state`]: the mutable state, and [`apply`]: the only code that mutates it;
//! - [`engine`]: the commands (decide -> record -> apply) and queries, and
//!   [`engine::retention`]: when finished orders leave memory (a recorded eviction);
//! - [`outcome`]: what a command produced, by reference into the state;
//! - [`hash`]: the state digest; [`error`]: the error enum;
//! - [`sim`]: the seeded rush simulator that drives the engine and judges its scheduler.

pub mod apply;
pub mod board;
pub mod config;
pub mod draft;
pub mod engine;
pub mod error;
pub mod hash;
pub mod load;
pub mod menu;
pub mod order;
pub mod outcome;
pub mod pricing;
pub mod promo;
pub mod promotions;
pub mod record;
pub mod scheduler;
pub mod sim;
pub mod state;
pub mod ticket;
pub mod types;

#[cfg(test)]
mod testutil;

pub use engine::Engine;
pub use error::EngineError;
pub use menu::Catalog;
pub use promo::PriceCalculator;
