"""ACRO's cell checks, as an independent oracle for ``jobcoach_model.analysis.disclosure``.

Copied verbatim (only the logging call dropped) from ``acro/acro_tables.py`` of
acro 0.4.12 (https://github.com/AI-SDC/ACRO, MIT License, Copyright (c) 2022 AI-SDC),
with its default risk appetite (``acro/default.yaml``). The package itself cannot be
installed beside this project: every acro release requires ``pandas<=2.3.3`` and the
project runs on pandas 3. Each function takes one cell's contributions, one value per
contributor, and says whether the cell is disclosive.
"""

from __future__ import annotations

from pandas import Series

THRESHOLD: int = 10
SAFE_PRATIO_P: float = 0.1
SAFE_NK_N: int = 2
SAFE_NK_K: float = 0.9
ZEROS_ARE_DISCLOSIVE: bool = True


def agg_p_percent(vals: Series) -> bool:
    """Return whether the p percent rule is violated."""
    assert isinstance(vals, Series), "vals is not a pandas series"
    sorted_vals = vals.sort_values(ascending=False)
    total: float = sorted_vals.sum()
    if total <= 0.0 or vals.size <= 1:
        return bool(ZEROS_ARE_DISCLOSIVE)
    sub_total = total - sorted_vals.iloc[0] - sorted_vals.iloc[1]
    p_val: float = sub_total / sorted_vals.iloc[0] if total > 0 else 1
    return p_val < SAFE_PRATIO_P


def agg_nk(vals: Series) -> bool:
    """Return whether the top n items account for more than k percent of the total."""
    total: float = vals.sum()
    if total > 0:
        sorted_vals = vals.sort_values(ascending=False)
        n_total = sorted_vals.iloc[0:SAFE_NK_N].sum()
        return (n_total / total) > SAFE_NK_K
    return False


def agg_threshold(vals: Series) -> bool:
    """Return whether the number of contributors is below a threshold."""
    return vals.count() < THRESHOLD
