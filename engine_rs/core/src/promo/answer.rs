//! The answer of one pricing call, in the contract's JSON form (field order as documented).

use std::sync::Arc;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineAnswer {
    pub line_no: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub net_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineAmount {
    pub line_no: i64,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Shared with the calculator (see [`NotApplied`]).
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub amount_minor: i64,
    /// Lines with a nonzero amount, by `line_no`.
    pub lines: Vec<LineAmount>,
    pub explanation: String,
}

/// Shared with the calculator, which writes every promotion's id and explanations once (see
/// `PriceCalculator::new`): an answer lists most promotions here, and copying their texts was
/// a tenth of a typical cart's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotApplied {
    pub id: Arc<str>,
    pub reason: &'static str,
    pub explanation: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    pub id: String,
    pub add_minor: i64,
    pub extra_discount_minor: i64,
}

/// The priced cart: lines by `line_no`, totals (= sums of the lines), what applied in
/// application order, what did not (by id) and why, near misses (by id), and whether the
/// search was exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub lines: Vec<LineAnswer>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub points_used: i64,
    pub points_value_minor: i64,
    pub applied: Vec<Applied>,
    pub not_applied: Vec<NotApplied>,
    pub near_misses: Vec<NearMiss>,
    pub exact: bool,
}

impl Answer {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an answer always serializes")
    }
}
