"""`count.at_most` (review of 7 December, night: the language had no upper bound and no negation of
a requirement): a person passes when the distinct dates of qualifying rows are at least `at_least`
and at most `at_most` — `at_most: 0` alone is "no such row in the window" (CQL's `not exists`)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

D = dt.date
A, B, C = (make_id(f"1950010{i}", f"{i}11") for i in (1, 2, 3))

INDICATOR = """id: few_phone_followups_rate
name: 电话随访不多的患者比例（测试）
category: 高血压患者健康管理
registers: [hypertension_patients, hypertension_followups]
definition: 测试：统计期内电话随访不超过 {limit} 次的在管高血压患者 / 在管高血压患者
target: 0.5
parameters:
  limit: 1
denominator:
  population: managed_hypertension_patients
numerator:
  require:
    - count:
        register: hypertension_followups
        date: followup_date
        within: period
        where:
          - followup_mode == 电话
        {bounds}
        reason: 电话随访{count}次，最多{at_most}次
"""


def centre(tmp_path):
    data = tmp_path / "data"
    write_workbook(data / "高血压患者管理名册.xlsx",
                   {"名册": [["身份证号", "纳入管理日期"], *([person, D(2020, 1, 1)] for person in (A, B, C))]})
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    visits = [[A, D(2025, 2, 1), "电话", 130, 80], [A, D(2025, 5, 1), "电话", 130, 80],
              [B, D(2025, 3, 1), "门诊", 130, 80],
              [C, D(2025, 4, 1), "电话", 130, 80], [C, D(2025, 4, 1), "电话", 128, 78],  # one day: one
              [B, D(2024, 6, 1), "电话", 130, 80]]  # outside the period
    write_workbook(data / "高血压随访.xlsx", {"随访": [header, *visits]})
    return data


def library(tmp_path, bounds: str):
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    text = INDICATOR.replace("{limit}", "1").replace("{bounds}", bounds)
    (folder / "few_phone_followups_rate.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("bounds, expected", [
    ("at_most: 0", (1, 3)),  # only B has no phone follow-up in 2025
    ("at_most: 1", (2, 3)),  # B (0) and C (1: two rows of one day)
    ("at_most: $limit", (2, 3)),
    ("at_least: 1\n        at_most: 1", (1, 3)),  # exactly one: C
])
def test_a_count_between_its_bounds(tmp_path, bounds, expected):
    ran = run_chsc("compute", centre(tmp_path), "-p", "2025", "--format", "json", "--quiet", "--indicators", library(tmp_path, bounds))
    assert ran.code == 0, ran.output
    row = next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "few_phone_followups_rate")
    assert (row["numerator"], row["denominator"]) == expected


def test_the_gap_list_says_the_count_and_the_bound(tmp_path):
    ran = run_chsc("gaps", "few_phone_followups_rate", centre(tmp_path), "-p", "2025", "--format", "csv", "--quiet",
                   "--indicators", library(tmp_path, "at_most: 0"))
    assert ran.code == 0, ran.output
    lines = ran.stdout.splitlines()
    assert len(lines) == 3 and sum("电话随访2次，最多0次" in line for line in lines) == 1
    assert sum("电话随访1次，最多0次" in line for line in lines) == 1


@pytest.mark.parametrize("bounds, said", [
    ("at_most: -1", "at_most：应为不小于 0 的整数"),
    ("at_most: many", "at_most：应为不小于 0 的整数或已定义的 $参数"),
    ("at_most: $nope", "at_most：应为不小于 0 的整数或已定义的 $参数"),
    ("at_least: 3\n        at_most: 1", "at_least（3）大于 at_most（1），没有人能满足"),
])
def test_a_bound_that_cannot_hold_is_refused_at_load(tmp_path, bounds, said):
    ran = run_chsc("indicators", "--indicators", library(tmp_path, bounds))
    assert ran.code == 2 and said in ran.stderr, ran.stderr


def test_at_most_in_a_reason_without_a_bound_is_refused(tmp_path):
    ran = run_chsc("indicators", "--indicators", library(tmp_path, "at_least: 1"))
    assert ran.code == 2 and "「{at_most}」只用于写了 at_most 的 count 的 reason" in ran.stderr, ran.stderr


# ---- derive: sum and mean (the same review: per-person totals and averages could not be said)

MEAN_BP = """id: mean_bp_controlled_rate
name: 期内平均血压控制率（测试）
category: 高血压患者健康管理
registers: [hypertension_patients, hypertension_followups]
definition: 测试：统计期内各次随访收缩压的平均值低于 140 的在管高血压患者 / 在管高血压患者
target: 0.5
denominator:
  population: managed_hypertension_patients
numerator:
  require:
    - check:
        - in_population: low_mean_systolic
"""

POPULATIONS = """populations:
  low_mean_systolic:
    register: hypertension_followups
    where: [followup_date >= period_start, followup_date <= period_end]
    derive:
      mean_systolic: {mean: systolic}
      total_systolic: {sum: systolic}
    having: [mean_systolic < 140, total_systolic > 0]
