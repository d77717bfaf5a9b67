//! The store's load level: measured from the plan, moved along a ladder with hysteresis, and
//! recorded (a `load_changed` record) whenever it moves, so the automatic actions it switches
//! on are facts of the log: replay restores them without re-deciding anything.
//!
//! The ladder: normal, busy (warn the counter), rush (pace admission: hold walk-in and app
//! orders before the kitchen; extend delivery prep times), overload (also fast mode: hide slow
//! items), overload with channels paused. A level is entered as soon as either measure reaches
//! its threshold; it is left only when both measures are below `(100 - hysteresis)` % of its
//! thresholds and it has lasted `min_dwell`: every action is undone by itself when the load
//! falls, and none flaps.

use serde::{Deserialize, Serialize};

use crate::scheduler::plan::Plan;
use crate::scheduler::Settings;
use crate::types::{Fulfillment, LoadLevel};

/// The recorded load of a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadState {
    pub level: LoadLevel,
    /// Overloaded past the pause threshold: the configured channels are paused.
    pub paused: bool,
    pub reason: String,
    pub since_ms: i64,
}

impl Default for LoadState {
    fn default() -> Self {
        Self { level: LoadLevel::Normal, paused: false, reason: "normal".to_owned(), since_ms: 0 }
    }
}

impl LoadState {
    pub fn rung(&self) -> usize {
        match (self.level, self.paused) {
            (LoadLevel::Normal, _) => 0,
            (LoadLevel::Busy, _) => 1,
            (LoadLevel::Rush, _) => 2,
            (LoadLevel::Overload, false) => 3,
            (LoadLevel::Overload, true) => 4,
        }
    }

    /// Pacing is on (rush or worse, if the shop paces).
    pub fn pacing(&self, s: &Settings) -> bool {
        s.pacing && self.rung() >= 2
    }

    pub fn fast_mode(&self, s: &Settings) -> bool {
        s.fast_mode && self.rung() >= 3
    }

    pub fn channels_paused(&self, s: &Settings) -> bool {
        s.channel_pause && self.paused
    }

    /// The actions in force, one short sentence each.
    pub fn actions(&self, s: &Settings) -> Vec<String> {
        let mut out = Vec::new();
        if self.rung() >= 1 {
            out.push("warn the counter: the kitchen is busy".to_owned());
        }
        if self.pacing(s) {
            out.push(
                "pacing: walk-in and app orders held before the kitchen; delivery prep times extended"
                    .to_owned(),
            );
        }
        if self.fast_mode(s) {
            out.push(format!(
                "fast mode: {} slow items and {} modifiers hidden",
                s.fast_mode_items.len(),
                s.fast_mode_modifiers.len()
            ));
        }
        if self.channels_paused(s) {
            let names: Vec<&str> = s.pause_channels.iter().map(|c| c.name()).collect();
            out.push(format!("channels paused: {}", names.join(", ")));
        }
        out
    }
}

/// Rung -> (level, paused).
pub fn rung_state(rung: usize) -> (LoadLevel, bool) {
    match rung {
        0 => (LoadLevel::Normal, false),
        1 => (LoadLevel::Busy, false),
        2 => (LoadLevel::Rush, false),
        3 => (LoadLevel::Overload, false),
        _ => (LoadLevel::Overload, true),
    }
}

const RUNG_NAMES: [&str; 5] = ["normal", "busy", "rush", "overload", "channel pause"];

/// What the level is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measures {
    /// The queue: orders in the kitchen that it has not started yet. In the kitchen are every
    /// ASAP order (paced ones too: they are promised) and target orders once released.
    pub orders: i64,
    /// From now until the projected finish of the last of those orders.
    pub backlog_ms: i64,
}

/// `order_of(index)` says an order's fulfillment and whether the kitchen started it.
pub fn measure(plan: &Plan, order_of: impl Fn(usize) -> (Fulfillment, bool)) -> Measures {
    let mut orders = 0;
    let mut last = plan.now_ms;
    for p in plan.planned() {
        if p.order == crate::scheduler::plan::NEW_ORDER {
            continue;
        }
        let (fulfillment, started) = order_of(p.order);
        if !fulfillment.has_target() || p.release_ms <= plan.now_ms {
            orders += i64::from(!started);
            last = last.max(p.finish_ms);
        }
    }
    Measures { orders, backlog_ms: last - plan.now_ms }
}

fn top(s: &Settings) -> usize {
    if s.channel_pause && !s.pause_channels.is_empty() {
        4
    } else {
        3
    }
}

/// The highest rung whose thresholds (scaled by `percent`) the measures reach.
fn reached(s: &Settings, m: Measures, percent: i64) -> usize {
    (1..=top(s))
        .rev()
        .find(|&r| {
            let t = s.rungs[r - 1];
            m.orders * 100 >= t.orders * percent || m.backlog_ms * 100 >= t.backlog_ms * percent
        })
        .unwrap_or(0)
}

/// The new load if it moves: up at once, down only past the hysteresis band and after the
/// dwell time.
pub fn next(s: &Settings, current: &LoadState, m: Measures, now_ms: i64) -> Option<LoadState> {
    let cur = current.rung();
    let up = reached(s, m, 100);
    let measured = format!("{} orders waiting, {} s of work queued", m.orders, m.backlog_ms / 1000);
    let to = if up > cur {
        let t = s.rungs[up - 1];
        let why = if m.orders >= t.orders {
            format!("{} orders waiting (at {})", m.orders, t.orders)
        } else {
            format!("{} s of work queued (at {} s)", m.backlog_ms / 1000, t.backlog_ms / 1000)
        };
        Some((up, format!("{}: {why}", RUNG_NAMES[up])))
    } else if cur > 0 && now_ms - current.since_ms >= s.min_dwell_ms {
        let down = reached(s, m, 100 - s.hysteresis_percent).min(cur);
        (down < cur)
            .then(|| (down, format!("{}: eased off {} ({measured})", RUNG_NAMES[down], RUNG_NAMES[cur])))
    } else {
        None
    };
    to.map(|(rung, reason)| {
        let (level, paused) = rung_state(rung);
        LoadState { level, paused, reason, since_ms: now_ms }
    })
}
