//! Behaviour of the engine's commands and of replay, through the public API.

// Short names (e engine, o order, t ticket) keep the scenario tables readable.
#![allow(clippy::many_single_char_names)]

use proptest::prelude::*;

use super::*;
use crate::draft::DraftLine;
use crate::outcome::TicketEventRef;
use crate::testutil::{sample_json, sample_value};
use crate::types::{Channel, Fulfillment, LoadLevel, OrderStatus, TicketEventKind, TicketState};

pub(super) const T0: i64 = 1_750_000_000_000;

pub(super) fn engine() -> Engine {
    Engine::new(&sample_json()).unwrap()
}

pub(super) fn line(sku: &str, quantity: i32, modifiers: &[&str]) -> DraftLine {
    DraftLine {
        sku: sku.into(),
        quantity,
        modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
        note: String::new(),
    }
}

pub(super) fn draft(key: &str, lines: Vec<DraftLine>) -> Draft {
    Draft {
        store_id: "sh-001".into(),
        channel: Some(Channel::Counter),
        channel_order_id: key.into(),
        lines,
        ..Draft::default()
    }
}

pub(super) fn tea(key: &str) -> Draft {
    draft(key, vec![line("classic_milk_tea", 1, &[])])
}

fn events(out: &Outcome) -> Vec<(String, u64, TicketEventKind)> {
    out.effects.ticket_events.iter().map(|e| (station(e), e.seq, e.kind)).collect()
}

fn station(e: &TicketEventRef) -> String {
    sample_value()["stations"][e.station]["name"].as_str().unwrap().to_owned()
}

fn order<'a>(e: &'a Engine, id: &str) -> &'a crate::order::Order {
    &e.state().orders[e.order_index(id).unwrap()]
}

#[test]
fn submit_accepts_and_releases_first_stations() {
    let mut e = engine();
    let out = e.submit(Some(tea("c-1")), T0).unwrap();
    assert_eq!(out.lsn, 1);
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.records[0].kind, "order_submitted");
    assert_eq!(events(&out), vec![("tea_bar".into(), 1, TicketEventKind::Added)]);
    let o = order(&e, "sh-001-000001");
    assert_eq!(o.pickup_no, "A001");
    assert_eq!(o.version, 1);
    assert_eq!(o.status, OrderStatus::Accepted);
    let states: Vec<_> = o.tickets.iter().map(|t| t.state).collect();
    assert_eq!(states, [TicketState::Queued, TicketState::Waiting, TicketState::Waiting]);
    // 45 s brew + 15 s shake + 5 s seal on an empty kitchen, plus the quote's margin: 50 s and
    // 10 % of the 5 s of work beyond 60 s.
    assert_eq!(o.quote.eta_ms, T0 + 115_500);
    assert_eq!(o.quote.prep_s, 116); // rounded up
    assert_eq!(o.quote.totals.total_minor, 1500);
    let mut d = tea("mt-1");
    d.channel = Some(Channel::Meituan);
    e.submit(Some(d), T0).unwrap();
    assert_eq!(order(&e, "sh-001-000002").pickup_no, "D001");
}

#[test]
fn idempotent_replay_returns_the_first_answer() {
    let mut e = engine();
    let first = e.submit(Some(tea("c-1")), T0).unwrap();
    e.bump_ticket("sh-001-000001/tea_bar", T0 + 1000).unwrap();
    let again = e.submit(Some(tea("c-1")), T0 + 2000).unwrap();
    assert!(again.replayed);
    assert_eq!(again.lsn, first.lsn);
    assert!(again.records.is_empty() && again.effects.ticket_events.is_empty());
    assert_eq!(again.response, first.response);
    assert_eq!(e.last_lsn(), 2);
    let err = e.submit(Some(draft("c-1", vec![line("classic_milk_tea", 2, &[])])), T0).unwrap_err();
    assert!(matches!(err, EngineError::AlreadyExists { .. }));
    assert_eq!(err.field(), "order.channel_order_id");
    // The key is per channel.
    let mut other = tea("c-1");
    other.channel = Some(Channel::Kiosk);
    assert!(!e.submit(Some(other), T0).unwrap().replayed);
}

#[test]
fn bump_chain_makes_the_order_ready() {
    let mut e = engine();
    e.submit(Some(tea("c-1")), T0).unwrap();
    let err = e.start_ticket("sh-001-000001/shaker", T0).unwrap_err();
    assert!(matches!(err, EngineError::FailedPrecondition { .. }), "{err}");
    assert!(err.reason().contains("WAITING"));
    let s = e.start_ticket("sh-001-000001/tea_bar", T0 + 1000).unwrap();
    assert_eq!(events(&s), vec![("tea_bar".into(), 2, TicketEventKind::Started)]);
    assert_eq!(order(&e, "sh-001-000001").status, OrderStatus::InProgress);
    let b = e.bump_ticket("sh-001-000001/tea_bar", T0 + 40_000).unwrap();
    assert_eq!(
        events(&b),
        vec![("tea_bar".into(), 3, TicketEventKind::Bumped), ("shaker".into(), 1, TicketEventKind::Added)]
    );
    assert_eq!(b.effects.order_updates.len(), 1);
    e.bump_ticket("sh-001-000001/shaker", T0 + 50_000).unwrap();
    let last = e.bump_ticket("sh-001-000001/sealer", T0 + 60_000).unwrap();
    assert_eq!(events(&last), vec![("sealer".into(), 2, TicketEventKind::Bumped)]);
    let o = order(&e, "sh-001-000001");
    assert_eq!(o.status, OrderStatus::Ready);
    assert_eq!(o.ready_at_ms, T0 + 60_000);
    assert_eq!(o.version, 5);
    let plan = e.plan(0, T0 + 70_000);
    assert_eq!(plan.eta_ms(0, o), T0 + 60_000);
    // Recall: back to IN_PROGRESS, the ticket is queued again.
    let r = e.recall_ticket("sh-001-000001/sealer", T0 + 70_000).unwrap();
    assert_eq!(events(&r), vec![("sealer".into(), 3, TicketEventKind::Recalled)]);
    let o = order(&e, "sh-001-000001");
    assert_eq!((o.status, o.ready_at_ms, o.version), (OrderStatus::InProgress, 0, 6));
    assert!(matches!(
        e.recall_ticket("sh-001-000001/sealer", T0).unwrap_err(),
        EngineError::FailedPrecondition { .. }
    ));
}

#[test]
fn ticket_ids_are_checked() {
    let mut e = engine();
    e.submit(Some(tea("c-1")), T0).unwrap();
    assert!(matches!(e.bump_ticket("", T0).unwrap_err(), EngineError::InvalidArgument { .. }));
    for id in ["nope", "sh-001-000009/tea_bar", "sh-001-000001/grill", "sh-001-000001/blender"] {
        let err = e.bump_ticket(id, T0).unwrap_err();
        assert!(matches!(err, EngineError::NotFound { .. }), "{id}: {err}");
        assert_eq!(err.field(), "ticket_id");
    }
    assert_eq!(e.last_lsn(), 1);
}

