//! Core state -> response messages. Pure conversion: every value comes from the core (ETAs and
//! due times from the store's plan the core computed).

use prost::Message;
use pyengine_core::board::Board;
use pyengine_core::load::Load;
use pyengine_core::order::Order;
use pyengine_core::outcome::{Outcome, Response, TicketEventRef};
use pyengine_core::pricing::Quote;
use pyengine_core::promo::Answer;
use pyengine_core::record::{Body, Record};
use pyengine_core::scheduler::{Admission, Decision, Plan};
use pyengine_core::state::PromotionEntry;
use pyengine_core::ticket::ms_to_s;
use pyengine_core::types::{Channel, Fulfillment, LoadLevel, OrderStatus, TicketEventKind, TicketState};
use pyengine_core::Engine;

use crate::pb;

pub fn channel(c: Channel) -> i32 {
    (match c {
        Channel::Unspecified => pb::Channel::Unspecified,
        Channel::Counter => pb::Channel::Counter,
        Channel::Kiosk => pb::Channel::Kiosk,
        Channel::TableQr => pb::Channel::TableQr,
        Channel::MiniProgram => pb::Channel::MiniProgram,
        Channel::Meituan => pb::Channel::Meituan,
        Channel::Eleme => pb::Channel::Eleme,
        Channel::OtherDelivery => pb::Channel::OtherDelivery,
    }) as i32
}

fn fulfillment(f: Fulfillment) -> i32 {
    (match f {
        Fulfillment::Unspecified => pb::Fulfillment::Unspecified,
        Fulfillment::Asap => pb::Fulfillment::Asap,
        Fulfillment::PickupAt => pb::Fulfillment::PickupAt,
        Fulfillment::Delivery => pb::Fulfillment::Delivery,
    }) as i32
}

fn status(s: OrderStatus) -> i32 {
    (match s {
        OrderStatus::Accepted => pb::OrderStatus::Accepted,
        OrderStatus::InProgress => pb::OrderStatus::InProgress,
        OrderStatus::Ready => pb::OrderStatus::Ready,
        OrderStatus::Cancelled => pb::OrderStatus::Cancelled,
    }) as i32
}

fn ticket_state(s: TicketState) -> i32 {
    (match s {
        TicketState::Waiting => pb::TicketState::Waiting,
        TicketState::Queued => pb::TicketState::Queued,
        TicketState::Started => pb::TicketState::Started,
        TicketState::Done => pb::TicketState::Done,
        TicketState::Void => pb::TicketState::Void,
    }) as i32
}

fn event_kind(k: TicketEventKind) -> i32 {
    (match k {
        TicketEventKind::Added => pb::TicketEventKind::Added,
        TicketEventKind::Started => pb::TicketEventKind::Started,
        TicketEventKind::Bumped => pb::TicketEventKind::Bumped,
        TicketEventKind::Recalled => pb::TicketEventKind::Recalled,
        TicketEventKind::Voided => pb::TicketEventKind::Voided,
    }) as i32
}

fn load_level(l: LoadLevel) -> i32 {
    (match l {
        LoadLevel::Normal => pb::LoadLevel::Normal,
        LoadLevel::Busy => pb::LoadLevel::Busy,
        LoadLevel::Rush => pb::LoadLevel::Rush,
        LoadLevel::Overload => pb::LoadLevel::Overload,
    }) as i32
}

fn admission(a: &Admission) -> pb::AdmissionDecision {
    pb::AdmissionDecision {
        decision: (match a.decision {
            Decision::Admitted => pb::Admission::Admitted,
            Decision::Paced => pb::Admission::Paced,
            Decision::Extended => pb::Admission::Extended,
        }) as i32,
        hold_until_ms: a.hold_until_ms,
        extension_s: ms_to_s(a.extension_ms),
        reason: a.reason.clone(),
    }
}

