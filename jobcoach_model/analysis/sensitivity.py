"""How sure the totals are: every interpretation's options, a one-at-a-time tornado over
every input with a sensitivity range, and (optionally) Sobol indices, all run as sweep
points on the same machinery as ``jobcoach sweep``.

Every point keeps the scenario's seed, so all points simulate the same consumers (common
random numbers): the difference between two points is the effect of the change, not
simulation noise. Interpretations are re-adjudicated on those same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jobcoach_model.analysis.problem import Input, inputs, interpretation_points
from jobcoach_model.analysis.sweep import PointResult, run_batched, run_lean
from jobcoach_model.base.errors import SensitivityError
from jobcoach_model.caseloads.scenario import (
    Loaded,
    Scenario,
    load_once,
)

#: a total that moves by at least this share under another reading is flagged
MATERIAL = 0.05
DEFAULT_REPLICATIONS = 50
#: replications per Sobol point: one, on the scenario's seed (common random numbers: the
#: variance decomposed is the inputs', not the simulation's)
SOBOL_REPLICATIONS = 1


def _totals(result: PointResult) -> pd.DataFrame:
    s = result.summary
    return s[s["metric"] == "total_paid"].set_index("scheme")[["mean", "p05", "p95"]]


def _run_all(base, source, points, workers, scheduler, progress, desc) -> list[PointResult]:
    """Every point's totals (``sweep.run_lean``: points that change only schemes share one
    simulated caseload); a failed point fails the analysis (its inputs are ours)."""
    results = run_lean(
        base, source, points, workers=workers, scheduler=scheduler, progress=progress, desc=desc
    )
    for r in results:
        if r.error:
            raise SensitivityError(f"a {desc} point failed: {r.error}")
    return results


@dataclass
class Sensitivity:
    """The tables of a sensitivity run, and how it was run."""

    scenario: Scenario
    replications: int
    base: pd.DataFrame  # scheme -> mean, p05, p95 of total paid
    interpretations: pd.DataFrame
    tornado: pd.DataFrame
    sobol: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def material(self, threshold: float = MATERIAL) -> pd.DataFrame:
        """Interpretation options that move a scheme's total by ``threshold`` or more."""
        t = self.interpretations
        share = t["delta"].abs() / t["default_mean"].abs().where(t["default_mean"] != 0)
        return t[share.fillna(0) >= threshold].assign(share=share)

    def overturns(self, threshold: float = MATERIAL) -> pd.DataFrame:
        """For each material option: the scheme ranking it gives and which pairs of
        schemes change order against the default reading."""
        base_rank = self.base["mean"].sort_values(ascending=False)
        rows = []
        for (code, name, option), group in self.material(threshold).groupby(
            ["rules", "interpretation", "option"], sort=False
        ):
            totals = self.base["mean"].copy()
            full = self.interpretations[
                (self.interpretations["interpretation"] == name)
                & (self.interpretations["option"] == option)
            ]
            totals.loc[full["scheme"].to_numpy()] = full["mean"].to_numpy()
            flips = [
                f"{a} > {b}"
                for i, a in enumerate(base_rank.index)
                for b in base_rank.index[i + 1 :]
                if totals[a] < totals[b]
            ]
            top, bottom = totals.idxmax(), totals.idxmin()
            rows.append(
                {
                    "rules": code,
                    "interpretation": name,
                    "option": option,
                    "largest_move": float(group["share"].abs().max()),
                    "most_expensive": top,
                    "least_expensive": bottom,
                    "flips": "; ".join(flips),
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "rules",
                "interpretation",
                "option",
                "largest_move",
                "most_expensive",
                "least_expensive",
                "flips",
            ],
        )


def plan(
    scenario: Scenario,
    replications: int = DEFAULT_REPLICATIONS,
    sobol: int | None = None,
    sobol_replications: int = SOBOL_REPLICATIONS,
) -> list[tuple[int, int]]:
    """The points ``run_sensitivity`` will run, as (points, replications per point): the
    baseline, each interpretation, each input at its low and high, and with ``sobol=N``
    Saltelli's N x (inputs + 2) points."""
    k = len(inputs(scenario))
    runs = [(1 + len(interpretation_points(scenario)) + 2 * k, replications)]
    if sobol:
        runs.append((sobol * (k + 2), sobol_replications))
    return runs


