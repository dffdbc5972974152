"""The merged cells of an .ods file, which python-calamine does not report (it answers None).

registers.md: a cell merged down over several data rows (a 所属站点 written once for a block) gives
its value to every row of the merge. An .ods keeps merges as `table:number-rows-spanned` and
`table:number-columns-spanned` on the first cell, the cells under it being `covered-table-cell`s.
Only merges down more than one row matter for the data (a title merged across columns changes
nothing), so content.xml is walked only when it holds one; anything unexpected (damaged XML, an
entity declaration) gives no merges, and the sheet is read as calamine read it.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.etree import ElementTree

Merges = dict[str, tuple[tuple[int, int, int, int], ...]]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_VERTICAL = re.compile(rb'number-rows-spanned="(?:[2-9]|[1-9][0-9]+)"')
#: A row or cell repeated this often is the filler LibreOffice writes to the sheet's end.
_FILLER = 100_000


def ods_merges(data: bytes) -> Merges:
    """Sheet name -> merged ranges (first row, first column, last row, last column), 0-based."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error, RuntimeError, NotImplementedError):
        return {}
    if not _VERTICAL.search(content) or b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return {}
    try:
        return _walk(content)
    except (ElementTree.ParseError, ValueError):
        return {}


def _walk(content: bytes) -> Merges:
    table, row_tag = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
    name_key, rows_key, columns_key = (f"{{{_TABLE}}}{key}" for key in ("name", "number-rows-repeated", "number-columns-repeated"))
    spans = (f"{{{_TABLE}}}number-rows-spanned", f"{{{_TABLE}}}number-columns-spanned")
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    sheet, row = None, 0
    for event, element in ElementTree.iterparse(io.BytesIO(content), events=("start", "end")):
        if event == "start":
            if element.tag == table:
                sheet, row = element.get(name_key), 0
                merges.setdefault(sheet, [])
            continue
        if element.tag == row_tag and sheet is not None:
            column = 0
            for cell in element:
                rows_down, across = int(cell.get(spans[0], "1")), int(cell.get(spans[1], "1"))
                if rows_down > 1 or across > 1:
                    merges[sheet].append((row, column, row + rows_down - 1, column + across - 1))
                column += min(int(cell.get(columns_key, "1")), _FILLER)
            row += min(int(element.get(rows_key, "1")), _FILLER)
            element.clear()
        elif element.tag == table:
            sheet = None
    return {name: tuple(found) for name, found in merges.items() if found}
