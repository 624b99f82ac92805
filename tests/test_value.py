"""Responses to the payment design and value for money (issue 32): responses applied per
scheme from common random numbers, off by default and then changing nothing; the
acceptability curve, the switch value, EVPI and the incremental cost per kept job on toys
with known answers; and stronger creaming never serving more hard cases."""

from __future__ import annotations

import numpy as np
import pytest
from toys import value_toy

from jobcoach_model.analysis.value import (
    acceptability,
    evpi,
    icer_interval,
    switch_values,
    value_for_money,
)
from jobcoach_model.caseloads.responses import paid_on_outcomes, responded, response_groups
from jobcoach_model.caseloads.scenario import (
    Responses,
    load_scenario,
    response_notes,
)
from jobcoach_model.caseloads.simulate import simulate_plan


def test_acceptability_curve_switch_and_evpi_on_a_toy_with_a_known_answer():
    """Net benefit A = 10v - 100, B = 20v - 200: B is the better buy above v = 10."""
    sure = value_toy([20.0, 20.0])
    c = acceptability(sure, np.array([5.0, 15.0])).pivot(
        index="value", columns="scheme", values="probability"
    )
    assert c.loc[5.0].tolist() == [1.0, 0.0] and c.loc[15.0].tolist() == [0.0, 1.0]
    assert switch_values(sure, 0, 40) == [(10.0, "A", "B")]
    assert switch_values(sure, 0, 9) == []
    assert evpi(sure, 10.5) == 0.0  # no uncertainty, nothing to learn
    # B keeps 19 or 21: at v = 10.5 B wins in one replication of two. Net benefits:
    # A 5 and 5, B -0.5 and 20.5; the best per replication averages 12.75, the best mean
    # is B's 10, so perfect information is worth 2.75
    noisy = value_toy([19.0, 21.0])
    at = acceptability(noisy, np.array([10.5]))
    assert at["probability"].tolist() == [0.5, 0.5]
    assert evpi(noisy, 10.5) == pytest.approx(2.75)
    assert (
        acceptability(noisy, np.linspace(0, 40, 9))
        .groupby("value")["probability"]
        .sum()
        .eq(1)
        .all()
    )


def test_the_incremental_cost_per_kept_job_by_hand():
    t = value_toy([20.0, 20.0]).table().set_index("scheme")
    assert t.loc["B", "icer"] == 10.0 and t.loc["B", "extra_kept"] == 10.0
    assert t.loc["B", "cost_per_kept_job"] == 10.0 and t.loc["A", "cost_per_kept_job"] == 10.0
    assert np.isnan(t.loc["A", "icer"])  # the reference against itself
    assert t.loc["B", "net_benefit"] == pytest.approx(10.5 * 20 - 200)
    assert icer_interval(np.array([100.0, 100.0]), np.array([10.0, 10.0])) == (10.0, 10.0)
    # extra kept jobs that may be zero: the ratio has no bounded interval
    lo, hi = icer_interval(np.array([5.0, 5.0]), np.array([1.0, -1.0]))
    assert np.isnan(lo) and np.isnan(hi)


def _design(replications: int = 4):
    sc = load_scenario("payment_design")
    return sc.model_copy(
        update={
            "caseload": sc.caseload.model_copy(update={"consumers": 300}),
            "simulation": sc.simulation.model_copy(update={"replications": replications}),
        }
    )


def test_responses_are_off_by_default_and_then_change_nothing():
    from jobcoach_model.caseloads.runner import run

    base = load_scenario("baseline")
    assert base.responses is None and response_groups(base) == [(base, base.schemes)]
    sc = _design().model_copy(update={"responses": None})
    one = run(sc, keep_sample=False).per_replication
    for scheme in sc.schemes:
        alone = run(responded(sc, scheme), keep_sample=False).per_replication
        col = f"{scheme.name} | total_paid"
        assert alone[col].equals(one[col])  # the same caseload: the same cents
    vfm = value_for_money(sc)
    assert not vfm.outcomes_differ
    kept = {k: v.tolist() for k, v in vfm.kept.items()}
    assert len({tuple(v) for v in kept.values()}) == 1


