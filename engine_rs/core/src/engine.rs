//! The engine: a compiled catalog plus the state, and the commands that change it.
//!
//! Every command validates against the current state (nothing changes on error), decides the
//! facts, encodes them as one record and applies that record through [`crate::apply`], the same
//! code a replay runs, so live effects and replayed effects are identical by construction.
//! Queries (quote, get, board, menu, load) never change anything.
//!
//! [`retention`]: how long finished orders stay in memory, and the tick's eviction decision.

pub mod retention;

use crate::apply::{self, check_cancel, check_ticket, find_ticket, TicketVerb};
use crate::draft::{check_target, resolve, Draft, Purpose, Resolved};
use crate::error::EngineError;
use crate::hash;
use crate::load::Load;
use crate::menu::{Catalog, MAX_SLOTS};
use crate::order::{order_id, pickup_no, pickup_prefix};
use crate::outcome::{Effects, EncodedRecord, Outcome, Response};
use crate::pricing::{price_lines, AppliedPromotion, NearMiss, Quote, Totals};
use crate::promo::Answer;
use crate::promotions::Promotions;
use crate::record::{
    self, AvailabilitySet, Body, LoadChanged, OrderCancelled, OrderSubmitted, PromotionEnabled, PromotionPut,
    StaffingSet, TargetUpdated, TicketAction, TicketRecord,
};
use crate::scheduler::admission::{check_refusals, decide};
use crate::scheduler::level::{self, Measures};
use crate::scheduler::plan::accepted_alike;
use crate::scheduler::{Kitchen, NewOrder, Plan};
use crate::state::{KeyEntry, State};
use crate::ticket::{self, ms_to_s, TicketDraft};
use crate::types::Fulfillment;

use self::retention::Retention;

/// A draft priced and planned ([`Engine::price_resolved`]).
struct Priced {
    quote: Quote,
    tickets: Vec<TicketDraft>,
    answer: Answer,
    /// The plan with the draft's order, when it is the store's plan once the order is accepted
    /// ([`accepted_alike`]).
    plan: Option<Plan>,
}

/// What the caller's event store said about a submission's idempotency key (see
/// [`Engine::set_keys_to_log`]).
#[derive(Clone, Copy)]
enum StoreSaid<'a> {
    NotAsked,
    /// Its entry, or none.
    Answered(Option<&'a KeyEntry>),
}

/// The deterministic order-orchestration state machine of one shop (all its stores).
#[derive(Debug, Clone)]
pub struct Engine {
    catalog: Catalog,
    state: State,
    /// Derived from the state's promotion entries; rebuilt after every promotion record.
    promotions: Promotions,
    /// When set, the clock tick evicts finished orders past it; `None` keeps every order (the
    /// simulator and tests that index orders by position across calls rely on that).
    retention: Option<Retention>,
}

