//! The store's plan: list scheduling over the open tickets, priority by slack.
//!
//! Every open ticket is a job on its station with an effective duration (standard work x the
//! station's learned speed). STARTED jobs hold a slot until `max(now, started + duration)`.
//! The others are dispatched by a non-delay list scheduler: whenever a slot of a station is free
//! and jobs are ready (predecessors projected done, release reached), the job with the least
//! *latest start* runs, where `latest start = due - tail - duration` (the tail is the longest
//! path of the order's work after the job). An order's due time is:
//! - ASAP: its promise, the ETA quoted when it was accepted. A new order is planned after every
//!   accepted one (its promise is where it fits), so accepted promises hold; a skip-the-queue
//!   member's order is planned `boost` earlier than that, so it passes at most the orders
//!   promised within `boost` of it: due times are fixed and newer orders get later ones, so
//!   nothing waits forever;
//! - PICKUP_AT / DELIVERY: the target minus a margin; after the platform reports a new rider
//!   arrival, a delivery order keeps the due time it was first planned with unless that is late
//!   for the new arrival or would let the drink wait too long for it (`Settings::follow_slack_ms`).
//!
//! Target orders are released just in time: at `due - make - jit_lead`, never earlier than
//! `target - freshness - make` (so they are never ready long before the customer or rider), and
//! a second pass moves the release of a target order that the first pass made late earlier, down
//! to that freshness floor. The later steps of a target order (every ticket with a predecessor
//! in its recipe: shaking with ice, blending, sealing, bagging) are then held until
//! `Settings::hold_lead_ms` (or the length of the held chain, if longer) before their latest start,
//! unless the first pass already started them that late: the first steps absorb the queue at the
//! release, the ice goes in near the pickup.
//! Other tickets on `fire_last` stations (ice-blended drinks) are released as late as
//! the rest of their order allows, so they do not melt while the order's other items are still
//! being made. Paced orders are not released before their hold time.
//!
//! Cost: O(J (S + log J)) for J open jobs over S stations, twice at most (a second pass runs
//! whenever a target order has steps to hold); nothing is cached (a plan is derived from the
//! state and `now_ms` on demand, so replay needs no plan).

use std::cmp::{max, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use crate::order::Order;
use crate::scheduler::Settings;
use crate::ticket::{Ticket, TicketDraft, TicketItem};
use crate::types::{Fulfillment, OrderStatus, TicketState};

/// Speeds are parts per thousand of the standard time (1000 = as the recipe says).
pub const SPEED_ONE: i64 = 1000;
/// `Planned::order` of the hypothetical order a quote plans.
pub const NEW_ORDER: usize = usize::MAX;
/// The due time of a new ASAP order planned after every accepted one.
const APPEND: i64 = i64::MAX / 4;

/// What the plan needs of a store besides its orders.
#[derive(Debug, Clone, Copy)]
pub struct Kitchen<'a> {
    pub settings: &'a Settings,
    /// Live slots per station (0 = closed; planned as one slot, the station reopens).
    pub slots: &'a [u32],
    /// Learned speed per station, [`SPEED_ONE`] = standard.
    pub speed: &'a [i64],
    /// Batch size per station: identical tickets of different orders are made together up to
    /// this many units.
    pub batch: &'a [u32],
}

/// An order not yet accepted, planned with the others (a quote or an admission decision).
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    pub tickets: &'a [TicketDraft],
    pub fulfillment: Fulfillment,
    pub target_time_ms: i64,
    pub boost_ms: i64,
    pub hold_until_ms: i64,
    pub units: u32,
    /// ASAP: the due time to plan with (`None`: after every accepted order).
    pub promise_ms: Option<i64>,
    /// DELIVERY: the platform's zone ("" for none).
    pub zone: &'a str,
}

/// The projection of one open order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Index into the state's orders, or [`NEW_ORDER`].
    pub order: usize,
    /// Projected finish of the order's last ticket (no pickup target applied).
    pub finish_ms: i64,
    /// Projected finish per ticket (0 for DONE/VOID tickets).
    pub tickets: Vec<i64>,
    /// Planned start per ticket (0 for DONE/VOID tickets).
    pub starts: Vec<i64>,
    /// Earliest start the plan allows per ticket (release, hold, fire-last; 0 for DONE/VOID).
    pub releases: Vec<i64>,
    /// Per ticket, 0 when made alone, else a number shared by the tickets of other orders made
    /// in the same batch (adjacent in the station's sequence).
    pub batches: Vec<u32>,
    /// When the order's work may start (just-in-time release, pacing hold; `<= now` = released).
    pub release_ms: i64,
    /// When the order should be ready (its due time before boosts).
    pub due_ms: i64,
    pub units: u32,
}

