//! An accepted order as it lives in the state: its decided facts (ids, quote, tickets) and its
//! lifecycle (status, version, ready/cancel times).
//!
//! An order stays in memory while it is open and, once finished (READY or CANCELLED), for the
//! engine's order retention (recall of a just-bumped ticket, GetOrder while the customer
//! waits); an `orders_evicted` record then drops it (see [`crate::engine::retention`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::menu::Catalog;
use crate::pricing::Quote;
use crate::ticket::Ticket;
use crate::types::{Channel, Fulfillment, OrderStatus, TicketState};

/// Pickup numbers cycle through 1..=999 per prefix and store.
pub const PICKUP_CYCLE: u32 = 999;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    /// Index of the store in the catalog.
    pub store: usize,
    pub channel: Channel,
    pub channel_order_id: String,
    pub pickup_no: String,
    pub fulfillment: Fulfillment,
    pub target_time_ms: i64,
    pub member_id: String,
    pub customer_note: String,
    /// The price and ETA quoted at acceptance; never changes. Shared, so that copying the state
    /// for a snapshot does not copy every line and explanation (serialized as the quote itself).
    pub quote: Arc<Quote>,
    pub accepted_at_ms: i64,
    pub status: OrderStatus,
    /// 1 on acceptance, +1 per record that changes the order.
    pub version: u64,
    pub ready_at_ms: i64,
    pub cancelled_at_ms: i64,
    pub cancel_reason: String,
    /// In kitchen order (ascending station index), at most one per station.
    pub tickets: Vec<Ticket>,
    /// Units over all lines (for cups-ahead counts).
    pub units: u32,
    /// Fingerprint of the normalized draft, for idempotent replays.
    pub fingerprint: String,
    /// Log position of the submission record.
    pub lsn: u64,
    /// Skip-the-queue boost decided at admission (0 for none).
    pub boost_ms: i64,
    /// A paced order reaches the kitchen at this time (0: at once).
    pub hold_until_ms: i64,
    /// DELIVERY: the platform's zone (orders of one zone due close together are made together).
    pub delivery_zone: String,
}

impl Order {
    /// Index of the order's ticket at `station`, if it has one.
    pub fn ticket_at(&self, station: usize) -> Option<usize> {
        self.tickets.binary_search_by_key(&station, |t| t.station).ok()
    }

    /// `"<order_id>/<station>"`.
    pub fn ticket_id(&self, catalog: &Catalog, ticket: usize) -> String {
        format!("{}/{}", self.order_id, catalog.station_name(self.tickets[ticket].station))
    }

    /// When the order finished (READY or CANCELLED), or `None` while it is open.
    pub fn finished_at_ms(&self) -> Option<i64> {
        match self.status {
            OrderStatus::Ready => Some(self.ready_at_ms),
            OrderStatus::Cancelled => Some(self.cancelled_at_ms),
            OrderStatus::Accepted | OrderStatus::InProgress => None,
        }
    }

    pub fn all_done(&self) -> bool {
        self.tickets.iter().all(|t| t.state == TicketState::Done)
    }

    /// A waiting ticket whose dependencies are all done can go on its station's screen.
    pub fn releasable(&self, ticket: usize) -> bool {
        let t = &self.tickets[ticket];
        t.state == TicketState::Waiting
            && t.deps.iter().all(|&d| self.tickets[d as usize].state == TicketState::Done)
    }
}

/// Prefix of the pickup number: "D" for delivery platforms, "A" otherwise.
pub fn pickup_prefix(channel: Channel) -> usize {
    usize::from(channel.is_delivery_platform())
}

/// "A001".."A999", then "A001" again.
pub fn pickup_no(prefix: usize, seq: u32) -> String {
    let letter = if prefix == 1 { 'D' } else { 'A' };
    format!("{letter}{:03}", (seq % PICKUP_CYCLE) + 1)
}

/// "{store_id}-{n:06}".
pub fn order_id(store_id: &str, n: u64) -> String {
    format!("{store_id}-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(order_id("sh-001", 7), "sh-001-000007");
        assert_eq!(pickup_no(0, 0), "A001");
        assert_eq!(pickup_no(0, 998), "A999");
        assert_eq!(pickup_no(0, 999), "A001");
        assert_eq!(pickup_no(pickup_prefix(Channel::Meituan), 22), "D023");
        assert_eq!(pickup_prefix(Channel::Kiosk), 0);
    }
}
