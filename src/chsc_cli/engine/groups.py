"""Stations and teams: which group each person belongs to, and results per group (`--by`).

A person's station and team come from their row of the roster the persons were taken from (the one
that defines the denominator); where that gives none, from the residents roster (the row with the
latest 建档日期). Persons taken from an event register (a checkup's, a follow-up's: a denominator
from chsc.yaml, or patients found in their follow-ups) take the residents roster's station and team
first, and their latest event row's only where the residents roster has none (registers.md: "from the
roster that defines the indicator's denominator, else from the residents roster, else from their
latest event row"). Blank everywhere is the group 未填. Name and phone: the persons' own row first,
blanks from the residents roster.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..config_model import CentreConfig, station_key
from ..periods import Period
from ..registers import KINDS
from .engine_input import EngineData
from .model import Union
from .evaluation import fields_of, order_fields
from .reason_text import is_expression
from .reasons import fields_in_value
from .populations import GROUP_FIELDS, PersonSet
from .results import Evaluation, IndicatorResult, prorated
from .ties import pick_per_key

UNFILLED = "未填"
CONTACT_FIELDS = ("name", "phone")


def _contact_roster(data: EngineData):
    """The roster whose rows give persons their station, team and phone (the kind files name it
    with contact_source: residents), when the folder has it."""
    return next((kind for kind in KINDS.values() if kind.contact_source is not None and data.has(kind.name)), None)


def _residents_lookup(data: EngineData) -> pd.DataFrame | None:
    source = _contact_roster(data)
    if source is None:
        return None
    roster = data.table(source.name)

    def build():
        latest = source.contact_source
        fields = [f for f in (*GROUP_FIELDS, *CONTACT_FIELDS) if f in roster.columns]
        picked = pick_per_key(roster, [latest], "_key")
        found = roster.loc[picked, ["_key", *fields]].set_index("_key")[fields]
        preferred = _preferred_rows(roster, source.contact_prefer)
        groups = [field for field in GROUP_FIELDS if field in fields]
        if preferred is not None and not preferred.all() and groups:
            # station and team: the latest preferred row of each person that has one (the others keep
            # their latest row); name and phone stay the latest row's (a newer number is the one to ring)
            chosen = roster.loc[pick_per_key(roster.loc[preferred], [latest], "_key"), ["_key", *groups]].set_index("_key")
            found.loc[chosen.index, groups] = chosen[groups].to_numpy()
        return found

    # once per roster table: the views counting other units hold the same one
    return data.remember_for(roster, ("residents-lookup", source.name), build, shared=True)


def _preferred_rows(roster: pd.DataFrame, prefer) -> np.ndarray | None:
    """The roster rows with every contact_prefer value (the kind file's: in档, 常住), or None when
    the kind prefers none or the table lacks a column of them."""
    if not prefer or any(field not in roster.columns for field, _ in prefer):
        return None
    return np.logical_and.reduce([roster[field].isin(values).to_numpy(dtype=bool) for field, values in prefer])


def assign_groups(frame: pd.DataFrame, data: EngineData, from_roster: bool = True) -> pd.DataFrame:
    """Fill station, team, name and phone of each person; 未填 for a station or team found nowhere.
    `from_roster`: the persons' rows are a roster's, whose station and team come first; else
    (an event register's rows) the residents roster's station and team come first."""
    residents = _residents_lookup(data)
    # the persons' keys in the roster: the frame's own, or — units of several fields (a delivery: ID
    # number and 分娩日期) — the person key field among them (the mother's ID number)
    person_key = getattr(_contact_roster(data), "key_field", None)
    lookup_keys = frame.index
    of_a_person = len(data.key) > 1 and person_key in data.key and person_key in frame.columns
    if of_a_person:  # services.md: a delivery is at its own row's 所属站点 (blank: 未填); the rest fill blanks
        lookup_keys = pd.Index(frame[person_key].to_numpy(dtype=object))
    fields = (*GROUP_FIELDS, *CONTACT_FIELDS)
    filled = {
        field: _given(frame[field]) if field in frame.columns else np.full(len(frame), None, dtype=object) for field in fields
    }
    if residents is not None:  # from the residents roster, looking up only the persons wanting it
        lookup_fields = [field for field in fields if field in residents.columns]
        wanted = {
            field: np.zeros(len(frame), dtype=bool) if of_a_person and field == "station"
            else np.ones(len(frame), dtype=bool) if field in GROUP_FIELDS and not from_roster and not of_a_person
            else pd.isna(filled[field])
            for field in lookup_fields
        }
        wanting = np.flatnonzero(np.logical_or.reduce([wanted[field] for field in lookup_fields])) if lookup_fields else []
        if len(wanting):
            looked_up = residents.reindex(lookup_keys[wanting])
            for field in lookup_fields:
                values = _given(looked_up[field])
                take = wanted[field][wanting] & ~pd.isna(values)  # found there (else the row's own stands)
                filled[field][wanting[take]] = values[take]
    for field in GROUP_FIELDS:
        filled[field][pd.isna(filled[field])] = UNFILLED
    return frame.assign(**{field: pd.Series(values, index=frame.index, dtype=object) for field, values in filled.items()})


def _given(column: pd.Series) -> np.ndarray:
    """The column's values as a new object array, None where missing or an empty string."""
    values = np.array(column.to_numpy(dtype=object), dtype=object)
    missing = pd.isna(values)
    empty = np.zeros(len(values), dtype=bool)
    empty[~missing] = values[~missing] == ""
    values[missing | empty] = None
    return values


def reads_group_fields(indicator) -> bool:
    """Whether the indicator's numerator reads a field that grouping fills in (station, team, name,
    phone) from the persons: then its persons are grouped even when no one asks for the groups."""
    return not _numerator_fields(indicator).isdisjoint((*GROUP_FIELDS, *CONTACT_FIELDS))


def _numerator_fields(indicator) -> set[str]:
    fields = set().union(*map(fields_of, indicator.numerator.having))
    for item in indicator.numerator.require:
        fields |= _requirement_fields(item)
    return fields


def _requirement_fields(item) -> set[str]:
    """Every field a requirement may read, of its rows or its persons (named in a count's
    `at_least` or `quarters_from`, or a pick's `order`): a superset, never fewer."""
    parts = item.any if item.any is not None else item.all
    if parts is not None:
        return set().union(*map(_requirement_fields, parts))
    fields = set().union(*map(fields_of, item.check))
    event = item.event
    if event is not None:
        fields |= set().union(*map(fields_of, event.where + event.test))
        named = (event.date, *(getattr(event, name, None) for name in ("at_least", "quarters_from", "per_quarter")))
        for value in filter(lambda value: isinstance(value, str), named):  # a field, or an expression of fields
            fields |= fields_in_value(value) | {value} if is_expression(value) else {value}
        fields |= set(order_fields(event))
    return fields


def grouped_frame(persons: PersonSet, data: EngineData) -> pd.DataFrame:
    """`assign_groups(persons.frame)`, done once for the population the persons were selected from
    (several indicators share a population) and then selected."""
    whole = persons.frame if persons.whole is None else persons.whole
    kind = KINDS.get(persons.register)  # (a config denominator's persons: the register they were counted in)
    from_roster = kind.roster if kind is not None else persons.source == "roster"
    # the memo holds `whole` with its groups, so no other frame can take its id meanwhile
    key = ("groups", id(whole), from_roster)
    _, grouped = data.remember(key, lambda: (whole, assign_groups(whole, data, from_roster)))
    return grouped if persons.positions is None else grouped.iloc[persons.positions]


def group_names(evaluations: list[Evaluation], by: str, settings: CentreConfig) -> list[str]:
    """Every group seen in any indicator's persons, plus (for stations) those chsc.yaml names."""
    names: set[str] = set()
    for evaluation in evaluations:
        if evaluation.persons is not None and by in evaluation.persons.columns:
            names |= set(evaluation.persons[by].dropna().astype(str).unique())
    if by == "station":
        names |= {station_key(name) for name in settings.stations}  # as a register's 所属站点 reads
    return ordered_groups(names)


def ordered_groups(names) -> list[str]:
    return sorted(names, key=lambda name: (name == UNFILLED, name))


def listed_groups(indicator, by: str, groups: list[str], library, data: EngineData, period: Period) -> list[str]:
    """The groups an indicator's rows are listed for: `groups`, and for a count by station also the
    stations its own register names in the period's year (count_stations)."""
    if by != "station" or indicator.unit != "count":
        return groups
    return ordered_groups(set(groups) | count_stations(indicator, library, data, period))


def count_stations(indicator, library, data: EngineData, period: Period) -> set[str]:
    """The stations a count's register names in rows dated in the period's year (by the
    population's `latest_by` date): a station that held no lecture this month is listed at 0 against
    its target, not left out — the station missing its target was not in the table. Rows of other
    years are not looked at (a station mistyped in 2024 would fail every later period)."""
    if indicator.unit != "count":
        return set()
    reference = indicator.numerator.population
    population = library.population(reference) if isinstance(reference, str) and reference in library.populations else reference
    if population is None or isinstance(population, Union) or not population.latest_by or not data.has(population.register):
        return set()
    stations = data.counted_column(population.register, "station")
    dates = data.counted_column(population.register, population.latest_by)
    if stations is None or dates is None or not pd.api.types.is_datetime64_any_dtype(dates):
        return set()
    years = pd.DatetimeIndex(dates).year
    this_year = np.asarray((years >= period.start.year) & (years <= period.end.year), dtype=bool)
    return {name for name in pd.unique(stations.to_numpy(dtype=object)[this_year]) if isinstance(name, str) and name}


def group_results(
    evaluation: Evaluation,
    by: str,
    groups: list[str],
    settings: CentreConfig,
    period: Period,
    figure_for_station,
    per_year_station: int | None = None,
) -> list[IndicatorResult]:
    """One result per group: ratio of sums, never an average of percentages. A count's station
    target is its `per_year_station` pro-rated (none for 未填); records and counts have no team."""
    base = evaluation.result
    rows = []
    persons = evaluation.persons
    if persons is not None:  # each person's group as text, once; a group's members are a mask on it
        labels = persons[by].astype(str)
        in_numerator, in_denominator = persons["in_numerator"].to_numpy(), persons["in_denominator"].to_numpy()
        if "_weight" in persons.columns:  # a denominator summing a field: each unit's weight
            in_denominator = np.where(in_denominator, persons["_weight"].to_numpy(dtype=float), 0)
    for group in groups:
        row = IndicatorResult(
            id=base.id, name=base.name, category=base.category, group={by: group},
            numerator=None, denominator=None, target=base.target, comparison=base.comparison,
            denominator_source=base.denominator_source, unit=base.unit, unit_word=base.unit_word,
        )
        if persons is None:
            row.reason = base.reason
        elif by == "team" and base.unit in ("record", "count"):
            row.reason = "记录和次数类指标不按团队分组（记录没有签约团队）"
        elif base.unit == "count":
            row.numerator = int(in_numerator[(labels == group).to_numpy(dtype=bool)].sum())
            no_target = per_year_station is None or group == UNFILLED
            row.target = None if no_target else Decimal(prorated(per_year_station, period.start, period.end))
            row.per_year = None if no_target else Decimal(per_year_station)  # (the 工作计划 plans the year with it)
        else:
            members = (labels == group).to_numpy(dtype=bool)
            numerator = int(in_numerator[members].sum())
            if base.denominator_source == "config":
                if by == "team":
                    row.reason = "按团队分组时没有官方人数（chsc.yaml 只有站点人数），本指标的分母无法按团队计算"
                else:
                    denominator, missing = figure_for_station(group)
                    if denominator is None:
                        row.reason = f"chsc.yaml 的 stations 中没有「{group}」的人数（{'、'.join(missing)}），无法按站点计算"
                    else:
                        row.numerator, row.denominator = numerator, denominator
            else:
                row.numerator = numerator
                row.denominator = int(in_denominator[members].sum())
        if row.reason is not None:
            row.denominator_source = None
        rows.append(row)
    return rows
