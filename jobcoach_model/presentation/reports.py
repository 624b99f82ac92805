"""Files written by ``jobcoach bridge``, ``jobcoach sensitivity`` and ``jobcoach sweep``:
CSV and Parquet tables and PNG charts, each written whole (temporary file, then rename).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt  # noqa: E402

from jobcoach_model.analysis.bridge import Bridge  # noqa: E402
from jobcoach_model.analysis.sensitivity import Sensitivity  # noqa: E402
from jobcoach_model.analysis.sweep import PointResult, failures_frame, results_frame  # noqa: E402
from jobcoach_model.base.io import write_atomic, write_csv, write_figure, write_parquet  # noqa: E402
from jobcoach_model.presentation import why_figures as wf  # noqa: E402

INTERPRETATION_COLUMNS = [
    "rules",
    "interpretation",
    "option",
    "scheme",
    "mean",
    "p05",
    "p95",
    "delta",
    "default",
]
TORNADO_COLUMNS = [
    "input",
    "low",
    "high",
    "scheme",
    "total_low",
    "total_high",
    "swing",
    "value",
    "total_base",
    "source",
    "per_need_factor",
]


def write_bridge(b: Bridge, out: Path | None, chart: Path | None) -> list[Path]:
    """The bridge table as CSV and its waterfall as an image, where asked for."""
    written = []
    if out is not None:
        written.append(write_csv(b.table(), out))
    if chart is not None:
        ax = wf.plot_bridge(b.table())
        written.append(write_figure(ax.figure, chart))
    return written


def write_sensitivity(sens: Sensitivity, out: Path) -> list[Path]:
    """interpretations.csv, tornado.csv, sobol.csv (when run), notes.txt and the charts."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(sens.interpretations[INTERPRETATION_COLUMNS], out / "interpretations.csv"),
        write_csv(sens.tornado[TORNADO_COLUMNS], out / "tornado.csv"),
    ]
    if sens.sobol is not None:
        written.append(write_csv(sens.sobol, out / "sobol.csv"))
    axes = wf.plot_tornado(sens)
    written.append(write_figure(axes[0].figure, out / "tornado.png"))
    ax = wf.plot_interpretations(sens)
    written.append(write_figure(ax.figure, out / "interpretations.png"))
    notes = out / "notes.txt"
    text = "\n".join([*sens.notes, *wf.overturn_sentences(sens)]) + "\n"
    written.append(write_atomic(notes, lambda tmp: tmp.write_text(text, encoding="utf-8")))
    plt.close("all")
    return written


def write_sweep(
    points: Sequence[dict[str, Any]], results: Sequence[PointResult], out: Path
) -> list[Path]:
    """results.parquet (every point that ran) and failures.csv (those that did not, with
    their one-line reasons; only a header when every point ran)."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_parquet(results_frame(points, results), out / "results.parquet"),
        write_csv(failures_frame(points, results), out / "failures.csv"),
    ]
