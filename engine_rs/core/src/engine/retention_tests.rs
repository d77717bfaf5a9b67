//! Order retention through the public API: finished orders leave memory by recorded evictions,
//! and a replay, a snapshot plus its tail and the live engine agree on the state after them.

use proptest::prelude::*;

use super::tests::{cmd, draft, engine, line, run, tea, T0};
use super::*;
use crate::testutil::sample_value;
use crate::types::{Channel, OrderStatus};

const MINUTE: i64 = 60_000;

fn retained(minutes: f64) -> Engine {
    let mut e = engine();
    e.set_order_retention(Some(minutes * 60.0)).unwrap();
    e
}

/// Starts and bumps every ticket of the order in kitchen order (it ends READY); returns the
/// records.
fn make(e: &mut Engine, order_id: &str, now: i64) -> Vec<Vec<u8>> {
    let index = e.order_index(order_id).unwrap();
    let tickets: Vec<String> = (0..e.state().orders[index].tickets.len())
        .map(|t| e.state().orders[index].ticket_id(e.catalog(), t))
        .collect();
    let mut records = Vec::new();
    for id in tickets {
        for out in [e.start_ticket(&id, now).unwrap(), e.bump_ticket(&id, now).unwrap()] {
            records.extend(out.records.into_iter().map(|r| r.bytes));
        }
    }
    records
}

fn submitted_id(e: &Engine, out: &Outcome) -> String {
    let Response::Submitted(o) = out.response else { panic!("not a submission: {:?}", out.response) };
    e.state().orders[o].order_id.clone()
}

fn replayed(records: &[Vec<u8>]) -> Engine {
    let mut e = engine(); // no retention: the records alone decide what leaves
    for r in records {
        e.apply(r).unwrap();
    }
    e
}

/// A snapshot restored, then the records written after it applied.
fn restored(snapshot: &[u8], after: &[Vec<u8>]) -> Engine {
    let mut e = engine();
    e.restore(snapshot).unwrap();
    for r in after {
        e.apply(r).unwrap();
    }
    e
}

#[test]
fn a_steady_kitchen_keeps_a_bounded_number_of_orders() {
    let mut e = retained(1.0);
    let mut records = Vec::new();
    let mut peak = 0;
    let mut snapshot = None;
    // An order every 5 s, made at once, for three simulated hours; the tick every 5 s.
    for n in 0..2_000_i64 {
        let now = T0 + n * 5_000;
        let out = e.submit(Some(tea(&format!("k-{n}"))), now).unwrap();
        let id = submitted_id(&e, &out);
        records.extend(out.records.into_iter().map(|r| r.bytes));
        records.extend(make(&mut e, &id, now));
        records.extend(e.tick(now).unwrap().records.into_iter().map(|r| r.bytes));
        peak = peak.max(e.orders_in_memory());
        if n == 1_000 {
            snapshot = Some((e.snapshot(), records.len()));
        }
    }
    // A minute of finished orders (12) plus at most an eighth more waiting for their batch.
    assert!(peak <= 16, "peak {peak} orders in memory");
    assert_eq!(e.state().stores[0].orders_accepted, 2_000);
    // The log replays to the same state, and so does the snapshot plus the records after it.
    assert_eq!(replayed(&records).state_hash(), e.state_hash());
    let (snapshot, cut) = snapshot.unwrap();
    assert_eq!(restored(&snapshot, &records[cut..]).state_hash(), e.state_hash());
}

#[test]
fn an_open_order_stays_however_old() {
    let mut e = retained(1.0);
    e.submit(Some(tea("slow")), T0).unwrap();
    let done = e.submit(Some(tea("fast")), T0).unwrap();
    let id = submitted_id(&e, &done);
    make(&mut e, &id, T0);
    let out = e.tick(T0 + 10 * MINUTE).unwrap();
    assert_eq!(out.records.last().unwrap().kind, "orders_evicted");
    assert_eq!(e.orders_in_memory(), 1);
    assert_eq!(e.state().orders[0].order_id, "sh-001-000001");
    assert_eq!(e.state().stores[0].open.iter().copied().collect::<Vec<_>>(), [0]);
    // The open order still works by its id (positions were renumbered).
    make(&mut e, "sh-001-000001", T0 + 11 * MINUTE);
    assert_eq!(order_status(&e, "sh-001-000001"), OrderStatus::Ready);
}

