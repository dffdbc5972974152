"""engine/ties.py: the row picked per key when rows tie on every ordering field depends on the rows'
values, never on their order — with the column types real tables carry (nullable booleans with
<NA>, dates with NaT, numbers with NaN, text with blanks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chsc_cli.engine.ties import pick_per_key


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "_key": ["a", "a", "a", "b", "b", "c"],
        "date": pd.to_datetime(["2025-01-01", "2025-01-01", "2024-12-01", None, None, "2025-02-02"]),
        "station": ["一站", "二站", "三站", "一站", "", "一站"],
        "signed": pd.array([True, pd.NA, False, pd.NA, pd.NA, True], dtype="boolean"),
        "score": [1.0, np.nan, 3.0, 2.0, 2.0, np.nan],
        "_row": [2, 3, 4, 5, 6, 7],  # where a row was read: never a tie-breaker
    })


def picked(table: pd.DataFrame, **options) -> list[tuple]:
    rows = table.loc[pick_per_key(table, ["date"], "_key", **options)]
    return sorted(rows[["_key", "station"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("keep", ["last", "first"])
def test_the_pick_is_the_same_in_every_row_order(keep):
    table = frame()
    expected = picked(table, keep=keep)
    for seed in range(12):
        shuffled = table.sample(frac=1, random_state=seed)
        shuffled["_row"] = np.arange(len(shuffled))
        assert picked(shuffled, keep=keep) == expected, seed


def test_the_tied_row_with_more_cells_filled_wins():
    # a: 一站 and 二站 tie on 2025-01-01; 一站's row has every cell filled, 二站's has two blanks
    # b: both dates blank (a tie); the row with a station beats the one without
    assert picked(frame()) == [("a", "一站"), ("b", "一站"), ("c", "一站")]
