"""What a records brief may show: every figure of it registered, once, with the disclosure
layer (``disclosure``), and the released tables that the brief's tables, charts, CSV files
and findings are all drawn from.

The cells and the sums that tie them:

- totals: money per rulebook and status (paid, held, denied); the three add up to every
  line's claim, whose line count the brief prints;
- by rule: held and denied money per rule, adding up to its status's total;
- by month: money per rulebook, status and month, adding up to its status's total; and
  the consumers served each month (a count);
- the bridge between two rulebooks: each step, adding up to the difference of the two
  paid totals;
- who gains: each provider size band's change, adding up to all providers' change, which
  is the bridge's difference; the largest providers' money before, after and its change
  (one row, shown or hidden as one), the providers not shown summed per band;
- hours paid under one rulebook only (no sum ties them).

Nothing here formats: ``records_figures`` renders these tables and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobcoach_model.analysis.disclosure import (
    NOT_SHOWN,
    Contributions,
    Ledger,
    Release,
    Rules,
    contributions,
)
from jobcoach_model.analysis.gains import ALL, band_of
from jobcoach_model.analysis.records_pricing import (
    STATUSES,
    PricedRecords,
    RecordBridge,
    by_month,
    by_rule,
    consumer_hours,
    split_by_rule,
    totals,
    who_gains,
)
from jobcoach_model.engine.adjudication import DENIED, HELD, PAID

#: the providers the brief names, by the size of their change
TOP_PROVIDERS = 10


@dataclass
class PairRelease:
    """What may be shown of one bridge (``source`` to ``target``)."""

    source: str
    target: str
    bridge: pd.DataFrame  # step, rule_id, statement, amount (NaN: suppressed), suppressed
    gains: pd.DataFrame  # who_gains' columns and suppressed
    providers: pd.DataFrame  # the named providers: provider_id, consumers, from, to, ...
    hours: pd.DataFrame  # consumer_hours' columns and suppressed


@dataclass
class RecordsRelease:
    """Every released table of a records brief, suppressed cells as NaN with a
    ``suppressed`` flag, and the cells behind them (for audits and tests)."""

    title: str
    codes: list[str]
    names: dict[str, str]
    lines: int
    consumers: int | None
    providers: int
    threshold: int
    totals: pd.DataFrame
    rules: pd.DataFrame
    months: pd.DataFrame
    pairs: list[PairRelease]
    cells: Release

    def csv_tables(self) -> dict[str, pd.DataFrame]:
        """The tables an analyst gets as CSV, by file name (released cells only)."""
        out = {
            "totals.csv": self.totals,
            "by_rule.csv": self.rules,
            "by_month.csv": self.months,
        }
        for pr in self.pairs:
            pair = f"{pr.source}_to_{pr.target}"
            out[f"bridge_{pair}.csv"] = pr.bridge
            out[f"who_gains_{pair}.csv"] = pr.gains
            out[f"providers_{pair}.csv"] = pr.providers
            out[f"hours_{pair}.csv"] = pr.hours
        return out


def _shown(cells: Release, keys: list[tuple]) -> np.ndarray:
    return np.array([cells.shown(*k) for k in keys], dtype=bool)


def _blank(frame: pd.DataFrame, hidden: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """``columns`` of hidden rows as NaN, and the ``suppressed`` flag."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(np.float64)
        out.loc[hidden, c] = np.nan
    out["suppressed"] = hidden
    return out


def _one(sel: np.ndarray, who: np.ndarray, value: np.ndarray) -> Contributions:
    return contributions(np.where(sel, 0, -1), who, value, 1)


