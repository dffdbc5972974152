"""The `datetime` column type (services.md "Date and time values"): the time of day is kept when the
cell has one, plain dates stay plain, impossible times are bad-date, and a table round-trips the
parse cache with its `<field>__has_time` companion."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.cache import ParseCache
from chsc_cli.registers import KINDS
from chsc_cli.registers.columns import Column, RegisterKind

ID_NUMBER = KINDS["residents"].column("id_number")
from chsc_cli.registers.datetimes import HAS_TIME_SUFFIX, parse_datetime
from chsc_cli.registers.headers import Header
from chsc_cli.registers.records import ReadResult
from chsc_cli.registers.records import RegisterSheet
from chsc_cli.registers.sources import RawSheet
from chsc_cli.registers.table import build_sheet_table
from chsc_cli.registers.values import parse_date

D = dt.datetime


@pytest.mark.parametrize(
    "cell,moment,has_time",
    [
        ("2025-03-12 14:20", D(2025, 3, 12, 14, 20), True),
        ("2025/3/12 14:20:05", D(2025, 3, 12, 14, 20, 5), True),
        ("2025-03-12T14:20", D(2025, 3, 12, 14, 20), True),
        ("2025年3月12日14时20分", D(2025, 3, 12, 14, 20), True),
        ("2025年3月12日 14时20分05秒", D(2025, 3, 12, 14, 20, 5), True),
        ("2025年3月12日14时", D(2025, 3, 12, 14), True),
        ("2025.3.12 9:05", D(2025, 3, 12, 9, 5), True),
        ("20250312 14:20", D(2025, 3, 12, 14, 20), True),
        ("2025-03-1214:20", D(2025, 3, 12, 14, 20), True),
        ("２０２５－０３－１２　１４：２０", D(2025, 3, 12, 14, 20), True),
        ("2025-03-12 14:20:05.6", D(2025, 3, 12, 14, 20, 6), True),
        ("2025-03-12 00:00", D(2025, 3, 12), True),  # written: a time given, midnight
        ("2025-03-12", D(2025, 3, 12), False),
        ("2025年3月12日", D(2025, 3, 12), False),
        ("20250312", D(2025, 3, 12), False),
        (20250312, D(2025, 3, 12), False),
        (D(2025, 3, 12, 14, 20), D(2025, 3, 12, 14, 20), True),
        (D(2025, 3, 12, 14, 19, 59, 999_999), D(2025, 3, 12, 14, 20), True),
        (D(2025, 3, 12), D(2025, 3, 12), False),  # an Excel cell at exactly 00:00:00
        (dt.date(2025, 3, 12), D(2025, 3, 12), False),
        (45728.0, D(2025, 3, 12), False),
        (45728.5, D(2025, 3, 12, 12), True),
        (45728 + (14 * 3600 + 20 * 60 + 5) / 86400, D(2025, 3, 12, 14, 20, 5), True),
        (45728.999999999, D(2025, 3, 13), False),  # rounds into the next midnight
        ("45728.5", D(2025, 3, 12, 12), True),
    ],
)
def test_datetime_values(cell, moment, has_time):
    assert parse_datetime(cell) == ((moment, has_time), None, None)


@pytest.mark.parametrize(
    "cell", ["2025-03-12 25:61", "2025-03-12 24:00", "2025-03-12 14:60", "2025-03-12 14:20:60", "2025年3月12日25时",
             "2025-02-30 10:00", "2025-03-12 14", "下午两点", "#N/A", True, 1e12, "9999-01-01 10:00"],
)
def test_impossible_values_are_bad_dates(cell):
    value, code, detail = parse_datetime(cell)
    assert (value, code) == (None, "bad-date") and detail


@pytest.mark.parametrize("cell", [None, "", "  ", ".", float("nan")])
def test_blank_datetimes(cell):
    assert parse_datetime(cell) == (None, None, None)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.datetimes(D(1900, 3, 1), D(2199, 12, 31)).map(lambda moment: moment.replace(microsecond=0)),
    st.sampled_from(["{d:%Y-%m-%d} {t}", "{d:%Y/%-m/%-d} {t}", "{d:%Y-%m-%d}T{t}", "{d:%Y年%-m月%-d日}{c}", "{d:%Y%m%d} {t}"]),
)
def test_every_written_datetime_reads_back(moment, shape):
    text = shape.format(d=moment, t=f"{moment:%H:%M:%S}", c=f"{moment.hour}时{moment.minute}分{moment.second}秒")
    assert parse_datetime(text) == ((moment, True), None, None)
    # and the date columns read the same text as the same day (the time dropped)
    if "时" not in text:
        assert parse_date(text) == (moment.date(), None, None)


@settings(max_examples=examples(300), deadline=None)
@given(st.datetimes(D(1900, 3, 1), D(2173, 10, 13)).map(lambda moment: moment.replace(microsecond=0)))
def test_an_excel_serial_reads_back_to_the_second(moment):
    """Serials below 100000, as for dates (registers.md)."""
    serial = (moment - D(1899, 12, 30)).total_seconds() / 86400
    assert parse_datetime(serial) == ((moment, moment.time() != dt.time()), None, None)


# ------------------------------------------------------------------------------ in a table, and cached

REPORTS = RegisterKind(
    name="reports",
    title="报告卡",
    columns=(ID_NUMBER, Column("报告时间", "report_time", "datetime", required=True), Column("订正时间", "corrected", "datetime")),
)


def _table(today=dt.date(2025, 3, 12)) -> tuple[pd.DataFrame, list]:
    from helpers import make_id

    rows = [["身份证号", "报告时间"]]
    rows += [[make_id("19500101", "001"), "2025-03-12 14:20"], [make_id("19500101", "002"), dt.date(2025, 3, 1)]]
    rows += [[make_id("19500101", "003"), "2025-03-12 25:61"], [make_id("19500101", "004"), "2025-03-13 08:00"]]
    header = Header(0, rows[0], "")
    built = build_sheet_table(RawSheet("卡.xlsx", "Sheet1", rows), header, REPORTS, {"id_number": 0, "report_time": 1}, today)
    return built.frame, built.problems


def test_a_datetime_column_in_a_table():
    frame, problems = _table()
    assert frame["report_time"].dtype == "datetime64[ns]"
    assert list(frame["report_time"]) == [pd.Timestamp("2025-03-12 14:20"), pd.Timestamp("2025-03-01"), pd.Timestamp("2025-03-13 08:00")]
    assert list(frame["report_time" + HAS_TIME_SUFFIX]) == [True, False, True]
    # an absent datetime column: NaT and no time
    assert frame["corrected"].isna().all() and not frame["corrected" + HAS_TIME_SUFFIX].any()
    assert sorted((p.code, p.row) for p in problems) == [("bad-date", 4), ("future-date", 5)]  # today 14:20 is not future


def test_a_datetime_table_round_trips_the_cache(tmp_path):
    from test_cache import assert_same_read

    frame, problems = _table()
    sheets = [RegisterSheet("reports", "卡.xlsx", "Sheet1", 1, len(frame), {"report_time": "报告时间"})]
    stored = ReadResult(tmp_path, {"reports": frame}, sheets, [], problems)
    cache = ParseCache(tmp_path / "cache")
    cache.store_folder("k" * 64, stored)
    served = cache.load_folder("k" * 64, tmp_path, [])
    assert served is not None
    assert_same_read(stored, served)
    assert served.tables["reports"]["report_time" + HAS_TIME_SUFFIX].dtype == np.bool_
