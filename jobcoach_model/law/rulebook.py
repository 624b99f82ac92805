"""Rulebooks: each jurisdiction's dated, cited parameters, named interpretations and rules.

A rulebook is read from its folder under ``rulebooks/`` (``index.yaml``,
``parameters.yaml``, ``interpretations.yaml``, ``rules.yaml``), validated with pydantic and
cached, so that every part of the model reads the same figures with their sources.
Overrides (``--set NAME=VALUE``) return a new rulebook; the cached one never changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from jobcoach_model.base.dates import to_day
from jobcoach_model.base.domains import BY_UNIT
from jobcoach_model.base.errors import JobcoachError, OverrideError, ParameterDateError
from jobcoach_model.base.strict_yaml import DuplicateKeyError, FastStrictLoader
from jobcoach_model.law.jurisdictions import get as get_jurisdiction

RULEBOOK_DIR = Path(__file__).parents[1] / "rulebooks"


class Reference(BaseModel):
    """Where a figure or rule comes from: a seed file (or published_figures.md) and the
    shortest clause of it that states the figure or rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    quote: str

    def __str__(self) -> str:
        return f'{self.source}: "{self.quote}"'


class Swing(BaseModel):
    """The range a sensitivity analysis swings an assumed parameter over, and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    low: float
    high: float
    source: str


class DatedValue(BaseModel):
    """A parameter's value from one day on, with the source that gives it (OpenFisca's
    reference per dated value: a value of 2016 and one of 2020 each cite their own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Any
    reference: Reference


class Parameter(BaseModel):
    """One dated parameter: values keyed by the day they take effect, each cited."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    #: the plain label a reader sees (the glossary's entry; ``description`` is its meaning)
    label: str = Field(min_length=1, max_length=60)
    description: str
    unit: str
    type: Literal["number", "integer", "bool", "choice", "list"]
    options: tuple[str, ...] | None = None
    values: dict[dt.date, DatedValue]
    note: str | None = None
    swing: Swing | None = None

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        if not self.values:
            raise ValueError(f"parameter {self.name} has no values")
        for dated in self.values.values():
            if dated.value is not None:  # null: the parameter stops on that day
                _coerce(self, dated.value)
        if self.values[self.first_date].value is None:
            raise ValueError(f"parameter {self.name}: the first value may not be null")
        return self

    @property
    def first_date(self) -> dt.date:
        """The day the first known value took effect."""
        return min(self.values)

    @property
    def reference(self) -> Reference:
        """The reference of the value in force last (the current one)."""
        return self.values[max(self.values)].reference

    def history(self) -> list[tuple[dt.date, Any]]:
        """The values in date order."""
        return [(d, self.values[d].value) for d in sorted(self.values)]

    def cited_history(self) -> list[tuple[dt.date, Any, Reference]]:
        """The values in date order, each with its own reference."""
        return [(d, self.values[d].value, self.values[d].reference) for d in sorted(self.values)]

    def at(self, when: dt.date) -> Any:
        """The value in force on ``when``; the last value stays in force after its date.

        Raises ParameterDateError for a day before the first known value, never a silent
        zero.
        """
        in_force = [v for d, v in self.history() if d <= when]
        if not in_force:
            raise ParameterDateError(
                f"parameter {self.name} has no value before {self.first_date.isoformat()}, "
                f"asked for {when.isoformat()}"
            )
        if in_force[-1] is None:
            raise ParameterDateError(
                f"parameter {self.name} stopped on {self.stop(when).isoformat()}, "
                f"asked for {when.isoformat()}"
            )
        return in_force[-1]

    def stop(self, when: dt.date) -> dt.date:
        """The day the value in force on ``when`` stopped (a dated null), if it did."""
        return max(d for d, v in self.history() if d <= when)

    def coverage(self, code: str, when: dt.date) -> str:
        """The days the parameter covers, said for ``when``, a day it does not cover."""
        if when < self.first_date:
            return (
                f"on or after {self.first_date.isoformat()} (the first value of "
                f"{code} parameter {self.name})"
            )
        stop = self.stop(when)
        said = f"before {stop.isoformat()} (when {code} parameter {self.name} stops)"
        restart = [d for d, v in self.history() if d > stop and v is not None]
        if restart:  # a dated value after the stop (a reform) covers its days again
            said += f" or on or after {restart[0].isoformat()} (when it takes a value again)"
        return said


class Interpretation(BaseModel):
    """A named reading of a point the sources leave silent or ambiguous."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    question: str
    #: the plain label of the reading and of each option, as a reader sees them (the
    #: glossary's entries; ``question`` and ``options`` are their meanings)
    label: str = Field(min_length=1, max_length=60)
    option_labels: dict[str, str]
    options: dict[str, str]
    default: str
    reason: str
    reference: Reference

    @model_validator(mode="after")
    def _check(self) -> Interpretation:
        if self.default not in self.options:
            raise ValueError(f"interpretation {self.name}: default {self.default!r} not an option")
        if set(self.option_labels) != set(self.options):
            raise ValueError(
                f"interpretation {self.name}: option_labels: expected a label for each option "
                f"({', '.join(self.options)})"
            )
        return self


