"""Tests for chsc_cli.periods: parsing reporting periods, quarters, months."""

from __future__ import annotations

import ast
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.periods import (
    Period,
    PeriodError,
    chinese_label,
    last_day_of_month,
    parse_period,
    quarter_end,
    quarter_of,
    quarter_start,
    quarters_between,
    year_to_month,
)

SOURCE = Path(__file__).resolve().parents[1] / "src" / "chsc_cli" / "periods.py"


def test_module_imports_only_stdlib():
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            roots.add(node.module.split(".")[0])
    assert roots <= set(sys.stdlib_module_names)


@pytest.mark.parametrize(
    "text, start, end, quarters",
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31), 4),
        ("2025H1", date(2025, 1, 1), date(2025, 6, 30), 2),
        ("2025h2", date(2025, 7, 1), date(2025, 12, 31), 2),
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31), 1),
        ("2025q3", date(2025, 7, 1), date(2025, 9, 30), 1),
        ("2025Q4", date(2025, 10, 1), date(2025, 12, 31), 1),
        ("2025-06", date(2025, 6, 1), date(2025, 6, 30), 1),
        ("2025-6", date(2025, 6, 1), date(2025, 6, 30), 1),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), 1),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28), 1),
        ("2025-01..2025-06", date(2025, 1, 1), date(2025, 6, 30), 2),
        ("2025-03..2025-04", date(2025, 3, 1), date(2025, 4, 30), 2),
        ("2024-11..2025-02", date(2024, 11, 1), date(2025, 2, 28), 2),
        ("2025-01-01..2025-06-30", date(2025, 1, 1), date(2025, 6, 30), 2),
        ("2025-03-31..2025-04-01", date(2025, 3, 31), date(2025, 4, 1), 2),
        ("2025-05-05..2025-05-05", date(2025, 5, 5), date(2025, 5, 5), 1),
        ("1900", date(1900, 1, 1), date(1900, 12, 31), 4),
        ("2100Q4", date(2100, 10, 1), date(2100, 12, 31), 1),
    ],
)
def test_parse_known(text, start, end, quarters):
    period = parse_period(f"  {text}\t")
    assert period == Period(text, start, end)
    assert period.label == text
    assert period.quarters_covered == quarters


def test_full_width_text_is_read_as_half_width():
    period = parse_period("２０２５Ｑ２")
    assert (period.start, period.end, period.label) == (date(2025, 4, 1), date(2025, 6, 30), "２０２５Ｑ２")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2025-13",
        "2025-00",
        "2025-02-30..2025-03-01",
        "2025-01-01..2025-02-29",
        "2025-06..2025-01",
        "2025-06-30..2025-06-29",
        "2025-01..2025-06-30",
        "2025-01-01..2025-06",
        "1899",
        "2101",
        "2101-01",
        "1899-12..1900-01",
        "2025Q5",
        "2025Q0",
        "2025H3",
        "2025-06-30",
        "25",
        "2025年第5季度",
        "2025年13月",
        "2025年6-1月",
        "2025年2月30日至3月1日",
        "二〇二五年",
        "abc",
        "2025-01...2025-06",
    ],
)
def test_rejected(text):
    with pytest.raises(PeriodError) as raised:
        parse_period(text)
    assert isinstance(raised.value, ValueError)
    message = str(raised.value)
    assert "可用的写法" in message and "2025H1" in message and "2025-01-01..2025-06-30" in message


def test_error_reasons_are_specific():
    with pytest.raises(PeriodError, match="月份 13"):
        parse_period("2025-13")
    with pytest.raises(PeriodError, match="没有 30 日"):
        parse_period("2025-02-30..2025-03-31")
    with pytest.raises(PeriodError, match="早于"):
        parse_period("2025-06..2025-01")
    with pytest.raises(PeriodError, match="同为月份或同为日期"):
        parse_period("2025-01..2025-06-30")
    with pytest.raises(PeriodError, match="1900–2100"):
        parse_period("1899")


def test_period_itself_rejects_end_before_start():
    with pytest.raises(PeriodError):
        Period("x", date(2025, 2, 1), date(2025, 1, 31))


def test_contains_both_ends():
    period = parse_period("2025")
    assert period.contains(date(2025, 1, 1))
    assert period.contains(date(2025, 12, 31))
    assert period.contains(datetime(2025, 12, 31, 23, 59))
    assert not period.contains(date(2024, 12, 31))
    assert not period.contains(date(2026, 1, 1))