def test_responses_give_outcome_pay_its_own_caseload_from_the_same_seed():
    sc = _design()
    outcome = next(s for s in sc.schemes if paid_on_outcomes(s))
    hourly = next(s for s in sc.schemes if not paid_on_outcomes(s))
    r = sc.responses
    o, h = responded(sc, outcome), responded(sc, hourly)
    assert o.caseload.need_mix["high"] == pytest.approx(
        sc.caseload.need_mix["high"] * (1 - r.creaming)
    )
    assert sum(o.caseload.need_mix.values()) == pytest.approx(1.0)
    assert o.outcomes.weekly_job_loss.high == pytest.approx(sc.outcomes.weekly_job_loss.high * 0.9)
    assert o.services.fade_per_week.low == pytest.approx(sc.services.fade_per_week.low * 1.1)
    assert h.services.fade_per_week.low == pytest.approx(sc.services.fade_per_week.low * 0.9)
    assert h.caseload.need_mix == sc.caseload.need_mix
    assert len(response_groups(sc)) == 2
    vfm = value_for_money(sc)
    assert vfm.outcomes_differ
    assert vfm.kept[outcome.name].mean() > vfm.kept[hourly.name].mean()
    assert vfm.hard_cases[outcome.name] < vfm.hard_cases[hourly.name]


def _high_need(sc, creaming: float) -> list[np.ndarray]:
    scheme = next(s for s in sc.schemes if paid_on_outcomes(s))
    run = responded(sc, scheme, Responses(creaming=creaming))
    return [np.asarray(cl.cases["need"]) == "high" for cl in simulate_plan(run)]


def test_stronger_creaming_never_serves_more_hard_cases():
    """From common random numbers, each consumer high-need under stronger creaming is
    high-need under weaker creaming: the count never rises, consumer by consumer."""
    sc = _design(replications=3)
    previous = None
    for creaming in (0.0, 0.05, 0.2, 0.6, 1.0):
        high = _high_need(sc, creaming)
        if previous is not None:
            for now, before in zip(high, previous, strict=True):
                assert not (now & ~before).any()
                assert now.sum() <= before.sum()
        previous = high
    assert sum(h.sum() for h in previous) == 0  # all turned away


def test_every_response_and_value_default_cites_a_source_or_says_assumption():
    notes = response_notes()
    assert {p.split(".")[0] for p in notes} == {"responses", "value"}
    for path, note in notes.items():
        assert "assumption" in note or "Shen (2003)" in note, (path, note)


def test_the_value_table_says_dominates_and_saves_in_words():
    from dataclasses import replace

    from jobcoach_model.presentation.value_figures import value_table

    base = value_toy([20.0, 20.0])
    col = "Cost of one more kept job (90% interval)"
    assert value_table(base)[col].tolist() == ["", "$10 ($10 to $10)"]
    cheaper_and_more = replace(base, paid={"A": base.paid["A"], "B": np.full(2, 50.0)})
    assert value_table(cheaper_and_more)[col].iloc[1].startswith("dominates")
    dearer_and_fewer = replace(base, kept={"A": base.kept["A"], "B": np.full(2, 5.0)})
    assert value_table(dearer_and_fewer)[col].iloc[1].startswith("dominated")
    cheaper_and_fewer = replace(
        base,
        paid={"A": base.paid["A"], "B": np.full(2, 50.0)},
        kept={"A": base.kept["A"], "B": np.full(2, 5.0)},
    )
    assert (
        value_table(cheaper_and_fewer)[col].iloc[1] == "saves $10 per job fewer kept ($10 to $10)"
    )


def test_the_key_assumptions_list_costs_responses_and_value_only_when_asked_for():
    from jobcoach_model.presentation import glossary
    from jobcoach_model.presentation.figures import assumptions_table

    base = assumptions_table(load_scenario("baseline"))
    design = assumptions_table(load_scenario("payment_design"))
    asked = [glossary.label(p) for p in ("costs.wage", "responses.creaming", "value.per_kept_job")]
    assert not set(asked) & {i.split(" (")[0] for i in base["Input"]}
    shown = {i.split(" (")[0] for i in design["Input"]}
    assert set(asked) <= shown and len(design) == len(base) + 20
    creaming = design[design["Input"].str.startswith(asked[1])].iloc[0]
    assert creaming["Value"] == "0.09" and "Shen (2003)" in creaming["Source"]
