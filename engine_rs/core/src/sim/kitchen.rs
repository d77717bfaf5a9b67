//! The event loop: arrivals, staff finishing tickets, staffing changes and clock ticks, in time
//! order (ties in scheduling order), each followed by a dispatch that gives every free slot
//! the next ticket its policy picks.
//!
//! The simulator owns the truth (how many people work each station, how long a ticket really
//! takes); the engine only hears what a real kitchen would tell it: submissions, Start, Bump,
//! staffing changes and the clock.
//!
//! FIFO's quote: `now + max over the order's stations s of (standard work of the tickets of
//! open orders at s, started ones counting what is left of their standard time) / slots(s) +
//! the order's own longest chain of standard times`, and for a pickup-at order no earlier than
//! its reserved time. This is "the sum of standard times of the queue ahead" shared by the
//! station's slots: a plain sum over all stations would quote a 20-person kitchen as if one
//! person made everything, which no shop does.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::draft::{resolve, Draft, Purpose};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::outcome::{Outcome, Response};
use crate::record::{self, Body};
use crate::ticket::{self, TicketDraft};
use crate::types::{OrderStatus, TicketState};

use super::metrics::{self, Done, Report};
use super::rng::Rng;
use super::workload::{self, OrderSpec};
use super::{Params, Policy, Staffing};

/// The simulation's clock starts here (2025-06-15 12:00 UTC, a Sunday lunch), so targets are
/// plausible absolute times.
pub const EPOCH_MS: i64 = 1_749_988_800_000;
/// The engine's clock tick (load levels are re-evaluated on it).
pub const TICK_MS: i64 = 10_000;
/// Give up when orders are still open this long after the last arrival (a closed station).
const DRAIN_LIMIT_MS: i64 = 24 * 60 * 60 * 1000;
/// Rush staffing aims at this utilization of each station at the peak.
const TARGET_UTILIZATION: f64 = 0.9;
/// Turns the engine's automatic actions off for the FIFO baseline.
const SCHEDULER_OFF: &str = r#"{"pacing": false, "fast_mode": false, "channel_pause": false}"#;

#[derive(Debug, Clone)]
enum Event {
    Arrive(usize),
    /// The platform's updated rider arrival for spec `usize`.
    RiderUpdate(usize),
    Finish {
        station: usize,
        ticket_id: String,
    },
    /// Another ticket of a batch whose slot the leader's `Finish` frees.
    FinishAlong {
        ticket_id: String,
    },
    Staff {
        station: usize,
        slots: u32,
    },
    Tick,
}

/// A staffing change at an offset from the start.
#[derive(Debug, Clone)]
pub struct StaffChange {
    pub at_ms: i64,
    pub station: usize,
    pub slots: u32,
}

/// Builds the engine; with `actions_off` (FIFO, and the mpe2022 instances, which must all be
/// accepted) the shop's automatic actions are off. An engine without that table gets the shop
/// as it is and the report says so.
pub fn build_engine(
    shop_json: &str,
    actions_off: bool,
    notes: &mut Vec<String>,
) -> Result<Engine, EngineError> {
    if !actions_off {
        return Engine::new(shop_json);
    }
    let mut shop: Value =
        serde_json::from_str(shop_json).map_err(|e| EngineError::config("", format!("not JSON: {e}")))?;
    if let Some(obj) = shop.as_object_mut() {
        let off: Value = serde_json::from_str(SCHEDULER_OFF).expect("constant JSON");
        match obj.get_mut("scheduler").and_then(Value::as_object_mut) {
            Some(table) => table.extend(off.as_object().expect("an object").clone()),
            None => {
                obj.insert("scheduler".to_owned(), off);
            }
        }
    }
    match Engine::new(&shop.to_string()) {
        Ok(engine) => Ok(engine),
        Err(e) if e.field().starts_with("scheduler") || e.reason().contains("scheduler") => {
            notes.push(format!(
                "engine has no `scheduler` table ({}): FIFO runs with the shop as is",
                e.reason()
            ));
            Engine::new(shop_json)
        }
        Err(e) => Err(e),
    }
}

/// The engine's clock tick: load levels are re-judged (and fall) even while nothing happens.
fn tick(engine: &mut Engine, now_ms: i64) -> Result<Outcome, EngineError> {
    engine.tick(now_ms)
}

