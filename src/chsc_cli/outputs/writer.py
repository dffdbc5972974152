"""The one writer every file chsc produces goes through (cli.md, "Files it writes").

- Atomic, and never over an input register: atomic.py (its functions are imported from here too).
- Formula-safe: a string starting with `=`, `+`, `-`, `@`, a tab or a carriage return becomes a text
  cell in xlsx (never a formula) and is prefixed with `'` in csv. A name in a register cannot become
  a formula in a report.
"""

from __future__ import annotations

import csv
import io
import datetime as dt
import decimal
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from functools import lru_cache
from typing import TYPE_CHECKING

from .atomic import TEMP_PREFIX, atomic_write, write_bytes, write_text  # noqa: F401 - the writer's API

if TYPE_CHECKING:
    from openpyxl import Workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
#: The control characters an xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def get_column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter as letter

    return letter(index)


@lru_cache(maxsize=1)
def _styles():
    """(highlight fill, header fill, header font): openpyxl is imported only when an xlsx is written,
    so that `compute` and `validate` start without it."""
    from openpyxl.styles import Font, PatternFill

    highlight = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")
    return highlight, PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7"), Font(bold=True)

MIN_VALIDATION_ROWS = 1000
WIDTH_SAMPLE_ROWS = 2000
MIN_WIDTH, MAX_WIDTH, WIDTH_PADDING = 6, 60, 2
MAX_CELL_CHARS = 32767
MAX_SHEET_TITLE = 31
SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
INLINE_LIST_LIMIT = 255  # Excel's limit for a dropdown list written inline in the validation


# ------------------------------------------------------------------------------------------- csv


def needs_text_guard(value: object) -> bool:
    """True for a str that a spreadsheet would read as a formula: starts with = + - @ tab or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def is_missing(value: object) -> bool:
    """None, NaN/inf, pandas NA and NaT (checked without importing pandas)."""
    value = _plain(value)
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    return type(value).__name__ in ("NAType", "NaTType")


def csv_cell(value: object) -> str:
    """One csv cell: missing → '', formula-like text → "'" + text, dates ISO, numbers plain.

    A datetime at midnight is written as its date (registers read by pandas give Timestamps).
    """
    if is_missing(value):
        return ""
    value = _plain(value)
    if isinstance(value, str):
        return "'" + value if needs_text_guard(value) else value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return "'" + text if needs_text_guard(text) and not isinstance(value, numbers.Number) else text


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    protected: Iterable[Path] = (),
) -> Path:
    """UTF-8 with a BOM (so Excel in China opens it right); every cell through `csv_cell`."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as stream:
            _write_csv_rows(stream, header, rows)

    return atomic_write(path, write, protected=protected)


