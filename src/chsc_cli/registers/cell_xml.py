"""What a worksheet's XML says of cells that python-calamine reads as empty or as a stale value (.xlsx).

Excel and WPS store every formula's result beside it, and calamine reads that result. Other writers
do not: openpyxl stores no result, xlsxwriter stores 0, and Excel's error values come back empty. A
regional system's own xlsx writer that keeps an ID as the text formula `="330102…"` so made a whole
roster read as blank IDs (`missing-id`, and validate passed). So, for each sheet of an .xlsx/.xlsm:

- a formula that is only a text literal (`="330102…"`, `="是"`) is its text, whatever result is stored;
- any other formula without a stored result is the text `=` + the formula, so that the column's
  parser reports the cell where it is (a bad date, a bad ID) instead of reading it as blank;
- an error value (`#N/A`, `#REF!` …) is its text, as if typed: the parsers say what it is.

The part's first bytes also say which columns are hidden (`<cols>`): when a header is written
twice, the visible column is read (sheets.py). Only sheets whose first PREFIX_BYTES of XML hold a
formula or an error value are read in full (an export has neither: the look costs a millisecond a
sheet) — and the sheets of a workbook with a calculation chain (xl/calcChain.xml: Excel or WPS saved
formulas in it), looked through to their end, since a VLOOKUP's #N/A may first stand on row 5,000 —
and then only the cells beside a sign of a fix are parsed. A cell without its `r` reference is the
one after the cell before it (_Rows). A damaged part leaves the sheet as calamine read it.
"""

from __future__ import annotations

import bisect
import html
import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree

#: How much of a sheet's XML is looked at for a formula or an error value before reading it in full.
PREFIX_BYTES = 64 * 1024
#: A formula element (`<f>`, `<f t="shared" …/>`, `<x:f>`) or an error cell: three plain byte
#: searches (a regular expression took 4 ms a sheet; a sign found by chance only costs a full look).
_SIGNS = (b"<f", b":f", b't="e"')
_LONGEST_SIGN = max(map(len, _SIGNS))
#: The rest of a part is looked through in chunks of this size (decompressed as it is read).
CHUNK_BYTES = 1024 * 1024
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_TEXT_LITERAL = re.compile(r'\s*"((?:[^"]|"")*)"\s*')


class UnstoredFormula(str):
    """A formula cell saved without its result (writers other than Excel and WPS), as its formula
    text: a text column reports it and reads it as blank; a text that merely starts with = (typed,
    or from a CSV) is a plain str. (Here, not in cells.py: this module loads before pandas.)"""

    __slots__ = ()


#: A formula whose text is not stored (a shared formula's other cells) and whose result is not either.
UNSTORED_FORMULA = "=（公式，文件中没有保存计算结果）"

Fixes = dict[tuple[int, int], str]
#: What reading a member of a damaged, encrypted or odd zip package raises (sources.py and
#: ods_merges.py read packages too): the part is then read as if absent.
ZIP_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error, RuntimeError, NotImplementedError)


class WorkbookXml:
    """The worksheet parts of one .xlsx package, opened once for all its sheets."""

    def __init__(self, data: bytes):
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.members, self.date1904, self.recalculated = _sheet_members(self.archive)
        self.has_formulas = any(name.replace("\\", "/").lower() == "xl/calcchain.xml" for name in self.archive.namelist())

    def inspect(self, sheet_name: str) -> tuple[Fixes, frozenset[int]]:
        """The sheet's fixes ((row, column) 0-based -> the text the cell stands for) and its hidden
        columns (0-based; `<cols>` comes before the cells, in the part's first bytes)."""
        member = self.members.get(sheet_name)
        if member is None:
            return {}, frozenset()
        with self.archive.open(member) as part:
            prefix = part.read(PREFIX_BYTES)
            hidden = _hidden_columns(prefix)
            found = any(sign in prefix for sign in _SIGNS)
            tail = prefix[-_LONGEST_SIGN:]
            # a workbook Excel or WPS saved with formulas lists them in its calculation chain: the
            # rest of its sheets is looked through too, a chunk at a time (a VLOOKUP's #N/A may first
            # stand on row 5,000); an export without formulas has no chain and costs nothing more
            while not found and self.has_formulas:
                chunk = part.read(CHUNK_BYTES)
                if not chunk:
                    break
                found = any(sign in tail + chunk[:_LONGEST_SIGN] for sign in _SIGNS) or any(sign in chunk for sign in _SIGNS)
                tail = chunk[-_LONGEST_SIGN:]
        if not found:
            return {}, hidden
        return _cell_fixes(self.archive.read(member), self.recalculated), hidden