"""


def test_a_person_s_mean_and_sum_over_their_rows(tmp_path):
    data = tmp_path / "data"
    write_workbook(data / "高血压患者管理名册.xlsx",
                   {"名册": [["身份证号", "纳入管理日期"], *([person, D(2020, 1, 1)] for person in (A, B, C))]})
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    visits = [[A, D(2025, 2, 1), "门诊", 150, 80], [A, D(2025, 5, 1), "门诊", 128, 80],  # mean 139: in
              [B, D(2025, 3, 1), "门诊", 150, 80], [B, D(2025, 6, 1), "门诊", 132, 80],  # mean 141: out
              [B, D(2024, 6, 1), "门诊", 100, 80],  # outside the period (it would bring B's mean under 140)
              [C, D(2025, 4, 1), "门诊", None, 80]]  # no reading: no mean, no sum — not in
    write_workbook(data / "高血压随访.xlsx", {"随访": [header, *visits]})
    row = computed_with(tmp_path, data, "mean_bp_controlled_rate", MEAN_BP, POPULATIONS)
    assert (row["numerator"], row["denominator"]) == (1, 3)


def computed_with(tmp_path, data, ident: str, indicator: str, populations: str) -> dict:
    """The centre's row of the indicator, computed with a library of it and its populations."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / f"{ident}.yaml").write_text(indicator, encoding="utf-8")
    (folder / "populations.yaml").write_text(populations, encoding="utf-8")
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet", "--indicators", folder)
    assert ran.code == 0, ran.output
    return next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == ident and row["group"] is None)


def test_a_sum_of_a_field_that_is_not_a_number_is_refused(tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "mean_bp_controlled_rate.yaml").write_text(MEAN_BP, encoding="utf-8")
    (folder / "populations.yaml").write_text(POPULATIONS.replace("{sum: systolic}", "{sum: followup_mode}"), encoding="utf-8")
    ran = run_chsc("indicators", "--indicators", folder)
    assert ran.code == 2 and "sum / mean 只用于数字字段，「followup_mode」不是" in ran.stderr, ran.stderr


# ---- derive longest_gap (the review of 8 December: "no two consecutive follow-ups more than 100 days apart"
# took 265 generated windows; SQL's MAX(date - LAG(date)) over a person's rows)

STEADY = (MEAN_BP.replace("mean_bp_controlled_rate", "steady_followup_rate").replace("期内平均血压控制率", "随访间隔不超过100天的患者比例")
          .replace("low_mean_systolic", "steady_followups"))

STEADY_POPULATIONS = (POPULATIONS.replace("low_mean_systolic", "steady_followups")
                      .replace("      mean_systolic: {mean: systolic}\n      total_systolic: {sum: systolic}\n",
                               "      longest: {longest_gap: followup_date}\n")
                      .replace("having: [mean_systolic < 140, total_systolic > 0]", "having: [longest <= 100]"))


def test_the_longest_gap_between_a_person_s_dates(tmp_path):
    data = tmp_path / "data"
    E = make_id("19500301", "041")
    write_workbook(data / "高血压患者管理名册.xlsx",
                   {"名册": [["身份证号", "纳入管理日期"], *([person, D(2020, 1, 1)] for person in (A, B, C, E))]})
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    visits = [[A, D(2025, 1, 5)], [A, D(2025, 3, 1)], [A, D(2025, 5, 20)], [A, D(2025, 8, 28)],  # 55, 80, 100 days: in
              [B, D(2025, 1, 5)], [B, D(2025, 2, 1)], [B, D(2025, 6, 30)],  # 149 days: out
              [C, D(2025, 2, 1)], [C, D(2025, 2, 1)],  # one date twice: no gap, none
              [E, D(2024, 9, 1)], [E, D(2025, 1, 2)], [E, D(2025, 3, 1)]]  # the 2024 row is not qualifying: 58 days, in
    write_workbook(data / "高血压随访.xlsx", {"随访": [header, *([*visit, "门诊", 130, 80] for visit in visits)]})
    row = computed_with(tmp_path, data, "steady_followup_rate", STEADY, STEADY_POPULATIONS)
    assert (row["numerator"], row["denominator"]) == (2, 4)  # A and E


def test_longest_gap_of_a_field_that_is_not_a_date_is_refused(tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "steady_followup_rate.yaml").write_text(STEADY, encoding="utf-8")
    (folder / "populations.yaml").write_text(STEADY_POPULATIONS.replace("{longest_gap: followup_date}", "{longest_gap: systolic}"),
                                             encoding="utf-8")
    ran = run_chsc("indicators", "--indicators", folder)
    assert ran.code == 2 and "longest_gap（相邻两个日期间隔的最多天数）只用于日期字段，「systolic」不是" in ran.stderr, ran.output
