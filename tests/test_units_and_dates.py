"""Counting units and the date constructs of services.md (issue 15, items 4, 5), on registers built
in memory: a maternal-shaped kind and a report-card kind registered for the test only (kinds as YAML
come with another branch; these tests only need KINDS to hold them), indicators from YAML files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from chsc_cli.config import CentreConfig
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import KINDS, ReadResult
from chsc_cli.registers.kinds import active_catalogue
from chsc_cli.registers.columns import Column, RegisterKind
from chsc_cli.registers.records import RegisterSheet

MATERNAL = RegisterKind(
    name="test_maternal",
    title="孕产妇健康管理登记",
    columns=(
        Column("身份证号", "id_number", "id", required=True),
        Column("分娩日期", "delivery_date", "date", required=True),
        Column("末次月经", "last_menstrual_date", "date"),
        Column("建册日期", "booking_date", "date"),
        Column("建册孕周", "booking_weeks", "number"),
        Column("活产数", "live_births", "number"),
        Column("所属站点", "station", "text"),
    ),
)
REPORTS = RegisterKind(
    name="test_reports",
    title="传染病报告卡登记",
    key_field="card_number",
    columns=(
        Column("卡片编号", "card_number", "code", required=True),
        Column("诊断时间", "diagnosis_time", "datetime", required=True),
        Column("报告时间", "report_time", "datetime"),
        Column("传染病类别", "disease_class", "category", vocabulary={"甲类": "甲类", "乙类": "乙类", "丙类": "丙类"}),
        Column("所属站点", "station", "text"),
    ),
)
ACTIVITIES = RegisterKind(
    name="test_activities",
    title="健康教育活动记录",
    key_field=None,
    columns=(
        Column("活动日期", "activity_date", "date", required=True),
        Column("活动形式", "activity_form", "category", vocabulary={"讲座": "健康知识讲座", "健康知识讲座": "健康知识讲座", "咨询": "公众健康咨询"}),
        Column("参加人数", "attendance", "number"),
    ),
)


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    for kind in (MATERNAL, REPORTS, ACTIVITIES):
        monkeypatch.setitem(active_catalogue().kinds, kind.name, kind)


def read_result(tables: dict[str, pd.DataFrame]) -> ReadResult:
    sheets, prepared = [], {}
    for name, frame in tables.items():
        kind = KINDS[name]
        frame = frame.copy()
        for column in kind.columns:
            if column.field not in frame:
                frame[column.field] = None
            if column.type in ("date", "datetime"):
                frame[column.field] = pd.to_datetime(frame[column.field], format="ISO8601").astype("datetime64[ns]")
            elif column.type == "number":
                frame[column.field] = pd.to_numeric(frame[column.field]).astype(float)
        frame["birth"] = pd.to_datetime(frame["birth"]).astype("datetime64[ns]") if "birth" in frame else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        prepared[name] = frame
        sheets.append(RegisterSheet(name, f"{name}.xlsx", None, 1, len(frame), {c.field: c.header for c in kind.columns}))
    return ReadResult(Path("."), prepared, sheets=sheets)


def library(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_library([tmp_path])


def compute(read: ReadResult, lib, period: str, only: str):
    result = compute_indicators(read, parse_period(period), CentreConfig(), lib, only=[only])
    return result.indicators[0], result


# ------------------------------------------------------------------------------ deliveries

EARLY_BOOKING = """id: early_booking
name: 早孕建册率（测试）
category: 孕产妇健康管理
registers: [test_maternal]
definition: 测试：末次月经后13周内建册的分娩数 / 活产数之和
target: 0.9
unit: delivery
key: [id_number, delivery_date]
parameters:
  max_days: 90
  max_weeks: 13
denominator:
  population:
    register: test_maternal
    where:
      - delivery_date >= period_start
      - delivery_date <= period_end
  sum: {field: live_births, blank: 1}
numerator:
  require:
    - check:
        - test:
            any:
              - all:
                  - days_between(last_menstrual_date, booking_date) >= 0
                  - days_between(last_menstrual_date, booking_date) <= $max_days
              - all:
                  - any: [last_menstrual_date is null, booking_date is null]
                  - booking_weeks < $max_weeks
          reason: 未在孕13周前建册
