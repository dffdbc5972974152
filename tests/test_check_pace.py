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
