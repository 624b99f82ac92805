"""Iowa (IVRS): everything the state decides beyond its rule units (``rules.py``) and its
rulebook files: a negotiated rate is required, hourly money waits for stabilization
(reading ``hourly_payment_timing``), the unit-rate and outcome (D-code) schemes
(``schemes.py``), the D-code milestones as caseload measures, and the explorer's rate
controls."""

from __future__ import annotations

from typing import Any

from jobcoach_model.rulebooks.api import Control, Jurisdiction, Measure


class Iowa(Jurisdiction):
    """Iowa's hooks."""

    code = "IA"
    kinds = {"outcome": False, "unit_rate": True}

    def default_schemes(self) -> tuple[dict[str, str], ...]:
        return (
            {"name": "Iowa hourly", "kind": "hourly"},
            {"name": "Iowa outcome (D codes)", "kind": "outcome"},
            {"name": "Iowa SE unit rate", "kind": "unit_rate"},
        )

    def line_terms(self, kind: str, book: Any, lines: Any, when: Any) -> Any:
        from jobcoach_model.rulebooks.ia.schemes import unit_rate_terms

        return unit_rate_terms(book, lines, when)

    def price_cases(self, kind: str, caseload: Any, book: Any, assessment_days: int) -> Any:
        from jobcoach_model.rulebooks.ia.schemes import price_outcome

        return price_outcome(caseload, book, assessment_days)

    def basis_rule(self, kind: str, book: Any) -> str:
        if kind == "unit_rate":
            from jobcoach_model.rulebooks.ia.schemes import UNIT_RATE_RULE

            return UNIT_RATE_RULE
        return super().basis_rule(kind, book)

    def require(self, lines: Any, book: Any) -> None:
        """Every coach's negotiated rate is required (002: "Hourly job coach rates should
        be negotiated"); hourly lines are priced only on an hourly authorization basis."""
        import numpy as np

        from jobcoach_model.rulebooks.api import InputError

        missing = np.isnan(lines.coaches["hourly_rate"])
        if missing.any():
            i = int(np.argmax(missing))
            raise InputError(
                lines.sources["coaches"],
                "a number > 0 (the negotiated rate is required under Iowa rules)",
                row=i,
                column="hourly_rate",
                got="",
            )
        if book.setting("authorization_basis", book.effective) != "hourly":
            raise InputError(
                "--set authorization_basis",
                "hourly (outcome D-code payments are priced per case by the outcome "
                "scheme, not per service line)",
                got="outcome",
            )

    def payment_month(self, book: Any, caseload: Any, lines: Any, billed: Any) -> Any:
        """Not before stabilization, by default (001: "Provide notice of job stabilization
        to IVRS for payment"; reading ``hourly_payment_timing``)."""
        from jobcoach_model.rulebooks.api import reported_month

        billed = reported_month(caseload, lines, billed)  # IA-REPORT: after the report
        if book.choice("hourly_payment_timing") != "on_stabilization":
            return billed
        import numpy as np

        from jobcoach_model.rulebooks.api import NEVER, month_index

        stab = lines.case("stabilized_on")
        known = stab < NEVER
        at = month_index(np.where(known, stab, lines.line("date")), caseload.start)
        return np.where(known, np.maximum(billed, at), billed)

    def never_released(self, book: Any, caseload: Any, lines: Any, held: Any) -> Any:
        """Under ``on_stabilization``, a held line of a job that ended before it was
        stabilized is never paid: stabilization can no longer be documented."""
        import numpy as np

        from jobcoach_model.rulebooks.api import NEVER

        if book.choice("hourly_payment_timing") != "on_stabilization":
            return np.zeros(len(held), dtype=bool)
        ended = caseload.outcomes["job_end"][lines.case_idx] < caseload.horizon_end
        return held & (lines.case("stabilized_on") >= NEVER) & ended

    def measures(self) -> tuple[Measure, ...]:
        return (
            Measure("d20_reached", "D20 reached: assessment report"),
            Measure("d21_reached", "D21 reached: stabilization approved"),
            Measure("d22_reached", "D22 reached: 45 days employed"),
            Measure("d23_reached", "D23 reached: 90 days employed"),
        )

    def caseload_counts(self, caseload: Any, book: Any, assessment_days: int) -> dict:
        from jobcoach_model.rulebooks.api import NEVER
        from jobcoach_model.rulebooks.ia.schemes import milestone_days

        days = milestone_days(caseload, book, assessment_days)
        return {f"{code.lower()}_reached": day < NEVER for code, day in days.items()}

    def controls(self) -> tuple[Control, ...]:
        return (
            Control(
                "ia_cap", "Iowa cap, independent (USD/h)", 20, 80, 0.01, parameter="max_hourly_rate"
            ),
            Control(
                "ia_medicaid",
                "Iowa Medicaid rate (USD/h)",
                20,
                80,
                0.01,
                parameter="medicaid_hourly_rate",
            ),
        )

    def rate_caps(
        self, book: Any, when: Any, independent: bool, medicaid: float | None
    ) -> tuple[tuple[str, float], ...]:
        caps = [("IA-RATE-CAP", float(book.value("max_hourly_rate", when)))] if independent else []
        own = book.value("medicaid_hourly_rate", when) if medicaid is None else medicaid
        return (*caps, ("IA-RATE-MEDICAID", float(own)))

    def cost_clauses(self) -> dict[str, tuple[str, str]]:
        manual, guidance = "002_a9d58c618c6fea04.txt", "001_d3eca8ff73a20b8d.txt"
        expenses = (manual, "consider the expenses associated with providing this service")
        return {
            "earnings": (manual, "based on the costs incurred by the job coach"),
            "self_employment_tax": (
                guidance,
                "the area office should request the potential job coach complete a W-9 form",
            ),
            "liability_insurance": (
                guidance,
                "is required to have professional liability insurance coverage",
            ),
            "training": (
                guidance,
                "Certification of Completion from an Employment Specialist Training Program",
            ),
            "travel": expenses,
            "other_expenses": expenses,
        }

    def published_checks(self, book: Any, when: Any) -> list[tuple[str, float, str]]:
        from jobcoach_model.rulebooks.ia.schemes import MILESTONES

        path = float(sum(book.value(f"{c.lower()}_amount", when) for c in MILESTONES))
        return [
            (
                "D-code path for a case reaching D20-D23",
                path,
                "$2,586 (IVRS Resource Sharing sheet, 2014-11-13)",
            )
        ]


JURISDICTION = Iowa()
