"""Every rule id as one unit of code beside its clause (``ks.py``, ``ia.py``), the
mechanisms two rulebooks share (``common.py``), what a unit sees (``context.py``) and the
registry both engines loop over (``registry.py``)."""

from .context import LineContext, VectorContext, Verdicts
from .registry import RuleUnit, code_locations, info_rules, registered, unit, units

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
