"""A review that built a new category (残疾人康复) from the docs alone found four places where the
language let a mistake through silently. Each is shown here with a small kind, lookup table and
indicator written in the test — YAML only, no Python naming either:

1. a lookup's source column absent from a register: the field it fills is absent too (not
   computable, naming the column), not a field of empty code lists giving 0%;
2. `has` with a code its lookup table does not give: a load error naming the known codes (and the
   messages speak of lookups in general, the vaccine table keeping its own words);
3. `codes:` on a column whose type reads no vocabulary (text): a load error saying which types take it;
4. a reason placeholder its position cannot fill (a row field in a count's reason): a load error;

and, found on the way, 5. a lookup table's `unknown.code` chsc does not know (an internal error once
a value was unknown) and a blank cell of a lookup column reported as an unknown value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chsc_cli.engine import load_library
from chsc_cli.problems import UserError
from chsc_cli.registers import use_register_kinds
from cli_helpers import in_process
from helpers import make_id, read, write_csv


@pytest.fixture(autouse=True)
def shipped_kinds_afterwards():
    """The runs put the centre's kinds in force: the shipped ones again after each test."""
    yield
    use_register_kinds([])


LOOKUPS = """\
rehab_groups:
  title: 残疾类别表
  unknown:
    code: unknown-value
    message: 不是已知的残疾类别
  entries:
    - codes: [physical]
      names: [肢体残疾, 肢体]
    - codes: [sensory]
      names: [视力残疾, 听力残疾]
    - codes: [physical, sensory]
      names: [多重残疾]
"""

ROSTER = """\
name: rehab_roster
title: 康复对象花名册
roster: true
key: {field: id_number, unit: person}
classify:
  words: [康复对象花名册]
  settled_by: [card_number]
columns:
  - use: id_number
  - use: name
  - header: 康复证号
    field: card_number
    required: true
"""

VISITS = """\
name: rehab_visits
title: 康复随访登记
roster: false
key: {field: id_number, unit: person}
classify:
  words: [康复随访登记]
  settled_by: [visit_date]
columns:
  - use: id_number
  - header: 随访日期
    field: visit_date
    type: date
    required: true
  - header: 残疾类别
    field: disability_type
{type_line}    lookup: {table: rehab_groups, into: rehab_group}
  - header: 服务方式
    field: service_mode
{mode_lines}"""

CATEGORY = "    type: category\n    vocabulary: {values: [肢体残疾, 视力残疾, 听力残疾, 多重残疾]}\n    keep_unknown: true\n"
MODE_CATEGORY = "    type: category\n    vocabulary: {values: [门诊, 上门]}\n    codes: {\"1\": 门诊, \"2\": 上门}\n"


def indicator(test: str = "rehab_group has physical", reason: str = "肢体康复随访{count}次，需{required}次",
              how: str = "where") -> str:
    return f"""\
id: physical_rehab_rate
name: 肢体康复随访率
category: 残疾人康复服务
registers: [rehab_roster, rehab_visits]
definition: 分子：统计期内有肢体类康复随访的人数。分母：花名册上的人。
target: 0.5
denominator:
  population: {{register: rehab_roster}}
numerator:
  require:
    - count:
        register: rehab_visits
        date: visit_date
        {how}:
          - {test}
        at_least: 1
        reason: {reason}
"""


PEOPLE = [make_id("19500101", f"{i:03d}") for i in (1, 3, 5)]


def centre(tmp_path: Path, *, type_line: str = CATEGORY, mode_lines: str = MODE_CATEGORY, library: str | None = None,
           with_type_column: bool = True) -> tuple[Path, Path, Path]:
    kinds, indicators, data = tmp_path / "kinds", tmp_path / "ind", tmp_path / "data"
    for folder in (kinds, indicators, data):
        folder.mkdir()
    (kinds / "_lookups.yaml").write_text(LOOKUPS, encoding="utf-8")
    (kinds / "rehab_roster.yaml").write_text(ROSTER, encoding="utf-8")
    (kinds / "rehab_visits.yaml").write_text(VISITS.replace("{type_line}", type_line).replace("{mode_lines}", mode_lines), encoding="utf-8")
    (indicators / "physical_rehab_rate.yaml").write_text(library or indicator(), encoding="utf-8")
    write_csv(data / "康复对象花名册.csv", [["身份证号", "姓名", "康复证号"], *([p, "某", f"K{i}"] for i, p in enumerate(PEOPLE))])
    visits = [["身份证号", "随访日期", "残疾类别", "服务方式"],
              [PEOPLE[0], "2025-03-01", "肢体残疾", "1"],
              [PEOPLE[1], "2025-04-01", "多重残疾", "2"],
              [PEOPLE[2], "2025-05-01", "视力残疾", "1"]]
    if not with_type_column:
        visits = [[row[0], row[1], row[3]] for row in visits]
    write_csv(data / "康复随访登记2025.csv", visits)
    return kinds, indicators, data


