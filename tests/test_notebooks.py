"""The notebook suite runs with papermill on a second, small scenario (proving the
parameters work), and the cost brief is written whole or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from jobcoach_model.base.errors import BriefError
from jobcoach_model.base.outputs import MARKER
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.presentation.brief import RECORD_SUITE, SUITE, execute_suite, make_brief

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", cell.source
            data = out.get("data", {})
            parts.append(
                out.get("text", "") + data.get("text/html", "") + data.get("text/plain", "")
            )
    return "\n".join(parts)


def test_every_notebook_has_a_tagged_parameters_cell_first():
    for name in SUITE:
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert "parameters" in first.metadata.get("tags", []), name
        for p in ("scenario", "replications", "seed"):
            assert f"{p} = " in first.source, (name, p)


def test_no_rule_logic_in_notebooks():
    for name in (*SUITE, *RECORD_SUITE):
        source = "\n".join(
            c.source
            for c in nbformat.read(ROOT / "notebooks" / name, as_version=4).cells
            if c.cell_type == "code"
        )
        for word in ("45.16", "hourly_rate", "adjudicate(", "np.where("):
            assert word not in source, (name, word)


@pytest.fixture(scope="module")
def small_suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("suite")
    # 06's Sobol at N = 64 and 60 joint draws (the brief's and 09's) here: the committed
    # notebooks run their own in the nbval pass
    execute_suite(
        out, {"scenario": str(SMALL), "replications": 5, "seed": 3, "sobol_n": 64, "draws": 60}
    )
    return out


@pytest.mark.notebook
def test_suite_runs_on_a_small_scenario_with_its_parameters(small_suite):
    sc = load_scenario(SMALL)
    for name in SUITE:
        text = _text(nbformat.read(small_suite / name, as_version=4))
        if name == "cost_brief.ipynb":
            assert "5 simulated caseloads (replications; seed 3)" in text
            assert "simulation.replications = 5" in text
        elif name == "05_what_if_explorer.ipynb":
            pass  # the panel's view lives in the browser: see test_explorer.py
        elif name != "01_rules_side_by_side.ipynb":
            assert "small: 150 consumers, 26 weeks, 5 replications, seed 3" in text, name
    costs = _text(nbformat.read(small_suite / "03_costs.ipynb", as_version=4))
    for scheme in sc.schemes:
        assert scheme.name in costs


@pytest.mark.notebook
def test_brief_writes_html_notebook_and_csv(small_brief):
    html = small_brief / "brief.html"  # make_brief returned this path (conftest)
    names = {p.name for p in small_brief.iterdir()}
    assert {
        "brief.html",
        "cost_brief.ipynb",
        "headline.csv",
        "cashflow.csv",
        "benchmark.csv",
        "reasons.csv",
        "manifest.json",
    } <= names
    page = html.read_text()
    assert "What Kansas's and Iowa's job-coaching rules would cost: small" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing to fetch
    assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", page)
    assert "import jobcoach_model" not in page  # no code cells
    assert page.count("data:image/png;base64") >= 1


@pytest.mark.notebook
def test_brief_suppresses_small_cells_by_default(small_brief, tmp_path):
    make_brief(SMALL, tmp_path / "b", progress=False, suppress_below=0)
    suppressed = (small_brief / "reasons.csv").read_text()
    assert "suppressed (<10)" in suppressed
    assert "suppressed" not in (tmp_path / "b" / "reasons.csv").read_text()


@pytest.mark.notebook
def test_names_from_a_scenario_are_escaped(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        SMALL.read_text()
        .replace("name: small", 'name: "<script>alert(1)</script>"')
        .replace("description: 150", 'description: "<img src=x onerror=alert(2)> 150')
        .replace("20 replications.", '20 replications."')
    )
    html = make_brief(evil, tmp_path / "out", progress=False).read_text()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.notebook
def test_a_failed_brief_keeps_the_previous_one(small_brief, tmp_path, monkeypatch):
    import shutil

    out = tmp_path / "brief"
    shutil.copytree(small_brief, out)  # a brief written earlier, with its marker
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.ipynb"
    nb = nbformat.read(ROOT / "notebooks" / "cost_brief.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('the model broke')"))
    nbformat.write(nb, broken)
    monkeypatch.setattr("jobcoach_model.presentation.brief.BRIEF_NOTEBOOK", broken)
    with pytest.raises(BriefError, match="cell 4 of .* failed: ValueError: the model broke"):
        make_brief(SMALL, out, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.notebook
def test_brief_all_writes_one_brief_per_scenario(tmp_path, monkeypatch, capsys):
    from jobcoach_model.cli import main

    (tmp_path / "scenarios").mkdir()
    for name in ("one", "two"):
        text = SMALL.read_text().replace("name: small", f"name: {name}")
        text = text.replace("replications: 20", "replications: 3")
        if name == "two":  # costs and responses asked for: the brief gains two sections
            text += "\ncosts: {billable_share: 0.6}\nresponses: {creaming: 0.2}\n"
        (tmp_path / "scenarios" / f"{name}.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["brief", "--all", "--quiet"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / "reports" / n / "brief.html") for n in ("one", "two")]
    assert all(Path(p).is_file() for p in printed)
    one, two = (Path(p).read_text(encoding="utf-8") for p in printed)
    assert 'id="providers"' not in one and not (tmp_path / "reports/one/access.csv").exists()
    assert 'id="providers"' in two and 'href="#providers"' in two
    assert "Providers paid below cost" in two and "What a billable hour costs a provider" in two
    assert 'id="value"' in two and "Value for money" in two and 'id="value"' not in one
    assert "cost per job kept 90 days:" in two  # the opening leads with it
    curve = pd.read_csv(tmp_path / "reports/two/acceptability.csv")
    assert curve.groupby("value")["probability"].sum().round(9).eq(1).all()
    access = pd.read_csv(tmp_path / "reports/two/access.csv")
    assert list(access["scheme"])[:2] == ["Kansas hourly", "Iowa hourly"] and len(access) == 4
    assert access["below_cost_share"].between(0, 1).all()


def _recorded(path: Path) -> dict[str, float]:
    """The key numbers a notebook recorded with ``figures.record``."""
    from jobcoach_model.presentation.figures import RECORD_MIME

    nb = nbformat.read(path, as_version=4)
    found = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found.update(out.get("data", {}).get(RECORD_MIME, {}))
    assert found, f"{path.name} recorded no numbers"
    return found


@pytest.mark.notebook
def test_brief_numbers_match_the_package(small_suite):
    from jobcoach_model.analysis.bridge import bridge
    from jobcoach_model.caseloads.budget import run_file

    got = _recorded(small_suite / "cost_brief.ipynb")
    results = run_file(SMALL, 5, 3, {})
    for scheme in results.scenario.schemes:
        assert got[f"total_paid | {scheme.name}"] == pytest.approx(
            results.metric(scheme.name, "total_paid"), rel=1e-9
        )
    a, b = results.scenario.bridge_pairs()[0]
    br = bridge(results.scenario, a, b)
    assert got[f"bridge | {a} -> {b}"] == pytest.approx(
        results.metric(b, "total_paid") - results.metric(a, "total_paid"), abs=0.01
    )
    assert got[f"bridge | {a} -> {b}"] == pytest.approx(br.steps["mean"].sum(), abs=0.05)


@pytest.mark.notebook
def test_sensitivity_notebook_numbers_match_the_package(small_suite):
    from jobcoach_model.analysis.sensitivity import sensitivity_for

    got = _recorded(small_suite / "06_sensitivity.ipynb")
    sens = sensitivity_for(SMALL, 5, 3, {}, 20)
    for scheme, mean in sens.base["mean"].items():
        assert got[f"default | {scheme}"] == pytest.approx(mean, rel=1e-9)
    for r in sens.interpretations.itertuples():
        key = f"delta | {r.interpretation}={r.option} | {r.scheme}"
        assert got[key] == pytest.approx(r.delta, rel=1e-9, abs=1e-6)
    swings = [k for k in got if k.startswith("swing | ")]
    assert len({k.split(" | ")[1] for k in swings}) >= 10
    for r in sens.tornado.itertuples():
        assert got[f"swing | {r.input} | {r.scheme}"] == pytest.approx(r.swing, rel=1e-9, abs=1e-6)


@pytest.mark.notebook
def test_fiscal_note_notebook_numbers_match_the_package(small_suite):
    from jobcoach_model.caseloads.budget import run_file

    got = _recorded(small_suite / "08_fiscal_note.ipynb")
    results = run_file(SMALL, 5, 3, {})
    f = results.fiscal_years
    for scheme in results.scenario.schemes:
        total = results.metric(scheme.name, "total_paid")
        assert got[f"total_paid | {scheme.name}"] == pytest.approx(total, rel=1e-9)
        for basis in ("cash", "service"):
            years = f[(f["scheme"] == scheme.name) & (f["basis"] == basis)]
            paid = years.loc[years["metric"] == "total_paid", "mean"].sum()
            assert got[f"fiscal | {scheme.name} | {basis}"] == pytest.approx(paid, abs=0.01)
            assert paid == pytest.approx(total, abs=0.05)  # the years add up to the total


@pytest.mark.notebook
def test_payment_design_notebook_numbers_match_the_package(small_suite):
    """09 on the small scenario (no costs: section: the cited defaults) records the same
    access at risk as the package, and the three coaches' offers of the worksheet."""
    from jobcoach_model.analysis.access import provider_access
    from jobcoach_model.caseloads.scenario import Costs, Responses, load_once

    got = _recorded(small_suite / "09_payment_design.ipynb")
    sc = load_once(SMALL, 5, 3, {}).scenario  # no costs nor responses: the cited defaults
    sc = sc.model_copy(update={"costs": Costs(), "responses": Responses()})
    table = provider_access(sc).table
    for r in table.itertuples():
        assert got[f"below_cost_share | {r.scheme}"] == pytest.approx(r.below_cost_share)
        assert got[f"consumers_at_risk_share | {r.scheme}"] == pytest.approx(
            r.consumers_at_risk_share
        )
    assert [got[f"offer | Coach {k}"] for k in "ABC"] == [24.99, 45.16, 30.0]
    from jobcoach_model.analysis.value import value_for_money

    vfm = value_for_money(sc)
    for r in vfm.table().itertuples():
        assert got[f"cost_per_kept_job | {r.scheme}"] == pytest.approx(r.cost_per_kept_job)
    # the best buy over the joint draws: a share per scheme, adding up to every draw
    shares = [got[f"best_buy_share | {s.name}"] for s in sc.schemes]
    assert all(0 <= v <= 1 for v in shares) and sum(shares) == pytest.approx(1.0)


@pytest.mark.notebook
def test_the_same_brief_twice_is_byte_identical(small_brief, tmp_path):
    first, second = small_brief, tmp_path / "two"
    make_brief(SMALL, second, progress=False)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert "brief.html" in names and "cost_brief.ipynb" in names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.notebook
def test_notebooks_only_runs_the_named_notebook_with_its_parameters(tmp_path, capsys):
    from jobcoach_model.cli import main

    out = tmp_path / "one"
    args = ["notebooks", "--only", "02_caseload", "--scenario", str(SMALL), "--out", str(out)]
    assert main([*args, "--param", "replications=2", "--param", "seed=4", "--quiet"]) == 0
    assert capsys.readouterr().out.split() == [str(out / "02_caseload.ipynb")]
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == ["02_caseload.ipynb"]
    text = _text(nbformat.read(out / "02_caseload.ipynb", as_version=4))
    assert "small: 150 consumers, 26 weeks, 2 replications, seed 4" in text