fn draft(spec: &OrderSpec, store_id: &str, n: usize) -> Draft {
    Draft {
        store_id: store_id.to_owned(),
        channel: Some(spec.channel),
        channel_order_id: format!("sim-{n:05}"),
        lines: spec.lines.clone(),
        fulfillment: Some(spec.fulfillment),
        target_time_ms: spec.target_ms,
        delivery_zone: spec.zone.clone(),
        ..Draft::default()
    }
}

/// The tickets the engine would build for `spec` (no state change).
fn tickets_of(
    engine: &Engine,
    store: usize,
    spec: &OrderSpec,
    store_id: &str,
) -> Result<Vec<TicketDraft>, EngineError> {
    let d = draft(spec, store_id, 0);
    let r = resolve(engine.catalog(), &engine.state().stores[store], store, &d, Purpose::Quote, spec.at_ms)?;
    Ok(ticket::build(engine.catalog(), &r.lines, &[], r.fulfillment))
}

/// Mean standard work (ms) per order at each station over `specs`.
pub fn mean_work(
    engine: &Engine,
    store: usize,
    store_id: &str,
    specs: &[OrderSpec],
) -> Result<Vec<f64>, EngineError> {
    let mut work = vec![0.0; engine.catalog().stations.len()];
    for spec in specs {
        for t in tickets_of(engine, store, spec, store_id)? {
            work[t.station] += t.work_ms as f64;
        }
    }
    let n = specs.len().max(1) as f64;
    Ok(work.into_iter().map(|w| w / n).collect())
}

/// The rush scenario on a shop: workload, staffing (auto: rush staffing; a person joins the
/// busiest station at 40 % of the window and leaves at 80 %), then the loop.
pub fn run_rush(shop_json: &str, p: &Params) -> Result<Report, EngineError> {
    let mut notes = Vec::new();
    let mut engine = build_engine(shop_json, p.policy == Policy::Fifo, &mut notes)?;
    let store_id = if p.store_id.is_empty() {
        engine
            .catalog()
            .stores
            .keys()
            .next()
            .cloned()
            .ok_or_else(|| EngineError::config("stores", "no store"))?
    } else {
        p.store_id.clone()
    };
    let store = engine.store_index(&store_id)?;
    let mut root = Rng::new(p.seed);
    let specs = workload::generate(&mut root.fork(1), engine.catalog(), p, EPOCH_MS);
    let work = mean_work(&engine, store, &store_id, &specs)?;
    let names: Vec<String> = engine.catalog().stations.keys().cloned().collect();
    let mut slots: Vec<u32> = engine.state().stores[store].slots.clone();
    if p.staffing == Staffing::Auto {
        for (s, w) in work.iter().enumerate() {
            let needed = (p.peak_rate * w / 60_000.0 / TARGET_UTILIZATION).ceil() as u32;
            slots[s] = slots[s].max(needed).min(crate::menu::MAX_SLOTS);
            engine.set_staffing(&store_id, &names[s], slots[s] as i32, EPOCH_MS)?;
        }
    }
    let busiest = (0..names.len())
        .max_by(|&a, &b| {
            (work[a] / f64::from(slots[a].max(1))).total_cmp(&(work[b] / f64::from(slots[b].max(1))))
        })
        .unwrap_or(0);
    let window = i64::from(p.minutes) * 60_000;
    let changes = vec![
        StaffChange { at_ms: window * 2 / 5, station: busiest, slots: slots[busiest] + 1 },
        StaffChange { at_ms: window * 4 / 5, station: busiest, slots: slots[busiest] },
    ];
    drive(engine, store, store_id, p, &specs, notes, &changes, root.next_u64())
}

/// Runs the event loop over `specs` on a prepared engine (staffing set) and reports.
#[allow(clippy::too_many_arguments)]
pub fn drive(
    engine: Engine,
    store: usize,
    store_id: String,
    params: &Params,
    specs: &[OrderSpec],
    notes: Vec<String>,
    changes: &[StaffChange],
    noise_seed: u64,
) -> Result<Report, EngineError> {
    Sim::new(engine, store, store_id, params, specs, notes).run(changes, noise_seed)
}

struct Sim<'a> {
    engine: Engine,
    store: usize,
    store_id: String,
    names: Vec<String>,
    params: &'a Params,
    specs: &'a [OrderSpec],
    slots: Vec<u32>,
    busy: Vec<u32>,
    events: BTreeMap<(i64, u64), Event>,
    seq: u64,
    /// Per engine order index: (spec, first quote).
    accepted: Vec<(usize, i64)>,
    ready_seen: Vec<bool>,
    ready_count: usize,
    refused_by_field: BTreeMap<String, usize>,
    max_queue: usize,
    noise_seed: u64,
    notes: Vec<String>,
    staff_log: Vec<String>,
    load_log: Vec<String>,
}

