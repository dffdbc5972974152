"""The vectorised fast paths of values.py and bulk_values.py (clean IDs, real dates, date text of
every accepted shape, date and number cells, numeric text, clean text and codes) must give exactly
what the scalar parser gives for every distinct value, the others left to that parser."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers import bulk_values
from chsc_cli.registers.distinct_values import FAST_PATHS, _parse_uniques
from chsc_cli.registers.values import PARSERS


@pytest.fixture(autouse=True, scope="module")
def bulk_even_for_a_few_values():
    """The examples hold a few dozen values: the bulk paths must run on them all the same."""
    minimum, bulk_values.BULK_MIN_TEXTS = bulk_values.BULK_MIN_TEXTS, 0
    dates_minimum, bulk_values.DATE_SHAPES_MIN_TEXTS = bulk_values.DATE_SHAPES_MIN_TEXTS, 0
    yield
    bulk_values.BULK_MIN_TEXTS, bulk_values.DATE_SHAPES_MIN_TEXTS = minimum, dates_minimum

TEXT_PIECES = st.sampled_from(
    ["张三", "李 四", "Ａ１２", "ab", "AB", "x\u3000y", "\u00a0", "", " ", "ﬁ", "e\u0301", "\u1100\u1161", "ß", "\x1c", "\t",
     "\x1b[1m", "\x07", "\x00", "\x9b", "\x7f", "\x1b\u0301",  # control characters: never part of a value
     "\u200b", "\ufeff", "#N/A", "#n/a", "#REF!", "#"]  # invisible characters; Excel's error values
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
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def date_texts(draw) -> str:
    """A date (or date-time) written in one of the accepted shapes — or nearly: impossible days and
    times (29 February of a common year), years out of range or of two digits, full-width digits,
    padding, other separators and clocks, a NUL or a lone surrogate, a text too long to be grouped."""
    # mostly possible values (half of each draw), so that the bulk path has work; the rest just outside
    year = draw(st.one_of(st.integers(1900, 2100), st.sampled_from([1799, 1800, 1899, 2200, 2201, 9999, 1025, 2024, 25, 1900, 2100])))
    month = draw(st.one_of(st.integers(1, 12), st.sampled_from([0, 2, 2, 13])))
    day = draw(st.one_of(st.integers(1, 31), st.sampled_from([0, 28, 29, 29, 30, 31, 32])))
    hour = draw(st.one_of(st.integers(0, 23), st.sampled_from([23, 24, 25])))
    minute, second = draw(st.one_of(st.integers(0, 59), st.just(60))), draw(st.one_of(st.integers(0, 59), st.just(60)))
    pad = draw(st.sampled_from([lambda n: str(n), lambda n: f"{n:02d}"]))
    date = draw(st.sampled_from([
        f"{year}-{pad(month)}-{pad(day)}", f"{year}/{pad(month)}/{pad(day)}", f"{year}.{pad(month)}.{pad(day)}",
        f"{year}年{pad(month)}月{pad(day)}日", f"{year}年{pad(month)}月{pad(day)}", f"{year}-{pad(month)}/{pad(day)}日",
        f"{year} 年 {month} 月 {day} 日", f"{year:04d}{month:02d}{day:02d}",
    ]))
    clock = draw(st.one_of(st.just(""), st.sampled_from([
        f" {hour}:{minute:02d}", f" {hour:02d}:{minute:02d}:{second:02d}", f"T{hour}:{minute}",
        f"{hour}时{minute}分", f"{hour}时", f"{hour}时{minute}分{second}秒", f" {hour}:{minute}:{second}.5",
        f"  {hour}:{minute}", f"{hour}點{minute}分", f" {hour}：{minute}", f"{hour}时{minute}分{second}.7秒",
        f" {hour}:{minute}:{second}.123456789", f"T{hour}:{minute}:{second}.5", f"{hour}时{minute}", f"T{hour}时",
    ])))
    text = draw(st.one_of(st.just("{}"), st.sampled_from(
        [" {}", "{} ", "{}\u3000", "'{}", "{}x", "{}\0", "\0{}", "{}\ud800", "{}:", "{}-", "{}日", "{}T", "0{}", "{}0"]
    ))).format(date + clock)
    return text.translate(FULL_WIDTH) if draw(st.integers(0, 7)) == 0 else text


NUMBER_TEXTS = st.one_of(
    st.integers(-10, 10**9).map(str),
    st.integers(0, 10**6).map(lambda n: f"{n:08d}"),
    st.floats(-1e6, 1e6, allow_nan=False).map(str),
    st.sampled_from(["+5", ".5", "5.", "-0", "1,234", " 12 ", "１２", "1e5", "0x10", "nan", "inf", "1_000", "--1", "+-1",
                     "45728.75", "20250230", "21001231", "19000101", "18991231", "0", "00000", "99999", "100000"]),
)
DATE_NUMBERS = st.one_of(
    st.integers(19000000, 21010000), st.integers(0, 100001), st.floats(-1, 100001), st.floats(19000101, 21001231),
    st.sampled_from([20250312.0, 20250230, 45728.999, 1e20, float("inf"), -float("inf"), 2**70, True, False]),
)
VALUES = st.lists(
    st.one_of(TEXTS, OTHERS, date_texts(), NUMBER_TEXTS, DATE_NUMBERS), max_size=40, unique_by=lambda v: (type(v), repr(v))
)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, np.datetime64) or isinstance(b, np.datetime64):
        return pd.Timestamp(a) == pd.Timestamp(b) if not (pd.isna(a) and pd.isna(b)) else True
    return a == b and type(a) is type(b)


@settings(max_examples=examples(300), deadline=None)
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
    elif value_type == "number":  # a float column: no value is NaN
        wanted = np.array([np.nan if e[0] is None else e[0] for e in expected], dtype=float)
        assert typed.dtype == float and np.array_equal(typed, wanted, equal_nan=True), (typed, wanted)
        assert [np.signbit(v) for v in typed] == [np.signbit(v) for v in wanted]  # -0.0 stays -0.0
    else:
        assert all(_equal(got, want[0]) for got, want in zip(typed.tolist(), expected)), (typed, expected)
    assert list(codes) == [e[1] for e in expected]
    assert list(details) == [e[2] for e in expected]


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(date_texts(), min_size=1, max_size=30, unique=True))
def test_date_text_of_every_shape_is_what_the_date_parser_reads(texts):
    """Only date text (of every shape and near-shape), so that each example exercises the bulk path."""
    test_fast_path_gives_what_the_parser_gives.hypothesis.inner_test(texts, "date")


def test_the_common_date_shapes_are_read_in_bulk():
    """The shapes of an export are claimed by the bulk path; those it cannot be sure of are not."""
    from chsc_cli.registers.bulk_values import all_dates

    assert bulk_values.BULK_MIN_TEXTS == bulk_values.DATE_SHAPES_MIN_TEXTS == 0
    common = ["2025-03-12", "2025/3/12", "2025.3.12", "2025年3月12日", "20250312", "45728", "2025-03-12 14:20:00",
              "2025/3/12 14:20", "2025-03-12T14:20", "2025年3月12日14时20分", "20250312 14:20", 45728, 45728.6,
              20250312, dt.date(2025, 3, 12), dt.datetime(2025, 3, 12, 14, 20)]
    others = ["2025-02-30", "2201-01-01", "２０２５-03-12", " 2025-03-12", "2025年3月12日25时", "20250312 24:00",
              "2025年3月12日23时59分59.6秒", "20251301", "0", "2025-03", "x", True, None, float("nan"), dt.date(2201, 1, 1)]
    uniques = np.empty(len(common) + len(others), dtype=object)
    uniques[:] = common + others
    handled, values = all_dates(uniques)
    assert handled.tolist() == [True] * len(common) + [False] * len(others)
    assert set(values.astype("datetime64[D]").tolist()) == {dt.date(2025, 3, 12)}


def test_numeric_text_and_number_cells_are_read_in_bulk():
    from chsc_cli.registers.bulk_values import plain_numbers

    uniques = np.array(["135", "6.3", "-0.5", "+5", ".5", 80, 6.5, "1,234", " 12", "１２", "1e5", True, None], dtype=object)
    handled, values = plain_numbers(uniques)
    assert handled.tolist() == [True] * 7 + [False] * 6
    assert values.tolist() == [135.0, 6.3, -0.5, 5.0, 0.5, 80.0, 6.5]


def test_clean_texts_are_found_among_unclean_ones():
    from chsc_cli.registers.distinct_values import _clean_texts

    uniques = np.array(["张三", "李 四", "Ａ", "", "王五", 3.0, None, "ab", "x\ty", "ab"[:1]], dtype=object)
    assert _clean_texts(uniques).tolist() == [True, False, False, False, True, False, False, True, False, True]
    assert _clean_texts(uniques, upper=True).tolist() == [True, False, False, False, True, False, False, False, False, False]


def test_wrapped_codes_are_left_to_the_scalar_parser():
    from chsc_cli.registers.distinct_values import _fast_codes

    uniques = np.array(["C0012", "'C0012", '="C0012"', "=C1"], dtype=object)
    handled, values = _fast_codes(uniques)
    assert handled.tolist() == [True, False, False, False]
    typed, codes, _ = _parse_uniques(uniques, PARSERS["code"], "code")
    assert typed.tolist() == ["C0012", "C0012", "C0012", "=C1"] and list(codes) == [None] * 4


def _shape(text: str) -> str:
    """text_shapes' shape of a text, written out plainly."""
    from chsc_cli.registers.text_shapes import SIGNIFICANT

    return "".join("0" if c in "0123456789" else c if c in SIGNIFICANT else "\0" for c in text)