class FiscalYear(BaseModel):
    """The first day of a state's fiscal year (month and day), with its source or the
    word assumption (``basis``) and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    month: int = Field(ge=1, le=12)
    day: int = Field(1, ge=1, le=28)
    basis: Literal["cited", "assumption"]
    note: str

    def __str__(self) -> str:
        return f"{dt.date(2000, self.month, self.day):%B} {self.day}"


class Rule(BaseModel):
    """A rule with a stable id, a one-line statement and its citation."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    #: the plain label a reader sees in tables and charts (the glossary's entry for the
    #: rule; ``statement`` is its meaning, the id stays in the brief's appendix)
    label: str = Field(min_length=1, max_length=60)
    topic: str
    effect: Literal["deny", "hold", "cap", "prorate", "rate", "payee", "allow", "info"]
    statement: str
    parameters: tuple[str, ...] = ()
    interpretations: tuple[str, ...] = ()
    #: what the rule rests on: a quoted clause that states it, a named interpretation
    #: of a silent or ambiguous source, or an assumption (explained in ``note``)
    basis: Literal["cited", "interpretation", "assumption"] = "cited"
    note: str | None = None
    reference: Reference


class Rulebook(BaseModel):
    """One jurisdiction's parameters, interpretations and rules, plus any overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    #: where the jurisdiction stands in tables and default schemes (lowest first)
    order: int = 1000
    agency: str
    document: str
    effective: dt.date
    sources: tuple[str, ...]
    #: when the state's fiscal year begins (the fiscal note's years)
    fiscal_year: FiscalYear
    parameters: dict[str, Parameter]
    interpretations: dict[str, Interpretation]
    rules: tuple[Rule, ...]
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Rulebook:
        clash = set(self.parameters) & set(self.interpretations)
        if clash:
            raise ValueError(f"{self.code}: names used twice: {sorted(clash)}")
        for rule in self.rules:
            for name in rule.parameters:
                if name not in self.parameters:
                    raise ValueError(f"{rule.id} names unknown parameter {name}")
            for name in rule.interpretations:
                if name not in self.interpretations:
                    raise ValueError(f"{rule.id} names unknown interpretation {name}")
        return self

    # -- reading values ------------------------------------------------------------
    def names(self) -> list[str]:
        """Every name an override may set."""
        return sorted([*self.parameters, *self.interpretations])

    def value(self, name: str, when: dt.date) -> Any:
        """A parameter's value on a day, or its override."""
        if name in self.overrides:
            return self.overrides[name]
        return self.parameters[name].at(when)

    def choice(self, name: str) -> str:
        """The selected option of an interpretation (its default unless overridden)."""
        if name in self.overrides:
            return self.overrides[name]
        return self.interpretations[name].default

    def setting(self, name: str, when: dt.date) -> Any:
        """A parameter value or an interpretation choice, whichever ``name`` is."""
        if name in self.interpretations:
            return self.choice(name)
        return self.value(name, when)

    def vector(self, name: str, days: np.ndarray) -> Any:
        """A numeric parameter for an array of day numbers.

        Returns a scalar when one value covers every day (the usual case), else an array.
        Raises ParameterDateError (with ``.index``, the first offending position) for a
        day before the first value.
        """
        if name in self.overrides:
            return self.overrides[name]
        history = self.parameters[name].history()
        starts = np.array([to_day(d) for d, _ in history], dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        param = self.parameters[name]
        if days.size and days.min() < starts[0]:
            index = int(np.argmax(days < starts[0]))
            err = ParameterDateError(param.coverage(self.code, history[0][0] - dt.timedelta(1)))
            err.index = index
            raise err
        if len(history) == 1:
            return history[0][1]
        at = np.searchsorted(starts, days, side="right") - 1
        stopped = np.array([v is None for _, v in history])
        if stopped[at].any():
            index = int(np.argmax(stopped[at]))
            err = ParameterDateError(param.coverage(self.code, history[at[index]][0]))
            err.index = index
            raise err
        values = np.array([np.nan if v is None else v for _, v in history])
        return values[at]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    # -- overrides -----------------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Rulebook:
        """A copy with parameters or interpretations set by name.

        Values may be typed (from Python or a scenario) or text (from ``--set``); each is
        checked against the parameter's type or the interpretation's options. A parameter
        may instead be given dated values (``{2027-07-01: 45.16}``, or that text): a
        reform that takes effect on a day. They join the parameter's own dated values, so
        every line is priced at the value in force on its service date, as any dated
        value is (a null stops the parameter from its day).
        """
        if not overrides:
            return self
        merged = dict(self.overrides)
        params = dict(self.parameters)
        for name, raw in overrides.items():
            if name in self.parameters:
                dated = _dated_text(raw, name)
                if isinstance(dated, Mapping):
                    params[name] = _with_dated(self.parameters[name], dated)
                    merged.pop(name, None)
                else:
                    merged[name] = _coerce(self.parameters[name], raw, override=True)
            elif name in self.interpretations:
                options = self.interpretations[name].options
                if raw not in options:
                    raise OverrideError(
                        f"--set {name}: expected one of {', '.join(options)}, got {raw!r}"
                    )
                merged[name] = raw
            else:
                raise OverrideError(
                    f"--set {name}: unknown name for the {self.name} rulebook; "
                    f"known: {', '.join(self.names())}"
                )
        return self.model_copy(update={"overrides": merged, "parameters": params})


def _dated_text(raw: Any, name: str) -> Any:
    """``raw``, or the mapping a ``--set`` text such as ``{2027-07-01: 45.16}`` gives."""
    if isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            return yaml.load(raw, Loader=FastStrictLoader)
        except (yaml.YAMLError, ValueError):  # ValueError: a day such as 2026-13-01
            raise OverrideError(
                f"--set {name}: expected dated values such as {{2027-07-01: 45.16}}, got {raw!r}"
            ) from None
    return raw


def _with_dated(param: Parameter, dated: Mapping[Any, Any]) -> Parameter:
    """The parameter with dated override values added (a reform from a day on)."""
    values = dict(param.values)
    for key, raw in dated.items():
        if isinstance(key, dt.datetime):  # YAML reads "2026-03-15 10:00:00" as a time
            raise OverrideError(
                f"--set {param.name}: expected dated values such as {{2027-07-01: 45.16}} "
                f"(a day, not a time of day), got {key.isoformat(sep=' ')}"
            )
        try:
            day = key if isinstance(key, dt.date) else dt.date.fromisoformat(str(key).strip())
        except ValueError:
            raise OverrideError(
                f"--set {param.name}: expected dated values such as {{2027-07-01: 45.16}}, "
                f"got the day {key!r}"
            ) from None
        value = None if raw is None else _coerce(param, raw, override=True)
        quote = f"{param.name} = {value} from {day.isoformat()}"
        values[day] = DatedValue(value=value, reference=Reference(source="scenario", quote=quote))
    try:
        return param.model_copy(update={"values": dict(sorted(values.items()))})
    except ValueError as err:
        raise OverrideError(f"--set {param.name}: {err}") from None


def _coerce(param: Parameter, raw: Any, override: bool = False) -> Any:
    """A value checked (and, from text, converted) to the parameter's type."""

    def fail(expected: str) -> OverrideError:
        prefix = f"--set {param.name}" if override else f"parameter {param.name}"
        return OverrideError(f"{prefix}: expected {expected}, got {raw!r}")

    kind = param.type
    if kind in ("number", "integer"):
        if isinstance(raw, bool):
            raise fail("a number")
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raise fail("a number") from None
        if not isinstance(raw, int | float) or not np.isfinite(raw) or raw < 0:
            raise fail("a number >= 0")
        domain = BY_UNIT.get(param.unit)
        if domain is not None and not domain.holds(float(raw)):
            raise fail(f"a number in {param.unit} {domain.text()}")
        if kind == "integer":
            if float(raw) != int(raw):
                raise fail("a whole number")
            return int(raw)
        return float(raw)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise fail("true or false")
    if kind == "choice":
        if raw not in (param.options or ()):
            raise fail(f"one of {', '.join(param.options or ())}")
        return raw
    # list
    if isinstance(raw, str):
        raw = [item.strip() for item in raw.split(";") if item.strip()]
    if not isinstance(raw, list | tuple) or not all(isinstance(i, str) for i in raw):
        raise fail("a ';'-separated list")
    return tuple(raw)


def read_rulebook_file(path: Path) -> Any:
    """A rulebook file, read strictly: a parameter, rule or key given twice is refused
    (YAML would keep the last one silently)."""
    with path.open(encoding="utf-8") as fh:
        try:
            return yaml.load(fh, Loader=FastStrictLoader)
        except DuplicateKeyError as err:
            raise JobcoachError(f"{path}: {err}") from None


@cache
def load_rulebook(code: str) -> Rulebook:
    """The rulebook of a registered jurisdiction (by code), read once and cached."""
    code = code.upper()
    get_jurisdiction(code)  # refuses an unknown code in one line
    folder = RULEBOOK_DIR / code.lower()
    index = read_rulebook_file(folder / "index.yaml")
    params = {
        n: Parameter(name=n, **v) for n, v in read_rulebook_file(folder / "parameters.yaml").items()
    }
    interps = read_rulebook_file(folder / "interpretations.yaml") or {}
    return Rulebook(
        **index,
        parameters=params,
        interpretations={n: Interpretation(name=n, **v) for n, v in interps.items()},
        rules=tuple(Rule(**r) for r in read_rulebook_file(folder / "rules.yaml")),
    )


def get_rulebook(
    rules: str | Rulebook | None, overrides: Mapping[str, Any] | None = None
) -> Rulebook:
    """A rulebook by code (or as given; None: the first registered), with overrides."""
    if rules is None:
        from jobcoach_model.law.jurisdictions import codes

        rules = codes()[0]
    book = rules if isinstance(rules, Rulebook) else load_rulebook(str(rules))
    return book.with_overrides(overrides)


@cache
def topics() -> tuple[tuple[str, str], ...]:
    """The side-by-side table's topics, in display order: (id, title)."""
    return tuple((t["id"], t["title"]) for t in read_rulebook_file(RULEBOOK_DIR / "topics.yaml"))
