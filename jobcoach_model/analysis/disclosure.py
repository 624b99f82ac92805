"""Disclosure control as one layer: which cells of a set of released tables may be shown.

Every figure of a records brief (tables, their CSV files, charts, the bridge, the
findings) is a cell registered here, with each contributor's share of it (a contributor
is a consumer). The rules are the ones output checkers in trusted research environments
apply, with ACRO's defaults (the SACRO project's checker, ``acro/default.yaml``:
``safe_threshold: 10``, ``safe_nk_n: 2``, ``safe_nk_k: 0.90``, ``safe_pratio_p: 0.10``):

- **minimum count**: a cell describing fewer than 10 consumers is suppressed;
- **dominance** (on money): a cell is suppressed when its two largest consumers hold more
  than 90% of it (the N-K rule), or when what the rest hold is less than 10% of the
  largest, so the second largest could estimate the largest too closely (the p% rule).
  Amounts are taken by size (a bridge step or a change can be negative): an
  interpretation of ours, since ACRO leaves dominance undefined for negative values; a
  cell of money whose every contributor has nothing is suppressed too (ACRO's
  ``zeros_are_disclosive: True``);
- **secondary suppression**: tables are tied by sums (months add up to the year, rules to
  the status, the bridge's steps to the difference of two totals). A suppressed cell that
  the released cells and those sums determine exactly is protected by suppressing one more
  cell of a sum it is in (the one describing the fewest consumers, then the smallest),
  until no suppressed cell can be worked out. Whether a cell can be worked out is exact
  linear algebra: it can when its unit vector lies in the row space of the sums
  restricted to the suppressed cells. An empty cell (no consumer) is suppressed but needs
  no protection: there is no one in it to disclose.

Cells of one row of a table (a provider's money before, after and its change) form a
*unit*: they are shown or suppressed together. The layer knows nothing of rulebooks or
records; ``records_release`` registers a records brief's cells and sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: the note a suppressed cell of records shows, whatever the reason (the brief says them)
SUPPRESSED = "suppressed"
#: the note of a simulated brief's cell under the minimum count (the only rule there: no
#: real person stands behind a simulated mean)
SUPPRESSED_BELOW = "suppressed (<{n})"
#: why a cell is not shown
THRESHOLD, DOMINANCE, SECONDARY, NOT_SHOWN = "threshold", "dominance", "secondary", "not shown"


@dataclass(frozen=True)
class Rules:
    """The disclosure rules: a minimum of ``threshold`` consumers per cell (0: none), and
    dominance (``nk_n`` largest over ``nk_k`` of the cell, or the rest under ``p`` of the
    largest) unless ``dominance`` is off."""

    threshold: int = 10
    nk_n: int = 2
    nk_k: float = 0.90
    p: float = 0.10
    dominance: bool = True

    @classmethod
    def at(cls, threshold: int) -> Rules:
        """The default rules with another minimum; 0 switches every rule off (for an
        agency's own analysts, never for publication)."""
        return cls(threshold=threshold, dominance=threshold > 0)


@dataclass(frozen=True)
class Contributions:
    """Per cell: the number of contributors, the cell's value, and its largest and second
    largest contributions by size (0 where there is none)."""

    contributors: np.ndarray
    value: np.ndarray
    size: np.ndarray
    top1: np.ndarray
    top2: np.ndarray


def contributions(
    cell: np.ndarray, who: np.ndarray, value: np.ndarray, n_cells: int
) -> Contributions:
    """Each of ``n_cells`` cells' contributors and largest contributions, from one row per
    record: its cell (-1: in none), its contributor and its value. A contributor's value in
    a cell is the sum of its records there; every contributor with a record in the cell
    counts, whatever its value."""
    cell = np.asarray(cell, dtype=np.int64)
    keep = cell >= 0
    cell, who = cell[keep], np.asarray(who, dtype=np.int64)[keep]
    value = np.asarray(value, dtype=np.float64)[keep]
    width = int(who.max()) + 1 if who.size else 1
    pairs, inverse = np.unique(cell * width + who, return_inverse=True)
    per = np.bincount(inverse, weights=value, minlength=len(pairs))
    of = pairs // width
    size = np.abs(per)
    order = np.lexsort((-size, of))  # by cell, largest first
    of_sorted, size_sorted = of[order], size[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = of_sorted[1:] != of_sorted[:-1]
    second = np.zeros(len(order), dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    top1 = np.zeros(n_cells)
    top2 = np.zeros(n_cells)
    top1[of_sorted[first]] = size_sorted[first]
    top2[of_sorted[second]] = size_sorted[second]
    return Contributions(
        contributors=np.bincount(of, minlength=n_cells),
        value=np.bincount(of, weights=per, minlength=n_cells),
        size=np.bincount(of, weights=size, minlength=n_cells),
        top1=top1,
        top2=top2,
    )


def primary(c: Contributions, rules: Rules, money: np.ndarray) -> np.ndarray:
    """Each cell's primary reason to be suppressed ("" for none): too few contributors;
    or, for a cell of money (``money`` true), dominance by its largest contributors."""
    out = np.full(len(c.contributors), "", dtype=object)
    if rules.threshold:
        out[c.contributors < rules.threshold] = THRESHOLD
    if rules.dominance:
        top = c.top1 + (c.top2 if rules.nk_n >= 2 else 0)
        with np.errstate(divide="ignore", invalid="ignore"):  # ACRO's own ratios
            nk = (c.size > 0) & (top / c.size > rules.nk_k)
            rest = c.size - c.top1 - c.top2
            pratio = (c.top1 > 0) & (c.contributors > 1) & (rest / c.top1 < rules.p)
            zero = (c.contributors > 0) & (c.size == 0)  # ACRO: zeros are disclosive
        out[(out == "") & np.asarray(money, dtype=bool) & (nk | pratio | zero)] = DOMINANCE
    return out


def determined(relations: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Which hidden cells the shown cells and the sums determine exactly: cell i is
    determined when its unit vector lies in the row space of the sums restricted to the
    hidden cells (``relations``: one row per sum, coefficients over every cell)."""
    at = np.flatnonzero(hidden)
    out = np.zeros(len(hidden), dtype=bool)
    if not len(at) or not len(relations):
        return out
    sub = relations[:, at]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if not len(sub):
        return out
    # the projector onto the row space is V V^T (right singular vectors of the nonzero
    # singular values); a unit vector lies in that space when its diagonal entry is 1
    _, sv, vt = np.linalg.svd(sub, full_matrices=False)
    basis = vt[sv > sv.max() * max(sub.shape) * np.finfo(float).eps]
    out[at] = np.isclose((basis**2).sum(axis=0), 1.0, rtol=0, atol=1e-9)
    return out


@dataclass
class Ledger:
    """The cells of a release, their units and the sums that tie them; ``resolve`` applies
    the rules once for all of them."""

    keys: list[tuple] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    contributors: list[int] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)
    sums: list[dict[int, float]] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)

    def add(
        self,
        table: str,
        keys: list[tuple],
        c: Contributions,
        rules: Rules,
        money: bool | list[bool] = True,
        units: list[int] | None = None,
    ) -> list[int]:
        """Register one table's cells (``keys``, one per cell of ``c``; ``money``: which
        are money, judged for dominance too); returns their ids. Cells sharing a ``units``
        label (within this call) are shown or hidden together."""
        reasons = primary(c, rules, np.broadcast_to(np.asarray(money), (len(keys),)))
        start = len(self.keys)
        base = max(self.unit, default=-1) + 1
        for k, key in enumerate(keys):
            self.keys.append((table, *key))
            self.value.append(float(c.value[k]))
            self.contributors.append(int(c.contributors[k]))
            self.reason.append(str(reasons[k]))
            self.unit.append(base + (units[k] if units is not None else k))
        return list(range(start, start + len(keys)))

    def relate(self, terms: dict[int, float], constant: float = 0.0) -> None:
        """A published sum: ``sum(coefficient * cell) = constant`` over its terms (a
        constant is a figure printed elsewhere, e.g. the number of lines)."""
        if len(terms) > 1:
            self.sums.append(dict(terms))
            self.constants.append(float(constant))

    def hide(self, ids: list[int], reason: str) -> None:
        """Hide cells for a reason of the caller's (e.g. a provider beyond the top ten)."""
        for i in ids:
            if not self.reason[i]:
                self.reason[i] = reason

    def resolve(self, secondary: bool = True) -> Release:
        """Apply units and (``secondary``) secondary suppression until no hidden cell is
        determined."""
        n = len(self.keys)
        unit = np.asarray(self.unit, dtype=np.int64)
        reason = np.asarray(self.reason, dtype=object)
        relations = np.zeros((len(self.sums), n))
        for r, terms in enumerate(self.sums):
            for i, coef in terms.items():
                relations[r, i] = coef
        cost = np.lexsort((np.abs(self.value), self.contributors))  # fewest, then smallest
        rank = np.empty(n, dtype=np.int64)
        rank[cost] = np.arange(n)

        def spread(hidden: np.ndarray) -> np.ndarray:
            return np.isin(unit, unit[hidden])

        hidden = spread(reason != "")
        reason[hidden & (reason == "")] = SECONDARY
        someone = np.asarray(self.contributors) > 0  # an empty cell has no one to protect
        while secondary:
            exposed = np.flatnonzero(determined(relations, hidden) & someone)
            if not len(exposed):
                break
            touching = relations != 0
            near = np.zeros(0, dtype=np.int64)
            for i in exposed:  # a shown cell in a sum with a cell that can be worked out
                near = np.flatnonzero(touching[touching[:, i]].any(axis=0) & ~hidden)
                if len(near):
                    break
            else:  # worked out through a chain: a shown cell of any sum with hidden cells
                near = np.flatnonzero(touching[(touching & hidden).any(axis=1)].any(axis=0))
                near = near[~hidden[near]]
            if not len(near):  # only the sums themselves tie it: nothing left to hide
                break
            pick = near[np.argmin(rank[near])]
            more = spread(np.eye(1, n, pick, dtype=bool)[0]) & ~hidden
            reason[more] = SECONDARY
            hidden |= more
        frame = pd.DataFrame(
            {
                "key": self.keys,
                "value": self.value,
                "contributors": self.contributors,
                "reason": reason,
            }
        )
        return Release(frame, relations, np.asarray(self.constants, dtype=np.float64))


@dataclass
class Release:
    """Every cell with its value and why it is hidden ("" when shown)."""

    cells: pd.DataFrame
    relations: np.ndarray
    constants: np.ndarray

    def __post_init__(self) -> None:
        self._at = {key: i for i, key in enumerate(self.cells["key"])}

    def shown(self, *key) -> bool:
        """Whether a cell is released."""
        return self.cells["reason"].iat[self._at[key]] == ""

    def count(self, *key) -> int | None:
        """A cell's contributors, or None when it is suppressed."""
        i = self._at[key]
        return None if self.cells["reason"].iat[i] else int(self.cells["contributors"].iat[i])

    def exposed(self) -> np.ndarray:
        """Hidden cells the shown ones still determine (none, unless a sum ties them to
        nothing else); for tests and audits."""
        hidden = (self.cells["reason"] != "").to_numpy()
        someone = (self.cells["contributors"] > 0).to_numpy()
        return np.flatnonzero(determined(self.relations, hidden) & someone)
