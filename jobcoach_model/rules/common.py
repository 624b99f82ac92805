"""Mechanisms several rulebooks share, written once: a flat hourly rate, the
authorization window, the authorized-hours cap and group proration. Each rulebook's unit
(``KS-RATE``, ``KS-PREAUTH-HOURS``, ``IA-AUTH-HOURS``, ...) subclasses one of these beside
its own clause.
"""

from __future__ import annotations

import numpy as np

from jobcoach_model.base.arrow_text import ArrowText
from jobcoach_model.base.money import hour_units
from jobcoach_model.records.lines import Lines
from jobcoach_model.rules.context import LineContext, VectorContext
from jobcoach_model.rules.registry import RuleUnit


class FlatRate(RuleUnit):
    """Every line is paid the rulebook's flat rate (the parameter ``parameter``, by the
    line's date), whatever the coach's own rate; the rule notes every line it prices."""

    parameter = "hourly_rate"

    @classmethod
    def vector(cls, ctx: VectorContext) -> None:
        ctx.set_rate(ctx.param(cls.parameter))
        ctx.note(True)

    @classmethod
    def line(cls, ctx: LineContext) -> None:
        ctx.set_rate(ctx.param(cls.parameter))
        ctx.note()


class AuthorizationWindow(RuleUnit):
    """Lines dated outside the case's authorization (both days included) are denied."""

    @staticmethod
    def vector(ctx: VectorContext) -> None:
        ctx.deny((ctx.day < ctx.case("authorized_from")) | (ctx.day > ctx.case("authorized_to")))

    @staticmethod
    def line(ctx: LineContext) -> None:
        if not ctx.case["authorized_from"] <= ctx.line["date"] <= ctx.case["authorized_to"]:
            ctx.deny()


def application_order(lines: Lines, per: str = "case") -> np.ndarray:
    """Line positions in the order hours are applied to a cap: by case (``per`` "case")
    or consumer ("consumer"), then date, then service_id.

    Sorting a million ids as text is slow, so ids are compared only where a group has
    several lines on one day. The order is kept with the lines: every scheme priced on
    them reuses it.
    """
    key = "order" if per == "case" else f"order_{per}"
    return lines.cached(key, lambda: _application_order(lines, lines.group_idx(per)))


def _application_order(lines: Lines, case: np.ndarray) -> np.ndarray:
    day = lines.line("date")
    if lines.n == 0:
        return np.zeros(0, dtype=np.int64)
    span = int(day.max() - day.min()) + 1
    key = case.astype(np.int64) * span + (day - day.min())
    if key.max() < 2**31:  # a narrower key sorts faster
        key = key.astype(np.int32)
    # unstable is fine: equal keys (same case and day) are re-ordered by id just below
    order = np.argsort(key)
    sk = key[order]
    tie = sk[1:] == sk[:-1]
    if tie.any():
        member = np.zeros(len(order), dtype=bool)
        member[1:] |= tie
        member[:-1] |= tie
        pos = np.flatnonzero(member)
        sub = order[pos]
        # by key, then id: the tied lines sit together in ``order``, so sorting them on
        # (key, id) puts each group's lines in id order in the group's own places
        order[pos] = sub[_by_key_then_id(key[sub], lines.line("service_id"), sub)]
    return order


