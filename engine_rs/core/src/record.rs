//! Event records: the log entries every state change produces and `apply` replays.
//!
//! A record is msgpack with named fields: `{lsn, at_ms, kind, body}`, where `body` is a map with
//! one key (the same name as `kind`) holding the decided facts. Facts, not requests: a submission
//! holds the priced lines, the quote and the tickets with their steps and work, so replaying it
//! never re-prices or re-validates against a menu that may have changed since. Stores and
//! stations are named (not indexed), so a replay against a configuration that lost one fails
//! loudly instead of misattributing work.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::pricing::Quote;
use crate::ticket::TicketItem;
use crate::types::{Channel, Fulfillment, LoadLevel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub lsn: u64,
    pub at_ms: i64,
    pub kind: String,
    pub body: Body,
}

#[derive(Debug, Serialize)]
struct RecordRef<'a> {
    lsn: u64,
    at_ms: i64,
    kind: &'a str,
    body: &'a Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    OrderSubmitted(Box<OrderSubmitted>),
    OrderCancelled(OrderCancelled),
    TicketStarted(TicketAction),
    TicketBumped(TicketAction),
    TicketRecalled(TicketAction),
    AvailabilitySet(AvailabilitySet),
    StaffingSet(StaffingSet),
    PromotionPut(PromotionPut),
    PromotionEnabled(PromotionEnabled),
    LoadChanged(LoadChanged),
    TargetUpdated(TargetUpdated),
    OrdersEvicted(OrdersEvicted),
}

impl Body {
    /// The record's short name for operators.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OrderSubmitted(_) => "order_submitted",
            Self::OrderCancelled(_) => "order_cancelled",
            Self::TicketStarted(_) => "ticket_started",
            Self::TicketBumped(_) => "ticket_bumped",
            Self::TicketRecalled(_) => "ticket_recalled",
            Self::AvailabilitySet(_) => "availability_set",
            Self::StaffingSet(_) => "staffing_set",
            Self::PromotionPut(_) => "promotion_put",
            Self::PromotionEnabled(_) => "promotion_enabled",
            Self::LoadChanged(_) => "load_changed",
            Self::TargetUpdated(_) => "target_updated",
            Self::OrdersEvicted(_) => "orders_evicted",
        }
    }
}

/// An accepted order, as decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSubmitted {
    pub order_id: String,
    pub store_id: String,
    pub channel: Channel,
    pub channel_order_id: String,
    pub pickup_no: String,
    pub fulfillment: Fulfillment,
    pub target_time_ms: i64,
    pub member_id: String,
    pub customer_note: String,
    pub units: u32,
    pub fingerprint: String,
    pub quote: Quote,
    /// In kitchen order.
    pub tickets: Vec<TicketRecord>,
    #[serde(default)]
    pub boost_ms: i64,
    #[serde(default)]
    pub hold_until_ms: i64,
    #[serde(default)]
    pub delivery_zone: String,
}

/// A target order's new target (rider arrival, reserved pickup time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetUpdated {
    pub order_id: String,
    pub target_time_ms: i64,
}

/// Finished orders leave memory (decided by the clock tick from the order retention; recorded,
/// so a replay drops exactly these whatever retention the replaying process is set to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdersEvicted {
    /// READY or CANCELLED orders, in acceptance order.
    pub order_ids: Vec<String>,
    /// Idempotency keys of submissions accepted before this time are forgotten too (0: none).
    pub keys_accepted_before_ms: i64,
    /// The evicted orders' idempotency keys leave memory with them: from this record on the
    /// event store keeps them (its idempotency key table, written in the same transaction as
    /// the record), so memory holds no key of an order it no longer holds. Records written
    /// before this field existed leave the keys in memory for the whole window.
    #[serde(default)]
    pub keys_to_log: bool,
}

/// The store's load moved along the ladder (see `scheduler::level`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadChanged {
    pub store_id: String,
    pub level: LoadLevel,
    pub paused: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub station: String,
    pub items: Vec<TicketItem>,
    pub work_ms: i64,
    /// Indices into the submission's tickets.
    pub deps: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCancelled {
    pub order_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAction {
    pub ticket_id: String,
}

/// Exactly one of `sku` and `modifier` is non-empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilitySet {
    pub store_id: String,
    pub sku: String,
    pub modifier: String,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingSet {
    pub store_id: String,
    pub station: String,
    pub slots: u32,
}

/// A promotion defined or redefined; `enabled` is the definition's own switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionPut {
    pub id: String,
    pub definition_json: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionEnabled {
    pub id: String,
    pub enabled: bool,
}

/// Serializes a record (named-field msgpack).
pub fn encode(lsn: u64, at_ms: i64, body: &Body) -> Vec<u8> {
    rmp_serde::to_vec_named(&RecordRef { lsn, at_ms, kind: body.kind(), body })
        .expect("records are plain data")
}

/// Deserializes a record; an undecodable one or one whose `kind` contradicts its body is a
/// ReplayError.
pub fn decode(bytes: &[u8]) -> Result<Record, EngineError> {
    let record: Record = rmp_serde::from_slice(bytes)
        .map_err(|e| EngineError::replay("", format!("undecodable record: {e}")))?;
    if record.kind != record.body.kind() {
        return Err(EngineError::replay(
            "kind",
            format!("record kind '{}' does not match its body '{}'", record.kind, record.body.kind()),
        ));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let body = Body::TicketBumped(TicketAction { ticket_id: "sh-001-000001/tea_bar".into() });
        let bytes = encode(7, 1234, &body);
        let record = decode(&bytes).unwrap();
        assert_eq!(record, Record { lsn: 7, at_ms: 1234, kind: "ticket_bumped".into(), body });
    }

    #[test]
    fn named_fields_are_readable() {
        let body = Body::StaffingSet(StaffingSet { store_id: "s".into(), station: "pack".into(), slots: 2 });
        let bytes = encode(1, 2, &body);
        // A generic msgpack reader (like Python's msgpack) sees maps with string keys.
        let value: serde_json::Value = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(value["kind"], "staffing_set");
        assert_eq!(value["body"]["staffing_set"]["slots"], 2);
    }

    #[test]
    fn garbage_and_mismatched_kind_are_replay_errors() {
        assert!(matches!(decode(b"\x01\x02"), Err(EngineError::Replay { .. })));
        let body = Body::TicketBumped(TicketAction { ticket_id: "x".into() });
        let bytes =
            rmp_serde::to_vec_named(&RecordRef { lsn: 1, at_ms: 0, kind: "ticket_started", body: &body })
                .unwrap();
        assert_eq!(decode(&bytes).unwrap_err().field(), "kind");
    }
}
