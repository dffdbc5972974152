"""The registers as the engine sees them: each kind's rows keyed by person, with the fields every
filter may use (birth, age at the reference date, first birthday), and what each kind lacks."""

from __future__ import annotations

import calendar
import datetime as dt
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..ages import completed_years
from ..registers import KINDS, ReadResult
from .day_table import calendar_fields, months_on


def first_birthdays(births: pd.Series) -> pd.Series:
    """Birth + 1 year; 29 February -> 28 February (pandas clips to the month's last day). Looked up
    in the day table (day_table.py) where it lists the births, else worked out by pandas."""
    shifted = months_on(births.to_numpy(), 12) if isinstance(births.dtype, np.dtype) else None
    if shifted is None:
        return births + pd.DateOffset(years=1)
    return pd.Series(shifted, index=births.index, name=births.name)


@dataclass
class EngineData:
    """A read folder prepared once for any number of periods and indicators."""

    read: ReadResult
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Results reused across indicators and periods (populations, the residents lookup, ages).
    memo: dict = field(default_factory=dict)
    #: Results that depend on one table object only, shared with the views in other units (`units`)
    #: that hold the same table (`remember_for(..., shared=True)`).
    shared: dict = field(default_factory=dict)
    #: A view's folder (`units`): the tables the view does not count in its own units.
    base: "EngineData | None" = None
    #: A view's unit key (`units`): the fields whose equal values make one unit.
    key: tuple[str, ...] = ()

    def remember(self, key, compute):
        """`compute()` once per key; later calls return the same object (treat it as read-only)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def remember_for(self, frame: pd.DataFrame, key: tuple, compute, shared: bool = False):
        """`remember` for a result that depends on `frame` itself: reused while that very frame
        lives (indicators sharing a population pass the same frame), without keeping it alive.
        `shared`: the result depends on nothing else, and the views in other units reuse it too."""
        memo = self.shared if shared else self.memo
        memo_key = (*key, id(frame))
        held = memo.get(memo_key)
        if held is None or held[0]() is not frame:
            held = memo[memo_key] = (weakref.ref(frame, self._forget(memo, memo_key)), compute())
        return held[1]

    @staticmethod
    def _forget(memo: dict, memo_key):
        """A weakref callback dropping the memo entry of a frame that no longer exists."""

        def forget(dead):
            if memo.get(memo_key, (None,))[0] is dead:
                del memo[memo_key]

        return forget

    @classmethod
    def prepare(cls, read: ReadResult) -> "EngineData":
        """Each kind's table is keyed when first used (`table`): an evaluation split over two
        processes (parallel.py) prepares in each only what its indicators read."""
        return cls(read)

    def _keyed(self, kind_name: str) -> pd.DataFrame:
        table = self.read.tables[kind_name]
        key_field = KINDS[kind_name].key_field
        numbered = None
        column = table[key_field] if key_field in table.columns else None
        if column is not None and column.dtype == object and ("rows-with-key", kind_name) not in self.memo:
            # the keys numbered at once (key_codes): the rows with a key are those with a number
            numbered = _numbered(column)
            self.memo[("rows-with-key", kind_name)] = numbered[0] >= 0
        with_key = self._with_key(kind_name)
        if with_key is None:  # a kind with no key: each row is its own record
            return _with_keys(table, pd.Series(_row_keys(len(table)), index=table.index))
        everyone = with_key.all()
        keyed = table if everyone else table.loc[with_key]
        keyed = _with_keys(keyed, keyed[key_field])
        if numbered is not None:  # the keyed rows' numbers are theirs (their `_key` is the key field as it is)
            codes, keys = numbered
            self.remember_for(keyed, ("key-codes",), lambda: (codes if everyone else codes[with_key], keys), shared=True)
        return keyed

    def _with_key(self, kind: str) -> np.ndarray | None:
        """Which rows of `kind` have a key (the rows the engine counts); None for a kind without a
        key field. Read off the key column alone, once."""
        key_field = KINDS[kind].key_field
        if key_field is None:
            return None
        return self.remember(("rows-with-key", kind), lambda: self.read.column(kind, key_field).notna().to_numpy())

    def units(self, key: tuple[str, ...], registers) -> "EngineData":
        """The same folder counted in other units: in each of `registers` that has the `key` fields,
        rows with equal values of them are one unit (`_key`); with no `key`, every row is a unit. A
        blank in a one-field key makes the row a unit of its own; with several fields it is left
        out, as a row without an ID is for persons. Memoised per key."""
        return self.remember(("units", key, tuple(registers)), lambda: self._units(key, registers))

    def _units(self, key: tuple[str, ...], registers) -> "EngineData":
        view = EngineData(self.read, shared=self.shared, base=self, key=tuple(key))
        for kind_name in registers:
            if kind_name not in self.read.tables:
                continue
            table = self.read.tables[kind_name]
            if not set(key) <= set(table.columns):
                continue
            if not key:
                view.tables[kind_name] = _with_keys(table, pd.Series(_row_keys(len(table)), index=table.index))
                continue
            parts = [table[field].astype(object).where(table[field].notna(), None) for field in key]
            blank = np.logical_or.reduce([part.isna().to_numpy() for part in parts])
            joined = pd.Series(["\x1f".join(map(str, values)) for values in zip(*parts)], index=table.index, dtype=object)
            if len(key) > 1:
                view.tables[kind_name] = _with_keys(table.loc[~blank], joined.loc[~blank])
            else:
                view.tables[kind_name] = _with_keys(table, joined.where(~blank, pd.Series(_row_keys(len(table)), index=table.index)))
        return view

    def shared_parts(self, kind: str) -> tuple[str, ...] | None:
        """How the rows of `kind` find their unit: None when they are keyed by it (a person's
        register for persons, or a register this view counts in its own units); else the fields of
        the unit's key that the register holds, its rows matching every unit with equal values of
        them (a delivery — ID + 分娩日期 — and its mother's rows in a register with her ID only:
        the person's events belong to each of her deliveries). Empty: no field in common, no row
        matches."""
        if self.base is None or kind in self.tables:
            return None
        columns = self.base.table(kind).columns if self.base.has(kind) else ()
        parts = tuple(field for field in self.key if field in columns)
        # part of a key matches only through the register's own person key: a 分娩日期 alone would
        # join every delivery of that day, whoever the mother
        return parts if len(parts) == len(self.key) or KINDS[kind].key_field in parts else ()

    def has(self, kind: str) -> bool:
        """Whether the folder holds the register: a sheet of it with at least one data row. A sheet
        of headers alone (a blank template from `chsc init`, not yet filled in) is no register: a
        roster that is only headers gives way to its follow-ups (indicators.md: 'if the centre has
        no patient roster …'), and an indicator reading only it is not computable."""
        if self.base is not None:  # a view of units (several fields): the folder's answer
            return self.base.has(kind)
        return kind in self.read.tables and kind in self.remember(("filled-kinds",), self.read.filled_kinds)

    def table(self, kind: str) -> pd.DataFrame:
        if kind not in self.tables:
            if self.base is not None:
                return self.base.table(kind)
            self.tables[kind] = self._keyed(kind)
        return self.tables[kind]

    def counted_column(self, kind: str, field: str) -> pd.Series | None:
        """`field` of the rows of `kind` the engine counts (those with a key), without building or
        keying a table this process has not needed yet (None without the register or the field)."""
        if kind in self.tables:
            table = self.tables[kind]
            return table[field] if field in table.columns else None
        if self.base is not None:
            return self.base.counted_column(kind, field)
        column = self.read.column(kind, field)
        with_key = self._with_key(kind) if column is not None else None
        return column if with_key is None or with_key.all() else column[with_key]

    def rows_read(self, kind: str) -> int:
        """The rows read of `kind` (0 without its register), without keying its table."""
        return self.read.rows(kind)

    def present_fields(self, kind: str) -> set[str]:
        """Fields some sheet of `kind` has (a 血压 column provides both pressures, a lookup's column
        the field it fills); fields with a default value (常住, 档案状态, 管理状态) count as present
        even when no sheet has them, unless the default is for cells only (`default_when_absent: false`)."""
        present = set(self.read.columns_of(kind))
        kind_def = KINDS[kind]
        for column in kind_def.split_columns:  # one 血压 cell fills the two pressures
            if column.field in present:
                present |= set(column.fills)
        present |= kind_def.looked_up(present)  # no 疫苗名称 column, no series
        present |= {c.field for c in kind_def.columns if c.default is not None and c.default_when_absent}
        return present

    def key_codes(self, table: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
        """The keys of `table` (one of this folder's) numbered — equal keys, equal numbers; -1 for a
        blank — and the distinct keys: once per table, for every population, pick and match on it.
        A match of rows to persons then looks up each distinct key once, not each row's."""
        return self.remember_for(table, ("key-codes",), lambda: _numbered(table["_key"]), shared=True)

    def rows_without_key(self, kind: str) -> int:
        return len(self.read.tables[kind]) - len(self.table(kind)) if self.has(kind) else 0


def _numbered(keys: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(each key's number, -1 for a blank; the distinct keys as an object Index: a str index matches slowly)."""
    codes, distinct = pd.factorize(keys)
    return codes, pd.Index(distinct, dtype=object)


def select(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """`frame[list(columns)]`: those columns in that order, each once. Taken by position: pandas 3
    would first make the labels an Arrow string index to look them up (~0.5 ms a call, thousands a
    run)."""
    if not frame.columns.is_unique:  # a label standing for several columns: pandas gives them all
        return frame[list(dict.fromkeys(columns))]
    position = {label: at for at, label in enumerate(frame.columns)}
    return frame.take([position[label] for label in dict.fromkeys(columns)], axis=1)


def in_window(dates: pd.Series, start: np.datetime64 | None, end: np.datetime64 | None) -> np.ndarray:
    """Which dates fall on the days `start` to `end` (both days, midnight), as numpy booleans: a
    date-time later on the `end` day is inside (a card diagnosed 31 December 15:00 is in the year).
    A blank date is in no window; None: that side open. A datetime64[ns] column is compared in
    numpy, as pandas compares it, without the Series pandas builds around each step; any other
    column goes through pandas."""
    before = None if end is None else end + np.timedelta64(1, "D")  # the day after `end`, excluded
    if isinstance(dates.dtype, np.dtype) and dates.dtype == np.dtype("datetime64[ns]"):
        values = dates.to_numpy()
        inside = ~np.isnat(values)
        if start is not None:
            inside &= values >= start
        if before is not None:
            inside &= values < before
        return inside
    inside = pd.Series(True, index=dates.index) if start is None else dates >= start
    if before is not None:
        inside = inside & (dates < before)
    return inside.to_numpy(dtype=bool)


def part_values(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """One value per row for the key fields `parts`, joined as the unit keys are (`units`); None
    where one is blank or the frame lacks the field."""
    if not parts or not set(parts) <= set(frame.columns):
        return pd.Series(None, index=frame.index, dtype=object)
    if len(parts) == 1:  # the usual part, the person's ID: its values as they are
        column = frame[parts[0]].astype(object)
        return column.where(column.notna(), None)
    values = [frame[field].astype(object).where(frame[field].notna(), None) for field in parts]
    blank = np.logical_or.reduce([value.isna().to_numpy() for value in values])
    joined = pd.Series(["\x1f".join(map(str, row)) for row in zip(*values)], index=frame.index, dtype=object)
    return joined.where(~blank, None)


@dataclass(frozen=True)
class PartKeys:
    """The members of a population keyed by fewer fields than the units that test it (`in_population`
    of a person's population in a delivery indicator): a unit is a member when its values of `parts`
    are a member's."""

    parts: tuple[str, ...]
    values: pd.Index

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        keys = part_values(frame, self.parts)
        return (keys.notna() & keys.isin(self.values)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Members:
    """The keys of a population's persons (`in_population`). A frame whose keys are distinct (the
    persons of another population, tested by several `in_population:` in turn) has its keys indexed
    once, and each member is looked up among them — a few thousand members, not every person's key
    among the members at each test."""

    keys: pd.Index
    data: EngineData

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        index = self.data.remember_for(frame, ("keys",), lambda: pd.Index(frame["_key"].to_numpy(), dtype=object))
        if not index.is_unique:
            return frame["_key"].isin(self.keys).to_numpy(dtype=bool)
        found = np.zeros(len(frame), dtype=bool)
        at = index.get_indexer(self.keys)
        found[at[at >= 0]] = True
        return found


def _row_keys(count: int) -> np.ndarray:
    return np.array([f"\x1erow{i}" for i in range(count)], dtype=object)


def _with_keys(table: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    births = table["birth"] if "birth" in table.columns else pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    keyed = table.assign(_key=keys.astype(object), birth=births, first_birthday=first_birthdays(births))
    keyed = keyed.reset_index(drop=True)
    # column labels as plain objects: pandas 3 makes them an Arrow string index, whose every insert
    # (a column the engine adds to a person frame, hundreds a run) copies the whole index (~0.4 ms)
    keyed.columns = pd.Index(list(keyed.columns), dtype=object)
    return keyed


def with_age(frame: pd.DataFrame, reference: dt.date) -> pd.DataFrame:
    """`age` in completed years at `reference` from `birth` (NA without a birth date)."""
    return frame.assign(age=ages(frame["birth"], reference))


def ages(births: pd.Series, reference: dt.date) -> np.ndarray:
    """Completed years at `reference` as floats (NaN without a birth date): ages.completed_years,
    with the births' calendar fields looked up in the day table (day_table.py) where it lists them."""
    fields = calendar_fields(births.to_numpy()) if isinstance(births.dtype, np.dtype) else None
    if fields is None:
        years, missing = completed_years(births, reference)
        return np.where(missing, np.nan, years)
    year, month, day, missing = fields
    reference = reference.date() if isinstance(reference, dt.datetime) else reference
    if not calendar.isleap(reference.year):  # born 29 February: the birthday is 28 February
        day = np.where((month == 2) & (day == 29), 28, day)
    not_yet = (month > reference.month) | ((month == reference.month) & (day > reference.day))
    return np.where(missing, np.nan, reference.year - year - not_yet)
