"""The analyst's cost brief: ``cost_brief.ipynb`` executed with papermill on a scenario,
then an HTML page without code (nbconvert) and the headline tables as CSV.

Everything is produced in a temporary folder and moved into place only when the whole
brief succeeded, so a failed run leaves the previous brief untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from jobcoach_model.base.errors import BriefError
from jobcoach_model.base.outputs import output_folder, slug
from jobcoach_model.base.resources import IN_CHECKOUT, NOTEBOOKS, scenario_path
from jobcoach_model.caseloads.budget import check, check_runs
from jobcoach_model.caseloads.provenance import (
    footer,
    provenance,
    records_provenance,
    write_manifest,
)
from jobcoach_model.caseloads.scenario import Scenario, load_scenario
from jobcoach_model.presentation.figures import RECORD_MIME
from jobcoach_model.presentation.pdf import chromium, to_pdf

BRIEF_NOTEBOOK = NOTEBOOKS / "cost_brief.ipynb"
TEMPLATES = Path(__file__).parents[1] / "templates"
KERNEL = "python3"  # resolved by jupyter_client to the running interpreter
#: the kernel's own log stays quiet (cell errors reach the notebook itself; an interrupted
#: brief must end in one line, not the kernel's traceback of the cell it was running, nor
#: asyncio's note of the tasks a kernel stopped mid-cell leaves pending)
KERNEL_ARGS = [
    "--IPKernelApp.log_level=CRITICAL",
    "--IPKernelApp.exec_lines=import logging; logging.getLogger('asyncio').setLevel(60)",
]
#: replications a point of a brief's sensitivity runs (the notebook's parameter)
SENSITIVITY_REPLICATIONS = 20
#: a brief's sensitivity and joint draws go to local workers when they simulate at least
#: this many consumer-replications: below it, starting the workers costs more than they
#: save (measured here: the small scenario's brief 10 s in the kernel, 16 s on 2 workers;
#: the baseline's 47 s in the kernel, 38 s on 2 workers)
WORKERS_FROM = 1_000_000


def brief_workers(scenario: Scenario) -> int:
    """How many local worker processes a brief of ``scenario`` uses when not told: 2 (one
    a core, on a machine with two or more) when its sensitivity and joint draws are big
    enough to pay for starting them, else 0 (in the kernel). The numbers are the same
    either way; only the time differs."""
    from jobcoach_model.analysis.problem import inputs, interpretation_points

    reps = min(SENSITIVITY_REPLICATIONS, scenario.simulation.replications)
    points = 1 + len(interpretation_points(scenario)) + 2 * len(inputs(scenario))
    work = scenario.caseload.consumers * (scenario.uncertainty.draws + points * reps)
    return 2 if work >= WORKERS_FROM and (os.cpu_count() or 1) >= 2 else 0


def to_html(notebook: Path, target: Path) -> Path:
    """The executed notebook as a self-contained HTML page without code cells."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="offline", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True
    )
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # recorded key numbers are for tests, not for the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RECORD_MIME not in o.get("data", {})]
    body, _ = exporter.from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")
    return target


def _failure(err: Exception, notebook: Path) -> str:
    """Which cell failed and why, in one line."""
    import nbformat

    name = getattr(err, "ename", type(err).__name__)
    value = str(getattr(err, "evalue", err)).strip().splitlines()
    cell = getattr(err, "exec_count", None)
    if notebook.is_file():
        added = {"injected-parameters", "papermill-error-cell-tag"}
        nb = nbformat.read(notebook, as_version=4)
        own = [c for c in nb.cells if not added & set(c.metadata.get("tags", []))]
        for i, c in enumerate(own):
            if c.get("cell_type") == "code" and any(
                o.get("output_type") == "error" for o in c.get("outputs", [])
            ):
                first = c.source.strip().splitlines()[0] if c.source.strip() else ""
                cell = f"{i + 1} of {len(own)} ({first[:60]})"
                break
    return f"cell {cell} failed: {name}: {value[0] if value else ''}"


