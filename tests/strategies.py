"""Hypothesis strategies for whole record sets (cases, coaches, service lines) that stress
every rule: dates near window edges, caps crossed mid-line, same-day ties, groups."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
from hypothesis import strategies as st

from jobcoach_model.records.contract import CREDENTIALS

#: ``make check`` (JOBCOACH_QUICK=1) runs every property test on a fifth of its examples
#: (at least 5); ``make test`` and CI run them all
QUICK = os.environ.get("JOBCOACH_QUICK") == "1"


def examples(n: int) -> int:
    """A property test's number of examples in this tier: ``n`` in the full one."""
    return max(5, n // 5) if QUICK else n


BASE = dt.date(2026, 3, 1)
#: a day each rulebook's values cover (Texas's cap stops on 2017-10-01)
BASE_BY_CODE = {"TX": dt.date(2017, 6, 1)}


@st.composite
def record_sets(
    draw, max_cases: int = 5, max_coaches: int = 4, max_lines: int = 30, base: dt.date = BASE
):
    """Three DataFrames of text cells, valid under every rulebook whose values cover the
    days around ``base``."""

    def _day(offset: int) -> str:
        return (base + dt.timedelta(days=offset)).isoformat()

    def _maybe_day(lo: int, hi: int):
        return st.one_of(st.just(""), st.integers(lo, hi).map(_day))

    n_cases = draw(st.integers(1, max_cases))
    n_coaches = draw(st.integers(1, max_coaches))
    n_lines = draw(st.integers(0, max_lines))
    bools = st.sampled_from(["true", "false", ""])
    cases = []
    for i in range(n_cases):
        start = draw(st.integers(-5, 10))
        cases.append(
            {
                "case_id": f"C{i}",
                # a few people with several cases (per-consumer caps walk them together)
                "consumer_id": draw(st.sampled_from(["", "", "U0", "U1"])),
                "authorized_from": _day(start),
                "authorized_to": _day(start + draw(st.integers(0, 40))),
                "authorized_hours": draw(st.sampled_from(["0", "1.5", "4", "10", "25", "7.333"])),
                "plan_approved_on": draw(_maybe_day(-10, 30)),
                "with_placement": draw(bools),
                "offsite_approved": draw(bools),
                "concurrent_services": draw(
                    st.sampled_from(
                        [
                            "",
                            "vocational_assessment",
                            "guided_placement",
                            "guided_placement;independent_living_assessment",
                        ]
                    )
                ),
                "withdrawal_notice_on": draw(_maybe_day(-5, 30)),
                "reports_current": draw(bools),
                "needs_customized_training": draw(bools),
                "employer_can_train": draw(bools),
                "stabilized_on": draw(_maybe_day(-5, 40)),
            }
        )
    coaches = []
    for i in range(n_coaches):
        coaches.append(
            {
                "coach_id": f"K{i}",
                "hourly_rate": draw(
                    st.sampled_from(["20", "38.5", "45.16", "45.17", "52", "44.99"])
                ),
                "credential": draw(st.sampled_from([*CREDENTIALS, ""])),
                "training_started_on": draw(
                    st.one_of(
                        st.just(""),
                        st.integers(-400, 0).map(_day),
                        st.just((base - dt.timedelta(days=366)).isoformat()),
                    )
                ),
                "w9_on_file": draw(bools),
                "liability_insurance": draw(bools),
                "independent": draw(bools),
                "cco_approved": draw(st.sampled_from(["true", "false", "false", ""])),
                "provider_id": f"P{i % 2}",
            }
        )
    lines = []
    for i in range(n_lines):
        lines.append(
            {
                "service_id": f"S{draw(st.integers(0, 10**6)):07d}-{i}",
                "case_id": f"C{draw(st.integers(0, n_cases - 1))}",
                "coach_id": f"K{draw(st.integers(0, n_coaches - 1))}",
                "date": _day(draw(st.integers(-6, 50))),
                "hours": draw(st.sampled_from(["0.25", "1", "1.5", "2", "3.75", "8", "0.1"])),
                "setting": draw(st.sampled_from(["on_site", "off_site", ""])),
                "consumer_present": draw(bools),
                "group_size": draw(st.sampled_from(["1", "1", "2", "3", "8", ""])),
                "service_code": draw(st.sampled_from(["", "575", "576", "999"])),
            }
        )
    columns = [
        "service_id",
        "case_id",
        "coach_id",
        "date",
        "hours",
        "setting",
        "consumer_present",
        "group_size",
        "service_code",
    ]
    return pd.DataFrame(cases), pd.DataFrame(coaches), pd.DataFrame(lines, columns=columns)


def interpretation_overrides(code: str):
    """Any mix of interpretation choices (and a few parameter changes) for a rulebook."""
    from jobcoach_model import load_rulebook

    book = load_rulebook(code)
    parts = {
        name: st.sampled_from([None, *item.options]) for name, item in book.interpretations.items()
    }
    if code == "KS":
        parts["hourly_rate"] = st.sampled_from([None, 45.16, 33.333])
        parts["group_billing"] = st.sampled_from([None, "per_person"])
    elif code == "IA":
        parts["medicaid_hourly_rate"] = st.sampled_from([None, 42.0, 44.995])
        parts["max_hourly_rate"] = st.sampled_from([None, 40.0])
    elif code == "KY":
        parts["hourly_rate"] = st.sampled_from([None, 33.333])
        parts["max_hours_per_consumer"] = st.sampled_from([None, 2.5, 7.333, 12])
    elif code == "TX":
        parts["max_hourly_rate"] = st.sampled_from([None, 44.995])
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})
