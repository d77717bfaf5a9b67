//! The station board: what a kitchen display shows for one station, derived from the state and
//! the store's plan (no state of its own).

use indexmap::IndexMap;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::scheduler::Plan;
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
    /// (order, ticket) of the station's work now: STARTED tickets, then the QUEUED ones the plan
    /// lets start (released), in planned order: a free slot takes the first QUEUED one.
    pub queue: Vec<(usize, usize)>,
    /// (order, ticket) of QUEUED tickets held for later (just-in-time pickup and delivery
    /// orders, paced orders, fire-last items), in planned order.
    pub upcoming: Vec<(usize, usize)>,
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
        let (mut started, mut queue, mut upcoming) = (Vec::new(), Vec::new(), Vec::new());
        for &(p, t) in plan.sequence(station) {
            let planned = &plan.planned()[p];
            let ticket = &state.orders[planned.order].tickets[t];
            match ticket.state {
                TicketState::Started => started.push((planned.order, t)),
                TicketState::Queued if planned.releases[t] <= now_ms => queue.push((planned.order, t)),
                TicketState::Queued => upcoming.push((planned.order, t)),
                _ => {}
            }
        }
        started.append(&mut queue);
        let queue = started;
        let mut all_day: IndexMap<&str, AllDay> = IndexMap::new();
        let mut backlog_ms = 0;
        for &(o, t) in queue.iter().chain(&upcoming) {
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
            queue,
            upcoming,
            all_day: all_day.into_values().collect(),
            last_seq: s.station_seq[station],
            backlog_s: ms_to_s(backlog_ms),
            plan,
        })
    }
}