/// A store's plan as of `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub now_ms: i64,
    planned: Vec<Planned>,
    /// Per station, (planned index, ticket) of every open job in planned start order.
    sequence: Vec<Vec<(usize, usize)>>,
}

/// One ticket as the scheduler sees it.
#[derive(Debug, Clone)]
struct Job {
    planned: usize,
    ticket: usize,
    station: usize,
    state: TicketState,
    duration: i64,
    started_at: i64,
    /// Job ids this one waits for (open ones only): `Jobs::deps[deps.0..deps.1]`.
    deps: (usize, usize),
    /// Longest work after this job within its order.
    tail: i64,
    key: i64,
    /// (signature, units) if the job may share a batch with identical ones; see [`NO_BATCH`].
    batch: (usize, u32),
}

/// The signature of a job that is made alone.
const NO_BATCH: usize = usize::MAX;

/// What an order contributes before scheduling (borrowed from the state or the quote's draft:
/// a plan runs on every call, so it copies nothing it can read in place).
struct Spec<'a> {
    order: usize,
    fulfillment: Fulfillment,
    target: i64,
    /// ASAP: the promise (first quoted ETA); [`APPEND`] for a new order.
    promise: i64,
    /// DELIVERY: the due time the order was first planned with (`None` for a new order).
    first_due: Option<i64>,
    zone: &'a str,
    boost: i64,
    hold: i64,
    units: u32,
    tickets: SpecTickets<'a>,
}

/// The tickets of a spec, read in place: an accepted order's, or a quote's drafts.
#[derive(Clone, Copy)]
enum SpecTickets<'a> {
    Accepted(&'a [Ticket]),
    Draft(&'a [TicketDraft]),
}

/// A ticket as the plan needs it.
struct SpecTicket<'a> {
    station: usize,
    state: TicketState,
    work: i64,
    started_at: i64,
    deps: &'a [u32],
    items: &'a [TicketItem],
}

impl<'a> SpecTickets<'a> {
    fn len(self) -> usize {
        match self {
            Self::Accepted(t) => t.len(),
            Self::Draft(t) => t.len(),
        }
    }

    fn get(self, t: usize) -> SpecTicket<'a> {
        match self {
            Self::Accepted(all) => {
                let x = &all[t];
                SpecTicket {
                    station: x.station,
                    state: x.state,
                    work: x.work_ms,
                    started_at: x.started_at_ms,
                    deps: &x.deps,
                    items: &x.items,
                }
            }
            Self::Draft(all) => {
                let x = &all[t];
                SpecTicket {
                    station: x.station,
                    state: if x.deps.is_empty() { TicketState::Queued } else { TicketState::Waiting },
                    work: x.work_ms,
                    started_at: 0,
                    deps: &x.deps,
                    items: &x.items,
                }
            }
        }
    }

    fn deps(self, t: usize) -> &'a [u32] {
        match self {
            Self::Accepted(all) => &all[t].deps,
            Self::Draft(all) => &all[t].deps,
        }
    }
}

/// SKU, modifiers and tasks: tickets with equal signatures can be made in one batch.
type Signature<'a> = (&'a str, &'a [String], &'a [String]);

/// Tickets of one kind of item only can share a batch with other orders' identical ones.
fn batch_signature(items: &[TicketItem]) -> Option<(Signature<'_>, u32)> {
    let first = items.first().filter(|i| !i.sku.is_empty())?;
    let same =
        |i: &TicketItem| i.sku == first.sku && i.modifiers == first.modifiers && i.steps == first.steps;
    if !items[1..].iter().all(same) {
        return None;
    }
    let units = items.iter().map(|i| i.quantity.max(0) as u32).sum();
    Some(((first.sku.as_str(), first.modifiers.as_slice(), first.steps.as_slice()), units))
}

