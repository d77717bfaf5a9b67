//! The best deal: an exact branch-and-bound search over combinations, with a node budget and a
//! greedy fallback.
//!
//! **What is searched.** Units of a line are interchangeable, so an assignment is a count per
//! line per claiming (non-stackable item-level) promotion. The search walks the lines in
//! `line_no` order and, within a line, the claiming promotions eligible there (largest
//! per-unit bound first), branching on how many of the line's still unclaimed units each one
//! claims (most first). Once the walk has set a promotion's count on its last line its claim
//! is complete and its exact discount replaces its bound (at the next node whose bound does not
//! cut, so the rest of that line is bounded with it; at the line's close for a walk that skips
//! the promotion's option); a completed claim worth nothing ends the branch (the contract: a
//! promotion that takes nothing off claims no unit). At a leaf every claim is
//! fixed; the promotions without a group are always in S, so only the grouped stackable and
//! order-level promotions are chosen there (see [`leaf`](super::leaf)). Exclusive promotions
//! are searched alone, one search each; the first leaf (no claim) is the first incumbent.
//!
//! **Walk order.** The walk first follows the bounds (loosest claims completed first, largest
//! bound and most units first). Once the incumbent makes the order free (its value is the
//! subtotal, which bounds every completion) only the assignment vector can still win, so the
//! search looks for the smallest free vector ([`Searcher::lex_walk`]: a walk in the vector's
//! own order, lines in canonical order and each line's claims as its part of the vector
//! orders them, then line by line, each line's smaller parts tried with the later lines
//! walked by the bounds): the first free leaves found cut the rest. Only the order changes,
//! never what is covered ([`SearchOrder`]; a proptest checks that the answer does not depend
//! on it).
//!
//! **Bounds.** Each claiming promotion has a per-unit upper bound per line (the sum over any
//! set of its units bounds its discount: exact for percent, amount and tier price; for the
//! other kinds a share that may land on another unit, so never capped by the unit's price); a
//! unit left unclaimed is bounded by the sum of the stackable promotions' bounds. Item and
//! order stage are bounded together ([`OrderBound`]). A node is cut when its bound is below the
//! incumbent's value, or equal to it while its smallest completion's assignment vector (the
//! current claims, every undecided unit unclaimed) is larger than the incumbent's; so every
//! combination that could win a tie-break is seen. Where the order-level promotions make the
//! order free without any claim, the first leaf has the all-zero vector and cuts every claim.
//! A second system of per-unit bounds ([`Joint`]) and a mixed one (each unfinished claim at
//! the smaller of its two, every undecided unit at the larger) bound nodes too, the smallest
//! counts. The walk first cuts against aspiration floors under the root bound (see
//! [`Searcher::search`]). Past [`TAILS_AFTER`] nodes, a node its bound does not cut may still
//! be cut by its claims' tails: each claim spanning lines bounded together with the lines it
//! has still to walk by its best completion ([`tail_bound`](super::tail_bound)).
//!
//! **Ties** are compared explicitly, as the contract orders them: value, smaller assignment
//! vector, the shared combination before an exclusive one, fewer promotions in S, smaller
//! sorted S ids.
//!
//! **Budget.** [`NODE_BUDGET`] counts the search tree's nodes plus the leaves' work in node
//! equivalents (stackable subsets, order-level candidates and choices), so it bounds time. A
//! search that reaches it stops; the answer is
//! then the better of the best combination found so far and the greedy one
//! ([`Searcher::greedy`]) and is marked `exact: false`.

use std::cmp::Ordering;

use super::claim_memo::ClaimMemo;
use super::eval::{CartCx, Choice};
use super::item_bound::{
    claim_bounds, stack_bounds, stackable_unit_bounds, undecided_bounds, walk_order, walk_order_after,
    ClaimBounds, Walk,
};
use super::order_bound::OrderBound;
use super::pattern_bound::JointBounds;
use super::promotion::Rule;
use super::rule::ItemRule;
use super::table::{Ragged, Table};
use super::tail_bound::{TailBounds, TailInput};

/// Work (search nodes and leaf work in node equivalents) one cart may use before the greedy
/// fallback: a few tens of milliseconds at most. On the benchmark's realistic mix (10-line
/// carts, 100 active promotions, `sample.rs`) all of 1,000 carts finish exactly, most in a few
/// hundred nodes. Mixes that exceed it: many non-stackable item promotions competing for every
/// line (`benchmarks/workload.py`: 40 and more claiming promotions, 5 to 15 on a line, half of
/// them category-wide) under many thresholds on the after-items base: which item totals keep
/// which step is a subset-sum question the bounds cannot settle early.
pub const NODE_BUDGET: u64 = 100_000;

/// Nodes of the first pass of a search before the local search (see [`Searcher::search`]).
/// With the aspiration floors the sample mix's carts find their best deal without it (it
/// costs 3 % of the slowest carts' instructions at 2,000 and changes no node count there); the
/// hard `workload.py` mixes need it for the same exact counts at 2,000 or 4,000.
pub const FIRST_PASS: u64 = 4_000;

/// Nodes of the first walk of [`Searcher::lex_walk`] (in the vector's order over every line)
/// before it goes depth by depth.
pub const LEX_FIRST_WALK: u64 = 20_000;

/// The aspiration floors of a search, in thousandths of its root bound below it (see
/// [`Searcher::search`]): 2 %, 4 %, 8 %, 16 %, then none.
pub const ASPIRATION_PERMILLE: [i64; 4] = [20, 40, 80, 160];

/// Nodes a search walks before it bounds claims with their tails
/// ([`tail_bound`](super::tail_bound)): building them, evaluating their completions and
/// asking them at a node cost more than they save on the shorter walks. Measured on the 1,000
/// sample carts (each cart's fastest of three pricings, p99, against 88, 310, 209 and 174 us
/// without tails, promotion seeds 7, 8, 9 and 11): after 300 nodes 94, 222, 147 and 164 us;
/// after 1,000 nodes 89, 232, 164 and 172 us; after 1,500 nodes 89, 239, 177 and 180 us. The
/// benchmark's own set (seed 7) walks 500 to 3,000 nodes on its slowest carts, where tails cut
/// a quarter of the nodes and cost as much as they save.
pub const TAILS_AFTER: u64 = 1000;

/// Nodes a search walks before its tails join two claims whose tails share lines (two combos
/// over the same snacks; see [`tail_bound`](super::tail_bound)). Joined from the start of the
/// tails, they cut more nodes but cost the carts around the p99 more than they save (seed 8's
/// p99 232-238 -> 269-276 us); from here on they only shorten the longest walks (seed 11's
/// slowest cart 2.0 -> 0.6 ms).
pub const PAIRS_AFTER: u64 = 4000;

/// How a search walks and prunes (never what it covers, so never the answer): the nodes of
/// its first pass before the local search, whether a free incumbent switches it to the
/// assignment vector's order (see [`Searcher::search`]) and the nodes of that walk over every
/// line before it goes depth by depth (see [`Searcher::lex_walk`]), whether it also bounds
/// nodes with the joint per-unit bounds of [`pattern_bound`](super::pattern_bound), and
/// whether it first walks with aspiration floors. Tests vary it.
// Independent switches that tests turn on and off one by one, not a state.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOrder {
    pub first_pass: u64,
    pub switch_when_free: bool,
    pub lex_first_walk: u64,
    pub joint_bounds: bool,
    pub aspiration: bool,
    /// Nodes a search walks before it builds its tail bounds (see [`TAILS_AFTER`]), and before
    /// it builds them again with pairs of claims (see [`PAIRS_AFTER`]).
    pub tails_after: u64,
    pub pairs_after: u64,
    /// Whether a node bounded exactly at the incumbent's value rules out the holders a tie
    /// cannot afford (see [`Searcher::tie_may_win`]).
    pub tight_ties: bool,
    /// Whether each claim's count in the joint program's rounded packing is tried first (see
    /// [`Run::prefer`]).
    pub packing_first: bool,
}

impl Default for SearchOrder {
    fn default() -> Self {
        Self {
            first_pass: FIRST_PASS,
            switch_when_free: true,
            lex_first_walk: LEX_FIRST_WALK,
            joint_bounds: true,
            aspiration: true,
            tails_after: TAILS_AFTER,
            pairs_after: PAIRS_AFTER,
            tight_ties: true,
            packing_first: true,
        }
    }
}

/// What pauses a walk (see [`Searcher::pause_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PauseOn {
    Nothing,
    Free,
    Found,
}

/// The incumbent: a combination and its tie-break key.
#[derive(Debug, Clone)]
pub(super) struct Best {
    pub value: i64,
    /// Whether S is an exclusive promotion alone (the shared combination wins ties).
    pub exclusive: bool,
    /// Sorted id ranks of S.
    pub members: Vec<u32>,
    pub vector: Vec<u32>,
    pub choice: Choice,
}

