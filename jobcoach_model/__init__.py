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
    "InputError": "errors",
    "JobcoachError": "errors",
    "OverrideError": "errors",
    "ParameterDateError": "errors",
    "adjudicate": "adjudication",
    "get_rulebook": "rulebook",
    "interpretations_table": "catalog",
    "load_rulebook": "rulebook",
    "parameter_history": "catalog",
    "rules_catalog": "catalog",
    "rules_table": "catalog",
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
