"""The Rust core of pyengine, compiled by maturin from `engine_rs/python` (PyO3).

The boundary is bytes: requests arrive as the serialized protobuf messages of `protos/pyengine/v1`
(exactly what the gRPC transport received), answers leave as serialized protobuf messages, and every
state change leaves as an event record (msgpack) that the caller must make durable before it
answers. Python never decodes protobuf on the hot path.

The engine is a deterministic state machine: time is an argument (`now_ms`), nothing inside reads a
clock, and applying the same records in the same order rebuilds the same state (`state_hash`).

Method calls are not thread-safe; the service calls them from its one event-loop thread.
"""

from typing import final

class EngineError(Exception):
    """Base of every error the core raises. `args == (field, reason)`."""

    @property
    def field(self) -> str:
        """Path of the offending request or config field, e.g. "order.lines[2].sku"; "" if none."""

    @property
    def reason(self) -> str:
        """Human-readable reason, e.g. "unknown SKU 'taro_latte'"."""

class InvalidArgument(EngineError):
    """The request is malformed: unknown store/SKU/modifier/station, bad quantity, empty order,
    missing channel order id, too many lines, undecodable bytes. Nothing was changed."""

class NotFound(EngineError):
    """The order or ticket does not exist."""

class FailedPrecondition(EngineError):
    """Valid request the current state refuses: a sold-out item (field names the line), a ticket in
    the wrong state for the action, cancelling a READY or CANCELLED order, a closed station."""

class AlreadyExists(EngineError):
    """The idempotency key (channel, channel_order_id) was used before for a different order."""

class ConfigError(EngineError):
    """The shop configuration is invalid; `field` names it, e.g. "stations[2].slots"."""

class ReplayError(EngineError):
    """A logged record cannot be applied: undecodable, out of sequence, or it names a store or
    station the current shop configuration no longer has."""

@final
class Outcome:
    """What one state-changing call did. The caller persists `events` (in order, in one transaction
    with the projections), waits until log position `lsn` is durable, publishes the updates to the
    streams, and only then answers with `response`."""

    @property
    def response(self) -> bytes:
        """Serialized answer message (e.g. SubmitOrderResponse, Order, Ticket, Menu, Station)."""

    @property
    def lsn(self) -> int:
        """Log position that must be durable before answering. For an idempotent replay, the lsn of
        the original submission's event; 0 when the call changed nothing."""

    @property
    def replayed(self) -> bool:
        """True when SubmitOrder was an idempotent replay: `events` is empty, `response` is the
        first answer byte for byte (or empty, see `receipt_lsn`)."""

    @property
    def receipt_lsn(self) -> int:
        """Non-zero for an idempotent replay of an order no longer in memory: `response` is empty
        and the answer is `logged_receipt` of the event log's record at this lsn."""

    @property
    def key_lookup(self) -> tuple[int, str] | None:
        """Set by `submit_order` when the draft's idempotency key (channel, channel_order_id) is
        not in memory but may be in the event store (`set_order_retention(..., keys_to_log=True)`):
        nothing was decided; look the key up and call `submit_order_with_logged_key`."""

    @property
    def logged_keys(self) -> list[tuple[int, str, str, str, int, int]]:
        """Idempotency keys that left memory with their evicted orders: (channel,
        channel_order_id, order_id, fingerprint, accepted_at_ms, lsn). The event store keeps them
        from these records on (written in the same transaction)."""

    @property
    def keys_forgotten_before_ms(self) -> int:
        """Non-zero: keys accepted before this time are past the idempotency window; the event
        store may drop them."""

    @property
    def events(self) -> list[tuple[int, str, int, bytes]]:
        """New log records, in lsn order: (lsn, kind, at_ms, msgpack record). `kind` is a short
        name for operators ("order_submitted", "ticket_bumped", ...)."""

    @property
    def ticket_events(self) -> list[tuple[str, str, int, bytes]]:
        """(store_id, station, seq, serialized TicketEvent), seq per (store, station) from 1 with no
        gaps, in the order they happened."""

    @property
    def order_updates(self) -> list[tuple[str, int, bytes]]:
        """(order_id, version, serialized Order) for every order whose state this call changed
        (status, tickets); at most one entry per order, the latest. `version` grows by one per
        change. ETA drift of other orders is not a state change: the service reads it from
        `get_order`."""

