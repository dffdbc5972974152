"""Building a population: the persons of a register, one row each, with their attributes.

Row filters (`where`) pick qualifying rows; a person is in the population when any of their rows
qualifies. Their attributes come from the qualifying row with the latest `latest_by` date, and
`derive` adds per-person aggregates (the earliest 纳入管理日期 among qualifying rows). `having`
then filters persons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..registers import KINDS
from .engine_input import EngineData, ages, first_birthdays, select, with_age
from .evaluation import Context, blanks, evaluate, field_absent, fields_of, params_of
from .model import Population, PopulationSource, Union
from .ties import pick_per_key


class QualifyingRows:
    """A population's qualifying rows: its register's rows at positions `at` (None: every row). The
    frame of every column is taken when something first reads it (a union, the gap lists' roster);
    a step reading a few columns (a `check`'s fields, a summed field) takes only those, with the
    same index and values."""

    def __init__(self, rows: pd.DataFrame, at: np.ndarray | None = None, numbered: tuple | None = None):
        self._rows, self._at = rows, at
        self._whole: pd.DataFrame | None = rows if at is None else None
        self._numbered = numbered  # (the keys of `rows` numbered, the distinct keys): EngineData.key_codes

    def numbered(self) -> tuple[np.ndarray, pd.Index] | None:
        """(each qualifying row's key number, the distinct keys), when the register's are known."""
        if self._numbered is None:
            return None
        codes, keys = self._numbered
        return (codes if self._at is None else codes[self._at]), keys

    @property
    def columns(self) -> pd.Index:
        return self._rows.columns

    def frame(self, columns: set[str] | None = None) -> pd.DataFrame:
        """The rows with `columns` (those the register has), or every column."""
        if self._whole is not None:
            return self._whole if columns is None else select(self._whole, [c for c in self._whole.columns if c in columns])
        if columns is None:
            self._whole = self._rows.iloc[self._at]
            return self._whole
        return select(self._rows, [c for c in self._rows.columns if c in columns]).iloc[self._at]

    def __getitem__(self, field: str) -> pd.Series:
        return self.frame({field})[field]

    def __len__(self) -> int:
        return len(self._rows) if self._at is None else len(self._at)


@dataclass
class PersonSet:
    frame: pd.DataFrame  # one row per person, index = person key
    register: str  # the register the persons come from
    source: str  # roster | register
    rows_read: int  # register rows with a key
    persons_read: int  # distinct persons in the register
    qualifying_persons: int  # persons with a qualifying row (before `having`)
    no_birth_date: int = 0  # persons left out by an age filter for want of a birth date
    rows: QualifyingRows | None = None  # the qualifying rows (a person's `check` passes on any of them)
    #: The population `frame` was selected from by `having` and the positions kept (None: `frame` is
    #: that population), so per-person work done once for a population serves every selection.
    whole: pd.DataFrame | None = None
    positions: np.ndarray | None = None


def all_of(nodes: tuple, frame: pd.DataFrame, context: Context) -> np.ndarray:
    result = np.ones(len(frame), dtype=bool)
    for node in nodes:
        result &= evaluate(node, frame, context)
    return result


def build_persons(source: PopulationSource, data: EngineData, context: Context, reference: dt.date) -> PersonSet:
    """Memoised per definition, period, reference date and the parameters the definition reads
    (several indicators share one; two indicators may spell out the same definition)."""
    nodes = source.where + source.having
    definition = (source.register, nodes, sorted(source.derive.items()), source.latest_by, source.groups_from)
    parameters = sorted((name, context.parameters.get(name)) for name in set().union(*map(params_of, nodes)))
    key = ("population", repr(definition), context.period_start, context.period_end, reference, repr(parameters))
    return data.remember(key, lambda: _build_persons(source, data, context, reference))


def _longest_gaps(dates: pd.Series, keys: pd.Series) -> pd.Series:
    """Per key, the most days between two consecutive of its distinct dates (blank dates left out,
    a date-time by its day); a key with fewer than two dates has none (NaN)."""
    days = pd.to_datetime(dates).dt.normalize()
    frame = pd.DataFrame({"key": keys.to_numpy(), "day": days.to_numpy()}).dropna()
    frame = frame.drop_duplicates().sort_values(["key", "day"], kind="stable")
    gaps = frame.groupby("key", sort=False)["day"].diff().dt.days
    return gaps.groupby(frame["key"].to_numpy(), sort=False).max().astype(float)


def _build_persons(source: PopulationSource, data: EngineData, context: Context, reference: dt.date) -> PersonSet:
    table = data.table(source.register)
    rows = data.remember(("aged", source.register, reference), lambda: with_age(table, reference))
    # the register's persons: its keys numbered once, for every population and pick on it
    codes, keys = data.key_codes(table)
    at = np.flatnonzero(all_of(source.where, rows, context)) if source.where else None
    qualifying = QualifyingRows(rows, at, (codes, keys))
    by = [source.latest_by] if source.latest_by else []
    # the pick reads its date and the key; tied rows are ranked on all their values, in `rows`
    latest_rows = pick_per_key(qualifying.frame({*by, "_key"}), by, "_key", values=rows, codes=codes if at is None else codes[at])
    persons = rows.take(rows.index.get_indexer(latest_rows)).set_index("_key", drop=False)
    persons.index.name = None
    placed_from = persons.get("_present")
    if source.groups_from == "every_row" and at is not None:
        placed_from = _placed_by_every_row(persons, rows, by, codes)
    if not KINDS[source.register].roster:  # (a roster's person: its row, else the residents roster's)
        _groups_from_rows_that_name_them(persons, placed_from, rows, None if source.groups_from == "every_row" else at, by, codes)
    for name, derive in source.derive.items():
        values = qualifying[derive.field]
        if derive.blank is not None:
            values = values.fillna(derive.blank)
        # the keys as an object Index: from a bare array pandas 3 infers its str dtype, converts the
        # keys to Arrow strings and then matches them slowly against the persons' object index
        if derive.aggregate == "longest_gap":
            persons[name] = _longest_gaps(values, qualifying["_key"]).reindex(persons.index)
            continue
        grouped = values.groupby(pd.Index(qualifying["_key"].to_numpy(), dtype=object), sort=False)
        aggregated = grouped.sum(min_count=1) if derive.aggregate == "sum" else getattr(grouped, derive.aggregate)()
        persons[name] = aggregated.reindex(persons.index)
    birth_known = ~blanks(persons["birth"])
    if "birth" in source.derive:  # else the rows' own age and first_birthday (engine_input) stand
        persons["first_birthday"] = first_birthdays(persons["birth"])
        persons["age"] = ages(persons["birth"], reference)  # `having` on age reads the derived birth
    qualifying_count = len(persons)
    if source.having:
        keep = all_of(source.having, persons, context)
        persons = persons.loc[keep]
    return PersonSet(
        frame=persons,
        register=source.register,
        source="roster" if KINDS[source.register].roster else "register",  # deliveries: an event register
        rows_read=len(rows),
        persons_read=len(keys),  # the distinct keys (a blank one is none)
        qualifying_persons=qualifying_count,
        no_birth_date=int((~birth_known).sum()) if _uses_age(source.where + source.having) else 0,
        rows=qualifying,
    )


#: The fields a unit's group comes from (groups.py: --by station / --by team).
GROUP_FIELDS = ("station", "team")


def _placed_by_every_row(persons: pd.DataFrame, rows: pd.DataFrame, by: list[str], codes: np.ndarray) -> pd.Series | None:
    """`groups_from: every_row`: each unit's station and team from its row with the latest `latest_by`
    among all its rows, not only those that qualify (a card corrected from 2024-12-30 at 甲站 to
    2025-01-02 at 乙站 is 乙站's in 2024 too)."""
    fields = [field for field in GROUP_FIELDS if field in rows.columns]
    if not fields:
        return persons.get("_present")
    latest = pick_per_key(select(rows, [*by, "_key"]), by, "_key", values=rows, codes=codes)
    placed = rows.loc[latest, ["_key", *fields, *(["_present"] if "_present" in rows.columns else [])]].set_index("_key")
    for field in fields:
        persons[field] = placed[field].reindex(persons.index).to_numpy()
    # the columns of the row each unit's station came from (not of the row that qualified)
    return placed["_present"].reindex(persons.index) if "_present" in placed.columns else None


def _groups_from_rows_that_name_them(persons: pd.DataFrame, placed_from: pd.Series | None, rows: pd.DataFrame,
                                     at: np.ndarray | None, by: list[str], codes: np.ndarray) -> None:
    """A unit whose picked row comes from a file without the 所属站点 (or team) column — a
    telephone follow-up sheet exported on its own — takes the station of its latest row from a file
    that has the column (of `rows`, or of the rows at `at`): registers.md, a column a file lacks is
    absent, not blank, and such a row says nothing of the station. A blank cell is the row's own
    (未填, services.md); a unit without any row from such a file keeps what it has. `placed_from`:
    the column lists of the rows the units' stations were taken from. For units of an event
    register only: a roster's person takes the residents roster's station next (registers.md)."""
    if "_present" not in rows.columns or placed_from is None:
        return
    placed = pd.DataFrame({"_present": placed_from.to_numpy(dtype=object)})
    for field in GROUP_FIELDS:
        if field not in rows.columns or field not in persons.columns:
            continue
        absent = field_absent(placed, field)
        if not absent.any():
            continue
        having = ~field_absent(rows, field)
        if at is not None:  # only the rows that qualify
            qualifying = np.zeros(len(rows), dtype=bool)
            qualifying[at] = True
            having &= qualifying
        having &= rows["_key"].isin(persons.index[absent]).to_numpy()
        positions = np.flatnonzero(having)
        if not len(positions):
            continue
        named = rows.iloc[positions]
        picked = pick_per_key(select(named, [*by, "_key"]), by, "_key", values=named, codes=codes[positions])
        found = rows.loc[picked, ["_key", field]].set_index("_key")[field]
        values = persons[field].to_numpy(dtype=object).copy()
        keys = persons.index[absent]
        has_row = keys.isin(found.index)
        values[np.flatnonzero(absent)[has_row]] = found.reindex(keys[has_row]).to_numpy(dtype=object)
        persons[field] = values


def _uses_age(nodes: tuple) -> bool:
    return any(fields_of(node) & {"age", "first_birthday", "birth"} for node in nodes)


def build_population(
    population: Population | Union, data: EngineData, context: Context, reference: dt.date, library=None
) -> PersonSet | None:
    """The population, from its register or, when that register is absent, from its fallback; a
    union from its populations (an absent one adds nobody; None when all are absent)."""
    if isinstance(population, Union):
        return _union(population, data, context, reference, library)
    if data.has(population.register):
        return build_persons(population, data, context, reference)
    if population.fallback is not None and data.has(population.fallback.register):
        persons = build_persons(population.fallback, data, context, reference)
        return dataclasses.replace(persons, source="register")
    return None


def apply_having(persons: PersonSet, having: tuple, context: Context) -> PersonSet:
    if not having:
        return persons
    frame = persons.frame
    keep = all_of(having, frame, context)
    no_birth = int((~keep & blanks(frame["birth"])).sum()) if _uses_age(having) else 0
    return PersonSet(
        frame.loc[keep],
        persons.register,
        persons.source,
        persons.rows_read,
        persons.persons_read,
        persons.qualifying_persons,
        persons.no_birth_date + no_birth,
        persons.rows,
        whole=frame if persons.whole is None else persons.whole,
        positions=np.flatnonzero(keep) if persons.positions is None else persons.positions[keep],
    )


def _union(union: Union, data: EngineData, context: Context, reference: dt.date, library) -> PersonSet | None:
    """Each person once, with the attributes of the first population that has them."""
    parts = [build_population(library.population(name), data, context, reference, library) for name in union.union]
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    frame = pd.concat([part.frame for part in parts])
    frame = frame.loc[~frame.index.duplicated(keep="first")]
    rows = QualifyingRows(pd.concat([part.rows.frame() for part in parts if part.rows is not None]))
    persons = PersonSet(
        frame=frame,
        register=parts[0].register,
        source=parts[0].source,
        rows_read=sum(part.rows_read for part in parts),
        persons_read=sum(part.persons_read for part in parts),
        qualifying_persons=len(frame),
        no_birth_date=sum(part.no_birth_date for part in parts),
        rows=rows,
    )
    return apply_having(persons, union.having, context)
