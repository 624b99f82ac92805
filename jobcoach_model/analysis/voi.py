"""What joint draws over every assumption and reading say, and what measuring an input
would be worth: the probability that each scheme is the cheapest and that each finding
holds, with Monte Carlo standard errors; the expected value of perfect information
(EVPI) and of partial perfect information about one input (EVPPI), by regression on the
same draws (Strong, Oakley & Brennan 2014, Medical Decision Making 34(3):311-326; as the
R packages ``voi``, ``BCEA`` and ``dampack`` do).

The decision is "choose the cheapest scheme": in draw ``i`` scheme ``d`` has net benefit
``NB[i, d] = -cost[i, d]`` (or ``value * kept[i, d] - cost[i, d]`` with a value per job
kept). Then

- ``EVPI = mean_i max_d NB[i, d] - max_d mean_i NB[i, d]``;
- ``EVPPI(x) = mean_i max_d g_d(x_i) - max_d mean_i NB[i, d]``, where ``g_d(x)`` is
  ``E[NB_d | x]`` fitted on the draws: for a number, a regression on a cubic B-spline
  basis of ``x`` (statsmodels' ``BSplines``, the smoother of its GAMs; one input, so the
  additive model is that spline); for a reading (a few options), the mean per option;
  for a group known together, its members' main effects and every pairwise interaction
  (readings crossed, a reading's options times a number's spline, two numbers' splines
  as a tensor product), so a value that only a combination carries is seen.

Standard errors come from resampling the draws (the fit refitted on each resample).
Nothing here knows a rule: it reads a table of draws, one row each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: resamples behind each EVPPI standard error
RESAMPLES = 200
#: degrees of freedom of a number's spline (the GAM's basis size)
SPLINE_DF = 6
#: ... and of its basis in a group's interactions (smaller: every extra column lets the
#: fit chase noise, which biases EVPPI upward)
BY_DF = 4
#: a group's pairwise interactions are fitted only with at least this many draws per
#: column of the design
DRAWS_PER_COLUMN = 10


@dataclass(frozen=True)
class Probability:
    """A share of draws and its Monte Carlo standard error, sqrt(p (1 - p) / N)."""

    value: float
    se: float
    draws: int


def probability(holds: np.ndarray) -> Probability:
    """The share of draws in which a finding holds (a boolean per draw)."""
    holds = np.asarray(holds, dtype=bool)
    n = len(holds)
    p = float(holds.mean()) if n else float("nan")
    return Probability(p, float(np.sqrt(p * (1 - p) / n)) if n else float("nan"), n)


def strict_winner(costs: pd.DataFrame) -> np.ndarray:
    """Per draw, the column index of the scheme that costs least, or -1 where two or more
    tie for the least to the cent (a tie is nobody's win)."""
    values = np.round(costs.to_numpy(dtype=np.float64), 2)
    if values.shape[1] == 0:
        return np.full(len(values), -1)
    winner = values.argmin(axis=1)
    tied = (values == values.min(axis=1, keepdims=True)).sum(axis=1) > 1
    return np.where(tied, -1, winner)


def cheapest(costs: pd.DataFrame) -> pd.DataFrame:
    """``scheme, p_cheapest, se``: how often each scheme (a column of costs, one row a
    draw) costs strictly least. A draw where two or more schemes tie for the least (to the
    cent) counts for none of them: the shares then add up to less than one, and ``tied``
    gives the rest."""
    winner = strict_winner(costs)
    rows = []
    for j, scheme in enumerate(costs.columns):
        p = probability(winner == j)
        rows.append((scheme, p.value, p.se))
    return pd.DataFrame(rows, columns=["scheme", "p_cheapest", "se"])


def tied(costs: pd.DataFrame) -> Probability:
    """The share of draws in which two or more schemes tie for the least, to the cent."""
    return probability(strict_winner(costs) == -1)


def pairwise_findings(costs: pd.DataFrame) -> pd.DataFrame:
    """``finding, probability, se`` for every ordered pair: "A costs less than B", strictly
    (to the cent), so a pair equal in every draw has probability 0 both ways."""
    rows = []
    names = list(costs.columns)
    cents = costs.round(2)
    for a in names:
        for b in names:
            if a != b:
                p = probability(cents[a].to_numpy() < cents[b].to_numpy())
                rows.append((f"{a} costs less than {b}", p.value, p.se))
    return pd.DataFrame(rows, columns=["finding", "probability", "se"])


def evpi(nb: np.ndarray) -> float:
    """The expected value of perfect information about everything uncertain."""
    nb = np.asarray(nb, dtype=np.float64)
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def _basis(x: np.ndarray, df: int) -> np.ndarray:
    """An intercept and a cubic B-spline basis of ``x`` (statsmodels' GAM smoother)."""
    from statsmodels.gam.api import BSplines

    x = np.asarray(x, dtype=np.float64)
    if np.ptp(x) == 0:
        return np.ones((len(x), 1))
    spline = BSplines(x[:, None], df=[df], degree=[3], include_intercept=False)
    return np.column_stack([np.ones(len(x)), spline.basis])


def _fitted(design: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """E[NB | x] for every scheme at once: least squares on the design."""
    coef, *_ = np.linalg.lstsq(design, nb, rcond=None)
    return design @ coef


def _option_design(x: np.ndarray) -> np.ndarray:
    """One column per option of a reading: the fit is the mean per option."""
    _, codes = np.unique(np.asarray(x).astype(str), return_inverse=True)
    return np.eye(codes.max() + 1)[codes]


def _design(columns: Sequence[np.ndarray], categorical: Sequence[bool], df: int) -> np.ndarray:
    """The regression's design for one input or a group known together.

    One input: an intercept and its spline basis (a number) or its option columns (a
    reading). A group: an intercept, each member's main effect (its spline, or its options
    less the first, which the intercept holds), and every pairwise interaction, since a
    group's value is often carried by a combination that no member carries alone: two
    readings crossed (a mean per pair of options), a reading times a number's spline (a
    GAM's "by" smooth) and two numbers' splines as a tensor product (a GAM's ``te()``
    smooth, as the ``voi`` R package fits a group). The pairwise terms are kept while the
    design has at least ``DRAWS_PER_COLUMN`` draws per column; past that (a large group on
    few draws) the fit would chase noise, which biases EVPPI upward, so the group falls
    back to its main effects and the reading-by-number smooths."""
    n = len(columns[0])
    main, pairs = [], []
    for x, cat in zip(columns, categorical, strict=True):
        main.append((_option_design(x) if cat else _basis(x, df))[:, 1:])
        pairs.append((_option_design(x) if cat else _basis(x, BY_DF))[:, 1:])
    parts = [np.ones((n, 1)), *main]
    if len(columns) == 1:
        return np.column_stack(parts)
    every, by = [], []
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            term = _cross(pairs[i], pairs[j])
            every.append(term)
            if categorical[i] != categorical[j]:
                by.append(term)
    width = sum(p.shape[1] for p in parts)
    if width + sum(t.shape[1] for t in every) <= n / DRAWS_PER_COLUMN:
        return np.column_stack(parts + every)
    return np.column_stack(parts + by)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every column of ``a`` times every column of ``b`` (row by row)."""
    return (a[:, :, None] * b[:, None, :]).reshape(len(a), -1)


def evppi(
    nb: np.ndarray,
    x: np.ndarray | Sequence[np.ndarray],
    categorical: bool | Sequence[bool] = False,
    seed: int = 0,
    df: int = SPLINE_DF,
) -> tuple[float, float]:
    """EVPPI of one input (``x``, a value per draw) or of a group of inputs known
    together (a list of such columns, with their pairwise interactions: ``_design``), and
    its standard error."""
    nb = np.asarray(nb, dtype=np.float64)
    columns = list(x) if isinstance(x, list | tuple) else [x]
    cats = (
        list(categorical) if isinstance(categorical, list | tuple) else [categorical] * len(columns)
    )
    design = _design(columns, cats, df)

    def estimate(rows: np.ndarray) -> float:
        g = _fitted(design[rows], nb[rows])
        return float(g.max(axis=1).mean() - nb[rows].mean(axis=0).max())

    point = estimate(np.arange(len(nb)))
    rng = np.random.default_rng(seed)
    boot = [estimate(rng.integers(0, len(nb), len(nb))) for _ in range(RESAMPLES)]
    floor = _noise(nb)
    return _clean(point, floor), _clean(float(np.std(boot, ddof=1)), floor)


def _noise(nb: np.ndarray) -> float:
    """Below this a value of information is floating-point noise: a billionth of the
    largest net benefit (a fitted mean equal to the overall mean differs from it by
    rounding only)."""
    return 1e-9 * float(np.abs(nb).max()) if nb.size else 0.0


def _clean(value: float, floor: float) -> float:
    """A value of information, never negative, zero when it is rounding noise."""
    return value if value > floor else 0.0


def net_benefit(
    costs: pd.DataFrame, kept: pd.DataFrame | None = None, value_per_job: float | None = None
) -> np.ndarray:
    """NB per draw and scheme: minus the cost, plus the value of the jobs kept 90 days
    when a value per job is given."""
    nb = -costs.to_numpy(dtype=np.float64)
    if value_per_job is not None and kept is not None:
        nb = nb + value_per_job * kept.to_numpy(dtype=np.float64)
    return nb


def value_of_information(
    draws: pd.DataFrame,
    inputs: Sequence[str],
    readings: Sequence[str],
    costs: pd.DataFrame,
    kept: pd.DataFrame | None = None,
    value_per_job: float | None = None,
    groups: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """``input, evppi, se`` for every input (a number) and reading (an option), then each
    named group of them known together (``groups``: e.g. all of a rulebook's readings,
    whose joint value can exceed the sum of its members' when no one alone changes the
    choice), largest first, and a last row ``EVPI`` (its se from resampling the draws)."""
    nb = net_benefit(costs, kept, value_per_job)
    rows = []
    for i, name in enumerate([*inputs, *readings]):
        value, se = evppi(nb, draws[name].to_numpy(), categorical=name in readings, seed=i)
        rows.append((name, value, se))
    for i, (name, members) in enumerate((groups or {}).items(), start=len(rows)):
        columns = [draws[m].to_numpy() for m in members]
        value, se = evppi(nb, columns, [m in readings for m in members], seed=i)
        rows.append((name, value, se))
    table = pd.DataFrame(rows, columns=["input", "evppi", "se"])
    table = table.sort_values("evppi", ascending=False, kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(len(rows))
    boot = [evpi(nb[rng.integers(0, len(nb), len(nb))]) for _ in range(RESAMPLES)]
    floor = _noise(nb)
    total = pd.DataFrame(
        [("EVPI", _clean(evpi(nb), floor), _clean(float(np.std(boot, ddof=1)), floor))],
        columns=table.columns,
    )
    return pd.concat([table, total], ignore_index=True)
