"""`report --centres` says what the single-centre report says on stderr: the period notice before
the figures (a period without one service row, per centre) and, after the file, how many errors and
warnings the centres' data had, summed over the centres — the tally its data note carries."""

from __future__ import annotations

import datetime as dt

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_workbook

D = dt.date


def _centre(folder, n: int, checkup_year: int) -> None:
    """Four residents aged ≥65; one checkup, and one more whose ID is broken (an error, left out)."""
    folder.mkdir(parents=True)
    ids = [make_id(f"19{40 + k}0101", f"{n}{k:02d}") for k in range(1, 5)]
    write_workbook(folder / "居民健康档案.xlsx",
                   {"花名册": [["身份证号", "建档日期", "所属站点"]] + [[p, D(2018, 3, 1), "一站"] for p in ids]})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导"], [ids[0], D(checkup_year, 3, 1), "是", "是"],
                [ids[1][:12] + "X", D(checkup_year, 5, 1), "是", "是"]]
    write_workbook(folder / "老年人体检.xlsx", {"体检": checkups})


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    root = tmp_path_factory.mktemp("d") / "区"
    _centre(root / "甲中心", 1, 2025)
    _centre(root / "乙中心", 2, 2024)  # nothing dated 2025
    return root


def test_the_district_report_says_the_data_problems_of_every_centre(district, tmp_path):
    output = tmp_path / "区总结.md"
    ran = run_chsc("report", district, "-p", "2024-01..2025-12", "--centres", "-o", output, "--no-cache")
    assert ran.code == 0, ran.stderr
    assert "提示：数据中有 2 处错误（bad-id 2；出错的行或单元格未计入），可对各中心文件夹分别运行 chsc validate 中心文件夹 查看。" in ran.stderr
    assert "注：数据中有 2 处错误（出错的行或单元格未计入），可对各中心文件夹分别运行 chsc validate 中心文件夹 查看。" in output.read_text(encoding="utf-8")
    assert "注意：" not in ran.stderr  # both centres have rows in 2024–2025


def test_the_district_report_names_the_centre_without_a_row_in_the_period(district, tmp_path):
    ran = run_chsc("report", district, "-p", "2025", "--centres", "-o", tmp_path / "区总结.md", "--no-cache")
    assert ran.code == 0, ran.stderr
    [notice] = [line for line in ran.stderr.splitlines() if line.startswith("注意：")]
    assert notice.startswith("注意：乙中心：统计期2025年") and "甲中心" not in notice
    assert ran.stderr.index("注意：") < ran.stderr.index("已写入")  # before the figures, as one centre's


def test_a_period_no_centre_has_is_said_for_each_centre_and_one_not_begun_once(district):
    ran = run_chsc("compute", district, "-p", "2023", "--centres", "--no-cache")
    assert ran.code == 0
    notices = [line for line in ran.stderr.splitlines() if line.startswith("注意：")]
    assert [line[:len("注意：乙中心：统计期2023年")] for line in notices] == ["注意：乙中心：统计期2023年", "注意：甲中心：统计期2023年"]
    later = run_chsc("compute", district, "-p", str(dt.date.today().year + 1), "--centres", "--no-cache", "--format", "json")
    [notice] = [line for line in later.stderr.splitlines() if line.startswith("注意：")]
    assert "还没有到" in notice and "中心：" not in notice


def test_a_folder_without_registers_is_no_data_warning_and_the_csv_keeps_what_totals_leave_out(district, tmp_path):
    """A review of the district's outputs: the 注 counted a folder with no register among the data's
    warnings (one more than the centres' validate finds), and the csv's 说明 of a total that a centre
    cannot compute kept only that reason, losing which folder the total leaves out (the JSON note)."""
    import csv
    import json
    import shutil

    root = tmp_path / "区"
    shutil.copytree(district, root)
    (root / "丙中心").mkdir()
    (root / "丙中心" / "说明.txt").write_text("还没有数据", encoding="utf-8")
    output = tmp_path / "区总结.md"
    ran = run_chsc("report", root, "-p", "2024-01..2025-12", "--centres", "-o", output, "--no-cache")
    assert ran.code == 0, ran.stderr
    assert "注：数据中有 2 处错误（出错的行或单元格未计入），可对" in output.read_text(encoding="utf-8")
    assert "处警告" not in output.read_text(encoding="utf-8")
    table = tmp_path / "区.csv"
    assert run_chsc("compute", root, "-p", "2025", "--centres", "-o", table, "--no-cache").code == 0
    notes = json.loads(run_chsc("compute", root, "-p", "2025", "--centres", "--format", "json", "--no-cache").stdout)
    said = {row["id"]: row for row in notes["indicators"] if row["group"] is None}
    with table.open(encoding="utf-8-sig") as handle:
        rows = {row["指标编号"]: row for row in csv.DictReader(handle) if row["分组"] == "全区合计"}
    record = said["health_record_rate"]
    assert record["reason"] and record["note"] and "丙中心" in record["note"]
    assert rows["health_record_rate"]["说明"] == f"{record['reason']}；{record['note']}"
