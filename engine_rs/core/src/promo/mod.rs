//! Promotions and the best-deal price calculator. The exact contract (semantics, stacking, the
//! search's tie-breaks, JSON forms, reason codes) is `docs/promotions.md`; a plain-Python
//! reference implements the same page and differential tests compare the two to the cent.
//!
//! A [`PriceCalculator`] is compiled once from the shop's pricing settings and the promotions
//! ([`config`]: strict JSON, every refusal naming its field) and then prices one [`Cart`] per
//! call ([`cart`]), with no parsing of the configuration per call:
//! - [`conditions`]: dates, local time windows and weekdays, channel, store, tier, coupon;
//! - [`selector`]: which lines a scope, buy/get set, slot or price list selects (line masks);
//! - [`rule`]: the kind traits and their enum dispatch, one file per kind: [`percent_off`],
//!   [`amount_off`], [`nth_unit`], [`buy_x_get_y`], [`combo`], [`tier_price`],
//!   [`threshold_tiers`], [`every_x_off_y`];
//! - [`eval`]: one combination through the item and order stages;
//! - [`search`]: the exact branch-and-bound best deal (node budget, greedy fallback), its
//!   leaves (`leaf`), its per-unit item bounds (`item_bound`, tightened on hard carts by the
//!   linear program of `pattern_bound`, and on lines whose claims live on them alone by the
//!   knapsack of `line_bound`), its joint item/order bound
//!   (`order_bound`), the claims it evaluated (`claim_memo`) and its heuristics
//!   (`heuristics`: local search, greedy fallback);
//! - [`allocate`]: largest-remainder splits; [`points`]: points redemption;
//! - [`explain`]: reason codes and explanations; [`answer`]: the answer's JSON form;
//! - [`sample`]: a realistic promotion mix and carts (benchmark workload).

pub mod allocate;
pub mod amount_off;
pub mod answer;
pub mod buy_x_get_y;
pub mod calculator;
pub mod cart;
mod claim_memo;
pub mod combo;
pub mod conditions;
pub mod config;
pub mod eval;
pub mod every_x_off_y;
pub mod explain;
mod heuristics;
mod item_bound;
mod leaf;
mod line_bound;
pub mod nth_unit;
mod order_bound;
mod pattern_bound;
pub mod percent_off;
pub mod points;
pub mod promotion;
pub mod rule;
pub mod sample;
pub mod search;
pub mod selector;
mod table;
mod tail_bound;
pub mod threshold_tiers;
pub mod tier_price;

#[cfg(test)]
mod tests;

pub use answer::Answer;
pub use calculator::PriceCalculator;
pub use cart::Cart;
