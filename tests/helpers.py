"""Small builders shared by the reader tests: workbooks and CSV files written in code, ID numbers
with a known check character, and a `read` that always passes the same `today`.

The check character is computed here independently of chsc (GB 11643: weights 2**(17-i) mod 11,
characters "10X98765432"), so the tests do not trust the code they test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from chsc_cli.config import CentreConfig
from chsc_cli.registers import ReadResult, read_folder

TODAY = dt.date(2026, 11, 23)

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK = "10X98765432"


def check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def make_id(birth: str = "19500101", seq: str = "001", area: str = "110105") -> str:
    """A valid 18-character ID number: area code, YYYYMMDD, 3-digit sequence, check character."""
    first17 = f"{area}{birth}{seq}"
    assert len(first17) == 17, first17
    return first17 + check_char(first17)


def wrong_checksum(id18: str) -> str:
    """The same ID with a wrong check character."""
    wrong = "0" if id18[-1] != "0" else "1"
    return id18[:17] + wrong


def write_workbook(
    path: Path,
    sheets: dict[str, Sequence[Sequence[object]]],
    merges: dict[str, Iterable[str]] | None = None,
) -> Path:
    """Write an .xlsx with one sheet per entry. Every str is stored as a text cell (never a formula
    or an error value), numbers as numbers, dates as date cells. None leaves the cell empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row_number, row in enumerate(rows, start=1):
            for column_number, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=row_number, column=column_number, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for cell_range in (merges or {}).get(name, ()):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Sheet1", merges: Iterable[str] = ()) -> Path:
    """One-sheet workbook; `merges` are ranges such as "A1:F1"."""
    return write_workbook(path, {sheet: rows}, {sheet: tuple(merges)})


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> Path:
    """A CSV file; use encoding="utf-8-sig" for UTF-8 with BOM, "gb18030" for GBK/GB18030."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for row in rows:
        cells = ["" if value is None else str(value) for value in row]
        lines.append(",".join('"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\r\n') else c for c in cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def read(folder: Path, settings: CentreConfig | None = None) -> ReadResult:
    return read_folder(folder, settings, today=TODAY)


def problems(result: ReadResult, code: str) -> list:
    return [p for p in result.problems if p.code == code]


def codes(result: ReadResult) -> set[str]:
    return {p.code for p in result.problems}


def cell_problems(result: ReadResult) -> list:
    """Problems other than `completeness-unchecked`, which a checkup sheet without 生活方式评估 /
    健康指导 always carries (the value tests build such minimal sheets on purpose)."""
    return [p for p in result.problems if p.code != "completeness-unchecked"]


def kinds_of(result: ReadResult) -> list[str]:
    """The kind each sheet was recognised as, in reading order."""
    return [sheet.kind for sheet in result.sheets]


def errors(result: ReadResult) -> list:
    return [p for p in result.problems if p.level == "error"]


_LONG_DIGITS = re.compile(r"[0-9０-９]{15,}")


def assert_no_full_id(result: ReadResult) -> None:
    """No problem message holds an ID number (no run of 15 or more digits)."""
    for problem in result.problems:
        assert not _LONG_DIGITS.search(problem.message), problem


def ts(text: str) -> pd.Timestamp:
    """A date as the reader's tables hold it (a pandas Timestamp)."""
    return pd.Timestamp(text)


def write_small_centre(folder: Path, people: Sequence[str]) -> Path:
    """Three residents (the first and third signed; stations 一站, 一站, 二站) and one elderly
    checkup in 2025 of the first: the small centre of the command-line tests."""
    first, second, third = people
    residents = [
        ["身份证号", "姓名", "建档日期", "所属站点", "签约"],
        [first, "甲", "2020-01-01", "一站", "是"],
        [second, "乙", "2020-01-01", "一站", "否"],
        [third, "丙", "2020-01-01", "二站", "是"],
    ]
    write_workbook(folder / "居民健康档案.xlsx", {"居民": residents})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"], [first, "2025-03-01", "是", "是", "是"]]
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": checkups})
    return folder
