"""Text that looks like rich markup ("[/x]", "[bold]") in a register, a file name or a library is
printed as written by every command's table, and never ends a command with an internal error (a
cell "[/x]" once made `validate` exit 3: rich read it as a closing tag with nothing to close)."""

from __future__ import annotations

import io

from cli_helpers import run_chsc
from helpers import make_id, write_workbook
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from budget import examples
from chsc_cli.outputs.validation import render_validation_table
from chsc_cli.problems import Problem
from chsc_cli.registers.records import ReadResult

A, B, C = (make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19580601", "031")))
STATION, TEAM, DATE = "城东[/x]站", "[bold]一组", "[/x]"


def _centre(folder):
    residents = [
        ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "签约", "联系电话"],
        [A, "甲", "2020-01-01", STATION, TEAM, "是", "13800000001"],
        [B, "乙", "2020-01-01", STATION, TEAM, "否", "13800000002"],
        [C, "丙", DATE, "二站", "三组", "是", "13800000003"],
    ]
    write_workbook(folder / "[b]居民健康档案.xlsx", {"居民": residents})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导"], [A, "2025-03-01", "是", "是"]]
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": checkups})
    (folder / "chsc.yaml").write_text("centre: 测试[/]中心\npopulation: {total: 10, adults_18_plus: 8}\n", encoding="utf-8")
    return folder


def _flat(text: str) -> str:
    return "".join(text.split()).replace("│", "")


def test_every_command_prints_markup_like_text_as_written(tmp_path):
    folder = _centre(tmp_path)
    ran = run_chsc("validate", folder)
    assert ran.code == 1, ran.output  # the bad date is an error of the data, not of chsc
    assert "[/x]" in ran.stdout and "[b]居民健康档案.xlsx" in _flat(ran.stdout)
    ran = run_chsc("compute", folder, "--period", "2025", "--by", "station")
    assert ran.code == 0, ran.output
    assert STATION in ran.stdout and "测试[/]中心" in ran.stdout
    ran = run_chsc("compute", folder, "--period", "2025", "--by", "team")
    assert ran.code == 0 and TEAM in ran.stdout, ran.output
    ran = run_chsc("gaps", "elderly_health_management_rate", folder, "--period", "2025")
    assert ran.code == 0, ran.output
    assert "城东[/x" in ran.stdout and "[bold]" in ran.stdout and "乙" in ran.stdout  # (narrow columns fold)
    for command in (("check", folder, "--period", "2025"), ("progress", folder, "--year", "2025"),
                    ("explain", "elderly_health_management_rate", folder, "--period", "2025")):
        ran = run_chsc(*command)
        assert ran.code in (0, 1), (command, ran.output)
        assert "内部错误" not in ran.output


@given(st.text(alphabet="[]/ab站=# ", min_size=1, max_size=12).filter(lambda t: t.strip() == t and "  " not in t))
@settings(max_examples=examples(60), deadline=None)
def test_a_problem_message_is_shown_verbatim(text):
    result = ReadResult(None, {})
    result.problems.append(Problem("bad-date", f"无法识别的日期「{text}」", file=f"{text}.xlsx", sheet=text, row=3, column=text))
    console = Console(file=io.StringIO(), width=400, record=True, color_system=None)  # markup on, as rich's default
    render_validation_table(console, result, limit=10)
    shown = console.export_text()
    assert f"无法识别的日期「{text}」" in shown and f"{text}.xlsx" in shown


