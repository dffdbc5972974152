"""A 64-bit hash of each row's required fields, worked out where a sheet is parsed (in parallel).

duplicate_rows compares in full only the rows repeated in a kind's required fields; finding those
among all the rows of a kind (170,000 vaccinations) meant factorising its text columns once more,
on one core, after the parse. Each sheet's table carries instead the hash of each row's required
fields (ROW_KEY_HASH, hidden like the ID facts): the repeated rows are then found among plain
64-bit numbers, and compared in full as before.

The one thing a hash must do here: rows equal in the required fields (as DataFrame.duplicated
compares them) have equal hashes. Unequal rows may share one: they are compared in full and kept
apart there, so a collision costs time, never a wrong result. Hence the hash of a value is
- a text's SipHash (pandas' hash_array, the same in every process: not Python's salted hash());
- one number for every missing value (None, NaN, NaT: duplicated takes them as equal);
- one number for every other object (a number cell, a tuple…): such rows all become candidates;
- a date's (datetime64) own integer value, mixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The hidden column of a sheet's table; add_person_fields drops it with the other hidden columns.
ROW_KEY_HASH = "_row_key_hash"
_MISSING = np.uint64(0x6A09E667F3BCC909)
_OTHER = np.uint64(0xBB67AE8584CAA73B)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(29)


def _mixed(numbers: np.ndarray) -> np.ndarray:
    numbers = numbers * _MIX
    return numbers ^ (numbers >> _SHIFT)


def value_hashes(values: np.ndarray) -> np.ndarray:
    """One uint64 per value: equal values (as duplicated compares them) get equal numbers."""
    values = np.asarray(values)
    if values.dtype.kind == "M":  # NaT is one integer: all NaT alike
        return _mixed(values.view(np.int64).astype(np.uint64))
    hashes = np.full(len(values), _OTHER, dtype=np.uint64)
    if values.dtype != object or not len(values):
        return hashes  # a type no required field has: every row a candidate, compared in full
    missing = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) == "string":  # text and blanks only (one pass in C)
        is_text = ~missing
    else:
        is_text = np.fromiter((isinstance(value, str) for value in values), dtype=bool, count=len(values))
    if is_text.any():
        hashes[is_text] = _text_hashes(values[is_text])
    hashes[missing] = _MISSING
    return hashes


def _text_hashes(texts: np.ndarray) -> np.ndarray:
    """SipHash of each text's UTF-8; a text that has none (a lone surrogate) gets _OTHER."""
    try:
        return pd.util.hash_array(texts, categorize=False)
    except UnicodeError:  # hashed one by one, so that a text's hash never depends on its neighbours
        hashes = np.full(len(texts), _OTHER, dtype=np.uint64)
        encodes = np.fromiter((_encodes(text) for text in texts), dtype=bool, count=len(texts))
        if encodes.any():
            hashes[encodes] = pd.util.hash_array(texts[encodes], categorize=False)
        return hashes


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeError:
        return False
    return True


def row_hashes(parts: list[np.ndarray], n_rows: int) -> np.ndarray:
    """The rows' hash of several fields, from each field's value_hashes (in the kind's order)."""
    combined = np.zeros(n_rows, dtype=np.uint64)
    for part in parts:
        combined = _mixed(combined ^ part)
    return combined


def repeated_keys(hashes: np.ndarray) -> np.ndarray:
    """Which rows share their hash with another row (every row whose required fields repeat)."""
    return pd.Series(hashes, copy=False).duplicated(keep=False).to_numpy()
