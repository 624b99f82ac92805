"""Arrow I/O keeps the bytes: the pyarrow writer writes exactly what pandas writes (and
hands over to pandas when a cell needs quotes); the pyarrow reader reads what pandas read
(byte-order mark, CRLF, quoted commas, blank cells)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from jobcoach_model.base.io import write_csv, write_result_csv
from jobcoach_model.engine.adjudication import PAYEES, STATUSES
from jobcoach_model.records.contract import SERVICES, read_table

ids = st.text(alphabet='AZaz09-_ ,"é', min_size=1, max_size=6)
floats = st.one_of(
    st.sampled_from([0.0, 2.0, 13.33, 0.1, 1e-06, 45.16, 39.995, 1234567.89]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)


@settings(max_examples=examples(150), deadline=None)
@given(rows=st.lists(st.tuples(ids, floats, floats, st.sampled_from(STATUSES)), max_size=30))
def test_the_arrow_writer_writes_what_pandas_writes(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("w")
    frame = pd.DataFrame(
        {
            "service_id": pd.Series([r[0] for r in rows], dtype="str"),
            "status": pd.Categorical([r[3] for r in rows], categories=STATUSES),
            "payable_hours": np.array([r[1] for r in rows], dtype=np.float64),
            "amount": np.array([r[2] for r in rows], dtype=np.float64),
            "payee": pd.Categorical(["provider"] * len(rows), categories=PAYEES),
            "rule_ids": pd.Categorical(["KS-RATE;KS-REPORTS"] * len(rows)),
        }
    )
    write_csv(frame, folder / "pandas.csv")
    write_result_csv(frame, folder / "arrow.csv")
    assert (folder / "arrow.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_arrow_reader_reads_what_pandas_read(tmp_path, newline):
    text = newline.join(
        [
            "\ufeffservice_id , case_id,coach_id,date,hours,setting,service_code",
            'S1,C1,K1,2026-03-02,4,on_site,"57,5"',
            "S2,C1,K1,2026-03-03,,,",
            "",
        ]
    )
    path = tmp_path / "services.csv"
    path.write_bytes(text.encode("utf-8"))
    frame = read_table(path, SERVICES)
    expected = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    expected.columns = [c.strip() for c in expected.columns]
    assert list(frame.columns) == list(expected.columns)
    for column in frame.columns:
        assert frame[column].tolist() == expected[column].tolist()


def test_a_long_table_written_in_two_halves_is_what_pandas_writes(tmp_path):
    n = 150_000  # above the size at which the two halves are formatted at once
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "service_id": pd.Series([f"S{i}" for i in range(n)], dtype="str"),
            "status": pd.Categorical.from_codes(rng.integers(0, 3, n), categories=STATUSES),
            "amount": np.round(rng.uniform(0, 200, n), 2),
        }
    )
    write_csv(frame, tmp_path / "pandas.csv")
    write_result_csv(frame, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_a_quoted_line_break_is_read_as_part_of_its_cell(tmp_path):
    path = tmp_path / "services.csv"
    path.write_text('service_id,case_id,service_code\nS1,C1,"57\n5"\nS2,C1,576\n')
    frame = read_table(path, SERVICES)
    assert frame["service_code"].tolist() == ["57\n5", "576"]


# Columns are checked one distinct value at a time; the error must still name the first
# bad cell of the column, whatever the values before and after it.
cells = st.lists(
    st.sampled_from(["2026-03-01", "2026-03-02", "2026-3-01", "tomorrow", "", "2026-02-30"]),
    min_size=1,
    max_size=25,
)


@settings(max_examples=examples(150), deadline=None)
@given(dates=cells)
def test_a_bad_date_is_reported_at_its_first_row(tmp_path_factory, dates):
    from jobcoach_model.base.errors import InputError
    from jobcoach_model.records.contract import normalize

    good = {"2026-03-01", "2026-03-02"}
    frame = pd.DataFrame(
        {
            "service_id": [f"S{i}" for i in range(len(dates))],
            "case_id": "C1",
            "coach_id": "K1",
            "date": dates,
            "hours": "1",
        },
        dtype=pd.StringDtype("pyarrow", na_value=np.nan),
    )
    # a blank in a required column is reported first, then a malformed date
    bad = [i for i, d in enumerate(dates) if d == ""] or [
        i for i, d in enumerate(dates) if d not in good
    ]
    if not bad:
        out = normalize(frame, SERVICES)
        assert len(out["date"]) == len(dates)
        return
    with pytest.raises(InputError) as err:
        normalize(frame, SERVICES)
    assert err.value.row == bad[0]
    assert err.value.column == "date"
    assert err.value.got == dates[bad[0]]