def make_brief(
    scenario: str | Path,
    out: str | Path | None = None,
    sets: dict[str, str] | None = None,
    progress: bool = True,
    suppress_below: int = 10,
    force: bool = False,
    workers: int | None = None,
    pdf: bool = False,
) -> Path:
    """Run the cost brief for a scenario file; returns the HTML brief's path. Its
    sensitivity and joint draws run in the kernel, or on ``workers`` local worker
    processes (the same numbers; the cluster stops with the brief); None: as many as
    pay for themselves (``brief_workers``). Beside the page: ``manifest.json`` (what it
    was made from, ``caseloads.provenance``) and, with ``pdf``, ``brief.pdf``.

    The default folder is ``reports/<slug of the scenario name>``: a name is a label,
    never a path. A folder of the user's own files is refused unless ``force``."""
    scenario = scenario_path(scenario).resolve()
    parsed = load_scenario(scenario, sets)  # a bad scenario fails here, before any work
    check(parsed)  # and so does one that cannot fit in memory or time
    # How sure's joint draws run in the kernel, one at a time: bounded before they start
    check_runs(parsed, [(parsed.uncertainty.draws, 1)], 1, str(scenario), "uncertainty.draws")
    out = (Path(out) if out else Path("reports") / slug(parsed.name)).resolve()
    parameters = {
        "scenario": str(scenario),
        "sets": dict(sets or {}),
        "suppress_below": suppress_below,
        "checked": True,  # the budget was checked just above: the kernel need not again
        "workers": brief_workers(parsed) if workers is None else workers,
        "sensitivity_replications": SENSITIVITY_REPLICATIONS,
        # the kernel runs in the brief's own temporary folder, so the
        # parameter (and the brief's bytes) never name a random path
        "output_dir": ".",
    }
    inputs = provenance(parsed)
    beside = _stamped(inputs, pdf)
    if pdf:
        chromium()  # no browser: refused before any work
    return _run_brief(
        BRIEF_NOTEBOOK, parameters, out, force, progress, scenario.name, beside=beside
    )


def _stamped(inputs: dict, pdf: bool, then=None):
    """What goes beside a brief's page in its folder: ``manifest.json``, the PDF when
    asked (its footer the inputs' stamp), then whatever ``then`` writes."""

    def beside(folder: Path) -> None:
        write_manifest(folder, inputs)
        if pdf:
            to_pdf(folder / "brief.html", folder / "brief.pdf", footer(inputs))
        if then is not None:
            then(folder)

    return beside


def _run_brief(
    notebook: Path,
    parameters: dict,
    out: Path,
    force: bool,
    progress: bool,
    label: str,
    beside=None,
    page: str = "brief.html",
    handed: dict[str, bytes] | None = None,
) -> Path:
    """Execute a brief notebook into a temporary folder inside ``out``, write its HTML,
    call ``beside(folder)`` for files written next to it, and move everything into place
    only when all of it succeeded (a failed run leaves the previous brief untouched).
    ``handed``: files the kernel reads (what this process already computed), written into
    the kernel's folder under fixed names and removed before anything is moved."""
    import papermill as pm

    output_folder(out, force)
    with tempfile.TemporaryDirectory(dir=out, prefix=".partial-") as tmp:
        tmp_path = Path(tmp)
        executed = tmp_path / notebook.name
        for name, data in (handed or {}).items():
            (tmp_path / name).write_bytes(data)
        try:
            pm.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                kernel_name=KERNEL,
                progress_bar=progress,
                cwd=str(tmp_path),
                extra_arguments=KERNEL_ARGS,
            )
        except Exception as err:  # papermill raises PapermillExecutionError and others
            raise BriefError(f"{label}: brief not written; {_failure(err, executed)}") from None
        for name in handed or {}:
            (tmp_path / name).unlink()
        _tidy(executed)
        to_html(executed, tmp_path / page)
        if beside is not None:
            beside(tmp_path)
        for item in sorted(tmp_path.iterdir()):
            target = out / item.name
            if target.exists() and target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a folder this tool wrote (the folder is ours)
            elif target.exists():
                target.unlink()
            shutil.move(str(item), target)
    return out / page


RECORDS_NOTEBOOK = NOTEBOOKS / "records_brief.ipynb"
FIT_NOTEBOOK = NOTEBOOKS / "07_calibration.ipynb"


def make_fit_report(
    cases: str | Path,
    coaches: str | Path,
    services: str | Path,
    scenario: str | Path,
    out: str | Path,
    columns: str | Path | None = None,
    progress: bool = True,
    force: bool = False,
) -> Path:
    """The calibration fit report (``07_calibration.ipynb``): the records against the
    calibrated scenario's simulated band, panel by panel; returns ``report.html``."""
    parameters = {
        "cases": str(Path(cases).resolve()),
        "coaches": str(Path(coaches).resolve()),
        "services": str(Path(services).resolve()),
        "columns": str(Path(columns).resolve()) if columns else None,
        "scenario": str(Path(scenario).resolve()),
    }
    return _run_brief(
        FIT_NOTEBOOK, parameters, Path(out).resolve(), force, progress, Path(services).name,
        page="report.html",
    )  # fmt: skip


