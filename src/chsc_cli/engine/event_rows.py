"""An event requirement's register rows: the rows of the candidate persons inside its window, and
the fields each row takes from its person.

`EventRows` holds which rows of the register they are and whose (`PERSON`, the person's position
among the candidates); what a row takes from its person (birth, age, first birthday, days after
birth, the person fields a rule borrows) is worked out when a step first reads it. A frame of every
column is built only for a step that may read any of them — tied rows are ranked on all their
values (ties.py), a reason may quote any field — while counting and testing take the few columns
they name (`columns_read`): the rows' values are the same either way, only fewer are copied.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from ..registers.datetimes import HAS_TIME_SUFFIX
from .engine_input import EngineData, ages, in_window, part_values, select
from .evaluation import blanks, fields_of, populations_of
from .reason_text import is_expression, names_in
from .reasons import fields_in_value

#: Event rows' column holding the position of the row's person in the candidates frame.
PERSON = "_person"

#: what event rows give every row beside the register's own columns, in the order they are added
_ROW_FIELDS = ("birth", PERSON, "age", "first_birthday", "days_after_birth")


def person_fields(condition, persons: pd.DataFrame, table: pd.DataFrame) -> tuple[str, ...]:
    """The person's fields the condition's filters and reasons read that its register rows lack
    (a TB patient's 通知日期 in a test on another register's rows): the event rows copy them."""
    wanted = set().union(set(), *(fields_of(node) for node in condition.where + condition.test))
    texts = [condition.none, getattr(condition, "reason", None), *(getattr(node, "reason", None) for node in condition.test)]
    for text in filter(None, texts):
        for name in names_in(text):
            wanted |= fields_in_value(name) if is_expression(name) else {name}
    own = {*table.columns, *_ROW_FIELDS}  # the rows have these, or the event rows add them
    return tuple(sorted(field for field in wanted if field not in own and field in persons.columns))


def columns_read(nodes: tuple) -> set[str] | None:
    """The columns evaluating `nodes` may read on a frame: their fields, each field's time-of-day
    companion (operands.temporal) and the file's column list (`if_column_absent`,
    evaluation.absent_mask); None — every column — when a population test may read the key fields."""
    if any(populations_of(node) for node in nodes):
        return None
    fields = set().union(set(), *map(fields_of, nodes))
    return fields | {field + HAS_TIME_SUFFIX for field in fields} | {"_present"}


def both(first: set[str] | None, second: set[str] | None) -> set[str] | None:
    """The columns two steps read together (None: every column)."""
    return None if first is None or second is None else first | second


class EventRows:
    """The rows (see the module); `frame(columns)` gives them as a frame with those columns — the
    same rows, index and values as the frame of every column (`frame()`) has in them."""

    def __init__(self, table: pd.DataFrame, at: np.ndarray, persons_of_rows: np.ndarray, renumbered: bool,
                 persons: pd.DataFrame, data: EngineData, reference, date: str, borrowed: tuple[str, ...], within: str):
        self._table = table
        self._at = at  # the rows' positions in `table`, before the first-birthday cut
        self._renumbered = renumbered  # numbered from 0 (a row of a shared register may serve two units)
        self._of_persons = persons_of_rows
        # weak: the engine's memo holds these rows while `persons` lives, and must not keep it alive
        self._persons = weakref.ref(persons)
        self._data = weakref.ref(data)
        self._reference = reference
        self._date = date
        self._borrowed = borrowed
        self._values: dict[str, object] = {}
        self._frames: dict[frozenset | None, pd.DataFrame] = {}
        self._keep = None
        if within == "before_first_birthday":
            rows = self._build({date, "first_birthday"}, cut=False)
            self._keep = (rows[date] < rows["first_birthday"]).to_numpy(dtype=bool)

    @property
    def person(self) -> np.ndarray:
        """Each row's person (its position among the candidates)."""
        return self._of_persons if self._keep is None else self._of_persons[self._keep]

    def frame(self, columns: set[str] | None = None) -> pd.DataFrame:
        """The rows with `columns` (those the register or the person fields have), or every column."""
        key = None if columns is None else frozenset(columns)
        if key not in self._frames:
            self._frames[key] = self._build(columns)
        return self._frames[key]

    def _build(self, columns: set[str] | None, cut: bool = True) -> pd.DataFrame:
        added = [*_ROW_FIELDS, *self._borrowed]
        if columns is None:
            rows = self._table.iloc[self._at]
        else:
            rows = select(self._table, [c for c in self._table.columns if c in columns]).iloc[self._at]
            added = [name for name in added if name in columns]
        if self._renumbered:
            rows = rows.reset_index(drop=True)
        rows = rows.assign(**{name: self._value(name) for name in added})  # one assign: each column would copy the frame
        if cut and self._keep is not None:
            rows = rows.loc[self._keep]
        return rows

    def _value(self, name: str):
        """A column the rows take from their persons, as the frame of every column is given it."""
        if name not in self._values:
            persons = self._persons()
            if name in ("birth", "age"):
                rows = self._own(["birth"])
                self._values["birth"], self._values["age"] = _births_and_ages(
                    persons, self._of_persons, rows, self._data(), self._reference
                )
            elif name == PERSON:
                self._values[name] = self._of_persons
            elif name == "days_after_birth":
                birth = self._value("birth")
                dates = birth if self._date == "birth" else self._own([self._date])[self._date]
                self._values[name] = (dates - birth).dt.days
            else:  # first_birthday and the borrowed fields: the person's own
                self._values[name] = persons[name].to_numpy()[self._of_persons]
        return self._values[name]

    def _own(self, columns: list[str]) -> pd.DataFrame:
        """The register's own `columns` of the rows (before any is taken from the person)."""
        rows = select(self._table, columns).iloc[self._at]
        return rows.reset_index(drop=True) if self._renumbered else rows


