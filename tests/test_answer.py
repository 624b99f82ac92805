"""The brief's answer first (issue 31): each state's own total, the difference only where
its interval holds it, the reading that would reverse it named, and a contents list."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.presentation import answer

BASELINE = load_scenario("baseline")


def _results(kansas, iowa):
    per = pd.DataFrame({"Kansas hourly | total_paid": kansas, "Iowa hourly | total_paid": iowa})
    return SimpleNamespace(scenario=BASELINE, per_replication=per)


def _sens(flips: str):
    rows = pd.DataFrame(
        [("IA", "hourly_payment_timing", "on_report", 0.2, "Iowa hourly", "Kansas hourly", flips)],
        columns=["rules", "interpretation", "option", "largest_move", "most_expensive",
                 "least_expensive", "flips"],
    )  # fmt: skip
    return SimpleNamespace(overturns=lambda threshold: rows)


def test_a_states_own_scheme_is_its_hourly_scheme_as_written_never_a_what_if():
    assert answer.own_schemes(BASELINE) == ["Kansas hourly", "Iowa hourly"]
    assert answer.title(BASELINE) == (
        "What Kansas's and Iowa's job-coaching rules would cost: baseline"
    )


def test_the_answer_names_both_totals_and_the_difference_its_interval_holds():
    kansas = np.array([100.0, 110.0, 120.0, 130.0])
    said = answer.opening(_results(kansas, kansas - 50), [], None, None)
    assert "under Kansas's rules (Kansas hourly) $115 (90% interval" in said
    assert "under Iowa's rules (Iowa hourly) $65 (90% interval" in said
    assert "Iowa hourly costs $50 less than Kansas hourly" in said
    assert "No other reading of the sources reverses this." in said


def test_no_ranking_where_the_interval_includes_zero():
    kansas = np.array([100.0, 110.0, 120.0, 130.0])
    said = answer.opening(_results(kansas, kansas + [-30, 30, -20, 25]), [], None, None)
    assert "no clear difference" in said and "less than" not in said


def test_a_reading_that_reverses_the_two_states_is_named_and_one_that_does_not_is_not():
    kansas = np.array([100.0, 110.0, 120.0, 130.0])
    results = _results(kansas, kansas - 50)
    said = answer.opening(results, [], _sens("Kansas hourly > Iowa hourly"), None)
    assert (
        "Reading the sources differently would reverse this: When hourly coaching is paid: "
        "on each written report (Iowa)." in said
    )
    other = answer.opening(results, [], _sens("Iowa outcome (D codes) > Iowa hourly"), None)
    assert "would reverse" not in other and "No other reading" in other


def test_the_contents_list_links_every_section_heading():
    import html

    nav = answer.contents_html()
    for anchor, title in answer.SECTIONS:
        listed = f"href='#{anchor}'>{html.escape(title)}</a>" in nav
        assert listed == (anchor not in answer.OPTIONAL), anchor
        assert f"id='{anchor}'" in answer.heading(anchor)
    # the providers' section is listed only for a scenario with costs
    from jobcoach_model.caseloads.scenario import Costs

    with_costs = BASELINE.model_copy(update={"costs": Costs()})
    assert "href='#providers'" in answer.contents_html(with_costs)
    assert "href='#providers'" not in answer.contents_html(BASELINE)
    html = answer.opening_html(_results(np.arange(4.0) + 100, np.arange(4.0)), [], None, None)
    assert html.startswith("<p class='answer'>")


def test_the_cash_flow_chart_labels_quarters_that_never_run_together():
    """Issue 31: the months under the cash-flow chart read "Jan 2026", "Apr 2026", ...
    (a label a quarter), never "2026-012026-03"."""
    import matplotlib

    matplotlib.use("Agg")
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.presentation import figures as fg

    results = run(load_scenario("small", {"simulation.replications": "2"}), keep_sample=False)
    ax = fg.plot_cashflow(results)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:3] == ["Jan 2026", "Apr 2026", "Jul 2026"], labels
    assert "average" in ax.get_ylabel()
