"""A small OpenDocument spreadsheet (.ods) writer for tests, so CI needs no LibreOffice.

An .ods is a zip: `mimetype` first and uncompressed, a manifest, and `content.xml` holding one
`table:table` per sheet. Cells are written as LibreOffice writes them: text as
`office:value-type="string"` with a `text:p`, numbers as `float`, dates and date-times as `date`
(`office:date-value="2025-03-12"` / `"2025-03-12T14:20:00"`), booleans as `boolean`; None is an empty
cell. Runs of empty cells and rows are written with `number-columns-repeated` / `number-rows-repeated`
as LibreOffice does.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def _cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}"/>'
    if isinstance(value, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{value}</text:p></table:table-cell>'
    if isinstance(value, dt.datetime):
        stamp = value.strftime("%Y-%m-%dT%H:%M:%S")
        return f'<table:table-cell office:value-type="date" office:date-value="{stamp}"><text:p>{stamp}</text:p></table:table-cell>'
    if isinstance(value, dt.date):
        stamp = value.isoformat()
        return f'<table:table-cell office:value-type="date" office:date-value="{stamp}"><text:p>{stamp}</text:p></table:table-cell>'
    lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string">{lines}</table:table-cell>'


def _row(values: Sequence[object], spans: dict[int, tuple[int, int]] | None = None) -> str:
    """`spans`: column -> (rows down, columns across) of a merge starting in that cell."""
    cells = list(values)
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    parts, blanks = [], 0
    for column, value in enumerate(cells):
        if value is None or value == "":
            blanks += 1
            continue
        if blanks:
            parts.append(f'<table:table-cell table:number-columns-repeated="{blanks}"/>' if blanks > 1 else "<table:table-cell/>")
            blanks = 0
        cell = _cell(value)
        if spans and column in spans:
            down, across = spans[column]
            spanned = f'table:number-columns-spanned="{across}" table:number-rows-spanned="{down}"'
            cell = cell.replace("<table:table-cell", f"<table:table-cell {spanned}", 1)
        parts.append(cell)
    return "<table:table-row>" + ("".join(parts) or "<table:table-cell/>") + "</table:table-row>"


def write_ods(path: Path, sheets: dict[str, Sequence[Sequence[object]]],
              merges: dict[str, Sequence[tuple[int, int, int, int]]] | None = None) -> Path:
    """Write an .ods with one sheet per entry (rows of str, int, float, bool, date, datetime, None);
    `merges`: per sheet, ranges (first row, first column, last row, last column), 0-based, written
    as LibreOffice writes them (the spans on the first cell; the value only there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = []
    for name, rows in sheets.items():
        body, empty_rows = [], 0
        spans: dict[int, dict[int, tuple[int, int]]] = {}
        for r0, c0, r1, c1 in (merges or {}).get(name, ()):
            spans.setdefault(r0, {})[c0] = (r1 - r0 + 1, c1 - c0 + 1)
        for index, row in enumerate(rows):
            if not any(value is not None and value != "" for value in row):
                empty_rows += 1
                continue
            if empty_rows:
                body.append(f'<table:table-row table:number-rows-repeated="{empty_rows}"><table:table-cell/></table:table-row>')
                empty_rows = 0
            body.append(_row(row, spans.get(index)))
        tables.append(f"<table:table table:name={quoteattr(name)}>{''.join(body)}</table:table>")
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {NAMESPACES}>'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def workbook_as_ods(source: Path, target: Path) -> Path:
    """Re-save a workbook (read with python-calamine, as chsc reads it) as .ods: what a centre gets
    when LibreOffice saves its registers in its own format."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(source))
    sheets = {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in workbook.sheet_names}
    return write_ods(target, sheets)
