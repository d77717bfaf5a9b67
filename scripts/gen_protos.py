"""Generates the Python protobuf and gRPC stubs of `protos/pyengine/v1` into `pyengine/v1`.

The stubs are checked in so that clients can read them; `tests/test_generated_stubs.py` regenerates
them into a temporary folder and fails when the checked-in copies drift from the protos.
Usage: python scripts/gen_protos.py [OUTPUT_ROOT]   (default: the repository root)
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"


def generate(out_root: Path) -> list[Path]:
    protos = sorted(PROTO_ROOT.glob("pyengine/v1/*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(p.relative_to(PROTO_ROOT)) for p in protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    package = out_root / "pyengine" / "v1"
    (package / "__init__.py").write_text('"""Generated protobuf stubs: run `make proto`."""\n')
    return sorted(package.glob("*.py*"))


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    for path in generate(out):
        print(path.relative_to(out))
