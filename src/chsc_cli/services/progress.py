"""Monthly progress through a year: the cumulative value of every indicator at the end of each
month (month m is the period Y-01..Y-m), the current gap and the pace needed to reach the target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import CentreConfig
from ..engine.activity import activity_dates, event_row_dates, period_without_data
from ..periods import parse_period, year_to_month
from ..problems import Problem
from ..engine.engine_input import EngineData
from ..engine.compute import compute_indicators
from ..engine.library import Library
from ..engine.results import ComputeResult, GroupedWarning, IndicatorResult, prorated
from .workspace import Progress, Workspace, no_progress


@dataclass
class ProgressRow:
    id: str
    name: str
    months: list[IndicatorResult]  # month 1..N, cumulative
    pace: int | None  # persons per remaining month to reach the target by year end; None: no month left
    quarterly: bool = False  # the requirement grows with each quarter the period covers (规范管理率)

    @property
    def current(self) -> IndicatorResult:
        return self.months[-1]


def requires_per_quarter(indicator) -> bool:
    """True when the numerator asks for a number of visits that grows with the quarters the period
    covers (`at_least: quarters`, directly or through a parameter): its cumulative value drops at the
    start of each quarter, when one more visit becomes due."""
    for item in indicator.numerator.require:
        at_least = item.count.at_least if item.count is not None else None
        if isinstance(at_least, str) and at_least.startswith("$"):
            at_least = indicator.parameters.get(at_least[1:])
        if at_least == "quarters":
            return True
    return False


def monthly_pace(shortfall: int | None, months_remaining: int) -> int | None:
    """ceil(shortfall ÷ months remaining), in integers; None when no month remains or nothing can
    be said. The one pace rule of progress, check, compute and the 工作计划."""
    if shortfall is None or months_remaining <= 0:
        return None
    return -(-shortfall // months_remaining)


def year_end_shortfall(row: IndicatorResult, start) -> int | None:
    """What is still to be done by 31 December for a period that starts on `start` and ends before
    then: a rate's shortfall today (its target is a share, the same at the year end); for a count,
    the minimum of `start`..31 December (the whole year's for a year to date) less the count so far
    — not the shortfall against the period's pro-rated minimum, which is 0 when a centre is merely
    on schedule although the rest of the year's activities are still to be held."""
    if not row.is_count or row.per_year is None or row.numerator is None:
        return row.shortfall
    return max(0, prorated(row.per_year, start, start.replace(month=12, day=31)) - row.numerator)


def last_event_month(data: EngineData, library: Library, year: int, today: dt.date | None = None) -> int:
    """The last month of `year` with any event row the library reads: its numerators' events, inside
    `any:`/`all:` groups too, and the dates of the event registers of indicators without one (a
    count's activities, report cards). With none (a folder of rosters), the last month of a roster
    date the indicators read (建档日期, 签约日期); with none either, the month of `today` in the
    current year, December for a past one, January for one to come."""
    pairs = dict.fromkeys(pair for indicator in library.indicators.values() for pair in event_row_dates(indicator))
    last = _last_month(data, pairs, year)
    if not last:
        last = _last_month(data, dict.fromkeys(p for i in library.indicators.values() for p in activity_dates(i)), year)
    if last:
        return last
    today = today or dt.date.today()
    return today.month if year == today.year else 12 if year < today.year else 1


def _last_month(data: EngineData, pairs, year: int) -> int:
    last = 0
    for pair in pairs:
        dates = data.counted_column(*pair)  # None without the register, or without an optional column
        if dates is not None:
            in_year = dates[(dates.dt.year == year).to_numpy(dtype=bool)]
            if len(in_year):
                last = max(last, int(in_year.max().month))
    return last


def progress(data: EngineData, library: Library, settings: CentreConfig, year: int, through: int,
             on_month: Callable[[str], None] | None = None) -> list[ProgressRow]:
    """Every indicator at the end of each month 1..`through`; `on_month` hears each month done."""
    return _rows(library, _by_month(data, library, settings, year, through, on_month), through)


def _by_month(data: EngineData, library: Library, settings: CentreConfig, year: int, through: int,
              on_month: Callable[[str], None] | None) -> list[ComputeResult]:
    by_month = []
    for month in range(1, through + 1):
        by_month.append(compute_indicators(data, year_to_month(year, month), settings, library, reasons=False))
        if on_month is not None:
            on_month(f"{month}月")
    return by_month


def _rows(library: Library, by_month: list[ComputeResult], through: int) -> list[ProgressRow]:
    rows = []
    for position, indicator_id in enumerate(library.indicators):
        months = [result.indicators[position] for result in by_month]
        current = months[-1]
        pace = monthly_pace(year_end_shortfall(current, by_month[-1].period.start), 12 - through)
        rows.append(ProgressRow(indicator_id, months[-1].name, months, pace, requires_per_quarter(library.indicators[indicator_id])))
    return rows


__all__ = ["ProgressRow", "YearProgress", "last_event_month", "monthly_pace", "progress", "year_end_shortfall",
           "year_progress"]


def pace_lines(result_rows: list[IndicatorResult], period) -> dict[str, str]:
    """For a year to date that ends before the year does (2025-01..2025-09, 2025H1): indicator id ->
    the monthly pace line of each missed target. A period starting later in the year (2025Q2) holds
    only part of the year's work, so it says nothing about the year end: no line."""
    if (period.start.month, period.start.day) != (1, 1) or period.start.year != period.end.year \
            or (period.end.month, period.end.day) == (12, 31):
        return {}
    remaining = 12 - period.end.month
    lines = {}
    for row in result_rows:
        if row.group is None and row.met is False:
            pace = monthly_pace(year_end_shortfall(row, period.start), remaining)
            if pace is not None:
                lines[row.id] = f"按年底达标：剩余 {remaining} 个月，每月需完成 {pace:,} {row.unit_word}"
    return lines


@dataclass
class YearProgress:
    """`chsc progress`: the rows through `month`, the notice when the year holds no register row, and
    the warnings of the last month's figures (the data's problems, as `compute` groups them)."""

    rows: list[ProgressRow]
    month: int
    notice: Problem | None
    warnings: list[GroupedWarning] = field(default_factory=list)


def year_progress(workspace: Workspace, year: int, through: int | None,
                  progress_bar: Progress = no_progress) -> YearProgress:
    """Through month `through`, or (None) the last month of the year with any event row;
    `progress_bar(months)` shows the months as they are computed (a second or more each in a large
    centre)."""
    data = EngineData.prepare(workspace.registers)
    month = through if through is not None else last_event_month(data, workspace.library, year)
    notice = period_without_data(data, workspace.library, parse_period(str(year)))
    with progress_bar(month) as on_month:
        by_month = _by_month(data, workspace.library, workspace.settings, year, month, on_month)
    return YearProgress(_rows(workspace.library, by_month, month), month, notice, by_month[-1].warnings)
