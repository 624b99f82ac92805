"""The explorer's controls, one table: each control's label, range, group, what it sets
in the scenario and whether a change simulates the caseload again.

The explorer builds its widgets and its panel's groups from this table, ``whatif`` builds
the exported scenario from it and keys the kept caseload on the controls that
re-simulate. A jurisdiction adds controls over its own parameters (``Jurisdiction
.controls``); the rest are here. Adding a control is one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jobcoach_model.caseloads.metrics import benchmark_jurisdiction, benchmark_settings
from jobcoach_model.caseloads.scenario import Costs, Scenario
from jobcoach_model.law.jurisdictions import Control
from jobcoach_model.law.jurisdictions import controls as jurisdiction_controls

#: the panel's groups, in order, and their headings ({owner}: the benchmark's state)
GROUPS = (
    ("rates", "Rates"),
    ("caseload", "Caseload"),
    ("costs", "Providers' costs"),
    ("benchmark", "{owner} benchmark"),
)

#: controls that belong to no jurisdiction (``how``: what a value does to the scenario)
CORE = (
    Control(
        "consumers",
        "Consumers in the caseload",
        50,
        5000,
        50,
        "caseload",
        path="caseload.consumers",
        integer=True,
        resimulates=True,
    ),
    Control(
        "low_need", "Share at low need", 0, 1, 0.05, "caseload", how="need_mix", resimulates=True
    ),
    Control(
        "high_need", "Share at high need", 0, 1, 0.05, "caseload", how="need_mix", resimulates=True
    ),
    Control(
        "group_share",
        "Share of lines in group sessions",
        0,
        0.8,
        0.01,
        "caseload",
        path="services.group_share",
        resimulates=True,
    ),
    Control(
        "fading",
        "Fading speed (x the scenario's)",
        0.25,
        3.0,
        0.05,
        "caseload",
        how="fading",
        resimulates=True,
    ),
    Control("wage", "Coach's hourly wage (USD)", 8, 40, 0.01, "costs", path="costs.wage"),
    Control(
        "billable",
        "Share of paid time that is billable",
        0.3,
        0.95,
        0.01,
        "costs",
        path="costs.billable_share",
    ),
    Control(
        "threshold", "{owner} benchmark share", 0.5, 1.0, 0.01, "benchmark", path="benchmark.share"
    ),
    Control(
        "window",
        "{owner} benchmark window (days)",
        30,
        180,
        1,
        "benchmark",
        path="benchmark.window_days",
        integer=True,
    ),
    Control(
        "provider_size",
        "Persons a provider serves in a quarter",
        1,
        100,
        1,
        "benchmark",
        how="view",
        integer=True,
    ),
)


def explorer_controls(codes: Iterable[str]) -> tuple[Control, ...]:
    """Every control for a panel whose schemes use these jurisdictions: theirs first (in
    order), then the core ones; labels name the benchmark's jurisdiction."""
    owner = benchmark_jurisdiction()
    found = [c for code in codes for c in jurisdiction_controls(code)] + list(CORE)
    return tuple(
        c if "{owner}" not in c.label else _relabel(c, c.label.format(owner=owner).strip())
        for c in found
    )


def _relabel(control: Control, label: str) -> Control:
    from dataclasses import replace

    return replace(control, label=label)


def resimulating(controls: Iterable[Control]) -> tuple[str, ...]:
    """The names of the controls whose change means a new caseload."""
    return tuple(c.name for c in controls if c.resimulates)


def start_value(control: Control, base: Scenario, consumers: int) -> float:
    """A control's value for the base scenario (the explorer's own caseload size): for a
    parameter, the value in force on the start date; for one that has stopped by then,
    the base's own override on a scheme of that state, else the last value it had."""
    from jobcoach_model.base.errors import ParameterDateError
    from jobcoach_model.law.rulebook import load_rulebook

    if control.rules:
        book = load_rulebook(control.rules)
        try:
            return book.value(control.parameter, base.caseload.start_date)
        except ParameterDateError:
            for scheme in base.schemes:
                if scheme.rules == control.rules and control.parameter in scheme.overrides:
                    return scheme.overrides[control.parameter]
            history = book.parameters[control.parameter].history()
            return next(v for _, v in reversed(history) if v is not None)
    if control.name == "consumers":
        return consumers
    if control.how == "need_mix":
        return base.caseload.need_mix.get(control.name.removesuffix("_need"), 0.0)
    if control.how == "fading":
        return 1.0
    if control.name == "provider_size":
        return 12
    if control.path.startswith("benchmark."):
        return benchmark_settings(base)[control.path.split(".", 1)[1]]
    if control.path.startswith("costs."):  # the scenario's costs, or the cited defaults
        return getattr(base.costs or Costs(), control.path.split(".", 1)[1])
    return _at(base.model_dump(), control.path)


def _at(data: dict, path: str) -> Any:
    for key in path.split("."):
        data = data[key]
    return data
