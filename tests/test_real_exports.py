"""real-exports.md, for the eight register kinds: every header and value it lists is read.

Headers are checked through the reader (a small workbook per alias); values through the parser of the
kind's own column, and the issue's small centres through `chsc compute --format json`.
"""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_chsc
from helpers import cell_problems, make_id, problems, read, write_xlsx

from chsc_cli.registers.columns import normalise_header
from chsc_cli.registers.kinds import KINDS
from chsc_cli.registers.values import parse_date, parse_person_id, parser_for
from chsc_cli.registers.vocabularies import declared_codes, with_declared_codes

ID1 = make_id("19500101", "001")
ID2 = make_id("19500101", "002")

#: Required headers and one good row per kind; the file name settles the disease pairs.
BASE = {
    "residents": ("档案.xlsx", {"身份证号": ID1, "建档日期": "2020-01-01"}),
    "elderly_checkups": ("体检.xlsx", {"身份证号": ID1, "体检日期": "2025-03-01"}),
    "hypertension_patients": ("高血压名册.xlsx", {"身份证号": ID1, "纳入管理日期": "2020-01-01"}),
    "diabetes_patients": ("糖尿病名册.xlsx", {"身份证号": ID1, "纳入管理日期": "2020-01-01"}),
    "hypertension_followups": ("高血压随访.xlsx", {"身份证号": ID1, "随访日期": "2025-03-01", "随访方式": "门诊"}),
    "diabetes_followups": ("糖尿病随访.xlsx", {"身份证号": ID1, "随访日期": "2025-03-01", "随访方式": "门诊"}),
    "children": ("儿童.xlsx", {"儿童编码": "C1", "出生日期": "2024-01-01"}),
    "vaccinations": ("接种记录.xlsx", {"儿童编码": "C1", "疫苗名称": "卡介苗", "接种日期": "2024-01-02"}),
}

#: real-exports.md "Per kind": (kind, header as exported, field it is, a value for it).
ALIASES = [
    ("residents", "身份证件号码", "id_number", ID1),
    ("residents", "户籍类型", "resident", "户籍"),
    ("residents", "常住类型", "resident", "非户籍"),
    ("residents", "管辖机构", "station", "一站"),
    ("residents", "建档机构", "station", "一站"),
    ("residents", "社区名称", "station", "一站"),
    ("residents", "责任医师", "team", "张医生"),
    ("residents", "家庭医生", "team", "张医生"),
    ("residents", "结案时间", "closed_date", "2024-05-01"),
    ("residents", "签约状态", "signed", "已签约"),
    ("residents", "本人电话", "phone", "13800000000"),
    ("residents", "生日日期", "birth_date", "1950-01-01"),
    ("elderly_checkups", "右侧收缩压", "systolic", 130),
    ("elderly_checkups", "右侧舒张压", "diastolic", 80),
    ("elderly_checkups", "左侧收缩压", "systolic", 130),
    ("elderly_checkups", "左侧舒张压", "diastolic", 80),
    *[
        (kind, header, field, value)
        for kind in ("hypertension_patients", "diabetes_patients")
        for header, field, value in (
            ("临床确诊时间", "enrolment_date", "2020-01-01"),
            ("诊断日期", "enrolment_date", "2020-01-01"),
            ("终止日期", "status_change_date", "2024-01-01"),
            ("档案注销日期", "status_change_date", "2024-01-01"),
        )
    ],
    ("hypertension_followups", "本次随访日期", "followup_date", "2025-03-01"),
    ("diabetes_followups", "本次随访日期", "followup_date", "2025-03-01"),
    ("diabetes_followups", "辅助检查空腹血糖值", "fasting_glucose", 6.1),
    ("diabetes_followups", "辅助检查糖化血红蛋白值", "hba1c", 6.5),
    ("hypertension_followups", "随访形式", "followup_mode", "门诊"),
    ("children", "在册情况", "registration_category", "在册"),
    ("children", "档案编码", "child_code", "C1"),
    ("vaccinations", "接种时间", "vaccination_date", "2024-01-02"),
    ("vaccinations", "疫苗批号", "batch_number", "B123"),
]


