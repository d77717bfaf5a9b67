"""`pyengine submit FILE.json` against a real server: answers, idempotent replays, bad files and
refused orders with the offending field named."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from pyengine.cli import main
from pyengine.serverproc import ServerProcess

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "order.json"


def submit(
    capsys: pytest.CaptureFixture[str], path: Path, target: str, *extra: str
) -> tuple[int, str, str]:
    code = main(["submit", str(path), "--target", target, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_example_order_is_accepted_and_a_replay_answers_the_same(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, first, err = submit(capsys, EXAMPLE, server.target)
    assert (code, err) == (0, "")
    response = json.loads(first)
    assert response["order_id"]
    assert response["pickup_no"]
    assert response["status"] == "ORDER_STATUS_ACCEPTED"
    assert [ln["sku"] for ln in response["quote"]["lines"]] == [
        "classic_milk_tea",
        "fresh_grape_tea",
    ]
    assert int(response["quote"]["total_minor"]) > 0
    code, second, _ = submit(capsys, EXAMPLE, server.target)
    assert code == 0
    assert second == first


def test_unreadable_or_malformed_files_exit_2(
    server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = submit(capsys, tmp_path / "missing.json", server.target)
    assert (code, out) == (2, "")
    assert "cannot read" in err and "missing.json" in err

    broken = tmp_path / "broken.json"
    broken.write_text('{"order": {"store_id": "sh-001",', encoding="utf-8")
    code, _, err = submit(capsys, broken, server.target)
    assert code == 2
    assert "broken.json is not a SubmitOrderRequest" in err

    unknown_field = tmp_path / "unknown_field.json"
    unknown_field.write_text('{"order": {"shop": "sh-001"}}', encoding="utf-8")
    code, _, err = submit(capsys, unknown_field, server.target)
    assert code == 2
    assert "shop" in err

    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = submit(capsys, binary, server.target)
    assert code == 2
    assert "cannot read" in err


def test_unknown_sku_exits_1_naming_the_field(
    server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["order"]["channel_order_id"] = "mp-unknown-sku"
    request["order"]["lines"][1]["sku"] = "taro_latte"
    path = tmp_path / "taro.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    code, out, err = submit(capsys, path, server.target)
    assert (code, out) == (1, "")
    assert "INVALID_ARGUMENT" in err
    assert "order.lines[1].sku" in err
    assert "taro_latte" in err


def test_unreachable_server_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = submit(capsys, EXAMPLE, f"127.0.0.1:{port}", "--timeout", "2")
    assert (code, out) == (1, "")
    assert "UNAVAILABLE" in err or "DEADLINE_EXCEEDED" in err
