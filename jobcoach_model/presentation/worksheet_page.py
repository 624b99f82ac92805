"""The rate worksheet as a reader gets it: Markdown for a terminal or an e-mail, or a
self-contained HTML page to print (``jobcoach rate-worksheet``), the same lines in both:
the coach's costs with their sources, the cost-based rate, each cap with its clause,
the rate to offer and which cap binds."""

from __future__ import annotations

import html

from jobcoach_model.analysis.worksheet import Worksheet
from jobcoach_model.base.money import usd


def _title(ws: Worksheet) -> str:
    return f"Rate worksheet: {ws.coach.name} ({ws.book.name}, {ws.when.isoformat()})"


def _rows(ws: Worksheet) -> list[tuple[str, str, str]]:
    """(item, amount, what it rests on) for every line, in order."""
    c = ws.coach
    rows = [(line.label, usd(line.amount, cents=True), line.basis) for line in ws.lines]
    rows.append(("Costs for the year", usd(ws.yearly_cost, cents=True), ""))
    rows.append(
        (
            f"Billable hours ({c.hours_per_year:,.0f} hours x {c.billable_share:.0%} billable)",
            f"{c.billable_hours:,.1f}",
            "practitioner fee-for-service method (published_figures.md, Provider costs)",
        )
    )
    rule = f" ({ws.rate_rule})" if ws.rate_rule else ""
    rows.append(
        (
            "Cost-based rate (costs / billable hours)",
            f"{usd(ws.cost_rate, cents=True)}/hour",
            f"the rate is negotiated from the coach's costs{rule}",
        )
    )
    for cap in ws.caps:
        rows.append(
            (f"Cap: {cap.label} ({cap.rule_id})", f"{usd(cap.value, cents=True)}/hour", cap.basis)
        )
    rows.append(("Rate to offer", f"{usd(ws.offer, cents=True)}/hour", f"binding cap: {ws.binds}"))
    return rows


def _answer(ws: Worksheet) -> str:
    if ws.binding:
        return (
            f"Offer {usd(ws.offer, cents=True)} an hour: the coach's costs come to "
            f"{usd(ws.cost_rate, cents=True)} a billable hour, above the cap that binds "
            f"({ws.binds}), so the coach would be paid "
            f"{usd(ws.cost_rate - ws.offer, cents=True)} an hour below cost."
        )
    return (
        f"Offer {usd(ws.offer, cents=True)} an hour: the coach's costs of "
        f"{usd(ws.cost_rate, cents=True)} a billable hour are within every cap."
    )


def markdown(ws: Worksheet) -> str:
    """The worksheet as Markdown."""
    out = [
        f"# {_title(ws)}",
        "",
        _answer(ws),
        "",
        "| Item | Amount | Rests on |",
        "| --- | ---: | --- |",
    ]
    out += [f"| {a} | {b} | {c} |" for a, b, c in _rows(ws)]
    return "\n".join(out) + "\n"


def page(ws: Worksheet) -> str:
    """The worksheet as one self-contained HTML page (no script, nothing fetched)."""
    esc = html.escape
    body = "".join(
        f"<tr><td>{esc(a)}</td><td class='n'>{esc(b)}</td><td>{esc(c)}</td></tr>"
        for a, b, c in _rows(ws)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(_title(ws))}</title><style>"
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;"
        "padding:.3rem .5rem;vertical-align:top;text-align:left}td.n{text-align:right;"
        "white-space:nowrap}p.answer{font-size:1.1rem}</style></head><body>"
        f"<h1>{esc(_title(ws))}</h1><p class='answer'>{esc(_answer(ws))}</p>"
        "<table><thead><tr><th>Item</th><th>Amount</th><th>Rests on</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>\n"
    )