/// One search over a set of candidates (see the module doc).
#[derive(Clone)]
pub(super) struct Run {
    /// Whether this is the search of one exclusive promotion alone.
    pub(super) exclusive: bool,
    /// Per promotion (all of the calculator's): in S whatever is chosen: in the shared search
    /// every candidate without a group, in an exclusive one the promotion itself.
    pub(super) forced: Vec<bool>,
    /// Claiming promotions, stackable ones, order-level ones, each in `(priority, id)` order.
    pub(super) ns: Vec<usize>,
    pub(super) st: Vec<usize>,
    pub(super) ol: Vec<usize>,
    /// The cart's subtotal.
    pub(super) subtotal: i64,
    /// Per order-level promotion: on every line, with its base after the items (its base is
    /// then the total after the items); on every line.
    pub(super) ol_whole: Vec<bool>,
    pub(super) ol_everywhere: Vec<bool>,
    /// Per claiming promotion and line: per-unit bound, exact per-unit discount if additive.
    pub(super) rate: Vec<Vec<i64>>,
    pub(super) additive: Table<Option<i64>>,
    /// Per claiming promotion: a cap of its total, and the bound of its claimed units so far
    /// (non-additive ones; `pending_ub` sums `min(pending, cap)`).
    pub(super) cap: Vec<i64>,
    pub(super) pending: Vec<i64>,
    /// Per claiming promotion and line, the count the walk tries first (`u32::MAX`: none):
    /// the joint program's rounded packing (see
    /// [`JointBounds::packing`](super::pattern_bound::JointBounds::packing)). Only the order.
    pub(super) prefer: Table<u32>,
    /// Claiming promotions bounded by their cap as a whole (until their claim is complete)
    /// rather than per unit: those whose cap is below what their per-unit bounds would add.
    pub(super) whole: Vec<bool>,
    /// Per claiming promotion: whether it is non-additive somewhere (bounded until its claim
    /// is complete).
    pub(super) bounded: Vec<bool>,
    /// In the walk for the smallest free vector (see [`Searcher::lex_walk`]), its depth
    /// (`usize::MAX` outside it): the lines before it keep the incumbent's claims
    /// (`lex_fixed`), its own claims come in the vector's order, the lines after it in the
    /// order of the bounds. `lex_on`: either walk of it is on (one test per node).
    pub(super) lex_depth: usize,
    pub(super) lex_on: bool,
    /// The first walk of [`Searcher::lex_walk`]: every line in canonical order, its claims in
    /// the vector's order.
    pub(super) lex_every: bool,
    pub(super) lex_fixed: Table<u32>,
    /// In the vector's order: the units the rest of the current line's options claim (see
    /// [`Searcher::lex_claims`]).
    pub(super) lex_left: u32,
    /// The lines in the order the search walks them (see [`walk_order`]).
    pub(super) seq: Vec<usize>,
    /// Per line: the claiming promotions (indices into `ns`) that may claim there.
    pub(super) options: Vec<Vec<usize>>,
    /// `options` per line in label order (the order of `ns`): the order of a line's part of
    /// the assignment vector.
    pub(super) by_label: Ragged<usize>,
    /// Per line, its position in `seq` (built with `node_ub`, see [`Run::pack_bounds`]).
    pub(super) walk_at: Vec<usize>,
    /// Per line: the claiming promotions whose last option line (in walk order) it is; per
    /// claiming promotion that line (`usize::MAX` if none, or additive), and whether its claim
    /// is closed (see [`Searcher::close_claim`]).
    pub(super) closing: Vec<Vec<usize>>,
    pub(super) closes_on: Vec<usize>,
    pub(super) is_closed: Vec<bool>,
    /// Per line and option position: the bound of one undecided unit.
    pub(super) unit_ub: Ragged<i64>,
    /// Per line: the bound of one unclaimed unit (stackables); per stackable and line, its own.
    pub(super) st_rate: Vec<i64>,
    /// `st_rate` again where it is what every unclaimed unit gets (see [`exact_stack`]), so a
    /// leaf need not apply the stackables unit by unit.
    pub(super) exact_stack: Option<Vec<i64>>,
    pub(super) st_bounds: Vec<Vec<i64>>,
    /// `suffix[pos]`: bound of every unit of the lines walked from position `pos` on.
    pub(super) suffix: Vec<i64>,
    pub(super) order_bound: OrderBound,
    // State.
    pub(super) counts: Table<u32>,
    pub(super) avail: Vec<u32>,
    /// Per group: (claiming promotion index in `ns`, units claimed).
    pub(super) group_claims: Vec<(usize, u32)>,
    /// The groups (their [`OrderBound::bit`]s) whose order-level members the current claims
    /// exclude: a claiming member of theirs claims.
    pub(super) excluded: u64,
    /// Exact item discounts fixed so far: per line, in all, per claiming promotion.
    pub(super) exact_line: Vec<i64>,
    pub(super) exact_total: i64,
    pub(super) exact_by: Vec<i64>,
    /// Claims completed at a line's close, to undo on the way back; the exact per-line amounts
    /// of those the memo does not hold.
    pub(super) closed: Vec<Closed>,
    pub(super) closed_amounts: Table<i64>,
    /// Bounds of the claimed units of unfinished non-additive promotions, and of the units
    /// decided to stay unclaimed.
    pub(super) pending_ub: i64,
    pub(super) unclaimed_ub: i64,
    /// `pending_ub` with no claim: the caps of the promotions bounded as a whole.
    pub(super) whole_caps: i64,
    /// The second bound system of hard carts (see [`Joint`]).
    pub(super) joint: Option<Joint>,
    /// The claims evaluated so far.
    pub(super) memo: ClaimMemo,
    /// The bound systems' undecided-unit bounds side by side (the first, the joint, the mixed;
    /// the first three times without a joint system), flat: line `l`'s option position `i` at
    /// `node_ub[ub_at[l] + i]`; their suffixes per walk position. Every node reads them, and
    /// one load beats three chains of nested vectors (see [`Run::pack_bounds`]).
    pub(super) ub_at: Vec<usize>,
    pub(super) node_ub: Vec<[i64; 3]>,
    pub(super) node_suffix: Vec<[i64; 3]>,
    /// What [`set_claim`] reads of promotion `k` on line `l`, flat at `k * lines + l` (see
    /// [`ClaimCell`]); built by [`Run::pack_bounds`].
    pub(super) cells: Vec<ClaimCell>,
    /// Per line with a claim that has it as its only option line, the bound of its units by
    /// [`line_total`](super::line_bound::line_total) in each bound system (the order of
    /// `node_ub`): the suffixes take it in place of its units times their per-unit bound.
    pub(super) line_totals: Vec<Option<[i64; 3]>>,
    /// Per walk position, claims spanning lines bounded with the lines they have still to walk
    /// by their best completion (see [`tail_bound`](super::tail_bound)); empty until built.
    pub(super) tails: TailBounds,
    /// The root's item bound by the per-unit bounds alone (`node_suffix[0]` without
    /// `line_totals`): what the aspiration floors are fractions of (see [`Searcher::search`]).
    pub(super) per_unit_root: [i64; 3],
    /// Per claiming promotion: the units it claims on every line together, and its group.
    pub(super) claimed: Vec<u32>,
    pub(super) group_of: Vec<Option<usize>>,
    /// Per group told apart by the order bound (see [`Unclaimed`]).
    pub(super) unclaimed_groups: Vec<Unclaimed>,
}

/// A group with claiming and order-level members, seen from a node where none of its claiming
/// members claims yet: either one will (then its order-level members are out, see
/// [`OrderBound`]) or none will (then the undecided units are bounded without them: these
/// bounds, laid out like `Run::node_ub` and `Run::node_suffix` for the first system). A node
/// is bounded by the larger of the two cases, per such group, and by the smallest of those.
#[derive(Clone)]
pub(super) struct Unclaimed {
    pub(super) bit: u64,
    pub(super) node_ub: Vec<i64>,
    pub(super) suffix: Vec<i64>,
}

/// Promotion `k`'s claim on line `l` as [`set_claim`] sees it: every node of the walk changes a
/// claim, and one load of this beats three chains of nested vectors (`additive`, `rate`, the
/// joint rate).
#[derive(Clone, Copy, Debug)]
pub(super) struct ClaimCell {
    /// The exact per-unit discount where additive, else `None` (see `Run::additive`).
    pub(super) additive: Option<i64>,
    pub(super) rate: i64,
    pub(super) joint_rate: i64,
}

/// A claim completed at a line's close: promotion `k`'s bound before (and in the joint
/// system), its exact discount, and its memo entry (else its amounts are in
/// `Run::closed_amounts`).
#[derive(Clone)]
pub(super) struct Closed {
    k: usize,
    bound: i64,
    exact: i64,
    joint_pending: i64,
    entry: Option<u32>,
}

/// A second system of per-unit bounds, from the linear program of
/// [`pattern_bound`](super::pattern_bound): the instance-based claimers share one bound per
/// unit of each line instead of each charging its own. Kept beside the first with the same
/// bookkeeping (a system is only valid whole: a claim's decided units and its undecided ones
/// must be bounded by the same scheme), and a node is bounded by the smaller of the two.
#[derive(Clone)]
pub(super) struct Joint {
    pub(super) rate: Vec<Vec<i64>>,
    pub(super) unit_ub: Ragged<i64>,
    pub(super) suffix: Vec<i64>,
    pub(super) pending: Vec<i64>,
    pub(super) pending_ub: i64,
    /// The mixed bound: each unfinished claim held at the smaller of its two systems' bounds
    /// (`mixed_pending_ub` sums them), every undecided unit at the larger of the two
    /// (`max_unit_ub`, `max_suffix`). Valid because each system bounds every claim on its own
    /// (see the module doc); tight late in the walk, where the claims decided so far favour
    /// different systems.
    pub(super) mixed_pending_ub: i64,
    pub(super) max_unit_ub: Ragged<i64>,
    pub(super) max_suffix: Vec<i64>,
    /// Per claiming promotion, what it may take beyond its units' rates (its instances times
    /// what the program allows each, see [`JointBounds`](super::pattern_bound::JointBounds)):
    /// held in `pending` from the start until its claim is complete.
    pub(super) extra: Vec<i64>,
    /// No claim is bounded as a whole here (all false, for [`undecided_bounds`]); and
    /// `mixed_pending_ub` with no claim: per claim bounded as a whole in the first system, the
    /// smaller of its cap and its extra.
    pub(super) whole: Vec<bool>,
    pub(super) mixed_root: i64,
    /// Per line, what the claimers that have it as their only line may take together beyond
    /// their rates and extras (the program's line cuts, see
    /// [`JointBounds::line_extra`]): counted in the suffix bound of the lines ahead (as the
    /// smaller of it with their units' bound and their best split, see
    /// [`Run::units_bound`]), and held in `pending_ub` (and `mixed_pending_ub`) while the
    /// walk is on the line (`held_line`): its claimers are complete when the walk leaves it.
    pub(super) line_extra: Vec<i64>,
    pub(super) held_line: i64,
}

impl Joint {
    /// Its bound of the item discount of any completion, at the root.
    fn root_items(&self) -> i64 {
        self.suffix[0] + self.extra.iter().sum::<i64>() + self.line_extra.iter().sum::<i64>()
    }

