"""Scenario files: the caseload, service pattern, outcomes, authorizations, rate schemes and
simulation settings of one what-if run, validated by a pydantic schema.

Every default is calibrated from ``published_figures.md`` where a figure exists (the
comment beside it cites the source); where none exists the comment says *assumption*.
A bad file fails with one line naming the file, the field path and what was expected.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jobcoach_model.base.errors import JobcoachError, ScenarioError
from jobcoach_model.base.outputs import formula_like
from jobcoach_model.base.strict_yaml import read_mapping
from jobcoach_model.law.jurisdictions import codes, default_schemes
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import get_rulebook
from jobcoach_model.records.contract import CREDENTIALS, NEEDS

#: the sensitivity range of stabilization_share, and why
SRC_STAB = "high 25%: UCP Northwest Missouri (published_figures.md); low: assumption"


def swing(low: float, high: float, source: str = "assumption") -> dict[str, Any]:
    """A sensitivity range kept beside a default: what ``jobcoach sensitivity`` swings the
    input over (one at a time for the tornado, jointly for Sobol), and where it is from."""
    return {"swing": {"low": low, "high": high, "source": source}}


def scale(low: float, high: float, source: str = "assumption") -> dict[str, Any]:
    """A sensitivity range for a per-need input: every level multiplied by one factor
    from ``low`` to ``high`` together."""
    return {"swing": {"low": low, "high": high, "source": source, "scale": True}}


#: every need level x0.75 to x1.25, or x0.8 to x1.2 (assumptions)
QUARTER, FIFTH = scale(0.75, 1.25), scale(0.8, 1.2)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _shares(value: dict[str, float], keys: tuple[str, ...] | None = None) -> dict[str, float]:
    if keys is not None:
        unknown = set(value) - set(keys)
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; expected some of {list(keys)}")
    if any(v < 0 for v in value.values()):
        raise ValueError("shares must be >= 0")
    total = sum(value.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1, got {total:g}")
    return value


class ByNeed(_Model):
    """One number per need level."""

    low: float = Field(ge=0)
    medium: float = Field(ge=0)
    high: float = Field(ge=0)

    def get(self, need: str) -> float:
        """The number for one need level."""
        return float(getattr(self, need))


class Coaches(_Model):
    """Who the coaches are and what they charge."""

    providers: int = Field(20, ge=1)  # assumption
    coaches_per_provider: int = Field(3, ge=1)  # assumption
    #: spread of provider caseload sizes (coefficient of variation of a gamma); assumption
    provider_size_cv: float = Field(0.6, ge=0, json_schema_extra=swing(0.3, 0.9))
    #: credential mix; `none_in_training` = no credential yet, Employment Specialist
    #: training started (seed 001: "up to one year to complete training"); assumption
    credential_mix: dict[str, float] = Field(
        default_factory=lambda: {
            "apse_certificate": 0.25,
            "directcourse_certificate": 0.15,
            "licensed_educator": 0.05,
            "former_vr_counselor": 0.05,
            "crcc_3yr": 0.05,
            "rehab_or_education_degree": 0.10,
            "crp_accredited": 0.25,
            "none_in_training": 0.08,
            "none": 0.02,
        }
    )
    #: months since training started, for coaches in training (uniform 0..max); assumption
    training_months_max: float = Field(15, ge=0, json_schema_extra=swing(9, 24))
    #: negotiated hourly rates: normal, clipped; assumption centred below the 45.16 cap
    #: (seed 001: "pay UP TO $45.16 an hour")
    rate_mean: float = Field(40.0, gt=0, json_schema_extra=swing(36.0, 44.0))
    rate_sd: float = Field(4.0, ge=0, json_schema_extra=swing(2.0, 6.0))  # assumption
    rate_min: float = Field(25.0, gt=0)  # assumption
    rate_max: float = Field(55.0, gt=0)  # assumption
    cco_share: float = Field(0.05, ge=0, le=1, json_schema_extra=swing(0.0, 0.15))  # assumption
    independent_share: float = Field(
        0.35, ge=0, le=1, json_schema_extra=swing(0.2, 0.5)
    )  # assumption
    w9_share: float = Field(0.97, ge=0, le=1, json_schema_extra=swing(0.9, 1.0))  # assumption
    insurance_share: float = Field(
        0.95, ge=0, le=1, json_schema_extra=swing(0.9, 1.0)
    )  # assumption

    @field_validator("credential_mix")
    @classmethod
    def _mix(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, (*[c for c in CREDENTIALS if c != "none"], "none", "none_in_training"))


class Caseload(_Model):
    """The consumers served. With a budget ``window`` (``Scenario.window``) the horizon's
    days and the hiring weeks are the window's, and with ``intake_per_month`` so is the
    number of consumers: those fields are then derived, not read."""

    consumers: int = Field(1000, ge=1)
    weeks: int = Field(52, ge=1, le=523)
    start_date: dt.date = dt.date(2026, 1, 5)
    #: the first day after the horizon (a window's end); empty: start_date + weeks
    end_date: dt.date | None = None
    #: hires spread evenly over the first weeks of the horizon; assumption
    start_window_weeks: int = Field(26, ge=1)
    #: consumers starting per month over a budget window: one number for every month, or
    #: a list by month (one per month of the window, or 12 repeated each year)
    intake_per_month: float | list[float] | None = None
    #: share of consumers at each need level; assumption
    need_mix: dict[str, float] = Field(
        default_factory=lambda: {"low": 0.35, "medium": 0.45, "high": 0.20}
    )
    #: hours the consumer works per week; assumption
    work_hours_per_week: ByNeed = Field(ByNeed(low=25, medium=20, high=15), json_schema_extra=FIFTH)
    coaches: Coaches = Coaches()

    @field_validator("need_mix")
    @classmethod
    def _need(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, NEEDS)


class Services(_Model):
    """How coaching is delivered week by week."""

    #: coach time as a share of work time in the first week. Coaches typically start on
    #: site 100% of the consumer's work time (published_figures.md, UCP Northwest
    #: Missouri); lower for low need is an assumption.
    initial_share: ByNeed = ByNeed(low=0.5, medium=0.75, high=1.0)
    #: weekly fading of coach time (multiplicative); assumption
    fade_per_week: ByNeed = Field(
        ByNeed(low=0.20, medium=0.15, high=0.10), json_schema_extra=QUARTER
    )
    #: person-to-person spread of fading (sd of a log-normal multiplier); assumption
    fade_spread: float = Field(0.25, ge=0, json_schema_extra=swing(0.1, 0.4))
    #: stabilization when coach time falls to this share of work time: "plan for
    #: follow-along when support falls to about 20% of work time" (published_figures.md,
    #: Networks for Training SE101 M6L2)
    stabilization_share: float = Field(
        0.20, gt=0, lt=1, json_schema_extra=swing(0.15, 0.25, SRC_STAB)
    )
    #: coaching ends by this many weeks at the latest: "at 24 months" (UCP, published_figures.md)
    max_weeks: int = Field(104, ge=1)
    #: coaching lines billed per week (one session, reported weekly as Kansas asks:
    #: "Weekly reports to the RS counselor", seed 000); more is an assumption
    sessions_per_week: int = Field(1, ge=1, le=5)
    group_share: float = Field(0.10, ge=0, le=1, json_schema_extra=swing(0.05, 0.25))  # assumption
    #: group sizes, 2 to 8 workers (published_figures.md, Montana ARM 37.34.985)
    group_sizes: dict[int, float] = Field(default_factory=lambda: {2: 0.5, 3: 0.3, 4: 0.2})
    offsite_share: float = Field(
        0.08, ge=0, le=1, json_schema_extra=swing(0.04, 0.15)
    )  # assumption
    offsite_approved_share: float = Field(
        0.6, ge=0, le=1, json_schema_extra=swing(0.4, 0.8)
    )  # assumption
    placement_share: float = Field(0.5, ge=0, le=1, json_schema_extra=swing(0.3, 0.7))  # assumption
    #: share of cases authorized alongside a vocational assessment; assumption
    concurrent_assessment_share: float = Field(
        0.03, ge=0, le=1, json_schema_extra=swing(0.01, 0.06)
    )
    #: share of lines billed under a wrong service code; assumption
    wrong_code_share: float = Field(0.01, ge=0, le=1, json_schema_extra=swing(0.0, 0.03))
    #: plans approved before the first service unless late or missing; assumption
    plan_late_share: float = Field(0.05, ge=0, le=1, json_schema_extra=swing(0.02, 0.1))
    plan_missing_share: float = Field(0.02, ge=0, le=1, json_schema_extra=swing(0.0, 0.05))
    #: jobs needing no customized training, or with an employer able to train; assumption
    no_customized_training_share: float = Field(
        0.03, ge=0, le=1, json_schema_extra=swing(0.01, 0.06)
    )
    employer_can_train_share: float = Field(0.03, ge=0, le=1, json_schema_extra=swing(0.01, 0.06))

    @field_validator("group_sizes")
    @classmethod
    def _groups(cls, v: dict[int, float]) -> dict[int, float]:
        if any(k < 2 for k in v):
            raise ValueError("group sizes must be 2 or more")
        _shares({str(k): p for k, p in v.items()})
        return v


class Outcomes(_Model):
    """What happens to the consumer and the paperwork."""

    #: median days to complete action-plan objectives; assumption (the Kansas benchmark
    #: expects 80% within 90 days: seed 000)
    objectives_median_days: ByNeed = Field(
        ByNeed(low=21, medium=30, high=45), json_schema_extra=QUARTER
    )
    objectives_spread: float = Field(
        0.4, ge=0, json_schema_extra=swing(0.3, 0.5)
    )  # sd of log days; assumption
    #: weekly job-loss hazard: mean tenure in the first job 9.6 months (Bond & Kukla 2009,
    #: published_figures.md) gives 1/41.6 weeks = 0.024; higher for high need is an assumption
    weekly_job_loss: ByNeed = Field(
        ByNeed(low=0.018, medium=0.024, high=0.032), json_schema_extra=QUARTER
    )
    report_late_share: float = Field(
        0.08, ge=0, le=1, json_schema_extra=swing(0.04, 0.15)
    )  # assumption
    #: a late provider's progress reports arrive this many days late on average (evenly
    #: from 1 to twice it), so payment waits for them; assumption
    report_delay_days: int = Field(30, ge=1, le=365, json_schema_extra=swing(14, 60))
    withdrawal_share: float = Field(
        0.03, ge=0, le=1, json_schema_extra=swing(0.01, 0.06)
    )  # assumption
    #: days from hire to the assessment report (Iowa D20); assumption
    assessment_report_days: int = Field(14, ge=0, json_schema_extra=swing(7, 28))


class Authorizations(_Model):
    """What the counselor authorizes per case."""

    #: hours authorized per case: about 10% above the expected coaching hours of each need
    #: level (assumption); compare the 80-hour (320-unit) cap of Iowa's supported-employment
    #: authorization (published_figures.md)
    hours: ByNeed = Field(ByNeed(low=45, medium=90, high=135), json_schema_extra=FIFTH)
    #: weeks one authorization runs; assumption
    length_weeks: int = Field(26, ge=1, json_schema_extra=swing(20, 39))


class Scheme(_Model):
    """A rate scheme to price the caseload under."""

    name: str = Field(min_length=1, max_length=120)
    #: ``hourly`` (service lines under the rulebook) or another kind the rulebook's
    #: jurisdiction offers (``Jurisdiction.kinds``: outcome milestones, unit rates)
    kind: str = "hourly"
    #: the rulebook's code (any registered jurisdiction)
    rules: str
    #: parameters or readings set by name; a parameter may take dated values
    #: (``hourly_rate: {2027-07-01: 45.16}``: a reform from that day, by service date)
    overrides: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    #: the scheme this one reforms: the fiscal note reports its cost against it
    reform_of: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if formula_like(v):
            raise ValueError(
                "a scheme name may not start with =, +, -, @, a tab or a carriage return "
                "(a spreadsheet would run it as a formula in the CSV files)"
            )
        return v

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: str) -> str:
        if v.upper() not in codes():
            raise ValueError(f"expected one of {', '.join(codes())}")
        return v.upper()

    @model_validator(mode="after")
    def _overrides(self) -> Scheme:
        state = get_jurisdiction(self.rules)
        if not state.offers(self.kind):
            offered = ", ".join(["hourly", *state.kinds])
            raise ValueError(f"kind: the {self.rules} rulebook offers {offered}; got {self.kind!r}")
        try:
            get_rulebook(self.rules, self.overrides)
        except JobcoachError as err:
            raise ValueError(f"overrides: {str(err).removeprefix('--set ')}") from None
        return self


#: the schemes of a scenario that names none: each jurisdiction's defaults, in order
DEFAULT_SCHEMES = tuple(Scheme(**s) for s in default_schemes())


class Benchmark(_Model):
    """The accountability benchmark (share of persons served completing their plan's
    objectives within a window); empty values take the cited figures of the jurisdiction
    that sets one (``runner.benchmark_owner``)."""

    share: float | None = Field(None, gt=0, le=1)
    window_days: int | None = Field(None, ge=1)


class Fitted(_Model):
    """Where a calibrated input came from and its 90% interval, which replaces the
    input's assumed sensitivity range (``scale``: the interval is a factor on every need
    level, as for a per-need input)."""

    low: float | None = None
    high: float | None = None
    scale: bool = False
    source: str = Field("", max_length=2000)


class FitState(_Model):
    """One rulebook's amount paid per case, on the records (the mean over their cases and
    its 90% interval, normal over cases) and simulated from the calibrated scenario (the
    mean over replications of that mean, and its 5th and 95th percentiles)."""

    records: float
    records_low: float
    records_high: float
    simulated: float
    low: float
    high: float

    @property
    def holds(self) -> bool:
        """The scenario reproduces the records: the two 90% intervals overlap."""
        return self.records_low <= self.high and self.low <= self.records_high


class FitCheck(_Model):
    """Whether a calibrated scenario reproduces its records' amount paid per case under
    each rulebook (``jobcoach calibrate`` writes it; every brief of the scenario opens
    with it)."""

    records: str = Field("", max_length=2000)
    cases: int = Field(ge=0)
    replications: int = Field(ge=1)
    states: dict[str, FitState] = Field(default_factory=dict)

    @property
    def holds(self) -> bool:
        """Every rulebook's amount per case is reproduced (and there was one to check)."""
        return bool(self.states) and all(s.holds for s in self.states.values())