fn order_status(e: &Engine, id: &str) -> OrderStatus {
    e.state().orders[e.order_index(id).unwrap()].status
}

#[test]
fn a_ready_order_can_be_recalled_until_it_leaves() {
    let mut e = retained(2.0);
    let out = e.submit(Some(tea("r-1")), T0).unwrap();
    let id = submitted_id(&e, &out);
    make(&mut e, &id, T0);
    let sealer = format!("{id}/sealer");
    // Within the retention the tick keeps it, and a recall reopens it.
    assert!(e.tick(T0 + MINUTE).unwrap().records.is_empty());
    e.recall_ticket(&sealer, T0 + MINUTE).unwrap();
    assert_eq!(order_status(&e, &id), OrderStatus::InProgress);
    e.bump_ticket(&sealer, T0 + MINUTE + 1_000).unwrap();
    // Retention counts from the last finish: not gone two minutes after the first.
    assert!(e.tick(T0 + 2 * MINUTE + 500).unwrap().records.is_empty());
    let out = e.tick(T0 + 3 * MINUTE + 1_000).unwrap();
    assert_eq!(out.records.len(), 1);
    assert_eq!(e.orders_in_memory(), 0);
    // Gone: told apart from an id that never existed.
    let gone = e.recall_ticket(&sealer, T0 + 4 * MINUTE).unwrap_err();
    assert!(matches!(gone, EngineError::NotFound { .. }) && gone.reason().contains("retention"), "{gone:?}");
    let gone = e.order_index(&id).unwrap_err();
    assert_eq!(gone.field(), "order_id");
    assert!(gone.reason().contains("no longer in the engine's memory"), "{}", gone.reason());
    let unknown = e.order_index("sh-001-000002").unwrap_err();
    assert_eq!(unknown.reason(), "no order 'sh-001-000002'");
    assert!(e.cancel(&id, String::new(), T0 + 4 * MINUTE).unwrap_err().reason().contains("retention"));
}

#[test]
fn a_duplicate_of_an_evicted_order_is_answered_from_its_record() {
    let mut e = retained(1.0);
    let first = e.submit(Some(tea("d-1")), T0).unwrap();
    let id = submitted_id(&e, &first);
    make(&mut e, &id, T0);
    e.tick(T0 + 2 * MINUTE).unwrap();
    assert_eq!(e.orders_in_memory(), 0);
    // Within the idempotency window: the same draft replays the first answer (from the log
    // record at its lsn), a different draft is refused; nothing is recorded.
    let again = e.submit(Some(tea("d-1")), T0 + 3 * MINUTE).unwrap();
    assert!(again.replayed && again.records.is_empty());
    assert_eq!(again.response, Response::SubmittedInLog(first.lsn));
    assert_eq!(again.lsn, first.lsn);
    let other = draft("d-1", vec![line("jasmine_milk_green", 1, &[])]);
    let refused = e.submit(Some(other), T0 + 3 * MINUTE).unwrap_err();
    assert!(matches!(refused, EngineError::AlreadyExists { .. }));
    assert!(refused.reason().contains(&id), "{}", refused.reason());
}

