"""`chsc validate`: exit codes 0/1/2 of cli.md, Chinese one-line errors, never a traceback."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from cli_helpers import run_chsc, run_chsc_process
from helpers import make_id, wrong_checksum

VALID_ID = "11010519491231002X"


def _checkups(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "体检"
    sheet.append(["姓名", "身份证号", "体检日期", "生活方式评估", "健康指导"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@pytest.fixture
def clean_folder(tmp_path):
    _checkups(tmp_path / "体检2025.xlsx", [["张三", VALID_ID, dt.date(2025, 3, 12), "是", "是"]])
    return tmp_path


def test_clean_folder_exits_0_and_lists_the_register(clean_folder):
    ran = run_chsc("validate", clean_folder)
    assert ran.code == 0, ran.output
    assert "老年人健康体检记录" in ran.stdout and "体检2025.xlsx" in ran.stdout


def test_json_shape(clean_folder):
    ran = run_chsc("validate", clean_folder, "--format", "json")
    data = json.loads(ran.stdout)
    assert data["registers"] == [
        {"kind": "elderly_checkups", "file": "体检2025.xlsx", "sheet": "体检", "header_row": 1, "rows": 1}
    ]
    assert data["skipped"] == []


def test_data_error_exits_1_with_located_problem(tmp_path):
    _checkups(tmp_path / "体检.xlsx", [["张三", VALID_ID, "2025-13-45", "是", "是"]])
    ran = run_chsc("validate", tmp_path, "--format", "json")
    assert ran.code == 1
    problem = json.loads(ran.stdout)["problems"][0]
    assert (problem["code"], problem["level"], problem["row"], problem["column"], problem["field"]) == (
        "bad-date",
        "error",
        2,
        "体检日期",
        "checkup_date",
    )


def test_corrupt_file_exits_2_names_it_and_still_reads_the_others(clean_folder):
    (clean_folder / "坏文件.xlsx").write_bytes(b"\x00\x01garbage" * 50)
    ran = run_chsc("validate", clean_folder, "--format", "json")
    assert ran.code == 2
    data = json.loads(ran.stdout)
    assert [p["file"] for p in data["problems"] if p["code"] == "unreadable-file"] == ["坏文件.xlsx"]
    assert len(data["registers"]) == 1
    assert "Traceback" not in ran.output


def test_bad_config_exits_2_naming_key_and_line(clean_folder):
    (clean_folder / "chsc.yaml").write_text("centre: 中心\npopulaton:\n  total: 1\n", encoding="utf-8")
    ran = run_chsc("validate", clean_folder)
    assert ran.code == 2
    assert "第 2 行" in ran.stderr and "populaton" in ran.stderr
    assert "Traceback" not in ran.output
    assert len(ran.stderr.strip().splitlines()) <= 2


def test_no_registers_is_an_error_naming_each_skipped_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本文件说明"])
    workbook.save(tmp_path / "说明.xlsx")
    ran = run_chsc("validate", tmp_path, "--format", "json")
    assert ran.code == 1
    codes = [p["code"] for p in json.loads(ran.stdout)["problems"]]
    assert "no-registers" in codes
    message = next(p["message"] for p in json.loads(ran.stdout)["problems"] if p["code"] == "no-registers")
    assert "说明.xlsx: 说明" in message


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "/no/such/folder"),
        ("validate", "--no-such-option", "x"),
        ("validate",),
    ],
)
def test_user_mistakes_exit_2_in_chinese_without_traceback(args):
    ran = run_chsc(*args)
    assert ran.code == 2
    assert "Traceback" not in ran.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ran.stderr)


def test_a_negative_limit_is_a_user_error(clean_folder):
    ran = run_chsc("validate", clean_folder, "--limit", "-1")
    assert ran.code == 2 and "--limit" in ran.stderr and "Traceback" not in ran.output


def test_a_file_instead_of_a_folder_is_a_user_error(clean_folder):
    ran = run_chsc("validate", clean_folder / "体检2025.xlsx")
    assert ran.code == 2 and "不是文件夹" in ran.stderr


def test_help_has_an_example():
    ran = run_chsc("validate", "--help")
    assert ran.code == 0 and "示例" in ran.stdout


def test_problem_order_is_the_same_whatever_the_hash_seed(tmp_path):
    """Several problem kinds in one column come out in one order, run after run (string hashing is
    randomised per process, so an order taken from a set would change)."""
    rows = [
        ["李四", wrong_checksum(make_id(seq="002")), dt.date(2025, 3, 1), "是", "是"],
        ["王五", "12345", dt.date(2025, 3, 2), "是", "是"],
        ["赵六", 110105195001010011, dt.date(2025, 3, 3), "是", "是"],
        ["孙七", make_id(seq="004"), "2025-13-45", "是", "是"],
        ["周八", make_id(seq="005"), dt.date(2025, 3, 4), "也许", "是"],
    ]
    _checkups(tmp_path / "体检.xlsx", rows)
    outputs = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        ran = run_chsc_process("validate", tmp_path, "--format", "json", "--no-cache", env={"PYTHONHASHSEED": seed})
        assert ran.code == 1, ran.stderr
        outputs.add(json.dumps([(p["code"], p["row"]) for p in json.loads(ran.stdout)["problems"]]))
    assert len(outputs) == 1, outputs
    assert len({code for code, _ in json.loads(outputs.pop())}) >= 3


def test_validate_with_a_period_lists_the_problems_computing_that_period_finds(tmp_path):
    """compute said 「not-in-roster 1，详见 chsc validate」 and validate listed none: not-in-roster is
    found for a period's rows. `validate --period` lists each; compute's pointer names the period."""
    from helpers import write_workbook

    resident, stranger = make_id("19500101", "011"), make_id("19520101", "013")
    write_workbook(tmp_path / "居民健康档案.xlsx", {"档案": [["身份证号", "姓名", "建档日期"], [resident, "甲", dt.date(2020, 1, 1)]]})
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": [["身份证号", "姓名", "体检日期"],
                                                       [resident, "甲", dt.date(2025, 3, 1)], [stranger, "乙", dt.date(2025, 4, 1)]]})
    plain = run_chsc("validate", tmp_path, "--format", "json")
    assert "not-in-roster" not in [p["code"] for p in json.loads(plain.stdout)["problems"]]
    ran = run_chsc("validate", tmp_path, "--period", "2025", "--format", "json")
    listed = json.loads(ran.stdout)["problems"]
    [problem] = [p for p in listed if p["code"] == "not-in-roster"]
    assert len(listed) == len(json.loads(plain.stdout)["problems"]) + 1  # the others once, not again
    assert ran.code == 0 and (problem["code"], problem["file"], problem["row"]) == ("not-in-roster", "老年人体检.xlsx", 3)
    compute = run_chsc("compute", tmp_path, "--period", "2025")
    assert "not-in-roster 1），详见 chsc validate --period 2025。" in compute.output
    table = run_chsc("validate", tmp_path)
    assert "加 --period 一并列出" in table.stderr
