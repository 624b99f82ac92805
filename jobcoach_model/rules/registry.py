"""The rule registry: one unit of code per rule id, and the rules that need none.

A unit is a class named for its rule, registered with ``@register``, with the quoted
clause written right above it, a vectorized form ``vector(ctx)`` and an independently
written line-by-line twin ``line(ctx)``. Both engines, outcome eligibility, the catalog
and the tests loop over this registry; a rule that decides nothing on a service line
(an appeal route, a billing form, a benchmark) is declared with ``information_only`` and
its reason instead.

Units run in stages: ``judge`` (each line on its own, in catalog order), ``hours`` (the
authorized-hours cap, which needs every denial first; its twin walks the lines in
application order) and ``group`` (proration of group sessions).
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from jobcoach_model.base.errors import RulebookError
from jobcoach_model.law.jurisdictions import (
    broken,
    codes,
    first_line,
    refuse_broken,
    rules_module,
    where,
)
from jobcoach_model.law.rulebook import load_rulebook

STAGES = ("judge", "hours", "group")
ROOT = Path(__file__).resolve().parents[2]


class RuleUnit:
    """One rule id's code: its vectorized form and its line-by-line twin."""

    id: ClassVar[str]
    stage: ClassVar[str] = "judge"
    #: also decides, per case, whether an outcome scheme may pay a case's milestones
    outcome: ClassVar[bool] = False

    @staticmethod
    def vector(ctx: Any) -> None:  # pragma: no cover - every unit defines its own
        """Judge every line at once."""
        raise NotImplementedError

    @staticmethod
    def line(ctx: Any) -> None:  # pragma: no cover
        """Judge one line (for ``hours`` units: the lines of a case, in order)."""
        raise NotImplementedError


_UNITS: dict[str, type[RuleUnit]] = {}
_INFO: dict[str, tuple[str, str]] = {}  # id -> (reason, where it is declared)


def _relative(path: Path) -> str:
    """A path relative to the repository root (or, installed, to site-packages)."""
    path = path.resolve()
    return (path.relative_to(ROOT) if ROOT in path.parents else path).as_posix()


def _where(unit: type[RuleUnit]) -> str:
    """``path:line`` of the line of a unit that names its id."""
    source, first = inspect.getsourcelines(unit)
    offset = next(i for i, text in enumerate(source) if f'"{unit.id}"' in text)
    return f"{_relative(Path(inspect.getsourcefile(unit)))}:{first + offset}"


@cache
def _package_lines() -> tuple[tuple[str, int, str], ...]:
    """Every line of the package's own modules and of each jurisdiction's modules other
    than its rule units (a state's scheme pricing), read once."""
    package = Path(__file__).resolve().parents[1]
    paths = [p for p in package.rglob("*.py") if p.parent.name not in ("rules", "cli")]
    return tuple(
        (_relative(path), number, text)
        for path in sorted(paths)
        if path.name != "rules.py"
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    )


def _uses(rule_id: str) -> list[str]:
    """Lines outside the registry that apply a rule by its id (outcome and unit-rate
    schemes, the bridge), as ``path:line``."""
    return [f"{path}:{n}" for path, n, text in _package_lines() if f'"{rule_id}"' in text]


def register(unit: type[RuleUnit]) -> type[RuleUnit]:
    """Register a rule unit under its id (a class decorator). A state's rule ids start
    with its own code, so one state's folder can never take another's rule."""
    owner = _owner(unit.__module__)
    if owner and not unit.id.startswith(f"{owner}-"):
        raise ValueError(f"rule {unit.id}: a rule of {owner} has an id starting {owner}-")
    if unit.id in _UNITS or unit.id in _INFO:
        raise ValueError(f"rule {unit.id} is registered twice")
    if unit.stage not in STAGES:
        raise ValueError(f"rule {unit.id}: unknown stage {unit.stage!r}")
    _UNITS[unit.id] = unit
    return unit


def information_only(rule_id: str, reason: str) -> None:
    """Declare a rule that decides nothing on a service line, and why."""
    if rule_id in _UNITS or rule_id in _INFO:
        raise ValueError(f"rule {rule_id} is registered twice")
    frame = inspect.stack()[1]
    _INFO[rule_id] = (reason, f"{_relative(Path(frame.filename))}:{frame.lineno}")


def _owner(module: str) -> str:
    """The state whose folder a module is in (``...rulebooks.ne.rules`` -> ``NE``), or ""."""
    parts = module.split(".")
    return parts[-2].upper() if len(parts) >= 3 and parts[-3] == "rulebooks" else ""


@cache
def _load() -> None:
    """Import every jurisdiction's rule units (registering is importing). A state whose
    ``rules.py`` fails (a syntax error, a rule id of another state's) is left out with
    its units, and using it says why in one line; the others load as before."""
    for code in codes():
        module = rules_module(code)
        try:
            importlib.import_module(module)
        except Exception as err:
            for rule_id in [k for k, u in _UNITS.items() if u.__module__ == module]:
                del _UNITS[rule_id]
            refuse_broken(code, f"{where(code, 'rules.py')}: {first_line(err)}")


def _usable(code: str) -> None:
    """Refuse, in one line, a state whose folder failed to load."""
    _load()
    if code.upper() in broken():
        raise RulebookError(broken()[code.upper()])


def units(code: str, stage: str | None = None) -> list[type[RuleUnit]]:
    """The units of a rulebook in catalog order, of one stage or all."""
    _usable(code)
    book = load_rulebook(code)
    found = [_UNITS[r.id] for r in book.rules if r.id in _UNITS]
    return [u for u in found if stage is None or u.stage == stage]


def unit(rule_id: str) -> type[RuleUnit]:
    """The unit registered under a rule id."""
    _load()
    return _UNITS[rule_id]


def registered() -> dict[str, type[RuleUnit]]:
    """Every registered unit by id."""
    _load()
    return dict(_UNITS)


def info_rules() -> dict[str, str]:
    """Every information-only rule id with its reason."""
    _load()
    return {k: reason for k, (reason, _) in _INFO.items()}


def code_locations(rule_id: str) -> list[str]:
    """``path:line`` of the code of a rule: its unit (vectorized form and line twin side
    by side) or where it is declared information-only, then any other module that applies
    it by id. Each line named shows the id."""
    _load()
    if rule_id in _INFO:
        own = [_INFO[rule_id][1]]
    elif rule_id in _UNITS:
        own = [_where(_UNITS[rule_id])]
    else:
        own = []
    return own + _uses(rule_id)
