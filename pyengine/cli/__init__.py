"""The `pyengine` command line: one module per subcommand, each with `add_parser` and `run`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType


def _commands() -> list[ModuleType]:
    # Imported lazily so that `pyengine submit` does not pay for the server's imports.
    from pyengine.cli import demo, kds, quote, serve, simulate, submit

    return [serve, demo, kds, submit, quote, simulate]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pyengine",
        description="Peak-rush order orchestration engine for tea, coffee and dessert shops.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _commands():
        module.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 1
