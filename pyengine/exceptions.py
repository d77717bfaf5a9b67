"""The errors of the engine, declared once in the Rust core and re-exported here.

Every one carries `field` (the offending request or config field, e.g. "order.lines[0].sku") and
`reason`. `pyengine.service.errors` maps them to gRPC status codes.
"""

from pyengine._native import (
    AlreadyExists,
    ConfigError,
    EngineError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ReplayError,
)

__all__ = [
    "AlreadyExists",
    "ConfigError",
    "EngineError",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "ReplayError",
]
