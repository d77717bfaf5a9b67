//! Applying a record to the state: the only code that mutates it, shared by live commands
//! (which decide, encode the record, then apply it) and by replay. Every check happens before
//! the first mutation, so a refused record leaves the state untouched.

use std::sync::Arc;

use crate::error::EngineError;
use crate::menu::Catalog;
use crate::order::{pickup_prefix, Order};
use crate::outcome::{Effects, LoggedKey, Response, TicketEventRef};
use crate::record::{
    AvailabilitySet, Body, LoadChanged, OrderCancelled, OrderSubmitted, OrdersEvicted, PromotionEnabled,
    PromotionPut, StaffingSet, TargetUpdated,
};
use crate::scheduler::speed::{batch_of, learn_share};
use crate::scheduler::LoadState;
use crate::state::{KeyEntry, PromotionEntry, State};
use crate::ticket::Ticket;
use crate::types::{OrderStatus, TicketEventKind, TicketState};

/// Why a known order is not found: it finished longer than the order retention ago.
pub const EVICTED: &str =
    "its order finished longer than the order retention ago and is no longer in the engine's memory \
     (its records stay in the event log)";

/// Which ticket action a record or command performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketVerb {
    Start,
    Bump,
    Recall,
}

/// Resolves a `"<order_id>/<station>"` ticket id to (order, ticket).
pub fn find_ticket(catalog: &Catalog, state: &State, ticket_id: &str) -> Result<(usize, usize), EngineError> {
    if ticket_id.is_empty() {
        return Err(EngineError::invalid("ticket_id", "ticket_id is required"));
    }
    let missing = || EngineError::not_found("ticket_id", format!("no ticket '{ticket_id}'"));
    let (order_id, station) = ticket_id.rsplit_once('/').ok_or_else(missing)?;
    let order = *state.by_id.get(order_id).ok_or_else(|| {
        if state.was_evicted(catalog, order_id) {
            EngineError::not_found("ticket_id", format!("no ticket '{ticket_id}': {EVICTED}"))
        } else {
            missing()
        }
    })?;
    let station = catalog.stations.get_index_of(station).ok_or_else(missing)?;
    let ticket = state.orders[order].ticket_at(station).ok_or_else(missing)?;
    Ok((order, ticket))
}

/// Whether the ticket's state allows the action; FailedPrecondition naming the state otherwise.
pub fn check_ticket(
    order: &Order,
    ticket: usize,
    verb: TicketVerb,
    ticket_id: &str,
) -> Result<(), EngineError> {
    let state = order.tickets[ticket].state;
    let (ok, wanted, action) = match verb {
        TicketVerb::Start => (state == TicketState::Queued, "QUEUED", "started"),
        TicketVerb::Bump => {
            (matches!(state, TicketState::Queued | TicketState::Started), "QUEUED or STARTED", "bumped")
        }
        TicketVerb::Recall => (state == TicketState::Done, "DONE", "recalled"),
    };
    if !ok {
        return Err(EngineError::precondition(
            "ticket_id",
            format!("ticket '{ticket_id}' is {}; only a {wanted} ticket can be {action}", state.name()),
        ));
    }
    if verb == TicketVerb::Recall && order.status == OrderStatus::Cancelled {
        return Err(EngineError::precondition(
            "ticket_id",
            format!("order '{}' is CANCELLED; its tickets cannot be recalled", order.order_id),
        ));
    }
    Ok(())
}

/// Whether the order can be cancelled: ACCEPTED/IN_PROGRESS yes, CANCELLED is an idempotent
/// no-op (`Ok(false)`), READY is refused.
pub fn check_cancel(order: &Order) -> Result<bool, EngineError> {
    match order.status {
        OrderStatus::Accepted | OrderStatus::InProgress => Ok(true),
        OrderStatus::Cancelled => Ok(false),
        OrderStatus::Ready => Err(EngineError::precondition(
            "order_id",
            format!("order '{}' is READY and can no longer be cancelled", order.order_id),
        )),
    }
}

fn replay_err(e: &EngineError) -> EngineError {
    EngineError::replay(e.field(), e.reason())
}

fn store_index(catalog: &Catalog, store_id: &str) -> Result<usize, EngineError> {
    catalog.stores.get_index_of(store_id).ok_or_else(|| {
        EngineError::replay("store_id", format!("store '{store_id}' is not in the shop configuration"))
    })
}

fn station_index(catalog: &Catalog, station: &str) -> Result<usize, EngineError> {
    catalog.stations.get_index_of(station).ok_or_else(|| {
        EngineError::replay("station", format!("station '{station}' is not in the shop configuration"))
    })
}

