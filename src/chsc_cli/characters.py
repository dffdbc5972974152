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
