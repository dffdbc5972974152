"""Who still needs to be seen: the persons of an indicator's denominator not in its numerator, with
the reason from the same evaluation that produced the numerator, and their last contact."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import Period
from ..registers import KINDS
from .data import EngineData
from .library import Library
from .results import Evaluation

GAP_COLUMNS = ("station", "team", "name", "key", "age", "phone", "reason", "last_contact")


@dataclass
class GapList:
    indicator_id: str
    name: str
    key_header: str  # 身份证号 or 儿童编码
    people: pd.DataFrame  # GAP_COLUMNS, sorted by station, team, name
    shortfall: int | None  # persons the numerator still needs (official figure or roster)
    note: str | None  # e.g. how many more the official figure implies beyond the list


def last_contacts(library: Library, indicator_id: str, data: EngineData, period: Period, keys: pd.Index) -> pd.Series:
    """The latest date, on or before the period end, of any row of the registers the indicator's
    requirements read (a checkup, a follow-up, a dose)."""
    end = np.datetime64(period.end, "ns")
    latest = pd.Series(pd.NaT, index=keys, dtype="datetime64[ns]")
    matching = pd.Index(np.asarray(keys, dtype=object), dtype=object)  # an object index matches fast
    dates = []
    for register, date in dict.fromkeys(  # each register and date once (five dose counts read one)
        (item.event.register, item.event.date) for item in library.indicators[indicator_id].numerator.require if item.event
    ):
        if not data.has(register):
            continue
        rows = data.table(register)[["_key", date]]
        rows = rows.loc[rows["_key"].isin(matching) & (rows[date] <= end)]
        dates.append(pd.Series(rows.groupby("_key")[date].max().reindex(matching).to_numpy(), index=keys))
    return pd.concat([latest, *dates], axis=1).max(axis=1) if dates else latest


def gap_list(library: Library, evaluation: Evaluation, data: EngineData, period: Period) -> GapList:
    result = evaluation.result
    indicator = library.indicators[result.id]
    persons = evaluation.persons
    first_register = indicator.registers[0]
    key_header = KINDS[first_register].column(KINDS[first_register].key_field).header
    if persons is None or indicator.unit == "count":
        empty = pd.DataFrame(columns=list(GAP_COLUMNS))
        note = result.reason
        if indicator.unit == "count" and result.shortfall:
            note = f"计次指标没有名单：还需开展 {result.shortfall:,} 次"
        return GapList(result.id, result.name, key_header, empty, result.shortfall, note)
    if indicator.unit != "person" and KINDS[first_register].key_field in persons.columns:
        # a record or delivery is listed by the person (or card) key of its row, never by the
        # internal unit key (which joins several fields and would not be masked as an ID)
        persons = persons.assign(_key=persons[KINDS[first_register].key_field])
    listed = [c for c in ("station", "team", "name", "_key", "age", "phone", "reason") if c in persons.columns]
    missing = persons.loc[persons["in_denominator"].to_numpy(dtype=bool) & ~persons["in_numerator"].to_numpy(dtype=bool), listed]
    people = pd.DataFrame(
        {
            "station": missing["station"],
            "team": missing["team"],
            "name": missing.get("name"),
            "key": missing["_key"],
            "age": missing["age"],
            "phone": missing.get("phone"),
            "reason": missing["reason"],
            "last_contact": last_contacts(library, result.id, data, period, missing.index),
        },
        index=missing.index,
    )
    people = people.sort_values(["station", "team", "name"], kind="stable", na_position="last")
    note = None
    if result.denominator_source == "config" and result.shortfall is not None:
        note = (
            f"分母为 chsc.yaml 的官方数 {result.denominator:,} 人，按目标还需完成 {result.shortfall:,} 人；"
            f"名单列出的是名册中尚未完成的 {len(people):,} 人"
        )
        extra = result.shortfall - len(people)
        if extra > 0:
            note += f"，即使全部完成仍差 {extra:,} 人（官方人数中有名册未登记的人）"
    return GapList(result.id, result.name, key_header, people.reset_index(drop=True), result.shortfall, note)
