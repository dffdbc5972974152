"""The day table's calendar (engine/day_table.py) is pandas' calendar: a date N months on (a first
birthday, a due date), a timestamp's year, month and day (ages), for every day it lists and NaT;
anything else is left to pandas."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from chsc_cli.engine.day_table import calendar_fields, months_on
from chsc_cli.engine.engine_input import ages, first_birthdays
from chsc_cli.ages import completed_years

DAY = 86_400_000_000_000
LISTED = (pd.Timestamp("1900-01-01").value, pd.Timestamp("2100-01-01").value - 1)
BOUNDS = (pd.Timestamp.min.value + DAY, pd.Timestamp.max.value - DAY)
#: month ends, 29 February, the table's edges
EDGES = [pd.Timestamp(text).value for text in (
    "2024-02-29", "2023-01-31", "2000-02-29", "1900-02-28", "1900-01-01", "2099-12-31 23:59:59.999999999",
    "1969-12-31 23:00", "2025-12-31", "2100-01-01", "1899-12-31 12:00", "2262-03-01",
)]
TIMESTAMPS = st.one_of(
    st.integers(*LISTED), st.integers(*BOUNDS), st.sampled_from(EDGES),
    st.integers(-40_000, 80_000).map(lambda day: day * DAY), st.none(),
)


def _column(values) -> pd.Series:
    return pd.Series(np.array([np.iinfo(np.int64).min if v is None else v for v in values], dtype=np.int64).view("datetime64[ns]"))


def _pandas_months_on(column: pd.Series, months: int):
    try:
        return (column + pd.DateOffset(months=months)).to_numpy()
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        return "out of bounds"


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(TIMESTAMPS, max_size=12), st.one_of(st.integers(-30, 30), st.sampled_from([12, -12, 1, 600, -600])))
def test_months_on_is_pandas_date_offset(values, months):
    column = _column(values)
    found = months_on(column.to_numpy(), months)
    expected = _pandas_months_on(column, months)
    if found is not None:
        assert found.dtype == np.dtype("datetime64[ns]")
        assert found.view(np.int64).tolist() == expected.view(np.int64).tolist()
    listed = all(v is None or LISTED[0] <= v <= LISTED[1] for v in values)
    if listed and abs(months) <= 30:  # every day listed and the months within reach: looked up, never left
        assert found is not None


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(TIMESTAMPS, max_size=12))
def test_calendar_fields_are_pandas_fields(values):
    column = _column(values)
    found = calendar_fields(column.to_numpy())
    if found is None:
        assert any(v is not None and not LISTED[0] <= v <= LISTED[1] for v in values)
        return
    year, month, day, nat = found
    present = column.notna().to_numpy()
    assert nat.tolist() == (~present).tolist()
    assert year[present].tolist() == column.dt.year[present].tolist()
    assert month[present].tolist() == column.dt.month[present].tolist()
    assert day[present].tolist() == column.dt.day[present].tolist()


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(TIMESTAMPS, max_size=12), st.sampled_from([dt.date(2025, 12, 31), dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2023, 3, 1)]))
def test_ages_and_first_birthdays_are_those_of_pandas(values, reference):
    column = _column(values)
    years, missing = completed_years(column, reference)
    np.testing.assert_array_equal(ages(column, reference), np.where(missing, np.nan, years))
    expected = _pandas_months_on(column, 12)
    if isinstance(expected, str):  # pandas overflows: so does the engine, the same way
        return
    found = first_birthdays(column.rename("birth"))
    pd.testing.assert_series_equal(found, (column + pd.DateOffset(years=1)).rename("birth"))
