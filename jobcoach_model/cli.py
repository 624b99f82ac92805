"""The ``jobcoach`` command line: rules, adjudication, simulation, briefs, explorer.

Every input problem ends in one line on stderr naming the file, row and column, and exit
code 2; nothing is written unless the whole result is.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import JobcoachError, OutputError, OverrideError
from .outputs import check_not_input, check_replaceable, output_folder, record

if TYPE_CHECKING:  # a command imports what it uses, so `jobcoach --help` starts fast
    import pandas as pd

EXAMPLES = Path(__file__).parent / "examples"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_sets(items: Sequence[str] | None) -> dict[str, str]:
    """``NAME=VALUE`` pairs from ``--set`` options."""
    out: dict[str, str] = {}
    for item in items or ():
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise OverrideError(f"--set {item!r}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def show_table(frame: pd.DataFrame, width: int = 60) -> str:
    """A DataFrame as a wrapped plain-text grid for the terminal."""
    from tabulate import tabulate

    widths = [width] * len(frame.columns)
    return tabulate(
        frame.values.tolist(),
        headers=list(frame.columns),
        tablefmt="grid",
        maxcolwidths=widths,
        disable_numparse=True,
    )


def _cmd_rules(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from .catalog import rules_catalog, rules_table

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
    from .adjudication import adjudicate
    from .inputs import export_terms, input_paths, read_inputs
    from .io import write_table

    check_not_input(out, input_paths(cases, coaches, services, columns))
    check_replaceable(out, force)
    inputs = read_inputs(cases, coaches, services, columns)
    with export_terms(inputs):
        result = adjudicate(
            *inputs.frames, rules=rules, overrides=overrides, sources=inputs.sources
        )
    record(write_table(result, out))
    return result


def _summary(result: pd.DataFrame) -> str:
    from .adjudication import STATUSES
    from .money import usd

    by = result.groupby("status")["amount"].agg(["count", "sum"]).reindex(list(STATUSES))
    by = by.fillna(0)
    return ", ".join(
        f"{s} {int(r['count'])} lines {usd(r['sum'], cents=True)}" for s, r in by.iterrows()
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
    print(f"{args.rules}: {len(result)} lines -> {args.out} ({_summary(result)})")
    return 0


def _add_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--columns",
        type=Path,
        help="a column mapping (YAML) from an export's own headers, spellings and date "
        "formats to the contract (jobcoach columns --template)",
    )


def _cmd_columns(args: argparse.Namespace) -> int:
    if args.template:  # a commented mapping file to edit
        from .exports import TEMPLATE

        sys.stdout.write(TEMPLATE)
        return 0
    import pandas as pd

    from .records import TABLES

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


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain_lines, markdown, statement_html
    from .inputs import export_terms, input_paths, read_inputs
    from .io import write_atomic
    from .rulebook import get_rulebook

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
        print(f"{len(found)} line(s) explained -> {args.out}")
    return 0


def _cmd_example(args: argparse.Namespace) -> int:
    from .catalog import rules_table

    output_folder(args.out, args.force)
    print(show_table(rules_table(citations=False), 55))
    from .jurisdictions import compared

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
        print(f"  {_summary(result)}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .budget import check, estimate
    from .scenario import load_scenario

    for path in args.scenario:
        scenario = load_scenario(path, parse_sets(args.set))
        schemes = ", ".join(s.name for s in scenario.schemes)
        print(
            f"{path}: ok ({scenario.caseload.consumers:,} consumers, "
            f"{scenario.caseload.weeks} weeks, {scenario.simulation.replications} replications; "
            f"schemes: {schemes})"
        )
        check(scenario)  # a run that cannot fit is refused here, before the estimate
        print(f"  {estimate(scenario).describe()}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .budget import check
    from .runner import run, write_outputs
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario, parse_sets(args.set))
    check(scenario)  # before any folder is made or array allocated
    output_folder(args.out, args.force)
    results = run(scenario, progress=sys.stderr.isatty(), check=False)
    written = write_outputs(results, args.out)
    print(f"{scenario.name}: {scenario.simulation.replications} replications -> {args.out}")
    print("  " + ", ".join(p.name for p in written))
    headline = results.summary[results.summary["metric"] == "total_paid"]
    for row in headline.itertuples():
        print(
            f"  {row.scheme}: total paid ${row.mean:,.0f} "
            f"(90% interval ${row.p05:,.0f}-${row.p95:,.0f})"
        )
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate
    from .inputs import input_paths, read_lines
    from .io import write_atomic
    from .scenario import load_scenario

    paths = (args.cases, args.coaches, args.services)
    check_not_input(args.out, input_paths(*paths, args.columns))
    check_replaceable(args.out, args.force)
    base = load_scenario(args.base)
    lines = read_lines(*paths, args.columns)
    names = {k: str(p) for k, p in zip(("cases", "coaches", "services"), paths, strict=True)}
    result = calibrate(lines, base, names)
    result.scenario()  # the written scenario validates as any other
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
    if args.report is not None:
        from .brief import make_fit_report

        page = make_fit_report(
            *paths, args.out, args.report, args.columns, progress=False, force=args.force
        )
        print(f"  fit report -> {page}")
    return 0


def _cmd_brief(args: argparse.Namespace) -> int:
    from .brief import make_brief, make_records_brief
    from .inputs import input_paths

    records = [args.cases, args.coaches, args.services]
    if any(records):
        if args.scenario or args.all:
            raise OverrideError(
                "brief: expected a SCENARIO or --cases/--coaches/--services, not both"
            )
        if not all(records):
            raise OverrideError("brief: a records brief needs --cases, --coaches and --services")
        if args.out is not None:
            check_not_input(args.out, input_paths(*records, args.columns))
        html = make_records_brief(
            *records,
            columns=args.columns,
            rules=args.rules,
            sets=parse_sets(args.set),
            out=args.out,
            progress=not args.quiet,
            suppress_below=args.suppress_below,
            force=args.force,
        )
        print(html)
        return 0
    if args.all:
        paths = sorted(Path("scenarios").glob("*.yaml"))
        if not paths:
            raise JobcoachError(
                "scenarios/: expected scenario files (*.yaml); run from the project folder"
            )
        if args.out:
            raise OverrideError(
                "--out: expected no --out with --all (each brief goes to reports/<name>/)"
            )
        _refuse_shared_folders(paths)
    elif args.scenario:
        paths = [args.scenario]
    else:
        raise OverrideError("brief: expected a SCENARIO file or --all")
    for path in paths:
        html = make_brief(
            path,
            args.out,
            parse_sets(args.set),
            progress=not args.quiet,
            suppress_below=args.suppress_below,
            force=args.force,
        )
        print(html)
    return 0


def _refuse_shared_folders(paths: list[Path]) -> None:
    """Two scenarios whose names give one brief folder would keep one brief and lose the
    other: refused up front, naming both files."""
    from .outputs import slug
    from .scenario import read_scenario_data

    folders: dict[str, Path] = {}
    for path in paths:
        name = str(read_scenario_data(path).get("name") or path.stem)
        folder = slug(name)
        if folder in folders:
            raise OutputError(
                f"brief --all: {folders[folder]} and {path} both write reports/{folder}/ "
                "(their names differ only in case or punctuation, or are the same); "
                "give one of them another name"
            )
        folders[folder] = path


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from .brief import RECORD_SUITE, execute_suite
    from .resources import IN_CHECKOUT, scenario_path

    scenario = scenario_path(args.scenario).resolve() if args.scenario else None
    parameters = {"scenario": str(scenario)} if scenario else None
    out = args.out
    if out is None and not IN_CHECKOUT:  # installed notebooks are never written in place
        out = Path("notebooks")
    if out is not None:
        output_folder(out, args.force)
    for path in execute_suite(out, parameters, progress=not args.quiet):
        print(path)
    for path in execute_suite(out, None, RECORD_SUITE, progress=not args.quiet):
        print(path)  # on their own bundled sample export
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from .resources import bundled_scenarios
    from .scenario import read_scenario_data

    for name, path in bundled_scenarios().items():
        description = " ".join(str(read_scenario_data(path).get("description", "")).split())
        print(f"{name:<22} {description}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    import shutil

    from .resources import NOTEBOOKS, bundled_scenarios

    out = output_folder(args.folder, args.force, option="init")
    plan = [
        (path, out / "scenarios" / f"{name}.yaml") for name, path in bundled_scenarios().items()
    ]
    notebooks = sorted([*NOTEBOOKS.glob("*.ipynb"), *NOTEBOOKS.glob("*.cfg")])
    plan += [(path, out / "notebooks" / path.name) for path in notebooks]
    # a copy the user has edited is theirs now: nothing is copied while one would be lost
    edited = [t for s, t in plan if t.exists() and t.read_bytes() != s.read_bytes()]
    if edited and not args.force:
        shown = ", ".join(str(t.relative_to(out)) for t in edited[:3])
        more = f" and {len(edited) - 3} more" if len(edited) > 3 else ""
        raise OutputError(
            f"init {out}: {shown}{more} differ from the bundled copies (edited since the "
            "last init?); nothing was copied; choose a new folder, or pass --force to "
            "replace them"
        )
    (out / "scenarios").mkdir(exist_ok=True)
    (out / "notebooks").mkdir(exist_ok=True)
    copied = 0
    for source, target in plan:
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            copied += 1
    print(f"{copied} of {len(plan)} files -> {out}/scenarios and {out}/notebooks")
    print(f"  edit a scenario, then: jobcoach brief {out}/scenarios/baseline.yaml")
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from .explorer import serve

    return serve(args.port, args.export_dir, args.max_sessions)


def _cmd_bridge(args: argparse.Namespace) -> int:
    from .bridge import bridge
    from .money import usd
    from .reports import write_bridge
    from .scenario import load_scenario

    check_not_input(args.out, (args.scenario,))
    check_not_input(args.chart, (args.scenario,), "--chart")
    scenario = load_scenario(args.scenario, parse_sets(args.set))
    b = bridge(scenario, args.source, args.target)
    table = b.table()
    shown = table.assign(
        **{c: table[c].map(lambda v: usd(v, cents=True)) for c in ("mean", "p05", "p95")}
    )
    print(show_table(shown.drop(columns=["statement"]), 40))
    exact = bool((b.per_replication.sum(axis=1).to_numpy() == b.to_total - b.from_total).all())
    print(
        f"{len(b.steps)} steps over {scenario.simulation.replications} replications; "
        f"they add up to the difference in every replication: {'yes' if exact else 'NO'}"
    )
    for path in write_bridge(b, args.out, args.chart):
        print(f"  -> {path}")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from .reports import write_sensitivity
    from .scenario import load_scenario_data, scenario_from_dict
    from .sensitivity import run_sensitivity

    base, source = load_scenario_data(args.scenario, parse_sets(args.set))
    scenario = scenario_from_dict(base, source)
    from .budget import check_runs
    from .sensitivity import plan

    check_runs(
        scenario,
        plan(scenario, args.replications, args.sobol),
        _parallel(args),
        str(args.scenario),
        "--replications or --sobol",
    )
    output_folder(args.out, args.force)
    sens = run_sensitivity(
        base,
        source,
        scenario,
        replications=args.replications,
        sobol=args.sobol,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    for note in sens.notes:
        print(note)
    from .why_figures import overturn_sentences

    for sentence in overturn_sentences(sens):
        print(f"  {sentence}")
    for path in write_sensitivity(sens, args.out):
        print(f"  -> {path}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .budget import check_runs
    from .reports import write_sweep
    from .scenario import scenario_from_dict
    from .sweep import count_points, expand, load_sweep, run_points

    spec, base, source = load_sweep(args.sweep)
    scenario = scenario_from_dict(base, source)
    reps = scenario.simulation.replications
    shrink = "the grid's values or points" + (" (or use --workers)" if not args.scheduler else "")
    check_runs(scenario, [(count_points(spec), reps)], _parallel(args), str(args.sweep), shrink)
    points = expand(spec)  # counted and timed first: a grid too large is never built
    output_folder(args.out, args.force)
    results = run_points(
        base,
        source,
        points,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
        desc="sweep",
    )
    failed = [(i, r.error) for i, r in enumerate(results) if r.error]
    for i, error in failed:
        print(f"jobcoach: point {i} failed: {error}", file=sys.stderr)
    written = write_sweep(points, results, args.out)
    print(f"{len(points) - len(failed)} of {len(points)} points ran -> {written[0]}")
    if failed:
        print(f"  {len(failed)} failed, listed in {written[1]}")
    return 0 if len(failed) < len(points) else 2


def _parallel(args: argparse.Namespace) -> int:
    """Points run at once: the local workers (a cluster behind --scheduler counts as 2,
    its size being unknown until it is asked)."""
    return 2 if args.scheduler else max(1, args.workers)


def _add_cluster(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="worker processes of a local Dask cluster (0: run here, one point at a time)",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask cluster behind this scheduler"
    )


def _add_time_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="refuse a run estimated to take longer (default 3600; 0: no limit)",
    )


def _add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder, or over a file, that this tool did not write (or that "
        "was edited since)",
    )


def _add_set(parser: argparse.ArgumentParser, metavar: str, text: str) -> None:
    parser.add_argument("--set", action="append", metavar=metavar, help=text)


def _rules_code(raw: str) -> str:
    """A registered jurisdiction's code (argparse's ``type`` for ``--rules``)."""
    from .jurisdictions import codes

    code = raw.strip().upper()
    if code not in codes():
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(codes())}, got {raw!r}")
    return code


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser with every subcommand."""
    parser = _Parser(
        prog="jobcoach",
        description="State vocational-rehabilitation job-coaching policy: the rules side by side, "
        "adjudication of service records, caseload simulation, cost briefs and a "
        "what-if explorer.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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

    p = sub.add_parser("adjudicate", help="pay, hold or deny service lines under one rulebook")
    p.add_argument("--rules", required=True, type=_rules_code, metavar="CODE")
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    _add_set(p, "NAME=VALUE", "override a rulebook parameter or interpretation")
    _add_columns(p)
    p.add_argument("--out", required=True, type=Path, help="result file: .csv, .parquet or .xlsx")
    _add_force(p)
    p.set_defaults(func=_cmd_adjudicate)

    p = sub.add_parser(
        "calibrate", help="a scenario fitted to an agency's records (cases, coaches, services)"
    )
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    _add_columns(p)
    p.add_argument(
        "--base",
        default="baseline",
        help="the scenario whose values are kept where the records say nothing "
        "(default: the bundled baseline)",
    )
    p.add_argument("--out", required=True, type=Path, help="the calibrated scenario (YAML)")
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write the fit report (records against the calibrated scenario's "
        "simulated band) as DIR/report.html",
    )
    _add_force(p)
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser(
        "columns", help="the contract's columns, or (--template) a mapping file for an export"
    )
    p.add_argument("--template", action="store_true", help="print a commented example mapping file")
    p.add_argument("--width", type=int, default=40, help="column width of the table")
    p.set_defaults(func=_cmd_columns)

    p = sub.add_parser(
        "explain", help="why a line was paid, held or denied: every rule, its values, its clause"
    )
    p.add_argument("--rules", required=True, type=_rules_code, metavar="CODE")
    p.add_argument("--cases", required=True, type=Path)
    p.add_argument("--coaches", required=True, type=Path)
    p.add_argument("--services", required=True, type=Path)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--line", help="a service_id")
    which.add_argument("--case", help="every line of a case_id")
    which.add_argument("--provider", help="every line of a provider_id (a statement)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    _add_columns(p)
    p.add_argument("--out", type=Path, help="write here (atomically) instead of printing")
    _add_set(p, "NAME=VALUE", "override a rulebook parameter or interpretation")
    _add_force(p)
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("validate", help="check scenario files against the schema")
    p.add_argument("scenario", nargs="+", type=Path)
    _add_set(p, "PATH=VALUE", "change a scenario field by its dotted path first")
    _add_time_limit(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("simulate", help="simulate a scenario and price it under every scheme")
    p.add_argument("scenario", type=Path)
    _add_set(
        p, "PATH=VALUE", "change a scenario field by its dotted path, e.g. caseload.consumers=2000"
    )
    p.add_argument("--out", required=True, type=Path)
    _add_force(p)
    _add_time_limit(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser(
        "brief",
        help="the cost brief of a scenario, or the records brief of an export "
        "(--cases/--coaches/--services), as HTML and CSV",
    )
    p.add_argument("scenario", nargs="?", type=Path)
    p.add_argument("--all", action="store_true", help="every scenario in scenarios/")
    p.add_argument("--cases", type=Path, help="records brief: the export's cases table")
    p.add_argument("--coaches", type=Path, help="records brief: the export's coaches table")
    p.add_argument("--services", type=Path, help="records brief: the export's service lines")
    _add_columns(p)
    p.add_argument(
        "--rules",
        help="records brief: the rulebook codes to price under, comma-separated, in order "
        "(default: every rulebook; jobcoach rules lists them)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default reports/<scenario name>/, or reports/records-<services>/)",
    )
    _add_set(
        p,
        "PATH=VALUE",
        "change a scenario field by its dotted path (records brief: a rulebook parameter, "
        "CODE.name to one rulebook)",
    )
    p.add_argument(
        "--suppress-below",
        type=int,
        default=10,
        metavar="N",
        help="suppress table cells describing fewer than N consumers (0: none)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_force(p)
    _add_time_limit(p)
    p.set_defaults(func=_cmd_brief)

    p = sub.add_parser("notebooks", help="execute the notebook suite with papermill")
    p.add_argument(
        "--scenario", type=Path, help="run on this scenario (default: each notebook's own)"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="write executed copies here (default: in place in a checkout, else ./notebooks)",
    )
    p.add_argument("--quiet", action="store_true")
    _add_force(p)
    p.set_defaults(func=_cmd_notebooks)

    p = sub.add_parser("explore", help="serve the what-if explorer with Voila on 127.0.0.1")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument(
        "--export-dir", type=Path, help="the only folder Export may write into (default: here)"
    )
    p.add_argument(
        "--max-sessions",
        type=int,
        default=4,
        help="browser sessions served at once (each runs a kernel; default 4)",
    )
    p.set_defaults(func=_cmd_explore)

    p = sub.add_parser("bridge", help="why two schemes' totals differ, step by rule id")
    p.add_argument("scenario", type=Path)
    p.add_argument("--from", dest="source", required=True, metavar="NAME", help="a scheme name")
    p.add_argument("--to", dest="target", required=True, metavar="NAME", help="a scheme name")
    p.add_argument("--out", type=Path, help="write the steps as CSV")
    p.add_argument("--chart", type=Path, help="write the waterfall chart (PNG or SVG)")
    _add_set(p, "PATH=VALUE", "change a scenario field by its dotted path")
    p.set_defaults(func=_cmd_bridge)

    p = sub.add_parser(
        "sensitivity", help="interpretations, tornado and Sobol indices of a scenario's totals"
    )
    p.add_argument("scenario", type=Path)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--sobol", type=int, metavar="N", help="also Sobol indices, N base samples")
    p.add_argument(
        "--replications",
        type=int,
        default=50,
        help="replications per point (default 50: the baseline's run fits in 2 minutes)",
    )
    _add_cluster(p)
    _add_set(p, "PATH=VALUE", "change a scenario field by its dotted path")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_force(p)
    _add_time_limit(p)
    p.set_defaults(func=_cmd_sensitivity)

    p = sub.add_parser("sweep", help="run a scenario at many points on Dask")
    p.add_argument("sweep", type=Path, help="sweep file (YAML: scenario, grid and/or sample)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_cluster(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_force(p)
    _add_time_limit(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("scenarios", help="list the bundled scenarios (usable by name)")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("init", help="copy the bundled scenarios and notebooks into a folder")
    p.add_argument("folder", type=Path)
    _add_force(p)
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("example", help="rules table and the bundled example records, both states")
    p.add_argument("--out", type=Path, default=Path("reports/example"))
    _add_force(p)
    p.set_defaults(func=_cmd_example)
    return parser


def _stop(signum: int, _frame) -> None:
    """SIGINT, SIGTERM and SIGHUP end the command alike: every ``finally`` and context
    manager runs, so clusters, kernels and temporary files are cleaned up, and what the
    closing cluster or the notebook runner would log about the cancelled work (a dask
    worker's lost heartbeat, papermill's "Kernel died while waiting for execute reply")
    is silenced: one line stays."""
    import logging

    for name in ("distributed", "tornado", "asyncio", "papermill", "nbclient", "traitlets"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jobcoach`` command."""
    args = build_parser().parse_args(argv)  # --help ends here, having imported nothing big
    from .budget import TIME_LIMIT_ENV

    limit_before = os.environ.get(TIME_LIMIT_ENV)
    if getattr(args, "time_limit", None) is not None:
        os.environ[TIME_LIMIT_ENV] = str(args.time_limit)  # kernels and workers inherit it
    # SIGINT too, explicitly: a process started in the background by a shell script
    # inherits SIGINT ignored, and would otherwise run on after Ctrl-C or kill -INT
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, _stop) for s in stops}
    try:
        return args.func(args)
    except JobcoachError as err:
        print(f"jobcoach: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an unwritable or vanished output: one line, not a traceback
        where = f" {err.filename}" if err.filename else ""
        print(f"jobcoach: error: cannot write{where}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        why = str(err) or "SIGINT"
        print(f"jobcoach: stopped ({why}); nothing half-written was left", file=sys.stderr)
        return 130
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if limit_before is None:
            os.environ.pop(TIME_LIMIT_ENV, None)
        else:
            os.environ[TIME_LIMIT_ENV] = limit_before


if __name__ == "__main__":
    sys.exit(main())
