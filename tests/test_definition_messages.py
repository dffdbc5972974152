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


@pytest.fixture(autouse=True)
def _shipped_kinds_after():
    """Each test here runs chsc with --register-kinds in this process: leave the shipped kinds behind."""
    yield
    from chsc_cli.registers import use_register_kinds

    use_register_kinds([])


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


WORD_AND_NULL = """id: video_followup_rate
name: 高血压视频随访率
order: 321
category: 高血压患者健康管理
registers: [hypertension_patients, hypertension_followups]
definition: 测试用：视频随访
target: 0.5
parameters:
  within_days: null
denominator:
  population: managed_hypertension_patients
  having:
    - enrolment_date <= period_end - $within_days days
numerator:
  require:
    - exists:
        register: hypertension_followups
        date: followup_date
        where:
          - followup_mode == 视频
          - followup_date <= enrolment_date + $within_days days
"""


def test_definition_warnings_are_said_in_full_at_their_lines_and_not_counted_as_data(tmp_path):
    """A word a keep-as-written column does not list and a null $parameter outside its guard: each
    is a `definition-warning` at the line of its condition (the word's was the first line holding it
    anywhere, the name's), printed in full on stderr — not 「数据中有 … unknown-value」, which sent
    the user to chsc validate, where they were not."""
    import json

    from helpers import make_id, write_workbook

    person = make_id("19500101", "011")
    write_workbook(tmp_path / "data" / "高血压患者随访记录.xlsx",
                   {"随访": [["身份证号", "姓名", "随访日期", "随访方式"], [person, "王五", "2025-03-01", "门诊"]]})
    (tmp_path / "inds").mkdir()
    (tmp_path / "inds" / "video_followup_rate.yaml").write_text(WORD_AND_NULL.replace("视频随访率", "视频随访率（视频）"), encoding="utf-8")
    table = run_chsc("compute", tmp_path / "data", "--period", "2025", "--indicators", tmp_path / "inds", "--no-cache")
    assert table.code in (0, 1), table.output
    said = [line for line in table.stderr.splitlines() if "video_followup_rate.yaml" in line]
    assert [re.search(r"\.yaml:(\d+)：", line).group(1) for line in said] == ["13", "20", "21"], said
    assert "视频" in said[1] and "within_days" in said[0] and "within_days" in said[2]
    assert "unknown-value" not in table.output and "数据中有" not in table.output
    ran = run_chsc("compute", tmp_path / "data", "--period", "2025", "--indicators", tmp_path / "inds", "--no-cache",
                   "--format", "json")
    entries = [w for w in json.loads(ran.stdout)["warnings"] if w["code"] == "definition-warning"]
    assert sorted(w["rows"][0] for w in entries) == [13, 20, 21] and all(w["count"] == 1 for w in entries)
    quiet = run_chsc("compute", tmp_path / "data", "--period", "2025", "--indicators", tmp_path / "inds", "--no-cache", "--quiet")
    assert "video_followup_rate.yaml" not in quiet.stderr
    listing = run_chsc("indicators", "--indicators", tmp_path / "inds")
    assert listing.code == 0 and listing.stderr.count("video_followup_rate.yaml:") == 3