    /// Holds line `l`'s extra (none: `None`) in place of the one held so far; returns that one.
    fn hold_line(&mut self, l: Option<usize>) -> i64 {
        let was = self.held_line;
        self.set_held_line(l.map_or(0, |l| self.line_extra[l]));
        was
    }

    fn set_held_line(&mut self, extra: i64) {
        self.pending_ub += extra - self.held_line;
        self.mixed_pending_ub += extra - self.held_line;
        self.held_line = extra;
    }

    /// The second system's bounds from its per-unit `rate`s, for the walk order `seq`; its
    /// pending bounds start at the caps of the claims bounded as a whole.
    fn new(
        cx: &CartCx<'_>,
        seq: &[usize],
        b: &ClaimBounds,
        st_rate: &[i64],
        rate: Vec<Vec<i64>>,
        program: JointBounds,
    ) -> Self {
        let JointBounds { extra, line_extra, .. } = program;
        let whole = vec![false; rate.len()];
        let unit_ub = undecided_bounds(&b.options, &rate, &whole, st_rate);
        let suffix = suffix_of(cx, seq, &unit_ub);
        let max_unit_ub = max_of(&unit_ub, &b.unit_ub);
        let max_suffix = suffix_of(cx, seq, &max_unit_ub);
        let mixed_root = (0..rate.len()).filter(|&k| b.whole[k]).map(|k| extra[k].min(b.cap[k])).sum();
        let held_line = seq.first().map_or(0, |&l| line_extra[l]);
        Self {
            pending: extra.clone(),
            rate,
            unit_ub,
            suffix,
            pending_ub: extra.iter().sum::<i64>() + held_line,
            mixed_pending_ub: mixed_root + held_line,
            max_unit_ub,
            max_suffix,
            extra,
            whole,
            mixed_root,
            line_extra,
            held_line,
        }
    }
}

pub struct Searcher<'a> {
    pub(super) cx: &'a CartCx<'a>,
    pub(super) id_rank: &'a [u32],
    pub(super) groups: usize,
    pub(super) best: Best,
    /// How many times the incumbent was replaced.
    pub(super) found: u64,
    pub(super) nodes: u64,
    pub(super) budget: u64,
    pub(super) aborted: bool,
    /// After `pause_at` nodes the walk runs the local search once and goes on (see
    /// [`Searcher::local_search`]); `paused` unwinds it (a free incumbent, see
    /// [`Searcher::search`]).
    pub(super) pause_at: u64,
    /// After `tails_at` nodes the walk builds its tail bounds, after `pairs_at` again with pairs
    /// of claims (see [`SearchOrder::tails_after`]).
    pub(super) tails_at: u64,
    pub(super) pairs_at: u64,
    pub(super) paused: bool,
    /// While above the incumbent's value: the aspiration floor, see [`Searcher::search`].
    pub(super) floor: i64,
    /// What pauses the walk: a free leaf while it walks in bound order (see
    /// [`Searcher::search`]), any new incumbent at a depth of [`Searcher::lex_walk`].
    pub(super) pause_on: PauseOn,
    pub(super) order: SearchOrder,
    /// Scratch buffers for evaluating claims, and of the leaves.
    pub(super) units: Vec<super::rule::Unit>,
    pub(super) out: Vec<i64>,
    pub(super) leaf_rest: Vec<i64>,
    pub(super) leaf_members: Vec<u32>,
    pub(super) leaf_taken: Vec<bool>,
    pub(super) leaf_line: Vec<i64>,
}

/// The best combination of `candidates` (applicable promotions) and whether it is exact;
/// `order` says how it walks (the answer does not depend on it).
pub fn best_choice(
    cx: &CartCx<'_>,
    id_rank: &[u32],
    groups: usize,
    candidates: &[usize],
    budget: u64,
    order: SearchOrder,
) -> (Choice, bool) {
    let units: usize = cx.lines.iter().map(|l| l.quantity as usize).sum();
    // Not a combination: below every value, so the first leaf (no claim) replaces it.
    let none = Best {
        value: -1,
        exclusive: false,
        members: vec![],
        vector: vec![0; units],
        choice: Choice::default(),
    };
    let mut s = Searcher {
        cx,
        id_rank,
        groups,
        best: none,
        found: 0,
        nodes: 0,
        budget,
        aborted: false,
        pause_at: u64::MAX,
        tails_at: u64::MAX,
        pairs_at: u64::MAX,
        paused: false,
        floor: i64::MIN,
        pause_on: PauseOn::Nothing,
        order,
        units: Vec::new(),
        out: Vec::new(),
        leaf_rest: Vec::new(),
        leaf_members: Vec::new(),
        leaf_taken: Vec::new(),
        leaf_line: Vec::new(),
    };
    let (exclusive, shared): (Vec<usize>, Vec<usize>) =
        candidates.iter().partition(|&&p| cx.promotions[p].exclusive);
    s.search(&shared, false);
    for &e in &exclusive {
        if !s.exclusive_may_win(e) {
            continue;
        }
        s.search(&[e], true);
    }
    let exact = !s.aborted;
    if !exact {
        s.budget = s.nodes + NODE_BUDGET / 10;
        s.aborted = false;
        s.greedy(&shared, false);
        for &e in &exclusive {
            s.greedy(&[e], true);
        }
    }
    (s.best.choice, exact)
}

