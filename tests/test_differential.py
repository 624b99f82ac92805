"""The vectorized engine agrees exactly with the line-by-line reference engine on
generated record sets, under every interpretation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import BASE, BASE_BY_CODE, examples, interpretation_overrides, record_sets

from jobcoach_model import adjudicate
from jobcoach_model.engine.reference import adjudicate_reference
from jobcoach_model.law.jurisdictions import codes


def _base(code: str):
    """A day around which the generated lines fall inside the rulebook's dated values."""
    return BASE_BY_CODE.get(code, BASE)


SETTINGS = settings(
    max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("code", codes())
def test_vectorized_engine_matches_reference(code):
    @SETTINGS
    @given(records=record_sets(base=_base(code)), overrides=interpretation_overrides(code))
    def check(records, overrides):
        fast = adjudicate(*records, rules=code, overrides=overrides)
        slow = adjudicate_reference(*records, rules=code, overrides=overrides)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)

    check()


@pytest.mark.parametrize("code", ["KS", "IA"])
def test_paid_amounts_are_never_negative_and_within_authorized_hours(code):
    @settings(max_examples=examples(100), deadline=None)
    @given(records=record_sets())
    def check(records):
        cases, _, services = records
        result = adjudicate(*records, rules=code)
        assert (result["amount"] >= 0).all() and (result["payable_hours"] >= 0).all()
        if len(services):
            used = (
                result.assign(case_id=services["case_id"].values)
                .groupby("case_id")["payable_hours"]
                .sum()
            )
            authorized = cases.set_index("case_id")["authorized_hours"].astype(float)
            assert (used <= authorized.reindex(used.index) + 1e-9).all()

    check()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outcome_eligibility_reuses_the_rule_units_in_both_engines(seed):
    """Outcome (D-code) eligibility runs the same units per case: the vectorized forms
    and the line twins agree on simulated cases under every interpretation."""
    from pathlib import Path

    from jobcoach_model.caseloads.pricing import outcome_lines
    from jobcoach_model.caseloads.scenario import load_scenario
    from jobcoach_model.caseloads.simulate import simulate_chunk
    from jobcoach_model.engine.adjudication import judge_cases
    from jobcoach_model.engine.reference import judge_cases_reference
    from jobcoach_model.law.rulebook import get_rulebook

    small = Path(__file__).resolve().parents[1] / "scenarios" / "small.yaml"
    scenario = load_scenario(small, {"simulation.seed": str(seed)})
    lines = outcome_lines(simulate_chunk(scenario, 0, 2))

    @settings(max_examples=examples(20), deadline=None)
    @given(overrides=interpretation_overrides("IA"))
    def check(overrides):
        book = get_rulebook("IA", overrides)
        fast_ok, fast_why = judge_cases(lines, book)
        slow_ok, slow_why = judge_cases_reference(lines, book)
        assert (fast_ok == slow_ok).all()
        assert list(fast_why) == list(slow_why)
        assert (~fast_ok).any() and fast_ok.any()

    check()


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of text cells as the CSV reader hands it over (Arrow-backed text), so the
    engine takes its Arrow path: ids kept as Arrow text, columns checked and compared
    one distinct value at a time (``Lines.line_in``)."""
    return frame.astype(pd.StringDtype("pyarrow", na_value=float("nan")))


@pytest.mark.parametrize("code", codes())
def test_vectorized_engine_matches_reference_on_arrow_text(code):
    @settings(
        max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(records=record_sets(base=_base(code)), overrides=interpretation_overrides(code))
    def check(records, overrides):
        arrow = [_as_read(frame) for frame in records]
        fast = adjudicate(*arrow, rules=code, overrides=overrides)
        slow = adjudicate_reference(*records, rules=code, overrides=overrides)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)

    check()


def test_a_line_after_a_value_stops_is_refused_the_same_way_by_both_engines():
    """Lines on both sides of Texas's 2017-10-01 stop: both engines name the same row."""
    import datetime as dt

    from jobcoach_model.base.errors import InputError

    @settings(
        max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(records=record_sets(base=dt.date(2017, 9, 20)))
    def check(records):
        messages = []
        for run in (adjudicate, adjudicate_reference):
            try:
                run(*records, rules="TX")
                messages.append(None)
            except InputError as err:
                messages.append(str(err))
        assert messages[0] == messages[1]
        late = bool(len(records[2]) and (records[2]["date"] >= "2017-10-01").any())
        assert (messages[0] is not None) == late

    check()


@given(
    st.lists(st.integers(-40_000, 60_000), min_size=1, max_size=50),
    st.integers(-5, 5),
)
def test_add_years_vector_equals_add_years_line_by_line(days, years):
    """IA-CREDENTIAL's grace year ends on the anniversary: the vectorized date step the
    engine uses equals the reference engine's day by day (29 February -> 28 February)."""
    from jobcoach_model.base.dates import NEVER, add_years, add_years_vector

    values = np.array([*days, NEVER], dtype=np.int64)
    got = add_years_vector(values, years)
    assert got.tolist() == [add_years(int(d), years) for d in values]
