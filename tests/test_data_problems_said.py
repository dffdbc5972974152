"""Rows with errors are left out, never silently (cli.md: "counted in the warnings"; the promise: one
bad row is reported and skipped): compute's table, check, gaps, progress and report each say how many
errors and warnings the data had, on stderr (stdout stays the data), and a report carries the note.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cli_helpers import run_chsc
from docx import Document
from helpers import make_id, write_workbook

from chsc_cli.outputs.data_problems import data_problems_text

D = dt.date
LINE = "提示：数据中有 1 处错误（bad-id 1；出错的行或单元格未计入）"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Four residents aged ≥65; three checkups, one of them with a broken ID number (left out)."""
    folder = tmp_path_factory.mktemp("data") / "中心"
    folder.mkdir()
    ids = [make_id(f"19{40 + n}0101", f"{n:03d}") for n in range(1, 5)]
    residents = [["身份证号", "建档日期", "所属站点"]] + [[person, D(2018, 3, 1), "一站"] for person in ids]
    write_workbook(folder / "居民健康档案.xlsx", {"花名册": residents})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导"],
                [ids[0], D(2025, 3, 1), "是", "是"], [ids[1], D(2025, 4, 1), "是", "是"],
                [ids[2][:12] + "X", D(2025, 5, 1), "是", "是"]]  # not an ID: the row is left out
    write_workbook(folder / "老年人体检.xlsx", {"体检": checkups})
    return folder


def _said(ran) -> list[str]:
    return [line for line in ran.stderr.splitlines() if line.startswith("提示：")]


def test_the_compute_table_and_json_agree_on_the_count(folder):
    table = run_chsc("compute", folder, "-p", "2025", "--no-cache")
    assert table.code == 0 and LINE in table.stdout and "详见 chsc validate。" in table.stdout
    data = json.loads(run_chsc("compute", folder, "-p", "2025", "--format", "json", "--no-cache").stdout)
    assert [w["count"] for w in data["warnings"] if w["level"] == "error"] == [1]


def test_check_says_it_on_stderr_and_keeps_its_exit_code(folder):
    ran = run_chsc("check", folder, "-p", "2025", "--no-cache")
    assert ran.code == 1  # 2 of 4 checked: the target is missed, as without the line
    assert len(_said(ran)) == 1 and _said(ran)[0].startswith(LINE) and "提示" not in ran.stdout
    quiet = run_chsc("check", folder, "-p", "2025", "--no-cache", "--quiet")
    assert quiet.code == 1 and not _said(quiet)


def test_gaps_says_it_on_stderr_and_its_csv_stays_data(folder, tmp_path):
    ran = run_chsc("gaps", "elderly_health_management_rate", folder, "-p", "2025", "--format", "csv", "--no-cache")
    assert ran.code == 0 and _said(ran)[0].startswith(LINE) and "提示" not in ran.stdout
    written = run_chsc("gaps", "elderly_health_management_rate", folder, "-p", "2025", "-o", tmp_path / "名单.xlsx", "--no-cache")
    assert written.code == 0 and _said(written)[0].startswith(LINE)


def test_progress_says_it(folder):
    ran = run_chsc("progress", folder, "--year", "2025", "--no-cache")
    assert ran.code == 0 and _said(ran)[0].startswith(LINE) and "提示" not in ran.stdout


@pytest.mark.parametrize("suffix", ["md", "html", "docx"])
def test_a_report_says_it_and_carries_the_note(folder, tmp_path, suffix):
    output = tmp_path / f"总结.{suffix}"
    ran = run_chsc("report", folder, "-p", "2025", "-o", output)
    assert ran.code == 0 and _said(ran)[0].startswith(LINE)
    if suffix == "docx":
        text = "\n".join(paragraph.text for paragraph in Document(output).paragraphs)
    else:
        text = output.read_text(encoding="utf-8")
    assert "注：数据中有 1 处错误（出错的行或单元格未计入），详见 chsc validate。" in text
    plan = tmp_path / f"计划.{suffix}"
    assert run_chsc("report", folder, "-p", "2025", "--kind", "plan", "-o", plan, "--quiet").code == 0
    plan_text = "\n".join(p.text for p in Document(plan).paragraphs) if suffix == "docx" else plan.read_text(encoding="utf-8")
    assert "注：数据中有 1 处错误" in plan_text


class _Warning:
    def __init__(self, code, level, count):
        self.code, self.level, self.count = code, level, count


def test_the_sentence_counts_errors_and_warnings_apart_and_leaves_the_period_notice_out():
    warnings = [_Warning("bad-date", "error", 2), _Warning("not-in-roster", "warning", 1_204),
                _Warning("bad-id", "error", 1), _Warning("period-without-data", "warning", 1)]
    assert data_problems_text(warnings) == (
        "数据中有 3 处错误（bad-date 2，bad-id 1；出错的行或单元格未计入）、1,204 处警告（not-in-roster 1,204），详见 chsc validate。")
    assert data_problems_text(warnings, codes=False) == "数据中有 3 处错误（出错的行或单元格未计入）、1,204 处警告，详见 chsc validate。"
    assert data_problems_text(warnings[1:2]) == "数据中有 1,204 处警告（not-in-roster 1,204），详见 chsc validate。"
    assert data_problems_text(warnings[3:]) is None and data_problems_text([]) is None
