//! The engine's mutable state: per-store counters, staffing and availability, the orders in
//! memory and the idempotency keys. Only [`apply`](crate::apply) mutates it; its serialization
//! is what `state_hash` digests (derived look-up indexes are skipped: they follow from the
//! orders).
//!
//! Orders are kept while open and for a retention window after they finish; an
//! `orders_evicted` record then drops them (see [`crate::engine::retention`]). Their idempotency
//! keys outlive them for the whole idempotency window as small [`KeyEntry`] values, so a
//! duplicate submission is still recognised (and answered from its logged submission record):
//! in memory, or, when the record says so (`keys_to_log`), in the event store, which the caller
//! asks (see [`crate::engine::Engine::submit_with_logged_key`]).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::draft::Availability;
use crate::menu::Catalog;
use crate::order::Order;
use crate::scheduler::{LoadState, SPEED_ONE};
use crate::types::Channel;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreState {
    /// Orders accepted so far (the last order number used).
    pub orders_accepted: u64,
    /// Pickup numbers handed out so far, per prefix ("A", "D").
    pub pickup_seq: [u32; 2],
    /// Last ticket-event sequence number per station.
    pub station_seq: Vec<u64>,
    /// Live staffing per station.
    pub slots: Vec<u32>,
    pub sold_out_items: BTreeSet<usize>,
    pub sold_out_modifiers: BTreeSet<usize>,
    /// Learned speed per station (parts per thousand of standard time).
    pub speed: Vec<i64>,
    /// The recorded load level and the actions it switched on.
    pub load: LoadState,
    /// Open (ACCEPTED / IN_PROGRESS) orders, ascending = acceptance order.
    #[serde(skip)]
    pub open: BTreeSet<usize>,
}

impl StoreState {
    fn new(catalog: &Catalog) -> Self {
        Self {
            orders_accepted: 0,
            pickup_seq: [0, 0],
            station_seq: vec![0; catalog.stations.len()],
            slots: catalog.stations.values().map(|s| s.slots).collect(),
            sold_out_items: BTreeSet::new(),
            sold_out_modifiers: BTreeSet::new(),
            speed: vec![SPEED_ONE; catalog.stations.len()],
            load: LoadState::default(),
            open: BTreeSet::new(),
        }
    }
}

impl Availability for StoreState {
    fn item_available(&self, item: usize) -> bool {
        !self.sold_out_items.contains(&item)
    }

    fn modifier_available(&self, modifier: usize) -> bool {
        !self.sold_out_modifiers.contains(&modifier)
    }

    fn slots(&self, station: usize) -> u32 {
        self.slots[station]
    }
}

/// A defined promotion: its definition as the manager wrote it, its switch, and its uses
/// (budgets and per-member limits are counted here, from the orders that applied it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionEntry {
    pub id: String,
    pub definition_json: String,
    pub enabled: bool,
    pub uses: u64,
    pub member_uses: BTreeMap<String, u64>,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub last_lsn: u64,
    pub stores: Vec<StoreState>,
    /// Promotions by id, in the order they were first defined.
    pub promotions: IndexMap<String, PromotionEntry>,
    /// The orders in memory (every open one, finished ones until evicted), in acceptance
    /// order. Indexed by position: the scheduler and the simulator take a slice and positions,
    /// so eviction compacts this vector (in batches, see [`State::evict`]).
    pub orders: Vec<Order>,
    /// Position in `orders` by order id.
    #[serde(skip)]
    pub by_id: BTreeMap<String, usize>,
    /// Idempotency keys: channel -> channel_order_id -> the submission it named, kept for the
    /// idempotency window even after the order left memory.
    pub keys: BTreeMap<Channel, BTreeMap<String, KeyEntry>>,
}

/// What an idempotency key remembers: enough to answer a duplicate (the order while it is in
/// memory, else its submission record at `lsn`) or to refuse a different draft under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub order_id: String,
    /// The draft's fingerprint (see [`crate::draft::Draft::fingerprint`]).
    pub fingerprint: String,
    pub accepted_at_ms: i64,
    /// Log position of the submission record.
    pub lsn: u64,
}

