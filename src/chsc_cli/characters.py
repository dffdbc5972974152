"""Characters that are never part of a register value, a header or a chsc.yaml name (one list for
the reader and chsc.yaml, which must read a station name alike)."""

from __future__ import annotations

import re

#: Characters that are never part of a value or a header: control characters that are not white
#: space (ESC, BEL, DEL, the C1 set; on a terminal ESC starts a sequence that recolours or retitles
#: it), and the invisible ones a copy from a web page or a UTF-8 file with a byte-order mark leaves
#: (zero-width space, joiners, word joiner, U+FEFF): "\ufeff身份证号" is the 身份证号 column.
#: Cells and headers lose them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f\u200b-\u200d\u2060\ufeff]")

#: What a terminal acts on instead of showing (ESC starts a sequence that clears, recolours or
#: retitles it): the control characters but tab, line feed and carriage return, DEL and the C1 set.
TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown_controls(text: str) -> str:
    """`text` with each terminal control character shown as its picture (ESC as ␛, DEL as ␡; a C1
    character as �): a file or sheet name, a chsc.yaml name printed as it is, never acted on."""
    return TERMINAL_CONTROLS.sub(_picture, text) if TERMINAL_CONTROLS.search(text) else text


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"
