"""The simulator and the rate schemes: determinism, statistical sanity against the
configured parameters, invariants, and the D-code path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from jobcoach_model import adjudicate
from jobcoach_model.caseloads.pricing import PAID
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import Scheme, load_scenario
from jobcoach_model.caseloads.simulate import simulate_chunk
from jobcoach_model.cli import main
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.rulebooks.ia.schemes import milestone_days, price_outcome

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


def small(**sets):
    return load_scenario(SMALL, {k: str(v) for k, v in sets.items()})


def test_simulate_writes_the_tables_and_summary(tmp_path, capsys):
    assert main(["simulate", str(SMALL), "--out", str(tmp_path)]) == 0
    for name in (
        "cases",
        "coaches",
        "services",
        "outcomes",
        "summary",
        "cashflow",
        "reasons",
        "benchmark",
    ):
        assert (tmp_path / f"{name}.csv").is_file(), name
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == ["scheme", "metric", "mean", "p05", "p95"]
    sc = load_scenario(SMALL)
    for scheme in sc.schemes:
        got = set(summary.loc[summary["scheme"] == scheme.name, "metric"])
        assert {
            "total_paid",
            "paid_per_consumer",
            "paid_per_retained_90d",
            "denied_amount",
            "held_amount",
        } <= got
    caseload = set(summary.loc[summary["scheme"] == "caseload", "metric"])
    assert {"retained_90d_share", "objectives_within_90d_share"} <= caseload
    assert (summary["p05"] <= summary["mean"] + 1e-9).all() and (
        summary["mean"] <= summary["p95"] + 1e-9
    ).all()


def test_replication_zero_records_go_through_the_csv_engine(tmp_path):
    assert main(["simulate", str(SMALL), "--out", str(tmp_path)]) == 0
    tables = [
        pd.read_csv(tmp_path / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("cases", "coaches", "services")
    ]
    result = adjudicate(*tables, rules="KS")
    assert len(result) == len(tables[2]) > 100
    assert set(result["status"]) == {"paid", "held", "denied"}


def test_same_seed_gives_byte_identical_files_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["simulate", str(SMALL), "--out", str(a)]) == 0
    assert main(["simulate", str(SMALL), "--out", str(b)]) == 0
    assert main(["simulate", str(SMALL), "--set", "simulation.seed=8", "--out", str(c)]) == 0
    for path in sorted(a.iterdir()):
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name
    assert (a / "summary.csv").read_bytes() != (c / "summary.csv").read_bytes()


def test_a_replication_does_not_depend_on_chunking_or_count():
    whole = run(small(**{"simulation.chunk": 20})).per_replication
    pieces = run(small(**{"simulation.chunk": 3})).per_replication
    pd.testing.assert_frame_equal(whole, pieces)
    fewer = run(small(**{"simulation.replications": 5})).per_replication
    pd.testing.assert_frame_equal(fewer, whole.iloc[:5])


def test_large_caseloads_are_simulated_in_blocks_of_consumers(monkeypatch):
    """Above BLOCK_CONSUMERS a replication is split into consumer blocks, each its own
    chunk: every consumer is simulated once, ids stay unique, sums add up, and the plan
    (and so every number) does not depend on how the chunks are run."""
    import jobcoach_model.caseloads.simulate as sim

    monkeypatch.setattr(sim, "BLOCK_CONSUMERS", 40)
    sc = small(**{"caseload.consumers": 150, "simulation.replications": 3})
    assert sim.blocks(sc) == 4
    plan = sim.chunk_plan(sc)
    assert plan == [(r, 1, b) for r in range(3) for b in range(4)]
    chunks = list(sim.simulate_plan(sc))
    rep0 = [c for c in chunks if c.first_rep == 0]
    ids = np.concatenate([c.cases["case_id"] for c in rep0])
    assert sorted(ids) == list(range(150))
    # the same coaches in every block of a replication (drawn from the replication's seed)
    for key in ("hourly_rate", "credential", "independent"):
        assert all(np.array_equal(c.coaches[key], rep0[0].coaches[key]) for c in rep0)
    res = run(sc, simulated=chunks, keep_sample=False)
    again = run(sc, keep_sample=False)
    pd.testing.assert_frame_equal(res.summary, again.summary)
    share = res.metric("caseload", "retained_90d_share")
    assert 0 < share < 1
    # totals are sums over blocks: the per-line money of every chunk adds up
    from jobcoach_model.caseloads.pricing import PAID, price

    scheme = sc.schemes[0]
    total = 0.0
    for c in chunks:
        m = price(c, scheme, sc.outcomes.assessment_report_days)
        total += m.amount[m.status == PAID].sum()
    assert res.metric(scheme.name, "total_paid") == pytest.approx(total / 3, rel=1e-9)


def test_weekly_hours_follow_the_fading_curve():
    sc = small(**{"services.fade_spread": 0, "caseload.consumers": 400})
    cl = simulate_chunk(sc, 0, 3)
    need = cl.outcomes["need"][cl.case_idx]
    week = (cl.services["date"] - cl.cases["authorized_from"][cl.case_idx]) // 7
    s = sc.services
    for level in ("low", "medium", "high"):
        work = getattr(sc.caseload.work_hours_per_week, level)
        for w in range(4):
            got = cl.services["hours"][(need == level) & (week == w)]
            expected = (
                work * getattr(s.initial_share, level) * (1 - getattr(s.fade_per_week, level)) ** w
            )
            assert len(got) > 5
            assert abs(got.mean() - expected) <= 0.125 + 1e-9, (level, w)  # quarter-hour rounding


def test_mean_weekly_hours_with_spread_within_monte_carlo_error():
    sc = small(**{"caseload.consumers": 2000})
    cl = simulate_chunk(sc, 0, 2)
    need = cl.outcomes["need"][cl.case_idx]
    week0 = (cl.services["date"] - cl.cases["authorized_from"][cl.case_idx]) // 7 == 0
    s = sc.services
    for level in ("low", "medium", "high"):
        got = cl.services["hours"][(need == level) & week0]
        expected = getattr(sc.caseload.work_hours_per_week, level) * getattr(s.initial_share, level)
        assert abs(got.mean() - expected) < 4 * got.std() / np.sqrt(len(got)) + 0.125


def test_retention_matches_the_hazard():
    sc = small(**{"caseload.consumers": 3000})
    cl = simulate_chunk(sc, 0, 4)
    for level in ("low", "medium", "high"):
        h = getattr(sc.outcomes.weekly_job_loss, level)
        # tenure = 7 * whole weeks employed + a uniform day of the week: >= 90 days needs
        # 13 weeks, or 12 weeks and day 6
        expected = (1 - h) ** 13 + (1 - h) ** 12 * h / 7
        got = cl.outcomes["retained_90d"][cl.outcomes["need"] == level]
        se = np.sqrt(expected * (1 - expected) / len(got))
        assert abs(got.mean() - expected) < 4 * se, level


def test_d_code_path_pays_exactly_2586_for_a_case_reaching_all_four():
    sc = small(**{"caseload.weeks": 52})
    cl = simulate_chunk(sc, 0, 2)
    money = price_outcome(cl, load_rulebook("IA"), sc.outcomes.assessment_report_days)
    assert set(money.reason[money.status == PAID]) == {"D20", "D21", "D22", "D23"}
    # items come milestone by milestone; rebuild each case's paid total
    from jobcoach_model.caseloads.pricing import outcome_eligible

    ok, _ = outcome_eligible(cl, load_rulebook("IA"))
    days = milestone_days(cl, load_rulebook("IA"), sc.outcomes.assessment_report_days)
    all_four = ok & np.logical_and.reduce([d < 10**9 for d in days.values()])
    assert all_four.sum() > 10
    paid_per_case = np.zeros(len(ok))
    for code, day in days.items():
        reached = day < 10**9
        paid_per_case[reached & ok] += {"D20": 112, "D21": 1686, "D22": 450, "D23": 338}[code]
    assert set(paid_per_case[all_four]) == {2586.0}
    assert money.amount[money.status == PAID].sum() == pytest.approx(paid_per_case.sum())


@settings(max_examples=examples(12), deadline=None)
@given(
    rate=st.floats(20, 60),
    bump=st.floats(0.01, 10),
    seed=st.integers(0, 10**6),
    group=st.floats(0, 0.6),
)
def test_money_never_negative_and_raising_a_rate_never_lowers_the_total(rate, bump, seed, group):
    sc = small(
        **{
            "simulation.seed": seed,
            "simulation.replications": 2,
            "services.group_share": round(group, 3),
        }
    )
    schemes = (
        Scheme(name="ks", rules="KS", overrides={"hourly_rate": rate}),
        Scheme(name="ks+", rules="KS", overrides={"hourly_rate": rate + bump}),
        Scheme(name="ia", rules="IA", overrides={"medicaid_hourly_rate": rate}),
        Scheme(name="ia+", rules="IA", overrides={"medicaid_hourly_rate": rate + bump}),
        Scheme(name="out", kind="outcome", rules="IA"),
        Scheme(name="unit", kind="unit_rate", rules="IA"),
    )
    res = run(sc.model_copy(update={"schemes": schemes}), keep_sample=False)
    money = res.summary[res.summary["metric"].isin(["total_paid", "held_amount", "denied_amount"])]
    assert (money[["mean", "p05", "p95"]] >= 0).all().all()
    assert res.metric("ks+", "total_paid") >= res.metric("ks", "total_paid")
    assert res.metric("ia+", "total_paid") >= res.metric("ia", "total_paid")


@settings(max_examples=examples(30), deadline=None)
@given(
    size=st.integers(1, 8),
    hours=st.sampled_from([0.5, 1.0, 1.75, 3.0]),
    rate=st.sampled_from([40.0, 45.16, 37.5]),
)
def test_kansas_group_cost_does_not_depend_on_group_size(size, hours, rate):
    cases = pd.DataFrame(
        [
            {
                "case_id": f"C{i}",
                "authorized_from": "2026-03-01",
                "authorized_to": "2026-06-30",
                "authorized_hours": 50,
                "plan_approved_on": "2026-02-01",
            }
            for i in range(size)
        ]
    )
    coaches = pd.DataFrame([{"coach_id": "K1", "hourly_rate": 40}])
    services = pd.DataFrame(
        [
            {
                "service_id": f"S{i}",
                "case_id": f"C{i}",
                "coach_id": "K1",
                "date": "2026-03-10",
                "hours": hours,
                "group_size": size,
            }
            for i in range(size)
        ]
    )
    result = adjudicate(cases, coaches, services, rules="KS", overrides={"hourly_rate": rate})
    assert result["amount"].sum() == pytest.approx(
        hours * rate, abs=0.005 * size + 1e-9
    )  # cents rounding per line


def test_iowa_never_pays_above_the_cap():
    sc = small(**{"caseload.coaches.rate_mean": 48, "caseload.coaches.rate_sd": 8})
    cl = simulate_chunk(sc, 0, 3)
    from jobcoach_model.engine.adjudication import judge

    for medicaid in (45.16, 42.0, 50.0):
        book = load_rulebook("IA").with_overrides({"medicaid_hourly_rate": medicaid})
        j = judge(cl.lines(), book)
        independent = cl.coaches["independent"][cl.coach_idx]
        paid = j.status != 2
        assert (j.rate[paid] <= medicaid + 1e-12).all()
        assert (j.rate[paid & independent] <= 45.16 + 1e-12).all()
        assert (
            j.amount
            <= j.hours * np.minimum(medicaid, 45.16 if True else 0) + 0.005 + (~independent) * 1e9
        ).all()


def test_the_kept_sample_is_replication_zero_alone():
    sc = small()
    res = run(sc)
    assert len(res.sample.reps) == sc.caseload.consumers and set(res.sample.reps) == {0}
    whole = simulate_chunk(sc, 0, 4)
    for name, frame in whole.tables(0).items():
        pd.testing.assert_frame_equal(frame, res.sample.tables()[name], obj=name)
    second = whole.replication(1)
    assert (
        second.cases["authorized_from"] == whole.cases["authorized_from"][whole.reps == 1]
    ).all()
    assert second.coach_idx.max() < second.coaches["_n"] and second.case_idx.max() < len(
        second.reps
    )
