"""The records brief: an agency's own export priced under each rulebook. The bridge between
the rulebooks on these very lines adds up to the difference of their totals to the cent
(on the shipped sample export and on generated records), the providers' changes add up
to the bridge, small cells are suppressed, and a rerun gives the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import examples, interpretation_overrides, record_sets

from jobcoach_model.analysis.records_pricing import (
    by_rule,
    consumer_hours,
    price_records,
    read_and_price,
    record_bridge,
    rulebook_overrides,
    totals,
    who_gains,
)
from jobcoach_model.analysis.records_release import release
from jobcoach_model.cli import EXAMPLES, main
from jobcoach_model.engine.adjudication import adjudicate
from jobcoach_model.presentation.figures import RECORD_MIME
from jobcoach_model.records.lines import prepare

EXPORT = EXAMPLES / "export" / "billing_export.xlsx"
MAP = EXAMPLES / "export" / "billing_export_columns.yaml"
CONTRACT = {n: EXAMPLES / f"{n}.csv" for n in ("cases", "coaches", "services")}


def _paid_cents(frame: pd.DataFrame) -> int:
    return int(np.rint(frame.loc[frame["status"] == "paid", "amount"] * 100).sum())


def _check_adds_up(priced, frames) -> None:
    for a, b in (("KS", "IA"), ("IA", "KS")):
        bridge = record_bridge(priced, a, b)
        steps = int(np.rint(bridge.steps["amount"] * 100).sum())
        # the totals, as adjudicate prices the same records line by line
        start = _paid_cents(adjudicate(*frames, rules=a))
        end = _paid_cents(adjudicate(*frames, rules=b))
        assert (bridge.from_cents, bridge.to_cents) == (start, end)
        assert steps == end - start  # the bridge adds up, to the cent
        providers = int(np.rint(bridge.providers["change"] * 100).sum())
        assert providers == end - start  # and so do the providers' changes


def test_the_bridge_adds_up_on_the_sample_export():
    priced = read_and_price(EXPORT, EXPORT, EXPORT, MAP)
    frames = [pd.read_csv(CONTRACT[n], dtype=str, keep_default_na=False) for n in CONTRACT]
    _check_adds_up(priced, frames)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_sets(), ks=interpretation_overrides("KS"), ia=interpretation_overrides("IA"))
def test_the_bridge_adds_up_on_generated_records(records, ks, ia):
    lines = prepare(*records, None)
    priced = price_records(lines, ["KS", "IA"], {"KS": ks, "IA": ia})
    for a, b in (("KS", "IA"), ("IA", "KS")):
        bridge = record_bridge(priced, a, b)
        start = _paid_cents(adjudicate(*records, rules=a, overrides=ks if a == "KS" else ia))
        end = _paid_cents(adjudicate(*records, rules=b, overrides=ks if b == "KS" else ia))
        assert int(np.rint(bridge.steps["amount"] * 100).sum()) == end - start
        assert int(np.rint(bridge.providers["change"] * 100).sum()) == end - start
        assert bridge.providers["consumers"].sum() >= 0


def test_money_by_rule_adds_up_to_each_status_total():
    priced = read_and_price(*CONTRACT.values())
    total = totals(priced).set_index(["rulebook", "status"])["amount"]
    rules = by_rule(priced).groupby(["rulebook", "status"])["amount"].sum()
    for (code, status), amount in rules.items():
        assert amount == pytest.approx(total[(code, status)], abs=0.005)


def test_who_gains_counts_providers_and_hours_paid_under_one_only():
    priced = read_and_price(*CONTRACT.values())
    bridge = record_bridge(priced, "KS", "IA")
    gains = who_gains(bridge)
    everyone = gains[gains["band"] == "all providers"].iloc[0]
    assert everyone["providers"] == len(bridge.providers)
    share = bridge.providers["change_share"]
    assert everyone["gain_over_5pct"] == int((share > 0.05).sum())
    assert everyone["lose_over_5pct"] == int((share < -0.05).sum())
    assert everyone["total_change"] == pytest.approx(bridge.providers["change"].sum())
    hours = consumer_hours(priced, "KS", "IA").set_index("paid_under")
    ks = adjudicate(*[pd.read_csv(CONTRACT[n], dtype=str) for n in CONTRACT], rules="KS")
    ia = adjudicate(*[pd.read_csv(CONTRACT[n], dtype=str) for n in CONTRACT], rules="IA")
    only_ks = (ks["status"] == "paid") & (ia["status"] != "paid")
    assert hours.loc["KS", "lines"] == int(only_ks.sum())
    assert hours.loc["KS", "hours"] == pytest.approx(ks.loc[only_ks, "payable_hours"].sum())


def test_sets_go_to_the_rulebook_that_has_the_parameter():
    shared = rulebook_overrides(["KS", "IA"], {"KS.hourly_rate": "45.16", "max_hourly_rate": "50"})
    assert shared == {"KS": {"hourly_rate": "45.16"}, "IA": {"max_hourly_rate": "50"}}


def _recorded(notebook: Path) -> dict:
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if RECORD_MIME in out.get("data", {}):
                data = out["data"][RECORD_MIME]
                return json.loads(data) if isinstance(data, str) else dict(data)
    raise AssertionError("no recorded numbers")


@pytest.fixture(scope="module")
def records_brief(tmp_path_factory):
    """The records brief of a 1,000-consumer simulated export, written twice."""
    root = tmp_path_factory.mktemp("records")
    sim = root / "sim"
    assert main(["simulate", "small", "--out", str(sim), "--set", "caseload.consumers=400",
                 "--set", "simulation.replications=1"]) == 0  # fmt: skip
    paths = [f"--{n}={sim / f'{n}.csv'}" for n in CONTRACT]
    outs = []
    for name in ("first", "second"):
        out = root / name
        assert main(["brief", *paths, "--out", str(out), "--quiet"]) == 0
        outs.append(out)
    return sim, outs


@pytest.mark.notebook
def test_the_records_brief_numbers_are_the_package_numbers(records_brief):
    """The brief records the released totals: the package's numbers where shown, nothing
    where suppressed."""
    sim, (out, _) = records_brief
    got = _recorded(out / "records_brief.ipynb")
    priced = read_and_price(*(sim / f"{n}.csv" for n in CONTRACT))
    rel = release(priced, [record_bridge(priced, "KS", "IA")], 10)
    raw = totals(priced)
    for row, hidden in zip(raw.itertuples(), rel.totals["suppressed"], strict=True):
        want = None if hidden else pytest.approx(row.amount, abs=0.005)
        assert got[f"{row.rulebook} {row.status}"] == want
    assert got["KS paid"] is not None and got["IA paid"] is not None
    diff = got["bridge | KS -> IA"]
    assert diff == pytest.approx(got["IA paid"] - got["KS paid"], abs=0.005)


@pytest.mark.notebook
def test_the_records_brief_writes_html_csv_and_a_statement_per_provider(records_brief):
    sim, (out, _) = records_brief
    html = (out / "brief.html").read_text()
    assert "Why they differ, on these very lines" in html and "Who gains and who loses" in html
    assert "<code" not in html and "import " not in html  # no code shown
    for name in ("totals.csv", "by_rule.csv", "by_month.csv", "bridge_KS_to_IA.csv",
                 "who_gains_KS_to_IA.csv", "providers_KS_to_IA.csv", "hours_KS_to_IA.csv"):  # fmt: skip
        assert (out / name).is_file()
    providers = pd.read_csv(sim / "coaches.csv", dtype=str)["provider_id"].unique()
    statements = sorted(p.name for p in (out / "statements").iterdir())
    assert len(statements) == 2 * len(providers)
    page = (out / "statements" / statements[0]).read_text()
    assert "Totals by status and rule" in page and "The rules applied" in page


@pytest.mark.notebook
def test_the_records_brief_is_byte_identical_on_a_rerun(records_brief):
    _, (first, second) = records_brief
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.notebook
def test_the_records_brief_reads_a_workbook_through_its_mapping_and_names_no_small_provider(
    tmp_path,
):
    """The sample workbook through its mapping prices as its contract CSVs do; every
    provider of it serves fewer than 10 consumers: none is named."""
    out = tmp_path / "brief"
    files = [f"--{n}={EXPORT}" for n in CONTRACT]
    assert main(["brief", *files, "--columns", str(MAP), "--out", str(out), "--quiet"]) == 0
    mapped = pd.read_csv(out / "totals.csv")
    priced = read_and_price(*CONTRACT.values())
    plain = release(priced, [record_bridge(priced, "KS", "IA")], 10).totals
    pd.testing.assert_frame_equal(mapped, plain, check_dtype=False)
    raw = totals(priced)
    shown = ~mapped["suppressed"]
    pd.testing.assert_frame_equal(mapped.loc[shown, raw.columns], raw.loc[shown], check_dtype=False)
    assert mapped.loc[~shown, "amount"].isna().all()
    html = (out / "brief.html").read_text()
    assert "<td>suppressed</td>" in html and "fewer than 10 consumers" in html
    for provider in pd.read_csv(CONTRACT["coaches"], dtype=str)["provider_id"].dropna().unique():
        assert f"<td>{provider}</td>" not in html


def test_a_bad_export_is_one_line_and_writes_nothing(tmp_path, capsys):
    text = CONTRACT["services"].read_text().replace(",4,on_site", ",four,on_site", 1)
    (tmp_path / "services.csv").write_text(text)
    out = tmp_path / "brief"
    args = [f"--cases={CONTRACT['cases']}", f"--coaches={CONTRACT['coaches']}"]
    code = main(["brief", *args, f"--services={tmp_path / 'services.csv'}", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "column 'hours'" in err[0], err
    assert not out.exists()


def test_a_person_with_several_cases_is_one_consumer_in_every_count(tmp_path):
    """Cases sharing a consumer_id count once: in the records, the totals and the months."""
    frames = [pd.read_csv(CONTRACT[n], dtype=str, keep_default_na=False) for n in CONTRACT]
    plain = price_records(prepare(*frames, None), ["KS", "IA"])
    frames[0]["consumer_id"] = ["U1", "U1", "U1"] + [""] * (len(frames[0]) - 3)
    shared = price_records(prepare(*frames, None), ["KS", "IA"])
    assert plain.consumers == 10 and shared.consumers == 8
    person = (
        frames[0]
        .assign(
            who=frames[0]["consumer_id"].where(frames[0]["consumer_id"] != "", frames[0]["case_id"])
        )
        .set_index("case_id")["who"]
    )
    for code in ("KS", "IA"):
        result = adjudicate(*frames, rules=code)
        result["who"] = frames[2]["case_id"].map(person).to_numpy()
        want = result.groupby("status")["who"].nunique()
        got = totals(shared).query("rulebook == @code").set_index("status")["consumers"]
        for status, n in got.items():
            assert n == want.get(status, 0), (code, status)