/// What an accepted order's quote means to the plan: its promise (ASAP) and the due time it was
/// first planned with (DELIVERY).
fn quoted_terms(fulfillment: Fulfillment, eta_ms: i64, work_ms: i64, s: &Settings) -> (i64, Option<i64>) {
    // The quote's margin is for the customer, not the kitchen's priority.
    let promise = eta_ms - s.quote_margin_for(work_ms);
    // A delivery quote is half a lead before the due time it was planned with, or the plan's
    // projection when that was later, plus the slip (engine.rs).
    let first_due =
        (fulfillment == Fulfillment::Delivery).then(|| eta_ms - s.target_quote_slip_ms + s.jit_lead_ms / 2);
    (promise, first_due)
}

/// Whether the quote's hypothetical order `n`, once accepted with the quoted `eta_ms` and the
/// admission's `hold_until_ms`, is planned exactly as `n` was: the same hold and the same due
/// time (the rest of an accepted order's spec, its tickets included, is the draft's by
/// construction). Then a plan with `n` is the store's plan right after the acceptance
/// ([`Plan::accept_new_order`]) and need not be built again. (An ASAP order is quoted with its
/// finish when planned last as its promise; it keeps that finish unless the promise lets it
/// pass other orders.)
pub fn accepted_alike(n: &NewOrder<'_>, eta_ms: i64, hold_until_ms: i64, s: &Settings) -> bool {
    if n.hold_until_ms != hold_until_ms {
        return false;
    }
    let work = n.tickets.iter().map(|t| t.work_ms).sum();
    let (promise, first_due) = quoted_terms(n.fulfillment, eta_ms, work, s);
    let planned = Spec::new(n);
    let accepted = Spec { promise, first_due, ..Spec::new(n) };
    if n.fulfillment.has_target() {
        target_due(&planned, s) == target_due(&accepted, s)
    } else {
        planned.promise == accepted.promise
    }
}

impl<'a> Spec<'a> {
    fn of(index: usize, o: &'a Order, s: &Settings) -> Self {
        let (promise, first_due) =
            quoted_terms(o.fulfillment, o.quote.eta_ms, o.tickets.iter().map(|t| t.work_ms).sum(), s);
        Self {
            order: index,
            fulfillment: o.fulfillment,
            target: o.target_time_ms,
            promise,
            first_due,
            zone: &o.delivery_zone,
            boost: o.boost_ms,
            hold: o.hold_until_ms,
            units: o.units,
            tickets: SpecTickets::Accepted(&o.tickets),
        }
    }

    fn new(n: &NewOrder<'a>) -> Self {
        Self {
            order: NEW_ORDER,
            fulfillment: n.fulfillment,
            target: n.target_time_ms,
            promise: n.promise_ms.unwrap_or(APPEND),
            first_due: None,
            zone: n.zone,
            boost: n.boost_ms,
            hold: n.hold_until_ms,
            units: n.units,
            tickets: SpecTickets::Draft(n.tickets),
        }
    }
}

/// Standard work scaled by a learned speed.
pub fn effective(work_ms: i64, speed: i64) -> i64 {
    (i128::from(work_ms) * i128::from(speed) / i128::from(SPEED_ONE)).clamp(0, i128::from(i64::MAX / 4))
        as i64
}

