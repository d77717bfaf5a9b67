//! Determinism and accounting of whole runs (short rushes, so the suite stays fast).

use super::*;
use crate::testutil::sample_json;

fn params(policy: Policy, seed: u64) -> Params {
    Params { seed, minutes: 20, peak_rate: 6.0, policy, ..Params::default() }
}

#[test]
fn same_seed_same_json_and_seeds_differ() {
    let shop = sample_json();
    for policy in [Policy::Engine, Policy::Fifo] {
        let json = serde_json::to_string(&params(policy, 1)).unwrap();
        let a = simulate(&shop, &json).unwrap();
        assert_eq!(a, simulate(&shop, &json).unwrap(), "{policy:?}");
        let other = serde_json::to_string(&params(policy, 2)).unwrap();
        assert_ne!(a, simulate(&shop, &other).unwrap());
    }
}

#[test]
fn every_order_is_accounted_for_and_figures_are_consistent() {
    let shop = sample_json();
    for policy in [Policy::Engine, Policy::Fifo] {
        for cv in [0.0, 0.3] {
            let p = Params { cv, slowdown: 1.3, ..params(policy, 3) };
            // `run` itself fails when an accepted order never became READY exactly once.
            let r = run(&shop, &p).unwrap();
            assert!(r.offered > 20, "{}", r.offered);
            assert_eq!(r.orders + r.refused, r.offered);
            assert_eq!(r.refused, r.refused_by_field.values().sum::<usize>());
            assert!(r.max_queue >= 1 && r.max_queue <= r.orders);
            for pct in [
                r.figures.late_pct,
                r.figures.within_2min_pct,
                r.figures.melt_pct,
                r.figures.rider_waited_pct,
            ] {
                assert!((0.0..=100.0).contains(&pct), "{pct}");
            }
            assert!(r.figures.eta_err_p50_s <= r.figures.eta_err_p90_s);
            assert!(r.figures.wait_p50_s <= r.figures.wait_p95_s);
            assert!(r.figures.throughput_per_min > 0.0);
            assert!(r.figures.makespan_min >= 19.0);
            assert_eq!(r.staff_changes.len(), 2);
            assert!(r.figures.weighted_tardiness_s.abs() < f64::EPSILON, "no due dates in the rush");
        }
    }
}

#[test]
fn the_policies_see_the_same_orders() {
    let shop = sample_json();
    let e = run(&shop, &params(Policy::Engine, 4)).unwrap();
    let f = run(&shop, &params(Policy::Fifo, 4)).unwrap();
    assert_eq!(e.offered, f.offered);
    assert_eq!(e.staffing, f.staffing);
}

#[test]
fn mpe2022_runs_fifty_tables_and_accepts_every_dish() {
    for policy in [Policy::Engine, Policy::Fifo] {
        let p = Params { scenario: Scenario::Mpe2022, policy, ..Params::default() };
        let r = run("", &p).unwrap();
        assert_eq!(r.orders, r.offered, "{policy:?}");
        assert!(r.orders > 50 * 17, "{}", r.orders); // 17-22 dishes a table
        assert!(r.figures.weighted_tardiness_s > 0.0, "the wok is over capacity");
    }
}

#[test]
fn bad_params_name_the_field() {
    let err = Params::from_json(r#"{"cv": 7}"#).unwrap_err();
    assert_eq!(err.field(), "cv");
    let err = Params::from_json(r#"{"policy": "lifo"}"#).unwrap_err();
    assert_eq!(err.field(), "policy");
    let err = Params::from_json(r#"{"sead": 1}"#).unwrap_err();
    assert!(err.reason().contains("unknown field"), "{}", err.reason());
}
