"""What a data officer sees for a mistake in a register-kind or indicator file they wrote: Chinese
words (pydantic's and PyYAML's own are English), the file and the line of the key at fault (found by
an independent review that extended the library from its READMEs alone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import run_chsc

KIND = """name: outpatient_bp
title: 门诊血压登记
order: 200
roster: false
key: {field: id_number, unit: person}
classify:
  words: [门诊血压]
  settled_by: [bp_measure_date]
columns:
  - use: id_number
  - header: 测量日期
    field: bp_measure_date
    type: date
    required: true
  - use: systolic
"""

INDICATOR = """id: outpatient_bp_rate
name: 门诊血压测量率
order: 16
category: 老年人健康管理
registers: [outpatient_bp, residents]
definition: 测试用
target: 0.80
denominator:
  population: residents_at_period_end
numerator:
  require:
    - exists: {register: outpatient_bp, date: bp_measure_date}
"""


def _errors(tmp_path: Path, kind: str = KIND, indicator: str = INDICATOR, name: str = "outpatient_bp_rate") -> tuple[int, str]:
    (tmp_path / "kinds").mkdir(exist_ok=True)
    (tmp_path / "inds").mkdir(exist_ok=True)
    (tmp_path / "kinds" / "outpatient_bp.yaml").write_text(kind, encoding="utf-8")
    (tmp_path / "inds" / f"{name}.yaml").write_text(indicator, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", tmp_path / "kinds", "--indicators", tmp_path / "inds")
    assert "Traceback" not in ran.output
    return ran.code, ran.stderr


def test_the_files_as_written_load(tmp_path):
    code, stderr = _errors(tmp_path)
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    type: date\n", "    type: datum\n", 13, "「type」只能是"),
        ("roster: false", "roster: 否", 4, "「roster」应为 true 或 false"),
        ("order: 200", "order: 第二百", 3, "「order」应为整数"),
        ("unit: person}", "unit: event}", 5, "「unit」只能是 'person' 或 'record'，而不是「event」"),
    ],
)
def test_a_kind_value_of_the_wrong_type_is_said_in_chinese_at_its_line(tmp_path, old, new, line, words):
    code, stderr = _errors(tmp_path, kind=KIND.replace(old, new))
    assert code == 2 and f"outpatient_bp.yaml:{line}: {words}" in stderr, stderr
    assert "Input should" not in stderr


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("target: 0.80\n", "target: 0.80\nunit: delivery\n", "unit"),
        ("target: 0.80\n", "target: 0.80\nkey: [id_number]\n", "key"),
        ("target: 0.80\n", "target: 0.80\nper_year_station: 5\n", "per_year_station"),
    ],
)
def test_a_check_of_the_whole_indicator_points_at_the_key_at_fault(tmp_path, old, new, key):
    indicator = INDICATOR.replace(old, new)
    code, stderr = _errors(tmp_path, indicator=indicator)
    line = next(number for number, text in enumerate(indicator.splitlines(), 1) if text.startswith(f"{key}:"))
    assert code == 2 and re.search(rf"outpatient_bp_rate\.yaml:{line}: {key}：", stderr), stderr


def test_a_file_named_otherwise_than_its_id_names_the_line_of_the_id(tmp_path):
    code, stderr = _errors(tmp_path, name="outpatient_bp")
    assert code == 2 and "outpatient_bp.yaml:1: 文件名应与 id 相同（outpatient_bp_rate.yaml）" in stderr, stderr


def test_a_yaml_syntax_mistake_is_said_in_chinese(tmp_path):
    code, stderr = _errors(tmp_path, indicator=INDICATOR.replace("order: 16", "order: 16\n\tdefinition: x"))
    assert code == 2 and "Tab" in stderr and "YAML 格式错误：用了 Tab" in stderr, stderr
    code, stderr = _errors(tmp_path, indicator=INDICATOR.replace("registers: [outpatient_bp, residents]", "registers: [outpatient_bp, residents"))
    assert code == 2 and "方括号 [ ] 没有配对" in stderr, stderr


@pytest.mark.parametrize("condition", [
    "days_between(bp_measure_date, booking_date) <= 90",
    "coalesce(booking_date, bp_measure_date) <= period_end",
    "systolic >= 0.9 * booking_level",
])
def test_an_unknown_field_inside_a_function_or_arithmetic_is_said_as_unknown(tmp_path, condition):
    """Not 「函数 days_between 的参数应是日期」: the misspelt field is what to fix."""
    indicator = INDICATOR.replace("date: bp_measure_date}", f"date: bp_measure_date, where: ['{condition}']}}")
    code, stderr = _errors(tmp_path, indicator=indicator)
    assert code == 2
    assert re.search(r"outpatient_bp_rate\.yaml:12: .*未知字段「booking_(date|level)」", stderr), stderr
    assert "的参数应是" not in stderr and "无法计算" not in stderr
