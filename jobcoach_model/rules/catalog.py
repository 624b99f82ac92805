"""The rules catalog and the side-by-side table, generated from the rulebooks.

Nothing here is retyped: each row comes from a rule's statement and citation, each
interpretation from its file, so the table cannot drift from what the engine applies.
"""

from __future__ import annotations

import pandas as pd

from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.rulebook import get_rulebook, load_rulebook, topics
from jobcoach_model.rules import code_locations

SILENT = "silent"


CATALOG_COLUMNS = (
    "id",
    "rulebook",
    "topic",
    "effect",
    "basis",
    "statement",
    "source",
    "quote",
    "parameters",
    "interpretations",
    "code",
)


def rules_catalog(jurisdictions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every rule: id, rulebook, topic, effect, basis (cited, interpretation or
    assumption), statement, citation, the parameters and interpretations it reads, and
    ``code``: ``path:line`` (``;``-separated) of the code that implements it, each line
    showing the id (``jurisdiction`` repeats ``rulebook`` for older callers)."""
    rows = []
    for code in jurisdictions or codes():
        book = load_rulebook(code)
        for rule in book.rules:
            rows.append(
                {
                    "id": rule.id,
                    "rulebook": code,
                    "topic": rule.topic,
                    "effect": rule.effect,
                    "basis": rule.basis,
                    "statement": rule.statement,
                    "source": rule.reference.source,
                    "quote": rule.reference.quote,
                    "parameters": ";".join(rule.parameters),
                    "interpretations": ";".join(rule.interpretations),
                    "code": ";".join(code_locations(rule.id)),
                }
            )
    frame = pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
    frame["jurisdiction"] = frame["rulebook"]
    return frame


def rules_table(overrides: dict | None = None, citations: bool = True) -> pd.DataFrame:
    """The side-by-side table: one row per topic, a cell per registered jurisdiction.

    A cell lists the jurisdiction's rules on that topic (``ID: statement``, with the
    quoted clause when ``citations``); "silent" where its documents say nothing. Where an
    interpretation decides a point, the cell names it and the option in force.
    """
    books = {code: get_rulebook(code, (overrides or {}).get(code)) for code in codes()}
    rows = []
    for topic, title in topics():
        row = {"topic": title}
        for book in books.values():
            parts = []
            for rule in (r for r in book.rules if r.topic == topic):
                text = f"{rule.id}: {rule.statement}"
                for name in rule.interpretations:
                    text += f" [interpretation {name} = {book.choice(name)}]"
                if citations:
                    text += f' ({rule.reference.source}: "{rule.reference.quote}")'
                parts.append(text)
            row[book.name] = "\n".join(parts) if parts else SILENT
        rows.append(row)
    return pd.DataFrame(rows)


def interpretations_table() -> pd.DataFrame:
    """Every named interpretation: the question, its options, the default and why."""
    rows = []
    for code in codes():
        book = load_rulebook(code)
        for item in book.interpretations.values():
            rows.append(
                {
                    "jurisdiction": code,
                    "name": item.name,
                    "question": item.question,
                    "default": item.default,
                    "alternatives": "; ".join(o for o in item.options if o != item.default),
                    "reason": item.reason,
                    "source": item.reference.source,
                    "quote": item.reference.quote,
                }
            )
    return pd.DataFrame(rows)


def parameter_history() -> pd.DataFrame:
    """Every dated parameter value with its unit and reference (the rate history)."""
    rows = []
    for code in codes():
        book = load_rulebook(code)
        for param in book.parameters.values():
            for when, value, reference in param.cited_history():
                shown = "; ".join(value) if isinstance(value, list | tuple) else value
                shown = "(stops)" if value is None else shown
                rows.append(
                    {
                        "jurisdiction": code,
                        "parameter": param.name,
                        "effective": when.isoformat(),
                        "value": str(shown),
                        "unit": param.unit,
                        "source": reference.source,
                        "quote": reference.quote,
                        "note": param.note or "",
                    }
                )
    return pd.DataFrame(rows)
