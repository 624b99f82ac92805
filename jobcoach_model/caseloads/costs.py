"""What a billable hour of job coaching costs the one who gives it: a provider agency's
cost per billable hour built up from its components (the scenario's ``costs:``
section), drawn per provider with a spread, and an independent coach's cost-based rate
from a year's costs (Iowa's negotiation worksheet).

Why: seed 002 says Iowa's hourly rates "should be negotiated, based on the costs incurred
by the job coach", and a flat rate such as Kansas's 40 USD/hour either covers a
provider's cost of a billable hour or does not; the payment schemes alone cannot say
which.

The agency build-up follows the published rate frameworks (``published_figures.md``,
"Provider costs"): Minnesota's additive build-up (adjusted wage = base wage x (1 +
benefits and taxes + program plan support + absence factors); rate = (adjusted wage +
supervision) x (1 + general and administrative)) and the practitioner's fee-for-service
method (hourly rate = program cost / billable hours, billable hours = available hours x
billable share)::

    loaded   = wage x (1 + workforce) x (1 + benefits_and_taxes + leave_and_training)
    per hour = loaded x (1 + supervision) / billable_share
               + miles_per_billable_hour x mileage_rate
    cost     = per hour x (1 + overhead)

Interpretation (where the non-billable time sits): supervision and the loaded wage are
paid for every hour worked, so both are divided by the billable share; travel is counted
per billable hour (miles are driven to sessions), so it is not. The alternative divides
travel too, which raises the cost by travel x (1 / billable_share - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from jobcoach_model.caseloads.scenario import Costs

#: the random stream of the providers' cost draws, apart from the caseload's own streams
#: so that adding ``costs:`` to a scenario changes no simulated consumer
COST_STREAM = 0xC057
#: the range a provider's billable share is drawn in: the scenario's lowest allowed share
#: to all paid time
BILLABLE_RANGE = (0.05, 1.0)


def cost_per_billable_hour(
    wage: np.ndarray | float,
    billable_share: np.ndarray | float,
    costs: Costs,
) -> np.ndarray:
    """The cost of one billable hour (USD) for each wage and billable share, with the
    other components from ``costs`` (the module's formula)."""
    wage = np.asarray(wage, dtype=np.float64)
    billable = np.asarray(billable_share, dtype=np.float64)
    loaded = (
        wage
        * (1 + costs.workforce_factor)
        * (1 + costs.benefits_and_taxes + costs.leave_and_training)
    )
    per_hour = loaded * (1 + costs.supervision) / billable
    per_hour = per_hour + costs.miles_per_billable_hour * costs.mileage_rate
    return per_hour * (1 + costs.overhead)


@dataclass(frozen=True)
class BuildUp:
    """One cost build-up, step by step: (label, USD per billable hour after the step)."""

    steps: tuple[tuple[str, float], ...]

    @property
    def cost(self) -> float:
        """The cost of a billable hour, the last step."""
        return self.steps[-1][1]


def build_up(costs: Costs) -> BuildUp:
    """The build-up of the scenario's typical provider (the defaults' wage and billable
    share), each step's running cost, so a reader can check the arithmetic."""
    w = costs.wage
    adjusted = w * (1 + costs.workforce_factor)
    loaded = adjusted * (1 + costs.benefits_and_taxes + costs.leave_and_training)
    supervised = loaded * (1 + costs.supervision)
    billable = supervised / costs.billable_share
    travel = billable + costs.miles_per_billable_hour * costs.mileage_rate
    total = travel * (1 + costs.overhead)
    return BuildUp(
        (
            ("Wage", w),
            ("with the workforce factor", adjusted),
            ("with benefits, payroll taxes, leave and training", loaded),
            ("with supervision", supervised),
            ("per billable hour (non-billable time spread)", billable),
            ("with travel", travel),
            ("with overhead: cost of a billable hour", total),
        )
    )


def provider_costs(costs: Costs, replications: int, providers: int, seed: int) -> np.ndarray:
    """Each provider's cost of a billable hour (USD), replications x providers: its wage
    lognormal around ``wage`` (mean kept) with ``wage_cv``, its billable share normal
    around ``billable_share`` with ``billable_share_sd``, clipped to ``BILLABLE_RANGE``.
    A stream of its own: the caseload's draws are untouched."""
    rng = np.random.default_rng([seed, COST_STREAM])
    shape = (replications, providers)
    sigma = np.sqrt(np.log1p(costs.wage_cv**2))
    wage = costs.wage * np.exp(rng.normal(-(sigma**2) / 2, sigma, shape))
    share = np.clip(
        rng.normal(costs.billable_share, costs.billable_share_sd, shape), *BILLABLE_RANGE
    )
    return cost_per_billable_hour(wage, share, costs)


#: self-employment tax on a coach paid on a W-9: 15.3% (12.4% social security and 2.9%
#: Medicare, 26 U.S.C. 1401) of 92.35% of net earnings (IRS Schedule SE). Assumption: not
#: in the seeds or published_figures.md; the statute's rates, the wage-base cap ignored
SELF_EMPLOYMENT_TAX = round(0.153 * 0.9235, 6)


class CoachCosts(BaseModel):
    """One job coach's year, as a coach brings it to a rate negotiation: what the coach
    earns (an hourly wage or a yearly earnings target), the hours worked and the share of
    them billable, and the year's expenses. Every amount is USD a year unless it says
    otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field("coach", min_length=1, max_length=120)
    #: a job coach independent of a community rehabilitation provider (CRP)
    independent: bool = True
    #: paid on a W-9 as self-employed (self-employment tax is the coach's own cost)
    paid_on_w9: bool = True
    #: the coach's own hourly wage, or ...
    wage: float | None = Field(None, gt=0, le=1000)
    #: ... a yearly earnings target (exactly one of the two)
    earnings_target: float | None = Field(None, gt=0, le=10_000_000)
    #: at least one hour, at most every hour of a leap year
    hours_per_year: float = Field(ge=1, le=8784)
    #: practitioner fee-for-service method: 65% "reasonable to expect" (at least 1%)
    billable_share: float = Field(0.65, ge=0.01, le=1)
    miles_per_year: float = Field(0.0, ge=0, le=1_000_000)
    #: IRS business mileage rate 0.54 USD/mile (2016)
    mileage_rate: float = Field(0.54, ge=0, le=10)
    liability_insurance: float = Field(0.0, ge=0, le=1_000_000)
    training: float = Field(0.0, ge=0, le=1_000_000)
    other_expenses: float = Field(0.0, ge=0, le=1_000_000)
    #: the Medicaid rate for job coaching where the agency knows it (USD/hour); empty:
    #: the rulebook's
    medicaid_rate: float | None = Field(None, gt=0, le=1000)

    @model_validator(mode="after")
    def _one_earning(self) -> CoachCosts:
        if (self.wage is None) == (self.earnings_target is None):
            raise ValueError(
                "expected exactly one of wage (USD/hour) and earnings_target (USD/year)"
            )
        return self

    @property
    def earnings(self) -> float:
        """The year's earnings: the target, or the wage for every hour worked."""
        return self.earnings_target if self.wage is None else self.wage * self.hours_per_year

    @property
    def billable_hours(self) -> float:
        """The hours a year the coach can bill: hours worked x billable share."""
        return self.hours_per_year * self.billable_share


def coach_lines(coach: CoachCosts) -> list[tuple[str, str, float]]:
    """The year's costs of one coach, line by line: (key, label, USD a year). The keys
    name what each line is (a state's worksheet cites its own clause for a key)."""
    earnings = coach.earnings
    lines = [
        (
            "earnings",
            "Earnings"
            + (
                f" ({coach.wage:.2f} USD/hour x {coach.hours_per_year:,.0f} hours)"
                if coach.wage is not None
                else " (the coach's yearly target)"
            ),
            earnings,
        ),
        (
            "self_employment_tax",
            f"Self-employment tax ({SELF_EMPLOYMENT_TAX:.2%} of earnings, paid on a W-9)",
            earnings * SELF_EMPLOYMENT_TAX if coach.paid_on_w9 else 0.0,
        ),
        ("liability_insurance", "Professional liability insurance", coach.liability_insurance),
        ("training", "Training (credential and continuing)", coach.training),
        (
            "travel",
            f"Travel ({coach.miles_per_year:,.0f} miles x {coach.mileage_rate:.2f} USD)",
            coach.miles_per_year * coach.mileage_rate,
        ),
        ("other_expenses", "Other expenses", coach.other_expenses),
    ]
    return [(k, label, round(v, 2)) for k, label, v in lines]
