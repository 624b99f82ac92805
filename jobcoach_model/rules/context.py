"""What a rule unit sees and says: the lines (all at once, or one at a time) and the
verdicts it records under its own id.

``VectorContext`` hands a rule's vectorized form numpy arrays over every line;
``LineContext`` hands its line-by-line twin one line's fields as plain Python values.
Both answer the same questions (a parameter on the line's date, an interpretation's
choice) and take the same verdicts (deny, hold, note), so a rule is written twice in two
styles but decided once, by the rulebook.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.base.dates import from_day
from jobcoach_model.base.errors import InputError, ParameterDateError
from jobcoach_model.law.rulebook import Rulebook
from jobcoach_model.records.lines import Lines


class Verdicts:
    """Which rule fired on which lines, split into denials and everything else."""

    def __init__(self, book: Rulebook, n: int) -> None:
        self.bit = {rule.id: np.uint64(1) << np.uint64(i) for i, rule in enumerate(book.rules)}
        self.order = [rule.id for rule in book.rules]
        self.n = n
        self.denied = np.zeros(n, dtype=bool)
        self.held = np.zeros(n, dtype=bool)
        self.deny_code = np.zeros(n, dtype=np.uint64)
        self.other_code = np.zeros(n, dtype=np.uint64)
        self.hold_code = np.zeros(n, dtype=np.uint64)

    def _mask(self, mask: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))

    def deny(self, rule_id: str, mask: Any) -> None:
        """Lines this rule denies."""
        mask = self._mask(mask)
        self.denied |= mask
        np.bitwise_or(self.deny_code, self.bit[rule_id], out=self.deny_code, where=mask)

    def hold(self, rule_id: str, mask: Any) -> None:
        """Lines this rule holds until a condition is met."""
        mask = self._mask(mask)
        self.held |= mask
        np.bitwise_or(self.other_code, self.bit[rule_id], out=self.other_code, where=mask)
        np.bitwise_or(self.hold_code, self.bit[rule_id], out=self.hold_code, where=mask)

    def note(self, rule_id: str, mask: Any) -> None:
        """Lines this rule priced, capped, prorated or redirected (not a denial or hold)."""
        mask = self._mask(mask)
        np.bitwise_or(self.other_code, self.bit[rule_id], out=self.other_code, where=mask)

    def names(self, codes) -> list[str]:
        """The ';'-joined rule ids of rule codes (bit sets), in catalog order."""
        return [";".join(r for r in self.order if int(c) & int(self.bit[r])) for c in codes]

    def codes(self) -> np.ndarray:
        """Each line's rule code: its denials if denied, else what priced or held it."""
        return np.where(self.denied, self.deny_code, self.other_code)

    def reason_codes(self) -> np.ndarray:
        """Why a line is not paid: its denials if denied, its holds if held, else 0."""
        return np.where(self.denied, self.deny_code, self.hold_code)

    def first_denial(self) -> np.ndarray:
        """Per line, the first rule in catalog order that denied it ("" if none)."""
        out = np.full(self.n, "", dtype=object)
        for rule_id in reversed(self.order):
            hit = (self.deny_code & self.bit[rule_id]) != 0
            out[hit] = rule_id
        return out

    def rule_ids(self) -> pd.Categorical:
        """The ';'-joined ids of each line, in catalog order."""
        if self.n == 0:
            return pd.Categorical([])
        inverse, uniq = pd.factorize(self.codes())
        names = self.names(uniq.tolist())
        # categories in text order, as pd.Categorical(values) gives them
        rank = np.argsort(np.array(names, dtype=object), kind="stable")
        codes = np.empty(len(names), dtype=np.int64)
        codes[rank] = np.arange(len(names))
        return pd.Categorical.from_codes(
            codes[inverse.reshape(-1)], categories=[names[i] for i in rank]
        )


def uncovered_date(rule_id: str, err: ParameterDateError, source: str, row: int, day: dt.date):
    """The one-line error for a line dated before any source of a rule's parameter."""
    return InputError(
        source,
        f"a date {rule_id} covers: {err}",
        row=row,
        column="date",
        got=day.isoformat(),
    )


