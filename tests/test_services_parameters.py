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
    folder = _centre_copy(tmp_path, "child_tcm_management_rate", "per_due_age_months: []",
                          "per_due_age_months: [6, 12, 18, 24, 30, 36]")
    assert _result(data, "child_tcm_management_rate", [folder]) == (0, 1)


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