def one_sheet(tmp_path, kind: str, header: str, field: str, value: object):
    file_name, base = BASE[kind]
    canonical = KINDS[kind].column(field).header
    row = {(header if name == canonical else name): cell for name, cell in base.items()}
    row.setdefault(header, value)
    write_xlsx(tmp_path / file_name, [list(row), list(row.values())])
    return read(tmp_path)


@pytest.mark.parametrize("kind,header,field,value", ALIASES, ids=[f"{k}-{h}" for k, h, _, _ in ALIASES])
def test_every_exported_header_is_read(tmp_path, kind, header, field, value):
    result = one_sheet(tmp_path, kind, header, field, value)
    [sheet] = result.sheets
    assert sheet.kind == kind
    assert sheet.columns[field] == header
    assert cell_problems(result) == []


PERSON_FIELDS = ("id_number", "name", "sex", "birth_date", "station", "team", "phone")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_person_columns_have_the_residents_aliases_everywhere(kind):
    """services.md: person columns have the residents' aliases everywhere (registers.md's "as above"),
    real-exports.md's 管辖机构, 责任医师, 生日日期, 本人电话, 身份证件号码 included."""
    residents = KINDS["residents"]
    for field in PERSON_FIELDS:
        if field in KINDS[kind].fields and field in residents.fields:
            theirs = {normalise_header(name) for name in KINDS[kind].column(field).all_names()}
            missing = {name for name in residents.column(field).all_names() if normalise_header(name) not in theirs}
            assert not missing, (kind, field, missing)


def test_a_patient_roster_exported_with_the_residents_headers(tmp_path):
    write_xlsx(
        tmp_path / "高血压患者管理名册.xlsx",
        [["身份证件号码", "纳入管理日期", "管辖机构", "责任医师", "生日日期"],
         [ID1, "2020-01-01", "一站", "张医生团队", "1950-01-01"]],
    )
    [sheet] = read(tmp_path).sheets
    assert sheet.kind == "hypertension_patients"
    assert {field: sheet.columns.get(field) for field in ("station", "team", "birth_date")} == {
        "station": "管辖机构", "team": "责任医师", "birth_date": "生日日期"}


@pytest.mark.parametrize("header", ["*身份证号", "*身份证件号码", "身份证号*", "* 身份证号"])
def test_a_required_mark_is_dropped(tmp_path, header):
    write_xlsx(tmp_path / "档案.xlsx", [[header, "*建档日期"], [ID1, "2020-01-01"]])
    [sheet] = read(tmp_path).sheets
    assert (sheet.kind, sheet.columns["id_number"], sheet.columns["record_date"]) == ("residents", header, "*建档日期")


@pytest.mark.parametrize(
    "written,normalised",
    [
        ("常住类型（1：户籍 2：非户籍）", "常住类型"),
        ("性别(1男2女)", "性别"),
        ("签约（是/否）状态", "签约状态"),
        ("（必填）身份证号", "身份证号"),
        ("收缩压（mmHg）", "收缩压"),
        ("*随访方式【1门诊 2家庭 3电话】", "随访方式"),
        # every bracket pair (found by a review: 〔〕 {} <> kept the unit and lost the column)
        ("空腹血糖〔mmol/L〕", "空腹血糖"), ("空腹血糖{mmol/L}", "空腹血糖"), ("空腹血糖<mmol/L>", "空腹血糖"),
        ("空腹血糖｛mmol/L｝", "空腹血糖"), ("空腹血糖＜mmol/L＞", "空腹血糖"), ("收缩压〈mmHg〉", "收缩压"),
        ("随访日期《必填》", "随访日期"), ("身份证号［必填］", "身份证号"), ("〔备注〕", "〔备注〕"),
    ],
)
def test_bracketed_text_anywhere_is_dropped(written, normalised):
    assert normalise_header(written) == normalised