SHAPE_TEXTS = st.text(alphabet=st.sampled_from(list("0129-/.:T 年月日时分秒x０\0\u3000") + ["\ud800"]), max_size=26)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(SHAPE_TEXTS, max_size=30), st.booleans())
def test_texts_are_grouped_by_their_shape(texts, collide):
    """Two texts share a shape exactly when they are written alike; with every hash made equal (a
    collision for each pair), only the texts written as the first one keep a shape."""
    from chsc_cli.registers import text_shapes

    saved = text_shapes._MULTIPLIERS
    if collide:
        text_shapes._MULTIPLIERS = np.zeros(4, dtype=np.uint64)
    try:
        shapes = text_shapes.shapes_of(texts)
    finally:
        text_shapes._MULTIPLIERS = saved
    for text, shape in zip(texts, shapes.shape_of.tolist()):
        if len(text) > text_shapes.MAX_WIDTH or (collide and _shape(text) != _shape(texts[0])):
            assert shape == -1
        else:
            assert shapes.shapes[shape] == _shape(text)
    grouped = [(i, shape) for i, shape in enumerate(shapes.shape_of.tolist()) if shape >= 0]
    for i, shape in grouped:
        for j, other in grouped:
            assert (shape == other) == (_shape(texts[i]) == _shape(texts[j]))
    order, starts = text_shapes._grouped(shapes.shape_of + 1, len(shapes.shapes) + 1)  # (no shape: group 0)
    ordered = [shapes.shape_of[i] + 1 for i in order]
    assert ordered == sorted(ordered) and starts[-1] == len(texts)
    assert all(set(ordered[starts[g]:starts[g + 1]]) <= {g} for g in range(len(shapes.shapes) + 1))


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(date_texts(), min_size=1, max_size=30, unique=True))
def test_date_text_with_colliding_shape_hashes_is_still_what_the_parser_reads(texts):
    from chsc_cli.registers import text_shapes

    saved, text_shapes._MULTIPLIERS = text_shapes._MULTIPLIERS, np.zeros(4, dtype=np.uint64)
    try:
        test_fast_path_gives_what_the_parser_gives.hypothesis.inner_test(texts, "date")
    finally:
        text_shapes._MULTIPLIERS = saved