def test_months_and_days():
    assert parse_period("2024-11..2025-02").months == [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    assert parse_period("2025-06").months == [(2025, 6)]
    assert parse_period("2024").days == 366


def test_quarter_helpers():
    assert [quarter_of(date(2025, m, 1)) for m in range(1, 13)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert quarter_start(date(2025, 8, 17)) == date(2025, 7, 1)
    assert quarter_end(date(2025, 8, 17)) == date(2025, 9, 30)
    assert quarters_between(date(2025, 3, 31), date(2025, 4, 1)) == 2
    assert quarters_between(date(2024, 12, 31), date(2026, 1, 1)) == 6
    assert quarters_between(date(2025, 4, 1), date(2025, 3, 31)) == 0


def test_year_to_month_and_last_day():
    assert year_to_month(2025, 6) == Period("2025-01..2025-06", date(2025, 1, 1), date(2025, 6, 30))
    assert year_to_month(2025, 6) == parse_period("2025-01..2025-06")
    assert year_to_month(2024, 2).end == date(2024, 2, 29)
    assert last_day_of_month(2100, 2) == date(2100, 2, 28)
    assert last_day_of_month(2000, 2) == date(2000, 2, 29)
    with pytest.raises(PeriodError):
        year_to_month(2025, 13)


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31))
MONTHS = st.tuples(st.integers(1900, 2100), st.integers(1, 12))


