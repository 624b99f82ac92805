"""One test per Iowa rule, each quoting the clause it checks: seed 001_d3eca8ff73a20b8d.txt
(IVRS Independent Job Coaching Services, printed 2020-10-27), seed
002_a9d58c618c6fea04.txt (IVRS manual, Job Coaching) or published_figures.md."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import assert_quote, judge, one

from jobcoach_model import InputError, adjudicate, load_rulebook

IA = load_rulebook("IA")
DAY = dt.date(2026, 1, 1)


def test_ia_rate_is_the_negotiated_rate():
    assert_quote("IA-RATE", "Hourly job coach rates should be negotiated")
    row = one("IA", coach={"hourly_rate": "31.50"}, service={"hours": "2"})
    assert (row["status"], row["rate"], row["amount"], row["rule_ids"]) == (
        "paid",
        31.5,
        63.0,
        "IA-RATE",
    )


def test_ia_rate_is_required_for_every_coach():
    assert_quote("IA-RATE", "Hourly job coach rates should be negotiated")
    with pytest.raises(InputError, match="hourly_rate"):
        judge("IA", coach={"hourly_rate": ""})


@pytest.mark.parametrize(
    ("negotiated", "independent", "rate", "ids"),
    [
        ("45.16", "true", 45.16, "IA-RATE"),
        ("45.17", "true", 45.16, "IA-RATE;IA-RATE-CAP;IA-RATE-MEDICAID"),
        ("60", "true", 45.16, "IA-RATE;IA-RATE-CAP;IA-RATE-MEDICAID"),
    ],
)
def test_ia_independent_coach_paid_up_to_45_16(negotiated, independent, rate, ids):
    assert_quote("IA-RATE-CAP", "pay UP TO $45.16 an hour to an independent job coach")
    row = one("IA", coach={"hourly_rate": negotiated, "independent": independent})
    assert (row["rate"], row["rule_ids"]) == (rate, ids)


def test_ia_cap_binds_independent_coaches_only():
    assert_quote("IA-RATE-CAP", "to an independent job coach")
    crp = one(
        "IA",
        coach={"hourly_rate": "48", "independent": "false", "credential": "crp_accredited"},
        overrides={"medicaid_hourly_rate": 50},
    )
    assert (crp["rate"], crp["rule_ids"]) == (48.0, "IA-RATE")


def test_ia_rate_never_above_the_medicaid_rate():
    assert_quote("IA-RATE-MEDICAID", "The hourly rate cannot exceed the Medicaid rate.")
    row = one("IA", coach={"hourly_rate": "44"}, overrides={"medicaid_hourly_rate": "42.00"})
    assert (row["rate"], row["amount"], row["rule_ids"]) == (42.0, 84.0, "IA-RATE;IA-RATE-MEDICAID")
    assert IA.parameters["medicaid_hourly_rate"].at(DAY) == 45.16
    assert "Assumption" in IA.parameters["medicaid_hourly_rate"].note


def test_ia_rate_above_cap_deny_interpretation():
    assert_quote("IA-RATE-CAP", "pay UP TO $45.16")
    row = one("IA", coach={"hourly_rate": "50"}, overrides={"rate_above_cap": "deny"})
    assert (row["status"], row["rule_ids"]) == ("denied", "IA-RATE-CAP;IA-RATE-MEDICAID")


@pytest.mark.parametrize(
    ("date", "status"), [("2026-02-28", "denied"), ("2026-06-30", "paid"), ("2026-07-01", "denied")]
)
def test_ia_authorized_window(date, status):
    assert_quote("IA-AUTH-WINDOW", "Job coaching is authorized by the hour")
    row = one("IA", case={"stabilized_on": "2026-02-01"}, service={"date": date})
    assert row["status"] == status
    assert ("IA-AUTH-WINDOW" in row["rule_ids"]) == (status == "denied")


def test_ia_outcome_basis_is_not_priced_per_line():
    assert_quote("IA-AUTH-WINDOW", "or on an outcome basis")
    with pytest.raises(InputError, match="outcome"):
        judge("IA", overrides={"authorization_basis": "outcome"})


def test_ia_authorized_hours_cap():
    assert_quote("IA-AUTH-HOURS", "The staff should determine the number of hours needed")
    rows = judge(
        "IA",
        case={"authorized_hours": "2.5"},
        services=[{"date": "2026-03-10"}, {"date": "2026-03-11"}],
    )
    assert rows["payable_hours"].tolist() == [2.0, 0.5]
    assert rows["amount"].tolist() == [80.0, 20.0]
    assert rows["rule_ids"].tolist() == ["IA-RATE", "IA-RATE;IA-AUTH-HOURS"]


@pytest.mark.parametrize(
    ("mode", "approved", "status"),
    [
        ("before_payment", "", "held"),
        ("before_payment", "2026-04-01", "paid"),  # approved after service: paid once approved
        ("before_service", "2026-04-01", "denied"),
        ("before_service", "2026-03-10", "paid"),
        ("not_required", "", "paid"),
    ],
)
def test_ia_job_coach_plan_for_ivrs_approval(mode, approved, status):
    assert_quote(
        "IA-PLAN",
        "Develop job coach plan consistent with individual training needs for IVRS approval.",
    )
    row = one("IA", case={"plan_approved_on": approved}, overrides={"plan_approval": mode})
    assert row["status"] == status
    assert ("IA-PLAN" in row["rule_ids"]) == (status != "paid")


@pytest.mark.parametrize(
    ("setting", "justified", "status"),
    [("on_site", "false", "paid"), ("off_site", "false", "denied"), ("off_site", "true", "paid")],
)
def test_ia_off_site_only_when_needed_to_keep_the_job(setting, justified, status):
    assert_quote(
        "IA-OFFSITE", "would probably result in the client being unable to maintain employment"
    )
    row = one(
        "IA",
        case={"offsite_approved": justified},
        service={"setting": setting, "consumer_present": "false"},
    )
    assert row["status"] == status


@pytest.mark.parametrize(
    ("needs", "employer_can", "status"),
    [("true", "false", "paid"), ("false", "false", "denied"), ("true", "true", "denied")],
)
def test_ia_when_job_coaching_is_provided(needs, employer_can, status):
    assert_quote("IA-WHEN-PROVIDED", "the employer is unwilling or unable to provide it")
    row = one("IA", case={"needs_customized_training": needs, "employer_can_train": employer_can})
    assert row["status"] == status
    assert ("IA-WHEN-PROVIDED" in row["rule_ids"]) == (status == "denied")


@pytest.mark.parametrize(
    "credential",
    [
        "apse_certificate",
        "directcourse_certificate",
        "licensed_educator",
        "former_vr_counselor",
        "crcc_3yr",
        "rehab_or_education_degree",
    ],
)
def test_ia_each_credential_qualifies(credential):
    assert_quote("IA-CREDENTIAL", "IVRS requires credentials")
    assert one("IA", coach={"credential": credential})["status"] == "paid"


def test_ia_no_credential_no_training_is_denied():
    assert_quote("IA-CREDENTIAL", "IVRS requires credentials")
    row = one("IA", coach={"credential": "none"})
    assert (row["status"], row["rule_ids"]) == ("denied", "IA-CREDENTIAL")


@pytest.mark.parametrize(
    ("started", "date", "status"),
    [
        ("2025-03-10", "2026-03-10", "paid"),  # exactly one year: still in grace
        ("2025-03-09", "2026-03-10", "denied"),
        ("2024-02-29", "2025-02-28", "paid"),  # a year after 29 February is 28 February
        ("2024-02-29", "2025-03-01", "denied"),
    ],
)
def test_ia_one_year_grace_to_complete_training(started, date, status):
    assert_quote(
        "IA-CREDENTIAL-GRACE", "Job coaches have up to one year to complete training requirements"
    )
    row = one(
        "IA",
        case={"authorized_from": "2020-11-01", "stabilized_on": "2024-01-01"},
        coach={"credential": "none", "training_started_on": started},
        service={"date": date},
    )
    assert row["status"] == status
    assert ("IA-CREDENTIAL-GRACE" if status == "paid" else "IA-CREDENTIAL") in row["rule_ids"]


def test_ia_w9_needed_for_an_independent_coach():
    assert_quote("IA-VENDOR-W9", "request the potential job coach complete a W-9 form")
    assert one("IA", coach={"w9_on_file": "false"})["rule_ids"] == "IA-VENDOR-W9"
    crp = {"w9_on_file": "false", "independent": "false"}
    assert one("IA", coach=crp)["status"] == "paid"
    assert one("IA", coach=crp, overrides={"w9_scope": "all_coaches"})["status"] == "denied"


def test_ia_liability_insurance_for_a_coach_independent_of_a_crp():
    assert_quote(
        "IA-VENDOR-INSURANCE",
        "independent of a CRP is required to have professional liability insurance coverage",
    )
    assert one("IA", coach={"liability_insurance": "false"})["rule_ids"] == "IA-VENDOR-INSURANCE"
    assert (
        one("IA", coach={"liability_insurance": "false", "independent": "false"})["status"]
        == "paid"
    )


def test_ia_cco_coach_exempt_and_job_candidate_paid():
    assert_quote("IA-CCO", 'IVRS pays the job candidate as "employer,"')
    row = one(
        "IA",
        coach={
            "cco_approved": "true",
            "credential": "none",
            "w9_on_file": "false",
            "liability_insurance": "false",
        },
    )
    assert (row["status"], row["payee"], row["rule_ids"]) == ("paid", "consumer", "IA-RATE;IA-CCO")


def test_ia_group_sessions_interpretation():
    assert_quote("IA-GROUP", "hours worked")
    row = one("IA", service={"group_size": "3", "hours": "3"})
    assert (row["amount"], row["rule_ids"]) == (40.0, "IA-RATE;IA-GROUP")
    per_person = one(
        "IA", service={"group_size": "3", "hours": "3"}, overrides={"group_sessions": "per_person"}
    )
    assert (per_person["amount"], per_person["rule_ids"]) == (120.0, "IA-RATE")


def test_ia_payment_held_until_the_written_report():
    assert_quote(
        "IA-REPORT",
        "Provide a written report to IVRS itemizing the time period billed, hours worked, payment amount",
    )
    row = one("IA", case={"reports_current": "false"})
    assert (row["status"], row["amount"], row["rule_ids"]) == ("held", 80.0, "IA-RATE;IA-REPORT")


def test_ia_hourly_work_paid_on_notice_of_stabilization():
    assert_quote("IA-STABILIZATION", "Provide notice of job stabilization to IVRS for payment")
    row = one("IA", case={"stabilized_on": ""})
    assert (row["status"], row["rule_ids"]) == ("held", "IA-RATE;IA-STABILIZATION")
    later = one("IA", case={"stabilized_on": "2026-03-01"}, service={"date": "2026-04-01"})
    assert later["status"] == "paid"  # continued coaching under the stabilization plan
    on_report = one(
        "IA", case={"stabilized_on": ""}, overrides={"hourly_payment_timing": "on_report"}
    )
    assert on_report["status"] == "paid"


def test_ia_outcome_d_codes_total_2586():
    assert_quote(
        "IA-OUTCOME-DCODES", "The job-coaching path D20 + D21 + D22 + D23 totals 2,586 USD"
    )
    total = sum(IA.value(f"d2{i}_amount", DAY) for i in range(4))
    assert total == 2586
    assert IA.value("d22_days_employed", DAY) == 45
    assert IA.value("d23_days_employed", DAY) == 90
    with pytest.raises(Exception, match="2014-11-13"):
        IA.parameters["d21_amount"].at(dt.date(2014, 11, 12))


def test_ia_supported_employment_unit_rate():
    assert_quote(
        "IA-SE-UNIT-RATE", "12.19 USD per 15-minute unit (48.76 USD/hour), at most 320 units"
    )
    rate = IA.value("se_unit_rate", DAY)
    units = IA.value("se_units_per_authorization", DAY)
    minutes = IA.value("se_unit_minutes", DAY)
    assert round(rate * 60 / minutes, 2) == 48.76
    assert round(rate * units, 2) == 3900.80


def test_IA_REPORT_with_a_dated_last_report_holds_only_the_lines_after_it():
    """001: "Provide a written report to IVRS itemizing the time period billed": a line
    the last report received covers is paid; one after it waits (both engines)."""
    from conftest import BASE_CASE, BASE_COACH, BASE_SERVICE

    from jobcoach_model.engine.reference import adjudicate_reference

    frames = (
        pd.DataFrame([{**BASE_CASE, "last_report_on": "2026-03-12"}]),
        pd.DataFrame([BASE_COACH]),
        pd.DataFrame(
            [
                {**BASE_SERVICE, "service_id": "S1", "date": "2026-03-12"},
                {**BASE_SERVICE, "service_id": "S2", "date": "2026-03-13"},
            ]
        ),
    )
    fast = adjudicate(*frames, rules="IA")
    pd.testing.assert_frame_equal(fast, adjudicate_reference(*frames, rules="IA"))
    assert list(fast["status"]) == ["paid", "held"]
    assert "IA-REPORT" in fast.loc[1, "rule_ids"] and "IA-REPORT" not in fast.loc[0, "rule_ids"]
