"""The common shapes of date, number and code cells recognised in bulk (distinct_values.py's fast paths).

A register as the regional system exports it holds its dates as text, several shapes mixed in one
column (`2025-03-12`, `2025/3/12`, `2025年3月12日`, `20250312`, `2025-03-12 14:20:00`); the scalar
parser reads one value at a time, ~9 µs each, and a year of registers holds ~100,000 distinct
dates. Here the distinct date texts of a column are grouped by shape (text_shapes: each regex runs
once per shape, the digits are read with numpy) and numeric texts go through one RE2 regex at once
(pyarrow.compute, which pandas has already loaded); then numpy calendar arithmetic.

Each function returns (which of the distinct values it handled, their typed values) and claims a
value only when its result is certain: a well-formed ASCII shape (no white space, no full-width
digits, nothing NFKC would change) of a real day in DATE_YEARS, or a number cell the scalar parser
would read the same way. Everything else — impossible days (2025-02-30), years out of range,
impossible times, padded or full-width text, other shapes — is left to the scalar parser, so the
results and the problems are the scalar parser's by construction (tests/test_value_fast_paths.py
compares every shape with it).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..people import value_types
from .cells import DATE_YEARS, EXCEL_EPOCH
from .text_shapes import shapes_of, sorted_numbers

_D = r"[0-9]"
#: The date text shapes claimed, each one regex that names digits only as [0-9] (text_shapes):
#: 2025-03-12, 2025/3/12, 2025.3.12, 2025年3月12日, with an optional clock the date parser drops
#: unread (`2025-03-12 14:20:00`, `2025/3/12T14:20`), exactly as its _DATE_TEXT does;
_SEPARATED = (
    rf"(?P<y>{_D}{{4}})[-/.年](?P<m>{_D}{{1,2}})[-/.月](?P<d>{_D}{{1,2}})日?"
    rf"(?:[ T]{_D}{{1,2}}:{_D}{{1,2}}(?::{_D}{{1,2}}(?:\.{_D}+)?)?)?"
)
#: digits alone: 20250312, or an Excel serial number as text (45728);
_DIGITS = rf"(?P<n>{_D}{{1,8}})"
#: and two date-times read by the date-time parser, whose time must be possible:
#: 2025年3月12日14时20分(5秒) and 20250312 14:20(:05).
_CLOCKED = (
    rf"(?P<y>{_D}{{4}})年(?P<m>{_D}{{1,2}})月(?P<d>{_D}{{1,2}})日"
    rf"(?P<h>{_D}{{1,2}})时(?:(?P<i>{_D}{{1,2}})分(?:(?P<s>{_D}{{1,2}})秒)?)?",
    rf"(?P<y>{_D}{{4}})(?P<m>{_D}{{2}})(?P<d>{_D}{{2}})[ T](?P<h>{_D}{{1,2}}):(?P<i>{_D}{{1,2}})(?::(?P<s>{_D}{{1,2}}))?",
)
#: Numeric text the number parser reads with float() as it is (no comma, sign or padding to drop).
_NUMBER_TEXT = rf"^[+-]?(?:{_D}+(?:\.{_D}*)?|\.{_D}+)$"
#: Whole numbers read as a date's digits (20250312), as the scalar parser bounds them.
_DIGIT_DATES = (19000101, 21001231)
#: Excel serial numbers read as days after EXCEL_EPOCH (0 < n < 100000).
_SERIAL_LIMIT = 100000
#: The date shapes as Python regexes over a text's shape (text_shapes: digit classes only), in the
#: order they are tried; `n` is a number of digits alone.
_DATE_SHAPES = tuple(re.compile(pattern) for pattern in (_SEPARATED, _DIGITS, *_CLOCKED))
_DIGITS_SHAPE = 1
#: Below this many distinct date texts the scalar parser (~5 µs a value) costs less than grouping
#: them by shape (~0.5 ms a column, ~0.6 µs a value).
DATE_SHAPES_MIN_TEXTS = 150
#: Below this many distinct texts the few calls into Arrow cost more than the scalar parser
#: (~0.1 ms a call against ~6 µs a value): a small sheet's columns are read one value at a time.
BULK_MIN_TEXTS = 500
_EPOCH = np.datetime64(EXCEL_EPOCH, "D")


def of_class(uniques: np.ndarray, *classes: type) -> np.ndarray:
    """Which values are exactly of one of `classes` (a bool is not an int, a datetime not a date)."""
    types = value_types(uniques)
    found = np.zeros(len(uniques), dtype=bool)
    for cls in classes:
        found |= types == cls
    return found



def _arrow_texts(texts: list[str]) -> pa.StringArray | None:
    """The texts as an Arrow array; None when one cannot be encoded (a lone surrogate): the scalar
    parser then reads them all."""
    try:
        return pa.array(texts, type=pa.string())
    except (pa.ArrowException, UnicodeError):
        return None


def calendar_days(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which (year, month, day) are real days in DATE_YEARS, those days as datetime64[D])."""
    valid = (years >= DATE_YEARS[0]) & (years <= DATE_YEARS[1]) & (months >= 1) & (months <= 12) & (days >= 1)
    month_starts = ((np.where(valid, years, 1970) - 1970) * 12 + np.where(valid, months, 1) - 1).astype("datetime64[M]")
    first_days = month_starts.astype("datetime64[D]")
    lengths = ((month_starts + 1).astype("datetime64[D]") - first_days).astype(np.int64)
    valid &= days <= lengths
    return valid, first_days + np.where(valid, days - 1, 0)


