//! What a run measured: one [`Report`] per run, every figure defined on its field.
//!
//! Percentiles are nearest-rank over integer milliseconds (`p`-th: the value at rank
//! `ceil(p/100 x n)`), then shown in seconds with one decimal; percentages have one decimal.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::types::Fulfillment;

/// Freshness window: a cold drink ready longer than this before its pickup has melted.
pub const MELT_MS: i64 = 5 * 60 * 1000;
/// "Within 2 minutes of the quote".
pub const CLOSE_MS: i64 = 2 * 60 * 1000;

/// One accepted order's facts, as the simulator saw them.
#[derive(Debug, Clone)]
pub struct Done {
    pub fulfillment: Fulfillment,
    pub accepted_ms: i64,
    /// The first quote: the engine's `quote.eta_ms` (policy engine) or FIFO's quote.
    pub quote_ms: i64,
    /// When the order became READY (its last ticket bumped).
    pub ready_ms: i64,
    /// Reserved pickup time or the rider's predicted arrival; 0 for ASAP.
    pub target_ms: i64,
    /// When the customer or rider actually came; 0 for ASAP.
    pub pickup_ms: i64,
    pub cold: bool,
    pub weight: u32,
    pub due_ms: i64,
    pub group: usize,
}

impl Done {
    /// Late: READY after its target (pickup time, the rider's predicted arrival), or, for ASAP
    /// orders, after its first quote.
    pub fn late(&self) -> bool {
        let promised = if self.fulfillment.has_target() { self.target_ms } else { self.quote_ms };
        self.ready_ms > promised
    }

    /// How long a person waited for it: an ASAP customer from ordering until READY; a pickup
    /// customer or a rider from arriving until READY (0 when it was ready first).
    pub fn wait_ms(&self) -> i64 {
        if self.fulfillment.has_target() {
            (self.ready_ms - self.pickup_ms).max(0)
        } else {
            self.ready_ms - self.accepted_ms
        }
    }

    /// A cold order with a pickup moment that was READY more than [`MELT_MS`] before it.
    pub fn melted(&self) -> bool {
        self.melt_exposed() && self.pickup_ms - self.ready_ms > MELT_MS
    }

    /// Cold and collected later than it is made (pickup-at or delivery): it can melt.
    pub fn melt_exposed(&self) -> bool {
        self.cold && self.fulfillment.has_target()
    }

    /// A cold order whose customer or rider came more than [`MELT_MS`] after its (latest)
    /// target: ready by the target, it had melted; only being late could have saved it.
    pub fn melt_unavoidable(&self) -> bool {
        self.melt_exposed() && self.pickup_ms - self.target_ms > MELT_MS
    }
}

/// The result of one run (serialized as the CLI's JSON object).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub policy: String,
    pub seed: u64,
    pub minutes: u32,
    pub peak_rate: f64,
    pub cv: f64,
    pub slowdown: f64,
    /// Orders the customers sent.
    pub offered: usize,
    /// Orders accepted (submit succeeded). Every accepted order is run until READY.
    pub orders: usize,
    /// Orders the engine refused (channel paused, item hidden by fast mode, ...), each sent once.
    pub refused: usize,
    /// Refusals by the error's field, e.g. {"order.channel": 3}.
    pub refused_by_field: BTreeMap<String, usize>,
    /// The figures from the finished orders (inline in the JSON).
    #[serde(flatten)]
    pub figures: Figures,
    /// Most orders accepted and not yet READY at any moment.
    pub max_queue: usize,
    /// Slots per station at the start (after any automatic staffing).
    pub staffing: BTreeMap<String, u32>,
    /// What changed mid-rush, e.g. "tea_bar 11 -> 12 at minute 36".
    pub staff_changes: Vec<String>,
    /// The engine's load level moves (`load_changed` records), e.g. "minute 23.5: OVERLOAD
    /// (...)", in order.
    pub load_changes: Vec<String>,
    /// What the run could not do with this engine build (e.g. no `scheduler` table).
    pub notes: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round1(100.0 * part as f64 / whole as f64)
    }
}

/// Nearest-rank percentile of `sorted` (ascending), in seconds; 0 when empty.
pub fn percentile_s(sorted: &[i64], p: u32) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (sorted.len() * p as usize).div_ceil(100).max(1);
    round1(sorted[rank - 1] as f64 / 1000.0)
}

