"""Tests for chsc_cli.people: ID numbers, birth dates, sex, ages, masking."""

from __future__ import annotations

import ast
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli import people
from chsc_cli.ages import add_years, age_at, ages_at, first_birthday
from chsc_cli.engine.engine_input import ages as engine_ages
from chsc_cli.masking import mask_id, mask_ids
from chsc_cli.people import (
    birth_date_from_id,
    birth_dates_from_ids,
    check_character,
    checksums_valid,
    convert_15_to_18,
    has_valid_checksum,
    normalise_id_text,
    parse_id,
    parse_ids,
    sex_from_id,
    sexes_from_ids,
)

SOURCE = Path(__file__).resolve().parents[1] / "src" / "chsc_cli" / "people.py"

# The public sample ID. By hand: digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 times the weights
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 give 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167;
# 167 mod 11 = 2, and "10X98765432"[2] = 'X'.
SAMPLE = "11010519491231002X"
SAMPLE_15 = "110105491231002"  # the same person's legacy number
# 44030119900307123?: 4*7+4*9+0*10+3*5+0*8+1*4+1*2+9*1+9*6+0*3+0*7+3*9+0*10+7*5+1*8+2*4+3*2
# = 28+36+0+15+0+4+2+9+54+0+0+27+0+35+8+8+6 = 232; 232 mod 11 = 1 -> '0'.
SECOND = "440301199003071230"


# ----------------------------------------------------------------------------------------------
# Known cases
# ----------------------------------------------------------------------------------------------


def _import_roots(source: Path, allowed_relative: set[str]) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert node.level == 1 and node.module in allowed_relative, f"relative import of {node.module}"
                continue
            roots.add(node.module.split(".")[0])
    return roots


def test_module_imports_only_stdlib_pandas_numpy():
    """people.py and ages.py stand at the bottom of chsc: the standard library, pandas and numpy;
    masking.py adds people.py and the pandas-free id_masks.py (which imports the standard library
    alone)."""
    for name, own in (("people.py", set()), ("ages.py", set()), ("masking.py", {"people", "id_masks"})):
        roots = _import_roots(SOURCE.with_name(name), own)
        assert "chsc_cli" not in roots
        assert roots <= set(sys.stdlib_module_names) | {"pandas", "numpy"}, name
    assert _import_roots(SOURCE.with_name("id_masks.py"), set()) <= set(sys.stdlib_module_names)


def test_known_check_characters():
    assert check_character(SAMPLE[:17]) == "X"
    assert check_character(SECOND[:17]) == "0"
    assert has_valid_checksum(SAMPLE)
    assert has_valid_checksum(SECOND)
    assert not has_valid_checksum("110105194912310021")
    assert not has_valid_checksum("11010519491231002x")  # not normalised
    assert not has_valid_checksum("1101051949123100")


def test_check_character_rejects_non_digits():
    with pytest.raises(ValueError):
        check_character("1101051949123100X")
    with pytest.raises(ValueError):
        convert_15_to_18("11010549123100")


def test_convert_15_to_18():
    assert convert_15_to_18(SAMPLE_15) == SAMPLE


@pytest.mark.parametrize(
    "text, expected",
    [
        (" 1101 0519 4912 3100 2x ", SAMPLE),
        ("１１０１０５１９４９１２３１００２Ｘ", SAMPLE),
        ("\u3000110105\u00a019491231\t002X\n", SAMPLE),
        ("\ufeff11010519491231002\u200bx", SAMPLE),
    ],
)
def test_normalise_id_text(text, expected):
    assert normalise_id_text(text) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (SAMPLE, (SAMPLE, None)),
        ("11010519491231002x", (SAMPLE, None)),
        (" 110105 19491231 002X ", (SAMPLE, None)),
        ("１１０１０５１９４９１２３１００２Ｘ", (SAMPLE, None)),
        ("110105194912310021", ("110105194912310021", None)),  # bad checksum is still an id
        (SAMPLE_15, (SAMPLE, None)),
        (int(SAMPLE_15), (SAMPLE, None)),
        (float(SAMPLE_15), (SAMPLE, None)),
        (np.int64(SAMPLE_15), (SAMPLE, None)),
        (np.float64(SAMPLE_15), (SAMPLE, None)),
        (1.10105e17, (None, "id-as-number")),
        (110105194912310020, (None, "id-as-number")),
        (float(SAMPLE_15) + 0.5, (None, "id-as-number")),
        (12345, (None, "id-as-number")),
        (-int(SAMPLE_15), (None, "id-as-number")),
        (math.inf, (None, "id-as-number")),
        (None, (None, "missing-id")),
        (math.nan, (None, "missing-id")),
        (pd.NA, (None, "missing-id")),
        (pd.NaT, (None, "missing-id")),
        ("", (None, "missing-id")),
        ("  \u3000 ", (None, "missing-id")),
        (True, (None, "bad-id")),
        ("1101051949123100XX", (None, "bad-id")),
        ("X1010519491231002X", (None, "bad-id")),
        ("1101051949123100", (None, "bad-id")),
        ("1.10105E+17", (None, "id-as-number")),  # a number written out as text: its digits are lost
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", (None, "bad-id")),  # Arabic-Indic digits are not ID digits
        ("张三", (None, "bad-id")),
    ],
)
def test_parse_id_known(value, expected):
    assert parse_id(value) == expected