def test_when_absent_aliases_give_way_to_the_canonical_column(tmp_path):
    """诊断日期 is 纳入管理日期 only when 纳入管理日期 itself is absent; beside it, it fills nothing."""
    rows = [["身份证号", "诊断日期", "纳入管理日期"], [ID1, "2019-01-01", "2021-06-01"], [ID2, "2019-01-01", None]]
    write_xlsx(tmp_path / "高血压名册.xlsx", rows)
    result = read(tmp_path)
    [sheet] = result.sheets
    assert sheet.columns["enrolment_date"] == "纳入管理日期"
    table = result.tables["hypertension_patients"]
    assert list(table["id_number"]) == [ID1]  # ID2 has no 纳入管理日期: dropped, not filled from 诊断日期
    assert str(table["enrolment_date"][0].date()) == "2021-06-01"


def test_the_canonical_header_is_read_before_an_alias_to_its_left(tmp_path):
    """确诊日期 is an alias of 纳入管理日期; written to its left it was read instead, and a patient
    enrolled in July 2025 counted from 2015. The canonical header wins wherever it stands."""
    rows = [["身份证号", "确诊日期", "管辖机构", "纳入管理日期", "所属站点"], [ID1, "2015-05-01", "某某中心", "2025-07-01", "一站"]]
    write_xlsx(tmp_path / "高血压名册.xlsx", rows)
    result = read(tmp_path)
    [sheet] = result.sheets
    assert (sheet.columns["enrolment_date"], sheet.columns["station"]) == ("纳入管理日期", "所属站点")
    table = result.tables["hypertension_patients"]
    assert (str(table["enrolment_date"][0].date()), table["station"][0]) == ("2025-07-01", "一站")


def test_two_aliases_of_one_field_fill_each_other(tmp_path):
    """死亡日期 and 迁出日期 are both 注销日期: the first column is read and the other fills the rows
    it leaves blank (a person 迁出 kept no closing date and dropped out of earlier years)."""
    rows = [["身份证号", "建档日期", "档案状态", "死亡日期", "迁出日期"],
            [ID1, "2020-01-01", "死亡", "2025-03-01", None], [ID2, "2020-01-01", "迁出", None, "2025-04-01"]]
    write_xlsx(tmp_path / "居民健康档案.xlsx", rows)
    result = read(tmp_path)
    closed = result.tables["residents"].set_index("id_number")["closed_date"]
    assert {key: str(value.date()) for key, value in closed.items()} == {ID1: "2025-03-01", ID2: "2025-04-01"}
    assert cell_problems(result) == []


def test_an_alternate_column_is_read_and_judged_only_where_the_first_is_blank(tmp_path):
    """Another column of a field fills only the rows the first leaves blank, and its problems are
    reported only for those rows (a 迁出日期 of 不详 beside a filled 注销日期 is never read). A blank
    yes/no or category cell (read as its default) is filled too: 签约 blank, 签约状态 已签约 -> signed;
    档案状态 blank, 状态 死亡 -> closed."""
    rows = [["身份证号", "建档日期", "注销日期", "迁出日期", "签约", "签约状态", "档案状态", "状态"],
            [ID1, "2020-01-01", "2024-05-01", "不详", "是", "待定", None, "死亡"],
            [ID2, "2020-01-01", None, "2024-06-01", None, "已签约", None, "迁出"]]
    write_xlsx(tmp_path / "居民健康档案.xlsx", rows)
    result = read(tmp_path)
    table = result.tables["residents"].set_index("id_number")
    assert [str(table.loc[key, "closed_date"].date()) for key in (ID1, ID2)] == ["2024-05-01", "2024-06-01"]
    assert list(table.loc[[ID1, ID2], "signed"]) == [True, True]
    assert list(table.loc[[ID1, ID2], "record_status"]) == ["closed", "closed"]
    assert cell_problems(result) == []  # 不详 and 待定 stand beside filled cells: never read