/// The figures of [`Report`] that come from the finished orders.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// % of accepted orders READY after their target (pickup time / the rider's predicted
    /// arrival), or after their first quote when ASAP.
    pub late_pct: f64,
    /// `late_pct` per fulfillment ("asap", "pickup_at", "delivery").
    pub late_pct_by_fulfillment: BTreeMap<String, f64>,
    /// Median and 90th percentile of |READY - first quote|, seconds, over accepted orders.
    pub eta_err_p50_s: f64,
    pub eta_err_p90_s: f64,
    /// % of accepted orders READY within 2 minutes (either side) of their first quote.
    pub within_2min_pct: f64,
    /// Median / 95th percentile of the wait of a person (see [`Done::wait_ms`]), seconds.
    pub wait_p50_s: f64,
    pub wait_p95_s: f64,
    /// The same over ASAP orders only (ordering to READY): most pickup and delivery orders are
    /// ready before anyone comes, which puts the overall median at 0.
    pub asap_wait_p50_s: f64,
    pub asap_wait_p95_s: f64,
    /// % of cold pickup-at and delivery orders READY more than 5 minutes before the customer
    /// came (reserved time) or the rider actually arrived.
    pub melt_pct: f64,
    /// `melt_pct` per fulfillment ("pickup_at", "delivery"; over the cold ones of each).
    pub melt_pct_by_fulfillment: BTreeMap<String, f64>,
    /// % of cold pickup-at and delivery orders whose customer or rider came more than 5 minutes
    /// after the order's (latest) target: a kitchen that is never late melts these whatever it
    /// does, so `melt_pct` cannot go below this without lateness.
    pub melt_unavoidable_pct: f64,
    /// `eta_err_p90_s` and `within_2min_pct` per fulfillment.
    pub eta_err_p90_s_by_fulfillment: BTreeMap<String, f64>,
    pub within_2min_pct_by_fulfillment: BTreeMap<String, f64>,
    /// % of delivery orders not READY when the rider actually arrived.
    pub rider_waited_pct: f64,
    /// Accepted orders / minutes from the first arrival to the last READY.
    pub throughput_per_min: f64,
    /// Minutes from the first arrival until the last order was READY.
    pub makespan_min: f64,
    /// Mean over groups (parties: one order each in the rush, a table's dishes in mpe2022) of
    /// weight x max(0, last READY - due), seconds; groups without a due time count 0 (only
    /// mpe2022 sets due times and weights).
    pub weighted_tardiness_s: f64,
}

