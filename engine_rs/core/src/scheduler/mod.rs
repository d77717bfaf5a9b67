//! The capacity-aware kitchen scheduler (docs/scheduler.md):
//! - [`settings`]: the `[scheduler]` table compiled (thresholds, actions, freshness, boosts);
//! - [`plan`]: list scheduling by slack over a store's open tickets: per-station sequences,
//!   per-ticket start/finish, per-order ETA (derived from the state and `now`, never stored);
//! - [`speed`]: learned station speeds (EWMA over Start/Bump);
//! - [`level`]: the load ladder with hysteresis, recorded when it moves;
//! - [`admission`]: refuse / pace / extend / admit a new order.

pub mod admission;
pub mod level;
pub mod plan;
pub mod settings;
pub mod speed;

pub use admission::{Admission, Decision};
pub use level::{LoadState, Measures};
pub use plan::{Kitchen, NewOrder, Plan, Planned, NEW_ORDER, SPEED_ONE};
pub use settings::Settings;
