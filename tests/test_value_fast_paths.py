"""The vectorised fast paths of values.py (clean IDs, real dates, clean text and codes) must give
exactly what the scalar parser gives for every distinct value, the others left to that parser."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chsc_cli.registers.values import FAST_PATHS, PARSERS, _parse_uniques

TEXT_PIECES = st.sampled_from(
    ["张三", "李 四", "Ａ１２", "ab", "AB", "x\u3000y", "\u00a0", "", " ", "ﬁ", "e\u0301", "\u1100\u1161", "ß", "\x1c", "\t"]
)
TEXTS = st.lists(TEXT_PIECES, min_size=1, max_size=3).map("".join)
OTHERS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(-10, 10**6),
    st.datetimes(dt.datetime(1790, 1, 1), dt.datetime(2210, 12, 31)),
    st.dates(dt.date(1790, 1, 1), dt.date(2210, 12, 31)),
    st.text(max_size=6),
    st.sampled_from(["110101195001010011", "11010119500101001x", "110101195002300011", " 110101195001010011"]),
    # export wrappers (registers.md): a clean-looking text that is not its own parse
    st.sampled_from(["'110101195001010011", '="110101195001010011"', "'C0012", '="C0012"', "\t'C0012\t", "'", "=C1"]),
)
VALUES = st.lists(st.one_of(TEXTS, OTHERS), max_size=40, unique_by=lambda v: (type(v), repr(v)))


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, np.datetime64) or isinstance(b, np.datetime64):
        return pd.Timestamp(a) == pd.Timestamp(b) if not (pd.isna(a) and pd.isna(b)) else True
    return a == b and type(a) is type(b)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.sampled_from(sorted(FAST_PATHS)))
def test_fast_path_gives_what_the_parser_gives(values, value_type):
    uniques = np.empty(len(values), dtype=object)
    uniques[:] = values
    parser = PARSERS[value_type]
    typed, codes, details = _parse_uniques(uniques, parser, value_type)
    expected = [parser(value) for value in values]
    if value_type == "date":
        wanted = pd.to_datetime(pd.Series([e[0] for e in expected], dtype=object)).to_numpy(dtype="datetime64[ns]")
        assert np.array_equal(typed.astype("datetime64[ns]"), wanted, equal_nan=True)
    else:
        assert all(_equal(got, want[0]) for got, want in zip(typed.tolist(), expected)), (typed, expected)
    assert list(codes) == [e[1] for e in expected]
    assert list(details) == [e[2] for e in expected]


def test_clean_texts_are_found_among_unclean_ones():
    from chsc_cli.registers.values import _clean_texts

    uniques = np.array(["张三", "李 四", "Ａ", "", "王五", 3.0, None, "ab", "x\ty", "ab"[:1]], dtype=object)
    assert _clean_texts(uniques).tolist() == [True, False, False, False, True, False, False, True, False, True]
    assert _clean_texts(uniques, upper=True).tolist() == [True, False, False, False, True, False, False, False, False, False]


def test_wrapped_codes_are_left_to_the_scalar_parser():
    from chsc_cli.registers.values import _fast_codes

    uniques = np.array(["C0012", "'C0012", '="C0012"', "=C1"], dtype=object)
    handled, values = _fast_codes(uniques)
    assert handled.tolist() == [True, False, False, False]
    typed, codes, _ = _parse_uniques(uniques, PARSERS["code"], "code")
    assert typed.tolist() == ["C0012", "C0012", "C0012", "=C1"] and list(codes) == [None] * 4
