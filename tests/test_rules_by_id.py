"""Every rule that decides anything, by id: a case where it fires and one where it does
not, each under the clause it implements, through both engines.

Test ids carry the rule id, so ``pytest -k IA-RATE-CAP`` selects that rule's tests. The
meta-tests hold the registry and ``rules.yaml`` to one another: every id has exactly one
unit of code or is declared information-only, and every unit names a rule that exists.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BASE_CASE, BASE_COACH, BASE_SERVICE, ROOT, assert_quote

from jobcoach_model import adjudicate, load_rulebook
from jobcoach_model.engine.reference import adjudicate_reference
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.rules import code_locations, info_rules, registered, units

# rule id: (clause, status when it fires, changes that make it fire, changes that do not)
CASES = {
    "KS-RATE": ("Rate: $40 per hour", "paid", {"coach": {"hourly_rate": "75"}}, None),
    "KS-SERVICE-CODE": (
        "Use Service Code 575 or 576.",
        "denied",
        {"service": {"service_code": "577"}},
        {"service": {"service_code": "575"}},
    ),
    "KS-PREAUTH-WINDOW": (
        "RS must pre-authorize any and all services",
        "denied",
        {"service": {"date": "2026-07-01"}},
        {"service": {"date": "2026-06-30"}},
    ),
    "KS-PREAUTH-HOURS": (
        "The number of hours authorized and paid will be dependent upon the pre-authorization",
        "paid",
        {"case": {"authorized_hours": "1"}},
        {"case": {"authorized_hours": "2"}},
    ),
    "KS-PLAN": (
        "approved by the RS counselor prior to service delivery",
        "denied",
        {"case": {"plan_approved_on": "2026-03-11"}},
        {"case": {"plan_approved_on": "2026-03-10"}},
    ),
    "KS-ONSITE": (
        "it must be provided on the job site with the person being served (consumer) present",
        "denied",
        {"case": {"with_placement": "true"}, "service": {"setting": "off_site"}},
        {
            "case": {"with_placement": "true", "offsite_approved": "true"},
            "service": {"setting": "off_site"},
        },
    ),
    "KS-NOT-WITH-ASSESSMENT": (
        "but not in conjunction with: - Vocational assessment.",
        "denied",
        {"case": {"concurrent_services": "vocational_assessment"}},
        {"case": {"concurrent_services": "guided_placement"}},
    ),
    "KS-GROUP-APPROVAL": (
        "Group skill training if approved by the RS counselor",
        "denied",
        {"service": {"group_size": "3", "group_approved": "false"}},
        {"service": {"group_size": "3", "group_approved": "true"}},
    ),
    "KS-GROUP-PRORATE": (
        "prorated for numbers of persons served",
        "paid",
        {"service": {"group_size": "3"}},
        {"service": {"group_size": "1"}},
    ),
    "KS-REPORTS": (
        "if the required periodic reports are up-to-date",
        "held",
        {"case": {"reports_current": "false"}},
        {"case": {"reports_current": "true"}},
    ),
    "KS-WITHDRAWAL": (
        "additional payments will not be made for unauthorized services",
        "denied",
        {"case": {"withdrawal_notice_on": "2026-02-20"}},
        {"case": {"withdrawal_notice_on": "2026-03-01"}},
    ),
    "IA-RATE": (
        "Hourly job coach rates should be negotiated",
        "paid",
        {"coach": {"hourly_rate": "38.5"}},
        None,
    ),
    "IA-RATE-CAP": (
        "pay UP TO $45.16 an hour to an independent job coach",
        "paid",
        {"coach": {"hourly_rate": "50"}},
        {"coach": {"hourly_rate": "45.16"}},
    ),
    "IA-RATE-MEDICAID": (
        "The hourly rate cannot exceed the Medicaid rate.",
        "paid",
        {"overrides": {"medicaid_hourly_rate": 38}},
        {"overrides": {"medicaid_hourly_rate": 40}},
    ),
    "IA-AUTH-WINDOW": (
        "Job coaching is authorized by the hour or on an outcome basis",
        "denied",
        {"service": {"date": "2026-02-28"}},
        {"service": {"date": "2026-03-01"}},
    ),
    "IA-AUTH-HOURS": (
        "The staff should determine the number of hours needed",
        "denied",
        {"case": {"authorized_hours": "0"}},
        {"case": {"authorized_hours": "2"}},
    ),
    "IA-PLAN": (
        "Develop job coach plan consistent with individual training needs for IVRS approval.",
        "held",
        {"case": {"plan_approved_on": ""}},
        {"case": {"plan_approved_on": "2026-04-01"}},
    ),
    "IA-OFFSITE": (
        "These activities are justified if failure to provide them would probably result",
        "denied",
        {"service": {"setting": "off_site"}},
        {"service": {"setting": "off_site"}, "case": {"offsite_approved": "true"}},
    ),
    "IA-WHEN-PROVIDED": (
        "and the employer is unwilling or unable to provide it.",
        "denied",
        {"case": {"employer_can_train": "true"}},
        {"case": {"employer_can_train": "false"}},
    ),
    "IA-GROUP": (
        "itemizing the time period billed, hours worked, payment amount",
        "paid",
        {"service": {"group_size": "2"}},
        {"service": {"group_size": "2"}, "overrides": {"group_sessions": "per_person"}},
    ),
    "IA-REPORT": (
        "Provide a written report to IVRS itemizing the time period billed",
        "held",
        {"case": {"reports_current": "false"}},
        {"case": {"reports_current": "true"}},
    ),
    "IA-CREDENTIAL": (
        "IVRS requires credentials to utilize services",
        "denied",
        {"coach": {"credential": "none"}},
        {"coach": {"credential": "licensed_educator"}},
    ),
    "IA-CREDENTIAL-GRACE": (
        "Job coaches have up to one year to complete training requirements",
        "paid",
        {"coach": {"credential": "none", "training_started_on": "2026-01-05"}},
        {"coach": {"credential": "none", "training_started_on": "2026-03-11"}},
    ),
    "IA-VENDOR-W9": (
        "the area office should request the potential job coach complete a W-9 form",
        "denied",
        {"coach": {"w9_on_file": "false"}},
        {"coach": {"w9_on_file": "false", "independent": "false"}},
    ),
    "IA-VENDOR-INSURANCE": (
        "is required to have professional liability insurance coverage.",
        "denied",
        {"coach": {"liability_insurance": "false"}},
        {"coach": {"liability_insurance": "true"}},
    ),
    "IA-CCO": (
        'IVRS pays the job candidate as "employer,"',
        "paid",
        {"coach": {"cco_approved": "true"}},
        {"coach": {"cco_approved": "false"}},
    ),
    "IA-STABILIZATION": (
        "Provide notice of job stabilization to IVRS for payment",
        "held",
        {"case": {"stabilized_on": ""}},
        {"case": {"stabilized_on": "2026-03-15"}},
    ),
    "KY-RATE": ("Kentucky (2001 fee memo, amended 2003): 15 USD/hour", "paid", {}, None),
    "KY-HOURS-CAP": (
        "up to 100 hours per consumer",
        "paid",
        {"overrides": {"max_hours_per_consumer": 1.5}},
        {"overrides": {"max_hours_per_consumer": 2}},
    ),
    # Texas's cap stops on 2017-10-01: its lines are dated while it was in force
    "TX-RATE": (
        "general job coaching up to 37.50 USD/hour",
        "paid",
        {"service": {"date": "2017-03-10"}, "coach": {"hourly_rate": "50"}},
        None,
    ),
}


def _both(rules: str, case=None, coach=None, service=None, overrides=None) -> dict:
    """The one result row of the base records changed so, from both engines (equal)."""
    frames = (
        pd.DataFrame([{**BASE_CASE, **(case or {})}]),
        pd.DataFrame([{**BASE_COACH, **(coach or {})}]),
        pd.DataFrame([{**BASE_SERVICE, "group_approved": "", **(service or {})}]),
    )
    fast = adjudicate(*frames, rules=rules, overrides=overrides)
    slow = adjudicate_reference(*frames, rules=rules, overrides=overrides)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    return fast.iloc[0].to_dict()


def _params():
    for rule_id, (_, _, fires, quiet) in CASES.items():
        yield pytest.param(rule_id, True, fires, id=f"{rule_id}-fires")
        if quiet is not None:
            yield pytest.param(rule_id, False, quiet, id=f"{rule_id}-quiet")


@pytest.mark.parametrize(("rule_id", "fires", "changes"), list(_params()))
def test_rule(rule_id, fires, changes):
    clause, status, _, _ = CASES[rule_id]
    assert_quote(rule_id, clause)
    row = _both(rule_id.split("-")[0], **changes)
    ids = row["rule_ids"].split(";")
    assert (rule_id in ids) == fires, row
    if fires:
        assert row["status"] == status, row


@pytest.mark.parametrize("rule_id", ["KS-RATE", "IA-RATE"])
def test_rate_rule_is_silent_on_a_denied_line(rule_id):
    assert_quote(rule_id, CASES[rule_id][0])
    row = _both(rule_id[:2], service={"date": "2026-07-01"})
    assert row["status"] == "denied" and rule_id not in row["rule_ids"]


@pytest.mark.parametrize("code", codes())
def test_every_rule_has_one_unit_or_is_declared_information_only(code):
    book = load_rulebook(code)
    ids = [r.id for r in book.rules]
    units_here = {u.id for u in units(code)}
    info = set(info_rules())
    for rule_id in ids:
        assert (rule_id in units_here) != (rule_id in info), rule_id
    assert set(registered()) | info <= set(ids) | {
        r.id for other in codes() if other != code for r in load_rulebook(other).rules
    }


def test_every_registered_id_exists_in_rules_yaml():
    known = {r.id for c in codes() for r in load_rulebook(c).rules}
    assert set(registered()) <= known
    assert set(info_rules()) <= known


def test_every_deciding_rule_has_a_firing_and_a_quiet_case():
    deciding = set(registered())
    assert deciding == set(CASES)
    # quiet only on a denied line (tested above), or never: a state that denies nothing
    always_on = {"KS-RATE", "IA-RATE", "KY-RATE", "TX-RATE"}
    assert {r for r, c in CASES.items() if c[3] is None} == always_on


@pytest.mark.parametrize("rule_id", sorted({*registered(), *info_rules()}))
def test_code_location_shows_the_id_and_its_clause_is_above_it(rule_id):
    locations = code_locations(rule_id)
    assert locations
    for where in locations:
        path, line = where.rsplit(":", 1)
        text = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert f'"{rule_id}"' in text[int(line) - 1], where
    if rule_id in registered():  # Catala-style: the quoted clause right above the unit
        path, line = locations[0].rsplit(":", 1)
        above = "\n".join((ROOT / path).read_text(encoding="utf-8").splitlines()[: int(line)])
        comment = above[above.rfind("\n\n\n") :]
        book = load_rulebook(rule_id.split("-")[0])
        source = book.rule(rule_id).reference.source
        assert f"# {source}:" in comment, rule_id


@pytest.mark.parametrize("fmt", ["csv", "markdown", "text"])
def test_catalog_through_the_cli_points_every_rule_at_its_code(fmt, capsys):
    import io

    from jobcoach_model.cli import main

    assert main(["rules", "--catalog", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt != "csv":
        assert "KS-GROUP-APPROVAL" in out and "jobcoach_model/rulebooks/" in out
        return
    catalog = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert list(catalog.columns) == [
        "id", "rulebook", "topic", "effect", "basis", "statement", "source", "quote",
        "parameters", "interpretations", "code",
    ]  # fmt: skip
    assert len(catalog) == sum(len(load_rulebook(c).rules) for c in codes())
    for row in catalog.itertuples():
        for where in row.code.split(";"):
            path, line = where.rsplit(":", 1)
            text = (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
            assert f'"{row.id}"' in text, (row.id, where)
    assert catalog.set_index("id").loc["IA-AUTH-HOURS", "basis"] == "assumption"
