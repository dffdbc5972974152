"""Hostile templates and definitions (issue 9, item 5), beyond the cases in test_report.py,
test_expressions.py, test_library.py and test_config.py: template tags that would read files or
reach Python through other doors, and YAML built to exhaust memory or the stack ("billion
laughs", nesting hundreds deep, an alias that contains itself). Each is a clear user error (exit 2)
in well under a second, never a hang, never exit 3.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chsc_cli.config import load_config
from chsc_cli.engine import load_library
from chsc_cli.engine.library import shipped_library_dir
from chsc_cli.problems import UserError
from cli_helpers import in_process, run_chsc
from helpers import make_id, write_workbook

SECRET = "TOP-SECRET-FILE-CONTENT"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    rows = [["身份证号", "姓名", "建档日期"], [make_id("19500101", "011"), "王五", "2020-01-01"]]
    write_workbook(root / "data" / "居民.xlsx", {"居民": rows})
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


TEMPLATES = [
    "{% include 'SECRET' %}",
    "{% import 'SECRET' as s %}",
    "{% extends 'SECRET' %}",
    "{% from 'SECRET' import x %}",
    "{{ lipsum.__globals__['os'].popen('echo hacked').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ '{0.__class__.__mro__}'.format(title) }}",
    "{{ title|attr('__class__') }}",
    "{% set c = ''.__class__ %}{{ c }}",
    "{{ range(10**9)|list|length }}",
]


@pytest.mark.parametrize("source", TEMPLATES)
def test_a_template_cannot_read_files_or_reach_python(folder, tmp_path, capsys, source):
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ title }}\n" + source.replace("SECRET", str(folder / "secret.txt")) + "\n", encoding="utf-8")
    output = tmp_path / "out.md"
    code = in_process("report", folder / "data", "--period", "2025", "-o", output, "--template", template, "--quiet")
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "模板 mine.md.j2" in captured.err and "Traceback" not in captured.err
    assert SECRET not in captured.out + captured.err and "hacked" not in captured.out + captured.err
    assert not output.exists()


# ------------------------------------------------------------------------------------ YAML


def _laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """Anchors that multiply: the last one stands for width**levels strings."""
    lines = [f"{indent}- &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"{indent}- &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines)


def _indicator(text_after: str, extra_top: str = "") -> str:
    good = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    return extra_top + good.replace("id: health_record_rate", "id: hostile") + text_after


def _library_error(tmp_path: Path, text: str) -> tuple[str, float]:
    (tmp_path / "hostile.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    return str(raised.value), time.monotonic() - started


def test_billion_laughs_in_an_indicator_file_is_refused_at_once(tmp_path):
    text = _indicator("", extra_top="junk:\n" + _laughs(indent="  ") + "\n").replace(
        "numerator:\n  population: residents_at_period_end", "numerator:\n  population: residents_at_period_end\n  having: *l8"
    )
    message, seconds = _library_error(tmp_path, text)
    assert "hostile.yaml" in message and "展开后超过" in message
    assert seconds < 5


def test_billion_laughs_through_the_command_line_exits_2(tmp_path):
    text = _indicator("", extra_top="junk:\n" + _laughs(indent="  ") + "\n").replace(
        "numerator:\n  population: residents_at_period_end", "numerator:\n  population: residents_at_period_end\n  having: *l8"
    )
    (tmp_path / "hostile.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("indicators", "--indicators", tmp_path)
    assert ran.code == 2 and "Traceback" not in ran.output and "展开后超过" in ran.stderr


def test_a_few_aliases_are_still_fine(tmp_path):
    text = _indicator("", extra_top="x-note: &note 说明\n").replace("category: 居民健康档案管理", "category: 居民健康档案管理\nx-other: *note")
    (tmp_path / "ok.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:  # unknown keys, reported as usual — not a size error
        load_library([tmp_path])
    assert "展开后超过" not in str(raised.value) and "x-note" in str(raised.value)


def test_an_alias_inside_itself_is_refused(tmp_path):
    message, _ = _library_error(tmp_path, _indicator("junk: &self [1, *self]\n"))
    assert "hostile.yaml" in message and "引用了它自身" in message


def test_nesting_hundreds_deep_is_a_user_error_not_a_crash(tmp_path):
    message, _ = _library_error(tmp_path, _indicator("junk: " + "[" * 3000 + "]" * 3000 + "\n"))
    assert "hostile.yaml" in message and "嵌套层数过多" in message


@pytest.mark.parametrize("body", ["centre: " + "[" * 3000 + "]" * 3000, "population:\n" + "\n".join("  " * (i + 1) + f"k{i}:" for i in range(600)) + " 1"])
def test_chsc_yaml_nested_hundreds_deep_is_a_user_error(tmp_path, body):
    (tmp_path / "chsc.yaml").write_text(body + "\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_config(tmp_path / "chsc.yaml")
    assert "chsc.yaml" in raised.value.message


@pytest.mark.parametrize("place", ["centre: *l8", "targets:\n  health_record_rate: *l8", "stations:\n  一站: *l8", "population:\n  total: *l8"])
def test_billion_laughs_in_chsc_yaml_is_refused_at_once(tmp_path, place):
    (tmp_path / "chsc.yaml").write_text("columns:\n  junk:\n" + _laughs(indent="    ") + "\n" + place + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(UserError) as raised:
        load_config(tmp_path / "chsc.yaml")
    assert time.monotonic() - started < 5
    assert len(str(raised.value)) < 2000  # the multiplied value is never printed


def test_chsc_yaml_attacks_through_the_command_line_exit_2(tmp_path):
    folder = tmp_path / "data"
    rows = [["身份证号", "建档日期"], [make_id("19500101", "011"), "2020-01-01"]]
    write_workbook(folder / "居民.xlsx", {"居民": rows})
    for body in ("centre: " + "[" * 3000 + "]" * 3000, "columns:\n  junk:\n" + _laughs(indent="    ") + "\ncentre: *l8", "centre: !!python/object/apply:os.system ['echo hacked']"):
        (folder / "chsc.yaml").write_text(body + "\n", encoding="utf-8")
        ran = run_chsc("validate", folder)
        assert ran.code == 2 and "Traceback" not in ran.output and "hacked" not in ran.stdout, ran.output[-500:]
        assert "chsc.yaml" in ran.stderr


# ------------------------------------------------------------------ populations that read themselves

LOOPS = {
    "union": "populations:\n  pop_a:\n    union: [pop_b, residents_at_period_end]\n  pop_b:\n    union: [pop_a]\n",
    "in_population": (
        "populations:\n  pop_a:\n    register: residents\n    having: [{in_population: pop_b}]\n"
        "  pop_b:\n    register: residents\n    having:\n      - any: [{in_population: pop_a}, age >= 65]\n"
    ),
    "itself": "populations:\n  pop_a:\n    register: residents\n    having: [{not: {in_population: pop_a}}]\n",
}


@pytest.mark.parametrize("name", LOOPS)
def test_a_loop_of_populations_is_a_user_error_at_its_line(folder, tmp_path, name):
    """A population that reads itself through union or in_population (directly, inside any: or
    not:) is refused as the library loads — it used to recurse until Python stopped (exit 3)."""
    (tmp_path / "populations.yaml").write_text(LOOPS[name], encoding="utf-8")
    (tmp_path / "hostile.yaml").write_text(
        _indicator("").replace("population: residents_at_period_end", "population: pop_a", 1), encoding="utf-8"
    )
    message, seconds = _library_error(tmp_path, (tmp_path / "hostile.yaml").read_text(encoding="utf-8"))
    assert "populations.yaml:2:" in message and "pop_a → " in message and "引用了自己" in message
    for command in (("indicators",), ("compute", folder / "data", "--period", "2025", "--no-cache")):
        ran = run_chsc(*command, "--indicators", tmp_path)
        assert ran.code == 2 and "Traceback" not in ran.output and "内部错误" not in ran.output
        assert "引用了自己" in ran.stderr
