"""Problems as data, and the one user-error exception.

Reading and validating never raise for a bad cell or a bad sheet: they collect `Problem`s and keep
going, and the command line decides the exit code. A mistake that stops the whole command (no such
folder, a bad period, a bad chsc.yaml, an unreadable file during compute) is a `UserError`, caught
once in the CLI and printed in Chinese without a traceback (exit 2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]

#: Every problem code of cli.md, with its level. A code not in this table is a bug.
PROBLEM_LEVELS: dict[str, Level] = {
    "unreadable-file": "error",
    "too-large": "error",
    "unrecognised-sheet": "info",
    "unsupported-file": "info",
    "ambiguous-kind": "error",
    "no-registers": "error",
    "missing-column": "error",
    "bad-date": "error",
    "bad-number": "error",
    "id-as-number": "error",
    "bad-id": "error",
    "missing-id": "warning",
    "bad-checksum": "warning",
    "birth-date-mismatch": "warning",
    "no-birth-date": "warning",
    "implausible-value": "warning",
    "unknown-value": "warning",
    "unknown-vaccine": "warning",
    "duplicate-row": "warning",
    "duplicate-person": "warning",
    "not-in-roster": "warning",
    "completeness-unchecked": "warning",
    "future-date": "warning",
    "old-date": "warning",
    "bad-config": "error",
    # a UTF-8 CSV with a few damaged bytes (a field cut short by bytes): read as UTF-8, the line said
    "bad-encoding": "warning",
    # a district (compute/report --centres): centres are told apart by their folders
    "centre-name-repeated": "warning",  # two centre folders' chsc.yaml give the same centre: name
    "centre-folder-repeated": "warning",  # a centre folder that is another one (a link to it): counted once
    "centre-without-registers": "warning",  # an empty or register-less centre folder, left out of the totals
    "nested-config": "warning",  # a chsc.yaml below a centre folder's root: not read
    "district-root-file": "warning",  # a file at the district folder's root: in no centre, ignored
    "district-target-differs": "warning",  # centres' targets differ, the district sets none: the library's used
    "period-without-data": "warning",
    # an indicator file's condition that may not mean what it says (a word a keep-as-written column
    # does not list, a null $parameter outside an `is null` guard): said when the library loads
    "definition-warning": "warning",
}


#: What a district roll-up says about its centre folders, not about any register's rows (validate,
#: run on one centre folder, never finds them).
DISTRICT_CODES = ("centre-name-repeated", "centre-folder-repeated", "centre-without-registers", "nested-config",
                  "district-root-file", "district-target-differs")


#: Problems found only when indicators are computed for a period (the rows dated in it): `validate
#: --period` lists them too, every one. (no-birth-date and completeness-unchecked are the reader's
#: own, listed by plain validate at their rows; the engine's are a count of the same.)
PERIOD_CODES = ("not-in-roster",)


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem. `row` is the row number Excel shows (the line number in a CSV).

    `message` is Chinese and must never hold a full ID number (mask it with masking.mask_id).
    """

    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    count: int = 1

    @property
    def level(self) -> Level:
        return PROBLEM_LEVELS[self.code]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["level"] = self.level
        data.pop("count")
        return data

    def where(self) -> str:
        """Chinese description of the place: 文件 a.xlsx，工作表 体检，第 5 行，列「体检日期」."""
        parts = []
        if self.file:
            parts.append(f"文件 {self.file}")
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return "，".join(parts)


class UserError(Exception):
    """A mistake the user can fix. Printed as one or two Chinese lines; exit code 2."""

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"
