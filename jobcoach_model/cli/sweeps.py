"""Many runs of a scenario: sensitivity (readings, tornado, Sobol), joint draws
(uncertainty) and sweeps on Dask."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobcoach_model.base.outputs import output_folder
from jobcoach_model.cli.common import (
    add_cluster,
    add_force,
    add_set,
    add_time_limit,
    parallel,
    parse_sets,
)


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from jobcoach_model.analysis.sensitivity import run_sensitivity
    from jobcoach_model.caseloads.scenario import load_scenario_data, scenario_from_dict
    from jobcoach_model.presentation.reports import write_sensitivity

    base, source = load_scenario_data(args.scenario, parse_sets(args.set))
    scenario = scenario_from_dict(base, source)
    from jobcoach_model.analysis.sensitivity import plan
    from jobcoach_model.caseloads.budget import check_runs

    check_runs(
        scenario,
        plan(scenario, args.replications, args.sobol),
        parallel(args),
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
    from jobcoach_model.presentation.why_figures import overturn_sentences

    for sentence in overturn_sentences(sens):
        print(f"  {sentence}")
    from jobcoach_model.caseloads.provenance import provenance, write_manifest

    for path in [
        *write_sensitivity(sens, args.out),
        write_manifest(args.out, provenance(scenario)),
    ]:
        print(f"  -> {path}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from jobcoach_model.analysis.sweep import count_points, expand, load_sweep, run_points
    from jobcoach_model.caseloads.budget import check_runs
    from jobcoach_model.caseloads.scenario import scenario_from_dict
    from jobcoach_model.presentation.reports import write_sweep

    spec, base, source = load_sweep(args.sweep)
    scenario = scenario_from_dict(base, source)
    reps = scenario.simulation.replications
    shrink = "the grid's values or points" + (" (or use --workers)" if not args.scheduler else "")
    check_runs(scenario, [(count_points(spec), reps)], parallel(args), str(args.sweep), shrink)
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
    from jobcoach_model.caseloads.provenance import file_hash, provenance, write_manifest

    write_manifest(args.out, {**provenance(scenario), "sweep": file_hash(args.sweep)})
    print(f"{len(points) - len(failed)} of {len(points)} points ran -> {written[0]}")
    if failed:
        print(f"  {len(failed)} failed, listed in {written[1]}")
    return 0 if len(failed) < len(points) else 2


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    from jobcoach_model.analysis.uncertainty import (
        DRAW_REPLICATIONS,
        analyse,
        run_draws,
        write_uncertainty,
    )
    from jobcoach_model.analysis.voi import tied
    from jobcoach_model.caseloads.budget import check_runs
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.caseloads.scenario import load_scenario_data, scenario_from_dict

    base, source = load_scenario_data(args.scenario, parse_sets(args.set))
    scenario = scenario_from_dict(base, source)
    args.draws = scenario.uncertainty.draws if args.draws is None else args.draws
    check_runs(
        scenario,
        [(args.draws, DRAW_REPLICATIONS), (1, scenario.simulation.replications)],
        parallel(args),
        str(args.scenario),
        "--draws",
    )
    output_folder(args.out, args.force)
    draws = run_draws(
        base, source, scenario, args.draws, args.workers, args.scheduler, not args.quiet
    )
    own = run(scenario, keep_sample=False).summary  # the simulation-only interval
    analysis = analyse(draws, own[own["metric"] == "total_paid"].set_index("scheme"))
    for row in analysis.table.itertuples():
        print(
            f"  {row.scheme}: cheapest in {row.p_cheapest:.0%} of {args.draws:,} draws "
            f"(se {row.se:.1%}); total {row.mean:,.0f} USD (90% {row.p05:,.0f} to "
            f"{row.p95:,.0f}; simulation alone {row.sim_p05:,.0f} to {row.sim_p95:,.0f})"
        )
    tie = tied(analysis.draws.costs())
    if tie.value > 0:
        print(f"  two or more schemes tie for the cheapest (to the cent) in {tie.value:.0%}")
    for box in analysis.boxes:
        cases = f"a scheme other than {analysis.usual} is cheapest"
        print(f"  {box.sentence(cases, analysis.draws.factors)}")
    if analysis.note:
        print(f"  {analysis.note}")
    from jobcoach_model.caseloads.provenance import provenance, write_manifest

    for path in [
        *write_uncertainty(analysis, args.out),
        *_value_over_draws(draws, scenario, args.out),
        write_manifest(args.out, provenance(scenario)),
    ]:
        print(f"  -> {path}")
    return 0


def _value_over_draws(draws, scenario, out: Path) -> list[Path]:
    """With the scenario's responses on (each draw's kept jobs differ between schemes):
    the best buy at the value of a kept job over the draws, printed, and the
    acceptability curve and what knowing each input would be worth to that choice,
    written (``acceptability.csv``, ``value_evppi.csv``). Nothing otherwise."""
    from jobcoach_model.analysis.value import acceptability, from_draws
    from jobcoach_model.base.io import write_csv
    from jobcoach_model.presentation.value_figures import curve

    drawn = from_draws(draws, scenario)
    if drawn is None:
        return []
    v = drawn.value.per_kept_job
    for r in acceptability(drawn, [v]).itertuples():
        print(f"  {r.scheme}: the best buy at {v:,.0f} USD a kept job in {r.probability:.0%}")
    written = [out / "acceptability.csv", out / "value_evppi.csv"]
    write_csv(curve(drawn), written[0])
    write_csv(drawn.evppi, written[1])
    return written


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's commands to the parser."""
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
    add_cluster(p)
    add_set(p, "PATH=VALUE", "change a scenario field by its dotted path")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_force(p)
    add_time_limit(p)
    p.set_defaults(func=_cmd_sensitivity)

    p = sub.add_parser("sweep", help="run a scenario at many points on Dask")
    p.add_argument("sweep", type=Path, help="sweep file (YAML: scenario, grid and/or sample)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_cluster(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_force(p)
    add_time_limit(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser(
        "uncertainty",
        help="joint draws over every assumption and reading: how likely each finding is",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument(
        "--draws",
        type=int,
        metavar="N",
        help="joint draws (default: the scenario's uncertainty.draws, 1,000 unless it says)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_cluster(p)
    add_set(p, "PATH=VALUE", "change a scenario field by its dotted path")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_force(p)
    add_time_limit(p)
    p.set_defaults(func=_cmd_uncertainty)