def _by_key_then_id(key: np.ndarray, ids, positions: np.ndarray) -> np.ndarray:
    """The stable order of ``positions`` by key, then by id: text in code point order
    (UTF-8 byte order: Arrow and Python agree), numbers (simulated ids) by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids, ArrowText):
        text = ids.data.take(pa.array(positions))
    else:
        text = pa.array(np.asarray(ids)[positions])
    table = pa.table({"key": key, "id": text})
    order = pc.sort_indices(table, sort_keys=[("key", "ascending"), ("id", "ascending")])
    return order.to_numpy()


def payable_units(
    lines: Lines, eligible: np.ndarray, cap=None, per: str = "case", wanted=None
) -> np.ndarray:
    """Hours payable per line under each case's (or, ``per`` "consumer", each
    consumer's) cap (``cap``, hour units per group; by default a case's authorized
    hours); ``wanted``: each line's hour units (default: its hours).

    Eligible lines draw on the cap in application order; a line crossing it gets what is
    left, later lines nothing.
    """
    units = np.where(eligible, lines.hour_units() if wanted is None else wanted, 0)
    order = application_order(lines, per)
    su = units[order]
    sc = lines.group_idx(per)[order]
    cum = np.cumsum(su)
    start = np.r_[True, sc[1:] != sc[:-1]]
    # hours used by earlier lines of the same case: running total minus the case's offset
    offset = np.maximum.accumulate(np.where(start, cum - su, 0))
    before = cum - su - offset
    cap = (lines.case_units() if cap is None else cap)[sc]
    paid_sorted = np.clip(cap - before, 0, su)
    out = np.empty_like(paid_sorted)
    out[order] = paid_sorted
    return out


class HoursCap(RuleUnit):
    """Paid hours never exceed the cap of the line's case (``per`` "case": its authorized
    hours unless the rulebook says otherwise, ``limit`` and ``line_limit``) or of its
    consumer (``per`` "consumer": every case of one person draws on one cap), and, when
    ``case_limit`` gives one, each case's own cap too: lines draw on the caps by date
    (then service_id); the line crossing a cap gets the hours left (noted), later lines
    nothing (denied)."""

    stage = "hours"
    #: whose cap: each case's, or each consumer's across their cases
    per = "case"

    @staticmethod
    def limit(ctx: VectorContext) -> np.ndarray:
        """Each case's (or consumer's) cap in hour units (per group, not per line)."""
        return ctx.lines.case_units()

    @staticmethod
    def case_limit(ctx: VectorContext) -> np.ndarray | None:
        """A per-case cap applied as well as a consumer's (None: none)."""
        return None

    @staticmethod
    def line_limit(ctx: LineContext) -> int:
        """The cap of this line's case (or consumer) in hour units, on its first line in
        date order (the twin of ``limit``)."""
        return hour_units(ctx.case["authorized_hours"])

    @staticmethod
    def line_case_limit(ctx: LineContext) -> int | None:
        """The twin of ``case_limit`` for this line's case (None: none)."""
        return None

    @classmethod
    def vector(cls, ctx: VectorContext) -> None:
        eligible = ~ctx.verdicts.denied
        case_cap = cls.case_limit(ctx)
        wanted = None if case_cap is None else payable_units(ctx.lines, eligible, case_cap)
        units = payable_units(ctx.lines, eligible, cls.limit(ctx), cls.per, wanted)
        ctx.deny(~ctx.verdicts.denied & (units == 0))
        ctx.note(units < ctx.lines.hour_units())
        ctx.units = np.where(ctx.verdicts.denied, 0, units)

    @classmethod
    def line(cls, case_lines: list[LineContext]) -> None:
        """The lines of one case (or consumer, ``per``), in date (then service_id) order:
        each line takes what both its caps have left."""
        left = None
        case_left: dict[str, int | None] = {}
        for ctx in case_lines:
            if left is None:
                left = cls.line_limit(ctx)
            case = str(ctx.case["case_id"])
            if case not in case_left:
                case_left[case] = cls.line_case_limit(ctx)
            if ctx.denied:
                continue
            wanted = hour_units(ctx.line["hours"])
            room = left if case_left[case] is None else min(left, case_left[case])
            ctx.units = max(0, min(wanted, room))
            left -= ctx.units
            if case_left[case] is not None:
                case_left[case] -= ctx.units
            if ctx.units == 0:
                ctx.deny()
            elif ctx.units < wanted:
                ctx.note()


class GroupProration(RuleUnit):
    """A group session's line (group_size > 1) is paid the hourly rate divided by the
    persons served, when the rulebook prorates; ``prorates`` says whether it does."""

    stage = "group"

    @staticmethod
    def prorates(ctx) -> bool:  # pragma: no cover - each rulebook says
        raise NotImplementedError

    @classmethod
    def vector(cls, ctx: VectorContext) -> None:
        group = ctx.line("group_size")
        prorated = np.asarray(cls.prorates(ctx), dtype=bool) & (group > 1)
        ctx.note(prorated)
        ctx.divisor = np.where(prorated, group, 1)

    @classmethod
    def line(cls, ctx: LineContext) -> None:
        if cls.prorates(ctx) and ctx.line["group_size"] > 1:
            ctx.note()
            ctx.divisor = ctx.line["group_size"]
