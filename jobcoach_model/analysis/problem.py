"""The uncertain inputs of a scenario and their ranges (every numeric field the
scenario's notes call an assumption, or a fitted input with its interval) and the
interpretations' options: the problem sensitivity, Sobol indices and the joint draws
all sample from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from jobcoach_model.base.interval import Z90
from jobcoach_model.caseloads.scenario import (
    Scenario,
)
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.rulebook import load_rulebook


@dataclass(frozen=True)
class Input:
    """One input the tornado and Sobol analyses swing: a scenario field or an assumed
    rulebook parameter (set on every scheme of its rulebook)."""

    name: str  # scenario path (caseload.coaches.rate_mean) or RULES.parameter
    value: float  # in the scenario as run
    low: float
    high: float
    source: str
    integer: bool = False
    #: a per-need input swung by one factor: (level, value in the scenario) pairs
    levels: tuple[tuple[str, float], ...] = ()
    #: fitted from records: a joint draw takes it from its fit (median its value, 5th and
    #: 95th percentiles its interval), not uniformly over the range
    fitted: bool = False
    #: the field's own domain (its declared bounds): a fitted draw never leaves it
    bounds: tuple[float, float] = (-math.inf, math.inf)

    def draw(self, u: float) -> float:
        """The value a joint draw with uniform ``u`` gives this input: uniform over
        [low, high]; for a fitted input, the quantile ``u`` of a split normal whose
        median is its fitted value and whose 5th and 95th percentiles are its interval
        (the bootstrap's percentiles; the simulator's own noise is not in it), kept
        within the field's domain."""
        if not self.fitted:
            return self.low + (self.high - self.low) * u
        from scipy.special import ndtri

        z = float(ndtri(min(max(u, 1e-12), 1 - 1e-12)))
        side = (self.value - self.low) if z < 0 else (self.high - self.value)
        value = self.value + z * side / Z90
        return min(max(value, self.bounds[0]), self.bounds[1])

    def sets(self, scenario: Scenario, value: float) -> dict[str, Any]:
        """The --set changes that put this input at ``value`` (a factor for a per-need
        input: every level multiplied by it)."""
        if self.levels:
            return {f"{self.name}.{k}": round(v * float(value), 10) for k, v in self.levels}
        value = int(round(value)) if self.integer else round(float(value), 10)
        if "." in self.name and self.name.split(".", 1)[0] in codes():
            code, param = self.name.split(".", 1)
            return {
                f"schemes.{i}.overrides.{param}": value
                for i, s in enumerate(scenario.schemes)
                if s.rules == code
            }
        return {self.name: value}


def _fields(model, prefix: str):
    """(path, value, swing metadata, annotation, domain) of every field with a swing
    range."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "swing" in extra:
            yield path, value, extra["swing"], info.annotation, _domain(info.metadata)
        elif hasattr(type(value), "model_fields"):
            yield from _fields(value, path)


#: how far inside an open bound (gt, lt) a drawn value is kept
OPEN_BOUND = 1e-9


def _domain(metadata: list) -> tuple[float, float]:
    """A field's declared bounds (pydantic's ge/gt/le/lt), open ones just inside."""
    lo, hi = -math.inf, math.inf
    for m in metadata:
        for attr, inside in (("ge", 0.0), ("gt", OPEN_BOUND)):
            if getattr(m, attr, None) is not None:
                lo = float(getattr(m, attr)) + inside
        for attr, inside in (("le", 0.0), ("lt", OPEN_BOUND)):
            if getattr(m, attr, None) is not None:
                hi = float(getattr(m, attr)) - inside
    return lo, hi


def inputs(scenario: Scenario) -> list[Input]:
    """Every input with a sensitivity range: scenario fields (ranges beside their defaults
    in ``scenario.py``) and rulebook parameters labelled assumptions (``swing:`` in
    ``parameters.yaml``), or, for an input fitted from records (``scenario.fitted``), its
    90% interval. A range is stretched to include the scenario's own value."""
    out = []
    for path, value, swing, annotation, domain in _fields(scenario, ""):
        fit = scenario.fitted.get(path)
        fitted = fit is not None and fit.low is not None and fit.high is not None
        if fitted:  # fitted from records: its 90% interval replaces the assumed range
            swing = {"low": fit.low, "high": fit.high, "source": fit.source, "scale": fit.scale}
        if swing.get("scale"):  # a per-need input: one factor for every level
            levels = tuple((k, float(v)) for k, v in value.model_dump().items())
            low, high = min(swing["low"], 1.0), max(swing["high"], 1.0)
            out.append(
                Input(
                    path,
                    1.0,
                    low,
                    high,
                    swing["source"],
                    levels=levels,
                    fitted=fitted,
                    bounds=(0.0, math.inf),  # a factor on levels that are >= 0
                )
            )
            continue
        lo, hi = min(swing["low"], value), max(swing["high"], value)
        out.append(
            Input(
                path,
                float(value),
                lo,
                hi,
                swing["source"],
                annotation is int,
                fitted=fitted,
                bounds=domain,
            )
        )
    for code in codes():
        if not any(s.rules == code for s in scenario.schemes):
            continue
        book = load_rulebook(code)
        when = scenario.caseload.start_date
        for name, param in book.parameters.items():
            if param.swing is not None:
                value = float(param.at(when))
                lo, hi = min(param.swing.low, value), max(param.swing.high, value)
                out.append(Input(f"{code}.{name}", value, lo, hi, param.swing.source))
    return out


def interpretation_points(scenario: Scenario) -> list[tuple[str, str, str, bool, dict]]:
    """(rules, interpretation, option, is default, --set changes) for every option of every
    interpretation of each rulebook a scheme uses, set on every scheme of that rulebook."""
    out = []
    for code in codes():
        idx = [i for i, s in enumerate(scenario.schemes) if s.rules == code]
        if not idx:
            continue
        for name, item in load_rulebook(code).interpretations.items():
            for option in item.options:
                sets = {f"schemes.{i}.overrides.{name}": option for i in idx}
                out.append((code, name, option, option == item.default, sets))
    return out
