"""One test per Kansas rule, each quoting the clause of seed 000_86a311f16011d7dc.txt it
checks ("Job Coaching (Payment for Performance)", effective 2016-02-01)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import assert_quote, judge, one

from jobcoach_model import InputError, load_rulebook

KS = load_rulebook("KS")


def test_ks_rate_is_flat_40_whatever_the_coach_asks():
    assert_quote("KS-RATE", "Rate: $40 per hour")
    row = one("KS", coach={"hourly_rate": "75"}, service={"hours": "3"})
    assert (row["status"], row["rate"], row["amount"]) == ("paid", 40.0, 120.0)
    assert row["rule_ids"] == "KS-RATE"


def test_ks_rate_is_dated_and_fails_before_its_first_value():
    assert_quote("KS-RATE", "Rate: $40 per hour")
    assert KS.parameters["hourly_rate"].at(dt.date(2016, 2, 1)) == 40.0
    assert KS.parameters["hourly_rate"].at(dt.date(2031, 1, 1)) == 40.0  # last value holds
    with pytest.raises(InputError, match="2016-02-01"):
        judge(
            "KS",
            case={"authorized_from": "2015-01-01"},
            service={"date": "2015-06-01"},
        )


@pytest.mark.parametrize(
    ("code", "status"), [("575", "paid"), ("576", "paid"), ("", "paid"), ("577", "denied")]
)
def test_ks_service_code(code, status):
    assert_quote("KS-SERVICE-CODE", "Use Service Code 575 or 576.")
    row = one("KS", service={"service_code": code})
    assert row["status"] == status
    assert ("KS-SERVICE-CODE" in row["rule_ids"]) == (status == "denied")


@pytest.mark.parametrize(
    ("date", "status"),
    [
        ("2026-02-28", "denied"),
        ("2026-03-01", "paid"),
        ("2026-06-30", "paid"),
        ("2026-07-01", "denied"),
    ],
)
def test_ks_preauthorized_window_both_days_included(date, status):
    assert_quote("KS-PREAUTH-WINDOW", "RS must pre-authorize any and all services")
    row = one("KS", service={"date": date})
    assert row["status"] == status
    assert ("KS-PREAUTH-WINDOW" in row["rule_ids"]) == (status == "denied")


def test_ks_preauthorized_hours_cap_pays_the_hours_left():
    assert_quote(
        "KS-PREAUTH-HOURS",
        "The number of hours authorized and paid will be dependent upon the pre-authorization",
    )
    rows = judge(
        "KS",
        case={"authorized_hours": "5"},
        services=[
            {"date": "2026-03-12", "hours": "3"},  # applied second: crosses the cap
            {"date": "2026-03-10", "hours": "3"},  # applied first
            {"date": "2026-03-14", "hours": "1"},  # nothing left
        ],
    )
    assert rows["payable_hours"].tolist() == [2.0, 3.0, 0.0]
    assert rows["status"].tolist() == ["paid", "paid", "denied"]
    assert rows["rule_ids"].tolist() == ["KS-RATE;KS-PREAUTH-HOURS", "KS-RATE", "KS-PREAUTH-HOURS"]


def test_ks_hours_cap_breaks_same_day_ties_by_service_id():
    assert_quote("KS-PREAUTH-HOURS", "hours authorized and paid")
    rows = judge(
        "KS",
        case={"authorized_hours": "2"},
        services=[{"service_id": "B", "hours": "2"}, {"service_id": "A", "hours": "2"}],
    )
    assert rows.set_index("service_id")["payable_hours"].to_dict() == {"B": 0.0, "A": 2.0}


def test_ks_denied_lines_do_not_use_up_authorized_hours():
    assert_quote("KS-PREAUTH-HOURS", "hours authorized and paid")
    rows = judge(
        "KS",
        case={"authorized_hours": "2"},
        services=[{"date": "2026-03-02", "service_code": "999"}, {"date": "2026-03-03"}],
    )
    assert rows["status"].tolist() == ["denied", "paid"]


@pytest.mark.parametrize(
    ("approved", "status"),
    [("2026-03-09", "paid"), ("2026-03-10", "paid"), ("2026-03-11", "denied"), ("", "denied")],
)
def test_ks_plan_approved_before_service(approved, status):
    assert_quote("KS-PLAN", "approved by the RS counselor prior to service delivery")
    row = one("KS", case={"plan_approved_on": approved})
    assert row["status"] == status
    assert ("KS-PLAN" in row["rule_ids"]) == (status == "denied")


@pytest.mark.parametrize(
    ("placement", "setting", "present", "approved", "status"),
    [
        ("true", "on_site", "true", "false", "paid"),
        ("true", "off_site", "true", "false", "denied"),
        ("true", "on_site", "false", "false", "denied"),
        ("true", "off_site", "false", "true", "paid"),
        ("false", "off_site", "false", "false", "paid"),  # only binds with placement
    ],
)
def test_ks_on_site_with_consumer_present_when_combined_with_placement(
    placement, setting, present, approved, status
):
    assert_quote(
        "KS-ONSITE",
        "it must be provided on the job site with the person being served (consumer) present",
    )
    row = one(
        "KS",
        case={"with_placement": placement, "offsite_approved": approved},
        service={"setting": setting, "consumer_present": present},
    )
    assert row["status"] == status


def test_ks_offsite_approval_scope_interpretation():
    assert_quote("KS-ONSITE", "on the job site with the person being served (consumer) present")
    kwargs = {
        "case": {"with_placement": "true", "offsite_approved": "true"},
        "service": {"consumer_present": "false"},
    }
    assert one("KS", **kwargs)["status"] == "paid"
    strict = one("KS", overrides={"offsite_approval_scope": "offsite_only"}, **kwargs)
    assert (strict["status"], strict["rule_ids"]) == ("denied", "KS-ONSITE")


@pytest.mark.parametrize(
    ("concurrent", "status"),
    [
        ("vocational_assessment", "denied"),
        ("independent_living_assessment", "denied"),
        ("guided_placement;independent_living_assessment", "denied"),
        ("guided_placement", "paid"),
        ("", "paid"),
    ],
)
def test_ks_never_with_vocational_or_independent_living_assessment(concurrent, status):
    assert_quote(
        "KS-NOT-WITH-ASSESSMENT",
        "not in conjunction with: - Vocational assessment. - Independent Living Assessment.",
    )
    row = one("KS", case={"concurrent_services": concurrent})
    assert row["status"] == status


def test_ks_group_training_is_one_rate_for_the_group():
    assert_quote("KS-GROUP-PRORATE", "prorated for numbers of persons served")
    for size in (1, 2, 4, 7):
        row = one("KS", service={"group_size": str(size), "hours": "3"})
        assert row["amount"] == round(3 * 40 / size, 2)
        assert ("KS-GROUP-PRORATE" in row["rule_ids"]) == (size > 1)
    # four consumers in one 3-hour session: the group costs one coach-hour rate
    rows = judge(
        "KS",
        services=[{"service_id": f"G{i}", "group_size": "4", "hours": "3"} for i in range(4)],
    )
    assert rows["amount"].sum() == pytest.approx(120.0)
    per_person = one(
        "KS", service={"group_size": "4", "hours": "3"}, overrides={"group_billing": "per_person"}
    )
    assert per_person["amount"] == 120.0


def test_ks_payment_held_while_reports_are_not_up_to_date():
    assert_quote("KS-REPORTS", "if the required periodic reports are up-to-date")
    row = one("KS", case={"reports_current": "false"})
    assert (row["status"], row["amount"]) == ("held", 80.0)
    assert row["rule_ids"] == "KS-RATE;KS-REPORTS"
    assert KS.parameters["report_interval_days"].at(dt.date(2026, 1, 1)) == 7


@pytest.mark.parametrize(
    ("date", "through", "ceased"),
    [
        ("2026-04-01", "paid", "paid"),
        ("2026-04-02", "paid", "denied"),
        ("2026-04-16", "paid", "denied"),
        ("2026-04-17", "denied", "denied"),
    ],
)
def test_ks_withdrawal_notice_of_15_days(date, through, ceased):
    assert_quote("KS-WITHDRAWAL", "additional payments will not be made for unauthorized services")
    case = {"withdrawal_notice_on": "2026-04-01"}
    assert one("KS", case=case, service={"date": date})["status"] == through
    row = one(
        "KS", case=case, service={"date": date}, overrides={"notice_period": "cease_on_notice"}
    )
    assert row["status"] == ceased
    assert KS.parameters["withdrawal_notice_days"].at(dt.date(2026, 1, 1)) == 15


def test_ks_withdrawal_notice_length_is_a_parameter():
    assert_quote("KS-WITHDRAWAL", "additional payments will not be made")
    case = {"withdrawal_notice_on": "2026-04-01"}
    row = one(
        "KS", case=case, service={"date": "2026-04-10"}, overrides={"withdrawal_notice_days": 5}
    )
    assert row["rule_ids"] == "KS-WITHDRAWAL"


def test_ks_provider_is_paid():
    assert_quote("KS-PAYEE", "Community service providers who agree to provide these services")
    assert one("KS", coach={"cco_approved": "true"})["payee"] == "provider"


def test_ks_billing_is_periodic():
    assert_quote("KS-BILLING", "upon receipt of periodic billing from the contractor")
    # Kansas pays on billing, not on stabilization: an unstabilized case is paid.
    assert one("KS", case={"stabilized_on": ""})["status"] == "paid"


def test_ks_appeal_chain():
    assert_quote(
        "KS-APPEAL", "the contractor may appeal to the RS Program Administrator for the Region"
    )
    chain = KS.value("appeal_chain", dt.date(2026, 1, 1))
    assert list(chain) == [
        "RS Program Administrator for the Region",
        "RS Community Provider Manager",
    ]


def test_ks_benchmark_80_percent_in_90_days_quarterly():
    assert_quote(
        "KS-BENCHMARK",
        "within 90 days, have 80% of the persons served completing their individual action plan objectives",
    )
    when = dt.date(2026, 1, 1)
    assert KS.value("benchmark_share", when) == 0.80
    assert KS.value("benchmark_window_days", when) == 90
    assert KS.value("benchmark_review_months", when) == 3


def test_ks_closure_status_26_after_90_days():
    assert_quote("KS-STATUS-26", "competitive, integrated employment (Status 26)")
    assert KS.value("closure_status", dt.date(2026, 1, 1)) == 26
    assert KS.value("closure_min_days_employed", dt.date(2026, 1, 1)) == 90