def compute(kinds: Path, indicators: Path, data: Path, capsys) -> tuple[int, dict, str]:
    code = in_process("compute", data, "--period", "2025", "--format", "json", "--quiet",
                      "--register-kinds", kinds, "--indicators", indicators)
    out = capsys.readouterr()
    rows = {row["id"]: row for row in json.loads(out.out)["indicators"]} if code == 0 else {}
    return code, rows, out.err


# ------------------------------------------------------------- 1. a lookup's source column absent


def test_a_lookup_field_counts_when_its_source_column_is_there(tmp_path, capsys):
    code, rows, err = compute(*centre(tmp_path), capsys)
    assert code == 0, err
    row = rows["physical_rehab_rate"]
    assert (row["numerator"], row["denominator"]) == (2, 3)  # 肢体残疾 and 多重残疾


def test_a_lookup_field_whose_source_column_is_absent_makes_the_indicator_not_computable(tmp_path, capsys):
    """No 残疾类别 column: rehab_group is absent too — 无法计算 naming 残疾类别, as an absent
    yes/no column is, and never 0 of 3 from empty code lists."""
    code, rows, err = compute(*centre(tmp_path, with_type_column=False), capsys)
    assert code == 0, err
    row = rows["physical_rehab_rate"]
    assert row["numerator"] is None and row["denominator"] is None, row
    assert "缺少「残疾类别」列" in row["reason"], row["reason"]


def test_if_column_absent_pass_on_a_lookup_field_holds_only_where_the_column_is_absent(tmp_path, capsys):
    """The sheet's list of present fields names the lookup's field when its column is there: a test
    with `if_column_absent: pass` is then judged (视力残疾 fails), not passed as if absent."""
    library = indicator(test="{test: rehab_group has physical, if_column_absent: pass}", how="test").replace(
        "    - count:\n", "    - exists:\n").replace("        at_least: 1\n        reason: 肢体康复随访{count}次，需{required}次\n", "")
    code, rows, err = compute(*centre(tmp_path, library=library), capsys)
    assert code == 0, err
    assert rows["physical_rehab_rate"]["numerator"] == 2


def test_if_column_absent_pass_on_a_lookup_field_whose_column_is_absent_passes_and_says_so(tmp_path, capsys):
    """No 残疾类别 column: the test passes for every row, with completeness-unchecked naming 残疾类别."""
    library = indicator(test="{test: rehab_group has physical, if_column_absent: pass}", how="test").replace(
        "    - count:\n", "    - exists:\n").replace("        at_least: 1\n        reason: 肢体康复随访{count}次，需{required}次\n", "")
    code, rows, err = compute(*centre(tmp_path, library=library, with_type_column=False), capsys)
    assert code == 0, err
    assert rows["physical_rehab_rate"]["numerator"] == 3
    code = in_process("compute", tmp_path / "data", "--period", "2025", "--format", "json",
                      "--register-kinds", tmp_path / "kinds", "--indicators", tmp_path / "ind")
    problems = json.loads(capsys.readouterr().out)["warnings"]
    assert any(p["code"] == "completeness-unchecked" and "残疾类别" in p["message"] for p in problems), problems


# ------------------------------------------------------------------ 2. has with an unknown code


def _load_error(kinds: Path, indicators: Path, data: Path, capsys) -> str:
    code = in_process("compute", data, "--period", "2025", "--quiet", "--register-kinds", kinds, "--indicators", indicators)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_has_with_a_code_the_lookup_table_does_not_give_is_a_load_error(tmp_path, capsys):
    err = _load_error(*centre(tmp_path, library=indicator(test="rehab_group has 肢体")), capsys)
    assert re.search(r"physical_rehab_rate\.yaml:\d+: ", err), err
    assert "没有代码「肢体」" in err and "残疾类别表" in err, err
    assert "physical、sensory" in err, err  # the codes it knows
    assert "疫苗" not in err, err


def test_has_on_a_field_no_lookup_fills_names_the_lookup_fields_not_vaccine_series(tmp_path, capsys):
    err = _load_error(*centre(tmp_path, library=indicator(test="disability_type has physical")), capsys)
    assert re.search(r"physical_rehab_rate\.yaml:\d+: ", err), err
    assert "查表得到的代码" in err and "rehab_group has physical" in err, err
    assert "疫苗" not in err, err


def test_a_lookup_field_compared_with_equals_is_told_to_use_has_in_general_words(tmp_path, capsys):
    err = _load_error(*centre(tmp_path, library=indicator(test="rehab_group == physical")), capsys)
    assert "「rehab_group」是查表得到的代码（按残疾类别表）" in err and "has" in err, err
    assert "疫苗" not in err, err