impl<'a> Sim<'a> {
    fn new(
        engine: Engine,
        store: usize,
        store_id: String,
        params: &'a Params,
        specs: &'a [OrderSpec],
        notes: Vec<String>,
    ) -> Self {
        let names: Vec<String> = engine.catalog().stations.keys().cloned().collect();
        let slots = engine.state().stores[store].slots.clone();
        Self {
            busy: vec![0; names.len()],
            engine,
            store,
            store_id,
            names,
            params,
            specs,
            slots,
            events: BTreeMap::new(),
            seq: 0,
            accepted: Vec::new(),
            ready_seen: Vec::new(),
            ready_count: 0,
            refused_by_field: BTreeMap::new(),
            max_queue: 0,
            noise_seed: 0,
            notes,
            staff_log: Vec::new(),
            load_log: Vec::new(),
        }
    }

    /// Notes the load level moves an engine call recorded.
    fn seen(&mut self, outcome: &Outcome) -> Result<(), EngineError> {
        for r in outcome.records.iter().filter(|r| r.kind == "load_changed") {
            if let Body::LoadChanged(l) = record::decode(&r.bytes)?.body {
                self.load_log.push(format!(
                    "minute {:.1}: {}{} ({})",
                    (r.at_ms - EPOCH_MS) as f64 / 60_000.0,
                    format!("{:?}", l.level).to_lowercase(),
                    if l.paused { ", channels paused" } else { "" },
                    l.reason
                ));
            }
        }
        Ok(())
    }

    fn schedule(&mut self, at_ms: i64, event: Event) {
        self.seq += 1;
        self.events.insert((at_ms, self.seq), event);
    }

    fn open_orders(&self) -> usize {
        self.accepted.len() - self.ready_count
    }

    fn run(mut self, changes: &[StaffChange], noise_seed: u64) -> Result<Report, EngineError> {
        self.noise_seed = noise_seed;
        let staffing: BTreeMap<String, u32> =
            self.names.iter().cloned().zip(self.slots.iter().copied()).collect();
        for (i, spec) in self.specs.iter().enumerate() {
            self.schedule(spec.at_ms, Event::Arrive(i));
            if let Some((at, _)) = spec.rider_update.filter(|_| self.params.rider_updates) {
                self.schedule(at, Event::RiderUpdate(i));
            }
        }
        for c in changes {
            self.schedule(EPOCH_MS + c.at_ms, Event::Staff { station: c.station, slots: c.slots });
        }
        let last_arrival = self.specs.iter().map(|s| s.at_ms).max().unwrap_or(EPOCH_MS);
        self.schedule(EPOCH_MS, Event::Tick);
        while let Some(((now, _), event)) = self.events.pop_first() {
            match event {
                Event::Arrive(i) => self.arrive(i, now)?,
                Event::RiderUpdate(i) => self.rider_update(i, now)?,
                Event::Finish { station, ticket_id } => self.finish(station, &ticket_id, now)?,
                Event::FinishAlong { ticket_id } => self.bump(&ticket_id, now)?,
                Event::Staff { station, slots } => {
                    self.staff_log.push(format!(
                        "{} {} -> {} at minute {}",
                        self.names[station],
                        self.slots[station],
                        slots,
                        (now - EPOCH_MS) / 60_000
                    ));
                    self.slots[station] = slots;
                    let out =
                        self.engine.set_staffing(&self.store_id, &self.names[station], slots as i32, now)?;
                    self.seen(&out)?;
                }
                Event::Tick => {
                    let out = tick(&mut self.engine, now)?;
                    self.seen(&out)?;
                    let pending = self.events.keys().any(|&(t, _)| t > now) || self.open_orders() > 0;
                    if now > last_arrival + DRAIN_LIMIT_MS {
                        return Err(EngineError::precondition(
                            "simulation",
                            format!("{} orders still open a day after the last arrival", self.open_orders()),
                        ));
                    }
                    if pending || now < last_arrival {
                        self.schedule(now + TICK_MS, Event::Tick);
                    }
                }
            }
            self.max_queue = self.max_queue.max(self.open_orders());
            self.dispatch(now)?;
        }
        // Accounting: every accepted order became READY exactly once, at a time after it came.
        let state = self.engine.state();
        let unready = self.ready_seen.iter().filter(|r| !**r).count();
        if unready > 0 || self.ready_count != self.accepted.len() {
            return Err(EngineError::precondition("simulation", format!("{unready} orders never READY")));
        }
        if let Some(o) =
            (0..self.accepted.len()).find(|&o| state.orders[o].ready_at_ms < state.orders[o].accepted_at_ms)
        {
            return Err(EngineError::precondition("simulation", format!("order {o} READY before it came")));
        }
        Ok(self.report(staffing))
    }

