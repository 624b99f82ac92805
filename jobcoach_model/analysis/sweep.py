"""Sweeps: one scenario run at many points (a grid of ``--set`` values and/or a Sobol or
Latin-hypercube sample of ranges), on dask.distributed.

A point is a set of ``--set`` changes to a base scenario, run by ``run_point`` exactly as
``jobcoach simulate`` runs it (same seed, same replications), so a point's numbers never
depend on which worker ran it, how many workers there are, or in what order points finish.
By default the points run on a local cluster of worker processes; with a scheduler
address they run on whatever cluster is behind it (``dask scheduler`` / ``dask worker``).
With no workers they run in this process, one after another, with the same results.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tqdm.auto import tqdm

from jobcoach_model.base.errors import JobcoachError, SweepError
from jobcoach_model.caseloads.budget import check
from jobcoach_model.caseloads.results import SUMMARY_DECIMALS, mean_interval
from jobcoach_model.caseloads.runner import paid_totals, run
from jobcoach_model.caseloads.scenario import (
    ScenarioError,
    apply_sets,
    load_scenario_data,
    scenario_from_dict,
)

SUMMARY_COLUMNS = ["scheme", "metric", "mean", "p05", "p95"]


class SweepSpec(BaseModel):
    """A sweep file: a base scenario, a grid and/or a sample of ranges."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scenario: str = Field(min_length=1)  # path relative to the sweep file
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    sample: dict[str, tuple[float, float]] = Field(default_factory=dict)
    points: int | None = Field(None, ge=1)
    method: Literal["sobol", "lhs"] = "sobol"
    #: seed of the sample's scrambling; the scenario keeps its own seed
    sample_seed: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        if not self.grid and not self.sample:
            raise ValueError("a sweep needs a grid: or a sample:")
        if self.sample and self.points is None:
            raise ValueError("a sample: needs points:")
        for path, values in self.grid.items():
            if not values:
                raise ValueError(f"grid: {path}: expected a list of values")
        for path, (lo, hi) in self.sample.items():
            if not lo < hi:
                raise ValueError(f"sample: {path}: expected [low, high] with low < high")
        both = set(self.grid) & set(self.sample)
        if both:
            raise ValueError(f"paths both in grid: and sample: {sorted(both)}")
        return self


def sample_points(
    ranges: dict[str, tuple[float, float]], n: int, method: str, seed: int = 0
) -> list[dict[str, float]]:
    """``n`` points over the ranges: scrambled Sobol (balanced when ``n`` is a power of
    two) or a Latin hypercube, from scipy's quasi-Monte Carlo module."""
    from scipy.stats import qmc

    d = len(ranges)
    if method == "sobol":
        unit = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    else:
        unit = qmc.LatinHypercube(d, seed=seed).random(n)
    lows = np.array([lo for lo, _ in ranges.values()])
    highs = np.array([hi for _, hi in ranges.values()])
    values = qmc.scale(unit, lows, highs)
    return [{p: round(float(v), 10) for p, v in zip(ranges, row, strict=True)} for row in values]


