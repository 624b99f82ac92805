"""An agency's own records priced under each rulebook, and what the records brief shows
of them: money by status, rule and month, the rule-by-rule bridge between two rulebooks
on these very lines, and who gains and who loses (each provider, each consumer).

Everything is exact to the cent: money is summed in whole cents, the bridge is the
line-by-line bridge of ``bridge.lines_bridge`` summed per provider, so the providers'
changes add up to the bridge's total and the bridge to the difference of the totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jobcoach_model.analysis.bridge import STEP_ORDER, lines_bridge, rule_statement
from jobcoach_model.analysis.gains import change_share, gains_by_band
from jobcoach_model.caseloads.pricing import LineTerms, hourly_terms
from jobcoach_model.engine.adjudication import DENIED, HELD, PAID
from jobcoach_model.engine.adjudication import STATUSES as STATUS_NAMES
from jobcoach_model.law.rulebook import Rulebook, get_rulebook
from jobcoach_model.records.inputs import export_terms, read_inputs
from jobcoach_model.records.lines import Lines, prepare, require

#: each status code's name
STATUSES = dict(enumerate(STATUS_NAMES))


def _cents(amount: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(amount, dtype=np.float64) * 100).astype(np.int64)


@dataclass
class PricedRecords:
    """The records with each rulebook's terms for every line, and each line's provider."""

    lines: Lines
    books: dict[str, Rulebook]
    terms: dict[str, LineTerms]
    provider: np.ndarray  # each line's provider (index into provider_ids)
    provider_ids: np.ndarray

    @property
    def title(self) -> str:
        """What the service lines were read from, as their errors name it."""
        return Path(str(self.lines.sources["services"])).name

    @property
    def consumer(self) -> np.ndarray:
        """Each line's consumer (an index; cases sharing a ``consumer_id`` are one
        consumer): a consumer is counted once in every cell."""
        return self.lines.consumer_idx

    @property
    def consumers(self) -> int:
        """How many consumers the records serve."""
        return int(len(np.unique(self.consumer)))

    @property
    def codes(self) -> list[str]:
        """The rulebooks priced, in the order asked."""
        return list(self.books)

    def cents(self, code: str) -> np.ndarray:
        """Each line's money under one rulebook in cents (denied: what was claimed)."""
        return _cents(self.terms[code].amount)

    def paid_cents(self, code: str) -> np.ndarray:
        """Each line's money paid under one rulebook in cents (0 if held or denied)."""
        return np.where(self.status(code) == PAID, self.cents(code), 0)

    def status(self, code: str) -> np.ndarray:
        """Each line's status code under one rulebook."""
        return self.terms[code].judgement.status


def rulebook_codes(rules: str | Sequence[str] | None = None) -> list[str]:
    """The rulebooks to price under, in order: comma-separated codes or a list, or (None)
    the rulebooks the default scenario compares (``jurisdictions.compared``)."""
    from jobcoach_model.base.errors import OverrideError
    from jobcoach_model.law.jurisdictions import codes as registered
    from jobcoach_model.law.jurisdictions import compared

    if rules is None:
        return list(compared())
    parts = rules.split(",") if isinstance(rules, str) else rules
    codes = [c.strip().upper() for c in parts if c.strip()]
    unknown = [c for c in codes if c not in registered()]
    if not codes or unknown:
        raise OverrideError(
            f"--rules: expected rulebook codes among {','.join(registered())}, got {rules!r}"
        )
    return codes


def rulebook_overrides(codes: Sequence[str], sets: Mapping[str, str]) -> dict[str, dict]:
    """``--set`` changes shared out to the rulebooks: ``CODE.name=value`` to that
    rulebook, a plain ``name=value`` to every rulebook that has the parameter or
    interpretation (an unknown name is refused by the rulebooks themselves)."""
    out: dict[str, dict] = {code: {} for code in codes}
    for key, value in sets.items():
        head, _, rest = key.partition(".")
        if rest and head.upper() in out:
            out[head.upper()][rest] = value
            continue
        holders = [c for c in codes if key in get_rulebook(c).names()]
        for code in holders or codes:  # nobody has it: let a rulebook refuse it
            out[code][key] = value
    return out


def price_records(
    lines: Lines, codes: Sequence[str], overrides: Mapping[str, Mapping] | None = None
) -> PricedRecords:
    """Every line judged under each rulebook in ``codes`` (with its overrides); lines a
    rulebook cannot price (Iowa without a coach's rate) are refused first."""
    books = {c: get_rulebook(c, (overrides or {}).get(c)) for c in codes}
    for book in books.values():
        require(lines, book)
    terms = {c: hourly_terms(book, lines) for c, book in books.items()}
    pid = np.asarray(lines.coaches["provider_id"], dtype=object)
    cid = np.asarray(lines.coaches["coach_id"], dtype=object)
    pid = np.where(pid == "", cid, pid)  # a coach with no provider is its own provider
    ids, of_coach = np.unique(pid.astype(str), return_inverse=True)
    return PricedRecords(lines, books, terms, of_coach[lines.coach_idx], ids.astype(object))


