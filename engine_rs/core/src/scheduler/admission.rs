//! The admission decision for a new order, taken with its quote: refuse (a paused channel, an
//! item hidden by fast mode), pace (accept, but hold the order before the kitchen until shortly
//! before its planned start), extend (a delivery order the kitchen cannot have ready by the
//! rider's arrival: the platform is told the real prep time at once, since a marketplace order
//! cannot be moved later once accepted), or admit.

use serde::{Deserialize, Serialize};

use crate::draft::Line;
use crate::error::EngineError;
use crate::menu::Catalog;
use crate::scheduler::level::LoadState;
use crate::scheduler::plan::Planned;
use crate::ticket::ms_to_s;
use crate::types::{Channel, Fulfillment};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    #[default]
    Admitted,
    Paced,
    Extended,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Admission {
    pub decision: Decision,
    /// Paced: the order reaches the kitchen at this time.
    pub hold_until_ms: i64,
    /// Extended: how much later than the rider's arrival the order will be ready.
    pub extension_ms: i64,
    pub reason: String,
}

/// Refuses an order the store does not take now, naming the field and the load's reason.
pub fn check_refusals(
    catalog: &Catalog,
    load: &LoadState,
    channel: Channel,
    lines: &[Line],
) -> Result<(), EngineError> {
    let s = &catalog.scheduler;
    if load.channels_paused(s) && s.pause_channels.contains(&channel) {
        return Err(EngineError::precondition(
            "order.channel",
            format!("{} is paused while the store is overloaded ({})", channel.name(), load.reason),
        ));
    }
    if load.fast_mode(s) {
        for (i, line) in lines.iter().enumerate() {
            if s.fast_mode_items.contains(&line.item) {
                let item = catalog.item(line.item);
                return Err(EngineError::precondition(
                    format!("order.lines[{i}].sku"),
                    format!("'{}' ({}) is hidden by fast mode ({})", item.sku, item.name, load.reason),
                ));
            }
            if let Some(&m) = line.modifiers.iter().find(|m| s.fast_mode_modifiers.contains(m)) {
                return Err(EngineError::precondition(
                    format!("order.lines[{i}].modifiers"),
                    format!("'{}' is hidden by fast mode ({})", catalog.modifier(m).code, load.reason),
                ));
            }
        }
    }
    Ok(())
}

/// The decision for an order planned as `planned` (its hypothetical plan entry).
pub fn decide(
    catalog: &Catalog,
    load: &LoadState,
    channel: Channel,
    fulfillment: Fulfillment,
    target_time_ms: i64,
    planned: &Planned,
    now_ms: i64,
) -> Admission {
    let s = &catalog.scheduler;
    if fulfillment == Fulfillment::Delivery && planned.finish_ms > target_time_ms {
        let extension_ms = planned.finish_ms - target_time_ms;
        return Admission {
            decision: Decision::Extended,
            hold_until_ms: 0,
            extension_ms,
            reason: format!(
                "ready {} s after the rider's predicted arrival ({})",
                ms_to_s(extension_ms),
                load.reason
            ),
        };
    }
    if load.pacing(s) && fulfillment == Fulfillment::Asap && !channel.is_delivery_platform() {
        let start = planned.starts.iter().copied().filter(|&t| t > 0).min().unwrap_or(now_ms);
        let hold = start - s.pace_lookahead_ms;
        if hold > now_ms {
            return Admission {
                decision: Decision::Paced,
                hold_until_ms: hold,
                extension_ms: 0,
                reason: format!(
                    "held before the kitchen for {} s, until shortly before its turn ({})",
                    ms_to_s(hold - now_ms),
                    load.reason
                ),
            };
        }
    }
    Admission::default()
}