def test_birth_date_and_sex_from_id():
    assert birth_date_from_id(SAMPLE) == date(1949, 12, 31)
    assert birth_date_from_id(SECOND) == date(1990, 3, 7)
    assert birth_date_from_id("110105194902301234") is None  # 30 February
    assert birth_date_from_id("110105000001011234") is None  # year out of range
    assert birth_date_from_id("110105194912310021") == date(1949, 12, 31)  # bad checksum is fine
    assert sex_from_id(SAMPLE) == "女"  # 17th digit 2
    assert sex_from_id(SECOND) == "男"  # 17th digit 3
    assert sex_from_id("bad") is None


@pytest.mark.parametrize(
    "birth, reference, age",
    [
        (date(2000, 2, 29), date(2001, 2, 27), 0),
        (date(2000, 2, 29), date(2001, 2, 28), 1),
        (date(2000, 2, 29), date(2004, 2, 28), 3),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(1960, 6, 30), date(2025, 6, 29), 64),
        (date(1960, 6, 30), date(2025, 6, 30), 65),
        (date(2025, 6, 30), date(2025, 6, 30), 0),
        (date(2025, 6, 30), date(2025, 6, 29), -1),
    ],
)
def test_age_at(birth, reference, age):
    assert age_at(birth, reference) == age
    births = pd.Series([pd.Timestamp(birth), pd.NaT])
    assert ages_at(births, reference).tolist() == [age, pd.NA]


def test_first_birthday_and_add_years():
    assert first_birthday(date(2024, 2, 29)) == date(2025, 2, 28)
    assert first_birthday(date(2024, 3, 1)) == date(2025, 3, 1)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


