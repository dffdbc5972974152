"""The value of each side of a comparison: fields, literals, parameters, functions and arithmetic.

Dates and date-times: a value is carried as (exact, day, plain) — the timestamp, its calendar day,
and whether it is a plain date (no time of day). `N hours` moves the exact value by N hours and the
day by whole days (N // 24); two values compare exactly when both have a time, and by calendar day
when either is a plain date (services.md: 24 hours is the same or the next day, 2 hours the same
day). Numbers in arithmetic are exact decimals (0.9 × 100 is 90, not 90.00000000000001).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..registers.datetimes import HAS_TIME_SUFFIX
from .day_table import months_on
from .expressions import Operand

# A date-time column comes with the reader's companion `<field>` + HAS_TIME_SUFFIX telling which
# values carry a time of day; without one, a value at exactly 00:00:00 is a plain date (services.md:
# "An Excel cell at exactly 00:00:00 and text with no time are plain dates").


def resolve(operand: Operand | None, frame: pd.DataFrame, context) -> Any:
    """A scalar or a Series aligned with `frame`."""
    if operand is None:
        return None
    kind, value = operand.kind, operand.value
    if kind == "keyword":
        return np.datetime64(context.keyword(value), "ns")
    if kind == "param":
        parameter = context.parameters[value]
        if isinstance(parameter, (list, tuple)):
            return tuple(parameter)
        if isinstance(parameter, dt.date):
            return np.datetime64(parameter, "ns")
        return float(parameter) if isinstance(parameter, Decimal) else parameter
    if kind == "field":
        return frame[value]
    if kind == "call":
        return _call(value[0], value[1], frame, context)
    if kind == "arith":
        if _is_temporal(value[1], frame, context) or _is_temporal(value[2], frame, context):
            return temporal(operand, frame, context)[0]
        return _to_float(decimal_values(operand, frame, context), frame)
    if kind == "word":
        return value
    if isinstance(value, dt.date):
        return np.datetime64(value, "ns")
    return value


def _is_temporal(operand: Operand, frame: pd.DataFrame, context) -> bool:
    if operand.kind in ("keyword", "duration"):
        return True
    if operand.kind == "literal":
        return isinstance(operand.value, dt.date)
    if operand.kind == "call":
        name, args = operand.value
        if name in ("coalesce", "min", "max"):  # one type (typecheck.py): any date makes them dates
            return any(_is_temporal(argument, frame, context) for argument in args)
        return name == "date"
    if operand.kind == "arith":
        return _is_temporal(operand.value[1], frame, context) or _is_temporal(operand.value[2], frame, context)
    value = resolve(operand, frame, context)
    if isinstance(value, pd.Series):
        return pd.api.types.is_datetime64_any_dtype(value.dtype)
    return isinstance(value, np.datetime64)


def _call(name: str, args: tuple, frame: pd.DataFrame, context) -> Any:
    if name == "coalesce":
        result = _series(resolve(args[0], frame, context), frame)
        for argument in args[1:]:
            result = result.where(result.notna(), _series(resolve(argument, frame, context), frame))
        return result
    if name == "date":
        return _series(resolve(args[0], frame, context), frame).dt.normalize()
    if name in ("min", "max"):  # of two to four values, blanks left out (SQL's least / greatest)
        if any(_is_temporal(argument, frame, context) for argument in args):
            return temporal(Operand("call", (name, args)), frame, context)[0]
        values = pd.concat([_number_series(resolve(argument, frame, context), frame) for argument in args], axis=1)
        return values.min(axis=1) if name == "min" else values.max(axis=1)
    if name == "days_between":
        first = _series(resolve(args[0], frame, context), frame).dt.normalize()
        second = _series(resolve(args[1], frame, context), frame).dt.normalize()
        return (second - first).dt.days.astype(float)
    if name == "due_dates_in_period":
        return due_dates_in_period(_series(resolve(args[0], frame, context), frame), resolve(args[1], frame, context), context)
    raise ValueError(name)  # the parser admits only FUNCTIONS


def due_dates_in_period(starts: pd.Series, months, context) -> pd.Series:
    """How many of start + N months (N in `months`; month-end clipped) fall inside the period."""
    start, end = np.datetime64(context.period_start, "ns"), np.datetime64(context.period_end, "ns")
    days = starts.dt.normalize()
    count = np.zeros(len(days), dtype=float)
    for number in months if isinstance(months, (list, tuple)) else (months,):
        due = months_on(days.to_numpy(), int(number)) if isinstance(days.dtype, np.dtype) else None  # looked up
        if due is None:
            due = (days + pd.DateOffset(months=int(number))).to_numpy()
        count += (due >= start) & (due <= end)
    count[days.isna().to_numpy()] = np.nan
    return pd.Series(count, index=days.index)


def _number_series(value: Any, frame: pd.DataFrame) -> pd.Series:
    if isinstance(value, pd.Series):
        return pd.to_numeric(value, errors="coerce").astype(float)
    return pd.Series(np.nan if value is None else float(value), index=frame.index, dtype=float)


def _series(value: Any, frame: pd.DataFrame) -> pd.Series:
    if isinstance(value, pd.Series):
        if value.dtype == object and value.isna().all():  # a column no file has: all blank
            return pd.Series(pd.NaT, index=value.index, dtype="datetime64[ns]")
        return value
    return pd.Series([value] * len(frame), index=frame.index, dtype="datetime64[ns]" if isinstance(value, np.datetime64) else None)


# ------------------------------------------------------------------------------ dates and times


def temporal(operand: Operand, frame: pd.DataFrame, context) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(exact timestamps, calendar days, plain-date mask) of a date or date-time value."""
    if operand.kind == "arith":
        op, left, right = operand.value
        base, duration = (left, right) if right.kind == "duration" else (right, left)
        if duration.kind != "duration" or (op == "-" and base is right):
            raise ValueError("date arithmetic is date ± duration")  # the type check refuses others
        exact, day, plain = temporal(base, frame, context)
        amount, unit = duration.value
        number = resolve(amount, frame, context)
        if number is None:  # a null $parameter: no date
            blank = pd.Series(pd.NaT, index=exact.index, dtype="datetime64[ns]")
            return blank, blank, plain
        number = float(number)
        sign = -1 if op == "-" else 1
        if unit == "hours":
            whole_days = sign * int(abs(number) // 24)
            return exact + pd.Timedelta(hours=sign * number), day + pd.Timedelta(days=whole_days), plain
        offset = pd.DateOffset(months=sign * int(number)) if unit == "months" else pd.Timedelta(
            days=sign * number * (7 if unit == "weeks" else 1)
        )
        return exact + offset, day + offset, plain
    if operand.kind == "call" and operand.value[0] == "coalesce":
        parts = [temporal(argument, frame, context) for argument in operand.value[1]]
        exact, day, plain = parts[0]
        for other in parts[1:]:
            missing = exact.isna().to_numpy()
            exact, day = exact.where(~missing, other[0]), day.where(~missing, other[1])
            plain = np.where(missing, other[2], plain)
        return exact, day, plain
    if operand.kind == "call" and operand.value[0] in ("min", "max"):
        # the earliest / latest by exact time; blanks left out
        parts = [temporal(argument, frame, context) for argument in operand.value[1]]
        exact, day, plain = parts[0]
        for other in parts[1:]:
            later = other[0].to_numpy() > exact.to_numpy() if operand.value[0] == "max" else other[0].to_numpy() < exact.to_numpy()
            take = (later | exact.isna().to_numpy()) & other[0].notna().to_numpy()
            exact, day = exact.where(~take, other[0]), day.where(~take, other[1])
            plain = np.where(take, other[2], plain)
        return exact, day, plain
    value = _series(resolve(operand, frame, context), frame)
    day = value.dt.normalize()
    if operand.kind == "field" and operand.value + HAS_TIME_SUFFIX in frame.columns:
        plain = ~frame[operand.value + HAS_TIME_SUFFIX].fillna(False).to_numpy(dtype=bool)
    else:
        plain = (value.isna() | (value == day)).to_numpy(dtype=bool)
    return value, day, plain


_COMPARE = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def compare_exact(node, frame: pd.DataFrame, context) -> np.ndarray:
    """A comparison of dates / date-times (mode temporal) or of exact numbers (mode decimal)."""
    if node.mode == "temporal":
        left, right = temporal(node.left, frame, context), temporal(node.operand, frame, context)
        present = left[0].notna().to_numpy() & right[0].notna().to_numpy()
        by_day = left[2] | right[2]
        compare = _COMPARE[node.op]
        exact = compare(left[0].to_numpy(), right[0].to_numpy())
        days = compare(left[1].to_numpy(), right[1].to_numpy())
        return np.where(by_day, days, exact) & present
    left, right = decimal_values(node.left, frame, context), decimal_values(node.operand, frame, context)
    compare = _COMPARE[node.op]
    return np.array([a is not None and b is not None and bool(compare(a, b)) for a, b in zip(left, right)], dtype=bool)


# ------------------------------------------------------------------------------ exact numbers


def _decimal(value: Any) -> Decimal | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, np.bool_)):
        return Decimal(int(value))
    return Decimal(repr(float(value))) if not isinstance(value, (int, np.integer)) else Decimal(int(value))


def decimal_values(operand: Operand, frame: pd.DataFrame, context) -> list:
    """Exact decimals (None for a blank) for each row of `frame`."""
    if operand.kind == "arith":
        op, left, right = operand.value
        lefts, rights = decimal_values(left, frame, context), decimal_values(right, frame, context)
        apply = {"+": Decimal.__add__, "-": Decimal.__sub__, "*": Decimal.__mul__, "/": Decimal.__truediv__}[op]
        return [None if a is None or b is None or (op == "/" and not b) else apply(a, b) for a, b in zip(lefts, rights)]
    if operand.kind == "literal" and isinstance(operand.value, float):
        return [Decimal(repr(operand.value))] * len(frame)  # 0.9 as written
    value = resolve(operand, frame, context)
    if isinstance(value, pd.Series):
        return [_decimal(item) for item in value.astype(object).tolist()]
    return [_decimal(value)] * len(frame)


def _to_float(values: list, frame: pd.DataFrame) -> pd.Series:
    return pd.Series([np.nan if value is None else float(value) for value in values], index=frame.index, dtype=float)


def contains(text: Any, words: list) -> bool:
    """Whether a text holds any of the words (False for a blank)."""
    return isinstance(text, str) and any(str(word) in text for word in words)
