"""ID numbers inside any text, masked: what every output applies to the texts it shows.

Kept apart from masking.py and free of pandas: the command line's consoles mask what they print
from the start, before the read is planned and pandas loads (registers/read_plan.py).
"""

from __future__ import annotations

import re


def mask_id_text(text: str) -> str:
    """masking.mask_id of a text: more than 10 characters keep the first 6 and the last 4; 3 to 10
    keep the last 2; 1 or 2 are hidden whole."""
    length = len(text)
    if length > 10:
        return text[:6] + "*" * (length - 10) + text[-4:]
    if length > 2:
        return "*" * (length - 2) + text[-2:]
    return "*" * length


_DIGIT = "[0-9\uff10-\uff19]"  # full-width digits too: a file name is not normalised
_CHECK = "[0-9Xx\uff10-\uff19\uff38\uff58]"
#: an ID number standing anywhere in a text (a reason naming id_number, an ID typed into a name, phone
#: or station cell by a column shift, a file or sheet name): 18 characters (17 digits and a check digit
#: or X) or 15 digits, also written in groups (「110105 19500101 0020」); never part of a longer or
#: shorter run of digits (a 16-digit child code, an 11-digit phone number, a date like 20250312) nor
#: the decimals of a number (0.123456789012345 in a chart or in JSON)
_ID_IN_TEXT = re.compile(
    rf"(?<!{_DIGIT})(?<![0-9]\.)"
    rf"(?:{_DIGIT}{{17}}{_CHECK}|{_DIGIT}{{15}}"
    rf"|{_DIGIT}{{6}}[ \-]{_DIGIT}{{8}}[ \-]{_DIGIT}{{3}}{_CHECK}|{_DIGIT}{{6}}[ \-]{_DIGIT}{{6}}[ \-]{_DIGIT}{{3}})"
    rf"(?!{_DIGIT})"
)
#: the shortest text that can hold one
SHORTEST_ID = 15


def mask_ids_in_str(text: str) -> str:
    """One text with every ID number in it masked as mask_id does (the rest unchanged): what every
    output applies to each text it shows from the registers (cells, group names, file names)."""
    if len(text) < SHORTEST_ID:
        return text
    return _ID_IN_TEXT.sub(lambda match: mask_id_text(match.group()), text)


def holds_id(text: str) -> bool:
    """True when mask_ids_in_str would change `text`."""
    return len(text) >= SHORTEST_ID and _ID_IN_TEXT.search(text) is not None


def mask_ids_in_data(value: object) -> object:
    """JSON-like data (dicts, lists, texts, numbers) with mask_ids_in_str applied to every text in
    it, keys too: what a JSON output or a report template is given."""
    if isinstance(value, str):
        return mask_ids_in_str(value)
    if isinstance(value, dict):
        return {mask_ids_in_data(key): mask_ids_in_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_ids_in_data(item) for item in value]
    return value
