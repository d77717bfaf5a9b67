"""What the client commands share: the default server address and how a failed RPC reads."""

from __future__ import annotations

import argparse
import sys

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

DEFAULT_TARGET = "127.0.0.1:50051"

# Codes after which a stream is worth reopening: the server restarted, shed load, timed out or
# cut a slow consumer. Anything else (bad request, unknown station, no permission) would fail the
# same way again.
RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
    }
)


def add_target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        default=DEFAULT_TARGET,
        metavar="HOST:PORT",
        help=f"address of the pyengine server (default {DEFAULT_TARGET})",
    )


def status_code(err: grpc.RpcError) -> grpc.StatusCode:
    code = err.code()  # every RpcError raised by a call is also a grpc.Call
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def print_rpc_error(what: str, err: grpc.RpcError) -> None:
    """'error: <what> failed: CODE: message' and the field violations, on stderr."""
    first, *rest = describe_rpc_error(err)
    print(f"error: {what} failed: {first}", file=sys.stderr)
    for line in rest:
        print(line, file=sys.stderr)


def describe_rpc_error(err: grpc.RpcError) -> list[str]:
    """The status code and message, then one line per field violation of a google.rpc.BadRequest
    (and the other standard details) carried in the rich status."""
    details = err.details() or ""
    lines = [f"{status_code(err).name}: {details}"]
    try:
        status = rpc_status.from_call(err)
    except ValueError:  # a rich status that contradicts the plain one: show the plain one
        status = None
    if status is None:
        return lines
    for any_detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        precondition = error_details_pb2.PreconditionFailure()
        error_info = error_details_pb2.ErrorInfo()
        if any_detail.Unpack(bad_request):
            lines += [f"  {v.field}: {v.description}" for v in bad_request.field_violations]
        elif any_detail.Unpack(precondition):
            lines += [f"  {v.subject}: {v.description}" for v in precondition.violations]
        elif any_detail.Unpack(error_info):
            lines.append(f"  {error_info.reason} ({error_info.domain})")
        else:
            lines.append(f"  ({any_detail.TypeName()})")
    return lines
