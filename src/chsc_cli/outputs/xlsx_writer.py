"""xlsx files (lists, indicator tables, blank registers) as writer.py promises them: atomic, every
string a text cell (never a formula), ID numbers masked unless asked for, the sheets' titles safe."""

from __future__ import annotations

import datetime as dt
import decimal
import numbers
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chsc_cli.id_masks import mask_ids_in_str
from chsc_cli.problems import UserError
from chsc_cli.registers.sources import OUTPUT_MARK

from .atomic import atomic_write
from .writer import csv_cell, is_missing, masked_text, needs_text_guard, plain

PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
#: The control characters an xlsx cell cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


MIN_VALIDATION_ROWS = 1000
EXCEL_MAX_ROWS = 1_048_576
WIDTH_SAMPLE_ROWS = 2000
MIN_WIDTH, MAX_WIDTH, WIDTH_PADDING = 6, 60, 2
MAX_CELL_CHARS = 32767
MAX_SHEET_TITLE = 31
#: (a masked ID's * kept as ＊, so that 「站110105＊＊＊＊＊＊＊＊0100」 still reads as one)
SHEET_TITLE_FORBIDDEN = str.maketrans({"*": "＊", **dict.fromkeys("[]:?/\\")})
INLINE_LIST_LIMIT = 255  # Excel's limit for a dropdown list written inline in the validation



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
    #: columns whose dropdown only suggests: any other value may be typed (a column filled with what
    #: was done, 删除时间's date-time), with a note rather than a refusal
    suggested: set[int] = field(default_factory=set)
    empty_rows: int = 0  # formatted blank rows after the data (templates to fill in)


def write_xlsx(path: Path, sheets: Sequence[SheetSpec], *, protected: Iterable[Path] = (), result: bool = True,
               show_ids: bool = False) -> Path:
    """Write the sheets to one workbook, atomically; every string is stored as a text cell, with its
    ID numbers masked (in sheet names too) unless `show_ids`.

    XlsxWriter, kept in memory (no temporary file holds a register's people): 2.6× faster than
    openpyxl on a 90,000-row gap list, and it writes a str as a string cell whatever it looks like
    (its conversions of strings to formulas, numbers and links are turned off).

    `result`: a list or table chsc computed (not a blank register to fill in, `chsc template`): its
    properties carry OUTPUT_MARK, and the reader skips it when it is saved into a data folder."""
    return atomic_write(path, lambda tmp: _write_workbook(tmp, sheets, result, show_ids), protected=protected)


def _write_workbook(target: Path, sheets: Sequence[SheetSpec], result: bool = True, show_ids: bool = False) -> None:
    import xlsxwriter
    import xlsxwriter.exceptions

    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
               "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(target), options)
    if result:  # kept by Excel and WPS when the file is edited and saved again
        workbook.set_properties({"keywords": OUTPUT_MARK, "comments": "chsc 生成的结果文件（名单、指标表），不是登记表"})
    formats = _Formats(workbook)
    titles: list[str] = []
    choices = _ChoiceLists(titles)
    for spec in sheets:
        title = safe_sheet_title(str(spec.title), titles, masked=not show_ids)
        titles.append(title)
        _fill_sheet(workbook.add_worksheet(title), spec, choices, formats, show_ids)
    choices.write(workbook, formats)  # the hidden sheet of dropdown choices goes last
    if not workbook.worksheets():
        workbook.add_worksheet("Sheet1")
    try:
        workbook.close()
    except xlsxwriter.exceptions.FileCreateError as error:  # the disk's own error, for atomic_write
        raise error.args[0] if error.args and isinstance(error.args[0], OSError) else OSError(str(error)) from None