#[test]
fn cancel_voids_released_tickets_and_is_idempotent() {
    let mut e = engine();
    e.submit(Some(tea("c-1")), T0).unwrap();
    let out = e.cancel("sh-001-000001", "customer left".into(), T0 + 1000).unwrap();
    assert_eq!(events(&out), vec![("tea_bar".into(), 2, TicketEventKind::Voided)]);
    let o = order(&e, "sh-001-000001");
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert!(o.tickets.iter().all(|t| t.state == TicketState::Void));
    assert_eq!(o.cancel_reason, "customer left");
    let again = e.cancel("sh-001-000001", String::new(), T0 + 2000).unwrap();
    assert_eq!((again.lsn, again.records.len()), (0, 0));
    assert_eq!(order(&e, "sh-001-000001").version, 2);
    assert!(matches!(e.cancel("", String::new(), T0).unwrap_err(), EngineError::InvalidArgument { .. }));
    assert!(matches!(e.cancel("x", String::new(), T0).unwrap_err(), EngineError::NotFound { .. }));
    e.submit(Some(tea("c-2")), T0).unwrap();
    for st in ["tea_bar", "shaker", "sealer"] {
        e.bump_ticket(&format!("sh-001-000002/{st}"), T0).unwrap();
    }
    let err = e.cancel("sh-001-000002", String::new(), T0).unwrap_err();
    assert!(matches!(err, EngineError::FailedPrecondition { .. }));
    assert_eq!(err.field(), "order_id");
}

#[test]
fn availability_and_staffing_gate_submissions() {
    let mut e = engine();
    let out = e.set_availability("sh-001", "classic_milk_tea", "", false, T0).unwrap();
    assert_eq!(out.lsn, 1);
    assert_eq!(e.set_availability("sh-001", "classic_milk_tea", "", false, T0).unwrap().lsn, 0);
    let err = e.submit(Some(tea("c-1")), T0).unwrap_err();
    assert_eq!(err.field(), "order.lines[0].sku");
    assert_eq!(err.reason(), "'经典珍珠奶茶' (classic_milk_tea) is sold out");
    // Other stores are not affected.
    let mut other = tea("c-1");
    other.store_id = "sh-002".into();
    e.submit(Some(other), T0).unwrap();

    e.set_availability("sh-001", "", "pearls", false, T0).unwrap();
    let err = e
        .submit(Some(draft("c-2", vec![line("jasmine_milk_green", 1, &["large", "pearls"])])), T0)
        .unwrap_err();
    assert_eq!(err.field(), "order.lines[0].modifiers[1]");

    assert_eq!(e.set_staffing("sh-001", "blender", 0, T0).unwrap().records[0].kind, "staffing_set");
    assert_eq!(e.set_staffing("sh-001", "blender", 0, T0).unwrap().lsn, 0);
    let err = e.submit(Some(draft("c-3", vec![line("mango_smoothie", 1, &[])])), T0).unwrap_err();
    assert!(matches!(err, EngineError::FailedPrecondition { .. }));
    assert_eq!(err.reason(), "station 'blender' is closed");

    for (s, st, slots, field) in [
        ("x", "blender", 1, "store_id"),
        ("sh-001", "grill", 1, "station"),
        ("sh-001", "blender", 33, "slots"),
    ] {
        assert_eq!(e.set_staffing(s, st, slots, T0).unwrap_err().field(), field);
    }
    assert_eq!(e.set_availability("sh-001", "", "", true, T0).unwrap_err().field(), "sku");
    assert_eq!(e.set_availability("sh-001", "a", "b", true, T0).unwrap_err().field(), "modifier");
    assert_eq!(e.set_availability("sh-001", "taro", "", true, T0).unwrap_err().field(), "sku");
    assert_eq!(e.set_availability("sh-001", "", "gold", true, T0).unwrap_err().field(), "modifier");
}

#[test]
fn quote_commits_nothing_and_counts_cups_ahead() {
    let mut e = engine();
    e.submit(Some(draft("c-1", vec![line("classic_milk_tea", 3, &[])])), T0).unwrap();
    let hash = e.state_hash();
    let q = e.quote(Some(&tea("")), T0).unwrap();
    assert_eq!(q.load_level, LoadLevel::Normal);
    // Brew (45 s) runs in parallel slots for both orders; the new cup shakes 45..60 s while the
    // three cups shake 45..75 s (two batches of two), so the one sealer takes the new cup at
    // 60..65 s, before the three cups reach it: nothing is ahead of it. (The quote adds its
    // 50.5 s margin: 50 s and 10 % of the work beyond 60 s.)
    assert_eq!(q.eta_ms, T0 + 115_500);
    assert_eq!(q.cups_ahead, 0);
    assert_eq!(e.state_hash(), hash);
    assert_eq!(e.quote(None, T0).unwrap_err().field(), "order");
    let mut d = tea("");
    d.store_id = "zz".into();
    assert_eq!(e.quote(Some(&d), T0).unwrap_err().field(), "order.store_id");
    let mut d = tea("");
    d.fulfillment = Some(Fulfillment::PickupAt);
    d.target_time_ms = T0 + 3_600_000;
    // A reserved pickup is planned ready shortly before the customer comes: the ETA says when.
    let s = &e.catalog().scheduler;
    let eta = e.quote(Some(&d), T0).unwrap().eta_ms;
    assert!(eta <= T0 + 3_600_000 - s.target_margin_ms && eta >= T0 + 3_600_000 - s.freshness_ms, "{eta}");
    // Behind two orders of three cups the sealer is busy: at least one of them is ahead.
    e.submit(Some(draft("c-2", vec![line("classic_milk_tea", 3, &[])])), T0).unwrap();
    let q = e.quote(Some(&tea("")), T0).unwrap();
    assert!(q.cups_ahead >= 3, "{}", q.cups_ahead);
}

#[test]
fn load_levels_follow_open_orders() {
    let mut e = engine();
    for i in 0..21 {
        e.submit(Some(tea(&format!("c-{i}"))), T0).unwrap();
    }
    let load = e.load("sh-001", T0).unwrap();
    assert_eq!(load.level, LoadLevel::Overload);
    assert_eq!(load.open_orders, 21);
    assert_eq!(load.reason, "overload: 20 orders waiting (at 20)");
    assert!(load.fast_mode && load.pacing && load.paused_channels.is_empty());
    assert!(load.backlog_s > 0);
    assert_eq!(e.load("sh-002", T0).unwrap().level, LoadLevel::Normal);
    assert_eq!(e.load("zz", T0).unwrap_err().field(), "store_id");
}

#[test]
fn board_orders_started_first_then_due() {
    let mut e = engine();
    e.submit(Some(tea("c-1")), T0).unwrap();
    e.submit(
        Some(draft("c-2", vec![line("classic_milk_tea", 2, &[]), line("jasmine_milk_green", 1, &[])])),
        T0,
    )
    .unwrap();
    e.start_ticket("sh-001-000002/tea_bar", T0).unwrap();
    let b = e.board("sh-001", "tea_bar", T0).unwrap();
    let ids: Vec<_> = b.queue.iter().map(|&(o, _)| e.state().orders[o].order_id.as_str()).collect();
    assert_eq!(ids, ["sh-001-000002", "sh-001-000001"]);
    let all_day: Vec<_> = b.all_day.iter().map(|a| (a.sku.as_str(), a.quantity)).collect();
    assert_eq!(all_day, [("classic_milk_tea", 3), ("jasmine_milk_green", 1)]);
    assert_eq!(b.last_seq, 3);
    assert_eq!(b.slots, 3);
    assert_eq!(b.backlog_s, 45 + 90);
    assert_eq!(e.board("sh-001", "grill", T0).unwrap_err().field(), "station");
}