"""

WOMAN_A, WOMAN_C = "110105199001010012", "110105199202020021"
MATERNAL_ROWS = pd.DataFrame(
    [
        # one delivery on two rows: early booking on one, the larger live births on the other
        [WOMAN_A, "2025-03-01", "2024-06-01", "2024-08-30", None, None],
        [WOMAN_A, "2025-03-01", None, None, None, 2],
        # her second delivery in the period: booked 103 days after the LMP
        [WOMAN_A, "2025-11-01", "2025-02-01", "2025-05-15", None, 1],
        [WOMAN_C, "2025-05-05", None, "2024-10-01", 12.5, None],  # 12.5 weeks, blank live births = 1
        [WOMAN_C, "2024-12-30", None, None, 8, 1],  # delivered before the period
        [None, "2025-06-01", None, None, 8, 1],  # no ID: left out
    ],
    columns=["id_number", "delivery_date", "last_menstrual_date", "booking_date", "booking_weeks", "live_births"],
)


def test_early_booking_counts_deliveries_over_the_sum_of_live_births(tmp_path):
    lib = library(tmp_path, {"early_booking": EARLY_BOOKING})
    row, result = compute(read_result({"test_maternal": MATERNAL_ROWS}), lib, "2025", "early_booking")
    assert (row.unit, row.numerator, row.denominator) == ("delivery", 2, 4)
    assert row.to_json()["unit"] == "delivery"
    reasons = result.evaluations["early_booking"].persons["reason"].dropna().tolist()
    assert reasons == ["未在孕13周前建册"]


def test_the_month_end_rule_and_exact_weeks(tmp_path):
    """13 weeks is 91 days; booking 2 days after the LMP + 13 weeks is late."""
    text = EARLY_BOOKING.replace("days_between(last_menstrual_date, booking_date) <= $max_days", "booking_date <= last_menstrual_date + $max_weeks weeks")
    lib = library(tmp_path, {"early_booking": text})
    rows = pd.DataFrame(
        [[WOMAN_A, "2025-03-01", "2024-06-01", "2024-08-31", None, 1], [WOMAN_C, "2025-04-01", "2024-06-01", "2024-09-02", None, 1]],
        columns=MATERNAL_ROWS.columns,
    )
    row, _ = compute(read_result({"test_maternal": rows}), lib, "2025", "early_booking")
    assert (row.numerator, row.denominator) == (1, 2)


# ------------------------------------------------------------------------------ report cards

#: A record-unit indicator over test_reports' cards, up to its denominator's register.
REPORT_CARDS = """id: {id}
name: {name}
category: 传染病报告
registers: [test_reports]
definition: 测试：{definition}
target: 1
unit: record
key: [card_number]
denominator:
  population:
    register: test_reports
"""

TIMELY = REPORT_CARDS.format(id="timely_reports", name="报告及时率", definition="甲类2小时、其他24小时内报告的卡片") + """    where:
      - diagnosis_time >= period_start
      - diagnosis_time <= period_end
numerator:
  require:
    - check:
        - any:
            - all: [disease_class == 甲类, report_time <= diagnosis_time + 2 hours]
            - all: [disease_class != 甲类, report_time <= diagnosis_time + 24 hours]
"""


def test_a_record_unit_on_date_times_with_the_plain_date_rule(tmp_path):
    rows = pd.DataFrame(
        [
            ["c1", "2025-03-01 10:00", "2025-03-01 11:30", "甲类"],  # within 2 hours
            ["c1", "2025-03-01 10:00", None, "甲类"],  # the same card again: one record, passes
            ["c2", "2025-03-01 10:00", "2025-03-01 12:30", "甲类"],  # 2.5 hours: late
            ["c3", "2025-03-01", "2025-03-02 09:00", "乙类"],  # a plain date: next day is within 24 hours
            ["c4", "2025-03-01", "2025-03-01 20:00", "甲类"],  # a plain date: 2 hours is the same day
            ["c5", "2025-03-01 23:00", "2025-03-03", "乙类"],  # two days later: late
            [None, "2025-04-01 10:00", "2025-04-01 10:30", "乙类"],  # no card number: a record of its own
            ["c6", "2024-12-31 23:00", "2025-01-01 00:30", "甲类"],  # diagnosed before the period
        ],
        columns=["card_number", "diagnosis_time", "report_time", "disease_class"],
    )
    lib = library(tmp_path, {"timely_reports": TIMELY})
    row, _ = compute(read_result({"test_reports": rows}), lib, "2025", "timely_reports")
    assert (row.unit, row.numerator, row.denominator, row.met) == ("record", 4, 6, False)


REPORT_DAYS = REPORT_CARDS.format(id="report_days", name="报告天数", definition="卡片在两个不同日期有报告") + """numerator:
  require:
    - count: {register: test_reports, date: report_time, within: all, at_least: 2, reason: "{count}天"}
