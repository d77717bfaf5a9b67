"""`pyengine submit FILE.json`: submits one order, written as a SubmitOrderRequest in the protobuf
JSON mapping, and prints the answer as JSON.

Exit codes: 0 submitted (or an idempotent replay of an earlier submission), 1 the server refused it
or could not be reached (code, message and field violations on stderr), 2 the file could not be
read or is not a SubmitOrderRequest.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc
from google.protobuf import json_format

from pyengine.cli._rpc import add_target_argument, print_rpc_error
from pyengine.routes import StoreRoutes, redirect_address
from pyengine.v1 import orders_pb2, orders_pb2_grpc

EXIT_REFUSED = 1
EXIT_BAD_FILE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "submit",
        help="submit one order from a JSON file (SubmitOrderRequest, protobuf JSON mapping)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE.json", help="the SubmitOrderRequest")
    add_target_argument(parser)
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="deadline in seconds (default 10)"
    )
    parser.set_defaults(run=run)


def read_request(path: Path) -> orders_pb2.SubmitOrderRequest:
    """Raises OSError/UnicodeDecodeError for an unreadable file, json_format.ParseError for one
    that is not a SubmitOrderRequest (bad JSON, unknown field, wrong type, unknown enum name)."""
    text = path.read_text(encoding="utf-8")
    return json_format.Parse(text, orders_pb2.SubmitOrderRequest())


def _submit(
    target: str, request: orders_pb2.SubmitOrderRequest, timeout_s: float
) -> orders_pb2.SubmitOrderResponse:
    """Submits at `target`; once more at the owner's address if that worker does not own the
    store (it refused without applying anything, so the second call is the only one)."""
    for _ in range(2):
        with grpc.insecure_channel(target) as channel:
            stub = orders_pb2_grpc.OrderServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                response: orders_pb2.SubmitOrderResponse = stub.SubmitOrder(
                    request, timeout=timeout_s
                )
                return response
            except grpc.RpcError as err:
                owner = redirect_address(err, via=target)
                if owner is None or owner == target:
                    raise
                target = owner
    raise AssertionError("unreachable: the second answer returns or raises")


def run(args: argparse.Namespace) -> int:
    try:
        request = read_request(args.file)
    except (OSError, UnicodeDecodeError) as err:
        print(f"error: cannot read {args.file}: {err}", file=sys.stderr)
        return EXIT_BAD_FILE
    except json_format.ParseError as err:
        print(f"error: {args.file} is not a SubmitOrderRequest: {err}", file=sys.stderr)
        return EXIT_BAD_FILE
    try:
        # The store's worker when the server runs several (`serve --workers N`).
        target = StoreRoutes.fetch(args.target, args.timeout).of_store(request.order.store_id)
        response = _submit(target, request, args.timeout)
    except grpc.RpcError as err:
        print_rpc_error(f"SubmitOrder to {args.target}", err)
        return EXIT_REFUSED
    print(
        json_format.MessageToJson(
            response,
            preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
            ensure_ascii=False,
        )
    )
    return 0