#: the file in a records brief's kernel folder holding the export as priced before it
PRICED = "priced.pickle"


def make_records_brief(
    cases: str | Path,
    coaches: str | Path,
    services: str | Path,
    columns: str | Path | None = None,
    rules: str | None = None,
    sets: dict[str, str] | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    suppress_below: int = 10,
    force: bool = False,
    pdf: bool = False,
) -> Path:
    """The records brief of an agency's own export (``records_brief.ipynb``), with one
    statement per provider and rulebook in ``statements/`` beside it, ``manifest.json``
    (the files' and rulebooks' hashes) and, with ``pdf``, ``brief.pdf``; returns the HTML
    brief's path. The export is read and priced here first, so a bad export fails in one
    line before any kernel starts. Default folder: ``reports/records-<services file>``."""
    from jobcoach_model.analysis.records_pricing import (
        dumps_priced,
        read_and_price,
        rulebook_codes,
    )
    from jobcoach_model.presentation.records_figures import write_statements

    codes = rulebook_codes(rules)  # None: every rulebook
    priced = read_and_price(cases, coaches, services, columns, codes, sets)
    paths = {
        "cases": str(Path(cases).resolve()),
        "coaches": str(Path(coaches).resolve()),
        "services": str(Path(services).resolve()),
        "columns": str(Path(columns).resolve()) if columns else None,
    }
    out = (Path(out) if out else Path("reports") / f"records-{slug(Path(services).stem)}").resolve()
    parameters = {
        **paths,
        "priced_file": PRICED,  # the export as read and priced here: the kernel reuses it
        "rules": ",".join(codes),
        "sets": dict(sets or {}),
        "suppress_below": suppress_below,
        "output_dir": ".",
    }

    def statements(folder: Path) -> None:
        write_statements(priced, folder / "statements")

    if pdf:
        chromium()  # no browser: refused before any kernel starts
    inputs = records_provenance(paths, codes)
    return _run_brief(
        RECORDS_NOTEBOOK, parameters, out, force, progress, Path(services).name,
        _stamped(inputs, pdf, statements), handed={PRICED: dumps_priced(priced)},
    )  # fmt: skip


SUITE = (
    "01_rules_side_by_side.ipynb",
    "02_caseload.ipynb",
    "03_costs.ipynb",
    "04_benchmarks.ipynb",
    "cost_brief.ipynb",
    "05_what_if_explorer.ipynb",
    "06_sensitivity.ipynb",
    "08_fiscal_note.ipynb",
    "09_payment_design.ipynb",
)
#: notebooks of an agency's records, parameterized by record paths (not by a scenario)
RECORD_SUITE = ("07_calibration.ipynb", "records_brief.ipynb")


def _tidy(path: Path) -> None:
    """Drop what changes from run to run without meaning: papermill's timestamps, the
    random id of its injected-parameters cell, and live widget views (random model ids;
    papermill keeps no widget state anyway), so the same inputs give the same bytes."""
    import nbformat

    widget = "application/vnd.jupyter.widget-view+json"
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = f"injected-parameters-{i}"  # papermill gives it a new random id each run
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if widget not in o.get("data", {})]
    nbformat.write(nb, path)


def execute_suite(
    out: str | Path | None = None,
    parameters: dict | None = None,
    names: tuple[str, ...] = SUITE,
    progress: bool = False,
) -> list[Path]:
    """Execute the notebooks with papermill: in place (``out`` None, stored outputs; only
    in a checkout) or into ``out`` with parameters (e.g. a small scenario)."""
    import papermill as pm

    if out is None and not IN_CHECKOUT:
        raise BriefError(
            "notebooks: the installed notebooks are read-only; give --out FOLDER "
            "(or copy them with jobcoach init)"
        )

    done = []
    for name in names:
        target = Path(out) / name if out else NOTEBOOKS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            pm.execute_notebook(
                str(NOTEBOOKS / name),
                str(target),
                parameters=parameters or {},
                kernel_name=KERNEL,
                progress_bar=progress,
                cwd=str(NOTEBOOKS),
                extra_arguments=KERNEL_ARGS,
            )
        except Exception as err:
            raise BriefError(f"{name}: {_failure(err, target)}") from None
        _tidy(target)
        done.append(target)
    return done