def test_the_vaccine_series_keeps_its_own_words_and_a_name_is_told_its_code(tmp_path):
    (tmp_path / "hepb_by_name.yaml").write_text("""\
id: hepb_by_name
name: 乙肝按名称
category: 测试
registers: [children, vaccinations]
definition: 测试
target: 0.5
denominator:
  population: {register: children}
numerator:
  require:
    - exists: {register: vaccinations, date: vaccination_date, where: [series has 乙肝]}
""", encoding="utf-8")
    with pytest.raises(UserError) as error:
        load_library([tmp_path])
    message = str(error.value)
    assert re.search(r"hepb_by_name\.yaml:\d+: ", message), message
    assert "「series」（已知疫苗表）没有代码「乙肝」（「乙肝」是表中的名称，它的代码是 HepB）" in message, message
    assert "HepB、BCG" in message, message


# ----------------------------------------------------------------------- 3. codes: on a text column


def test_codes_on_a_text_column_is_a_kind_file_error_saying_which_types_take_it(tmp_path, capsys):
    """A text 服务方式 with codes would keep 1 and 2 as written, silently."""
    err = _load_error(*centre(tmp_path, mode_lines="    codes: {\"1\": 门诊, \"2\": 上门}\n"), capsys)
    assert re.search(r"rehab_visits\.yaml:\d+: codes", err), err
    assert "category 或 yesno" in err, err


def test_codes_on_a_category_column_reads_the_numbers(tmp_path, capsys):
    library = indicator(test="service_mode == 上门")
    code, rows, err = compute(*centre(tmp_path, library=library), capsys)
    assert code == 0, err
    assert rows["physical_rehab_rate"]["numerator"] == 1  # "2" is 上门


# ------------------------------------------------------------- 4. a placeholder its place cannot fill


@pytest.mark.parametrize("reason, token", [
    ("肢体康复随访{count}次（最近{visit_date}），需{required}次", "visit_date"),  # a row field: no row is chosen
    ("肢体康复随访{count}次（{date}）", "date"),  # no row's date either
])
def test_a_count_reason_naming_what_it_cannot_fill_is_a_load_error(tmp_path, capsys, reason, token):
    err = _load_error(*centre(tmp_path, library=indicator(reason=reason)), capsys)
    assert re.search(rf"physical_rehab_rate\.yaml:\d+: numerator\.require\[0\]\.reason：说明模板中的「{{{token}}}」在这里填不出", err), err
    assert "{count}" in err and "{required}" in err, err  # what it may use


def test_count_in_a_check_reason_is_a_load_error(tmp_path, capsys):
    library = indicator().replace("""    - count:
        register: rehab_visits
        date: visit_date
        where:
          - rehab_group has physical
        at_least: 1
        reason: 肢体康复随访{count}次，需{required}次
""", """    - check:
        - test: card_number is not null
          reason: 随访{count}次
""")
    err = _load_error(*centre(tmp_path, library=library), capsys)
    assert "「{count}」在这里填不出" in err and "只用于 count 的 reason" in err, err


def test_a_person_field_and_the_period_in_a_count_reason_still_load(tmp_path, capsys):
    library = indicator(reason="\"{period}{name}随访{count}次，需{required}次\"")
    code, rows, err = compute(*centre(tmp_path, library=library), capsys)
    assert code == 0, err


# ------------------------------------------------------- 5. what a lookup table's file may say


def test_a_lookup_tables_unknown_code_must_be_a_problem_code_chsc_knows(tmp_path, capsys):
    """_lookups.yaml's unknown.code names the warning a value outside the table is: a code chsc does
    not know was an internal error when the first such value was read."""
    kinds, indicators, data = centre(tmp_path)
    (kinds / "_lookups.yaml").write_text(LOOKUPS.replace("code: unknown-value", "code: unknown-group"), encoding="utf-8")
    err = _load_error(kinds, indicators, data, capsys)
    assert re.search(r"_lookups\.yaml:\d+: .*unknown-value 或 unknown-vaccine", err), err


def test_a_blank_cell_of_a_lookup_column_is_no_code_and_no_problem(tmp_path):
    """A lookup on a column that is not required: a blank 残疾类别 is no code, not an unknown value
    (it was reported as 残疾类别「（空）」不是已知的残疾类别); an unknown word still is."""
    kinds, _, data = centre(tmp_path)
    write_csv(data / "康复随访登记2025.csv", [["身份证号", "随访日期", "残疾类别", "服务方式"],
                                              [PEOPLE[0], "2025-03-01", "", "1"], [PEOPLE[1], "2025-03-01", "什么", "1"]])
    use_register_kinds([kinds])
    result = read(data)
    said = [p.message for p in result.problems if p.code == "unknown-value" and "可选值" not in p.message]
    assert said == ["残疾类别「什么」不是已知的残疾类别"], said
    assert [tuple(codes) for codes in result.tables["rehab_visits"]["rehab_group"]] == [(), ()]
