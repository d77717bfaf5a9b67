//! Learned station speed: each bump of a started ticket compares the time it took with its
//! standard work, and the station's speed (parts per thousand of standard) moves toward that
//! ratio by an exponentially weighted average, in integer arithmetic so replays agree bit for
//! bit. Quotes, plans and pacing use the learned speed, so they follow a kitchen that slows
//! down or speeds up within a few tickets.
//!
//! A batch (identical tickets of several orders made together, started with one touch and
//! bumped together) is one observation, not one per ticket: [`batch_of`] finds the ticket's
//! batch mates and each of its `n` bumps moves the speed `1/n` of a step, measured against the
//! batch's longest standard work (what the plan gives the batch).

use crate::order::Order;
use crate::scheduler::plan::SPEED_ONE;
use crate::ticket::Ticket;

/// One observation is clamped to this band (a ticket bumped late by mistake, or started
/// after the work was done, must not swing the estimate).
const OBSERVED_MIN: i64 = SPEED_ONE / 4;
const OBSERVED_MAX: i64 = SPEED_ONE * 4;

/// The speed after one ticket that took `took_ms` for `work_ms` of standard work.
pub fn learn(speed: i64, took_ms: i64, work_ms: i64, alpha_percent: i64) -> i64 {
    learn_share(speed, took_ms, work_ms, alpha_percent, 1)
}

/// [`learn`] for one of the `share` bumps of a batch: a `1/share` step.
pub fn learn_share(speed: i64, took_ms: i64, work_ms: i64, alpha_percent: i64, share: i64) -> i64 {
    if work_ms <= 0 || took_ms < 0 {
        return speed;
    }
    let observed = (i128::from(took_ms) * i128::from(SPEED_ONE) / i128::from(work_ms))
        .clamp(i128::from(OBSERVED_MIN), i128::from(OBSERVED_MAX)) as i64;
    speed + (observed - speed) * alpha_percent / (100 * share.max(1))
}

/// The batch of `ticket` (of order `index`, being bumped at `at_ms`) among the open orders
/// `open`: (members including itself, their longest standard work). Batch mates are the tickets
/// of other open orders at the same station with the same items, started in the same
/// millisecond, and still STARTED or bumped in this same millisecond. A mate whose order became
/// READY before this bump is no longer open and is not counted (rare: batching stations are
/// early steps of a drink); a ticket made alone is a batch of one.
pub fn batch_of(
    orders: &[Order],
    open: impl Iterator<Item = usize>,
    index: usize,
    ticket: &Ticket,
    at_ms: i64,
) -> (i64, i64) {
    let (mut members, mut work) = (1_i64, ticket.work_ms);
    for o in open.filter(|&o| o != index) {
        let Some(t) = orders[o].ticket_at(ticket.station).map(|t| &orders[o].tickets[t]) else { continue };
        let in_batch = t.started_at_ms == ticket.started_at_ms
            && (t.state == crate::types::TicketState::Started
                || (t.state == crate::types::TicketState::Done && t.done_at_ms == at_ms))
            && t.items.len() == ticket.items.len()
            && t.items
                .iter()
                .zip(ticket.items.iter())
                .all(|(a, b)| a.sku == b.sku && a.modifiers == b.modifiers && a.steps == b.steps);
        if in_batch {
            members += 1;
            work = work.max(t.work_ms);
        }
    }
    (members, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_toward_the_observation_and_is_clamped() {
        assert_eq!(learn(1000, 60_000, 60_000, 20), 1000);
        assert_eq!(learn(1000, 90_000, 60_000, 20), 1100);
        assert_eq!(learn(1000, 1_000_000, 60_000, 20), 1600);
        assert_eq!(learn(1000, 0, 60_000, 100), 250);
        assert_eq!(learn(1000, 10, 0, 20), 1000);
        let mut s = SPEED_ONE;
        for _ in 0..30 {
            s = learn(s, 78_000, 60_000, 20);
        }
        assert!((1295..=1300).contains(&s), "{s}");
        // A quarter step for each of four bumps of one batch.
        assert_eq!(learn_share(1000, 90_000, 60_000, 20, 4), 1025);
        assert_eq!(learn_share(1000, 90_000, 60_000, 20, 0), 1100);
    }

    /// Four identical teas started and bumped together teach the tea bar one observation, not
    /// four; a tea made alone teaches a whole one.
    #[test]
    fn a_batch_is_one_observation() {
        use crate::draft::{Draft, DraftLine};
        use crate::outcome::Response;
        use crate::types::Channel;
        const T0: i64 = 1_750_000_000_000;
        let tea = |key: String| Draft {
            store_id: "sh-001".into(),
            channel: Some(Channel::Counter),
            channel_order_id: key,
            lines: vec![DraftLine {
                sku: "classic_milk_tea".into(),
                quantity: 1,
                modifiers: Vec::new(),
                note: String::new(),
            }],
            ..Draft::default()
        };
        let mut e = crate::Engine::new(&crate::testutil::sample_json()).unwrap();
        let tea_bar = e.station_index("tea_bar").unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            let Response::Submitted(o) = e.submit(Some(tea(format!("c-{i}"))), T0).unwrap().response else {
                panic!("not submitted")
            };
            ids.push(e.state().orders[o].ticket_id(e.catalog(), 0));
        }
        let work = e.state().orders[0].tickets[0].work_ms;
        let (batch, alone) = ids.split_at(4);
        for id in batch {
            e.start_ticket(id, T0).unwrap();
        }
        for id in batch {
            e.bump_ticket(id, T0 + 2 * work).unwrap();
        }
        let after_batch = e.state().stores[0].speed[tea_bar];
        let once = learn(SPEED_ONE, 2 * work, work, 10);
        assert!((once - 10..=once).contains(&after_batch), "{after_batch} vs one step {once}");
        e.start_ticket(&alone[0], T0 + 2 * work).unwrap();
        e.bump_ticket(&alone[0], T0 + 4 * work).unwrap();
        assert_eq!(e.state().stores[0].speed[tea_bar], learn(after_batch, 2 * work, work, 10));
    }
}