class VectorContext:
    """Every line at once, for a rule's vectorized form; verdicts go under ``rule_id``."""

    def __init__(self, lines: Lines, book: Rulebook) -> None:
        self.lines, self.book = lines, book
        self.verdicts = Verdicts(book, lines.n)
        self.n = lines.n
        self.day = lines.line("date")
        self.rule_id = ""
        #: how the rate was reached: (rule id, rate after that rule), in order
        self.ladder: list[tuple[str, np.ndarray]] = []
        self.payee: Any = 0  # index into PAYEES, per line or for all
        self.units: np.ndarray | None = None  # payable hours (HOUR_UNITS) after the cap
        self.divisor: Any = 1  # group size where prorated, else 1
        self.memo: dict[str, Any] = {}  # values two units of one rulebook both derive

    # -- what a rule reads -----------------------------------------------------------
    def case(self, name: str) -> np.ndarray:
        """A case column, per line."""
        return self.lines.case(name)

    def coach(self, name: str) -> np.ndarray:
        """A coach column, per line."""
        return self.lines.coach(name)

    def line(self, name: str) -> np.ndarray:
        """A service column."""
        return self.lines.line(name)

    def line_in(self, name: str, *values: str) -> np.ndarray:
        """Whether each line's text column ``name`` is one of ``values``."""
        return self.lines.line_in(name, values)

    def param(self, name: str) -> Any:
        """A parameter on every line's date (a scalar when one value covers them all).

        A line dated before the first value any source gives is refused with the rule,
        the date and the first date covered.
        """
        try:
            return self.book.vector(name, self.day)
        except ParameterDateError as err:
            i = getattr(err, "index", 0)
            raise uncovered_date(
                self.rule_id, err, self.lines.sources["services"], i, from_day(self.day[i])
            ) from None

    def choice(self, name: str) -> str:
        """The option in force of an interpretation."""
        return self.book.choice(name)

    @property
    def rate(self) -> np.ndarray:
        """The rate reached so far (USD/hour per line)."""
        return self.ladder[-1][1]

    # -- what a rule says ------------------------------------------------------------
    def deny(self, mask: Any) -> None:
        """This rule denies these lines."""
        self.verdicts.deny(self.rule_id, mask)

    def hold(self, mask: Any) -> None:
        """This rule holds these lines."""
        self.verdicts.hold(self.rule_id, mask)

    def note(self, mask: Any) -> None:
        """This rule priced, capped, prorated or redirected these lines."""
        self.verdicts.note(self.rule_id, mask)

    def set_rate(self, rate: Any) -> None:
        """This rule sets the rate (a step of the rate ladder)."""
        rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (self.n,))
        self.ladder.append((self.rule_id, rate))


class LineContext:
    """One line's fields as plain values, for a rule's line-by-line twin."""

    def __init__(
        self, row: int, line: dict, case: dict, coach: dict, book: Rulebook, source: str
    ) -> None:
        self.row, self.line, self.case, self.coach, self.book = row, line, case, coach, book
        self.source = source
        self.when = from_day(line["date"])
        self.rule_id = ""
        self.denied: list[str] = []
        self.held: list[str] = []
        self.noted: list[str] = []
        self.rates: list[tuple[str, float]] = []
        self.payee = "provider"
        self.units = 0  # payable hours (HOUR_UNITS) after the cap
        self.divisor = 1
        self.memo: dict[str, Any] = {}
        #: what each rule read: (rule id, name, value, in force since or "override"),
        #: kept only when explaining (``consulted`` is None otherwise)
        self.consulted: list[tuple[str, str, Any, str]] | None = None
        #: what each rule did to the line, in the order they ran (when explaining)
        self.outcomes: list[tuple[str, str]] | None = None

    def _read(self, name: str, value: Any, since: str) -> Any:
        if self.consulted is not None:
            entry = (self.rule_id, name, value, since)
            if entry not in self.consulted:
                self.consulted.append(entry)
        return value

    def param(self, name: str) -> Any:
        """A parameter on this line's date."""
        if name in self.book.overrides:
            return self._read(name, self.book.overrides[name], "override")
        try:
            value = self.book.parameters[name].at(self.when)
            since = max(d for d in self.book.parameters[name].values if d <= self.when)
            return self._read(name, value, since.isoformat())
        except ParameterDateError:
            param = self.book.parameters[name]
            err = ParameterDateError(param.coverage(self.book.code, self.when))
            raise uncovered_date(self.rule_id, err, self.source, self.row, self.when) from None

    def choice(self, name: str) -> str:
        """The option in force of an interpretation."""
        since = "override" if name in self.book.overrides else "default"
        return self._read(name, self.book.choice(name), since)

    @property
    def rate(self) -> float:
        """The rate reached so far (USD/hour)."""
        return self.rates[-1][1]

    def deny(self) -> None:
        """This rule denies the line."""
        self.denied.append(self.rule_id)

    def hold(self) -> None:
        """This rule holds the line."""
        self.held.append(self.rule_id)

    def note(self) -> None:
        """This rule priced, capped, prorated or redirected the line."""
        self.noted.append(self.rule_id)

    def set_rate(self, rate: float) -> None:
        """This rule sets the rate."""
        self.rates.append((self.rule_id, float(rate)))
