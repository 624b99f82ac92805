"""The Python API types its input exactly as the command line types the same text.

A frame read with pandas' defaults, with ``dtype=str``, with the pyarrow engine or with
nullable dtypes must give the CLI's result to the cent: a column with blanks read as
floats (``575.0``) is judged as the text ``575``, never denied as an unknown code.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import examples, record_sets

from jobcoach_model import InputError, adjudicate
from jobcoach_model.records.contract import CASES, COACHES, SERVICES, read_table

EXAMPLES = "jobcoach_model/examples"
TABLES = (("cases", CASES), ("coaches", COACHES), ("services", SERVICES))
READERS = {
    "pandas_defaults": {},
    "dtype_str": {"dtype": str},
    "pyarrow_engine": {"engine": "pyarrow"},
    "pyarrow_backend": {"dtype_backend": "pyarrow"},
    "numpy_nullable": {"dtype_backend": "numpy_nullable"},
}


def _cli_frames(folder) -> list[pd.DataFrame]:
    return [read_table(f"{folder}/{name}.csv", table) for name, table in TABLES]


def _read(folder, reader: str) -> list[pd.DataFrame]:
    return [pd.read_csv(f"{folder}/{name}.csv", **READERS[reader]) for name, _ in TABLES]


def _same(api: pd.DataFrame, cli: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(api, cli, check_exact=True)


@pytest.mark.parametrize("rules", ["KS", "IA"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_examples_read_any_way_price_as_the_cli(reader, rules):
    cli = adjudicate(*_cli_frames(EXAMPLES), rules=rules)
    api = adjudicate(*_read(EXAMPLES, reader), rules=rules)
    _same(api, cli)


def test_pandas_defaults_keep_kansas_service_codes():
    # the reported case: service_code read as 575.0 was denied under KS-SERVICE-CODE
    frames = _read(EXAMPLES, "pandas_defaults")
    assert frames[2]["service_code"].dtype == "float64"
    result = adjudicate(*frames, rules="KS")
    assert result["amount"].sum() == pytest.approx(1326.67, abs=0.005)
    denied = result["rule_ids"].astype(str).str.contains("KS-SERVICE-CODE").to_numpy()
    codes = frames[2]["service_code"]
    assert (denied == ~(codes.isin([575, 576]) | codes.isna()).to_numpy()).all()
    assert denied.sum() == 1  # the example's one wrong code, no more


@pytest.mark.parametrize("rules", ["KS", "IA"])
def test_generated_records_read_any_way_price_as_the_cli(rules, tmp_path_factory):
    @settings(
        max_examples=examples(40),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(records=record_sets())
    def check(records):
        folder = tmp_path_factory.mktemp("records")
        for frame, (name, _) in zip(records, TABLES, strict=True):
            frame.to_csv(folder / f"{name}.csv", index=False)
        cli = adjudicate(*_cli_frames(folder), rules=rules)
        for reader in ("pandas_defaults", "pyarrow_engine", "numpy_nullable"):
            _same(adjudicate(*_read(folder, reader), rules=rules), cli)

    check()


def test_categorical_and_datetime_columns_price_as_text():
    cases, coaches, services = _cli_frames(EXAMPLES)
    typed = services.copy()
    typed["date"] = pd.to_datetime(typed["date"])
    typed["setting"] = typed["setting"].replace("", None).astype("category")
    typed["group_size"] = pd.to_numeric(typed["group_size"]).astype("Int64")
    cli = adjudicate(cases, coaches, services, rules="KS")
    _same(adjudicate(cases, coaches, typed, rules="KS"), cli)


def test_a_date_with_a_time_of_day_is_refused_as_in_a_csv():
    cases, coaches, services = _cli_frames(EXAMPLES)
    services = services.copy()
    services["date"] = pd.to_datetime(services["date"])
    services.loc[2, "date"] = pd.Timestamp("2026-03-16 10:30")
    with pytest.raises(InputError, match=r"row 3 .*column 'date': expected a date YYYY-MM-DD"):
        adjudicate(cases, coaches, services, rules="KS")


def test_a_python_date_object_is_read_as_its_iso_text():
    cases, coaches, services = _cli_frames(EXAMPLES)
    services = services.copy()
    services["date"] = [dt.date.fromisoformat(d) for d in services["date"]]
    _same(
        adjudicate(cases, coaches, services, rules="IA"),
        adjudicate(*_cli_frames(EXAMPLES), rules="IA"),
    )
