"""Total-row detection (table._total_rows) looks at each next column only in the rows still without
a non-empty cell; it must find exactly the rows whose first non-empty cell is a total word."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.table import TOTAL_SET, _total_rows

CELLS = st.sampled_from(["", None, float("nan"), "合计", "小 计", "总计：", " 合计", "合", "张三", 3.0, 0, "x"])


def _first_non_empty_is_total(row: list) -> bool:
    for cell in row:
        if cell is None or (isinstance(cell, float) and cell != cell) or cell == "":
            continue
        return isinstance(cell, str) and cell in TOTAL_SET
    return False


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 6).flatmap(lambda width: st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=30)))
def test_total_rows_are_the_rows_whose_first_non_empty_cell_is_a_total(rows):
    width = len(rows[0]) if rows else 0
    grid = np.empty((len(rows), width), dtype=object)
    if rows:
        grid[:, :] = rows
    assert _total_rows(grid).tolist() == [_first_non_empty_is_total(row) for row in rows]


def test_a_total_after_blank_leading_cells_is_found_among_many_rows():
    grid = np.full((1000, 5), "x", dtype=object)
    grid[10] = ""  # a blank row: the columns after the first are still looked at for the rows left
    grid[20, :3] = ["", None, np.nan]
    grid[20, 3] = "合计"
    assert np.flatnonzero(_total_rows(grid)).tolist() == [20]
    assert not pd.isna(grid[20, 3])
