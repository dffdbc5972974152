"""duplicate_rows compares in full only the rows repeated in the required columns: the result must be
exactly that of comparing every row in every column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.kinds import KINDS
from chsc_cli.registers.persons import duplicate_rows

KIND = KINDS["hypertension_followups"]
FIELDS = ("id_number", "followup_date", "followup_mode", "systolic")
#: Few distinct values per column, so that rows repeat in some columns and not in others.
CELLS = {
    "id_number": st.sampled_from(["110101195001010011", "110101195001010029", None]),
    "followup_date": st.sampled_from([pd.Timestamp("2025-03-01"), pd.Timestamp("2025-06-01"), pd.NaT]),
    "followup_mode": st.sampled_from(["门诊", "电话", None]),
    "systolic": st.sampled_from([120.0, 150.0, np.nan]),
}
ROWS = st.lists(st.fixed_dictionaries({field: CELLS[field] for field in FIELDS}), max_size=25)


def _table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(FIELDS)).astype({"id_number": object, "followup_mode": object})
    table["followup_date"] = pd.to_datetime(table["followup_date"])
    table["_present"] = "present"
    table["_file"] = [f"f{index % 2}.xlsx" for index in range(len(table))]
    table["_sheet"] = [f"表{index % 3}" if index % 4 else None for index in range(len(table))]  # None: a CSV
    table["_row"] = np.arange(2, len(table) + 2)
    return table


@settings(max_examples=examples(200), deadline=None)
@given(ROWS)
def test_same_rows_dropped_as_a_full_comparison(rows):
    table = _table(rows)
    expected = table.duplicated(subset=[*FIELDS, "_present"], keep="first").to_numpy()
    kept, problems = duplicate_rows(table, KIND)
    assert kept["_row"].tolist() == table.loc[~expected, "_row"].tolist()
    assert [p.row for p in problems] == table.loc[expected, "_row"].tolist()
    for problem in problems:  # each names the first row it repeats
        row = table[table["_row"] == problem.row].iloc[0]
        same = (table[list(FIELDS)].eq(row[list(FIELDS)]) | (table[list(FIELDS)].isna() & row[list(FIELDS)].isna())).all(axis=1)
        first = table[same].iloc[0]
        sheet = f"「{first['_sheet']}」" if isinstance(first["_sheet"], str) else " "  # a workbook holds several sheets
        assert problem.message == f"与 {first['_file']}{sheet}第 {first['_row']} 行各列读出的值相同（写法可能不同，如 2025-03-12 与 2025/3/12），只计一次"


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.sampled_from(["110101195001010011", "110101195001010029", "110101195001010037", None]), max_size=20))
def test_duplicate_persons_name_the_first_row_of_the_person(ids):
    from chsc_cli.registers.persons import _duplicate_persons

    table = pd.DataFrame({"id_number": pd.Series(ids, dtype=object)})
    table["_file"] = [f"f{index % 3}.xlsx" for index in range(len(table))]
    table["_sheet"] = "Sheet1"
    table["_row"] = np.arange(2, len(table) + 2)
    problems = _duplicate_persons(table, KINDS["residents"])
    expected = []
    for index, person in enumerate(ids):
        first = ids.index(person)
        if person is not None and first < index:
            expected.append((index + 2, f"同一人在名册中出现多次（首次在 f{first % 3}.xlsx「Sheet1」第 {first + 2} 行），按一人计"))
    assert [(p.row, p.message) for p in problems] == expected


def test_add_person_fields_leaves_the_parsed_frame_as_it_was():
    """The parsed frames are also the parse cache's entries: person fields go on a copy."""
    from chsc_cli.registers.persons import add_person_fields

    table = pd.DataFrame(
        {
            "id_number": pd.Series(["110101195001010011", None], dtype=object),
            "sex": pd.Series([None, "女"], dtype=object),
            "birth_date": pd.to_datetime([None, "1950-01-01"]),
        }
    )
    table["_file"], table["_sheet"], table["_row"] = "f.xlsx", "Sheet1", [2, 3]
    before = table.copy()
    added, _ = add_person_fields(table, KINDS["residents"])
    assert added["sex"].tolist() == ["男", "女"] and "birth" in added.columns
    pd.testing.assert_frame_equal(table, before)
