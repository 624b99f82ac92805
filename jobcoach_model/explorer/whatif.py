"""The what-if explorer's state and computation, with no widgets: the scenario a set of
control values describes, the simulated caseload kept between changes (a rate or a
reading re-prices it, a caseload change simulates it again), the bridge between two
schemes, the benchmark's pass probability, and the export of the settings as a
scenario file. ``explorer.py`` is the view over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from jobcoach_model.analysis.bridge import Bridge, bridge
from jobcoach_model.base.io import write_atomic
from jobcoach_model.caseloads.results import Results, binomial_pass
from jobcoach_model.caseloads.runner import Kept, run
from jobcoach_model.caseloads.scenario import (
    DEFAULT_SCHEMES,
    Responses,
    Scenario,
    Scheme,
    scenario_yaml,
    set_path,
)
from jobcoach_model.explorer.controls import explorer_controls, resimulating
from jobcoach_model.law.jurisdictions import Control, codes, compared
from jobcoach_model.presentation.glossary import state_name


def offered_schemes(base: Scenario) -> tuple[Scheme, ...]:
    """The schemes the explorer offers: the default ones, then the base scenario's schemes
    under rulebooks the defaults do not use and its reforms, then an hourly scheme for
    every other state with a rulebook ("Kentucky hourly"), so every state can be chosen.
    ``chosen_at_start`` says which of them the panel opens with."""
    default = {s.rules for s in DEFAULT_SCHEMES}
    names = {s.name for s in DEFAULT_SCHEMES}
    extra = tuple(
        s for s in base.schemes if s.name not in names and (s.rules not in default or s.reform_of)
    )
    used = {s.rules for s in (*DEFAULT_SCHEMES, *extra)}
    taken = names | {s.name for s in extra}
    more = tuple(
        Scheme(name=f"{state_name(code)} hourly", kind="hourly", rules=code)
        for code in codes()
        if code not in used and f"{state_name(code)} hourly" not in taken
    )
    return (*DEFAULT_SCHEMES, *extra, *more)


def chosen_at_start(base: Scenario) -> tuple[str, ...]:
    """The offered schemes the panel opens with: the defaults and the base scenario's own
    (a state the base does not use is offered, not chosen)."""
    own = {s.name for s in (*DEFAULT_SCHEMES, *base.schemes)}
    return tuple(s.name for s in offered_schemes(base) if s.name in own)


def _with_controls(scheme: Scheme, controls: dict) -> Scheme:
    """A scheme with the controls' overrides of its rulebook; a parameter the scheme
    itself dates (a reform's ``{day: value}``) keeps its own dated values."""
    own_dated = {k: v for k, v in scheme.overrides.items() if isinstance(v, dict)}
    return scheme.model_copy(update={"overrides": {**scheme.overrides, **controls, **own_dated}})


def what_if_scenario(
    base: Scenario,
    values: Mapping[str, float],
    readings: Mapping[tuple[str, str], str],
    chosen: Iterable[str],
    replications: int,
    controls: Iterable[Control] | None = None,
    respond: bool | None = None,
) -> Scenario:
    """The scenario that control values describe: ``values`` by control name (each does
    what its row of ``controls.py`` says), ``readings`` by (rulebook, interpretation),
    ``chosen`` scheme names among the offered schemes (``offered_schemes``); ``respond``
    turns providers' responses on (the base scenario's, else the cited defaults) or off
    (None: as the base scenario has them)."""
    table = {c.name: c for c in (controls or explorer_controls(compared()))}
    overrides: dict[str, dict] = {}
    data = base.model_dump()
    if any(table[n].path.startswith("costs.") for n in values):  # the cited defaults' section
        data["costs"] = data.get("costs") or {}
    for name, value in values.items():
        control = table[name]
        if control.how == "override":
            overrides.setdefault(control.rules, {})[control.parameter] = value
        elif control.how == "set":
            set_path(data, control.path, value)
    for (code, name), option in readings.items():
        overrides.setdefault(code, {})[name] = option
    chosen = set(chosen)
    schemes = (
        tuple(
            _with_controls(s, overrides.get(s.rules, {}))
            for s in offered_schemes(base)
            if s.name in chosen
        )
        or DEFAULT_SCHEMES[:1]
    )
    kept = {s.name for s in schemes}  # a reform whose baseline is not chosen stands alone
    schemes = tuple(
        s if not s.reform_of or s.reform_of in kept else s.model_copy(update={"reform_of": ""})
        for s in schemes
    )
    if "low_need" in values:
        data["caseload"]["need_mix"] = _need_mix(values["low_need"], values["high_need"])
    if "fading" in values:
        fade = base.services.fade_per_week
        data["services"]["fade_per_week"] = {
            k: min(0.95, getattr(fade, k) * values["fading"]) for k in ("low", "medium", "high")
        }
    if respond is not None:
        data["responses"] = (base.responses or Responses()).model_dump() if respond else None
    data["schemes"] = [s.model_dump() for s in schemes]
    data["simulation"]["replications"] = replications
    data["name"] = f"{base.name}_what_if"
    data["description"] = "Settings exported from the what-if explorer."
    return Scenario.model_validate(data)


def _need_mix(low: float, high: float) -> dict[str, float]:
    """The need mix two shares describe (rescaled when they add up to more than one)."""
    if low + high > 1:
        low, high = low / (low + high), high / (low + high)
    mix = {"low": round(low, 6), "medium": round(1 - low - high, 6), "high": round(high, 6)}
    mix["medium"] = round(1 - mix["low"] - mix["high"], 6)
    return mix


class WhatIf:
    """The results of the current settings, and the caseload they were priced on."""

    def __init__(self, resimulate: Iterable[str] = ()) -> None:
        #: the controls whose change means a new caseload (the others re-price it)
        self.resimulate = tuple(resimulate) or resimulating(explorer_controls(compared()))
        #: the simulated caseloads (one, or one per kind of pay with the scenario's
        #: responses on), kept while only rates change
        self.chunks: Kept | None = None
        self.caseload_key: tuple | None = None
        self.results: Results | None = None

    def compute(self, scenario: Scenario, values: Mapping[str, float]) -> str:
        """Price ``scenario``, simulating it again only when a caseload control changed.
        Returns what changed: ``"caseload"`` or ``"rate"``."""
        key = tuple(values[name] for name in self.resimulate)
        kind = "rate"
        if self.chunks is None or key != self.caseload_key:
            self.chunks = {}  # the run simulates each caseload it needs into it
            self.caseload_key = key
            kind = "caseload"
        known = len(self.chunks)
        self.results = run(scenario, keep_sample=False, simulated=self.chunks)
        if len(self.chunks) > known:  # a caseload not kept yet (responses turned on)
            kind = "caseload"
        return kind

    def total(self, scheme: str) -> float:
        """Mean total paid under a scheme in the current results."""
        return self.results.metric(scheme, "total_paid")

    def bridge(self, source: str, target: str) -> Bridge:
        """Why two schemes differ, on the caseload the results were priced on."""
        return bridge(self.results.scenario, source, target, simulated=self.chunks)

    def pass_probability(self, persons: int, share: float) -> tuple[float, float]:
        """(probability a provider serving ``persons`` meets the benchmark ``share``,
        each person's simulated chance of completing their objectives in the window)."""
        rate = self.results.metric("caseload", "objectives_within_90d_share")
        return binomial_pass(persons, rate, share), rate


def export_target(raw: str, root: Path) -> Path | None:
    """Where an export may be written: a .yaml file inside ``root`` (None otherwise)."""
    path = Path(raw).expanduser()
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or path.suffix not in (".yaml", ".yml"):
        return None
    return path


def export_scenario(scenario: Scenario, path: Path) -> Path:
    """Write a scenario file that ``jobcoach brief`` accepts (atomically)."""
    text = scenario_yaml(scenario)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
