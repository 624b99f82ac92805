"""Small value-for-money inputs with answers known by hand, shared by the tests of the
analysis (``test_value``) and of the sentences the brief says about it (``test_claims``)."""

from __future__ import annotations

import numpy as np

from jobcoach_model.analysis.value import ValueForMoney
from jobcoach_model.caseloads.scenario import Value


def value_toy(kept_b: list[float], over: str = "simulated caseloads") -> ValueForMoney:
    """A pays 100 and keeps 10 jobs; B pays 200 and keeps ``kept_b`` (per replication or
    draw, as ``over`` says); a kept job is worth 10.5, the curve runs from 0 to 40."""
    n = len(kept_b)
    return ValueForMoney(
        scenario=None,
        reference="A",
        paid={"A": np.full(n, 100.0), "B": np.full(n, 200.0)},
        kept={"A": np.full(n, 10.0), "B": np.array(kept_b, dtype=float)},
        stabilized={"A": np.full(n, 10.0), "B": np.array(kept_b, dtype=float)},
        hard_cases={"A": 5.0, "B": 5.0},
        value=Value(per_kept_job=10.5, low=0, high=40),
        over=over,
    )