@pytest.mark.parametrize(
    "text, masked",
    [
        (SAMPLE, "110105********002X"),
        ("12345678901", "123456*8901"),
        ("1234567890", "********90"),
        ("abc", "*bc"),
        ("ab", "**"),
        ("a", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(text, masked):
    assert mask_id(text) == masked
    assert mask_ids(pd.Series([text], dtype=object)).tolist() == [masked]


def test_vectorised_keeps_duplicate_index():
    values = pd.Series([SAMPLE_15, None, 1.10105e17, SECOND], index=[7, 7, 3, 3], dtype=object)
    parsed = parse_ids(values)
    assert list(parsed.index) == [7, 7, 3, 3]
    assert parsed["id"].tolist() == [SAMPLE, None, None, SECOND]
    assert parsed["code"].tolist() == [None, "missing-id", "id-as-number", None]
    assert parsed["id"].dtype == object and parsed["code"].dtype == object
    assert checksums_valid(parsed["id"]).tolist() == [True, False, False, True]
    assert sexes_from_ids(parsed["id"]).tolist() == ["女", None, None, "男"]
    births = birth_dates_from_ids(parsed["id"])
    assert births.dtype == "datetime64[ns]"
    assert births.tolist()[0] == pd.Timestamp(1949, 12, 31) and pd.isna(births.tolist()[1])
    assert mask_ids(parsed["id"]).tolist()[1] == ""


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([int(SAMPLE_15), 5, 110105194912310020]),
        pd.Series([float(SAMPLE_15), np.nan, 1.10105e17, 2.5]),
        pd.Series([SAMPLE_15, None, "x"]),
        pd.Series([SAMPLE_15, None], dtype="string"),
        pd.Series([int(SAMPLE_15), None], dtype="Int64"),
        pd.Series([True, False]),
        pd.Series([], dtype=object),
    ],
    ids=["int64", "float64", "str", "string", "Int64", "bool", "empty"],
)
def test_parse_ids_by_dtype(series):
    parsed = parse_ids(series)
    assert list(zip(parsed["id"], parsed["code"])) == [parse_id(value) for value in series]


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

DIGITS = "0123456789"
CHARS_18 = DIGITS + "X"


@st.composite
def valid_ids(draw) -> str:
    """A well-formed 18-character ID with a real birth date and the right check character."""
    area = draw(st.integers(110000, 829999))
    birth = draw(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{area:06d}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@st.composite
def legacy_ids(draw) -> str:
    """A 15-digit legacy ID (birth year 1900-1999)."""
    area = draw(st.integers(110000, 829999))
    birth = draw(st.dates(date(1900, 1, 1), date(1999, 12, 31)))
    return f"{area:06d}{birth:%y%m%d}{draw(st.integers(0, 999)):03d}"


def _spaced(draw, text: str) -> str:
    """`text` with whitespace of several kinds inserted at random places."""
    pieces = []
    for character in text:
        pieces.append(draw(st.sampled_from(["", "", " ", "\u3000", "\u00a0", "\t"])))
        pieces.append(character)
    return "".join(pieces) + draw(st.sampled_from(["", " ", "\n"]))


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@given(st.data(), valid_ids())
@settings(max_examples=examples(150))
def test_valid_id_round_trips_through_text_variants(data, id18):
    assert has_valid_checksum(id18)
    variants = [
        id18,
        id18.lower(),
        _full_width(id18),
        _spaced(data.draw, id18),
        _spaced(data.draw, _full_width(id18.lower())),
    ]
    for variant in variants:
        assert parse_id(variant) == (id18, None)


@given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
@settings(max_examples=examples(100))
def test_every_single_character_corruption_is_detected(first17):
    id18 = first17 + check_character(first17)
    assert has_valid_checksum(id18)
    for position in range(18):
        alphabet = DIGITS if position < 17 else CHARS_18
        for replacement in alphabet:
            if replacement != id18[position]:
                corrupted = id18[:position] + replacement + id18[position + 1 :]
                assert not has_valid_checksum(corrupted), corrupted


@given(legacy_ids())
@settings(max_examples=examples(150))
def test_15_to_18_is_valid_and_keeps_birth_date(id15):
    id18 = convert_15_to_18(id15)
    assert len(id18) == 18 and has_valid_checksum(id18)
    assert id18[:6] == id15[:6] and id18[8:17] == id15[6:]
    legacy_birth = date(1900 + int(id15[6:8]), int(id15[8:10]), int(id15[10:12]))
    assert birth_date_from_id(id18) == legacy_birth
    assert parse_id(id15) == parse_id(int(id15)) == parse_id(float(id15)) == (id18, None)


def _text_variant(id18: str) -> st.SearchStrategy:
    return st.sampled_from([id18, id18.lower(), f" {id18} ", _full_width(id18)])


MIXED_VALUES = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(""),
    valid_ids().flatmap(_text_variant),
    legacy_ids(),
    legacy_ids().map(int),
    legacy_ids().map(float),
    st.integers(-(10**19), 10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(alphabet=CHARS_18 + "x \u3000-/年", max_size=20),
    st.text(max_size=5),
    st.text(alphabet=DIGITS, min_size=18, max_size=18),  # any digits: bad dates, bad checksums
)


@given(st.lists(MIXED_VALUES, max_size=30), st.integers(0, 3))
@settings(max_examples=examples(150))
def test_vectorised_agree_with_scalar(values, index_shift):
    index = [position // 2 + index_shift for position in range(len(values))]  # duplicate labels
    series = pd.Series(values, index=index, dtype=object)
    parsed = parse_ids(series)
    assert list(parsed.index) == index
    assert list(zip(parsed["id"], parsed["code"])) == [parse_id(value) for value in values]

    ids = parsed["id"]
    scalar_ids = ids.tolist()
    assert checksums_valid(ids).tolist() == [
        id18 is not None and has_valid_checksum(id18) for id18 in scalar_ids
    ]
    expected_births = [birth_date_from_id(id18) if id18 else None for id18 in scalar_ids]
    got_births = [None if pd.isna(d) else d.date() for d in birth_dates_from_ids(ids)]
    assert got_births == expected_births
    assert sexes_from_ids(ids).tolist() == [sex_from_id(id18) if id18 else None for id18 in scalar_ids]
    assert mask_ids(ids).tolist() == [mask_id(id18) for id18 in scalar_ids]
    assert mask_ids(series).tolist() == [mask_id(value) for value in values]


@given(st.lists(st.text(alphabet=DIGITS, min_size=18, max_size=18), max_size=20))
@settings(max_examples=examples(100))
def test_vectorised_on_string_dtype(ids):
    series = pd.Series(ids, dtype="str")
    assert birth_dates_from_ids(series).tolist() == [
        pd.NaT if birth_date_from_id(i) is None else pd.Timestamp(birth_date_from_id(i)) for i in ids
    ]
    assert checksums_valid(series).tolist() == [has_valid_checksum(i) for i in ids]


@given(
    st.lists(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2100, 12, 31))), max_size=30),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
)
@settings(max_examples=examples(150))
def test_ages_at_agrees_with_age_at(births, reference):
    series = pd.Series(pd.to_datetime(pd.Series(births, dtype=object)), dtype="datetime64[ns]")
    ages = ages_at(series, reference)
    assert str(ages.dtype) == "Int64"
    expected = [pd.NA if birth is None else age_at(birth, reference) for birth in births]
    assert [pd.NA if pd.isna(a) else int(a) for a in ages] == expected
    floats = engine_ages(series, reference)  # the engine's: NaN without a birth date
    assert [pd.NA if np.isnan(a) else int(a) for a in floats] == expected


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 120))
@settings(max_examples=examples(200))
def test_age_matches_birthday_definition(birth, years):
    birthday = add_years(birth, years)
    assert age_at(birth, birthday) == years
    assert age_at(birth, birthday - timedelta(days=1)) == years - 1


