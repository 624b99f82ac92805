"""Tables, charts, findings and provider statements of the records brief: an agency's own
export priced under each rulebook (``records_pricing``), shown as aggregates with small
cells suppressed, in the cost brief's look."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.analysis.disclosure import SUPPRESSED
from jobcoach_model.analysis.records_pricing import STATUSES, PricedRecords
from jobcoach_model.analysis.records_release import PairRelease, RecordsRelease
from jobcoach_model.base.io import write_atomic
from jobcoach_model.base.money import usd
from jobcoach_model.base.outputs import slug
from jobcoach_model.engine.adjudication import PAID
from jobcoach_model.engine.explain import statement_page
from jobcoach_model.presentation import glossary

#: the brief's colours for paid, held and denied money
COLOURS = {"paid": "#4C72B0", "held": "#DD8452", "denied": "#C44E52"}


def _money(v: float) -> str:
    return SUPPRESSED if pd.isna(v) else usd(v, cents=True)


def _count(v: float) -> str:
    return SUPPRESSED if pd.isna(v) else f"{int(v):,}"


def suppression_note(rel: RecordsRelease) -> str:
    """What a reader is told about suppressed cells (one sentence, or "")."""
    if not rel.threshold:
        return "Nothing is suppressed: this brief is for the agency's own analysts only."
    return (
        f"A cell is suppressed when it describes fewer than {rel.threshold} consumers, when "
        "one or two consumers hold most of its money, or when it could be worked out from "
        "the cells and totals shown; charts and findings show only what the tables show."
    )


def totals_table(rel: RecordsRelease) -> pd.DataFrame:
    """One row per rulebook: lines and money paid, held (not yet paid) and denied, exact."""
    rows = []
    t = rel.totals.set_index(["rulebook", "status"])
    for code in rel.codes:
        row = {"Rulebook": f"{code}: {rel.names[code]}"}
        for name in STATUSES.values():
            cell = t.loc[(code, name)]
            row[f"{name.capitalize()} lines"] = _count(cell["lines"])
            row[f"{name.capitalize()} (USD)"] = _money(cell["amount"])
        rows.append(row)
    return pd.DataFrame(rows)


def rule_table(rel: RecordsRelease) -> pd.DataFrame:
    """Held and denied money by rule, small cells suppressed."""
    f = rel.rules
    return pd.DataFrame(
        {
            "Rulebook": f["rulebook"],
            "Status": f["status"],
            "Rule": f["rule_id"].map(glossary.rule_label),
            "What the rule says": f["statement"],
            "Lines": f["lines"].map(_count),
            "Consumers": f["consumers"].map(_count),
            "Amount (USD)": f["amount"].map(_money),
        }
    )


def month_table(rel: RecordsRelease) -> pd.DataFrame:
    """Paid, held and denied money by month of service per rulebook, one row a month."""
    f = rel.months
    wide = f.pivot(index="month", columns=["rulebook", "status"], values="amount")
    order = [(c, s) for c in rel.codes for s in STATUSES.values()]
    wide = wide[order]
    out = pd.DataFrame({"Month": wide.index})
    served = f.drop_duplicates("month").set_index("month")["consumers"]
    out["Consumers"] = served.loc[wide.index].map(_count).to_numpy()
    for code, status in order:
        out[f"{code} {status}"] = wide[(code, status)].map(_money).to_numpy()
    return out


def plot_months(rel: RecordsRelease, ax: Axes | None = None) -> Axes:
    """Paid money by month of service under each rulebook (held and denied dashed), drawn
    from the released table: a suppressed month is a gap."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    styles = {"paid": "-", "held": "--", "denied": ":"}
    months = sorted(rel.months["month"].unique())
    for code in rel.codes:
        for status in STATUSES.values():
            part = rel.months[(rel.months["rulebook"] == code) & (rel.months["status"] == status)]
            y = part.set_index("month")["amount"].reindex(months) / 1e3
            if y.isna().all():
                continue
            ax.plot(
                months,
                y.to_numpy(),
                styles[status],
                label=f"{code} {status}",
                marker="o" if status == "paid" else None,
            )
    ax.set_ylabel("Thousand USD")
    ax.set_xlabel("Month of service")
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "every month is suppressed", ha="center", transform=ax.transAxes)
    ax.set_title("Money by month of service", fontsize=10)
    return ax


def bridge_frame(pair: PairRelease) -> pd.DataFrame | None:
    """The released bridge in the shape the cost brief's waterfall reads (exact: no
    interval); None when a total or the combined suppressed steps cannot be shown."""
    table = pair.bridge
    if table["amount"].isna().any():
        return None
    return table.assign(mean=table["amount"], p05=np.nan, p95=np.nan)


def bridge_table(pair: PairRelease) -> pd.DataFrame:
    """The bridge as a readable table: step, rule, what it says, the change to the cent."""
    rows = []
    for r in pair.bridge.itertuples():
        total = r.rule_id == "" and r.step.startswith("total: ")
        rows.append(
            {
                "Step": r.step.replace("total: ", "Total, ") if total else r.step,
                "Rule": glossary.rule_label(r.rule_id),
                "What the rule says": r.statement,
                "Change (USD)": _money(r.amount),
            }
        )
    return pd.DataFrame(rows)


