"""Who gains and who loses when one scheme replaces another: each provider's change in
paid money, counted by provider size band (providers gaining or losing more than 5%, the
median change), over replications (a simulated caseload) or once (an agency's records).

One place for the concept: the records brief, the cost brief and the explorer all call
``gains_by_band``. The providers' changes it counts add up to the change of the totals,
because they are the totals' own money split by provider.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: a provider gains or loses when its money changes by more than this share
MATERIAL_CHANGE = 0.05
#: provider size bands, by consumers served
SIZE_BANDS = ((1, 10), (11, 50), (51, 200), (201, None))
ALL = "all providers"


def band_label(low: int, high: int | None) -> str:
    """A size band's label, e.g. ``11-50 consumers``."""
    return f"{low}-{high} consumers" if high else f"over {low - 1} consumers"


def band_of(consumers: np.ndarray) -> np.ndarray:
    """Each provider's size band label by the consumers it serves ("" for none)."""
    consumers = np.asarray(consumers)
    out = np.full(consumers.shape, "", dtype=object)
    for lo, hi in SIZE_BANDS:
        out[(consumers >= lo) & (consumers <= (hi or np.inf))] = band_label(lo, hi)
    return out


def change_share(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Each provider's change as a share of its money before (inf: paid nothing before
    and something after; 0: nothing either way)."""
    change = (end - start).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(start > 0, change / start, np.where(change > 0, np.inf, 0.0))


def gains_by_band(start: np.ndarray, end: np.ndarray, consumers: np.ndarray) -> pd.DataFrame:
    """Per size band and for all providers, over replications (rows of the replications x
    providers arrays of paid cents before and after, and consumers): providers and
    consumers, how many gain or lose more than 5%, the median change (USD and share) and
    the total change (USD), each as the mean over replications with its 5th and 95th
    percentiles (equal to the mean for one replication). A provider serving no consumer
    in a replication is not counted there."""
    start, end = np.atleast_2d(start), np.atleast_2d(end)
    consumers = np.atleast_2d(consumers)
    share = change_share(start, end)
    change = (end - start) / 100
    served = consumers > 0
    of = band_of(consumers)
    bands = [(band_label(lo, hi), of == band_label(lo, hi)) for lo, hi in SIZE_BANDS]
    rows = []
    for label, in_band in [*bands, (ALL, served)]:
        sel = in_band & served
        if not sel.any():
            continue
        finite = np.where(sel & np.isfinite(share), share, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a replication without any
            stats = {
                "providers": sel.sum(axis=1),
                "consumers": np.where(sel, consumers, 0).sum(axis=1),
                "gain_over_5pct": (sel & (share > MATERIAL_CHANGE)).sum(axis=1),
                "lose_over_5pct": (sel & (share < -MATERIAL_CHANGE)).sum(axis=1),
                "median_change": np.nanmedian(np.where(sel, change, np.nan), axis=1),
                "median_change_share": np.nanmedian(finite, axis=1),
                "total_change": np.where(sel, end - start, 0).sum(axis=1) / 100,
            }
        row = {"band": label}
        for name, values in stats.items():
            values = np.asarray(values, dtype=np.float64)
            values = values[np.isfinite(values)]
            if not values.size:
                row[name], row[f"{name}_p05"], row[f"{name}_p95"] = 0.0, 0.0, 0.0
                continue
            row[name] = float(values.mean())
            row[f"{name}_p05"], row[f"{name}_p95"] = (
                float(x) for x in np.percentile(values, [5, 95])
            )
        rows.append(row)
    return pd.DataFrame(rows)
