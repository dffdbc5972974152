"""When the registers show work: the dates that count as activity for each indicator, whether a
period holds any of them, and the notice for a period without a single row (`period-without-data`):
a mistyped year, or one not yet begun, would otherwise give 0.0% for every indicator without a word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Iterator

import numpy as np
import pandas as pd

from ..periods import Period, chinese_label
from ..problems import Problem
from ..registers import KINDS
from .engine_input import EngineData
from .results import PERIOD_ADVICE, PERIOD_WITHOUT_DATA
from .typecheck import TEMPORAL


def numerator_events(indicator) -> list[tuple[str, str]]:
    """(register, date field) of every event its numerator requires — `exists`, `count`, `first`,
    `latest` — inside `any:` and `all:` groups too (a usage rate's one `any:` of six registers), each
    pair once. A condition on a roster's rows (a TB patient judged on any of their roster rows) is
    no event: a roster shows activity by all its dates (activity_dates)."""
    return list(dict.fromkeys(pair for pair in _events(indicator.numerator.require) if not KINDS[pair[0]].roster))


def _events(requirements) -> Iterator[tuple[str, str]]:
    for item in requirements:
        if item.event is not None:
            yield item.event.register, item.event.date
        yield from _events(item.any or ())
        yield from _events(item.all or ())


def activity_dates(indicator, present: Container[str] | None = None) -> list[tuple[str, str]]:
    """(register, date field) pairs that show activity for an indicator: the dates of its numerator's
    events. An indicator whose numerator reads no event (a 管理率 over managed patients, a count, a
    record rate, a signing rate) has the date columns, 出生日期 aside, of the event registers it reads
    (cli.md: no event row dated in the period, no value); where none of them is `present` in the
    folder (None: every register is), it reads rosters alone there, and has its rosters' date
    columns, as 建档率 and 签约率 always do (reports.md)."""
    events = numerator_events(indicator)
    if events:
        return events
    rosters = [register for register in indicator.registers if KINDS[register].roster]
    event_registers = [register for register in indicator.registers
                       if not KINDS[register].roster and (present is None or register in present)]
    return _dated_columns(event_registers or rosters)


def event_row_dates(indicator) -> list[tuple[str, str]]:
    """(register, date field) pairs of the event rows (not a roster's 建档日期 or 签约日期) that show
    an indicator's work: its numerator's events, or — a count, a record rate — the date columns of
    the event registers it reads (`progress`: the last month with any event row in the year)."""
    return [pair for pair in activity_dates(indicator) if not KINDS[pair[0]].roster]


def _dated_columns(registers: Iterable[str]) -> list[tuple[str, str]]:
    return [
        (register, column.field)
        for register in registers
        for column in KINDS[register].columns
        if column.type in TEMPORAL and column.field != "birth_date"
    ]


def _activity_columns(read, indicators: Iterable) -> dict[tuple[str, str], np.ndarray]:
    """Each distinct (register, date field) that may show the indicators' activity (see
    `activity_dates`) and that the folder has, with its dates (datetime64, blanks left out). `read`:
    a ReadResult (every row read) or the engine's EngineData (the rows it counts, those with a key);
    only the date columns are taken, not whole tables."""
    column_of = read.counted_column if isinstance(read, EngineData) else read.column
    candidates = (numerator_events(indicator) or _dated_columns(indicator.registers) for indicator in indicators)
    columns = {}
    for pair in dict.fromkeys(pair for pairs in candidates for pair in pairs):
        dates = column_of(*pair)
        if dates is not None:
            values = dates.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
            columns[pair] = values[~np.isnat(values)]
    return columns


def indicators_with_rows_in(read, library, period: Period, columns: dict | None = None) -> set[str]:
    """Ids of the indicators with at least one register row dated inside `period` (see
    `activity_dates`). A compare period without such a row has no value: 无上年数据."""
    start = np.datetime64(period.start, "ns")
    day_after = np.datetime64(period.end, "ns") + np.timedelta64(1, "D")  # a date-time on the last day is inside
    indicators = list(library.indicators.values())
    columns = _activity_columns(read, indicators) if columns is None else columns
    found = {pair for pair, dates in columns.items() if bool(((dates >= start) & (dates < day_after)).any())}
    present = {register for register, _ in columns}
    return {indicator.id for indicator in indicators if found.intersection(activity_dates(indicator, present))}


def _date_ranges(columns: dict, indicators: list) -> dict[str, tuple[dt.date, dt.date] | None]:
    """Each indicator's earliest and latest activity date; None without any."""
    spans = {pair: (_day(dates.min()), _day(dates.max())) for pair, dates in columns.items() if len(dates)}
    ranges = {}
    for indicator in indicators:
        found = [spans[pair] for pair in activity_dates(indicator) if pair in spans]
        ranges[indicator.id] = (min(low for low, _ in found), max(high for _, high in found)) if found else None
    return ranges


def _day(value: np.datetime64) -> dt.date:
    return pd.Timestamp(value).date()


def period_without_data(read, library, period: Period, *, only: Iterable[str] | None = None,
                        today: dt.date | None = None) -> Problem | None:
    """The notice for a period that starts after today, or that lies after the latest (or before
    the earliest) date of the event registers an indicator reads, so that they hold no row dated in it —
    a mistyped year, or one not yet begun. It names the dates, so the mistake shows at once; None
    when every indicator's registers have rows around the period."""
    today = today or dt.date.today()
    name = chinese_label(period)
    advice = PERIOD_ADVICE
    if period.start > today:
        return Problem(PERIOD_WITHOUT_DATA, f"统计期{name}从 {period.start.isoformat()} 开始，还没有到（今天是 {today.isoformat()}）：{advice}")
    wanted = set(only) if only is not None else None
    indicators = [i for i in library.indicators.values() if wanted is None or i.id in wanted]
    columns = _activity_columns(read, library.indicators.values())
    with_rows = indicators_with_rows_in(read, library, period, columns)
    # a roster-only indicator (建档率, 签约率) counts a state at the period end, not work done in
    # the period: an old 建档日期 says nothing about the period, so only event registers are asked
    with_events = [i for i in indicators if numerator_events(i)]
    ranges = _date_ranges(columns, with_events)
    dated = [i for i in with_events if ranges[i.id] is not None]
    after = [i for i in dated if i.id not in with_rows and ranges[i.id][1] < period.start]
    before = [i for i in dated if i.id not in with_rows and ranges[i.id][0] > period.end]
    outside = after or before
    if not outside:
        return None
    if after:
        edge = f"最晚的日期是 {max(ranges[i.id][1] for i in after).isoformat()}，统计期在它之后"
    else:
        edge = f"最早的日期是 {min(ranges[i.id][0] for i in before).isoformat()}，统计期在它之前"
    if len(outside) == len(dated):
        subject = "各登记表中没有一行服务记录的日期在该期间内"
    else:
        subject = f"{outside[0].name}等 {len(outside)} 项指标所读的登记表没有该期间的服务记录"
    return Problem(PERIOD_WITHOUT_DATA, f"统计期{name}：{subject}（{edge}），{advice}")