/// Applies one record at `lsn` (which must be `last_lsn + 1`) and returns its effects.
pub fn apply(
    catalog: &Catalog,
    state: &mut State,
    lsn: u64,
    at_ms: i64,
    body: Body,
) -> Result<(Effects, Response), EngineError> {
    if lsn != state.last_lsn + 1 {
        return Err(EngineError::replay(
            "lsn",
            format!("record lsn {lsn} does not follow the last applied lsn {}", state.last_lsn),
        ));
    }
    let mut fx = Effects::default();
    let response = match body {
        Body::OrderSubmitted(b) => submitted(catalog, state, &mut fx, lsn, at_ms, *b)?,
        Body::OrderCancelled(b) => cancelled(catalog, state, &mut fx, at_ms, b)?,
        Body::TicketStarted(b) => {
            ticket_action(catalog, state, &mut fx, at_ms, &b.ticket_id, TicketVerb::Start)?
        }
        Body::TicketBumped(b) => {
            ticket_action(catalog, state, &mut fx, at_ms, &b.ticket_id, TicketVerb::Bump)?
        }
        Body::TicketRecalled(b) => {
            ticket_action(catalog, state, &mut fx, at_ms, &b.ticket_id, TicketVerb::Recall)?
        }
        Body::AvailabilitySet(b) => availability(catalog, state, &b)?,
        Body::StaffingSet(b) => staffing(catalog, state, &b)?,
        Body::PromotionPut(b) => promotion_put(state, at_ms, b),
        Body::PromotionEnabled(b) => promotion_enabled(state, at_ms, &b)?,
        Body::LoadChanged(b) => load_changed(catalog, state, at_ms, b)?,
        Body::TargetUpdated(b) => target_updated(state, &mut fx, &b)?,
        Body::OrdersEvicted(b) => orders_evicted(state, &mut fx, &b)?,
    };
    state.last_lsn = lsn;
    Ok((fx, response))
}

fn promotion_put(state: &mut State, at_ms: i64, b: PromotionPut) -> Response {
    let entry = state.promotions.entry(b.id.clone());
    let index = entry.index();
    let entry = entry.or_insert_with(|| PromotionEntry {
        id: b.id,
        definition_json: String::new(),
        enabled: true,
        uses: 0,
        member_uses: std::collections::BTreeMap::new(),
        updated_at_ms: at_ms,
    });
    entry.definition_json = b.definition_json;
    entry.enabled = b.enabled;
    entry.updated_at_ms = at_ms;
    Response::Promotion(index)
}

fn promotion_enabled(state: &mut State, at_ms: i64, b: &PromotionEnabled) -> Result<Response, EngineError> {
    let Some((index, _, entry)) = state.promotions.get_full_mut(&b.id) else {
        return Err(EngineError::replay("id", format!("promotion '{}' is not defined", b.id)));
    };
    entry.enabled = b.enabled;
    entry.updated_at_ms = at_ms;
    Ok(Response::Promotion(index))
}

/// Counts the uses of the promotions an accepted order applied (budgets, per-member limits).
fn count_uses(state: &mut State, b: &OrderSubmitted) {
    for applied in &b.quote.promotions {
        if let Some(entry) = state.promotions.get_mut(&applied.id) {
            entry.uses += 1;
            if !b.member_id.is_empty() {
                *entry.member_uses.entry(b.member_id.clone()).or_default() += 1;
            }
        }
    }
}

fn emit(state: &mut State, fx: &mut Effects, at_ms: i64, order: usize, ticket: usize, kind: TicketEventKind) {
    let o = &state.orders[order];
    let station = o.tickets[ticket].station;
    let store = o.store;
    let seq = &mut state.stores[store].station_seq[station];
    *seq += 1;
    fx.ticket_events.push(TicketEventRef { store, station, seq: *seq, kind, at_ms, order, ticket });
}

