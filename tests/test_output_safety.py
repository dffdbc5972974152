"""Outputs (issue 9, item 3), end to end through the command line: a name in a register can never
become a formula in a report; every output is written atomically (a killed or failing write leaves
the previous file or nothing, never half a file); no command with -o writes over an input register
or the centre's chsc.yaml; a missing output folder is a clear error (exit 2).

The writer's own unit tests are in test_writer.py; here every command that writes is driven.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
import pytest

from chsc_cli.outputs import writer
from chsc_cli.outputs.writer import TEMP_PREFIX
from cli_helpers import SRC, in_process, run_chsc
from helpers import make_id, write_workbook

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "sample_data"

#: Register text a spreadsheet would run as a formula (cli.md, "Files it writes").
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)", "\t=1+1", "\r=2+2"]
PERIOD = ["--period", "2025"]


def _formula_folder(root: Path) -> Path:
    """Elderly residents whose names, stations, teams and phones look like formulas; none had a
    checkup, so every one of them is on the gaps list of elderly_health_management_rate."""
    folder = root / "data"
    header = ["身份证号", "姓名", "出生日期", "建档日期", "所属站点", "家庭医生团队", "联系电话"]
    rows = [header]
    for number, text in enumerate(FORMULAS):
        rows.append([make_id("19500101", f"{number + 1:02d}1"), text, "1950-01-01", "2020-01-01", text, text, text])
    rows.append([make_id("19520101", "991"), "普通人", "1952-01-01", "2020-01-01", "一站", "一组", "13800000000"])
    write_workbook(folder / "居民健康档案.xlsx", {"居民": rows})
    checkups = [["身份证号", "体检日期"], [make_id("19520101", "991"), "2025-03-01"]]
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": checkups})
    (folder / "chsc.yaml").write_text('centre: "=1+2"\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def formula_folder(tmp_path_factory):
    return _formula_folder(tmp_path_factory.mktemp("formulas"))


def _assert_xlsx_has_no_formula(path: Path) -> list[str]:
    """No <f> element in any sheet; every dangerous text is a text cell. Returns the texts seen."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert "<f>" not in archive.read(name).decode("utf-8") and "<f " not in archive.read(name).decode("utf-8"), name
    seen = []
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and writer.needs_text_guard(cell.value):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen.append(cell.value)
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    return seen


def _assert_csv_guarded(text: str) -> list[str]:
    """Every cell that starts like a formula is prefixed with ' . Returns the guarded cells."""
    guarded = []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")):
        for cell in row:
            assert not writer.needs_text_guard(cell), (cell, row)
            if cell.startswith("'"):
                guarded.append(cell[1:])
    return guarded


