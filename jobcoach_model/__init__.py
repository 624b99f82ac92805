"""Kansas and Iowa vocational-rehabilitation job-coaching rules as cited code.

The public entry points: ``adjudicate`` (service lines under one rulebook),
``rules_table`` (the side-by-side table), ``load_rulebook`` (dated, cited parameters).
"""

from .adjudication import adjudicate
from .catalog import interpretations_table, parameter_history, rules_catalog, rules_table
from .errors import InputError, JobcoachError, OverrideError, ParameterDateError
from .rulebook import get_rulebook, load_rulebook

__all__ = [
    "InputError",
    "JobcoachError",
    "OverrideError",
    "ParameterDateError",
    "adjudicate",
    "get_rulebook",
    "interpretations_table",
    "load_rulebook",
    "parameter_history",
    "rules_catalog",
    "rules_table",
]
