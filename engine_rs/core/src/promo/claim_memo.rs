//! Claims the search has evaluated, remembered per cart. A claim (how many units of each line
//! one promotion takes) is complete when the walk passes the promotion's last line, and the
//! same claim completes again under every combination of the other promotions' claims: on the
//! slowest carts of the benchmark a search evaluates a thousand to ten thousand claims of
//! which only 50 to 200 differ. A combo or 买一送一 evaluation sorts units, fills instances and
//! splits each instance's discount; a look-up here replaces it.
//!
//! A claim's key is its counts in mixed radix over the promotion's eligible lines (a line of
//! quantity `q` is a digit of base `q + 1`), so equal claims have equal keys and distinct ones
//! distinct keys. A promotion whose key would not fit in 64 bits is not remembered, and the
//! memo stops growing at [`MAX_AMOUNTS`] stored line amounts (carts of a hundred lines).

use std::hash::{BuildHasherDefault, Hasher};

use indexmap::IndexMap;

use super::eval::CartCx;
use super::rule::Unit;
use super::selector::lines_of;

/// The most line amounts one cart's memo holds (16 bytes each): 8 MiB.
pub const MAX_AMOUNTS: usize = 1 << 19;

/// A promotion with at most this many possible claims keeps them in a table indexed by key (4
/// bytes a claim, allocated at its first claim), others in a hash map: a look-up is then one
/// load, and most promotions of a cart (a combo's few lines, an item discount on one SKU) have
/// small claim spaces.
pub const DENSE_KEYS: u64 = 1 << 10;

/// One promotion's remembered claims: key -> entry.
#[derive(Clone)]
enum Table {
    /// Indexed by key, `u32::MAX` for none; empty until the first claim.
    Dense {
        keys: u64,
        entries: Vec<u32>,
    },
    Sparse(IndexMap<u64, u32, BuildHasherDefault<KeyHasher>>),
}

#[derive(Clone, Default)]
pub(super) struct ClaimMemo {
    /// `(line, weight)` of each eligible line in the key, every claiming promotion's in turn;
    /// per claiming promotion where its digits start and end, or `None` when its key would
    /// not fit in 64 bits.
    digits: Vec<(usize, u64)>,
    digits_of: Vec<Option<(u32, u32)>>,
    /// Per claiming promotion: key -> entry.
    entries: Vec<Table>,
    /// Per entry: the claim's discount, and where its nonzero line amounts start in `amounts`
    /// (they end where the next entry's start).
    exact: Vec<i64>,
    start: Vec<u32>,
    amounts: Vec<(usize, i64)>,
}

impl ClaimMemo {
    /// A memo for the claiming promotions `ns` (indices into the cart's promotions).
    pub(super) fn new(cx: &CartCx<'_>, ns: &[usize]) -> Self {
        let mut digits = Vec::new();
        let (digits_of, entries) = ns
            .iter()
            .map(|&p| {
                let mut weight: u64 = 1;
                let start = digits.len();
                for l in lines_of(cx.eligible[p]) {
                    digits.push((l, weight));
                    let Some(next) = u64::try_from(cx.lines[l].quantity)
                        .ok()
                        .and_then(|q| q.checked_add(1))
                        .and_then(|base| weight.checked_mul(base))
                    else {
                        digits.truncate(start);
                        return (None, Table::Sparse(IndexMap::default()));
                    };
                    weight = next;
                }
                let table = if weight <= DENSE_KEYS {
                    Table::Dense { keys: weight, entries: Vec::new() }
                } else {
                    Table::Sparse(IndexMap::default())
                };
                (Some((start as u32, digits.len() as u32)), table)
            })
            .unzip();
        Self { digits, digits_of, entries, exact: Vec::new(), start: vec![0], amounts: Vec::new() }
    }

    /// The key of claim `counts` of promotion `k`, if it has one.
    pub(super) fn key(&self, k: usize, counts: &[u32]) -> Option<u64> {
        let (start, end) = self.digits_of[k]?;
        Some(
            self.digits[start as usize..end as usize]
                .iter()
                .map(|&(l, weight)| u64::from(counts[l]) * weight)
                .sum(),
        )
    }

    /// The entry of promotion `k`'s claim under `key`, if remembered.
    pub(super) fn get(&self, k: usize, key: u64) -> Option<u32> {
        match &self.entries[k] {
            Table::Dense { entries, .. } => entries.get(key as usize).copied().filter(|&e| e != u32::MAX),
            Table::Sparse(map) => map.get(&key).copied(),
        }
    }

    /// Remembers promotion `k`'s claim under `key` (its discount and line amounts) and
    /// returns its entry; `None` once the memo is full.
    pub(super) fn put(&mut self, k: usize, key: u64, exact: i64, per_line: &[i64]) -> Option<u32> {
        if self.amounts.len() + per_line.len() > MAX_AMOUNTS {
            return None;
        }
        let entry = self.exact.len() as u32;
        self.exact.push(exact);
        self.amounts.extend(per_line.iter().enumerate().filter(|(_, &a)| a != 0).map(|(l, &a)| (l, a)));
        self.start.push(self.amounts.len() as u32);
        match &mut self.entries[k] {
            Table::Dense { keys, entries } => {
                if entries.is_empty() {
                    *entries = vec![u32::MAX; *keys as usize];
                }
                entries[key as usize] = entry;
            }
            Table::Sparse(map) => {
                map.insert(key, entry);
            }
        }
        Some(entry)
    }

    /// An entry's discount.
    pub(super) fn exact(&self, entry: u32) -> i64 {
        self.exact[entry as usize]
    }

    /// An entry's nonzero line amounts.
    pub(super) fn amounts(&self, entry: u32) -> &[(usize, i64)] {
        let e = entry as usize;
        &self.amounts[self.start[e] as usize..self.start[e + 1] as usize]
    }

    /// Claiming promotion `k`'s (promotion `p`'s) claim of `counts` units per line: its exact
    /// discount, its entry (none without a key or when the memo is full), and whether it was
    /// evaluated now rather than remembered; evaluated, its per-line amounts are left in
    /// `amounts` (zeroed first). `units` and `out` are scratch for the evaluation.
    pub(super) fn get_or_evaluate(
        &mut self,
        cx: &CartCx<'_>,
        (k, p): (usize, usize),
        counts: &[u32],
        amounts: &mut [i64],
        (units, out): (&mut Vec<Unit>, &mut Vec<i64>),
    ) -> (i64, Option<u32>, bool) {
        let key = self.key(k, counts);
        if let Some(entry) = key.and_then(|key| self.get(k, key)) {
            return (self.exact(entry), Some(entry), false);
        }
        amounts.fill(0);
        let exact = cx.claimed_with(p, counts, amounts, units, out);
        let entry = key.and_then(|key| self.put(k, key, exact, amounts));
        (exact, entry, true)
    }
}

/// Fibonacci hashing of the one `u64` a key is: keys are small mixed-radix numbers, and
/// SipHash's resistance to chosen keys buys nothing here.
#[derive(Default, Clone)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