def _write_csv_rows(stream, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(stream)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The same CSV as `write_csv`, as text for standard output (no BOM)."""
    stream = io.StringIO(newline="")
    _write_csv_rows(stream, header, rows)
    return stream.getvalue()


def _plain(value: object) -> object:
    """numpy scalars → Python scalars; pandas Timestamp → datetime (duck-typed, no imports)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    if hasattr(value, "to_pydatetime") and type(value).__name__ != "NaTType":
        return value.to_pydatetime()
    return value


# ------------------------------------------------------------------------------------------ xlsx


@dataclass
class SheetSpec:
    """One worksheet. Column and row indexes are 0-based; rows are data rows (below the header)."""

    title: str
    header: list[str]
    rows: list[list[object]]
    percent_columns: set[int] = field(default_factory=set)
    date_columns: set[int] = field(default_factory=set)
    text_columns: set[int] = field(default_factory=set)
    highlight_rows: set[int] = field(default_factory=set)
    freeze_header: bool = True
    autofilter: bool = True
    validations: list[tuple[int, list[str]]] = field(default_factory=list)
    empty_rows: int = 0  # formatted blank rows after the data (templates to fill in)


def write_xlsx(path: Path, sheets: Sequence[SheetSpec], *, protected: Iterable[Path] = ()) -> Path:
    """Write the sheets to one workbook, atomically; every string is stored as a text cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    titles: list[str] = []
    choices = _ChoiceLists(workbook, titles)
    for spec in sheets:
        title = safe_sheet_title(spec.title, titles)
        titles.append(title)
        _fill_sheet(workbook.create_sheet(title), spec, choices)
    if choices.sheet is not None:  # the hidden sheet of dropdown choices goes last
        workbook.move_sheet(choices.sheet, len(titles) - 1 - titles.index(choices.sheet.title))
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    return atomic_write(path, workbook.save, protected=protected)


def safe_sheet_title(title: str, taken: Sequence[str] = ()) -> str:
    """A valid Excel sheet name: no []:*?/\\ or edge quote, ≤31 chars, unique (any case)."""
    base = ILLEGAL_CHARACTERS_RE.sub("", str(title)).translate(SHEET_TITLE_FORBIDDEN)
    base = base.strip().strip("'").strip()[:MAX_SHEET_TITLE] or "Sheet"
    used = {name.casefold() for name in taken} | {"history"}
    candidate, number = base, 1
    while candidate.casefold() in used:
        number += 1
        suffix = f"({number})"
        candidate = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
    return candidate


def display_width(value: object) -> int:
    """Columns a value takes on screen: East Asian wide/full-width characters count 2."""
    if is_missing(value):
        return 0
    value = _plain(value)
    if isinstance(value, dt.date):
        return len(csv_cell(value))
    text = value if isinstance(value, str) else csv_cell(value)
    if isinstance(value, float):
        return min(len(text), 11)  # Excel's General format shows at most ~11 characters
    return max(
        sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in line)
        for line in text.splitlines() or [""]
    )


def _fill_sheet(sheet, spec: SheetSpec, choices: _ChoiceLists) -> None:
    highlight_fill, header_fill, header_font = _styles()
    columns = len(spec.header)
    for column, name in enumerate(spec.header, start=1):
        cell = sheet.cell(row=1, column=column)
        _set_value(cell, name)
        cell.font = header_font
        cell.fill = header_fill
    for index, row in enumerate(spec.rows):
        columns = max(columns, len(row))
        for column, value in enumerate(row, start=1):
            _set_value(sheet.cell(row=index + 2, column=column), value)
    last_row = 1 + len(spec.rows) + spec.empty_rows
    _format_columns(sheet, spec, columns, last_row)
    for index in sorted(spec.highlight_rows):
        if 0 <= index < len(spec.rows):
            for column in range(1, columns + 1):
                sheet.cell(row=index + 2, column=column).fill = highlight_fill
    if spec.freeze_header:
        sheet.freeze_panes = "A2"
    if spec.autofilter and columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"
    _add_validations(sheet, spec, last_row, choices)
    _set_widths(sheet, spec, columns)


def _set_value(cell, value: object) -> None:
    """Store one value; a str is always a text cell (never a formula or an error code)."""
    if is_missing(value):
        return
    value = _plain(value)
    if isinstance(value, (dt.datetime, dt.time)) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if not isinstance(value, (numbers.Real, decimal.Decimal, dt.date, dt.time, dt.timedelta)):
        value = value if isinstance(value, str) else str(value)
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
        cell.value = value
        cell.data_type = "s"
        if needs_text_guard(value):
            cell.quotePrefix = True  # Excel keeps it text even when the user edits the cell
        return
    cell.value = value


def _format_columns(sheet, spec: SheetSpec, columns: int, last_row: int) -> None:
    formats = [(spec.percent_columns, PERCENT_FORMAT), (spec.date_columns, DATE_FORMAT)]
    formats.append((spec.text_columns, TEXT_FORMAT))
    for indexes, number_format in formats:
        for index in indexes:
            if not 0 <= index < columns:
                continue
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=index + 1).number_format = number_format


def _add_validations(sheet, spec: SheetSpec, last_row: int, choices: _ChoiceLists) -> None:
    """A dropdown per column, over the data rows and at least 1000 rows (for filling in)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    last = max(last_row, MIN_VALIDATION_ROWS + 1)
    for index, options in spec.validations:
        formula = choices.formula(options)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.error = "请从下拉列表中选择"
        validation.errorTitle = "无效的值"
        validation.showErrorMessage = True
        letter = get_column_letter(index + 1)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)


class _ChoiceLists:
    """Dropdown sources: inline when Excel allows it, else a column of one hidden sheet."""

    def __init__(self, workbook: Workbook, titles: list[str]):
        self.workbook = workbook
        self.titles = titles
        self.sheet = None
        self.columns = 0

    def formula(self, options: Sequence[object]) -> str:
        options = [ILLEGAL_CHARACTERS_RE.sub("", str(option)) for option in options]
        inline = ",".join(options)
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in o or '"' in o for o in options):
            return f'"{inline}"'
        if self.sheet is None:
            title = safe_sheet_title("_选项", self.titles)
            self.titles.append(title)
            self.sheet = self.workbook.create_sheet(title)
            self.sheet.sheet_state = "hidden"
        self.columns += 1
        for row, option in enumerate(options, start=1):
            _set_value(self.sheet.cell(row=row, column=self.columns), option)
        letter = get_column_letter(self.columns)
        end = max(len(options), 1)
        from openpyxl.utils import quote_sheetname

        return f"{quote_sheetname(self.sheet.title)}!${letter}$1:${letter}${end}"


def _set_widths(sheet, spec: SheetSpec, columns: int) -> None:
    """Fit each column to its header and the first rows, clamped to 6..60, plus padding."""
    sample = spec.rows[:WIDTH_SAMPLE_ROWS]
    for index in range(columns):
        widest = display_width(spec.header[index]) if index < len(spec.header) else 0
        for row in sample:
            if index >= len(row) or is_missing(row[index]):
                continue
            shown = len("100.0%") if index in spec.percent_columns else display_width(row[index])
            widest = max(widest, shown)
        width = min(max(widest, MIN_WIDTH), MAX_WIDTH) + WIDTH_PADDING
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
