"""The records a read produces: about its sheets, and the whole folder's result (kept apart so every
module can share them: the reader builds them, the parse cache stores and rebuilds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class ReadResult:
    data_dir: Path
    tables: dict[str, pd.DataFrame]
    sheets: list[RegisterSheet] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def problems_with(self, *codes: str) -> list[Problem]:
        return [p for p in self.problems if p.code in codes]

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def columns_of(self, kind: str) -> set[str]:
        """Fields present in at least one sheet of `kind`."""
        return {f for s in self.sheets if s.kind == kind for f in s.columns}
