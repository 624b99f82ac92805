"""What a state's folder may use of the package: one small public module, so that the
engine can change inside without a state noticing, and a state never reaches into the
engine's private names (``tests/test_layers.py`` holds every state folder to it).

The names are imported on first use (PEP 562): a state folder is loaded while the
scenario schema is being built, before the pricing and simulation layers can be.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover  (the same names, for readers and type checkers)
    pass

#: each public name and the module that holds it
_NAMES = {
    **dict.fromkeys(
        ["NEVER", "add_years", "add_years_vector", "month_index"], "jobcoach_model.base.dates"
    ),
    "InputError": "jobcoach_model.base.errors",
    **dict.fromkeys(["hour_units", "hours_units", "line_cents"], "jobcoach_model.base.money"),
    **dict.fromkeys(
        ["LineTerms", "Payments", "outcome_eligible", "reported_month"],
        "jobcoach_model.caseloads.pricing",
    ),
    "SimulatedCaseload": "jobcoach_model.caseloads.simulate",
    **dict.fromkeys(
        ["DENIED", "PAID", "judge", "stage_rule"], "jobcoach_model.engine.adjudication"
    ),
    **dict.fromkeys(["Control", "Jurisdiction", "Measure"], "jobcoach_model.law.jurisdictions"),
    "Rulebook": "jobcoach_model.law.rulebook",
    "Lines": "jobcoach_model.records.lines",
    **dict.fromkeys(
        ["AuthorizationWindow", "FlatRate", "GroupProration", "HoursCap"],
        "jobcoach_model.rules.common",
    ),
    **dict.fromkeys(["LineContext", "VectorContext"], "jobcoach_model.rules.context"),
    **dict.fromkeys(["RuleUnit", "information_only", "register"], "jobcoach_model.rules.registry"),
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name not in _NAMES:
        raise AttributeError(f"module 'jobcoach_model.rulebooks.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
