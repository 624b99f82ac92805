"""Where the bundled notebooks and scenarios are: inside the installed package (a wheel
carries copies), or at the top of the repository in a checkout or an editable install.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
CHECKOUT = PACKAGE.parent


def _bundled(folder: str, probe: str) -> Path:
    inside = PACKAGE / folder
    return inside if (inside / probe).is_file() else CHECKOUT / folder


NOTEBOOKS = _bundled("notebooks", "cost_brief.ipynb")
SCENARIOS = _bundled("scenarios", "baseline.yaml")
#: whether the notebooks are the repository's own (executed in place by `make notebooks`)
IN_CHECKOUT = NOTEBOOKS == CHECKOUT / "notebooks"


def bundled_scenarios() -> dict[str, Path]:
    """The bundled scenario files by name."""
    return {p.stem: p for p in sorted(SCENARIOS.glob("*.yaml"))}


def scenario_path(name_or_path: str | Path) -> Path:
    """A scenario file: the path given if it exists, else the bundled scenario of that
    name (``baseline``), else the path as given (reading it then fails with one line)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    return bundled_scenarios().get(str(name_or_path), path)


EXAMPLES = PACKAGE / "examples"
#: the shipped sample export: one workbook of the three tables and its column mapping
SAMPLE_EXPORT = EXAMPLES / "export" / "billing_export.xlsx"
SAMPLE_COLUMNS = EXAMPLES / "export" / "billing_export_columns.yaml"


def records_or_sample(cases, coaches, services, columns):
    """The record paths a notebook was given, or (all None) the shipped sample export
    and its mapping, wherever the package is installed."""
    if cases is None and coaches is None and services is None:
        return SAMPLE_EXPORT, SAMPLE_EXPORT, SAMPLE_EXPORT, SAMPLE_COLUMNS
    return cases, coaches, services, columns
