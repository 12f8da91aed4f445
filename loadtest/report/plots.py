"""The report's PNG plots (matplotlib, no display): throughput, latency percentiles and errors
over time per operation, with the fault windows shaded."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from loadtest.report.analysis import FLOW, Analysis  # noqa: E402
from loadtest.report.classify import OK  # noqa: E402
from loadtest.report.series import buckets  # noqa: E402

MAX_KINDS = 8


def bucket_s(analysis: Analysis) -> float:
    return 2.0 if analysis.records.load_s <= 90 else 10.0


def write_plots(analysis: Analysis, out_dir: Path) -> list[Path]:
    paths = [
        _throughput(analysis, out_dir / "throughput.png"),
        _latency(analysis, out_dir / "latency.png"),
        _errors(analysis, out_dir / "errors.png"),
    ]
    plt.close("all")
    return paths


def _operations(analysis: Analysis) -> list[str]:
    ordered = sorted(analysis.operations, key=lambda o: -o.requests)
    names = [o.operation for o in ordered]
    return [FLOW, *[n for n in names if n != FLOW]] if FLOW in names else names


def _shade_faults(ax: Axes, analysis: Analysis) -> None:
    t0, end = analysis.records.load_started_at, analysis.records.load_s
    for window in analysis.windows:
        ends = min(window.ends_s - t0, end)
        ax.axvspan(window.starts_s - t0, ends, color="tab:red", alpha=0.08, lw=0)
        ax.text(
            window.starts_s - t0,
            1.0,
            f" {window.kind} {window.target}",
            fontsize=6,
            rotation=90,
            va="top",
            transform=ax.get_xaxis_transform(),
        )


def _throughput(analysis: Analysis, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(13, 5))
    t0, size = analysis.records.load_started_at, bucket_s(analysis)
    for op in _operations(analysis):
        series = buckets(analysis.records.requests, t0, size, op)
        ax.plot([b.t_s for b in series], [b.ok_per_s for b in series], label=op, lw=1.2)
    ax.set(
        xlabel="seconds from load start",
        ylabel="successful requests / s",
        title="Throughput per operation",
    )
    ax.set_yscale("symlog", linthresh=1)
    if analysis.records.users:
        users = ax.twinx()
        users.plot(
            [t - t0 for t, _ in analysis.records.users],
            [n for _, n in analysis.records.users],
            color="grey",
            ls=":",
            label="users",
        )
        users.set_ylabel("concurrent users", color="grey")
    _shade_faults(ax, analysis)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.07, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _latency(analysis: Analysis, path: Path) -> Path:
    ops = _operations(analysis)
    rows = max(1, (len(ops) + 1) // 2)
    fig, axes = plt.subplots(rows, 2, figsize=(12, 2.6 * rows), squeeze=False, sharex=True)
    t0, size = analysis.records.load_started_at, bucket_s(analysis)
    for ax, op in zip(axes.flat, ops, strict=False):
        series = buckets(analysis.records.requests, t0, size, op)
        x = [b.t_s for b in series]
        for label, values in (
            ("p50", [b.p50_ms for b in series]),
            ("p95", [b.p95_ms for b in series]),
            ("p99", [b.p99_ms for b in series]),
        ):
            ax.plot(x, values, label=label, lw=1)
        ax.set_title(op, fontsize=9)
        ax.set_yscale("log")
        ax.set_ylabel("ms")
        _shade_faults(ax, analysis)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(ops) :]:
        ax.axis("off")
    fig.suptitle(f"Latency percentiles per {size:g} s (successful requests)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _errors(analysis: Analysis, path: Path) -> Path:
    t0, size = analysis.records.load_started_at, bucket_s(analysis)
    per_kind: dict[str, Counter[int]] = defaultdict(Counter)
    for request, cls in zip(analysis.records.requests, analysis.classes, strict=True):
        if cls != OK:
            per_kind[f"{cls}: {request.error}"[:60]][int((request.start_s - t0) // size)] += 1
    top = sorted(per_kind, key=lambda k: -sum(per_kind[k].values()))[:MAX_KINDS]
    fig, ax = plt.subplots(figsize=(13, 4.5))
    last = int(analysis.records.load_s // size) + 1
    bottom = [0.0] * last
    for kind in top:
        heights = [per_kind[kind][i] / size for i in range(last)]
        ax.bar(
            [i * size for i in range(last)],
            heights,
            width=size,
            bottom=bottom,
            align="edge",
            label=kind,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set(
        xlabel="seconds from load start",
        ylabel="failed requests / s",
        title="Failures by class and kind (refused and excused are not counted as errors)",
    )
    _shade_faults(ax, analysis)
    if top:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path