#[test]
fn replay_rebuilds_the_same_state_and_effects() {
    let mut live = engine();
    let mut outs = Vec::new();
    let mut d = draft(
        "mt-9",
        vec![line("fresh_grape_tea", 2, &["large", "cheese_foam"]), line("mango_smoothie", 1, &[])],
    );
    d.channel = Some(Channel::Meituan);
    d.fulfillment = Some(Fulfillment::Delivery);
    d.target_time_ms = T0 + 900_000;
    outs.push(live.submit(Some(d), T0).unwrap());
    outs.push(live.submit(Some(tea("c-1")), T0 + 1).unwrap());
    outs.push(live.bump_ticket("sh-001-000001/fruit_prep", T0 + 60_000).unwrap());
    outs.push(live.set_staffing("sh-001", "shaker", 1, T0 + 61_000).unwrap());
    outs.push(live.cancel("sh-001-000002", "dup".into(), T0 + 62_000).unwrap());
    outs.push(live.set_availability("sh-001", "", "pearls", false, T0 + 63_000).unwrap());
    let mut replica = engine();
    for out in &outs {
        let again = replica.apply(&out.records[0].bytes).unwrap();
        assert_eq!(again.lsn, out.lsn);
        assert_eq!(again.effects, out.effects);
        assert_eq!(again.response, out.response);
    }
    assert_eq!(replica.state_hash(), live.state_hash());
    assert_eq!(replica.last_lsn(), 6);
    // Out of sequence.
    let err = replica.apply(&outs[0].records[0].bytes).unwrap_err();
    assert!(matches!(err, EngineError::Replay { .. }));
    assert_eq!(err.field(), "lsn");
    assert!(matches!(replica.apply(b"junk").unwrap_err(), EngineError::Replay { .. }));
}

#[test]
fn replay_refuses_a_store_the_config_lost() {
    let mut live = engine();
    let mut d = tea("c-1");
    d.store_id = "sh-002".into();
    let out = live.submit(Some(d), T0).unwrap();
    let mut cfg = sample_value();
    cfg["stores"].as_array_mut().unwrap().pop();
    let mut smaller = Engine::new(&cfg.to_string()).unwrap();
    let err = smaller.apply(&out.records[0].bytes).unwrap_err();
    assert!(matches!(err, EngineError::Replay { .. }));
    assert_eq!(err.field(), "store_id");
    assert_eq!(smaller.last_lsn(), 0);
}

#[test]
fn replay_does_not_reprice() {
    let mut live = engine();
    let out = live.submit(Some(tea("c-1")), T0).unwrap();
    let mut cfg = sample_value();
    cfg["items"][0]["price_minor"] = 9999.into();
    let mut repriced = Engine::new(&cfg.to_string()).unwrap();
    repriced.apply(&out.records[0].bytes).unwrap();
    assert_eq!(order(&repriced, "sh-001-000001").quote.totals.total_minor, 1500);
    assert_eq!(repriced.state_hash(), live.state_hash());
}

/// One random command against the sample shop.
#[derive(Debug, Clone)]
pub(super) enum Cmd {
    Submit { store: usize, sku: usize, qty: i32, delivery: bool, key: u8 },
    Start(usize, usize),
    Bump(usize, usize),
    Recall(usize, usize),
    Cancel(usize),
    Staff(usize, i32),
    SoldOut(usize, bool),
}

pub(super) fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        3 => (0usize..2, 0usize..8, 1i32..6, any::<bool>(), 0u8..40)
            .prop_map(|(store, sku, qty, delivery, key)| Cmd::Submit { store, sku, qty, delivery, key }),
        2 => (0usize..64, 0usize..7).prop_map(|(o, t)| Cmd::Start(o, t)),
        5 => (0usize..64, 0usize..7).prop_map(|(o, t)| Cmd::Bump(o, t)),
        1 => (0usize..64, 0usize..7).prop_map(|(o, t)| Cmd::Recall(o, t)),
        1 => (0usize..64).prop_map(Cmd::Cancel),
        1 => (0usize..7, 0i32..4).prop_map(|(s, n)| Cmd::Staff(s, n)),
        1 => (0usize..8, any::<bool>()).prop_map(|(i, a)| Cmd::SoldOut(i, a)),
    ]
}

pub(super) fn run(e: &mut Engine, c: &Cmd, now: i64) -> Option<Outcome> {
    let v = sample_value();
    let ticket = |e: &Engine, o: usize, t: usize| -> Option<String> {
        let orders = &e.state().orders;
        let order = orders.get(o % orders.len().max(1))?;
        let t = t % order.tickets.len();
        Some(order.ticket_id(e.catalog(), t))
    };
    let result = match c {
        Cmd::Submit { store, sku, qty, delivery, key } => {
            let mut d =
                draft(&format!("k{key}"), vec![line(v["items"][*sku]["sku"].as_str().unwrap(), *qty, &[])]);
            d.store_id = v["stores"][*store]["id"].as_str().unwrap().into();
            if *delivery {
                d.channel = Some(Channel::Eleme);
                d.fulfillment = Some(Fulfillment::Delivery);
                d.target_time_ms = now + 600_000;
            }
            e.submit(Some(d), now)
        }
        Cmd::Start(o, t) => e.start_ticket(&ticket(e, *o, *t)?, now),
        Cmd::Bump(o, t) => e.bump_ticket(&ticket(e, *o, *t)?, now),
        Cmd::Recall(o, t) => e.recall_ticket(&ticket(e, *o, *t)?, now),
        Cmd::Cancel(o) => {
            let id = e.state().orders.get(o % e.state().orders.len().max(1))?.order_id.clone();
            e.cancel(&id, String::new(), now)
        }
        Cmd::Staff(s, n) => e.set_staffing("sh-001", v["stations"][*s]["name"].as_str().unwrap(), *n, now),
        Cmd::SoldOut(i, a) => {
            e.set_availability("sh-001", v["items"][*i]["sku"].as_str().unwrap(), "", *a, now)
        }
    };
    result.ok()
}