@pytest.mark.parametrize(
    "first,second,third",
    [(".", "2024-06-01", None), (None, ".", "2024-06-01"), (None, "坏", "2024-06-01"), ("#N/A", "2024-06-01", None)],
)
def test_a_cell_read_as_missing_is_filled_by_the_next_column(tmp_path, first, second, third):
    """A cell that is not empty but reads as missing (`.` in a date, #N/A, an unreadable date) is
    filled by the next column of the field, and the chain goes on past it."""
    rows = [["身份证号", "建档日期", "注销日期", "迁出日期", "死亡日期", "档案状态"], [ID1, "2020-01-01", first, second, third, "迁出"]]
    write_xlsx(tmp_path / "居民健康档案.xlsx", rows)
    closed = read(tmp_path).tables["residents"]["closed_date"]
    assert str(closed.iloc[0].date()) == "2024-06-01"


def test_an_implausible_reading_is_filled_by_the_next_column(tmp_path):
    rows = [["身份证号", "随访日期", "随访方式", "空腹血糖", "空腹血糖值"], [ID1, "2025-03-01", "门诊", 99, 6.1]]
    write_xlsx(tmp_path / "糖尿病患者随访记录.xlsx", rows)
    assert read(tmp_path).tables["diabetes_followups"]["fasting_glucose"].tolist() == [6.1]


def test_a_second_date_time_column_fills_with_its_time(tmp_path):
    rows = [["卡片编号", "疾病名称", "诊断时间", "报告日期", "报告卡录入时间"],
            ["K1", "乙肝", "2025-03-01 08:00", "2025-03-01", "2025-03-01 09:00"],
            ["K2", "乙肝", "2025-03-02 08:00", None, "2025-03-02 09:30"]]
    write_xlsx(tmp_path / "传染病报告卡.xlsx", rows)
    table = read(tmp_path).tables["infectious_disease_reports"].set_index("card_number")
    assert str(table.loc["K1", "report_time"]) == "2025-03-01 00:00:00" and not table.loc["K1", "report_time__has_time"]
    assert str(table.loc["K2", "report_time"]) == "2025-03-02 09:30:00" and table.loc["K2", "report_time__has_time"]


def test_when_absent_alias_for_the_child_code(tmp_path):
    write_xlsx(tmp_path / "儿童.xlsx", [["档案编码", "儿童编码", "出生日期"], ["D1", "C9", "2024-01-01"]])
    result = read(tmp_path)
    assert list(result.tables["children"]["child_code"]) == ["C9"]


# ------------------------------------------------------------------------------ values, every kind


def parse(kind: str, field: str, value: object, header: str | None = None):
    column = KINDS[kind].column(field)
    if header is not None:
        column = with_declared_codes(column, header)
    return parser_for(column)(value)


@pytest.mark.parametrize(
    "cell,mode",
    [
        ("1", "门诊"), (1, "门诊"), (1.0, "门诊"), ("1门诊", "门诊"), ("1.门诊", "门诊"), ("（1）门诊", "门诊"),
        ("(1)门诊", "门诊"), ("1、门诊", "门诊"), ("2", "家庭"), ("2家庭", "家庭"), ("3", "电话"), ("3电话", "电话"),
        ("门诊就诊", "门诊就诊"), ("站点就诊", "站点就诊"), ("社区随访", "社区随访"), ("上门随访", "上门随访"),
        ("电话随访", "电话随访"), ("家庭访视", "家庭"), ("其它", "其他"), ("1.电话", "电话"),
    ],
)
def test_followup_mode_form_codes_and_labels(cell, mode):
    for kind in ("hypertension_followups", "diabetes_followups"):
        assert parse(kind, "followup_mode", cell) == (mode, None, None)


@pytest.mark.parametrize("cell,mode", [("1.0", "门诊"), ("2.00", "家庭"), ("(2)", "家庭"), ("（2）", "家庭"), ("3.", "电话")])
def test_a_number_alone_however_written_is_the_form_code(cell, mode):
    """real-exports.md: a number alone means the option the form numbers so — also as a CSV writes a
    number cell (1.0) and bracketed with no label ((2)); 1.0 was read as 1 + label 0."""
    assert parse("hypertension_followups", "followup_mode", cell) == (mode, None, None)


@pytest.mark.parametrize("cell,signed", [("1.0", True), ("0.0", False), ("(1)", True)])
def test_a_yes_no_number_written_with_decimals(cell, signed):
    assert parse("residents", "signed", cell) == (signed, None, None)


