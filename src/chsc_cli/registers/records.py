"""The records a read produces about its sheets (kept apart so every module can share them)."""

from __future__ import annotations

from dataclasses import dataclass


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
