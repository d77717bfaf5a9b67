"""`pyengine quote FILE.json`: price a cart with a shop's promotions, locally, and print the
answer as JSON: every applied promotion with its explanation, the ones not applied and why, and
the near misses. How a manager tests a campaign before it goes live; nothing is stored."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from google.protobuf import json_format

from pyengine import _native, shop
from pyengine.exceptions import EngineError
from pyengine.runtime import wall_ms
from pyengine.v1 import promotions_pb2


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "quote", help="price a cart with the promotions and explain it (local, nothing stored)"
    )
    parser.add_argument("file", type=Path, help='{"order": {...}}: an order in protobuf JSON')
    parser.add_argument("--shop", type=Path, default=None, help="shop TOML (default: sample)")
    parser.add_argument(
        "--promotions", type=Path, default=None, help="promotions TOML/JSON (default: sample)"
    )
    parser.add_argument(
        "--at",
        type=datetime.fromisoformat,
        default=None,
        metavar="ISO-TIME",
        help="price as at this moment, e.g. 2026-07-01T15:00+08:00 (default: now)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
        request = json_format.Parse(text, promotions_pb2.DryRunRequest())
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except json_format.ParseError as exc:
        print(f"error: {args.file} is not a DryRunRequest in JSON: {exc}", file=sys.stderr)
        return 2
    now_ms = int(args.at.timestamp() * 1000) if args.at else wall_ms()
    try:
        engine = _native.Engine(shop.load_json(args.shop))
        for definition in shop.load_promotions(args.promotions):
            put = promotions_pb2.PutPromotionRequest(definition_json=definition)
            engine.put_promotion(put.SerializeToString(), now_ms)
        answer = engine.dry_run(request.SerializeToString(), now_ms)
    except EngineError as exc:
        print(f"error: {exc.field}: {exc.reason}", file=sys.stderr)
        return 1
    breakdown = promotions_pb2.PriceBreakdown.FromString(answer)
    print(
        json_format.MessageToJson(
            breakdown,
            preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0
