"""The records a read produces: about its sheets, and the whole folder's result (kept apart so every
module can share them: the reader builds them, the parse cache stores and rebuilds them)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..problems import Problem


@dataclass(frozen=True)
class RegisterSheet:
    kind: str
    file: str
    sheet: str | None
    header_row: int  # as Excel shows it (1-based); the leaf row of a two-row header
    rows: int  # data rows kept
    columns: dict[str, str]  # field -> header as written


@dataclass(frozen=True)
class SkippedSheet:
    file: str
    sheet: str | None
    reason: str


class TableBuilder(Protocol):
    """A table not built yet: the whole DataFrame, or one of its columns (None if it has none)."""

    def __call__(self) -> pd.DataFrame: ...

    def column(self, field: str) -> pd.Series | None: ...


def _column_of(table: pd.DataFrame, field: str) -> pd.Series | None:
    return table[field] if field in table.columns else None


class Tables(MutableMapping[str, pd.DataFrame]):
    """Each register kind's table, some of them built only when first asked for.

    A warm read (the parse cache's entry) gives every table as a builder over the entry's checked
    Arrow data: the DataFrame is made on first use, so the two processes of an evaluation
    (engine/parallel.py) each build the tables their indicators read, and a table nothing reads is
    never built. `rows`, `in` and `column` answer without building it."""

    def __init__(self, builders: dict[str, TableBuilder | pd.DataFrame], rows: dict[str, int]):
        self._tables: dict[str, TableBuilder | pd.DataFrame] = dict(builders)
        self._rows = dict(rows)

    def __getitem__(self, kind: str) -> pd.DataFrame:
        table = self._tables[kind]
        if not isinstance(table, pd.DataFrame):
            table = self._tables[kind] = table()
        return table

    def __setitem__(self, kind: str, table: pd.DataFrame) -> None:
        self._tables[kind], self._rows[kind] = table, len(table)

    def __delitem__(self, kind: str) -> None:
        del self._tables[kind], self._rows[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._tables

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def rows(self, kind: str) -> int:
        return self._rows[kind]

    def column(self, kind: str, field: str) -> pd.Series | None:
        """One column of `kind`'s table (None without it), without building the whole table."""
        table = self._tables[kind]
        return _column_of(table, field) if isinstance(table, pd.DataFrame) else table.column(field)

    def __reduce__(self):  # pickled as the tables themselves (a builder holds the cache's map)
        return Tables, (dict(self.items()), {kind: self._rows[kind] for kind in self})


@dataclass
class ReadResult:
    data_dir: Path
    tables: dict[str, pd.DataFrame] | Tables
    sheets: list[RegisterSheet] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def filled_kinds(self) -> set[str]:
        """The kinds with a data row in some sheet: kept, or dropped for an error (written, just
        wrong). A sheet of headers alone (chsc init's blank template) makes no kind filled."""
        kind_of = {(sheet.file, sheet.sheet): sheet.kind for sheet in self.sheets}
        kinds = {sheet.kind for sheet in self.sheets if sheet.rows > 0}
        kinds |= {kind_of[(p.file, p.sheet)] for p in self.problems
                  if p.level == "error" and p.row is not None and (p.file, p.sheet) in kind_of}
        if not self.sheets:  # tables given without their sheets (tests, a district's pieces)
            kinds |= {kind for kind in self.tables if self.rows(kind)}
        return kinds

    def rows(self, kind: str) -> int:
        """The rows of `kind`'s table (0 without the register), without building it."""
        if kind not in self.tables:
            return 0
        return self.tables.rows(kind) if isinstance(self.tables, Tables) else len(self.tables[kind])

    def column(self, kind: str, field: str) -> pd.Series | None:
        """One column of `kind`'s table (None without the register or the column), without building
        a table the cache has not decoded."""
        if kind not in self.tables:
            return None
        if isinstance(self.tables, Tables):
            return self.tables.column(kind, field)
        return _column_of(self.tables[kind], field)

    def problems_with(self, *codes: str) -> list[Problem]:
        return [p for p in self.problems if p.code in codes]

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def columns_of(self, kind: str) -> set[str]:
        """Fields present in at least one sheet of `kind`."""
        return {f for s in self.sheets if s.kind == kind for f in s.columns}
