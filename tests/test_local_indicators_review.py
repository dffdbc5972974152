"""The review of 8 December: a centre's staff adding local indicators from the docs alone (a
checkup's seven tests all filled, follow-ups at most 100 days apart, signed residents served).
What it found wrong: a field made by `derive` stopped `check` with an internal error; a `count`
took `test:` and `none:` and ignored them; `content_filled` on a column without `type: yesno` was
read as text, so 是 never matched; misspelt fields and kind keys were not guessed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

D = dt.date
A, B, C = (make_id(f"1950020{i}", f"{i}21") for i in (1, 2, 3))
ROOT = Path(__file__).resolve().parents[1]

FIRST_FOLLOWUP = """id: early_first_followup_rate
name: 一季度内首次随访的患者比例（测试）
category: 高血压患者健康管理
registers: [hypertension_followups]
definition: 测试：统计期内首次随访在 3 月 31 日前的患者 / 统计期内有随访的患者
target: 0.5
denominator:
  population:
    register: hypertension_followups
    where: [followup_date >= period_start, followup_date <= period_end]
    derive:
      first_fu: {earliest: followup_date}
    latest_by: followup_date
numerator:
  require:
    - {check}
"""


def followups(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    visits = [[A, D(2025, 2, 1), "门诊", 130, 80], [A, D(2025, 5, 1), "电话", 130, 80],
              [B, D(2025, 6, 1), "门诊", 130, 80],
              [C, D(2024, 1, 5), "门诊", 130, 80], [C, D(2025, 4, 1), "门诊", 130, 80]]  # C's 2024 row: not qualifying
    write_workbook(data / "高血压随访.xlsx", {"随访": [header, *visits]})
    return data


def library(tmp_path: Path, ident: str, text: str) -> Path:
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    (folder / f"{ident}.yaml").write_text(text, encoding="utf-8")
    return folder


def row_of(ran, ident: str) -> dict:
    assert ran.code == 0, ran.output
    return next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == ident and row["group"] is None)


@pytest.mark.parametrize("check", [
    "check: [first_fu <= 2025-03-31]",
    "check: [first_fu < 2025-04-01]",
])
def test_a_field_made_by_derive_is_read_by_check_as_by_having(tmp_path, check):
    text = FIRST_FOLLOWUP.replace("{check}", check)
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--format", "json", "--quiet",
                   "--indicators", library(tmp_path, "early_first_followup_rate", text))
    row = row_of(ran, "early_first_followup_rate")
    assert (row["numerator"], row["denominator"]) == (1, 3)  # A (1 February); B in June, C's first of 2025 in April


def test_the_gap_list_of_a_check_on_a_derived_field_names_the_others(tmp_path):
    text = FIRST_FOLLOWUP.replace("{check}", "check: [first_fu <= 2025-03-31]")
    ran = run_chsc("gaps", "early_first_followup_rate", followups(tmp_path), "-p", "2025", "--format", "csv", "--quiet",
                   "--indicators", library(tmp_path, "early_first_followup_rate", text))
    assert ran.code == 0, ran.output
    assert len(ran.stdout.splitlines()) == 3  # the header, B and C


COUNT = """id: phone_followups_rate
name: 电话随访患者比例（测试）
category: 高血压患者健康管理
registers: [hypertension_followups]
definition: 测试
target: 0.5
denominator:
  population:
    register: hypertension_followups
    where: [followup_date >= period_start, followup_date <= period_end]
numerator:
  require:
    - count:
        register: hypertension_followups
        date: followup_date
        {extra}