impl State {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            last_lsn: 0,
            stores: (0..catalog.stores.len()).map(|_| StoreState::new(catalog)).collect(),
            promotions: IndexMap::new(),
            orders: Vec::new(),
            by_id: BTreeMap::new(),
            keys: BTreeMap::new(),
        }
    }

    /// A copy of what serialization keeps (the derived indexes are left empty): what a snapshot
    /// encodes, copied at one log position.
    #[must_use]
    pub fn copy_for_snapshot(&self) -> Self {
        Self {
            last_lsn: self.last_lsn,
            stores: self.stores.clone(),
            promotions: self.promotions.clone(),
            orders: self.orders.clone(),
            by_id: BTreeMap::new(),
            keys: self.keys.clone(),
        }
    }

    /// Rebuilds what serialization skips (open orders per store, positions by id) from the
    /// orders.
    pub fn rebuild_indexes(&mut self) {
        self.by_id.clear();
        for store in &mut self.stores {
            store.open.clear();
        }
        for (index, o) in self.orders.iter().enumerate() {
            self.by_id.insert(o.order_id.clone(), index);
            if o.status.is_open() {
                self.stores[o.store].open.insert(index);
            }
        }
    }

    /// The submission made under an idempotency key within `window_ms` before `at_ms`, if any:
    /// an older key is forgotten, so it may name a new order.
    pub fn by_key(
        &self,
        channel: Channel,
        channel_order_id: &str,
        at_ms: i64,
        window_ms: i64,
    ) -> Option<&KeyEntry> {
        self.keys
            .get(&channel)
            .and_then(|m| m.get(channel_order_id))
            .filter(|k| at_ms - k.accepted_at_ms < window_ms)
    }

    /// Drops the finished orders at `evicted` (positions, ascending) from memory: the vector is
    /// compacted once and the positions after the first evicted one are renumbered, so a batch
    /// of evictions costs one pass over the orders in memory.
    pub fn evict(&mut self, evicted: &BTreeSet<usize>) {
        let Some(&first) = evicted.first() else { return };
        for &index in evicted {
            debug_assert!(!self.orders[index].status.is_open(), "only finished orders leave");
            self.by_id.remove(&self.orders[index].order_id);
        }
        let mut position = 0;
        self.orders.retain(|_| {
            let keep = !evicted.contains(&position);
            position += 1;
            keep
        });
        // Open orders are never evicted, but the ones after `first` moved.
        for store in &mut self.stores {
            store.open.split_off(&first);
        }
        for (index, o) in self.orders.iter().enumerate().skip(first) {
            if let Some(p) = self.by_id.get_mut(&o.order_id) {
                *p = index;
            }
            if o.status.is_open() {
                self.stores[o.store].open.insert(index);
            }
        }
    }

    /// Whether `order_id` names an order this engine accepted and has since evicted: order ids
    /// are `"<store_id>-<n>"` with n counting the store's acceptances, so this needs no memory
    /// per evicted order.
    pub fn was_evicted(&self, catalog: &Catalog, order_id: &str) -> bool {
        let Some((store_id, n)) = order_id.rsplit_once('-') else { return false };
        let (Some(store), Ok(n)) = (catalog.stores.get_index_of(store_id), n.parse::<u64>()) else {
            return false;
        };
        n >= 1 && n <= self.stores[store].orders_accepted && !self.by_id.contains_key(order_id)
    }

    /// Forgets the idempotency keys of submissions accepted before `before_ms`.
    /// Removes the idempotency key of order `order_id` from memory, if it still names that
    /// order (a key reused after its window names the newer submission, which keeps it).
    pub fn take_key(&mut self, channel: Channel, channel_order_id: &str, order_id: &str) -> Option<KeyEntry> {
        let keys = self.keys.get_mut(&channel)?;
        if keys.get(channel_order_id)?.order_id != order_id {
            return None;
        }
        let key = keys.remove(channel_order_id);
        if keys.is_empty() {
            self.keys.remove(&channel);
        }
        key
    }

    pub fn forget_keys(&mut self, before_ms: i64) {
        for keys in self.keys.values_mut() {
            keys.retain(|_, k| k.accepted_at_ms >= before_ms);
        }
        self.keys.retain(|_, keys| !keys.is_empty());
    }
}