fn submitted(
    catalog: &Catalog,
    state: &mut State,
    fx: &mut Effects,
    lsn: u64,
    at_ms: i64,
    b: OrderSubmitted,
) -> Result<Response, EngineError> {
    let store = store_index(catalog, &b.store_id)?;
    let mut stations = Vec::with_capacity(b.tickets.len());
    for t in &b.tickets {
        stations.push(station_index(catalog, &t.station)?);
    }
    if state.by_id.contains_key(&b.order_id) {
        return Err(EngineError::replay("order_id", format!("order '{}' already exists", b.order_id)));
    }
    if state.by_key(b.channel, &b.channel_order_id, at_ms, catalog.idempotency_window_ms).is_some() {
        return Err(EngineError::replay(
            "channel_order_id",
            format!("idempotency key '{}' already used", b.channel_order_id),
        ));
    }
    count_uses(state, &b);
    let tickets: Vec<Ticket> = b
        .tickets
        .into_iter()
        .zip(stations)
        .map(|(t, station)| Ticket {
            station,
            state: if t.deps.is_empty() { TicketState::Queued } else { TicketState::Waiting },
            items: Arc::new(t.items),
            work_ms: t.work_ms,
            deps: t.deps,
            created_at_ms: at_ms,
            started_at_ms: 0,
            done_at_ms: 0,
        })
        .collect();
    let index = state.orders.len();
    let s = &mut state.stores[store];
    s.orders_accepted += 1;
    s.pickup_seq[pickup_prefix(b.channel)] += 1;
    s.open.insert(index);
    state.by_id.insert(b.order_id.clone(), index);
    // A key reused after its window names the newest submission.
    let key = KeyEntry {
        order_id: b.order_id.clone(),
        fingerprint: b.fingerprint.clone(),
        accepted_at_ms: at_ms,
        lsn,
    };
    state.keys.entry(b.channel).or_default().insert(b.channel_order_id.clone(), key);
    state.orders.push(Order {
        order_id: b.order_id,
        store,
        channel: b.channel,
        channel_order_id: b.channel_order_id,
        pickup_no: b.pickup_no,
        fulfillment: b.fulfillment,
        target_time_ms: b.target_time_ms,
        member_id: b.member_id,
        customer_note: b.customer_note,
        quote: Arc::new(b.quote),
        accepted_at_ms: at_ms,
        status: OrderStatus::Accepted,
        version: 1,
        ready_at_ms: 0,
        cancelled_at_ms: 0,
        cancel_reason: String::new(),
        tickets,
        units: b.units,
        fingerprint: b.fingerprint,
        lsn,
        boost_ms: b.boost_ms,
        hold_until_ms: b.hold_until_ms,
        delivery_zone: b.delivery_zone,
    });
    for t in 0..state.orders[index].tickets.len() {
        if state.orders[index].tickets[t].state == TicketState::Queued {
            emit(state, fx, at_ms, index, t, TicketEventKind::Added);
        }
    }
    fx.touch(index);
    Ok(Response::Submitted(index))
}

fn cancelled(
    catalog: &Catalog,
    state: &mut State,
    fx: &mut Effects,
    at_ms: i64,
    b: OrderCancelled,
) -> Result<Response, EngineError> {
    let _ = catalog;
    let index = *state
        .by_id
        .get(&b.order_id)
        .ok_or_else(|| EngineError::replay("order_id", format!("no order '{}'", b.order_id)))?;
    if !check_cancel(&state.orders[index]).map_err(|e| replay_err(&e))? {
        return Err(EngineError::replay("order_id", format!("order '{}' is already CANCELLED", b.order_id)));
    }
    let order = &mut state.orders[index];
    order.status = OrderStatus::Cancelled;
    order.cancelled_at_ms = at_ms;
    order.cancel_reason = b.reason;
    order.version += 1;
    let store = order.store;
    let mut voided = Vec::new();
    for (t, ticket) in order.tickets.iter_mut().enumerate() {
        match ticket.state {
            TicketState::Queued | TicketState::Started => {
                ticket.state = TicketState::Void;
                voided.push(t);
            }
            TicketState::Waiting => ticket.state = TicketState::Void,
            TicketState::Done | TicketState::Void => {}
        }
    }
    state.stores[store].open.remove(&index);
    for t in voided {
        emit(state, fx, at_ms, index, t, TicketEventKind::Voided);
    }
    fx.touch(index);
    Ok(Response::Order(index))
}

fn ticket_action(
    catalog: &Catalog,
    state: &mut State,
    fx: &mut Effects,
    at_ms: i64,
    ticket_id: &str,
    verb: TicketVerb,
) -> Result<Response, EngineError> {
    let (index, t) = find_ticket(catalog, state, ticket_id).map_err(|e| replay_err(&e))?;
    check_ticket(&state.orders[index], t, verb, ticket_id).map_err(|e| replay_err(&e))?;
    let order = &mut state.orders[index];
    let store = order.store;
    order.version += 1;
    if verb != TicketVerb::Recall && order.status == OrderStatus::Accepted {
        order.status = OrderStatus::InProgress;
    }
    let ticket = &mut order.tickets[t];
    match verb {
        TicketVerb::Start => {
            ticket.state = TicketState::Started;
            ticket.started_at_ms = at_ms;
            emit(state, fx, at_ms, index, t, TicketEventKind::Started);
        }
        TicketVerb::Bump => {
            if ticket.state == TicketState::Started {
                // A batch is one observation of the kitchen's speed (scheduler/speed.rs).
                let (station, took) = (ticket.station, at_ms - ticket.started_at_ms);
                let open = state.stores[store].open.iter().copied();
                let (members, work) =
                    batch_of(&state.orders, open, index, &state.orders[index].tickets[t], at_ms);
                let speed = &mut state.stores[store].speed[station];
                *speed = learn_share(*speed, took, work, catalog.scheduler.speed_alpha_percent, members);
            }
            let ticket = &mut state.orders[index].tickets[t];
            ticket.state = TicketState::Done;
            ticket.done_at_ms = at_ms;
            emit(state, fx, at_ms, index, t, TicketEventKind::Bumped);
            for next in 0..state.orders[index].tickets.len() {
                if state.orders[index].releasable(next) {
                    state.orders[index].tickets[next].state = TicketState::Queued;
                    emit(state, fx, at_ms, index, next, TicketEventKind::Added);
                }
            }
            let order = &mut state.orders[index];
            if order.all_done() {
                order.status = OrderStatus::Ready;
                order.ready_at_ms = at_ms;
                state.stores[store].open.remove(&index);
            }
        }
        TicketVerb::Recall => {
            ticket.state = TicketState::Queued;
            ticket.started_at_ms = 0;
            ticket.done_at_ms = 0;
            if order.status == OrderStatus::Ready {
                order.status = OrderStatus::InProgress;
                order.ready_at_ms = 0;
                state.stores[store].open.insert(index);
            }
            emit(state, fx, at_ms, index, t, TicketEventKind::Recalled);
        }
    }
    fx.touch(index);
    Ok(Response::Ticket(index, t))
}