pub fn quote(q: &Quote) -> pb::Quote {
    pb::Quote {
        currency: q.currency.clone(),
        lines: q
            .lines
            .iter()
            .map(|l| pb::PricedLine {
                line_no: l.line_no,
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                modifiers: l.modifiers.clone(),
                unit_price_minor: l.unit_price_minor,
                gross_minor: l.gross_minor,
                discount_minor: l.discount_minor,
                net_minor: l.net_minor,
            })
            .collect(),
        subtotal_minor: q.totals.subtotal_minor,
        discount_minor: q.totals.discount_minor,
        total_minor: q.totals.total_minor,
        eta_ms: q.eta_ms,
        prep_s: q.prep_s,
        cups_ahead: q.cups_ahead,
        load_level: load_level(q.load_level),
        admission: Some(admission(&q.admission)),
        promotions: q
            .promotions
            .iter()
            .map(|p| pb::AppliedPromotion {
                id: p.id.clone(),
                name: p.name.clone(),
                amount_minor: p.amount_minor,
                lines: p
                    .lines
                    .iter()
                    .map(|&(line_no, amount_minor)| pb::LineAmount { line_no, amount_minor })
                    .collect(),
                explanation: p.explanation.clone(),
            })
            .collect(),
        near_misses: q
            .near_misses
            .iter()
            .map(|n| pb::NearMiss {
                id: n.id.clone(),
                add_minor: n.add_minor,
                extra_discount_minor: n.extra_discount_minor,
            })
            .collect(),
        points_used: q.points_used,
        points_value_minor: q.points_value_minor,
    }
}

/// The first answer to a submission: built only from the order's immutable acceptance facts,
/// so a replay encodes to the same bytes.
pub fn receipt(o: &Order) -> pb::SubmitOrderResponse {
    pb::SubmitOrderResponse {
        order_id: o.order_id.clone(),
        pickup_no: o.pickup_no.clone(),
        quote: Some(quote(&o.quote)),
        status: status(OrderStatus::Accepted),
        accepted_at_ms: o.accepted_at_ms,
    }
}

/// The first answer to a submission, from its `order_submitted` record (for an order no longer
/// in memory): the same bytes [`receipt`] gave while it was.
pub fn logged_receipt(record: &Record) -> Option<pb::SubmitOrderResponse> {
    let Body::OrderSubmitted(b) = &record.body else { return None };
    Some(pb::SubmitOrderResponse {
        order_id: b.order_id.clone(),
        pickup_no: b.pickup_no.clone(),
        quote: Some(quote(&b.quote)),
        status: status(OrderStatus::Accepted),
        accepted_at_ms: record.at_ms,
    })
}

pub fn order(engine: &Engine, index: usize, plan: Option<&Plan>) -> pb::Order {
    let o = &engine.state().orders[index];
    let catalog = engine.catalog();
    pb::Order {
        order_id: o.order_id.clone(),
        store_id: catalog.store_id(o.store).to_owned(),
        channel: channel(o.channel),
        channel_order_id: o.channel_order_id.clone(),
        pickup_no: o.pickup_no.clone(),
        status: status(o.status),
        fulfillment: fulfillment(o.fulfillment),
        target_time_ms: o.target_time_ms,
        quote: Some(quote(&o.quote)),
        accepted_at_ms: o.accepted_at_ms,
        eta_ms: plan.map_or(o.quote.eta_ms, |p| p.eta_ms(index, o)),
        delivery_zone: o.delivery_zone.clone(),
        cups_ahead: plan.map_or(0, |p| p.cups_ahead(index)).min(i32::MAX as u32) as i32,
        ready_at_ms: o.ready_at_ms,
        cancelled_at_ms: o.cancelled_at_ms,
        cancel_reason: o.cancel_reason.clone(),
        tickets: o
            .tickets
            .iter()
            .enumerate()
            .map(|(i, t)| pb::TicketRef {
                ticket_id: o.ticket_id(catalog, i),
                station: catalog.station_name(t.station).to_owned(),
                state: ticket_state(t.state),
            })
            .collect(),
        version: o.version,
        member_id: o.member_id.clone(),
        customer_note: o.customer_note.clone(),
    }
}

