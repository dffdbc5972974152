"""ages_at / ages_in_years (day numbers against each year's last passed birthday) agree with the
scalar age_at, the definition of 周岁, on every date — 29 February births and references, dates
before 1970, births after the reference (negative ages), NaT."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from budget import examples
from chsc_cli.people import age_at, ages_at, ages_in_years

#: Dates near the ends of February and of the year weigh more: that is where ages turn.
_EDGES = st.builds(
    lambda year, month_day: date(year, *month_day) if month_day != (2, 29) or year % 4 == 0 and (year % 100 or year % 400 == 0) else date(year, 2, 28),
    st.integers(1700, 2250),
    st.sampled_from([(1, 1), (2, 27), (2, 28), (2, 29), (3, 1), (12, 31), (6, 15)]),
)
_DATES = st.one_of(_EDGES, st.dates(date(1700, 1, 1), date(2250, 12, 31)))


def _series(births: list) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(births, dtype=object)), dtype="datetime64[ns]")


@given(st.lists(st.one_of(st.none(), _DATES), max_size=40), _DATES)
@settings(max_examples=examples(300))
def test_vectorised_ages_agree_with_age_at(births, reference):
    expected = [None if birth is None else age_at(birth, reference) for birth in births]
    whole = ages_at(_series(births), reference)
    assert [None if pd.isna(value) else int(value) for value in whole] == expected
    floats = ages_in_years(_series(births), reference)
    assert floats.dtype == np.float64
    assert [None if math.isnan(value) else int(value) for value in floats] == expected


def test_29_february_birthdays():
    born = _series([date(2000, 2, 29), date(2000, 3, 1), date(1999, 12, 31)])
    assert list(ages_in_years(born, date(2001, 2, 27))) == [0, 0, 1]
    assert list(ages_in_years(born, date(2001, 2, 28))) == [1, 0, 1]  # a common year: the 28th
    assert list(ages_in_years(born, date(2004, 2, 28))) == [3, 3, 4]  # a leap year: the 29th
    assert list(ages_in_years(born, date(2004, 2, 29))) == [4, 3, 4]
    assert list(ages_in_years(born, date(1999, 6, 1))) == [-1, -1, -1]  # before birth: negative


def test_no_birth_dates_at_all():
    assert np.isnan(ages_in_years(_series([None, None]), date(2025, 12, 31))).all()
    assert ages_in_years(_series([]), date(2025, 12, 31)).size == 0
    assert ages_at(_series([None]), date(2025, 1, 1)).isna().all()


def test_one_day_before_and_on_each_birthday_over_a_century():
    start = date(1940, 1, 1)
    births = [start + timedelta(days=n) for n in range(0, 366 * 4, 7)]
    for reference in (date(2025, 2, 28), date(2024, 2, 29), date(2025, 3, 1), date(2025, 12, 31)):
        assert list(ages_in_years(_series(births), reference)) == [age_at(b, reference) for b in births]
