//! The rush workload: when orders arrive (a non-homogeneous Poisson process), from which
//! channel, with what target and which drinks. Drawn once, up front, from its own random
//! stream, so both policies of one seed see exactly the same orders.

use crate::draft::DraftLine;
use crate::menu::Catalog;
use crate::types::{Channel, Fulfillment};

use super::rng::Rng;
use super::Params;

const MINUTE_MS: i64 = 60_000;
/// The platform updates the rider's predicted arrival this long before the rider comes.
const RIDER_UPDATE_BEFORE_MS: i64 = 8 * MINUTE_MS;
/// Delivery orders come from this many zones, uniformly.
const ZONES: i64 = 4;

/// One order the simulated customers will send.
#[derive(Debug, Clone)]
pub struct OrderSpec {
    /// Arrival, ms after the simulation's start.
    pub at_ms: i64,
    pub channel: Channel,
    pub fulfillment: Fulfillment,
    /// Reserved pickup time or the rider's predicted arrival (0 for ASAP), absolute ms.
    pub target_ms: i64,
    /// When the customer or rider actually comes for it (0 for ASAP: the customer waits at
    /// the counter), absolute ms.
    pub pickup_ms: i64,
    pub lines: Vec<DraftLine>,
    /// At least one iced drink (anything not ordered `no_ice`): it melts if it waits.
    pub cold: bool,
    /// Weight in weighted tardiness (the mpe2022 scenario's customer priority; 1 otherwise).
    pub weight: u32,
    /// Due time for weighted tardiness, absolute ms (the mpe2022 scenario; 0 otherwise).
    pub due_ms: i64,
    /// Delivery zone (one of four, for the engine's same-zone batching); empty otherwise.
    pub zone: String,
    /// Delivery: the platform's updated rider arrival, (when it is sent, the new prediction),
    /// absolute ms: once a rider is assigned and on the way, the platform knows the arrival
    /// within half a minute.
    pub rider_update: Option<(i64, i64)>,
    /// The party it belongs to: tardiness is per group (its last order READY). The rush has
    /// one order per group; mpe2022 sends each dish of a table as its own order.
    pub group: usize,
}

/// Orders per minute at minute `t` of a `minutes`-long rush: `base` at rest, a linear ramp to
/// `peak` over the first 20 %, the peak until 65 %, a linear decay back to `base` by 85 %.
/// With the default 90 minutes that is 40 minutes at the peak (design.md: 30-60 minutes).
pub fn rate_at(t: f64, minutes: f64, base: f64, peak: f64) -> f64 {
    let (up, top, down) = (0.20 * minutes, 0.65 * minutes, 0.85 * minutes);
    if t < up {
        base + (peak - base) * t / up
    } else if t < top {
        peak
    } else if t < down {
        peak - (peak - base) * (t - top) / (down - top)
    } else {
        base
    }
}

/// Arrival offsets (ms from the start) by thinning a Poisson process of the maximum rate.
fn arrivals(rng: &mut Rng, p: &Params) -> Vec<i64> {
    let minutes = f64::from(p.minutes);
    let max_rate = p.peak_rate.max(p.base_rate);
    let mut out = Vec::new();
    let mut t = 0.0;
    loop {
        t += rng.exponential(1.0 / max_rate);
        if t >= minutes {
            return out;
        }
        if rng.unit() * max_rate < rate_at(t, minutes, p.base_rate, p.peak_rate) {
            out.push((t * MINUTE_MS as f64).round() as i64);
        }
    }
}

/// Relative popularity of the reference shop's drinks (others: 10).
fn sku_weight(sku: &str) -> f64 {
    match sku {
        "classic_milk_tea" => 25.0,
        "jasmine_milk_green" => 15.0,
        "fresh_grape_tea" => 14.0,
        "brown_sugar_boba_milk" => 12.0,
        "fresh_orange_tea" => 8.0,
        "strawberry_cheese_smoothie" => 6.0,
        // mango_smoothie, lemon_black_tea and any other item
        _ => 10.0,
    }
}

/// How often a modifier is chosen when offered (the ice level is drawn separately).
fn modifier_chance(code: &str) -> f64 {
    match code {
        "large" => 0.35,
        "less_sugar" | "pearls" => 0.30,
        "cheese_foam" => 0.15,
        "coconut_jelly" => 0.10,
        "less_ice" | "no_ice" => 0.0,
        _ => 0.05,
    }
}

