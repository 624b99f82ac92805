"""The rulebooks: the side-by-side table, the contract's columns, the bundled example,
and a new jurisdiction's skeleton."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobcoach_model.base.outputs import output_folder
from jobcoach_model.cli.common import EXAMPLES, add_force, rules_code, show_table
from jobcoach_model.cli.records import adjudicate_files, summary_line


def _cmd_rules(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from jobcoach_model.rules.catalog import rules_catalog, rules_table

    if args.catalog:
        table = rules_catalog().drop(columns="jurisdiction")
    else:
        table = rules_table(citations=not args.no_citations)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False, lineterminator="\n"))
    elif args.format == "markdown":
        print(tabulate(table, "keys", "github", showindex=False))
    else:
        print(show_table(table, args.width))
    return 0


def _cmd_columns(args: argparse.Namespace) -> int:
    if args.template:  # a commented mapping file to edit
        from jobcoach_model.records.export_reader import TEMPLATE

        sys.stdout.write(TEMPLATE)
        return 0
    import pandas as pd

    from jobcoach_model.records.contract import TABLES

    rows = []
    for table in TABLES.values():
        for col in table.columns:
            kind = f"one of {', '.join(col.choices)}" if col.choices else col.kind
            rows.append(
                {
                    "table": table.name,
                    "column": col.name,
                    "type": kind,
                    "required": "yes" if col.required else "",
                    "default": "" if col.default is None else str(col.default),
                    "domain": col.domain.text() if col.domain else "",
                }
            )
    print(show_table(pd.DataFrame(rows), args.width))
    print("A mapping from an export's own headers: jobcoach columns --template > map.yaml")
    return 0


def _cmd_example(args: argparse.Namespace) -> int:
    from jobcoach_model.rules.catalog import rules_table

    output_folder(args.out, args.force)
    print(show_table(rules_table(citations=False), 55))
    from jobcoach_model.law.jurisdictions import compared

    for code in compared():
        out = args.out / f"example_{code}.csv"
        result = adjudicate_files(
            code,
            EXAMPLES / "cases.csv",
            EXAMPLES / "coaches.csv",
            EXAMPLES / "services.csv",
            {},
            out,
        )
        print(f"\n{code} rules on the example records -> {out}")
        print(f"  {summary_line(result)}")
    return 0


def _cmd_new_rulebook(args: argparse.Namespace) -> int:
    from jobcoach_model.rules.new_rulebook import write_skeleton

    folder = write_skeleton(args.code, args.name, args.into)
    print(f"{args.code.upper()}: a rulebook skeleton in {folder}")
    print("  replace each FILL IN with the source's words; README, 'Add a state', says how")
    return 0


def _cmd_rate_worksheet(args: argparse.Namespace) -> int:
    import datetime as dt

    from jobcoach_model.analysis.worksheet import load_coach, rate_worksheet
    from jobcoach_model.base.errors import CostsError
    from jobcoach_model.base.io import write_atomic
    from jobcoach_model.base.outputs import check_not_input, check_replaceable, record
    from jobcoach_model.presentation.worksheet_page import markdown, page

    if args.out is not None:
        check_not_input(args.out, [args.costs])
        check_replaceable(args.out, args.force)
    try:
        when = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise CostsError(f"--date {args.date!r}: expected a date as YYYY-MM-DD") from None
    ws = rate_worksheet(args.rules, load_coach(args.costs), when)
    text = page(ws) if args.format == "html" else markdown(ws)
    if args.out is None:
        sys.stdout.write(text)
    else:
        record(write_atomic(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8")))
        print(f"rate to offer {ws.offer:.2f} USD/hour (binding cap: {ws.binds}) -> {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's commands to the parser."""
    p = sub.add_parser(
        "rate-worksheet",
        help="one coach's costs turned into the cost-based rate, the rate to offer after "
        "the caps and which cap binds, each line with its clause",
    )
    p.add_argument("--rules", required=True, type=rules_code, metavar="CODE")
    p.add_argument("costs", type=Path, help="the coach's costs (YAML; see the README)")
    p.add_argument("--date", help="the day whose caps apply (YYYY-MM-DD; default: today)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    p.add_argument("--out", type=Path, help="write here (atomically) instead of printing")
    add_force(p)
    p.set_defaults(func=_cmd_rate_worksheet)

    p = sub.add_parser("rules", help="print the side-by-side rules table, a column per state")
    p.add_argument("--format", choices=("text", "csv", "markdown"), default="text")
    p.add_argument("--no-citations", action="store_true", help="leave out the quoted clauses")
    p.add_argument(
        "--catalog",
        action="store_true",
        help="one row per rule: id, rulebook, topic, effect, basis, statement, source, "
        "quote, parameters, interpretations and the code (path:line) that implements it",
    )
    p.add_argument("--width", type=int, default=60, help="column width for text output")
    p.set_defaults(func=_cmd_rules)

    p = sub.add_parser(
        "columns", help="the contract's columns, or (--template) a mapping file for an export"
    )
    p.add_argument("--template", action="store_true", help="print a commented example mapping file")
    p.add_argument("--width", type=int, default=40, help="column width of the table")
    p.set_defaults(func=_cmd_columns)

    p = sub.add_parser("example", help="rules table and the bundled example records, both states")
    p.add_argument("--out", type=Path, default=Path("reports/example"))
    add_force(p)
    p.set_defaults(func=_cmd_example)

    p = sub.add_parser("new-rulebook", help="write a new jurisdiction's folder (a skeleton)")
    p.add_argument("code", help="the state's two-letter code, e.g. NE")
    p.add_argument("--name", help="the state's name, e.g. Nebraska (default: the code)")
    p.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help="write DIR/<code>/ instead of into the package's rulebooks/ folder",
    )
    p.set_defaults(func=_cmd_new_rulebook)
