//! The scheduler's settings, compiled from the shop's `[scheduler]` table: every key has a
//! default (the reference shop's), seconds become integer milliseconds, names become indices,
//! and every bad value is refused naming its field (`scheduler.rush.orders`).

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::config::{SchedulerConfig, ThresholdConfig};
use crate::error::EngineError;
use crate::menu::{Item, Modifier, Station};
use crate::types::Channel;

/// Entry thresholds of one rung of the load ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    /// Orders in the kitchen (released work) at or above which the rung is entered.
    pub orders: i64,
    /// Projected backlog (ms) at or above which the rung is entered.
    pub backlog_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// busy, rush, overload, channel pause: entry thresholds, non-decreasing.
    pub rungs: [Threshold; 4],
    /// A rung is left when both measures fall below `(100 - hysteresis_percent)` % of its entry
    /// thresholds...
    pub hysteresis_percent: i64,
    /// ... and it was entered at least this long ago (no flapping).
    pub min_dwell_ms: i64,
    pub pacing: bool,
    pub fast_mode: bool,
    pub channel_pause: bool,
    pub pause_channels: BTreeSet<Channel>,
    /// Items hidden while in fast mode (indices into the catalog's items).
    pub fast_mode_items: BTreeSet<usize>,
    /// Modifiers hidden while in fast mode.
    pub fast_mode_modifiers: BTreeSet<usize>,
    /// Cold drinks wait at most this long between ready and pickup: a target order is never
    /// released so early that it could finish before `target - freshness`.
    pub freshness_ms: i64,
    /// A target order is released this long before its just-in-time start.
    pub jit_lead_ms: i64,
    /// Target orders plan to be ready this long before the target.
    pub target_margin_ms: i64,
    /// Paced orders reach the kitchen this long before their planned start.
    pub pace_lookahead_ms: i64,
    pub skip_queue_tiers: BTreeSet<String>,
    /// How far ahead a skip-the-queue member's order is planned; also the bound on how long any
    /// order can be overtaken by later ones.
    pub skip_queue_boost_ms: i64,
    /// Weight of the newest observation in a station's learned speed (default 10 %: the cups
    /// of one batch are bumped together and each is an observation of the same draw, so at 20 %
    /// a batch of four moved the estimate 59 % of the way; in the simulator at cv 0.3 that noise
    /// was the largest part of the ETA error).
    pub speed_alpha_percent: i64,
    /// Stations whose tickets fire as late as the rest of their order allows (ice-blended).
    pub fire_last: Vec<bool>,
    /// Delivery orders of one zone due within this window of each other are made together, for
    /// platforms that send one rider for them. 0 (the default) turns it off: with a rider per
    /// order, making an order for an earlier rider only lets it wait (measured in the
    /// simulator: melt 8 % -> 16 %).
    pub zone_window_ms: i64,
    /// ASAP quotes are the projection plus this margin (the kitchen's spread: a quote should
    /// rarely be late, and never far early), plus a share of the order's own work beyond a
    /// single drink's (see [`Settings::quote_margin_for`]).
    pub quote_margin_ms: i64,
    /// An ASAP order's own standard work up to this much adds nothing to its quote margin (a
    /// single milk tea is 65 s of work; default 60 s)...
    pub quote_margin_free_work_ms: i64,
    /// ... and the work beyond it adds this percent (default 10): an order's spread grows with
    /// its own steps (more of them, longer ones), not only with the queue ahead of it. Measured
    /// in the simulator (docs/scheduler.md, seeds 1-10; checked on seeds 11-20, which were not
    /// used to choose it): a flat 60 s margin left big orders (three drinks with fruit, 200-300 s
    /// of work) late at the defaults and small ones far early under a slower kitchen; 50 s + 10 %
    /// of the work beyond 60 s lowered both late_pct and the ETA p90 there.
    pub quote_margin_work_percent: i64,
    /// The later steps of a pickup-at or delivery order are held until this long (default 45 s),
    /// or the length of the held chain if longer, before their latest start (see
    /// [`Plan::build`](super::plan::Plan::build)): the longer the rest of the order, the more its
    /// station queues and step times can spread. Measured in the simulator (seeds 1-5) with a
    /// fixed lead: 30 s and 45 s made more orders late at the defaults (0.40 %, 0.42 %, against
    /// FIFO's 0.5 %), 90 s did not (0.22 %) but left melt at 11.6 %; max(45 s, chain) keeps
    /// 0.22 % with melt 8.2 %.
    pub hold_lead_ms: i64,
    /// A delivery order whose rider the platform reports later than first predicted keeps the
    /// due time it was first planned with as long as that leaves it fresh: it is due no earlier
    /// than `freshness - follow_slack` before the rider's updated arrival (default 120 s). The
    /// slack absorbs the update's own error (about half a minute) and how far ahead of its due
    /// time a held order finishes (about a minute in the simulator).
    pub follow_slack_ms: i64,
    /// A pickup-at or delivery order is quoted this much later (default 15 s) than where its
    /// plan puts it, never past its target: its held last steps are released for their latest
    /// start and then wait for a slot at the shared last stations (the sealer, pack), so READY
    /// lands after the projection more often than before it (simulator, seeds 1-10: median 7 s
    /// after it at the defaults, 21 s under a 30 % slower kitchen with cv 0.3, with a tail to a
    /// minute and more). Only the quote moves: the plan takes the slip off again to find the due
    /// time the order was first planned with, so no order is made at another time. Chosen on
    /// seeds 1-10 and checked on seeds 11-20 (docs/scheduler.md).
    pub target_quote_slip_ms: i64,
}

