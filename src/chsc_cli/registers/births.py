"""A person's birth date across registers (registers.md: "from the ID number's date digits …;
otherwise from the 出生日期 of the person's roster row, then of the event row").

Each kind's table knows its own rows' birth dates (persons.py: the ID's date digits, else the row's
出生日期). A row whose ID holds no real date and whose own 出生日期 is blank takes the person's birth
date from the other registers read with it: the rosters first (the residents roster, then the
others, in the order of the kinds), then the event registers; within one register its first row
that has one. Only rows keyed by an ID number: the same ID is the same person everywhere. The
row's `no-birth-date` warning stands only where no register has the date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..problems import Problem
from .columns import RegisterKind
from .kinds import KINDS
from .persons import ID_FIELD, SOURCE_FIELDS

NO_BIRTH_DATE = "no-birth-date"


def births_across_registers(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """(`tables` with the birth dates other registers give filled in, `problems` without the
    `no-birth-date` warnings of the rows filled). The tables given are not changed."""
    keyed = [name for name in tables if _keyed_by_id(KINDS.get(name)) and "birth" in tables[name].columns]
    wanting = {name: _without_birth(tables[name]) for name in keyed}
    wanted = {key for name in keyed for key in tables[name][ID_FIELD].to_numpy(dtype=object)[wanting[name]].tolist()}
    if not wanted:  # the usual folder: every ID's digits are a date
        return tables, problems
    found = _births_of(wanted, tables, sorted(keyed, key=_source_order))
    if not found:
        return tables, problems
    filled_tables = dict(tables)
    filled_places: set[tuple] = set()
    for name in keyed:
        table, at = tables[name], np.flatnonzero(wanting[name])
        births = pd.to_datetime(pd.Series(table[ID_FIELD].to_numpy(dtype=object)[at], dtype=object).map(found)).to_numpy(dtype="datetime64[ns]")
        known = ~np.isnat(births)
        if not known.any():
            continue
        column = table["birth"].to_numpy(dtype="datetime64[ns]", copy=True)
        column[at[known]] = births[known]
        filled_tables[name] = table.assign(birth=pd.Series(column, index=table.index))
        places = zip(*(table[field].to_numpy(dtype=object)[at[known]].tolist() for field in SOURCE_FIELDS))
        filled_places.update((file, sheet, int(row)) for file, sheet, row in places)
    kept = [p for p in problems if not (p.code == NO_BIRTH_DATE and (p.file, p.sheet, p.row) in filled_places)]
    return filled_tables, kept


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
