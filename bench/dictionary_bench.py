"""`make bench` section for field alignment: suggest accuracy on realistic exports, and speed."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dictionary.align import samples
from dictionary.align.check import check
from dictionary.align.suggest import Suggester
from dictionary.align.tables import read_table

ROWS_PER_EXPORT = 300
BIG_ROWS = 100_000


def accuracy(directory: Path, suggester: Suggester) -> dict[bool, samples.Accuracy]:
    result = {False: samples.Accuracy(), True: samples.Accuracy()}
    for export in samples.EXPORTS:
        mapping = suggester.suggest(read_table(samples.write(export, directory, ROWS_PER_EXPORT)))
        result[export.holdout].add(export, {c.column: c.element for c in mapping.columns})
    return result


def _line(label: str, a: samples.Accuracy) -> str:
    return (
        f"{label}: top-1 {a.top1:.1%} ({a.mapped_right}/{a.mapped_total} columns with an element), "
        f"left unmapped {a.unmapped:.1%} ({a.unmapped_right}/{a.unmapped_total} without one)"
    )


def main() -> None:
    suggester = Suggester()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        tuned = sum(not e.holdout for e in samples.EXPORTS)
        print(
            f"suggest accuracy on {len(samples.EXPORTS)} exports ({tuned} tuned on, "
            f"{len(samples.EXPORTS) - tuned} held out), {ROWS_PER_EXPORT} rows each"
        )
        result = accuracy(directory, suggester)
        print("  " + _line("tuned exports   ", result[False]) + "  [target: >= 95% / >= 90%]")
        print("  " + _line("held-out exports", result[True]))
        for miss in result[False].misses + result[True].misses:
            print(f"    miss: {miss}")
        export = samples.by_name("sap_mchb")
        path = samples.write(export, directory, BIG_ROWS)
        started = time.perf_counter()
        table = read_table(path)
        mapping = suggester.suggest(table)
        suggested = time.perf_counter() - started
        started = time.perf_counter()
        report = check(table, mapping)
        checked = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(
            f"suggest on a {BIG_ROWS:,}-row file ({export.name}, {len(export.columns)} columns, "
            f"{size:.1f} MB): {suggested:.2f} s (read, profile a {2000}-row sample, propose)"
        )
        print(
            f"check on the same file: {checked:.2f} s ({report.rows / checked:,.0f} rows/s, "
            f"{len(report.errors)} problem(s) reported)"
        )


if __name__ == "__main__":
    main()
