"""The sheets' hashes of the required fields (row_keys): rows that DataFrame.duplicated takes as equal
in those fields always share a hash, so duplicate_rows finds through them exactly the rows it found
by comparing the fields themselves; the hash is the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.kinds import KINDS
from chsc_cli.registers.persons import add_person_fields, duplicate_rows, kind_table
from chsc_cli.registers.row_keys import ROW_KEY_HASH, row_hashes, value_hashes

KIND = KINDS["hypertension_followups"]
REQUIRED = [column.field for column in KIND.required]
#: Values an object column may hold, equal ones among them written differently (None/NaN/NaT,
#: 1/1.0/True, str and a str subclass), and texts that differ by little.
OBJECTS = st.sampled_from(
    ["门诊", "电话", "门诊 ", "", None, np.nan, pd.NaT, 1, 1.0, True, 0, ("a",), np.str_("门诊"), "\ud800"]
)
DATES = st.sampled_from([pd.Timestamp("2025-03-01"), pd.Timestamp("2025-06-01"), pd.NaT])


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(OBJECTS, max_size=30))
def test_values_equal_to_duplicated_share_a_hash(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    codes, _ = pd.factorize(array, use_na_sentinel=True)  # how duplicated tells values apart
    hashes = value_hashes(array)
    for code in set(codes.tolist()):
        assert len(set(hashes[codes == code].tolist())) == 1


def test_a_texts_hash_does_not_depend_on_its_neighbours():
    """A text UTF-8 cannot hold (a lone surrogate) is hashed apart: the others keep their hash."""
    alone = value_hashes(np.array(["门诊", "电话"], dtype=object))
    beside = value_hashes(np.array(["门诊", "\ud800", "电话", None], dtype=object))
    assert beside[[0, 2]].tolist() == alone.tolist() and len(set(beside.tolist())) == 4


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(DATES, max_size=20))
def test_dates_equal_share_a_hash(dates):
    values = pd.to_datetime(pd.Series(dates, dtype="datetime64[ns]")).to_numpy()
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    hashes = value_hashes(values)
    for code in set(codes.tolist()):
        assert len(set(hashes[codes == code].tolist())) == 1


ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "id_number": st.sampled_from(["110101195001010011", "110101195001010029", None]),
            "followup_date": DATES,
            "followup_mode": OBJECTS.filter(lambda value: value != "\ud800"),  # pandas' groupby refuses it
            "systolic": st.sampled_from([120.0, 150.0, np.nan]),
        }
    ),
    max_size=25,
)


def _frame(rows: list[dict], file: str, hashed: bool) -> pd.DataFrame:
    def objects(field):
        array = np.empty(len(rows), dtype=object)
        array[:] = [row[field] for row in rows]
        return pd.Series(array, dtype=object, copy=False)

    frame = pd.DataFrame(
        {
            "id_number": objects("id_number"),
            "followup_date": pd.Series([row["followup_date"] for row in rows], dtype="datetime64[ns]"),
            "followup_mode": objects("followup_mode"),
            "systolic": pd.Series([row["systolic"] for row in rows], dtype=float),
        }
    )
    frame["_present"], frame["_file"], frame["_sheet"] = "present", file, "Sheet1"
    frame["_row"] = np.arange(2, len(frame) + 2)
    if hashed:
        parts = [value_hashes(frame[field].to_numpy()) for field in REQUIRED]
        frame[ROW_KEY_HASH] = row_hashes(parts, len(frame))
    return frame


@settings(max_examples=examples(200), deadline=None)
@given(ROWS, ROWS)
def test_duplicate_rows_through_the_hashes_as_through_the_fields(first, second):
    """Two sheets of one kind: the same rows dropped, the same problems, the same table."""
    hashed = kind_table([_frame(first, "a.xlsx", True), _frame(second, "b.xlsx", True)], KIND)
    plain = kind_table([_frame(first, "a.xlsx", False), _frame(second, "b.xlsx", False)], KIND)
    assert hashed[ROW_KEY_HASH].dtype == np.uint64
    kept_hashed, problems_hashed = duplicate_rows(hashed, KIND)
    kept_plain, problems_plain = duplicate_rows(plain, KIND)
    assert problems_hashed == problems_plain
    pd.testing.assert_frame_equal(kept_hashed.drop(columns=ROW_KEY_HASH), kept_plain)
    table, _ = add_person_fields(kept_hashed, KIND)
    assert ROW_KEY_HASH not in table.columns  # a hidden column, like the ID facts


def test_sheets_of_unlike_types_are_compared_without_hashes():
    """A required field of one type in one sheet and another type in the next (not what the reader
    makes, but a frame from elsewhere): their hashes do not compare, so the table has none."""
    row = {"id_number": "110101195001010011", "followup_date": pd.NaT, "followup_mode": "门诊", "systolic": 120.0}
    dated = _frame([row], "a.xlsx", True)
    texts = dated.astype({"followup_date": object})
    table = kind_table([dated, texts], KIND)
    assert ROW_KEY_HASH not in table.columns
    assert duplicate_rows(table, KIND)[0]["_row"].tolist() == [2]


def test_the_hash_is_the_same_in_another_process():
    """Workers started with spawn have another hash() salt: the row keys must not depend on it."""
    code = (
        "import numpy as np; from chsc_cli.registers.row_keys import value_hashes; "
        "print(value_hashes(np.array(['门诊', '110101195001010011', None], dtype=object)).tolist())"
    )
    outputs = set()
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
        outputs.add(run.stdout.strip())
    here = str(value_hashes(np.array(["门诊", "110101195001010011", None], dtype=object)).tolist())
    assert outputs == {here}


def test_each_sheets_hashes_are_those_of_its_own_columns():
    """The reader works a required field's hash out per distinct value: it is the hash of the
    values the table ends up with, row by row (every sheet of the sample centre)."""
    import datetime as dt
    from pathlib import Path

    from chsc_cli.registers.sheets import read_one_file
    from chsc_cli.registers.folder import find_register_files
    from chsc_cli.services.workspace import load_settings

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    settings = load_settings(sample, None).settings
    checked = 0
    for path in find_register_files(sample):
        parsed = read_one_file(path, sample, settings, dt.date(2026, 1, 15))
        for sheet, frame in zip(parsed.sheets, parsed.frames):
            required = [column.field for column in KINDS[sheet.kind].required]
            parts = [value_hashes(np.asarray(frame[field].array, dtype=object if str(frame[field].dtype) == "boolean" else None)) for field in required]
            assert frame[ROW_KEY_HASH].tolist() == row_hashes(parts, len(frame)).tolist(), (sheet.file, sheet.sheet)
            checked += 1
    assert checked >= 10
