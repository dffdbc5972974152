"""Issue 16's indicators through every command around compute: explain's steps for deliveries and
live births, gaps (the mother, child or patient with the reason), --by station, check and progress."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_xlsx

M1, M2, M3 = make_id("19900101", "002"), make_id("19910202", "004"), make_id("19920303", "006")
M4 = make_id("19930404", "008")
P1, P2 = make_id("19700101", "011"), make_id("19710101", "013")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    folder = tmp_path_factory.mktemp("services")
    write_xlsx(folder / "孕产妇健康管理登记.xlsx", [
        ["身份证号", "分娩日期", "末次月经", "建册日期", "建册孕周", "产前检查次数", "出院日期", "产后访视日期", "活产数", "所属站点"],
        [M1, "2025-05-01", None, None, "12+6", 5, "2025-05-03", "2025-05-20", 2, "一站"],  # twins, early
        [M2, "2025-06-01", None, None, "15", 6, "2025-06-03", None, None, "二站"],  # 15 weeks, no visit
        [M3, "2025-07-01", "2024-10-01", "2024-11-20", None, 3, None, "2025-07-10", None, "一站"],
        [M4, None, "2025-09-01", "2025-10-20", "7", 1, None, None, None, "二站"],  # not yet delivered
    ])
    write_xlsx(folder / "肺结核患者管理名册.xlsx", [
        ["身份证号", "通知日期", "首次入户随访日期", "停止治疗日期", "停止治疗原因", "应服药次数", "实际服药次数", "所属站点"],
        [P1, "2025-01-05", "2025-01-06", "2025-07-01", "完成疗程", 180, 162, "一站"],  # exactly 90%
        [P2, "2025-02-05", None, "2025-08-01", "治愈", 100, 86, "二站"],  # 86%
    ])
    write_xlsx(folder / "儿童保健花名册.xlsx", [
        ["儿童保健编号", "出生日期", "在册状态", "所属站点"],
        ["C1", "2024-01-15", "在册", "一站"], ["C2", "2024-03-10", "在册", "二站"],
    ])
    write_xlsx(folder / "儿童健康检查记录.xlsx", [
        ["儿童保健编号", "随访日期", "随访类型"],
        ["C1", "2025-01-16", "12月龄"], ["C1", "2025-07-16", "18月龄"], ["C2", "2025-03-11", "12月龄"],
    ])
    return folder


def _steps(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"│ (\S[^│]*?)\s*│\s*(\d+) │", stdout))


def test_explain_counts_deliveries_and_sums_live_births(centre):
    ran = run_chsc("explain", "early_pregnancy_registration_rate", centre, "-p", "2025")
    assert ran.code == 0, ran.output
    steps = _steps(ran.stdout)
    assert steps["孕产妇健康管理登记：读入行数"] == "4"
    assert steps["其中「身份证号」或「分娩日期」为空的行（不计）"] == "1"  # M4, not yet delivered
    assert steps["孕产妇健康管理登记：分娩数"] == "3"
    assert steps["分母：再按本指标条件筛选后的分娩数"] == "3"
    assert steps["分母：活产数之和（每次分娩取其各行中最大的活产数，空白按 1）"] == "4"  # 2 + 1 + 1
    assert steps["分子"] == "2"  # M1 by 12+6 weeks, M3 by 50 days after 末次月经
    assert "2 / 4" in ran.stdout


def test_gaps_name_the_mother_and_patient_with_the_reason(centre):
    ran = run_chsc("gaps", "early_pregnancy_registration_rate", centre, "-p", "2025", "--format", "csv")
    assert ran.code == 0, ran.output
    assert "建册时孕15周，晚于13周" in ran.stdout and M2[:6] in ran.stdout and M2 not in ran.stdout
    ran = run_chsc("gaps", "tb_regular_medication_rate", centre, "-p", "2025", "--format", "csv")
    assert "服药率86.0%，低于90%（实际服药86次，应服100次）" in ran.stdout and P1[-4:] not in ran.stdout
    ran = run_chsc("gaps", "postpartum_visit_rate", centre, "-p", "2025", "--format", "csv")
    # M2: discharged 2025-06-03, no visit: the days to today (a visit after the period end would count)
    days = (dt.date.today() - dt.date(2025, 6, 3)).days
    assert f"出院后{days}天未见产后访视（分娩2025-06-01，出院2025-06-03）" in ran.stdout and M3[-4:] not in ran.stdout
    ran = run_chsc("gaps", "child_systematic_management_rate", centre, "-p", "2025", "--format", "csv")
    # C1 (born 2024-01-15): due 2025-01-15 and 2025-07-15, both seen; C2: due 2025-03-10 and 2025-09-10
    assert "2025年应检查2次，实际1次" in ran.stdout and "C1" not in ran.stdout


def test_by_station_and_check_and_progress(centre):
    ran = run_chsc("compute", centre, "-p", "2025", "--by", "station", "--format", "json", "--only",
                   "postpartum_visit_rate")
    if ran.code == 2 and "--only" in ran.stderr:  # no --only on this command: all indicators
        ran = run_chsc("compute", centre, "-p", "2025", "--by", "station", "--format", "json")
    assert ran.code == 0, ran.output
    rows = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "postpartum_visit_rate"]
    by = {(r["group"] or {}).get("station"): (r["numerator"], r["denominator"], r["unit"]) for r in rows}
    assert by[None] == (2, 4, "delivery")  # M1 (2 live births) and M3 visited; M2 not
    assert by["一站"] == (2, 3, "delivery") and by["二站"] == (0, 1, "delivery")
    ran = run_chsc("check", centre, "-p", "2025")
    assert ran.code == 1 and "产后访视率" in ran.stdout
    ran = run_chsc("progress", centre, "--year", "2025", "--through", "2025-12")
    assert ran.code in (0, 1) and "肺结核患者规则服药率" in ran.stdout and "Traceback" not in ran.output
