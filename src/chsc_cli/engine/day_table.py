"""Calendar arithmetic on timestamp columns by looking days up in a table: a date some months on
(a first birthday is twelve), and a timestamp's year, month and day (ages).

pandas works each timestamp's calendar date out anew (~60 ns a value; the engine asks it of several
hundred thousand births and dates a run). Here the days from 1900 to 2099 are listed once with
their month and day of the month, and each month from 1678 to March 2262 with its first day and
length, so that a column needs one division and a few lookups. The answers are pandas' own: a date
N months on keeps its day of the month, clipped to the month's last day (31 January + 1 month is
28 or 29 February), and its time of day. A column with a day outside the table, a result outside
it, or another dtype gets None: the caller asks pandas.
"""

from __future__ import annotations

import functools

import numpy as np

_NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min
#: the days listed, and the months a date may be moved into (datetime64[ns] ends on 11 April 2262)
_FIRST_DAY, _END_DAY = np.datetime64("1900-01-01", "D"), np.datetime64("2100-01-01", "D")
_FIRST_MONTH, _END_MONTH = np.datetime64("1678-01", "M"), np.datetime64("2262-04", "M")


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(each listed day's month, counted from _FIRST_MONTH; its day of the month; each month's first
    day, counted from the epoch; each month's length)."""
    months = np.arange(_FIRST_MONTH, _END_MONTH + 1)  # one more, for the last month's length
    starts = months.astype("datetime64[D]").astype(np.int64)
    lengths = np.diff(starts)
    starts = starts[:-1]
    first_day, end_day = _FIRST_DAY.astype(np.int64), _END_DAY.astype(np.int64)
    inside = (starts >= first_day) & (starts < end_day)
    listed = np.flatnonzero(inside)
    month_of_day = np.repeat(listed, lengths[listed])
    day_of_month = np.arange(end_day - first_day) - np.repeat(starts[listed] - first_day, lengths[listed]) + 1
    return month_of_day, day_of_month, starts, lengths


def _days(values: np.ndarray):
    """(the day of each timestamp counted from the epoch, the time of day in ns, NaT) — or None when
    the column is not datetime64[ns] or a day falls outside the table."""
    if not (isinstance(values, np.ndarray) and values.dtype == np.dtype("datetime64[ns]")):
        return None
    ns = values.view(np.int64)
    nat = ns == _NAT
    days = np.floor_divide(ns, _NS_PER_DAY)
    at = days - _FIRST_DAY.astype(np.int64)
    listed = len(_tables()[0])
    if not ((at >= 0) & (at < listed) | nat).all():
        return None
    at[nat] = 0
    return at, ns - days * _NS_PER_DAY, nat


def months_on(values: np.ndarray, months: int) -> np.ndarray | None:
    """`values + pd.DateOffset(months=months)` for a datetime64[ns] array (NaT stays NaT), or None."""
    found = _days(values)
    if found is None:
        return None
    at, time_of_day, nat = found
    month_of_day, day_of_month, starts, lengths = _tables()
    month = month_of_day[at] + months
    if not ((month >= 0) & (month < len(starts)) | nat).all():
        return None
    month[nat] = 0
    day = np.minimum(day_of_month[at], lengths[month])
    result = (starts[month] + day - 1) * _NS_PER_DAY + time_of_day
    result[nat] = _NAT
    return result.view("datetime64[ns]")


def calendar_fields(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(year, month, day, NaT) of a datetime64[ns] array — a NaT's fields mean nothing — or None."""
    found = _days(values)
    if found is None:
        return None
    at, _, nat = found
    month_of_day, day_of_month, _, _ = _tables()
    month = month_of_day[at] + (_FIRST_MONTH.astype(np.int64) + 1970 * 12)  # months since year 0
    return month // 12, month % 12 + 1, day_of_month[at], nat