"""


def test_a_count_on_date_times_counts_distinct_dates(tmp_path):
    """count: distinct dates (indicators README): two times of one day are one date."""
    rows = pd.DataFrame(
        [
            ["c1", "2025-03-01 09:00", "2025-03-01 11:00"],
            ["c1", "2025-03-01 09:00", "2025-03-01 15:00"],  # the same day: one date
            ["c2", "2025-03-01 09:00", "2025-03-01 23:00"],
            ["c2", "2025-03-01 09:00", "2025-03-02 00:30"],  # the next day: two
        ],
        columns=["card_number", "diagnosis_time", "report_time"],
    )
    lib = library(tmp_path, {"report_days": REPORT_DAYS})
    for reasons in (False, True):
        result = compute_indicators(read_result({"test_reports": rows}), parse_period("2025"), CentreConfig(), lib, only=["report_days"], reasons=reasons)
        assert (result.indicators[0].numerator, result.indicators[0].denominator) == (1, 2)
    assert result.evaluations["report_days"].persons["reason"].tolist() == ["1天", None]


# ------------------------------------------------------------------------------ counts

LECTURES = """id: lectures
name: 健康知识讲座（测试）次数
category: 健康教育
registers: [test_activities]
definition: 测试：统计期内的健康知识讲座次数
unit: count
target: 12
parameters:
  min_attendance: 0
numerator:
  population:
    register: test_activities
    where:
      - activity_date >= period_start
      - activity_date <= period_end
      - activity_form == 讲座
  having:
    - attendance >= $min_attendance
