"""Realistic 1-3 drink orders drawn from a shop file's own items and modifiers.

The mix follows `pyengine.rush` (the demo's generator): milk teas sell best, half the orders are
one drink, at most one ice option a drink. Read from the TOML, not from GetMenu, so that a user can
build its first order before it has made any call.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from pathlib import Path

from pyengine import rush, shop
from pyengine.v1 import common_pb2, orders_pb2

# A delivery platform's zones: orders of one zone whose riders come together go out together.
DELIVERY_ZONES = ("zone-a", "zone-b", "zone-c")


@dataclass(frozen=True)
class Item:
    sku: str
    category: str
    modifiers: tuple[str, ...]
    paid_modifiers: frozenset[str]


@dataclass(frozen=True)
class Menu:
    stores: tuple[str, ...]
    items: tuple[Item, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> Menu:
        data = shop.read(path)
        paid = frozenset(m["code"] for m in data.get("modifiers", []) if m.get("price_minor", 0))
        items = tuple(
            Item(i["sku"], i.get("category", ""), tuple(i.get("modifiers", [])), paid)
            for i in data["items"]
        )
        return cls(tuple(s["id"] for s in data["stores"]), items)

    def lines(self, rng: random.Random) -> list[orders_pb2.OrderLine]:
        """1-3 drinks; two identical cups are one line of quantity 2."""
        weights = [rush.CATEGORY_WEIGHT.get(i.category, 1.0) for i in self.items]
        drinks = rng.choices(
            [n for n, _ in rush.DRINKS_PER_ORDER], [w for _, w in rush.DRINKS_PER_ORDER]
        )[0]
        lines: list[orders_pb2.OrderLine] = []
        for item in rng.choices(self.items, weights, k=drinks):
            modifiers = _modifiers(rng, item)
            same = [ln for ln in lines if ln.sku == item.sku and list(ln.modifiers) == modifiers]
            if same:
                same[0].quantity += 1
            else:
                lines.append(orders_pb2.OrderLine(sku=item.sku, quantity=1, modifiers=modifiers))
        return lines

    def draft(
        self,
        rng: random.Random,
        channel: int,
        now_ms: int,
        store_id: str | None = None,
    ) -> orders_pb2.OrderDraft:
        """An order of `channel` for a random store (or `store_id`); delivery orders carry the
        rider's arrival (12-25 minutes from `now_ms`) and a zone, as the platforms send them."""
        delivery = channel in (common_pb2.CHANNEL_MEITUAN, common_pb2.CHANNEL_ELEME)
        draft = orders_pb2.OrderDraft(
            store_id=store_id or rng.choice(self.stores),
            channel=channel,  # type: ignore[arg-type]
            channel_order_id=f"lt-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}",
            lines=self.lines(rng),
            fulfillment=common_pb2.FULFILLMENT_ASAP,
        )
        if delivery:
            draft.fulfillment = common_pb2.FULFILLMENT_DELIVERY
            rider_s = rng.randint(rush.RIDER_MIN_S, rush.RIDER_MAX_S)
            draft.target_time_ms = now_ms + rider_s * 1000
            draft.delivery_zone = rng.choice(DELIVERY_ZONES)
        return draft


def _modifiers(rng: random.Random, item: Item) -> list[str]:
    chosen: list[str] = []
    for code in item.modifiers:
        if any(code in g and g.intersection(chosen) for g in rush.EXCLUSIVE_GROUPS):
            continue
        if rng.random() < (0.3 if code in item.paid_modifiers else 0.2):
            chosen.append(code)
    return chosen
