"""The server as an operator sees it: health, reflection, graceful shutdown, bad configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from pyengine.serverproc import ServerProcess
from tests.support import Client, Stream, draft, ticket_stream


def test_health_is_serving(client: Client) -> None:
    health = health_pb2_grpc.HealthStub(client.channel)
    for service in ("", "pyengine.v1.OrderService", "pyengine.v1.KitchenService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_services(client: Client) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (answer,) = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    names = {s.name for s in answer.list_services_response.service}
    assert {
        "pyengine.v1.OrderService",
        "pyengine.v1.KitchenService",
        "pyengine.v1.StoreService",
        "grpc.health.v1.Health",
    } <= names


def test_graceful_shutdown_ends_streams_with_unavailable(server: ServerProcess) -> None:
    client = Client.connect(server.target)
    display = ticket_stream(client, "tea_bar")
    client.submit(draft())
    display.next()
    health = Stream(
        health_pb2_grpc.HealthStub(client.channel).Watch(health_pb2.HealthCheckRequest(service=""))
    )
    assert health.next().status == health_pb2.HealthCheckResponse.SERVING
    process = server.process
    assert server.stop() == 0
    ended = display.end()
    assert getattr(ended, "code", lambda: None)() is not None
    assert ended.code().name == "UNAVAILABLE"  # type: ignore[attr-defined]
    assert any("stopped cleanly" in line for line in server.output)
    assert process is not None and process.returncode == 0
    client.close()


def test_invalid_shop_file_names_the_field(tmp_path: Path) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(
        'currency = "CNY"\n'
        '[[stores]]\nid = "s1"\nname = "x"\n'
        '[[stations]]\nname = "tea_bar"\nslots = 99\n'
        '[[items]]\nsku = "t"\nname = "t"\ncategory = "c"\nprice_minor = 1\nmodifiers = []\n'
        'steps = [{ station = "tea_bar", task = "brew", seconds = 5 }]\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "pyengine", "serve", "--shop", str(shop), "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "stations[0].slots" in result.stderr
