"""Which register dates show an indicator's activity in a period (engine/activity.py): the compare
period's 无上年数据 (cli.md: no event row dated in P2) and `progress`'s last month with an event row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers import make_id, read, write_workbook

from chsc_cli.engine import load_library
from chsc_cli.engine.activity import activity_dates, indicators_with_rows_in, numerator_events
from chsc_cli.engine.engine_input import EngineData
from chsc_cli.periods import parse_period
from chsc_cli.registers import KINDS
from chsc_cli.services.progress import last_event_month

D = dt.date
LIBRARY = load_library()


def _rows_in(folder: Path, period: str) -> set[str]:
    return indicators_with_rows_in(EngineData.prepare(read(folder)), LIBRARY, parse_period(period))


def test_every_shipped_indicator_has_activity_dates_and_events_are_found_inside_groups():
    for indicator in LIBRARY.indicators.values():
        pairs = activity_dates(indicator)
        assert pairs, f"{indicator.id}: no date shows its activity, so a compare period always says 无上年数据"
        events = numerator_events(indicator)
        if events:  # an indicator with events has their dates, and no roster's 建档日期 or 签约日期
            assert pairs == events, indicator.id
        elif any(not KINDS[register].roster for register in indicator.registers):
            assert all(not KINDS[register].roster for register, _ in pairs), indicator.id
    usage = LIBRARY.indicators["health_record_usage_rate"]  # one any: group of eight exists
    assert ("elderly_checkups", "checkup_date") in activity_dates(usage)
    assert ("maternal_records", "postpartum_42_date") in activity_dates(usage)
    assert not {register for register, _ in activity_dates(usage)} & {"residents"}


def test_an_indicator_without_events_reads_its_event_registers_and_its_rosters_only_without_them():
    management = LIBRARY.indicators["hypertension_management_rate"]
    assert activity_dates(management) == [("hypertension_followups", "followup_date")]
    rosters_only = activity_dates(management, present={"hypertension_patients"})
    assert ("hypertension_patients", "enrolment_date") in rosters_only
    assert all(register == "hypertension_patients" for register, _ in rosters_only)
    assert ("residents", "record_date") in activity_dates(LIBRARY.indicators["health_record_rate"])
    assert activity_dates(LIBRARY.indicators["infectious_disease_report_rate"])[0] == (
        "infectious_disease_reports", "diagnosis_time")  # a date-time column counts too


def _residents(folder: Path, recorded: dt.date) -> list[str]:
    ids = [make_id(f"19{50 + n}0101", f"{n:03d}") for n in range(1, 5)]
    rows = [["身份证号", "建档日期", "签约", "签约日期"]] + [[person, recorded, "是", recorded] for person in ids]
    write_workbook(folder / "居民健康档案.xlsx", {"花名册": rows})
    return ids


def test_a_roster_date_in_the_compare_period_is_no_event_row_of_the_usage_rate(tmp_path):
    ids = _residents(tmp_path, D(2024, 6, 1))  # recorded in 2024; the only checkups are from 2025
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导"]] + [[person, D(2025, 3, 1), "是", "是"] for person in ids]
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": checkups})
    in_2024 = _rows_in(tmp_path, "2024")
    assert "health_record_usage_rate" not in in_2024 and "elderly_health_management_rate" not in in_2024
    assert {"health_record_rate", "family_doctor_signing_rate"} <= in_2024  # roster-only: its 建档日期
    assert "health_record_usage_rate" in _rows_in(tmp_path, "2025")


def test_record_rates_have_rows_in_a_period_with_cards_or_clues_dated_in_it(tmp_path):
    cards = [["卡片编号", "疾病名称", "诊断时间", "报告时间"], ["C1", "乙肝", "2024-05-01 08:00", "2024-05-01 12:00"]]
    write_workbook(tmp_path / "传染病报告卡.xlsx", {"报告卡": cards})
    clues = [["发现时间", "信息类别", "报告时间"], ["2024-07-01 09:00", "食源性疾病", "2024-07-01 10:00"]]
    write_workbook(tmp_path / "卫生监督协管信息.xlsx", {"监督协管": clues})
    in_2024 = _rows_in(tmp_path, "2024")
    assert {"infectious_disease_report_rate", "infectious_disease_timely_report_rate",
            "health_supervision_report_rate"} <= in_2024
    assert not _rows_in(tmp_path, "2023") & {"infectious_disease_report_rate", "health_supervision_report_rate"}


def test_a_date_time_later_on_the_last_day_of_a_period_is_in_it(tmp_path):
    """A card diagnosed 31 December 2024 15:00 is a row dated in 2024 (cli.md: 无上年数据 only with
    no event row dated in P2), and an event window of a period holds it (engine_input.in_window)."""
    import numpy as np
    import pandas as pd

    from chsc_cli.engine.engine_input import in_window

    cards = [["卡片编号", "疾病名称", "诊断时间", "报告时间"], ["C1", "流感", "2024-12-31 15:00", "2025-01-01 09:00"]]
    write_workbook(tmp_path / "传染病报告卡.xlsx", {"报告卡": cards})
    assert "infectious_disease_report_rate" in _rows_in(tmp_path, "2024")
    assert "infectious_disease_report_rate" not in _rows_in(tmp_path, "2025")
    dates = pd.Series(pd.to_datetime(["2024-12-31 15:00:00", "2024-12-31 23:59:59", "2025-01-01 00:00:00", "2024-01-01 00:00:00", None]))
    start, end = np.datetime64(D(2024, 1, 1), "ns"), np.datetime64(D(2024, 12, 31), "ns")
    assert in_window(dates, start, end).tolist() == [True, True, False, True, False]
    assert in_window(dates.astype(object), start, end).tolist() == [True, True, False, True, False]  # through pandas
    assert in_window(dates, None, end).tolist() == [True, True, False, True, False]


def test_the_last_month_with_an_event_row_reads_events_inside_any_groups(tmp_path):
    person = make_id("19900101", "001")
    maternal = [["身份证号", "分娩日期", "建册日期"], [person, D(2025, 3, 1), D(2024, 8, 1)],
                [make_id("19920101", "002"), None, D(2025, 11, 20)]]  # registered in November, not yet delivered
    write_workbook(tmp_path / "孕产妇健康管理登记.xlsx", {"孕产妇": maternal})
    assert last_event_month(EngineData.prepare(read(tmp_path)), LIBRARY, 2025) == 11


def test_without_an_event_row_progress_runs_through_the_rosters_last_month_else_by_the_calendar(tmp_path):
    """A folder of rosters (建档, 签约) has no event row: progress stopped at January, a 1–1月 view of
    a year whose records run to August. Now the rosters' dates decide; a year with no date at all
    runs to today's month when current, to December when past, and stays at January when to come."""
    residents = [["身份证号", "建档日期", "签约日期"], [make_id("19500101", "011"), D(2025, 3, 1), D(2025, 8, 12)],
                 [make_id("19600101", "013"), D(2024, 5, 1), None]]
    write_workbook(tmp_path / "居民健康档案.xlsx", {"档案": residents})
    data = EngineData.prepare(read(tmp_path))
    assert last_event_month(data, LIBRARY, 2025, today=D(2026, 12, 7)) == 8
    assert last_event_month(data, LIBRARY, 2024, today=D(2026, 12, 7)) == 5
    assert last_event_month(data, LIBRARY, 2023, today=D(2023, 10, 7)) == 10
    assert last_event_month(data, LIBRARY, 2022, today=D(2026, 12, 7)) == 12
    assert last_event_month(data, LIBRARY, 2027, today=D(2026, 12, 7)) == 1