/// One to three drinks (50 / 35 / 15 %), identical drinks merged into one line.
fn drinks(rng: &mut Rng, catalog: &Catalog) -> Vec<DraftLine> {
    let weights: Vec<f64> = catalog.items.values().map(|i| sku_weight(&i.sku)).collect();
    let count = 1 + rng.weighted(&[0.50, 0.35, 0.15]);
    let mut lines: Vec<DraftLine> = Vec::new();
    for _ in 0..count {
        let item = catalog.item(rng.weighted(&weights));
        let offered = |code: &str| item.modifiers.iter().any(|&m| catalog.modifier(m).code == code);
        let mut modifiers = Vec::new();
        for &m in &item.modifiers {
            let code = &catalog.modifier(m).code;
            if rng.chance(modifier_chance(code)) {
                modifiers.push(code.clone());
            }
        }
        let ice = rng.unit();
        if ice < 0.10 && offered("no_ice") {
            modifiers.push("no_ice".to_owned());
        } else if ice < 0.35 && offered("less_ice") {
            modifiers.push("less_ice".to_owned());
        }
        if let Some(line) = lines.iter_mut().find(|l| l.sku == item.sku && l.modifiers == modifiers) {
            line.quantity += 1;
        } else {
            lines.push(DraftLine { sku: item.sku.clone(), quantity: 1, modifiers, note: String::new() });
        }
    }
    lines
}

/// The whole rush: arrivals, channels (delivery platforms `delivery_share`, the rest split
/// mini-program pickup-at 30 %, counter 40 %, kiosk 20 %, table QR 10 %), targets and drinks.
///
/// Delivery: the platform predicts the rider 10-20 minutes ahead (the target); the rider
/// actually arrives at that prediction plus normal jitter (sd 3 minutes), never before 3
/// minutes after the order, from one of four delivery zones. Mini-program: a pickup reserved 10-30 minutes ahead; the customer
/// comes at the reserved time.
pub fn generate(rng: &mut Rng, catalog: &Catalog, p: &Params, epoch_ms: i64) -> Vec<OrderSpec> {
    let times = arrivals(rng, p);
    let non_delivery = [
        (Channel::MiniProgram, 0.30),
        (Channel::Counter, 0.40),
        (Channel::Kiosk, 0.20),
        (Channel::TableQr, 0.10),
    ];
    let weights: Vec<f64> = non_delivery.iter().map(|c| c.1).collect();
    times
        .into_iter()
        .enumerate()
        .map(|(group, offset)| {
            let at_ms = epoch_ms + offset;
            let mut zone = String::new();
            let mut rider_update = None;
            let (channel, fulfillment, target_ms, pickup_ms) = if rng.chance(p.delivery_share) {
                zone = format!("zone-{}", rng.range(1, ZONES));
                let channel = if rng.chance(0.6) { Channel::Meituan } else { Channel::Eleme };
                let predicted = at_ms + rng.range(10 * MINUTE_MS, 20 * MINUTE_MS);
                let jitter = (rng.normal() * 3.0 * MINUTE_MS as f64).round() as i64;
                let actual = (predicted + jitter).max(at_ms + 3 * MINUTE_MS);
                let closer = (rng.normal() * 30_000.0).round() as i64;
                rider_update =
                    Some(((actual - RIDER_UPDATE_BEFORE_MS).max(at_ms + MINUTE_MS), actual + closer));
                (channel, Fulfillment::Delivery, predicted, actual)
            } else {
                match non_delivery[rng.weighted(&weights)].0 {
                    Channel::MiniProgram => {
                        let reserved = at_ms + rng.range(10 * MINUTE_MS, 30 * MINUTE_MS);
                        (Channel::MiniProgram, Fulfillment::PickupAt, reserved, reserved)
                    }
                    other => (other, Fulfillment::Asap, 0, 0),
                }
            };
            let lines = drinks(rng, catalog);
            let cold = lines.iter().any(|l| !l.modifiers.iter().any(|m| m == "no_ice"));
            OrderSpec {
                at_ms,
                channel,
                fulfillment,
                target_ms,
                pickup_ms,
                lines,
                cold,
                weight: 1,
                due_ms: 0,
                zone,
                rider_update,
                group,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_rises_holds_and_decays() {
        assert!((rate_at(0.0, 90.0, 2.0, 10.0) - 2.0).abs() < 1e-9);
        assert!((rate_at(9.0, 90.0, 2.0, 10.0) - 6.0).abs() < 1e-9);
        assert!((rate_at(30.0, 90.0, 2.0, 10.0) - 10.0).abs() < 1e-9);
        assert!((rate_at(85.0, 90.0, 2.0, 10.0) - 2.0).abs() < 1e-9);
    }
}
