"""Fail when the committed generated code under proto/alliance/v1 is stale."""

from __future__ import annotations

import filecmp
import sys
import tempfile
from pathlib import Path

from gen_proto import PROTO_DIR, generate


def main() -> int:
    committed = PROTO_DIR / "alliance" / "v1"
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        fresh = Path(tmp) / "alliance" / "v1"
        names = sorted(p.name for p in fresh.iterdir())
        stale = [
            n
            for n in names
            if not (committed / n).exists()
            or not filecmp.cmp(fresh / n, committed / n, shallow=False)
        ]
        extra = sorted(
            p.name for p in committed.glob("*_pb2*.py*") if not (fresh / p.name).exists()
        )
    if stale or extra:
        print(
            "generated code is stale; run `make proto` and commit:", *stale, *extra, file=sys.stderr
        )
        return 1
    print(f"generated code up to date ({len(names)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
