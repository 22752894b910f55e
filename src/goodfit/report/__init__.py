"""Reports: one self-contained HTML page per run (and per data exploration), with its plots.

``write_report(run_dir)`` reads a run folder (complete or not), writes ``plots/*.png`` and
``report.html`` into it, and returns the page's path. The page inlines its images and CSS, so it
opens offline and can be copied anywhere on its own.

Examples:
    >>> from goodfit.report import write_report
    >>> write_report("runs/run-20250101-120000")  # doctest: +SKIP
    PosixPath('runs/run-20250101-120000/report.html')
"""

from __future__ import annotations

from goodfit.report.html import embed_png, fmt_num, fmt_pct, render, write_html
from goodfit.report.run_report import RunFiles, read_run, write_report

__all__ = [
    "RunFiles",
    "embed_png",
    "fmt_num",
    "fmt_pct",
    "read_run",
    "render",
    "write_html",
    "write_report",
]
