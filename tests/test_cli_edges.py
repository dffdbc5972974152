"""The command line at its edges: standard output in an encoding that is not UTF-8 (a cp936 redirect
on Chinese Windows), --format against the -o suffix, paths the file system refuses, register file
names that are not UTF-8, the common options of every command and click's messages in Chinese."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from cli_helpers import SRC, WIDTH, run_chsc
from helpers import make_id, write_small_centre, write_workbook

A, B, C = (make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19700101", "041")))


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A small centre with one elderly checkup in 2025: 老年人健康管理率 misses its target."""
    folder = tmp_path_factory.mktemp("centre")
    write_small_centre(folder, (A, B, C))
    return folder


def _no_traceback(ran) -> None:
    assert "Traceback" not in ran.output and "内部错误" not in ran.output, ran.output


# ------------------------------------------------------------------ stdout that is not UTF-8


def _run_bytes(*args: object, encoding: str) -> subprocess.CompletedProcess:
    """`python -m chsc_cli ARGS` with standard output and error in `encoding`; output as bytes."""
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS=str(WIDTH), NO_COLOR="1", PYTHONIOENCODING=encoding)
    return subprocess.run([sys.executable, "-m", "chsc_cli", *map(str, args)], capture_output=True, env=env)


def test_check_and_compute_write_a_gbk_stdout_with_fallback_marks(centre):
    checked = _run_bytes("check", centre, "-p", "2025", encoding="gbk")
    assert checked.returncode == 1, checked.stderr.decode("gbk", "replace")
    text = checked.stdout.decode("gbk")  # every byte is GBK
    assert "× 老年人健康管理率" in text
    computed = _run_bytes("compute", centre, "-p", "2025", encoding="gbk")
    assert computed.returncode == 0, computed.stderr.decode("gbk", "replace")
    assert "老年人健康管理率" in computed.stdout.decode("gbk") and "×" in computed.stdout.decode("gbk")


def test_an_ascii_stdout_gets_every_table_and_lossless_json(centre):
    for args in (("validate", centre), ("progress", centre, "--year", "2025")):
        ran = _run_bytes(*args, encoding="ascii")
        assert ran.returncode in (0, 1), (args, ran.stderr)
        ran.stdout.decode("ascii")
    as_json = _run_bytes("compute", centre, "-p", "2025", "--format", "json", encoding="ascii")
    assert as_json.returncode == 0
    names = [row["name"] for row in json.loads(as_json.stdout.decode("ascii"))["indicators"]]
    assert "老年人健康管理率" in names  # \u escapes, not "?"


def test_json_on_an_ascii_stdout_masks_an_id_that_follows_an_escape(tmp_path):
    """站110105… as \u7ad9110105…: the escape's hex digits ran into the ID, which the stream's
    look for exactly 18 characters then missed — the JSON is masked before it is written."""
    write_small_centre(tmp_path, (A, B, C))
    write_workbook(tmp_path / "居民健康档案.xlsx", {"居民": [
        ["身份证号", "姓名", "建档日期", "所属站点", "签约"], [A, "甲", "2020-01-01", f"站{B}", "是"], [C, "丙", "2020-01-01", "二站", "是"]]})
    ran = _run_bytes("compute", tmp_path, "-p", "2025", "--by", "station", "--format", "json", encoding="ascii")
    assert ran.returncode == 0, ran.stderr
    text = ran.stdout.decode("ascii")
    assert B not in text and B not in json.dumps(json.loads(text), ensure_ascii=False)
    assert f"站{B[:6]}********{B[-4:]}" in json.dumps(json.loads(text), ensure_ascii=False)


# ------------------------------------------------------------------ --format and the -o suffix


@pytest.mark.parametrize(
    "args, words",
    [
        (["compute", "{centre}", "-p", "2025", "--format", "json", "-o", "{out}/2025指标.xlsx"], ["--format json", ".xlsx", "2025指标.json"]),
        (["compute", "{centre}", "-p", "2025", "--format", "table", "-o", "{out}/x.json"], ["--format table", ".json"]),
        (["gaps", "elderly_health_management_rate", "{centre}", "-p", "2025", "--format", "csv", "-o", "{out}/名单.xlsx"],
         ["--format csv", ".xlsx", "名单.csv"]),
        (["progress", "{centre}", "--year", "2025", "--format", "table", "-o", "{out}/p.html"], ["--format table", ".html"]),
        (["progress", "{centre}", "--year", "2025", "--format", "xlsx", "-o", "{out}/p.html"], ["--format xlsx", ".html", "p.xlsx"]),
    ],
)
def test_a_format_that_disagrees_with_the_output_suffix_is_refused(centre, tmp_path, args, words):
    ran = run_chsc(*(a.format(centre=centre, out=tmp_path) for a in args), "--quiet")
    assert ran.code == 2, ran.output
    lines = ran.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and all(word in ran.stderr for word in words), ran.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
    _no_traceback(ran)