class Window(_Model):
    """A budget window of whole state fiscal years, named by the year each ends (FY2027 =
    July 2026 to June 2027 where the year starts July 1), at most ten."""

    first_year: int = Field(ge=1901, le=9998)
    last_year: int = Field(ge=1901, le=9998)
    #: whose fiscal years bound the window (a rulebook code); empty: the first scheme's
    rules: str = ""

    @model_validator(mode="after")
    def _years(self) -> Window:
        if not 0 <= self.last_year - self.first_year < 10:
            raise ValueError("last_year: from first_year, one to ten fiscal years")
        return self


def _windowed(data: Any) -> Any:
    """Raw scenario data with the caseload's horizon (and, with an intake, its consumers)
    set from the budget window."""
    if not isinstance(data, dict) or not data.get("window"):
        return data
    from jobcoach_model.base.dates import fiscal_year_start
    from jobcoach_model.law.rulebook import load_rulebook

    window = Window.model_validate(data["window"])
    schemes = data.get("schemes") or [s.model_dump() for s in DEFAULT_SCHEMES]
    first = schemes[0] if isinstance(schemes[0], dict) else schemes[0].model_dump()
    code = (window.rules or first.get("rules") or "").upper()
    fy = load_rulebook(code).fiscal_year
    start = fiscal_year_start(window.first_year, fy.month, fy.day)
    end = fiscal_year_start(window.last_year + 1, fy.month, fy.day)
    caseload = dict(data.get("caseload") or {})
    weeks = -(-(end - start).days // 7)
    caseload.update(start_date=start, end_date=end, weeks=weeks, start_window_weeks=weeks)
    intake = caseload.get("intake_per_month")
    if intake is not None:
        caseload["consumers"] = max(1, round(float(sum(monthly_intake(intake, start, end)))))
    return {**data, "caseload": caseload}


def window_months(start: dt.date, end: dt.date) -> np.ndarray:
    """Day numbers of the first day of each month from ``start``'s month to the month
    before ``end`` (the months of a budget window), and ``end`` itself last."""
    from jobcoach_model.base.dates import to_day

    first = np.datetime64(start, "M")
    last = np.datetime64(end - dt.timedelta(days=1), "M")
    months = np.arange(first, last + 1).astype("datetime64[D]").astype(np.int64)
    months[0] = to_day(start)
    return np.append(months, to_day(end))


#: the most consumers an intake may start over a whole window (far past what fits in memory)
MAX_INTAKE = 10_000_000


def monthly_intake(intake: float | list[float], start: dt.date, end: dt.date) -> np.ndarray:
    """Consumers starting in each month of a window: one number for every month, a list
    with one per month, or 12 values repeated each year."""
    months = len(window_months(start, end)) - 1
    values = np.atleast_1d(np.asarray(intake, dtype=np.float64))
    if values.size == 1:
        values = np.full(months, values[0])
    elif values.size == 12 and months % 12 == 0:
        values = np.tile(values, months // 12)
    elif values.size != months:
        raise ValueError(
            f"caseload.intake_per_month: expected one number, 12, or {months} (one per month "
            f"of the window), got {values.size}"
        )
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError("caseload.intake_per_month: expected numbers >= 0")
    with np.errstate(over="ignore"):  # a sum past the largest float is inf, refused below
        total = float(values.sum())
    if not 0.5 <= total <= MAX_INTAKE:  # rounds to no consumer, or to more than any caseload
        raise ValueError(
            f"caseload.intake_per_month: expected between 1 and {MAX_INTAKE:,} consumers "
            f"starting over the window's {months} months, got {total:,.6g}"
        )
    return values


class Uncertainty(_Model):
    """How the joint draws of ``jobcoach uncertainty`` and the brief's How sure are made:
    how many, and the weight of each option of a reading (``RULES.reading: {option:
    weight}``; an option not named weighs 0 once its reading is named; a reading not named
    has every option equally likely). No value per job kept is asked for: the simulated
    jobs do not depend on the payment scheme, so such a value would add the same amount to
    every scheme of a draw and change no choice (``voi.net_benefit`` takes one all the same)."""

    draws: int = Field(1000, ge=2, le=100_000)
    reading_weights: dict[str, dict[str, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _weights(self) -> Uncertainty:
        for reading, weights in self.reading_weights.items():
            if any(not (w >= 0 and np.isfinite(w)) for w in weights.values()):
                raise ValueError(f"reading_weights: {reading}: expected weights >= 0")
            if not sum(weights.values()) > 0:
                raise ValueError(f"reading_weights: {reading}: expected a weight above 0")
            if not np.isfinite(sum(weights.values())):  # 1e308 twice: the sum overflows
                raise ValueError(
                    f"reading_weights: {reading}: weights too large to add up; give them "
                    "as shares or small whole numbers (only their ratios matter)"
                )
        return self


class Costs(_Model):
    """What a provider's billable hour of coaching costs it, built up from components
    (``caseloads/costs.py``): the wage, loaded with the workforce factor, benefits and
    payroll taxes, leave and training, and supervision, spread over the share of paid
    time that is billable, plus travel, plus overhead. Every default is a published
    figure from another payer's rate framework or a federal benchmark
    (``published_figures.md``, "Provider costs"), so each is an assumption for Kansas and
    Iowa, whose providers' costs were not read. Optional: with no ``costs:`` section the
    brief has no access-at-risk section and every other output is unchanged.

    Interpretation (benefits basis): Minnesota's separate benefits-and-taxes (23.6%) and
    leave-and-training (8.71%) factors are the default; the alternative is BLS's 46% of
    wages with paid leave included and ``leave_and_training: 0`` ("do not add a separate
    leave factor on top of it")."""

    #: BLS 21-1093 Social and Human Service Assistants, US median 15.29 USD/hour (May 2016,
    #: published_figures.md); an assumption for Kansas and Iowa (their medians not read)
    wage: float = Field(15.29, gt=0, le=500)
    #: how much providers' wages differ (coefficient of variation of a lognormal); assumption
    wage_cv: float = Field(0.15, ge=0, le=2)
    #: Minnesota DWRS competitive workforce factor 6.7% (Minn. Stat. 256B.4914 subd. 8);
    #: an assumption here
    workforce_factor: float = Field(0.067, ge=0, le=2)
    #: Minnesota DWRS employee-related cost ratio 23.6% (Minn. Stat. 256B.4914 subd. 8);
    #: an assumption here
    benefits_and_taxes: float = Field(0.236, ge=0, le=2)
    #: Minnesota DWRS employee vacation, sick and training allowance 8.71% (Minn. Stat.
    #: 256B.4914 subd. 8); an assumption here
    leave_and_training: float = Field(0.0871, ge=0, le=2)
    #: Minnesota DWRS supervisory span of control ratio 11% (Minn. Stat. 256B.4914 subd. 8);
    #: an assumption here
    supervision: float = Field(0.11, ge=0, le=2)
    #: practitioner fee-for-service method: billable share 65% "reasonable to expect"
    #: ("Establishing a Fee for Service for Benefits Planning"); an assumption here
    billable_share: float = Field(0.65, ge=0.05, le=1)
    #: how much providers' billable shares differ (standard deviation); assumption
    billable_share_sd: float = Field(0.08, ge=0, le=0.5)
    #: miles driven per billable hour; assumption (no Kansas or Iowa figure)
    miles_per_billable_hour: float = Field(5.0, ge=0, le=200)
    #: IRS business mileage rate 0.54 USD/mile (2016); an assumption here (a later year's
    #: rate is higher)
    mileage_rate: float = Field(0.54, ge=0, le=10)
    #: federal de minimis indirect rate 10% (2 CFR 200.414(f); 15% for awards from
    #: 2024-10-01); an assumption here
    overhead: float = Field(0.10, ge=0, le=2)
    #: the share of providers a break-even rate must cover; assumption (a policy choice)
    break_even_share: float = Field(0.8, gt=0, le=1)


class Responses(_Model):
    """How providers respond to the way they are paid, each a named assumption with its
    range and source (``published_figures.md``, "Responses to payment design"; most
    sources give a direction and no size, so the ranges are wide). Optional and off by
    default: with no ``responses:`` section every output is what it is without them.

    The simulator applies them per scheme (``caseloads/responses.py``): a scheme paid on
    outcomes gets its own caseload with fewer hard cases, more jobs kept and faster
    stabilization; a scheme paid by the hour gets slower fading; each from the scenario's
    seed, so the schemes' caseloads differ only by the responses (common random numbers)."""

    #: under outcome pay, the share of high-need consumers a provider no longer accepts
    #: (taken as medium need). Shen (2003): the most severe clients' share fell 7% under
    #: performance contracts against +2% in the comparison group, 9 points apart (another
    #: sector; an assumption here)
    creaming: float = Field(0.09, ge=0, le=1, json_schema_extra=swing(0.0, 0.2))
    #: under outcome pay, how much less often a job is lost each week (paid milestones
    #: reached more often: McGrew et al., size not read; Oklahoma +30% placements, an
    #: upper bound); assumption on its size
    milestone_gain: float = Field(0.10, ge=0, le=0.9, json_schema_extra=swing(0.0, 0.3))
    #: under outcome pay, how much faster coaching fades to stabilization (Oklahoma: time
    #: to placement -18%, an upper bound); assumption on its size
    faster_stabilization: float = Field(0.10, ge=0, le=2, json_schema_extra=swing(0.0, 0.18))
    #: under hourly pay, how much slower coaching fades (hours billed; slower fading
    #: described, no elasticity found: Revell, West and Cheng); assumption on its size
    slower_fading: float = Field(0.10, ge=0, le=0.9, json_schema_extra=swing(0.0, 0.3))
    #: provider exit: a provider paid below its cost keeps taking consumers in proportion
    #: to (its money / its cost) ** participation; Decker (2012): physicians' Medicaid
    #: new-patient acceptance rose 8.6 points with fees +35%, elasticity about 0.34 (an
    #: analogy from another sector; an assumption here). Range 0 (no provider leaves) to
    #: 1; the limit of a very large value is every provider paid below cost leaving (the
    #: access at risk). It changes who keeps a provider, not what any scheme pays
    participation: float = Field(0.34, ge=0, le=10)


class Value(_Model):
    """What a job kept 90 days is worth to the agency (USD), for value for money: a
    value (net benefit, expected value of perfect information) and a range for the
    acceptability curve. Assumption: no source gives one; ICI Data Note 1 (2005) puts VR
    purchased services at 4,008 USD per successful closure (FY2003), a reference point."""

    #: assumption: ICI Data Note 1 (2005) VR purchased services per successful closure,
    #: 4,008 USD (FY2003), taken as a reference value
    per_kept_job: float = Field(4008.0, ge=0, le=10_000_000)
    #: the acceptability curve's lowest value of a kept job; assumption
    low: float = Field(0.0, ge=0)
    #: the acceptability curve's highest value of a kept job; assumption
    high: float = Field(40_000.0, gt=0, le=10_000_000)

    @model_validator(mode="after")
    def _range(self) -> Value:
        if not self.low < self.high:
            raise ValueError("expected low below high")
        return self


class Simulation(_Model):
    """Seed and replications."""

    seed: int = Field(20261122, ge=0)
    replications: int = Field(200, ge=1)
    #: replications simulated and priced together; bounds memory
    chunk: int = Field(25, ge=1)


class Scenario(_Model):
    """One what-if run."""

    name: str = "baseline"
    description: str = ""
    caseload: Caseload = Caseload()
    services: Services = Services()
    outcomes: Outcomes = Outcomes()
    authorizations: Authorizations = Authorizations()
    schemes: tuple[Scheme, ...] = DEFAULT_SCHEMES
    #: a budget window of whole fiscal years (the fiscal note); empty: the caseload's
    #: own horizon
    window: Window | None = None
    benchmark: Benchmark = Benchmark()
    simulation: Simulation = Simulation()
    #: the joint draws over every assumption and reading (How sure, ``uncertainty``)
    uncertainty: Uncertainty = Uncertainty()
    #: providers' costs of a billable hour (access at risk); empty: not asked
    costs: Costs | None = None
    #: providers' responses to how they are paid (each scheme's own caseload); empty: off
    responses: Responses | None = None
    #: what a job kept 90 days is worth (value for money); empty: not asked
    value: Value | None = None
    #: scheme pairs (from, to) the brief explains step by step; empty: the first two schemes
    bridges: tuple[tuple[str, str], ...] = ()
    #: inputs fitted from an agency's records (``jobcoach calibrate``): path -> provenance
    fitted: dict[str, Fitted] = Field(default_factory=dict)
    #: whether the calibrated scenario reproduces its records (``jobcoach calibrate``)
    fit_check: FitCheck | None = None

    @model_validator(mode="before")
    @classmethod
    def _window(cls, data: Any) -> Any:
        return _windowed(data)

    @model_validator(mode="after")
    def _bridges(self) -> Scenario:
        if self.caseload.intake_per_month is not None and self.window is None:
            raise ValueError(
                "caseload.intake_per_month: needs a budget window (window: {first_year: ..., "
                "last_year: ...}) whose months it fills; without one give caseload.consumers"
            )
        start = self.caseload.start_date
        for scheme in self.schemes:  # a day before a rulebook's first is no day it prices
            book = get_rulebook(scheme.rules)
            if start < book.effective:
                where = (
                    f"window FY{self.window.first_year} to FY{self.window.last_year} starts"
                    if self.window
                    else "caseload.start_date is"
                )
                raise ValueError(
                    f"{where} {start.isoformat()}, before the {book.name} rulebook of scheme "
                    f"{scheme.name!r} takes effect on {book.effective.isoformat()}; choose a "
                    "later start"
                )
        names = {s.name for s in self.schemes}
        for pair in self.bridges:
            for name in pair:
                if name not in names:
                    raise ValueError(f"bridges: {name!r} is not a scheme of this scenario")
        for scheme in self.schemes:
            if scheme.reform_of and (
                scheme.reform_of not in names or scheme.reform_of == scheme.name
            ):
                raise ValueError(
                    f"schemes: {scheme.name!r} reform_of {scheme.reform_of!r} is not another "
                    "scheme of this scenario"
                )
        return self

    def reforms(self) -> list[tuple[str, str]]:
        """(reform, the scheme it reforms) for each scheme that names a baseline."""
        return [(s.name, s.reform_of) for s in self.schemes if s.reform_of]

    def bridge_pairs(self) -> list[tuple[str, str]]:
        """The pairs the brief explains: the scenario's own, or its first two schemes."""
        if self.bridges:
            return [tuple(p) for p in self.bridges]
        names = [s.name for s in self.schemes]
        return [(names[0], names[1])] if len(names) > 1 else []

    @field_validator("schemes")
    @classmethod
    def _unique(cls, v: tuple[Scheme, ...]) -> tuple[Scheme, ...]:
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("scheme names must be unique")
        if not v:
            raise ValueError("at least one scheme")
        return v


#: the sections whose defaults are calibrated (each cites a source or says assumption)
CALIBRATED = {
    "Coaches": "caseload.coaches",
    "Caseload": "caseload",
    "Services": "services",
    "Outcomes": "outcomes",
    "Authorizations": "authorizations",
}
_STRUCTURAL = {"coaches", "start_date", "end_date", "consumers", "weeks", "intake_per_month"}


#: the optional provider-cost section, whose notes are read the same way (``cost_notes``)
COSTS = {"Costs": "costs"}


def cost_notes() -> dict[str, str]:
    """Each provider-cost input's dotted path (``costs.wage``) and its cited source."""
    return field_notes(COSTS)


def response_notes() -> dict[str, str]:
    """Each response's and the value's dotted path and the source or assumption beside it."""
    return field_notes({"Responses": "responses", "Value": "value"})


def field_notes(sections: dict[str, str] | None = None) -> dict[str, str]:
    """Each calibrated input's dotted path and the note written beside its default (the
    source it cites, or "assumption"), read from this module so it is never retyped;
    ``sections`` (class name -> path) picks other sections than the calibrated ones."""
    sections = CALIBRATED if sections is None else sections
    notes: dict[str, str] = {}
    section, comments, after_field = None, [], False
    lines = iter(Path(__file__).read_text(encoding="utf-8").splitlines())
    for line in lines:
        stripped = line.strip()
        if line.startswith("class "):
            section, comments = sections.get(line.split()[1].split("(")[0]), []
        elif stripped.startswith("#"):
            text = stripped.lstrip("#:").strip()
            comments = [text] if after_field else [*comments, text]
            after_field = False
        elif (
            section
            and ": " in stripped
            and " = " in stripped
            and not stripped.startswith(("def ", "return ", '"""'))
        ):
            name = stripped.split(":")[0]
            last = stripped
            code = last.split("#", 1)[0]
            depth = code.count("(") - code.count(")")
            while depth > 0:  # a definition wrapped over lines: its comment ends the last
                last = next(lines).strip()
                code = last.split("#", 1)[0]
                depth += code.count("(") - code.count(")")
            if name not in _STRUCTURAL:
                inline = last.split("#", 1)[1].strip() if "#" in last else ""
                block = [] if (inline and after_field) else comments
                notes[f"{section}.{name}"] = " ".join([*block, inline]).strip()
            after_field = True
        elif not stripped:
            comments = []
    return notes


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _one_line(source: str, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = tuple(p for p in first["loc"] if p not in ("function-after[_mix(), dict[str,float]]",))
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{source}: {_path(loc) or '(top level)'}: {msg}"


def set_path(data: dict, path: str, value: Any) -> None:
    """Set a dotted path (``caseload.consumers``, ``schemes.0.overrides.hourly_rate``)."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[int(part)]
            continue
        if not isinstance(node.get(part, {}), dict | list):
            raise ScenarioError(f"--set {path}: {'.'.join(parts[: i + 1])} is not a section")
        node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def scenario_from_dict(data: dict, source: str = "scenario") -> Scenario:
    """A validated scenario from plain data, or ScenarioError naming the field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_one_line(source, err)) from None
    except JobcoachError as err:  # a scheme override refused by its rulebook
        raise ScenarioError(f"{source}: schemes: {err}") from None


def read_scenario_data(path: str | Path) -> dict:
    """The raw mapping in a scenario file (or a bundled scenario, by name)."""
    from jobcoach_model.base.resources import scenario_path

    path = scenario_path(path)
    if not path.is_file():
        raise ScenarioError(
            f"{path}: expected an existing scenario file (YAML) or the name of a bundled "
            "scenario (jobcoach scenarios lists them)"
        )
    return read_mapping(path, "a scenario (a mapping of sections)", ScenarioError)


def run_changes(
    replications: int | None = None, seed: int | None = None, sets: dict | None = None
) -> dict[str, str]:
    """The ``--set`` changes a notebook's parameters ask for (None leaves a field alone)."""
    changes = {k: str(v) for k, v in (sets or {}).items()}
    if replications is not None:
        changes["simulation.replications"] = str(replications)
    if seed is not None:
        changes["simulation.seed"] = str(seed)
    return changes


def apply_sets(data: dict, sets: dict[str, Any] | None, source: str) -> dict:
    """A copy of raw scenario data with ``--set PATH=VALUE`` changes applied; text values
    are read as YAML scalars (``2000`` a number, ``on_report`` text)."""
    data = copy.deepcopy(data)
    if any(key.startswith("schemes.") for key in sets or {}) and "schemes" not in data:
        # the default schemes, written out so that one of them can be changed by index
        data["schemes"] = [s.model_dump(mode="json") for s in DEFAULT_SCHEMES]
    for key, raw in (sets or {}).items():
        try:
            value = yaml.safe_load(raw) if isinstance(raw, str) else raw
        except yaml.YAMLError:
            value = raw
        try:
            set_path(data, key, value)
        except (IndexError, ValueError, AttributeError, TypeError):
            raise ScenarioError(f"--set {key}: no such field in {source}") from None
    return data


def load_scenario_data(path: str | Path, sets: dict[str, str] | None = None) -> tuple[dict, str]:
    """The one way every command loads a scenario: the file read (or a bundled scenario
    by name), named after the file when it names itself nothing, ``--set`` changes
    applied; returns the raw data (what sweeps and sensitivity vary point by point) and
    the name its errors give it. ``load_scenario`` validates it."""
    data = read_scenario_data(path)
    data.setdefault("name", Path(str(path)).stem)
    return apply_sets(data, sets, str(path)), str(path)


def load_scenario(path: str | Path, sets: dict[str, str] | None = None) -> Scenario:
    """A scenario file, with ``--set PATH=VALUE`` changes applied, validated."""
    data, source = load_scenario_data(path, sets)
    return scenario_from_dict(data, source)


@dataclass(frozen=True)
class Loaded:
    """A scenario file read once, with a notebook's changes: its data (what sensitivity
    and the joint draws change point by point), the name its errors give it, and the
    validated scenario. A brief reads its scenario once and hands this to each analysis."""

    data: dict
    source: str
    scenario: Scenario


def load_once(
    path: str | Path,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict | None = None,
) -> Loaded:
    """A scenario file with a notebook's parameters (``run_changes``), read and validated
    once."""
    data, source = load_scenario_data(path, run_changes(replications, seed, sets))
    return Loaded(data, source, scenario_from_dict(data, source))


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario written back as YAML (every field, defaults included)."""
    data = scenario.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
