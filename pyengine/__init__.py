"""pyengine: peak-rush order orchestration for bubble-tea, coffee and dessert shops.

A Rust core (`pyengine._native`) prices and schedules; this package wraps it as a gRPC service with
an SQLite event log, kitchen-display streams and a command line (`pyengine --help`).
"""

__version__ = "0.1.0"
