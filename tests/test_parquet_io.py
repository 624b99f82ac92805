"""Parquet in and out by file extension: the same records as Parquet price exactly as
the CSV contract does, and a Parquet result holds the CSV result's values."""

from __future__ import annotations

import pandas as pd
import pytest

from jobcoach_model.cli import EXAMPLES, main


def _examples():
    return {
        n: pd.read_csv(EXAMPLES / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("cases", "coaches", "services")
    }


@pytest.mark.parametrize("rules", ["KS", "IA"])
@pytest.mark.parametrize("typed", [False, True])
def test_parquet_inputs_and_output_equal_the_csv_run(tmp_path, capsys, rules, typed):
    frames = _examples()
    for name, frame in frames.items():
        if typed:  # as an export would type them: numbers, booleans, dates
            frame = pd.read_csv(EXAMPLES / f"{name}.csv")
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    csv_args = [f"--{n}={EXAMPLES / f'{n}.csv'}" for n in frames]
    pq_args = [f"--{n}={tmp_path / f'{n}.parquet'}" for n in frames]
    assert main(["adjudicate", "--rules", rules, *csv_args, "--out", str(tmp_path / "r.csv")]) == 0
    out = tmp_path / "r.parquet"
    assert main(["adjudicate", "--rules", rules, *pq_args, "--out", str(out)]) == 0
    capsys.readouterr()
    from_csv = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    from_parquet = pd.read_parquet(out)
    assert list(from_parquet.columns) == list(from_csv.columns)
    for column in ("payable_hours", "rate", "amount"):
        assert (from_parquet[column].to_numpy() == from_csv[column].astype(float).to_numpy()).all()
    for column in ("service_id", "status", "payee", "rule_ids"):
        assert from_parquet[column].astype(str).tolist() == from_csv[column].tolist()


def test_an_unreadable_parquet_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "services.parquet"
    bad.write_text("not parquet", encoding="utf-8")
    args = [f"--{n}={EXAMPLES / f'{n}.csv'}" for n in ("cases", "coaches")]
    code = main(
        [
            "adjudicate",
            "--rules",
            "KS",
            *args,
            f"--services={bad}",
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert str(bad) in err and "a readable Parquet file" in err
    assert not (tmp_path / "o.csv").exists()
