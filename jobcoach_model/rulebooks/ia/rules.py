"""Iowa rules, one unit per rule id, each under the clause it implements: IVRS
"Independent Job Coaching Services" (``001_d3eca8ff73a20b8d.txt``, printed 2020-10-27),
the IVRS manual's Job Coaching section (``002_a9d58c618c6fea04.txt``) and the D-code and
unit-rate figures of ``published_figures.md``.

Every unit has a vectorized form and a separately written line-by-line twin. Units marked
``outcome = True`` also decide, per case, whether the outcome (D-code) scheme may pay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobcoach_model.rulebooks.api import (
    NEVER,
    AuthorizationWindow,
    GroupProration,
    HoursCap,
    LineContext,
    RuleUnit,
    VectorContext,
    add_years,
    add_years_vector,
    information_only,
    register,
)


# 002_a9d58c618c6fea04.txt: "Hourly job coach rates should be negotiated, based on the
# costs incurred by the job coach"
@register
class IaRate(RuleUnit):
    id = "IA-RATE"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        ctx.set_rate(ctx.coach("hourly_rate"))
        ctx.note(True)

    @staticmethod
    def line(ctx: LineContext) -> None:
        ctx.set_rate(ctx.coach["hourly_rate"])
        ctx.note()


# 001_d3eca8ff73a20b8d.txt: "pay UP TO $45.16 an hour to an independent job coach"
@register
class IaRateCap(RuleUnit):
    id = "IA-RATE-CAP"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        cap = np.asarray(ctx.param("max_hourly_rate"), dtype=np.float64)
        independent = ctx.coach("independent")
        over = independent & (ctx.rate > cap)
        (ctx.deny if ctx.choice("rate_above_cap") == "deny" else ctx.note)(over)
        ctx.set_rate(np.minimum(ctx.rate, np.where(independent, cap, np.inf)))

    @staticmethod
    def line(ctx: LineContext) -> None:
        cap = ctx.param("max_hourly_rate")
        rate = ctx.rate
        if ctx.coach["independent"] and rate > cap:
            ctx.deny() if ctx.choice("rate_above_cap") == "deny" else ctx.note()
            rate = cap
        ctx.set_rate(rate)


# 002_a9d58c618c6fea04.txt: "The hourly rate cannot exceed the Medicaid rate."
@register
class IaRateMedicaid(RuleUnit):
    id = "IA-RATE-MEDICAID"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        medicaid = np.asarray(ctx.param("medicaid_hourly_rate"), dtype=np.float64)
        # judged on the negotiated rate: a rate above both caps breaks both rules
        over = ctx.coach("hourly_rate") > medicaid
        (ctx.deny if ctx.choice("rate_above_cap") == "deny" else ctx.note)(over)
        ctx.set_rate(np.minimum(ctx.rate, medicaid))

    @staticmethod
    def line(ctx: LineContext) -> None:
        medicaid = ctx.param("medicaid_hourly_rate")
        if ctx.coach["hourly_rate"] > medicaid:
            ctx.deny() if ctx.choice("rate_above_cap") == "deny" else ctx.note()
        ctx.set_rate(min(ctx.rate, medicaid))


# 002_a9d58c618c6fea04.txt: "Job coaching is authorized by the hour or on an outcome
# basis" (the window itself is an assumption: see rules.yaml)
@register
class IaAuthWindow(AuthorizationWindow):
    id = "IA-AUTH-WINDOW"


# 002_a9d58c618c6fea04.txt: "The staff should determine the number of hours needed through
# discussion with the employer." (the cap itself is an assumption: see rules.yaml)
@register
class IaAuthHours(HoursCap):
    id = "IA-AUTH-HOURS"


# 001_d3eca8ff73a20b8d.txt: "Develop job coach plan consistent with individual training
# needs for IVRS approval."
@register
class IaPlan(RuleUnit):
    id = "IA-PLAN"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        plan, mode = ctx.case("plan_approved_on"), ctx.choice("plan_approval")
        if mode == "before_service":
            ctx.deny(plan > ctx.day)
        elif mode == "before_payment":
            ctx.hold(plan >= NEVER)

    @staticmethod
    def line(ctx: LineContext) -> None:
        mode, plan = ctx.choice("plan_approval"), ctx.case["plan_approved_on"]
        if mode == "before_service" and plan > ctx.line["date"]:
            ctx.deny()
        elif mode == "before_payment" and plan >= NEVER:
            ctx.hold()


# 002_a9d58c618c6fea04.txt: "These activities are justified if failure to provide them
# would probably result in the client being unable to maintain employment."
@register
class IaOffsite(RuleUnit):
    id = "IA-OFFSITE"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        ctx.deny(ctx.line_in("setting", "off_site") & ~ctx.case("offsite_approved"))

    @staticmethod
    def line(ctx: LineContext) -> None:
        if ctx.line["setting"] == "off_site" and not ctx.case["offsite_approved"]:
            ctx.deny()


# 002_a9d58c618c6fea04.txt: "Job coaching can be provided when the individual has a job
# for which they need customized training significantly greater than is required by most
# new employees, and the employer is unwilling or unable to provide it."
@register
class IaWhenProvided(RuleUnit):
    id = "IA-WHEN-PROVIDED"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        ctx.deny(~ctx.case("needs_customized_training") | ctx.case("employer_can_train"))

    @staticmethod
    def line(ctx: LineContext) -> None:
        if not ctx.case["needs_customized_training"] or ctx.case["employer_can_train"]:
            ctx.deny()


# 001_d3eca8ff73a20b8d.txt: "itemizing the time period billed, hours worked, payment
# amount" (Iowa is silent on groups: interpretation group_sessions)
@register
class IaGroup(GroupProration):
    id = "IA-GROUP"

    @staticmethod
    def prorates(ctx):
        return ctx.choice("group_sessions") == "prorate"


# 001_d3eca8ff73a20b8d.txt: "Provide a written report to IVRS itemizing the time period
# billed, hours worked, payment amount and documentation in achievement of performance
# measures."
@register
class IaReport(RuleUnit):
    id = "IA-REPORT"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        last = ctx.case("last_report_on")
        ctx.hold(np.where(last < NEVER, ctx.day > last, ~ctx.case("reports_current")))

    @staticmethod
    def line(ctx: LineContext) -> None:
        last = ctx.case["last_report_on"]
        if last < NEVER:  # a dated report: does it cover this line's day?
            if ctx.line["date"] > last:
                ctx.hold()
        elif not ctx.case["reports_current"]:
            ctx.hold()


def _waives(ctx, requirement: str) -> bool:
    """Whether the Consumer Choice Option waives a requirement (``credential`` or
    ``vendor``) under interpretation cco_exemptions."""
    return requirement == "credential" or ctx.choice("cco_exemptions") == "credential_and_vendor"


def _exempt_vector(ctx: VectorContext, requirement: str) -> np.ndarray:
    """Lines whose CCO coach is exempt from a requirement."""
    return ctx.coach("cco_approved") & _waives(ctx, requirement)


def _exempt_line(ctx: LineContext, requirement: str) -> bool:
    """Whether this line's CCO coach is exempt from a requirement."""
    return bool(ctx.coach["cco_approved"]) and _waives(ctx, requirement)