pub fn ticket(engine: &Engine, index: usize, t: usize, plan: Option<&Plan>) -> pb::Ticket {
    let o = &engine.state().orders[index];
    let catalog = engine.catalog();
    let ticket = &o.tickets[t];
    pb::Ticket {
        ticket_id: o.ticket_id(catalog, t),
        order_id: o.order_id.clone(),
        store_id: catalog.store_id(o.store).to_owned(),
        station: catalog.station_name(ticket.station).to_owned(),
        pickup_no: o.pickup_no.clone(),
        channel: channel(o.channel),
        state: ticket_state(ticket.state),
        items: ticket
            .items
            .iter()
            .map(|i| pb::TicketItem {
                line_no: i.line_no,
                sku: i.sku.clone(),
                name: i.name.clone(),
                quantity: i.quantity,
                modifiers: i.modifiers.clone(),
                steps: i.steps.clone(),
                work_s: ms_to_s(i.work_ms),
                note: i.note.clone(),
            })
            .collect(),
        created_at_ms: ticket.created_at_ms,
        started_at_ms: ticket.started_at_ms,
        done_at_ms: ticket.done_at_ms,
        due_at_ms: plan.map_or(0, |p| p.due_ms(index, o, t)),
        batch: plan.map_or(0, |p| p.batch(index, t)),
        work_s: ms_to_s(ticket.work_ms),
        customer_note: o.customer_note.clone(),
    }
}

pub fn ticket_event(engine: &Engine, e: &TicketEventRef, plan: Option<&Plan>) -> pb::TicketEvent {
    pb::TicketEvent {
        seq: e.seq,
        kind: event_kind(e.kind),
        at_ms: e.at_ms,
        ticket: Some(ticket(engine, e.order, e.ticket, plan)),
    }
}

pub fn station(engine: &Engine, store: usize, station: usize) -> pb::Station {
    let s = engine.catalog().station(station);
    pb::Station {
        name: s.name.clone(),
        slots: engine.state().stores[store].slots[station] as i32,
        batch_size: s.batch_size as i32,
    }
}

pub fn menu(engine: &Engine, store: usize) -> pb::Menu {
    let catalog = engine.catalog();
    let s = &engine.state().stores[store];
    let sched = &catalog.scheduler;
    let fast = s.load.fast_mode(sched);
    let (store_id, info) = catalog.stores.get_index(store).expect("store index from the engine");
    pb::Menu {
        store_id: store_id.clone(),
        store_name: info.name.clone(),
        currency: catalog.currency.clone(),
        items: catalog
            .items
            .values()
            .enumerate()
            .map(|(i, item)| pb::MenuItem {
                sku: item.sku.clone(),
                name: item.name.clone(),
                category: item.category.clone(),
                price_minor: item.price_minor,
                available: !(s.sold_out_items.contains(&i) || fast && sched.fast_mode_items.contains(&i)),
                modifiers: item
                    .modifiers
                    .iter()
                    .map(|&m| {
                        let modifier = catalog.modifier(m);
                        pb::Modifier {
                            code: modifier.code.clone(),
                            name: modifier.name.clone(),
                            price_minor: modifier.price_minor,
                            available: !(s.sold_out_modifiers.contains(&m)
                                || fast && sched.fast_mode_modifiers.contains(&m)),
                        }
                    })
                    .collect(),
                work_s: ms_to_s(item.unit_ms()),
            })
            .collect(),
        stations: (0..catalog.stations.len()).map(|st| station(engine, store, st)).collect(),
    }
}

pub fn board(engine: &Engine, b: &Board) -> pb::StationBoard {
    pb::StationBoard {
        store_id: engine.catalog().store_id(b.store).to_owned(),
        station: engine.catalog().station_name(b.station).to_owned(),
        slots: b.slots as i32,
        queue: b.queue.iter().map(|&(o, t)| ticket(engine, o, t, Some(&b.plan))).collect(),
        upcoming: b.upcoming.iter().map(|&(o, t)| ticket(engine, o, t, Some(&b.plan))).collect(),
        all_day: b
            .all_day
            .iter()
            .map(|a| pb::AllDayCount { sku: a.sku.clone(), name: a.name.clone(), quantity: a.quantity })
            .collect(),
        last_seq: b.last_seq,
        backlog_s: b.backlog_s,
    }
}

pub fn load(engine: &Engine, l: &Load) -> pb::LoadUpdate {
    pb::LoadUpdate {
        store_id: engine.catalog().store_id(l.store).to_owned(),
        level: load_level(l.level),
        reason: l.reason.clone(),
        open_orders: l.open_orders,
        backlog_s: l.backlog_s,
        at_ms: l.at_ms,
        since_ms: l.since_ms,
        pacing: l.pacing,
        fast_mode: l.fast_mode,
        hidden: l.hidden.clone(),
        paused_channels: l.paused_channels.iter().map(|&c| channel(c)).collect(),
        actions: l.actions.clone(),
    }
}