@pytest.mark.parametrize("cell,label", [("1", "控制满意"), ("2", "控制不满意"), ("3", "不良反应"), ("4", "并发症"), ("4.并发症", "并发症")])
def test_followup_class_form_codes(cell, label):
    assert parse("hypertension_followups", "followup_class", cell) == (label, None, None)


def test_an_unlisted_code_is_an_unknown_value():
    value, code, _ = parse("hypertension_followups", "followup_mode", "5")
    assert (value, code) == ("5", "unknown-value")


@pytest.mark.parametrize(
    "cell,expected",
    [("已签约", True), ("签约", True), ("已签", True), ("续约", True), ("签约有效期内", True), ("是", True), ("√", True),
     ("未签约", False), ("不签约", False), ("没签约", False), ("无签约", False), ("解约", False), ("已解约", False),
     ("待签约", False), ("待审核", False), ("待续约", False), ("否", False), ("", False)],
)
def test_signing_words(cell, expected):
    assert parse("residents", "signed", cell) == (expected, None, None)


@pytest.mark.parametrize(
    "cell,expected",
    [("已死亡", "closed"), ("已迁出", "closed"), ("已注销", "closed"), ("已失访", "closed"), ("注销核实中", "active"),
     ("已正常", "active"), ("正常", "active")],
)
def test_record_status_with_already(cell, expected):
    assert parse("residents", "record_status", cell) == (expected, None, None)


@pytest.mark.parametrize(
    "cell,expected",
    [("暂时失访", "active"), ("拒绝", "ended"), ("已死亡", "ended"), ("已迁出", "ended"), ("已终止管理", "ended")],
)
def test_management_status_words(cell, expected):
    for kind in ("hypertension_patients", "diabetes_patients"):
        assert parse(kind, "management_status", cell) == (expected, None, None)


@pytest.mark.parametrize(
    "cell,expected",
    [("在册", "在册"), ("离册", "离册"), ("服务器删除", "服务器删除"), ("死亡", "死亡"), ("已死亡", "死亡"), ("空挂户", "空挂户"), ("已迁出", "迁出")],
)
def test_registration_words(cell, expected):
    assert parse("children", "registration_category", cell) == (expected, None, None)


@pytest.mark.parametrize("cell,expected", [("户籍", True), ("非户籍", True), ("已流动", False), ("1", True)])
def test_resident_words(cell, expected):
    assert parse("residents", "resident", cell) == (expected, None, None)


def test_a_header_declares_its_codes():
    header = "常住类型（1：户籍 2：非户籍 3：流动）"
    assert declared_codes(header, KINDS["residents"].column("resident")) == {"1": "户籍", "2": "非户籍", "3": "流动"}
    assert parse("residents", "resident", "3", header) == (False, None, None)  # without the header, 3 is unknown
    assert parse("residents", "resident", "3")[1] == "unknown-value"
    # labels the column does not know declare nothing
    assert declared_codes("常住类型（1：甲 2：乙）", KINDS["residents"].column("resident")) == {}


def test_a_header_declaration_beats_the_form_codes():
    header = "随访方式(1电话 2门诊 3家庭)"
    assert parse("hypertension_followups", "followup_mode", "1", header) == ("电话", None, None)
    assert parse("hypertension_followups", "followup_mode", "1门诊", header) == ("门诊", None, None)  # the label decides


@pytest.mark.parametrize(
    "field,cell,expected",
    [
        ("health_guidance", "纳入慢性病患者健康管理", True), ("health_guidance", "建议复查", True),
        ("health_guidance", "建议转诊", True), ("tcm_constitution", "平和质", True), ("tcm_constitution", "气虚质", True),
        ("tcm_constitution", "基本是平和质", True), ("lifestyle_assessment", "已评估", True),
        *[(field, word, False) for field in ("health_guidance", "tcm_constitution", "lifestyle_assessment")
          for word in ("否", "无", "未", "×", "N", "0", "未完成", "未指导", "不详", "无异常不需指导", "")],
    ],
)
def test_content_filled_columns(field, cell, expected):
    assert parse("elderly_checkups", field, cell) == (expected, None, None)