#[test]
fn keys_to_log_leave_memory_with_their_orders_and_are_asked_for() {
    let mut e = retained(1.0);
    e.set_keys_to_log(true);
    // Every key memory does not hold is asked for, a new one too.
    assert_eq!(e.submit(Some(tea("k-1")), T0).unwrap().response, Response::LookUpKey);
    let first = e.submit_with_logged_key(Some(tea("k-1")), None, T0).unwrap();
    let id = submitted_id(&e, &first);
    let mut records: Vec<Vec<u8>> = first.records.iter().map(|r| r.bytes.clone()).collect();
    records.extend(make(&mut e, &id, T0));
    let evicted = e.tick(T0 + 2 * MINUTE).unwrap();
    records.extend(evicted.records.iter().map(|r| r.bytes.clone()));
    assert_eq!(e.orders_in_memory(), 0);
    assert!(e.state().keys.is_empty(), "the key stayed in memory");
    let [logged] = evicted.effects.logged_keys.as_slice() else { panic!("{:?}", evicted.effects) };
    assert_eq!((logged.channel_order_id.as_str(), logged.key.order_id.as_str()), ("k-1", id.as_str()));
    assert_eq!((logged.key.lsn, logged.key.accepted_at_ms), (first.lsn, T0));
    // The first eviction also names the keys past the window (the store's, none here).
    assert_eq!(evicted.effects.keys_forgotten_before_ms, T0 + 2 * MINUTE - e.catalog().idempotency_window_ms);

    // Memory does not know the key: the caller is asked to look it up; nothing is decided.
    let asked = e.submit(Some(tea("k-1")), T0 + 3 * MINUTE).unwrap();
    assert_eq!(asked.response, Response::LookUpKey);
    assert!(asked.records.is_empty() && !asked.replayed && e.last_lsn() == evicted.lsn);
    // With the store's entry: the first answer, or a refusal of another draft.
    let key = Some(&logged.key);
    let again = e.submit_with_logged_key(Some(tea("k-1")), key, T0 + 3 * MINUTE).unwrap();
    assert!(again.replayed && again.records.is_empty());
    assert_eq!(again.response, Response::SubmittedInLog(first.lsn));
    let other = draft("k-1", vec![line("jasmine_milk_green", 1, &[])]);
    let refused = e.submit_with_logged_key(Some(other), key, T0 + 3 * MINUTE).unwrap_err();
    assert!(matches!(refused, EngineError::AlreadyExists { .. }) && refused.reason().contains(&id));
    // An entry past the idempotency window does not count: the key names a new order.
    let later = T0 + e.catalog().idempotency_window_ms + MINUTE;
    let new = e.submit_with_logged_key(Some(tea("k-1")), key, later).unwrap();
    assert!(!new.replayed && new.records.len() == 1);
    assert_ne!(submitted_id(&e, &new), id);
    records.extend(new.records.iter().map(|r| r.bytes.clone()));

    // A replay drops the same keys (its effects say which) and reaches the same state.
    let mut replica = engine();
    let mut replayed_keys = Vec::new();
    for r in &records {
        replayed_keys.extend(replica.apply(r).unwrap().effects.logged_keys);
    }
    assert_eq!(replayed_keys, evicted.effects.logged_keys);
    assert_eq!(replica.state_hash(), e.state_hash());
}

#[test]
fn a_key_reused_after_its_window_stays_with_the_newer_order() {
    let mut cfg = sample_value();
    cfg["idempotency_window_s"] = 3600.into();
    let mut e = Engine::new(&cfg.to_string()).unwrap();
    e.set_order_retention(Some(7200.0)).unwrap();
    e.set_keys_to_log(true);
    let old = e.submit_with_logged_key(Some(tea("r-1")), None, T0).unwrap();
    let old_id = submitted_id(&e, &old);
    make(&mut e, &old_id, T0);
    // Past the window, while the first order is still in memory: the key names a new order.
    let asked = e.submit(Some(tea("r-1")), T0 + 61 * MINUTE).unwrap();
    assert_eq!(asked.response, Response::LookUpKey);
    let new = e.submit_with_logged_key(Some(tea("r-1")), None, T0 + 61 * MINUTE).unwrap();
    let new_id = submitted_id(&e, &new);
    make(&mut e, &new_id, T0 + 61 * MINUTE);
    // The first order leaves; the key stays, naming the newer order; later it leaves with it.
    let out = e.tick(T0 + 121 * MINUTE).unwrap();
    assert_eq!(e.orders_in_memory(), 1);
    assert!(out.effects.logged_keys.is_empty(), "{:?}", out.effects.logged_keys);
    assert_eq!(e.state().keys[&Channel::Counter]["r-1"].order_id, new_id);
    let out = e.tick(T0 + 182 * MINUTE).unwrap();
    assert_eq!(e.orders_in_memory(), 0);
    let [logged] = out.effects.logged_keys.as_slice() else { panic!("{:?}", out.effects) };
    assert_eq!(logged.key.order_id, new_id);
    assert!(e.state().keys.is_empty());
}