def _digit_or_serial_days(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers as the date parser reads them: 19000101–21001231 are a date's digits, 1–99999
    an Excel serial; (which were read, their days)."""
    numbers = numbers.astype(np.int64)
    serial = (numbers >= 1) & (numbers < _SERIAL_LIMIT)
    digits = (numbers >= _DIGIT_DATES[0]) & (numbers <= _DIGIT_DATES[1])
    real, from_digits = calendar_days(numbers // 10000, numbers // 100 % 100, numbers % 100)
    handled = serial | (digits & real)
    return handled, np.where(serial, _EPOCH + np.where(serial, numbers, 0), from_digits)


def text_dates(uniques: np.ndarray, is_text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which distinct values are date text of a common shape, their days as datetime64[D]).

    The shapes' regexes run once per distinct shape, the digits are read by place (text_shapes)."""
    handled = np.zeros(len(uniques), dtype=bool)
    values = np.empty(len(uniques), dtype="datetime64[D]")
    positions = np.flatnonzero(is_text)
    if len(positions) < max(DATE_SHAPES_MIN_TEXTS, 1):
        return handled, values[handled]
    # (all text, the usual date column: no copy of the array first, nor a list of it — each
    # touches every text, scattered in memory, once more)
    shapes = shapes_of(uniques if len(positions) == len(uniques) else uniques[positions])
    order, which, parts = sorted_numbers(shapes, _DATE_SHAPES)  # read on in that order, put back once at the end
    positions = positions[order]
    real, days = calendar_days(parts["y"], parts["m"], parts["d"])
    real &= (which >= 0) & (which != _DIGITS_SHAPE)
    clocked = which > _DIGITS_SHAPE  # the date-times, whose time must be possible
    real &= ~clocked | ((parts["h"] < 24) & (parts["i"] < 60) & (parts["s"] < 60))
    digits = np.flatnonzero(which == _DIGITS_SHAPE)
    if len(digits):  # (each step has a fixed cost: a column is ~0.7 ms of them, over a hundred columns)
        read, digit_days = _digit_or_serial_days(parts["n"][digits])
        real[digits[read]], days[digits[read]] = True, digit_days[read]
    handled[positions[real]], values[positions[real]] = True, days[real]
    return handled, values[handled]


def number_dates(uniques: np.ndarray, is_number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which distinct values are number cells read as a date, their days): a date's digits as a
    whole number (20250312), an Excel serial below 100000 (the fraction, a time of day, dropped)."""
    handled = np.zeros(len(uniques), dtype=bool)
    positions = np.flatnonzero(is_number)
    numbers = np.array([float(value) for value in uniques[positions]], dtype=float)
    serial = (numbers > 0) & (numbers < _SERIAL_LIMIT)
    whole = np.zeros(len(numbers), dtype=bool)
    np.equal(numbers, np.floor(numbers), out=whole, where=np.isfinite(numbers))
    digits = whole & (numbers >= _DIGIT_DATES[0]) & (numbers <= _DIGIT_DATES[1])
    numbers = np.where(serial | digits, numbers, 0).astype(np.int64)  # a serial's fraction dropped
    real, from_digits = calendar_days(numbers // 10000, numbers // 100 % 100, numbers % 100)
    read = serial | (digits & real)
    handled[positions[read]] = True
    days = np.where(serial, _EPOCH + numbers, from_digits)
    return handled, days[read]


def real_dates(uniques: np.ndarray, maybe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real date cells (what Excel stores) in DATE_YEARS, converted at once; `maybe` are the values
    that may be one (not text, not a number)."""
    is_date = np.zeros(len(uniques), dtype=bool)
    is_date[maybe] = [isinstance(value, dt.date) for value in uniques[maybe]]
    days = np.array(uniques[is_date].tolist(), dtype="datetime64[us]").astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    in_range = (years >= DATE_YEARS[0]) & (years <= DATE_YEARS[1])
    handled = np.zeros(len(uniques), dtype=bool)
    handled[np.flatnonzero(is_date)[in_range]] = True
    return handled, days[in_range]


def all_dates(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real date cells, number cells and date text of the common shapes, as datetime64[ns]."""
    handled = np.zeros(len(uniques), dtype=bool)
    values = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[D]")
    if len(uniques) and pd.api.types.infer_dtype(uniques, skipna=False) == "string":  # all text (one pass in C)
        is_text, is_number = np.ones(len(uniques), dtype=bool), np.zeros(len(uniques), dtype=bool)
        maybe = is_number
    else:
        types = value_types(uniques)
        is_text, is_number = types == str, (types == int) | (types == float)
        maybe = ~(is_text | is_number | (types == type(None)))
    # each kind of cell only when the column holds one (an export's date column is text alone)
    steps = ((real_dates, maybe), (number_dates, is_number), (text_dates, is_text))
    for step, which in steps:
        if not which.any():
            continue
        found, days = step(uniques, which)
        values[found] = days
        handled |= found
    return handled, values[handled].astype("datetime64[ns]")


def plain_numbers(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number cells and plain numeric text (`135`, `6.3`, `-0.5`), read with float() as the scalar
    parser reads them; text with commas, spaces or full-width digits is left to it."""
    cells = of_class(uniques, int, float)
    texts = np.flatnonzero(of_class(uniques, str))
    arrow = _arrow_texts(uniques[texts].tolist()) if len(texts) >= max(BULK_MIN_TEXTS, 1) else None
    if arrow is not None:
        plain = pc.match_substring_regex(arrow, _NUMBER_TEXT).to_numpy(zero_copy_only=False)
        cells[texts[plain]] = True
    values = uniques[cells].astype(np.float64)
    values[np.isnan(values)] = np.nan  # a NaN cell is blank: the column's own NaN, whatever its sign bit
    return cells, values


def whole_number_codes(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code cells stored as whole numbers (an int, or a float such as 1024.0) below 2**53 (what a
    number cell holds exactly): their digits. A longer number is left to the scalar parser, which
    says its digits are lost."""
    handled = np.fromiter(
        ((value.__class__ is int or (value.__class__ is float and value.is_integer())) and abs(value) < 2**53 for value in uniques),
        dtype=bool,
        count=len(uniques),
    )
    codes = np.empty(int(handled.sum()), dtype=object)
    codes[:] = [str(int(value)) for value in uniques[handled]]
    return handled, codes