@settings(max_examples=examples(200), deadline=None)
@given(TEXTS)
def test_a_parsed_text_is_nfkc_without_white_space_or_control_characters(text):
    """Whatever a cell holds, the text read from it is normal (NFKC), with no white space and no
    control character left — control characters go first, so that what was around one composes."""
    import unicodedata

    from chsc_cli.registers.cells import CONTROL_CHARACTERS
    from chsc_cli.registers.values import parse_text

    assert parse_text("e\x1b\u0301")[0] == "\u00e9"  # ESC between e and its accent: é, as without it
    value = parse_text(text)[0]
    assert value is None or (
        unicodedata.is_normalized("NFKC", value) and not CONTROL_CHARACTERS.search(value) and "".join(value.split()) == value
    )


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.sampled_from(["城东", " 站", "Ａ", "１", "第\u3000", "x\ty", "ﬁ", "e\u0301", "\u00a0", "站", "\u200b", "\ufeff", "\x1b"]), min_size=1, max_size=4).map("".join))
def test_a_chsc_yaml_station_name_is_read_as_a_registers_station_cell(name):
    """config_model.station_key (chsc.yaml cannot import the reader) must equal the reader's text parse of
    the same name, or a `stations:` entry would miss its register station."""
    from chsc_cli.config_model import station_key
    from chsc_cli.registers.values import parse_text

    assert station_key(name) == (parse_text(name)[0] or "")