"""


def test_a_count_against_a_pro_rated_minimum(tmp_path):
    rows = pd.DataFrame(
        [[f"2025-0{month}-10", "健康知识讲座", 30] for month in range(1, 6)]  # as the reader gives them
        + [["2025-06-10", "健康知识讲座", 20], ["2025-06-10", "健康知识讲座", 25], ["2025-06-12", "公众健康咨询", 5]],
        columns=["activity_date", "activity_form", "attendance"],
    )
    read = read_result({"test_activities": rows})
    lib = library(tmp_path, {"lectures": LECTURES})
    half, _ = compute(read, lib, "2025H1", "lectures")
    assert (half.numerator, half.denominator, half.target, half.met, half.shortfall) == (7, None, 6, True, 0)
    data = half.to_json()
    assert (data["unit"], data["value"], data["target"], data["denominator"], data["denominator_source"]) == ("count", 7, 6, None, None)
    year, _ = compute(read, lib, "2025", "lectures")
    assert (year.target, year.met, year.shortfall) == (12, False, 5)
    june, _ = compute(read, lib, "2025-06", "lectures")
    assert (june.numerator, june.target) == (2, 1)


# ------------------------------------------------------------------------------ exact numbers


def test_decimal_arithmetic_is_exact_and_blanks_fail(tmp_path):
    text = LECTURES.replace("    - attendance >= $min_attendance", "    - attendance >= 0.9 * $expected").replace(
        "  min_attendance: 0", "  expected: 100"
    )
    rows = pd.DataFrame(
        [["2025-01-10", "健康知识讲座", 90], ["2025-01-11", "健康知识讲座", 89], ["2025-01-12", "健康知识讲座", None]],
        columns=["activity_date", "activity_form", "attendance"],
    )
    row, _ = compute(read_result({"test_activities": rows}), library(tmp_path, {"lectures": text}), "2025", "lectures")
    assert row.numerator == 1


def test_table_csv_and_xlsx_show_a_count_plainly(tmp_path):
    from rich.console import Console

    from chsc_cli.outputs.compute_files import compute_rows, write_compute_xlsx
    from chsc_cli.outputs.compute_table import render_compute_table

    rows = pd.DataFrame([["2025-06-10", "健康知识讲座", 20]], columns=["activity_date", "activity_form", "attendance"])
    _, result = compute(read_result({"test_activities": rows}), library(tmp_path, {"lectures": LECTURES}), "2025H1", "lectures")
    console = Console(record=True, width=160)
    render_compute_table(console, result)
    text = console.export_text()
    assert "1次" in text and "6次" in text and "%" not in text
    row = compute_rows(result, as_text=True)[0]
    assert row[5:9] == ["1次", "6次", "否", 5] and row[-1] == "次"
    write_compute_xlsx(tmp_path / "out.xlsx", result, protected=set())


def test_by_station_a_count_uses_its_station_minimum_and_a_sum_its_units_share(tmp_path):
    text = LECTURES.replace("target: 12\n", "target: 12\nper_year_station: 6\n")
    rows = pd.DataFrame(
        [["2025-01-10", "健康知识讲座", 30, "一站"], ["2025-02-10", "健康知识讲座", 30, None]],
        columns=["activity_date", "activity_form", "attendance", "station"],
    )
    result = compute_indicators(
        read_result({"test_activities": rows}), parse_period("2025H1"), CentreConfig(), library(tmp_path, {"lectures": text}), by="station"
    )
    by_station = {row.group["station"]: row for row in result.indicators if row.group}
    assert (by_station["一站"].numerator, by_station["一站"].target, by_station["一站"].met) == (1, 3, False)
    assert by_station["未填"].target is None and by_station["未填"].to_json()["met"] is None
    teams = compute_indicators(
        read_result({"test_activities": rows}), parse_period("2025H1"), CentreConfig(), library(tmp_path, {"lectures": text}), by="team"
    )
    assert all(row.reason for row in teams.indicators if row.group)
    lib = library(tmp_path, {"early_booking": EARLY_BOOKING})
    stations = MATERNAL_ROWS.assign(station=["一站", "一站", "二站", "二站", "二站", "二站"])
    result = compute_indicators(read_result({"test_maternal": stations}), parse_period("2025"), CentreConfig(), lib, only=["early_booking"], by="station")
    by_station = {row.group["station"]: (row.numerator, row.denominator, row.unit) for row in result.indicators if row.group}
    assert by_station == {"一站": (1, 2, "delivery"), "二站": (1, 2, "delivery")}


def test_a_gap_list_of_deliveries_lists_the_mothers_id_masked(tmp_path):
    from chsc_cli.engine.engine_input import EngineData
    from chsc_cli.services.gaps import gap_list

    lib = library(tmp_path, {"early_booking": EARLY_BOOKING})
    data = EngineData.prepare(read_result({"test_maternal": MATERNAL_ROWS}))
    result = compute_indicators(data, parse_period("2025"), CentreConfig(), lib, only=["early_booking"])
    gaps = gap_list(lib, result.evaluations["early_booking"], data, parse_period("2025"))
    assert gaps.people["key"].tolist() == [WOMAN_A]


def test_a_function_of_a_column_no_file_has_is_blank_not_a_crash(tmp_path):
    text = EARLY_BOOKING
    rows = MATERNAL_ROWS.drop(columns=["last_menstrual_date"])
    read = read_result({"test_maternal": rows})
    read.tables["test_maternal"]["last_menstrual_date"] = None  # the reader's blank for a column no file has
    row, _ = compute(read, library(tmp_path, {"early_booking": text}), "2025", "early_booking")
    assert row.numerator == 1  # only the 12.5-week booking


def test_a_district_total_of_a_count_sums_counts_and_minimums(tmp_path):
    from decimal import Decimal

    from chsc_cli.services.district_totals import district_total

    rows = pd.DataFrame([["2025-01-10", "健康知识讲座", 30]], columns=["activity_date", "activity_form", "attendance"])
    lib = library(tmp_path, {"lectures": LECTURES})
    first, _ = compute(read_result({"test_activities": rows}), lib, "2025H1", "lectures")
    two = pd.DataFrame([["2025-02-10", "健康知识讲座", 30], ["2025-03-10", "健康知识讲座", 40]], columns=rows.columns)
    second, _ = compute(read_result({"test_activities": two}), lib, "2025H1", "lectures")
    total = district_total({"甲": first, "乙": second}, Decimal(12))
    assert (total.unit, total.numerator, total.denominator, total.target, total.shortfall) == ("count", 3, None, 12, 9)


VISITS = RegisterKind(
    name="test_visits",
    title="产后访视登记",
    columns=(Column("身份证号", "id_number", "id", required=True), Column("访视日期", "visit_date", "date", required=True)),
)
BOOKED_BY_13_WEEKS = """id: {id}
name: 建册测试{id}
category: 孕产妇健康管理
registers: [test_maternal{more}]
definition: 测试：孕13周前建册的分娩数 / 分娩数
target: 0.9
unit: delivery
key: [id_number, delivery_date]
denominator:
  population:
    register: test_maternal
    where:
      - delivery_date >= period_start
      - delivery_date <= period_end
