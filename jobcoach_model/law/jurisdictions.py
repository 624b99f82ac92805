"""The jurisdiction registry: every state is a folder of ``rulebooks/``, found there.

A folder ``rulebooks/<code>/`` holding an ``index.yaml`` and an ``__init__.py`` is a
jurisdiction. Its YAML files are its rulebook (dated, cited parameters, named readings,
rules); ``rules.py`` holds its rule units; ``__init__.py`` defines ``JURISDICTION``, a
``Jurisdiction`` whose hooks hold everything else the state decides: lines it cannot
price, when it pays, the schemes it offers beyond hourly lines, its benchmark, its appeal
route, its explorer controls and caseload measures. Engines, pricing, the runner, the
bridge, explain, the CLI and the explorer ask this registry and never name a state (the
leak test in ``tests/test_jurisdiction_plugins.py`` holds them to it), as openfisca-core
never names a country. ``jobcoach new-rulebook XX`` writes a new folder's skeleton.

Everything a silent rulebook does not say takes the base class's default here: hourly
lines only, paid the month after service, no benchmark, no extra controls.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: a ``law.rulebook.Rulebook``: named, not imported, since the rulebook imports this
#: registry (the registry stays below it)
Rulebook = Any

RULEBOOK_DIR = Path(__file__).parents[1] / "rulebooks"
PACKAGE = "jobcoach_model.rulebooks"


@dataclass(frozen=True)
class Control:
    """One explorer control: a slider (the table of them is ``controls.py``).

    ``name`` is the widget's key (and CSS class ``jc-<name>``); ``group`` the panel's
    section (``rates``, ``caseload``, ``benchmark``). What a value does (``how``):
    ``override`` sets ``parameter`` on every scheme of the jurisdiction ``rules`` (filled
    in by the registry), ``set`` sets the scenario field at ``path``, ``need_mix`` and
    ``fading`` reshape the caseload, ``view`` only changes what the panel shows.
    ``resimulates``: a change means a new caseload (else the kept one is re-priced)."""

    name: str
    label: str
    low: float
    high: float
    step: float
    group: str = "rates"
    parameter: str = ""
    path: str = ""
    integer: bool = False
    how: str = ""
    resimulates: bool = False
    rules: str = ""

    def __post_init__(self) -> None:
        if not self.how:
            object.__setattr__(self, "how", "override" if self.parameter else "set")


@dataclass(frozen=True)
class Measure:
    """A caseload measure a jurisdiction adds to the summary: the share of consumers for
    whom its ``caseload_counts`` hook counted ``name``."""

    name: str
    label: str


class Jurisdiction:
    """A state's hooks, with the defaults of a rulebook that is silent on each point.

    A state's ``__init__.py`` subclasses this and overrides only what its sources say.
    """

    #: the state's code (the folder's name, upper case)
    code: ClassVar[str] = ""
    #: scheme kinds offered beyond ``hourly``: name -> priced per service line?
    kinds: ClassVar[dict[str, bool]] = {}

    # -- schemes --------------------------------------------------------------------
    def offers(self, kind: str) -> bool:
        """Whether a scheme of this kind can use the rulebook."""
        return kind == "hourly" or kind in self.kinds

    def per_line(self, kind: str) -> bool:
        """Whether a scheme of this kind is priced per service line (else per case)."""
        return kind == "hourly" or self.kinds[kind]

    def default_schemes(self) -> tuple[dict[str, str], ...]:
        """The schemes a scenario that names none prices under this rulebook."""
        return ()

    def line_terms(self, kind: str, book: Rulebook, lines: Any, when: Any) -> Any:
        """A per-line kind's ``pricing.LineTerms`` (hourly is the engine's own)."""
        raise NotImplementedError(f"{self.code} offers no {kind} scheme")

    def price_cases(self, kind: str, caseload: Any, book: Rulebook, assessment_days: int) -> Any:
        """A per-case kind's ``pricing.Payments`` (outcome payments)."""
        raise NotImplementedError(f"{self.code} offers no {kind} scheme")

    def basis_rule(self, kind: str, book: Rulebook) -> str:
        """The rule a scheme's money rests on, for the bridge: the first rule that sets
        the rate."""
        return next(r.id for r in book.rules if r.effect == "rate")

    # -- lines ----------------------------------------------------------------------
    def require(self, lines: Any, book: Rulebook) -> None:
        """Refuse, with an ``InputError``, lines the rulebook cannot price (none here)."""

    def payment_month(
        self, book: Rulebook, caseload: Any, lines: Any, billed: np.ndarray
    ) -> np.ndarray:
        """Payment month of each hourly line, given ``billed`` (the month after service,
        the default: an assumption on the billing cycle)."""
        return billed

    def never_released(
        self, book: Rulebook, caseload: Any, lines: Any, held: np.ndarray
    ) -> np.ndarray:
        """Which held lines can never be paid (their condition can no longer come); the
        other held lines are pending. None here: every hold is released in time."""
        import numpy as np

        return np.zeros(len(held), dtype=bool)

    def coaching_codes(self, book: Rulebook) -> tuple[str, ...] | None:
        """The service codes job coaching is billed under (None: the sources are silent)."""
        return None

    # -- benchmark, appeal, measures, controls ---------------------------------------
    def benchmark(self, book: Rulebook, when: Any) -> dict[str, float] | None:
        """The accountability benchmark (``share``, ``window_days``, ``review_months``)."""
        return None

    def appeal_route(self, book: Rulebook, when: Any) -> tuple[tuple[str, ...], str] | None:
        """Whom a provider appeals to, in order, and the rule id that says so."""
        return None

    def measures(self) -> tuple[Measure, ...]:
        """Caseload measures this state adds (counted by ``caseload_counts``)."""
        return ()

    def caseload_counts(self, caseload: Any, book: Rulebook, assessment_days: int) -> dict:
        """Per-case flags for each of ``measures()``, on a simulated caseload."""
        return {}

    def controls(self) -> tuple[Control, ...]:
        """Explorer controls over this state's parameters (``how`` ``override``)."""
        return ()

    def published_checks(self, book: Rulebook, when: Any) -> list[tuple[str, float, str]]:
        """(measure, model value in USD, published figure) rows for the calibration table."""
        return []

    def rate_caps(
        self, book: Rulebook, when: Any, independent: bool, medicaid: float | None
    ) -> tuple[tuple[str, float], ...] | None:
        """The caps on one coach's negotiated hourly rate, as (rule id, USD/hour) in the
        order the rules apply them: ``independent`` whether the coach works apart from a
        provider agency, ``medicaid`` a Medicaid rate the agency knows (else the
        rulebook's). None: the state pays a set rate and negotiates none."""
        return None

    def cost_clauses(self) -> dict[str, tuple[str, str]]:
        """The clauses a rate worksheet cites for a coach's cost lines (a key of
        ``caseloads.costs.coach_lines``), as (source file, quoted clause)."""
        return {}


