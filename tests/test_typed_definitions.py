"""A typed definition language (issue 15, item 3): the six custom definitions found on a realistic
centre are each understood exactly or refused with exit 2 naming file and line, never exit 3."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from chsc_cli.config import CentreConfig
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.problems import UserError
from chsc_cli.registers import read_folder
from cli_helpers import in_process
from helpers import make_id, write_workbook

SIGNED = [make_id("19500101", f"{i:03d}") for i in range(1, 4)]
UNSIGNED = [make_id("19600101", f"{i:03d}") for i in range(4, 6)]
CLOSED = make_id("19700101", "011")


def indicator(name: str, check: str, registers: str = "residents", extra: str = "") -> str:
    return f"""id: {name}
name: {name}
category: 测试
registers: [{registers}]
definition: 测试
target: 0.5
denominator:
  population: residents_at_period_end
numerator:
  require:
    - check:
        - {check}
{extra}"""


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("typed")
    rows = [["身份证号", "建档日期", "签约", "签约日期", "档案状态", "姓名"]]
    rows += [[key, "2020-01-01", "是", "2024-05-01", "正常", "王一"] for key in SIGNED]
    rows += [[key, "2020-01-01", "否", None, "在档", "张二"] for key in UNSIGNED]
    rows[1][3] = "2019-06-01"  # signed before the record was made
    rows.append([CLOSED, "2020-01-01", "否", None, "死亡", "李三"])
    write_workbook(root / "居民.xlsx", {"居民": rows})
    return read_folder(root, today=dt.date(2026, 1, 10)), root


def numerators(tmp_path: Path, data, checks: dict[str, str]) -> dict[str, int]:
    for name, check in checks.items():
        (tmp_path / f"{name}.yaml").write_text(indicator(name, check), encoding="utf-8")
    library = load_library([tmp_path])
    result = compute_indicators(data[0], parse_period("2025"), CentreConfig(), library, only=list(checks))
    return {row.id: row.numerator for row in result.indicators}


def test_a_vocabulary_word_means_its_canonical_value(tmp_path, data):
    counted = numerators(tmp_path, data, {
        "signed_word": "signed == 是",
        "signed_yes": "signed == yes",
        "active_word": "record_status == 正常",
        "active": "record_status == active",
        "active_synonym": "record_status == 在档",
        "not_signed": "signed == 否",
    })
    assert counted["signed_word"] == counted["signed_yes"] == 3
    assert counted["active_word"] == counted["active"] == counted["active_synonym"] == 5
    assert counted["not_signed"] == 2


def test_fields_of_one_type_compare(tmp_path, data):
    counted = numerators(tmp_path, data, {"after_record": "signing_date >= record_date"})
    assert counted == {"after_record": 2}


@pytest.mark.parametrize(
    ("check", "token", "words"),
    [
        ("signing_date >= 2025", "2025", "日期"),
        ("signed == maybe", "maybe", "signed"),
        ("record_status == 活着", "活着", "档案状态"),
        ("signing_date => 2025-01-01", "=", None),
        ("signing_datum >= 2025-01-01", "signing_datum", "未知字段"),
        ("signed >= yes", ">=", None),
        ("signing_date + 3 >= record_date", "+", None),
        ("record_date == signing_date + 28 dayz", "dayz", None),
    ],
)
def test_a_bad_comparison_is_refused_with_file_line_and_token(tmp_path, check, token, words):
    text = indicator("bad", check)
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    message = str(raised.value)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if check in content)
    assert f"bad.yaml:{line}:" in message, message
    assert f"〔{token}" in message, message
    if words:
        assert words in message


def test_every_file_is_checked_before_stopping_and_the_cli_exits_2(tmp_path, data, capsys):
    (tmp_path / "one.yaml").write_text(indicator("one", "signing_date >= 2025"), encoding="utf-8")
    (tmp_path / "two.yaml").write_text(indicator("two", "signed == maybe"), encoding="utf-8")
    code = in_process("compute", data[1], "--period", "2025", "--indicators", tmp_path, "--quiet")
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(r"one\.yaml:\d+:", err) and re.search(r"two\.yaml:\d+:", err)
    assert "Traceback" not in err and "内部错误" not in err


def test_an_unlisted_value_of_a_keep_as_written_column_is_a_warning(tmp_path):
    text = f"""id: phone_followups
name: 电话随访
category: 测试
registers: [hypertension_patients, hypertension_followups]
definition: 测试
target: 0.5
denominator:
  population: managed_hypertension_patients
numerator:
  require:
    - exists:
        register: hypertension_followups
        date: followup_date
        where:
          - followup_mode in [电话, 视频]
