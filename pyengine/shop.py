"""Shop configuration files: TOML for people, JSON for the core.

The core validates the content and names the offending field; this module only reads the file.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pyengine.exceptions import ConfigError

SAMPLE_SHOP = "sample_shop.toml"
SAMPLE_PROMOTIONS = "sample_promotions.toml"


def sample_shop_path() -> Path:
    return Path(str(resources.files("pyengine.data").joinpath(SAMPLE_SHOP)))


def sample_promotions_path() -> Path:
    return Path(str(resources.files("pyengine.data").joinpath(SAMPLE_PROMOTIONS)))


def read(path: Path | None = None) -> Any:
    """The shop file at `path` (TOML, or JSON when it ends in .json; default: the sample shop)
    as plain data, unvalidated (for tools that only need its stores, stations or items)."""
    return _read(path or sample_shop_path(), "shop")


def _read(path: Path, what: str) -> Any:
    try:
        with path.open("rb") as f:
            return tomllib.load(f) if path.suffix != ".json" else json.load(f)
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the {what} file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(str(path), f"not a valid {what} file: {exc}") from None


def load_json(path: Path | None = None) -> str:
    """The shop file at `path` (default: the bundled sample shop) as the JSON the core compiles."""
    data = _read(path or sample_shop_path(), "shop")
    return json.dumps(data, ensure_ascii=False)


def load_promotions(path: Path | None = None) -> list[str]:
    """The promotions of a file (`[[promotions]]` in TOML, or {"promotions": [...]} in JSON;
    default: the sample shop's), one JSON definition each, as PromotionService takes them."""
    path = path or sample_promotions_path()
    data = _read(path, "promotions")
    promotions = data.get("promotions") if isinstance(data, dict) else None
    if not isinstance(promotions, list):
        raise ConfigError("promotions", f"{path}: expected a list of promotions")
    return [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in promotions]


def store_list(store_ids: list[str], shown: int = 8) -> str:
    """Store ids for a start-up banner: all of a few, or the count, the first ones and the last
    of a chain's (a thousand ids are not a line anybody reads)."""
    if len(store_ids) <= shown:
        return ", ".join(store_ids)
    first = ", ".join(store_ids[: shown - 1])
    return f"{len(store_ids)} stores: {first}, ... {store_ids[-1]}"
