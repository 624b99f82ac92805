"""Kentucky rules, one unit per rule id, each under the clause of ``published_figures.md``
("Other states' hourly rates": the 2001 fee memo, amended 2003) that it implements.

Every unit has a vectorized form and a separately written line-by-line twin; the
differential tests hold them equal. Statements, parameters and interpretations are in
``rulebooks/ky/rules.yaml``. The source says nothing else: every other topic is silent.
"""

from __future__ import annotations

import numpy as np

from jobcoach_model.rulebooks.api import (
    FlatRate,
    HoursCap,
    LineContext,
    VectorContext,
    hour_units,
    hours_units,
    register,
)


# published_figures.md: "Kentucky (2001 fee memo, amended 2003): 15 USD/hour"
@register
class KyRate(FlatRate):
    id = "KY-RATE"
    parameter = "hourly_rate"


# published_figures.md: "15 USD/hour, up to 100 hours per consumer"
@register
class KyHoursCap(HoursCap):
    id = "KY-HOURS-CAP"
    per = "consumer"  # "up to 100 hours per consumer": every case of one person

    @staticmethod
    def limit(ctx: VectorContext) -> np.ndarray:
        # the cap in force on each consumer's first line (a per-consumer limit has one value)
        consumer = ctx.lines.consumer_idx
        n = int(ctx.lines.consumer_of_case.max()) + 1 if len(ctx.lines.consumer_of_case) else 0
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, consumer, ctx.day)
        cap = np.zeros(n, dtype=np.int64)
        seen = first < np.iinfo(np.int64).max
        if seen.any():
            by_day = ctx.book.vector("max_hours_per_consumer", first[seen])
            cap[seen] = hours_units(np.broadcast_to(by_day, (int(seen.sum()),)))
        return cap

    @staticmethod
    def case_limit(ctx: VectorContext) -> np.ndarray | None:
        # interpretation authorized_hours: a case's authorized hours may limit it too
        if ctx.choice("authorized_hours") == "also_a_limit":
            return ctx.lines.case_units()
        return None

    @staticmethod
    def line_limit(ctx: LineContext) -> int:
        # called on the consumer's first line in date order: the cap in force that day
        return hour_units(ctx.param("max_hours_per_consumer"))

    @staticmethod
    def line_case_limit(ctx: LineContext) -> int | None:
        if ctx.choice("authorized_hours") == "also_a_limit":
            return hour_units(ctx.case["authorized_hours"])
        return None