"""
    (tmp_path / "phone_followups.yaml").write_text(text, encoding="utf-8")
    library = load_library([tmp_path])
    assert any("phone_followups.yaml:15" in warning and "视频" in warning for warning in library.warnings)
    folder = tmp_path / "data"
    write_workbook(folder / "随访.xlsx", {"随访": [["身份证号", "随访日期", "随访方式"], [SIGNED[0], "2025-03-01", "电话"]]})
    result = compute_indicators(read_folder(folder, today=dt.date(2026, 1, 10)), parse_period("2025"), CentreConfig(), library, only=["phone_followups"])
    assert result.indicators[0].numerator == 1
    assert any(w.code == "definition-warning" and "视频" in w.message and w.file.endswith("phone_followups.yaml") for w in result.warnings)


def test_a_problem_without_a_token_names_the_line_of_its_key(tmp_path):
    text = indicator("unlisted", "signed == yes").replace("registers: [residents]", "registers: [residents]\n")
    text = text.replace("    - check:\n        - signed == yes", "    - exists: {register: elderly_checkups, date: checkup_date}")
    (tmp_path / "unlisted.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    line = next(number for number, content in enumerate(text.splitlines(), 1) if content.startswith("registers:"))
    assert f"unlisted.yaml:{line}: registers：用到了但未列出的登记表" in str(raised.value)


ACCEPTED = [
    "signing_date + 1 months <= period_end",
    "signing_date - 2 weeks >= record_date",
    "days_between(record_date, signing_date) >= 0",
    "coalesce(signing_date, record_date) <= period_end",
    "date(signing_date) == record_date",
    "age * 2 >= 130",
    "age + 0.5 > 60",
    "due_dates_in_period(birth, 780) >= 0",
    "signed in [是, 否]",
    "record_status not in [死亡, 迁出]",
    "name contains [王, 李]",
    "signing_date in [2024-05-01]",
    "age in [65, 75]",
    "(age + 1) * 2 > 100",
]
REFUSED = [
    "due_dates_in_period(birth, [3, 6]) >= 1",
    "age + 1 > $undefined",
    "signing_date + 1.5 months <= period_end",
    "signing_date - record_date >= 0",
    "age + 1 days > 3",
    "days_between(age, birth) > 1",
    "coalesce(signing_date, age) <= period_end",
    "signed > 是",
    "name contains 王",
    "series has HepB",
    "name == 3",
    "signing_date in [2025]",
    "signed == 是 是",
    "foo(age) > 1",
    "age > (1 + 2",
]


@pytest.mark.parametrize("check", ACCEPTED + REFUSED)
def test_no_definition_reaches_an_internal_error(tmp_path, data, check):
    """Each definition is computed (a number, no exception) or refused as the user's mistake."""
    (tmp_path / "odd.yaml").write_text(indicator("odd", check), encoding="utf-8")
    try:
        library = load_library([tmp_path])
    except UserError as error:
        assert check in REFUSED, str(error)
        assert re.search(r"odd\.yaml:\d+:", str(error)), str(error)
        return
    assert check in ACCEPTED
    result = compute_indicators(data[0], parse_period("2025"), CentreConfig(), library, only=["odd"])
    assert result.indicators[0].numerator is not None, result.indicators[0].reason


def test_derive_blank_counts_a_blank_row_as_a_number_and_only_for_numbers(tmp_path):
    """derive {max: field, blank: n}: MAX(COALESCE(field, n)) over a person's rows; refused on a date."""
    def with_derive(name: str, derive: str, having: str) -> str:
        return f"""id: {name}
name: {name}
category: 测试
registers: [maternal_records]
definition: 测试
target: 0.5
denominator:
  population:
    register: maternal_records
    derive: {{largest: {derive}}}
    latest_by: delivery_date
numerator:
  having: [{having}]
"""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    rows = [["身份证号", "分娩日期", "活产数"]]
    rows += [[SIGNED[0], "2025-03-01", None], [SIGNED[0], "2025-03-01", 0], [SIGNED[1], "2025-04-01", 0]]
    write_workbook(data_dir / "孕产妇.xlsx", {"孕产妇": rows})
    library_dir = tmp_path / "library"
    library_dir.mkdir()
    (library_dir / "blank_one.yaml").write_text(with_derive("blank_one", "{max: live_births, blank: 1}", "largest > 0"), encoding="utf-8")
    (library_dir / "left_out.yaml").write_text(with_derive("left_out", "{max: live_births}", "largest > 0"), encoding="utf-8")
    result = compute_indicators(read_folder(data_dir, today=dt.date(2026, 1, 10)), parse_period("2025"), CentreConfig(), load_library([library_dir]), only=["blank_one", "left_out"])
    counted = {row.id: (row.numerator, row.denominator) for row in result.indicators}
    assert counted == {"blank_one": (1, 2), "left_out": (0, 2)}
    (library_dir / "bad.yaml").write_text(with_derive("bad", "{latest: delivery_date, blank: 1}", "largest is not null"), encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_library([library_dir])
    assert "blank" in str(raised.value) and "bad.yaml" in str(raised.value)