def run_sensitivity(
    base: dict,
    source: str,
    scenario: Scenario,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    sobol: int | None = None,
    sobol_replications: int = SOBOL_REPLICATIONS,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
) -> Sensitivity:
    """Interpretations, tornado and (with ``sobol=N``) Sobol indices for one scenario.

    ``base`` is the scenario's raw data (as in its file) and ``scenario`` the validated
    scenario it gives; every point adds its changes to ``base``.
    """
    reps = {"simulation.replications": replications}
    interp = interpretation_points(scenario)
    swings = inputs(scenario)
    points = [dict(reps)]
    points += [{**reps, **sets} for *_, sets in interp]
    for inp in swings:
        points += [
            {**reps, **inp.sets(scenario, inp.low)},
            {**reps, **inp.sets(scenario, inp.high)},
        ]
    results = _run_all(base, source, points, workers, scheduler, progress, "sensitivity")
    base_totals = _totals(results[0])
    schemes = list(base_totals.index)

    rows = []
    defaults = {}
    for (code, name, option, is_default, _), result in zip(interp, results[1:], strict=False):
        totals = _totals(result)
        for scheme in schemes:
            if scenario.schemes[schemes.index(scheme)].rules != code:
                continue
            row = totals.loc[scheme]
            rows.append([code, name, option, is_default, scheme, *row.tolist()])
            if is_default:
                defaults[(name, scheme)] = row["mean"]
    table = pd.DataFrame(
        rows,
        columns=["rules", "interpretation", "option", "default", "scheme", "mean", "p05", "p95"],
    )
    table["default_mean"] = [
        defaults[(n, s)] for n, s in zip(table["interpretation"], table["scheme"], strict=True)
    ]
    table["delta"] = (table["mean"] - table["default_mean"]).round(4)

    tornado_rows = []
    offset = 1 + len(interp)
    for k, inp in enumerate(swings):
        low, high = _totals(results[offset + 2 * k]), _totals(results[offset + 2 * k + 1])
        for scheme in schemes:
            t_lo, t_hi = float(low.loc[scheme, "mean"]), float(high.loc[scheme, "mean"])
            tornado_rows.append(
                [
                    inp.name,
                    inp.value,
                    inp.low,
                    inp.high,
                    scheme,
                    float(base_totals.loc[scheme, "mean"]),
                    t_lo,
                    t_hi,
                    round(t_hi - t_lo, 4),
                    inp.source,
                    bool(inp.levels),
                ]
            )
    tornado = pd.DataFrame(
        tornado_rows,
        columns=[
            "input",
            "value",
            "low",
            "high",
            "scheme",
            "total_base",
            "total_low",
            "total_high",
            "swing",
            "source",
            "per_need_factor",
        ],
    )
    order = (
        tornado.assign(size=tornado["swing"].abs())
        .groupby("input", sort=False)["size"]
        .max()
        .sort_values(ascending=False, kind="stable")
        .index
    )
    tornado["input"] = pd.Categorical(tornado["input"], categories=list(order), ordered=True)
    tornado = tornado.sort_values(["input", "scheme"], kind="stable").reset_index(drop=True)
    tornado["input"] = tornado["input"].astype(str)

    notes = [
        f"{replications} replications per point (the scenario has "
        f"{scenario.simulation.replications}; fewer keep the run short, and every point "
        "shares the same simulated consumers, so differences are not noise); "
        f"{len(points)} points."
    ]
    result = Sensitivity(scenario, replications, base_totals, table, tornado, notes=notes)
    if sobol:
        result.sobol = run_sobol(
            base,
            source,
            scenario,
            swings,
            sobol,
            sobol_replications,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
        result.notes.append(
            f"Sobol: N={sobol} base samples, {sobol * (len(swings) + 2):,} points of "
            f"{sobol_replications} replication(s) on the scenario's seed (Saltelli sampling; "
            "first-order and total indices with 95% bootstrap intervals; the total index "
            "also at N/4 and N/2 to show convergence)."
        )
    return result


#: a Sobol table's columns: the indices at N with their 95% bootstrap half-widths, the
#: total index at N/4 and N/2 (convergence), whether ST's interval reaches zero, and
#: whether ST moved by no more than its half-width from N/2 to N (settled)
SOBOL_COLUMNS = [
    "input",
    "scheme",
    "S1",
    "S1_conf",
    "ST",
    "ST_conf",
    "ST_at_quarter_n",
    "ST_at_half_n",
    "ST_includes_zero",
    "settled",
]


def run_sobol(
    base: dict,
    source: str,
    scenario: Scenario,
    swings: list[Input],
    n: int,
    replications: int,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = False,
    seed: int | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol indices of each scheme's total paid over the inputs'
    ranges (SALib: Saltelli sampling, Sobol analysis, no second-order terms), with the
    total index again on the first N/4 and N/2 base samples (a Sobol sequence's prefix is a
    sample of its own) to show convergence. Points run lean and in batches
    (``sweep.run_batched``), all on the scenario's seed (common random numbers)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    # SALib leaves its bootstrap unseeded when the seed is 0 (falsy): use the scenario's
    # seed, never 0, so the confidence intervals repeat exactly
    seed = max(1, scenario.simulation.seed if seed is None else seed)
    problem = {
        "num_vars": len(swings),
        "names": [i.name for i in swings],
        "bounds": [[i.low, i.high] for i in swings],
    }
    X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    reps = {"simulation.replications": replications}
    points = []
    for row in X:
        sets = dict(reps)
        for inp, value in zip(swings, row, strict=True):
            sets.update(inp.sets(scenario, value))
        points.append(sets)
    totals = run_batched(
        base,
        source,
        points,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc="sobol",
        error=SensitivityError,
    )
    k = len(swings)
    sizes = {"quarter": n // 4, "half": n // 2}
    rows = []
    for scheme in (s.name for s in scenario.schemes):
        Y = totals[f"{scheme} | total_paid"].to_numpy()
        if np.ptp(Y) == 0:  # the scheme does not depend on any input
            for inp in swings:
                rows.append([inp.name, scheme, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, True, True])
            continue
        Si = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed)
        earlier = {
            name: (
                sobol_analyze.analyze(
                    problem, Y[: m * (k + 2)], calc_second_order=False, seed=seed
                )["ST"]
                if m >= 2
                else np.full(k, np.nan)
            )
            for name, m in sizes.items()
        }
        for j, inp in enumerate(swings):
            st, conf = float(Si["ST"][j]), float(Si["ST_conf"][j])
            half = float(earlier["half"][j])
            rows.append(
                [
                    inp.name,
                    scheme,
                    *(round(float(Si[c][j]), 4) for c in ("S1", "S1_conf", "ST", "ST_conf")),
                    round(float(earlier["quarter"][j]), 4),
                    round(half, 4),
                    bool(st - conf <= 0),
                    bool(np.isfinite(half) and abs(st - half) <= conf),
                ]
            )
    return pd.DataFrame(rows, columns=SOBOL_COLUMNS)


def sensitivity_for(
    scenario: str | Path | Loaded,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict | None = None,
    per_point: int = DEFAULT_REPLICATIONS,
    sobol: int | None = None,
    sobol_replications: int = SOBOL_REPLICATIONS,
    workers: int = 0,
) -> Sensitivity:
    """A scenario file's sensitivity with a notebook's parameters (its replications, seed
    and --set changes), ``per_point`` replications a point (never more than the scenario
    runs), in this process or on ``workers`` local worker processes (the same numbers,
    closed when it ends): what the brief and the notebooks show."""
    if not isinstance(scenario, Loaded):  # a file: read it here, once
        scenario = load_once(scenario, replications, seed, sets)
    base, parsed = scenario.data, scenario.scenario
    reps = min(per_point, parsed.simulation.replications)
    return run_sensitivity(
        base,
        scenario.source,
        parsed,
        replications=reps,
        sobol=sobol,
        sobol_replications=min(sobol_replications, parsed.simulation.replications),
        workers=workers,
    )