class _Formats:
    """One XlsxWriter format per combination used (number format, fill, bold, quote prefix)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.made: dict[tuple, object] = {}

    def get(self, number_format: str | None = None, fill: str | None = None, bold: bool = False,
            quote: bool = False):
        key = (number_format, fill, bold, quote)
        if key == (None, None, False, False):
            return None
        if key not in self.made:
            properties: dict[str, object] = {}
            if number_format is not None:
                properties["num_format"] = number_format
            if fill is not None:
                properties.update(pattern=1, bg_color=fill)
            if bold:
                properties["bold"] = True
            if quote:
                properties["quote_prefix"] = True
            self.made[key] = self.workbook.add_format(properties)
        return self.made[key]


def safe_sheet_title(title: str, taken: Sequence[str] = (), masked: bool = False) -> str:
    """A valid Excel sheet name: no []:*?/\\ or edge quote, ≤31 UTF-16 units (a character outside
    the Basic Multilingual Plane, such as 𠮷, counts 2), unique (any case). `masked`: every ID number
    in it masked — once the forbidden characters are gone (「站110105/1949…」 is an ID again then)."""
    base = ILLEGAL_CHARACTERS_RE.sub("", str(title)).translate(SHEET_TITLE_FORBIDDEN)
    if masked:
        base = mask_ids_in_str(base).translate(SHEET_TITLE_FORBIDDEN)
    base = _title_part(base, MAX_SHEET_TITLE) or "Sheet"
    used = {name.casefold() for name in taken} | {"history"}
    candidate, number = base, 1
    while candidate.casefold() in used:
        number += 1
        suffix = f"({number})"
        candidate = (_title_part(base, MAX_SHEET_TITLE - len(suffix)) or "Sheet") + suffix
    return candidate


def _title_part(text: str, units: int) -> str:
    """`text` cut to `units` UTF-16 units, without edge spaces or quotes (also after the cut)."""
    text = text.strip().strip("'").strip()
    kept, used = [], 0
    for char in text:
        used += utf16_units(char)
        if used > units:
            break
        kept.append(char)
    return "".join(kept).strip().strip("'").strip()


def utf16_units(text: str) -> int:
    """How long Excel counts a text (UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def display_width(value: object) -> int:
    """Columns a value takes on screen: East Asian wide/full-width characters count 2."""
    if is_missing(value):
        return 0
    value = plain(value)
    if isinstance(value, dt.date):
        return len(csv_cell(value))
    text = value if isinstance(value, str) else csv_cell(value)
    if isinstance(value, float):
        return min(len(text), 11)  # Excel's General format shows at most ~11 characters
    return max(
        sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in line)
        for line in text.splitlines() or [""]
    )


def _fill_sheet(sheet, spec: SheetSpec, choices: _ChoiceLists, formats: _Formats, show_ids: bool = False) -> None:
    shown = (lambda value: value) if show_ids else masked_text
    columns = max([len(spec.header), *(len(row) for row in spec.rows)])
    if 1 + len(spec.rows) + spec.empty_rows > EXCEL_MAX_ROWS:
        raise UserError(f"工作表「{spec.title}」有 {len(spec.rows):,} 行，超过 Excel 一个工作表的上限 {EXCEL_MAX_ROWS - 1:,} 行",
                        hint="请输出 csv，或按站点分表")
    for column, name in enumerate(spec.header):
        _write_cell(sheet, 0, column, shown(name), formats, None, HEADER_FILL, bold=True)
    number_formats = _column_formats(spec, columns)
    for index, row in enumerate(spec.rows):
        fill = HIGHLIGHT_FILL if index in spec.highlight_rows else None
        for column in range(columns):
            value = shown(row[column]) if column < len(row) else None
            _write_cell(sheet, index + 1, column, value, formats, number_formats.get(column), fill)
    for index in range(len(spec.rows), len(spec.rows) + spec.empty_rows):
        for column, number_format in number_formats.items():
            _write_cell(sheet, index + 1, column, None, formats, number_format, None)
    last_row = 1 + len(spec.rows) + spec.empty_rows
    if spec.freeze_header:
        sheet.freeze_panes(1, 0)
    if spec.autofilter and columns:
        sheet.autofilter(0, 0, last_row - 1, columns - 1)
    _add_validations(sheet, spec, last_row, choices)
    _set_widths(sheet, spec, columns)


#: The fills of a header and of a highlighted row.
HEADER_FILL, HIGHLIGHT_FILL = "#DDEBF7", "#FFC7CE"


def _write_cell(sheet, row: int, column: int, value: object, formats: _Formats, number_format: str | None,
                fill: str | None, bold: bool = False) -> None:
    """Store one value; a str is always a text cell (never a formula or an error code). A cell
    without a value is written only when it carries a format or a fill."""
    if type(value) is str:  # most cells of a list: straight to a string cell
        _write_text(sheet, row, column, value, formats, number_format, fill, bold)
        return
    if is_missing(value):
        cell_format = formats.get(number_format, fill, bold)
        if cell_format is not None:
            _written(sheet.write_blank(row, column, None, cell_format), (row, column))
        return
    value = plain(value)
    if isinstance(value, (dt.datetime, dt.time)) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, bool):
        _written(sheet.write_boolean(row, column, value, formats.get(number_format, fill, bold)), (row, column))
    elif isinstance(value, (numbers.Real, decimal.Decimal)):
        _written(sheet.write_number(row, column, float(value), formats.get(number_format, fill, bold)), (row, column))
    elif isinstance(value, dt.date) and value.year < 1900:
        # before Excel's calendar: as a date number it would show 1900-01-00 or ####
        _write_text(sheet, row, column, csv_cell(value), formats, number_format, fill, bold)
    elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
        shown = number_format or _DEFAULT_TIME_FORMATS[_time_kind(value)]
        _written(sheet.write_datetime(row, column, value, formats.get(shown, fill, bold)), (row, column))
    else:
        _write_text(sheet, row, column, value if isinstance(value, str) else str(value), formats, number_format, fill, bold)


