"""ID numbers (GB 11643): parsing, checksums, and the birth date and sex an ID holds.

Pure functions over plain values and pandas Series; this module imports nothing of chsc_cli.
Each scalar function has a vectorised twin over a pandas Series that gives exactly the same answer
element-wise (registers can hold 100,000+ rows): parse_id/parse_ids,
has_valid_checksum/checksums_valid, birth_date_from_id/birth_dates_from_ids,
sex_from_id/sexes_from_ids. Ages are ages.py; masking, masking.py and id_masks.py.

Problem codes returned by parse_id: ``missing-id`` (blank cell), ``bad-id`` (text that is not an
ID number), ``id-as-number`` (a number cell that is not a 15-digit legacy ID: an 18-digit number
stored as a number has lost its last digits, e.g. ``1.10105E+17``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from numbers import Integral, Real

import numpy as np
import pandas as pd

#: GB 11643 weights of the first 17 digits (2**(17-i) mod 11).
CHECK_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for each value of (weighted sum mod 11).
CHECK_CHARACTERS = "10X98765432"

MISSING_ID = "missing-id"
BAD_ID = "bad-id"
ID_AS_NUMBER = "id-as-number"

#: Birth years read from an ID outside this range are treated as no date (the date digits are
#: garbage, and datetime64[ns] cannot hold years before 1677 anyway).
BIRTH_YEAR_MIN = 1800
BIRTH_YEAR_MAX = 2200

# Whitespace (Unicode, as str.isspace) and the invisible characters Excel exports carry.
_BLANKS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
# ASCII only: \d would also accept Arabic-Indic and other digits that NFKC keeps.
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17 = re.compile(r"[0-9]{17}")
_DIGITS15 = re.compile(r"[0-9]{15}")
#: A number written out as text after it was stored as a number (a CSV saved again by Excel or WPS:
#: `3.30102E+17`, or `330102195001010000.0`): its last digits are lost, as in a number cell.
#: Excel's display of a long number (`3.30102E+17`): ten digits or more, so that a code such as
#: `12E3` or `2023E001` is not taken for one.
SCIENTIFIC_TEXT = re.compile(r"[0-9](?:\.[0-9]+)?E\+?1[0-9]")
_NUMBER_TEXT = re.compile(rf"{SCIENTIFIC_TEXT.pattern}|[0-9]{{16,}}\.0*")
_FIFTEEN_DIGIT_LOW = 10**14
_FIFTEEN_DIGIT_HIGH = 10**15
_WEIGHTS_ARRAY = np.array(CHECK_WEIGHTS, dtype=np.int64)
_CHECK_LOOKUP = np.array(list(CHECK_CHARACTERS), dtype=object)
_CHECK_BYTES = np.frombuffer(CHECK_CHARACTERS.encode("ascii"), dtype=np.uint8)


def normalise_id_text(text: str) -> str:
    """Return `text` NFKC-normalised, without any whitespace, upper-cased.

    Full-width digits become half-width, every whitespace character (space, full-width space,
    no-break space, tab, newline) and the zero-width characters U+200B-U+200D, U+2060, U+FEFF are
    removed, and a lower-case ``x`` becomes ``X``.
    """
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text)).upper()


def check_character(first17: str) -> str:
    """Return the GB 11643 check character ('0'-'9' or 'X') for 17 ASCII digits.

    Example: 11010519491231002 -> weighted sum 167, 167 mod 11 = 2 -> 'X'.
    """
    if not _DIGITS17.fullmatch(first17):
        raise ValueError("校验位只能由 17 位数字计算")
    total = sum(int(digit) * weight for digit, weight in zip(first17, CHECK_WEIGHTS))
    return CHECK_CHARACTERS[total % 11]


def has_valid_checksum(id18: str) -> bool:
    """True when `id18` is 17 digits plus the right check character.

    `id18` must already be normalised (``x`` is not accepted); anything not shaped like an
    18-character ID gives False.
    """
    if not isinstance(id18, str) or not _ID18.fullmatch(id18):
        return False
    return check_character(id18[:17]) == id18[17]


def convert_15_to_18(id15: str) -> str:
    """Convert a legacy 15-digit ID: insert '19' after the 6-digit area code, add the check char."""
    if not _DIGITS15.fullmatch(id15):
        raise ValueError("15 位身份证号必须是 15 位数字")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_character(first17)


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pd.NA (the same values `Series.isna` finds)."""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _parse_id_text(text: str) -> tuple[str | None, str | None]:
    """Parse an ID written as text."""
    normalised = normalise_id_text(text)
    if not normalised:
        return None, MISSING_ID
    if _ID18.fullmatch(normalised):
        return normalised, None
    if _DIGITS15.fullmatch(normalised):
        return convert_15_to_18(normalised), None
    return None, ID_AS_NUMBER if _NUMBER_TEXT.fullmatch(normalised) else BAD_ID


