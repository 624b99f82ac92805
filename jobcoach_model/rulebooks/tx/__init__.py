"""Texas: general job coaching paid up to 37.50 USD/hour under the DARS VR manual,
chapter 16, retired 2017-10-01 (as ``published_figures.md`` cites it): a dated value that
stops. Under the default reading (``rate_basis``: the coach's rate, capped) every coach's
rate is required. The source says nothing more, so every other hook keeps the registry's
silent default; one explorer control, the cap."""

from __future__ import annotations

from typing import Any

from jobcoach_model.rulebooks.api import Control, Jurisdiction


class Texas(Jurisdiction):
    """Texas's hooks."""

    code = "TX"

    def require(self, lines: Any, book: Any) -> None:
        """A coach's own rate is required when the cap caps it (reading rate_basis)."""
        if book.choice("rate_basis") != "coach_rate_capped":
            return
        import numpy as np

        from jobcoach_model.rulebooks.api import InputError

        missing = np.isnan(lines.coaches["hourly_rate"])
        if missing.any():
            raise InputError(
                lines.sources["coaches"],
                "a number > 0 (Texas pays the coach's own rate up to its cap; or "
                "--set rate_basis=the_cap)",
                row=int(np.argmax(missing)),
                column="hourly_rate",
                got="",
            )

    def controls(self) -> tuple[Control, ...]:
        return (Control("tx_cap", "Texas cap (USD/h)", 5, 80, 0.01, parameter="max_hourly_rate"),)


JURISDICTION = Texas()