class _Builder:
    """Registers every cell and sum of a records brief with one ledger."""

    def __init__(self, p: PricedRecords, bridges: list[RecordBridge], rules: Rules) -> None:
        self.p, self.bridges, self.rules = p, bridges, rules
        self.led = Ledger()
        self.who = p.consumer
        self.month = p.lines.line("date").astype("datetime64[D]").astype("datetime64[M]")
        self.labels, self.month_idx = np.unique(self.month, return_inverse=True)

    def add(self, table, keys, c, money=True, units=None) -> list[int]:
        return self.led.add(table, keys, c, self.rules, money, units)

    def totals(self) -> dict:
        ids = {}
        every, zero = np.ones(self.p.lines.n, dtype=bool), np.zeros(self.p.lines.n)
        ids["all"] = self.add("all", [()], _one(every, self.who, zero), money=False)[0]
        k = len(STATUSES)
        for code in self.p.codes:
            status, cents = self.p.status(code), self.p.cents(code)
            # money and lines per status, one unit each: the lines add up to every line
            cell = np.concatenate([status, k + status])
            value = np.concatenate([cents, np.ones(self.p.lines.n)])
            c = contributions(cell, np.tile(self.who, 2), value, 2 * k)
            keys = [(code, s) for s in STATUSES.values()]
            keys += [(code, s, "lines") for s in STATUSES.values()]
            money = [True] * k + [False] * k
            got = self.add("totals", keys, c, money, units=[*range(k), *range(k)])
            ids.update({(code, s): i for s, i in zip(STATUSES.values(), got[:k], strict=True)})
            self.led.relate(dict.fromkeys(got[k:], 1.0), constant=self.p.lines.n)
        return ids

    def by_rule(self, totals: dict) -> list[tuple]:
        keys = []
        for code in self.p.codes:
            status = self.p.status(code)
            for value in (HELD, DENIED):
                name = STATUSES[value]
                parts = list(split_by_rule(self.p, code, status == value))
                rule_ids = list(dict.fromkeys(r for r, _, _ in parts))
                if not rule_ids:
                    continue
                cell = np.concatenate([np.full(len(at), rule_ids.index(r)) for r, at, _ in parts])
                at = np.concatenate([at for _, at, _ in parts])
                cents = np.concatenate([c for _, _, c in parts])
                c = contributions(cell, self.who[at], cents, len(rule_ids))
                mine = [(code, name, r) for r in rule_ids]
                got = self.add("rules", mine, c)
                self.led.relate({totals[(code, name)]: -1.0, **dict.fromkeys(got, 1.0)})
                keys += mine
        return keys

    def by_month(self, totals: dict) -> None:
        m = len(self.labels)
        zero = np.zeros(self.p.lines.n)
        served = contributions(self.month_idx, self.who, zero, m)
        self.add("served", [(str(x),) for x in self.labels], served, money=False)
        for code in self.p.codes:
            status, cents = self.p.status(code), self.p.cents(code)
            c = contributions(status * m + self.month_idx, self.who, cents, len(STATUSES) * m)
            keys = [(code, s, str(x)) for s in STATUSES.values() for x in self.labels]
            got = self.add("months", keys, c)
            for k, s in enumerate(STATUSES.values()):
                mine = got[k * m : (k + 1) * m]
                self.led.relate({totals[(code, s)]: -1.0, **dict.fromkeys(mine, 1.0)})

    def bridge(self, b: RecordBridge, totals: dict) -> list[tuple]:
        from jobcoach_model.analysis.bridge import lines_bridge

        n = int(self.who.max()) + 1 if self.p.lines.n else 1
        per = lines_bridge(self.p.terms[b.source], self.p.terms[b.target], self.who, n)
        keys = [(b.source, b.target, r.step, r.rule_id) for r in b.steps.itertuples()]
        arrays = [per.cents.get((k[2], k[3]), np.zeros(n, dtype=np.int64)) for k in keys]
        cell = np.concatenate([np.full(n, k) for k in range(len(keys))] or [np.zeros(0)])
        who = np.tile(np.arange(n), len(keys))
        value = np.concatenate(arrays or [np.zeros(0)])
        touched = value != 0  # a consumer is in a step when the step moves its money
        c = contributions(np.where(touched, cell, -1), who, value, len(keys))
        got = self.add("bridge", keys, c)
        self.led.relate(
            {
                **dict.fromkeys(got, 1.0),
                totals[(b.target, "paid")]: -1.0,
                totals[(b.source, "paid")]: 1.0,
            }
        )
        return keys

    def gains(self, b: RecordBridge, totals: dict) -> tuple[list[tuple], list[tuple]]:
        p, pair = self.p, (b.source, b.target)
        paid = {c: p.paid_cents(c) for c in pair}
        change = paid[b.target] - paid[b.source]
        band = band_of(b.providers["consumers"].to_numpy())
        labels = [x for x in dict.fromkeys(who_gains(b)["band"]) if x != ALL]
        band_idx = np.array([labels.index(x) if x else -1 for x in band], dtype=np.int64)
        line_band = band_idx[p.provider]  # a provider with no line has no band
        c = contributions(line_band, self.who, change, len(labels))
        bands = self.add("bands", [(*pair, x) for x in labels], c)
        everyone = self.add(
            "bands", [(*pair, ALL)], _one(np.ones(p.lines.n, dtype=bool), self.who, change)
        )[0]
        self.led.relate({everyone: -1.0, **dict.fromkeys(bands, 1.0)})
        self.led.relate(
            {everyone: 1.0, totals[(b.target, "paid")]: -1.0, totals[(b.source, "paid")]: 1.0}
        )
        # the providers that may be named: one unit (before, after, change) each; the
        # rest of each band summed into one unit
        prov = b.providers
        big = prov["consumers"] >= max(self.rules.threshold, 1)
        order = prov.assign(size=prov["change"].abs())[big].sort_values(
            ["size", "provider_id"], ascending=[False, True]
        )
        named = order.index[:TOP_PROVIDERS].to_numpy()
        slot = np.full(len(prov), -1, dtype=np.int64)
        slot[named] = np.arange(len(named))
        rest = len(named) + band_idx
        row = np.where(slot >= 0, slot, rest)[p.provider]  # each line's row
        rows = len(named) + len(labels)
        value = np.concatenate([paid[b.source], paid[b.target], change])
        cell = np.concatenate([row * 3, row * 3 + 1, row * 3 + 2])
        who = np.tile(self.who, 3)
        c = contributions(cell, who, value, rows * 3)
        ids_named = [str(prov["provider_id"].iat[k]) for k in named]
        keys = [
            (*pair, name, part)
            for name in [*ids_named, *(f"rest of {x}" for x in labels)]
            for part in ("from", "to", "change")
        ]
        got = self.add("providers", keys, c, units=[k // 3 for k in range(rows * 3)])
        rest_ids = got[len(named) * 3 :]
        self.led.hide(rest_ids, NOT_SHOWN)
        for k in range(rows):
            f, t, ch = got[3 * k : 3 * k + 3]
            self.led.relate({ch: 1.0, t: -1.0, f: 1.0})
        for part, code in ((0, b.source), (1, b.target)):
            self.led.relate({totals[(code, "paid")]: -1.0, **dict.fromkeys(got[part::3], 1.0)})
        of_band = [*band_idx[named], *range(len(labels))]
        for j in range(len(labels)):
            mine = [got[3 * k + 2] for k in range(rows) if of_band[k] == j]
            self.led.relate({bands[j]: -1.0, **dict.fromkeys(mine, 1.0)})
        return [(*pair, x) for x in [*labels, ALL]], keys[: len(named) * 3]

    def hours(self, b: RecordBridge) -> list[tuple]:
        keys = []
        for one, other in ((b.source, b.target), (b.target, b.source)):
            sel = (self.p.status(one) == PAID) & (self.p.status(other) != PAID)
            c = _one(sel, self.who, self.p.cents(one))
            keys += [(one, other)]
            self.add("hours", [(one, other)], c)
        return keys


def release(p: PricedRecords, bridges: list[RecordBridge], threshold: int = 10) -> RecordsRelease:
    """The released tables of a records brief: every cell through the disclosure layer
    (a minimum of ``threshold`` consumers, dominance, secondary suppression; 0: none)."""
    rules = Rules.at(threshold)
    build = _Builder(p, bridges, rules)
    ids = build.totals()
    build.by_rule(ids)
    build.by_month(ids)
    per_pair = []
    for b in bridges:
        steps = build.bridge(b, ids)
        bands, named = build.gains(b, ids)
        per_pair.append((b, steps, bands, named, build.hours(b)))
    cells = build.led.resolve(secondary=threshold > 0)

    t = totals(p)
    tot = _blank(t, ~_shown(cells, [("totals", r.rulebook, r.status) for r in t.itertuples()]),
                 ["lines", "consumers", "amount"])  # fmt: skip
    r = by_rule(p)
    rul = _blank(r, ~_shown(cells, [("rules", x.rulebook, x.status, x.rule_id)
                                    for x in r.itertuples()]),
                 ["lines", "consumers", "amount"])  # fmt: skip
    m = by_month(p)
    mon = _blank(m, ~_shown(cells, [("months", x.rulebook, x.status, x.month)
                                    for x in m.itertuples()]), ["amount"])  # fmt: skip
    served = ~_shown(cells, [("served", x) for x in m["month"]])
    mon["consumers"] = mon["consumers"].astype(np.float64).where(~served)
    pairs = [_pair(p, cells, tot, *args) for args in per_pair]
    everyone = cells.count("all")
    return RecordsRelease(
        title=p.title,
        codes=p.codes,
        names={c: p.books[c].name for c in p.codes},
        lines=p.lines.n,
        consumers=everyone,
        providers=len(p.provider_ids),
        threshold=threshold,
        totals=tot,
        rules=rul,
        months=mon,
        pairs=pairs,
        cells=cells,
    )


def _pair(
    p, cells: Release, tot: pd.DataFrame, b: RecordBridge, steps, bands, named, hours
) -> PairRelease:
    table = b.table()
    keys = [("bridge", *k) for k in steps]
    hidden_steps = ~_shown(cells, keys)
    paid = tot[tot["status"] == "paid"].set_index("rulebook")["amount"]
    ends = [None if pd.isna(paid[c]) else float(paid[c]) for c in (b.source, b.target)]
    body = table.iloc[1:-1].assign(suppressed=hidden_steps)
    body.loc[hidden_steps, "amount"] = np.nan
    parts = [table.iloc[[0]].assign(amount=ends[0], suppressed=ends[0] is None), body]
    if hidden_steps.any():
        known = None not in ends
        combined = ends[1] - ends[0] - body["amount"].sum() if known else np.nan
        parts.append(
            pd.DataFrame(
                [
                    {
                        "step": "suppressed steps",
                        "rule_id": f"{int(hidden_steps.sum())} steps, combined",
                        "statement": "steps suppressed one by one, shown together",
                        "amount": round(combined, 2) if known else np.nan,
                        "suppressed": not known,
                    }
                ]
            )
        )
    parts.append(table.iloc[[-1]].assign(amount=ends[1], suppressed=ends[1] is None))
    bridge = pd.concat(parts, ignore_index=True)
    bridge["amount"] = bridge["amount"].astype(np.float64)
    bridge = bridge[~(bridge["suppressed"] & (bridge["rule_id"] != ""))
                    | (bridge["step"] == "suppressed steps")]  # fmt: skip

    g = who_gains(b)
    shown = _shown(cells, [("bands", *k) for k in bands])
    counts = [cells.count("bands", *k) for k in bands]
    g = g.set_index("band").loc[[k[2] for k in bands]].reset_index()
    g["consumers"] = [c if c is not None else np.nan for c in counts]
    values = ["providers", "gain_over_5pct", "lose_over_5pct", "median_change",
              "median_change_share", "total_change"]  # fmt: skip
    g = _blank(g, ~shown, values)

    prov = b.providers.set_index(b.providers["provider_id"].astype(str))
    rows = []
    for k in range(0, len(named), 3):
        pid = named[k][2]
        if cells.shown("providers", *named[k]):
            rows.append(prov.loc[pid].to_dict())
    providers = pd.DataFrame(rows, columns=list(b.providers.columns))

    h = consumer_hours(p, b.source, b.target)
    h = _blank(h, ~_shown(cells, [("hours", *k) for k in hours]),
               ["consumers", "lines", "hours", "amount"])  # fmt: skip
    return PairRelease(b.source, b.target, bridge.reset_index(drop=True), g, providers, h)
