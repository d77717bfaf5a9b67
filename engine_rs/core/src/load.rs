//! The store's load level, derived from the plan (no state): open orders and backlog against
//! fixed thresholds. A later issue makes the thresholds configurable and adds hysteresis.

use crate::types::LoadLevel;

/// (level, open orders at or above, backlog seconds at or above), most severe first.
const THRESHOLDS: [(LoadLevel, i64, i64); 3] =
    [(LoadLevel::Overload, 20, 900), (LoadLevel::Rush, 15, 600), (LoadLevel::Busy, 10, 300)];

/// A store's load as of `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub store: usize,
    pub level: LoadLevel,
    pub reason: String,
    pub open_orders: i32,
    pub backlog_s: i32,
    pub at_ms: i64,
}

fn level_name(level: LoadLevel) -> &'static str {
    match level {
        LoadLevel::Normal => "normal",
        LoadLevel::Busy => "busy",
        LoadLevel::Rush => "rush",
        LoadLevel::Overload => "overload",
    }
}

/// The level and a short sentence naming what triggered it.
pub fn assess(open_orders: i64, backlog_s: i64) -> (LoadLevel, String) {
    for (level, orders_at, backlog_at) in THRESHOLDS {
        let name = level_name(level);
        if open_orders >= orders_at {
            return (level, format!("{open_orders} open orders ({name} at {orders_at})"));
        }
        if backlog_s >= backlog_at {
            return (level, format!("{backlog_s} s backlog ({name} at {backlog_at} s)"));
        }
    }
    (LoadLevel::Normal, format!("normal: {open_orders} open orders, {backlog_s} s backlog"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_reasons() {
        assert_eq!(assess(21, 0), (LoadLevel::Overload, "21 open orders (overload at 20)".into()));
        assert_eq!(assess(0, 950), (LoadLevel::Overload, "950 s backlog (overload at 900 s)".into()));
        assert_eq!(assess(15, 0).0, LoadLevel::Rush);
        assert_eq!(assess(1, 600).0, LoadLevel::Rush);
        assert_eq!(assess(10, 0).0, LoadLevel::Busy);
        assert_eq!(assess(0, 300).0, LoadLevel::Busy);
        assert_eq!(assess(3, 140), (LoadLevel::Normal, "normal: 3 open orders, 140 s backlog".into()));
        assert_eq!(assess(9, 299).0, LoadLevel::Normal);
    }
}