impl Engine {
    /// Compiles a shop configuration (JSON) into an engine with empty state.
    pub fn new(shop_json: &str) -> Result<Self, EngineError> {
        let catalog = Catalog::from_json(shop_json)?;
        let state = State::new(&catalog);
        let shop: serde_json::Value =
            serde_json::from_str(shop_json).map_err(|e| EngineError::config("", format!("not JSON: {e}")))?;
        let promotions = Promotions::new(shop.get("pricing"))?;
        Ok(Self { catalog, state, promotions, retention: None })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn last_lsn(&self) -> u64 {
        self.state.last_lsn
    }

    /// Orders in memory: the open ones plus the finished ones not yet evicted.
    pub fn orders_in_memory(&self) -> usize {
        self.state.orders.len()
    }

    /// Sets how long a finished order stays in memory (seconds, see [`retention`]); `None`
    /// keeps every order. Not part of the state: evictions are recorded, so a log replays the
    /// same whatever this is set to.
    pub fn set_order_retention(&mut self, seconds: Option<f64>) -> Result<(), EngineError> {
        let keys_to_log = self.keys_to_log();
        self.retention = seconds.map(Retention::from_seconds).transpose()?;
        self.set_keys_to_log(keys_to_log);
        Ok(())
    }

    /// Whether an evicted order's idempotency key leaves memory with it, for the caller's event
    /// store to keep for the rest of the window (off by default; only with an order retention).
    /// The caller then writes each outcome's `effects.logged_keys` in the same transaction as
    /// its records, and answers [`Response::LookUpKey`] by looking the key up and calling
    /// [`Engine::submit_with_logged_key`]. So memory holds only the keys of the orders it holds:
    /// a server at a steady rate stays flat instead of growing by a key per order for the
    /// whole window. Like the retention, not part of the state: the eviction record says
    /// whether its keys left.
    pub fn set_keys_to_log(&mut self, on: bool) {
        if let Some(retention) = &mut self.retention {
            retention.keys_to_log = on;
        }
    }

    pub fn keys_to_log(&self) -> bool {
        self.retention.is_some_and(|r| r.keys_to_log)
    }

    /// Hex SHA-256 of the whole state.
    pub fn state_hash(&self) -> String {
        hash::digest(&self.state)
    }

    /// The whole state as msgpack (named fields): restoring it and replaying the records after
    /// `last_lsn` rebuilds the engine without replaying the log from the start.
    pub fn snapshot(&self) -> Vec<u8> {
        snapshot_of(&self.state)
    }

    /// Replaces the state with a snapshot taken by an engine of the same shop (its stores and
    /// stations must match); the derived indexes and the promotion calculator are rebuilt.
    pub fn restore(&mut self, snapshot: &[u8]) -> Result<(), EngineError> {
        let mut state: State = rmp_serde::from_slice(snapshot)
            .map_err(|e| EngineError::replay("snapshot", format!("not a snapshot of this engine: {e}")))?;
        let stations = self.catalog.stations.len();
        if state.stores.len() != self.catalog.stores.len()
            || state.stores.iter().any(|s| s.slots.len() != stations || s.station_seq.len() != stations)
        {
            return Err(EngineError::replay(
                "snapshot",
                "taken with other stores or stations than this shop's",
            ));
        }
        state.rebuild_indexes();
        self.promotions.rebuild(&state.promotions);
        self.state = state;
        Ok(())
    }

    pub fn store_index(&self, store_id: &str) -> Result<usize, EngineError> {
        self.catalog.stores.get_index_of(store_id).ok_or_else(|| {
            let reason = if store_id.is_empty() {
                "store_id is required".to_owned()
            } else {
                format!("unknown store '{store_id}'")
            };
            EngineError::invalid("store_id", reason)
        })
    }

    pub fn station_index(&self, station: &str) -> Result<usize, EngineError> {
        self.catalog.stations.get_index_of(station).ok_or_else(|| {
            let reason = if station.is_empty() {
                "station is required".to_owned()
            } else {
                format!("unknown station '{station}'")
            };
            EngineError::invalid("station", reason)
        })
    }

    /// The store's plan as of `now_ms` (derived; see `scheduler::plan` for its cost).
    pub fn plan(&self, store: usize, now_ms: i64) -> Plan {
        self.plan_with(store, None, now_ms)
    }

    /// The store's plan with one hypothetical new order (a quote).
    pub fn plan_with(&self, store: usize, new: Option<&NewOrder<'_>>, now_ms: i64) -> Plan {
        let s = &self.state.stores[store];
        let kitchen = Kitchen {
            settings: &self.catalog.scheduler,
            slots: &s.slots,
            speed: &s.speed,
            batch: &self.catalog.batch_sizes,
        };
        Plan::build(&kitchen, &self.state.orders, s.open.iter().copied(), new, now_ms)
    }

    /// What the load level is judged on (a pickup reserved for tonight is not kitchen work).
    pub fn measures(&self, plan: &Plan) -> Measures {
        level::measure(plan, |o| {
            let order = &self.state.orders[o];
            (order.fulfillment, order.status != crate::types::OrderStatus::Accepted)
        })
    }

    /// The store's load as of `now_ms`: the recorded level and actions, measures as of now.
    pub fn load(&self, store_id: &str, now_ms: i64) -> Result<Load, EngineError> {
        let store = self.store_index(store_id)?;
        Ok(self.load_of(store, &self.plan(store, now_ms)))
    }

    fn load_of(&self, store: usize, plan: &Plan) -> Load {
        let m = self.measures(plan);
        let s = &self.catalog.scheduler;
        let load = &self.state.stores[store].load;
        let fast = load.fast_mode(s);
        let mut hidden: Vec<String> = Vec::new();
        if fast {
            hidden.extend(s.fast_mode_items.iter().map(|&i| self.catalog.item(i).sku.clone()));
            hidden.extend(s.fast_mode_modifiers.iter().map(|&i| self.catalog.modifier(i).code.clone()));
        }
        Load {
            store,
            level: load.level,
            reason: load.reason.clone(),
            open_orders: m.orders.clamp(0, i64::from(i32::MAX)) as i32,
            backlog_s: ms_to_s(m.backlog_ms),
            at_ms: plan.now_ms,
            since_ms: load.since_ms,
            pacing: load.pacing(s),
            fast_mode: fast,
            hidden,
            paused_channels: if load.channels_paused(s) {
                s.pause_channels.iter().copied().collect()
            } else {
                Vec::new()
            },
            actions: load.actions(s),
        }
    }

    fn resolve(&self, draft: Option<&Draft>, purpose: Purpose, now_ms: i64) -> Result<Resolved, EngineError> {
        let draft = draft.ok_or_else(|| EngineError::invalid("order", "order is required"))?;
        let store = self.catalog.stores.get_index_of(&draft.store_id).ok_or_else(|| {
            let reason = if draft.store_id.is_empty() {
                "store_id is required".to_owned()
            } else {
                format!("unknown store '{}'", draft.store_id)
            };
            EngineError::invalid("order.store_id", reason)
        })?;
        resolve(&self.catalog, &self.state.stores[store], store, draft, purpose, now_ms)
    }

    /// A resolved draft priced and planned against the store's current plan: the quote with the
    /// calculator's whole answer (reasons for promotions not applied). The order is refused
    /// here if the store does not take it now (paused channel, fast mode).
    fn price_resolved(&self, draft: &Draft, r: &Resolved, now_ms: i64) -> Result<Priced, EngineError> {
        let load = &self.state.stores[r.store].load;
        check_refusals(&self.catalog, load, r.channel, &r.lines)?;
        let mut lines = price_lines(&self.catalog, &r.lines);
        let answer = self.promotions.price(&self.catalog, &self.state.promotions, draft, &r.lines, now_ms);
        for (line, priced) in lines.iter_mut().zip(&answer.lines) {
            debug_assert_eq!(i64::from(line.line_no), priced.line_no);
            debug_assert_eq!(line.gross_minor, priced.gross_minor);
            line.discount_minor = priced.discount_minor;
            line.net_minor = priced.net_minor;
        }
        let totals = Totals::of(&lines);
        let notes: Vec<&str> = draft.lines.iter().map(|l| l.note.as_str()).collect();
        let tickets = ticket::build(&self.catalog, &r.lines, &notes, r.fulfillment);
        let new = NewOrder {
            tickets: &tickets,
            fulfillment: r.fulfillment,
            target_time_ms: r.target_time_ms,
            boost_ms: self.boost_ms(draft),
            hold_until_ms: 0,
            units: r.units,
            promise_ms: None,
            zone: if r.fulfillment == Fulfillment::Delivery { &draft.delivery_zone } else { "" },
        };
        let mut plan = self.plan_with(r.store, Some(&new), now_ms);
        let mut planned_as = new;
        let mut eta_ms = plan.new_order().expect("the quote's order is planned").finish_ms;
        if r.fulfillment.has_target() {
            // A target order is released just in time, ahead of its due time by the lead that
            // absorbs the kitchen's queue then (about half of it, measured in the simulator):
            // the promise is half a lead before the due time, unless the plan says later. An
            // order planned in time is quoted the slip of its held last steps later, never past
            // its target (the plan takes the slip off again); one planned late is quoted its
            // projection, which its extension is measured from.
            let s = &self.catalog.scheduler;
            eta_ms = eta_ms.max(r.target_time_ms - s.target_margin_ms - s.jit_lead_ms / 2);
            if eta_ms <= r.target_time_ms {
                eta_ms = (eta_ms + s.target_quote_slip_ms).min(r.target_time_ms);
            }
        } else {
            // An ASAP order is first planned after every accepted one, then again with that
            // finish as its due time (minus a skip-the-queue boost), as it will be planned once
            // accepted; the quote adds a margin for the kitchen's spread, so it is kept.
            let promised = NewOrder { promise_ms: Some(eta_ms - new.boost_ms), ..new };
            plan = self.plan_with(r.store, Some(&promised), now_ms);
            planned_as = promised;
            let work_ms = tickets.iter().map(|t| t.work_ms).sum();
            eta_ms = plan.new_order().expect("the quote's order is planned").finish_ms
                + self.catalog.scheduler.quote_margin_for(work_ms);
        }
        let planned = plan.new_order().expect("the quote's order is planned");
        let cups_ahead = plan.cups_before(planned.finish_ms);
        let admission =
            decide(&self.catalog, load, r.channel, r.fulfillment, r.target_time_ms, planned, now_ms);
        let quote = Quote {
            currency: self.catalog.currency.clone(),
            lines,
            totals,
            eta_ms,
            prep_s: ms_to_s(eta_ms - now_ms),
            cups_ahead: cups_ahead.min(i32::MAX as u32) as i32,
            load_level: load.level,
            promotions: answer
                .applied
                .iter()
                .map(|a| AppliedPromotion {
                    id: a.id.to_string(),
                    name: a.name.to_string(),
                    amount_minor: a.amount_minor,
                    lines: a.lines.iter().map(|l| (l.line_no as i32, l.amount_minor)).collect(),
                    explanation: a.explanation.clone(),
                })
                .collect(),
            near_misses: answer
                .near_misses
                .iter()
                .map(|n| NearMiss {
                    id: n.id.clone(),
                    add_minor: n.add_minor,
                    extra_discount_minor: n.extra_discount_minor,
                })
                .collect(),
            points_used: answer.points_used,
            points_value_minor: answer.points_value_minor,
            admission,
        };
        let alike =
            accepted_alike(&planned_as, quote.eta_ms, quote.admission.hold_until_ms, &self.catalog.scheduler);
        let plan = alike.then_some(plan);
        Ok(Priced { quote, tickets, answer, plan })
    }

    /// The skip-the-queue boost of the draft's member tier.
    fn boost_ms(&self, draft: &Draft) -> i64 {
        let s = &self.catalog.scheduler;
        if !draft.member.tier.is_empty() && s.skip_queue_tiers.contains(&draft.member.tier) {
            s.skip_queue_boost_ms
        } else {
            0
        }
    }

    /// DryRun: the quote with the calculator's whole answer, committing nothing.
    pub fn dry_run(&self, draft: Option<&Draft>, now_ms: i64) -> Result<(Quote, Answer), EngineError> {
        let r = self.resolve(draft, Purpose::Quote, now_ms)?;
        let draft = draft.expect("resolved drafts exist");
        let priced = self.price_resolved(draft, &r, now_ms)?;
        Ok((priced.quote, priced.answer))
    }

    /// PutPromotion: defines a promotion or replaces its definition (one `promotion_put`
    /// record; none when nothing changes).
    pub fn put_promotion(&mut self, definition_json: &str, now_ms: i64) -> Result<Outcome, EngineError> {
        let definition = self.promotions.validate(definition_json)?;
        if let Some((index, _, entry)) = self.state.promotions.get_full(&definition.id) {
            if entry.definition_json == definition.json && entry.enabled == definition.enabled {
                return Ok(Self::unchanged(Response::Promotion(index), None));
            }
        }
        let body = Body::PromotionPut(PromotionPut {
            id: definition.id,
            definition_json: definition.json,
            enabled: definition.enabled,
        });
        self.commit(now_ms, body, None)
    }

    /// SetPromotionEnabled: switches a promotion on or off.
    pub fn set_promotion_enabled(
        &mut self,
        id: &str,
        enabled: bool,
        now_ms: i64,
    ) -> Result<Outcome, EngineError> {
        if id.is_empty() {
            return Err(EngineError::invalid("id", "id is required"));
        }
        let Some((index, _, entry)) = self.state.promotions.get_full(id) else {
            return Err(EngineError::not_found("id", format!("no promotion '{id}'")));
        };
        if entry.enabled == enabled {
            return Ok(Self::unchanged(Response::Promotion(index), None));
        }
        self.commit(now_ms, Body::PromotionEnabled(PromotionEnabled { id: id.to_owned(), enabled }), None)
    }

    /// QuoteOrder: price and ETA of a draft, committing nothing.
    pub fn quote(&self, draft: Option<&Draft>, now_ms: i64) -> Result<Quote, EngineError> {
        let r = self.resolve(draft, Purpose::Quote, now_ms)?;
        let draft = draft.expect("resolved drafts exist");
        Ok(self.price_resolved(draft, &r, now_ms)?.quote)
    }

    /// SubmitOrder: admits the order (one `order_submitted` record), or replays the first answer
    /// for a known idempotency key with the same draft. With [`Engine::set_keys_to_log`], a key
    /// memory does not hold may be in the event store: the answer is then
    /// [`Response::LookUpKey`] and nothing is decided.
    pub fn submit(&mut self, draft: Option<Draft>, now_ms: i64) -> Result<Outcome, EngineError> {
        self.submit_keyed(draft, now_ms, StoreSaid::NotAsked)
    }

    /// SubmitOrder with the event store's entry for the draft's idempotency key (`None`: it
    /// has none), after [`Response::LookUpKey`]. Memory is asked first (a key may have come
    /// back into it meanwhile); a logged entry counts only within the idempotency window, like
    /// one in memory.
    pub fn submit_with_logged_key(
        &mut self,
        draft: Option<Draft>,
        logged: Option<&KeyEntry>,
        now_ms: i64,
    ) -> Result<Outcome, EngineError> {
        self.submit_keyed(draft, now_ms, StoreSaid::Answered(logged))
    }

    /// [`Engine::submit`], with what the event store said about the key.
    fn submit_keyed(
        &mut self,
        draft: Option<Draft>,
        now_ms: i64,
        store: StoreSaid<'_>,
    ) -> Result<Outcome, EngineError> {
        if let Some(d) = &draft {
            let window = self.catalog.idempotency_window_ms;
            let in_memory = self.state.by_key(d.channel(), &d.channel_order_id, now_ms, window);
            let known = match (in_memory, store) {
                (Some(key), _) => Some(key),
                (None, StoreSaid::Answered(entry)) => entry.filter(|k| now_ms - k.accepted_at_ms < window),
                (None, StoreSaid::NotAsked) if self.keys_to_log() && !d.channel_order_id.is_empty() => {
                    return Ok(Self::unchanged(Response::LookUpKey, None));
                }
                (None, StoreSaid::NotAsked) => None,
            };
            if let Some(key) = known {
                if d.channel_order_id.is_empty() {
                    // Never keyed; fall through to validation, which refuses it.
                } else if key.fingerprint == d.fingerprint() {
                    // The first answer: from the order while it is in memory, else from its
                    // logged submission record.
                    let response = match self.state.by_id.get(&key.order_id) {
                        Some(&index) => Response::Submitted(index),
                        None => Response::SubmittedInLog(key.lsn),
                    };
                    return Ok(Outcome {
                        lsn: key.lsn,
                        replayed: true,
                        records: Vec::new(),
                        effects: Effects::default(),
                        response,
                        plan: None,
                    });
                } else {
                    return Err(EngineError::exists(
                        "order.channel_order_id",
                        format!(
                            "channel order id '{}' was already used for a different order ({})",
                            d.channel_order_id, key.order_id
                        ),
                    ));
                }
            }
        }
        let r = self.resolve(draft.as_ref(), Purpose::Submit, now_ms)?;
        let mut draft = draft.expect("resolved drafts exist");
        let Priced { quote, tickets, plan, .. } = self.price_resolved(&draft, &r, now_ms)?;
        let boost_ms = self.boost_ms(&draft);
        let hold_until_ms = quote.admission.hold_until_ms;
        let store = &self.state.stores[r.store];
        let store_id = self.catalog.store_id(r.store).to_owned();
        let prefix = pickup_prefix(r.channel);
        let body = Body::OrderSubmitted(Box::new(OrderSubmitted {
            order_id: order_id(&store_id, store.orders_accepted + 1),
            pickup_no: pickup_no(prefix, store.pickup_seq[prefix]),
            store_id,
            channel: r.channel,
            fingerprint: draft.fingerprint(),
            channel_order_id: std::mem::take(&mut draft.channel_order_id),
            fulfillment: r.fulfillment,
            target_time_ms: r.target_time_ms,
            member_id: std::mem::take(&mut draft.member_id),
            customer_note: std::mem::take(&mut draft.customer_note),
            units: r.units,
            quote,
            tickets: tickets
                .into_iter()
                .map(|t| TicketRecord {
                    station: self.catalog.station_name(t.station).to_owned(),
                    items: t.items,
                    work_ms: t.work_ms,
                    deps: t.deps,
                })
                .collect(),
            boost_ms,
            hold_until_ms,
            delivery_zone: if r.fulfillment == Fulfillment::Delivery {
                std::mem::take(&mut draft.delivery_zone)
            } else {
                String::new()
            },
        }));
        self.commit_with(now_ms, body, Some(r.store), plan)
    }

    /// Index of an order by id (InvalidArgument when empty, NotFound when unknown or evicted,
    /// with a reason telling the two apart).
    pub fn order_index(&self, order_id: &str) -> Result<usize, EngineError> {
        if order_id.is_empty() {
            return Err(EngineError::invalid("order_id", "order_id is required"));
        }
        self.state.by_id.get(order_id).copied().ok_or_else(|| {
            let reason = if self.state.was_evicted(&self.catalog, order_id) {
                format!("order '{order_id}': {}", apply::EVICTED.replacen("its order", "it", 1))
            } else {
                format!("no order '{order_id}'")
            };
            EngineError::not_found("order_id", reason)
        })
    }

    /// CancelOrder. Cancelling a cancelled order answers the order and changes nothing.
    pub fn cancel(&mut self, order_id: &str, reason: String, now_ms: i64) -> Result<Outcome, EngineError> {
        let index = self.order_index(order_id)?;
        let order = &self.state.orders[index];
        if !check_cancel(order)? {
            let plan = self.plan(order.store, now_ms);
            return Ok(Self::unchanged(Response::Order(index), Some(plan)));
        }
        let store = order.store;
        let body = Body::OrderCancelled(OrderCancelled { order_id: order.order_id.clone(), reason });
        self.commit(now_ms, body, Some(store))
    }

    /// UpdateTarget: a new rider arrival or pickup time for an open PICKUP_AT / DELIVERY order
    /// (the same target changes nothing).
    pub fn update_target(
        &mut self,
        order_id: &str,
        target_time_ms: i64,
        now_ms: i64,
    ) -> Result<Outcome, EngineError> {
        let index = self.order_index(order_id)?;
        let order = &self.state.orders[index];
        if !order.fulfillment.has_target() {
            return Err(EngineError::precondition(
                "order_id",
                format!("order '{order_id}' is ASAP: it has no target"),
            ));
        }
        if !order.status.is_open() {
            return Err(EngineError::precondition(
                "order_id",
                format!("order '{order_id}' is {:?}: its target can no longer change", order.status),
            ));
        }
        check_target("target_time_ms", target_time_ms, order.fulfillment, now_ms)?;
        let store = order.store;
        if order.target_time_ms == target_time_ms {
            let plan = self.plan(store, now_ms);
            return Ok(Self::unchanged(Response::Order(index), Some(plan)));
        }
        let body = Body::TargetUpdated(TargetUpdated { order_id: order_id.to_owned(), target_time_ms });
        self.commit(now_ms, body, Some(store))
    }

    fn ticket_command(
        &mut self,
        ticket_id: &str,
        now_ms: i64,
        verb: TicketVerb,
    ) -> Result<Outcome, EngineError> {
        let (order, ticket) = find_ticket(&self.catalog, &self.state, ticket_id)?;
        check_ticket(&self.state.orders[order], ticket, verb, ticket_id)?;
        let action = TicketAction { ticket_id: ticket_id.to_owned() };
        let body = match verb {
            TicketVerb::Start => Body::TicketStarted(action),
            TicketVerb::Bump => Body::TicketBumped(action),
            TicketVerb::Recall => Body::TicketRecalled(action),
        };
        let store = self.state.orders[order].store;
        self.commit(now_ms, body, Some(store))
    }

    /// Start: QUEUED -> STARTED.
    pub fn start_ticket(&mut self, ticket_id: &str, now_ms: i64) -> Result<Outcome, EngineError> {
        self.ticket_command(ticket_id, now_ms, TicketVerb::Start)
    }

    /// Bump: QUEUED/STARTED -> DONE; releases successors; may make the order READY.
    pub fn bump_ticket(&mut self, ticket_id: &str, now_ms: i64) -> Result<Outcome, EngineError> {
        self.ticket_command(ticket_id, now_ms, TicketVerb::Bump)
    }

    /// Recall: DONE -> QUEUED; a READY order goes back to IN_PROGRESS.
    pub fn recall_ticket(&mut self, ticket_id: &str, now_ms: i64) -> Result<Outcome, EngineError> {
        self.ticket_command(ticket_id, now_ms, TicketVerb::Recall)
    }

    /// SetAvailability: exactly one of `sku` and `modifier`. Recorded only if it changes state.
    pub fn set_availability(
        &mut self,
        store_id: &str,
        sku: &str,
        modifier: &str,
        available: bool,
        now_ms: i64,
    ) -> Result<Outcome, EngineError> {
        let store = self.store_index(store_id)?;
        let s = &self.state.stores[store];
        let changed = match (sku.is_empty(), modifier.is_empty()) {
            (false, true) => {
                let item = self
                    .catalog
                    .items
                    .get_index_of(sku)
                    .ok_or_else(|| EngineError::invalid("sku", format!("unknown SKU '{sku}'")))?;
                s.sold_out_items.contains(&item) == available
            }
            (true, false) => {
                let m = self.catalog.modifiers.get_index_of(modifier).ok_or_else(|| {
                    EngineError::invalid("modifier", format!("unknown modifier '{modifier}'"))
                })?;
                s.sold_out_modifiers.contains(&m) == available
            }
            (true, true) => return Err(EngineError::invalid("sku", "set exactly one of sku and modifier")),
            (false, false) => {
                return Err(EngineError::invalid("modifier", "set exactly one of sku and modifier"));
            }
        };
        if !changed {
            return Ok(Self::unchanged(Response::Menu(store), None));
        }
        let body = Body::AvailabilitySet(AvailabilitySet {
            store_id: store_id.to_owned(),
            sku: sku.to_owned(),
            modifier: modifier.to_owned(),
            available,
        });
        self.commit(now_ms, body, None)
    }

    /// SetStaffing: 0..=32 slots (0 closes the station). Recorded only if it changes state.
    pub fn set_staffing(
        &mut self,
        store_id: &str,
        station: &str,
        slots: i32,
        now_ms: i64,
    ) -> Result<Outcome, EngineError> {
        let store = self.store_index(store_id)?;
        let st = self.station_index(station)?;
        if !(0..=MAX_SLOTS as i32).contains(&slots) {
            return Err(EngineError::invalid(
                "slots",
                format!("must be between 0 and {MAX_SLOTS}, got {slots}"),
            ));
        }
        if self.state.stores[store].slots[st] == slots as u32 {
            return Ok(Self::unchanged(Response::Station(store, st), None));
        }
        let body = Body::StaffingSet(StaffingSet {
            store_id: store_id.to_owned(),
            station: station.to_owned(),
            slots: slots as u32,
        });
        self.commit(now_ms, body, Some(store))
    }

    fn unchanged(response: Response, plan: Option<Plan>) -> Outcome {
        Outcome { lsn: 0, replayed: false, records: Vec::new(), effects: Effects::default(), response, plan }
    }

    /// Encodes one record and applies it.
    fn append(&mut self, at_ms: i64, body: Body) -> Result<(EncodedRecord, Effects, Response), EngineError> {
        let lsn = self.state.last_lsn + 1;
        let kind = body.kind();
        let bytes = record::encode(lsn, at_ms, &body);
        let promotions_changed = matches!(body, Body::PromotionPut(_) | Body::PromotionEnabled(_));
        let (effects, response) = apply::apply(&self.catalog, &mut self.state, lsn, at_ms, body)?;
        if promotions_changed {
            self.promotions.rebuild(&self.state.promotions);
        }
        Ok((EncodedRecord { lsn, kind, at_ms, bytes }, effects, response))
    }

    /// Encodes the record, applies it, re-judges the store's load (a second record if the
    /// level moves), and plans the affected store for rendering.
    fn commit(&mut self, at_ms: i64, body: Body, store: Option<usize>) -> Result<Outcome, EngineError> {
        self.commit_with(at_ms, body, store, None)
    }

    /// [`Engine::commit`] of a submission whose quote's plan (`quoted`, with the order as the
    /// quote's new order) is the store's plan once it is accepted: no plan to build again.
    fn commit_with(
        &mut self,
        at_ms: i64,
        body: Body,
        store: Option<usize>,
        quoted: Option<Plan>,
    ) -> Result<Outcome, EngineError> {
        let (record, effects, response) = self.append(at_ms, body)?;
        let mut records = vec![record];
        let known = match (quoted, &response) {
            (Some(plan), &Response::Submitted(index)) => Some(plan.accept_new_order(index)),
            _ => None,
        };
        let plan = match store {
            Some(s) => Some(self.judge_load(s, at_ms, &mut records, known)?),
            None => None,
        };
        let lsn = records.last().map_or(0, |r| r.lsn);
        Ok(Outcome { lsn, replayed: false, records, effects, response, plan })
    }

    /// Plans the store (unless its plan is `known`) and records a `load_changed` if its level
    /// moves; returns the plan.
    fn judge_load(
        &mut self,
        store: usize,
        now_ms: i64,
        records: &mut Vec<EncodedRecord>,
        known: Option<Plan>,
    ) -> Result<Plan, EngineError> {
        let plan = known.unwrap_or_else(|| self.plan(store, now_ms));
        let m = self.measures(&plan);
        if let Some(next) = level::next(&self.catalog.scheduler, &self.state.stores[store].load, m, now_ms) {
            let body = Body::LoadChanged(LoadChanged {
                store_id: self.catalog.store_id(store).to_owned(),
                level: next.level,
                paused: next.paused,
                reason: next.reason,
            });
            records.push(self.append(now_ms, body)?.0);
        }
        Ok(plan)
    }

    /// The clock moved: re-judges every store's load (levels also fall while nothing
    /// happens) and, with a retention set, evicts the finished orders past it. Records only the
    /// moves and evictions; `lsn` is 0 when nothing happened.
    pub fn tick(&mut self, now_ms: i64) -> Result<Outcome, EngineError> {
        self.tick_stores(now_ms, 0..self.state.stores.len())
    }

    /// [`Engine::tick`] for the stores in `stores` only (clamped to the shop's), so a server
    /// can spread one tick over several calls: a tick re-plans every store with open orders,
    /// which for a thousand busy stores is tens of milliseconds in one piece. The eviction
    /// (a scan of every order) runs in the call that reaches the last store.
    pub fn tick_stores(
        &mut self,
        now_ms: i64,
        stores: std::ops::Range<usize>,
    ) -> Result<Outcome, EngineError> {
        let mut records = Vec::new();
        let mut moved = None;
        let end = stores.end.min(self.state.stores.len());
        for store in stores.start.min(end)..end {
            let s = &self.state.stores[store];
            if s.open.is_empty() && s.load.rung() == 0 {
                continue; // an idle store at normal cannot move: no plan to build
            }
            let before = records.len();
            self.judge_load(store, now_ms, &mut records, None)?;
            if moved.is_none() && records.len() > before {
                moved = Some(store);
            }
        }
        let window = self.catalog.idempotency_window_ms;
        let last = end == self.state.stores.len();
        let mut effects = Effects::default();
        if let Some(evicted) =
            self.retention.as_mut().filter(|_| last).and_then(|r| r.due(&self.state, window, now_ms))
        {
            // After the load records: their plans were built over positions this compacts. Its
            // effects are the keys that left memory for the event store.
            let (record, evicted_effects, _) = self.append(now_ms, Body::OrdersEvicted(evicted))?;
            records.push(record);
            effects = evicted_effects;
        }
        let lsn = records.last().map_or(0, |r| r.lsn);
        let store = moved.unwrap_or(0);
        let plan = moved.map(|s| self.plan(s, now_ms));
        Ok(Outcome { lsn, replayed: false, records, effects, response: Response::Load(store), plan })
    }

    /// Replays one logged record (lsn must be `last_lsn + 1`), returning the effects the live
    /// call produced. The record's bytes are not re-emitted (`records` is empty).
    pub fn apply(&mut self, bytes: &[u8]) -> Result<Outcome, EngineError> {
        let rec = record::decode(bytes)?;
        let store = match &rec.body {
            Body::OrderSubmitted(b) => {
                Some(self.catalog.stores.get_index_of(&b.store_id).ok_or_else(|| {
                    EngineError::replay(
                        "store_id",
                        format!("store '{}' is not in the shop configuration", b.store_id),
                    )
                })?)
            }
            Body::OrderCancelled(b) => self.state.by_id.get(&b.order_id).map(|&o| self.state.orders[o].store),
            Body::TicketStarted(b) | Body::TicketBumped(b) | Body::TicketRecalled(b) => b
                .ticket_id
                .rsplit_once('/')
                .and_then(|(o, _)| self.state.by_id.get(o))
                .map(|&o| self.state.orders[o].store),
            Body::LoadChanged(b) => self.catalog.stores.get_index_of(&b.store_id),
            Body::TargetUpdated(b) => self.state.by_id.get(&b.order_id).map(|&o| self.state.orders[o].store),
            Body::AvailabilitySet(_)
            | Body::StaffingSet(_)
            | Body::PromotionPut(_)
            | Body::PromotionEnabled(_)
            | Body::OrdersEvicted(_) => None,
        };
        let promotions_changed = matches!(rec.body, Body::PromotionPut(_) | Body::PromotionEnabled(_));
        let (effects, response) = apply::apply(&self.catalog, &mut self.state, rec.lsn, rec.at_ms, rec.body)?;
        if promotions_changed {
            self.promotions.rebuild(&self.state.promotions);
        }
        let plan = store.map(|s| self.plan(s, rec.at_ms));
        Ok(Outcome { lsn: rec.lsn, replayed: false, records: Vec::new(), effects, response, plan })
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod retention_tests;

/// [`Engine::snapshot`] of a copy of the state (`Engine::state().clone()`): a server copies the
/// state at a log position, which is cheap, and encodes the copy off its event loop.
pub fn snapshot_of(state: &State) -> Vec<u8> {
    rmp_serde::to_vec_named(state).expect("plain data serializes")
}