def _credentialed_vector(ctx: VectorContext) -> np.ndarray:
    """Coaches holding a qualifying credential; CRP accreditation counts only for a
    coach employed by a CRP (not independent). Per coach, spread to lines."""
    if "credentialed" not in ctx.memo:
        coaches = ctx.lines.coaches
        listed = pd.Series(coaches["credential"]).isin(list(ctx.param("qualifying_credentials")))
        crp_only = (coaches["credential"] == "crp_accredited") & coaches["independent"]
        ctx.memo["credentialed"] = (listed.to_numpy() & ~crp_only)[ctx.lines.coach_idx]
    return ctx.memo["credentialed"]


def _in_grace_vector(ctx: VectorContext) -> np.ndarray:
    """Lines within the training grace year: on or after the coach's training start and
    no later than its anniversary."""
    if "in_grace" not in ctx.memo:
        start = ctx.coach("training_started_on")
        years = ctx.param("credential_grace_years")
        if np.ndim(years) == 0:
            deadline = add_years_vector(ctx.lines.coaches["training_started_on"], int(years))
            deadline = deadline[ctx.lines.coach_idx]
        else:  # the grace period changed over time: per line
            deadline = np.full(ctx.n, NEVER, dtype=np.int64)
            for y in np.unique(years):
                sel = years == y
                deadline[sel] = add_years_vector(start[sel], int(y))
        ctx.memo["in_grace"] = (start < NEVER) & (start <= ctx.day) & (ctx.day <= deadline)
    return ctx.memo["in_grace"]


def _credential_line(ctx: LineContext) -> tuple[bool, bool]:
    """(credentialed, within the grace year) for one line's coach."""
    coach = ctx.coach
    credential = coach["credential"]
    credentialed = credential in ctx.param("qualifying_credentials") and not (
        credential == "crp_accredited" and coach["independent"]
    )
    started, day = coach["training_started_on"], ctx.line["date"]
    in_grace = (
        started < NEVER
        and started <= day
        and day <= add_years(started, ctx.param("credential_grace_years"))
    )
    return credentialed, in_grace


