"""Kansas (DCF Rehabilitation Services): everything the state decides beyond its rule
units (``rules.py``) and its rulebook files: its service codes, the accountability
benchmark (80% of persons served within 90 days, reviewed quarterly), the appeal route,
and the explorer's rate control."""

from __future__ import annotations

from typing import Any

from jobcoach_model.rulebooks.api import Control, Jurisdiction


class Kansas(Jurisdiction):
    """Kansas's hooks."""

    code = "KS"

    def default_schemes(self) -> tuple[dict[str, str], ...]:
        return ({"name": "Kansas hourly", "kind": "hourly"},)

    def payment_month(self, book: Any, caseload: Any, lines: Any, billed: Any) -> Any:
        """On the monthly bill after the report covering the line is in (000: "if the
        required periodic reports are up-to-date"; the monthly cycle is an assumption)."""
        from jobcoach_model.rulebooks.api import reported_month

        return reported_month(caseload, lines, billed)

    def coaching_codes(self, book: Any) -> tuple[str, ...]:
        return tuple(book.value("service_codes", book.effective))

    def benchmark(self, book: Any, when: Any) -> dict[str, float]:
        return {
            "share": book.value("benchmark_share", when),
            "window_days": book.value("benchmark_window_days", when),
            "review_months": book.value("benchmark_review_months", when),
        }

    def appeal_route(self, book: Any, when: Any) -> tuple[tuple[str, ...], str]:
        return tuple(book.value("appeal_chain", when)), "KS-APPEAL"

    def controls(self) -> tuple[Control, ...]:
        return (
            Control("ks_rate", "Kansas hourly rate (USD)", 20, 80, 0.01, parameter="hourly_rate"),
        )


JURISDICTION = Kansas()