impl Searcher<'_> {
    /// Whether exclusive promotion `e` alone may beat the incumbent: its discount is at most
    /// its value on the undiscounted cart (order-level: exactly that) or its eligible lines'
    /// gross. A tie with a shared incumbent whose assignment vector is all zeros goes to the
    /// shared one (no vector is smaller; then the shared combination comes first). Skipping
    /// saves a search per exclusive promotion that cannot win, which is most of them.
    fn exclusive_may_win(&self, e: usize) -> bool {
        let cx = self.cx;
        let eligible_gross: i64 = super::selector::lines_of(cx.eligible[e]).map(|l| cx.gross[l]).sum();
        let bound = match cx.promotions[e].rule {
            Rule::Order { .. } => cx.raw_order(e, &cx.gross),
            Rule::Item { .. } => cx.item_kind(e).total_bound(cx.item_cx(e), cx.lines, cx.eligible[e]),
        }
        .min(eligible_gross);
        if bound != self.best.value {
            return bound > self.best.value;
        }
        self.best.exclusive || self.best.vector.iter().any(|&x| x != 0)
    }

    /// Counts a node; false once the budget is spent.
    pub(super) fn tick(&mut self) -> bool {
        self.charge(1)
    }

    /// Counts `work` nodes' worth of work (a leaf's order-level choice costs as many nodes as
    /// it has candidates; the fewest covering set their square); false once the budget is
    /// spent.
    pub(super) fn charge(&mut self, work: u64) -> bool {
        self.nodes += work;
        if self.nodes > self.budget {
            self.aborted = true;
        }
        !(self.aborted || self.paused)
    }

    /// The run of one search; `joint` adds the second bound system ([`Joint`]).
    pub(super) fn prepare(&self, candidates: &[usize], exclusive: bool, joint: bool) -> Run {
        let cx = self.cx;
        let n_lines = cx.lines.len();
        let (mut ns, mut st, mut ol) = (Vec::new(), Vec::new(), Vec::new());
        for &p in candidates {
            match cx.promotions[p].rule {
                Rule::Item { stackable: false, .. } => ns.push(p),
                Rule::Item { stackable: true, .. } => st.push(p),
                Rule::Order { .. } => ol.push(p),
            }
        }
        let st_bounds = stackable_unit_bounds(cx, &st);
        let st_rate = stack_bounds(cx, &st, &st_bounds);
        let mut b = claim_bounds(cx, &ns, &st, &ol, &st_rate);
        let joint_rate = if joint { b.joint_rates(cx, &ns, &st_rate) } else { None };
        let seq = walk_order(cx, &b);
        b.closing_first(&last_option_lines(&seq, &b.options, &b.bounded), &st_rate);
        let (closing, closes_on, suffix) = walk_fields(cx, &seq, &b.options, &b.bounded, &b.unit_ub);
        let whole_caps = (0..ns.len()).filter(|&i| b.whole[i]).map(|i| b.cap[i]).fold(0, i64::saturating_add);
        let n_claiming = ns.len();
        let mut prefer = Table::new(ns.len(), n_lines, u32::MAX);
        let joint = joint_rate.map(|(rate, program)| {
            for (k, row) in program.packing.iter().enumerate().filter(|_| self.order.packing_first) {
                prefer[k].copy_from_slice(row);
            }
            Joint::new(cx, &seq, &b, &st_rate, rate, program)
        });
        // The root's item bound (the smaller system's): no completion takes more off the items.
        let max_items = joint.as_ref().map_or(whole_caps.saturating_add(suffix[0]), |j| {
            whole_caps.saturating_add(suffix[0]).min(j.root_items())
        });
        let (ol_everywhere, ol_whole) = order_level_scopes(cx, &ol);
        let mut memo = ClaimMemo::new(cx, &ns);
        let line_totals = super::line_bound::line_totals(cx, &ns, &b, joint.as_ref(), &st_rate, &mut memo);
        let group_of: Vec<Option<usize>> = ns.iter().map(|&p| cx.promotions[p].group).collect();
        let mut forced = vec![false; cx.promotions.len()];
        for &p in candidates {
            forced[p] = exclusive || cx.promotions[p].group.is_none();
        }
        let mut run = Run {
            exclusive,
            exact_stack: exact_stack(cx, &st, &forced, &st_rate),
            forced,
            counts: Table::new(ns.len(), n_lines, 0),
            prefer,
            exact_by: vec![0; ns.len()],
            claimed: vec![0; ns.len()],
            pending: vec![0; ns.len()],
            pending_ub: whole_caps,
            whole: b.whole,
            cap: b.cap,
            order_bound: OrderBound::new(cx, &ol, &group_of, self.groups, max_items),
            subtotal: cx.gross.iter().sum(),
            ns,
            st,
            ol,
            ol_whole,
            ol_everywhere,
            rate: b.rate,
            additive: b.additive,
            bounded: b.bounded,
            lex_depth: usize::MAX,
            lex_on: false,
            lex_every: false,
            lex_fixed: Table::new(0, 0, 0),
            lex_left: 0,
            seq,
            by_label: by_label(&b.options),
            options: b.options,
            walk_at: Vec::new(),
            closing,
            is_closed: vec![false; closes_on.len()],
            closes_on,
            unit_ub: b.unit_ub,
            st_rate,
            st_bounds,
            suffix,
            avail: cx.lines.iter().map(|l| l.quantity as u32).collect(),
            group_claims: vec![(usize::MAX, 0); self.groups],
            excluded: 0,
            exact_line: vec![0; n_lines],
            exact_total: 0,
            closed: Vec::new(),
            closed_amounts: Table::new(n_claiming, n_lines, 0),
            unclaimed_ub: 0,
            whole_caps,
            joint,
            memo,
            ub_at: Vec::new(),
            node_ub: Vec::new(),
            node_suffix: Vec::new(),
            cells: Vec::new(),
            line_totals,
            tails: TailBounds::default(),
            per_unit_root: [0; 3],
            group_of,
            unclaimed_groups: Vec::new(),
        };
        run.pack_bounds(cx);
        run
    }

    fn search(&mut self, candidates: &[usize], exclusive: bool) {
        if self.aborted {
            return;
        }
        let mut run = self.prepare(candidates, exclusive, self.order.joint_bounds);
        // No claim at all first: the smallest assignment vector, so where the order-level
        // promotions alone make the order free, every node with a claim is cut.
        self.leaf(&run);
        if run.options.iter().all(Vec::is_empty) {
            // Nothing to claim: that leaf was the only one.
            return;
        }
        // Aspiration: the walk first cuts every node whose bound is below a floor a little under
        // the root bound (2 % of it), not just those below the incumbent: a best combination
        // that reaches the floor is then found after about the nodes its proof needs anyway,
        // rather than after the walk has been through every subtree it tries before it (on the
        // slowest carts of the benchmark the last incumbent came after 2,000 to 11,000 nodes
        // and its proof needed half of them). A walk that ends with an incumbent at or above
        // its floor was complete: every node it cut was bounded below the final incumbent. One
        // that ends below it proved that nothing reaches the floor, and the next walk tries a
        // floor twice as far down (the memo keeps the claims evaluated); after the last floor,
        // the plain walk.
        //
        // After a first pass of `first_pass` nodes, a local search from the incumbent (on a
        // copy of the run at the root, see [`Searcher::local_search`]) finds a better incumbent
        // and the walk goes on against it. Once the incumbent makes the order free (its value
        // is the subtotal, which bounds every completion), only the assignment vector can still
        // win: the search then looks for the smallest free vector ([`Searcher::lex_walk`]), as
        // soon as a free leaf is found. Every walk covers every claim; only the order changes.
        self.pause_at = self.nodes.saturating_add(self.order.first_pass);
        self.tails_at = self.nodes.saturating_add(self.order.tails_after);
        self.pairs_at = self.nodes.saturating_add(self.order.pairs_after.max(self.order.tails_after));
        self.pause_on = if self.order.switch_when_free { PauseOn::Free } else { PauseOn::Nothing };
        let top = self.root_bound(&run);
        let mut done = false;
        let steps: &[i64] = if self.order.aspiration { &ASPIRATION_PERMILLE } else { &[] };
        for &permille in steps {
            let floor = top - top * permille / 1000;
            if floor <= self.best.value {
                break;
            }
            self.floor = floor;
            self.dfs(&mut run, 0, 0);
            self.floor = i64::MIN;
            if self.aborted || self.paused || self.best.value >= floor {
                done = true;
                break;
            }
        }
        if !done {
            self.dfs(&mut run, 0, 0);
        }
        self.pause_at = u64::MAX;
        self.pause_on = PauseOn::Nothing;
        if self.paused && !self.aborted {
            self.paused = false;
            self.lex_walk(&mut run);
        }
    }

    /// The local searches ([`improve`](Self::improve), [`polish`](Self::polish)) in the middle
    /// of a walk: on a copy of the run reset to the root, sharing its claim memo; the walk then
    /// goes on where it was, cutting against the better incumbent (a restart would walk its
    /// first pass again). Pauses the walk if the incumbent became free (see [`Self::search`]).
    fn local_search(&mut self, run: &mut Run) {
        let memo = std::mem::take(&mut run.memo);
        let mut root = run.clone();
        root.memo = memo;
        root.reset(self.cx);
        let pause_on = std::mem::replace(&mut self.pause_on, PauseOn::Nothing);
        self.improve(&mut root);
        root.reset(self.cx);
        self.polish(&mut root);
        self.pause_on = pause_on;
        run.memo = std::mem::take(&mut root.memo);
        if pause_on == PauseOn::Free && self.best.value == run.subtotal {
            self.paused = true;
        }
    }

    /// The bound of the whole search at its root (no claim decided) by the per-unit bounds
    /// alone: what the aspiration floors are fractions of. (`Run::line_totals` tighten the root
    /// too, but floors under that tighter bound sat above the best deal more often, and a walk
    /// that fails costs its nodes again: see [`line_bound`](super::line_bound).)
    fn root_bound(&self, run: &Run) -> i64 {
        let pending = run.pending_ubs();
        let item_ub =
            (0..3).map(|s| pending[s].saturating_add(run.per_unit_root[s])).min().expect("three systems");
        let bound = run.order_bound.bound(self.cx, run.excluded, 0, item_ub, &run.exact_line);
        match run.seq.first() {
            Some(&l) if !run.options[l].is_empty() => {
                bound.min(self.group_bound(run, 0, l, 0, item_ub, i64::MIN))
            }
            _ => bound,
        }
    }

    /// Whether a node at walk position `pos`, option `i` of line `l`, whose item discounts are
    /// bounded by `item_ub`, may still beat (or tie and out-break) the incumbent, or reach the
    /// aspiration floor; with the cases of [`Unclaimed`] where the plain bound does not cut.
    // Inlined at both its calls: outlined, the walk's every node paid the call (+4 % instructions
    // on the slowest carts, callgrind); so are `bound_may_win` and `dfs`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn may_win_at(&mut self, run: &Run, pos: usize, l: usize, i: usize, item_ub: i64) -> bool {
        let mut bound =
            run.order_bound.bound(self.cx, run.excluded, run.exact_total, item_ub, &run.exact_line);
        let cut_below = self.best.value.max(self.floor);
        if !run.unclaimed_groups.is_empty() && bound >= cut_below {
            bound = bound.min(self.group_bound(run, pos, l, i, item_ub, cut_below));
        }
        if self.floor <= self.best.value && bound == self.best.value && self.order.tight_ties {
            return self.tie_may_win(run, pos, l, i, item_ub);
        }
        self.bound_may_win(run, bound)
    }

    /// At a node bounded exactly at the incumbent's value: whether a completion may tie it
    /// with an assignment vector at most the incumbent's (else the node is cut).
    ///
    /// The plain answer takes the smallest vector below the node to be the current claims with
    /// every undecided unit unclaimed (label 0). But a tie needs a completion worth the node's
    /// whole bound: where the order stage's bound a fen under the node's item bound is below
    /// the incumbent, every tying completion's item discounts reach that item bound. Each bound
    /// system is an upper bound on its own, and it loses at least a unit's bound less its
    /// holder's rate wherever a unit goes, so a holder (or no holder) that loses more than the
    /// system's margin over the item bound is ruled out for every undecided unit: such a unit
    /// then takes at least the smallest label of the holders left.
    ///
    /// On the benchmark's set half of the nodes that pass the bound are such ties (the best
    /// deal is often exactly the root bound, reached by many claims a tie-break tells apart);
    /// with this the searches walk 10-15 % fewer nodes. Only in the first half of the walk:
    /// deeper, the subtrees are small and the check (about a thousand instructions) costs more
    /// than it saves (`engine_rs/README.md`, thirteenth session).
    #[inline(never)]
    fn tie_may_win(&mut self, run: &Run, pos: usize, l: usize, i: usize, item_ub: i64) -> bool {
        let Some(first_below) = self.vector_below_best(run) else { return false };
        if 2 * pos >= run.seq.len() {
            return true;
        }
        let cx = self.cx;
        // A tie needs the whole item bound: the order stage's bound of item discounts up to a
        // fen less is below the incumbent. (Allowing a few fen less where it is not, at a few
        // more calls of the order bound, cut fewer nodes than it cost.)
        if run.order_bound.bound(cx, run.excluded, run.exact_total, item_ub - 1, &run.exact_line)
            >= self.best.value
        {
            return true;
        }
        let pending = run.pending_ubs();
        let fixed = run.exact_total + run.unclaimed_ub;
        let cur = run.node_ub[run.ub_at[l] + i];
        let suffix = run.node_suffix[pos + 1];
        let avail = i64::from(run.avail[l]);
        // Per bound system, how much more than the item bound it allows: what the units may lose.
        let room: [i64; 3] = [0, 1, 2].map(|s| fixed + pending[s] + avail * cur[s] + suffix[s] - item_ub);
        // Lines before the first where the current claims (undecided units at 0) are below the
        // incumbent's part equal it there: an undecided unit held above 0 is then above it.
        // From that line on, each line's smallest part is compared in turn.
        let mut at = 0;
        for (m, line) in cx.lines.iter().enumerate() {
            let q = line.quantity as usize;
            let theirs = &self.best.vector[at..at + q];
            at += q;
            let undecided = if run.walk_at[m] < pos { 0 } else { run.avail[m] };
            // (A line bounded by its best split may leave units unclaimed in it: 0.)
            let least = if undecided == 0 || run.line_totals[m].is_some() {
                0
            } else {
                run.least_label(m, if m == l { i } else { 0 }, room)
            };
            if m < first_below {
                if least > 0 {
                    return false;
                }
                continue;
            }
            match cmp_line_part(run, m, least, undecided, theirs) {
                Ordering::Equal => {}
                order => return order == Ordering::Less,
            }
        }
        true
    }

    /// The bound of the cases of [`Unclaimed`] (`i64::MAX` without such a group); the first
    /// below `cut_below` is enough.
    fn group_bound(&self, run: &Run, pos: usize, l: usize, i: usize, item_ub: i64, cut_below: i64) -> i64 {
        let mut bound = i64::MAX;
        let rest = run.exact_total + run.pending_ubs()[0] + run.unclaimed_ub;
        let avail = i64::from(run.avail[l]);
        let at = run.ub_at[l] + i;
        for u in &run.unclaimed_groups {
            if run.excluded & u.bit != 0 {
                continue;
            }
            let none_claims = item_ub.min(rest + avail * u.node_ub[at] + u.suffix[pos + 1]);
            let one_claims = run.order_bound.bound(
                self.cx,
                run.excluded | u.bit,
                run.exact_total,
                item_ub,
                &run.exact_line,
            );
            let none =
                run.order_bound.bound(self.cx, run.excluded, run.exact_total, none_claims, &run.exact_line);
            bound = bound.min(one_claims.max(none));
            if bound < cut_below {
                break;
            }
        }
        bound
    }

    /// Whether a node bounded by `bound` may still beat (or tie and out-break) the incumbent,
    /// or reach the aspiration floor.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn bound_may_win(&mut self, run: &Run, bound: i64) -> bool {
        if self.floor > self.best.value {
            return bound >= self.floor;
        }
        if bound != self.best.value {
            return bound > self.best.value;
        }
        // Only a tie is possible: it is won first by the smaller assignment vector, and the
        // smallest the subtree can reach is the current claims with every undecided unit
        // unclaimed.
        self.vector_below_best(run).is_some()
    }

    /// Compares the assignment vector of the current claims (undecided units unclaimed) with
    /// the incumbent's: `None` if it is larger, else the first line where it is smaller (the
    /// number of lines if equal).
    fn vector_below_best(&mut self, run: &Run) -> Option<usize> {
        let best = &self.best.vector;
        self.nodes += best.len() as u64 / 16;
        let mut at = 0;
        for (l, line) in self.cx.lines.iter().enumerate() {
            let q = line.quantity as usize;
            match cmp_line_part(run, l, 0, 0, &best[at..at + q]) {
                Ordering::Equal => at += q,
                Ordering::Less => return Some(l),
                Ordering::Greater => return None,
            }
        }
        Some(self.cx.lines.len())
    }

    /// Builds the run's tail bounds, once its walk is long enough (see
    /// [`SearchOrder::tails_after`]).
    #[cold]
    #[inline(never)]
    fn start_tails(&mut self, run: &mut Run) {
        run.tails.pairs = self.nodes >= self.pairs_at;
        self.tails_at = if run.tails.pairs { u64::MAX } else { self.pairs_at };
        run.build_tails(self.cx);
    }

    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn dfs(&mut self, run: &mut Run, pos: usize, i: usize) {
        if !self.tick() {
            return;
        }
        if self.nodes >= self.tails_at {
            self.start_tails(run);
        }
        if self.nodes > self.pause_at {
            self.pause_at = u64::MAX;
            self.local_search(run);
            if self.paused || self.aborted {
                return;
            }
        }
        self.node(run, pos, i);
    }

    /// The node at walk position `pos`, option `i` (see [`Self::dfs`], which counts it).
    fn node(&mut self, run: &mut Run, pos: usize, i: usize) {
        if pos == run.seq.len() {
            self.leaf(run);
            return;
        }
        let l = run.seq[pos];
        if i == run.options[l].len() {
            if pos != run.lex_depth || self.line_below_best(run, l) {
                self.close_line(run, pos);
            }
            return;
        }
        // Each bound system alone, the smallest (see `Run::pack_bounds`).
        let pending = run.pending_ubs();
        let (unit_ub, suffix) = (run.node_ub[run.ub_at[l] + i], run.node_suffix[pos + 1]);
        let avail = i128::from(run.avail[l]);
        // `Run::node_item_ub` written out: called here, the walk's instructions rose 1-2 %
        // (callgrind over the 1,000 sample carts).
        let fixed = i128::from(run.exact_total) + i128::from(run.unclaimed_ub);
        let item_ub = (0..3)
            .map(|s| fixed + i128::from(pending[s]) + avail * i128::from(unit_ub[s]) + i128::from(suffix[s]))
            .min()
            .expect("three systems")
            .min(i128::from(i64::MAX)) as i64;
        if !self.may_win_at(run, pos, l, i, item_ub) {
            return;
        }
        // Where the plain bound does not cut, the tails of this position may (their values are
        // computed the first time a node asks, so only where they can matter).
        if !run.tails.at.get(pos).is_none_or(Vec::is_empty) && self.tails_cut(run, pos, l, i, item_ub) {
            return;
        }
        // Where the previous option's claim is complete (this is its last option line), its
        // exact discount replaces its bound before the node goes on: evaluated only here,
        // where its bound did not cut, and the node is bounded again with it.
        if i > 0 {
            let prev = run.options[l][i - 1];
            // (An unclaimed promotion bounded per unit holds no bound: nothing to close.)
            let holds = run.claimed[prev] > 0 || run.whole[prev] || run.joint_extra(prev) > 0;
            if run.closes_on[prev] == l && !run.is_closed[prev] && holds {
                let mark = run.closed.len();
                if !self.close_claim(run, prev) {
                    self.node(run, pos, i);
                }
                run.reopen_claims(mark);
                return;
            }
        }
        if run.avail[l] == 0 {
            // Every later option of the line can only claim nothing: straight to its close.
            if pos != run.lex_depth || self.line_below_best(run, l) {
                self.close_line(run, pos);
            }
            return;
        }
        if run.lex_on && self.lex_node(run, pos, l, i) {
            return;
        }
        let k = run.options[l][i];
        let group = run.group_of[k];
        let most = if run.blocked(group, k) { 0 } else { run.avail[l] };
        // Most units first, unless a unit is bounded higher unclaimed (stackables): then fewest
        // first. Only the order of the search; every count is tried.
        let fewest_first = run.cell(k, l).rate < run.st_rate[l];
        // The joint program's packing first, where it has one for this claim.
        let first = run.prefer[k][l];
        for n in 0..=most + u32::from(first <= most) {
            let c = match n.checked_sub(u32::from(first <= most)) {
                None => first,
                Some(n) if fewest_first => n,
                Some(n) => most - n,
            };
            if c == first && n > 0 {
                continue;
            }
            // From the previous count straight to the next: the same state as from zero.
            set_claim(run, group, k, l, c);
            self.dfs(run, pos, i + 1);
            if self.aborted || self.paused {
                break;
            }
        }
        set_claim(run, group, k, l, 0);
    }

    /// Whether the tails of position `pos` cut the node at option `i` of line `l`, whose plain
    /// item bound `item_ub` did not.
    #[inline(never)]
    fn tails_cut(&mut self, run: &mut Run, pos: usize, l: usize, i: usize, item_ub: i64) -> bool {
        let tails = self.tail_deltas(run, pos, i);
        let refined = run.node_item_ub(pos, l, i, tails);
        let cut = refined < item_ub && !self.may_win_at(run, pos, l, i, refined);
        run.tails.judge(pos, cut);
        cut
    }

    /// Per bound system, what the tails of position `pos` (option `i`) change in the node's
    /// item bound: each claim's best completion in place of its held bound and its tail's
    /// per-unit bounds (see [`tail_bound`](super::tail_bound)).
    fn tail_deltas(&mut self, run: &mut Run, pos: usize, i: usize) -> [i128; 3] {
        let mut delta = [0i128; 3];
        for j in 0..run.tails.at[pos].len() {
            let t = run.tails.at[pos][j];
            if (i as u32) < t.from_option || run.tails.claims_of(t).iter().any(|&k| run.is_closed[k]) {
                continue;
            }
            let value = run.tails.value(self.cx, &mut run.memo, t, &run.counts);
            let sums = run.tails.sums(t);
            let mut gain = [0, 1, 2].map(|s| value[s].saturating_sub(sums[s]));
            for &k in run.tails.claims_of(t) {
                let held = run.held_systems(k);
                for s in 0..3 {
                    gain[s] = gain[s].saturating_sub(held[s]);
                }
            }
            for s in 0..3 {
                delta[s] += i128::from(gain[s]);
            }
        }
        delta
    }

    /// The smallest free vector, once the incumbent is free (only the vector can still win).
    /// First a walk in the vector's order over every line (lines in canonical order, each
    /// line's claims in the order of its part of the vector, [`Self::lex_line`]): its first free
    /// leaf is the smallest free vector, and it is the faster walk where few claims make the
    /// order free. Past `SearchOrder::lex_first_walk` nodes, line by line: the smallest part
    /// of the vector on each line that a free completion has, given the parts before it. At
    /// depth `d` the lines before `d` keep the incumbent's claims, line `d` tries its parts
    /// smaller than the incumbent's in the vector's order, and the lines after it are walked
    /// in the order of the bounds (the order that cuts soonest); the first free leaf is the new
    /// incumbent and ends the depth. So a depth proves only that no smaller part of its line is
    /// free, with the later lines in the bounds' order: the walk in the vector's order proves
    /// the same with them in canonical order, which took up to millions of nodes on the
    /// benchmark's hard mixes.
    fn lex_walk(&mut self, run: &mut Run) {
        self.lex_walks(run);
        run.lex_on = false;
        run.lex_depth = usize::MAX;
    }

    /// The walks of [`Self::lex_walk`].
    fn lex_walks(&mut self, run: &mut Run) {
        let cx = self.cx;
        // First the walk in the vector's order over every line (its first free leaf is the
        // smallest free vector), for at most `lex_first_walk` nodes: it is the faster one where
        // few claims make the order free.
        run.lex_walk_order(cx, cx.lines.len());
        run.lex_depth = usize::MAX;
        run.lex_every = true;
        let budget = self.budget;
        if self.incumbent_claims(run).is_some() {
            // Else the depths could not keep the incumbent's claims: this walk to the end.
            self.budget = budget.min(self.nodes.saturating_add(self.order.lex_first_walk));
        }
        self.dfs(run, 0, 0);
        self.budget = budget;
        run.lex_every = false;
        if !self.aborted || self.nodes > budget {
            return;
        }
        self.aborted = false;
        // Depth `lines` keeps every line's claims: the incumbent's own leaf once more. Found
        // by a walk that pauses at its first free choice, it may hold a grouped promotion that
        // the tie-break (fewer promotions) drops.
        for depth in 0..=cx.lines.len() {
            // Every incumbent since the first walk is a leaf of this run: its claims are.
            run.lex_fixed = self.incumbent_claims(run).expect("the incumbent's claims are this run's");
            run.lex_walk_order(cx, depth);
            self.pause_on = PauseOn::Found;
            self.dfs(run, 0, 0);
            self.pause_on = PauseOn::Nothing;
            if self.aborted {
                return;
            }
            self.paused = false;
        }
    }

    /// A node of [`Self::lex_walk`] at walk position `pos`, option `i` of line `l`, if it is one
    /// of its own kind (the first walk's, or a depth's line or a line before it): walked here.
    fn lex_node(&mut self, run: &mut Run, pos: usize, l: usize, i: usize) -> bool {
        if run.lex_every {
            let most = run.avail[l];
            self.lex_line(run, pos, i, most);
            return true;
        }
        match pos.cmp(&run.lex_depth) {
            Ordering::Less => {
                // The incumbent's claims.
                let k = run.options[l][i];
                let group = run.group_of[k];
                set_claim(run, group, k, l, run.lex_fixed[k][l]);
                self.dfs(run, pos, i + 1);
                set_claim(run, group, k, l, 0);
                true
            }
            Ordering::Equal => {
                let most = run.avail[l].min(run.lex_fixed.rows().map(|c| c[l]).sum());
                self.lex_line(run, pos, i, most);
                true
            }
            Ordering::Greater => false,
        }
    }

    /// The incumbent's claims as this run's counts (per claiming promotion and line), if its
    /// walk can reproduce them (the depths of [`Self::lex_walk`] keep them): a combination of
    /// this search (not of an earlier one, exclusive or shared) whose every claim is an option
    /// of its line here.
    fn incumbent_claims(&self, run: &Run) -> Option<Table<u32>> {
        if self.best.exclusive != run.exclusive {
            return None;
        }
        let mut counts = Table::new(run.ns.len(), run.avail.len(), 0);
        for (p, claim) in &self.best.choice.claims {
            let k = run.ns.iter().position(|q| q == p)?;
            if claim.iter().enumerate().any(|(l, &c)| c > 0 && !run.options[l].contains(&k)) {
                return None;
            }
            counts[k].copy_from_slice(claim);
        }
        Some(counts)
    }

    /// A line in the vector's order, from option `i`: at its first option every number of
    /// claimed units from the fewest up (the vector's leading zeros) to `most`, for each
    /// number the claims in [`Self::lex_claims`]' order.
    fn lex_line(&mut self, run: &mut Run, pos: usize, i: usize, most: u32) {
        if i > 0 {
            self.lex_claims(run, pos, i);
            return;
        }
        for total in 0..=most {
            run.lex_left = total;
            self.lex_claims(run, pos, i);
            if self.aborted || self.paused {
                break;
            }
        }
        run.lex_left = 0;
    }

    /// Whether the current claims of line `l` come before the incumbent's part of the
    /// assignment vector on that line.
    fn line_below_best(&self, run: &Run, l: usize) -> bool {
        let at: usize = self.cx.lines[..l].iter().map(|line| line.quantity as usize).sum();
        let q = self.cx.lines[l].quantity as usize;
        cmp_line_part(run, l, 0, 0, &self.best.vector[at..at + q]) == Ordering::Less
    }

    /// In the vector's order, option `i` of the line at walk position `pos` and the options
    /// after it claim exactly `run.lex_left` units between them: the option (labels ascend
    /// along the line) takes the most it can first, the last one takes the rest. With the
    /// line's total tried from the fewest up, a line's claims come in the order of its part of
    /// the assignment vector (zeros first, then the labels ascending).
    fn lex_claims(&mut self, run: &mut Run, pos: usize, i: usize) {
        let l = run.seq[pos];
        let k = run.options[l][i];
        let group = run.group_of[k];
        let left = run.lex_left;
        let most = if run.blocked(group, k) { 0 } else { left };
        let least = if i + 1 == run.options[l].len() { left } else { 0 };
        if least > most {
            return;
        }
        for c in (least..=most).rev() {
            set_claim(run, group, k, l, c);
            run.lex_left = left - c;
            self.dfs(run, pos, i + 1);
            run.lex_left = left;
            if self.aborted || self.paused {
                break;
            }
        }
        set_claim(run, group, k, l, 0);
    }

    /// The rest of the line at walk position `pos` stays unclaimed; the claims of the
    /// promotions whose last line this is are complete: their exact discounts replace their
    /// bounds. Then the next line.
    fn close_line(&mut self, run: &mut Run, pos: usize) {
        let l = run.seq[pos];
        let rest = i64::from(run.avail[l]) * run.st_rate[l];
        run.unclaimed_ub += rest;
        let mark = run.closed.len();
        let mut dead = false;
        for idx in 0..run.closing[l].len() {
            let k = run.closing[l][idx];
            // Closed already where the walk set its count on this line (see `dfs`).
            if !run.is_closed[k] {
                dead |= self.close_claim(run, k);
            }
        }
        if !dead {
            let next = run.seq.get(pos + 1).copied();
            let held = run.joint.as_mut().map(|joint| joint.hold_line(next));
            self.dfs(run, pos + 1, 0);
            if let (Some(joint), Some(held)) = (run.joint.as_mut(), held) {
                joint.set_held_line(held);
            }
        }
        run.reopen_claims(mark);
        run.unclaimed_ub -= rest;
    }

    /// Promotion `k`'s claim is complete (the walk is past its last option line, or at it
    /// with its count there set): its exact discount replaces its bound. Whether the claim
    /// takes nothing off (then no completion is allowed: the contract). Undone by
    /// [`Run::reopen_claims`].
    fn close_claim(&mut self, run: &mut Run, k: usize) -> bool {
        let joint_pending = run.joint.as_ref().map_or(0, |joint| joint.pending[k]);
        if run.claimed[k] == 0 {
            // Nothing claimed: what it holds (its cap where bounded as a whole, its extra in
            // the joint system) goes.
            let own_held = held(run, k);
            let joint_held = joint_held(run.cap[k], joint_pending);
            if own_held == 0 && joint_held == 0 {
                return false;
            }
            run.pending_ub -= own_held;
            if let Some(joint) = &mut run.joint {
                joint.pending_ub -= joint_held;
                joint.mixed_pending_ub -= own_held.min(joint_held);
                joint.pending[k] = 0;
            }
            run.is_closed[k] = true;
            run.closed.push(Closed { k, bound: 0, exact: 0, joint_pending, entry: None });
            return false;
        }
        // Closing promotions are non-additive: all their exact amounts are new.
        let (exact, entry) = self.claim(run, k);
        run.add_line_amounts(k, entry, 1);
        let bound = run.pending[k];
        let own_held = held(run, k);
        if let Some(joint) = &mut run.joint {
            joint.mixed_pending_ub -= own_held.min(joint_held(run.cap[k], joint_pending));
        }
        run.pending_ub -= own_held;
        run.pending[k] = 0;
        if let Some(joint) = &mut run.joint {
            joint.pending_ub -= joint_held(run.cap[k], joint_pending);
            joint.pending[k] = 0;
        }
        run.exact_total += exact;
        run.exact_by[k] += exact;
        run.is_closed[k] = true;
        run.closed.push(Closed { k, bound, exact, joint_pending, entry });
        run.exact_by[k] == 0
    }
}

