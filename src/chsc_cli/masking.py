"""ID numbers masked as every output shows them: one value (mask_id, mask_cell) and whole columns
(mask_ids, mask_ids_in_text, vectorised twins giving mask_id's and mask_ids_in_str's answers).

The pandas-free part, ID numbers found inside any text, is id_masks.py (the consoles use it before
pandas loads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .id_masks import holds_id, mask_id_text, mask_ids_in_str
from .people import is_missing, object_series, string_mask


def mask_id(text: str | None) -> str:
    """The one masking used everywhere an ID number is shown.

    More than 10 characters: first 6 and last 4 kept, the middle replaced by '*'
    (an 18-character ID gives 6 + 8 stars + 4). 10 or fewer: all but the last 2 replaced; a
    string of 1 or 2 characters is replaced entirely so that a masked value never equals the
    input. None, NaN and '' give ''. A non-text value is masked as its str().
    """
    if text is None or is_missing(text):
        return ""
    return mask_id_text(text if isinstance(text, str) else str(text))


def mask_cell(text: str) -> str:
    """A value of an ID column that is not an ID, as a message may show it: 15 characters or more
    as mask_id shows an ID; shorter (a phone number, part of an ID) all but the last two hidden;
    without a digit (a name from a shifted column) all hidden."""
    if len(text) >= 15:
        return mask_id(text)
    if not any(character.isdigit() for character in text):
        return "*" * len(text)
    return "*" * max(len(text) - 2, 0) + text[-2:]


def mask_ids_in_text(values: pd.Series) -> pd.Series:
    """Texts (gap reasons, names, phones, stations) with every ID number in them masked as
    mask_ids_in_str does; blanks and values that are not text kept as they are. Vectorised: each
    distinct text is looked at once, and only those that hold an ID are rewritten."""
    objects = values.to_numpy(dtype=object)
    result = pd.Series(objects.copy(), index=values.index, dtype=object)
    if not len(objects):
        return result
    try:
        distinct = pd.unique(objects)
    except TypeError:  # an unhashable value (never in a register table): one by one
        distinct = objects
    masked = {text: mask_ids_in_str(text) for text in distinct if isinstance(text, str) and holds_id(text)}
    if masked:
        found = result.isin(list(masked)).to_numpy(dtype=bool)
        result[found] = [masked[value] for value in objects[found]]
    return result



def mask_ids(ids: pd.Series) -> pd.Series:
    """Vectorised mask_id: object Series of masked strings ('' for missing)."""
    objects = object_series(ids)
    missing = objects.isna().to_numpy(dtype=bool)
    result = np.empty(len(objects), dtype=object)
    result.fill("")  # np.full would convert the text first
    present = objects[~missing].reset_index(drop=True)
    if not present.empty:
        is_text = string_mask(present)
        texts = present.copy()
        texts[~is_text] = [str(value) for value in present[~is_text]]
        result[~missing] = _mask_texts(texts)
    return pd.Series(result, index=ids.index, dtype=object)


def _mask_texts(texts: pd.Series) -> np.ndarray:
    """mask_id over an object Series of str on a RangeIndex, by length class."""
    lengths = texts.str.len()
    long = (lengths > 10).to_numpy(dtype=bool)
    medium = (lengths > 2).to_numpy(dtype=bool) & ~long
    short = ~(long | medium)
    stars = pd.Series("*", index=texts.index, dtype=object)
    masked = np.empty(len(texts), dtype=object)
    masked.fill("")  # np.full would convert the text first
    if long.any():
        middle = stars[long].str.repeat((lengths[long] - 10).tolist())
        masked[long] = (texts[long].str[:6] + middle + texts[long].str[-4:]).to_numpy(dtype=object)
    if medium.any():
        head = stars[medium].str.repeat((lengths[medium] - 2).tolist())
        masked[medium] = (head + texts[medium].str[-2:]).to_numpy(dtype=object)
    if short.any():
        masked[short] = stars[short].str.repeat(lengths[short].tolist()).to_numpy(dtype=object)
    return masked