def expand(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every point of a sweep: the grid's cartesian product, each crossed with the sample."""
    grid = [
        dict(zip(spec.grid, combo, strict=True)) for combo in itertools.product(*spec.grid.values())
    ] or [{}]
    sample = (
        sample_points(spec.sample, spec.points, spec.method, spec.sample_seed)
        if spec.sample
        else [{}]
    )
    return [{**g, **s} for g in grid for s in sample]


def load_sweep(path: str | Path) -> tuple[SweepSpec, dict, str]:
    """A sweep file, its base scenario's raw data and that scenario's path."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise SweepError(f"{path}: expected an existing sweep file (YAML)")
    from jobcoach_model.base.strict_yaml import DuplicateKeyError, StrictLoader

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader)
    except DuplicateKeyError as err:
        raise SweepError(f"{path}: {err}") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SweepError(f"{path}: expected valid YAML") from None
    if not isinstance(data, dict):
        raise SweepError(f"{path}: expected a mapping with scenario: and grid: or sample:")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        msg = first["msg"].removeprefix("Value error, ")
        raise SweepError(f"{path}: {where}: {msg}") from None
    scenario_path = (path.parent / spec.scenario).resolve()
    base, _ = load_scenario_data(scenario_path)
    # every path must name a scenario field: one point with each path's first value
    first = {key: values[0] for key, values in spec.grid.items() if values}
    for key, bounds in (spec.sample or {}).items():
        first[key] = bounds[0] if isinstance(bounds, list | tuple) else bounds
    for key, value in first.items():
        try:
            scenario_from_dict(apply_sets(base, {key: value}, str(path)), str(scenario_path))
        except (ScenarioError, JobcoachError) as err:
            raise SweepError(f"{path}: {key}: not a field the scenario can take ({err})") from None
    return spec, base, str(scenario_path)


def count_points(spec: SweepSpec) -> int:
    """How many points ``expand`` would make, counted without making them."""
    grid = math.prod(len(v) for v in spec.grid.values()) if spec.grid else 1
    return grid * (spec.points if spec.sample else 1)


@dataclass
class PointResult:
    """One point's summary rows, or the one-line reason it failed."""

    summary: pd.DataFrame | None
    error: str | None = None


def run_point(base: dict, source: str, sets: dict[str, Any]) -> PointResult:
    """Run the base scenario with one point's changes, as ``jobcoach simulate`` would."""
    try:
        scenario = scenario_from_dict(apply_sets(base, sets, source), source)
        check(scenario)  # a point that cannot fit fails alone, in one line
        results = run(scenario, keep_sample=False)
    except (ScenarioError, JobcoachError) as err:
        return PointResult(None, str(err))
    return PointResult(results.summary[SUMMARY_COLUMNS].copy())


def simulation_key(sets: dict[str, Any]) -> str:
    """What a point's simulated caseload depends on: its changes outside ``schemes``
    (the simulation never reads the schemes). Points with the same key simulate the same
    consumers and differ only in how they are paid."""
    return repr(sorted((k, repr(v)) for k, v in sets.items() if not k.startswith("schemes.")))


def run_shared(base: dict, source: str, group: dict[str, Any]) -> list[PointResult]:
    """Points that share one simulated caseload (``{"points": [sets, ...]}``, all with one
    ``simulation_key``): simulated once, and each scheme priced once per distinct setting
    (``runner.scheme_key``); each point's total paid and paid per job kept 90 days with
    their 90% intervals, the same rows ``run_point``'s summary has for them. A point that
    fails (or cannot fit: ``budget.check``) fails alone, in one line."""
    simulated: dict = {}  # each caseload simulated once, when a point first needs it
    known: dict = {}
    out = []
    for sets in group["points"]:
        try:
            scenario = scenario_from_dict(apply_sets(base, sets, source), source)
            check(scenario)
            totals = paid_totals(scenario, simulated, known)
        except (ScenarioError, JobcoachError) as err:
            out.append(PointResult(None, str(err)))
            continue
        rows = [(s, m, *mean_interval(values)) for (s, m), values in totals.items()]
        summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
        summary[["mean", "p05", "p95"]] = summary[["mean", "p05", "p95"]].round(SUMMARY_DECIMALS)
        out.append(PointResult(summary))
    return out


def run_lean(
    base: dict,
    source: str,
    points: Sequence[dict[str, Any]],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
    desc: str = "points",
) -> list[PointResult]:
    """Every point's totals with their intervals (``run_shared``), in point order: points
    grouped by ``simulation_key``, a task a group, on the same machinery as
    ``run_points``; the results do not depend on the grouping, the workers or the
    scheduler."""
    groups: dict[str, list[int]] = {}
    for i, sets in enumerate(points):
        groups.setdefault(simulation_key(sets), []).append(i)
    members = list(groups.values())
    results = run_points(
        base,
        source,
        [{"points": [points[i] for i in idx]} for idx in members],
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        task=run_shared,
        desc=desc,
    )
    out: list[PointResult | None] = [None] * len(points)
    for idx, got in zip(members, results, strict=True):
        for i, result in zip(idx, got, strict=True):
            out[i] = result
    return out


#: points a batch task runs one after another (``run_batched``): few enough that two
#: workers share a thousand draws evenly, enough that scheduling costs little per point
BATCH = 25


@dataclass
class TotalsResult:
    """A batch of points' totals, a row a point (``"scheme | metric"``: the mean over the
    point's replications, rounded as ``run``'s summary is), or the one-line reason the
    first failing point failed."""

    rows: list[dict[str, float]] | None
    error: str | None = None


def run_totals(base: dict, source: str, batch: dict[str, Any]) -> TotalsResult:
    """Each point of a batch (``{"points": [sets, ...]}``) run lean: only each scheme's
    total paid and paid per job kept 90 days (``runner.paid_totals``), the same values as
    ``run_point``'s summary means, without the tables a brief needs."""
    rows = []
    for sets in batch["points"]:
        try:
            scenario = scenario_from_dict(apply_sets(base, sets, source), source)
            totals = paid_totals(scenario)
        except (ScenarioError, JobcoachError) as err:
            return TotalsResult(None, str(err))
        rows.append({f"{s} | {m}": mean_of(values) for (s, m), values in totals.items()})
    return TotalsResult(rows)


def mean_of(values: np.ndarray) -> float:
    """The mean over replications as ``run``'s summary gives it (``mean_interval``'s mean,
    rounded as the summary is)."""
    return float(np.round(mean_interval(values)[0], SUMMARY_DECIMALS))


def run_batched(
    base: dict,
    source: str,
    points: Sequence[dict[str, Any]],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
    desc: str = "points",
    batch: int = BATCH,
    error: type[JobcoachError] = SweepError,
) -> pd.DataFrame:
    """Every point's totals (``run_totals``), a row a point in point order, computed in
    tasks of ``batch`` points on the same machinery as ``run_points``; the rows do not
    depend on the batch size, the workers or the scheduler. A failing point raises
    ``error`` (SweepError unless the caller names its own) with its reason."""
    batches = [{"points": list(points[i : i + batch])} for i in range(0, len(points), batch)]
    results = run_points(
        base,
        source,
        batches,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        task=run_totals,
        desc=desc,
    )
    failed = next((r.error for r in results if r.error), None)
    if failed:
        raise error(f"{source}: a {desc} point failed: {failed}")
    return pd.DataFrame([row for r in results for row in r.rows])


#: seconds to wait for a scheduler to answer, whatever it does with the connection
CONNECT_SECONDS = 20.0


def _connect(client_type, scheduler: str):
    """A client of the scheduler at ``scheduler``, or SweepError in one line: a garbage
    address, a refused connection, or one that is accepted and never answered (the wait
    runs on a daemon thread with a deadline that holds, which distributed's own timeout
    does not on a silent peer)."""
    import threading

    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_type(scheduler, timeout=f"{CONNECT_SECONDS:g}s")
        except BaseException as err:  # any failure is reported as one line below
            box["error"] = err

    thread = threading.Thread(target=connect, daemon=True, name="jobcoach-connect")
    thread.start()
    thread.join(CONNECT_SECONDS + 5)
    if "client" in box:
        return box["client"]
    if "error" in box:
        err = box["error"]
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SweepError(f"--scheduler {scheduler}: could not connect ({first})")
    raise SweepError(
        f"--scheduler {scheduler}: no answer within {CONNECT_SECONDS + 5:g} s (is it a Dask "
        "scheduler? expected an address such as tcp://host:8786)"
    )


@contextmanager
def _interrupts_left_to_us() -> Iterator[None]:
    """Worker processes started in this block inherit SIGINT ignored (a disposition that
    survives their exec): an interrupt, ours or a kernel's (which signals its whole
    process group), is for this process, which then closes the cluster in order, instead
    of each worker printing a traceback of its own. Outside the main thread nothing is
    changed (a signal's disposition can be set only there)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _client(workers: int, scheduler: str | None):
    """A dask.distributed client and the local cluster it made (None with ``scheduler``):
    on the cluster behind ``scheduler``, or on a new local cluster of ``workers``
    single-threaded worker processes, which the caller closes after the client."""
    from distributed import Client, LocalCluster

    if scheduler:
        return _connect(Client, scheduler), None
    import dask

    # distributed starts workers with MALLOC_TRIM_THRESHOLD_ set, which also fixes glibc's
    # mmap threshold: every large numpy array is then mapped and unmapped afresh, and a
    # point runs about 1.5x slower than in this process (measured). Workers keep glibc's
    # adaptive default here; single-threaded numeric libraries as distributed intends.
    env = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
    # a run stopped by a signal ends its workers abruptly; multiprocessing's resource
    # tracker (a child that inherits our stderr) then announces the semaphores it cleans
    # up. The cleanup still happens; only the notice after the command's one line goes.
    quiet = "ignore:resource_tracker:UserWarning"
    known = os.environ.get("PYTHONWARNINGS", "")
    if quiet not in known:
        os.environ["PYTHONWARNINGS"] = f"{known},{quiet}" if known else quiet
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": env}),
        warnings.catch_warnings(),
        _interrupts_left_to_us(),
    ):
        # the scheduler's HTTP server moves to a free port when 8787 is taken (another
        # cluster on this machine): a fact, not a warning the user can act on
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # workers log nothing of their own: a point's failure comes back as its
            # result (failures.csv), and a worker stopped with the run must not print the
            # scheduler's absence (heartbeat errors) after the command's one line
            silence_logs=logging.CRITICAL + 1,
        )
    return Client(cluster), cluster


#: the client of the local cluster a ``shared_workers`` block opened, by its workers
_SHARED: dict[int, Any] = {}


@contextmanager
def shared_workers(workers: int) -> Iterator[None]:
    """Every analysis run inside this block on ``workers`` local worker processes shares
    one cluster (a brief's sensitivity and joint draws: one start, not one each), closed
    when the block ends, however it ends. With 0 workers there is nothing to share."""
    if workers <= 0 or workers in _SHARED:
        yield
        return
    client, cluster = _client(workers, None)
    _SHARED[workers] = client
    try:
        yield
    finally:
        del _SHARED[workers]
        client.close()
        cluster.close()


def run_points(
    base: dict,
    source: str,
    points: Sequence[dict[str, Any]],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
    task: Callable[[dict, str, dict], Any] = run_point,
    desc: str = "points",
) -> list[Any]:
    """Run ``task`` on every point and return the results in point order.

    ``workers=0`` (and no scheduler) runs the points here, one by one; otherwise on
    dask.distributed. Results are identical either way.
    """
    bar = tqdm(total=len(points), desc=desc, unit="pt", disable=not progress, leave=False)
    try:
        if not workers and not scheduler:
            out = []
            for sets in points:
                out.append(task(base, source, sets))
                bar.update()
            return out
        from distributed import as_completed

        shared = None if scheduler else _SHARED.get(workers)
        client, cluster = (shared, None) if shared else _client(workers, scheduler)
        try:
            [remote] = client.scatter([base], broadcast=True)
            futures = [client.submit(task, remote, source, sets, pure=False) for sets in points]
            where = {f.key: i for i, f in enumerate(futures)}
            out: list[Any] = [None] * len(points)
            for future in as_completed(futures):
                out[where[future.key]] = future.result()
                bar.update()
            return out
        finally:
            if shared is None:  # a shared cluster closes with its block
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        bar.close()


def results_frame(points: Sequence[dict[str, Any]], results: Sequence[PointResult]) -> pd.DataFrame:
    """One row per point, scheme and metric: ``point``, one column per swept path,
    ``scheme, metric, mean, p05, p95``; failed points are left out."""
    paths = list(dict.fromkeys(p for point in points for p in point))
    frames = []
    for i, (point, result) in enumerate(zip(points, results, strict=True)):
        if result.summary is None:
            continue
        frame = result.summary.copy()
        for path in reversed(paths):
            frame.insert(0, path, point.get(path))
        frame.insert(0, "point", i)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["point", *paths, *SUMMARY_COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    for path in paths:  # a column of mixed types is kept as text, so Arrow can store it
        kinds = {type(v) for v in out[path].dropna()}
        if len(kinds) > 1 and not kinds <= {int, float}:
            out[path] = out[path].map(lambda v: "" if v is None else str(v))
    return out


def failures_frame(
    points: Sequence[dict[str, Any]], results: Sequence[PointResult]
) -> pd.DataFrame:
    """The points that failed, with their changes and the one-line reason."""
    rows = [
        {
            "point": i,
            "sets": _as_text("; ".join(f"{k}={v}" for k, v in p.items())),
            "error": _as_text(r.error),
        }
        for i, (p, r) in enumerate(zip(points, results, strict=True))
        if r.error is not None
    ]
    return pd.DataFrame(rows, columns=["point", "sets", "error"])


def _as_text(text: str) -> str:
    """Prose a spreadsheet would run as a formula, kept as text by a leading apostrophe
    (our own messages, never ids: those are refused on input)."""
    from jobcoach_model.base.outputs import formula_like

    return f"'{text}" if formula_like(text) else text
