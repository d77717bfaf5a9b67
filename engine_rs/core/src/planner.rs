//! ETA projection by list scheduling, per store.
//!
//! Over the store's open tickets (not DONE/VOID): STARTED ones hold a slot of their station from
//! now until `max(now, started_at + work)`; then the other tickets in order of acceptance (kitchen
//! order within an order; WAITING tickets too, after their predecessors' projected finish), each
//! on the slot of its station that frees earliest: `start = max(now, predecessors' finish, slot
//! free)`, `finish = start + work`. A closed station (0 slots) is projected as one slot.
//!
//! Cost: O(T log S) for T open tickets and S <= 32 slots per station, plus O(D) dependency
//! look-ups; the per-order results are found by binary search (O(log N)). Nothing is cached: a
//! plan is derived on demand from the state and `now_ms`, so it needs no replay.
//!
//! Deliberately simple (no priorities, no backfilling of gaps, no batching across orders); the
//! capacity-aware scheduler of a later issue replaces [`Plan::build`] and [`Plan::project`]
//! behind the same small interface.

use std::cmp::{max, Reverse};
use std::collections::BinaryHeap;

use crate::order::Order;
use crate::ticket::TicketDraft;
use crate::types::{Fulfillment, OrderStatus, TicketState};

/// The projection of one open order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub order: usize,
    /// Kitchen projection of the last ticket's finish (no pickup target applied).
    pub finish_ms: i64,
    /// Projected finish per ticket of the order (0 for DONE/VOID tickets).
    pub tickets: Vec<i64>,
}

/// A store's plan as of `now_ms`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub now_ms: i64,
    planned: Vec<Planned>,
    free: Vec<BinaryHeap<Reverse<i64>>>,
}

fn take_slot(heap: &mut BinaryHeap<Reverse<i64>>, ready: i64, work: i64) -> (i64, i64) {
    let Reverse(free) = heap.pop().unwrap_or(Reverse(ready));
    let start = max(ready, free);
    let finish = start + work;
    heap.push(Reverse(finish));
    (start, finish)
}

impl Plan {
    /// Plans the open orders `open` (indices into `orders`, ascending = acceptance order) on
    /// stations with `slots` parallel slots each.
    pub fn build(slots: &[u32], orders: &[Order], open: impl Iterator<Item = usize>, now_ms: i64) -> Self {
        let mut free: Vec<BinaryHeap<Reverse<i64>>> = slots
            .iter()
            .map(|&s| std::iter::repeat_n(Reverse(now_ms), s.max(1) as usize).collect())
            .collect();
        let mut planned: Vec<Planned> = open
            .map(|o| Planned { order: o, finish_ms: now_ms, tickets: vec![0; orders[o].tickets.len()] })
            .collect();
        for p in &mut planned {
            for (i, t) in orders[p.order].tickets.iter().enumerate() {
                if t.state == TicketState::Started {
                    let end = max(now_ms, t.started_at_ms + t.work_ms);
                    let heap = &mut free[t.station];
                    let Reverse(slot) = heap.pop().unwrap_or(Reverse(now_ms));
                    heap.push(Reverse(max(slot, end)));
                    p.tickets[i] = end;
                }
            }
        }
        for p in &mut planned {
            let tickets = &orders[p.order].tickets;
            for (i, t) in tickets.iter().enumerate() {
                if matches!(t.state, TicketState::Queued | TicketState::Waiting) {
                    let ready = t.deps.iter().map(|&d| p.tickets[d as usize]).fold(now_ms, max);
                    p.tickets[i] = take_slot(&mut free[t.station], ready, t.work_ms).1;
                }
            }
            p.finish_ms = p.tickets.iter().copied().fold(now_ms, max);
        }
        Self { now_ms, planned, free }
    }

    fn find(&self, order: usize) -> Option<&Planned> {
        self.planned.binary_search_by_key(&order, |p| p.order).ok().map(|i| &self.planned[i])
    }

    /// The open orders, in acceptance order.
    pub fn planned(&self) -> &[Planned] {
        &self.planned
    }

    /// The order's ETA: READY orders their ready time, cancelled 0, open ones the projection
    /// (for PICKUP_AT no earlier than the reserved time).
    pub fn eta_ms(&self, index: usize, order: &Order) -> i64 {
        match order.status {
            OrderStatus::Ready => order.ready_at_ms,
            OrderStatus::Cancelled => 0,
            OrderStatus::Accepted | OrderStatus::InProgress => {
                let projected = self.find(index).map_or(self.now_ms, |p| p.finish_ms);
                with_target(projected, order.fulfillment, order.target_time_ms)
            }
        }
    }

    /// When the plan wants the ticket done: its projected finish while open, its bump time once
    /// done, 0 when void.
    pub fn due_ms(&self, index: usize, order: &Order, ticket: usize) -> i64 {
        let t = &order.tickets[ticket];
        match t.state {
            TicketState::Done => t.done_at_ms,
            TicketState::Void => 0,
            _ => self.find(index).map_or(self.now_ms, |p| p.tickets[ticket]),
        }
    }