fn ms(field: &str, seconds: Option<f64>, default_s: i64) -> Result<i64, EngineError> {
    let Some(s) = seconds else { return Ok(default_s * 1000) };
    if !s.is_finite() || !(0.0..=86_400.0).contains(&s) {
        return Err(EngineError::config(format!("scheduler.{field}"), "must be between 0 and 86400 seconds"));
    }
    Ok((s * 1000.0).round() as i64)
}

fn threshold(
    name: &str,
    cfg: Option<ThresholdConfig>,
    default: (i64, i64),
) -> Result<Threshold, EngineError> {
    let Some(t) = cfg else { return Ok(Threshold { orders: default.0, backlog_ms: default.1 * 1000 }) };
    if !(1..=100_000).contains(&t.orders) {
        return Err(EngineError::config(format!("scheduler.{name}.orders"), "must be between 1 and 100000"));
    }
    Ok(Threshold { orders: t.orders, backlog_ms: ms(&format!("{name}.backlog_s"), Some(t.backlog_s), 0)? })
}

fn channel(name: &str) -> Option<Channel> {
    [
        Channel::Counter,
        Channel::Kiosk,
        Channel::TableQr,
        Channel::MiniProgram,
        Channel::Meituan,
        Channel::Eleme,
        Channel::OtherDelivery,
    ]
    .into_iter()
    .find(|c| c.name() == name)
}

