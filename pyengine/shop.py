"""Shop configuration files: TOML for people, JSON for the core.

The core validates the content and names the offending field; this module only reads the file.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

from pyengine.exceptions import ConfigError

SAMPLE_SHOP = "sample_shop.toml"


def sample_shop_path() -> Path:
    return Path(str(resources.files("pyengine.data").joinpath(SAMPLE_SHOP)))


def load_json(path: Path | None = None) -> str:
    """The shop file at `path` (default: the bundled sample shop) as the JSON the core compiles."""
    path = path or sample_shop_path()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f) if path.suffix != ".json" else json.load(f)
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the shop file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(str(path), f"not a valid shop file: {exc}") from None
    return json.dumps(data, ensure_ascii=False)
