"""Kentucky: a flat 15 USD/hour and at most 100 hours per consumer (2001 fee memo,
amended 2003, as ``published_figures.md`` cites it). The source says nothing more, so
every hook keeps the registry's silent default: hourly lines only, paid the month after
service (assumption), no benchmark, no appeal route; one explorer control, the rate."""

from __future__ import annotations

from jobcoach_model.rulebooks.api import Control, Jurisdiction


class Kentucky(Jurisdiction):
    """Kentucky's hooks."""

    code = "KY"

    def controls(self) -> tuple[Control, ...]:
        return (
            Control("ky_rate", "Kentucky hourly rate (USD)", 5, 80, 0.01, parameter="hourly_rate"),
        )


JURISDICTION = Kentucky()
