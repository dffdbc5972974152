"""A column parsed once per distinct value: values.py's scalar parser for each value its type's
bulk fast path does not recognise, and the result spread back to the rows.

A year of follow-ups holds 100,000 rows but a few hundred distinct dates or readings, so a column
is factorised first; the fast paths (clean IDs, real date cells and the common date texts, clean
text and codes, plain numbers) are proven equal to the scalar parsers by tests/test_value_fast_paths.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..people import id_shaped
from .bulk_values import all_dates, plain_numbers, whole_number_codes
from .cells import CONTROL_CHARACTERS, EXCEL_ERRORS, is_blank
from .columns import NUMBER_TYPES
from .values import PARSERS, Parsed, code_number_lost_digits

_SPACE_CHARACTER = re.compile(r"\s")
_ERROR_MARK = re.compile("#")
_FORMULA_START = re.compile("\0=")
_CONTROL_BUT_NUL = re.compile(CONTROL_CHARACTERS.pattern.replace("\\x00", "\\x01"))


def _typed(values: np.ndarray, value_type: str) -> np.ndarray:
    """Parsed unique values as the column's final array type."""
    if value_type == "date":  # datetime.date or None (NaT); numpy converts them itself, without pandas' per-call cost
        return np.array(values.tolist(), dtype="datetime64[ns]")
    if value_type in NUMBER_TYPES:
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if value_type == "yesno":
        return values.astype(bool)
    return values


def factorize(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions, distinct values) of an object array: every parser runs on the distinct values.

    Blanks that pandas calls missing (None, NaN, NaT) are one distinct value, NaN, in the place of
    the first of them — pandas' `use_na_sentinel=False`, which is done here from its default (the
    missing values marked -1, no separate pass over the cells to find them first: a third faster).
    The array itself is factorised (made contiguous: a grid's column is strided), not a Series
    around it: pandas then skips building and inferring a Series."""
    positions, uniques = pd.factorize(np.ascontiguousarray(raw, dtype=object), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    missing = positions < 0
    if missing.any():  # codes follow first appearance: the blank's code is one past those before it
        first = int(np.argmax(missing))
        code = int(positions[:first].max()) + 1 if first else 0
        positions = np.where(positions >= code, positions + 1, positions)
        positions[missing] = code
        uniques = np.insert(uniques, code, np.nan)
    return positions, uniques


def _fast_ids(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells already written as a clean 18-character ID are their own parse."""
    return _ids_looked_at(uniques)[0]


def _ids_looked_at(uniques: np.ndarray):
    """(the ID fast path's result: which cells are their own parse, those cells; (which cells are
    ID-shaped, their characters, as people.id_shaped gives them))."""
    shaped, chars = id_shaped(uniques)
    return (shaped, uniques[shaped]), (shaped, chars)


def clean_ids(uniques: np.ndarray, parser: Callable[[object], Parsed], value_type: str):
    """(the ID fast path's result for the distinct cells, (which are ID-shaped, their characters)),
    or None when the column's parse has no such path. Given to parse_distinct (the first) and to
    the ID facts (the second), the IDs are looked at once."""
    if value_type != "id" or parser is not PARSERS["id"] or FAST_PATHS.get("id") is not _fast_ids:
        return None
    return _ids_looked_at(uniques)


def _clean_texts(uniques: np.ndarray, upper: bool = False) -> np.ndarray:
    """Which uniques are non-empty text that parse_text (parse_code when `upper`) returns unchanged:
    no white space, already NFKC (and upper case). Checked on all the texts joined at once, one by
    one only when that finds something: a roster's names and addresses are 60,000 distinct values."""
    if _only_str(uniques):  # the usual column (the types seen in C, not one value at a time)
        positions, texts = np.arange(len(uniques)), uniques.tolist()
    else:
        is_text = np.fromiter((value.__class__ is str for value in uniques), dtype=bool, count=len(uniques))
        positions = np.flatnonzero(is_text)
        texts = uniques[positions].tolist()
    # NUL is neither white space nor composable with its neighbours: the joined text is normal
    # exactly when every part is, and a space found in it belongs to one part
    joined = "\0".join(texts)
    nul_inside = bool(texts) and joined.count("\0") != len(texts) - 1  # (NUL joins them)
    # with no NUL but those joining them, an empty text is a NUL at either end, two together, or nothing
    empty = bool(texts) and (nul_inside or not joined or joined[0] == "\0" or joined[-1] == "\0" or "\0\0" in joined)
    spaced = _has_space(joined)  # str.split finds white space (str.isspace, as re's \s) 8x faster than re
    # each text's length only when something needs it: a pass over texts scattered in memory
    errors = "#" in joined  # Excel's error values (#N/A) all start with it
    # a text opening with = may be a formula saved without its result (parse_text says so)
    formulas = ([0] if joined.startswith("=") else []) + [found.start() + 1 for found in _FORMULA_START.finditer(joined)]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) if empty or spaced or errors or formulas else None
    clean = lengths > 0 if empty else np.ones(len(texts), dtype=bool)
    if not unicodedata.is_normalized("NFKC", joined):
        clean &= np.fromiter(map(_is_nfkc, texts), dtype=bool, count=len(texts))
    if texts and (_CONTROL_BUT_NUL.search(joined) or nul_inside):
        clean &= np.fromiter((not CONTROL_CHARACTERS.search(text) for text in texts), dtype=bool, count=len(texts))
    if spaced:
        at = [match.start() for match in _SPACE_CHARACTER.finditer(joined)]
        clean[_holding(lengths, at)] = False
    # upper case maps each character to one or more, none to NUL: the joined text is unchanged
    # exactly when every part is
    if upper and joined.upper() != joined:
        clean &= np.fromiter((text.upper() == text for text in texts), dtype=bool, count=len(texts))
    if errors:  # Excel's error values (#N/A): the scalar parsers say what they are (only texts with a # can be one)
        at = np.unique(_holding(lengths, [match.start() for match in _ERROR_MARK.finditer(joined)]))
        clean[at[[texts[index].upper() in EXCEL_ERRORS for index in at.tolist()]]] = False
    if formulas:
        clean[_holding(lengths, formulas)] = False
    handled = np.zeros(len(uniques), dtype=bool)
    handled[positions[clean]] = True
    return handled