/// No ticket is on a screen (or done) before every ticket it depends on is done, unless it was
/// recalled (a recall leaves successors as they are).
fn released_only_after_predecessors(
    e: &Engine,
    recalled: &std::collections::BTreeSet<(usize, usize)>,
) -> bool {
    e.state().orders.iter().enumerate().all(|(oi, o)| {
        o.tickets.iter().enumerate().all(|(ti, t)| {
            !matches!(t.state, TicketState::Queued | TicketState::Started | TicketState::Done)
                || t.deps.iter().all(|&d| {
                    o.tickets[d as usize].state == TicketState::Done || recalled.contains(&(oi, d as usize))
                })
                || recalled.contains(&(oi, ti))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn replay_equals_live(cmds in prop::collection::vec(cmd(), 1..80)) {
        let mut live = engine();
        let mut records = Vec::new();
        let mut effects = Vec::new();
        let mut recalled = std::collections::BTreeSet::new();
        let mut last_seq = std::collections::BTreeMap::new();
        for (i, c) in cmds.iter().enumerate() {
            let now = T0 + i as i64 * 7_000;
            if let Some(out) = run(&mut live, c, now) {
                for ev in &out.effects.ticket_events {
                    // Sequence numbers per (store, station) have no gaps.
                    let prev = last_seq.insert((ev.store, ev.station), ev.seq).unwrap_or(0);
                    prop_assert_eq!(ev.seq, prev + 1);
                    if ev.kind == TicketEventKind::Recalled {
                        recalled.insert((ev.order, ev.ticket));
                    }
                }
                // A command's first record carries its effects; a load_changed may follow.
                for (k, r) in out.records.iter().enumerate() {
                    records.push(r.bytes.clone());
                    effects.push((k == 0).then(|| (out.effects.clone(), out.response)));
                }
            }
            prop_assert!(released_only_after_predecessors(&live, &recalled));
            for o in &live.state().orders {
                let all_done = o.all_done();
                prop_assert_eq!(o.status == OrderStatus::Ready, all_done && o.status != OrderStatus::Cancelled);
            }
        }
        // About 40 % of random commands are accepted (the rest are refused and change nothing).
        let mut replica = engine();
        for (bytes, expected) in records.iter().zip(&effects) {
            let out = replica.apply(bytes).unwrap();
            if let Some((fx, response)) = expected {
                prop_assert_eq!(&out.effects, fx);
                prop_assert_eq!(&out.response, response);
            } else {
                prop_assert!(matches!(out.response, Response::Load(_)));
            }
        }
        prop_assert_eq!(replica.state_hash(), live.state_hash());
    }
}

/// Checks a plan against the kitchen it plans: no ticket starts before its predecessors'
/// projected finish or before now, and no station runs more tickets at once than it has slots
/// (tickets already started count as they are: staff may have been sent home mid-ticket).
fn plan_is_feasible(e: &Engine, store: usize, now: i64) -> Result<(), String> {
    let plan = e.plan(store, now);
    let slots = &e.state().stores[store].slots;
    // (start, finish, started, batch): a batch's tickets share one slot.
    let mut intervals: Vec<Vec<(i64, i64, bool, u32)>> = vec![Vec::new(); slots.len()];
    for p in plan.planned() {
        let o = &e.state().orders[p.order];
        for (t, ticket) in o.tickets.iter().enumerate() {
            if !ticket.state.is_open() {
                continue;
            }
            let (start, finish) = (p.starts[t], p.tickets[t]);
            let started = ticket.state == TicketState::Started;
            if !started {
                if start < now {
                    return Err(format!("{}/{t} starts at {start} before now {now}", o.order_id));
                }
                for &d in &ticket.deps {
                    let dep = &o.tickets[d as usize];
                    if dep.state.is_open() && p.tickets[d as usize] > start {
                        return Err(format!("{}/{t} starts before its predecessor {d} ends", o.order_id));
                    }
                }
            }
            if finish < start {
                return Err(format!("{}/{t} finishes before it starts", o.order_id));
            }
            intervals[ticket.station].push((start, finish, started, p.batches[t]));
        }
    }
    for (s, list) in intervals.iter().enumerate() {
        let started = list.iter().filter(|i| i.2).count();
        let capacity = (slots[s].max(1) as usize).max(started);
        for &(at, _, _, _) in list {
            let mut batches = std::collections::BTreeSet::new();
            let running = list
                .iter()
                .filter(|&&(a, b, _, batch)| a <= at && at < b && (batch == 0 || batches.insert(batch)))
                .count();
            if running > capacity {
                return Err(format!("station {s} runs {running} tickets at {at} with {capacity} slots"));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn plans_are_feasible_and_replay_to_the_same_plan(cmds in prop::collection::vec(cmd(), 1..80)) {
        let mut live = engine();
        let mut records = Vec::new();
        let mut now = T0;
        for (i, c) in cmds.iter().enumerate() {
            now = T0 + i as i64 * 7_000;
            if let Some(out) = run(&mut live, c, now) {
                records.extend(out.records.iter().map(|r| r.bytes.clone()));
            }
            if i % 10 == 0 {
                records.extend(live.tick(now).unwrap().records.into_iter().map(|r| r.bytes));
            }
            for store in 0..2 {
                prop_assert_eq!(plan_is_feasible(&live, store, now), Ok(()));
            }
        }
        let mut replica = engine();
        for bytes in &records {
            replica.apply(bytes).unwrap();
        }
        prop_assert_eq!(replica.state_hash(), live.state_hash());
        for store in 0..2 {
            let (a, b) = (live.plan(store, now), replica.plan(store, now));
            prop_assert_eq!(a.planned(), b.planned());
            for station in 0..7 {
                prop_assert_eq!(a.sequence(station), b.sequence(station));
            }
        }
    }
}

/// A submission of any fulfillment: (store, sku, quantity, kind, minutes ahead, gold member).
fn any_submission() -> impl Strategy<Value = (usize, usize, i32, u8, i64, bool)> {
    (0usize..2, 0usize..8, 1i32..4, 0u8..4, 10i64..30, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A submission's plan (the quote's, reused when the order is planned as quoted, else built
    /// after the commit) is the plan a fresh re-plan gives: ASAP, pickup-at and delivery orders,
    /// skip-the-queue members, pacing holds, among started and bumped tickets.
    #[test]
    fn a_submission_answers_with_the_stores_plan(
        steps in prop::collection::vec((any_submission(), cmd()), 1..60),
        pacing in any::<bool>(),
    ) {
        let mut cfg = sample_value();
        cfg["scheduler"]["skip_queue_tiers"] = serde_json::json!(["gold"]);
        cfg["scheduler"]["pacing"] = serde_json::json!(pacing);
        let mut e = Engine::new(&cfg.to_string()).unwrap();
        let v = sample_value();
        for (i, ((store, sku, qty, kind, ahead, gold), other)) in steps.iter().enumerate() {
            let now = T0 + i as i64 * 5_000;
            let mut d = draft(&format!("p{i}"), vec![line(v["items"][*sku]["sku"].as_str().unwrap(), *qty, &[])]);
            d.store_id = v["stores"][*store]["id"].as_str().unwrap().into();
            match kind {
                1 => {
                    d.channel = Some(Channel::MiniProgram);
                    d.fulfillment = Some(Fulfillment::PickupAt);
                    d.target_time_ms = now + ahead * 60_000;
                }
                2 => {
                    d.channel = Some(Channel::Eleme);
                    d.fulfillment = Some(Fulfillment::Delivery);
                    d.target_time_ms = now + ahead * 60_000;
                    d.delivery_zone = if i % 2 == 0 { "north".into() } else { "south".into() };
                }
                _ => {}
            }
            if *gold {
                d.member_id = format!("m{i}");
                d.member.tier = "gold".into();
            }
            if let Ok(out) = e.submit(Some(d), now) {
                let fresh = e.plan(*store, now);
                prop_assert_eq!(out.plan.as_ref(), Some(&fresh));
            }
            run(&mut e, other, now);
        }
    }
}

#[test]
fn identical_cups_of_different_orders_share_a_batch() {
    let mut e = engine();
    e.set_staffing("sh-001", "tea_bar", 1, T0).unwrap();
    for i in 0..5 {
        e.submit(Some(tea(&format!("c-{i}"))), T0).unwrap();
    }
    e.submit(Some(draft("c-latte", vec![line("brown_sugar_boba_milk", 1, &[])])), T0).unwrap();
    let plan = e.plan(0, T0);
    // Batch size 4 at the tea bar: the first four teas brew together (0..45 s), the fifth and
    // the different drink after them, each alone.
    let brew: Vec<(i64, u32)> = plan.planned().iter().map(|p| (p.starts[0], p.batches[0])).collect();
    assert_eq!(brew[..4].iter().map(|b| b.0).collect::<Vec<_>>(), vec![T0; 4]);
    assert!(brew[0].1 != 0 && brew[..4].iter().all(|b| b.1 == brew[0].1));
    assert_eq!(brew[4].1, 0);
    assert_eq!(brew[5].1, 0);
    assert!(brew[4].0 >= T0 + 45_000 && brew[5].0 >= T0 + 45_000);
    // The board lists the batch together, first.
    let board = e.board("sh-001", "tea_bar", T0).unwrap();
    assert_eq!(board.queue[..4].iter().map(|q| q.0).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert_eq!(plan_is_feasible(&e, 0, T0), Ok(()));
}

#[test]
fn eta_is_monotone_in_the_queue_ahead() {
    let mut e = engine();
    let mut last = 0;
    for i in 0..12 {
        let quoted = e.quote(Some(&tea("")), T0).unwrap().eta_ms;
        assert!(quoted >= last, "quote {i}: {quoted} < {last}");
        let out = e.submit(Some(tea(&format!("c-{i}"))), T0).unwrap();
        let Response::Submitted(o) = out.response else { panic!("not submitted") };
        // The first quote holds: the next identical order does not move this one.
        assert_eq!(e.state().orders[o].quote.eta_ms, quoted);
        last = quoted;
    }
    let plan = e.plan(0, T0);
    let etas: Vec<i64> = (0..12).map(|o| plan.eta_ms(o, &e.state().orders[o])).collect();
    assert!(etas.windows(2).all(|w| w[0] <= w[1]), "{etas:?}");
}

fn delivery(key: &str, sku: &str, target: i64) -> Draft {
    let mut d = draft(key, vec![line(sku, 1, &[])]);
    d.channel = Some(Channel::Meituan);
    d.fulfillment = Some(Fulfillment::Delivery);
    d.target_time_ms = target;
    d
}

#[test]
fn target_orders_are_released_just_in_time_and_never_melt() {
    let mut e = engine();
    let target = T0 + 30 * 60_000;
    let out = e.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap();
    let Response::Submitted(o) = out.response else { panic!("not submitted") };
    let s = &e.catalog().scheduler;
    let plan = e.plan(0, T0);
    let p = &plan.planned()[0];
    // make = 45 s brew + 15 s shake + 5 s seal + 15 s bag; released at due - make - lead.
    assert_eq!(p.release_ms, target - s.target_margin_ms - 80_000 - s.jit_lead_ms);
    assert!(p.finish_ms <= target - s.target_margin_ms);
    assert!(p.finish_ms >= target - s.freshness_ms, "ready too early: it would melt");
    // Not on the tea bar's board until its release; then first in line.
    let board = e.board("sh-001", "tea_bar", T0).unwrap();
    assert!(board.queue.is_empty());
    assert_eq!(board.upcoming, vec![(o, 0)]);
    let board = e.board("sh-001", "tea_bar", p.release_ms).unwrap();
    assert_eq!(board.queue, vec![(o, 0)]);
    assert!(e.state().orders[o].quote.admission.decision == crate::scheduler::Decision::Admitted);
}

#[test]
fn a_target_orders_later_steps_wait_for_their_latest_start() {
    let mut e = engine();
    let target = T0 + 30 * 60_000;
    let out = e.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap();
    let Response::Submitted(o) = out.response else { panic!("not submitted") };
    let s = &e.catalog().scheduler;
    let (due, hold_lead) = (target - s.target_margin_ms, s.hold_lead_ms);
    let (tea_bar, shaker) = (e.station_index("tea_bar").unwrap(), e.station_index("shaker").unwrap());
    let order = &e.state().orders[o];
    let (brew, shake) = (order.ticket_at(tea_bar).unwrap(), order.ticket_at(shaker).unwrap());
    let plan = e.plan(0, T0);
    let p = &plan.planned()[0];
    // The tea is brewed at the just-in-time release (it can wait; the ice is not in yet); the
    // shake (15 s), seal (5 s) and bag (15 s) run so that the order is ready a hold lead before
    // its due time, not as soon as the tea is brewed (120 s before it).
    assert_eq!(p.starts[brew], p.release_ms);
    assert_eq!(p.starts[shake], due - hold_lead - 35_000);
    assert_eq!(p.finish_ms, due - hold_lead);
    assert!(p.finish_ms > p.release_ms + 80_000, "the order does not finish straight through");
    // The tea is brewed: the shaker's board holds the order back until its latest start.
    let brewed = p.release_ms + 45_000;
    e.start_ticket(&format!("{}/tea_bar", order.order_id), p.release_ms).unwrap();
    e.bump_ticket(&format!("{}/tea_bar", e.state().orders[o].order_id), brewed).unwrap();
    let board = e.board("sh-001", "shaker", brewed).unwrap();
    assert!(board.queue.is_empty(), "{:?}", board.queue);
    assert_eq!(board.upcoming, vec![(o, shake)]);
    let board = e.board("sh-001", "shaker", due - hold_lead - 35_000).unwrap();
    assert_eq!(board.queue, vec![(o, shake)]);
    // An ASAP order is made straight through.
    let mut walk_in = engine();
    walk_in.submit(Some(tea("c-1")), T0).unwrap();
    let order = &walk_in.state().orders[0];
    let (brew, shake) = (order.ticket_at(tea_bar).unwrap(), order.ticket_at(shaker).unwrap());
    let plan = walk_in.plan(0, T0);
    let p = &plan.planned()[0];
    assert_eq!(p.starts[shake], p.tickets[brew]);
}

#[test]
fn a_late_target_order_starts_earlier_but_not_before_its_freshness_floor() {
    let mut e = engine();
    e.set_staffing("sh-001", "tea_bar", 1, T0).unwrap();
    for i in 0..10 {
        e.submit(Some(draft(&format!("c-{i}"), vec![line("classic_milk_tea", 4, &[])])), T0).unwrap();
    }
    // Ten batches of brew take 450 s on the one tea bar slot, promised in turn; a rider due in
    // 6 minutes is served on time: its tickets go ahead of the walk-ins whose promises are
    // later than its due time (priority by slack), released no earlier than freshness allows.
    let target = T0 + 6 * 60_000;
    let out = e.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap();
    let Response::Submitted(o) = out.response else { panic!("not submitted") };
    let plan = e.plan(0, T0);
    let p = plan.planned().iter().find(|p| p.order == o).unwrap();
    let s = &e.catalog().scheduler;
    assert!(p.release_ms >= T0.max(target - s.freshness_ms - 80_000));
    assert!(p.finish_ms <= target, "{} > {target}", p.finish_ms);
    // The walk-ins it passed are the last ones (promised after its due time), none earlier.
    let passed: Vec<usize> = plan
        .planned()
        .iter()
        .filter(|q| q.order != o && q.starts[0] > p.starts[0])
        .map(|q| q.order)
        .collect();
    assert!(!passed.is_empty());
    assert!(passed.iter().all(|&q| e.state().orders[q].quote.eta_ms > target - s.target_margin_ms - 80_000));
}

#[test]
fn a_delivery_the_kitchen_cannot_make_in_time_is_extended_at_once() {
    let mut e = engine();
    for i in 0..6 {
        e.submit(Some(draft(&format!("c-{i}"), vec![line("fresh_grape_tea", 2, &[])])), T0).unwrap();
    }
    // The rider is predicted in 90 s; a grape tea takes 135 s to make and bag even if it
    // goes first.
    let q = e.quote(Some(&delivery("", "fresh_grape_tea", T0 + 90_000)), T0).unwrap();
    assert_eq!(q.admission.decision, crate::scheduler::Decision::Extended);
    assert_eq!(q.admission.extension_ms, q.eta_ms - (T0 + 90_000));
    assert!(q.admission.extension_ms > 0);
    assert!(q.admission.reason.contains("rider"), "{}", q.admission.reason);
}

#[test]
fn skip_the_queue_members_pass_at_most_by_the_boost() {
    let mut cfg = sample_value();
    cfg["scheduler"] = serde_json::json!({"skip_queue_tiers": ["gold"], "skip_queue_boost_s": 120});
    let mut e = Engine::new(&cfg.to_string()).unwrap();
    e.set_staffing("sh-001", "tea_bar", 1, T0).unwrap();
    for i in 0..8 {
        e.submit(Some(tea(&format!("c-{i}"))), T0 + i * 10_000).unwrap();
    }
    let now = T0 + 80_000;
    let unboosted = e.quote(Some(&tea("")), now).unwrap().eta_ms;
    let mut gold = tea("");
    gold.member_id = "m1".into();
    gold.member.tier = "gold".into();
    let boosted = e.quote(Some(&gold), now).unwrap().eta_ms;
    assert!(boosted < unboosted, "{boosted} !< {unboosted}");
    // It passes only orders promised less than the boost before where it would have fit: the
    // others still brew first.
    let out = e
        .submit(
            Some({
                gold.channel_order_id = "g".into();
                gold
            }),
            now,
        )
        .unwrap();
    let Response::Submitted(g) = out.response else { panic!("not submitted") };
    let plan = e.plan(0, now);
    let gold_start = plan.planned().iter().find(|p| p.order == g).unwrap().starts[0];
    let mut passed = 0;
    for p in plan.planned().iter().filter(|p| p.order != g) {
        if e.state().orders[p.order].quote.eta_ms <= unboosted - 120_000 {
            assert!(p.starts[0] <= gold_start, "order {} was passed by more than the boost", p.order);
        } else if p.starts[0] > gold_start {
            passed += 1;
        }
    }
    assert!(passed > 0, "the boost passed nobody");
}

#[test]
fn learned_speed_makes_quotes_follow_a_slow_kitchen() {
    let mut e = engine();
    let before = e.quote(Some(&tea("")), T0).unwrap().prep_s;
    let mut now = T0;
    // At the default 10 % a dozen tickets take the estimate most of the way (1.0 -> 1.72x).
    for i in 0..12 {
        let out = e.submit(Some(tea(&format!("c-{i}"))), now).unwrap();
        let Response::Submitted(o) = out.response else { panic!("not submitted") };
        let id = e.state().orders[o].ticket_id(e.catalog(), 0);
        e.start_ticket(&id, now).unwrap();
        now += 90_000; // brew takes 90 s, the recipe says 45 s
        e.bump_ticket(&id, now).unwrap();
    }
    let tea_bar = e.station_index("tea_bar").unwrap();
    let speed = e.state().stores[0].speed[tea_bar];
    assert!((1600..=2000).contains(&speed), "{speed}");
    let after = e.quote(Some(&tea("")), now).unwrap().prep_s;
    assert!(after >= before + 30, "{before} -> {after}");
}

fn fill(e: &mut Engine, n: usize, now: i64) {
    let first = e.state().orders.len();
    for i in 0..n {
        let key = format!("f-{}", first + i);
        e.submit(Some(draft(&key, vec![line("classic_milk_tea", 1, &[])])), now).unwrap();
    }
}

#[test]
fn the_load_ladder_rises_at_once_and_falls_with_hysteresis() {
    let mut e = engine();
    fill(&mut e, 9, T0);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Normal);
    let out = e.submit(Some(tea("c-10")), T0).unwrap();
    assert_eq!(out.records.len(), 2, "the order and the level move");
    assert_eq!(out.records[1].kind, "load_changed");
    let load = e.load("sh-001", T0).unwrap();
    assert_eq!(load.level, LoadLevel::Busy);
    assert_eq!(load.reason, "busy: 10 orders waiting (at 10)");
    assert_eq!(load.actions, vec!["warn the counter: the kitchen is busy".to_owned()]);
    // Cancel three: 7 orders is below 10 but not below 70 % of it; nothing moves.
    for id in ["sh-001-000001", "sh-001-000002", "sh-001-000003"] {
        let out = e.cancel(id, "test".into(), T0 + 200_000).unwrap();
        assert_eq!(out.records.len(), 1);
    }
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Busy);
    // One more: 6 < 7 = 70 % of 10, and the 3-minute dwell has passed: normal by itself.
    let out = e.cancel("sh-001-000004", "test".into(), T0 + 200_000).unwrap();
    assert_eq!(out.records.len(), 2);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Normal);
    assert!(e.state().stores[0].load.reason.starts_with("normal: eased off busy"));
}

#[test]
fn levels_do_not_fall_before_the_dwell_time_and_tick_lowers_them() {
    let mut e = engine();
    fill(&mut e, 10, T0);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Busy);
    for i in 1..=10 {
        e.cancel(&format!("sh-001-{i:06}"), "test".into(), T0 + 1_000).unwrap();
    }
    // Empty, but busy was entered a second ago: it holds until min_dwell (180 s) has passed.
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Busy);
    assert_eq!(e.tick(T0 + 120_000).unwrap().lsn, 0);
    let out = e.tick(T0 + 180_000).unwrap();
    assert_eq!(out.records.len(), 1);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Normal);
    assert_eq!(e.tick(T0 + 400_000).unwrap().lsn, 0, "nothing moves twice");
}

#[test]
fn a_tick_in_slices_of_stores_records_what_one_tick_records() {
    // Both stores busy, then emptied: after the dwell time one tick lowers both.
    let busy_then_empty = || {
        let mut e = engine();
        for store in ["sh-001", "sh-002"] {
            for i in 0..10 {
                let d = Draft { store_id: store.into(), ..tea(&format!("{store}-{i}")) };
                e.submit(Some(d), T0).unwrap();
            }
            assert_eq!(e.state().stores[e.store_index(store).unwrap()].load.level, LoadLevel::Busy);
            for i in 1..=10 {
                e.cancel(&format!("{store}-{i:06}"), "test".into(), T0 + 1_000).unwrap();
            }
        }
        e
    };
    let now = T0 + 180_000;
    let (mut whole, mut sliced) = (busy_then_empty(), busy_then_empty());
    let once: Vec<Vec<u8>> = whole.tick(now).unwrap().records.into_iter().map(|r| r.bytes).collect();
    let mut pieces = Vec::new();
    for stores in [0..1, 1..2, 2..7] {
        pieces.extend(sliced.tick_stores(now, stores).unwrap().records.into_iter().map(|r| r.bytes));
    }
    assert_eq!(once.len(), 2, "each store moves once");
    assert_eq!(pieces, once);
    assert_eq!(sliced.state_hash(), whole.state_hash());
    assert_eq!(sliced.tick_stores(now + 1_000, 5..9).unwrap().lsn, 0, "past the last store: nothing");
}

#[test]
fn rush_paces_walk_ins_and_overload_hides_slow_items_and_pauses_channels() {
    let mut e = engine();
    // One brewer: fourteen teas are four batches, three minutes of work ahead.
    e.set_staffing("sh-001", "tea_bar", 1, T0).unwrap();
    fill(&mut e, 15, T0);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Rush);
    // Pacing: a counter order is accepted but held before the kitchen until near its turn.
    let out = e.submit(Some(tea("c-paced")), T0).unwrap();
    let Response::Submitted(o) = out.response else { panic!("not submitted") };
    let a = e.state().orders[o].quote.admission.clone();
    assert_eq!(a.decision, crate::scheduler::Decision::Paced);
    assert!(a.hold_until_ms > T0);
    let board = e.board("sh-001", "tea_bar", T0).unwrap();
    assert!(!board.queue.contains(&(o, 0)) && board.upcoming.contains(&(o, 0)));
    // Fast mode at 20 orders: the slow fruit tea is refused, naming the line.
    fill(&mut e, 4, T0);
    assert_eq!(e.state().stores[0].load.level, LoadLevel::Overload);
    let err = e.submit(Some(draft("c-fruit", vec![line("fresh_grape_tea", 1, &[])])), T0).unwrap_err();
    assert!(matches!(err, EngineError::FailedPrecondition { .. }));
    assert_eq!(err.field(), "order.lines[0].sku");
    assert!(err.reason().contains("fast mode"), "{}", err.reason());
    assert!(e.load("sh-001", T0).unwrap().hidden.contains(&"fresh_grape_tea".to_owned()));
    // Channel pause at 30 orders: delivery platforms are refused, the counter is not.
    fill(&mut e, 10, T0);
    assert!(e.state().stores[0].load.paused);
    let err = e.submit(Some(delivery("m-1", "classic_milk_tea", T0 + 3_600_000)), T0).unwrap_err();
    assert_eq!(err.field(), "order.channel");
    e.submit(Some(tea("c-counter")), T0).unwrap();
    // The other store is not affected.
    let mut d = delivery("m-2", "classic_milk_tea", T0 + 3_600_000);
    d.store_id = "sh-002".into();
    e.submit(Some(d), T0).unwrap();
}

#[test]
fn same_zone_deliveries_are_made_for_one_rider() {
    let mut cfg = sample_value();
    cfg["scheduler"] = serde_json::json!({"zone_window_s": 240});
    let mut e = Engine::new(&cfg.to_string()).unwrap();
    let s = e.catalog().scheduler.clone();
    let (early, late) = (T0 + 20 * 60_000, T0 + 23 * 60_000);
    let mut a = delivery("m-a", "classic_milk_tea", early);
    a.delivery_zone = "north".into();
    e.submit(Some(a), T0).unwrap();
    // Same zone, rider three minutes later: planned ready with the first (within 240 s).
    let mut b = delivery("m-b", "jasmine_milk_green", late);
    b.delivery_zone = "north".into();
    e.submit(Some(b), T0).unwrap();
    // Another zone: planned for its own rider.
    let mut c = delivery("m-c", "jasmine_milk_green", late);
    c.delivery_zone = "south".into();
    e.submit(Some(c), T0).unwrap();
    let plan = e.plan(0, T0);
    let finish: Vec<i64> = plan.planned().iter().map(|p| p.finish_ms).collect();
    assert!(finish[0] <= early - s.target_margin_ms && finish[1] <= early - s.target_margin_ms, "{finish:?}");
    assert!(finish[1] >= early - s.freshness_ms);
    assert!(finish[2] > early, "the other zone's order is not made early: {finish:?}");
    assert_eq!(e.state().orders[1].delivery_zone, "north");
    // A zone longer than 32 characters names its field.
    let mut long = delivery("m-d", "classic_milk_tea", late);
    long.delivery_zone = "z".repeat(33);
    assert_eq!(e.submit(Some(long), T0).unwrap_err().field(), "order.delivery_zone");
}

#[test]
fn a_later_rider_moves_the_plan_not_the_promise() {
    let mut e = engine();
    let target = T0 + 15 * 60_000;
    let out = e.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap();
    let Response::Submitted(o) = out.response else { panic!("not submitted") };
    let first = e.state().orders[o].quote.eta_ms;
    let before = e.plan(0, T0).planned()[0].finish_ms;
    let out = e.update_target("sh-001-000001", target + 4 * 60_000, T0 + 60_000).unwrap();
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.records[0].kind, "target_updated");
    let after = e.plan(0, T0 + 60_000).planned()[0].finish_ms;
    // Only as far as freshness needs: due `freshness - follow_slack` before the new arrival
    // instead of `target_margin` before the first one.
    let s = &e.catalog().scheduler;
    let moved = 4 * 60_000 - (s.freshness_ms - s.follow_slack_ms - s.target_margin_ms);
    assert_eq!(after - before, moved, "made later for the later rider, as little as freshness allows");
    // A rider a minute later keeps the order near its first quote (less than a minute later);
    // one three minutes earlier moves it with him.
    e.update_target("sh-001-000001", target + 60_000, T0 + 60_000).unwrap();
    let near = e.plan(0, T0 + 60_000).planned()[0].finish_ms;
    assert!((before..before + 60_000).contains(&near) && (near - first).abs() <= 120_000, "{near}");
    e.update_target("sh-001-000001", target - 3 * 60_000, T0 + 60_000).unwrap();
    assert_eq!(e.plan(0, T0 + 60_000).planned()[0].finish_ms - before, -3 * 60_000);
    e.update_target("sh-001-000001", target + 4 * 60_000, T0 + 60_000).unwrap();
    let order = &e.state().orders[o];
    assert_eq!((order.quote.eta_ms, order.version), (first, 5));
    // The same target again changes nothing; bad requests name their field.
    assert_eq!(e.update_target("sh-001-000001", target + 4 * 60_000, T0 + 60_000).unwrap().lsn, 0);
    assert_eq!(e.update_target("sh-001-000001", 0, T0).unwrap_err().field(), "target_time_ms");
    assert_eq!(e.update_target("", target, T0).unwrap_err().field(), "order_id");
    assert_eq!(e.update_target("nope", target, T0).unwrap_err().field(), "order_id");
    e.submit(Some(tea("c-1")), T0).unwrap();
    let err = e.update_target("sh-001-000002", target, T0).unwrap_err();
    assert!(matches!(err, EngineError::FailedPrecondition { .. }), "{err:?}");
    // Replay gives the same state.
    let mut replica = engine();
    let mut live = engine();
    let mut bytes = Vec::new();
    for (i, out) in [
        live.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap(),
        live.update_target("sh-001-000001", target + 60_000, T0 + 1_000).unwrap(),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(!out.records.is_empty(), "command {i} recorded");
        bytes.extend(out.records.into_iter().map(|r| r.bytes));
    }
    for b in &bytes {
        replica.apply(b).unwrap();
    }
    assert_eq!(replica.state_hash(), live.state_hash());
}

#[test]
fn fire_last_stations_wait_for_the_rest_of_their_order() {
    let order = || draft("c-1", vec![line("classic_milk_tea", 8, &[]), line("mango_smoothie", 1, &[])]);
    let blender_start = |e: &Engine| {
        let blender = e.station_index("blender").unwrap();
        let o = &e.state().orders[0];
        let t = o.ticket_at(blender).unwrap();
        (e.plan(0, T0).planned()[0].starts[t], e.plan(0, T0).planned()[0].finish_ms)
    };
    let mut plain = engine();
    plain.submit(Some(order()), T0).unwrap();
    let (start, finish) = blender_start(&plain);
    // Mango is cut 0..30 s, blended at once; the eight teas brew 90 s and shake 60 s.
    assert_eq!(start, T0 + 30_000);
    let mut cfg = sample_value();
    cfg["scheduler"] = serde_json::json!({"fire_last": ["blender"]});
    let mut last = Engine::new(&cfg.to_string()).unwrap();
    last.submit(Some(order()), T0).unwrap();
    let (late_start, late_finish) = blender_start(&last);
    // Blended so that it is done when the teas reach the sealer (150 s), not 50 s before.
    assert_eq!(late_start, T0 + 80_000);
    assert_eq!(late_finish, finish, "the order is not later for it");
    // The teas are brewing and the mango is cut: the blender's board holds the smoothie back
    // until its turn (80 s), then shows it.
    last.start_ticket("sh-001-000001/tea_bar", T0).unwrap();
    last.bump_ticket("sh-001-000001/fruit_prep", T0 + 30_000).unwrap();
    let board = last.board("sh-001", "blender", T0 + 30_000).unwrap();
    assert!(board.queue.is_empty() && board.upcoming.len() == 1);
    assert_eq!(last.board("sh-001", "blender", T0 + 80_000).unwrap().queue.len(), 1);
    let bad = serde_json::json!({"fire_last": ["grill"]});
    cfg["scheduler"] = bad;
    assert_eq!(Engine::new(&cfg.to_string()).unwrap_err().field(), "scheduler.fire_last[0]");
}

#[test]
fn idempotency_keys_are_forgotten_after_the_window() {
    let mut cfg = sample_value();
    cfg["idempotency_window_s"] = 3600.into();
    let mut e = Engine::new(&cfg.to_string()).unwrap();
    let first = e.submit(Some(tea("k-1")), T0).unwrap();
    // Within the hour: the first answer, or ALREADY_EXISTS for a different order.
    assert!(e.submit(Some(tea("k-1")), T0 + 3_599_000).unwrap().replayed);
    let other = draft("k-1", vec![line("jasmine_milk_green", 1, &[])]);
    assert!(matches!(e.submit(Some(other.clone()), T0 + 3_599_000), Err(EngineError::AlreadyExists { .. })));
    // An hour later the key is free: it names a new order, which a replay reproduces.
    let again = e.submit(Some(other), T0 + 3_600_000).unwrap();
    assert!(!again.replayed);
    let Response::Submitted(o) = again.response else { panic!("not submitted") };
    assert_eq!(e.state().orders[o].order_id, "sh-001-000002");
    let mut replica = Engine::new(&cfg.to_string()).unwrap();
    for out in [&first, &again] {
        for r in &out.records {
            replica.apply(&r.bytes).unwrap();
        }
    }
    assert_eq!(replica.state_hash(), e.state_hash());
    cfg["idempotency_window_s"] = 10.into();
    assert_eq!(Engine::new(&cfg.to_string()).unwrap_err().field(), "idempotency_window_s");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a_restored_snapshot_continues_like_the_original(
        cmds in prop::collection::vec(cmd(), 2..60),
        cut in 0usize..60,
    ) {
        let cut = cut % cmds.len();
        let mut live = engine();
        for (i, c) in cmds[..cut].iter().enumerate() {
            run(&mut live, c, T0 + i as i64 * 7_000);
        }
        let snapshot = live.snapshot();
        let mut restored = engine();
        restored.restore(&snapshot).unwrap();
        prop_assert_eq!(restored.state_hash(), live.state_hash());
        prop_assert_eq!(restored.last_lsn(), live.last_lsn());
        for (i, c) in cmds.iter().enumerate().skip(cut) {
            let now = T0 + i as i64 * 7_000;
            let a = run(&mut live, c, now).map(|o| o.records.into_iter().map(|r| r.bytes).collect::<Vec<_>>());
            let b = run(&mut restored, c, now).map(|o| o.records.into_iter().map(|r| r.bytes).collect::<Vec<_>>());
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(restored.state_hash(), live.state_hash());
    }
}

#[test]
fn a_snapshot_of_another_shop_is_refused() {
    let mut e = engine();
    e.submit(Some(tea("c-1")), T0).unwrap();
    let mut cfg = sample_value();
    cfg["stores"].as_array_mut().unwrap().pop();
    let mut other = Engine::new(&cfg.to_string()).unwrap();
    assert_eq!(other.restore(&e.snapshot()).unwrap_err().field(), "snapshot");
    assert_eq!(other.restore(b"junk").unwrap_err().field(), "snapshot");
    assert_eq!(other.last_lsn(), 0, "a refused snapshot changes nothing");
}

#[test]
fn asap_quote_margin_grows_with_the_orders_own_work() {
    let mut e = engine();
    let s = &e.catalog().scheduler;
    assert_eq!(s.quote_margin_for(0), 50_000);
    assert_eq!(s.quote_margin_for(60_000), 50_000);
    assert_eq!(s.quote_margin_for(65_000), 50_500);
    assert_eq!(s.quote_margin_for(360_000), 80_000);
    assert!(s.quote_margin_for(i64::MAX) > 80_000, "no overflow");
    // Three milk teas on an empty kitchen: one brew (45 s, the tea bar batches 4), two shakes
    // (2 x 15 s, the shaker batches 2), three seals (3 x 5 s) in a chain: 90 s of work, ready
    // at 90 s, quoted with 50 s + 10 % of the 30 s beyond 60 s.
    e.submit(Some(draft("c-1", vec![line("classic_milk_tea", 3, &[])])), T0).unwrap();
    let o = order(&e, "sh-001-000001");
    assert_eq!(o.tickets.iter().map(|t| t.work_ms).sum::<i64>(), 90_000);
    assert_eq!(o.quote.eta_ms, T0 + 90_000 + 53_000);
    // The margin is the customer's, not the kitchen's: the plan takes it off again, so the
    // order's promise (its priority) is the projection it was quoted with.
    let plan = e.plan(0, T0);
    assert_eq!(plan.planned()[0].due_ms, T0 + 90_000);
    assert_eq!(plan.planned()[0].finish_ms, T0 + 90_000);
}

#[test]
fn a_target_order_planned_in_time_is_quoted_the_slip_later_and_planned_as_before() {
    let mut e = engine();
    let target = T0 + 15 * 60_000;
    e.submit(Some(delivery("m-1", "classic_milk_tea", target)), T0).unwrap();
    let o = order(&e, "sh-001-000001");
    let plan = e.plan(0, T0);
    let p = &plan.planned()[0];
    let s = &e.catalog().scheduler;
    // Planned as before: due at the target minus the margin, finished a hold lead before that.
    assert_eq!(p.due_ms, target - s.target_margin_ms);
    assert!(p.finish_ms <= p.due_ms && p.finish_ms > target - s.target_margin_ms - s.jit_lead_ms);
    // Quoted the slip after the plan's projection (the projection is later than half a lead
    // before the due time on an empty kitchen), never past the target.
    assert_eq!(o.quote.eta_ms, p.finish_ms + s.target_quote_slip_ms);
    assert!(o.quote.eta_ms <= target);
    // A reserved pickup a minute ahead on an empty kitchen: the slip stops at the target.
    let mut d = tea("p-1");
    d.channel = Some(Channel::MiniProgram);
    d.fulfillment = Some(Fulfillment::PickupAt);
    d.target_time_ms = T0 + 80_000;
    let q = e.quote(Some(&d), T0).unwrap();
    assert!(q.eta_ms <= T0 + 80_000, "{}", q.eta_ms - T0);
}

#[test]
fn the_quote_margins_the_hold_lead_and_the_rider_slack_are_scheduler_keys() {
    let defaults = engine();
    let s = &defaults.catalog().scheduler;
    // The defaults are the constants the simulator chose (docs/scheduler.md).
    assert_eq!((s.hold_lead_ms, s.follow_slack_ms, s.target_quote_slip_ms), (45_000, 120_000, 15_000));
    assert_eq!(s.quote_margin_for(30_000), 50_000);
    assert_eq!(s.quote_margin_for(260_000), 50_000 + 20_000);
    let mut cfg = sample_value();
    cfg["scheduler"] = serde_json::json!({
        "quote_margin_s": 30, "quote_margin_free_work_s": 0, "quote_margin_work_percent": 50,
        "hold_lead_s": 90, "follow_slack_s": 60.5, "target_quote_slip_s": 0,
    });
    let e = Engine::new(&cfg.to_string()).unwrap();
    let s = &e.catalog().scheduler;
    assert_eq!((s.hold_lead_ms, s.follow_slack_ms, s.target_quote_slip_ms), (90_000, 60_500, 0));
    assert_eq!(s.quote_margin_for(100_000), 30_000 + 50_000);
    for (key, value) in [
        ("quote_margin_work_percent", serde_json::json!(101)),
        ("quote_margin_work_percent", serde_json::json!(-1)),
        ("hold_lead_s", serde_json::json!(-5)),
        ("follow_slack_s", serde_json::json!(86_401)),
        ("target_quote_slip_s", serde_json::json!("15")),
        ("quote_margin_free_work_s", serde_json::json!(f64::NAN.to_string())),
    ] {
        cfg["scheduler"] = serde_json::json!({ key: value });
        let err = Engine::new(&cfg.to_string()).unwrap_err();
        assert_eq!(err.field(), format!("scheduler.{key}"), "{key} = {value}: {err}");
    }
}
