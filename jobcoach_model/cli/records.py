"""An agency's records: adjudicate and explain them under a rulebook, calibrate a
scenario from them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jobcoach_model.base.errors import OutputError
from jobcoach_model.base.outputs import check_folder, check_not_input, check_replaceable, record
from jobcoach_model.base.words import counted
from jobcoach_model.cli.common import add_columns, add_force, add_set, parse_sets, rules_code

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def adjudicate_files(
    rules: str,
    cases: Path,
    coaches: Path,
    services: Path,
    overrides: dict,
    out: Path,
    columns: Path | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Adjudicate an export's three tables under one rulebook and write the result
    atomically, as Parquet (``.parquet``), Excel (``.xlsx``) or CSV by ``out``'s extension."""
    from jobcoach_model.base.io import write_table
    from jobcoach_model.engine.adjudication import adjudicate
    from jobcoach_model.records.inputs import export_terms, input_paths, read_inputs

    check_not_input(out, input_paths(cases, coaches, services, columns))
    check_replaceable(out, force)
    inputs = read_inputs(cases, coaches, services, columns)
    with export_terms(inputs):
        result = adjudicate(
            *inputs.frames, rules=rules, overrides=overrides, sources=inputs.sources
        )
    record(write_table(result, out, money=("rate", "amount")))
    return result


def summary_line(result: pd.DataFrame) -> str:
    from jobcoach_model.base.money import usd
    from jobcoach_model.engine.adjudication import STATUSES

    by = result.groupby("status")["amount"].agg(["count", "sum"]).reindex(list(STATUSES))
    by = by.fillna(0)
    return ", ".join(
        f"{s} {counted(int(r['count']), 'line')} {usd(r['sum'], cents=True)}"
        for s, r in by.iterrows()
    )