"""


@pytest.mark.parametrize("extra, said", [
    ("test: [followup_mode == 电话]", "count 没有 test：要数的行的条件请写在 where 里"),
    ("none: 无随访", "count 没有 none：没有一行的人也由 reason 说明"),
])
def test_a_count_refuses_the_keys_of_an_exists_it_would_ignore(tmp_path, extra, said):
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--quiet",
                   "--indicators", library(tmp_path, "phone_followups_rate", COUNT.replace("{extra}", extra)))
    assert ran.code == 2 and "phone_followups_rate.yaml:13: numerator.require.0.count：" + said in ran.stderr, ran.output


def test_a_count_lists_only_its_own_keys_after_an_unknown_one(tmp_path):
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--quiet",
                   "--indicators", library(tmp_path, "phone_followups_rate", COUNT.replace("{extra}", "max_gap_days: 100")))
    assert ran.code == 2 and "这里可用的键：register, date, within, where, at_least, at_most" in ran.stderr, ran.output
    assert "test" not in ran.stderr.split("这里可用的键：")[1]


def test_a_misspelt_field_is_guessed(tmp_path):
    text = FIRST_FOLLOWUP.replace("{check}", "check: [first_fu <= 2025-03-31]").replace(
        "where: [followup_date >= period_start", "where: [followup_dat >= period_start")
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--quiet",
                   "--indicators", library(tmp_path, "early_first_followup_rate", text))
    assert ran.code == 2 and "未知字段「followup_dat」（是不是 followup_date？）" in ran.stderr, ran.output


def test_yes_on_a_text_field_says_yes_is_for_yes_no_columns(tmp_path):
    text = FIRST_FOLLOWUP.replace("{check}", "check: [name == yes]")
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--quiet",
                   "--indicators", library(tmp_path, "early_first_followup_rate", text))
    assert ran.code == 2 and "yes、no 只用于 yesno 列" in ran.stderr and '"True"' not in ran.stderr, ran.output


def kinds_with(tmp_path: Path, column: str) -> Path:
    folder = tmp_path / "kinds"
    folder.mkdir()
    text = (ROOT / "register_kinds" / "elderly_checkups.yaml").read_text(encoding="utf-8")
    (folder / "elderly_checkups.yaml").write_text(text.rstrip("\n") + "\n" + column, encoding="utf-8")
    return folder


def test_content_filled_on_a_column_that_is_not_yes_no_is_refused(tmp_path):
    folder = kinds_with(tmp_path, "  - header: 心电图\n    field: ecg\n    content_filled: true\n")
    ran = run_chsc("indicators", "--register-kinds", folder)
    assert ran.code == 2 and "content_filled（有内容即为是）只用于 yesno 列：请加 type: yesno" in ran.stderr, ran.output


def test_a_misspelt_key_of_a_kind_is_guessed(tmp_path):
    folder = kinds_with(tmp_path, "  - header: 心电图\n    feild: ecg\n    type: yesno\n")
    ran = run_chsc("indicators", "--register-kinds", folder)
    assert ran.code == 2 and "未知的键「feild」" in ran.stderr and "（是不是 field？）" in ran.stderr, ran.output


def test_explain_says_a_register_an_any_item_reads_is_absent(tmp_path):
    """An absent register inside `any:` passes no one (health_record_usage_rate: any of several
    registers); explain says so among the registers read instead of leaving it out."""
    data = tmp_path / "data"
    write_workbook(data / "居民健康档案.xlsx", {"档案": [["身份证号", "姓名", "建档日期"], [A, "甲", D(2020, 1, 1)]]})
    write_workbook(data / "老年人体检.xlsx", {"体检": [["身份证号", "体检日期"], [A, D(2025, 3, 1)]]})
    ran = run_chsc("explain", "health_record_usage_rate", data, "-p", "2025")
    assert ran.code == 0, ran.output
    steps = [line.split("│")[1].strip() for line in ran.stdout.splitlines() if line.count("│") == 3]
    assert "严重精神障碍患者随访记录：数据文件夹中没有这张登记表（读入 0 行）" in steps, steps
    assert "老年人健康体检记录：读入的记录行数（各时期，出错的行除外）" in steps


def test_a_fallback_that_lacks_a_derived_field_is_refused_when_the_library_loads(tmp_path):
    """In a folder without the roster the fallback's persons lacked `first`, and compute stopped with an
    internal error; the definition now fails where it is written."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "populations.yaml").write_text(
        "populations:\n  new_patients:\n    register: hypertension_patients\n"
        "    derive:\n      first: {earliest: enrolment_date}\n"
        "    fallback:\n      register: hypertension_followups\n", encoding="utf-8")
    ran = run_chsc("indicators", "--indicators", folder)
    assert ran.code == 2 and "人群派生了「first」，fallback 也须派生它" in ran.stderr, ran.output


def test_explain_says_where_a_shared_parameter_is_written():
    ran = run_chsc("explain", "smi_face_to_face_rate")
    line = next(line for line in ran.stdout.splitlines() if line.startswith("参数："))
    assert "face_to_face_modes = [门诊," in line and "（共用，register_kinds/_value_sets.yaml）" in line, line


def test_yes_on_a_category_field_is_refused_naming_its_options(tmp_path):
    text = FIRST_FOLLOWUP.replace("{check}", "check: [followup_mode == yes]")
    ran = run_chsc("compute", followups(tmp_path), "-p", "2025", "--quiet",
                   "--indicators", library(tmp_path, "early_first_followup_rate", text))
    assert ran.code == 2 and "是选项字段，不是是/否字段" in ran.stderr and "True" not in ran.stderr, ran.output


def test_yes_is_still_an_option_of_a_category_whose_options_are_yes_and_no(tmp_path):
    """A local kind may name its category options yes / no (YAML reads them as true / false): `== yes`
    compares with that option, as before the check above."""
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    (kinds / "hearing_screen.yaml").write_text(
        "name: hearing_screen\ntitle: 新生儿听力筛查登记\norder: 900\nroster: false\nclassify:\n  words: [听力筛查]\n"
        "columns:\n  - header: 筛查日期\n    field: screen_date\n    type: date\n    required: true\n"
        "  - header: 是否通过\n    field: passed\n    type: category\n    required: true\n"
        "    vocabulary:\n      values:\n        yes: [通过]\n        no: [未通过]\n        unknown: [不详]\n    default: unknown\n"
        "  - use: station\n", encoding="utf-8")
    data = tmp_path / "data"
    write_workbook(data / "新生儿听力筛查登记.xlsx", {"听力筛查": [["筛查日期", "是否通过", "所属站点"],
        *([D(2025, month, 10), word, "城东站"] for month, word in zip((1, 2, 3, 4), ("通过", "通过", "未通过", "不详")))]})
    text = ("id: hearing_pass_rate\nname: 听力筛查通过率\ncategory: 儿童健康管理\nregisters: [hearing_screen]\nunit: record\n"
            "definition: 测试\ntarget: 0.9\ndenominator:\n  population:\n    register: hearing_screen\n"
            "    where: [screen_date >= period_start, screen_date <= period_end]\n"
            "numerator:\n  require:\n    - check: [passed == yes]\n")
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet", "--register-kinds", kinds,
                   "--indicators", library(tmp_path, "hearing_pass_rate", text))
    row = row_of(ran, "hearing_pass_rate")
    assert (row["numerator"], row["denominator"]) == (2, 4)
