"""A person's birth date across registers (registers.md: "from the ID number's date digits …;
otherwise from the 出生日期 of the person's roster row, then of the event row").

Each kind's table knows its own rows' birth dates (persons.py: the ID's date digits, else the row's
出生日期). A row whose ID holds no real date and whose own 出生日期 is blank takes the person's birth
date from the other registers read with it: the rosters first (the residents roster, then the
others, in the order of the kinds), then the event registers; within one register its first row
that has one. An event row's own 出生日期 gives way to a roster's ("otherwise from the 出生日期 of
the person's roster row, then of the event row"). Only rows keyed by an ID number: the same ID is
the same person everywhere. The row's `no-birth-date` warning stands only where no register has
the date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..people import birth_dates_from_ids
from ..problems import Problem
from .columns import RegisterKind
from .kinds import KINDS
from .persons import ID_FIELD, SOURCE_FIELDS

NO_BIRTH_DATE = "no-birth-date"


def births_across_registers(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """(`tables` with the birth dates other registers give filled in, `problems` without the
    `no-birth-date` warnings of the rows filled). The tables given are not changed."""
    keyed = [name for name in tables if _keyed_by_id(KINDS.get(name)) and "birth" in tables[name].columns]
    blank = {name: _without_birth(tables[name]) for name in keyed}
    # an event row whose ID holds no date has its own 出生日期: the person's roster row's comes first
    own = {name: _own_date_only(tables[name]) if not KINDS[name].roster else np.zeros(len(tables[name]), dtype=bool)
           for name in keyed}
    wanted = {key for name in keyed for key in tables[name][ID_FIELD].to_numpy(dtype=object)[blank[name] | own[name]].tolist()}
    if not wanted:  # the usual folder: every ID's digits are a date
        return tables, problems
    order = sorted(keyed, key=_source_order)
    from_rosters = _births_of(wanted, tables, [name for name in order if KINDS[name].roster])
    found = {**_births_of(wanted - from_rosters.keys(), tables, [name for name in order if not KINDS[name].roster]), **from_rosters}
    filled_tables = dict(tables)
    filled_places: set[tuple] = set()
    for name in keyed:
        table = tables[name]
        ids = table[ID_FIELD].to_numpy(dtype=object)
        column = table["birth"].to_numpy(dtype="datetime64[ns]", copy=True)
        changed = np.zeros(len(table), dtype=bool)
        for rows, source in ((blank[name], found), (own[name], from_rosters)):
            at = np.flatnonzero(rows)
            births = pd.to_datetime(pd.Series(ids[at], dtype=object).map(source)).to_numpy(dtype="datetime64[ns]")
            known = ~np.isnat(births) & (births != column[at])
            column[at[known]] = births[known]
            changed[at[known]] = True
        if not changed.any():
            continue
        filled_tables[name] = table.assign(birth=pd.Series(column, index=table.index))
        filled = blank[name] & changed
        places = zip(*(table[field].to_numpy(dtype=object)[filled].tolist() for field in SOURCE_FIELDS))
        filled_places.update((file, sheet, int(row)) for file, sheet, row in places)
    kept = [p for p in problems if not (p.code == NO_BIRTH_DATE and (p.file, p.sheet, p.row) in filled_places)]
    return filled_tables, kept


def _own_date_only(table: pd.DataFrame) -> np.ndarray:
    """The rows with a birth date from their own 出生日期 because their ID holds none (worked out per
    distinct ID, only where the register has a 出生日期 column)."""
    if "birth_date" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    written = table["birth_date"].notna().to_numpy(dtype=bool) & table[ID_FIELD].notna().to_numpy(dtype=bool)
    if not written.any():
        return written
    codes, distinct = pd.factorize(table[ID_FIELD].to_numpy(dtype=object)[written])
    no_date = birth_dates_from_ids(pd.Series(distinct, dtype=object)).isna().to_numpy(dtype=bool)
    rows = np.zeros(len(table), dtype=bool)
    rows[np.flatnonzero(written)[no_date[codes]]] = True
    return rows


def _keyed_by_id(kind: RegisterKind | None) -> bool:
    return kind is not None and kind.keyed_by_id_number


def _without_birth(table: pd.DataFrame) -> np.ndarray:
    """The rows with an ID and no birth date."""
    return table[ID_FIELD].notna().to_numpy(dtype=bool) & table["birth"].isna().to_numpy(dtype=bool)


def _source_order(name: str) -> int:
    """The residents roster (the one giving contacts) first, then the other rosters, then the event
    registers; the kinds' own order within each (sorted is stable)."""
    kind = KINDS[name]
    return 0 if kind.contact_source is not None else 1 if kind.roster else 2


def _births_of(wanted: set, tables: dict[str, pd.DataFrame], order: list[str]) -> dict[object, object]:
    """The birth date of each wanted ID found in the registers, the first in `order`'s registers."""
    found: dict[object, object] = {}
    for name in order:
        table = tables[name]
        ids = table[ID_FIELD].to_numpy(dtype=object)
        births = table["birth"]
        at = np.flatnonzero(births.notna().to_numpy(dtype=bool) & pd.Series(ids).isin(wanted).to_numpy(dtype=bool))
        for key, birth in zip(ids[at].tolist(), births.iloc[at].tolist()):  # (Timestamps)
            if key not in found:
                found[key] = birth
        wanted = wanted - found.keys()
        if not wanted:
            break
    return found
