"""Providers' costs and access (issue 32): the cost build-up checked by hand against the
cited formula, the rate worksheet on three coaches whose binding cap differs, and the
access-at-risk measures on hand-made arrays and a small simulated caseload."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import examples

from jobcoach_model.analysis.access import break_even_rise, provider_access
from jobcoach_model.analysis.worksheet import load_coach, rate_worksheet
from jobcoach_model.base.errors import CostsError
from jobcoach_model.caseloads.costs import (
    SELF_EMPLOYMENT_TAX,
    CoachCosts,
    build_up,
    cost_per_billable_hour,
    provider_costs,
)
from jobcoach_model.caseloads.scenario import Costs, Responses, Scheme, cost_notes, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 12, 1)


def test_the_default_build_up_by_hand():
    """15.29 x 1.067 = 16.31443; x (1 + 0.236 + 0.0871) = 21.585622; x 1.11 = 23.960041;
    / 0.65 = 36.861601; + 5 miles x 0.54 = 39.561601; x 1.10 = 43.517761 USD."""
    steps = [round(v, 6) for _, v in build_up(Costs()).steps]
    assert steps == [15.29, 16.31443, 21.585622, 23.960041, 36.861601, 39.561601, 43.517761]
    assert cost_per_billable_hour(15.29, 0.65, Costs()) == pytest.approx(43.517761, abs=1e-6)
    # travel is per billable hour: not divided by the billable share (the interpretation)
    no_travel = Costs(miles_per_billable_hour=0)
    assert cost_per_billable_hour(15.29, 0.65, Costs()) - cost_per_billable_hour(
        15.29, 0.65, no_travel
    ) == pytest.approx(2.70 * 1.10)


def test_every_cost_default_cites_its_source_or_says_assumption():
    notes = cost_notes()
    assert set(notes) == {f"costs.{name}" for name in Costs.model_fields}
    for path, note in notes.items():
        # none is a Kansas or Iowa figure: each says it is an assumption, most cite a source
        assert "assumption" in note, (path, note)
    cited = [
        p
        for p, n in notes.items()
        if any(w in n for w in ("Minn. Stat.", "BLS", "IRS", "CFR", "practitioner"))
    ]
    assert len(cited) == 8, cited


def test_provider_draws_keep_the_mean_wage_and_their_own_stream():
    a = provider_costs(Costs(), 400, 50, seed=7)
    assert a.shape == (400, 50) and np.array_equal(a, provider_costs(Costs(), 400, 50, seed=7))
    flat = provider_costs(Costs(wage_cv=0, billable_share_sd=0), 3, 4, seed=7)
    assert np.allclose(flat, build_up(Costs()).cost)
    assert np.median(a) == pytest.approx(build_up(Costs()).cost, rel=0.05)


def test_break_even_rise_by_hand():
    """Need factors cost / paid = 1, 1.5, 2: a third break even now, two thirds at +50%,
    all at +100%; a provider paid nothing can never break even."""
    paid, cost, served = np.array([100, 100, 50.0]), np.array([100, 150, 100.0]), np.ones(3, bool)
    assert [break_even_rise(paid, cost, served, q) for q in (0.3, 0.5, 0.8, 1.0)] == [
        0.0,
        0.5,
        1.0,
        1.0,
    ]
    assert break_even_rise(np.array([0.0, 100]), np.array([10.0, 50]), np.ones(2, bool), 1.0) == (
        float("inf")
    )
    # a provider serving no one is not counted
    assert break_even_rise(paid, cost, np.array([True, False, False]), 1.0) == 0.0


def _small(rate: float | None = None, reps: int = 6):
    sc = load_scenario("small")
    schemes = (Scheme(name="Kansas hourly", kind="hourly", rules="KS"),)
    if rate is not None:
        schemes += (
            Scheme(
                name="Kansas raised", kind="hourly", rules="KS", overrides={"hourly_rate": rate}
            ),
        )
    return sc.model_copy(
        update={
            "costs": Costs(),
            "schemes": schemes,
            "simulation": sc.simulation.model_copy(update={"replications": reps}),
        }
    )


def test_raising_a_rate_never_raises_the_share_below_cost():
    table = provider_access(_small(rate=60.0)).table.set_index("scheme")
    low, high = table.loc["Kansas hourly"], table.loc["Kansas raised"]
    assert high["below_cost_share"] <= low["below_cost_share"]
    assert high["consumers_at_risk_share"] <= low["consumers_at_risk_share"]
    assert high["median_margin"] > low["median_margin"]
    assert high["paid_per_coach_hour"] == pytest.approx(low["paid_per_coach_hour"] * 1.5, rel=1e-3)
    # a flat rate's break-even paid per hour does not depend on the rate it starts from
    assert high["break_even_per_coach_hour"] == pytest.approx(
        low["break_even_per_coach_hour"], rel=1e-3
    )


def test_margins_add_up_to_money_minus_cost_and_costs_change_no_total():
    from jobcoach_model.caseloads.runner import run

    sc = _small()
    access = provider_access(sc)
    per = access.providers()
    assert np.allclose(per["margin"], per["paid"] - per["cost"], atol=0.02)
    assert access.hours["Kansas hourly"].sum() > 0 and (access.cost_per_hour > 0).all()
    without = sc.model_copy(update={"costs": None})
    a, b = run(sc).summary, run(without).summary
    assert a.equals(b)  # the cost draws use a stream of their own
    with pytest.raises(ValueError, match="no costs"):
        provider_access(without)


# --- the rate worksheet: three coaches, three different binding caps ---------------------

COACHES = {
    # 16,000 + 16,000 x 0.141295 (2,260.72) + 400 + 250 + 2,000 x 0.54 (1,080) = 19,990.72;
    # / (1,000 x 0.8) = 24.99: within both caps
    "a": (
        "name: Coach A\nwage: 16.00\nhours_per_year: 1000\nbillable_share: 0.8\n"
        "miles_per_year: 2000\nliability_insurance: 400\ntraining: 250\n",
        24.99,
        24.99,
        (),
    ),
    # 52,000 + 7,347.34 + 900 + 600 + 3,240 = 64,087.34; / 1,040 = 61.62; caps 45.16 and
    # 48.76 (the Medicaid rate given): the independent coach's cap binds
    "b": (
        "name: Coach B\nearnings_target: 52000\nhours_per_year: 1600\nmiles_per_year: 6000\n"
        "liability_insurance: 900\ntraining: 600\nmedicaid_rate: 48.76\n",
        61.62,
        45.16,
        ("IA-RATE-CAP",),
    ),
    # a provider's employee: 39,600 + 300 + 1,620 + 1,500 = 43,020; / 1,260 = 34.14; no
    # independent coach's cap, the Medicaid rate given (30.00) binds
    "c": (
        "name: Coach C\nindependent: false\npaid_on_w9: false\nwage: 22\nhours_per_year: 1800\n"
        "billable_share: 0.7\nmiles_per_year: 3000\ntraining: 300\nother_expenses: 1500\n"
        "medicaid_rate: 30\n",
        34.14,
        30.00,
        ("IA-RATE-MEDICAID",),
    ),
}


@pytest.mark.parametrize("key", sorted(COACHES))
def test_rate_worksheet_on_three_coaches(tmp_path, key):
    text, cost_rate, offer, binding = COACHES[key]
    path = tmp_path / f"{key}.yaml"
    path.write_text(text, encoding="utf-8")
    ws = rate_worksheet("IA", load_coach(path), DAY)
    assert ws.cost_rate == cost_rate and ws.offer == offer and ws.binding == binding
    assert all(line.basis for line in ws.lines)  # every line rests on something
    assert {c.rule_id for c in ws.caps} >= set(binding)
    for cap in ws.caps:
        assert ".txt" in cap.basis  # each cap cites its seed clause
    medicaid = next(c for c in ws.caps if c.rule_id == "IA-RATE-MEDICAID")
    given = "medicaid_rate" in text  # B and C give one; A takes the rulebook's assumption
    assert ("given for this coach" in medicaid.basis) == given
    assert ("Assumption" in medicaid.basis) == (not given)


def test_self_employment_tax_only_for_a_coach_on_a_w9():
    base = {"wage": 20.0, "hours_per_year": 1000}
    w9 = rate_worksheet("IA", CoachCosts(**base), DAY)
    payroll = rate_worksheet("IA", CoachCosts(**base, paid_on_w9=False), DAY)
    tax = next(line for line in w9.lines if line.key == "self_employment_tax")
    assert tax.amount == round(20_000 * SELF_EMPLOYMENT_TAX, 2) and "assumption" in tax.basis
    assert next(x for x in payroll.lines if x.key == "self_employment_tax").amount == 0
    assert payroll.cost_rate < w9.cost_rate


def test_the_worksheet_command_prints_and_writes_and_refuses_in_one_line(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(COACHES["b"][0], encoding="utf-8")
    cmd = [sys.executable, "-m", "jobcoach_model.cli", "rate-worksheet"]
    done = subprocess.run([*cmd, "--rules", "IA", str(path), "--date", "2026-12-01"],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "Offer $45.16 an hour" in done.stdout and "| Rate to offer | $45.16/hour |" in done.stdout
    )
    out = tmp_path / "b.html"
    done = subprocess.run([*cmd, "--rules", "IA", str(path), "--date", "2026-12-01", "--format",
                           "html", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0 and "<h1>Rate worksheet: Coach B" in out.read_text()
    for args, words in (
        (["--rules", "KS", str(path)], "negotiates none"),
        (["--rules", "IA", str(tmp_path / "none.yaml")], "expected an existing"),
        (["--rules", "IA", str(path), "--date", "1 Dec"], "YYYY-MM-DD"),
    ):
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("wage: 20\nearnings_target: 40000\nhours_per_year: 1000\n", "exactly one of wage"),
        ("hours_per_year: 1000\n", "exactly one of wage"),
        ("wage: 20\nhours_per_year: 0\n", "hours_per_year"),
        ("wage: 20\nhours_per_year: 1000\nbilable_share: 0.5\n", "bilable_share: unknown field"),
        ("wage: 20\nwage: 21\nhours_per_year: 1000\n", "given twice"),
        ("- 1\n- 2\n", "at the top level"),
        ("", "empty"),
    ],
)
def test_a_broken_coach_file_is_one_line_naming_the_field(tmp_path, text, field):
    path = tmp_path / "coach.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CostsError, match=field) as err:
        load_coach(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


_FIELDS = sorted(CoachCosts.model_fields) + ["wages", "", "hours"]
_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=examples(60), deadline=None)
@given(data=st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=8), raw=st.booleans())
@example(data={"wage": 1e-300, "hours_per_year": 1, "billable_share": 5e-324}, raw=False)
@example(data={"earnings_target": 1e7, "hours_per_year": 1e-300}, raw=False)
@example(data={"wage": float("nan"), "hours_per_year": 1000}, raw=True)
def test_a_hostile_coach_file_is_one_clear_line_or_a_sound_worksheet(tmp_path_factory, data, raw):
    """Any mapping of known and unknown fields with extreme, missing or mistyped values:
    either one line naming the file (no traceback), or a worksheet whose numbers are
    finite, with the offer never above the cost-based rate or a cap."""
    import yaml

    path = tmp_path_factory.mktemp("coach") / "coach.yaml"
    text = yaml.safe_dump(data) if not raw else "".join(f"{k}: {v}\n" for k, v in data.items())
    path.write_text(text, encoding="utf-8")
    try:
        coach = load_coach(path)
    except CostsError as err:
        assert str(path) in str(err) and "\n" not in str(err)
        return
    ws = rate_worksheet("IA", coach, DAY)
    assert np.isfinite(ws.cost_rate) and ws.cost_rate >= 0
    assert ws.offer <= ws.cost_rate and all(ws.offer <= c.value for c in ws.caps)


def test_losing_provider_by_hand():
    """Two providers, one replication: A paid 50 against a cost of 100 with 10 consumers,
    B paid above cost with 30. At participation 1, A keeps half its consumers: 5 of 40
    lose their provider; at 0 nobody does; the larger the participation, the nearer every
    consumer of a provider paid below cost (the access at risk, 10 of 40)."""
    from jobcoach_model.analysis.access import losing_provider

    paid, cost = np.array([[50.0, 200.0]]), np.array([[100.0, 100.0]])
    consumers = np.array([[10.0, 30.0]])
    assert losing_provider(paid, cost, consumers, 1.0).tolist() == [5 / 40]
    assert losing_provider(paid, cost, consumers, 0.0).tolist() == [0.0]
    shares = [float(losing_provider(paid, cost, consumers, e)[0]) for e in (0.1, 0.34, 1, 3, 50)]
    assert shares == sorted(shares) and shares[-1] == pytest.approx(10 / 40)
    # paid nothing: every consumer lost at any participation above 0
    nothing = np.array([[0.0, 200.0]])
    assert losing_provider(nothing, cost, consumers, 0.34).tolist() == [10 / 40]


def test_consumers_losing_their_provider_only_with_the_responses_on():
    from jobcoach_model.analysis.access import provider_access
    from jobcoach_model.presentation.access_figures import access_table

    sc = _small()
    label = "Consumers losing their provider"
    off = provider_access(sc.model_copy(update={"responses": None}))
    assert off.table["losing_provider_share"].isna().all()
    assert label not in access_table(off)
    on = provider_access(sc.model_copy(update={"responses": Responses()}))
    t = on.table
    assert (t["losing_provider_share"] <= t["consumers_at_risk_share"] + 1e-9).all()
    assert (t["losing_provider_share"] > 0).any()
    assert label in access_table(on)