impl Plan {
    /// Plans the open orders `open` (indices into `orders`, ascending) and, for a quote, one
    /// hypothetical new order.
    pub fn build(
        kitchen: &Kitchen<'_>,
        orders: &[Order],
        open: impl Iterator<Item = usize>,
        new: Option<&NewOrder<'_>>,
        now_ms: i64,
    ) -> Self {
        let mut specs: Vec<Spec> = open.map(|o| Spec::of(o, &orders[o], kitchen.settings)).collect();
        if let Some(n) = new {
            specs.push(Spec::new(n));
        }
        align_zones(&mut specs, kitchen.settings.zone_window_ms);
        let s = kitchen.settings;
        let mut all = Jobs::default();
        let mut planned = Vec::with_capacity(specs.len());
        let mut release = Vec::with_capacity(specs.len());
        let mut floor = Vec::with_capacity(specs.len());
        for (p, spec) in specs.iter().enumerate() {
            let (entry, order_release, order_floor) = all.add(kitchen, p, spec, now_ms);
            release.push(order_release);
            floor.push(order_floor);
            planned.push(entry);
        }
        let jobs = &all.list;
        let mut job_release: Vec<i64> = jobs.iter().map(|j| release[j.planned]).collect();
        let mut dispatcher = Dispatcher::new(kitchen, &all);
        let mut schedule = dispatcher.run(&job_release, now_ms);
        let finish = order_finish(jobs, &schedule.times, planned.len(), now_ms);

        // Second pass: late target orders start earlier (down to their freshness floor); the
        // later steps of target orders wait for their latest start; fire-last tickets wait
        // until the rest of their order is nearly done.
        let mut again = false;
        for (p, pl) in planned.iter_mut().enumerate() {
            if specs[p].fulfillment.has_target() && finish[p] > pl.due_ms && release[p] > floor[p] {
                release[p] = max(floor[p], release[p] - (finish[p] - pl.due_ms));
                pl.release_ms = release[p];
                again = true;
            }
        }
        for (j, job) in jobs.iter().enumerate() {
            job_release[j] = release[job.planned];
            if job.state == TicketState::Started {
                continue;
            }
            let spec = &specs[job.planned];
            let late = if spec.fulfillment.has_target() && !spec.tickets.deps(job.ticket).is_empty() {
                // A later step of a target order (shaking with ice, blending, sealing, bagging)
                // waits for its latest start: the order's first steps run at the just-in-time
                // release and absorb the queue, the rest finishes at the due time.
                planned[job.planned].due_ms
                    - job.tail
                    - job.duration
                    - s.hold_lead_ms.max(job.tail + job.duration)
            } else if s.fire_last.get(job.station).copied().unwrap_or(false) {
                finish[job.planned] - job.tail - job.duration
            } else {
                continue;
            };
            if late > job_release[j] && late > schedule.times[j].0 {
                job_release[j] = late;
                again = true;
            }
        }
        if again {
            schedule = dispatcher.run(&job_release, now_ms);
        }
        Self::assemble(kitchen, jobs, &schedule, &job_release, planned, now_ms)
    }

    /// Writes a schedule into the plan entries and the per-station sequences.
    fn assemble(
        kitchen: &Kitchen<'_>,
        jobs: &[Job],
        schedule: &Schedule,
        job_release: &[i64],
        mut planned: Vec<Planned>,
        now_ms: i64,
    ) -> Self {
        let (times, leader) = (&schedule.times, &schedule.leader);
        let finish = order_finish(jobs, times, planned.len(), now_ms);
        let mut members = vec![0_u32; jobs.len()];
        for &l in leader {
            members[l] += 1;
        }
        for (j, job) in jobs.iter().enumerate() {
            let pl = &mut planned[job.planned];
            pl.starts[job.ticket] = times[j].0;
            pl.releases[job.ticket] = job_release[j];
            pl.tickets[job.ticket] = times[j].1;
            if members[leader[j]] > 1 {
                pl.batches[job.ticket] = u32::try_from(leader[j] + 1).unwrap_or(u32::MAX);
            }
        }
        for (p, pl) in planned.iter_mut().enumerate() {
            pl.finish_ms = finish[p];
        }
        // By start; a batch's tickets together, in their leader's place.
        let mut order: Vec<_> = (0..jobs.len())
            .map(|j| {
                let l = leader[j];
                (times[j].0, jobs[j].state != TicketState::Started, jobs[l].key, l, jobs[j].key, j)
            })
            .collect();
        // The keys end with the job: no two are equal, so the unstable sort is the stable one.
        order.sort_unstable();
        let mut sequence = vec![Vec::new(); kitchen.slots.len()];
        for (.., j) in order {
            if let Some(seq) = sequence.get_mut(jobs[j].station) {
                seq.push((jobs[j].planned, jobs[j].ticket));
            }
        }
        Self { now_ms, planned, sequence }
    }

    fn find(&self, order: usize) -> Option<&Planned> {
        self.planned.binary_search_by_key(&order, |p| p.order).ok().map(|i| &self.planned[i])
    }

    /// The open orders in acceptance order, then the new order of a quote (if any).
    pub fn planned(&self) -> &[Planned] {
        &self.planned
    }

    /// The hypothetical order of a quote.
    pub fn new_order(&self) -> Option<&Planned> {
        self.planned.last().filter(|p| p.order == NEW_ORDER)
    }