@pytest.mark.parametrize("cell,sex", [("1", "男"), ("2", "女"), (1, "男"), ("0", None), ("9", None), ("男性", "男"), ("女性", "女")])
def test_sex_codes(cell, sex):
    for kind in ("residents", "elderly_checkups", "children"):
        assert parse(kind, "sex", cell) == (sex, None, None)


def test_sex_code_9_takes_the_sex_from_the_id(tmp_path):
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期", "性别"], [ID1, "2020-01-01", "9"]])
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert list(result.tables["residents"]["sex"]) == ["男"]  # 17th digit 1: odd


@pytest.mark.parametrize("cell", [".", " . ", "．"])
def test_a_dot_alone_in_a_date_cell_is_blank(cell):
    assert parse_date(cell) == (None, None, None)


@pytest.mark.parametrize("last", ["×", "Ｘ", "Ⅹ", "ⅹ", "x"])
def test_an_id_ending_in_an_x_lookalike(last):
    id_x = "11010519491231002X"
    assert parse_person_id(id_x[:17] + last) == (id_x, None, None)


# ------------------------------------------------------------------------------ the small centres


def residents_row(index: int, signed: str, status: str = "正常", closed: str | None = None) -> list:
    return [make_id("19500101", f"{index:03d}"), f"居民{index}", "2020-01-01", "1" if index % 2 else "2", signed, status, closed]


def test_a_small_centre_written_the_way_systems_export(tmp_path):
    """Issue #21: nothing was recognised; now 签约 3/5, 老年人健康管理 3/5, 中医药 2/5."""
    header = ["*身份证件号码", "姓名", "建档日期", "常住类型（1：户籍 2：非户籍）", "签约状态", "档案状态", "结案时间"]
    signing = ["已签约", "签约", "未签约", "续约", "解约"]
    write_xlsx(tmp_path / "居民档案.xlsx", [header, *[residents_row(i, signing[i - 1])[:5] + ["正常", None] for i in range(1, 6)]])
    checkups = [
        ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"],
        [make_id("19500101", "001"), "2025-03-01", "已评估", "建议复查", "平和质"],
        [make_id("19500101", "002"), "2025-03-02", "√", "纳入慢性病患者健康管理", "基本是平和质"],
        [make_id("19500101", "003"), "2025-03-03", "是", "建议转诊", "不详"],
        [make_id("19500101", "004"), "2025-03-04", "是", "未指导", "未做"],
    ]
    write_xlsx(tmp_path / "老年人体检.xlsx", checkups)
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    rows = {row["id"]: (row["numerator"], row["denominator"]) for row in json.loads(ran.stdout)["indicators"]}
    assert rows["family_doctor_signing_rate"] == (3, 5)
    assert rows["elderly_health_management_rate"] == (3, 5)
    assert rows["elderly_tcm_management_rate"] == (2, 5)


def test_closed_records_written_with_already_are_not_residents(tmp_path):
    """Issue #21: 6 records of which 2 are open came out 5/5 (已死亡 … read as 正常)."""
    header = ["身份证号", "姓名", "建档日期", "性别", "签约", "档案状态", "注销日期"]
    rows = [
        residents_row(1, "是"), residents_row(2, "否"),
        residents_row(3, "是", "已死亡", "2024-05-01"), residents_row(4, "是", "已迁出", "2024-06-01"),
        residents_row(5, "是", "已注销", "2024-07-01"), residents_row(6, "是", "已死亡", "2024-08-01"),
    ]
    write_xlsx(tmp_path / "居民档案.xlsx", [header, *rows])
    result = read(tmp_path)
    assert problems(result, "unknown-value") == []
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    rows_out = {row["id"]: (row["numerator"], row["denominator"]) for row in json.loads(ran.stdout)["indicators"]}
    assert rows_out["family_doctor_signing_rate"] == (1, 2)


