"""Reporting periods: closed date ranges [start, end] with both days included.

Accepted forms (see indicators.md, "Shared rules"):

======================================  =====================================
text                                    period
======================================  =====================================
``2025``                                the whole year
``2025H1`` / ``2025H2``                 a half year (``h`` accepted)
``2025Q1`` .. ``2025Q4``                a calendar quarter (``q`` accepted)
``2025-06`` (or ``2025-6``)             one month
``2025-01..2025-06``                    months, both included
``2025-01-01..2025-06-30``              dates, both included
======================================  =====================================

The same periods in the words chsc itself writes them (``chinese_label``) are accepted too:
``2025年`` (``2025年度``, ``2025年全年``), ``2025年上半年`` / ``2025年下半年``, ``2025年第二季度``
(``第2季度``, ``二季度``, ``2季度``), ``2025年6月``, ``2025年1-6月`` (also ``1–6月``, ``1～6月``,
``1月-6月``, ``1月至6月``), ``2024年7月至2025年6月`` and ``2025年1月1日至2025年6月30日``.

Pure module: imports nothing of chsc_cli.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

YEAR_MIN = 1900
YEAR_MAX = 2100

ACCEPTED_FORMS = (
    "2025（全年）、2025H1 / 2025H2（上 / 下半年）、2025Q1–2025Q4（季度）、"
    "2025-06（月份）、2025-01..2025-06（连续月份，含首尾）、"
    "2025-01-01..2025-06-30（起止日期，含首尾）；"
    "也可写中文：2025年、2025年上半年、2025年第二季度、2025年6月、2025年1-6月、2025年1月1日至2025年6月30日"
)


class PeriodError(ValueError):
    """A period text that cannot be understood; the Chinese message lists the accepted forms."""

    def __init__(self, text: str, reason: str):
        self.text = text
        self.reason = reason
        super().__init__(f"无法识别统计期间「{text}」：{reason}。可用的写法：{ACCEPTED_FORMS}")


# ----------------------------------------------------------------------------------------------
# Calendar helpers
# ----------------------------------------------------------------------------------------------


def last_day_of_month(year: int, month: int) -> dt.date:
    """The last day of the month (28 February in a common year)."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def quarter_of(d: dt.date) -> int:
    """Calendar quarter 1-4 of a date."""
    return (d.month - 1) // 3 + 1


def quarter_start(d: dt.date) -> dt.date:
    """The first day of the quarter holding `d`."""
    return dt.date(d.year, 3 * (quarter_of(d) - 1) + 1, 1)


def quarter_end(d: dt.date) -> dt.date:
    """The last day of the quarter holding `d`."""
    return last_day_of_month(d.year, 3 * quarter_of(d))


def _quarter_number(d: dt.date) -> int:
    """Quarters counted from year 0, so consecutive quarters differ by one."""
    return d.year * 4 + quarter_of(d) - 1


def quarters_between(start: dt.date, end: dt.date) -> int:
    """Number of calendar quarters overlapping [start, end]; 0 when end is before start."""
    if end < start:
        return 0
    return _quarter_number(end) - _quarter_number(start) + 1


