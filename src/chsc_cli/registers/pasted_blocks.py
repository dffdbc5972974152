"""Exports pasted one under another in one sheet: each block is read under its own header.

A centre pastes the regional system's monthly or quarterly exports into one sheet, each with its
title row and header row, blank rows and a 小计 row between them. registers.md is silent on a header
written again below the data; what staff expect is that every block is read as its header says —
and a new version of the system may have put the columns in another order, so a block read under
the first block's header would silently put 舒张压 in 收缩压's place.

The look costs nothing on a sheet without such a row: the table builder has factorised every column
it reads, and only the distinct values of the (up to) three columns with the fewest of them are
compared with the kind's header words. A row holding header words there is confirmed by the whole
row naming every required column of the kind; then the sheet is cut into blocks (`blocks`), each
starting at the title and blank rows above its header, and each block is read like a sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .cells import is_blank
from .columns import normalise_header
from .sources import RawSheet

#: How many of the read columns (those with the fewest distinct values) are looked at for header words.
LOOKED_AT_COLUMNS = 3
#: A looked-at column with at most this many distinct values has each of them normalised.
NORMALISED_VALUES = 512
#: At most this many title, note and blank rows above a repeated header belong to its block.
PREAMBLE_ROWS = 10


class RepeatedHeaders(Exception):
    """The sheet repeats its kind's header below the data, at these rows (0-based in the sheet's
    rows); `alone`: those of them that name every required column by themselves (not as one row of a
    two-row header)."""

    def __init__(self, rows: list[int], alone: set[int]):
        super().__init__(rows)
        self.rows = rows
        self.alone = alone


#: What HeaderCheck.confirm answers: no header; a header as one row of a two-row header; a header alone.
NOT_A_HEADER, PART_OF_A_HEADER, A_HEADER = 0, 1, 2


@dataclass(frozen=True)
class HeaderCheck:
    """What a sheet's kind calls its columns (`keys`: normalised headers) and whether a whole row of
    cells is a header of the kind (`confirm`)."""

    keys: frozenset[str]
    #: (the row above or None, the row, the row below or None) -> NOT_A_HEADER, PART_OF_A_HEADER
    #: (the row names every required column with the row above or below it, a two-row header) or
    #: A_HEADER (alone)
    confirm: Callable[[list[object] | None, list[object], list[object] | None], int]

    def raise_on_repeats(self, grid: np.ndarray, factorized: dict[int, tuple[np.ndarray, np.ndarray]],
                         first_data_row: int, header_names: list[str], required: list[int]) -> None:
        """Raise RepeatedHeaders when a data row of `grid` (the rows below the header, the first
        of them the sheet's row `first_data_row`; `header_names`: the header's cells as written;
        `required`: the columns of the kind's required fields) is a header of the kind again.

        A candidate (or the row below it: a two-row header) holds a column name in the first
        required column (the ID's: a data row holds an ID there, so a yes/no column whose cells are
        its own word, 签约, makes no candidate) and in two of the (up to) three read columns with the
        fewest distinct values; each is then confirmed on its whole row."""
        if not required or required[0] not in factorized:
            return
        written = self.keys | {name for name in header_names if name}
        key_positions, key_uniques = factorized[required[0]]
        words = [at for at, value in enumerate(key_uniques.tolist()) if value.__class__ is str
                 and not value.lstrip(_WRAPPERS)[:1].isdigit()  # an ID, a code, a date as text
                 and (value.strip() in written or normalise_header(value) in self.keys)]
        if not words:
            return
        named = np.isin(key_positions, words)
        named[:-1] |= named[1:]  # (or the row below it does: the upper row of a two-row header)
        looked = sorted(factorized.items(), key=lambda item: len(item[1][1]))[:LOOKED_AT_COLUMNS]
        hits = np.zeros(grid.shape[0], dtype=np.int8)
        for _, (positions, uniques) in looked:
            # a column of few distinct values has each normalised (a unit or a space may differ); a
            # column of names or IDs, looked at when the sheet reads few columns, is compared as
            # written with the header's own cells and the kind's names (~50 ns a value, not ~2 µs)
            small = len(uniques) <= NORMALISED_VALUES
            found = [at for at, value in enumerate(uniques.tolist()) if value.__class__ is str
                     and (value.strip() in written or (small and normalise_header(value) in self.keys))]
            if found:
                hits += np.isin(positions, found)
        enough = hits >= min(2, len(looked))
        enough[:-1] |= enough[1:]
        candidates = np.flatnonzero(named & enough)
        last = grid.shape[0] - 1
        rows, alone = [], set()
        for at in candidates.tolist():
            answer = self.confirm(grid[at - 1].tolist() if at else None, grid[at].tolist(),
                                  grid[at + 1].tolist() if at < last else None)
            if answer != NOT_A_HEADER:
                rows.append(at + first_data_row)
                if answer == A_HEADER:
                    alone.add(at + first_data_row)
        if rows:
            raise RepeatedHeaders(rows, alone)


#: What may stand before an ID's digits in a cell (an apostrophe, ="…", spaces).
_WRAPPERS = " \t\u3000'=\""
#: A run of digits as long as an ID's: a row holding one is a data row (an ID alone), never a title.
_ID_DIGITS = re.compile(r"[0-9０-９]{15}")


def blocks(sheet: RawSheet, header_row: int, repeated: RepeatedHeaders) -> list[RawSheet]:
    """The sheet cut into blocks: the first from the sheet's top, each next one from the title,
    note and blank rows (at most PREAMBLE_ROWS of them, none a data row) above a repeated header.
    Two consecutive header rows start one block (a two-row header, read as one by find_header),
    unless they are the same whole header written twice: then two, the first of them empty. Each block keeps the
    sheet's row numbers (`line_numbers`) and its merges."""
    starts: list[int] = []
    previous = header_row
    for row in sorted(repeated.rows):
        pasted_twice = row in repeated.alone and previous in repeated.alone and sheet.rows[row] == sheet.rows[previous]
        if row == previous + 1 and starts and not pasted_twice:
            previous = row  # the second row of a repeated two-row header
            continue
        start = row
        while (start - 1 > previous and row - (start - 1) <= PREAMBLE_ROWS
               and _no_data(sheet.rows[start - 1])):
            start -= 1
        starts.append(start)
        previous = row
    bounds = [0, *starts, len(sheet.rows)]
    return [_part(sheet, begin, end) for begin, end in zip(bounds, bounds[1:]) if end > begin]


def _no_data(row: list[object]) -> bool:
    """A title or note row (one cell filled, with text that is no ID) or a blank row, as written (a
    station merged down over the block does not make a title a data row)."""
    filled = [cell for cell in row if not is_blank(cell)]
    if not filled:
        return True
    return len(filled) == 1 and isinstance(filled[0], str) and _ID_DIGITS.search(filled[0]) is None


def header_like(cells: list[object]) -> bool:
    """A row that could be one row of a header: every filled cell a text that is no ID, code, date
    or number (a data row holds an ID, a date or a reading)."""
    return all(
        isinstance(cell, str) and not cell.lstrip(_WRAPPERS)[:1].isdigit() and _ID_DIGITS.search(cell) is None
        for cell in cells if not is_blank(cell)
    )
def _part(sheet: RawSheet, begin: int, end: int) -> RawSheet:
    merges = tuple(
        (top - begin, left, min(bottom, end - 1) - begin, right)
        for top, left, bottom, right in sheet.merges
        if begin <= top < end
    )
    numbers = tuple(sheet.shown_row(index) for index in range(begin, end))
    return replace(sheet, rows=sheet.rows[begin:end], merges=merges, line_numbers=numbers)
