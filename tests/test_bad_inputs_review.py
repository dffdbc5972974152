"""What a review of every bad input on every command found (7 December): each case here ended in
an English message, an internal error, a traceback, a half-made folder, a temporary file of names
and phone numbers left behind, or chsc's own list read back as a register with an error."""

from __future__ import annotations

import json
import os
import time

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_csv, write_small_centre

from chsc_cli.registers import sources

PEOPLE = [make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19580601", "031"))]


@pytest.fixture
def centre(tmp_path):
    folder = tmp_path / "centre"
    folder.mkdir()
    write_small_centre(folder, PEOPLE)
    (folder / "chsc.yaml").write_text("population: {total: 10, age_65_plus: 3}\n", encoding="utf-8")
    return folder


def test_chsc_own_csv_lists_saved_into_the_data_folder_are_skipped_not_read_as_registers(centre):
    """A gap list written as CSV into the data folder read as a roster missing 建档日期 — an error in
    every later run (an .xlsx list carries chsc's mark; a CSV has no properties: its header tells)."""
    gaps = run_chsc("gaps", "family_doctor_signing_rate", centre, "--period", "2025", "-o", centre / "待签约名单.csv")
    table = run_chsc("compute", centre, "--period", "2025", "-o", centre / "指标.csv")
    assert gaps.code == 0 and table.code == 0, gaps.output + table.output
    edited = (centre / "待签约名单.csv").read_text(encoding="utf-8-sig").splitlines()
    (centre / "名单-已打电话.csv").write_text("\n".join(line + ",备注" for line in edited), encoding="utf-8-sig")
    ran = run_chsc("validate", centre, "--format", "json")
    assert ran.code == 0, ran.output
    skipped = {entry["file"]: entry["reason"] for entry in json.loads(ran.stdout)["skipped"]}
    assert {"待签约名单.csv", "指标.csv", "名单-已打电话.csv"} <= set(skipped)
    assert all("chsc 写出的结果文件" in skipped[name] for name in ("待签约名单.csv", "指标.csv", "名单-已打电话.csv"))
    assert [entry["file"] for entry in json.loads(ran.stdout)["registers"]] == ["居民健康档案.xlsx", "老年人体检2025.xlsx"]
    said = [problem["message"] for problem in json.loads(ran.stdout)["problems"] if problem["file"] == "指标.csv"]
    assert said == ["已跳过：这是 chsc 写出的结果文件（名单、指标表），不是登记表"]  # (已跳过 said once)


def test_a_register_with_a_station_first_column_is_still_a_register():
    assert not sources.written_by_chsc(["所属站点", "身份证号", "姓名", "建档日期"])
    assert not sources.written_by_chsc(["站点", "身份证号", "姓名", "建档日期", "失访原因"])
    assert sources.written_by_chsc(["站点", "团队", "姓名", "身份证号", "年龄", "联系电话", "原因", "最近一次联系"])
    assert sources.written_by_chsc(["指标编号", "指标", "分组", "分子"])


def test_a_csv_cell_longer_than_the_csv_modules_limit_is_read(centre):
    """Python's csv stops at 131,072 characters a cell: a note pasted into one cell (no quote
    anywhere) rejected the whole file as an unclosed quote."""
    rows = [["身份证号", "体检日期", "备注"], [PEOPLE[1], "2025-04-01", "很长" * 80_000]]
    write_csv(centre / "老年人体检补录.csv", rows)
    ran = run_chsc("compute", centre, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    elderly = next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "elderly_health_management_rate")
    assert elderly["numerator"] == 2


def test_a_long_bad_id_cell_is_quoted_short(centre):
    write_csv(centre / "老年人体检补录.csv", [["身份证号", "体检日期"], ["不" * 5000, "2025-04-01"]])
    ran = run_chsc("validate", centre, "--format", "json")
    message = next(problem["message"] for problem in json.loads(ran.stdout)["problems"] if problem["code"] == "bad-id")
    assert len(message) < 80 and "…" in message, message


def test_a_number_of_thousands_of_digits_in_yaml_is_said_at_its_line(centre, tmp_path):
    """Past Python's 4,300 digits a YAML integer was an internal error (exit 3)."""
    (centre / "chsc.yaml").write_text(f"population:\n  total: {'9' * 5000}\n", encoding="utf-8")
    ran = run_chsc("compute", centre, "--period", "2025")
    assert ran.code == 2 and "第 2 行" in ran.stderr and "位数过多" in ran.stderr and "内部错误" not in ran.output, ran.output
    (centre / "chsc.yaml").write_text("population: {total: 10}\n", encoding="utf-8")
    library = tmp_path / "library"
    library.mkdir()
    (library / "x.yaml").write_text(f"id: x\nname: x\nmin_age: {'9' * 5000}\n", encoding="utf-8")
    ran = run_chsc("compute", centre, "--period", "2025", "--indicators", library)
    assert ran.code == 2 and "x.yaml:3" in ran.stderr and "位数过多" in ran.stderr, ran.output


def test_path_problems_click_finds_are_said_in_chinese_with_what_to_do():
    from typer._click import exceptions

    from chsc_cli.cli.click_text import usage_message

    said = usage_message(exceptions.BadParameter("Path '/数据/pp' is not readable."))
    assert said == "路径「/数据/pp」没有读取权限：请检查它的权限，或把它复制到自己有权限的位置后再运行"
    assert "不存在" in usage_message(exceptions.BadParameter('File "a\'b.yaml" does not exist.'))


def test_a_chsc_yaml_that_cannot_be_read_says_what_to_do(centre, monkeypatch):
    from pathlib import Path

    real = Path.read_bytes

    def refused(path):  # (as root, a file without read permission is still read: said as the OS says it)
        if path.name == "chsc.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refused)
    ran = run_chsc("compute", centre, "--period", "2025")
    assert ran.code == 2 and "没有读取权限" in ran.stderr and "请检查该文件的权限" in ran.stderr, ran.output


def test_init_stopped_halfway_leaves_no_folder_and_can_be_run_again(tmp_path, monkeypatch):
    """Ctrl-C (or a full disk) after a few templates left a folder that a second `chsc init` refused."""
    from chsc_cli.outputs import register_templates

    written = []
    real = register_templates.write_template

    def stopped_after_three(path, kind):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(path)
        return real(path, kind)

    monkeypatch.setattr(register_templates, "write_template", stopped_after_three)
    (tmp_path / "空的").mkdir()
    for target in (tmp_path / "新", tmp_path / "空的"):
        written.clear()
        ran = run_chsc("init", target)
        assert ran.code == 2 and "已取消" in ran.stderr, ran.output
        assert not target.exists() or not any(target.iterdir())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["空的"]  # no half-made folder beside
    monkeypatch.setattr(register_templates, "write_template", real)
    assert run_chsc("init", tmp_path / "新", "--quiet").code == 0
    assert (tmp_path / "新" / "chsc.yaml").exists() and oct((tmp_path / "新").stat().st_mode & 0o777) != "0o700"


def test_init_fills_the_folder_it_is_run_in_and_a_link_to_an_empty_folder(tmp_path, monkeypatch):
    """`cd 新文件夹 && chsc init .` — the usual way — and a link to an empty folder are filled in place."""
    (tmp_path / "这里").mkdir()
    (tmp_path / "真的").mkdir()
    (tmp_path / "链接").symlink_to(tmp_path / "真的")
    monkeypatch.chdir(tmp_path / "这里")
    assert run_chsc("init", ".", "--quiet").code == 0
    assert run_chsc("init", tmp_path / "链接", "--quiet").code == 0
    assert (tmp_path / "这里" / "chsc.yaml").exists() and (tmp_path / "真的" / "chsc.yaml").exists()
    assert len(list((tmp_path / "这里").iterdir())) == len(list((tmp_path / "真的").iterdir())) > 10
    assert sorted(path.name for path in tmp_path.iterdir()) == ["真的", "这里", "链接"]


def test_a_temporary_file_left_by_a_killed_run_goes_at_the_next_write(centre, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale, fresh = out / ".~chsc-tmp-0badc0de.xlsx", out / ".~chsc-tmp-0000beef.xlsx"
    for left in (stale, fresh):
        left.write_bytes(b"part of a list of names")
    an_hour_ago = time.time() - 7200
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert run_chsc("compute", centre, "--period", "2025", "-o", out / "指标.xlsx").code == 0
    assert not stale.exists() and fresh.exists()  # (a write under way may own the fresh one)


def test_running_out_of_memory_inside_the_reader_names_the_sheet(centre, monkeypatch):
    """python-calamine turns a MemoryError into pyo3's PanicException, which is no Exception: it ended
    chsc with a traceback and exit 1. It is the sheet's unreadable-file now."""

    class PanicException(BaseException):
        pass

    def panics(book, sheet_name):
        raise PanicException("MemoryError")

    monkeypatch.setattr(sources, "inspect_sheet", panics)
    ran = run_chsc("compute", centre, "--period", "2025", "--no-cache")
    assert ran.code == 2 and "内存不足" in ran.stderr and "Traceback" not in ran.output, ran.output


def test_memory_and_foreign_panics_end_as_the_exit_codes_say(centre, monkeypatch):
    from chsc_cli.services import workspace

    class PanicException(BaseException):
        pass

    for raised, code, said in ((MemoryError(), 2, "内存不足"), (PanicException("boom"), 3, "内部错误")):
        def fails(*args, raised=raised, **kwargs):
            raise raised

        monkeypatch.setattr(workspace, "open_workspace", fails)
        ran = run_chsc("compute", centre, "--period", "2025")
        assert ran.code == code and said in ran.stderr and "Traceback" not in ran.output, ran.output


def test_template_mistakes_are_said_at_their_line_in_chinese(centre, tmp_path):
    for text, said in (("# {{ centre }}\n\n{{ nothing.at.all }}\n", "第 3 行用了不存在的字段：「nothing」"),
                       ("# x\n{{ 1 / 0 }}\n", "第 2 行渲染出错：除数为 0"),
                       ("{{ indicators.foo }}\n", "第 1 行用了不存在的字段：「foo」")):
        template = tmp_path / "模板.md"
        template.write_text(text, encoding="utf-8")
        ran = run_chsc("report", centre, "--period", "2025", "--kind", "summary", "--template", template, "-o", tmp_path / "out.md")
        assert ran.code == 2 and said in ran.stderr and "Traceback" not in ran.output, ran.output


def test_a_kind_field_written_in_chinese_is_said_in_chinese(tmp_path, centre):
    from chsc_cli.registers import use_register_kinds

    kinds = tmp_path / "kinds"
    kinds.mkdir()
    (kinds / "a.yaml").write_text("name: 中文\ntitle: x\ncolumns:\n  - header: 甲\n    field: 字段\n", encoding="utf-8")
    try:
        ran = run_chsc("validate", centre, "--register-kinds", kinds)
    finally:
        use_register_kinds([])
    assert ran.code == 2 and "String should match" not in ran.output, ran.output
    assert "a.yaml:5: 「field」只能是小写英文字母、数字和下划线" in ran.stderr and "而不是「字段」" in ran.stderr


def test_explain_with_a_period_and_no_folder_says_the_period_needs_one(centre):
    ran = run_chsc("explain", "elderly_health_management_rate", "--period", "2025")
    assert ran.code == 0 and "没有给出数据文件夹" in ran.stderr and "老年人健康管理率" in ran.stdout
    assert run_chsc("explain", "elderly_health_management_rate", "--period", "2025x").code == 2


def test_a_pipe_closed_by_its_reader_keeps_the_commands_own_exit_code(centre):
    """`chsc gaps … | head -1`: rich ended the command with exit 1 when the reader closed the pipe —
    for check and validate the code of a missed target or of data errors."""
    import subprocess
    import sys

    from cli_helpers import SRC

    rows = [["身份证号", "姓名", "建档日期", "所属站点", "签约"]]
    rows += [[make_id("19500101", f"{n:03d}", "330102"), f"人{n}", "2020-01-01", "一站", "否"] for n in range(1, 999)]
    write_csv(centre / "居民健康档案补录.csv", rows)
    command = [sys.executable, "-m", "chsc_cli", "gaps", "family_doctor_signing_rate", str(centre), "--period", "2025", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="100"))
    assert process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=120) == 0
