"""The `datetime` column type (services.md "Date and time values"): a date that keeps its time of day.

A value keeps a time when the cell has one: an Excel date-time cell or serial whose time is not
00:00:00, or text of an accepted date shape followed by `hh:mm`, `hh:mm:ss`, `h时m分` or `h时m分s秒`
(separated by a space, `T` or nothing: `2025-03-12 14:20`, `2025/3/12 14:20:05`,
`2025-03-12T14:20`, `2025年3月12日14时20分`), also on a 12-hour clock with 上午/下午 or AM/PM
before or after the time, as Chinese-locale programs write date-times out as text
(`2025/3/12 下午 2:30:00`, `2025年3月12日 下午2:30:00`, `2025/3/12 2:30 PM`). A cell at exactly 00:00:00 and text without a time are
plain dates. Times are read to the second (an Excel serial's fraction, and fractions of a second,
rounded to the nearest second). An impossible time (`25:61`, `25时`) is `bad-date`, like an
impossible day.

Representation. The scalar parser gives `(datetime.datetime, has_time)`; a table holds the column as
`datetime64[ns]` (midnight when no time was given) under the column's field, and a plain numpy bool
column `<field>_has_time` (HAS_TIME_SUFFIX) saying, row by row, whether the time of day was written.
A blank cell is NaT with has_time False. The engine asks `has_time` before it compares times.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from .cells import DATE_HINT, DATE_YEARS, EXCEL_EPOCH, EXCEL_ERRORS, cell_text, is_blank, shown_value

Parsed = tuple[Any, str | None, str | None]

#: The companion column of a datetime field: whether each row's value carries a time of day.
HAS_TIME_SUFFIX = "__has_time"
DATETIME_HINT = "请写成 2025-03-12 14:20 这样的日期和时间"

_DATE = r"(?:(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2}))"
_CLOCK = r"(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2}(?:\.\d+)?))?"
_CHINESE = r"(\d{1,2})\s*[时點点]\s*(?:(\d{1,2})\s*分\s*(?:(\d{1,2}(?:\.\d+)?)\s*秒)?)?"
_DATETIME_TEXT = re.compile(rf"{_DATE}(?:(?:\s+|T|\s*)(?:{_CLOCK}|{_CHINESE}))?", re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_SECONDS_PER_DAY = 86400
#: A 12-hour clock's half of the day, before or after the time, as Chinese-locale programs write a
#: date-time out as text (`2025/3/12 下午 2:30:00`, `2025年3月12日 下午2:30:00`, `2025/3/12 2:30 PM`).
_MERIDIEM = re.compile(r"(?<=[\s\d日T])(上午|下午|AM|PM|A\.M\.|P\.M\.)(?=\s*\d|\s*$)", re.IGNORECASE)
_AFTERNOON = ("下午", "PM", "P.M.")


def _bad(value: object, why: str = "不是有效的日期时间") -> Parsed:
    return None, "bad-date", f"「{shown_value(value)}」{why}，{DATETIME_HINT}"


def _checked(moment: dt.datetime, has_time: bool, value: object) -> Parsed:
    if not DATE_YEARS[0] <= moment.year <= DATE_YEARS[1]:
        return None, "bad-date", f"「{shown_value(value)}」的年份 {moment.year} 不可能，{DATE_HINT}"
    return (moment, has_time), None, None


def _rounded(moment: dt.datetime) -> dt.datetime:
    """To the nearest second (a cell stored as a float serial comes back a microsecond off)."""
    if moment.microsecond >= 500_000:
        moment += dt.timedelta(seconds=1)
    return moment.replace(microsecond=0)


def _from_number(number: float, value: object) -> Parsed:
    if not math.isfinite(number):
        return _bad(value, "不是日期")
    if number.is_integer() and 19000101 <= number <= 21001231:  # 20250312 as a number
        digits = str(int(number))
        try:
            return _checked(dt.datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:])), False, value)
        except ValueError:
            return _bad(value)
    if not 0 < number < 100000:
        return _bad(value, "不是日期")
    days = math.floor(number)
    seconds = round((number - days) * _SECONDS_PER_DAY)  # 86400 rounds up into the next day
    moment = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=days, seconds=seconds)
    return _checked(moment, seconds % _SECONDS_PER_DAY != 0, value)


def _from_text(text: str, value: object) -> Parsed:
    half = None
    found = _MERIDIEM.search(text)
    if found is not None and len(_MERIDIEM.findall(text)) == 1:
        half = found.group(1).upper()
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
    match = _DATETIME_TEXT.fullmatch(text)
    if match is None or (half is not None and match.group(7) is None and match.group(10) is None):
        return _bad(value)
    groups = match.groups()
    year, month, day = (groups[0:3] if groups[0] is not None else groups[3:6])
    clock = groups[6:9] if groups[6] is not None else groups[9:12]
    has_time = clock[0] is not None
    hour, minute = int(clock[0] or 0), int(clock[1] or 0)
    second = float(clock[2] or 0)
    if half is not None:  # 12-hour clock: 下午 2:30 is 14:30, 上午 12:05 is 00:05 (下午 14:30 as it is)
        if 1 <= hour <= 12:
            hour = hour % 12 + (12 if half in _AFTERNOON else 0)
        elif not (half in _AFTERNOON and hour > 12):
            return _bad(value, "的时间不可能")
    if not (hour < 24 and minute < 60 and second < 60):
        return _bad(value, "的时间不可能")
    try:
        moment = dt.datetime(int(year), int(month), int(day), hour, minute)
    except ValueError:
        return _bad(value)
    return _checked(_rounded(moment + dt.timedelta(seconds=second)), has_time, value)


def parse_datetime(value: object) -> Parsed:
    """One cell -> ((datetime, has_time), problem code, detail); blank is (None, None, None)."""
    if is_blank(value):
        return None, None, None
    if isinstance(value, dt.datetime):
        moment = _rounded(value.replace(tzinfo=None))
        return _checked(moment, moment.time() != dt.time(), value)
    if isinstance(value, dt.date):
        return _checked(dt.datetime.combine(value, dt.time()), False, value)
    if isinstance(value, dt.time):  # what a date cell before 1900 (a negative serial) is read as
        return _bad(value, "只有时间，没有日期（1900 年以前的日期也会这样）")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _bad(value, "不是日期")
    if isinstance(value, (int, float)):
        return _from_number(float(value), value)
    text = cell_text(value)
    if text == ".":  # real-exports.md: a dot alone in a date cell is blank
        return None, None, None
    if text in EXCEL_ERRORS:
        return None, "bad-date", f"单元格是 Excel 错误值 {text}，{DATETIME_HINT}"
    if _NUMBER_TEXT.fullmatch(text):
        return _from_number(float(text), value)
    return _from_text(text, value)
