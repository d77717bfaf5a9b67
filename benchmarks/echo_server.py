"""A bare grpc.aio server: the ceiling of a Python gRPC service on this machine.

One unary method, `/bench.Echo/Echo`, registered like pyengine's (bytes in, bytes out, no
(de)serializers, the same message-size options) that answers every request with the same
`--response-bytes` bytes at once: what pyengine would cost if the engine, the event log and the
streams took no time at all. A server-streaming method, `/bench.Echo/Stream`, is the same for
the kitchen-display stream: it takes a StreamTicketsRequest and answers `after_seq` messages at
once, TicketEvents with seq 1, 2, ... padded to `--stream-bytes` (built once, then reused).
`python -m benchmarks.echo_server --listen 127.0.0.1:0` prints "echo listening on HOST:PORT"
once it serves, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import AsyncIterator
from typing import Any

import grpc

from pyengine.service.server import MAX_MESSAGE_BYTES
from pyengine.v1 import kitchen_pb2

METHOD = "/bench.Echo/Echo"
STREAM_METHOD = "/bench.Echo/Stream"
READY_PREFIX = "echo listening on "


async def serve(listen: str, response: bytes, stream_bytes: int = 200) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        return response

    events: list[bytes] = [b""]

    def event(seq: int) -> bytes:
        while len(events) <= seq:
            message = kitchen_pb2.TicketEvent(seq=len(events), kind=1)
            pad = max(0, stream_bytes - message.ByteSize() - 2)
            message.ticket.ticket_id = "x" * pad
            events.append(message.SerializeToString())
        return events[seq]

    async def stream(
        request: bytes, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[bytes]:
        count = kitchen_pb2.StreamTicketsRequest.FromString(request).after_seq
        for seq in range(1, count + 1):
            yield event(seq)

    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ]
    )
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(echo),
            "Stream": grpc.unary_stream_rpc_method_handler(stream),
        },
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
    parser.add_argument("--stream-bytes", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(serve(args.listen, b"\x0a" * args.response_bytes, args.stream_bytes))


if __name__ == "__main__":
    main()