def test_a_format_that_agrees_with_the_suffix_or_a_suffix_naming_no_format_is_written(centre, tmp_path):
    agreed = run_chsc("compute", centre, "-p", "2025", "--format", "json", "-o", tmp_path / "指标.JSON", "--quiet")
    assert agreed.code == 0 and json.loads((tmp_path / "指标.JSON").read_text(encoding="utf-8"))["indicators"]
    as_text = run_chsc("compute", centre, "-p", "2025", "--format", "json", "-o", tmp_path / "指标.txt", "--quiet")
    assert as_text.code == 0 and json.loads((tmp_path / "指标.txt").read_text(encoding="utf-8"))["indicators"]


# ------------------------------------------------------------------ a path the file system refuses

LONG = "长" * 90  # 270 bytes of UTF-8: more than a name may have (255) on Linux and macOS


@pytest.mark.parametrize(
    "args",
    [
        ["compute", "{centre}", "-p", "2025", "-o", "{tmp}/{long}.json"],
        ["compute", "{tmp}/{long}", "-p", "2025"],
        ["validate", "{tmp}/{long}"],
        ["compute", "{centre}", "-p", "2025", "--config", "{tmp}/{long}.yaml"],
        ["template", "residents", "-o", "{tmp}/{long}.xlsx"],
        ["init", "{tmp}/{long}"],
        ["indicators", "--indicators", "{tmp}/{long}"],
        ["report", "{centre}", "-p", "2025", "-o", "{tmp}/r.md", "--template", "{tmp}/{long}"],
    ],
)
def test_a_path_too_long_for_the_file_system_is_a_user_error_naming_it(centre, tmp_path, args):
    ran = run_chsc(*(a.format(centre=centre, tmp=tmp_path, long=LONG) for a in args))
    assert ran.code == 2, ran.output
    lines = ran.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("错误：路径过长") and "长长长" in lines[0], ran.stderr
    _no_traceback(ran)


# ------------------------------------------------------------------ a register whose file name is not UTF-8


@pytest.fixture(scope="module")
def gbk_named(tmp_path_factory, centre):
    """The centre with its checkups as a CSV named in GBK bytes (老年 from a zip made on Chinese
    Windows, unpacked on Linux): Python lists the name surrogate-escaped."""
    folder = tmp_path_factory.mktemp("gbk_named")
    (folder / "居民健康档案.xlsx").write_bytes((centre / "居民健康档案.xlsx").read_bytes())
    name = os.fsdecode(b"\xc0\xcf\xc4\xea.csv")
    rows = ["身份证号,体检日期,生活方式评估,健康指导,中医体质辨识", f"{A},2025-03-01,是,是,是", "不是身份证号,2025-13-45,是,是,是"]
    (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder, name


def test_a_file_name_that_is_not_utf8_is_read_as_without_the_cache(gbk_named, tmp_path):
    folder, name = gbk_named
    cached = run_chsc("compute", folder, "-p", "2025", "--format", "json", "--quiet")
    uncached = run_chsc("compute", folder, "-p", "2025", "--format", "json", "--quiet", "--no-cache")
    _no_traceback(cached)
    assert cached.code == uncached.code == 0 and cached.stdout == uncached.stdout
    again = run_chsc("compute", folder, "-p", "2025", "--format", "json", "--quiet")  # from the cache
    assert again.stdout == cached.stdout
    as_json = json.loads(cached.stdout)
    assert as_json["indicators"][0]["numerator"] == 1 and name in {w["file"] for w in as_json["warnings"]}
    written = run_chsc("compute", folder, "-p", "2025", "-o", tmp_path / "指标.json", "--quiet")
    assert written.code == 0 and json.loads((tmp_path / "指标.json").read_text(encoding="utf-8")) == as_json
    validated = run_chsc("validate", folder, "--format", "json")
    assert validated.code == 1 and name in {p["file"] for p in json.loads(validated.stdout)["problems"]}
    gaps = run_chsc("gaps", "all", folder, "-p", "2025", "-o", tmp_path / "名单.xlsx", "--quiet")
    assert gaps.code == 0 and (tmp_path / "名单.xlsx").is_file()


def test_a_file_name_that_is_not_utf8_is_printed_on_a_utf8_stdout(gbk_named):
    folder, _ = gbk_named
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS=str(WIDTH), NO_COLOR="1", PYTHONIOENCODING="utf-8")
    ran = subprocess.run([sys.executable, "-m", "chsc_cli", "validate", str(folder)], capture_output=True, env=env)
    assert ran.returncode == 1, ran.stderr.decode("utf-8", "replace")
    assert "?.csv" in ran.stdout.decode("utf-8")  # stdout stays UTF-8: each byte of the name a "?"


