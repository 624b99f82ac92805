"""Tables, charts, findings and provider statements of the records brief: an agency's own
export priced under each rulebook (``records_pricing``), shown as aggregates with small
cells suppressed, in the cost brief's look."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .adjudication import DENIED, PAID
from .explain import statement_page
from .figures import SUPPRESSED
from .io import write_atomic
from .money import usd
from .outputs import slug
from .records_pricing import STATUSES, PricedRecords, RecordBridge

#: the brief's colours for paid, held and denied money
COLOURS = {"paid": "#4C72B0", "held": "#DD8452", "denied": "#C44E52"}


def _suppress(frame: pd.DataFrame, threshold: int, values: list[str], count: str = "consumers"):
    """``values`` cells of rows describing fewer than ``threshold`` consumers replaced by
    the suppression note (the count column is kept: it is a count of people only when it
    is at least the threshold, and is suppressed with the rest otherwise)."""
    out = frame.astype(object)
    if threshold:
        small = (frame[count] < threshold).to_numpy()
        out.loc[small, [*values, count]] = SUPPRESSED.format(n=threshold)
    return out


def totals_table(p: PricedRecords) -> pd.DataFrame:
    """One row per rulebook: lines and money paid, held (not yet paid) and denied, exact."""
    rows = []
    for code in p.codes:
        status, cents = p.status(code), p.cents(code)
        row = {"Rulebook": f"{code}: {p.books[code].name}"}
        for value, name in STATUSES.items():
            sel = status == value
            row[f"{name.capitalize()} lines"] = f"{int(sel.sum()):,}"
            row[f"{name.capitalize()} (USD)"] = usd(int(cents[sel].sum()) / 100, cents=True)
        rows.append(row)
    return pd.DataFrame(rows)


def rule_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Held and denied money by rule, small cells suppressed."""
    shown = frame.assign(amount=frame["amount"].map(lambda v: usd(v, cents=True)))
    shown = _suppress(shown, threshold, ["amount", "lines"])
    return shown.rename(
        columns={
            "rulebook": "Rulebook",
            "status": "Status",
            "rule_id": "Rule",
            "statement": "What the rule says",
            "lines": "Lines",
            "consumers": "Consumers",
            "amount": "Amount (USD)",
        }
    )


def month_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Paid, held and denied money by month of service per rulebook, one row a month."""
    wide = frame.pivot_table(
        index=["month", "consumers"], columns=["rulebook", "status"], values="amount", aggfunc="sum"
    )
    wide.columns = [f"{code} {status}" for code, status in wide.columns]
    wide = wide.reset_index()
    money = [c for c in wide.columns if c not in ("month", "consumers")]
    for c in money:
        wide[c] = wide[c].map(lambda v: usd(v, cents=True))
    return _suppress(wide, threshold, money).rename(
        columns={"month": "Month", "consumers": "Consumers"}
    )


def plot_months(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Paid money by month of service under each rulebook (held and denied dashed)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    styles = {"paid": "-", "held": "--", "denied": ":"}
    for (code, status), part in frame.groupby(["rulebook", "status"], sort=True):
        ax.plot(
            part["month"],
            part["amount"] / 1e3,
            styles[status],
            label=f"{code} {status}",
            marker="o" if status == "paid" else None,
        )
    ax.set_ylabel("Thousand USD")
    ax.set_xlabel("Month of service")
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    ax.legend(fontsize=7)
    ax.set_title("Money by month of service", fontsize=10)
    return ax


def bridge_frame(b: RecordBridge) -> pd.DataFrame:
    """The bridge in the shape the cost brief's waterfall reads (exact: no interval)."""
    table = b.table()
    return table.assign(mean=table["amount"], p05=np.nan, p95=np.nan)


def bridge_table(b: RecordBridge) -> pd.DataFrame:
    """The bridge as a readable table: step, rule, what it says, the change to the cent."""
    rows = []
    for r in b.table().itertuples():
        total = r.rule_id == "" and r.step.startswith("total: ")
        rows.append(
            {
                "Step": r.step.replace("total: ", "Total, ") if total else r.step,
                "Rule": r.rule_id,
                "What the rule says": r.statement,
                "Change (USD)": usd(r.amount, cents=True),
            }
        )
    return pd.DataFrame(rows)


def gains_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Who gains and who loses, by provider size band (bands of few consumers suppressed)."""
    shown = frame.assign(
        median_change=frame["median_change"].map(usd),
        median_change_share=frame["median_change_share"].map(lambda v: f"{v:+.1%}"),
        total_change=frame["total_change"].map(lambda v: usd(v, cents=True)),
    )
    values = ["gain_over_5pct", "lose_over_5pct", "median_change", "median_change_share"]
    return _suppress(shown, threshold, [*values, "total_change", "providers"]).rename(
        columns={
            "band": "Providers by size",
            "providers": "Providers",
            "consumers": "Consumers",
            "gain_over_5pct": "Gain > 5%",
            "lose_over_5pct": "Lose > 5%",
            "median_change": "Median change",
            "median_change_share": "Median change (%)",
            "total_change": "Total change (USD)",
        }
    )


def largest_changes(b: RecordBridge, threshold: int, top: int = 10) -> pd.DataFrame:
    """The providers whose money changes most, by provider id; a provider serving fewer
    consumers than the threshold is never named (its row is dropped, not just blanked)."""
    prov = b.providers
    named = prov[prov["consumers"] >= threshold] if threshold else prov
    order = named.assign(size=named["change"].abs()).sort_values(
        ["size", "provider_id"], ascending=[False, True]
    )
    out = order.head(top)
    return pd.DataFrame(
        {
            "Provider": out["provider_id"],
            "Consumers": out["consumers"],
            f"Under {b.source} (USD)": out["from"].map(lambda v: usd(v, cents=True)),
            f"Under {b.target} (USD)": out["to"].map(lambda v: usd(v, cents=True)),
            "Change (USD)": out["change"].map(lambda v: usd(v, cents=True)),
            "Change (%)": out["change_share"].map(lambda v: "new" if np.isinf(v) else f"{v:+.1%}"),
        }
    ).reset_index(drop=True)


def hours_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Consumers whose coaching hours are paid under one rulebook and not the other."""
    shown = frame.assign(amount=frame["amount"].map(lambda v: usd(v, cents=True)))
    return _suppress(shown, threshold, ["lines", "hours", "amount"]).rename(
        columns={
            "paid_under": "Paid under",
            "unpaid_under": "Unpaid under",
            "consumers": "Consumers",
            "lines": "Lines",
            "hours": "Hours",
            "amount": "Money at the paying rulebook's terms (USD)",
        }
    )


