"""The run report: Markdown and PNG plots from what a run recorded, and its verdict."""

from __future__ import annotations

from pathlib import Path

from loadtest.report.analysis import analyse
from loadtest.report.gate import Verdict, judge
from loadtest.report.markdown import write_markdown
from loadtest.report.plots import write_plots
from loadtest.report.records import read_records


def build_report(out_dir: Path) -> Verdict:
    """Write report.md and the plots into `out_dir`; return the verdict they state."""
    analysis = analyse(read_records(out_dir))
    verdict = judge(analysis)
    plots = write_plots(analysis, out_dir)
    write_markdown(analysis, verdict, plots, out_dir / "report.md")
    return verdict
