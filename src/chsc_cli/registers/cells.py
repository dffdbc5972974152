"""What every cell parser shares: blank cells, a cell as normalised text, a value as a message may show it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from ..masking import mask_id
from .columns import CONTROL_CHARACTERS

EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_ERRORS = frozenset(
    ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")
)
#: A run of digits that may be an ID number (15 or 18 characters), also typed in groups with
#: spaces, line breaks or hyphens between them (「110105 19500101 0020」, as the ID parser
#: accepts); masked wherever a value is shown.
_ID_LIKE = re.compile(r"[0-9](?:[\s\-]*[0-9]){14,}(?:[\s\-]*X)?", re.IGNORECASE)
DATE_HINT = "请写成 2025-03-12 这样的日期"
#: Years a register date can have (a birth in 1850 is kept, with an old-date warning).
DATE_YEARS = (1800, 2200)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):  # blank also when only invisible characters are left (a zero-width space)
        text = value.strip()
        return not text or (not text.isprintable() and not CONTROL_CHARACTERS.sub("", text).strip())
    if isinstance(value, float):
        return value != value  # NaN
    return value is pd.NaT or value is pd.NA




def cell_text(value: object) -> str:
    """A cell as normalised text: NFKC (full-width to half-width), no control characters,
    stripped; whole floats as ints."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if CONTROL_CHARACTERS.search(text):  # first: what is left around one may compose
        text = CONTROL_CHARACTERS.sub("", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def shown_value(value: object) -> str:
    """A cell value as it may appear in a message: ID-like digit runs masked (a shifted column can put
    an ID number anywhere), never more than 20 characters."""
    text = cell_text(value) if not isinstance(value, (dt.date, dt.datetime)) else value.isoformat()
    text = _ID_LIKE.sub(lambda match: mask_id(match.group()), text)
    return text if len(text) <= 20 else text[:20] + "…"