def workbook_xml(data: bytes) -> WorkbookXml | None:
    """The package's worksheets, or None when they cannot be found (the sheets are read as they are)."""
    try:
        return WorkbookXml(data)
    except (*ZIP_ERRORS, ElementTree.ParseError):
        return None


def inspect_sheet(book: WorkbookXml | None, sheet_name: str) -> tuple[Fixes, frozenset[int]]:
    if book is None:
        return {}, frozenset()
    try:
        return book.inspect(sheet_name)
    except ZIP_ERRORS:
        return {}, frozenset()


#: Fixes reach at least this many columns, past what calamine read (a sheet written all in text
#: formulas reads as empty); one further right is left out (a formula at XFD would make every row
#: 16,384 cells wide).
FIX_COLUMNS = 128


def apply_fixes(rows: list[list[object]], fixes: Fixes) -> None:
    """Write the fixes into the grid (anchored at A1), growing it where a cell lies past its end."""
    width = max(map(len, rows), default=0)
    limit = max(width, FIX_COLUMNS)
    for (row, column), text in fixes.items():
        if column >= limit:
            continue
        while len(rows) <= row:
            rows.append([""] * width)
        cells = rows[row]
        if len(cells) <= column:
            cells.extend([""] * (column + 1 - len(cells)))
        cells[column] = text