def gains_table(pair: PairRelease) -> pd.DataFrame:
    """Who gains and who loses, by provider size band (suppressed bands blank)."""
    g = pair.gains
    return pd.DataFrame(
        {
            "Providers by size": g["band"],
            "Providers": g["providers"].map(_count),
            "Consumers": g["consumers"].map(_count),
            "Gain > 5%": g["gain_over_5pct"].map(_count),
            "Lose > 5%": g["lose_over_5pct"].map(_count),
            "Median change": g["median_change"].map(lambda v: SUPPRESSED if pd.isna(v) else usd(v)),
            "Median change (%)": g["median_change_share"].map(
                lambda v: SUPPRESSED if pd.isna(v) else f"{v:+.1%}"
            ),
            "Total change (USD)": g["total_change"].map(_money),
        }
    )


def largest_changes(pair: PairRelease) -> pd.DataFrame:
    """The providers whose money changes most, by provider id; only providers serving at
    least the threshold of consumers, and passing every rule, are named."""
    out = pair.providers
    return pd.DataFrame(
        {
            "Provider": out["provider_id"],
            "Consumers": out["consumers"],
            f"Under {pair.source} (USD)": out["from"].map(_money),
            f"Under {pair.target} (USD)": out["to"].map(_money),
            "Change (USD)": out["change"].map(_money),
            "Change (%)": out["change_share"].map(lambda v: "new" if np.isinf(v) else f"{v:+.1%}"),
        }
    ).reset_index(drop=True)


def hours_table(pair: PairRelease) -> pd.DataFrame:
    """Consumers whose coaching hours are paid under one rulebook and not the other."""
    h = pair.hours
    return pd.DataFrame(
        {
            "Paid under": h["paid_under"],
            "Unpaid under": h["unpaid_under"],
            "Consumers": h["consumers"].map(_count),
            "Lines": h["lines"].map(_count),
            "Hours": h["hours"].map(lambda v: SUPPRESSED if pd.isna(v) else f"{v:,.2f}"),
            "Money at the paying rulebook's terms (USD)": h["amount"].map(_money),
        }
    )


def findings(rel: RecordsRelease) -> list[str]:
    """The brief's opening sentences, from the released tables only: a suppressed figure
    is never stated, and the sentence says it is suppressed."""
    who = (
        f"{rel.consumers:,} consumers"
        if rel.consumers is not None
        else (f"fewer than {rel.threshold} consumers")
    )
    out = [
        f"{rel.lines:,} service lines of {who} and {rel.providers:,} providers, priced line "
        f"by line under {', '.join(rel.codes)}."
    ]
    t = rel.totals.set_index(["rulebook", "status"])["amount"]
    for code in rel.codes:
        said = [
            f"{_money(t[(code, s)])} {word}"
            for s, word in (("paid", "is paid"), ("held", "held (not yet paid)"),
                            ("denied", "of claims denied"))
            if not pd.isna(t[(code, s)])
        ]  # fmt: skip
        hidden = [s for s in STATUSES.values() if pd.isna(t[(code, s)])]
        if said:
            text = f"Under {code}, " + ", ".join(said[:-1]) + (" and " if len(said) > 1 else "")
            text += said[-1]
            text += f"; the {' and '.join(hidden)} money is suppressed." if hidden else "."
        else:
            text = f"Under {code}, every total is suppressed."
        out.append(text)
    if rel.totals["suppressed"].all():
        out.append(
            "This export is too small to release any total: each describes fewer than "
            f"{rel.threshold} consumers, or could be worked out from one that does. A brief "
            "with suppression switched off shows every cell, for the agency's own analysts."
        )
        return out
    for pair in rel.pairs:
        out += _pair_findings(pair)
    return out


def _pair_findings(pair: PairRelease) -> list[str]:
    out = []
    b = pair.bridge
    ends = b[b["rule_id"] == ""]["amount"]
    if ends.isna().any():
        out.append(
            f"How {pair.target} and {pair.source} differ on these lines is suppressed (a "
            "total describes too few consumers)."
        )
    else:
        start, end = float(ends.iloc[0]), float(ends.iloc[-1])
        diff = round(end - start, 2)
        steps = b[(b["rule_id"] != "") & (b["step"] != "suppressed steps")]
        steps = steps.reindex(steps["amount"].abs().sort_values(ascending=False).index)
        biggest = (
            f"; the largest step shown is {glossary.rule_label(steps['rule_id'].iloc[0])} "
            f"({usd(steps['amount'].iloc[0], cents=True)})"
            if len(steps)
            else ""
        )
        if diff == 0:
            head = f"On these very lines {pair.target} pays the same as {pair.source}"
        else:
            word = "more" if diff > 0 else "less"
            share = f" ({diff / start:+.1%})" if start else ""
            head = (
                f"On these very lines {pair.target} pays {usd(abs(diff), cents=True)} {word} "
                f"than {pair.source}{share}"
            )
        out.append(f"{head}{biggest}.")
    g = pair.gains[pair.gains["band"] == "all providers"].iloc[0]
    if not g["suppressed"]:
        out.append(
            f"Of {int(g['providers'])} providers, {int(g['gain_over_5pct'])} would gain more "
            f"than 5% and {int(g['lose_over_5pct'])} lose more than 5% under {pair.target}; "
            f"the median provider's change is {usd(g['median_change'])}."
        )
    h = pair.hours.iloc[0]
    if not h["suppressed"] and h["consumers"] > 0:
        out.append(
            f"{int(h['consumers']):,} consumers have {h['hours']:,.2f} coaching hours paid "
            f"under {pair.source} and unpaid under {pair.target}."
        )
    return out


def write_statements(p: PricedRecords, out: Path) -> list[Path]:
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