def test_one_id_in_two_of_the_centres_folders_is_said(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "outpatient_bp_rate.yaml").write_text(INDICATOR, encoding="utf-8")
    (tmp_path / "kinds").mkdir()
    (tmp_path / "kinds" / "outpatient_bp.yaml").write_text(KIND, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", tmp_path / "kinds", "--indicators", tmp_path / "a", "--indicators", tmp_path / "b")
    assert ran.code == 0
    assert re.search(r"b/outpatient_bp_rate\.yaml:1: 指标 outpatient_bp_rate 在 .*a/outpatient_bp_rate\.yaml 中也有定义", ran.stderr), ran.stderr
    alone = run_chsc("indicators", "--register-kinds", tmp_path / "kinds", "--indicators", tmp_path / "a")
    assert "也有定义" not in alone.stderr


TEST_WITH_REASON = """    - exists:
        register: outpatient_bp
        date: bp_measure_date
        test:
          - test: systolic < 140
            reason: REASON
"""


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("{date}血压未达标", "值「{date}血压未达标」以 { 开头，YAML 会把它读成映射：请给整个值加引号"),
        ("测量: {date} 未达标", "值「测量: {date} 未达标」中有「: 」（冒号加空格）"),
        (" 血压未达标", "这里不能有「键: 值」：这一行可能比上一行的键多缩进了"),
        ("{date}测量，未满{systolic}", "值「{date}测量，未满{systolic}」以 { 开头，YAML 会把它读成映射：请给整个值加引号"),  # one space too many before reason:
    ],
)
def test_yaml_mistakes_in_a_value_are_said_with_what_to_do(tmp_path, reason, said):
    """A review found these in English ("mapping values are not allowed in this context") or said
    as an indentation mistake when the fix is to quote the value."""
    body = TEST_WITH_REASON.replace("reason: REASON", f"reason: {reason}" if not reason.startswith(" ") else f" reason:{reason}")
    indicator = INDICATOR.replace("    - exists: {register: outpatient_bp, date: bp_measure_date}\n", body)
    code, stderr = _errors(tmp_path, indicator=indicator)
    assert code == 2 and "outpatient_bp_rate.yaml:17: YAML 格式错误：" + said in stderr, stderr


def test_an_unknown_comparison_sign_is_shown_whole_with_the_signs_there_are(tmp_path):
    code, stderr = _errors(tmp_path, indicator=INDICATOR.replace("date: bp_measure_date}", "date: bp_measure_date, where: ['systolic => 140']}"))
    assert code == 2 and "无法识别「=>」。比较符号可用：== != < <= > >=" in stderr, stderr


def test_a_yes_read_as_true_in_a_kind_is_said_as_written(tmp_path):
    kind = KIND.replace("  - use: systolic\n", "  - header: 测量方式\n    field: measure_way\n    type: category\n"
                        "    vocabulary:\n      values: {电子: [yes, 电子血压计], 水银: [水银柱]}\n")
    code, stderr = _errors(tmp_path, kind=kind)
    assert code == 2 and "「yes（或 true、on）」不是文字" in stderr and "True" not in stderr, stderr


def test_an_alias_that_is_another_columns_header_in_the_same_kind_is_refused(tmp_path):
    """Loaded without a word before, a sheet's 测量方式 column was then read as a date ('bad-date')."""
    kind = KIND.replace("    type: date\n", "    type: date\n    aliases: [测量方式]\n").replace(
        "  - use: systolic\n", "  - use: systolic\n  - header: 测量方式\n    field: measure_way\n    type: text\n")
    code, stderr = _errors(tmp_path, kind=kind)
    assert code == 2 and "表头「测量方式」同时是「测量日期」（bp_measure_date）的列名或别名" in stderr, stderr


@pytest.mark.parametrize("where", ["denominator", "in_population", "in_population_of_a_union"])
def test_registers_read_through_a_population_are_listed_however_it_is_reached(tmp_path, where):
    """managed_hypertension_patients falls back on hypertension_followups: an indicator reaching it
    through in_population (or a union holding it) reads that register as one naming it as its
    denominator does — so `registers:` must list it there too (it was refused only as a denominator,
    and `chsc indicators` showed the others an incomplete list)."""
    (tmp_path / "inds").mkdir()
    (tmp_path / "inds" / "populations.yaml").write_text(
        "populations:\n  chronic_or_old:\n    union: [managed_hypertension_patients, residents_at_period_end]\n", encoding="utf-8")
    denominator = {"denominator": "population: managed_hypertension_patients",
                   "in_population": "population: residents_at_period_end\n  having: [{in_population: managed_hypertension_patients}]",
                   "in_population_of_a_union": "population: residents_at_period_end\n  having: [{in_population: chronic_or_old}]"}[where]
    indicator = INDICATOR.replace("registers: [outpatient_bp, residents]", "registers: [outpatient_bp, residents, hypertension_patients]")
    indicator = indicator.replace("population: residents_at_period_end", denominator)
    code, stderr = _errors(tmp_path, indicator=indicator)
    assert code == 2 and "registers：用到了但未列出的登记表：hypertension_followups" in stderr, stderr
    listed = indicator.replace("hypertension_patients]", "hypertension_patients, hypertension_followups]")
    code, stderr = _errors(tmp_path, indicator=listed)
    assert code == 0, stderr


