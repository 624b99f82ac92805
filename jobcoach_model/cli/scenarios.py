"""Scenarios: validate, simulate, brief, bridge, the notebooks, the explorer, the bundled
files and a user's own copy of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobcoach_model.base.errors import JobcoachError, OutputError, OverrideError
from jobcoach_model.base.outputs import check_not_input, output_folder
from jobcoach_model.cli.common import (
    add_columns,
    add_force,
    add_set,
    add_time_limit,
    parse_sets,
    show_table,
)


def _cmd_validate(args: argparse.Namespace) -> int:
    from jobcoach_model.caseloads.budget import check, estimate
    from jobcoach_model.caseloads.scenario import load_scenario

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
    from jobcoach_model.caseloads.budget import check
    from jobcoach_model.caseloads.results import write_outputs
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.caseloads.scenario import load_scenario

    scenario = load_scenario(args.scenario, parse_sets(args.set))
    check(scenario)  # before any folder is made or array allocated
    output_folder(args.out, args.force)
    results = run(scenario, progress=sys.stderr.isatty())
    from jobcoach_model.caseloads.provenance import provenance, write_manifest

    written = [*write_outputs(results, args.out), write_manifest(args.out, provenance(scenario))]
    print(f"{scenario.name}: {scenario.simulation.replications} replications -> {args.out}")
    print("  " + ", ".join(p.name for p in written))
    if scenario.responses is not None:  # which caseload the records are
        print(
            f"  records: replication 0 of {scenario.schemes[0].name}'s caseload (providers "
            "respond, so each kind of pay has its own; the totals price each scheme on its own)"
        )
    headline = results.summary[results.summary["metric"] == "total_paid"]
    for row in headline.itertuples():
        print(
            f"  {row.scheme}: total paid ${row.mean:,.0f} "
            f"(90% interval ${row.p05:,.0f}-${row.p95:,.0f})"
        )
    return 0


def _cmd_brief(args: argparse.Namespace) -> int:
    from jobcoach_model.presentation.brief import make_brief, make_records_brief
    from jobcoach_model.records.inputs import input_paths

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
            pdf=args.pdf,
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
            workers=args.workers,
            pdf=args.pdf,
        )
        print(html)
    return 0


def _workers(raw: str) -> int:
    """A cost brief's worker processes (argparse's ``type``): 0 to 8."""
    try:
        n = int(raw)
    except ValueError:
        n = -1
    if not 0 <= n <= 8:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 8, got {raw!r}")
    return n


def _refuse_shared_folders(paths: list[Path]) -> None:
    """Two scenarios whose names give one brief folder would keep one brief and lose the
    other: refused up front, naming both files."""
    from jobcoach_model.base.outputs import slug
    from jobcoach_model.caseloads.scenario import read_scenario_data

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
    from jobcoach_model.base.errors import BriefError
    from jobcoach_model.base.resources import IN_CHECKOUT, scenario_path
    from jobcoach_model.presentation.brief import RECORD_SUITE, SUITE, execute_suite

    scenario = scenario_path(args.scenario).resolve() if args.scenario else None
    parameters = _notebook_parameters(args.param)
    if scenario:
        parameters["scenario"] = str(scenario)
    suite, records = SUITE, RECORD_SUITE
    if args.only:
        wanted = [name if name.endswith(".ipynb") else f"{name}.ipynb" for name in args.only]
        for name in wanted:
            if name not in (*SUITE, *RECORD_SUITE):
                raise BriefError(
                    f"--only {name.removesuffix('.ipynb')}: no such notebook (expected one of "
                    + ", ".join(n.removesuffix(".ipynb") for n in (*SUITE, *RECORD_SUITE))
                    + ")"
                )
        suite = tuple(n for n in SUITE if n in wanted)
        records = tuple(n for n in RECORD_SUITE if n in wanted)
    if args.check:
        if args.out or scenario or parameters:
            raise BriefError(
                "notebooks --check: compares a notebook run on its own parameters with its "
                "stored outputs; leave out --out, --scenario and --param"
            )
        from jobcoach_model.presentation.notebook_check import check_notebooks

        found = check_notebooks((*suite, *records), progress=not args.quiet)
        for line in found:
            print(line)
        names = ", ".join(n.removesuffix(".ipynb") for n in (*suite, *records))
        print(f"{len(found)} cells differ ({names})" if found else f"same outputs: {names}")
        return 1 if found else 0
    out = args.out
    if out is None and not IN_CHECKOUT:  # installed notebooks are never written in place
        out = Path("notebooks")
    if out is not None:
        output_folder(out, args.force)
    for path in execute_suite(out, parameters or None, suite, progress=not args.quiet):
        print(path)
    for path in execute_suite(out, None, records, progress=not args.quiet):
        print(path)  # on their own bundled sample export
    return 0


def _notebook_parameters(items: list[str] | None) -> dict:
    """``--param NAME=VALUE`` pairs for the scenario notebooks' parameters cell, each
    value read as a YAML scalar (``3`` a number, ``null`` None, ``abc`` text)."""
    import yaml

    from jobcoach_model.base.errors import BriefError

    out: dict = {}
    for item in items or ():
        name, eq, value = item.partition("=")
        if not eq or not name.strip().isidentifier():
            raise BriefError(f"--param {item!r}: expected NAME=VALUE, NAME a parameter's name")
        try:
            out[name.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise BriefError(f"--param {item!r}: the value is not a YAML scalar") from None
        if isinstance(out[name.strip()], dict | list):
            raise BriefError(f"--param {item!r}: the value must be one number, word or null")
    return out


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from jobcoach_model.base.resources import bundled_scenarios
    from jobcoach_model.caseloads.scenario import read_scenario_data

    for name, path in bundled_scenarios().items():
        description = " ".join(str(read_scenario_data(path).get("description", "")).split())
        print(f"{name:<22} {description}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    import shutil

    from jobcoach_model.base.resources import NOTEBOOKS, bundled_scenarios

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
    from jobcoach_model.explorer.panel import serve

    return serve(args.port, args.export_dir, args.max_sessions)


def _cmd_bridge(args: argparse.Namespace) -> int:
    from jobcoach_model.analysis.bridge import bridge
    from jobcoach_model.base.money import usd
    from jobcoach_model.caseloads.scenario import load_scenario
    from jobcoach_model.presentation.reports import write_bridge

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


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's commands to the parser."""
    p = sub.add_parser("validate", help="check scenario files against the schema")
    p.add_argument("scenario", nargs="+", type=Path)
    add_set(p, "PATH=VALUE", "change a scenario field by its dotted path first")
    add_time_limit(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("simulate", help="simulate a scenario and price it under every scheme")
    p.add_argument("scenario", type=Path)
    add_set(
        p, "PATH=VALUE", "change a scenario field by its dotted path, e.g. caseload.consumers=2000"
    )
    p.add_argument("--out", required=True, type=Path)
    add_force(p)
    add_time_limit(p)
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
    add_columns(p)
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
    add_set(
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
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also brief.pdf: the same page printed by headless Chromium, with page numbers "
        "and the inputs' fingerprint in each footer",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="a cost brief's sensitivity and joint draws on N local worker processes (0: "
        "in the kernel itself; default: 2 when they are big enough to pay for starting "
        "them, else 0; the same numbers either way)",
    )
    add_force(p)
    add_time_limit(p)
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
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="execute only this notebook (e.g. 06_sensitivity); repeat for more",
    )
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter of the scenario notebooks' first cell (e.g. replications=3, "
        "sobol_n=64); repeat for more",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="execute afresh into a temporary folder and compare every cell's outputs with "
        "the stored ones (exit 1 naming each cell that differs); nothing is written",
    )
    p.add_argument("--quiet", action="store_true")
    add_force(p)
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
    add_set(p, "PATH=VALUE", "change a scenario field by its dotted path")
    p.set_defaults(func=_cmd_bridge)

    p = sub.add_parser("scenarios", help="list the bundled scenarios (usable by name)")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("init", help="copy the bundled scenarios and notebooks into a folder")
    p.add_argument("folder", type=Path)
    add_force(p)
    p.set_defaults(func=_cmd_init)
