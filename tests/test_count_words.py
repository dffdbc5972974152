"""Count and record indicators read naturally everywhere (issue 17, item 3): a count in 次 against its
pro-rated minimum in `check`, `progress` and the 工作总结 / 工作计划; a record indicator's shortfall in
its own word (例 for cards). Kinds and rows built in memory as in test_units_and_dates."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from chsc_cli.config import CentreConfig
from chsc_cli.engine import compute_indicators
from chsc_cli.periods import parse_period
from chsc_cli.registers import KINDS
from chsc_cli.registers.kinds import active_catalogue

from test_units_and_dates import ACTIVITIES, LECTURES, REPORTS, TIMELY, library, read_result


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    for kind in (ACTIVITIES, REPORTS):
        monkeypatch.setitem(active_catalogue().kinds, kind.name, kind)


def lectures(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame([[d, "健康知识讲座", 30] for d in dates], columns=["activity_date", "activity_form", "attendance"])


def months(year: int, n: int) -> list[str]:
    return [f"{year}-{m:02d}-10" for m in range(1, n + 1)]


def run(tmp_path, rows, period, text=LECTURES, by=None):
    lib = library(tmp_path, {"lectures": text})
    return compute_indicators(read_result({"test_activities": rows}), parse_period(period), CentreConfig(), lib, only=["lectures"], by=by), lib


def test_check_says_held_required_and_missing_in_ci(tmp_path):
    from chsc_cli.outputs.library_text import render_check

    result, _ = run(tmp_path, lectures(months(2025, 5)), "2025H1")
    console = Console(record=True, width=200)
    assert render_check(console, result) == 1
    assert "健康知识讲座（测试）：已开展5次，2025年上半年应开展6次，尚差1次" in console.export_text()


def test_summary_sentence_and_compare_in_ci(tmp_path):
    from chsc_cli.outputs.report_build import build_report_context

    rows = lectures(months(2025, 9) + months(2024, 7))
    current, lib = run(tmp_path, rows, "2025")
    before, _ = run(tmp_path, rows, "2024")
    context = build_report_context(current, library=lib, compare=before, compare_with_rows={"lectures"})
    line = context.indicators[0]
    assert line.id == "lectures"
    assert line.sentence == "健康知识讲座（测试）9次，较上年增加2次，未达到每年12次的要求，尚差3次。"
    assert (line.rate_text, line.target_text, line.change.table_text) == ("9次", "12次", "+2次")
    assert line.plan.sentence.startswith("全年开展健康知识讲座（测试）不少于12次，每月至少1次")
    assert "无法计算" not in context.opening and context.counts.missed == 1
    same, _ = run(tmp_path, lectures(months(2025, 12) + months(2024, 12)), "2025")
    previous, _ = run(tmp_path, lectures(months(2025, 12) + months(2024, 12)), "2024")
    line = build_report_context(same, library=lib, compare=previous, compare_with_rows={"lectures"}).indicators[0]
    assert line.sentence == "健康知识讲座（测试）12次，与上年持平，达到每年12次的要求。"


def test_plan_has_no_monthly_clause_below_twelve_a_year(tmp_path):
    from chsc_cli.outputs.report_build import build_report_context

    text = LECTURES.replace("target: 12", "target: 9")
    current, lib = run(tmp_path, lectures(months(2025, 9)), "2025", text)
    line = build_report_context(current, library=lib, kind="plan").indicators[0]
    assert line.plan.sentence.startswith("全年开展健康知识讲座（测试）不少于9次（")
    assert "每月" not in line.plan.sentence and line.sentence.endswith("达到每年9次的要求。")


def test_progress_shows_cumulative_counts_against_the_pro_rated_line(tmp_path):
    from chsc_cli.services.progress import progress
    from chsc_cli.outputs.progress_files import progress_html, render_progress_table

    lib = library(tmp_path, {"lectures": LECTURES})
    every = progress(read_result({"test_activities": lectures(["2025-01-10", "2025-01-20", "2025-03-10"])}), lib, CentreConfig(), 2025, 4)
    rows = [row for row in every if row.id == "lectures"]
    assert [m.numerator for m in rows[0].months] == [2, 2, 3, 3] and [int(m.target) for m in rows[0].months] == [1, 2, 3, 4]
    console = Console(record=True, width=200)
    render_progress_table(console, rows, 2025, 4)
    text = console.export_text()
    assert "3次" in text and "4次" in text and "%" not in text.split("\n")[3]
    assert "差 1 次" in progress_html(rows, None, 2025, 4)


def test_a_record_indicator_counts_its_shortfall_in_its_own_word(tmp_path):
    from chsc_cli.outputs.library_text import render_check

    rows = pd.DataFrame([["c1", "2025-03-01 10:00", "2025-03-01 12:30", "甲类"]],
                        columns=["card_number", "diagnosis_time", "report_time", "disease_class"])
    lib = library(tmp_path, {"timely_reports": TIMELY.replace("unit: record", "unit: record\nunit_word: 例")})
    result = compute_indicators(read_result({"test_reports": rows}), parse_period("2025"), CentreConfig(), lib, only=["timely_reports"])
    console = Console(record=True, width=200)
    render_check(console, result)
    assert "需再完成 1 例" in console.export_text()


def test_progress_pace_of_a_count_aims_at_the_whole_years_minimum(tmp_path):
    # six lectures by June: on schedule (the pro-rated line is 6, shortfall 0), yet six more are due by
    # December, one a month; three by June: three short of the line but nine short of the year's 12
    from chsc_cli.services.progress import progress
    from chsc_cli.outputs.progress_files import progress_html

    lib = library(tmp_path, {"lectures": LECTURES})
    def lecture_row(dates):
        every = progress(read_result({"test_activities": lectures(dates)}), lib, CentreConfig(), 2025, 6)
        return next(row for row in every if row.id == "lectures")

    on_schedule, behind = lecture_row(months(2025, 6)), lecture_row(months(2025, 3))
    assert (on_schedule.current.shortfall, on_schedule.pace) == (0, 1)
    assert (behind.current.shortfall, behind.pace) == (3, 2)
    assert "每月需完成 1 次" in progress_html([on_schedule], None, 2025, 6)


def test_check_pace_of_a_missed_count_aims_at_the_whole_years_minimum(tmp_path):
    from chsc_cli.services.progress import pace_lines

    result, _ = run(tmp_path, lectures(months(2025, 3)), "2025-01..2025-06")
    assert pace_lines(result.indicators, result.period) == {"lectures": "按年底达标：剩余 6 个月，每月需完成 2 次"}


def test_explain_gives_a_count_its_number_not_a_percentage(tmp_path):
    # a count's target is 12 a year: not 「>= 1200%」, and its result is the count, not 「36 / — = —」
    from chsc_cli.outputs.library_text import render_definition, render_steps

    result, lib = run(tmp_path, lectures(months(2025, 5)), "2025H1")
    console = Console(record=True, width=200)
    render_definition(console, lib, "lectures", {})
    render_steps(console, result.evaluations["lectures"], "2025年上半年")
    text = console.export_text()
    assert "目标：>= 每年 12次" in text and "%" not in text
    assert "结果：5次（2025年上半年应开展6次）" in text


def test_progress_runs_through_the_last_month_of_a_register_only_counts_read(tmp_path):
    # an activity register is an event register: its rows in October make October the default
    # --through, although no indicator's numerator reads an event (it said January: nothing found)
    from chsc_cli.engine import EngineData
    from chsc_cli.services.progress import last_event_month

    lib = library(tmp_path, {"lectures": LECTURES})
    data = EngineData.prepare(read_result({"test_activities": lectures(months(2025, 10))}))
    assert last_event_month(data, lib, 2025) == 10