numerator:
  require:
    - exists:
        register: test_maternal
        date: delivery_date
        within: all
        none: 无建册记录
        test:
          - test: booking_weeks < 13
            reason: 晚建册
"""
SEEN_AFTER = """    - exists:
        register: test_visits
        date: visit_date
        none: 无访视
"""


def test_the_last_contact_of_a_delivery_is_from_its_own_rows_and_its_mothers_other_registers(tmp_path, monkeypatch):
    """A delivery's key (ID and delivery date) is no register's person key: the last contact came out
    blank for every delivery. It is the delivery's own rows in the register keyed by deliveries (not
    her later delivery's), and her rows (by ID) in another register."""
    from chsc_cli.engine.engine_input import EngineData
    from chsc_cli.services.gaps import gap_list

    monkeypatch.setitem(active_catalogue().kinds, VISITS.name, VISITS)
    maternal = pd.DataFrame(
        [[WOMAN_A, "2025-02-01", 20, 1], [WOMAN_A, "2025-12-01", 8, 1]],
        columns=["id_number", "delivery_date", "booking_weeks", "live_births"],
    )
    visits = pd.DataFrame([[WOMAN_A, "2025-03-10"], [WOMAN_A, "2026-01-05"]], columns=["id_number", "visit_date"])
    lib = library(tmp_path, {"own": BOOKED_BY_13_WEEKS.format(id="own", more=""),
                             "other": BOOKED_BY_13_WEEKS.format(id="other", more=", test_visits") + SEEN_AFTER})
    data = EngineData.prepare(read_result({"test_maternal": maternal, "test_visits": visits}))
    period = parse_period("2025")
    result = compute_indicators(data, period, CentreConfig(), lib)
    own = gap_list(lib, result.evaluations["own"], data, period).people
    assert own["key"].tolist() == [WOMAN_A]
    assert own["last_contact"].tolist() == [pd.Timestamp("2025-02-01")]  # her December delivery is not this one's contact
    other = gap_list(lib, result.evaluations["other"], data, period).people
    first = other.loc[other["reason"].str.startswith("晚建册"), "last_contact"].tolist()
    assert first == [pd.Timestamp("2025-03-10")]  # her visit (by ID), none after the period end


def test_a_gap_list_puts_the_blank_station_last_as_compute_by_station_does(tmp_path):
    """未填 sorts after 王站 by character code but is not a station: it goes last, as in --by station."""
    from chsc_cli.engine.engine_input import EngineData
    from chsc_cli.services.gaps import gap_list

    maternal = pd.DataFrame(
        [[WOMAN_A, "2025-02-01", 20, "王站"], [WOMAN_C, "2025-03-01", 20, None], ["110105198803030033", "2025-04-01", 20, "一站"]],
        columns=["id_number", "delivery_date", "booking_weeks", "station"],
    )
    lib = library(tmp_path, {"own": BOOKED_BY_13_WEEKS.format(id="own", more="")})
    data = EngineData.prepare(read_result({"test_maternal": maternal}))
    period = parse_period("2025")
    result = compute_indicators(data, period, CentreConfig(), lib)
    assert gap_list(lib, result.evaluations["own"], data, period).people["station"].tolist() == ["一站", "王站", "未填"]


def test_an_empty_gap_list_says_why_it_is_empty(tmp_path):
    """Written as the sheet of an empty list (gaps all): everyone counted, or no one to count."""
    from chsc_cli.engine.engine_input import EngineData
    from chsc_cli.services.gaps import gap_list

    maternal = pd.DataFrame([[WOMAN_A, "2025-02-01", 8]], columns=["id_number", "delivery_date", "booking_weeks"])
    lib = library(tmp_path, {"own": BOOKED_BY_13_WEEKS.format(id="own", more="")})
    data = EngineData.prepare(read_result({"test_maternal": maternal}))
    notes = []
    for period in (parse_period("2025"), parse_period("2024")):
        result = compute_indicators(data, period, CentreConfig(), lib)
        gaps = gap_list(lib, result.evaluations["own"], data, period)
        assert gaps.people.empty and gaps.note is None
        notes.append(gaps.why_empty())
    assert notes == ["没有待完成的人：分母中的都已计入分子", "本期分母为 0（统计期内没有应纳入的人），没有名单"]
