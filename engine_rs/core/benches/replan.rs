//! Re-plan latency against open work: a store with 10 stations (2 slots each) and N open
//! tickets (N = 50, 200, 500, 1000), items of one to three steps. For each N it prints the p50 /
//! p99 of a full re-plan over 1,000 repetitions, the same per scheduling decision (a re-plan
//! dispatches every open ticket once: plan time / N), and the p99 of a quote (a re-plan with one
//! hypothetical order, what SubmitOrder and QuoteOrder pay), for ASAP orders only and for a mix
//! where every third order is a reserved pickup (its later steps held: the plan's second pass);
//! then criterion measures the re-plan of the ASAP store.
//! A feasibility check runs beside the timing: every ticket starts after its predecessor ends.
//!
//! `cargo bench -p pyengine-core --bench replan`

// Timings are printed as fractional microseconds; nanosecond counts fit f64 exactly here.
#![allow(clippy::cast_precision_loss)]

use std::hint::black_box;
use std::time::Instant;

/// The allocator of the Python extension (`engine_rs/python`), so the numbers are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pyengine_core::draft::{Draft, DraftLine};
use pyengine_core::types::{Channel, Fulfillment};
use pyengine_core::Engine;

const T0: i64 = 1_750_000_000_000;
const STATIONS: usize = 10;

fn shop() -> String {
    let stations: Vec<serde_json::Value> =
        (0..STATIONS).map(|s| serde_json::json!({"name": format!("s{s}"), "slots": 2})).collect();
    // Item i visits one to three stations in kitchen order.
    let items: Vec<serde_json::Value> = (0..30)
        .map(|i| {
            let first = i % STATIONS;
            let steps: Vec<serde_json::Value> = (0..=(i % 3))
                .map(|k| first + k * 3)
                .filter(|&s| s < STATIONS)
                .map(|s| serde_json::json!({"station": format!("s{s}"), "task": "work", "seconds": 20 + (i * 7 + s) % 40}))
                .collect();
            serde_json::json!({"sku": format!("i{i}"), "name": format!("item {i}"), "category": "c", "price_minor": 1000, "steps": steps})
        })
        .collect();
    serde_json::json!({
        "currency": "CNY",
        "stores": [{"id": "s", "name": "bench"}],
        "stations": stations,
        "items": items,
        "scheduler": {"pacing": false, "fast_mode": false, "channel_pause": false},
    })
    .to_string()
}

/// Order `n`, submitted at `T0 + n s`; with `reserved`, every third one is a pickup reserved 10
/// to 25 minutes ahead (planned backwards, its later steps held: the plan's second pass).
fn draft(n: usize, reserved: bool) -> Draft {
    let pickup = reserved && n % 3 == 0;
    Draft {
        store_id: "s".into(),
        channel: Some(if pickup { Channel::MiniProgram } else { Channel::Kiosk }),
        channel_order_id: format!("k{n}"),
        fulfillment: pickup.then_some(Fulfillment::PickupAt),
        target_time_ms: if pickup { T0 + n as i64 * 1000 + (10 + (n % 16) as i64) * 60_000 } else { 0 },
        lines: (0..=(n % 3))
            .map(|l| DraftLine {
                sku: format!("i{}", (n * 7 + l * 11) % 30),
                quantity: 1,
                ..DraftLine::default()
            })
            .collect(),
        ..Draft::default()
    }
}

/// An engine whose store has at least `tickets` open tickets.
fn loaded(tickets: usize, reserved: bool) -> Engine {
    let mut e = Engine::new(&shop()).expect("bench shop");
    let mut n = 0;
    while e.state().orders.iter().map(|o| o.tickets.len()).sum::<usize>() < tickets {
        e.submit(Some(draft(n, reserved)), T0 + n as i64 * 1000).expect("bench order");
        n += 1;
    }
    e
}

fn now_of(e: &Engine) -> i64 {
    T0 + e.state().orders.len() as i64 * 1000
}

fn feasible(e: &Engine) -> bool {
    let plan = e.plan(0, now_of(e));
    plan.planned().iter().all(|p| {
        let o = &e.state().orders[p.order];
        o.tickets.iter().enumerate().all(|(t, ticket)| {
            ticket
                .deps
                .iter()
                .all(|&d| !o.tickets[d as usize].state.is_open() || p.tickets[d as usize] <= p.starts[t])
        })
    })
}

fn percentile(nanos: &mut [u128], percent: usize) -> f64 {
    nanos.sort_unstable();
    nanos[(nanos.len() - 1) * percent / 100] as f64 / 1000.0
}

fn report(reserved: bool) {
    let mix = if reserved { "a third reserved pickups" } else { "ASAP only" };
    for tickets in [50, 200, 500, 1000] {
        let e = loaded(tickets, reserved);
        let now = now_of(&e);
        let open: usize = e.plan(0, now).planned().iter().map(|p| p.tickets.len()).sum();
        let mut plan: Vec<u128> = (0..1000)
            .map(|_| {
                let start = Instant::now();
                black_box(e.plan(0, black_box(now)));
                start.elapsed().as_nanos()
            })
            .collect();
        let quote = draft(1_000_001, false);
        let mut quotes: Vec<u128> = (0..1000)
            .map(|_| {
                let start = Instant::now();
                black_box(e.quote(Some(black_box(&quote)), now).expect("quote"));
                start.elapsed().as_nanos()
            })
            .collect();
        let (p50, p99) = (percentile(&mut plan, 50), percentile(&mut plan, 99));
        println!(
            "replan ({mix}): {open} open tickets / {STATIONS} stations: re-plan p50 {p50:.1} us, p99 {p99:.1} us; \
             per decision p50 {:.3} us, p99 {:.3} us; quote p99 {:.1} us; feasible {}",
            p50 / open as f64,
            p99 / open as f64,
            percentile(&mut quotes, 99),
            feasible(&e)
        );
    }
}

fn bench(c: &mut Criterion) {
    report(false);
    report(true);
    let mut group = c.benchmark_group("replan");
    for tickets in [50, 200, 500, 1000] {
        let e = loaded(tickets, false);
        let now = now_of(&e);
        group.bench_with_input(BenchmarkId::from_parameter(tickets), &e, |b, e| {
            b.iter(|| e.plan(0, black_box(now)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
