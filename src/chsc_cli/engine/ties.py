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

import numpy as np
import pandas as pd

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
    values: pd.DataFrame | None = None,
) -> pd.Index:
    """The index of one row per `key`: the `keep` end ("last" or "first") of each key's rows sorted
    by `by` (`ascending` per field, default all ascending; a blank never wins); rows equal in every `by`
    field are ranked by their values (see the module: `values`, the same rows with the columns to
    compare, when `frame` holds only the ordering fields), never by their position in `frame`."""
    ascending = list(ascending) if ascending is not None else [True] * len(by)
    blank_loses = "first" if keep == "last" else "last"  # a blank date or order field never wins
    ordered = frame[list(dict.fromkeys([*by, key]))]
    if by:
        ordered = ordered.sort_values(by, ascending=ascending, kind="stable", na_position=blank_loses)
    tied = ordered.duplicated([*by, key], keep=False).to_numpy()
    if tied.any():
        filled, content = _rank_of_values((frame if values is None else values).loc[ordered.index[tied]])
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


def _rank_of_values(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row: how many of its value cells are filled, and the rank of its values among these
    rows — column by column in name order, each column's distinct values ordered by their text (a
    blank first). Vectorised: only a column's distinct values are turned into text."""
    columns = sorted(str(c) for c in rows.columns if not str(c).startswith(PROVENANCE_PREFIX))
    if not columns or not len(rows):
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    values = rows[columns]
    blank = values.isna().to_numpy(dtype=bool) | values.eq("").fillna(False).to_numpy(dtype=bool)  # (nullable dtypes: <NA>)
    filled = (~blank).sum(axis=1).astype(np.int64)
    keys = []
    for position, column in enumerate(columns):
        codes, uniques = pd.factorize(values.iloc[:, position], use_na_sentinel=True)
        order = np.argsort(np.array([str(value) for value in uniques], dtype=object), kind="stable")
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[order + 1] = np.arange(1, len(uniques) + 1)
        rank[0] = 0  # a blank (the -1 code) first
        ranked = rank[codes + 1]
        ranked[blank[:, position]] = 0
        keys.append(ranked)
    order = np.lexsort(keys[::-1])  # the first column decides, then the next
    stacked = np.stack(keys, axis=1)[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (stacked[1:] != stacked[:-1]).any(axis=1)
    content = np.empty(len(order), dtype=np.int64)
    content[order] = np.cumsum(new_group)
    return filled, content
