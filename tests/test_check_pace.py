"""`chsc check` on a year to date: a missed count's monthly pace is what the whole year's minimum
still needs (not the period's pro-rated share), and a period that starts later in the year (a
quarter) gives no year-end pace at all: it does not hold the year's work so far."""

from __future__ import annotations

import pytest
from cli_helpers import run_chsc
from helpers import write_workbook


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pace")
    rows = [["活动日期", "活动形式", "参加人数"], ["2025-01-10", "健康知识讲座", 30], ["2025-04-10", "健康知识讲座", 30]]
    write_workbook(folder / "健康教育活动记录.xlsx", {"健康教育": rows})
    return folder


def test_a_missed_count_needs_the_rest_of_the_years_minimum(folder):
    ran = run_chsc("check", folder, "--period", "2025H1", "--quiet")
    assert ran.code == 1, ran.output
    # 2 lectures by June against 6 for the half year (尚差4次); 12 a year: 10 more in 6 months
    assert "健康知识讲座：已开展2次，2025年上半年应开展6次，尚差4次" in ran.stdout
    assert "按年底达标：剩余 6 个月，每月需完成 2 次" in ran.stdout


def test_a_quarter_gives_no_year_end_pace(folder):
    ran = run_chsc("check", folder, "--period", "2025Q2", "--quiet")
    assert ran.code == 1 and "尚差2次" in ran.stdout, ran.output
    assert "按年底达标" not in ran.stdout


def test_an_indicator_with_no_one_in_its_denominator_is_named(tmp_path):
    """A residents roster of young adults only: no one is 65 or over, so the elderly rates have a
    denominator of 0 — neither a miss nor 无法计算, and `check` says so instead of leaving them out."""
    rows = [["身份证号", "姓名", "建档日期", "所属站点"], ["110101199001011237", "甲", "2020-01-01", "一站"]]
    write_workbook(tmp_path / "居民健康档案.xlsx", {"居民": rows})
    # one row: a register of headers alone is no register (the elderly rates would be 无法计算)
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"], ["110101199001011237", "2025-03-01", "是", "是", "是"]]
    write_workbook(tmp_path / "老年人体检2025.xlsx", {"体检": checkups})
    ran = run_chsc("check", tmp_path, "--period", "2025", "--quiet")
    line = next((text for text in ran.stdout.splitlines() if text.startswith("本期分母为 0")), "")
    assert "老年人健康管理率" in line and "老年人中医药健康管理率" in line, ran.output
    assert "健康知识讲座" not in line  # a count has no denominator: it is judged against its minimum
    # the progress page says the same, not 「无法计算：」 with no reason (a review found it)
    page = tmp_path / "进度.html"
    assert run_chsc("progress", tmp_path, "--year", "2025", "-o", page, "--quiet").code == 0
    html = page.read_text(encoding="utf-8")
    card = html.split("<h2>老年人健康管理率</h2>", 1)[1].split("<h2>", 1)[0]
    assert "本期分母为 0、不判断达标" in card and "无法计算" not in card