impl Searcher<'_> {
    /// Promotion `k`'s current claim: its exact discount and its memo entry; evaluated (about
    /// a node's work per unit) unless remembered. Without an entry (the claim has no key, or
    /// the memo is full) its line amounts are left in `run.closed_amounts[k]`.
    pub(super) fn claim(&mut self, run: &mut Run, k: usize) -> (i64, Option<u32>) {
        let amounts = &mut run.closed_amounts[k];
        let scratch = (&mut self.units, &mut self.out);
        let (exact, entry, evaluated) =
            run.memo.get_or_evaluate(self.cx, (k, run.ns[k]), &run.counts[k], amounts, scratch);
        if evaluated {
            self.charge(u64::from(run.claimed[k]) / 8);
        }
        (exact, entry)
    }
}

/// What depends on the walk order: per line the non-additive claims it completes (their last
/// option line in walk order), per claim that line, and the bound of the lines from each walk
/// position on.
fn walk_fields(
    cx: &CartCx<'_>,
    seq: &[usize],
    options: &[Vec<usize>],
    bounded: &[bool],
    unit_ub: &Ragged<i64>,
) -> (Vec<Vec<usize>>, Vec<usize>, Vec<i64>) {
    let closes_on = last_option_lines(seq, options, bounded);
    let mut closing: Vec<Vec<usize>> = vec![Vec::new(); cx.lines.len()];
    for (i, &l) in closes_on.iter().enumerate() {
        if l != usize::MAX {
            closing[l].push(i);
        }
    }
    (closing, closes_on, suffix_of(cx, seq, unit_ub))
}

