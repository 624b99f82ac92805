"""Kentucky and Texas, added as plugins from ``published_figures.md`` alone: their rules
by id through both engines, their silences, Texas's cap that stops on 2017-10-01, and a
scenario that prices all four states.

Test names carry the rule id (``pytest -k KY-HOURS-CAP``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BASE_CASE, BASE_COACH, BASE_SERVICE, ROOT, assert_quote

from jobcoach_model import adjudicate, rules_table
from jobcoach_model.base.errors import InputError
from jobcoach_model.cli import main
from jobcoach_model.engine.reference import adjudicate_reference


def _frames(service_lines, case=None, coach=None):
    cases = pd.DataFrame([{**BASE_CASE, **(case or {})}])
    coaches = pd.DataFrame([{**BASE_COACH, **(coach or {})}])
    services = pd.DataFrame(
        [
            {**BASE_SERVICE, "group_approved": "", "service_id": f"S{i + 1}", **line}
            for i, line in enumerate(service_lines)
        ]
    )
    return cases, coaches, services


def _both(rules, frames, overrides=None) -> pd.DataFrame:
    fast = adjudicate(*frames, rules=rules, overrides=overrides)
    slow = adjudicate_reference(*frames, rules=rules, overrides=overrides)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    return fast


def test_KY_RATE_pays_15_an_hour_whatever_the_coach_asks():
    assert_quote("KY-RATE", "15 USD/hour")
    out = _both("KY", _frames([{"hours": "3"}], coach={"hourly_rate": "80"}))
    assert out.loc[0, "rate"] == 15.0 and out.loc[0, "amount"] == 45.0


def test_KY_HOURS_CAP_100_hours_per_consumer_used_up_by_date():
    """Twelve 9-hour days: 100 hours paid; the 12th line (day 12) gets the 1 hour left
    and nothing is paid after; authorized hours (here 10) are no limit by default."""
    assert_quote("KY-HOURS-CAP", "up to 100 hours per consumer")
    lines = [{"date": f"2026-03-{d:02d}", "hours": "9"} for d in range(1, 14)]
    frames = _frames(lines, case={"authorized_hours": "10"})
    out = _both("KY", frames)
    assert out["payable_hours"].sum() == 100
    assert list(out["payable_hours"][-3:]) == [9.0, 1.0, 0.0]
    assert out["status"].iloc[-1] == "denied" and "KY-HOURS-CAP" in out["rule_ids"].iloc[-2]
    assert out["amount"].sum() == 1500.0


def test_KY_HOURS_CAP_under_the_reading_that_authorized_hours_also_limit():
    lines = [{"date": f"2026-03-{d:02d}", "hours": "9"} for d in range(1, 4)]
    frames = _frames(lines, case={"authorized_hours": "10"})
    out = _both("KY", frames, {"authorized_hours": "also_a_limit"})
    assert list(out["payable_hours"]) == [9.0, 1.0, 0.0]


def _two_cases(consumer_ids: tuple[str, str], authorized: tuple[str, str] = ("200", "200")):
    """Cases A and B, six 10-hour lines each (A's in early March, B's in late March)."""
    cases = pd.DataFrame(
        [
            {**BASE_CASE, "case_id": name, "consumer_id": who, "authorized_hours": hours}
            for name, who, hours in zip(("A", "B"), consumer_ids, authorized, strict=True)
        ]
    )
    lines = [
        {**BASE_SERVICE, "group_approved": "", "service_id": f"{case}{d}", "case_id": case,
         "date": f"2026-03-{d + (0 if case == 'A' else 14):02d}", "hours": "10"}
        for case in ("A", "B")
        for d in range(2, 8)
    ]  # fmt: skip
    return cases, pd.DataFrame([BASE_COACH]), pd.DataFrame(lines)


def test_KY_HOURS_CAP_walks_every_case_of_one_consumer_together():
    """One person with two cases: 60 + 60 claimed hours, 100 paid (A's 60, then B's
    first four lines; B's fifth and sixth denied); two people: all 120 paid."""
    one = _both("KY", _two_cases(("U7", "U7")))
    assert one["payable_hours"].sum() == 100 and one["amount"].sum() == 1500.0
    assert list(one["payable_hours"][6:]) == [10.0] * 4 + [0.0, 0.0]
    assert list(one["status"][-2:]) == ["denied", "denied"]
    two = _both("KY", _two_cases(("U7", "U8")))
    assert two["payable_hours"].sum() == 120
    blank = _both("KY", _two_cases(("", "")))  # no consumer id: each case its own person
    assert blank["payable_hours"].sum() == 120


def test_KY_HOURS_CAP_per_consumer_and_per_case_under_also_a_limit():
    """Authorized 45 and 200 hours under the reading that they limit too: A pays 45
    (its own cap), B the 55 the person has left."""
    frames = _two_cases(("U7", "U7"), ("45", "200"))
    out = _both("KY", frames, {"authorized_hours": "also_a_limit"})
    paid = out.assign(case=frames[2]["case_id"]).groupby("case")["payable_hours"].sum()
    assert paid.to_dict() == {"A": 45.0, "B": 55.0}


def test_KY_HOURS_CAP_other_rulebooks_cap_each_case_not_each_person():
    """Iowa's and Kansas's caps are each case's authorized hours: one person's two cases
    of 50 authorized hours each pay 50 + 50."""
    frames = _two_cases(("U7", "U7"), ("50", "50"))
    for code in ("KS", "IA"):
        out = adjudicate(*frames, rules=code)
        assert out["payable_hours"].sum() == 100.0, code


def test_KY_values_start_in_2003_an_assumption_and_earlier_lines_are_refused():
    frames = _frames([{"date": "2002-06-03"}], case={"authorized_from": "2002-01-01"})
    with pytest.raises(InputError, match="on or after 2003-01-01"):
        adjudicate(*frames, rules="KY")
    with pytest.raises(InputError, match="on or after 2003-01-01"):
        adjudicate_reference(*frames, rules="KY")


@pytest.mark.parametrize(("coach_rate", "paid_rate"), [("30", 30.0), ("50", 37.5)])
def test_TX_RATE_pays_the_coach_rate_up_to_the_cap(coach_rate, paid_rate):
    assert_quote("TX-RATE", "general job coaching up to 37.50 USD/hour")
    frames = _frames([{"date": "2017-03-10"}], coach={"hourly_rate": coach_rate})
    assert _both("TX", frames).loc[0, "rate"] == paid_rate


def test_TX_RATE_under_the_reading_that_the_cap_is_the_rate():
    frames = _frames([{"date": "2017-03-10"}], coach={"hourly_rate": "30"})
    assert _both("TX", frames, {"rate_basis": "the_cap"}).loc[0, "rate"] == 37.5


@pytest.mark.parametrize("engine", [adjudicate, adjudicate_reference])
def test_TX_RATE_stops_on_2017_10_01_a_later_line_is_refused_at_its_row(engine):
    assert_quote("TX-RATE", "retired 2017-10-01")
    lines = [{"date": "2017-09-30"}, {"date": "2017-10-01"}]
    frames = _frames(lines, case={"authorized_from": "2017-01-01", "authorized_to": "2018-01-01"})
    with pytest.raises(
        InputError, match=r"row 2 \(line 3\).*before 2017-10-01.*max_hourly_rate stops"
    ):
        engine(*frames, rules="TX")


def test_TX_RATE_needs_the_coach_rate_unless_the_cap_is_the_rate():
    frames = _frames([{"date": "2017-03-10"}], coach={"hourly_rate": ""})
    with pytest.raises(InputError, match="hourly_rate"):
        adjudicate(*frames, rules="TX")
    assert (
        adjudicate(*frames, rules="TX", overrides={"rate_basis": "the_cap"}).loc[0, "rate"] == 37.5
    )


def test_a_stopped_line_through_the_cli_is_one_line_and_exit_2(tmp_path, capsys):
    examples = ROOT / "jobcoach_model" / "examples"
    paths = [examples / f"{n}.csv" for n in ("cases", "coaches", "services")]
    args = ["adjudicate", "--rules", "tx", "--out", str(tmp_path / "r.csv")]
    args += [f"--{n}={p}" for n, p in zip(("cases", "coaches", "services"), paths, strict=True)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TX-RATE" in err[0] and "2017-10-01" in err[0]
    assert not (tmp_path / "r.csv").exists()


def test_what_the_sources_do_not_say_is_silent_never_borrowed():
    table = rules_table(citations=False).set_index("topic")
    assert list(table.columns) == ["Kansas", "Iowa", "Kentucky", "Texas"]
    for state, said in (("Kentucky", {"Hourly rate", "Pre-authorization of hours"}),
                        ("Texas", {"Hourly rate"})):  # fmt: skip
        silent = set(table.index[table[state] == "silent"])
        assert silent == set(table.index) - said, state
        assert not table.loc[list(said), state].str.contains("KS-|IA-").any()


def test_a_scenario_prices_all_four_states_and_their_bridges_add_up():
    from jobcoach_model.analysis.bridge import bridge
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.caseloads.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "four_states.yaml", {"simulation.replications": "3"})
    assert {s.rules for s in sc.schemes} == {"KS", "IA", "KY", "TX"}
    totals = run(sc).summary.query("metric == 'total_paid'").set_index("scheme")["mean"]
    assert len(totals) == 4 and (totals > 0).all()
    for source, target in sc.bridges:
        b = bridge(sc, source, target)
        steps = b.per_replication.sum(axis=1).to_numpy()
        assert np.array_equal(steps, b.to_total - b.from_total), (source, target)


@pytest.mark.parametrize("engine", [adjudicate, adjudicate_reference])
def test_TX_RATE_after_a_dated_restart_the_refusal_names_both_spans_it_covers(engine):
    """A cap restarted on 2018-01-01 by a dated override: a line in the gap is refused
    with both spans the cap covers, not only the days before it stopped."""
    lines = [{"date": "2017-09-30"}, {"date": "2017-12-01"}]
    frames = _frames(lines, case={"authorized_from": "2017-01-01", "authorized_to": "2018-06-01"})
    restart = {"max_hourly_rate": {"2018-01-01": 39}}
    with pytest.raises(
        InputError,
        match=r"row 2 \(line 3\).*before 2017-10-01.*stops\) or on or after 2018-01-01",
    ):
        engine(*frames, rules="TX", overrides=restart)
    window = {"authorized_from": "2017-01-01", "authorized_to": "2018-06-01"}
    after = _frames([{"date": "2018-02-01"}], case=window)
    assert engine(*after, rules="TX", overrides=restart).loc[0, "status"] == "paid"