def _parse_id_number(number: int) -> tuple[str | None, str | None]:
    """Parse a whole-number cell: only a 15-digit legacy ID survives being stored as a number."""
    if _FIFTEEN_DIGIT_LOW <= number < _FIFTEEN_DIGIT_HIGH:
        return convert_15_to_18(str(number)), None
    return None, ID_AS_NUMBER


def parse_id(value: object) -> tuple[str | None, str | None]:
    """Return (normalised 18-character ID or None, problem code or None) for one cell.

    - None, NaN, NaT, pd.NA, blank text -> ``missing-id``.
    - text: normalised; 17 digits + digit or X is the ID (the checksum is *not* checked here: an
      ID with a bad checksum is still the identity the source system holds); 15 digits is a
      legacy ID converted to 18; anything else is ``bad-id``.
    - int, or a float holding a whole number: 15 digits is a legacy ID converted to 18; any other
      number (including non-whole floats and infinities) is ``id-as-number``.
    - bool is not a number here: ``bad-id``. Anything else goes through str() as text.
    """
    if is_missing(value):
        return None, MISSING_ID
    if isinstance(value, str):
        return _parse_id_text(value)
    if isinstance(value, (bool, np.bool_)):
        return None, BAD_ID
    if isinstance(value, Integral):
        return _parse_id_number(int(value))
    if isinstance(value, Real):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return _parse_id_number(int(number))
        return None, ID_AS_NUMBER
    return _parse_id_text(str(value))


def birth_date_from_id(id18: str) -> dt.date | None:
    """Birth date from digits 7-14 (YYYYMMDD) of a normalised 18-character ID.

    The checksum need not be valid. None when the ID is not ID-shaped, the digits are not a real
    date, or the year is outside BIRTH_YEAR_MIN..BIRTH_YEAR_MAX.
    """
    if not isinstance(id18, str) or not _ID18.fullmatch(id18):
        return None
    year, month, day = int(id18[6:10]), int(id18[10:12]), int(id18[12:14])
    if not BIRTH_YEAR_MIN <= year <= BIRTH_YEAR_MAX:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def sex_from_id(id18: str) -> str | None:
    """'男' when the 17th digit is odd, '女' when even; None when `id18` is not ID-shaped."""
    if not isinstance(id18, str) or not _ID18.fullmatch(id18):
        return None
    return "男" if int(id18[16]) % 2 == 1 else "女"


# Vectorised API ------------------------------------------------------------------------------


def object_series(values: pd.Series) -> pd.Series:
    """The values as an object Series on a fresh RangeIndex (positions equal labels).

    Working on a RangeIndex keeps every assignment positional even when the caller's index has
    duplicate labels; object dtype makes .str methods use Python's own str methods.
    """
    return pd.Series(values.to_numpy(dtype=object), dtype=object)


def _check_characters(first17: pd.Series) -> np.ndarray:
    """Check characters (object array) for a Series of 17-digit ASCII strings, no per-row Python."""
    if first17.empty:
        return np.array([], dtype=object)
    raw = "".join(first17.tolist()).encode("ascii")
    digits = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 17).astype(np.int64) - ord("0")
    return _CHECK_LOOKUP[(digits @ _WEIGHTS_ARRAY) % 11]


def _convert_15_to_18_many(id15: pd.Series) -> np.ndarray:
    """Vectorised convert_15_to_18 over an object Series of 15-digit strings."""
    first17 = (id15.str[:6] + "19" + id15.str[6:]).to_numpy(dtype=object)
    return first17 + _check_characters(pd.Series(first17, dtype=object))