fn availability(catalog: &Catalog, state: &mut State, b: &AvailabilitySet) -> Result<Response, EngineError> {
    let store = store_index(catalog, &b.store_id)?;
    let s = &mut state.stores[store];
    if b.modifier.is_empty() {
        let item = catalog.items.get_index_of(&b.sku).ok_or_else(|| {
            EngineError::replay("sku", format!("sku '{}' is not in the shop configuration", b.sku))
        })?;
        if b.available {
            s.sold_out_items.remove(&item);
        } else {
            s.sold_out_items.insert(item);
        }
    } else {
        let m = catalog.modifiers.get_index_of(&b.modifier).ok_or_else(|| {
            EngineError::replay(
                "modifier",
                format!("modifier '{}' is not in the shop configuration", b.modifier),
            )
        })?;
        if b.available {
            s.sold_out_modifiers.remove(&m);
        } else {
            s.sold_out_modifiers.insert(m);
        }
    }
    Ok(Response::Menu(store))
}

fn target_updated(state: &mut State, fx: &mut Effects, b: &TargetUpdated) -> Result<Response, EngineError> {
    let index = *state
        .by_id
        .get(&b.order_id)
        .ok_or_else(|| EngineError::replay("order_id", format!("no order '{}'", b.order_id)))?;
    let order = &mut state.orders[index];
    if !order.status.is_open() || !order.fulfillment.has_target() {
        return Err(EngineError::replay("order_id", format!("order '{}' has no open target", b.order_id)));
    }
    order.target_time_ms = b.target_time_ms;
    order.version += 1;
    fx.touch(index);
    Ok(Response::Order(index))
}

/// Drops finished orders from memory (promotion uses and store counters are not recounted:
/// they were counted once, at acceptance).
fn orders_evicted(state: &mut State, fx: &mut Effects, b: &OrdersEvicted) -> Result<Response, EngineError> {
    let mut evicted = std::collections::BTreeSet::new();
    for order_id in &b.order_ids {
        let index = *state
            .by_id
            .get(order_id)
            .ok_or_else(|| EngineError::replay("order_ids", format!("no order '{order_id}' in memory")))?;
        if state.orders[index].status.is_open() {
            return Err(EngineError::replay("order_ids", format!("order '{order_id}' is still open")));
        }
        evicted.insert(index);
    }
    if b.keys_to_log {
        for &index in &evicted {
            let o = &state.orders[index];
            let (channel, channel_order_id, order_id) =
                (o.channel, o.channel_order_id.clone(), o.order_id.clone());
            if let Some(key) = state.take_key(channel, &channel_order_id, &order_id) {
                fx.logged_keys.push(LoggedKey { channel, channel_order_id, key });
            }
        }
    }
    state.evict(&evicted);
    if b.keys_accepted_before_ms != 0 {
        state.forget_keys(b.keys_accepted_before_ms);
        fx.keys_forgotten_before_ms = b.keys_accepted_before_ms;
    }
    Ok(Response::Evicted(evicted.len()))
}

fn load_changed(
    catalog: &Catalog,
    state: &mut State,
    at_ms: i64,
    b: LoadChanged,
) -> Result<Response, EngineError> {
    let store = store_index(catalog, &b.store_id)?;
    state.stores[store].load =
        LoadState { level: b.level, paused: b.paused, reason: b.reason, since_ms: at_ms };
    Ok(Response::Load(store))
}

fn staffing(catalog: &Catalog, state: &mut State, b: &StaffingSet) -> Result<Response, EngineError> {
    let store = store_index(catalog, &b.store_id)?;
    let station = station_index(catalog, &b.station)?;
    state.stores[store].slots[station] = b.slots;
    Ok(Response::Station(store, station))
}