#[test]
fn idempotency_keys_are_forgotten_by_the_tick_after_the_window() {
    let mut cfg = sample_value();
    cfg["idempotency_window_s"] = 3600.into();
    let mut e = Engine::new(&cfg.to_string()).unwrap();
    e.set_order_retention(Some(60.0)).unwrap();
    let out = e.submit(Some(tea("w-1")), T0).unwrap();
    let id = submitted_id(&e, &out);
    let mut records: Vec<Vec<u8>> = out.records.into_iter().map(|r| r.bytes).collect();
    records.extend(make(&mut e, &id, T0));
    for minute in 1..=80 {
        records.extend(e.tick(T0 + minute * MINUTE).unwrap().records.into_iter().map(|r| r.bytes));
    }
    assert!(e.state().keys.is_empty(), "the key outlived the window");
    // The key may name a new order now; a replay of the log agrees.
    let out = e.submit(Some(tea("w-1")), T0 + 81 * MINUTE).unwrap();
    assert!(!out.replayed);
    records.extend(out.records.into_iter().map(|r| r.bytes));
    let mut replica = Engine::new(&cfg.to_string()).unwrap();
    for r in &records {
        replica.apply(r).unwrap();
    }
    assert_eq!(replica.state_hash(), e.state_hash());
}

#[test]
fn promotion_uses_are_not_recounted_when_orders_leave() {
    let mut e = retained(1.0);
    let half = r#"{"id":"half2","name":"second half","kind":"nth_unit","n":2,"percent":50,
        "discount_on":"cheaper","scope":{"categories":["milk_tea"]}}"#;
    e.put_promotion(half, T0).unwrap();
    let mut d = draft("p-1", vec![line("classic_milk_tea", 2, &[])]);
    d.member_id = "m-1".into();
    let out = e.submit(Some(d), T0).unwrap();
    let id = submitted_id(&e, &out);
    assert_eq!(e.state().orders[0].quote.promotions.len(), 1, "the promotion applies");
    make(&mut e, &id, T0);
    e.tick(T0 + 2 * MINUTE).unwrap();
    assert_eq!(e.orders_in_memory(), 0);
    let entry = &e.state().promotions["half2"];
    assert_eq!(entry.uses, 1);
    assert_eq!(entry.member_uses["m-1"], 1);
}

#[test]
fn retention_is_checked() {
    let mut e = engine();
    for bad in [0.0, 59.0, 2_592_001.0, f64::NAN, -1.0] {
        let err = e.set_order_retention(Some(bad)).unwrap_err();
        assert_eq!(err.field(), "order_retention_s", "{bad}");
    }
    e.set_order_retention(Some(60.0)).unwrap();
    e.set_order_retention(None).unwrap();
}

#[test]
fn a_replay_refuses_to_evict_an_open_or_unknown_order() {
    let mut e = engine();
    e.submit(Some(tea("o-1")), T0).unwrap();
    for (ids, reason) in [(vec!["sh-001-000001"], "still open"), (vec!["sh-001-000009"], "no order")] {
        let body = Body::OrdersEvicted(record::OrdersEvicted {
            order_ids: ids.into_iter().map(str::to_owned).collect(),
            keys_accepted_before_ms: 0,
            keys_to_log: true,
        });
        let bytes = record::encode(e.last_lsn() + 1, T0, &body);
        let err = e.apply(&bytes).unwrap_err();
        assert!(err.reason().contains(reason), "{err:?}");
    }
    assert_eq!(e.orders_in_memory(), 1, "a refused record changes nothing");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Random commands with the tick between them and a short retention: the live engine, a
    /// replay of its log, and a snapshot taken anywhere plus the records after it agree.
    #[test]
    fn live_replay_and_snapshot_agree_after_evictions(
        cmds in prop::collection::vec(cmd(), 2..80),
        cut in 0usize..80,
    ) {
        let cut = cut % cmds.len();
        let mut live = retained(1.0);
        let mut records = Vec::new();
        let mut snapshot = None;
        for (i, c) in cmds.iter().enumerate() {
            if i == cut {
                snapshot = Some((live.snapshot(), records.len()));
            }
            // 20 s apart: orders finished three steps ago are past the minute.
            let now = T0 + i as i64 * 20_000;
            if let Some(out) = run(&mut live, c, now) {
                records.extend(out.records.into_iter().map(|r| r.bytes));
            }
            records.extend(live.tick(now).unwrap().records.into_iter().map(|r| r.bytes));
        }
        prop_assert_eq!(replayed(&records).state_hash(), live.state_hash());
        let (snapshot, at) = snapshot.unwrap();
        prop_assert_eq!(restored(&snapshot, &records[at..]).state_hash(), live.state_hash());
    }
}
