"""Up-front estimates of a run's peak memory and time, and the refusal of a run that
cannot fit, before any large array is made.

A run is simulated chunk by chunk (``simulate.chunk_plan``): peak memory is the loaded
libraries, one chunk's service lines, and the per-replication sums. The lines per
consumer and the seconds per consumer-replication come from a pilot: one replication of
up to 2,000 consumers (about 10,000 consumer-replications) of the same scenario, simulated
and priced under every scheme. Estimates err high: a pilot carries more fixed cost per
consumer than the run's larger chunks. A sweep or sensitivity run adds, per point, the
fixed cost of a point (a one-consumer run), which dominates when points are small.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from jobcoach_model.base.environment import TIME_LIMIT_ENV
from jobcoach_model.base.errors import BudgetError
from jobcoach_model.caseloads.metrics import caseload_metrics
from jobcoach_model.caseloads.results import Results
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import Loaded, Scenario, load_once

#: peak bytes per service line of a chunk while it is simulated and priced (measured on
#: this 2-core machine: a 25,000-consumer chunk of ~195,000 lines added ~107 MiB)
BYTES_PER_LINE = 600
#: a run is refused when its estimate exceeds this (seconds); ``--time-limit`` sets
#: JOBCOACH_TIME_LIMIT, which kernels and workers started by the command inherit
DEFAULT_TIME_LIMIT = 3600.0
PILOT_CONSUMERS = 2_000
#: runs this small always fit: no pilot is needed
SMALL_RUN = 5_000_000  # consumer-replications
SMALL_REPLICATIONS = 20_000


@dataclass(frozen=True)
class Estimate:
    """A run's estimated peak memory and time."""

    lines_per_consumer: float
    chunk_lines: int
    peak_bytes: int
    seconds: float
    available_bytes: int
    #: the pilot itself: its consumer-replications and the seconds they took
    pilot_work: int = 1
    pilot_seconds: float = 0.0

    def describe(self) -> str:
        """One line for ``jobcoach validate``."""
        return (
            f"estimated peak memory {self.peak_bytes / 2**20:,.0f} MiB "
            f"({self.available_bytes / 2**30:,.1f} GiB available), "
            f"estimated time {_duration(self.seconds)}"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 86400:,.0f} days"


def _accumulator_bytes(scenario: Scenario) -> int:
    """The per-replication sums and their summaries (three copies at the end)."""
    S = len(scenario.schemes)
    months = math.ceil(scenario.caseload.weeks * 7 / 28) + 3
    P = scenario.caseload.coaches.providers
    quarters = math.ceil(scenario.caseload.start_window_weeks * 7 / 91) + 2
    measures = 2 * len(caseload_metrics())  # each measure's count and its derived value
    per_rep = 3 * S + S * months + measures + 2 * P * quarters + 2 * S
    return 8 * 3 * per_rep * scenario.simulation.replications


