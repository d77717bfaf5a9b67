//! The station board: what a kitchen display shows for one station, derived from the state and
//! the store's plan (no state of its own).

use indexmap::IndexMap;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::planner::Plan;
use crate::ticket::ms_to_s;
use crate::types::TicketState;

/// Units still to make of one SKU at the station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllDay {
    pub sku: String,
    pub name: String,
    pub quantity: i32,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub store: usize,
    pub station: usize,
    pub slots: u32,
    /// (order, ticket) of QUEUED and STARTED tickets: STARTED first, then by due time (then
    /// acceptance order).
    pub queue: Vec<(usize, usize)>,
    /// Per SKU, in order of first appearance in the queue.
    pub all_day: Vec<AllDay>,
    pub last_seq: u64,
    pub backlog_s: i32,
    pub plan: Plan,
}

impl Engine {
    /// GetStationBoard.
    pub fn board(&self, store_id: &str, station: &str, now_ms: i64) -> Result<Board, EngineError> {
        let store = self.store_index(store_id)?;
        let station = self.station_index(station)?;
        let plan = self.plan(store, now_ms);
        let state = self.state();
        let mut queue: Vec<(bool, i64, usize, usize)> = Vec::new();
        for p in plan.planned() {
            let order = &state.orders[p.order];
            if let Some(t) = order.ticket_at(station) {
                let ticket = &order.tickets[t];
                if ticket.state.is_released() {
                    queue.push((ticket.state != TicketState::Started, p.tickets[t], p.order, t));
                }
            }
        }
        queue.sort_unstable();
        let mut all_day: IndexMap<&str, AllDay> = IndexMap::new();
        let mut backlog_ms = 0;
        for &(_, _, o, t) in &queue {
            let ticket = &state.orders[o].tickets[t];
            backlog_ms += ticket.work_ms;
            for item in ticket.items.iter().filter(|i| !i.sku.is_empty()) {
                all_day
                    .entry(item.sku.as_str())
                    .or_insert_with(|| AllDay { sku: item.sku.clone(), name: item.name.clone(), quantity: 0 })
                    .quantity += item.quantity;
            }
        }
        let s = &state.stores[store];
        Ok(Board {
            store,
            station,
            slots: s.slots[station],
            queue: queue.into_iter().map(|(_, _, o, t)| (o, t)).collect(),
            all_day: all_day.into_values().collect(),
            last_seq: s.station_seq[station],
            backlog_s: ms_to_s(backlog_ms),
            plan,
        })
    }
}
