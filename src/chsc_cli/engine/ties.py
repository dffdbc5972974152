"""Picking one row per person (or card, delivery) when several rows of theirs tie.

A person's station, team, birth date, status… come from their row with the latest `latest_by`
date; a `latest:` / `first:` requirement judges one row per person. Rows that tie on every ordering
field (the same 建档日期 in two stations' files, a card's two rows with the same 诊断时间) must not be
told apart by where they stand: the files are read in the order of their names and a sheet's rows in
the order staff sorted them, and neither may change a figure. Tied rows are ranked by their own
values instead: the row with more cells filled wins (a blank says less than a station's name), then
the greater of their values compared column by column — arbitrary, but the same whatever the order
of files, sheets and rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .engine_input import select

#: Columns that say where a row was read (file, sheet, row number, which columns its file had), not
#: what it says: never used to tell tied rows apart.
PROVENANCE_PREFIX = "_"


def pick_per_key(
    frame: pd.DataFrame,
    by: list[str],
    key: str,
    *,
    ascending: list[bool] | None = None,
    keep: str = "last",
    values: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
    codes: np.ndarray | None = None,
) -> pd.Index:
    """The index of one row per `key`: the `keep` end ("last" or "first") of each key's rows sorted
    by `by` (`ascending` per field, default all ascending; a blank never wins); rows equal in every `by`
    field are ranked by their values (see the module: `values`, the same rows — or a frame holding
    them under the same labels, or a function giving one when a tie needs it — with the columns to
    compare, when `frame` holds only the ordering fields), never by their position in `frame`.
    `codes`: the keys of `frame`'s rows as numbers (equal keys, equal numbers), when already known."""
    ascending = list(ascending) if ascending is not None else [True] * len(by)
    if len(by) <= 1 and all(ascending) and (not by or _is_datetime(frame[by[0]])):
        return _pick_by_date(frame, by[0] if by else None, key, keep, values, codes)
    return _pick_sorted(frame, by, key, ascending, keep, values)


def _pick_sorted(frame: pd.DataFrame, by: list[str], key: str, ascending: list[bool], keep: str, values) -> pd.Index:
    """`pick_per_key` for any ordering fields, with pandas' sorts."""
    blank_loses = "first" if keep == "last" else "last"  # a blank date or order field never wins
    ordered = select(frame, [*by, key])
    if by:
        ordered = ordered.sort_values(by, ascending=ascending, kind="stable", na_position=blank_loses)
    tied = ordered.duplicated([*by, key], keep=False).to_numpy()
    if tied.any():
        filled, content = _rank_of_values(_compared(frame, values).loc[ordered.index[tied]])
        rank_filled = np.zeros(len(ordered), dtype=np.int64)
        rank_content = np.zeros(len(ordered), dtype=np.int64)
        rank_filled[tied], rank_content[tied] = filled, content
        wins_last = keep == "last"
        ordered = ordered.assign(_tie_filled=rank_filled, _tie_content=rank_content).sort_values(
            [*by, "_tie_filled", "_tie_content"],
            ascending=[*ascending, wins_last, wins_last],
            kind="stable",
            na_position=blank_loses,
        )
    return ordered.drop_duplicates(key, keep=keep).index


def _compared(frame: pd.DataFrame, values) -> pd.DataFrame:
    """The rows whose values rank tied rows: `values` (or what it gives), else `frame` itself."""
    if values is None:
        return frame
    return values() if callable(values) else values


def _is_datetime(column: pd.Series) -> bool:
    return isinstance(column.dtype, np.dtype) and column.dtype.kind == "M"


