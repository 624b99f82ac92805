"""The machinery of rule units: the mechanisms several rulebooks share (``common.py``),
what a unit sees (``context.py``) and the registry both engines loop over
(``registry.py``). The units themselves, one per rule id beside its clause, live in each
jurisdiction's own folder (``rulebooks/<code>/rules.py``)."""

from jobcoach_model.rules.context import LineContext, VectorContext, Verdicts
from jobcoach_model.rules.registry import (
    RuleUnit,
    code_locations,
    info_rules,
    registered,
    unit,
    units,
)

__all__ = [
    "LineContext",
    "RuleUnit",
    "VectorContext",
    "Verdicts",
    "code_locations",
    "info_rules",
    "registered",
    "unit",
    "units",
]