    fn arrive(&mut self, i: usize, now: i64) -> Result<(), EngineError> {
        let spec = &self.specs[i];
        let fifo_quote = match self.params.policy {
            Policy::Fifo => Some(self.fifo_quote(spec, now)?),
            Policy::Engine => None,
        };
        match self.engine.submit(Some(draft(spec, &self.store_id, i)), now) {
            Ok(outcome) => {
                self.seen(&outcome)?;
                let Response::Submitted(index) = outcome.response else {
                    return Err(EngineError::precondition("simulation", "submit answered something else"));
                };
                debug_assert_eq!(index, self.accepted.len(), "one store: engine indices follow acceptance");
                let quote = fifo_quote.unwrap_or(self.engine.state().orders[index].quote.eta_ms);
                self.accepted.push((i, quote));
                self.ready_seen.push(false);
                // An order with nothing to make is READY at once.
                self.note_ready(index);
            }
            Err(e) => *self.refused_by_field.entry(e.field().to_owned()).or_default() += 1,
        }
        Ok(())
    }

    /// Tells the engine the rider's new arrival, if the order is accepted and still open.
    fn rider_update(&mut self, i: usize, now: i64) -> Result<(), EngineError> {
        let Some(index) = self.accepted.iter().position(|&(spec, _)| spec == i) else { return Ok(()) };
        let Some((_, target)) = self.specs[i].rider_update else { return Ok(()) };
        if !self.engine.state().orders[index].status.is_open() {
            return Ok(());
        }
        let order_id = self.engine.state().orders[index].order_id.clone();
        let out = self.engine.update_target(&order_id, target.max(now - 60_000), now)?;
        self.seen(&out)
    }

    fn note_ready(&mut self, index: usize) {
        if self.engine.state().orders[index].status == OrderStatus::Ready && !self.ready_seen[index] {
            self.ready_seen[index] = true;
            self.ready_count += 1;
        }
    }

    fn fifo_quote(&self, spec: &OrderSpec, now: i64) -> Result<i64, EngineError> {
        let own = tickets_of(&self.engine, self.store, spec, &self.store_id)?;
        let state = self.engine.state();
        let mut ahead = vec![0_i64; self.names.len()];
        for &o in &state.stores[self.store].open {
            for t in &state.orders[o].tickets {
                ahead[t.station] += match t.state {
                    TicketState::Waiting | TicketState::Queued => t.work_ms,
                    TicketState::Started => (t.started_at_ms + t.work_ms - now).max(0),
                    TicketState::Done | TicketState::Void => 0,
                };
            }
        }
        let wait =
            own.iter().map(|t| ahead[t.station] / i64::from(self.slots[t.station].max(1))).max().unwrap_or(0);
        let mut finish = vec![0_i64; own.len()];
        for (i, t) in own.iter().enumerate() {
            finish[i] = t.deps.iter().map(|&d| finish[d as usize]).max().unwrap_or(0) + t.work_ms;
        }
        let quote = now + wait + finish.into_iter().max().unwrap_or(0);
        Ok(if spec.fulfillment == crate::types::Fulfillment::PickupAt {
            quote.max(spec.target_ms)
        } else {
            quote
        })
    }

    fn finish(&mut self, station: usize, ticket_id: &str, now: i64) -> Result<(), EngineError> {
        self.busy[station] -= 1;
        self.bump(ticket_id, now)
    }

    /// Bumps a ticket whose work is done (its slot is freed by the caller, once per batch).
    fn bump(&mut self, ticket_id: &str, now: i64) -> Result<(), EngineError> {
        let out = self.engine.bump_ticket(ticket_id, now)?;
        self.seen(&out)?;
        let (order_id, _) = ticket_id.rsplit_once('/').expect("ids are order/station");
        let index = self.engine.order_index(order_id)?;
        self.note_ready(index);
        Ok(())
    }

