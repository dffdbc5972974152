"""A district's report and totals where its centres differ: one without a row in the compare
period, one that cannot compute an indicator, centres whose denominators come from different
sources (found by an independent review of the reports)."""

from __future__ import annotations

import datetime as dt
import json

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

CHECKUP = ["身份证号", "体检日期", "生活方式评估", "健康指导"]


def _centre(folder, area: str, elderly: int, checked: dict[int, int], settings: str | None, cards: int = 0):
    """`elderly` residents aged 65+, of whom checked[year] had a complete checkup in that year."""
    ids = [make_id("19500101", f"{n:03d}", area=area) for n in range(1, elderly + 1)]
    write_workbook(folder / "居民健康档案.xlsx", {"档案": [["身份证号", "建档日期"], *([person, dt.date(2020, 1, 1)] for person in ids)]})
    rows = [[person, dt.date(year, 3, 1), "是", "是"] for year, count in checked.items() for person in ids[:count]]
    write_workbook(folder / "老年人体检.xlsx", {"体检": [CHECKUP, *rows]})
    if cards:
        cards_rows = [[f"C{n}", "流感", dt.datetime(2025, 2, n, 8), dt.datetime(2025, 2, n, 9) if n > 1 else None] for n in range(1, cards + 1)]
        write_workbook(folder / "传染病报告卡.xlsx", {"报告卡": [["卡片编号", "疾病名称", "诊断时间", "报告时间"], *cards_rows]})
    if settings is not None:
        (folder / "chsc.yaml").write_text(settings, encoding="utf-8")


def test_a_centre_without_rows_in_the_compare_period_gives_the_district_no_compare_value(tmp_path):
    """cli.md: an indicator with no value in P2 (no event row dated in P2) says 无上年数据. A centre
    with no 2024 checkups has no 2024 value; counted as 0 it would turn the one centre's fall into
    a district rise."""
    _centre(tmp_path / "甲中心", "330101", 10, {2024: 5, 2025: 3}, "centre: 甲中心\npopulation:\n  age_65_plus: 10\n")
    _centre(tmp_path / "乙中心", "330102", 30, {2025: 27}, "centre: 乙中心\npopulation:\n  age_65_plus: 30\n")
    output = tmp_path / "区总结.md"
    ran = run_chsc("report", tmp_path, "--period", "2025", "--compare", "2024", "--centres", "-o", output, "--no-cache", "--quiet")
    assert ran.code == 0, ran.output
    text = output.read_text(encoding="utf-8")
    assert "老年人健康管理率75.0%（30/40），无上年数据" in text, text


def test_a_district_report_keeps_the_centres_that_compute_an_indicator_another_cannot(tmp_path):
    _centre(tmp_path / "甲中心", "330101", 4, {2025: 2}, "centre: 甲中心\n", cards=4)
    _centre(tmp_path / "乙中心", "330102", 4, {2025: 2}, "centre: 乙中心\n")  # no case reports at all
    output = tmp_path / "区总结.md"
    ran = run_chsc("report", tmp_path, "--period", "2025", "--centres", "-o", output, "--no-cache", "--quiet")
    assert ran.code == 0, ran.output
    rows = [line for line in output.read_text(encoding="utf-8").splitlines() if "| 传染病疫情报告率 |" in line]
    assert any(row.startswith("| 甲中心 |") and "| 3 | 4 | 75.0% | 否 | 1例 |" in row for row in rows), rows
    assert any(row.startswith("| 乙中心 |") and "无法计算" in row for row in rows), rows


def test_a_total_over_centres_with_different_denominator_sources_names_one(tmp_path):
    """cli.md: denominator_source is config, roster or register, null only when not computable."""
    _centre(tmp_path / "甲中心", "330101", 4, {2025: 2}, "centre: 甲中心\npopulation:\n  age_65_plus: 30\n")
    _centre(tmp_path / "乙中心", "330102", 4, {2025: 2}, "centre: 乙中心\n")  # its roster: 4
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--centres", "--format", "json", "--no-cache", "--quiet")
    rows = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "elderly_health_management_rate"]
    total = next(r for r in rows if r["group"] is None)
    assert (total["numerator"], total["denominator"], total["reason"]) == (4, 34, None)
    assert total["denominator_source"] == "config"  # 30 of the 34 are chsc.yaml's
    assert sorted(r["denominator_source"] for r in rows if r["group"] is not None) == ["config", "roster"]
