"""The caseload measures of a run, one table: each measure's name, the brief's label, what
it counts on each simulated case, what it is divided by and how it is shown.

The runner counts every row per replication and divides as the row says; the figures
label and format them from here; the memory estimate counts them here. A jurisdiction
adds its own rows (``Jurisdiction.measures`` with ``caseload_counts``: Iowa's D-code
milestones). Adding a measure is one row. The benchmark's pass share is not a count of
cases (it is judged per provider and quarter) and is the one row ``BENCHMARK`` names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from jobcoach_model.base.dates import NEVER
from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import load_rulebook


@dataclass(frozen=True)
class Metric:
    """One caseload measure: ``values(caseload, benchmark)`` per case, summed per
    replication, divided by the consumers (``per`` empty) or by another row's sum."""

    name: str
    label: str
    values: Callable[[Any, dict], np.ndarray] | None = None
    per: str = ""
    #: ``share`` (summary name ``<name>_share``, shown as a percentage) or ``number``
    fmt: str = "share"

    @property
    def summary_name(self) -> str:
        """The metric's name in ``summary.csv``."""
        return f"{self.name}_share" if self.fmt == "share" else self.name


def _stabilized(cl: Any, bench: dict) -> np.ndarray:
    return cl.outcomes["stabilized"] & (cl.cases["stabilized_on"] < NEVER)


def within_window(cl: Any, bench: dict) -> np.ndarray:
    """Whether each case met its plan's objectives within the benchmark's window."""
    return cl.outcomes["objectives_days"] <= bench["window_days"]


CORE = (
    Metric(
        "retained_90d",
        "Still employed 90 days after hire",
        lambda cl, bench: cl.outcomes["retained_90d"],
    ),
    Metric(
        "objectives_within_90d",
        "Action-plan objectives met within the benchmark window",
        within_window,
    ),
    Metric("stabilized", "Job stabilized (coach time down to the threshold)", _stabilized),
    Metric(
        "weeks_to_stabilization",
        "Weeks from hire to stabilization (mean)",
        lambda cl, bench: np.where(
            _stabilized(cl, bench), cl.outcomes["weeks_to_stabilization"], 0.0
        ),
        per="stabilized",
        fmt="number",
    ),
    Metric(
        "job_lost_in_horizon",
        "Job lost within the horizon",
        lambda cl, bench: cl.outcomes["job_lost_in_horizon"],
    ),
)

#: the benchmark's pass share ({owner}: the jurisdiction whose benchmark it is)
BENCHMARK = Metric("benchmark_passing", "{owner} provider-quarters meeting the benchmark")


def caseload_metrics() -> tuple[Metric, ...]:
    """Every caseload measure in the order the tables show them (the benchmark last)."""
    own = tuple(
        Metric(m.name, m.label) for code in codes() for m in get_jurisdiction(code).measures()
    )
    return (*CORE, *own, BENCHMARK)


def case_values(cl: Any, bench: dict, assessment_days: int) -> dict[str, np.ndarray]:
    """Each counted measure's value per simulated case (core rows, then each
    jurisdiction's own counts)."""
    from jobcoach_model.law.rulebook import load_rulebook

    out = {m.name: m.values(cl, bench) for m in CORE}
    for code in codes():
        out.update(get_jurisdiction(code).caseload_counts(cl, load_rulebook(code), assessment_days))
    return out


def derive(counts: dict[str, np.ndarray], consumers: int) -> dict[str, np.ndarray]:
    """Each counted measure per replication, divided as its row says (the benchmark's
    pass share is the runner's)."""
    out = {}
    for m in caseload_metrics():
        if m is BENCHMARK:
            continue
        divisor = np.maximum(counts[m.per], 1) if m.per else consumers
        out[m.summary_name] = counts[m.name] / divisor
    return out


def benchmark_label(scenario: Scenario) -> str:
    """The benchmark in force, in words: e.g. ``80% within 90 days``."""
    b = benchmark_settings(scenario)
    return f"{b['share']:.0%} within {b['window_days']:g} days"


def benchmark_owner() -> str | None:
    """The first jurisdiction that sets an accountability benchmark (None if none does)."""
    for code in codes():
        book = load_rulebook(code)
        if get_jurisdiction(code).benchmark(book, book.effective) is not None:
            return code
    return None


def benchmark_settings(scenario: Scenario) -> dict[str, float]:
    """The accountability benchmark in force: the cited values of the jurisdiction that
    sets one, unless the scenario sets its own. With none, every field comes from the
    scenario (a window and share it must give) and review is quarterly (assumption)."""
    owner = benchmark_owner()
    when = scenario.caseload.start_date
    cited = {"share": None, "window_days": None, "review_months": 3}
    if owner is not None:
        cited = get_jurisdiction(owner).benchmark(load_rulebook(owner), when)
    b = scenario.benchmark
    return {
        "share": b.share if b.share is not None else cited["share"],
        "window_days": b.window_days if b.window_days is not None else cited["window_days"],
        "review_months": cited["review_months"],
    }


def benchmark_jurisdiction() -> str:
    """The name of the jurisdiction whose benchmark the tables show ("" if none)."""
    owner = benchmark_owner()
    return load_rulebook(owner).name if owner else ""
