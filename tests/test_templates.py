"""`chsc template` and `chsc init`: blank registers that chsc itself recognises, formatted for entry."""

from __future__ import annotations

import pathlib
import tempfile

import openpyxl
import pytest
from cli_helpers import run_chsc

from chsc_cli.config import load_config
from chsc_cli.registers import KINDS, read_folder

EXPECTED_DROPDOWNS = {"hypertension_followups": {"随访方式": "门诊", "此次随访分类": "控制满意"}, "residents": {"签约": "是", "常住": "是"}}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_is_recognised_as_its_kind_and_formatted_for_entry(tmp_path, kind):
    name = {"hypertension_patients": "高血压名册", "diabetes_patients": "糖尿病名册",
            "hypertension_followups": "高血压随访", "diabetes_followups": "糖尿病随访"}.get(kind, kind)
    path = tmp_path / f"{name}.xlsx"
    ran = run_chsc("template", kind, "-o", path)
    assert ran.code == 0, ran.output
    read = read_folder(tmp_path)
    assert [(s.kind, s.rows) for s in read.sheets] == [(kind, 0)]
    sheet = openpyxl.load_workbook(path).active
    headers = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2"
    key = next((c.header for c in KINDS[kind].columns if c.field == KINDS[kind].key_field), None)
    if key is not None:  # a record register without a key (卫生监督协管, 健康教育) has no key column
        assert sheet.cell(row=2, column=headers.index(key) + 1).number_format == "@"
    for date_header in [c.header for c in KINDS[kind].columns if c.type == "date"]:
        assert sheet.cell(row=2, column=headers.index(date_header) + 1).number_format == "yyyy-mm-dd"
    formulas = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    for header, word in EXPECTED_DROPDOWNS.get(kind, {}).items():
        column = openpyxl.utils.get_column_letter(headers.index(header) + 1)
        assert word in formulas[f"{column}2"]
    # a column filled with what was done (健康指导, 删除时间) only suggests 是/否: anything may be typed
    styles = {str(v.sqref).split(":")[0]: v.errorStyle for v in sheet.data_validations.dataValidation}
    for column in KINDS[kind].columns:
        if column.header in headers and f"{openpyxl.utils.get_column_letter(headers.index(column.header) + 1)}2" in styles:
            style = styles[f"{openpyxl.utils.get_column_letter(headers.index(column.header) + 1)}2"]
            assert (style == "information") == column.content_filled, column.header


def test_template_refuses_an_unknown_kind():
    ran = run_chsc("template", "patients", "-o", "x.xlsx")
    assert ran.code == 2 and "residents" in ran.stderr and "Traceback" not in ran.output


def test_init_creates_a_folder_chsc_reads_cleanly(tmp_path):
    folder = tmp_path / "2026年数据"
    assert run_chsc("init", folder, "--centre", "测试中心").code == 0
    assert load_config(folder / "chsc.yaml").settings.centre == "测试中心"
    read = read_folder(folder)
    assert sorted(s.kind for s in read.sheets) == sorted(KINDS)
    assert not read.has_errors
    ran = run_chsc("validate", folder)
    assert ran.code == 0


def test_init_never_writes_into_a_folder_with_files(tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"x")
    ran = run_chsc("init", tmp_path)
    assert ran.code == 2 and "不是空文件夹" in ran.stderr
    assert (tmp_path / "data.xlsx").read_bytes() == b"x"


def test_init_on_an_existing_file_says_it_is_a_file(tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"x")
    ran = run_chsc("init", tmp_path / "data.xlsx")
    assert ran.code == 2 and "是一个已有的文件" in ran.stderr
    assert (tmp_path / "data.xlsx").read_bytes() == b"x"


def test_init_below_a_file_or_where_it_may_not_write_is_the_users_mistake(tmp_path, monkeypatch):
    """Exit 2 with what to do, never the internal error (exit 3) of an uncaught OSError."""
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    ran = run_chsc("init", tmp_path / "afile" / "数据")
    assert ran.code == 2 and "是一个文件" in ran.stderr and "内部错误" not in ran.output, ran.output

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "mkdir", refused)
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kwargs: refused(kwargs.get("dir")))  # (init builds beside)
    ran = run_chsc("init", tmp_path / "新数据")
    assert ran.code == 2 and "无法创建文件夹" in ran.stderr and "没有写入权限" in ran.stderr, ran.output


def test_each_command_s_output_help_names_the_suffixes_it_writes():
    for command, suffixes in (("compute", ".json / .csv / .xlsx"), ("gaps", ".csv / .xlsx"), ("progress", ".xlsx / .html")):
        ran = run_chsc(command, "--help")
        assert ran.code == 0 and f"写入文件（{suffixes}）" in ran.stdout, command


def test_the_blank_templates_of_init_stand_for_no_register(tmp_path):
    """A centre following the README runs `chsc init` and drops in its diabetes follow-up export: the
    blank 糖尿病名册 from init held no patient, so 管理率 read 0/4 and the follow-ups' patients were
    never counted (indicators.md: with no patient roster, the follow-up register's persons are the
    patients). A sheet of headers alone is no register; an indicator reading only one says so."""
    import json

    from helpers import make_id, write_xlsx

    folder = tmp_path / "2026年数据"
    assert run_chsc("init", folder).code == 0
    ids = [make_id("19500101", seq) for seq in ("011", "013")]
    write_xlsx(folder / "糖尿病随访导出.xlsx", [["身份证号", "随访日期", "随访方式", "空腹血糖"],
                                           [ids[0], "2026-03-01", "门诊", 6.1], [ids[1], "2026-04-01", "门诊", 8.0]])
    ran = run_chsc("compute", folder, "--period", "2026", "--format", "json", "--no-cache")
    rows = {row["id"]: row for row in json.loads(ran.stdout)["indicators"]}
    assert rows["diabetes_glucose_control_rate"]["numerator"] == 1 and rows["diabetes_glucose_control_rate"]["denominator"] == 2
    assert rows["health_lecture_count"]["numerator"] is None
    assert "健康教育活动记录（health_education_activities）（只有表头，没有数据行）" in rows["health_lecture_count"]["reason"]


def test_a_register_whose_rows_all_had_errors_is_still_a_register(tmp_path):
    """Its rows were written, just wrong: left out and counted in the warnings (cli.md), not 「只有表头」
    (a review of the blank-template rule found the first version saying so)."""
    import json

    from helpers import write_xlsx

    write_xlsx(tmp_path / "健康教育活动记录.xlsx", [["活动日期", "活动形式", "活动主题", "参加人数"], ["2026-13-45", "健康知识讲座", "控烟", 30]])
    ran = run_chsc("compute", tmp_path, "--period", "2026", "--format", "json", "--no-cache")
    [row] = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "health_lecture_count"]
    assert (row["numerator"], row["reason"]) == (0, None)
