//! The store's load as the API answers it: the recorded level with its reason and the actions it
//! switched on (see [`crate::scheduler::level`]), plus the measures as of the query's time.

use crate::types::{Channel, LoadLevel};

/// A store's load as of `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub store: usize,
    pub level: LoadLevel,
    pub reason: String,
    /// Orders whose work is in the kitchen.
    pub open_orders: i32,
    pub backlog_s: i32,
    pub at_ms: i64,
    pub since_ms: i64,
    pub pacing: bool,
    pub fast_mode: bool,
    /// SKUs and modifier codes hidden by fast mode (empty unless it is on).
    pub hidden: Vec<String>,
    pub paused_channels: Vec<Channel>,
    /// The actions in force, one sentence each.
    pub actions: Vec<String>,
}