def event_rows(condition, persons: pd.DataFrame, data: EngineData, period, reference, borrowed: tuple[str, ...] = ()) -> EventRows:
    """The condition's register rows of the candidate persons inside its window (see EventRows),
    with the person fields in `borrowed`."""
    table = data.table(condition.register)
    dates = table[condition.date]
    start, end = np.datetime64(period.start, "ns"), np.datetime64(period.end, "ns")
    by_date = {  # windows that need no person field are applied before rows are matched to persons
        "period": lambda: in_window(dates, start, end),
        "all": lambda: ~blanks(dates),
        "through_period_end": lambda: in_window(dates, None, end),
    }.get(condition.within)
    candidates = np.flatnonzero(by_date()) if by_date is not None else np.arange(len(table))
    parts = data.shared_parts(condition.register)
    if parts is None:  # the rows are keyed by the unit itself
        codes, keys = data.key_codes(table)
        # each distinct key's person (-1 for none, and for a blank key: the last place), then each row's
        positions = np.append(persons.index.get_indexer(keys), -1)[codes[candidates]]
        matched = positions >= 0
        at, persons_of_rows = candidates[matched], positions[matched]
    else:  # a register holding only part of the unit's key: a row belongs to every unit it matches
        own_parts = [field for field in table.columns if field in parts]
        pairs, persons_of_rows = _match_parts(table[own_parts].iloc[candidates], persons, parts)
        at = candidates[pairs]
    return EventRows(table, at, persons_of_rows, parts is not None, persons, data, reference, condition.date, borrowed,
                     condition.within)


def _births_and_ages(persons: pd.DataFrame, persons_of_rows: np.ndarray, rows: pd.DataFrame, data: EngineData, reference):
    """Each event row's birth (its person's, else the row's own) and age at `reference`: the ages
    of the persons are worked out once per population and spread to their rows; only rows whose
    person has no birth date are aged themselves."""
    own = rows["birth"]
    of_persons = persons["birth"]
    if not (of_persons.dtype == own.dtype and own.dtype.kind == "M" and isinstance(own.dtype, np.dtype)):
        birth = pd.Series(of_persons.to_numpy()[persons_of_rows], index=rows.index)
        birth = birth.where(birth.notna(), own)
        return birth, ages(birth, reference)
    values = of_persons.to_numpy()[persons_of_rows]
    person_ages = data.remember_for(persons, ("ages", reference), lambda: ages(of_persons, reference))
    age = person_ages[persons_of_rows]
    unknown = np.isnat(values)
    if unknown.any():
        values[unknown] = own.to_numpy()[unknown]
        age[unknown] = ages(pd.Series(values[unknown]), reference)
    return pd.Series(values, index=rows.index), age


def _match_parts(rows: pd.DataFrame, persons: pd.DataFrame, parts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (row position in `rows`, unit position in `persons`) with equal values of the key
    fields `parts` (blank matches nothing), in row order: a mother's follow-up row pairs with each
    of her deliveries."""
    parts = tuple(field for field in parts if field in persons.columns)
    if not parts or not len(rows) or not len(persons):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    left = pd.DataFrame({"_part": part_values(rows, parts).to_numpy(), "_row": np.arange(len(rows))}).dropna(subset=["_part"])
    right = pd.DataFrame({"_part": part_values(persons, parts).to_numpy(), "_unit": np.arange(len(persons))}).dropna(subset=["_part"])
    pairs = left.merge(right, on="_part", how="inner", sort=False).sort_values(["_row", "_unit"], kind="stable")
    return pairs["_row"].to_numpy(dtype=np.intp), pairs["_unit"].to_numpy(dtype=np.intp)