/// Per claiming promotion bounded until its claim is complete (`bounded`), its last option line
/// in walk order; `usize::MAX` for the others.
fn last_option_lines(seq: &[usize], options: &[Vec<usize>], bounded: &[bool]) -> Vec<usize> {
    let mut last = vec![usize::MAX; bounded.len()];
    for &l in seq {
        for &i in &options[l] {
            if bounded[i] {
                last[i] = l;
            }
        }
    }
    last
}

/// The stackables' discount of one unclaimed unit per line (`st_rate`) where it is exact: every
/// stackable is always in S (no group, or the exclusive search's) and takes an exact amount
/// off each unit of its lines (percent, amount, tier price; applied one after the other as
/// [`stack_bounds`] does).
fn exact_stack(cx: &CartCx<'_>, st: &[usize], forced: &[bool], st_rate: &[i64]) -> Option<Vec<i64>> {
    st.iter()
        .all(|&p| {
            forced[p]
                && super::selector::lines_of(cx.eligible[p])
                    .all(|l| cx.item_kind(p).additive(cx.item_cx(p), cx.lines, l).is_some())
        })
        .then(|| st_rate.to_vec())
}

/// Per order-level promotion: whether it is on every line, and whether it is also based after
/// the items (its base is then the total after the items).
fn order_level_scopes(cx: &CartCx<'_>, ol: &[usize]) -> (Vec<bool>, Vec<bool>) {
    let all = super::selector::all_lines(cx.lines.len());
    let everywhere: Vec<bool> = ol.iter().map(|&p| cx.eligible[p] == all).collect();
    let whole = ol
        .iter()
        .zip(&everywhere)
        .map(|(&p, &on_all)| on_all && cx.promotions[p].order_kind().is_some_and(|(_, before)| !before))
        .collect();
    (everywhere, whole)
}