    /// Projected finish of a new order's tickets appended after everything planned (commits
    /// nothing).
    pub fn project(&self, tickets: &[TicketDraft]) -> i64 {
        let mut free = self.free.clone();
        let mut finish = vec![0_i64; tickets.len()];
        for (i, t) in tickets.iter().enumerate() {
            let ready = t.deps.iter().map(|&d| finish[d as usize]).fold(self.now_ms, max);
            finish[i] = take_slot(&mut free[t.station], ready, t.work_ms).1;
        }
        finish.into_iter().fold(self.now_ms, max)
    }
}

/// PICKUP_AT orders are not ready before the reserved time (the kitchen could finish earlier;
/// the customer comes then).
pub fn with_target(projected: i64, fulfillment: Fulfillment, target_ms: i64) -> i64 {
    if fulfillment == Fulfillment::PickupAt {
        max(projected, target_ms)
    } else {
        projected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{Quote, Totals};
    use crate::ticket::Ticket;
    use crate::types::{Channel, LoadLevel};

    fn ticket(station: usize, state: TicketState, work_ms: i64, deps: Vec<u32>) -> Ticket {
        Ticket {
            station,
            state,
            items: Vec::new(),
            work_ms,
            deps,
            created_at_ms: 0,
            started_at_ms: 0,
            done_at_ms: 0,
        }
    }

    fn order(tickets: Vec<Ticket>) -> Order {
        Order {
            order_id: "o".into(),
            store: 0,
            channel: Channel::Counter,
            channel_order_id: String::new(),
            pickup_no: String::new(),
            fulfillment: Fulfillment::Asap,
            target_time_ms: 0,
            member_id: String::new(),
            customer_note: String::new(),
            quote: Quote {
                currency: "CNY".into(),
                lines: Vec::new(),
                totals: Totals::default(),
                eta_ms: 0,
                prep_s: 0,
                cups_ahead: 0,
                load_level: LoadLevel::Normal,
                promotions: Vec::new(),
                near_misses: Vec::new(),
                points_used: 0,
                points_value_minor: 0,
            },
            accepted_at_ms: 0,
            status: OrderStatus::Accepted,
            version: 1,
            ready_at_ms: 0,
            cancelled_at_ms: 0,
            cancel_reason: String::new(),
            tickets,
            units: 1,
            fingerprint: String::new(),
            lsn: 1,
        }
    }

    #[test]
    fn chain_on_free_stations() {
        let o = order(vec![
            ticket(0, TicketState::Queued, 10, vec![]),
            ticket(1, TicketState::Waiting, 5, vec![0]),
        ]);
        let plan = Plan::build(&[1, 1], std::slice::from_ref(&o), [0].into_iter(), 100);
        assert_eq!(plan.due_ms(0, &o, 0), 110);
        assert_eq!(plan.due_ms(0, &o, 1), 115);
        assert_eq!(plan.eta_ms(0, &o), 115);
    }

    #[test]
    fn second_order_waits_for_the_slot() {
        let a = order(vec![ticket(0, TicketState::Queued, 10, vec![])]);
        let b = order(vec![ticket(0, TicketState::Queued, 10, vec![])]);
        let orders = [a, b];
        let plan = Plan::build(&[1], &orders, [0, 1].into_iter(), 0);
        assert_eq!(plan.eta_ms(1, &orders[1]), 20);
        let two = Plan::build(&[2], &orders, [0, 1].into_iter(), 0);
        assert_eq!(two.eta_ms(1, &orders[1]), 10);
    }

    #[test]
    fn started_tickets_hold_their_slot_first() {
        let a = order(vec![ticket(0, TicketState::Queued, 10, vec![])]);
        let mut started = ticket(0, TicketState::Started, 30, vec![]);
        started.started_at_ms = -10;
        let b = order(vec![started]);
        let orders = [a, b];
        let plan = Plan::build(&[1], &orders, [0, 1].into_iter(), 0);
        assert_eq!(plan.eta_ms(1, &orders[1]), 20);
        assert_eq!(plan.eta_ms(0, &orders[0]), 30);
        let draft = [TicketDraft { station: 0, items: Vec::new(), work_ms: 5, deps: vec![] }];
        assert_eq!(plan.project(&draft), 35);
    }

    #[test]
    fn closed_station_projects_as_one_slot_and_pickup_target_counts() {
        let mut o = order(vec![ticket(0, TicketState::Queued, 10, vec![])]);
        o.fulfillment = Fulfillment::PickupAt;
        o.target_time_ms = 1000;
        let plan = Plan::build(&[0], std::slice::from_ref(&o), [0].into_iter(), 0);
        assert_eq!(plan.planned()[0].finish_ms, 10);
        assert_eq!(plan.eta_ms(0, &o), 1000);
    }
}
