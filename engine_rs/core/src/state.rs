//! The engine's mutable state: per-store counters, staffing and availability, and every order.
//! Only [`apply`](crate::apply) mutates it; its serialization is what `state_hash` digests
//! (derived look-up indexes are skipped: they follow from the orders).

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
    /// Every accepted order, in acceptance order (kept in memory; see [`Order`]).
    pub orders: Vec<Order>,
    #[serde(skip)]
    pub by_id: BTreeMap<String, usize>,
    /// Idempotency keys: channel -> channel_order_id -> order.
    #[serde(skip)]
    pub by_key: BTreeMap<Channel, BTreeMap<String, usize>>,
}

impl State {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            last_lsn: 0,
            stores: (0..catalog.stores.len()).map(|_| StoreState::new(catalog)).collect(),
            promotions: IndexMap::new(),
            orders: Vec::new(),
            by_id: BTreeMap::new(),
            by_key: BTreeMap::new(),
        }
    }

    /// Rebuilds what serialization skips (open orders per store, ids, idempotency keys) from
    /// the orders.
    pub fn rebuild_indexes(&mut self) {
        self.by_id.clear();
        self.by_key.clear();
        for store in &mut self.stores {
            store.open.clear();
        }
        for (index, o) in self.orders.iter().enumerate() {
            self.by_id.insert(o.order_id.clone(), index);
            // A key reused after its window points to the newest order, as when it was applied.
            self.by_key.entry(o.channel).or_default().insert(o.channel_order_id.clone(), index);
            if o.status.is_open() {
                self.stores[o.store].open.insert(index);
            }
        }
    }

    /// The order submitted under an idempotency key within `window_ms` before `at_ms`, if any:
    /// an older key is forgotten, so it may name a new order.
    pub fn by_key(
        &self,
        channel: Channel,
        channel_order_id: &str,
        at_ms: i64,
        window_ms: i64,
    ) -> Option<usize> {
        self.by_key
            .get(&channel)
            .and_then(|m| m.get(channel_order_id))
            .copied()
            .filter(|&o| at_ms - self.orders[o].accepted_at_ms < window_ms)
    }
}
