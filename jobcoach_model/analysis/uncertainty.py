"""Joint draws over every assumption and reading (probabilistic sensitivity analysis).

Each draw sets every input that has a range (``sensitivity.inputs``: uniform over its
cited or assumed range; a calibrated input from its fit, median its value and 5th/95th
percentiles its bootstrap interval) and every named
reading (each option equally likely unless ``uncertainty.reading_weights`` says) at once,
and simulates its own caseload with its own seed (one replication). The draws run on the
sweep machinery in batches (``run_batched``: a task simulates and prices 25 draws, keeping
only each scheme's totals), so they run on a local Dask cluster or an external scheduler
unchanged, and each draw equals ``jobcoach simulate`` with its values. ``voi.py`` turns
the table of draws into the probability that each scheme is the cheapest and that each
finding holds, and the value of measuring each input; ``flips.py`` finds where the usual
cheapest scheme stops being cheapest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.analysis.flips import Box, find_boxes, flips_table
from jobcoach_model.analysis.problem import inputs, interpretation_points
from jobcoach_model.analysis.sweep import run_batched
from jobcoach_model.analysis.voi import (
    cheapest,
    pairwise_findings,
    strict_winner,
    value_of_information,
)
from jobcoach_model.base.errors import SensitivityError
from jobcoach_model.caseloads.scenario import Loaded, Scenario

#: the spawn key of the draws' own random stream (apart from every replication's)
DRAW_STREAM = 2**31 - 1
#: a draw's caseload: one simulated replication
DRAW_REPLICATIONS = 1


@dataclass
class Draws:
    """The draws: one row each (its seed, every input's value, every reading's option,
    each scheme's total paid and paid per job kept 90 days), and what the columns are."""

    table: pd.DataFrame
    inputs: list[str]
    readings: list[str]
    schemes: list[str]
    #: per-need inputs, drawn as one factor on every need level
    factors: list[str] = field(default_factory=list)

    def _per_scheme(self, metric: str) -> pd.DataFrame | None:
        """One metric per draw, a column per scheme; None when the draws lack it."""
        columns = [f"{s} | {metric}" for s in self.schemes]
        if not all(c in self.table for c in columns):
            return None
        return self.table[columns].set_axis(self.schemes, axis=1)

    def costs(self) -> pd.DataFrame:
        """Total paid per draw, a column per scheme."""
        return self._per_scheme("total_paid")

    def kept(self) -> pd.DataFrame | None:
        """Jobs kept 90 days per draw, a column per scheme, when the draws carry them (the
        responses on: each scheme on its own caseload); None otherwise."""
        return self._per_scheme("retained_90d")


def draw_points(scenario: Scenario, n: int) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """``n`` joint draws of the scenario's inputs and readings: the values (one row a
    draw) and the ``--set`` changes that make each draw's scenario. Deterministic in the
    scenario's seed and ``n``'s order: draw ``i`` is the same whatever ``n`` is."""
    found = inputs(scenario)
    readings: dict[str, tuple[list[str], list[dict]]] = {}
    for code, name, option, _, sets in interpretation_points(scenario):
        options, changes = readings.setdefault(f"{code}.{name}", ([], []))
        options.append(option)
        changes.append(sets)
    weights = reading_weights(scenario, {k: v[0] for k, v in readings.items()})
    rows, points = [], []
    for i in range(n):
        rng = np.random.default_rng(
            np.random.SeedSequence(scenario.simulation.seed, spawn_key=(DRAW_STREAM, i))
        )
        row: dict[str, Any] = {"draw": i, "seed": int(rng.integers(0, 2**31 - 1))}
        sets: dict[str, Any] = {
            "simulation.seed": row["seed"],
            "simulation.replications": DRAW_REPLICATIONS,
        }
        for inp in found:
            value = inp.draw(float(rng.random()))
            value = float(round(value)) if inp.integer else round(value, 10)
            row[inp.name] = value
            sets.update(inp.sets(scenario, value))
        for name, (options, changes) in readings.items():
            if name in weights:  # the scenario's weights: the option the uniform falls in
                pick = int(np.searchsorted(weights[name], rng.random(), side="right"))
            else:
                pick = int(rng.integers(len(options)))
            row[name] = options[pick]
            sets.update(changes[pick])
        rows.append(row)
        points.append(sets)
    return pd.DataFrame(rows), points


def reading_weights(scenario: Scenario, options: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """The cumulative weights (summing to 1) of each reading the scenario weighs
    (``uncertainty.reading_weights``), in its options' order; SensitivityError naming the
    reading or option that no rulebook of the scenario's schemes has."""
    out = {}
    for name, given in scenario.uncertainty.reading_weights.items():
        if name not in options:
            known = ", ".join(options) or "none"
            raise SensitivityError(
                f"uncertainty.reading_weights: {name}: no such reading of this scenario's "
                f"rulebooks (expected one of: {known})"
            )
        unknown = sorted(set(given) - set(options[name]))
        if unknown:
            raise SensitivityError(
                f"uncertainty.reading_weights: {name}: {unknown[0]!r} is not an option "
                f"(expected one of: {', '.join(options[name])})"
            )
        w = np.array([given.get(o, 0.0) for o in options[name]], dtype=np.float64)
        cum = np.cumsum(w / w.sum())
        cum[-1] = 1.0 + 1e-12
        out[name] = cum
    return out


def run_draws(
    base: dict,
    source: str,
    scenario: Scenario,
    n: int,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
) -> Draws:
    """Run ``n`` joint draws and gather each scheme's totals per draw."""
    if n < 2:
        raise SensitivityError(f"{source}: --draws: expected at least 2, got {n}")
    values, points = draw_points(scenario, n)
    totals = run_batched(
        base,
        source,
        points,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc="draw",
        error=SensitivityError,
    )
    schemes = [s.name for s in scenario.schemes]
    # jobs kept differ between schemes only with the responses on (each its own caseload)
    metrics = ("total_paid", "paid_per_retained_90d") + (
        ("retained_90d",) if scenario.responses is not None else ()
    )
    columns = {
        f"{scheme} | {metric}": totals[f"{scheme} | {metric}"].to_numpy()
        for metric in metrics
        for scheme in schemes
    }
    table = pd.concat([values, pd.DataFrame(columns)], axis=1)
    found = inputs(scenario)
    numbers = [i.name for i in found]
    readings = [c for c in values.columns if c not in ("draw", "seed", *numbers)]
    factors = [i.name for i in found if i.levels]
    return Draws(table, numbers, readings, schemes, factors)


def uncertainty_table(draws: Draws, simulation: pd.DataFrame | None = None) -> pd.DataFrame:
    """``scheme, mean, p05, p95, sim_p05, sim_p95, p_cheapest, se``: each scheme's total
    over the draws (assumptions, readings and simulation together), beside the
    simulation-only interval of the scenario as given (its own replications)."""
    costs = draws.costs()
    p = cheapest(costs).set_index("scheme")
    rows = []
    for scheme in draws.schemes:
        values = costs[scheme].to_numpy()
        p05, p95 = np.percentile(values, [5, 95])
        sim = (
            simulation.loc[scheme, ["p05", "p95"]].to_numpy()
            if simulation is not None
            else (np.nan, np.nan)
        )
        rows.append(
            (
                scheme,
                round(float(values.mean()), 2),
                round(float(p05), 2),
                round(float(p95), 2),
                round(float(sim[0]), 2),
                round(float(sim[1]), 2),
                round(float(p.loc[scheme, "p_cheapest"]), 4),
                round(float(p.loc[scheme, "se"]), 4),
            )
        )
    return pd.DataFrame(
        rows, columns=["scheme", "mean", "p05", "p95", "sim_p05", "sim_p95", "p_cheapest", "se"]
    )


def precision_note(table: pd.DataFrame, draws: int, target: float = 0.02) -> str:
    """A warning when the draws are too few for probabilities within ``target`` (one
    standard error), and how many would do. Each share is judged as if one more draw had
    gone each way (Laplace's rule, ``(k + 1) / (n + 2)``), so a share of 0 or 100% from a
    handful of draws, whose plain standard error is 0, still carries its warning."""
    if draws <= 0:
        return "note: no draws were made; nothing here is an estimate"
    k = np.round(table["p_cheapest"].to_numpy() * draws)
    p = (k + 1) / (draws + 2)
    se = np.sqrt(p * (1 - p) / draws)
    worst = int(se.argmax())
    if se[worst] <= target:
        return ""
    needed = int(np.ceil(p[worst] * (1 - p[worst]) / target**2))
    return (
        f"note: from only {draws:,} draws a probability here has a standard error of about "
        f"{se[worst]:.1%}, and the values of information are as rough; about {needed:,} "
        f"draws would bring it within {target:.0%} (uncertainty.draws)"
    )


@dataclass
class Analysis:
    """What the draws say: each scheme's total and chance of being cheapest
    (``uncertainty.csv``), every pairwise finding (``findings.csv``), the value of
    measuring each input, reading and group (``evppi.csv``), and the boxes of inputs where
    the usual cheapest scheme stops being cheapest (``flips.csv``)."""

    draws: Draws
    table: pd.DataFrame
    findings: pd.DataFrame
    evppi: pd.DataFrame
    boxes: list[Box]
    usual: str  # the scheme cheapest in most draws
    note: str  # a warning when the draws are too few ("" otherwise)

    @property
    def flips(self) -> pd.DataFrame:
        """The PRIM boxes, a row per restricted input."""
        return flips_table(self.boxes)


def reading_groups(draws: Draws, boxes: list[Box]) -> dict[str, list[str]]:
    """Inputs worth valuing together: each rulebook's readings (two or more), every
    reading, and the inputs the first flip box restricts."""
    groups: dict[str, list[str]] = {}
    by_code: dict[str, list[str]] = {}
    for name in draws.readings:
        by_code.setdefault(name.split(".", 1)[0], []).append(name)
    for code, names in by_code.items():
        if len(names) > 1:
            groups[f"{code} readings, together"] = names
    if len(by_code) > 1:
        groups["every reading, together"] = list(draws.readings)
    if boxes and len(boxes[0].limits) > 1:
        names = list(boxes[0].limits["input"])
        groups[f"{', '.join(names[:-1])} and {names[-1]}, together"] = names
    return groups


def analyse(draws: Draws, simulation: pd.DataFrame | None = None) -> Analysis:
    """Every table ``jobcoach uncertainty`` writes and the brief's How sure shows."""
    table = uncertainty_table(draws, simulation)
    costs = draws.costs()
    winner = strict_winner(costs)  # -1 where schemes tie for the least
    usual = int(np.bincount(winner[winner >= 0], minlength=len(draws.schemes)).argmax())
    boxes = find_boxes(draws.table, draws.inputs, draws.readings, winner != usual)
    evppi = value_of_information(
        draws.table, draws.inputs, draws.readings, costs, groups=reading_groups(draws, boxes)
    )
    return Analysis(
        draws,
        table,
        pairwise_findings(costs),
        evppi,
        boxes,
        draws.schemes[usual],
        precision_note(table, len(draws.table)),
    )


def write_uncertainty(analysis: Analysis, out: Path) -> list[Path]:
    """``draws.parquet``, ``uncertainty.csv``, ``findings.csv``, ``evppi.csv`` and
    ``flips.csv`` in ``out`` (each written whole)."""
    from jobcoach_model.base.io import write_atomic, write_csv

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "draws.parquet"]
    write_atomic(written[0], lambda tmp: analysis.draws.table.to_parquet(tmp, index=False))
    frames = {
        "uncertainty.csv": analysis.table,
        "findings.csv": analysis.findings,
        "evppi.csv": analysis.evppi,
        "flips.csv": analysis.flips,
    }
    for name, frame in frames.items():
        write_csv(frame, out / name)
        written.append(out / name)
    return written


def uncertainty_for(
    scenario: str | Path | Loaded,
    summary: pd.DataFrame,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict | None = None,
    draws: int | None = None,
    workers: int = 0,
) -> Analysis:
    """A scenario file's joint draws with a notebook's parameters (its seed and --set
    changes; ``draws`` or the scenario's ``uncertainty.draws``), run in this process (or on
    ``workers`` local worker processes: the same numbers), and
    what they say beside ``summary``'s simulation-only intervals: what the brief shows."""
    from jobcoach_model.caseloads.scenario import load_once

    if not isinstance(scenario, Loaded):  # a file: read it here, once
        scenario = load_once(scenario, replications, seed, sets)
    parsed = scenario.scenario
    n = draws or parsed.uncertainty.draws
    result = run_draws(scenario.data, scenario.source, parsed, n, workers=workers)
    own = summary[summary["metric"] == "total_paid"].set_index("scheme")
    return analyse(result, own)