@final
class Engine:
    def __init__(self, shop_json: str) -> None:
        """Compiles a shop configuration (the JSON form of a shop TOML file, see
        pyengine/data/sample_shop.toml) into an engine with empty state. Raises ConfigError."""

    @property
    def last_lsn(self) -> int:
        """Position of the last applied record (0 for a new engine)."""

    @property
    def orders_in_memory(self) -> int:
        """Orders the core holds: the open ones and the finished ones not yet evicted."""

    def set_order_retention(self, seconds: float | None, keys_to_log: bool = False) -> None:
        """How long a READY or CANCELLED order stays in memory after it finished; then `tick`
        records an `orders_evicted` event dropping it (in batches of at least an eighth of the
        orders in memory). None (the default) keeps every order. Not part of the state: a log
        replays the same whatever this is. Raises InvalidArgument (field "order_retention_s")
        outside 60 s .. 30 days. `keys_to_log`: the evicted orders' idempotency keys leave memory
        too, for the event store to keep (see `Outcome.logged_keys`, `Outcome.key_lookup`)."""

    def store_ids(self) -> list[str]: ...
    def stations(self, store_id: str) -> list[str]:
        """Station names of the store in kitchen order; InvalidArgument for an unknown store."""

    def quote_order(self, request: bytes, now_ms: int) -> bytes:
        """QuoteOrderRequest -> QuoteOrderResponse. Changes nothing."""

    def submit_order(self, request: bytes, now_ms: int) -> Outcome:
        """SubmitOrderRequest -> Outcome(response=SubmitOrderResponse), or an Outcome with
        `key_lookup` set and nothing decided (see there)."""

    def submit_order_with_logged_key(
        self, request: bytes, now_ms: int, logged: tuple[str, str, int, int] | None
    ) -> Outcome:
        """`submit_order` after `key_lookup`, with the event store's entry for the key
        (order_id, fingerprint, accepted_at_ms, lsn) or None: a duplicate within the window is
        answered from it (`receipt_lsn`), a different draft refused, else the order admitted."""

    def get_order(self, request: bytes, now_ms: int) -> bytes:
        """GetOrderRequest -> Order, with `eta_ms` projected from the plan as of now_ms."""

    def cancel_order(self, request: bytes, now_ms: int) -> Outcome:
        """CancelOrderRequest -> Outcome(response=Order)."""

    def update_target(self, request: bytes, now_ms: int) -> Outcome:
        """UpdateTargetRequest -> Outcome(response=Order). A new rider arrival or pickup time for
        an open PICKUP_AT / DELIVERY order; FailedPrecondition for an ASAP or closed order,
        InvalidArgument (field "target_time_ms") for a time out of range."""

    def start_ticket(self, request: bytes, now_ms: int) -> Outcome:
        """TicketActionRequest -> Outcome(response=Ticket)."""

    def bump_ticket(self, request: bytes, now_ms: int) -> Outcome:
        """TicketActionRequest -> Outcome(response=Ticket)."""

    def recall_ticket(self, request: bytes, now_ms: int) -> Outcome:
        """TicketActionRequest -> Outcome(response=Ticket)."""

    def get_station_board(self, request: bytes, now_ms: int) -> bytes:
        """GetStationBoardRequest -> StationBoard."""

    def get_menu(self, request: bytes) -> bytes:
        """GetMenuRequest -> Menu."""

    def set_availability(self, request: bytes, now_ms: int) -> Outcome:
        """SetAvailabilityRequest -> Outcome(response=Menu)."""

    def set_staffing(self, request: bytes, now_ms: int) -> Outcome:
        """SetStaffingRequest -> Outcome(response=Station)."""

    def load(self, store_id: str, now_ms: int) -> bytes:
        """The store's LoadUpdate as of now_ms: the recorded level, its reason and actions, and
        the measures (orders in the kitchen, backlog) from the plan. Raises InvalidArgument
        (field "store_id") for an unknown store."""

    def tick(self, now_ms: int, first: int = 0, count: int = ...) -> Outcome:
        """The clock moved: re-judges the load of every store (or of the `count` stores from
        index `first`, in the shop's order: a server spreads one tick over several calls) and
        records each level move as a `load_changed` event, then (with an order retention set)
        evicts the finished orders past it as one `orders_evicted` event (lsn 0 and no events
        when nothing happened). The response is the LoadUpdate of the first store that moved (or
        of the first store)."""

    def put_promotion(self, request: bytes, now_ms: int) -> Outcome:
        """PutPromotionRequest -> Outcome(response=Promotion). Defines a promotion or replaces
        its definition; InvalidArgument naming the definition's field (`tiers[0].amount_minor`)."""

    def set_promotion_enabled(self, request: bytes, now_ms: int) -> Outcome:
        """SetPromotionEnabledRequest -> Outcome(response=Promotion); NotFound for an unknown id."""

    def list_promotions(self, request: bytes) -> bytes:
        """ListPromotionsRequest -> ListPromotionsResponse, in the order they were defined."""

    def dry_run(self, request: bytes, now_ms: int) -> bytes:
        """DryRunRequest -> PriceBreakdown: the quote plus why each other promotion did not
        apply. Changes nothing."""

    def apply(self, record: bytes) -> Outcome:
        """Replays one logged record (its lsn must be last_lsn + 1) and returns the same effects
        the original call produced. Raises ReplayError."""

    def snapshot(self) -> bytes:
        """The whole state as msgpack; `restore` on an engine of the same shop, then `apply` the
        records after `last_lsn`, rebuilds this engine."""

    def restore(self, snapshot: bytes) -> None:
        """Replaces the state with a snapshot. Raises ReplayError (field "snapshot") for bytes
        that are not a snapshot of this shop's engine; then nothing changes."""

    def state_hash(self) -> str:
        """Hex digest of the whole state; equal after a live run and after replaying its log."""

    def copy_state(self) -> StateCopy:
        """A copy of the state as it is now, encoded later (on a thread: the GIL is released)."""