impl Settings {
    /// Compiles the table against the catalog's stations, items and modifiers.
    pub fn compile(
        cfg: SchedulerConfig,
        stations: &IndexMap<String, Station>,
        items: &IndexMap<String, Item>,
        modifiers: &IndexMap<String, Modifier>,
    ) -> Result<Self, EngineError> {
        let rungs = [
            threshold("busy", cfg.busy, (10, 300))?,
            threshold("rush", cfg.rush, (15, 600))?,
            threshold("overload", cfg.overload, (20, 900))?,
            threshold("pause", cfg.pause, (30, 1500))?,
        ];
        for (i, name) in ["rush", "overload", "pause"].iter().enumerate() {
            if rungs[i + 1].orders < rungs[i].orders || rungs[i + 1].backlog_ms < rungs[i].backlog_ms {
                return Err(EngineError::config(
                    format!("scheduler.{name}"),
                    "thresholds must not be below the previous level's",
                ));
            }
        }
        let hysteresis_percent = cfg.hysteresis_percent.unwrap_or(30);
        if !(0..=90).contains(&hysteresis_percent) {
            return Err(EngineError::config("scheduler.hysteresis_percent", "must be between 0 and 90"));
        }
        let quote_margin_work_percent = cfg.quote_margin_work_percent.unwrap_or(10);
        if !(0..=100).contains(&quote_margin_work_percent) {
            return Err(EngineError::config(
                "scheduler.quote_margin_work_percent",
                "must be between 0 and 100",
            ));
        }
        let speed_alpha_percent = cfg.speed_alpha_percent.unwrap_or(10);
        if !(1..=100).contains(&speed_alpha_percent) {
            return Err(EngineError::config("scheduler.speed_alpha_percent", "must be between 1 and 100"));
        }
        let mut pause_channels = BTreeSet::new();
        let names = cfg.pause_channels.unwrap_or_else(|| {
            ["MEITUAN", "ELEME", "OTHER_DELIVERY"].iter().map(|s| (*s).to_owned()).collect()
        });
        for (i, name) in names.iter().enumerate() {
            let c = channel(name).ok_or_else(|| {
                EngineError::config(
                    format!("scheduler.pause_channels[{i}]"),
                    format!("unknown channel '{name}'"),
                )
            })?;
            pause_channels.insert(c);
        }
        let slow_item_ms = ms("slow_item_s", cfg.slow_item_s, 110)?;
        let (mut fast_mode_items, mut fast_mode_modifiers) = (BTreeSet::new(), BTreeSet::new());
        match cfg.fast_mode_hides {
            Some(names) => {
                for (i, name) in names.iter().enumerate() {
                    if let Some(item) = items.get_index_of(name) {
                        fast_mode_items.insert(item);
                    } else if let Some(m) = modifiers.get_index_of(name) {
                        fast_mode_modifiers.insert(m);
                    } else {
                        return Err(EngineError::config(
                            format!("scheduler.fast_mode_hides[{i}]"),
                            format!("'{name}' is neither a SKU nor a modifier code"),
                        ));
                    }
                }
            }
            // Without a list, the slow items are those whose standard make time reaches
            // slow_item_s: the ones that clog the queue when it is long.
            None => fast_mode_items.extend(
                items.values().enumerate().filter(|(_, item)| item.unit_ms() >= slow_item_ms).map(|(i, _)| i),
            ),
        }
        let mut fire_last = vec![false; stations.len()];
        for (i, name) in cfg.fire_last.unwrap_or_default().iter().enumerate() {
            let s = stations.get_index_of(name).ok_or_else(|| {
                EngineError::config(format!("scheduler.fire_last[{i}]"), format!("unknown station '{name}'"))
            })?;
            fire_last[s] = true;
        }
        Ok(Self {
            rungs,
            hysteresis_percent,
            min_dwell_ms: ms("min_dwell_s", cfg.min_dwell_s, 180)?,
            pacing: cfg.pacing.unwrap_or(true),
            fast_mode: cfg.fast_mode.unwrap_or(true),
            channel_pause: cfg.channel_pause.unwrap_or(true),
            pause_channels,
            fast_mode_items,
            fast_mode_modifiers,
            freshness_ms: ms("freshness_s", cfg.freshness_s, 300)?,
            jit_lead_ms: ms("jit_lead_s", cfg.jit_lead_s, 120)?,
            target_margin_ms: ms("target_margin_s", cfg.target_margin_s, 45)?,
            pace_lookahead_ms: ms("pace_lookahead_s", cfg.pace_lookahead_s, 120)?,
            skip_queue_tiers: cfg.skip_queue_tiers.unwrap_or_default().into_iter().collect(),
            skip_queue_boost_ms: ms("skip_queue_boost_s", cfg.skip_queue_boost_s, 180)?,
            speed_alpha_percent,
            fire_last,
            zone_window_ms: ms("zone_window_s", cfg.zone_window_s, 0)?,
            quote_margin_ms: ms("quote_margin_s", cfg.quote_margin_s, 50)?,
            quote_margin_free_work_ms: ms("quote_margin_free_work_s", cfg.quote_margin_free_work_s, 60)?,
            quote_margin_work_percent,
            hold_lead_ms: ms("hold_lead_s", cfg.hold_lead_s, 45)?,
            follow_slack_ms: ms("follow_slack_s", cfg.follow_slack_s, 120)?,
            target_quote_slip_ms: ms("target_quote_slip_s", cfg.target_quote_slip_s, 15)?,
        })
    }

    /// The margin an ASAP quote adds to the projection for an order of `work_ms` of standard
    /// work (the sum over its tickets): `quote_margin` plus `quote_margin_work_percent` of the
    /// work beyond `quote_margin_free_work`. The quote is the projection plus this, and
    /// the plan takes it off again to find the order's promise (its priority), so both must
    /// see the same work: the standard work of every ticket the order was accepted with.
    pub fn quote_margin_for(&self, work_ms: i64) -> i64 {
        let beyond = work_ms.saturating_sub(self.quote_margin_free_work_ms).clamp(0, i64::MAX / 4_000);
        self.quote_margin_ms + beyond * self.quote_margin_work_percent / 100
    }
}