@pytest.mark.parametrize("line_above", ["    - not: {in_population: residents_at_period_end}  # 排除: 注销者",
                                        "    - systolic < 140   # 说明: 未达标"])
def test_a_valid_line_with_a_comment_above_a_mistake_is_not_blamed(tmp_path, line_above):
    """The hint to quote a value looked at the line above too, comment included, and told the user
    to quote a valid flow mapping."""
    indicator = INDICATOR.replace("numerator:\n", f"numerator:\n  having:\n{line_above}\n     - age >= 65\n")
    code, stderr = _errors(tmp_path, indicator=indicator)
    assert code == 2 and "YAML 格式错误" in stderr and "加引号" not in stderr, stderr


def test_one_folder_given_twice_is_read_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "outpatient_bp_rate.yaml").write_text(INDICATOR, encoding="utf-8")
    (tmp_path / "kinds").mkdir()
    (tmp_path / "kinds" / "outpatient_bp.yaml").write_text(KIND, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", tmp_path / "kinds", "--indicators", tmp_path / "a",
                   "--indicators", f"{tmp_path}/./a/")
    assert ran.code == 0 and "也有定义" not in ran.stderr, ran.stderr


@pytest.mark.parametrize(("word", "said"), [("0000-00-00", "「0000-00-00」被 YAML 当作日期，但没有这一天：请给它加引号"),
                                            ("NULL", "blank_words（视为空白的值）中的「null（或 NULL、~、空）」不是文字")])
def test_a_blank_word_yaml_reads_as_something_else_is_said(tmp_path, word, said):
    """An unquoted 0000-00-00 stopped chsc with 内部错误 (PyYAML's 'year 0 is out of range'); an
    unquoted NULL was called an alias (别名) and shown as None."""
    kind = KIND.replace("    type: date\n", f"    type: date\n    blank_words: [{word}]\n")
    code, stderr = _errors(tmp_path, kind=kind)
    assert code == 2 and said in stderr and "内部错误" not in stderr, stderr


def test_an_indicator_written_with_a_header_a_denominator_on_a_count_or_a_text_date_is_said(tmp_path):
    """What adding a category as YAML from the docs alone ran into: a Chinese header written for a
    field (now pointed to the field), a denominator on a count (silently unused) and `exists:` or
    `latest_by` naming a text field (it loaded, and compute said the column was missing)."""
    cases = {
        "header_rate": ("person", "registers: [elderly_checkups]\n", "denominator:\n  population:\n    register: elderly_checkups\n"
                        "    where:\n      - 体检日期 >= period_start\nnumerator:\n  require: []\n",
                        "（「体检日期」是表头，字段名是 checkup_date）"),
        "counted_rate": ("count", "registers: [health_education_activities]\n",
                         "denominator:\n  population:\n    register: health_education_activities\n"
                         "numerator:\n  population:\n    register: health_education_activities\n",
                         "unit: count 的指标没有分母"),
        "station_rate": ("person", "registers: [residents, elderly_checkups]\n",
                         "denominator:\n  population: residents_at_period_end\nnumerator:\n  require:\n"
                         "    - exists: {register: elderly_checkups, date: station}\n",
                         "「station」不是日期字段"),
    }
    for name, (unit, registers, body, said) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        target = "target: 5\n" if unit == "count" else "target: 0.5\n"
        (folder / f"{name}.yaml").write_text(
            f"id: {name}\nname: 测试{name}\ncategory: 测试\n{registers}definition: 测试\n{target}unit: {unit}\n{body}", encoding="utf-8")
        ran = run_chsc("indicators", "--indicators", folder)
        assert ran.code == 2 and said in ran.stderr, (name, ran.output)
