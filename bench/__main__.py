"""`make bench`: every section prints its figures; one failing section does not hide the rest."""

from __future__ import annotations

import importlib
import sys
import time
import traceback

SECTIONS = [
    ("node", "bench.node_bench"),
    ("audit", "bench.audit_bench"),
    ("optimizer", "optimizer.bench"),
    ("dictionary", "bench.dictionary_bench"),
    ("pool", "bench.pool_bench"),
]


def main(argv: list[str]) -> int:
    wanted = set(argv) or {name for name, _ in SECTIONS}
    # Section names are ours; a section that parses options (optimizer.bench) sees none.
    sys.argv = sys.argv[:1]
    failed = []
    for name, module in SECTIONS:
        if name not in wanted:
            continue
        print(f"\n=== {name} ({module}) ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(module).main()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(name)
        except Exception:  # noqa: BLE001 - report and go on with the next section
            traceback.print_exc()
            failed.append(name)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"\nsections that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