def _write_text(sheet, row: int, column: int, text: str, formats: _Formats, number_format: str | None,
                fill: str | None, bold: bool) -> None:
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    text = text[:MAX_CELL_CHARS]
    guard = needs_text_guard(text)  # like a formula: Excel's quote prefix keeps it text when edited
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # a line break in a cell is LF
    plain = number_format is None and fill is None and not bold and not guard
    _written(sheet.write_string(row, column, text, None if plain else formats.get(number_format, fill, bold, guard)),
             (row, column))


def _written(result: int, where) -> None:
    """XlsxWriter answers a cell or a dropdown it cannot store with a negative number and a
    warning, and goes on: nothing may be left out of a list silently."""
    if result:
        raise ValueError(f"XlsxWriter could not write {where} (code {result})")


#: The formats openpyxl gave dates and times written without one (kept, so the files read the same).
_DEFAULT_TIME_FORMATS = {"datetime": "yyyy-mm-dd h:mm:ss", "date": "yyyy-mm-dd", "time": "h:mm:ss",
                         "timedelta": "[hh]:mm:ss"}


def _time_kind(value: object) -> str:
    if isinstance(value, dt.datetime):
        return "datetime"
    return "date" if isinstance(value, dt.date) else "time" if isinstance(value, dt.time) else "timedelta"


def _column_formats(spec: SheetSpec, columns: int) -> dict[int, str]:
    """Each formatted column's number format (a column in several sets: text, then date, wins)."""
    formats: dict[int, str] = {}
    for indexes, number_format in ((spec.percent_columns, PERCENT_FORMAT), (spec.date_columns, DATE_FORMAT),
                                   (spec.text_columns, TEXT_FORMAT)):
        formats.update({index: number_format for index in sorted(indexes) if 0 <= index < columns})
    return formats


def _add_validations(sheet, spec: SheetSpec, last_row: int, choices: _ChoiceLists) -> None:
    """A dropdown per column, over the data rows and at least 1000 rows (for filling in)."""
    last = max(last_row, MIN_VALIDATION_ROWS + 1)
    for index, options in spec.validations:
        strict = {"error_title": "无效的值", "error_message": "请从下拉列表中选择"}
        if index in spec.suggested:
            strict = {"error_type": "information", "error_title": "提示",
                      "error_message": "也可以填写其他内容（如所做的内容、日期时间）；否、无、未…开头的为否"}
        _written(sheet.data_validation(1, index, last - 1, index, {
            "validate": "list", "source": choices.source(options), "ignore_blank": True, "show_error": True, **strict,
        }), f"the dropdown of column {index + 1}")


class _ChoiceLists:
    """Dropdown sources: inline when Excel allows it, else a column of one hidden sheet (written
    after the others, `write`)."""

    def __init__(self, titles: list[str]):
        self.titles = titles
        self.title: str | None = None
        self.columns: list[list[str]] = []

    def source(self, options: Sequence[object]) -> list[str] | str:
        options = [ILLEGAL_CHARACTERS_RE.sub("", str(option)) for option in options]
        inline = ",".join(options)
        if utf16_units(inline) <= INLINE_LIST_LIMIT and not any("," in o or '"' in o for o in options):
            return options
        if self.title is None:
            self.title = safe_sheet_title("_选项", self.titles)
            self.titles.append(self.title)
        self.columns.append(options)
        from xlsxwriter.utility import xl_range_abs

        column = len(self.columns) - 1
        quoted = "'" + self.title.replace("'", "''") + "'"  # always quoted (XlsxWriter leaves _选项 bare)
        return f"={quoted}!{xl_range_abs(0, column, max(len(options), 1) - 1, column)}"

    def write(self, workbook, formats: _Formats) -> None:
        if self.title is None:
            return
        sheet = workbook.add_worksheet(self.title)
        sheet.hide()
        for column, options in enumerate(self.columns):
            for row, option in enumerate(options):
                _write_cell(sheet, row, column, option, formats, None, None)


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
        sheet.set_column(index, index, width)