@final
class StateCopy:
    def encode(self) -> tuple[str, bytes]:
        """(state_hash, snapshot) of the state when it was copied."""

@final
class PriceCalculator:
    """A shop's promotions compiled once; prices carts with the best deal (docs/promotions.md).

    Thread-safe: `price` only reads the compiled promotions and releases the GIL while it searches.
    """

    def __init__(self, shop_json: str, promotions_json: str) -> None:
        """Compiles the shop's pricing settings (`{"utc_offset_minutes": 480, "points": {...}}`)
        and the promotions (a JSON list). Raises ConfigError naming the field, e.g.
        "promotions[3].tiers[0].amount_minor" or "shop.points.per_block"."""

    def price(self, cart_json: str) -> str:
        """Prices one cart (`{"lines": [...], "context": {...}}`) and returns the answer JSON:
        lines, totals, applied and not applied promotions with reasons, near misses, `exact`. Raises
        InvalidArgument naming the field for a bad cart, e.g. "cart.lines[0].quantity"."""

def simulate(shop_json: str, params_json: str) -> str:
    """Runs the seeded rush simulator (docs/scheduler.md, "Simulator") on a shop (its JSON; ignored
    by scenario "mpe2022") and returns the report as one JSON object. `params_json` is an object
    with optional seed, minutes, peak_rate, base_rate, delivery_share, cv, slowdown, policy
    ("engine" | "fifo"), scenario ("rush" | "mpe2022"), staffing ("auto" | "shop"), store_id.
    Deterministic: the same arguments give the same string. Raises InvalidArgument naming a bad
    parameter, ConfigError for a bad shop."""

def logged_receipt(record: bytes) -> bytes:
    """The SubmitOrderResponse of a logged `order_submitted` record, byte for byte the answer the
    submission got (for duplicates of orders no longer in memory). Raises ReplayError for an
    undecodable record, InvalidArgument (field "record") for another kind of record."""

def boundary_probe(request: bytes) -> bytes:
    """The binding's cost around the core, for the benchmarks: decodes a SubmitOrderRequest and
    converts its draft as `Engine.submit_order` does (GIL released), then encodes it back; no
    core work. Raises InvalidArgument for a bad request, as submit_order would."""
