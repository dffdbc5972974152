"""The services layer loads a data folder once per command: chsc.yaml is read exactly once per run
(issue 20: it was read twice), and every command that computes goes through the same workspace."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from chsc_cli import config as config_module
from chsc_cli.services.workspace import open_workspace
from cli_helpers import in_process
from helpers import make_id, write_workbook

CONFIG = "centre: 测试社区卫生服务中心\ntargets:\n  health_record_rate: 0.8\n"


def _centre(folder: Path) -> Path:
    rows = [["身份证号", "姓名", "建档日期"], [make_id("19500101", "011"), "王五", "2020-01-01"],
            [make_id("19600101", "012"), "赵六", "2025-02-01"]]
    write_workbook(folder / "居民健康档案.xlsx", {"居民": rows})
    (folder / "chsc.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


@pytest.fixture
def reads(monkeypatch):
    """How many times each chsc.yaml was read (and parsed) during the test."""
    counted: Counter[str] = Counter()
    real = config_module._read_yaml

    def counting(path):
        counted[Path(path).resolve().as_posix()] += 1
        return real(path)

    monkeypatch.setattr(config_module, "_read_yaml", counting)
    return counted


@pytest.mark.parametrize("args", [
    ["validate", "{d}"],
    ["compute", "{d}", "--period", "2025", "--format", "json"],
    ["check", "{d}", "--period", "2025"],
    ["gaps", "health_record_rate", "{d}", "--period", "2025"],
    ["progress", "{d}", "--year", "2025"],
    ["explain", "health_record_rate", "{d}", "--period", "2025"],
    ["report", "{d}", "--period", "2025", "-o", "{o}/summary.md"],
], ids=lambda args: args[0])
def test_every_command_reads_chsc_yaml_once(tmp_path, reads, args):
    data = _centre(tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    code = in_process(*(a.format(d=data, o=out) for a in args), "--quiet")
    assert code in (0, 1)
    assert reads == {(data / "chsc.yaml").resolve().as_posix(): 1}


def test_a_district_reads_each_chsc_yaml_once(tmp_path, reads):
    district = tmp_path / "district"
    for name in ("甲中心", "乙中心"):
        _centre(district / name)
    (district / "chsc.yaml").write_text("centre: 某区\n", encoding="utf-8")
    assert in_process("compute", district, "--centres", "--period", "2025", "--format", "json", "--quiet") == 0
    assert sorted(reads.values()) == [1, 1, 1] and len(reads) == 3


def test_open_workspace_holds_config_registers_and_library(tmp_path, reads):
    data = _centre(tmp_path / "data")
    workspace = open_workspace(data, None, [])
    assert workspace.settings.centre == "测试社区卫生服务中心"
    assert "health_record_rate" in workspace.library.indicators
    assert workspace.registers.files and (data / "chsc.yaml") in workspace.input_files()
    assert sum(reads.values()) == 1


def test_progress_shows_each_month_as_it_is_computed(tmp_path):
    """`chsc progress` computes the library once a month (seconds each in a large centre): the bar
    hears every month, in order, and the rows are those computed without a bar."""
    from contextlib import contextmanager

    from chsc_cli.services.progress import year_progress

    workspace = open_workspace(_centre(tmp_path / "data"), None, [])
    heard, totals = [], []

    @contextmanager
    def bar(total):
        totals.append(total)
        yield heard.append

    shown = year_progress(workspace, 2025, 5, bar)
    assert totals == [5] and heard == ["1月", "2月", "3月", "4月", "5月"]
    plain = year_progress(workspace, 2025, 5)
    assert [row.months for row in shown.rows] == [row.months for row in plain.rows]


def test_a_large_write_shows_a_spinner_on_a_terminal_only(monkeypatch):
    import io

    from rich.console import Console

    from chsc_cli.cli import common

    shown = io.StringIO()
    monkeypatch.setattr(common, "stderr", Console(file=shown, force_terminal=True, width=100))
    with common.writing_status(Path("名单.xlsx"), 91_221, quiet=False):
        pass
    assert "正在写入 名单.xlsx（91,221 行）" in shown.getvalue()
    with common.writing_status(Path("名单[old]:smile:.xlsx"), 3, quiet=False):  # a file name is not markup
        pass
    assert "名单[old]:smile:.xlsx" in shown.getvalue()
    with common.busy("正在计算各项指标…", quiet=False):
        pass
    assert "正在计算各项指标" in shown.getvalue()
    for quiet, terminal in ((True, True), (False, False)):
        silent = io.StringIO()
        monkeypatch.setattr(common, "stderr", Console(file=silent, force_terminal=terminal, width=100))
        with common.writing_status(Path("名单.xlsx"), 91_221, quiet=quiet):
            pass
        with common.busy("正在计算各项指标…", quiet=quiet):
            pass
        assert silent.getvalue() == ""
