"""The vectorized engine agrees exactly with the line-by-line reference engine on
generated record sets, under every interpretation."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import interpretation_overrides, record_sets

from jobcoach_model import adjudicate
from jobcoach_model.reference import adjudicate_reference

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("code", ["KS", "IA"])
def test_vectorized_engine_matches_reference(code):
    @SETTINGS
    @given(records=record_sets(), overrides=interpretation_overrides(code))
    def check(records, overrides):
        fast = adjudicate(*records, rules=code, overrides=overrides)
        slow = adjudicate_reference(*records, rules=code, overrides=overrides)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)

    check()


@pytest.mark.parametrize("code", ["KS", "IA"])
def test_paid_amounts_are_never_negative_and_within_authorized_hours(code):
    @settings(max_examples=100, deadline=None)
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