def _holding(lengths: np.ndarray, at: list[int]) -> np.ndarray:
    """Which of the texts joined by one character each holds the characters at `at` of the joined text."""
    return np.searchsorted(np.cumsum(lengths + 1), at, side="right")


def _only_str(uniques: np.ndarray) -> bool:
    """Whether every value is exactly a str (no subclass, no number, no blank NaN)."""
    return set(map(type, uniques)) == {str}


def _has_space(text: str) -> bool:
    """Whether `text` holds a white-space character (one that str.isspace and re's \\s both mean)."""
    parts = text.split(maxsplit=1)
    return len(parts) != 1 or len(parts[0]) != len(text) if text else False


def _is_nfkc(text: str) -> bool:
    return unicodedata.is_normalized("NFKC", text)


def _fast_texts(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    handled = _clean_texts(uniques)
    return handled, uniques[handled]


def _fast_codes(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    handled = _clean_texts(uniques, upper=True)
    positions = np.flatnonzero(handled)
    joined = "".join(uniques[positions].tolist())
    if "'" in joined or "=" in joined:  # an export wrapper: the scalar parser drops it
        wrapped = np.fromiter((text.startswith(("'", "=")) for text in uniques[positions]), dtype=bool, count=len(positions))
        handled[positions[wrapped]] = False
    if not {"E", "."}.isdisjoint(joined):  # 3.30102E+17: the scalar parser says its digits are lost
        handled[positions[[code_number_lost_digits(text) for text in uniques[positions]]]] = False
    if len(positions) == len(uniques):  # text only: no number cell to read as a code
        return handled, uniques[handled]
    whole, digits = whole_number_codes(uniques)
    codes = uniques.copy()
    codes[whole] = digits
    return handled | whole, codes[handled | whole]


#: Vectorised parses of the common cells of a type: (which uniques they handled, typed values).
FAST_PATHS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    "id": _fast_ids,
    "date": all_dates,  # real date cells, date numbers and date text of the common shapes
    "text": _fast_texts,
    "code": _fast_codes,
    "number": plain_numbers,
}


def _parse_uniques(
    uniques: np.ndarray,
    parser: Callable[[object], Parsed],
    value_type: str,
    fast_result: tuple[np.ndarray, np.ndarray] | None = None,
):
    """(typed values, codes, details) of the distinct values; the fast path first when the type has
    one (`fast_result`: what it gives, when the caller has it already)."""
    # (a parser wrapped to say formulas without a result, values._saying_unstored, keeps its fast path:
    # no fast shape takes a formula's text, which the wrapper then sees)
    fast = FAST_PATHS.get(value_type) if getattr(parser, "__wrapped__", parser) is PARSERS.get(value_type) else None
    if fast_result is not None:
        handled, fast_values = fast_result
    else:
        handled, fast_values = fast(uniques) if fast is not None else (np.zeros(len(uniques), dtype=bool), None)
    rest = np.flatnonzero(~handled)
    results = [parser(value) for value in uniques[rest]]
    values = np.empty(len(results), dtype=object)
    for index, result in enumerate(results):  # element-wise: a tuple must stay one value
        values[index] = result[0]
    typed = _typed(values, value_type)
    codes = np.full(len(uniques), None, dtype=object)
    details = np.full(len(uniques), None, dtype=object)
    if not handled.any():
        codes[:] = [r[1] for r in results]
        details[:] = [r[2] for r in results]
        return typed, codes, details
    all_typed = np.empty(len(uniques), dtype=typed.dtype if len(rest) else fast_values.dtype)
    all_typed[handled] = fast_values
    all_typed[rest] = typed
    codes[rest] = [r[1] for r in results]
    details[rest] = [r[2] for r in results]
    return all_typed, codes, details


def parse_distinct(
    raw: np.ndarray | tuple[np.ndarray, np.ndarray],
    parser: Callable[[object], Parsed],
    value_type: str,
    fast_result: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parse an object array (or its factorisation) once per distinct value: (each row's position
    among the distinct values, their typed values, problem codes, details). `fast_result`: what
    the type's fast path gives for the distinct values, when the caller has it already."""
    positions, uniques = raw if isinstance(raw, tuple) else factorize(raw)
    return (positions, *_parse_uniques(uniques, parser, value_type, fast_result))


def per_row(
    positions: np.ndarray, typed: np.ndarray, codes: np.ndarray, details: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """parse_distinct's result row by row: (typed values, codes, details); codes and details are
    None when no value has a problem (the usual column)."""
    if not np.count_nonzero(codes):  # None is falsy, every problem code is not (counted in C)
        return typed[positions], None, None
    return typed[positions], codes[positions], details[positions]


def blank_rows(columns: list[tuple[np.ndarray, np.ndarray]], n_rows: int) -> np.ndarray:
    """Rows blank in every one of the factorised `columns`. The column with the fewest distinct
    values is looked at first, and each next column only at the rows still blank: a roster of
    60,000 people then checks a handful of values, not every name and ID."""
    still_blank = np.arange(n_rows)
    for positions, uniques in sorted(columns, key=lambda column: len(column[1])):
        if not len(still_blank):
            break
        at = positions[still_blank]
        needed = np.unique(at)
        blank = np.zeros(len(uniques), dtype=bool)
        blank[needed] = [is_blank(value) for value in uniques[needed]]
        still_blank = still_blank[blank[at]]
    mask = np.zeros(n_rows, dtype=bool)
    mask[still_blank] = True
    return mask
