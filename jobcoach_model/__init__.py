"""Kansas and Iowa vocational-rehabilitation job-coaching rules as cited code.

The public entry points: ``adjudicate`` (service lines under one rulebook),
``rules_table`` (the side-by-side table), ``load_rulebook`` (dated, cited parameters).
They are imported on first use (PEP 562), so that ``jobcoach --help`` and a command that
needs none of them start without loading pandas and the rulebooks.
"""

from __future__ import annotations

import importlib
from typing import Any

#: each public name and the module that holds it
_PUBLIC = {
    "InputError": "base.errors",
    "JobcoachError": "base.errors",
    "OverrideError": "base.errors",
    "ParameterDateError": "base.errors",
    "adjudicate": "engine.adjudication",
    "get_rulebook": "law.rulebook",
    "interpretations_table": "rules.catalog",
    "load_rulebook": "law.rulebook",
    "parameter_history": "rules.catalog",
    "rules_catalog": "rules.catalog",
    "rules_table": "rules.catalog",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'jobcoach_model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
