"""The review of 8 December of what chsc writes and prints: an ID in a file name written in other
groups, a centre's name typed into `init`, a user's Markdown template printing a whole list, and -o
through a link inside the data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cli_helpers import run_chsc
from helpers import make_id
from chsc_cli.id_masks import holds_id, mask_ids_in_str

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


ID = make_id("19400510", "040", area="330103")  # a right check character: a loose shape is masked only then


@pytest.mark.parametrize("text", [
    f"花名册 {ID[:4]} {ID[4:8]} {ID[8:12]} {ID[12:16]} {ID[16:]}.xlsx",  # groups of four
    f"随访({ID[:6]}){ID[6:]}.csv",  # the area code in brackets
    f"（{ID[:6]}）  {ID[6:]} 名单",
    f"【{ID[:6]}】{ID[6:10]}-{ID[10:14]}-{ID[14:]}",
    f"{ID[:6]} - {ID[6:14]} - {ID[14:]}",  # space, hyphen, space
    f"{ID[:6]}．{ID[6:14]}．{ID[14:]}",  # full-width full stops
    f"{ID[:6]},{ID[6:14]},{ID[14:]}",
    f"（张三 ({ID[:6]}){ID[6:17]}{'0' if ID[17] != '0' else '1'}）.xlsx",  # bracketed, its check character mistyped
    f"张三{ID[:17]}×",  # × typed for the check character (only when it is X)
])
def test_an_id_written_in_other_groups_or_with_brackets_is_masked(text):
    masked = mask_ids_in_str(text)
    assert holds_id(text) and "19400510" not in "".join(c for c in masked if c.isdigit())
    assert masked.count("*") >= 8


@pytest.mark.parametrize("text", [
    "电话 138 0000 0000 139 0000 0000",  # two phone numbers: no birth date where an ID has one
    "2025-03-12 14:20:00 2025-03-13",
    "100  200  300  400  500  600",
    "13800120150 6123456",  # a mobile and a landline: digits 7–14 a date, but no ID's check character
])
def test_numbers_in_groups_that_are_no_id_are_left_alone(text):
    assert mask_ids_in_str(text) == text and not holds_id(text)


@pytest.mark.parametrize("centre", ["城东社区卫生服务中心 #2分中心", "[总院]城东中心", "@城东", "null", "城东: 分中心"])
def test_init_writes_the_centre_s_name_as_typed(tmp_path, centre):
    folder = tmp_path / "新数据"
    ran = run_chsc("init", folder, "--centre", centre, "--quiet")
    assert ran.code == 0, ran.output
    assert yaml.safe_load((folder / "chsc.yaml").read_text(encoding="utf-8"))["centre"] == centre


def test_init_refuses_a_centre_name_of_several_lines(tmp_path):
    ran = run_chsc("init", tmp_path / "新数据", "--centre", "城东\npopulation:\n  total: 5")
    assert ran.code == 2 and "中心名称不能分成几行" in ran.stderr and not (tmp_path / "新数据").exists()


def test_a_markdown_template_printing_a_whole_list_escapes_it(tmp_path):
    template = tmp_path / "list.md.j2"
    template.write_text("A: {{ stations }}\nB: {{ station_rows[0] }}\n", encoding="utf-8")
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("*.py", "README.md"))
    output = tmp_path / "out.md"
    ran = run_chsc("report", data, "-p", "2025", "--template", template, "-o", output, "--quiet")
    assert ran.code == 0, ran.output
    text = output.read_text(encoding="utf-8")
    line_a, line_b = text.splitlines()[:2]
    assert line_a.startswith("A: \\[") and line_b.startswith("B: {")
    assert "_" not in line_b.replace("\\_", "")  # indicator\_id: every Markdown character escaped


def test_o_through_a_link_inside_the_data_folder_cannot_overwrite_last_year_s_roster(tmp_path):
    this_year, last_year = tmp_path / "d2025", tmp_path / "d2024"
    for folder in (this_year, last_year):
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.py", "README.md"))
    (this_year / "往年").symlink_to(last_year, target_is_directory=True)
    roster = next(last_year.rglob("*花名册*.xlsx"))
    before = roster.read_bytes()
    through_link = this_year / "往年" / roster.relative_to(last_year)
    ran = run_chsc("compute", this_year, "-p", "2025", "-o", through_link, "--quiet")
    assert ran.code == 2 and "不能覆盖数据文件夹中已有的表格文件" in ran.stderr, ran.output
    assert roster.read_bytes() == before
    fresh = this_year / "2025指标.xlsx"  # a new file in the data folder is still written
    assert run_chsc("compute", this_year, "-p", "2025", "-o", fresh, "--quiet").code == 0 and fresh.exists()


def test_o_may_overwrite_a_file_outside_the_data_folder_named_with_dot_dot(tmp_path, monkeypatch):
    data = tmp_path / "数据"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("*.py", "README.md"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "结果.xlsx").write_bytes(b"last month")
    monkeypatch.chdir(data)
    ran = run_chsc("compute", ".", "-p", "2025", "-o", "../out/结果.xlsx", "--quiet")
    assert ran.code == 0, ran.output
    assert (tmp_path / "out" / "结果.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("centre", ["城东\x9f中心", "城东\udcff中心"])
def test_init_refuses_a_centre_name_with_characters_yaml_cannot_keep(tmp_path, centre):
    ran = run_chsc("init", tmp_path / "新数据", "--centre", centre)
    assert ran.code == 2 and "不能含控制字符" in ran.stderr and not (tmp_path / "新数据").exists(), ran.output


def test_a_district_chsc_yaml_with_a_bad_column_name_is_said(tmp_path):
    district = tmp_path / "区"
    shutil.copytree(SAMPLE, district / "甲中心", ignore=shutil.ignore_patterns("*.py", "README.md"))
    (district / "chsc.yaml").write_text("columns:\n  随访医师: 不存在的字段\n", encoding="utf-8")
    ran = run_chsc("compute", district, "--centres", "-p", "2025", "--quiet")
    assert ran.code == 2 and "chsc.yaml 第 2 行：columns 中「随访医师」对应的「不存在的字段」不是已知的标准列名" in ran.stderr, ran.output


def test_an_unquoted_glob_in_kinds_is_said_in_chinese(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("*.py", "README.md"))
    (data / "chsc.yaml").write_text("kinds:\n  *慢病名册*.xlsx: hypertension_patients\n", encoding="utf-8")
    ran = run_chsc("validate", data, "--quiet")
    assert ran.code == 2 and "以 * 或 & 开头的值（如文件名通配符）要加引号" in ran.stderr, ran.output
