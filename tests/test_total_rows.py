"""Total-row detection (skipped_rows.total_rows) looks at each next column only in the rows still without
a non-empty cell; it must find exactly the rows whose first non-empty cell is a total word."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.skipped_rows import TOTAL_WORDS, total_rows

CELLS = st.sampled_from(
    ["", None, float("nan"), "合计", "小 计", "总计：", " 合计", "合  计", "总 计 ：", "\t汇总\t", "合计人数", "合", "张三", 3.0, 0, "x"]
)


def _is_total(cell: object) -> bool:
    """registers.md's total word as it is typed: 合计, 总计, 小计 or 汇总, with any white space in or
    around it and a closing colon (「合  计」, 「总 计 ：」)."""
    if not isinstance(cell, str):
        return False
    squeezed = "".join(character for character in cell if not character.isspace())
    return squeezed.rstrip(":：") in TOTAL_WORDS


def _first_non_empty_is_total(row: list) -> bool:
    for cell in row:
        if cell is None or (isinstance(cell, float) and cell != cell) or cell == "":
            continue
        return _is_total(cell)
    return False


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 6).flatmap(lambda width: st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=30)))
def test_total_rows_are_the_rows_whose_first_non_empty_cell_is_a_total(rows):
    width = len(rows[0]) if rows else 0
    grid = np.empty((len(rows), width), dtype=object)
    if rows:
        grid[:, :] = rows
    assert total_rows(grid).tolist() == [_first_non_empty_is_total(row) for row in rows]


def test_a_total_after_blank_leading_cells_is_found_among_many_rows():
    grid = np.full((1000, 5), "x", dtype=object)
    grid[10] = ""  # a blank row: the columns after the first are still looked at for the rows left
    grid[20, :3] = ["", None, np.nan]
    grid[20, 3] = "合计"
    assert np.flatnonzero(total_rows(grid)).tolist() == [20]
    assert not pd.isna(grid[20, 3])


COLUMN_CELLS = st.one_of(
    st.lists(st.integers(-5, 10**6), max_size=20),  # a 序号 column
    st.lists(st.one_of(st.floats(allow_nan=True), st.integers(0, 9)), max_size=20),
    st.lists(st.sampled_from(["", "张三", "合计", "小 计", "总计：", "计", "总", "汇 总", "合\u3000 计", "总计人数", "x"]), max_size=20),
    st.lists(st.sampled_from(["", "张三", "x", "1", "2"]), max_size=20),
    st.lists(CELLS, max_size=20),
    st.lists(st.one_of(st.booleans(), st.integers(0, 3), st.none()), max_size=20),
)


@settings(max_examples=examples(150), deadline=None)
@given(COLUMN_CELLS)
def test_a_columns_blank_and_total_cells_are_found_whatever_its_types(cells):
    """non_blank_and_total looks at a column of numbers, or of texts holding neither 计 nor 总,
    without comparing each cell: the same cells as compared one by one."""
    from chsc_cli.registers.skipped_rows import non_blank_and_total

    column = np.empty(len(cells), dtype=object)
    column[:] = cells
    non_blank, total = non_blank_and_total(column)
    blank = [cell is None or (isinstance(cell, float) and cell != cell) or (isinstance(cell, str) and cell == "") for cell in cells]
    assert non_blank.dtype == bool and total.dtype == bool
    assert non_blank.tolist() == [not b for b in blank]
    assert total.tolist() == [not b and _is_total(cell) for b, cell in zip(blank, cells)]
