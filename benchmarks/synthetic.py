"""Random but valid record sets of any size, for the benchmark (typed columns, as the
simulator produces them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobcoach_model.records.contract import CREDENTIALS


def synthetic_records(
    n_lines: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``n_lines`` service lines over n_lines/10 cases and n_lines/500 coaches."""
    rng = np.random.default_rng(seed)
    n_cases = max(1, n_lines // 10)
    n_coaches = max(1, n_lines // 500)
    start = np.datetime64("2026-01-05") + rng.integers(0, 180, n_cases).astype("timedelta64[D]")
    day = lambda lo, hi, n: rng.integers(lo, hi, n).astype("timedelta64[D]")  # noqa: E731
    never = rng.random(n_cases) < 0.1
    cases = pd.DataFrame(
        {
            "case_id": np.char.add("C", np.arange(n_cases).astype(str)),
            "authorized_from": start,
            "authorized_to": start + day(60, 200, n_cases),
            "authorized_hours": rng.choice([20.0, 40.0, 60.0, 80.0], n_cases),
            "plan_approved_on": np.where(
                never, np.datetime64("NaT"), start + day(-10, 10, n_cases)
            ),
            "with_placement": rng.random(n_cases) < 0.4,
            "offsite_approved": rng.random(n_cases) < 0.3,
            "concurrent_services": rng.choice(["", "", "", "vocational_assessment"], n_cases),
            "withdrawal_notice_on": np.where(
                rng.random(n_cases) < 0.05, start + day(20, 120, n_cases), np.datetime64("NaT")
            ),
            "reports_current": rng.random(n_cases) < 0.9,
            "needs_customized_training": rng.random(n_cases) < 0.95,
            "employer_can_train": rng.random(n_cases) < 0.05,
            "stabilized_on": np.where(
                rng.random(n_cases) < 0.7, start + day(30, 150, n_cases), np.datetime64("NaT")
            ),
        }
    )
    coaches = pd.DataFrame(
        {
            "coach_id": np.char.add("K", np.arange(n_coaches).astype(str)),
            "hourly_rate": rng.uniform(30, 50, n_coaches).round(2),
            "credential": rng.choice(CREDENTIALS, n_coaches),
            "training_started_on": np.datetime64("2025-09-01") + day(0, 200, n_coaches),
            "w9_on_file": rng.random(n_coaches) < 0.95,
            "liability_insurance": rng.random(n_coaches) < 0.9,
            "independent": rng.random(n_coaches) < 0.5,
            "cco_approved": rng.random(n_coaches) < 0.1,
            "provider_id": np.char.add("P", (np.arange(n_coaches) % 50).astype(str)),
        }
    )
    case_of_line = rng.integers(0, n_cases, n_lines)
    services = pd.DataFrame(
        {
            "service_id": np.char.add("S", np.arange(n_lines).astype(str)),
            "case_id": cases["case_id"].to_numpy()[case_of_line],
            "coach_id": coaches["coach_id"].to_numpy()[rng.integers(0, n_coaches, n_lines)],
            "date": start[case_of_line] + day(-5, 200, n_lines),
            "hours": rng.choice([0.5, 1.0, 1.5, 2.0, 3.0, 4.0], n_lines),
            "setting": rng.choice(["on_site", "on_site", "on_site", "off_site"], n_lines),
            "consumer_present": rng.random(n_lines) < 0.9,
            "group_size": rng.choice([1, 1, 1, 1, 2, 3, 4], n_lines),
            "service_code": rng.choice(
                ["575", "576", "", "999"], n_lines, p=[0.5, 0.3, 0.19, 0.01]
            ),
        }
    )
    return cases, coaches, services