    /// The quote's hypothetical order became the order at `index` (the newest of the state),
    /// planned alike ([`accepted_alike`]): this is then the store's plan.
    #[must_use]
    pub fn accept_new_order(mut self, index: usize) -> Self {
        if let Some(p) = self.planned.last_mut().filter(|p| p.order == NEW_ORDER) {
            p.order = index;
        }
        self
    }

    /// The station's open tickets as (planned index, ticket), in planned start order.
    pub fn sequence(&self, station: usize) -> &[(usize, usize)] {
        self.sequence.get(station).map_or(&[], Vec::as_slice)
    }

    /// The order's ETA: READY orders their ready time, cancelled 0, open ones the projection
    /// (for PICKUP_AT and DELIVERY: when it will be ready, usually shortly before the target).
    pub fn eta_ms(&self, index: usize, order: &Order) -> i64 {
        match order.status {
            OrderStatus::Ready => order.ready_at_ms,
            OrderStatus::Cancelled => 0,
            OrderStatus::Accepted | OrderStatus::InProgress => {
                self.find(index).map_or(self.now_ms, |p| p.finish_ms)
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

    /// Cups of the other planned orders projected ready before the order (0 when the order is
    /// not open).
    pub fn cups_ahead(&self, index: usize) -> u32 {
        self.find(index).map_or(0, |me| {
            self.planned
                .iter()
                .filter(|p| p.order != index && p.order != NEW_ORDER && p.finish_ms < me.finish_ms)
                .map(|p| p.units)
                .sum()
        })
    }

    /// The ticket's batch number (0: made alone, or not planned).
    pub fn batch(&self, index: usize, ticket: usize) -> u32 {
        self.find(index).and_then(|p| p.batches.get(ticket).copied()).unwrap_or(0)
    }

    /// Cups of the other open orders projected to be ready no later than `finish_ms`.
    pub fn cups_before(&self, finish_ms: i64) -> u32 {
        self.planned
            .iter()
            .filter(|p| p.order != NEW_ORDER && p.finish_ms <= finish_ms)
            .map(|p| p.units)
            .sum()
    }
}

/// Same-zone delivery batching: delivery orders of one zone whose riders are due within
/// `window` of the earliest of them are planned for that earliest rider, so one rider can take
/// them all (their own targets still decide extensions and lateness).
fn align_zones(specs: &mut [Spec<'_>], window: i64) {
    let mut by_zone: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in specs.iter().enumerate() {
        if s.fulfillment == Fulfillment::Delivery && !s.zone.is_empty() {
            by_zone.entry(s.zone).or_default().push(i);
        }
    }
    let mut aligned: Vec<(usize, i64)> = Vec::new();
    for members in by_zone.values_mut() {
        members.sort_by_key(|&i| (specs[i].target, i));
        let mut first = i64::MIN;
        for &i in members.iter() {
            if specs[i].target > first.saturating_add(window) {
                first = specs[i].target;
            }
            aligned.push((i, first));
        }
    }
    for (i, target) in aligned {
        specs[i].target = target;
    }
}

/// Every open ticket of a plan as a job, their dependencies in one block, and the batch
/// signatures seen so far (one id per station and signature: only tickets of one station batch).
#[derive(Default)]
struct Jobs<'a> {
    list: Vec<Job>,
    deps: Vec<usize>,
    signatures: BTreeMap<(usize, Signature<'a>), usize>,
    /// Scratch: job index of each ticket of the order being added.
    ids: Vec<usize>,
}

impl<'a> Jobs<'a> {
    fn deps_of(&self, j: usize) -> &[usize] {
        let (from, to) = self.list[j].deps;
        &self.deps[from..to]
    }

    /// Adds an order's open tickets as jobs (durations, tails, keys); returns its plan entry,
    /// its release and the earliest release freshness allows.
    fn add(&mut self, kitchen: &Kitchen<'_>, p: usize, spec: &Spec<'a>, now_ms: i64) -> (Planned, i64, i64) {
        let s = kitchen.settings;
        let base = self.list.len();
        let n = spec.tickets.len();
        // Job index of each open ticket; usize::MAX for DONE/VOID ones.
        self.ids.clear();
        self.ids.resize(n, usize::MAX);
        for t in 0..n {
            let st = spec.tickets.get(t);
            if !st.state.is_open() {
                continue;
            }
            self.ids[t] = self.list.len();
            let speed = kitchen.speed.get(st.station).copied().unwrap_or(SPEED_ONE);
            let batch_size = kitchen.batch.get(st.station).copied().unwrap_or(1);
            let signature = if st.state == TicketState::Started { None } else { batch_signature(st.items) };
            let batch = match signature {
                Some((sig, units)) if units < batch_size => {
                    let next = self.signatures.len();
                    (*self.signatures.entry((st.station, sig)).or_insert(next), units)
                }
                _ => (NO_BATCH, 0),
            };
            let from = self.deps.len();
            // A started ticket is past its dependencies (a recalled predecessor does not stop
            // it).
            if st.state != TicketState::Started {
                let ids = &self.ids;
                self.deps.extend(st.deps.iter().map(|&d| ids[d as usize]).filter(|&j| j != usize::MAX));
            }
            self.list.push(Job {
                planned: p,
                ticket: t,
                station: st.station,
                state: st.state,
                duration: effective(st.work, speed),
                started_at: st.started_at,
                deps: (from, self.deps.len()),
                tail: 0,
                key: 0,
                batch,
            });
        }
        // Deps point to earlier tickets, so one backward sweep finds every tail.
        for j in (base..self.list.len()).rev() {
            let after = self.list[j].tail + self.list[j].duration;
            let (from, to) = self.list[j].deps;
            for &d in &self.deps[from..to] {
                self.list[d].tail = max(self.list[d].tail, after);
            }
        }
        let jobs = &mut self.list[base..];
        let make = jobs.iter().map(|j| j.tail + j.duration).max().unwrap_or(0);
        let (due, release, floor) = if spec.fulfillment.has_target() {
            let due = target_due(spec, s);
            let jit = due - make - s.jit_lead_ms;
            let fresh = spec.target - s.freshness_ms - make;
            (due, max(now_ms, max(spec.hold, jit)), max(now_ms, max(spec.hold, fresh)))
        } else {
            // A boost is already in a promise (it was quoted earlier than where it fit).
            let due = spec.promise;
            let release = max(now_ms, spec.hold);
            (due, release, release)
        };
        let priority = if spec.fulfillment.has_target() { due - spec.boost } else { due };
        for job in jobs {
            job.key = priority - job.tail - job.duration;
        }
        let entry = Planned {
            order: spec.order,
            finish_ms: now_ms,
            tickets: vec![0; n],
            starts: vec![0; n],
            releases: vec![0; n],
            batches: vec![0; n],
            release_ms: release,
            due_ms: due,
            units: spec.units,
        };
        (entry, release, floor)
    }
}

/// The due time of a pickup-at or delivery order: its target minus the margin; a delivery order
/// keeps the due time it was first planned with while it is between that (latest) and
/// `freshness - follow_slack` before the rider's updated arrival. A rider reported later
/// moves it only as far as freshness needs, a rider reported earlier moves it with him: the
/// drink is neither late for the rider nor melted, and stays as near its first quote as that
/// allows.
fn target_due(spec: &Spec<'_>, s: &Settings) -> i64 {
    let latest = spec.target - s.target_margin_ms;
    match spec.first_due {
        Some(first) => {
            let fresh = (spec.target - s.freshness_ms + s.follow_slack_ms).min(latest);
            first.clamp(fresh, latest)
        }
        None => latest,
    }
}

/// Jobs waiting for their ready time at one station: (ready, key, job).
type Waiting = BinaryHeap<Reverse<(i64, i64, usize)>>;

/// What one list-scheduling run decided per job.
struct Schedule {
    times: Vec<(i64, i64)>,
    /// The job whose batch this one joined (itself when made alone or leading).
    leader: Vec<usize>,
}

/// Non-delay list scheduling of a plan's jobs, run once per pass of [`Plan::build`] over the same
/// jobs (only the releases change). A re-plan runs on every state change of a store, so its
/// state is flat: the slots of every station in one vector, the successors in one block, and
/// lazily deleted heaps for the available jobs instead of ordered sets (a job taken into
/// another's batch is only marked).
struct Dispatcher<'j> {
    jobs: &'j [Job],
    stations: usize,
    /// Units a batch of station `s` may hold.
    batch_size: Vec<u32>,
    /// Slots of station `s`: `slot_free[slot_at[s]..slot_at[s + 1]]`, when each is free.
    slot_at: Vec<usize>,
    /// Successors of job `j`: `successors[successor_at[j]..successor_at[j + 1]]`.
    successor_at: Vec<usize>,
    successors: Vec<usize>,
    // Per run:
    slot_free: Vec<i64>,
    /// The earliest free slot of each station.
    earliest: Vec<i64>,
    /// Open dependencies left per job.
    left: Vec<usize>,
    ready: Vec<i64>,
    waiting: Vec<Waiting>,
    /// Ready jobs per station by (key, job), with entries of taken jobs left in place.
    available: Vec<BinaryHeap<Reverse<(i64, usize)>>>,
    /// Jobs available and not yet taken, per station.
    live: Vec<usize>,
    taken: Vec<bool>,
    /// Available batchable jobs per batch signature (one station each), by (key, job).
    alike: Vec<Vec<(i64, usize)>>,
    batch: Vec<usize>,
}

impl<'j> Dispatcher<'j> {
    fn new(kitchen: &Kitchen<'_>, all: &'j Jobs<'_>) -> Self {
        let jobs = all.list.as_slice();
        let stations = kitchen.slots.len().max(jobs.iter().map(|j| j.station + 1).max().unwrap_or(0));
        let mut slot_at = Vec::with_capacity(stations + 1);
        slot_at.push(0);
        for s in 0..stations {
            let slots = kitchen.slots.get(s).copied().unwrap_or(1).max(1) as usize;
            slot_at.push(slot_at[s] + slots);
        }
        let mut successor_at = vec![0_usize; jobs.len() + 1];
        for j in 0..jobs.len() {
            for &d in all.deps_of(j) {
                successor_at[d + 1] += 1;
            }
        }
        for j in 0..jobs.len() {
            successor_at[j + 1] += successor_at[j];
        }
        let mut fill = successor_at.clone();
        let mut successors = vec![0_usize; all.deps.len()];
        for j in 0..jobs.len() {
            for &d in all.deps_of(j) {
                successors[fill[d]] = j;
                fill[d] += 1;
            }
        }
        Self {
            jobs,
            stations,
            batch_size: (0..stations).map(|s| kitchen.batch.get(s).copied().unwrap_or(1)).collect(),
            slot_at,
            successor_at,
            successors,
            slot_free: Vec::new(),
            earliest: Vec::new(),
            left: jobs.iter().map(|j| j.deps.1 - j.deps.0).collect(),
            ready: Vec::new(),
            waiting: vec![BinaryHeap::new(); stations],
            available: vec![BinaryHeap::new(); stations],
            live: vec![0; stations],
            taken: vec![false; jobs.len()],
            alike: vec![Vec::new(); all.signatures.len()],
            batch: Vec::new(),
        }
    }

    /// Takes the earliest free slot of station `s`, busy until `until`.
    fn occupy(&mut self, s: usize, until: i64) {
        let slots = &mut self.slot_free[self.slot_at[s]..self.slot_at[s + 1]];
        let first = slots.iter().enumerate().min_by_key(|&(_, &t)| t).map_or(0, |(i, _)| i);
        slots[first] = until;
        self.earliest[s] = slots.iter().copied().min().unwrap_or(until);
    }

    /// The available job of station `s` with the least (key, job), taken.
    fn take_first(&mut self, s: usize) -> Option<(i64, usize)> {
        while let Some(Reverse((key, j))) = self.available[s].pop() {
            if !self.taken[j] {
                self.taken[j] = true;
                self.live[s] -= 1;
                return Some((key, j));
            }
        }
        None
    }

    /// `batch`: the chosen job and the available identical ones (least key first) that fit its
    /// batch, all taken.
    fn gather_batch(&mut self, chosen: (i64, usize), s: usize) {
        self.batch.clear();
        self.batch.push(chosen.1);
        let (sig, mut units) = self.jobs[chosen.1].batch;
        if sig == NO_BATCH {
            return;
        }
        let size = self.batch_size[s];
        let same = &mut self.alike[sig];
        if let Ok(at) = same.binary_search(&chosen) {
            same.remove(at);
        }
        let jobs = self.jobs;
        let (batch, taken) = (&mut self.batch, &mut self.taken);
        same.retain(|&(_, k)| {
            let fits = units + jobs[k].batch.1 <= size;
            if fits {
                units += jobs[k].batch.1;
                taken[k] = true;
                batch.push(k);
            }
            !fits
        });
        self.live[s] -= batch.len() - 1;
    }

    /// A job is done at `finish`: its successors may become ready.
    fn done(&mut self, j: usize, finish: i64) {
        for &n in &self.successors[self.successor_at[j]..self.successor_at[j + 1]] {
            self.ready[n] = max(self.ready[n], finish);
            self.left[n] -= 1;
            if self.left[n] == 0 {
                let job = &self.jobs[n];
                self.waiting[job.station].push(Reverse((self.ready[n], job.key, n)));
            }
        }
    }

    /// Per job (start, finish) by non-delay list scheduling, least key first among the ready;
    /// the chosen job takes ready identical jobs (least key first) into its batch while the
    /// station's batch size allows.
    fn run(&mut self, release: &[i64], now_ms: i64) -> Schedule {
        let jobs = self.jobs;
        self.slot_free.clear();
        self.slot_free.resize(self.slot_at[self.stations], now_ms);
        self.earliest.clear();
        self.earliest.resize(self.stations, now_ms);
        for (j, job) in jobs.iter().enumerate() {
            self.left[j] = job.deps.1 - job.deps.0;
        }
        self.ready.clear();
        self.ready.extend(release.iter().map(|&r| max(r, now_ms)));
        self.waiting.iter_mut().for_each(BinaryHeap::clear);
        self.available.iter_mut().for_each(BinaryHeap::clear);
        self.live.fill(0);
        self.taken.fill(false);
        self.alike.iter_mut().for_each(Vec::clear);
        let mut times = vec![(0, 0); jobs.len()];
        let mut leader: Vec<usize> = (0..jobs.len()).collect();
        let mut pending = 0_usize;
        for (j, job) in jobs.iter().enumerate() {
            if job.state == TicketState::Started {
                let end = max(now_ms, job.started_at + job.duration);
                let slot = self.earliest[job.station];
                self.occupy(job.station, max(slot, end));
                times[j] = (job.started_at, end);
            } else {
                pending += 1;
                if self.left[j] == 0 {
                    self.waiting[job.station].push(Reverse((self.ready[j], job.key, j)));
                }
            }
        }
        for (j, job) in jobs.iter().enumerate() {
            if job.state == TicketState::Started {
                self.done(j, times[j].1);
            }
        }
        // Decisions are taken in non-decreasing time (a dispatch only makes work ready later
        // than itself), so every available job was ready by `clock`.
        let mut clock = now_ms;
        while pending > 0 {
            let mut best: Option<(i64, usize)> = None;
            for s in 0..self.stations {
                let slot = self.earliest[s];
                let at = if self.live[s] > 0 {
                    max(slot, clock)
                } else if let Some(Reverse((r, _, _))) = self.waiting[s].peek() {
                    max(slot, *r)
                } else {
                    continue;
                };
                if best.is_none_or(|(t, _)| at < t) {
                    best = Some((at, s));
                }
            }
            let Some((at, s)) = best else { break };
            clock = at;
            while let Some(&Reverse((r, key, j))) = self.waiting[s].peek() {
                if r > at {
                    break;
                }
                self.waiting[s].pop();
                self.available[s].push(Reverse((key, j)));
                self.live[s] += 1;
                let sig = jobs[j].batch.0;
                if sig != NO_BATCH {
                    let same = &mut self.alike[sig];
                    let at = same.partition_point(|&e| e < (key, j));
                    same.insert(at, (key, j));
                }
            }
            let Some(chosen) = self.take_first(s) else { break };
            self.gather_batch(chosen, s);
            let finish = at + self.batch.iter().map(|&k| jobs[k].duration).max().unwrap_or(0);
            self.occupy(s, finish);
            for b in 0..self.batch.len() {
                let k = self.batch[b];
                times[k] = (at, finish);
                leader[k] = chosen.1;
                pending -= 1;
                self.done(k, finish);
            }
        }
        Schedule { times, leader }
    }
}

fn order_finish(jobs: &[Job], times: &[(i64, i64)], orders: usize, now_ms: i64) -> Vec<i64> {
    let mut finish = vec![now_ms; orders];
    for (j, job) in jobs.iter().enumerate() {
        finish[job.planned] = max(finish[job.planned], times[j].1);
    }
    finish
}