def test_children_off_the_register_are_not_counted(tmp_path):
    """在册 counts; 离册, 服务器删除, 死亡 (已死亡), 空挂户 do not (real-exports.md, children)."""
    rows = [["儿童编码", "出生日期", "建证日期", "在册情况"]]
    for index, category in enumerate(["在册", "本地", "离册", "服务器删除", "已死亡", "空挂户"]):
        rows.append([f"C{index}", "2025-02-01", "2025-02-10" if index % 2 else None, category])
    write_xlsx(tmp_path / "儿童.xlsx", rows)
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    rows_out = {row["id"]: (row["numerator"], row["denominator"]) for row in json.loads(ran.stdout)["indicators"]}
    assert rows_out["vaccination_card_rate"] == (1, 2)


# ------------------------------------------------------------------------------ export wrappers


@pytest.mark.parametrize(
    "cell",
    [f"'{ID1}", f'="{ID1}"', f"\t{ID1}\t", f"'\t{ID1}", f'= "{ID1}" ', f"＇{ID1}", f'＝＂{ID1}＂'],
)
def test_an_id_in_an_export_wrapper(cell):
    assert parse_person_id(cell) == (ID1, None, None)


@pytest.mark.parametrize("cell", ["'C0012", '="C0012"', "\tC0012\t", '="c 0012"'])
def test_a_child_code_in_an_export_wrapper(cell):
    assert parse("children", "child_code", cell) == ("C0012", None, None)


def test_a_csv_export_with_wrapped_ids_keeps_every_resident(tmp_path):
    """Issue #21: the residents of such a CSV were bad-id and left out of every count."""
    from helpers import write_csv

    rows = [["身份证号", "建档日期", "签约"], [f"'{ID1}", "2020-01-01", "是"], [f'="{ID2}"', "2020-01-01", "否"]]
    rows.append([f"\t{make_id('19500101', '003')}\t", "2020-01-01", "是"])
    write_csv(tmp_path / "档案.csv", rows)
    (tmp_path / "儿童.csv").write_text('儿童编码,出生日期\n"=""C0012""",2024-01-01\n\'C0013,2024-01-02\n', encoding="utf-8")
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert list(result.tables["residents"]["id_number"]) == [ID1, ID2, make_id("19500101", "003")]
    assert list(result.tables["children"]["child_code"]) == ["C0012", "C0013"]


# ------------------------------------------------------------------------------ vaccine names

from chsc_cli.registers.kinds import active_catalogue  # noqa: E402


def known_series(name: str):
    """The vaccine table of the kind files (register_kinds/_lookups.yaml)."""
    return active_catalogue().lookups["vaccines"].codes_of(name)


VACCINE_NAMES = [
    # real-exports.md names and their series
    ("A+C群流脑", {"MenAC"}), ("AC群流脑", {"MenAC"}), ("A+C群流脑多糖疫苗", {"MenAC"}), ("流脑A", {"MenA"}),
    ("白喉破伤风", {"DT"}), ("吸附白喉破伤风联合疫苗", {"DT"}), ("灭活脊髓灰质炎", {"Polio"}), ("乙型脑炎", {"JE"}),
    ("甲型肝炎", {"HepA"}), ("乙型肝炎", {"HepB"}), ("AC-Hib", {"MenAC"}), ("AC-Hib联合疫苗", {"MenAC"}),
    ("麻腮风", {"MCV"}), ("麻风", {"MCV"}),
    # the longest contained name decides
    ("乙型肝炎疫苗（酿酒酵母）", {"HepB"}), ("甲型肝炎灭活疫苗", {"HepA"}), ("甲乙肝联合疫苗", {"HepA", "HepB"}),
    ("甲型乙型肝炎联合疫苗", {"HepA", "HepB"}), ("吸附无细胞百日咳白喉破伤风联合疫苗", {"DTaP"}),
    ("乙型脑炎减毒活疫苗", {"JE"}), ("脊髓灰质炎减毒活疫苗", {"Polio"}), ("DTaP-IPV/Hib", {"DTaP", "Polio", "Hib"}),
    ("无细胞百白破b型流感嗜血杆菌联合疫苗", {"DTaP", "Hib"}), ("DTaP-Hib", {"DTaP", "Hib"}), ("四联疫苗", {"DTaP", "Hib"}),
    # outside the five-vaccine series: known, counted toward none
    ("Hib", set()), ("b型流感嗜血杆菌结合疫苗", set()), ("EV71", set()), ("肠道病毒71型灭活疫苗", set()),
    ("流感", set()), ("四价流感病毒裂解疫苗", set()), ("13价肺炎球菌多糖结合疫苗", set()), ("23价肺炎", set()),
    ("肺炎球菌", set()), ("水痘", set()), ("水痘减毒活疫苗", set()), ("轮状病毒", set()), ("HPV", set()),
    ("人乳头瘤病毒疫苗", set()), ("狂犬病", set()), ("冻干人用狂犬病疫苗", set()), ("带状疱疹", set()),
    ("新冠", set()), ("新型冠状病毒灭活疫苗", set()),
]


