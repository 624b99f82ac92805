"""Kansas rules, one unit per rule id, each under the clause of
``000_86a311f16011d7dc.txt`` (DCF RS Payment-for-Performance Job Coaching, effective
2016-02-01) that it implements.

Every unit has a vectorized form (``vector``: numpy over all lines) and a line-by-line
twin (``line``: plain Python on one line), written separately; the differential tests
hold them equal. Statements, parameters and interpretations are in
``rulebooks/ks/rules.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobcoach_model.rulebooks.api import (
    NEVER,
    AuthorizationWindow,
    FlatRate,
    GroupProration,
    HoursCap,
    LineContext,
    RuleUnit,
    VectorContext,
    information_only,
    register,
)


# 000_86a311f16011d7dc.txt: "Rate: $40 per hour"
@register
class KsRate(FlatRate):
    id = "KS-RATE"
    parameter = "hourly_rate"


# 000_86a311f16011d7dc.txt: "Use Service Code 575 or 576."
@register
class KsServiceCode(RuleUnit):
    id = "KS-SERVICE-CODE"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        allowed = ctx.line_in("service_code", *ctx.param("service_codes"))
        if ctx.choice("missing_service_code") == "allow":
            allowed |= ctx.line_in("service_code", "")
        ctx.deny(~allowed)

    @staticmethod
    def line(ctx: LineContext) -> None:
        code = ctx.line["service_code"]
        if code == "":
            if ctx.choice("missing_service_code") == "deny":
                ctx.deny()
        elif code not in ctx.param("service_codes"):
            ctx.deny()


# 000_86a311f16011d7dc.txt: "RS must pre-authorize any and all services before the
# contractor can expect payment for any services."
@register
class KsPreauthWindow(AuthorizationWindow):
    id = "KS-PREAUTH-WINDOW"


# 000_86a311f16011d7dc.txt: "The number of hours authorized and paid will be dependent
# upon the pre-authorization of the RS counselor"
@register
class KsPreauthHours(HoursCap):
    id = "KS-PREAUTH-HOURS"


def _approved_before(approved_on, day, same_day: str):
    """An approval dated ``approved_on`` came "prior" to a service on ``day``
    (interpretation same_day_approval says whether the same day counts)."""
    return approved_on <= day if same_day == "counts" else approved_on < day


# 000_86a311f16011d7dc.txt: "A written action plan which complements the IPE and is
# approved by the RS counselor prior to service delivery"
@register
class KsPlan(RuleUnit):
    id = "KS-PLAN"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        plan = ctx.case("plan_approved_on")
        ctx.deny(~_approved_before(plan, ctx.day, ctx.choice("same_day_approval")))

    @staticmethod
    def line(ctx: LineContext) -> None:
        plan, day = ctx.case["plan_approved_on"], ctx.line["date"]
        same_day_counts = ctx.choice("same_day_approval") == "counts"
        if plan > day or (plan == day and not same_day_counts):  # after, or never
            ctx.deny()


# 000_86a311f16011d7dc.txt: "When used in combination with placement services, it must be
# provided on the job site with the person being served (consumer) present and be directly
# related to the job unless the RS counselor gives prior approval for off-site services on
# an individual basis."
@register
class KsOnsite(RuleUnit):
    id = "KS-ONSITE"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        dated = ctx.case("offsite_approved_on")
        approved = np.where(
            dated < NEVER,
            _approved_before(dated, ctx.day, ctx.choice("same_day_approval")),
            ctx.case("offsite_approved"),
        )
        placement = ctx.case("with_placement")
        off_site = ctx.line_in("setting", "off_site")
        absent = ~ctx.line("consumer_present")
        if ctx.choice("offsite_approval_scope") == "offsite_and_absent":
            ctx.deny(placement & (off_site | absent) & ~approved)
        else:
            ctx.deny(placement & ((off_site & ~approved) | absent))

    @staticmethod
    def line(ctx: LineContext) -> None:
        if not ctx.case["with_placement"]:
            return
        dated, day = ctx.case["offsite_approved_on"], ctx.line["date"]
        if dated < NEVER:  # approved on a day: prior to this service?
            same_day_counts = ctx.choice("same_day_approval") == "counts"
            approved = dated < day or (dated == day and same_day_counts)
        else:
            approved = ctx.case["offsite_approved"]
        away = ctx.line["setting"] == "off_site"
        absent = not ctx.line["consumer_present"]
        if ctx.choice("offsite_approval_scope") == "offsite_and_absent":
            breach = (away or absent) and not approved
        else:
            breach = (away and not approved) or absent
        if breach:
            ctx.deny()


# 000_86a311f16011d7dc.txt: "These services may be authorized by the RS counselor in
# conjunction with other individualized services, but not in conjunction with:
# - Vocational assessment. - Independent Living Assessment."
@register
class KsNotWithAssessment(RuleUnit):
    id = "KS-NOT-WITH-ASSESSMENT"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        excluded = set(ctx.param("excluded_concurrent_services"))
        inv, uniq = pd.factorize(ctx.lines.cases["concurrent_services"])
        clash = np.array([bool(excluded & {t.strip() for t in u.split(";")}) for u in uniq])
        ctx.deny(clash[inv][ctx.lines.case_idx] if len(uniq) else False)

    @staticmethod
    def line(ctx: LineContext) -> None:
        others = {s.strip() for s in ctx.case["concurrent_services"].split(";")}
        if others & set(ctx.param("excluded_concurrent_services")):
            ctx.deny()


# 000_86a311f16011d7dc.txt: "Group skill training if approved by the RS counselor"
@register
class KsGroupApproval(RuleUnit):
    id = "KS-GROUP-APPROVAL"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        ctx.deny((ctx.line("group_size") > 1) & ~ctx.line("group_approved"))

    @staticmethod
    def line(ctx: LineContext) -> None:
        if ctx.line["group_size"] > 1 and not ctx.line["group_approved"]:
            ctx.deny()


# 000_86a311f16011d7dc.txt: "prorated for numbers of persons served (i.e. same hourly rate
# for time serving multiple consumers in one group not hourly rate per person in group)"
@register
class KsGroupProrate(GroupProration):
    id = "KS-GROUP-PRORATE"

    @staticmethod
    def prorates(ctx):
        return ctx.param("group_billing") == "prorate"


# 000_86a311f16011d7dc.txt: "Payment for Job Coaching will be authorized upon receipt of
# periodic billing from the contractor if the required periodic reports are up-to-date"
# and "Progress reports, usually at weekly intervals, are required"
@register
class KsReports(RuleUnit):
    id = "KS-REPORTS"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        last = ctx.case("last_report_on")
        late = ctx.day > last + np.asarray(ctx.param("report_interval_days"), dtype=np.int64)
        ctx.hold(np.where(last < NEVER, late, ~ctx.case("reports_current")))

    @staticmethod
    def line(ctx: LineContext) -> None:
        last = ctx.case["last_report_on"]
        if last < NEVER:  # a report date: is this line within one interval of it?
            if ctx.line["date"] - last > ctx.param("report_interval_days"):
                ctx.hold()
        elif not ctx.case["reports_current"]:
            ctx.hold()


# 000_86a311f16011d7dc.txt: "Authorizations can be withdrawn by either party with a 15-day
# written notice. Once a 15-day notice is given, activity should cease and additional
# payments will not be made for unauthorized services."
@register
class KsWithdrawal(RuleUnit):
    id = "KS-WITHDRAWAL"

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        notice = ctx.case("withdrawal_notice_on")
        days = ctx.param("withdrawal_notice_days")
        if ctx.choice("notice_period") == "pay_through_notice":
            last_day = np.where(notice < NEVER, notice + days, NEVER)
        else:
            last_day = notice
        ctx.deny(ctx.day > last_day)

    @staticmethod
    def line(ctx: LineContext) -> None:
        notice = ctx.case["withdrawal_notice_on"]
        if notice >= NEVER:
            return
        last_day = notice
        if ctx.choice("notice_period") == "pay_through_notice":
            last_day = notice + ctx.param("withdrawal_notice_days")
        if ctx.line["date"] > last_day:
            ctx.deny()


information_only("KS-PAYEE", "every Kansas line is paid to its provider; nothing to decide")
information_only("KS-BILLING", "the form of the bill; the simulator pays the month after service")
information_only("KS-APPEAL", "an appeal route, shown in explanations and the rules table")
information_only("KS-BENCHMARK", "judged per provider and quarter by the benchmark, not per line")
information_only("KS-STATUS-26", "a case-closure status, used by the simulator's outcomes")