# ------------------------------------------------------------------ the common options


def test_report_reads_without_the_cache_when_asked(centre, tmp_path, monkeypatch):
    monkeypatch.setenv("CHSC_CACHE_DIR", str(tmp_path / "cache"))
    ran = run_chsc("report", centre, "-p", "2025", "-o", tmp_path / "总结.md", "--no-cache", "--quiet")
    assert ran.code == 0 and (tmp_path / "总结.md").is_file(), ran.output
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("entry.chsc"))
    run_chsc("report", centre, "-p", "2025", "-o", tmp_path / "总结.md", "--quiet")
    assert any((tmp_path / "cache").rglob("entry.chsc"))  # (the same run without --no-cache does cache)


@pytest.mark.parametrize("args", [["indicators"], ["cache", "clear"], ["cache", "path"], ["explain", "elderly_health_management_rate"]])
def test_every_command_takes_quiet(args, tmp_path, monkeypatch):
    monkeypatch.setenv("CHSC_CACHE_DIR", str(tmp_path / "cache"))
    ran = run_chsc(*args, "--quiet")
    assert ran.code == 0 and ran.stderr == "", ran.output
    if args == ["cache", "clear"]:
        assert ran.stdout == ""  # --quiet: no confirmation


# ------------------------------------------------------------------ click's words in Chinese


@pytest.mark.parametrize(
    "args, first_line",
    [
        (["compute", "{centre}"], "用法错误：缺少选项 --period / -p。"),
        (["compute"], "用法错误：缺少参数 DATA_DIR：数据文件夹"),
        (["compute", "{centre}", "-p", "2025", "--bogus"], "用法错误：没有这个选项：--bogus"),
        (["compute", "{centre}", "-p", "2025", "--quite"], "用法错误：没有这个选项：--quite（是不是 --quiet？）"),
        (["compute", "{centre}", "-p"], "用法错误：选项 -p 后面要写一个值。"),
        (["validate", "{centre}", "--quiet=yes"], "用法错误：选项 --quiet 不带值"),
        (["validate", "{centre}", "--limit", "many"], "用法错误：--limit 的值「many」不对：应为整数"),
        (["compute", "{centre}", "-p", "2025", "extra"], "用法错误：多余的参数：extra"),
        (["bogus"], "用法错误：没有命令「bogus」。"),
        (["cache", "clear", "--bogus"], "用法错误：没有这个选项：--bogus"),
    ],
)
def test_usage_errors_are_in_chinese(centre, args, first_line):
    ran = run_chsc(*(a.format(centre=centre) for a in args))
    assert ran.code == 2 and ran.stdout == "", ran.output
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(first_line), ran.stderr
    assert "--help" in lines[1]
    assert not re.search(r"\b(Missing|No such|Option|Invalid|Got|Input should)\b", ran.stderr), ran.stderr


def test_help_pages_have_chinese_headings():
    for args in (["compute"], ["report"], ["cache"], ["cache", "clear"], []):
        ran = run_chsc(*args, "--help")
        assert ran.code == 0, ran.output
        assert ran.stdout.startswith("用法：chsc") and "选项：" in ran.stdout and "显示本帮助并退出。" in ran.stdout, ran.stdout
        assert not re.search(r"Usage|Options|Arguments|Commands|\[required\]|\[default|Show this message", ran.stdout), ran.stdout
    assert "参数：" in run_chsc("compute", "--help").stdout and "[必填]" in run_chsc("compute", "--help").stdout
    assert "[默认：200]" in run_chsc("validate", "--help").stdout
