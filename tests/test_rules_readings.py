"""What a reading of the three sources against the code found, each fixed and tested
under the clause it rests on (test names carry the rule id, for ``pytest -k``)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BASE_CASE, BASE_COACH, BASE_SERVICE, assert_quote, judge, one

from jobcoach_model import InputError, adjudicate, load_rulebook
from jobcoach_model.engine.reference import adjudicate_reference

IA = load_rulebook("IA")


def test_IA_CREDENTIAL_GRACE_does_not_cover_a_line_before_the_training_start():
    assert_quote("IA-CREDENTIAL-GRACE", "Job coaches have up to one year to complete training")
    coach = {"credential": "none", "training_started_on": "2026-03-11"}
    before = one("IA", coach=coach, service={"date": "2026-03-10"})
    on_the_day = one("IA", coach=coach, service={"date": "2026-03-11"})
    assert (before["status"], before["rule_ids"]) == ("denied", "IA-CREDENTIAL")
    assert on_the_day["status"] == "paid" and "IA-CREDENTIAL-GRACE" in on_the_day["rule_ids"]


def test_IA_CREDENTIAL_crp_accreditation_counts_only_for_a_coach_employed_by_a_crp():
    assert_quote("IA-CREDENTIAL", "IVRS requires credentials")
    # 001: "unless requirements are met through the CRP accreditation process"
    independent = one("IA", coach={"credential": "crp_accredited", "independent": "true"})
    employed = one("IA", coach={"credential": "crp_accredited", "independent": "false"})
    assert (independent["status"], independent["rule_ids"]) == ("denied", "IA-CREDENTIAL")
    assert employed["status"] == "paid"


def test_KS_SERVICE_CODE_a_line_with_no_code_is_an_interpretation():
    assert_quote("KS-SERVICE-CODE", "Use Service Code 575 or 576.")
    assert one("KS", service={"service_code": ""})["status"] == "paid"  # default: allow
    row = one("KS", service={"service_code": ""}, overrides={"missing_service_code": "deny"})
    assert (row["status"], row["rule_ids"]) == ("denied", "KS-SERVICE-CODE")
    coded = one("KS", service={"service_code": "576"}, overrides={"missing_service_code": "deny"})
    assert coded["status"] == "paid"


@pytest.mark.parametrize(("reading", "status"), [("counts", "paid"), ("does_not_count", "denied")])
def test_KS_PLAN_a_plan_approved_the_same_day_is_an_interpretation(reading, status):
    assert_quote("KS-PLAN", "approved by the RS counselor prior to service delivery")
    row = one(
        "KS",
        case={"plan_approved_on": "2026-03-10"},
        service={"date": "2026-03-10"},
        overrides={"same_day_approval": reading},
    )
    assert row["status"] == status


@pytest.mark.parametrize(
    ("reading", "status"), [("credential_and_vendor", "paid"), ("credential_only", "denied")]
)
def test_IA_CCO_which_requirements_the_consumer_choice_option_waives(reading, status):
    assert_quote("IA-CCO", 'IVRS pays the job candidate as "employer,"')
    cco = {"cco_approved": "true", "credential": "none", "w9_on_file": "false"}
    row = one("IA", coach=cco, overrides={"cco_exemptions": reading})
    assert row["status"] == status
    if status == "denied":  # the credential stays waived; the W-9 does not
        assert row["rule_ids"] == "IA-VENDOR-W9"


def test_KS_GROUP_APPROVAL_an_export_without_the_column_is_taken_as_approved():
    assert_quote("KS-GROUP-APPROVAL", "Group skill training if approved by the RS counselor")
    services = pd.DataFrame([{**BASE_SERVICE, "group_size": "3"}])  # no group_approved column
    assert "group_approved" not in services
    result = adjudicate(pd.DataFrame([BASE_CASE]), pd.DataFrame([BASE_COACH]), services, "KS")
    assert result.loc[0, "status"] == "paid"
    refused = one("KS", service={"group_size": "3", "group_approved": "false"})
    alone = one("KS", service={"group_size": "1", "group_approved": "false"})
    assert refused["rule_ids"] == "KS-GROUP-APPROVAL" and alone["status"] == "paid"


@pytest.mark.parametrize(
    ("approved_on", "status"),
    [("2026-03-09", "paid"), ("2026-03-10", "paid"), ("2026-03-11", "denied")],
)
def test_KS_ONSITE_prior_approval_of_off_site_work_is_dated(approved_on, status):
    assert_quote("KS-ONSITE", "When used in combination with placement services")
    row = one(
        "KS",
        case={"with_placement": "true", "offsite_approved_on": approved_on},
        service={"setting": "off_site", "date": "2026-03-10"},
    )
    assert row["status"] == status


@pytest.mark.parametrize(
    ("last_report", "interval", "status"),
    [("2026-03-03", None, "paid"), ("2026-03-02", None, "held"), ("2026-03-02", 14, "paid")],
)
def test_KS_REPORTS_the_report_interval_drives_the_hold(last_report, interval, status):
    assert_quote("KS-REPORTS", "if the required periodic reports are up-to-date")
    overrides = {"report_interval_days": interval} if interval else None
    row = one(
        "KS",
        case={"last_report_on": last_report, "reports_current": "true"},
        service={"date": "2026-03-10"},
        overrides=overrides,
    )
    assert row["status"] == status


def test_IA_RATE_CAP_a_date_before_any_source_names_the_rule_and_the_first_date():
    assert_quote("IA-RATE-CAP", "pay UP TO $45.16 an hour to an independent job coach")
    early = {"case": {"authorized_from": "2019-01-01"}, "service": {"date": "2019-06-03"}}
    for engine in (adjudicate, adjudicate_reference):
        frames = (
            pd.DataFrame([{**BASE_CASE, **early["case"]}]),
            pd.DataFrame([BASE_COACH]),
            pd.DataFrame([{**BASE_SERVICE, **early["service"]}]),
        )
        with pytest.raises(InputError) as caught:
            engine(*frames, rules="IA")
        message = str(caught.value)
        for part in ("IA-RATE-CAP", "2019-06-03", "2020-10-27", "column 'date'"):
            assert part in message, message
    assert IA.parameters["max_hourly_rate"].first_date.isoformat() == "2020-10-27"


def test_KS_RATE_rounding_is_per_line_half_up_exact_in_cents():
    assert_quote("KS-RATE", "Rate: $40 per hour")
    group = judge(
        "KS",
        services=[{"group_size": "3", "hours": "1"} for _ in range(3)],
    )
    assert group["amount"].tolist() == [13.33, 13.33, 13.33]  # $39.99 for the session
    assert round(group["amount"].sum(), 2) == 39.99
    tie = {"service": {"hours": "0.5"}, "overrides": {"hourly_rate": 40.01}}  # 20.005
    assert one("KS", **tie)["amount"] == 20.01
    even = {**tie, "overrides": {"hourly_rate": 40.01, "rounding": "half_even"}}
    assert one("KS", **even)["amount"] == 20.00


@pytest.mark.parametrize(
    ("rule_id", "basis"),
    [
        ("IA-AUTH-WINDOW", "assumption"),
        ("IA-AUTH-HOURS", "assumption"),
        ("IA-GROUP", "interpretation"),
    ],
)
def test_rules_whose_citation_does_not_state_them_are_labelled(rule_id, basis):
    rule = IA.rule(rule_id)
    assert rule.basis == basis
    if basis == "assumption":
        assert rule.note and rule.note.startswith("Assumption")
    else:
        assert rule.interpretations


def test_IA_CREDENTIAL_qualifying_credentials_quote_the_list_they_come_from():
    assert_quote("IA-CREDENTIAL", "IVRS requires credentials")
    quote = IA.parameters["qualifying_credentials"].reference.quote
    for name in ("IA-APSE", "DirectCourse", "licensed educator", "CRCC"):
        assert name in quote
    basis = IA.parameters["authorization_basis"].values
    (when,) = basis
    assert (when.isoformat(), basis[when].reference.source) == (
        "2014-11-13",
        "published_figures.md",
    )