@pytest.mark.parametrize("name,series", VACCINE_NAMES, ids=[n for n, _ in VACCINE_NAMES])
def test_vaccine_names(name, series):
    assert known_series(name) is not None
    assert set(known_series(name)) == series


def test_only_unknown_names_raise_unknown_vaccine(tmp_path):
    rows = [["儿童编码", "疫苗名称", "接种日期"]]
    rows += [["C1", name, f"2024-01-{index + 1:02d}"] for index, (name, _) in enumerate(VACCINE_NAMES[:28])]
    rows += [["C2", name, f"2024-02-{index + 1:02d}"] for index, (name, _) in enumerate(VACCINE_NAMES[28:])]
    rows.append(["C3", "维生素AD滴剂", "2024-03-01"])
    write_xlsx(tmp_path / "接种记录.xlsx", rows)
    result = read(tmp_path)
    assert [(p.row, p.code) for p in problems(result, "unknown-vaccine")] == [(len(rows), "unknown-vaccine")]
    assert [set(s) for s in result.tables["vaccinations"]["series"]] == [s for _, s in VACCINE_NAMES] + [set()]


def test_no_two_series_share_a_known_name_at_the_same_length():
    by_name: dict[str, set] = {}
    for name, series in active_catalogue().lookups["vaccines"].known:
        by_name.setdefault(name, set()).add(series)
    assert all(len(series) == 1 for series in by_name.values())


def test_a_header_declaring_codes_with_slashes():
    header = "签约状态(1:已签约/0:未签约)"
    assert declared_codes(header, KINDS["residents"].column("signed")) == {"1": "已签约", "0": "未签约"}


def test_codes_declared_in_a_header_are_read_through_the_reader(tmp_path):
    header = ["身份证号", "建档日期", "常住类型（1：户籍 2：非户籍 3：流动）"]
    write_xlsx(tmp_path / "档案.xlsx", [header, [ID1, "2020-01-01", 1], [ID2, "2020-01-01", "2"], [make_id("19500101", "003"), "2020-01-01", "3"]])
    result = read(tmp_path)
    assert problems(result, "unknown-value") == []
    assert [bool(v) for v in result.tables["residents"]["resident"]] == [True, True, False]


@pytest.mark.parametrize("header", ["常住类型【1：户籍 2：非户籍】", "常住类型〔1：户籍 2：非户籍〕", "常住类型［1：户籍 2：非户籍］"])
def test_codes_declared_in_any_brackets_are_read(header):
    assert parse("residents", "resident", "2", header) == parse("residents", "resident", "非户籍")
    assert parse("residents", "resident", "1", header) == parse("residents", "resident", "户籍")


def test_a_unit_in_tortoise_shell_brackets_finds_its_column(tmp_path):
    """The whole read: 空腹血糖〔mmol/L〕 is the 空腹血糖 column, as 空腹血糖（mmol/L） is."""
    rows = [["身份证号", "随访日期", "随访方式", "空腹血糖〔mmol/L〕"], [ID1, "2025-03-01", "门诊", "6.1"]]
    write_xlsx(tmp_path / "糖尿病患者随访.xlsx", rows)
    [sheet] = read(tmp_path).sheets
    assert sheet.kind == "diabetes_followups" and sheet.columns["fasting_glucose"] == "空腹血糖〔mmol/L〕"
