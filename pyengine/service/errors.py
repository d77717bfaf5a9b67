"""The one mapping from engine errors to gRPC statuses, with the offending field in the details.

INVALID_ARGUMENT carries a google.rpc.BadRequest (field violations), FAILED_PRECONDITION a
google.rpc.PreconditionFailure, NOT_FOUND a google.rpc.ResourceInfo, so clients can point at the
field without parsing the message. Anything unexpected becomes INTERNAL without its internals.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from pyengine import exceptions as errors
from pyengine.routes import STORE_ADDRESS_HEADER

CODES: dict[type[errors.EngineError], int] = {
    errors.InvalidArgument: code_pb2.INVALID_ARGUMENT,
    errors.NotFound: code_pb2.NOT_FOUND,
    errors.FailedPrecondition: code_pb2.FAILED_PRECONDITION,
    errors.AlreadyExists: code_pb2.ALREADY_EXISTS,
}


def engine_error_status(err: errors.EngineError) -> grpc.Status:
    code = next((c for kind, c in CODES.items() if isinstance(err, kind)), code_pb2.INTERNAL)
    if code == code_pb2.INTERNAL:
        return simple_status(code_pb2.INTERNAL, "internal error")
    message = f"{err.field}: {err.reason}" if err.field else err.reason
    detail: Message
    if code == code_pb2.INVALID_ARGUMENT:
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=err.field, description=err.reason)
            ]
        )
    elif code == code_pb2.FAILED_PRECONDITION:
        detail = error_details_pb2.PreconditionFailure(
            violations=[
                error_details_pb2.PreconditionFailure.Violation(
                    type="STATE", subject=err.field, description=err.reason
                )
            ]
        )
    else:
        detail = error_details_pb2.ResourceInfo(resource_name=err.field, description=err.reason)
    packed = any_pb2.Any()
    packed.Pack(detail)
    status: grpc.Status = rpc_status.to_status(
        status_pb2.Status(code=code, message=message, details=[packed])
    )
    return status


def simple_status(code: int, message: str) -> grpc.Status:
    status: grpc.Status = rpc_status.to_status(status_pb2.Status(code=code, message=message))
    return status


def redirect_status(store_id: str, address: str) -> grpc.Status:
    """FAILED_PRECONDITION for a call about a store that another worker owns: nothing was applied;
    the message and the trailer `pyengine-store-address` name the owner's address."""
    detail = error_details_pb2.PreconditionFailure(
        violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type="WORKER", subject=address, description=f"store '{store_id}' is served there"
            )
        ]
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    message = f"store_id: store '{store_id}' is served by the worker at {address}; send it there"
    status = rpc_status.to_status(
        status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=message, details=[packed])
    )
    redirected: grpc.Status = status._replace(
        trailing_metadata=(*status.trailing_metadata, (STORE_ADDRESS_HEADER, address))
    )
    return redirected
