"""Generated artifacts cannot drift: the checked-in protobuf stubs and the native module's stub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_checked_in_stubs_match_the_protos(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = sorted((tmp_path / "pyengine" / "v1").iterdir())
    assert fresh, "the generator wrote nothing"
    for path in fresh:
        checked_in = ROOT / "pyengine" / "v1" / path.name
        assert checked_in.exists(), f"{path.name} is not checked in: run `make proto`"
        assert checked_in.read_bytes() == path.read_bytes(), f"{path.name} drifted: `make proto`"
    assert {p.name for p in (ROOT / "pyengine" / "v1").glob("*.py*")} == {p.name for p in fresh}


def test_native_stub_matches_the_build() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "pyengine._native"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