# ----------------------------------------------------------------------------------------------
# Period
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end], both days included, with the text it was given as."""

    label: str
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(self.label, "结束早于开始")

    @property
    def whole_year(self) -> bool:
        """One calendar year, 1 January to 31 December."""
        return self.start.year == self.end.year and (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)

    @property
    def quarters_covered(self) -> int:
        """Calendar quarters overlapping the period: 4 for a year, 2 for H1, 1 for a month."""
        return quarters_between(self.start, self.end)

    @property
    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month overlapping the period, in order."""
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return [(number // 12, number % 12 + 1) for number in range(first, last + 1)]

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def contains(self, d: dt.date) -> bool:
        """True when `d` lies in [start, end] (both included); a datetime counts by its date."""
        if isinstance(d, dt.datetime):
            d = d.date()
        return self.start <= d <= self.end


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------

_YEAR = r"(?P<year>[0-9]{4})"
_MONTH_RANGE = re.compile(r"([0-9]{4})-([0-9]{1,2})\s*\.\.\s*([0-9]{4})-([0-9]{1,2})")
_DATE_RANGE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\s*\.\.\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
)
_MIXED_RANGE = re.compile(r"[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?\s*\.\.\s*[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?")


def _check_year(label: str, year: int) -> int:
    """The year, or PeriodError when outside YEAR_MIN..YEAR_MAX."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PeriodError(label, f"年份 {year} 不在 {YEAR_MIN}–{YEAR_MAX} 之间")
    return year


def _month_start(label: str, year: str, month: str) -> dt.date:
    """First day of a month written as text; PeriodError for a bad year or month."""
    year_number, month_number = _check_year(label, int(year)), int(month)
    if not 1 <= month_number <= 12:
        raise PeriodError(label, f"月份 {month_number} 不在 1–12 之间")
    return dt.date(year_number, month_number, 1)


def _month_end(label: str, year: str, month: str) -> dt.date:
    """Last day of a month written as text."""
    start = _month_start(label, year, month)
    return last_day_of_month(start.year, start.month)


def _day(label: str, year: str, month: str, day: str) -> dt.date:
    """A date written as text; PeriodError when it is not a real date."""
    start = _month_start(label, year, month)
    try:
        return start.replace(day=int(day))
    except ValueError:
        raise PeriodError(label, f"{start.year}年{start.month}月没有 {int(day)} 日") from None


def _year(label: str, match: re.Match) -> Period:
    year = _check_year(label, int(match["year"]))
    return Period(label, dt.date(year, 1, 1), dt.date(year, 12, 31))


def _half(label: str, match: re.Match) -> Period:
    year = _check_year(label, int(match["year"]))
    first_month = 1 if match["half"] == "1" else 7
    return Period(label, dt.date(year, first_month, 1), last_day_of_month(year, first_month + 5))


def _quarter(label: str, match: re.Match) -> Period:
    year = _check_year(label, int(match["year"]))
    first_month = 3 * (int(match["quarter"]) - 1) + 1
    return Period(label, dt.date(year, first_month, 1), last_day_of_month(year, first_month + 2))


def _month(label: str, match: re.Match) -> Period:
    start = _month_start(label, match["year"], match["month"])
    return Period(label, start, last_day_of_month(start.year, start.month))


def _months(label: str, match: re.Match) -> Period:
    start = _month_start(label, match[1], match[2])
    return _ordered(label, start, _month_end(label, match[3], match[4]))


def _dates(label: str, match: re.Match) -> Period:
    start = _day(label, match[1], match[2], match[3])
    return _ordered(label, start, _day(label, match[4], match[5], match[6]))


def _ordered(label: str, start: dt.date, end: dt.date) -> Period:
    """Period(label, start, end), or PeriodError naming both ends when end is before start."""
    if end < start:
        raise PeriodError(label, f"结束 {end.isoformat()} 早于开始 {start.isoformat()}")
    return Period(label, start, end)


# ------------------------------------------------------------------------ the Chinese forms

_CHINESE_NUMBERS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_TO = r"\s*(?:-|–|—|~|〜|至|到)\s*"  # 1-6月, 1–6月, 1～6月 (～ is ~ after NFKC), 1月至6月
_CN_YEAR = r"(?P<year>[0-9]{4})\s*年"


def _chinese_half(label: str, match: re.Match) -> Period:
    return _half(label, {"year": match["year"], "half": "1" if match["half"] == "上" else "2"})


def _chinese_quarter(label: str, match: re.Match) -> Period:
    return _quarter(label, {"year": match["year"], "quarter": _CHINESE_NUMBERS.get(match["quarter"], match["quarter"])})


def _chinese_months(label: str, match: re.Match) -> Period:
    start = _month_start(label, match["year"], match["month"])
    return _ordered(label, start, _month_end(label, match["year2"] or match["year"], match["month2"]))


def _chinese_dates(label: str, match: re.Match) -> Period:
    start = _day(label, match["year"], match["month"], match["day"])
    end = _day(label, match["year2"] or match["year"], match["month2"] or match["month"], match["day2"])
    return _ordered(label, start, end)


_FORMS: tuple[tuple[re.Pattern, Callable[[str, re.Match], Period]], ...] = (
    (re.compile(_YEAR), _year),
    (re.compile(_YEAR + r"[Hh](?P<half>[12])"), _half),
    (re.compile(_YEAR + r"[Qq](?P<quarter>[1-4])"), _quarter),
    (re.compile(_YEAR + r"-(?P<month>[0-9]{1,2})"), _month),
    (_MONTH_RANGE, _months),
    (_DATE_RANGE, _dates),
    (re.compile(_CN_YEAR + r"(?:度|全年)?"), _year),
    (re.compile(_CN_YEAR + r"?\s*(?P<half>[上下])半年"), _chinese_half),
    (re.compile(_CN_YEAR + r"?\s*第?(?P<quarter>[1-4一二三四])季度?"), _chinese_quarter),
    (re.compile(_CN_YEAR + r"\s*(?P<month>[0-9]{1,2})\s*月(?:份)?"), _month),
    (
        re.compile(_CN_YEAR + r"\s*(?P<month>[0-9]{1,2})\s*月?" + _TO + r"(?:(?P<year2>[0-9]{4})\s*年)?\s*(?P<month2>[0-9]{1,2})\s*月(?:份)?"),
        _chinese_months,
    ),
    (
        re.compile(
            _CN_YEAR + r"\s*(?P<month>[0-9]{1,2})\s*月\s*(?P<day>[0-9]{1,2})\s*[日号]" + _TO
            + r"(?:(?P<year2>[0-9]{4})\s*年)?\s*(?:(?P<month2>[0-9]{1,2})\s*月)?\s*(?P<day2>[0-9]{1,2})\s*[日号]"
        ),
        _chinese_dates,
    ),
)


def parse_period(text: str) -> Period:
    """Parse a period text (forms in the module docstring) into a Period.

    Surrounding whitespace is ignored, full-width characters are read as half-width, and the
    label is the stripped text as given. Raises PeriodError (Chinese message) for anything else:
    empty text, month 13, 30 February, end before start, a month mixed with a date across
    ``..``, or a year outside 1900-2100.
    """
    label = ("" if text is None else str(text)).strip()
    if not label:
        raise PeriodError(label, "期间为空")
    normalised = unicodedata.normalize("NFKC", label).strip()
    for pattern, build in _FORMS:
        match = pattern.fullmatch(normalised)
        if match:
            return build(label, match)
    if _MIXED_RANGE.fullmatch(normalised):
        raise PeriodError(label, "「..」两边必须同为月份或同为日期")
    raise PeriodError(label, "格式不对")


def year_to_month(year: int, month: int) -> Period:
    """Year to date through `month`: Y-01..Y-MM, labelled like "2025-01..2025-06"."""
    label = f"{year:04d}-01..{year:04d}-{month:02d}"
    start = _month_start(label, str(year), "1")
    return Period(label, start, _month_end(label, str(year), str(month)))


def chinese_label(period: Period) -> str:
    """How the period reads in a Chinese sentence: 2025年, 2025年上半年, 2025年第三季度, 2025年6月."""
    start, end = period.start, period.end
    whole_months = start.day == 1 and end == last_day_of_month(end.year, end.month)
    if not whole_months:
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    if start.year != end.year:
        return f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    year, first, last = start.year, start.month, end.month
    if (first, last) == (1, 12):
        return f"{year}年"
    if (first, last) in ((1, 6), (7, 12)):
        return f"{year}年{'上' if first == 1 else '下'}半年"
    if first % 3 == 1 and last == first + 2:
        return f"{year}年第{'一二三四'[first // 3]}季度"
    if first == last:
        return f"{year}年{first}月"
    return f"{year}年{first}–{last}月"
