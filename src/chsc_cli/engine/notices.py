"""Warnings the engine adds to the reader's problems: event-register persons missing from the
roster (`not-in-roster`, saying whether they were counted) and checkup files whose completeness
could not be checked (`completeness-unchecked`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period
from ..problems import Problem
from ..registers import KINDS
from ..registers.columns import completeness_message
from .engine_input import EngineData, in_window, select
from .evaluation import fields_of
from .expressions import Test


#: The columns the notices read.
NOTICE_COLUMNS = ("_key", "_file", "_sheet", "_row", "_present")


def rows_in_period(data: EngineData, register: str, date_field: str, period: Period) -> pd.DataFrame:
    """The register's rows dated inside `period`, with the columns the notices read."""
    rows = data.table(register)
    inside = in_window(rows[date_field], np.datetime64(period.start, "ns"), np.datetime64(period.end, "ns"))
    return select(rows, [c for c in NOTICE_COLUMNS if c in rows.columns]).loc[inside]


def not_in_roster(data: EngineData, rows: pd.DataFrame, register: str, roster_register: str, counted: bool) -> list[Problem]:
    """One problem per person of `rows` (rows of the register's table) whose key the roster lacks,
    located at their first row. Each distinct key of the register is looked up in the roster once."""
    table = data.table(register)
    codes, keys = data.key_codes(table)
    listed = np.append(data.key_codes(data.table(roster_register))[1].get_indexer(keys) >= 0, False)  # a blank key: in none
    outside = rows.loc[~listed[codes[table.index.get_indexer(rows.index)]]].drop_duplicates("_key")
    verdict = "已计入分子" if counted else "未计入（分母来自名册，分子只计名册中的人）"
    message = f"{KINDS[register].title}中有人员不在{KINDS[roster_register].title}中，{verdict}"
    header = KINDS[register].column(KINDS[register].key_field).header
    return [
        Problem("not-in-roster", message, file=file, sheet=sheet, row=int(row), column=header)
        for file, sheet, row in select(outside, ["_file", "_sheet", "_row"]).itertuples(index=False, name=None)
    ]


def completeness_unchecked(rows: pd.DataFrame, register: str, nodes: tuple) -> list[Problem]:
    """For tests that pass when their column is absent: one warning per file/sheet lacking it."""
    problems = []
    checked = [node for node in nodes if isinstance(node, Test) and node.if_column_absent == "pass"]
    if not checked:
        return problems
    positions, lists = pd.factorize(rows["_present"].to_numpy(dtype=object), use_na_sentinel=False)  # few distinct lists
    for node in checked:
        needed = fields_of(node)
        lacking_lists = np.array([not needed <= set(str(p).split(",")) for p in lists], dtype=bool)
        if not lacking_lists.any():
            continue
        lacking = rows.loc[lacking_lists[positions]]
        for (file, sheet), group in lacking.groupby(["_file", "_sheet"], dropna=False, sort=True):
            present = set(str(group["_present"].iloc[0]).split(","))
            for field in sorted(needed - present):
                message = completeness_message(KINDS[register].source_column(field).header)
                problems.append(Problem("completeness-unchecked", message, file=file, sheet=sheet))
    return problems
