"""Who still needs to be seen: the persons of an indicator's denominator not in its numerator, with
the reason from the same evaluation that produced the numerator, and their last contact."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import Period
from ..masking import mask_ids, mask_ids_in_text
from ..registers import KINDS
from ..registers.datetimes import HAS_TIME_SUFFIX
from ..engine.engine_input import EngineData
from ..engine.library import Library
from ..engine.compute import compute_indicators
from ..engine.activity import numerator_events
from ..engine.groups import UNFILLED, group_names, group_results, listed_groups
from ..engine.results import ComputeResult, Evaluation
from .workspace import Workspace

GAP_COLUMNS = ("station", "team", "name", "key", "age", "phone", "reason", "last_contact")


@dataclass
class GapList:
    indicator_id: str
    name: str
    key_header: str  # 身份证号 or 儿童编码
    people: pd.DataFrame  # GAP_COLUMNS, sorted by station, team, name
    shortfall: int | None  # persons the numerator still needs (official figure or roster)
    note: str | None  # e.g. how many more the official figure implies beyond the list
    word: str = "人"  # what a line of the list is: 人, or a card's 例, a clue's 条
    #: a record list: the headings of `people`'s columns (站点, the indicator's gap fields, 原因);
    #: None for the persons' GAP_COLUMNS
    record_headers: tuple[str, ...] | None = None
    counted: bool = False  # a count indicator: no list, only the note of how many more are needed
    #: why nobody is listed, for a list with no line (said where the empty list is written)
    empty_note: str | None = None
    computed: bool = True  # False: the indicator could not be computed (`note` says why)

    def why_empty(self) -> str:
        return self.note or self.empty_note or f"没有待完成的{self.word}"


def nobody_left(result, word: str) -> str | None:
    """Why a computed list has no line: no one in the denominator, or all of it counted."""
    if result.denominator == 0:
        return f"本期分母为 0（统计期内没有应纳入的{word}），没有名单"
    return f"没有待完成的{word}：分母中的都已计入分子"


def last_contacts(library: Library, indicator_id: str, data: EngineData, period: Period, units: pd.Index,
                  persons: pd.Index | None = None) -> pd.Series:
    """The latest date, on or before the period end, on which the centre saw the unit, indexed by
    `units`: over the registers the indicator's requirements read (inside `any:` and `all:` too),
    the register kind's `contact_dates` (a delivery's 建册日期, 分娩日期, 产后访视日期, 产后42天检查日期),
    else the dates the requirements read there (a checkup, a follow-up, a dose). Units other than
    persons (a delivery) take it from their own rows in a register that has the indicator's `key`
    fields, and from the rows of their person (`persons`, aligned with `units`: the mother's ID) in
    any other register: a delivery's key is never a register's person key, so it matched no row."""
    indicator = library.indicators[indicator_id]
    day_after = np.datetime64(period.end, "ns") + np.timedelta64(1, "D")  # a date-time on the last day is by the end
    latest = pd.Series(pd.NaT, index=units, dtype="datetime64[ns]")
    view = data.units(indicator.key, indicator.registers) if indicator.unit != "person" else None
    by_unit = pd.Index(np.asarray(units, dtype=object), dtype=object)  # an object index matches fast
    by_person = by_unit if persons is None else pd.Index(np.asarray(persons, dtype=object), dtype=object)
    read: dict[str, list[str]] = {}  # each register and date once (five dose counts read one)
    for register, date in numerator_events(indicator):
        read.setdefault(register, []).append(date)
    dates = []
    for register, read_dates in read.items():
        if not data.has(register):
            continue
        own = view is not None and register in view.tables  # keyed by the unit itself
        table, matching = (view.table(register), by_unit) if own else (data.table(register), by_person)
        contact = [d for d in (KINDS[register].contact_dates or read_dates) if d in table.columns]
        if not contact:
            continue
        rows = table.loc[table["_key"].isin(matching), ["_key", *dict.fromkeys(contact)]]
        seen = rows[contact].where(rows[contact] < day_after).max(axis=1)  # each row's latest contact by the end
        dates.append(pd.Series(seen.groupby(rows["_key"].to_numpy()).max().reindex(matching).to_numpy(), index=units))
    return pd.concat([latest, *dates], axis=1).max(axis=1) if dates else latest


def unfilled_last(column: pd.Series) -> pd.Series:
    """A sort key putting the station or team 未填 after every named one, as `compute --by` lists
    them (by character code 未填 fell among the stations); other columns sort as they are."""
    if column.name not in ("station", "team"):
        return column
    return column.map(lambda value: (value == UNFILLED, "" if value is None or value != value else str(value)))


def not_counted(units: pd.DataFrame) -> np.ndarray:
    """The units of the denominator not in the numerator. A unit weighing nothing in a summed
    denominator (a delivery with no live birth, when the denominator is the live births) is not in
    it: it is in no numerator either, so it is nobody's gap and not on the list staff phone from."""
    missing = units["in_denominator"].to_numpy(dtype=bool) & ~units["in_numerator"].to_numpy(dtype=bool)
    if "_weight" in units.columns:
        missing &= units["_weight"].to_numpy(dtype=float) > 0
    return missing


def gap_list(library: Library, evaluation: Evaluation, data: EngineData, period: Period, settings=None) -> GapList:
    result = evaluation.result
    indicator = library.indicators[result.id]
    persons = evaluation.persons
    first_register = indicator.registers[0]
    kind = KINDS[first_register]
    key_header = kind.column(kind.key_field).header if kind.key_field else "记录"
    if persons is None or indicator.unit == "count":
        empty = pd.DataFrame(columns=list(GAP_COLUMNS))
        note = result.reason
        if indicator.unit == "count" and note is None:
            behind = _stations_behind(library, indicator, evaluation, data, period, settings)
            note = (f"计次指标没有名单：还需开展 {result.shortfall:,} {indicator.unit_word}{behind}" if result.shortfall
                    else f"计次指标没有名单：已开展 {result.numerator:,} {indicator.unit_word}，全中心没有待完成的{behind}")
        return GapList(result.id, result.name, key_header, empty, result.shortfall, note, indicator.unit_word,
                       counted=indicator.unit == "count", computed=result.reason is None)
    if indicator.unit == "record":
        return record_gap_list(indicator, result, persons, key_header)
    if indicator.unit != "person" and KINDS[first_register].key_field in persons.columns:
        # a record or delivery is listed by the person (or card) key of its row, never by the
        # internal unit key (which joins several fields and would not be masked as an ID)
        persons = persons.assign(_key=persons[KINDS[first_register].key_field])
    listed = [c for c in ("station", "team", "name", "_key", "age", "phone", "reason") if c in persons.columns]
    missing = persons.loc[not_counted(persons), listed]
    people = pd.DataFrame(
        {
            "station": missing["station"],
            "team": missing["team"],
            "name": missing.get("name"),
            "key": missing["_key"],
            "age": missing["age"],
            "phone": missing.get("phone"),
            "reason": missing["reason"],
            "last_contact": last_contacts(library, result.id, data, period, missing.index, pd.Index(missing["_key"])),
        },
        index=missing.index,
    )
    people = people.sort_values(["station", "team", "name"], kind="stable", na_position="last", key=unfilled_last)
    note = None
    if result.denominator_source == "config" and result.shortfall is not None:
        note = (
            f"分母为 chsc.yaml 的官方数 {result.denominator:,} 人，按目标还需完成 {result.shortfall:,} 人；"
            f"名单列出的是名册中尚未完成的 {len(people):,} 人"
        )
        extra = result.shortfall - len(people)
        if extra > 0:
            note += f"，即使全部完成仍差 {extra:,} 人（官方人数中有名册未登记的人）"
    return GapList(result.id, result.name, key_header, people.reset_index(drop=True), result.shortfall, note, indicator.unit_word,
                   empty_note=None if len(people) else nobody_left(result, indicator.unit_word))


def _stations_behind(library: Library, indicator, evaluation: Evaluation, data: EngineData, period: Period, settings) -> str:
    """「；站点：城南站还需开展 2 次」: the stations short of their own yearly minimum (per_year_station)
    — the centre's total may be met while a station is not, and the list said 没有待完成的."""
    if indicator.per_year_station is None or settings is None:
        return ""
    groups = listed_groups(indicator, "station", group_names([evaluation], "station", settings), library, data, period)
    rows = group_results(evaluation, "station", groups, settings, period, lambda group: (None, []), indicator.per_year_station)
    short = sorted(((row.shortfall, row.group_name) for row in rows if row.shortfall), key=lambda item: (-item[0], item[1]))
    listed = "、".join(f"{name}还需开展 {count:,} {indicator.unit_word}" for count, name in short)
    return f"；站点：{listed}" if listed else ""


def record_gap_list(indicator, result, units: pd.DataFrame, key_header: str) -> GapList:
    """The records (cards, clues) of the denominator not counted: 所属站点, the fields the indicator's
    `gaps:` names (a card: 卡片编号, 疾病名称, 诊断时间, 报告时间), how late, and the reason. An ID
    column is never listed whole (a card carries no full ID number)."""
    kind = KINDS[indicator.registers[0]]
    spec = indicator.gaps
    fields = list(spec.columns) if spec is not None else [f for f in (kind.key_field,) if f]
    missing = units.loc[not_counted(units)]
    table = pd.DataFrame({"station": missing["station"] if "station" in missing else None}, index=missing.index)
    headers = ["站点"]
    for field in fields:
        column = kind.column(field)
        values = missing[field] if field in missing else pd.Series(None, index=missing.index, dtype=object)
        if column.type == "id":
            values = mask_ids(values)
        elif column.type == "datetime":
            values = pd.Series([shown_time(v, has) for v, has in zip(values, _has_time(missing, field))], index=missing.index)
        elif column.type == "date":
            values = values.map(lambda v: None if pd.isna(v) else v.date().isoformat())
        table[field] = values
        headers.append(column.header)
    if spec is not None and spec.late is not None:
        start, end = spec.late
        table["_late"] = [how_late(a, b, ha and hb) for a, b, ha, hb in
                          zip(missing[start], missing[end], _has_time(missing, start), _has_time(missing, end))]
        headers.append(f"{kind.column(end).header}距{kind.column(start).header}")
    table["reason"] = mask_ids_in_text(missing["reason"])  # a card list never shows a whole ID
    headers.append("原因")
    table = table.sort_values(["station", *fields[:1]], kind="stable", na_position="last", key=unfilled_last)
    return GapList(result.id, result.name, key_header, table.reset_index(drop=True), result.shortfall, None,
                   indicator.unit_word, tuple(headers), empty_note=None if len(table) else nobody_left(result, indicator.unit_word))


def _has_time(frame: pd.DataFrame, field: str) -> list[bool]:
    companion = f"{field}{HAS_TIME_SUFFIX}"
    if companion in frame:
        return [bool(v) if v == v else False for v in frame[companion]]
    return [False] * len(frame)


def shown_time(value, has_time: bool) -> str | None:
    """2025-03-01 10:00 with a time of day (10:00:01 when it has seconds: a card reported 2 hours and
    1 second late is late, and 10:00 beside 超过时限 read as on time), 2025-03-01 without."""
    if value is None or pd.isna(value):
        return None
    if not has_time:
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def how_late(start, end, both_have_times: bool) -> str:
    """How long after `start` the `end` came: 2小时30分 with times of day (2小时0分1秒 when seconds
    tell a late card from a timely one), else whole days (当天, 3天); 未填 when either is blank; a
    negative span (a report before the diagnosis) is 提前."""
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return "未填"
    if not both_have_times:
        days = (end.normalize() - start.normalize()).days
        return "当天" if days == 0 else (f"{days}天" if days > 0 else f"提前{-days}天")
    seconds = int(round((end - start).total_seconds()))
    sign, seconds = ("提前", -seconds) if seconds < 0 else ("", seconds)
    minutes, secs = divmod(seconds, 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = (f"{days}天" if days else "") + (f"{hours}小时" if hours else "")
    text += f"{mins}分" if mins or secs or not (days or hours) else ""
    return sign + text + (f"{secs}秒" if secs else "")


def gap_lists(workspace: Workspace, period: Period, wanted: list[str]) -> tuple[ComputeResult, list[GapList]]:
    """`chsc gaps`: the wanted indicators computed for `period`, and each one's list of persons."""
    data = EngineData.prepare(workspace.registers)
    result = compute_indicators(data, period, workspace.settings, workspace.library, only=wanted)
    return result, [gap_list(workspace.library, result.evaluations[i], data, period, workspace.settings) for i in wanted]
