"""The one writer every file chsc produces goes through (cli.md, "Files it writes"): JSON and CSV
here, xlsx in xlsx_writer.py.

- Atomic, and never over an input register: atomic.py (its functions are imported from here too).
- Formula-safe: a string starting with `=`, `+`, `-`, `@`, a tab or a carriage return becomes a text
  cell in xlsx (never a formula) and is prefixed with `'` in csv. A name in a register cannot become
  a formula in a report.
- No full ID number: every ID number in any text written (a cell, a header, a sheet's name) is masked
  (id_masks.mask_ids_in_str) — an ID typed into a name or station cell reaches every list and table —
  unless the caller passes `show_ids` (only `gaps --show-id`).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from chsc_cli.id_masks import mask_ids_in_str

from .atomic import TEMP_PREFIX, atomic_write, write_bytes, write_text  # noqa: F401 - the writer's API

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")



# ------------------------------------------------------------------------------------------- json

#: A surrogate on its own: what the folder listing makes of a file name's bytes that are not UTF-8
#: (a zip made on Chinese Windows, unpacked on Linux, has GBK names).
LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_text(data: object) -> str:
    """JSON as chsc writes it (indented, characters as they are), with a lone surrogate written as
    its \\u escape: UTF-8 cannot hold it (writing the file or stdout raised), a JSON reader reads
    the escape back as the same character (os.fsencode gives the name's bytes again)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return LONE_SURROGATE_RE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


# ------------------------------------------------------------------------------------------- csv


def needs_text_guard(value: object) -> bool:
    """True for a str that a spreadsheet would read as a formula: starts with = + - @ tab or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def is_missing(value: object) -> bool:
    """None, NaN/inf, pandas NA and NaT (checked without importing pandas)."""
    value = plain(value)
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, decimal.Decimal):
        return not value.is_finite()
    return type(value).__name__ in ("NAType", "NaTType")


def csv_cell(value: object) -> str:
    """One csv cell: missing → '', formula-like text → "'" + text, dates ISO, numbers plain.

    A datetime at midnight is written as its date (registers read by pandas give Timestamps).
    """
    if is_missing(value):
        return ""
    value = plain(value)
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
    show_ids: bool = False,
) -> Path:
    """UTF-8 with a BOM (so Excel in China opens it right); every cell through `csv_cell`, ID
    numbers masked unless `show_ids`."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as stream:
            _write_csv_rows(stream, *_shown_rows(header, rows, show_ids))

    return atomic_write(path, write, protected=protected)


def _shown_rows(header: Sequence[str], rows: Iterable[Sequence[object]], show_ids: bool):
    """The header and the rows (lazily) as they may be written: ID numbers masked unless `show_ids`."""
    if show_ids:
        return header, rows
    return [masked_text(name) for name in header], ([masked_text(value) for value in row] for row in rows)


def _write_csv_rows(stream, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(stream)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, show_ids: bool = False) -> str:
    """The same CSV as `write_csv`, as text for standard output (no BOM)."""
    stream = io.StringIO(newline="")
    _write_csv_rows(stream, *_shown_rows(header, rows, show_ids))
    return stream.getvalue()


def plain(value: object) -> object:
    """numpy scalars → Python scalars; pandas Timestamp → datetime (duck-typed, no imports)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    if hasattr(value, "to_pydatetime") and type(value).__name__ != "NaTType":
        return value.to_pydatetime()
    return value


def masked_text(value: object) -> object:
    """A text with its ID numbers masked; any other value as it is."""
    return mask_ids_in_str(value) if type(value) is str else value
