"""The reference engine: the same rules as ``adjudication.py``, one line at a time.

It is written to be read next to the source documents, not to be fast. It is the oracle
in the differential tests and the baseline in the benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .adjudication import COMMON_RULES, RESULT_COLUMNS, result_frame
from .dates import NEVER, add_years, from_day
from .lines import HOUR_UNITS, Lines, prepare
from .rulebook import Rulebook, get_rulebook


def _row(table: dict, i: int) -> dict:
    return {k: v[i] for k, v in table.items() if not k.startswith("_")}


def _kansas_line(line: dict, case: dict, coach: dict, book: Rulebook) -> tuple:
    """Kansas: the rules that deny, hold or note one line; its rate, proration and payee."""
    when = from_day(line["date"])
    deny, hold, note = [], [], []
    rate = book.value("hourly_rate", when)

    if line["service_code"] and line["service_code"] not in book.value("service_codes", when):
        deny.append("KS-SERVICE-CODE")
    if case["plan_approved_on"] > line["date"]:  # approved after the service, or never
        deny.append("KS-PLAN")

    if case["with_placement"]:
        away = line["setting"] == "off_site"
        absent = not line["consumer_present"]
        if book.choice("offsite_approval_scope") == "offsite_and_absent":
            breach = (away or absent) and not case["offsite_approved"]
        else:
            breach = (away and not case["offsite_approved"]) or absent
        if breach:
            deny.append("KS-ONSITE")

    others = {s.strip() for s in case["concurrent_services"].split(";")}
    if others & set(book.value("excluded_concurrent_services", when)):
        deny.append("KS-NOT-WITH-ASSESSMENT")

    notice = case["withdrawal_notice_on"]
    if notice < NEVER:
        last_day = notice
        if book.choice("notice_period") == "pay_through_notice":
            last_day = notice + book.value("withdrawal_notice_days", when)
        if line["date"] > last_day:
            deny.append("KS-WITHDRAWAL")

    if not case["reports_current"]:
        hold.append("KS-REPORTS")
    prorate = book.value("group_billing", when) == "prorate"
    return deny, hold, note, rate, prorate, "provider"


def _iowa_line(line: dict, case: dict, coach: dict, book: Rulebook) -> tuple:
    """Iowa: the rules that deny, hold or note one line; its rate, proration and payee."""
    when = from_day(line["date"])
    deny, hold, note = [], [], []
    cco = coach["cco_approved"]

    rate = coach["hourly_rate"]
    cap = book.value("max_hourly_rate", when)
    medicaid = book.value("medicaid_hourly_rate", when)
    fired = []
    if coach["independent"] and rate > cap:
        fired.append("IA-RATE-CAP")
    if rate > medicaid:
        fired.append("IA-RATE-MEDICAID")
    if coach["independent"]:
        rate = min(rate, cap)
    rate = min(rate, medicaid)
    (deny if book.choice("rate_above_cap") == "deny" else note).extend(fired)

    plan = book.choice("plan_approval")
    if plan == "before_service" and case["plan_approved_on"] > line["date"]:
        deny.append("IA-PLAN")
    if plan == "before_payment" and case["plan_approved_on"] >= NEVER:
        hold.append("IA-PLAN")

    if line["setting"] == "off_site" and not case["offsite_approved"]:
        deny.append("IA-OFFSITE")
    if not case["needs_customized_training"] or case["employer_can_train"]:
        deny.append("IA-WHEN-PROVIDED")

    if not cco:
        if coach["credential"] not in book.value("qualifying_credentials", when):
            started = coach["training_started_on"]
            years = book.value("credential_grace_years", when)
            if started < NEVER and line["date"] <= add_years(started, years):
                note.append("IA-CREDENTIAL-GRACE")
            else:
                deny.append("IA-CREDENTIAL")
        needs_w9 = coach["independent"] or book.choice("w9_scope") == "all_coaches"
        if needs_w9 and not coach["w9_on_file"]:
            deny.append("IA-VENDOR-W9")
        if coach["independent"] and not coach["liability_insurance"]:
            deny.append("IA-VENDOR-INSURANCE")
    else:
        note.append("IA-CCO")

    if not case["reports_current"]:
        hold.append("IA-REPORT")
    awaiting = book.choice("hourly_payment_timing") == "on_stabilization"
    if awaiting and case["stabilized_on"] >= NEVER:  # no notice of stabilization yet
        hold.append("IA-STABILIZATION")
    prorate = book.choice("group_billing") == "prorate"
    return deny, hold, note, rate, prorate, "consumer" if cco else "provider"


LINE_RULES = {"KS": _kansas_line, "IA": _iowa_line}


def settle_reference(lines: Lines, book: Rulebook) -> pd.DataFrame:
    """Apply one rulebook line by line; the same result as ``adjudication.settle``."""
    common = COMMON_RULES[book.code]
    order = [r.id for r in book.rules]
    verdicts = []
    for i in range(lines.n):
        line = _row(lines.services, i)
        case = _row(lines.cases, int(lines.case_idx[i]))
        coach = _row(lines.coaches, int(lines.coach_idx[i]))
        deny, hold, note, rate, prorate, payee = LINE_RULES[book.code](line, case, coach, book)
        if not case["authorized_from"] <= line["date"] <= case["authorized_to"]:
            deny.append(common["window"])
        verdicts.append([line, case, deny, hold, note, rate, prorate, payee])

    # authorized hours are used up in date order (then service_id), case by case
    remaining = {}
    sequence = sorted(
        range(lines.n),
        key=lambda i: (
            int(lines.case_idx[i]),
            verdicts[i][0]["date"],
            verdicts[i][0]["service_id"],
        ),
    )
    units = [0] * lines.n
    for i in sequence:
        line, case, deny = verdicts[i][0], verdicts[i][1], verdicts[i][2]
        if deny:
            continue
        case_key = int(lines.case_idx[i])
        left = remaining.get(case_key, int(round(case["authorized_hours"] * HOUR_UNITS)))
        wanted = int(round(line["hours"] * HOUR_UNITS))
        units[i] = max(0, min(wanted, left))
        remaining[case_key] = left - units[i]

    rows = []
    for i, (line, _case, deny, hold, note, rate, prorate, payee) in enumerate(verdicts):
        wanted = int(round(line["hours"] * HOUR_UNITS))
        if not deny and units[i] == 0:
            deny.append(common["hours"])
        if not deny and units[i] < wanted:
            note.append(common["hours"])
        grouped = prorate and line["group_size"] > 1
        if grouped:
            note.append(common["group"])
        note.append(common["rate"])
        fired = set(deny) if deny else set(hold) | set(note)
        hours = 0 if deny else units[i] / HOUR_UNITS
        divisor = line["group_size"] if grouped else 1
        rows.append(
            {
                "service_id": line["service_id"],
                "status": "denied" if deny else ("held" if hold else "paid"),
                "payable_hours": float(hours),
                "rate": float(rate),
                "amount": float(np.round(hours * rate / divisor, 2)),
                "payee": payee,
                "rule_ids": ";".join(r for r in order if r in fired),
            }
        )
    return result_frame({name: [row[name] for row in rows] for name in RESULT_COLUMNS})


def adjudicate_reference(
    cases: pd.DataFrame,
    coaches: pd.DataFrame,
    services: pd.DataFrame,
    rules: str | Rulebook = "KS",
    overrides: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Adjudicate with the reference engine (slow; for tests and the benchmark)."""
    book = get_rulebook(rules, overrides)
    return settle_reference(prepare(cases, coaches, services, book), book)