def _names_on_the_list(seen: list[str]) -> None:
    for text in ('=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)"):
        assert text in seen, (text, seen)


def test_gaps_xlsx_keeps_register_formulas_as_text(formula_folder, tmp_path):
    output = tmp_path / "out.xlsx"
    ran = run_chsc("gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "-o", output)
    assert ran.code == 0, ran.output
    _names_on_the_list(_assert_xlsx_has_no_formula(output))


def test_gaps_split_by_team_and_gaps_all_keep_formulas_as_text(formula_folder, tmp_path):
    assert in_process("gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "--split", "team", "-o", tmp_path / "team.xlsx", "--quiet") == 0
    _names_on_the_list(_assert_xlsx_has_no_formula(tmp_path / "team.xlsx"))
    assert in_process("gaps", "all", formula_folder, *PERIOD, "-o", tmp_path / "all.xlsx", "--quiet") == 0
    _names_on_the_list(_assert_xlsx_has_no_formula(tmp_path / "all.xlsx"))


def test_gaps_csv_file_and_stdout_prefix_formulas_with_a_quote(formula_folder, tmp_path):
    output = tmp_path / "out.csv"
    ran = run_chsc("gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "-o", output)
    assert ran.code == 0, ran.output
    _names_on_the_list(_assert_csv_guarded(output.read_text(encoding="utf-8-sig")))
    ran = run_chsc("gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "--format", "csv")
    assert ran.code == 0, ran.output
    _names_on_the_list(_assert_csv_guarded(ran.stdout))


def test_compute_by_station_files_keep_formulas_as_text(formula_folder, tmp_path):
    for by in ("station", "team"):
        xlsx, csv_file = tmp_path / f"{by}.xlsx", tmp_path / f"{by}.csv"
        assert in_process("compute", formula_folder, *PERIOD, "--by", by, "-o", xlsx, "--quiet") == 0
        seen = _assert_xlsx_has_no_formula(xlsx)
        assert '=HYPERLINK("http://evil","x")' in seen and "@SUM(A1)" in seen
        assert in_process("compute", formula_folder, *PERIOD, "--by", by, "-o", csv_file, "--quiet") == 0
        guarded = _assert_csv_guarded(csv_file.read_text(encoding="utf-8-sig"))
        assert '=HYPERLINK("http://evil","x")' in guarded and "+1" in guarded and "-2" in guarded
    ran = run_chsc("compute", formula_folder, *PERIOD, "--by", "station", "--format", "csv")
    assert ran.code == 0 and "@SUM(A1)" in _assert_csv_guarded(ran.stdout)


def test_progress_xlsx_holds_no_formula(formula_folder, tmp_path):
    assert in_process("progress", formula_folder, "--year", "2025", "-o", tmp_path / "p.xlsx", "--quiet") == 0
    _assert_xlsx_has_no_formula(tmp_path / "p.xlsx")


# ------------------------------------------------------------------------------ atomic writes


def _leftovers(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def _kill_during_write(args: list[object], folder: Path, delay: float, how: int = signal.SIGKILL) -> tuple[bool, int | None]:
    """Start chsc, wait until its temporary output file appears, wait `delay`, send `how` (SIGKILL).
    Returns (whether the signal landed while the temporary file existed, the exit code)."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    code = "from chsc_cli.launch import main; main()"  # the console script's entry (it handles SIGTERM)
    process = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if _leftovers(folder):
                time.sleep(delay)
                landed = process.poll() is None and bool(_leftovers(folder))
                process.send_signal(how)
                return landed, process.wait()
            time.sleep(0.005)
        return False, process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_write_killed_midway_leaves_the_previous_file_or_nothing(tmp_path):
    """`gaps all` on sample_data writes a workbook of 20,000+ rows; kill chsc while it writes."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "big.xlsx"
    args = ["gaps", "all", SAMPLE, *PERIOD, "-o", target, "--quiet"]
    landed, _ = _kill_during_write(args, folder, delay=0.0)
    assert landed, "chsc finished before it could be killed"
    assert not target.exists()  # a new file: absent, never half written
    previous = b"the previous complete report"
    for delay in (0.05, 0.4):
        target.write_bytes(previous)
        for stale in _leftovers(folder):  # the killed process could not remove its temporary file
            stale.unlink()
        landed, _ = _kill_during_write(args, folder, delay=delay)
        if landed:
            assert target.read_bytes() == previous
        else:  # it finished: then the file is the complete new workbook
            assert openpyxl.load_workbook(target, read_only=True).sheetnames


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGTERM handling is POSIX")
def test_sigterm_while_writing_cancels_and_leaves_no_temporary_file(tmp_path):
    """SIGTERM (a service stopped, `kill`) ends chsc as Ctrl-C does: exit 2, the temporary file
    removed (it was left beside the output, one per killed run), the previous file kept."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "big.xlsx"
    previous = b"the previous complete report"
    target.write_bytes(previous)
    landed, code = _kill_during_write(["gaps", "all", SAMPLE, *PERIOD, "-o", target, "--quiet"], folder, 0.0, signal.SIGTERM)
    assert landed, "chsc finished before it could be stopped"
    assert code == 2 and _leftovers(folder) == [] and target.read_bytes() == previous


def test_a_write_that_fails_midway_keeps_the_previous_file(formula_folder, tmp_path, monkeypatch, capsys):
    """The writer raises after half the bytes (the disk is full): the old file stays, no temp file."""
    real_writestr = zipfile.ZipFile.writestr

    def half_then_full_disk(archive, name, data, *args, **kwargs):
        """The xlsx's zip gets one member, then the disk is full (XlsxWriter wraps this in its own
        FileCreateError, which must still be the disk's error: exit 2)."""
        real_writestr(archive, name, data[: len(data) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    previous = {}
    for name in ("gaps.xlsx", "gaps.csv", "compute.xlsx", "report.md"):
        (tmp_path / name).write_bytes(f"previous {name}".encode())
        previous[name] = (tmp_path / name).read_bytes()
    monkeypatch.setattr(zipfile.ZipFile, "writestr", half_then_full_disk)
    real_rows = writer._write_csv_rows

    def rows_then_full_disk(stream, header, rows):
        real_rows(stream, header, list(rows)[:1])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "_write_csv_rows", rows_then_full_disk)
    real_write_bytes = Path.write_bytes

    def text_then_full_disk(self, data):
        real_write_bytes(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", text_then_full_disk)
    runs = [
        ("gaps.xlsx", ["gaps", "elderly_health_management_rate", formula_folder, *PERIOD]),
        ("gaps.csv", ["gaps", "elderly_health_management_rate", formula_folder, *PERIOD]),
        ("compute.xlsx", ["compute", formula_folder, *PERIOD]),
        ("report.md", ["report", formula_folder, *PERIOD]),
    ]
    for name, args in runs:
        code = in_process(*args, "-o", tmp_path / name, "--quiet")
        captured = capsys.readouterr()
        assert code == 2, (name, captured.err)  # the disk, not a bug in chsc
        assert "磁盘空间不足" in captured.err and "内部错误" not in captured.err, captured.err
        monkeypatch.setattr(Path, "write_bytes", real_write_bytes)
        assert (tmp_path / name).read_bytes() == previous[name], name
        monkeypatch.setattr(Path, "write_bytes", text_then_full_disk)
        assert _leftovers(tmp_path) == [], name


def test_a_bug_while_writing_is_still_an_internal_error_and_keeps_the_file(formula_folder, tmp_path, monkeypatch, capsys):
    target = tmp_path / "gaps.xlsx"
    target.write_bytes(b"previous")

    def broken(workbook):
        Path(workbook.filename).write_bytes(b"PK\x03\x04 half")
        raise ValueError("a bug")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", broken)
    assert in_process("gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "-o", target, "--quiet") == 3
    assert "内部错误" in capsys.readouterr().err
    assert target.read_bytes() == b"previous" and _leftovers(tmp_path) == []


# ------------------------------------------------------------------- never over an input


@pytest.fixture()
def copied(formula_folder, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(formula_folder, folder)
    csv_register = folder / "老年人体检2024.csv"
    csv_register.write_text(f"身份证号,体检日期\n{make_id('19500101', '011')},2024-03-01\n", encoding="utf-8")
    return folder


def _refusals(folder: Path) -> list[tuple[str, list[object]]]:
    roster, csv_register, config = folder / "居民健康档案.xlsx", folder / "老年人体检2024.csv", folder / "chsc.yaml"
    gaps = ["gaps", "elderly_health_management_rate", folder, *PERIOD]
    return [
        ("compute xlsx", ["compute", folder, *PERIOD, "-o", roster]),
        ("compute csv", ["compute", folder, *PERIOD, "-o", csv_register]),
        ("compute json over chsc.yaml", ["compute", folder, *PERIOD, "--format", "json", "-o", config]),
        ("compute by station", ["compute", folder, *PERIOD, "--by", "station", "-o", roster]),
        ("gaps xlsx", [*gaps, "-o", roster]),
        ("gaps csv", [*gaps, "-o", csv_register]),
        ("gaps all", ["gaps", "all", folder, *PERIOD, "-o", roster]),
        ("gaps relative spelling", [*gaps, "-o", folder / "." / "sub" / ".." / roster.name]),
        ("progress xlsx", ["progress", folder, "--year", "2025", "-o", roster]),
        ("progress html over chsc.yaml", ["progress", folder, "--year", "2025", "--format", "html", "-o", config]),
        ("template over a register", ["template", "residents", "-o", roster]),
    ]


def test_no_command_writes_over_an_input_register_or_the_settings(copied, capsys):
    (copied / "sub").mkdir()
    before = {p: p.read_bytes() for p in copied.iterdir() if p.is_file()}
    for label, args in _refusals(copied):
        code = in_process(*args, "--quiet")
        captured = capsys.readouterr()
        assert code == 2, (label, captured.err)
        assert ("不能覆盖" in captured.err or "不会覆盖" in captured.err) and "Traceback" not in captured.err, (label, captured.err)
        assert {p: p.read_bytes() for p in before} == before, label
    assert sorted(p.name for p in copied.iterdir() if p.name.startswith(TEMP_PREFIX)) == []


def test_refusing_an_input_through_the_real_command_line(copied):
    roster = copied / "居民健康档案.xlsx"
    before = roster.read_bytes()
    ran = run_chsc("gaps", "all", copied, *PERIOD, "-o", roster)
    assert ran.code == 2 and "Traceback" not in ran.output
    assert "不能覆盖数据文件夹中的输入文件" in ran.stderr and roster.read_bytes() == before


# ----------------------------------------------------------------------- missing folders


def test_a_missing_output_folder_is_a_clear_error_for_every_command(formula_folder, tmp_path, capsys):
    missing = tmp_path / "没有这个文件夹"
    runs = [
        ["compute", formula_folder, *PERIOD, "-o", missing / "out.xlsx"],
        ["compute", formula_folder, *PERIOD, "-o", missing / "out.csv"],
        ["compute", formula_folder, *PERIOD, "-o", missing / "out.json"],
        ["gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "-o", missing / "out.xlsx"],
        ["gaps", "elderly_health_management_rate", formula_folder, *PERIOD, "-o", missing / "out.csv"],
        ["progress", formula_folder, "--year", "2025", "-o", missing / "out.xlsx"],
        ["progress", formula_folder, "--year", "2025", "-o", missing / "out.html"],
        ["report", formula_folder, *PERIOD, "-o", missing / "out.docx"],
        ["report", formula_folder, *PERIOD, "-o", missing / "out.md"],
        ["template", "residents", "-o", missing / "out.xlsx"],
        ["init", missing / "新数据"],
    ]
    for args in runs:
        code = in_process(*args, "--quiet")
        captured = capsys.readouterr()
        assert code == 2, (args, captured.err)
        assert "不存在" in captured.err and "Traceback" not in captured.err, (args, captured.err)
        lines = captured.err.strip().splitlines()
        assert 1 <= len(lines) <= 3, captured.err
    assert not missing.exists()


def test_a_missing_output_folder_through_the_real_command_line(formula_folder, tmp_path):
    ran = run_chsc("gaps", "all", formula_folder, *PERIOD, "-o", tmp_path / "nope" / "名单.xlsx")
    assert ran.code == 2 and "Traceback" not in ran.output
    assert re.search(r"输出文件夹不存在", ran.stderr)


def test_register_text_that_looks_like_an_emoji_code_is_printed_as_written():
    """rich would turn `:smile:` in a file, sheet or indicator name into 😄: chsc's consoles do not."""
    from chsc_cli.cli.common import stderr, stdout

    for console in (stdout, stderr):
        with console.capture() as captured:
            console.print("居民:smile:档案.xlsx :warning:")
        assert captured.get().strip() == "居民:smile:档案.xlsx :warning:"


def test_a_list_written_into_the_data_folder_is_not_read_back_as_a_register(formula_folder, tmp_path):
    """Staff save `gaps all -o 数据文件夹/名单.xlsx`: every xlsx chsc writes carries OUTPUT_MARK, and the
    next read skips it (listed as skipped, and said on stderr), so no figure changes; it is not
    written over (staff may have filled it in); a blank register (`template`) is still a register."""
    folder = tmp_path / "data"
    shutil.copytree(formula_folder, folder)
    before = run_chsc("compute", folder, "-p", "2025", "--format", "json")
    assert run_chsc("gaps", "all", folder, "-p", "2025", "-o", folder / "待随访名单.xlsx", "--quiet").code == 0
    assert run_chsc("compute", folder, "-p", "2025", "--by", "station", "-o", folder / "指标.xlsx", "--quiet").code == 0
    assert run_chsc("progress", folder, "--year", "2025", "-o", folder / "进度.xlsx", "--quiet").code == 0
    after = run_chsc("compute", folder, "-p", "2025", "--format", "json")
    assert after.code == before.code and after.stdout == before.stdout
    assert "已跳过 chsc 写出的结果文件" in after.stderr and "待随访名单.xlsx" in after.stderr  # said, not only in validate
    again = run_chsc("gaps", "all", folder, "-p", "2025", "-o", folder / "待随访名单.xlsx", "--quiet")
    assert again.code == 2 and "待随访名单.xlsx" in again.stderr  # never written over: staff may have filled it in
    assert run_chsc("template", "residents", "-o", folder / "空白花名册.xlsx", "--quiet").code == 0
    validated = run_chsc("validate", folder, "--format", "json").stdout
    assert '"file": "空白花名册.xlsx"' in validated
    import json as json_module

    skipped = {item["file"] for item in json_module.loads(validated)["skipped"]}
    assert {"待随访名单.xlsx", "指标.xlsx", "进度.xlsx"} <= skipped and "空白花名册.xlsx" not in skipped


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux")
def test_standard_output_closed_or_on_a_full_disk_is_no_internal_error():
    """`chsc ... >&-` (started with stdout closed) runs without a traceback; `> /dev/full` (stdout on
    a full disk) is a user error saying so (exit 2), not 内部错误 (exit 3)."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    closed = subprocess.run(f"'{sys.executable}' -m chsc_cli indicators >&-", shell=True, env=env, capture_output=True, text=True)
    assert closed.returncode == 0 and "Traceback" not in closed.stderr, closed.stderr
    full = subprocess.run(f"'{sys.executable}' -m chsc_cli indicators > /dev/full", shell=True, env=env, capture_output=True, text=True)
    assert full.returncode == 2 and "磁盘已满" in full.stderr and "内部错误" not in full.stderr, full.stderr


def test_a_signal_as_the_temporary_file_appears_leaves_none(tmp_path, monkeypatch):
    """SIGTERM becomes an exception wherever Python is: landing just after the temporary file is
    created, before atomic_write holds its name, it left the file behind (seen under load)."""
    from chsc_cli.outputs import atomic

    real_close = atomic.os.close

    def close_then_stopped(fd):
        real_close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "close", close_then_stopped)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(tmp_path / "report.md", "text")
    assert list(tmp_path.iterdir()) == []