def _sheet_members(archive: zipfile.ZipFile) -> tuple[dict[str, str], bool, bool]:
    """Sheet name -> its part in the package (xl/workbook.xml and its relationships); whether
    the workbook counts dates from 1904 (old Mac Excel: `<workbookPr date1904="1"/>`); and whether
    it asks to be recalculated when opened (`<calcPr fullCalcOnLoad="1"/>`: written by a program
    that did not calculate its formulas — xlsxwriter stores 0 as every formula's result)."""
    workbook, relations = (_parsed(archive.read(part)) for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"))
    targets = {item.get("Id"): item.get("Target") for item in relations.iter() if item.tag.endswith("Relationship")}
    names = {info.filename.replace("\\", "/"): info.filename for info in archive.infolist()}
    members = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet") and sheet.tag != "sheet":
            continue
        relation = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
        target = targets.get(relation)
        if not target or sheet.get("name") is None:
            continue
        target = target.replace("\\", "/")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path in names:
            members[sheet.get("name")] = names[path]
    date1904 = any(item.tag.endswith("workbookPr") and item.get("date1904", "").lower() in ("1", "true") for item in workbook.iter())
    recalculated = any(item.tag.endswith("calcPr") and item.get("fullCalcOnLoad", "").lower() in ("1", "true")
                       for item in workbook.iter())
    return members, date1904, recalculated


def _parsed(xml: bytes) -> ElementTree.Element:
    """A small part of the package, parsed; one declaring entities is not (their expansion is an
    attack, never a workbook's need)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ValueError("a document type declaration")
    return ElementTree.fromstring(xml)


_COLUMN_RANGE = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_MIN, _MAX = re.compile(rb'\bmin="([0-9]{1,5})"'), re.compile(rb'\bmax="([0-9]{1,5})"')
#: Excel's last column (XFD): a hidden range to the sheet's end stops there.
LAST_COLUMN = 16384


def _hidden_columns(prefix: bytes) -> frozenset[int]:
    """The columns `<cols>` hides (`<col min="1" max="1" hidden="1"/>`), 0-based."""
    hidden: set[int] = set()
    if b"hidden=" not in prefix:
        return frozenset()
    for match in _COLUMN_RANGE.finditer(prefix):
        attributes = match.group(1)
        low, high = _MIN.search(attributes), _MAX.search(attributes)
        if _HIDDEN.search(attributes) and low and high:
            hidden.update(range(int(low.group(1)) - 1, min(int(high.group(1)), LAST_COLUMN)))
    return frozenset(hidden)


_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
#: A formula followed by a stored result other than 0: in a workbook to be recalculated, the writer
#: stored real results (xlsxwriter given value=, a tool that edits an Excel file and keeps its cached
#: results), so a stored 0 there is a real 0 — only a sheet whose every stored result is 0 holds
#: xlsxwriter's placeholders.
_REAL_RESULT = re.compile(rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*<(?:\w+:)?v\b[^>]*>(?!\s*0\s*<)[^<]")


def _cell_fixes(xml: bytes, recalculated: bool = False) -> Fixes:
    """The fixes of a sheet part. Only the cells next to a sign are parsed (byte searches run in C;
    a regular expression over every cell of a 60,000-row sheet took 1.7 s): an error cell, and a
    formula that is followed by no stored result or ends in a quote (a text literal). In a workbook
    to be recalculated when opened, a stored result of 0 is a writer's placeholder, not a result:
    =IF(F2<>"","是","否") saved as 0 read as 否 in every row, and validate said nothing."""
    found = _SHEET_DATA.search(xml)
    if found is None:
        return {}
    p, begin = found.group(1) or b"", found.end()
    if recalculated and _REAL_RESULT.search(xml, begin) is not None:
        recalculated = False  # a writer that stored real results (xlsxwriter's value=): a 0 is a 0
    starts = {_cell_start(xml, p, begin, at) for at in _signs(xml, p, begin, recalculated)}
    fixes: Fixes = {}
    rows: _Rows | None = None  # (built when a cell without its reference needs it)
    for start in sorted(starts - {-1}):
        match = _CELL.match(xml, start)
        if match is None:
            continue
        attributes, inner = match.group(1), match.group(2) or b""
        kind = _TYPE.search(attributes)
        text = _fixed_text(_FORMULA.search(inner), _VALUE.search(inner), kind.group(1) if kind else b"n", recalculated)
        if text is None:
            continue
        reference = _REFERENCE.search(attributes)
        if reference is not None:
            at = (int(reference.group(2)) - 1, _column_index(reference.group(1)))
        else:
            rows = rows if rows is not None else _Rows(xml, p, begin)
            at = rows.position(start)
        if at is not None:
            fixes[at] = text
    return fixes


_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')


class _Rows:
    """Where each row of a sheet part starts and its number (0-based), found once in one pass, for
    cells written without their `r` reference (some writers leave it out: a cell is then the one
    after the cell before it, a row the one after the row before): a formula or an error there was
    read as blank, and validate passed."""

    def __init__(self, xml: bytes, p: bytes, begin: int):
        self.xml = xml
        self.starts: list[int] = []
        self.numbers: list[int] = []
        number = -1
        for found in re.finditer(rb"<" + re.escape(p) + rb"row\b([^>]*)>", xml[begin:]):
            given = _ROW_NUMBER.search(found.group(1))
            number = int(given.group(1)) - 1 if given is not None else number + 1
            self.starts.append(begin + found.start())
            self.numbers.append(number)
        self.ends = [xml.find(b">", start) for start in self.starts]

    def position(self, start: int) -> tuple[int, int] | None:
        """(row, column), 0-based, of the cell at `start`."""
        at = bisect.bisect_right(self.starts, start) - 1
        if at < 0:
            return None
        column = -1
        for cell in _CELL.finditer(self.xml, self.ends[at]):
            reference = _REFERENCE.search(cell.group(1))
            column = _column_index(reference.group(1)) if reference is not None else column + 1
            if cell.start() >= start:
                break
        return (self.numbers[at], column) if column >= 0 else None


_WHITE = b" \t\r\n"
#: A stored value element with nothing in it (`<v xml:space="preserve"></v>`, `<v/>`).
_EMPTY_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>\s*</(?:\w+:)?v>)")
_QUOTES = (b'"', b"&quot;", b"&#34;", b"&#x22;")


def _signs(xml: bytes, p: bytes, begin: int, recalculated: bool = False):
    """Positions inside the cells worth parsing: error cells, and formulas after which comes no
    stored result (`</c>`, an empty `<v>`; in a workbook to be recalculated, `<v>0</v>`) or whose
    text ends in a quote (white space allowed)."""
    at = xml.find(b't="e"', begin)
    while at >= 0:
        yield at
        at = xml.find(b't="e"', at + 5)
    empty_values = (b"</" + p + b"c>", b"<" + p + b"v></" + p + b"v>", b"<" + p + b"v/>")
    if recalculated:
        empty_values += (b"<" + p + b"v>0</" + p + b"v>",)
    shared = b't="shared"' in xml  # a shared formula's other cells are <f t="shared" si="0"/>
    for closing in (b"</" + p + b"f>", b"/>") if shared else (b"</" + p + b"f>",):
        at = xml.find(closing, begin)
        while at >= 0:
            if closing == b"/>" and xml.rfind(b"<" + p + b"f", max(begin, at - 200), at) < 0:
                at = xml.find(closing, at + 2)  # not the end of a formula element
                continue
            after = xml[at + len(closing) : at + len(closing) + 80].lstrip(_WHITE)
            before = xml[max(begin, at - 8) : at].rstrip(_WHITE)
            empty = after.startswith(empty_values) or _EMPTY_VALUE.match(after) is not None
            if empty or (closing != b"/>" and before.endswith(_QUOTES)):
                yield at
            at = xml.find(closing, at + len(closing))


def _cell_start(xml: bytes, p: bytes, begin: int, at: int) -> int:
    """Where the cell holding position `at` begins (`<c ` or `<c` and a line break), or -1."""
    tag = b"<" + p + b"c"
    start = xml.rfind(tag, begin, at)
    while start >= 0 and xml[start + len(tag) : start + len(tag) + 1] not in (b" ", b"\t", b"\r", b"\n", b">"):
        start = xml.rfind(tag, begin, start)  # <col …>, <cols>: not a cell
    return start


def _fixed_text(formula, value, kind: bytes, recalculated: bool = False) -> str | None:
    """What a cell stands for, or None to keep what calamine read. `kind`: the cell's t attribute;
    `recalculated`: the workbook asks to be recalculated, so a stored 0 is a placeholder."""
    if kind == b"e":
        stored = _text(value.group(1)).strip() if value is not None and value.group(1) else ""
        return stored or None  # the error's own text (#N/A …), as if typed
    if formula is None:
        return None
    written = _text(formula.group(1)) if formula.group(1) else ""
    literal = _TEXT_LITERAL.fullmatch(written) if written else None
    if literal is not None:
        return literal.group(1).replace('""', '"')
    has_result = value is not None and (bool(value.group(1)) or kind in (b"str", b"inlineStr"))
    if has_result and recalculated and kind == b"n" and value.group(1).strip() == b"0":
        has_result = False  # xlsxwriter's placeholder: Excel shows the calculated value, not 0
    if has_result:
        return None  # calamine reads the stored result (a text result may be empty: =IF(…,"",…))
    return UnstoredFormula("=" + written if written else UNSTORED_FORMULA)


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1
