//! What a state-changing call produced: records to persist, ticket events to stream, orders
//! that changed, and the answer. Entities are referenced by index into the engine state; the
//! binding renders them right after the call (before any other call can change them), using the
//! store's plan carried here for ETAs and due times.

use crate::scheduler::Plan;
use crate::state::KeyEntry;
use crate::types::{Channel, TicketEventKind};

/// One encoded log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedRecord {
    pub lsn: u64,
    pub kind: &'static str,
    pub at_ms: i64,
    pub bytes: Vec<u8>,
}

/// A ticket event: the ticket as it is after the call (a ticket has at most one event per call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketEventRef {
    pub store: usize,
    pub station: usize,
    pub seq: u64,
    pub kind: TicketEventKind,
    pub at_ms: i64,
    pub order: usize,
    pub ticket: usize,
}

/// The answer of a call, by reference into the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// SubmitOrderResponse of the order (the first answer: built from its immutable facts).
    Submitted(usize),
    /// Order.
    Order(usize),
    /// Ticket (order, ticket).
    Ticket(usize, usize),
    /// Menu of the store.
    Menu(usize),
    /// Station (store, station).
    Station(usize, usize),
    /// Promotion (index into the state's promotions).
    Promotion(usize),
    /// LoadUpdate of the store.
    Load(usize),
    /// A duplicate submission of an order no longer in memory: its SubmitOrderResponse is
    /// rendered from the submission record at this lsn in the event log.
    SubmittedInLog(u64),
    /// How many finished orders an `orders_evicted` record dropped (nothing to render).
    Evicted(usize),
    /// A submission whose idempotency key memory does not hold, while the event store may (see
    /// [`crate::engine::Engine::set_keys_to_log`]): nothing was decided; the caller looks the
    /// key up and submits again with [`crate::engine::Engine::submit_with_logged_key`].
    LookUpKey,
}

/// Effects gathered while applying one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub ticket_events: Vec<TicketEventRef>,
    /// Changed orders, at most once each, in order of first change.
    pub order_updates: Vec<usize>,
    /// Idempotency keys that left memory for the event store (`orders_evicted` with
    /// `keys_to_log`): the store must hold them from this record on.
    pub logged_keys: Vec<LoggedKey>,
    /// Keys accepted before this time are past the idempotency window: the store may drop
    /// them (0: nothing to drop).
    pub keys_forgotten_before_ms: i64,
}

/// An idempotency key the event store keeps for the rest of its window (see
/// [`crate::engine::Engine::submit_with_logged_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedKey {
    pub channel: Channel,
    pub channel_order_id: String,
    pub key: KeyEntry,
}

impl Effects {
    pub fn touch(&mut self, order: usize) {
        if !self.order_updates.contains(&order) {
            self.order_updates.push(order);
        }
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    /// Log position to make durable before answering (0: nothing changed).
    pub lsn: u64,
    /// An idempotent SubmitOrder replay.
    pub replayed: bool,
    pub records: Vec<EncodedRecord>,
    pub effects: Effects,
    pub response: Response,
    /// The affected store's plan as of the call's time, for ETAs and due times.
    pub plan: Option<Plan>,
}