def _order(folder: Path) -> tuple[int, str]:
    import yaml

    from jobcoach_model.base.strict_yaml import FastStrictLoader

    with (folder / "index.yaml").open(encoding="utf-8") as fh:
        index = yaml.load(fh, Loader=FastStrictLoader) or {}
    return int(index.get("order", 1000)), folder.name.upper()


def first_line(err: BaseException) -> str:
    """An error's message in one line (its first), or its type's name when it has none."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def where(code: str, filename: str) -> str:
    """A state's file as a reader finds it: ``rulebooks/<code>/<filename>``."""
    return f"rulebooks/{code.lower()}/{filename}"


@cache
def _survey() -> tuple[tuple[str, ...], dict[str, str]]:
    """The working jurisdictions in ``order``, and each folder whose ``index.yaml`` cannot
    be read with the one line that says why (a broken folder affects only itself)."""
    found, broken = [], {}
    for folder in sorted(RULEBOOK_DIR.iterdir()):
        if (folder / "index.yaml").is_file() and (folder / "__init__.py").is_file():
            try:
                found.append(_order(folder))
            except Exception as err:  # any failure to read it: that state alone is out
                broken[folder.name.upper()] = (
                    f"{where(folder.name, 'index.yaml')}: {first_line(err)}"
                )
    return tuple(code for _, code in sorted(found)), broken


def codes() -> tuple[str, ...]:
    """Every working jurisdiction's code, in the order their ``index.yaml`` gives
    (``order``); a folder that cannot be read or loaded is left out (``broken``)."""
    found, out = _survey()
    return tuple(code for code in found if code not in out)


def broken() -> dict[str, str]:
    """Folders under ``rulebooks/`` that cannot be read, by code, with why."""
    return dict(_survey()[1])


def refuse_broken(code: str, message: str) -> None:
    """Record that a state's folder failed to load (its rule units, its hooks), so that
    using it gives ``message`` in one line while every other state keeps working."""
    _survey()[1][code.upper()] = message


def controls(code: str) -> tuple[Control, ...]:
    """A jurisdiction's explorer controls, each naming the jurisdiction it overrides."""
    from dataclasses import replace

    return tuple(replace(c, rules=code) for c in get(code).controls())


@cache
def get(code: str) -> Jurisdiction:
    """A jurisdiction's hooks, by code (its package is imported on first use)."""
    from jobcoach_model.base.errors import OverrideError, RulebookError

    code = str(code).upper()
    if code in broken():
        raise RulebookError(broken()[code])
    if code not in codes():
        raise OverrideError(f"--rules: expected one of {', '.join(codes())}, got {code!r}")
    try:
        module = importlib.import_module(f"{PACKAGE}.{code.lower()}")
        return module.JURISDICTION
    except Exception as err:  # a broken __init__.py: that state alone is out
        message = f"{where(code, '__init__.py')}: {first_line(err)}"
        refuse_broken(code, message)
        raise RulebookError(message) from None


def rules_module(code: str) -> str:
    """The module that holds a jurisdiction's rule units."""
    return f"{PACKAGE}.{code.lower()}.rules"


def default_schemes() -> tuple[dict[str, str], ...]:
    """The schemes of a scenario that names none: each jurisdiction's, in order."""
    return tuple({**s, "rules": code} for code in codes() for s in get(code).default_schemes())


def compared() -> tuple[str, ...]:
    """The jurisdictions the default scenario compares: those with default schemes."""
    return tuple(code for code in codes() if get(code).default_schemes())