class _Text(str):
    """A str subclass: not a plain text cell, so the scalar parser reads it (as str)."""


ONLY_TEXTS = st.lists(
    st.one_of(TEXTS, st.sampled_from(["ß", "straße", "ǆ", "ﬀ", "C0012", "c0012", "E5", "1.0", "'C1", "=C1", "a=b", "x'y", "I\u0307"]),
              NUMBER_TEXTS),
    min_size=1, max_size=30, unique=True,
)


@settings(max_examples=examples(150), deadline=None)
@given(ONLY_TEXTS, st.sampled_from(["text", "code"]), st.sampled_from([None, "subclass", "number"]))
def test_a_column_of_text_only_gives_what_the_parser_gives(texts, value_type, other):
    """Text and code columns of nothing but text take the checks over all their texts at once (the
    type, the case, the export wrappers); one value of another type (a str subclass, a number)
    takes them value by value: both give what the scalar parser gives."""
    values = list(texts)
    if other == "subclass":
        values[0] = _Text(values[0])
    elif other == "number":
        values.append(1024)
    test_fast_path_gives_what_the_parser_gives.hypothesis.inner_test(values, value_type)


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(date_texts(), min_size=1, max_size=30, unique=True), st.integers(1, 3))
def test_date_text_read_in_many_small_products_is_what_the_parser_reads(texts, block):
    """text_shapes multiplies at most _BLAS_ONE_THREAD values at once (so that OpenBLAS stays on
    this thread): a reading's texts split over several products give the parser's dates."""
    from chsc_cli.registers import text_shapes

    saved, text_shapes._BLAS_ONE_THREAD = text_shapes._BLAS_ONE_THREAD, block * text_shapes.MAX_WIDTH * 10
    try:
        test_fast_path_gives_what_the_parser_gives.hypothesis.inner_test(texts, "date")
    finally:
        text_shapes._BLAS_ONE_THREAD = saved


def test_shapes_read_alike_share_one_reading():
    """2025-03-12, 2025/03/12 and 2025.03.12 put their digits at the same places: one product."""
    from chsc_cli.registers import text_shapes

    texts = ["2025-03-12", "2025/03/12", "2025.03.12", "2025-3-12", "45728"]
    shapes = text_shapes.shapes_of(texts)
    order, which, numbers = text_shapes.sorted_numbers(shapes, bulk_values._DATE_SHAPES)
    assert len(shapes.shapes) == 5 and sorted(order.tolist()) == list(range(5))
    got = {texts[at]: (numbers["y"][i], numbers["m"][i], numbers["d"][i], numbers["n"][i]) for i, at in enumerate(order.tolist())}
    assert got == {"2025-03-12": (2025, 3, 12, 0), "2025/03/12": (2025, 3, 12, 0), "2025.03.12": (2025, 3, 12, 0),
                   "2025-3-12": (2025, 3, 12, 0), "45728": (0, 0, 0, 45728)}
    # the three written alike are next to one another in the order (one slice, one product)
    places = sorted(order.tolist().index(at) for at in range(3))
    assert places == list(range(places[0], places[0] + 3))
