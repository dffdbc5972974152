"""services.md's choices are parameters of the indicator files: changing one in a centre's copy of the
file changes the result, with no Python (per_due_age, within_days of the TB roster's 72-hour rule)."""

from __future__ import annotations

from pathlib import Path

from helpers import make_id, write_xlsx

from chsc_cli.config import CentreConfig
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import read_folder

SHIPPED = Path(__file__).resolve().parents[1] / "indicators"


def _centre_copy(tmp_path: Path, indicator_id: str, old: str, new: str) -> Path:
    folder = tmp_path / "本中心指标"
    folder.mkdir(exist_ok=True)
    text = (SHIPPED / f"{indicator_id}.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / f"{indicator_id}.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _result(data_dir: Path, indicator_id: str, extra=()) -> tuple:
    library = load_library(list(extra))
    rows = compute_indicators(read_folder(data_dir), parse_period("2025"), CentreConfig(), library, only=[indicator_id]).indicators
    row = next(r for r in rows if r.id == indicator_id and r.group is None)
    return row.numerator, row.denominator


def test_tcm_one_visit_per_due_date_when_asked(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    # born 2024-06-15: TCM dates 2025-06-15 and 2025-12-15 in 2025; one TCM visit
    write_xlsx(data / "儿童保健花名册.xlsx", [["儿童保健编号", "出生日期"], ["T1", "2024-06-15"]])
    write_xlsx(data / "儿童健康检查.xlsx", [["儿童保健编号", "随访日期", "中医药健康管理"], ["T1", "2025-06-20", "是"]])
    assert _result(data, "child_tcm_management_rate") == (1, 1)
    # the parameter services.md names (it was per_due_age_months, and a per_due_age: true changed nothing)
    folder = _centre_copy(tmp_path, "child_tcm_management_rate", "  per_due_age: false\n", "  per_due_age: true\n")
    assert _result(data, "child_tcm_management_rate", [folder]) == (0, 1)
    library = load_library([folder])
    result = compute_indicators(read_folder(data), parse_period("2025"), CentreConfig(), library, only=["child_tcm_management_rate"])
    persons = result.evaluations["child_tcm_management_rate"].persons
    assert persons["reason"].tolist() == ["2025年中医药健康管理服务1次，应2次"]  # the count's, past the check with none


def test_a_parameter_no_condition_reads_is_a_definition_warning(tmp_path):
    """A misspelt or stale parameter (per_due_age_months kept in an old copy) changes nothing: said."""
    folder = _centre_copy(tmp_path, "child_tcm_management_rate", "  per_due_age: false\n", "  per_due_age: false\n  per_due_ages: true\n")
    warnings = load_library([folder]).warnings
    assert len(warnings) == 1 and "child_tcm_management_rate.yaml:" in warnings[0]
    assert "参数 per_due_ages 没有被任何条件使用" in warnings[0]
    line = int(warnings[0].split(".yaml:")[1].split(":")[0])
    assert (folder / "child_tcm_management_rate.yaml").read_text(encoding="utf-8").splitlines()[line - 1].strip() == "per_due_ages: true"
    assert load_library().warnings == []  # every shipped parameter is read


def test_a_parameter_read_by_a_population_of_the_indicator_is_used(tmp_path):
    """key_population_signing_rate's own max_pregnancy_days is read by pregnant_or_delivered_women,
    a population it reads: no 'unused' warning (a review found one, though the value changed the result)."""
    folder = _centre_copy(tmp_path, "key_population_signing_rate", "target: 0.60\n", "target: 0.60\nparameters:\n  max_pregnancy_days: 10\n")
    assert load_library([folder]).warnings == []


def test_tb_within_days_enforces_the_72_hour_rule(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    ids = [make_id("19800101", seq) for seq in ("011", "013", "015")]
    write_xlsx(data / "肺结核患者管理名册.xlsx", [
        ["身份证号", "通知日期", "首次入户随访日期"],
        [ids[0], "2025-03-01", "2025-03-04"], [ids[1], "2025-03-01", "2025-03-05"], [ids[2], "2025-03-01", "2025-02-28"],
    ])
    assert _result(data, "tb_management_rate") == (2, 3)
    folder = _centre_copy(tmp_path, "tb_management_rate", "within_days: null", "within_days: 3")
    assert _result(data, "tb_management_rate", [folder]) == (1, 3)


def test_a_parameter_read_by_a_population_inside_an_inline_union_is_used(tmp_path):
    """The population written in place ({union: [...]}) reads pregnant_or_delivered_women, which reads
    $max_pregnancy_days: the indicator's own value is used, so it is not 'unused'."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mothers_rate.yaml").write_text("""id: mothers_rate
name: 孕产妇测试
category: 测试
registers: [maternal_records, residents]
definition: 测试
target: 0.5
parameters:
  max_pregnancy_days: 10
denominator:
  population: {union: [pregnant_or_delivered_women]}
numerator:
  having: [age >= 18]
""", encoding="utf-8")
    assert load_library([folder]).warnings == []
    (folder / "mothers_rate.yaml").write_text((folder / "mothers_rate.yaml").read_text(encoding="utf-8").replace(
        "max_pregnancy_days: 10", "max_pregnancy_day: 10"), encoding="utf-8")
    assert "参数 max_pregnancy_day 没有被任何条件使用" in load_library([folder]).warnings[0]
