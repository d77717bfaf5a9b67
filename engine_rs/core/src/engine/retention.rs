//! Order retention: how long a finished order stays in memory, and the clock tick's decision
//! to drop the ones past it.
//!
//! Eviction is a recorded decision (`orders_evicted`), not a side effect of time: the tick picks
//! the orders, the record names them, and `apply` drops exactly those, live and in replay. So
//! the state a log rebuilds never depends on the retention of the process replaying it, and
//! changing the setting between restarts is safe.
//!
//! The orders live in one vector indexed by position (the scheduler and the simulator take a
//! slice), so dropping some compacts it: O(orders in memory). The tick therefore waits until
//! the due orders are at least an eighth of those in memory, which keeps the cost per evicted
//! order constant and the orders in memory at most a seventh above the open ones plus the
//! retention's worth. Finding the due ones is a scan of the orders in memory, once per tick.

use crate::error::EngineError;
use crate::record::OrdersEvicted;
use crate::state::State;

/// Shortest retention, in seconds: a minute, long enough to recall a ticket bumped by mistake.
pub const MIN_RETENTION_S: f64 = 60.0;
/// Longest retention, in seconds: 30 days.
pub const MAX_RETENTION_S: f64 = 2_592_000.0;

/// Evict once the due orders are this fraction (1/N) of the orders in memory.
const BATCH_FRACTION: usize = 8;

/// The retention policy of a running engine (not part of the state: see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long a finished order stays in memory after it finished.
    pub finished_ms: i64,
    /// When the idempotency keys were last checked for expiry (an engine-local pace, so keys
    /// are scanned a few times per window rather than every tick).
    pub keys_checked_at_ms: i64,
    /// Whether evicted orders' keys leave memory for the event store (see
    /// [`crate::engine::Engine::set_keys_to_log`]).
    pub keys_to_log: bool,
}

impl Retention {
    /// A retention in seconds as the settings give it; the field is named in the error.
    pub fn from_seconds(seconds: f64) -> Result<Self, EngineError> {
        if !seconds.is_finite() || !(MIN_RETENTION_S..=MAX_RETENTION_S).contains(&seconds) {
            return Err(EngineError::invalid(
                "order_retention_s",
                format!(
                    "must be between {MIN_RETENTION_S} (a minute) and {MAX_RETENTION_S} (30 days) \
                     seconds, got {seconds}"
                ),
            ));
        }
        Ok(Self {
            finished_ms: (seconds * 1000.0).round() as i64,
            keys_checked_at_ms: i64::MIN,
            keys_to_log: false,
        })
    }

    /// The eviction due at `now_ms`, if any: the orders finished at least `finished_ms` ago
    /// (once they are a batch), and the idempotency keys older than `window_ms` (checked about
    /// eight times per window; with `keys_to_log`, named with the first eviction after each
    /// eighth of the window whether memory holds such keys or not, since the event store may:
    /// it drops them then).
    pub fn due(&mut self, state: &State, window_ms: i64, now_ms: i64) -> Option<OrdersEvicted> {
        let cutoff = now_ms.saturating_sub(self.finished_ms);
        let due: Vec<&str> = state
            .orders
            .iter()
            .filter(|o| o.finished_at_ms().is_some_and(|t| t <= cutoff))
            .map(|o| o.order_id.as_str())
            .collect();
        let orders_due = !due.is_empty() && due.len() * BATCH_FRACTION >= state.orders.len();
        let mut keys_accepted_before_ms = 0;
        // With `keys_to_log` the check waits for an eviction to carry it (no record of its own).
        let paced = now_ms.saturating_sub(self.keys_checked_at_ms) >= window_ms / 8;
        if paced && (orders_due || !self.keys_to_log) {
            self.keys_checked_at_ms = now_ms;
            let before = now_ms - window_ms;
            if self.keys_to_log
                || state.keys.values().flat_map(|m| m.values()).any(|k| k.accepted_at_ms < before)
            {
                keys_accepted_before_ms = before;
            }
        }
        if !orders_due && keys_accepted_before_ms == 0 {
            return None;
        }
        let order_ids = if orders_due { due.into_iter().map(str::to_owned).collect() } else { Vec::new() };
        Some(OrdersEvicted { order_ids, keys_accepted_before_ms, keys_to_log: self.keys_to_log })
    }
}
