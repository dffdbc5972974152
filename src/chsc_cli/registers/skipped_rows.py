"""Rows of a sheet that are no data (registers.md: "rows whose first non-empty cell is 合计, 总计 or
小计"): total rows, however the word is spaced, and the footer lines below a printed list."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from .cells import is_blank

#: registers.md's total rows, and 汇总: the label Excel (Chinese) gives the total row of a table
#: (表格 > 汇总行), which a list kept as an Excel table carries at its end.
TOTAL_WORDS = frozenset(("合计", "总计", "小计", "汇总"))

#: 合计 / 总计 / 小计 / 汇总 as they are typed: with a colon, spaces between the characters, padding.
TOTAL_VARIANTS = tuple(
    f"{pad}{word[0]}{gap}{word[1]}{colon}{pad}"
    for word in TOTAL_WORDS
    for gap in ("", " ", "\u3000")
    for colon in ("", ":", "：")
    for pad in ("", " ")
)
TOTAL_SET = frozenset(TOTAL_VARIANTS)
#: Each word's last character (计, 总): every spelling in TOTAL_SET holds one of them.
_TOTAL_CHARACTERS = tuple(sorted({word[-1] for word in TOTAL_WORDS}))


def total_rows(grid: np.ndarray, factorized: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """Rows whose first non-empty cell is 合计, 总计, 小计 or 汇总 (exact matches of the usual spellings,
    compared in C: a register has 100,000 rows and one total line). Each next column is looked at
    only in the rows still without a non-empty cell: a sheet with one blank row is not compared in
    full column after column. A column already factorised (`factorized`: index -> positions,
    distinct values) is judged on its distinct values when they are fewer than the rows to judge."""
    totals = np.zeros(grid.shape[0], dtype=bool)
    pending = np.arange(grid.shape[0])
    for index in range(grid.shape[1]):
        if not len(pending):
            break
        if factorized is not None and index in factorized and len(factorized[index][1]) < len(pending):
            positions, uniques = factorized[index]
            non_blank, total = non_blank_and_total(uniques)
            at = positions if len(pending) == grid.shape[0] else positions[pending]
            non_blank, total = non_blank[at], total[at]
        else:
            column = grid[:, index] if len(pending) == grid.shape[0] else grid[pending, index]
            non_blank, total = non_blank_and_total(column)
        totals[pending[total]] = True
        pending = pending[~non_blank]
    return totals


#: The lines a printed list ends with, below its data: who made and checked it, when, notes
#: (`制表人：张三`, `审核人:`, `填报日期：2026-01-05`, `注：…`). They are no data row: when a sheet's
#: last rows (blank and total rows aside) start with one of them, they are skipped like a total row.
FOOTER = re.compile(
    r"(?:(?:单位)?(?:制表|填表|填报|审核|审批|统计|录入|核对|复核|负责)(?:人|者|员|日期|时间|单位)?|(?:单位)?负责人)(?:[:：]|$)"
    r"|(?:注|备注|说明|附注)[:：]"
)


def footer_rows(grid: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows at the end of the sheet (below the last data row; blank and total rows between
    them aside) whose first non-empty cell starts with a FOOTER word."""
    footer = np.zeros(len(keep), dtype=bool)
    for row in range(len(keep) - 1, -1, -1):
        if not keep[row]:
            continue
        first = next((cell for cell in grid[row] if not is_blank(cell)), None)
        if not isinstance(first, str) or not FOOTER.match("".join(unicodedata.normalize("NFKC", first).split())):
            break
        footer[row] = True
    return footer


def non_blank_and_total(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which cells are not empty, which are not empty and a total word)."""
    found = pd.api.types.infer_dtype(cells, skipna=False)  # one pass in C: a 序号 column is numbers only
    if found == "integer":  # never empty, never a word
        return np.ones(len(cells), dtype=bool), np.zeros(len(cells), dtype=bool)
    if found in ("floating", "mixed-integer-float"):  # empty only when NaN
        return ~pd.isna(cells), np.zeros(len(cells), dtype=bool)
    if found == "string":  # text is never NA; every total word holds 计 or 总 (one look at them all)
        non_blank = cells != ""
        joined = "".join(cells.tolist())
        if not any(character in joined for character in _TOTAL_CHARACTERS):
            return non_blank, np.zeros(len(cells), dtype=bool)
        return non_blank, _totals(cells, non_blank)
    non_blank = (cells != "") & ~pd.isna(cells)
    return non_blank, _totals(cells, non_blank)


def _totals(cells: np.ndarray, non_blank: np.ndarray) -> np.ndarray:
    """Which non-blank cells are a total word: the usual spellings compared in C, then the rarer
    ones (「合  计」, 「总 计 ：」, a tab) one by one among the texts holding 计 or 总."""
    total = non_blank & pd.Series(cells, dtype=object).isin(TOTAL_SET).to_numpy()
    rest = np.flatnonzero(non_blank & ~total)
    loose = [at for at, cell in zip(rest.tolist(), cells[rest].tolist()) if _loose_total(cell)]
    total[loose] = True
    return total


def _loose_total(cell: object) -> bool:
    """A text that is a total word once its white space and a closing colon are dropped."""
    if cell.__class__ is not str or not any(character in cell for character in _TOTAL_CHARACTERS):
        return False
    return "".join(cell.split()).rstrip(":：") in TOTAL_WORDS