pub fn figures(done: &[Done], first_arrival_ms: i64) -> Figures {
    let n = done.len();
    let mut err: Vec<i64> = done.iter().map(|d| (d.ready_ms - d.quote_ms).abs()).collect();
    err.sort_unstable();
    let mut wait: Vec<i64> = done.iter().map(Done::wait_ms).collect();
    wait.sort_unstable();
    let mut asap: Vec<i64> = done.iter().filter(|d| !d.fulfillment.has_target()).map(Done::wait_ms).collect();
    asap.sort_unstable();
    let exposed = done.iter().filter(|d| d.melt_exposed()).count();
    let deliveries: Vec<&Done> = done.iter().filter(|d| d.fulfillment == Fulfillment::Delivery).collect();
    let last_ready = done.iter().map(|d| d.ready_ms).max().unwrap_or(first_arrival_ms);
    let span_min = (last_ready - first_arrival_ms) as f64 / 60_000.0;
    // Per group: weight x (its last READY - due)+.
    let mut groups: BTreeMap<usize, (i64, i64, u32)> = BTreeMap::new();
    for d in done {
        let g = groups.entry(d.group).or_insert((0, d.due_ms, d.weight));
        g.0 = g.0.max(d.ready_ms);
    }
    let tardiness: i64 = groups
        .values()
        .filter(|g| g.1 > 0)
        .map(|&(ready, due, weight)| i64::from(weight) * (ready - due).max(0))
        .sum();
    let mut by_fulfillment = BTreeMap::new();
    let (mut melt_by, mut err_by, mut close_by) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (name, f) in [
        ("asap", Fulfillment::Asap),
        ("pickup_at", Fulfillment::PickupAt),
        ("delivery", Fulfillment::Delivery),
    ] {
        let of: Vec<&Done> = done.iter().filter(|d| d.fulfillment == f).collect();
        if of.is_empty() {
            continue;
        }
        by_fulfillment.insert(name.to_owned(), pct(of.iter().filter(|d| d.late()).count(), of.len()));
        let mut e: Vec<i64> = of.iter().map(|d| (d.ready_ms - d.quote_ms).abs()).collect();
        e.sort_unstable();
        err_by.insert(name.to_owned(), percentile_s(&e, 90));
        close_by.insert(name.to_owned(), pct(e.iter().filter(|&&x| x <= CLOSE_MS).count(), e.len()));
        let cold = of.iter().filter(|d| d.melt_exposed()).count();
        if cold > 0 {
            melt_by.insert(name.to_owned(), pct(of.iter().filter(|d| d.melted()).count(), cold));
        }
    }
    Figures {
        late_pct: pct(done.iter().filter(|d| d.late()).count(), n),
        late_pct_by_fulfillment: by_fulfillment,
        eta_err_p50_s: percentile_s(&err, 50),
        eta_err_p90_s: percentile_s(&err, 90),
        within_2min_pct: pct(err.iter().filter(|&&e| e <= CLOSE_MS).count(), n),
        wait_p50_s: percentile_s(&wait, 50),
        wait_p95_s: percentile_s(&wait, 95),
        asap_wait_p50_s: percentile_s(&asap, 50),
        asap_wait_p95_s: percentile_s(&asap, 95),
        melt_pct: pct(done.iter().filter(|d| d.melted()).count(), exposed),
        melt_pct_by_fulfillment: melt_by,
        melt_unavoidable_pct: pct(done.iter().filter(|d| d.melt_unavoidable()).count(), exposed),
        eta_err_p90_s_by_fulfillment: err_by,
        within_2min_pct_by_fulfillment: close_by,
        rider_waited_pct: pct(
            deliveries.iter().filter(|d| d.ready_ms > d.pickup_ms).count(),
            deliveries.len(),
        ),
        throughput_per_min: if span_min > 0.0 { round1(n as f64 / span_min) } else { 0.0 },
        makespan_min: round1(span_min),
        weighted_tardiness_s: if groups.is_empty() {
            0.0
        } else {
            round1(tardiness as f64 / 1000.0 / groups.len() as f64)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(f: Fulfillment, quote: i64, ready: i64, target: i64, pickup: i64) -> Done {
        Done {
            fulfillment: f,
            accepted_ms: 0,
            quote_ms: quote,
            ready_ms: ready,
            target_ms: target,
            pickup_ms: pickup,
            cold: true,
            weight: 2,
            due_ms: 100_000,
            group: ready as usize,
        }
    }

    #[test]
    fn definitions() {
        let asap = done(Fulfillment::Asap, 60_000, 200_000, 0, 0);
        assert!(asap.late());
        assert_eq!(asap.wait_ms(), 200_000);
        assert!(!asap.melt_exposed());
        let pickup = done(Fulfillment::PickupAt, 900_000, 300_000, 900_000, 900_000);
        assert!(!pickup.late());
        assert_eq!(pickup.wait_ms(), 0);
        assert!(pickup.melted());
        assert!(!pickup.melt_unavoidable(), "ready at the target, it would not have melted");
        // A rider 6 minutes after the predicted arrival: ready on time, it melts anyway.
        let rider = done(Fulfillment::Delivery, 600_000, 600_000, 600_000, 960_000);
        assert!(rider.melted() && rider.melt_unavoidable() && !rider.late());
        let f = figures(&[asap, pickup], 0);
        assert!((f.late_pct - 50.0).abs() < 1e-9);
        assert!((f.melt_pct - 100.0).abs() < 1e-9);
        assert!((f.eta_err_p50_s - 140.0).abs() < 1e-9);
        assert!((f.eta_err_p90_s - 600.0).abs() < 1e-9);
        assert!((f.weighted_tardiness_s - 300.0).abs() < 1e-9); // (2x100 + 2x200) s / 2
        assert!((f.makespan_min - 5.0).abs() < 1e-9);
        assert!(f.melt_unavoidable_pct.abs() < 1e-9);
        assert!((f.melt_pct_by_fulfillment["pickup_at"] - 100.0).abs() < 1e-9);
        assert!(!f.melt_pct_by_fulfillment.contains_key("asap"), "ASAP orders cannot melt");
        assert!((f.within_2min_pct_by_fulfillment["asap"]).abs() < 1e-9);
    }

    #[test]
    fn nearest_rank() {
        let v: Vec<i64> = (1..=10).map(|s| s * 1000).collect();
        assert!((percentile_s(&v, 50) - 5.0).abs() < 1e-9);
        assert!((percentile_s(&v, 95) - 10.0).abs() < 1e-9);
        assert!((percentile_s(&[], 50)).abs() < 1e-9);
    }
}