def test_problem_codes_are_the_documented_ones():
    assert {people.MISSING_ID, people.BAD_ID, people.ID_AS_NUMBER} == {
        "missing-id",
        "bad-id",
        "id-as-number",
    }


NEAR_IDS = st.builds(  # a plausible year with any two-digit month and day: 00, 13, 31 April, 29 February
    lambda head, year, month, day, tail: f"{head}{year}{month:02d}{day:02d}{tail}",
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.integers(1790, 2210),
    st.integers(0, 13),
    st.integers(0, 32),
    st.text(alphabet=DIGITS + "X", min_size=4, max_size=4),
)
ID_SHAPED_NEIGHBOURS = st.one_of(
    MIXED_VALUES,
    st.text(alphabet=DIGITS + "Xx٣０", min_size=17, max_size=19),  # non-ASCII digits are not IDs
    NEAR_IDS,
)


@given(st.one_of(st.lists(ID_SHAPED_NEIGHBOURS, max_size=30), st.lists(NEAR_IDS, min_size=20, max_size=40)))
@settings(max_examples=examples(150))
def test_vectorised_facts_agree_with_scalar_on_raw_values(values):
    """checksum, birth date and sex on unparsed cells: only str shaped like an ID count."""
    series = pd.Series(values, dtype=object)
    assert checksums_valid(series).tolist() == [has_valid_checksum(value) for value in values]
    expected = [birth_date_from_id(value) for value in values]
    assert [None if pd.isna(d) else d.date() for d in birth_dates_from_ids(series)] == expected
    assert sexes_from_ids(series).tolist() == [sex_from_id(value) for value in values]


@pytest.mark.parametrize("birth", ["18000101", "17991231", "22001231", "22010101", "20000229", "19000229", "20250431"])
def test_vectorised_birth_date_at_the_edges(birth):
    id18 = f"110105{birth}0011"
    expected = birth_date_from_id(id18)
    got = birth_dates_from_ids(pd.Series([id18], dtype=object))[0]
    assert (None if pd.isna(got) else got.date()) == expected


@pytest.mark.parametrize("text", ["3.30102E+17", "3.30102e+17", "1.10105E+17", "３.３０１０２Ｅ＋１７", "330102195001010000.0"])
def test_an_id_written_out_from_a_number_is_id_as_number(text):
    """A CSV saved again by Excel or WPS writes the ID it held as a number as `3.30102E+17`: the
    digits are lost as in a number cell (id-as-number, "format the column as text"), not an ID
    written wrong (bad-id, whose message showed the exponent as the ID's last digits)."""
    assert parse_id(text) == (None, "id-as-number")
    assert parse_ids(pd.Series([text, "abc"], dtype=object))["code"].tolist() == ["id-as-number", "bad-id"]


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.sampled_from(["110101195001010011", "A", "a", "", None, float("nan"), 1, 1.0, True, "\ud800", "B"]), max_size=40))
def test_repeated_roster_keys_are_those_pandas_finds(keys):
    """persons._repeated_keys (one factorisation) finds the rows duplicated(keep="first") and
    duplicated(keep=False) find among the non-missing keys."""
    import numpy as np
    import pandas as pd

    from chsc_cli.registers.persons import _repeated_keys

    values = np.empty(len(keys), dtype=object)
    values[:] = keys
    key = pd.Series(values, dtype=object)
    repeated, positions = _repeated_keys(values)
    assert repeated.tolist() == (key.notna() & key.duplicated(keep="first")).tolist()
    assert positions.tolist() == np.flatnonzero((key.notna() & key.duplicated(keep=False)).to_numpy()).tolist()