/// Per line and option position, the larger of two systems' undecided-unit bounds.
fn max_of(a: &Ragged<i64>, b: &Ragged<i64>) -> Ragged<i64> {
    let mut max = a.clone();
    for (l, row) in b.rows().enumerate() {
        for (m, &y) in max[l].iter_mut().zip(row) {
            *m = (*m).max(y);
        }
    }
    max
}

/// `suffix[pos]`: the bound of every unit of the lines walked from position `pos` on.
fn suffix_of(cx: &CartCx<'_>, seq: &[usize], unit_ub: &Ragged<i64>) -> Vec<i64> {
    let mut suffix = vec![0; seq.len() + 1];
    for pos in (0..seq.len()).rev() {
        let l = seq[pos];
        suffix[pos] = suffix[pos + 1] + cx.lines[l].quantity * unit_ub[l][0];
    }
    suffix
}

impl Run {
    /// Undoes the claims closed since `closed` held `mark` of them (see
    /// [`Searcher::close_claim`]).
    fn reopen_claims(&mut self, mark: usize) {
        while self.closed.len() > mark {
            let Closed { k, bound, exact, joint_pending, entry } = self.closed.pop().expect("pushed above");
            self.is_closed[k] = false;
            self.exact_by[k] -= exact;
            if exact != 0 || bound != 0 {
                self.add_line_amounts(k, entry, -1);
            }
            self.exact_total -= exact;
            self.pending[k] = bound;
            let own_held = held(self, k);
            self.pending_ub += own_held;
            if let Some(joint) = &mut self.joint {
                joint.pending[k] = joint_pending;
                let joint_held = joint_held(self.cap[k], joint_pending);
                joint.pending_ub += joint_held;
                joint.mixed_pending_ub += own_held.min(joint_held);
            }
        }
    }

    /// Adds `sign` times the line amounts of promotion `k`'s claim (its memo `entry`'s, else
    /// `closed_amounts[k]`, see [`Searcher::claim`]) to `exact_line`.
    pub(super) fn add_line_amounts(&mut self, k: usize, entry: Option<u32>, sign: i64) {
        match entry {
            Some(e) => {
                for &(line, a) in self.memo.amounts(e) {
                    self.exact_line[line] += sign * a;
                }
            }
            None => {
                for (line, a) in self.closed_amounts[k].iter().enumerate() {
                    self.exact_line[line] += sign * a;
                }
            }
        }
    }

    /// Whether claiming promotion `k` (of `group`) may not claim: another of its group does.
    pub(super) fn blocked(&self, group: Option<usize>, k: usize) -> bool {
        group.is_some_and(|g| self.group_claims[g].1 > 0 && self.group_claims[g].0 != k)
    }

    /// What claiming promotion `k` may take beyond its units' rates in the joint system.
    fn joint_extra(&self, k: usize) -> i64 {
        self.joint.as_ref().map_or(0, |joint| joint.extra[k])
    }

    /// Back to no claim at all, as after [`Searcher::prepare`] (the walk order stays).
    pub(super) fn reset(&mut self, cx: &CartCx<'_>) {
        self.counts.fill(0);
        self.claimed.fill(0);
        for (avail, line) in self.avail.iter_mut().zip(cx.lines) {
            *avail = line.quantity as u32;
        }
        self.group_claims.fill((usize::MAX, 0));
        self.excluded = 0;
        self.exact_line.fill(0);
        self.exact_total = 0;
        self.exact_by.fill(0);
        self.pending.fill(0);
        self.pending_ub = self.whole_caps;
        self.unclaimed_ub = 0;
        self.closed.clear();
        self.is_closed.fill(false);
        if let Some(joint) = &mut self.joint {
            joint.pending.copy_from_slice(&joint.extra);
            joint.pending_ub = joint.extra.iter().sum();
            joint.mixed_pending_ub = joint.mixed_root;
            joint.held_line = 0;
            joint.hold_line(self.seq.first().copied());
        }
    }

    /// The smallest label an undecided unit of line `m` (options from `start` on) may take in
    /// a completion whose units lose at most `room` per bound system (0: unclaimed).
    fn least_label(&self, m: usize, start: usize, room: [i64; 3]) -> u32 {
        let ub = self.node_ub[self.ub_at[m] + start];
        let st = self.st_rate[m];
        // The mixed system holds each claim at the smaller of the two and each undecided unit
        // at the larger: a unit given to a holder loses at least the larger of its two rates.
        let fits = |r0: i64, r1: i64| {
            ub[0] - r0 <= room[0] && ub[1] - r1 <= room[1] && ub[2] - r0.max(r1) <= room[2]
        };
        let joint_st = self.joint.as_ref().map_or(st, |j| j.unit_ub[m][self.options[m].len()]);
        if fits(st, joint_st) {
            return 0;
        }
        let mut least = u32::MAX;
        for &k in &self.options[m][start..] {
            let cell = self.cell(k, m);
            let (r0, r1) = match cell.additive {
                Some(a) => (a, a),
                None if self.joint.is_some() => (if self.whole[k] { 0 } else { cell.rate }, cell.joint_rate),
                None if self.whole[k] => (0, 0),
                None => (cell.rate, cell.rate),
            };
            if fits(r0, r1) {
                least = least.min(label(self.ns[k]));
            }
        }
        // No holder fits: stay with 0 (safe).
        if least == u32::MAX {
            0
        } else {
            least
        }
    }

    /// Promotion `k`'s claim cell on line `l`.
    fn cell(&self, k: usize, l: usize) -> ClaimCell {
        self.cells[k * self.avail.len() + l]
    }

