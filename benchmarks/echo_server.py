"""A bare grpc.aio server: the ceiling of a Python gRPC service on this machine.

One unary method, `/bench.Echo/Echo`, registered like pyengine's (bytes in, bytes out, no
(de)serializers, the same message-size options) that answers every request with the same
`--response-bytes` bytes at once: what pyengine would cost if the engine, the event log and the
streams took no time at all. `python -m benchmarks.echo_server --listen 127.0.0.1:0` prints
"echo listening on HOST:PORT" once it serves, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

import grpc

from pyengine.service.server import MAX_MESSAGE_BYTES

METHOD = "/bench.Echo/Echo"
READY_PREFIX = "echo listening on "


async def serve(listen: str, response: bytes) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        return response

    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ]
    )
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port(listen)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"{READY_PREFIX}{listen.rsplit(':', 1)[0]}:{port}", flush=True)
    await stop.wait()
    await server.stop(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--response-bytes", type=int, default=600)
    args = parser.parse_args()
    asyncio.run(serve(args.listen, b"\x0a" * args.response_bytes))


if __name__ == "__main__":
    main()