def _consumers(case: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Distinct cases per key."""
    pairs = np.unique(np.stack([key, case]), axis=1)
    return np.bincount(pairs[0], minlength=n_keys)


def totals(p: PricedRecords) -> pd.DataFrame:
    """Lines, consumers and money (USD, exact) per rulebook and status."""
    rows = []
    case = p.consumer
    for code in p.codes:
        status, cents = p.status(code), p.cents(code)
        for value, name in STATUSES.items():
            sel = status == value
            rows.append(
                {
                    "rulebook": code,
                    "status": name,
                    "lines": int(sel.sum()),
                    "consumers": int(len(np.unique(case[sel]))),
                    "amount": int(cents[sel].sum()) / 100,
                }
            )
    return pd.DataFrame(rows)


def split_by_rule(p: PricedRecords, code: str, sel: np.ndarray):
    """(rule id, line positions, cents) of lines ``sel``, each line's cents shared
    equally among the rules that refused it (as the bridge shares them)."""
    t = p.terms[code]
    v = t.judgement.verdicts
    codes = v.reason_codes()
    cents = p.cents(code)
    for value in np.unique(codes[sel]):
        rules = [r for r in v.order if int(value) & int(v.bit[r])]
        at = np.flatnonzero(sel & (codes == value))
        size, k = np.abs(cents[at]), max(1, len(rules))
        share, left = size // k, size % k
        for i, rule_id in enumerate(rules):
            yield rule_id, at, np.sign(cents[at]) * (share + (i < left))


def by_rule(p: PricedRecords) -> pd.DataFrame:
    """Held and denied money by the rule that held or denied it, per rulebook: lines,
    consumers and USD (a line refused by several rules is shared equally among them, so
    the rows add up to the status's total)."""
    rows = []
    case = p.consumer
    for code in p.codes:
        status = p.status(code)
        for value in (HELD, DENIED):
            acc: dict[str, list] = {}
            for rule_id, at, cents in split_by_rule(p, code, status == value):
                got = acc.setdefault(rule_id, [[], 0])
                got[0].append(at)
                got[1] += int(cents.sum())
            for rule_id, (ats, cents) in acc.items():
                at = np.concatenate(ats)
                rows.append(
                    {
                        "rulebook": code,
                        "status": STATUSES[value],
                        "rule_id": rule_id,
                        "statement": rule_statement(rule_id, [p.books[code]]),
                        "lines": int(len(np.unique(at))),
                        "consumers": int(len(np.unique(case[at]))),
                        "amount": cents / 100,
                    }
                )
    frame = pd.DataFrame(
        rows, columns=["rulebook", "status", "rule_id", "statement", "lines", "consumers", "amount"]
    )
    return frame.sort_values(
        ["rulebook", "status", "amount", "rule_id"], ascending=[True, False, False, True]
    ).reset_index(drop=True)


def by_month(p: PricedRecords) -> pd.DataFrame:
    """Money by month of service per rulebook and status (USD), with consumers served."""
    day = p.lines.line("date")
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    labels, idx = np.unique(month, return_inverse=True)
    served = _consumers(p.consumer, idx, len(labels))
    rows = []
    for code in p.codes:
        status, cents = p.status(code), p.cents(code)
        for value, name in STATUSES.items():
            sel = status == value
            money = np.bincount(idx[sel], weights=cents[sel], minlength=len(labels))
            for m, (label, amount) in enumerate(zip(labels, money, strict=True)):
                rows.append(
                    {
                        "rulebook": code,
                        "month": str(label),
                        "status": name,
                        "amount": int(round(amount)) / 100,
                        "consumers": int(served[m]),
                    }
                )
    return pd.DataFrame(rows)


@dataclass
class RecordBridge:
    """The bridge from one rulebook's paid total to another's on the same records, and
    each provider's change (which add up to the bridge's total, to the cent)."""

    source: str
    target: str
    from_cents: int
    to_cents: int
    steps: pd.DataFrame  # step, rule_id, statement, amount (USD)
    providers: pd.DataFrame  # provider_id, consumers, lines, from, to, change, change_share

    def table(self) -> pd.DataFrame:
        """The steps between the two totals, as a waterfall reads them."""
        first = {"step": f"total: {self.source}", "rule_id": "", "statement": ""}
        last = {"step": f"total: {self.target}", "rule_id": "", "statement": ""}
        return pd.DataFrame(
            [
                {**first, "amount": self.from_cents / 100},
                *self.steps.to_dict("records"),
                {**last, "amount": self.to_cents / 100},
            ]
        )


def record_bridge(p: PricedRecords, source: str, target: str) -> RecordBridge:
    """The rule-by-rule bridge from ``source``'s paid money to ``target``'s, per provider."""
    a, b = p.terms[source], p.terms[target]
    n = len(p.provider_ids)
    steps = lines_bridge(a, b, p.provider, n)
    paid = {c: p.paid_cents(c) for c in (source, target)}
    start = np.bincount(p.provider, weights=paid[source], minlength=n)
    end = np.bincount(p.provider, weights=paid[target], minlength=n)
    start, end = np.rint(start).astype(np.int64), np.rint(end).astype(np.int64)
    keys = sorted(
        (k for k in steps.cents if steps.cents[k].any()),
        key=lambda k: (STEP_ORDER.index(k[0]), -abs(int(steps.cents[k].sum())), k[1]),
    )
    books = [p.books[source], p.books[target]]
    table = pd.DataFrame(
        [
            {
                "step": kind,
                "rule_id": rule_id,
                "statement": rule_statement(rule_id, books),
                "amount": int(steps.cents[(kind, rule_id)].sum()) / 100,
            }
            for kind, rule_id in keys
        ],
        columns=["step", "rule_id", "statement", "amount"],
    )
    moved = sum((steps.cents[k] for k in keys), np.zeros(n, dtype=np.int64))
    if not np.array_equal(moved, end - start):  # the bridge's own invariant, per provider
        raise AssertionError("the records bridge does not add up per provider")
    case = p.consumer
    change = end - start
    share = change_share(start, end)
    providers = pd.DataFrame(
        {
            "provider_id": p.provider_ids,
            "consumers": _consumers(case, p.provider, n),
            "lines": np.bincount(p.provider, minlength=n),
            "from": start / 100,
            "to": end / 100,
            "change": change / 100,
            "change_share": share,
        }
    )
    return RecordBridge(
        source, target, int(start.sum()), int(end.sum()), table, providers.reset_index(drop=True)
    )


def who_gains(b: RecordBridge) -> pd.DataFrame:
    """Per provider size band (and all providers): providers, consumers, how many gain or
    lose more than 5%, the median change (USD and share) and the band's total change
    (``gains.gains_by_band`` on the records: one replication)."""
    prov = b.providers
    start = np.rint(prov["from"].to_numpy() * 100)
    end = np.rint(prov["to"].to_numpy() * 100)
    table = gains_by_band(start, end, prov["consumers"].to_numpy())
    keep = ["band", "providers", "consumers", "gain_over_5pct", "lose_over_5pct",
            "median_change", "median_change_share", "total_change"]  # fmt: skip
    out = table[keep].copy()
    for name in ("providers", "consumers", "gain_over_5pct", "lose_over_5pct"):
        out[name] = out[name].astype(np.int64)
    out["total_change"] = out["total_change"].round(2)
    return out


def consumer_hours(p: PricedRecords, source: str, target: str) -> pd.DataFrame:
    """Coaching hours paid under one rulebook and unpaid (held or denied) under the
    other: consumers with any, their hours, and the money at the paying rulebook's terms."""
    rows = []
    case = p.consumer
    for one, other in ((source, target), (target, source)):
        sel = (p.status(one) == PAID) & (p.status(other) != PAID)
        hours = p.terms[one].hours[sel]
        rows.append(
            {
                "paid_under": one,
                "unpaid_under": other,
                "consumers": int(len(np.unique(case[sel]))),
                "lines": int(sel.sum()),
                "hours": round(float(hours.sum()), 2),
                "amount": int(p.cents(one)[sel].sum()) / 100,
            }
        )
    return pd.DataFrame(rows)


def read_and_price(
    cases=None,
    coaches=None,
    services=None,
    columns=None,
    codes: Sequence[str] | None = None,
    sets: Mapping[str, str] | None = None,
) -> PricedRecords:
    """An export read exactly as ``adjudicate`` reads it (any format, through a mapping)
    and priced under each rulebook; every error in the export's own terms. No paths: the
    shipped sample export."""
    from jobcoach_model.base.resources import records_or_sample

    cases, coaches, services, columns = records_or_sample(cases, coaches, services, columns)
    codes = rulebook_codes(codes)
    overrides = rulebook_overrides(codes, dict(sets or {}))
    inputs = read_inputs(cases, coaches, services, columns)
    with export_terms(inputs):
        lines = prepare(*inputs.frames, None, inputs.sources)
        return price_records(lines, codes, overrides)


def dumps_priced(priced: PricedRecords) -> bytes:
    """Priced records as bytes, for the records brief's kernel (``loads_priced``): the
    export is read and priced once, by ``jobcoach brief``, and handed over."""
    import pickle

    return pickle.dumps(priced, protocol=pickle.HIGHEST_PROTOCOL)


def loads_priced(path: str | Path) -> PricedRecords:
    """Priced records handed over by ``jobcoach brief`` (a file it wrote a moment ago in
    the brief's own temporary folder; never a file from elsewhere)."""
    import pickle

    return pickle.loads(Path(path).read_bytes())  # noqa: S301 - our own file, just written