def test_control_characters_in_a_register_never_reach_the_terminal_or_a_file(tmp_path):
    """ESC in a cell would start a terminal sequence (recolour, retitle the window): cells lose their
    control characters when read, so no output carries them, and the rest of the text is kept."""
    from helpers import write_csv

    residents = [["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队"],
                 [A, "甲", "2020-01-01", "城东\x1b]0;title\x07站", "一组"],
                 [B, "名\x1b[1m乙", "2020-01-01", "城东\x1b]0;title\x07站", "一组\x9b"]]
    write_csv(tmp_path / "居民健康档案.csv", residents)
    write_csv(tmp_path / "老年人体检2025.csv", [["身份证号", "体检日期", "生活方式评估", "健康指导"], [A, "2025-03-01", "是", "是"]])
    (tmp_path / "chsc.yaml").write_text("population: {total: 10}\n", encoding="utf-8")
    for command in (("compute", tmp_path, "--period", "2025", "--by", "station"),
                    ("gaps", "elderly_health_management_rate", tmp_path, "--period", "2025", "-o", tmp_path / "名单.csv"),
                    ("validate", tmp_path)):
        ran = run_chsc(*command)
        assert ran.code in (0, 1) and not any(c in ran.output for c in "\x1b\x07\x9b"), (command, ran.output)
    assert "城东]0;title站" in run_chsc("compute", tmp_path, "--period", "2025", "--by", "station").stdout
    written = (tmp_path / "名单.csv").read_text(encoding="utf-8-sig")
    assert "城东]0;title站" in written and "名[1m乙" in written and "一组" in written
    assert not any(c in written for c in "\x1b\x07\x9b")


def test_control_characters_in_a_file_sheet_or_centre_name_are_shown_not_sent_to_the_terminal(tmp_path):
    """Cells lose their control characters when read, but a file's or a sheet's name and chsc.yaml's
    names reach every table and message as written: each is shown as its picture (ESC as ␛), never
    sent to the terminal (ESC[2J in a file name cleared the screen of whoever ran validate)."""
    import json

    from helpers import write_csv

    write_csv(tmp_path / "居民健康档案.csv", [["身份证号", "姓名", "建档日期"], [A, "甲", "2020-01-01"]])
    write_csv(tmp_path / "老\x1b[2J\x1b[31m体检2025.csv", [["身份证号", "体检日期"], [A, "not a date"], [B, "2025-03-01"]])
    write_workbook(tmp_path / "随访.xlsx", {"高血压\x9b2J": [["身份证号", "随访日期"], [A, "坏日期"]]})
    (tmp_path / "坏\x1b[2J.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "chsc.yaml").write_text('centre: "中心\\e[31m甲\\x9b"\npopulation: {total: 10}\n', encoding="utf-8")
    broken = run_chsc("compute", tmp_path, "--period", "2025")  # an unreadable file stops it (exit 2)
    assert broken.code == 2 and "坏␛[2J.xlsx" in broken.stderr and "\x1b" not in broken.output
    runs = [run_chsc("validate", tmp_path)]
    (tmp_path / "坏\x1b[2J.xlsx").unlink()
    runs += [run_chsc(*command) for command in (("compute", tmp_path, "--period", "2025"),
        ("gaps", "elderly_health_management_rate", tmp_path, "--period", "2025"), ("check", tmp_path, "--period", "2025"),
        ("validate", tmp_path, "--format", "json"), ("compute", tmp_path, "--period", "2025", "--format", "csv"))]
    for ran in runs:
        assert ran.code in (0, 1, 2) and not any(c in ran.output for c in "\x1b\x07\x9b"), ran.output
    assert "老␛[2J␛[31m体检2025.csv" in runs[0].stdout and "坏␛[2J.xlsx" in runs[0].output
    assert "高血压�2J" in runs[0].stdout and "中心␛[31m甲" in runs[1].stdout
    from rich.cells import cell_len

    width = None  # each table's rows as wide as its top border: the pictures measured as drawn
    for line in runs[0].stdout.splitlines():
        if line.startswith(("┏", "┌")):
            width = cell_len(line)
        elif line.startswith("│"):
            assert cell_len(line) == width, line
    problems = json.loads(runs[4].stdout)["problems"]
    assert any(problem["file"] == "老\x1b[2J\x1b[31m体检2025.csv" for problem in problems)  # JSON: \u001b, the name exact
