"""ID numbers inside any text, masked: what every output applies to the texts it shows.

Kept apart from masking.py and free of pandas: the command line's consoles mask what they print
from the start, before the read is planned and pandas loads (registers/read_plan.py).
"""

from __future__ import annotations

import re
import unicodedata


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
_CHECK = "[0-9Xx\uff10-\uff19\uff38\uff58\u00d7]"  # (× typed for X, as the ID reader accepts)
#: what people write between an ID's groups: spaces (no-break, full-width), hyphens and dashes,
#: `_`, `/`, `·`, and the invisible characters a copy from a web page leaves (zero-width space…)
_SEPARATOR = "[ \u00a0\u3000\\-\u2010-\u2015\uff0d_/\u00b7\u200b-\u200d\u2060\ufeff]"
#: and `.` too, in an 18-character ID only: two runs of digits that make 15 with a `.` between are
#: as likely a number written out (1.23456789012345, in a chart or in JSON), while no number written
#: out by Python or a spreadsheet has 18 significant digits — but 18 decimals, 0.0 and 17 more
#: (2/90 = 0.022222222222222223 in JSON), it has: after `1.` an ID is masked (a list number), an
#: 18-digit run starting with 0 is not (no ID starts with 0: area codes are 11–82)
_SEPARATOR_18 = _SEPARATOR[:-1] + ".]"


#: The shortest run of digits looked into for an ID: an ID and a 7-digit phone number run together.
#: Shorter runs are codes (a 17-digit 卡片编号 of an area, a date and a number; a 19-digit bank
#: card) that staff need whole, and an ID with a check character that happens to fit would hide one.
SHORTEST_RUN = 25


def _grouped(separator: str, groups: tuple[int, ...], last: str) -> str:
    """An ID written in groups of these lengths, each separator optional (one character)."""
    parts = [f"{_DIGIT}{{{length}}}" for length in groups[:-1]]
    parts.append(f"{_DIGIT}{{{groups[-1] - 1}}}{last}")
    return f"{separator}?".join(parts)


#: an ID number standing anywhere in a text (a reason naming id_number, an ID typed into a name, phone
#: or station cell by a column shift, a file or sheet name): 18 characters (17 digits and a check digit
#: or X) or 15 digits, also written in groups (「110105 19500101 0020」, 110105.19491208.0105,
#: 110105_194912080105, 110105-1949-1208-0105); never part of a longer or shorter run of digits (a
#: 16-digit child code, an 11-digit phone number, a date like 20250312: a run of 25 or more is masked
#: only when it holds an ID, _holds_an_id) nor, for 15 digits or a run, the decimals of a number
#: (0.123456789012345 in a chart or in JSON)
#: what may stand between any two of an ID's characters when it is written in other groups (3301 0319
#: 4005 1004 07), with its area code in brackets ((330103)194005100407, （330103）  1940…) or with
#: other marks (330103 - 19400510 - 0406, 330103．1940…, commas, tabs): up to three separators,
#: brackets or such marks; such a text is masked only when its digits are an ID with a birth date and
#: its right check character (two phone numbers written in groups, 138 0000 0000 139 0000 0000, or a
#: mobile and a landline, 13800120150 6123456, are not)
_LOOSE_SEPARATOR = _SEPARATOR[:-1] + "()（）\\[\\]【】．。，,\t:：]"
_ID_IN_TEXT = re.compile(
    rf"(?<!{_DIGIT})(?:"
    rf"(?P<id18>(?!(?<=[0-9]\.)[0\uff10]){_grouped(_SEPARATOR_18, (3, 3, 4, 4, 3, 1), _CHECK)})"
    rf"|(?<![0-9]\.)(?P<id15>{_grouped(_SEPARATOR, (6, 6, 3), _DIGIT)})"
    rf"|(?<![0-9]\.)(?P<loose>{_DIGIT}(?:{_LOOSE_SEPARATOR}{{0,3}}{_DIGIT}){{16}}{_LOOSE_SEPARATOR}{{0,3}}{_CHECK})"
    rf"|(?<![0-9]\.)(?P<run>{_DIGIT}{_CHECK}{{{SHORTEST_RUN - 1},}})"
    rf")(?!{_DIGIT})"
)
#: the shortest text that can hold one
SHORTEST_ID = 15


def mask_ids_in_str(text: str) -> str:
    """One text with every ID number in it masked as mask_id does (the rest unchanged): what every
    output applies to each text it shows from the registers (cells, group names, file names)."""
    if len(text) < SHORTEST_ID:
        return text
    return _ID_IN_TEXT.sub(_masked, text)


def _masked(match: re.Match) -> str:
    text = match.group()
    if match.group("run") is not None and not _holds_an_id(text):
        return text
    if match.group("loose") is not None and not _dated(text):
        return text
    return mask_id_text(text)


def _dated(text: str) -> bool:
    """Whether the 18 characters of an ID written loosely are one: a birth date where an ID has one
    and the right check character — or, with its area code in brackets ((330103)1940…, a way only an
    ID is written), a birth date alone (a mistyped check character is still someone's ID)."""
    characters = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit() or c in "Xx×").upper().replace("×", "X")
    if len(characters) != 18:
        return False
    if any(bracket in text for bracket in "()（）[]【】"):
        return _BIRTH_DATE.fullmatch(characters[6:14]) is not None
    return _holds_an_id(characters)


def _holds_an_id(run: str) -> bool:
    """A run of 25 or more digits (and X) with 18 characters somewhere in it that are an ID with
    its right check character and a birth date: two IDs, or an ID and a phone number, run together
    once a cell's spaces are gone."""
    run = unicodedata.normalize("NFKC", run).upper()
    for start in range(len(run) - 17):
        window = run[start : start + 18]
        if window[:17].isdigit() and _BIRTH_DATE.fullmatch(window[6:14]) is not None:
            total = sum(int(digit) * weight for digit, weight in zip(window, _WEIGHTS))
            if _CHECK_FOR_SUM[total % 11] == window[17]:
                return True
    return False


#: GB 11643, as people.py checks an ID (this module loads before numpy and people.py): the weights of
#: the first 17 digits are 2**(17-i) mod 11, and the check character is the one for their weighted
#: sum mod 11
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_FOR_SUM = "10X98765432"
_BIRTH_DATE = re.compile(r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


def holds_id(text: str) -> bool:
    """True when mask_ids_in_str would change `text`."""
    return len(text) >= SHORTEST_ID and any(
        (match.group("run") is None or _holds_an_id(match.group())) and (match.group("loose") is None or _dated(match.group()))
        for match in _ID_IN_TEXT.finditer(text)
    )


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
