"""The merged cells of an .ods file, which python-calamine does not report (it answers None).

registers.md: a cell merged down over several data rows (a 所属站点 written once for a block) gives
its value to every row of the merge. An .ods keeps a merge as `table:number-rows-spanned` and
`table:number-columns-spanned` on its first cell. Only merges down more than one row change what
is read (one merged across a title row changes nothing), and they are few: each is placed by
counting, with byte searches that run in C, the rows before it in its sheet and the cells before it
in its row — content.xml is never parsed as a whole (walking a 60,000-row roster's took 3.5 s).
Anything unexpected (a damaged file, a prefix other than LibreOffice's `table:`) gives no merges,
and the sheet is read as calamine read it.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

from .cell_xml import ZIP_ERRORS

Merges = dict[str, tuple[tuple[int, int, int, int], ...]]

_SPANNED = b'table:number-rows-spanned="'
_TABLE = b"<table:table "
_ROW = b"<table:table-row"
#: Elements whose names start as a row's does, and are not rows.
_NOT_ROWS = (b"<table:table-rows", b"<table:table-row-group")
_AFTER_NAME = (b" ", b"\t", b"\r", b"\n", b">", b"/")
_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_DOWN = re.compile(rb'table:number-rows-spanned="([0-9]+)"')
_ACROSS = re.compile(rb'table:number-columns-spanned="([0-9]+)"')
_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*)>")
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
#: A row or cell repeated this often is the filler LibreOffice writes to the sheet's end.
_FILLER = 100_000


def ods_merges(data: bytes) -> Merges:
    """Sheet name -> merged ranges (first row, first column, last row, last column), 0-based."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except ZIP_ERRORS:
        return {}
    if _SPANNED not in content:
        return {}
    try:
        return _placed(content)
    except (ValueError, IndexError, AttributeError):  # a file no program writes: read without merges
        return {}


def _placed(content: bytes) -> Merges:
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    sheet_at, name, row, counted_to = -1, "", 0, 0
    at = content.find(_SPANNED)
    while at >= 0:
        tag_start, tag_end = content.rfind(b"<", 0, at), content.find(b">", at)
        tag = content[tag_start:tag_end]
        spanned = _DOWN.search(tag) if tag.startswith(b"<table:table-cell") else None  # (not text in a cell)
        down = int(spanned.group(1)) if spanned else 1
        if down > 1:
            table = content.rfind(_TABLE, 0, tag_start)
            if table < 0:
                return {}
            if table != sheet_at:  # a new sheet: count its rows from its start
                sheet_at, row, counted_to = table, 0, table
                found = _NAME.search(content, table, content.find(b">", table))
                name = html.unescape(found.group(1).decode("utf-8")) if found else ""
            row_start = _row_start(content, counted_to, tag_start)
            if row_start < 0:
                return {}
            row += _rows_between(content, counted_to, row_start)
            counted_to = row_start
            column = _columns_before(content[row_start:tag_start])
            across = _ACROSS.search(tag)
            width = int(across.group(1)) if across else 1
            merges.setdefault(name, []).append((row, column, row + down - 1, column + width - 1))
        at = content.find(_SPANNED, tag_end)
    return {sheet: tuple(found) for sheet, found in merges.items()}


def _row_start(content: bytes, start: int, stop: int) -> int:
    """Where the last row beginning in content[start:stop] begins, or -1."""
    at = content.rfind(_ROW, start, stop)
    while at >= 0 and content[at + len(_ROW) : at + len(_ROW) + 1] not in _AFTER_NAME:
        at = content.rfind(_ROW, start, at)  # <table:table-rows>, <table:table-row-group>
    return at


def _rows_between(content: bytes, start: int, stop: int) -> int:
    """Rows that begin in content[start:stop] (a row repeated N times counts N)."""
    rows = content.count(_ROW, start, stop) - sum(content.count(other, start, stop) for other in _NOT_ROWS)
    if b"number-rows-repeated" in content[start:stop]:
        for repeated in _ROWS_REPEATED.finditer(content, start, stop):
            rows += min(int(repeated.group(1)), _FILLER) - 1
    return rows


def _columns_before(row: bytes) -> int:
    """Columns taken by the cells that begin in `row` (its text up to the merged cell)."""
    columns = 0
    for cell in _CELL.finditer(row):
        repeated = _COLUMNS_REPEATED.search(cell.group(1))
        columns += min(int(repeated.group(1)), _FILLER) if repeated else 1
    return columns
