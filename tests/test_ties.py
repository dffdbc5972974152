"""engine/ties.py: the row picked per key when rows tie on every ordering field depends on the rows'
values, never on their order — with the column types real tables carry (nullable booleans with
<NA>, dates with NaT, numbers with NaN, text with blanks)."""

from __future__ import annotations

import datetime as dt

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


# -- the numpy path for one date column (or none) against the pandas sorts it replaces --------------

from budget import examples  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from chsc_cli.engine.ties import _pick_by_date, _pick_sorted  # noqa: E402

_DATES = st.one_of(st.none(), st.sampled_from(["2024-12-01", "2025-01-01", "2025-01-02", "2025-03-31 08:00"]))


@st.composite
def _rows(draw):
    count = draw(st.integers(0, 14))
    keys = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=count, max_size=count))
    dates = draw(st.lists(_DATES, min_size=count, max_size=count))
    stations = draw(st.lists(st.sampled_from(["一站", "二站", "", None]), min_size=count, max_size=count))
    scores = draw(st.lists(st.sampled_from([1.0, 2.0, np.nan]), min_size=count, max_size=count))
    table = pd.DataFrame({
        "_key": pd.Series(keys, dtype=object),
        "date": pd.to_datetime(pd.Series(dates, dtype=object), format="ISO8601"),
        "station": pd.Series(stations, dtype=object),
        "score": pd.Series(scores, dtype=float),
        "_row": np.arange(count),
    })
    labels = draw(st.permutations(list(range(100, 100 + count))))  # a filtered table's labels, in any order
    table.index = pd.Index(labels, dtype=np.int64)
    return table


@settings(max_examples=examples(60), deadline=None)
@given(table=_rows(), keep=st.sampled_from(["last", "first"]), by_date=st.booleans(), key=st.sampled_from(["_key", "_person"]))
def test_the_numpy_pick_is_the_pandas_pick(table, keep, by_date, key):
    if key == "_person":  # event rows are keyed by the person's position (conditions.PERSON)
        table = table.assign(_person=pd.factorize(table["_key"])[0])
    by = ["date"] if by_date else []
    expected = _pick_sorted(table, by, key, [True] * len(by), keep, None)
    got = _pick_by_date(table, by[0] if by else None, key, keep, None)
    assert list(got) == list(expected) and got.dtype == expected.dtype
    assert list(pick_per_key(table, by, key, keep=keep)) == list(expected)


@settings(max_examples=examples(60), deadline=None)
@given(table=_rows(), keep=st.sampled_from(["last", "first"]), by_date=st.booleans(), numbering=st.randoms(use_true_random=False))
def test_a_pick_given_the_keys_numbered_and_the_values_elsewhere_is_the_same_pick(table, keep, by_date, numbering):
    """populations: the keys numbered once per register (any numbering), the pick reading only the
    date and the key, tied rows ranked on the whole rows held in another frame under the same labels."""
    by = ["date"] if by_date else []
    expected = pick_per_key(table, by, "_key", keep=keep)
    codes, uniques = pd.factorize(table["_key"])
    renumber = np.array(numbering.sample(range(len(uniques) + 5), len(uniques)), dtype=np.int64)
    whole = table.sample(frac=1, random_state=numbering.randint(0, 99))  # the same rows in another order
    got = pick_per_key(table[[*by, "_key"]], by, "_key", keep=keep, values=whole, codes=renumber[codes])
    assert list(got) == list(expected)
    assert list(pick_per_key(table[[*by, "_key"]], by, "_key", keep=keep, values=lambda: whole)) == list(expected)


# ---------------------------------------------------------------- tied rows ranked on their values

from chsc_cli.engine.ties import _rank_of_values, content_ranks  # noqa: E402


def _rank_by_factorize(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ranking as it was computed with pandas' factorisation of each column (the reference)."""
    columns = sorted(str(c) for c in rows.columns if not str(c).startswith("_"))
    if not columns or not len(rows):
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    values = rows[columns]
    blank = values.isna().to_numpy(dtype=bool) | values.eq("").fillna(False).to_numpy(dtype=bool)
    filled = (~blank).sum(axis=1).astype(np.int64)
    keys = []
    for position in range(len(columns)):
        codes, uniques = pd.factorize(values.iloc[:, position], use_na_sentinel=True)
        order = np.argsort(np.array([str(value) for value in uniques], dtype=object), kind="stable")
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[order + 1] = np.arange(1, len(uniques) + 1)
        rank[0] = 0
        ranked = rank[codes + 1]
        ranked[blank[:, position]] = 0
        keys.append(ranked)
    return filled, content_ranks(keys)  # (the ranking of the columns is what changed, not this)


_CELLS = {
    "text": (object, st.sampled_from(["甲", "乙", "", "10", "9", "a", None, np.nan, 1, 1.0, True, 2.5, "2.5"])),
    # numpy scalars held as they are in an object column: their own text, not their Python value's
    "boxed": (object, st.sampled_from([np.datetime64("2025-01-01", "ns"), dt.date(2025, 1, 1), np.float32(0.1), 0.1, None, "2"])),
    "number": (float, st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e16, 1e-05, 123456789.125, np.nan, 10.0, 9.0])),
    "count": (np.int64, st.sampled_from([0, 1, 9, 10, -3, 2**40])),
    "flag": (bool, st.booleans()),
    "yes_no": ("boolean", st.sampled_from([True, False, None])),
    "date": ("datetime64[ns]", st.sampled_from([None, "2025-03-12", "2025-03-12 14:20", "2024-02-29", "2025-12-31"])),
    "_file": (object, st.sampled_from(["a.xlsx", "b.xlsx"])),
}


@settings(max_examples=examples(120), deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.fixed_dictionaries({name: st.lists(cells, min_size=n, max_size=n) for name, (_, cells) in _CELLS.items()})),
       st.sets(st.sampled_from(sorted(_CELLS)), min_size=1))
def test_tied_rows_are_ranked_as_pandas_factorisation_ranks_them(columns, chosen):
    frame = pd.DataFrame({name: pd.Series(columns[name], dtype=_CELLS[name][0]) for name in sorted(chosen)})
    frame.index = pd.Index(range(10, 10 + len(frame)))  # the rows' labels are not 0..n
    filled, content = _rank_of_values(frame)
    expected_filled, expected_content = _rank_by_factorize(frame)
    assert filled.tolist() == expected_filled.tolist()
    assert content.tolist() == expected_content.tolist()


def test_a_numpy_value_held_in_an_object_column_ranks_by_its_own_text():
    """An object column's values are their own text to the factorising ranking (Index iteration
    boxes nothing there): a numpy datetime64 is '2025-01-01T00:00:00.000000000', after the date's
    '2025-01-01', not its integer of nanoseconds (which would sort before the date)."""
    cells = np.empty(3, dtype=object)
    cells[:] = [np.datetime64("2025-01-01", "ns"), dt.date(2025, 1, 1), np.float32(0.1)]
    frame = pd.DataFrame({"value": pd.Series(cells, dtype=object)})
    filled, content = _rank_of_values(frame)
    expected_filled, expected_content = _rank_by_factorize(frame)
    assert content.tolist() == expected_content.tolist() == [3, 2, 1]
    assert filled.tolist() == expected_filled.tolist()
