"""Where a finding flips: scenario discovery over the joint draws with PRIM (the Patient
Rule Induction Method, Friedman & Fisher 1999, as EMA Workbench implements it).

The finding is "the usual cheapest scheme is the cheapest"; the draws where another
scheme is cheapest are the cases of interest. PRIM peels the box of inputs and readings
that holds them, step by step, trading coverage (the share of all such draws inside the
box) for density (the share of the box's draws that are such draws). A box is reported
with the inputs it restricts, and a second box is sought in the draws the first leaves.
Nothing here knows a rule: it reads a table of draws.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: the smallest density a reported box must reach (EMA Workbench's default threshold)
DENSITY = 0.8
#: the most boxes sought
BOXES = 2
#: the most inputs a reported box restricts (scenario discovery's usual trade of density
#: for interpretability)
MAX_INPUTS = 3
#: fewer draws of interest than this and no box is sought (nothing to describe)
MIN_CASES = 10


@dataclass
class Box:
    """One PRIM box: the restricted inputs (``limits``: input, low/high or the options
    kept), how many draws it holds, and its coverage and density."""

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    draws: int

    def sentence(
        self, cases: str, factors: Sequence[str] = (), limit: Callable[[Any], str] | None = None
    ) -> str:
        """The box in words: where ``cases`` happen (an input in ``factors`` is a factor
        on each of its levels, and says so); ``limit`` puts one restriction (a row of
        ``limits``) in the caller's words instead of its identifier and range."""

        def named(r) -> str:
            factor = " (a factor on each need level)" if r.input in factors else ""
            return f"{r.input}{factor} {r.range}"

        parts = [(limit or named)(r) for r in self.limits.itertuples() if r.input and r.range]
        where = " and ".join(parts) if parts else "anywhere"
        return (
            f"{cases} in {self.density:.0%} of the {self.draws:,} draws where {where} "
            f"({self.coverage:.0%} of all such draws lie there)"
        )


def _prim(x: pd.DataFrame, y: np.ndarray):
    """EMA Workbench's Prim on these draws, quietly (it logs and warns as it works)."""
    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        return prim.Prim(x, y, threshold=DENSITY, peel_alpha=0.05, paste_alpha=0.05)


def _frame(draws: pd.DataFrame, inputs: Sequence[str], readings: Sequence[str]) -> pd.DataFrame:
    """The inputs as PRIM wants them: numbers as floats, readings as categories."""
    x = pd.DataFrame({name: draws[name].astype(np.float64) for name in inputs})
    for name in readings:
        x[name] = pd.Categorical(draws[name].astype(str))
    return x


def _limits(box_init: pd.DataFrame, lims: pd.DataFrame) -> pd.DataFrame:
    """The inputs a box restricts, with their range in words (and, for a reading, the
    options kept, for the brief to put in its own words)."""
    rows = []
    for name in lims.columns:
        lo, hi = lims.loc[0, name], lims.loc[1, name]
        init_lo, init_hi = box_init.loc[0, name], box_init.loc[1, name]
        if isinstance(lo, set):
            if lo == init_lo:
                continue
            rows.append(
                (name, "in {" + ", ".join(sorted(map(str, lo))) + "}", tuple(sorted(map(str, lo))))
            )
        elif lo > init_lo and hi < init_hi:
            rows.append((name, f"between {_num(lo)} and {_num(hi)}", ()))
        elif lo > init_lo:
            rows.append((name, f"at least {_num(lo)}", ()))
        elif hi < init_hi:
            rows.append((name, f"at most {_num(hi)}", ()))
    return pd.DataFrame(rows, columns=["input", "range", "kept"])


def _num(value: float) -> str:
    return f"{value:,.4g}"


def _pick(trajectory: pd.DataFrame) -> int:
    """The box on the peeling trajectory to report, among those restricting at most
    MAX_INPUTS inputs (a box a reader can hold in mind, and one a few hundred draws can
    support): the widest (largest coverage) whose density reaches DENSITY, or else the one
    with the largest coverage x density."""
    few = trajectory[trajectory["res_dim"] <= MAX_INPUTS]
    dense = few[few["density"] >= DENSITY]
    if len(dense):
        return int(dense["coverage"].idxmax())
    return int((few["coverage"] * few["density"]).idxmax())


def find_boxes(
    draws: pd.DataFrame,
    inputs: Sequence[str],
    readings: Sequence[str],
    cases: np.ndarray,
    boxes: int = BOXES,
) -> list[Box]:
    """Up to ``boxes`` PRIM boxes of the draws where ``cases`` (a boolean per draw)
    holds; none when there are fewer than MIN_CASES such draws or none outside them."""
    cases = np.asarray(cases, dtype=bool)
    if cases.sum() < MIN_CASES or cases.all():
        return []
    x = _frame(draws, inputs, readings)
    finder = _prim(x, cases)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(boxes):
            try:
                box = finder.find_box()
            except Exception:  # nothing left to peel (EMA raises its own errors)
                break
            if box is None or not len(box.peeling_trajectory):
                break
            i = _pick(box.peeling_trajectory)
            box.select(i)
            row = box.peeling_trajectory.loc[i]
            limits = _limits(finder.box_init, box.box_lims[i])
            if not len(limits):
                break
            out.append(
                Box(
                    limits,
                    float(row["coverage"]),
                    float(row["density"]),
                    float(row["mass"]),
                    int(round(float(row["mass"]) * len(cases))),
                )
            )
    return out


def flips_table(boxes: Sequence[Box]) -> pd.DataFrame:
    """``box, input, range, coverage, density, draws``: every box's restrictions, a row
    each (what ``flips.csv`` holds)."""
    rows = [
        (k + 1, r.input, r.range, round(b.coverage, 4), round(b.density, 4), b.draws)
        for k, b in enumerate(boxes)
        for r in b.limits.itertuples()
    ]
    return pd.DataFrame(rows, columns=["box", "input", "range", "coverage", "density", "draws"])