# 001_d3eca8ff73a20b8d.txt: "IVRS requires credentials to utilize services from an
# individual asking to provide Job Development or Job Coaching services." and "Job coaches
# must complete the Employment Specialist training if they do not have the degree in
# rehabilitation or education unless requirements are met through the CRP accreditation
# process."
@register
class IaCredential(RuleUnit):
    id = "IA-CREDENTIAL"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        lacking = ~_credentialed_vector(ctx) & ~_in_grace_vector(ctx)
        ctx.deny(~_exempt_vector(ctx, "credential") & lacking)

    @staticmethod
    def line(ctx: LineContext) -> None:
        credentialed, in_grace = _credential_line(ctx)
        if not _exempt_line(ctx, "credential") and not credentialed and not in_grace:
            ctx.deny()


# 001_d3eca8ff73a20b8d.txt: "Job coaches have up to one year to complete training
# requirements for Job Coaching services."
@register
class IaCredentialGrace(RuleUnit):
    id = "IA-CREDENTIAL-GRACE"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        grace = ~_credentialed_vector(ctx) & _in_grace_vector(ctx)
        ctx.note(~_exempt_vector(ctx, "credential") & grace)

    @staticmethod
    def line(ctx: LineContext) -> None:
        credentialed, in_grace = _credential_line(ctx)
        if not _exempt_line(ctx, "credential") and not credentialed and in_grace:
            ctx.note()


# 001_d3eca8ff73a20b8d.txt: "the area office should request the potential job coach
# complete a W-9 form"
@register
class IaVendorW9(RuleUnit):
    id = "IA-VENDOR-W9"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        scope = ctx.choice("w9_scope")
        needs = ctx.coach("independent") if scope == "independent_only" else True
        ctx.deny(~_exempt_vector(ctx, "vendor") & needs & ~ctx.coach("w9_on_file"))

    @staticmethod
    def line(ctx: LineContext) -> None:
        needs = ctx.coach["independent"] or ctx.choice("w9_scope") == "all_coaches"
        if not _exempt_line(ctx, "vendor") and needs and not ctx.coach["w9_on_file"]:
            ctx.deny()


# 001_d3eca8ff73a20b8d.txt: "An individual who wants to provide job coaching services
# independent of a CRP is required to have professional liability insurance coverage."
@register
class IaVendorInsurance(RuleUnit):
    id = "IA-VENDOR-INSURANCE"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        uninsured = ctx.coach("independent") & ~ctx.coach("liability_insurance")
        ctx.deny(~_exempt_vector(ctx, "vendor") & uninsured)

    @staticmethod
    def line(ctx: LineContext) -> None:
        coach = ctx.coach
        if (
            not _exempt_line(ctx, "vendor")
            and coach["independent"]
            and not coach["liability_insurance"]
        ):
            ctx.deny()


# 001_d3eca8ff73a20b8d.txt: "In cases where an approved CCO provider serves as a JC's job
# coach, IVRS pays the job candidate as "employer," and the JC provides payment to his/her
# CCO provider for job coaching services."
@register
class IaCco(RuleUnit):
    id = "IA-CCO"
    outcome = True

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        cco = ctx.coach("cco_approved")
        ctx.note(cco)
        ctx.payee = cco.astype(np.int64)  # index into PAYEES: 1 = consumer

    @staticmethod
    def line(ctx: LineContext) -> None:
        if ctx.coach["cco_approved"]:
            ctx.note()
            ctx.payee = "consumer"


# 001_d3eca8ff73a20b8d.txt: "Provide notice of job stabilization to IVRS for payment
# indicating plan for continued job coaching."
@register
class IaStabilization(RuleUnit):
    id = "IA-STABILIZATION"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        if ctx.choice("hourly_payment_timing") == "on_stabilization":
            ctx.hold(ctx.case("stabilized_on") >= NEVER)

    @staticmethod
    def line(ctx: LineContext) -> None:
        waiting = ctx.choice("hourly_payment_timing") == "on_stabilization"
        if waiting and ctx.case["stabilized_on"] >= NEVER:  # no notice of stabilization yet
            ctx.hold()


information_only("IA-OUTCOME-DCODES", "milestone payments per case, by the outcome scheme")
information_only("IA-SE-UNIT-RATE", "a separate scheme, priced per line by the unit-rate scheme")