/// An outcome, fully encoded, ready to hand to Python.
#[derive(Debug, Default)]
pub struct Encoded {
    pub response: Vec<u8>,
    pub lsn: u64,
    pub replayed: bool,
    /// Set when the answer is a logged submission's receipt (`response` is then empty).
    pub receipt_lsn: u64,
    pub events: Vec<(u64, &'static str, i64, Vec<u8>)>,
    pub ticket_events: Vec<(String, String, u64, Vec<u8>)>,
    pub order_updates: Vec<(String, u64, Vec<u8>)>,
    /// A submission to repeat with the event store's entry for this key (channel, id).
    pub key_lookup: Option<(i32, String)>,
    /// Keys that left memory for the event store: (channel, channel order id, order id,
    /// fingerprint, accepted at, lsn).
    pub logged_keys: Vec<(i32, String, String, String, i64, u64)>,
    pub keys_forgotten_before_ms: i64,
}

pub fn outcome(engine: &Engine, out: Outcome) -> Encoded {
    let plan = out.plan.as_ref();
    let response = match out.response {
        Response::Submitted(o) => receipt(&engine.state().orders[o]).encode_to_vec(),
        Response::Order(o) => order(engine, o, plan).encode_to_vec(),
        Response::Ticket(o, t) => ticket(engine, o, t, plan).encode_to_vec(),
        Response::Menu(s) => menu(engine, s).encode_to_vec(),
        Response::Station(s, st) => station(engine, s, st).encode_to_vec(),
        Response::Promotion(p) => promotion(&engine.state().promotions[p]).encode_to_vec(),
        Response::SubmittedInLog(_) | Response::Evicted(_) | Response::LookUpKey => Vec::new(),
        Response::Load(s) => {
            let now = plan.map_or_else(|| out.records.last().map_or(0, |r| r.at_ms), |p| p.now_ms);
            let store_id = engine.catalog().store_id(s);
            engine.load(store_id, now).map(|l| load(engine, &l).encode_to_vec()).unwrap_or_default()
        }
    };
    let catalog = engine.catalog();
    Encoded {
        response,
        lsn: out.lsn,
        replayed: out.replayed,
        receipt_lsn: if let Response::SubmittedInLog(lsn) = out.response { lsn } else { 0 },
        events: out.records.into_iter().map(|r| (r.lsn, r.kind, r.at_ms, r.bytes)).collect(),
        ticket_events: out
            .effects
            .ticket_events
            .iter()
            .map(|e| {
                (
                    catalog.store_id(e.store).to_owned(),
                    catalog.station_name(e.station).to_owned(),
                    e.seq,
                    ticket_event(engine, e, plan).encode_to_vec(),
                )
            })
            .collect(),
        order_updates: out
            .effects
            .order_updates
            .iter()
            .map(|&o| {
                let msg = order(engine, o, plan);
                (msg.order_id.clone(), msg.version, msg.encode_to_vec())
            })
            .collect(),
        key_lookup: None,
        logged_keys: out
            .effects
            .logged_keys
            .into_iter()
            .map(|k| {
                let key = k.key;
                (
                    channel(k.channel),
                    k.channel_order_id,
                    key.order_id,
                    key.fingerprint,
                    key.accepted_at_ms,
                    key.lsn,
                )
            })
            .collect(),
        keys_forgotten_before_ms: out.effects.keys_forgotten_before_ms,
    }
}

pub fn promotion(p: &PromotionEntry) -> pb::Promotion {
    pb::Promotion {
        id: p.id.clone(),
        definition_json: p.definition_json.clone(),
        enabled: p.enabled,
        uses: p.uses,
        updated_at_ms: p.updated_at_ms,
    }
}

pub fn price_breakdown(q: &Quote, answer: &Answer) -> pb::PriceBreakdown {
    pb::PriceBreakdown {
        quote: Some(quote(q)),
        not_applied: answer
            .not_applied
            .iter()
            .map(|n| pb::NotApplied {
                id: n.id.to_string(),
                reason: n.reason.to_owned(),
                explanation: n.explanation.to_string(),
            })
            .collect(),
        exact: answer.exact,
    }
}