def brute_force_quarters(start: date, end: date) -> int:
    """Distinct (year, quarter) pairs of the days in [start, end], walking month by month."""
    seen = set()
    day = start
    while day <= end:
        seen.add((day.year, (day.month - 1) // 3))
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return len(seen)


@given(DATES, DATES, st.booleans())
@settings(max_examples=examples(200))
def test_date_ranges_round_trip(first, second, padded):
    start, end = min(first, second), max(first, second)
    text = f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"
    if padded:
        text = f"{start.year}-{start.month}-{start.day}..{end.year}-{end.month}-{end.day}"
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, text)
    assert period.quarters_covered == brute_force_quarters(start, end)
    assert period.contains(start) and period.contains(end)
    assert not period.contains(start - timedelta(days=1))
    assert not period.contains(end + timedelta(days=1))


@given(MONTHS, MONTHS)
@settings(max_examples=examples(200))
def test_month_ranges_round_trip(first, second):
    (start_year, start_month), (end_year, end_month) = min(first, second), max(first, second)
    period = parse_period(f"{start_year}-{start_month:02d}..{end_year}-{end_month:02d}")
    assert period.start == date(start_year, start_month, 1)
    assert period.end == last_day_of_month(end_year, end_month)
    assert period.months[0] == (start_year, start_month) and period.months[-1] == (end_year, end_month)
    assert period.quarters_covered == brute_force_quarters(period.start, period.end)


@given(MONTHS)
@settings(max_examples=examples(100))
def test_single_month_and_its_quarter(month):
    year, number = month
    period = parse_period(f"{year}-{number}")
    assert period == Period(f"{year}-{number}", date(year, number, 1), last_day_of_month(year, number))
    assert period.quarters_covered == 1
    quarter = parse_period(f"{year}Q{quarter_of(period.start)}")
    assert quarter.start <= period.start and period.end <= quarter.end
    assert quarter.start == quarter_start(period.start)


@given(DATES, DATES)
@settings(max_examples=examples(100))
def test_reversed_date_ranges_are_rejected(first, second):
    assume(first != second)
    start, end = max(first, second), min(first, second)
    with pytest.raises(PeriodError):
        parse_period(f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")


@given(st.integers(1900, 2100))
@settings(max_examples=examples(50))
def test_year_halves_and_quarters_tile_the_year(year):
    whole = parse_period(str(year))
    halves = [parse_period(f"{year}H{half}") for half in (1, 2)]
    quarters = [parse_period(f"{year}q{quarter}") for quarter in (1, 2, 3, 4)]
    for parts in (halves, quarters):
        assert parts[0].start == whole.start and parts[-1].end == whole.end
        for before, after in zip(parts, parts[1:]):
            assert after.start == before.end + timedelta(days=1)
    assert [h.quarters_covered for h in halves] == [2, 2]
    assert whole.quarters_covered == 4 and len(whole.months) == 12


@given(MONTHS, st.integers(1, 3))
@settings(max_examples=examples(100))
def test_days_past_month_end_are_rejected(month, past):
    year, number = month
    day = last_day_of_month(year, number).day + past
    with pytest.raises(PeriodError):
        parse_period(f"{year}-{number:02d}-{day}..{year}-12-31")


# ----------------------------------------------------------------------------------------------
# The Chinese forms (the way chsc itself writes periods in every report)
# ----------------------------------------------------------------------------------------------

QUARTER_WORDS = {1: ("1", "一"), 2: ("2", "二"), 3: ("3", "三"), 4: ("4", "四")}


@pytest.mark.parametrize(
    "chinese, ascii_form",
    [
        ("2025年", "2025"),
        ("2025年度", "2025"),
        ("2025年上半年", "2025H1"),
        ("2025年下半年", "2025H2"),
        ("2025年第二季度", "2025Q2"),
        ("2025年第2季度", "2025Q2"),
        ("2025年一季度", "2025Q1"),
        ("2025年6月", "2025-06"),
        ("2025年06月", "2025-06"),
        ("2025年1-6月", "2025-01..2025-06"),
        ("2025年1月-6月", "2025-01..2025-06"),
        ("2025年1～6月", "2025-01..2025-06"),
        ("2025年1–6月", "2025-01..2025-06"),
        ("2025年1月至6月", "2025-01..2025-06"),
        ("2024年11月至2025年2月", "2024-11..2025-02"),
        ("2025年1月1日至2025年6月30日", "2025-01-01..2025-06-30"),
        ("２０２５年６月", "2025-06"),
    ],
)
def test_chinese_forms_mean_what_their_ascii_forms_mean(chinese, ascii_form):
    period, expected = parse_period(chinese), parse_period(ascii_form)
    assert (period.start, period.end) == (expected.start, expected.end)
    assert period.label == chinese  # the label stays the argument as given (cli.md)


@given(st.integers(1900, 2100), st.integers(1, 4), st.sampled_from(["第{q}季度", "{q}季度", "第{q}季"]), st.booleans())
@settings(max_examples=examples(100))
def test_chinese_quarters_parse_to_the_ascii_quarter(year, quarter, shape, numeral):
    written = shape.format(q=QUARTER_WORDS[quarter][numeral])
    period, expected = parse_period(f"{year}年{written}"), parse_period(f"{year}Q{quarter}")
    assert (period.start, period.end) == (expected.start, expected.end)


@given(st.integers(1900, 2100), st.integers(1, 2))
@settings(max_examples=examples(50))
def test_chinese_halves_and_years_parse_to_the_ascii_forms(year, half):
    for chinese, ascii_form in ((f"{year}年{'上下'[half - 1]}半年", f"{year}H{half}"), (f"{year}年", f"{year}")):
        period, expected = parse_period(chinese), parse_period(ascii_form)
        assert (period.start, period.end) == (expected.start, expected.end)


@given(MONTHS, MONTHS, st.sampled_from(["-", "–", "～", "~", "至", "到"]), st.booleans())
@settings(max_examples=examples(200))
def test_chinese_month_ranges_parse_to_the_ascii_month_ranges(first, second, dash, month_word_twice):
    (start_year, start_month), (end_year, end_month) = min(first, second), max(first, second)
    first_word = "月" if month_word_twice else ""
    if start_year == end_year:
        chinese = f"{start_year}年{start_month}{first_word}{dash}{end_month}月"
    else:
        chinese = f"{start_year}年{start_month}月{dash}{end_year}年{end_month}月"
    expected = parse_period(f"{start_year}-{start_month:02d}..{end_year}-{end_month:02d}")
    period = parse_period(chinese)
    assert (period.start, period.end) == (expected.start, expected.end)


@given(MONTHS)
@settings(max_examples=examples(100))
def test_chinese_single_months_parse_to_the_ascii_month(month):
    year, number = month
    assert parse_period(f"{year}年{number}月") == Period(f"{year}年{number}月", *_dates_of(f"{year}-{number}"))


def _dates_of(text: str) -> tuple[date, date]:
    period = parse_period(text)
    return period.start, period.end


@given(DATES, DATES)
@settings(max_examples=examples(200))
def test_what_chsc_writes_it_reads_back(first, second):
    """Every period chsc names in a report (chinese_label) is accepted as --period, with its dates."""
    start, end = min(first, second), max(first, second)
    written = chinese_label(Period("x", start, end))
    period = parse_period(written)
    assert (period.start, period.end) == (start, end), written