def estimate(scenario: Scenario) -> Estimate:
    """Peak memory and time of a run, from a pilot of the same scenario. With its
    responses on, the pilot prices one caseload, and the time counts one caseload per kind
    of pay (``responses.response_groups``: simulated one after another, so the peak is
    one caseload's)."""
    from jobcoach_model.caseloads.responses import response_groups
    from jobcoach_model.caseloads.simulate import BLOCK_CONSUMERS, simulate_chunk

    n, R = scenario.caseload.consumers, scenario.simulation.replications
    pilot_n = min(n, PILOT_CONSUMERS)
    pilot_r = max(1, min(R, PILOT_CONSUMERS * 5 // pilot_n))  # ~10,000 consumer-replications
    pilot = scenario.model_copy(
        update={
            "caseload": scenario.caseload.model_copy(update={"consumers": pilot_n}),
            "simulation": scenario.simulation.model_copy(update={"replications": pilot_r}),
            "responses": None,
        }
    )
    started = time.perf_counter()
    chunk = simulate_chunk(pilot, 0, pilot_r)
    run(pilot, keep_sample=False, simulated=[chunk])
    seconds = (time.perf_counter() - started) * len(response_groups(scenario))
    per_consumer = chunk.services["_n"] / (pilot_n * pilot_r)
    if n > BLOCK_CONSUMERS:
        chunk_consumers = BLOCK_CONSUMERS
    else:  # as simulate.chunk_plan groups replications
        step = max(1, min(scenario.simulation.chunk, BLOCK_CONSUMERS // n))
        chunk_consumers = n * min(step, R)
    chunk_lines = int(per_consumer * chunk_consumers)
    rss = psutil.Process().memory_info().rss
    peak = rss + chunk_lines * BYTES_PER_LINE + _accumulator_bytes(scenario)
    return Estimate(
        lines_per_consumer=per_consumer,
        chunk_lines=chunk_lines,
        peak_bytes=int(peak),
        seconds=seconds / (pilot_n * pilot_r) * n * R,
        pilot_work=pilot_n * pilot_r,
        pilot_seconds=seconds,
        available_bytes=int(psutil.virtual_memory().available),
    )


def time_limit() -> float:
    """The time limit in force: JOBCOACH_TIME_LIMIT (0: none), else an hour."""
    raw = os.environ.get(TIME_LIMIT_ENV)
    return float(raw) if raw else DEFAULT_TIME_LIMIT


def check(scenario: Scenario, limit: float | None = None) -> Estimate | None:
    """Refuse, in one line naming the fields to shrink, a run whose estimated peak memory
    exceeds the memory available or whose estimated time exceeds ``limit`` seconds
    (default ``time_limit()``; 0: none). Small runs pass without a pilot (None)."""
    limit = time_limit() if limit is None else limit
    n, R = scenario.caseload.consumers, scenario.simulation.replications
    if n * R <= SMALL_RUN and R <= SMALL_REPLICATIONS:
        return None
    if _accumulator_bytes(scenario) > psutil.virtual_memory().available:
        raise BudgetError(
            f"{scenario.name}: {R:,} replications need about "
            f"{_accumulator_bytes(scenario) / 2**30:,.1f} GiB for their sums alone, more than "
            f"the {psutil.virtual_memory().available / 2**30:,.1f} GiB available; shrink "
            "simulation.replications"
        )
    est = estimate(scenario)
    if est.peak_bytes > est.available_bytes:
        big = (
            "simulation.replications"
            if _accumulator_bytes(scenario) > est.chunk_lines * BYTES_PER_LINE
            else "simulation.chunk or services.sessions_per_week"
        )
        raise BudgetError(
            f"{scenario.name}: needs about {est.peak_bytes / 2**30:,.1f} GiB of memory at peak, "
            f"more than the {est.available_bytes / 2**30:,.1f} GiB available; shrink {big}"
        )
    if limit and est.seconds > limit:
        raise BudgetError(
            f"{scenario.name}: would take about {_duration(est.seconds)} (limit "
            f"{_duration(limit)}); shrink caseload.consumers ({n:,}) or "
            f"simulation.replications ({R:,}), or lift the limit with --time-limit"
        )
    return est


#: the most points one sweep or sensitivity run may have (each is a whole simulation)
MAX_POINTS = 100_000
#: up to this many small points, a run is not timed (each point costs well under a second)
FEW_POINTS = 50


def point_seconds(scenario: Scenario) -> float:
    """The fixed cost of one point, whatever its size: one consumer, one replication, run
    warm (the best of two), so that many small points are not estimated as free."""

    tiny = scenario.model_copy(
        update={
            "caseload": scenario.caseload.model_copy(update={"consumers": 1}),
            "simulation": scenario.simulation.model_copy(update={"replications": 1}),
        }
    )
    best = math.inf
    for _ in range(2):
        started = time.perf_counter()
        run(tiny, keep_sample=False)
        best = min(best, time.perf_counter() - started)
    return best


def check_runs(
    scenario: Scenario,
    runs: list[tuple[int, int]],
    workers: int,
    what: str,
    shrink: str,
    limit: float | None = None,
) -> None:
    """Refuse, before any point starts, a sweep or sensitivity run whose points would not
    fit the time limit: ``runs`` is a list of (points, replications per point) over the
    scenario's caseload, timed from the same pilot ``validate`` uses, shared among
    ``workers`` (0 or 1: one at a time). ``shrink`` names the field to shrink."""
    limit = time_limit() if limit is None else limit
    points = sum(count for count, _ in runs)
    if points > MAX_POINTS:
        raise BudgetError(
            f"{what}: {points:,} points, more than the {MAX_POINTS:,} one run may have; "
            f"shrink {shrink}"
        )
    n = scenario.caseload.consumers
    work = n * sum(count * reps for count, reps in runs)  # consumer-replications
    if not limit or (work <= SMALL_RUN and points <= FEW_POINTS):
        return
    pilot = estimate(scenario)
    fixed = point_seconds(scenario)
    per = max(pilot.pilot_seconds - fixed, 0.0) / pilot.pilot_work
    seconds = (points * fixed + per * work) / max(1, workers)
    if seconds > limit:
        raise BudgetError(
            f"{what}: {points:,} points would take about {_duration(seconds)} (limit "
            f"{_duration(limit)}); shrink {shrink}, or lift the limit with --time-limit"
        )


def run_file(
    scenario: str | Path | Loaded,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict[str, str] | None = None,
    checked: bool = False,
) -> Results:
    """Run a scenario file (with notebook-style overrides; or one already read,
    ``Loaded``), refusing it up front if it cannot fit in memory or time (``check``)
    unless that was ``checked`` before (``jobcoach brief`` checks before its kernel)."""
    if not isinstance(scenario, Loaded):
        scenario = load_once(scenario, replications, seed, sets)
    if not checked:
        check(scenario.scenario)
    return run(scenario.scenario)