def _fullmatch(texts: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Boolean array: which texts (an object Series of str) fully match `pattern`."""
    if texts.empty:
        return np.zeros(0, dtype=bool)
    return texts.str.fullmatch(pattern).to_numpy(dtype=bool)


def string_mask(values: pd.Series) -> np.ndarray:
    """Which elements are str (or a str subclass), looking at each distinct type only once."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return ~values.isna().to_numpy(dtype=bool)
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str: one pass in C
        return np.ones(len(values), dtype=bool)
    if len(values) and pd.api.types.infer_dtype(values, skipna=True) == "string":  # str and blanks (parsed IDs)
        return ~values.isna().to_numpy(dtype=bool)
    types = value_types(values.to_numpy(dtype=object))
    found = np.zeros(len(values), dtype=bool)
    for kind in set(types.tolist()):
        if issubclass(kind, str):
            found |= types == kind
    return found


_TYPE_OF = np.frompyfunc(type, 1, 1)


def value_types(values: np.ndarray) -> np.ndarray:
    """Each value's type, as an object array (compared with `==` per type, each type looked up once)."""
    return _TYPE_OF(values) if len(values) else np.empty(0, dtype=object)


def _parse_texts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised _parse_id_text over an object Series of str: (ids, codes) object arrays."""
    normalised = texts.str.normalize("NFKC").str.replace(_BLANKS, "", regex=True).str.upper()
    ids = np.full(len(texts), None, dtype=object)
    codes = np.empty(len(texts), dtype=object)
    codes.fill(BAD_ID)  # np.full would convert the text first
    codes[(normalised == "").to_numpy(dtype=bool)] = MISSING_ID
    codes[_fullmatch(normalised, _NUMBER_TEXT)] = ID_AS_NUMBER
    is18 = _fullmatch(normalised, _ID18)
    ids[is18] = normalised[is18].to_numpy(dtype=object)
    is15 = _fullmatch(normalised, _DIGITS15)
    ids[is15] = _convert_15_to_18_many(normalised[is15])
    codes[is18 | is15] = None
    return ids, codes


def _parse_numbers(numbers: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised number rules over a numeric Series without missing values: (ids, codes)."""
    ids = np.full(len(numbers), None, dtype=object)
    codes = np.empty(len(numbers), dtype=object)
    codes.fill(ID_AS_NUMBER)  # np.full would convert the text first
    if pd.api.types.is_float_dtype(numbers.dtype):
        array = numbers.to_numpy(dtype=np.float64)
        whole = np.isfinite(array) & (array == np.floor(array))
    else:
        array = numbers.to_numpy()
        whole = np.ones(len(array), dtype=bool)
    fifteen = whole & (array >= _FIFTEEN_DIGIT_LOW) & (array < _FIFTEEN_DIGIT_HIGH)
    if fifteen.any():
        texts = pd.Series(array[fifteen].astype(np.int64).astype(str), dtype=object)
        ids[fifteen] = _convert_15_to_18_many(texts)
        codes[fifteen] = None
    return ids, codes


def _parse_mixed(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Object (or text) Series without missing values: text vectorised, the rest one by one."""
    ids = np.full(len(values), None, dtype=object)
    codes = np.full(len(values), None, dtype=object)
    is_text = string_mask(values)
    ids[is_text], codes[is_text] = _parse_texts(object_series(values[is_text]))
    others = values[~is_text].tolist()
    if others:
        pairs = [parse_id(value) for value in others]
        ids[~is_text] = [pair[0] for pair in pairs]
        codes[~is_text] = [pair[1] for pair in pairs]
    return ids, codes


def parse_ids(values: pd.Series) -> pd.DataFrame:
    """Vectorised parse_id: a DataFrame with columns `id` and `code` (object, None when absent).

    Text and numeric dtypes are handled with vector operations; in an object Series of mixed
    types only the elements that are neither text nor missing go through parse_id one by one.
    The result has the index of `values` (duplicate labels included).
    """
    ids = np.full(len(values), None, dtype=object)
    codes = np.full(len(values), None, dtype=object)
    missing = values.isna().to_numpy(dtype=bool)
    codes[missing] = MISSING_ID
    present = values[~missing]
    if pd.api.types.is_bool_dtype(present.dtype):
        codes[~missing] = BAD_ID
    elif pd.api.types.is_numeric_dtype(present.dtype):
        ids[~missing], codes[~missing] = _parse_numbers(present)
    else:
        ids[~missing], codes[~missing] = _parse_mixed(present)
    return pd.DataFrame(
        {
            "id": pd.Series(ids, index=values.index, dtype=object),
            "code": pd.Series(codes, index=values.index, dtype=object),
        }
    )


def id_shaped(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(boolean array marking the elements of an object array that are str shaped like a normalised
    ID — 17 ASCII digits and a digit or X —, their characters as an (n, 18) uint8 array).

    The same test as `_ID18.fullmatch`, done on bytes: a register holds 100,000 IDs."""
    objects = np.asarray(values, dtype=object)
    shaped = np.zeros(len(objects), dtype=bool)
    is_text = string_mask(pd.Series(objects, dtype=object))
    candidates = np.flatnonzero(is_text)
    texts = objects[candidates].tolist()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    chosen = candidates[lengths == 18]
    joined = "".join(objects[chosen].tolist())
    if not joined.isascii():  # (one look at them all; each text only when one is not)
        chosen = chosen[np.fromiter(map(str.isascii, objects[chosen]), dtype=bool, count=len(chosen))]
        joined = "".join(objects[chosen].tolist())
    if not len(chosen):
        return shaped, np.zeros((0, 18), dtype=np.uint8)
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    ok = digit[:, :17].all(axis=1) & (digit[:, 17] | (chars[:, 17] == ord("X")))
    shaped[chosen[ok]] = True
    return shaped, chars[ok]


def checksums_valid(ids: pd.Series) -> pd.Series:
    """Vectorised has_valid_checksum: bool Series; missing or non-ID-shaped elements are False."""
    shaped, chars = id_shaped(ids.to_numpy(dtype=object))
    return pd.Series(_checksums_of(shaped, chars), index=ids.index, dtype=bool)


def _checksums_of(shaped: np.ndarray, chars: np.ndarray) -> np.ndarray:
    valid = np.zeros(len(shaped), dtype=bool)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    valid[shaped] = _CHECK_BYTES[(digits @ _WEIGHTS_ARRAY) % 11] == chars[:, 17]
    return valid


def birth_dates_from_ids(ids: pd.Series) -> pd.Series:
    """Vectorised birth_date_from_id: datetime64[ns], NaT where there is no usable date."""
    shaped, chars = id_shaped(ids.to_numpy(dtype=object))
    return pd.Series(_birth_dates_of(shaped, chars), index=ids.index, dtype="datetime64[ns]")


def _birth_dates_of(shaped: np.ndarray, chars: np.ndarray) -> np.ndarray:
    result = np.full(len(shaped), np.datetime64("NaT"), dtype="datetime64[ns]")
    digits = chars[:, 6:14].astype(np.int64) - ord("0")
    year = digits[:, :4] @ np.array([1000, 100, 10, 1])
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    usable = (year >= BIRTH_YEAR_MIN) & (year <= BIRTH_YEAR_MAX) & (month >= 1) & (month <= 12) & (day >= 1)
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    usable &= dates.astype("datetime64[M]") == months  # 30 February runs into March: no date
    result[np.flatnonzero(shaped)[usable]] = dates[usable].astype("datetime64[ns]")
    return result


def sexes_from_ids(ids: pd.Series) -> pd.Series:
    """Vectorised sex_from_id: object Series of '男', '女' or None."""
    shaped, chars = id_shaped(ids.to_numpy(dtype=object))
    return pd.Series(_sexes_of(shaped, chars), index=ids.index, dtype=object)


def _sexes_of(shaped: np.ndarray, chars: np.ndarray) -> np.ndarray:
    sexes = np.full(len(shaped), None, dtype=object)
    sexes[shaped] = _SEXES[(chars[:, 16] - ord("0")) % 2]  # two str objects shared by every row, not one each
    return sexes


#: 17th digit even, odd.
_SEXES = np.array(["女", "男"], dtype=object)


def id_facts(
    values: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(checksums_valid, birth_dates_from_ids, sexes_from_ids) of an object array at once: the
    IDs' characters are looked at once for the three (a roster holds 60,000 distinct IDs).

    `known`: (which values are already known to be ID-shaped, their characters), as id_shaped
    gave them (the reader's parse has them for the IDs written clean): only the others are looked at."""
    shaped, chars = id_shaped(values) if known is None else _shaped_with(values, *known)
    return _checksums_of(shaped, chars), _birth_dates_of(shaped, chars), _sexes_of(shaped, chars)


def _shaped_with(values: np.ndarray, known: np.ndarray, known_chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """id_shaped of `values`, the `known` ones (ID-shaped, with `known_chars`) not looked at again."""
    rest = np.flatnonzero(~known)
    rest_shaped, rest_chars = id_shaped(np.asarray(values, dtype=object)[rest])
    shaped = known.copy()
    shaped[rest[rest_shaped]] = True
    chars = np.empty((len(shaped), 18), dtype=np.uint8)
    chars[known] = known_chars
    chars[rest[rest_shaped]] = rest_chars
    return shaped, chars[shaped]