    /// The tickets the policy gives a free slot of `station`: none, one, or (engine) the batch of
    /// identical tickets of other orders that the plan makes together with the first.
    fn pick(&self, station: usize, now: i64) -> Result<Vec<(usize, usize)>, EngineError> {
        let state = self.engine.state();
        let queued = |&(o, t): &(usize, usize)| state.orders[o].tickets[t].state == TicketState::Queued;
        let mut fifo = state.stores[self.store]
            .open
            .iter()
            .filter_map(|&o| state.orders[o].ticket_at(station).map(|t| (o, t)))
            .filter(queued);
        match self.params.policy {
            Policy::Fifo => Ok(fifo.next().into_iter().collect()),
            Policy::Engine => {
                if fifo.next().is_none() {
                    return Ok(Vec::new()); // nothing QUEUED here: skip building a board
                }
                let board = self.engine.board(&self.store_id, &self.names[station], now)?;
                let Some(first) = board.queue.iter().copied().find(queued) else { return Ok(Vec::new()) };
                let batch = board.plan.batch(first.0, first.1);
                if batch == 0 {
                    return Ok(vec![first]);
                }
                Ok(board
                    .queue
                    .iter()
                    .copied()
                    .filter(|&(o, t)| queued(&(o, t)) && board.plan.batch(o, t) == batch)
                    .collect())
            }
        }
    }

    fn dispatch(&mut self, now: i64) -> Result<(), EngineError> {
        for station in 0..self.names.len() {
            while self.busy[station] < self.slots[station] {
                let picked = self.pick(station, now)?;
                let Some(&(o, t)) = picked.first() else { break };
                let mut standard = 0;
                let mut ids = Vec::new();
                for &(bo, bt) in &picked {
                    let order = &self.engine.state().orders[bo];
                    standard = standard.max(order.tickets[bt].work_ms);
                    ids.push(order.ticket_id(self.engine.catalog(), bt));
                }
                let spec = self.accepted[o].0;
                let _ = t;
                for id in &ids {
                    let out = self.engine.start_ticket(id, now)?;
                    self.seen(&out)?;
                }
                self.busy[station] += 1;
                // The same ticket gets the same noise under both policies (paired comparison).
                let mut noise = Rng::new(self.noise_seed ^ ((spec as u64) << 8 | station as u64));
                let factor = self.params.slowdown * noise.lognormal_factor(self.params.cv);
                let took = ((standard as f64 * factor).round() as i64).max(1);
                let mut ids = ids.into_iter();
                let leader = ids.next().expect("a batch has a leader");
                for ticket_id in ids {
                    self.schedule(now + took, Event::FinishAlong { ticket_id });
                }
                self.schedule(now + took, Event::Finish { station, ticket_id: leader });
            }
        }
        Ok(())
    }

    fn report(self, staffing: BTreeMap<String, u32>) -> Report {
        let state = self.engine.state();
        let done: Vec<Done> = self
            .accepted
            .iter()
            .enumerate()
            .map(|(index, &(i, quote_ms))| {
                let spec = &self.specs[i];
                let order = &state.orders[index];
                Done {
                    fulfillment: spec.fulfillment,
                    accepted_ms: order.accepted_at_ms,
                    quote_ms,
                    ready_ms: order.ready_at_ms,
                    // Late against the rider's latest predicted arrival the platform sent.
                    target_ms: if spec.fulfillment == crate::types::Fulfillment::Delivery {
                        order.target_time_ms
                    } else {
                        spec.target_ms
                    },
                    pickup_ms: spec.pickup_ms,
                    cold: spec.cold,
                    weight: spec.weight,
                    due_ms: spec.due_ms,
                    group: spec.group,
                }
            })
            .collect();
        let first = self.specs.iter().map(|s| s.at_ms).min().unwrap_or(EPOCH_MS);
        let f = metrics::figures(&done, first);
        let p = self.params;
        Report {
            scenario: match p.scenario {
                super::Scenario::Rush => "rush",
                super::Scenario::Mpe2022 => "mpe2022",
            }
            .to_owned(),
            policy: p.policy.name().to_owned(),
            seed: p.seed,
            minutes: p.minutes,
            peak_rate: p.peak_rate,
            cv: p.cv,
            slowdown: p.slowdown,
            offered: self.specs.len(),
            orders: done.len(),
            refused: self.refused_by_field.values().sum(),
            refused_by_field: self.refused_by_field,
            max_queue: self.max_queue,
            figures: f,
            staffing,
            staff_changes: self.staff_log,
            load_changes: self.load_log,
            notes: self.notes,
        }
    }
}