    /// The item bound of a node at walk position `pos`, option `i` of line `l`: per bound
    /// system what is fixed, the unfinished claims, the line's undecided units and the lines
    /// after it, plus `extra`; the smallest. Summed in i128 and clamped once: as safe as
    /// saturating each addition, and at every node of the walk that was the largest single
    /// cost of the node.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn node_item_ub(&self, pos: usize, l: usize, i: usize, extra: [i128; 3]) -> i64 {
        let pending = self.pending_ubs();
        let (unit_ub, suffix) = (self.node_ub[self.ub_at[l] + i], self.node_suffix[pos + 1]);
        let avail = i128::from(self.avail[l]);
        let fixed = i128::from(self.exact_total) + i128::from(self.unclaimed_ub);
        (0..3)
            .map(|s| {
                fixed
                    + i128::from(pending[s])
                    + avail * i128::from(unit_ub[s])
                    + i128::from(suffix[s])
                    + extra[s]
            })
            .min()
            .expect("three systems")
            .min(i128::from(i64::MAX)) as i64
    }

    /// Per bound system, what the suffix bound counts for line `l`'s units: its best split
    /// where it has one (`line_totals`), else its units times their per-unit bound.
    fn units_bound(&self, cx: &CartCx<'_>, l: usize) -> [i64; 3] {
        let q = cx.lines[l].quantity;
        let extra = self.joint.as_ref().map_or(0, |joint| joint.line_extra[l]);
        let per_unit = self.node_ub[self.ub_at[l]];
        let units = [q * per_unit[0], q * per_unit[1] + extra, q * per_unit[2] + extra];
        match self.line_totals[l] {
            Some(best_split) => [0, 1, 2].map(|s| best_split[s].min(units[s])),
            None => units,
        }
    }

    /// Unfinished claim `k`'s held bound in each bound system, in the order of `node_ub`.
    fn held_systems(&self, k: usize) -> [i64; 3] {
        let own = held(self, k);
        match &self.joint {
            Some(joint) => {
                let other = joint_held(self.cap[k], joint.pending[k]);
                [own, other, own.min(other)]
            }
            None => [own; 3],
        }
    }

    /// The bound systems' `pending_ub`, in the order of `node_ub`.
    fn pending_ubs(&self) -> [i64; 3] {
        match &self.joint {
            Some(joint) => [self.pending_ub, joint.pending_ub, joint.mixed_pending_ub],
            None => [self.pending_ub; 3],
        }
    }

    /// Packs `unit_ub` and `suffix` of the bound systems into `node_ub` and `node_suffix`, and
    /// builds the bounds of [`Unclaimed`]; call after any of them changes.
    pub(super) fn pack_bounds(&mut self, cx: &CartCx<'_>) {
        self.ub_at.clear();
        self.node_ub.clear();
        for (l, own) in self.unit_ub.rows().enumerate() {
            self.ub_at.push(self.node_ub.len());
            for (i, &ub) in own.iter().enumerate() {
                self.node_ub.push(match &self.joint {
                    Some(joint) => [ub, joint.unit_ub[l][i], joint.max_unit_ub[l][i]],
                    None => [ub; 3],
                });
            }
        }
        let lines = self.avail.len();
        self.walk_at.clear();
        self.walk_at.resize(lines, usize::MAX);
        for (pos, &l) in self.seq.iter().enumerate() {
            self.walk_at[l] = pos;
        }
        self.cells.clear();
        self.cells.reserve(self.ns.len() * lines);
        for k in 0..self.ns.len() {
            for l in 0..lines {
                self.cells.push(ClaimCell {
                    additive: self.additive[k][l],
                    rate: self.rate[k][l],
                    joint_rate: self.joint.as_ref().map_or(0, |joint| joint.rate[k][l]),
                });
            }
        }
        self.node_suffix = (0..self.suffix.len())
            .map(|pos| match &self.joint {
                Some(joint) => [self.suffix[pos], joint.suffix[pos], joint.max_suffix[pos]],
                None => [self.suffix[pos]; 3],
            })
            .collect();
        self.per_unit_root = self.node_suffix[0];
        if let Some(joint) = &self.joint {
            // (The first line's is held in `pending_ub` already.)
            let extra = joint.line_extra.iter().sum::<i64>() - joint.held_line;
            self.per_unit_root[1] += extra;
            self.per_unit_root[2] += extra;
        }
        let line_extra = self.joint.as_ref().is_some_and(|joint| joint.line_extra.iter().any(|&e| e > 0));
        if line_extra || self.line_totals.iter().any(Option::is_some) {
            let mut suffix = [0i64; 3];
            for pos in (0..self.seq.len()).rev() {
                for (s, t) in suffix.iter_mut().zip(self.units_bound(cx, self.seq[pos])) {
                    *s += t;
                }
                self.node_suffix[pos] = suffix;
            }
        }
        self.unclaimed_group_bounds(cx);
        if self.tails.on {
            self.build_tails(cx);
        }
    }

    /// Builds [`Run::tails`] for the current walk order.
    pub(super) fn build_tails(&mut self, cx: &CartCx<'_>) {
        let cells = &self.cells;
        let lines = self.avail.len();
        let whole = &self.whole;
        let joint = self.joint.is_some();
        let per_unit_claim =
            |k: usize| !whole[k] && cells[k * lines..(k + 1) * lines].iter().all(|c| c.additive.is_none());
        let rate = |k: usize, l: usize| {
            let cell = cells[k * lines + l];
            match cell.additive {
                // (Bounded as a whole in the first system only.)
                None if whole[k] && joint => [0, cell.joint_rate, cell.joint_rate],
                _ if whole[k] => [0; 3],
                Some(a) => [a; 3],
                None if joint => [cell.rate, cell.joint_rate, cell.rate.max(cell.joint_rate)],
                None => [cell.rate; 3],
            }
        };
        let line_sum = |l: usize| self.units_bound(cx, l);
        let line_extra = |l: usize| {
            let extra = self.joint.as_ref().map_or(0, |joint| joint.line_extra[l]);
            [0, extra, extra]
        };
        self.tails = TailBounds::build(
            cx,
            &TailInput {
                ns: &self.ns,
                seq: &self.seq,
                options: &self.options,
                per_unit_claim: &per_unit_claim,
                rate: &rate,
                st_rate: &self.st_rate,
                line_sum: &line_sum,
                line_extra: &line_extra,
                pairs: self.tails.pairs,
            },
        );
    }

    /// Depth `depth` of [`Searcher::lex_walk`]: the lines up to it first, in canonical order,
    /// then the rest in the order of the bounds; each line's options by label. Call with no
    /// claim set.
    pub(super) fn lex_walk_order(&mut self, cx: &CartCx<'_>, depth: usize) {
        self.lex_depth = depth;
        self.lex_on = true;
        for opts in &mut self.options {
            opts.sort_unstable();
        }
        self.unit_ub = undecided_bounds(&self.options, &self.rate, &self.whole, &self.st_rate);
        let walk = Walk {
            options: &self.options,
            rate: &self.rate,
            bounded: &self.bounded,
            cap: &self.cap,
            unit_ub: &self.unit_ub,
        };
        self.seq = walk_order_after(cx, &walk, depth + 1);
        let first = self.seq.first().copied();
        if let Some(joint) = &mut self.joint {
            joint.hold_line(first);
        }
        (self.closing, self.closes_on, self.suffix) =
            walk_fields(cx, &self.seq, &self.options, &self.bounded, &self.unit_ub);
        if let Some(joint) = &mut self.joint {
            joint.unit_ub = undecided_bounds(&self.options, &joint.rate, &joint.whole, &self.st_rate);
            joint.suffix = suffix_of(cx, &self.seq, &joint.unit_ub);
            joint.max_unit_ub = max_of(&joint.unit_ub, &self.unit_ub);
            joint.max_suffix = suffix_of(cx, &self.seq, &joint.max_unit_ub);
        }
        self.pack_bounds(cx);
    }

    /// The bounds of [`Unclaimed`] for the current walk order: per group told apart by the
    /// order bound, the undecided-unit bounds with its claiming members' rates at zero.
    fn unclaimed_group_bounds(&mut self, cx: &CartCx<'_>) {
        self.unclaimed_groups.clear();
        let mut seen = 0u64;
        for g in self.group_of.iter().flatten().copied() {
            let bit = self.order_bound.bit(g);
            if bit == 0 || seen & bit != 0 {
                continue;
            }
            seen |= bit;
            let mut rate = self.rate.clone();
            for (k, row) in rate.iter_mut().enumerate() {
                if self.group_of[k] == Some(g) {
                    row.fill(0);
                }
            }
            let unit_ub = undecided_bounds(&self.options, &rate, &self.whole, &self.st_rate);
            let suffix = suffix_of(cx, &self.seq, &unit_ub);
            let node_ub = unit_ub.rows().flat_map(|row| row.iter().copied()).collect();
            self.unclaimed_groups.push(Unclaimed { bit, node_ub, suffix });
        }
    }
}

/// Each line's options in label order.
fn by_label(options: &[Vec<usize>]) -> Ragged<usize> {
    let mut sorted = Ragged::new(options.iter().map(Vec::len), 0);
    for (l, opts) in options.iter().enumerate() {
        sorted[l].copy_from_slice(opts);
        sorted[l].sort_unstable();
    }
    sorted
}

/// Compares line `m`'s part of the assignment vector with `theirs`: the unclaimed units at 0
/// (the first), then the claimed ones by label; with `extra` of the unclaimed ones at label
/// `least` instead (0: the same), the smallest part [`Searcher::tie_may_win`] allows.
fn cmp_line_part(run: &Run, m: usize, least: u32, extra: u32, theirs: &[u32]) -> Ordering {
    let mut next = theirs.iter();
    let mut step = |ours: u32| -> Ordering { ours.cmp(next.next().expect("a label per unit")) };
    for _ in 0..run.avail[m] - extra {
        let order = step(0);
        if order != Ordering::Equal {
            return order;
        }
    }
    let mut extra = extra;
    // The claimed units left to emit: the line's options are many, its claims few.
    let mut claimed = theirs.len() as u32 - run.avail[m];
    for &k in &run.by_label[m] {
        if claimed == 0 {
            break;
        }
        let c = run.counts[k][m];
        if c == 0 {
            continue;
        }
        claimed -= c;
        let own = label(run.ns[k]);
        while extra > 0 && least < own {
            let order = step(least);
            if order != Ordering::Equal {
                return order;
            }
            extra -= 1;
        }
        for _ in 0..c {
            let order = step(own);
            if order != Ordering::Equal {
                return order;
            }
        }
    }
    for _ in 0..extra {
        let order = step(least);
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// A claiming promotion's entry in the assignment vector: its 1-based position among all the
/// calculator's promotions in `(priority, id)` order (the order they are stored in).
pub(super) fn label(p: usize) -> u32 {
    p as u32 + 1
}

/// What an unfinished claim of promotion `k` adds to the bound: its cap if it is bounded as a
/// whole, else its claimed units' bounds (at most its cap).
fn held(run: &Run, k: usize) -> i64 {
    held_in(run.whole[k], run.cap[k], run.pending[k])
}

/// A claim's held bound in the joint system, where none is bounded as a whole.
fn joint_held(cap: i64, pending: i64) -> i64 {
    pending.min(cap)
}

fn held_in(whole: bool, cap: i64, pending: i64) -> i64 {
    if whole {
        cap
    } else {
        pending.min(cap)
    }
}

/// Sets promotion `k`'s claim on line `l` to `c` units, keeping availability, bounds, exact
/// discounts and group ownership in step.
#[inline]
pub(super) fn set_claim(run: &mut Run, group: Option<usize>, k: usize, l: usize, c: u32) {
    let old = run.counts[k][l];
    if old == c {
        return;
    }
    let delta = i64::from(c) - i64::from(old);
    run.counts[k][l] = c;
    run.claimed[k] = run.claimed[k] + c - old;
    run.avail[l] = (i64::from(run.avail[l]) - delta) as u32;
    let cell = run.cell(k, l);
    if let Some(a) = cell.additive {
        run.exact_line[l] += delta * a;
        run.exact_total += delta * a;
        run.exact_by[k] += delta * a;
    } else {
        let before = held(run, k);
        run.pending[k] += delta * cell.rate;
        let after = held(run, k);
        run.pending_ub += after - before;
        if let Some(joint) = &mut run.joint {
            let joint_before = joint_held(run.cap[k], joint.pending[k]);
            joint.pending[k] += delta * cell.joint_rate;
            let joint_after = joint_held(run.cap[k], joint.pending[k]);
            joint.pending_ub += joint_after - joint_before;
            joint.mixed_pending_ub += after.min(joint_after) - before.min(joint_before);
        }
    }
    if let Some(g) = group {
        let claims = &mut run.group_claims[g];
        claims.1 = (i64::from(claims.1) + delta) as u32;
        claims.0 = if claims.1 > 0 { k } else { usize::MAX };
        let bit = run.order_bound.bit(g);
        if claims.1 > 0 {
            run.excluded |= bit;
        } else {
            run.excluded &= !bit;
        }
    }
}