def findings(
    p: PricedRecords,
    bridges: list[RecordBridge],
    gains: list[pd.DataFrame],
    hours: list[pd.DataFrame],
    threshold: int,
) -> list[str]:
    """The brief's opening sentences, from the tables themselves."""
    n, cases = p.lines.n, len(np.unique(p.lines.case_idx))
    out = [
        f"{n:,} service lines of {cases:,} consumers and {len(p.provider_ids):,} providers, "
        f"priced line by line under {', '.join(p.codes)}."
    ]
    for code in p.codes:
        status, cents = p.status(code), p.cents(code)
        paid = int(cents[status == PAID].sum()) / 100
        held = int(cents[(status != PAID) & (status != DENIED)].sum()) / 100
        denied = int(cents[status == DENIED].sum()) / 100
        out.append(
            f"Under {code}, {usd(paid, cents=True)} is paid, {usd(held, cents=True)} held "
            f"(not yet paid) and {usd(denied, cents=True)} of claims denied."
        )
    for b, g, h in zip(bridges, gains, hours, strict=True):
        diff = (b.to_cents - b.from_cents) / 100
        word = "more" if diff > 0 else "less"
        steps = b.steps.reindex(b.steps["amount"].abs().sort_values(ascending=False).index)
        top = steps.iloc[0] if len(steps) else None
        biggest = (
            f"; the largest step is {top.rule_id} ({usd(top.amount, cents=True)})"
            if top is not None
            else ""
        )
        share = f" ({diff / (b.from_cents / 100):+.1%})" if b.from_cents else ""
        out.append(
            f"On these very lines {b.target} pays {usd(abs(diff), cents=True)} {word} than "
            f"{b.source}{share}{biggest}."
        )
        everyone = g[g["band"] == "all providers"].iloc[0]
        if everyone["consumers"] >= threshold:
            out.append(
                f"Of {everyone['providers']} providers, {everyone['gain_over_5pct']} would "
                f"gain more than 5% and {everyone['lose_over_5pct']} lose more than 5% under "
                f"{b.target}; the median provider's change is {usd(everyone['median_change'])}."
            )
        lost = h.iloc[0]
        if lost["consumers"] >= threshold:
            out.append(
                f"{lost['consumers']:,} consumers have {lost['hours']:,.2f} coaching hours "
                f"paid under {b.source} and unpaid under {b.target}."
            )
    return out


def write_statements(p: PricedRecords, out: Path, threshold: int = 0) -> list[Path]:
    """One HTML statement per provider and rulebook (``statements/<provider>_<code>.html``):
    totals by status and rule, every line with the rule that decided it, the clauses and
    the appeal route. A statement is for the provider itself: its lines are named."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    lines = p.lines
    ids = lines.ids().to_numpy()
    cases = np.asarray(lines.cases["case_id"], dtype=object)[lines.case_idx]
    dates = np.datetime_as_string(lines.line("date").astype("datetime64[D]"))
    hours = lines.line("hours")
    order = np.argsort(p.provider, kind="stable")
    bounds = np.searchsorted(p.provider[order], np.arange(len(p.provider_ids) + 1))
    names, taken = [], set()
    for k, provider in enumerate(p.provider_ids):  # ids that slug alike stay apart
        name = slug(str(provider)) or "provider"
        names.append(name if name not in taken else f"{name}-{k}")
        taken.add(names[-1])
    written = []
    for code in p.codes:
        t = p.terms[code]
        v = t.judgement.verdicts
        status = t.judgement.status
        codes = v.reason_codes()
        uniq, inverse = np.unique(codes, return_inverse=True)
        named = np.array(v.names(uniq.tolist()), dtype=object)[inverse]
        deciding = np.where(status == PAID, "", named)
        rule_ids = np.asarray(v.rule_ids(), dtype=object)
        money = t.amount
        for k, provider in enumerate(p.provider_ids):
            at = order[bounds[k] : bounds[k + 1]]
            rows = [
                (str(ids[i]), str(dates[i]), str(cases[i]), float(hours[i]),
                 STATUSES[int(status[i])], float(money[i]), str(deciding[i]))
                for i in at
            ]  # fmt: skip
            cited = sorted({r for i in at for r in str(rule_ids[i]).split(";") if r})
            title = f"Statement for provider {provider} under {code}"
            page = statement_page(rows, cited, p.books[code], title)
            path = folder / f"{names[k]}_{code}.html"
            write_atomic(path, lambda tmp, text=page: tmp.write_text(text, encoding="utf-8"))
            written.append(path)
    return written
