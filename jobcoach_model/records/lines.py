"""Checked, linked input for the engines: each service line with its case and coach.

Both engines (vectorized and reference) start from the same ``Lines``: the three tables
checked against the CSV contract, every line linked to its case and coach, and the
requirements of each jurisdiction (``Jurisdiction.require``) enforced. Keeping
this in one place means the engines differ only in how they apply the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.base.errors import InputError
from jobcoach_model.base.money import hours_units
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import Rulebook
from jobcoach_model.records.contract import CASES, COACHES, SERVICES, link, normalize


@dataclass
class Lines:
    """Service lines with their case and coach fields, as numpy arrays."""

    cases: dict
    coaches: dict
    services: dict
    case_idx: np.ndarray
    coach_idx: np.ndarray
    sources: Mapping[str, str]
    _cache: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of service lines."""
        return self.services["_n"]

    def case(self, name: str) -> np.ndarray:
        """A case column gathered onto the service lines."""
        key = ("case", name)
        if key not in self._cache:
            self._cache[key] = self.cases[name][self.case_idx]
        return self._cache[key]

    def coach(self, name: str) -> np.ndarray:
        """A coach column gathered onto the service lines."""
        key = ("coach", name)
        if key not in self._cache:
            self._cache[key] = self.coaches[name][self.coach_idx]
        return self._cache[key]

    def line(self, name: str) -> np.ndarray:
        """A service column."""
        return self.services[name]

    def line_in(self, name: str, values) -> np.ndarray:
        """Whether each line's text column ``name`` holds one of ``values``: asked once
        per distinct value when the column was read that way, else compared cell by
        cell (plain comparisons beat hashing for a few values)."""
        values = list(values)
        coded = self.services.get("_coded", {}).get(name)
        if coded is not None:
            return np.isin(coded.values, values)[coded.codes]
        column = self.services[name]
        found = np.zeros(self.n, dtype=bool)
        for value in values:
            found |= column == value
        return found

    def with_case_column(self, name: str, values: np.ndarray) -> Lines:
        """The same lines with one case column replaced; what was derived from the other
        columns (gathers, hour units, application order) is kept."""
        cache = {k: v for k, v in self._cache.items() if k != ("case", name)}
        return replace(self, cases={**self.cases, name: values}, _cache=cache)

    def cached(self, key: str, make: Any) -> Any:
        """A value derived from these lines, made once (``make()``) and kept with them."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def ids(self) -> pd.Series:
        """The service ids as text, in input order (the caller's column when it is text)."""
        frame = self.services.get("_frame")
        if frame is None:  # lines built in memory (the simulator)
            return pd.Series(self.services["service_id"]).astype("str")
        column = frame["service_id"]
        if column.dtype != "str":
            column = column.astype("str")
        return column.reset_index(drop=True)

    def hour_units(self) -> np.ndarray:
        """Each line's hours in millionths of an hour."""
        if "units" not in self._cache:
            self._cache["units"] = hours_units(self.services["hours"])
        return self._cache["units"]

    @property
    def consumer_of_case(self) -> np.ndarray:
        """Each case's consumer (an index): cases with the same ``consumer_id`` share
        one; a case without one is its own consumer."""

        def make() -> np.ndarray:
            n = self.cases["_n"]
            ids = self.cases.get("consumer_id")
            if ids is None:  # built in memory (the simulator): one case per consumer
                return np.arange(n, dtype=np.int64)
            ids = np.asarray(ids, dtype=object)
            blank = ids == ""
            named, of_named = np.unique(ids[~blank].astype(str), return_inverse=True)
            out = np.empty(n, dtype=np.int64)
            out[~blank] = of_named
            out[blank] = len(named) + np.arange(int(blank.sum()))  # each its own consumer
            return out

        return self.cached("consumer_of_case", make)

    @property
    def consumer_idx(self) -> np.ndarray:
        """Each line's consumer (an index; see ``consumer_of_case``)."""
        return self.cached("consumer_idx", lambda: self.consumer_of_case[self.case_idx])

    def group_idx(self, per: str) -> np.ndarray:
        """Each line's case (``per`` "case") or consumer ("consumer") index."""
        return self.case_idx if per == "case" else self.consumer_idx

    def case_units(self) -> np.ndarray:
        """Each case's authorized hours in millionths of an hour."""
        return hours_units(self.cases["authorized_hours"])


def prepare(
    cases: pd.DataFrame,
    coaches: pd.DataFrame,
    services: pd.DataFrame,
    book: Rulebook | None,
    sources: Mapping[str, str] | None = None,
) -> Lines:
    """The three tables checked and linked, ready for either engine (``book``: the
    rulebook whose own requirements are enforced too; None for none, as calibration
    reads the records under no rulebook)."""
    sources = {
        "cases": "cases.csv",
        "coaches": "coaches.csv",
        "services": "services.csv",
        **(sources or {}),
    }
    c = normalize(cases, CASES, sources["cases"])
    k = normalize(coaches, COACHES, sources["coaches"])
    s = normalize(services, SERVICES, sources["services"])

    # the two links hash on Arrow, which releases the GIL: the coach link runs beside
    # the case link, and an unknown case is still reported before an unknown coach
    with ThreadPoolExecutor(max_workers=1) as beside:
        coach_link = beside.submit(
            link, s["coach_id"], k["coach_id"], sources["services"], "coach_id", sources["coaches"]
        )
        case_idx = link(
            s["case_id"], c["case_id"], sources["services"], "case_id", sources["cases"]
        )
        coach_idx = coach_link.result()
    bad_window = c["authorized_to"] < c["authorized_from"]
    if bad_window.any():
        i = int(np.argmax(bad_window))
        raise InputError(
            sources["cases"], "a date on or after authorized_from", row=i, column="authorized_to"
        )
    lines = Lines(c, k, s, case_idx, coach_idx, sources)
    if book is not None:
        require(lines, book)
    return lines


def require(lines: Lines, book: Rulebook) -> None:
    """Refuse lines a rulebook cannot price, as its jurisdiction says (a required
    negotiated rate, say)."""
    get_jurisdiction(book.code).require(lines, book)