def _cmd_adjudicate(args: argparse.Namespace) -> int:
    result = adjudicate_files(
        args.rules,
        args.cases,
        args.coaches,
        args.services,
        parse_sets(args.set),
        args.out,
        args.columns,
        args.force,
    )
    print(f"{args.rules}: {counted(len(result), 'line')} -> {args.out} ({summary_line(result)})")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from jobcoach_model.base.io import write_atomic
    from jobcoach_model.engine.explain import explain_lines, markdown, statement_html
    from jobcoach_model.law.rulebook import get_rulebook
    from jobcoach_model.records.inputs import export_terms, input_paths, read_inputs

    paths = (args.cases, args.coaches, args.services)
    if args.out is not None:
        check_not_input(args.out, input_paths(*paths, args.columns))
        check_replaceable(args.out, args.force)
    inputs = read_inputs(*paths, args.columns)
    book = get_rulebook(args.rules, parse_sets(args.set))
    with export_terms(inputs):
        found = explain_lines(
            *inputs.frames,
            rules=book,
            line=args.line,
            case=args.case,
            provider=args.provider,
            sources=inputs.sources,
        )
    if args.format == "html":
        what = (
            f"line {args.line}"
            if args.line
            else (f"case {args.case}" if args.case else f"provider {args.provider}")
        )
        text = statement_html(found, book, f"{book.name} job-coaching statement: {what}")
    else:
        text = markdown(found, book)
    if args.out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        record(write_atomic(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8")))
        print(f"{counted(len(found), 'line')} explained -> {args.out}")
    return 0


def _replications(raw: str) -> int:
    """The fit check's replications (argparse's ``type``): a whole number, 0 to 1,000."""
    try:
        n = int(raw)
    except ValueError:
        n = -1
    if not 0 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 1000, got {raw!r}")
    return n


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from jobcoach_model.base.io import write_atomic
    from jobcoach_model.calibration.calibrate import calibrate
    from jobcoach_model.caseloads.scenario import load_scenario
    from jobcoach_model.records.inputs import input_paths, read_lines

    paths = (args.cases, args.coaches, args.services)
    inputs = [*input_paths(*paths, args.columns), args.base]
    check_not_input(args.out, inputs)  # --base X --out X would replace its own input
    check_replaceable(args.out, args.force)
    if args.report is not None:  # every output is checked before anything is written
        if Path(args.report).resolve() == Path(args.out).resolve():
            raise OutputError(f"--report {args.report}: is the --out file; choose a folder")
        check_not_input(args.report, inputs, "--report")
        check_folder(args.report, args.force, "--report")
    base = load_scenario(args.base)
    lines = read_lines(*paths, args.columns)
    names = {k: str(p) for k, p in zip(("cases", "coaches", "services"), paths, strict=True)}
    result = calibrate(lines, base, names)
    fitted = result.scenario()  # the written scenario validates as any other
    check = None
    if args.check_replications:  # the gate: does the scenario reproduce its records?
        from jobcoach_model.calibration.fit_report import fit_check

        check = fit_check(lines, fitted, None, args.check_replications, Path(args.services).name)
        result.data["fit_check"] = check.model_dump(mode="json")
        result.scenario()
    text = result.yaml()
    record(write_atomic(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8")))
    print(f"{result.provenance} -> {args.out}")
    print(f"  fitted ({len(result.fits)}):")
    for fit in result.fits:
        value = fit.value
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        interval = f"  ({fit.interval()})" if fit.interval() else f"  ({fit.basis})"
        print(f"    {fit.path} = {value}{interval}")
    print(f"  kept from {base.name} (not in the records; assumptions as before): ")
    print("    " + ", ".join(result.kept))
    for note in result.notes:
        print(f"  note: {note}")
    if check is not None:
        from jobcoach_model.presentation.findings import fit_sentence

        print(f"  fit check ({args.check_replications} replications): {fit_sentence(check)}")
    if args.report is not None:
        from jobcoach_model.presentation.brief import make_fit_report

        page = make_fit_report(
            *paths, args.out, args.report, args.columns, progress=False, force=args.force
        )
        print(f"  fit report -> {page}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's commands to the parser."""
    p = sub.add_parser("adjudicate", help="pay, hold or deny service lines under one rulebook")
    p.add_argument("--rules", required=True, type=rules_code, metavar="CODE")
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    add_set(p, "NAME=VALUE", "override a rulebook parameter or interpretation")
    add_columns(p)
    p.add_argument("--out", required=True, type=Path, help="result file: .csv, .parquet or .xlsx")
    add_force(p)
    p.set_defaults(func=_cmd_adjudicate)

    p = sub.add_parser(
        "calibrate", help="a scenario fitted to an agency's records (cases, coaches, services)"
    )
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    add_columns(p)
    p.add_argument(
        "--base",
        default="baseline",
        help="the scenario whose values are kept where the records say nothing "
        "(default: the bundled baseline)",
    )
    p.add_argument("--out", required=True, type=Path, help="the calibrated scenario (YAML)")
    p.add_argument(
        "--check-replications",
        type=_replications,
        default=20,
        metavar="N",
        help="replications of the fit check (does the calibrated scenario reproduce the "
        "records' amount paid per case under each rulebook? written into the scenario, and "
        "every brief of it opens with it; default 20; 0: no check)",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write the fit report (records against the calibrated scenario's "
        "simulated band) as DIR/report.html",
    )
    add_force(p)
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser(
        "explain", help="why a line was paid, held or denied: every rule, its values, its clause"
    )
    p.add_argument("--rules", required=True, type=rules_code, metavar="CODE")
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--line", help="a service_id")
    which.add_argument("--case", help="every line of a case_id")
    which.add_argument("--provider", help="every line of a provider_id (a statement)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    add_columns(p)
    p.add_argument("--out", type=Path, help="write here (atomically) instead of printing")
    add_set(p, "NAME=VALUE", "override a rulebook parameter or interpretation")
    add_force(p)
    p.set_defaults(func=_cmd_explain)