def _pick_by_date(frame: pd.DataFrame, by: str | None, key: str, keep: str, values, codes: np.ndarray | None = None) -> pd.Index:
    """`pick_per_key` ordered by one date column (or none), ascending, on numpy arrays: the same
    index in the same order as the pandas path (a stable sort with blank dates placed where they
    never win, tied rows ranked by their values, then each key's `keep` end in sorted order)."""
    count = len(frame)
    if codes is None:
        codes = pd.factorize(frame[key], use_na_sentinel=False)[0]
    if by is None:
        dates = np.zeros(count, dtype=np.int64)
        order = np.arange(count)
    else:
        dates = frame[by].to_numpy().view(np.int64).copy()
        blank = np.isnat(frame[by].to_numpy())
        # a blank date never wins: first when the last row wins, last when the first does (pandas'
        # na_position: blank rows keep their order at that end, as a stable sort leaves them)
        dates[blank] = np.iinfo(np.int64).min if keep == "last" else np.iinfo(np.int64).max
        order = np.argsort(dates, kind="stable")
    sorted_dates, sorted_codes = dates[order], codes[order]
    tied = _duplicated_pairs(sorted_dates, sorted_codes)
    if tied.any():
        filled, content = _rank_of_values(_compared(frame, values).loc[frame.index[order[tied]]])
        rank_filled = np.zeros(count, dtype=np.int64)
        rank_content = np.zeros(count, dtype=np.int64)
        rank_filled[tied], rank_content[tied] = filled, content
        if keep != "last":  # the first row wins: the most filled and greatest values first
            rank_filled, rank_content = -rank_filled, -rank_content
        again = np.lexsort((rank_content, rank_filled, sorted_dates))  # stable: the date decides, then the ranks
        order, sorted_codes = order[again], sorted_codes[again]
    if keep == "last":
        _, at = np.unique(sorted_codes[::-1], return_index=True)
        kept = np.sort(count - 1 - at)
    else:
        _, at = np.unique(sorted_codes, return_index=True)
        kept = np.sort(at)
    return frame.index[order[kept]]


def _duplicated_pairs(dates: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Which rows share their (date, key) pair with another row (DataFrame.duplicated(keep=False))."""
    if not len(codes):
        return np.zeros(0, dtype=bool)
    order = np.lexsort((codes, dates))
    same = (dates[order][1:] == dates[order][:-1]) & (codes[order][1:] == codes[order][:-1])
    repeated = np.zeros(len(codes), dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    tied = np.zeros(len(codes), dtype=bool)
    tied[order] = repeated
    return tied


def _rank_of_values(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row: how many of its value cells are filled, and the rank of its values among these
    rows — column by column in name order, each column's distinct values ordered by their text (a
    blank first). Vectorised: only a column's distinct values are turned into text."""
    columns = sorted(str(c) for c in rows.columns if not str(c).startswith(PROVENANCE_PREFIX))
    if not columns or not len(rows):
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    values = select(rows, columns)
    # a blank: NA (<NA> of nullable dtypes too) or the empty text, as values.isna() | values.eq("")
    # say it; each column's cells read once, as Python values (a tie holds two to a few rows)
    cells = [values.iloc[:, position].array for position in range(len(columns))]
    blank = np.column_stack([np.asarray(column.isna(), dtype=bool) | _empty_texts(column) for column in cells])
    filled = (~blank).sum(axis=1).astype(np.int64)
    keys = [_ranked(column, blank[:, position]) for position, column in enumerate(cells)]
    return filled, content_ranks(keys)


def content_ranks(keys: list[np.ndarray]) -> np.ndarray:
    """Each row's rank by its columns' ranks `keys` (the first column decides, then the next); rows
    equal in every column share a rank."""
    order = np.lexsort(keys[::-1])
    stacked = np.stack(keys, axis=1)[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (stacked[1:] != stacked[:-1]).any(axis=1)
    content = np.empty(len(order), dtype=np.int64)
    content[order] = np.cumsum(new_group)
    return content


def _empty_texts(cells) -> np.ndarray:
    """Which cells are the empty text (`== ""`: only a text can be; a number or date compared with a
    text is not equal, as pandas says)."""
    return np.array([isinstance(cell, str) and cell == "" for cell in cells], dtype=bool)


def _ranked(cells, blank: np.ndarray) -> np.ndarray:
    """Each cell's rank among the column's distinct filled values ordered by their text (equal
    values, equal ranks; 0 for a blank), as `pd.factorize` would number them and their text read:
    a tie holds two to a few rows, whose pandas factorisation cost ~0.3 ms a column in overhead.
    The distinct values are kept in the order they first appear (a stable sort of equal texts keeps
    it), equal as a hash table finds them; a numpy column's scalar's text is that of its Python
    value, as a factorised column's distinct values give it (`Index` iteration), but a value held in
    an object column is its own text there (a numpy datetime64 there is not its integer);
    blanks take no part."""
    first: dict = {}
    codes = np.full(len(cells), -1, dtype=np.int64)
    for at, cell in enumerate(cells):
        if not blank[at]:
            codes[at] = first.setdefault(cell, len(first))
    boxed = cells.dtype.kind == "O"  # (object, category, text: Index iteration gives their values as they are)
    texts = [str(value.item() if not boxed and isinstance(value, np.generic) else value) for value in first]
    rank = np.zeros(len(first) + 1, dtype=np.int64)
    rank[np.argsort(np.array(texts, dtype=object), kind="stable") + 1] = np.arange(1, len(first) + 1)
    return rank[codes + 1]
