"""Texas rules, one unit per rule id, under the clause of ``published_figures.md``
("Other states' hourly rates": DARS VR manual ch. 16, retired 2017-10-01) it implements.

The unit has a vectorized form and a separately written line-by-line twin; the
differential tests hold them equal. The source says nothing else: every other topic is
silent, and a line dated on or after 2017-10-01 is refused (the cap stops that day).
"""

from __future__ import annotations

import numpy as np

from jobcoach_model.rulebooks.api import LineContext, RuleUnit, VectorContext, register


# published_figures.md: "Texas DARS VR manual ch. 16 (retired 2017-10-01): general job
# coaching up to 37.50 USD/hour."
@register
class TxRate(RuleUnit):
    id = "TX-RATE"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        cap = np.asarray(ctx.param("max_hourly_rate"), dtype=np.float64)
        if ctx.choice("rate_basis") == "the_cap":
            ctx.set_rate(cap)
        else:
            ctx.set_rate(np.minimum(ctx.coach("hourly_rate"), cap))
        ctx.note(True)

    @staticmethod
    def line(ctx: LineContext) -> None:
        cap = ctx.param("max_hourly_rate")
        own = ctx.coach["hourly_rate"]
        ctx.set_rate(cap if ctx.choice("rate_basis") == "the_cap" else min(own, cap))
        ctx.note()
