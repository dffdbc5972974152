"""Cell values and header rows as they really are (registers.md, "Header rows as they really are"
and "Cell values as they really are"), one small workbook or CSV per rule."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from budget import examples
from helpers import (
    cell_problems,
    assert_no_full_id,
    errors,
    make_id,
    problems,
    read,
    ts,
    write_csv,
    write_workbook,
    write_xlsx,
    wrong_checksum,
)

from chsc_cli.config import CentreConfig

ID_X = "11010519491231002X"  # valid; also the 18-digit form of the legacy 110105491231002
ID1 = make_id("19500101", "001")
ID2 = make_id("19600202", "002")
ID3 = make_id("19700303", "003")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
CHECKUP = ["身份证号", "体检日期"]


def ids(n: int) -> list[str]:
    """n distinct valid IDs (rows with equal values would be duplicates)."""
    return [make_id("19500101", f"{i:03d}") for i in range(1, n + 1)]


def one_checkup(tmp_path, headers, row, file_name="体检.xlsx"):
    write_xlsx(tmp_path / file_name, [headers, row])
    return read(tmp_path)


def where(problem) -> tuple:
    return (problem.file, problem.sheet, problem.row, problem.column, problem.field)


# ------------------------------------------------------------------------------ ID numbers


@pytest.mark.parametrize(
    "cell",
    [
        ID_X,
        f" {ID_X[:6]} {ID_X[6:14]} {ID_X[14:]} ",
        ID_X.lower(),
        ID_X.translate(FULL_WIDTH),
        f"{ID_X[:6]}\u3000{ID_X[6:]}".lower(),
        "110105491231002",  # 15-digit legacy as text
        " 110105 491231 002 ",
        110105491231002,  # 15-digit legacy as a number cell
        float(110105491231002),
    ],
    ids=["plain", "spaces", "lower-x", "full-width", "ideographic-space", "legacy-text", "legacy-spaces", "legacy-int", "legacy-float"],
)
def test_id_forms(tmp_path, cell):
    result = one_checkup(tmp_path, CHECKUP, [cell, "2025-03-12"])
    assert errors(result) == []
    table = result.tables["elderly_checkups"]
    assert list(table["id_number"]) == [ID_X]
    assert str(table.loc[0, "birth"].date()) == "1949-12-31"
    assert problems(result, "bad-checksum") == []


def test_eighteen_digit_number_cell_is_id_as_number(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号码", "体检日期"], [ID1, "2025-03-12"], [int(ID2), "2025-03-12"]])
    result = read(tmp_path)
    [problem] = problems(result, "id-as-number")
    assert problem.level == "error"
    assert where(problem) == ("体检.xlsx", "Sheet1", 3, "身份证号码", "id_number")
    assert "文本" in problem.message  # says to format the column as text
    assert list(result.tables["elderly_checkups"]["id_number"]) == [ID1]  # the row is dropped
    assert result.sheets[0].rows == 1
    assert_no_full_id(result)


@pytest.mark.parametrize("number", [1.10105e17, 12345, 3.5], ids=["rounded", "short", "fraction"])
def test_other_number_cells_are_id_as_number(tmp_path, number):
    result = one_checkup(tmp_path, CHECKUP, [number, "2025-03-12"])
    assert [p.code for p in errors(result)] == ["id-as-number"]
    assert len(result.tables["elderly_checkups"]) == 0


@pytest.mark.parametrize(
    "cell",
    [ID1[:17], ID1 + "1", ID1[:17] + "Y", "身份证丢失", "11010519500101001-"],
    ids=["17-digits", "19-digits", "bad-last", "words", "dash"],
)
def test_bad_id(tmp_path, cell):
    result = one_checkup(tmp_path, CHECKUP, [cell, "2025-03-12"])
    [problem] = problems(result, "bad-id")
    assert problem.level == "error"
    assert where(problem) == ("体检.xlsx", "Sheet1", 2, "身份证号", "id_number")
    assert cell not in problem.message  # masked: part of an ID, or a name from a shifted column


@pytest.mark.parametrize(
    "cell, shown",
    [("不详", "「不详」"), ("无", "「无」"), ("N/A", "「N/A」"), ("张三丰", "「***」"), ("13812345678", "「*********78」")],
)
def test_a_bad_id_shows_the_words_for_none_and_masks_the_rest(tmp_path, cell, shown):
    """不详 / 无 are what staff write for "no ID": shown so that they see what the cell says; any other
    text is masked, since a shifted column puts names here (messages never echo a name)."""
    result = one_checkup(tmp_path, CHECKUP, [cell, "2025-03-12"])
    [problem] = problems(result, "bad-id")
    assert f"身份证号：{shown}不是有效的身份证号" in problem.message
    assert len(result.tables["elderly_checkups"]) == 0  # left out (a required column that cannot be parsed)
    assert_no_full_id(result)


@pytest.mark.parametrize(
    "headers,row",
    [
        (["身份证号", "体检日期", "出生日期"], [ID2, "2025-03-12", ID1]),  # a shifted column: an ID in a date column
        (["身份证号", "体检日期", "健康指导"], [ID2, "2025-03-12", ID1]),  # ... in a yes/no column
        (["身份证号", "体检日期"], [ID2, ID1]),  # ... in a required date column
        (["身份证号", "体检日期", "血压"], [ID2, "2025-03-12", ID1 + "/80"]),
        (["身份证号", "体检日期", "空腹血糖"], [ID2, "2025-03-12", f"{ID1}mmol"]),
    ],
    ids=["date", "yes-no", "required-date", "blood-pressure", "number"],
)
def test_messages_never_echo_an_id_found_in_another_column(tmp_path, headers, row):
    result = one_checkup(tmp_path, headers, row)
    assert result.problems
    assert all(ID1 not in p.message for p in result.problems)
    assert_no_full_id(result)


def test_missing_id_is_a_warning_and_the_row_is_kept_without_a_person(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, [ID1, "2025-03-12"], [None, "2025-03-13"]])
    result = read(tmp_path)
    [problem] = problems(result, "missing-id")
    assert problem.level == "warning" and problem.row == 3
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 3]
    assert pd.isna(table.loc[1, "id_number"])


def test_bad_checksum_is_a_warning_and_the_row_is_kept(tmp_path):
    bad = wrong_checksum(ID1)
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期"], [ID2, "2020-01-01"], [bad, "2020-01-01"]])
    result = read(tmp_path)
    [problem] = problems(result, "bad-checksum")
    assert problem.level == "warning"
    assert (problem.file, problem.row) == ("档案.xlsx", 3)
    assert bad not in problem.message and ID1 not in problem.message
    table = result.tables["residents"]
    assert list(table["id_number"]) == [ID2, bad]
    assert str(table.loc[1, "birth"].date()) == "1950-01-01"  # date digits still used
    assert errors(result) == []
    assert_no_full_id(result)


def test_birth_date_mismatch(tmp_path):
    headers = ["身份证号", "建档日期", "出生日期"]
    write_xlsx(tmp_path / "档案.xlsx", [headers, [ID1, "2020-01-01", "1950-01-01"], [ID2, "2020-01-01", "1960-12-02"]])
    result = read(tmp_path)
    [problem] = problems(result, "birth-date-mismatch")
    assert problem.level == "warning" and problem.row == 3
    table = result.tables["residents"]
    assert [str(d.date()) for d in table["birth"]] == ["1950-01-01", "1960-02-02"]  # the ID wins
    assert_no_full_id(result)


def test_birth_from_birth_date_when_id_digits_are_not_a_date(tmp_path):
    no_date = make_id("19501340", "001")  # month 13: not a real date
    headers = ["身份证号", "建档日期", "出生日期"]
    write_xlsx(tmp_path / "档案.xlsx", [headers, [no_date, "2020-01-01", "1950-03-04"], [make_id("19502230", "002"), "2020-01-01", None]])
    result = read(tmp_path)
    table = result.tables["residents"]
    assert str(table.loc[0, "birth"].date()) == "1950-03-04"
    assert pd.isna(table.loc[1, "birth"])
    assert problems(result, "birth-date-mismatch") == []
    assert [p.row for p in problems(result, "no-birth-date")] == [3]


# ------------------------------------------------------------------------------ 儿童编码


@pytest.mark.parametrize(
    "cell,expected",
    [
        (320115202300001, "320115202300001"),
        (320115202300001.0, "320115202300001"),
        (12345, "12345"),
        ("320115202300001", "320115202300001"),
        (" 3201 1520 2300 001 ", "320115202300001"),
        ("ab1234x", "AB1234X"),
        ("ＡＢ１２３４", "AB1234"),
        ("00123", "00123"),
    ],
)
def test_child_codes(tmp_path, cell, expected):
    write_xlsx(tmp_path / "儿童.xlsx", [["儿童编码", "出生日期"], [cell, "2024-01-01"]])
    result = read(tmp_path)
    assert errors(result) == []
    assert list(result.tables["children"]["child_code"]) == [expected]


def test_child_code_is_the_same_in_roster_and_vaccinations(tmp_path):
    write_xlsx(tmp_path / "儿童.xlsx", [["儿童编码", "出生日期"], [320115202300001, "2024-01-01"]])
    write_xlsx(tmp_path / "接种.xlsx", [["接种证号", "疫苗名称", "接种日期"], ["320115202300001 ", "卡介苗", "2024-01-02"]])
    result = read(tmp_path)
    assert list(result.tables["children"]["child_code"]) == list(result.tables["vaccinations"]["child_code"])


# ------------------------------------------------------------------------------ dates

DATE_FORMS = [
    dt.date(2025, 3, 12),
    dt.datetime(2025, 3, 12, 14, 30, 5),
    45728,
    45728.0,
    45728.75,
    "45728",
    "45728.75",
    "2025-03-12",
    "2025/3/12",
    "2025/03/12",
    "2025.3.12",
    "2025年3月12日",
    "2025年03月12日",
    "20250312",
    20250312,
    "2025-03-12 14:30:00",
    "2025/3/12 8:05",
    "2025-03-12T14:30:00",
    " 2025-03-12 ",
    "２０２５－０３－１２",
]


@pytest.mark.parametrize("cell", DATE_FORMS, ids=[repr(f) for f in DATE_FORMS])
def test_date_forms_in_a_workbook(tmp_path, cell):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", "出生日期"], [ID1, cell, cell])
    assert errors(result) == []
    table = result.tables["elderly_checkups"]
    assert pd.api.types.is_datetime64_dtype(table["checkup_date"].dtype)
    assert table.loc[0, "checkup_date"] == ts("2025-03-12")
    assert table.loc[0, "birth_date"] == ts("2025-03-12")


@pytest.mark.parametrize("cell", [f for f in DATE_FORMS if isinstance(f, str)])
def test_date_forms_in_a_csv(tmp_path, cell):
    write_csv(tmp_path / "体检.csv", [CHECKUP, [ID1, cell]])
    result = read(tmp_path)
    assert errors(result) == []
    assert result.tables["elderly_checkups"].loc[0, "checkup_date"] == ts("2025-03-12")


def test_all_date_forms_in_one_sheet(tmp_path):
    people = ids(len(DATE_FORMS))
    write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, *([p, f] for p, f in zip(people, DATE_FORMS))])
    result = read(tmp_path)
    assert errors(result) == []
    table = result.tables["elderly_checkups"]
    assert len(table) == len(DATE_FORMS)
    assert set(table["checkup_date"]) == {ts("2025-03-12")}
    assert list(table["_row"]) == list(range(2, 2 + len(DATE_FORMS)))


BAD_DATES = ["2025-13-45", "2025-02-30", "不详", "20251332", 123456, "123456", "2025年", "#N/A", "3/12/2025x"]


@pytest.mark.parametrize("cell", BAD_DATES, ids=[repr(c) for c in BAD_DATES])
def test_bad_date_in_a_required_column_drops_the_row(tmp_path, cell):
    people = ids(3)
    headers = ["序号", "身份证号", "检查日期"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [1, people[0], "2025-03-12"], [2, people[1], cell], [3, people[2], "2025-03-14"]])
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert problem.level == "error"
    assert where(problem) == ("体检.xlsx", "Sheet1", 3, "检查日期", "checkup_date")
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 4]
    assert list(table["id_number"]) == [people[0], people[2]]


@pytest.mark.parametrize("cell", BAD_DATES, ids=[repr(c) for c in BAD_DATES])
def test_bad_date_in_an_optional_column_blanks_the_cell(tmp_path, cell):
    people = ids(2)
    headers = ["身份证号", "体检日期", "出生年月日"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [people[0], "2025-03-12", "1950-01-01"], [people[1], "2025-03-12", cell]])
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert problem.level == "error"
    assert where(problem) == ("体检.xlsx", "Sheet1", 3, "出生年月日", "birth_date")
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 3]  # the row is kept
    assert pd.isna(table.loc[1, "birth_date"])
    assert table.loc[1, "birth"] == ts("1950-01-01")  # from the ID


@pytest.mark.parametrize("cell", ["1025-03-12", "0099-01-01", "9999-12-31", "2925年3月12日"])
def test_impossible_years_are_bad_dates_not_garbage(tmp_path, cell):
    people = ids(3)
    headers = ["身份证号", "体检日期", "出生日期"]
    rows = [headers, [people[0], cell, "1950-01-01"], [people[1], "2025-03-12", cell], [people[2], "2025-03-12", None]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert sorted((p.code, p.row, p.column) for p in errors(result)) == [("bad-date", 2, "体检日期"), ("bad-date", 3, "出生日期")]
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [3, 4]
    assert list(table["checkup_date"]) == [ts("2025-03-12"), ts("2025-03-12")]
    assert table["birth_date"].isna().all()


def test_old_and_future_dates_are_kept_with_a_warning(tmp_path):
    rows = [["身份证号", "体检日期", "出生日期"], [ID1, "2100-01-01", "1850-06-01"]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert sorted((p.code, p.level, p.column) for p in result.problems if p.code not in ("birth-date-mismatch", "completeness-unchecked")) == [
        ("future-date", "warning", "体检日期"),
        ("old-date", "warning", "出生日期"),
    ]
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "checkup_date"], table.loc[0, "birth_date"]) == (ts("2100-01-01"), ts("1850-06-01"))


def test_bad_date_in_a_csv_names_the_line(tmp_path):
    write_csv(tmp_path / "体检.csv", [CHECKUP, [ID1, "2025-03-12"], [ID2, "2025-03-32"]], encoding="utf-8-sig")
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert where(problem) == ("体检.csv", None, 3, "体检日期", "checkup_date")


# ------------------------------------------------------------------------------ yes/no

YES_NO = [
    ("是", True), ("否", False), ("有", True), ("无", False), ("√", True), ("×", False), ("✓", True),
    ("Y", True), ("N", False), ("y", True), ("n", False), ("1", True), ("0", False), (1, True), (0, False),
    ("已", True), ("未", False), ("已完成", True), ("未完成", False), (" 是 ", True), (None, False),
]


@pytest.mark.parametrize("cell,expected", YES_NO, ids=[repr(c) for c, _ in YES_NO])
def test_yes_no_vocabulary(tmp_path, cell, expected):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", "健康指导"], [ID1, "2025-03-12", cell])
    assert cell_problems(result) == []
    column = result.tables["elderly_checkups"]["health_guidance"]
    assert column.dtype == "boolean"
    assert not pd.isna(column[0]) and bool(column[0]) is expected


@pytest.mark.parametrize("cell", ["待定", "部分", 2, "是否"])
def test_unknown_yes_no_value_is_a_warning_and_means_no(tmp_path, cell):
    # 是否签约 is a yes/no column that is not filled with content (real-exports.md)
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期", "是否签约"], [ID1, "2020-01-01", cell]])
    result = read(tmp_path)
    [problem] = problems(result, "unknown-value")
    assert problem.level == "warning"
    assert where(problem) == ("档案.xlsx", "Sheet1", 2, "是否签约", "signed")
    assert "按“否”处理" in problem.message
    assert bool(result.tables["residents"].loc[0, "signed"]) is False


def test_yes_no_in_the_resident_roster(tmp_path):
    rows = [["身份证号", "建档日期", "是否签约"], [ID1, "2020-01-01", "已"], [ID2, "2020-01-01", "未"], [ID3, "2020-01-01", None]]
    write_xlsx(tmp_path / "档案.xlsx", rows)
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert [bool(v) for v in result.tables["residents"]["signed"]] == [True, False, False]


# ------------------------------------------------------------------------------ vocabularies


def test_unknown_values_in_vocabulary_columns(tmp_path):
    write_xlsx(tmp_path / "高血压随访.xlsx", [["身份证号", "随访日期", "随访方式"], [ID1, "2025-03-01", "视频"]])
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期", "常住", "档案状态"], [ID1, "2020-01-01", "不详", "冻结"]])
    write_xlsx(tmp_path / "高血压名册.xlsx", [["身份证号", "纳入管理日期", "管理状态"], [ID1, "2020-01-01", "暂停"]])
    write_xlsx(tmp_path / "儿童.xlsx", [["儿童编码", "出生日期", "在册类别"], ["C1", "2024-01-01", "寄居"]])
    result = read(tmp_path)
    found = sorted((p.file, p.column) for p in problems(result, "unknown-value"))
    assert found == [("儿童.xlsx", "在册类别"), ("档案.xlsx", "常住"), ("档案.xlsx", "档案状态"), ("高血压名册.xlsx", "管理状态"), ("高血压随访.xlsx", "随访方式")]
    assert {p.level for p in result.problems} == {"warning"}
    assert list(result.tables["hypertension_followups"]["followup_mode"]) == ["视频"]  # kept; not face-to-face
    assert [bool(v) for v in result.tables["residents"]["resident"]] == [True]  # unknown 常住 keeps the default (yes)
    assert list(result.tables["residents"]["record_status"]) == ["active"]
    assert list(result.tables["hypertension_patients"]["management_status"]) == ["active"]
    assert list(result.tables["children"]["registration_category"]) == ["寄居"]  # counted


# ------------------------------------------------------------------------------ blood pressure and numbers


@pytest.mark.parametrize("cell", ["135/85", " 135 / 85 ", "１３５／８５", "135/85.0"])
def test_one_blood_pressure_column(tmp_path, cell):
    write_xlsx(tmp_path / "高血压随访.xlsx", [["身份证号", "随访日期", "随访方式", "血压(mmHg)"], [ID1, "2025-03-01", "门诊", cell]])
    result = read(tmp_path)
    assert cell_problems(result) == []
    table = result.tables["hypertension_followups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (135.0, 85.0)
    assert {"systolic", "diastolic"} <= set(result.sheets[0].columns)


def test_blood_pressure_column_blank_and_bad(tmp_path):
    rows = [["身份证号", "体检日期", "血压"], [ID1, "2025-03-01", None], [ID2, "2025-03-01", "135"], [ID3, "2025-03-01", "400/85"]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 3, 4]  # an optional column: rows kept
    assert [None if pd.isna(v) else v for v in table["systolic"]] == [None, None, None]
    assert [None if pd.isna(v) else v for v in table["diastolic"]] == [None, None, 85.0]
    assert [(p.code, p.row, p.column) for p in problems(result, "bad-number")] == [("bad-number", 3, "血压")]
    assert [(p.row, p.column) for p in problems(result, "implausible-value")] == [(4, "血压")]


@pytest.mark.parametrize(
    "cell,expected",
    [(6.1, 6.1), ("6.1", 6.1), (" 6.1 ", 6.1), ("６．１", 6.1), ("６.１", 6.1), (7, 7.0), ("7", 7.0), (None, None)],
)
def test_numbers(tmp_path, cell, expected):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", "空腹血糖"], [ID1, "2025-03-12", cell])
    assert cell_problems(result) == []
    value = result.tables["elderly_checkups"].loc[0, "fasting_glucose"]
    assert (None if pd.isna(value) else value) == expected


@pytest.mark.parametrize("cell", ["阴性", "#N/A", "6.1.2", "—"])
def test_bad_number_blanks_the_cell_and_keeps_the_row(tmp_path, cell):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", "空腹血糖(mmol/L)"], [ID1, "2025-03-12", cell])
    [problem] = problems(result, "bad-number")
    assert problem.level == "error"
    assert where(problem) == ("体检.xlsx", "Sheet1", 2, "空腹血糖(mmol/L)", "fasting_glucose")
    table = result.tables["elderly_checkups"]
    assert len(table) == 1 and pd.isna(table.loc[0, "fasting_glucose"])


def test_full_width_blood_pressure_numbers(tmp_path):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", "收缩压", "舒张压"], [ID1, "2025-03-12", "１３５", "８５"])
    assert cell_problems(result) == []
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (135.0, 85.0)


IMPLAUSIBLE = [
    ("收缩压", "systolic", 59, True), ("收缩压", "systolic", 60, False), ("收缩压", "systolic", 300, False),
    ("收缩压", "systolic", 301, True), ("舒张压", "diastolic", 29, True), ("舒张压", "diastolic", 30, False),
    ("舒张压", "diastolic", 200, False), ("舒张压", "diastolic", 201, True), ("空腹血糖", "fasting_glucose", 0.5, True),
    ("空腹血糖", "fasting_glucose", 1, False), ("空腹血糖", "fasting_glucose", 35, False), ("空腹血糖", "fasting_glucose", 35.1, True),
]


@pytest.mark.parametrize("header,field,cell,implausible", IMPLAUSIBLE)
def test_implausible_values_are_a_warning_and_missing(tmp_path, header, field, cell, implausible):
    result = one_checkup(tmp_path, ["身份证号", "体检日期", header], [ID1, "2025-03-12", cell])
    value = result.tables["elderly_checkups"].loc[0, field]
    if implausible:
        [problem] = problems(result, "implausible-value")
        assert problem.level == "warning"
        assert where(problem) == ("体检.xlsx", "Sheet1", 2, header, field)
        assert pd.isna(value)
    else:
        assert cell_problems(result) == []
        assert value == float(cell)


def test_implausible_values_in_follow_ups(tmp_path):
    write_xlsx(tmp_path / "高血压随访.xlsx", [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"], [ID1, "2025-03-01", "门诊", 1350, 85]])
    write_xlsx(tmp_path / "糖尿病随访.xlsx", [["身份证号", "随访日期", "随访方式", "空腹血糖"], [ID1, "2025-03-01", "门诊", 61]])
    result = read(tmp_path)
    assert sorted((p.file, p.field) for p in problems(result, "implausible-value")) == [
        ("糖尿病随访.xlsx", "fasting_glucose"),
        ("高血压随访.xlsx", "systolic"),
    ]
    assert pd.isna(result.tables["hypertension_followups"].loc[0, "systolic"])
    assert result.tables["hypertension_followups"].loc[0, "diastolic"] == 85.0
    assert pd.isna(result.tables["diabetes_followups"].loc[0, "fasting_glucose"])


# ------------------------------------------------------------------------------ rows to skip


def test_rows_to_skip(tmp_path):
    people = ids(4)
    rows = [
        ["序号", "身份证号", "体检日期", "备注"],
        [1, people[0], "2025-03-01", None],  # 2
        [None, None, None, None],  # 3 blank
        [2, people[1], "2025-03-02", None],  # 4
        ["小计", None, None, "2"],  # 5
        [3, people[2], "2025-03-03", None],  # 6
        [None, "合计", None, "3"],  # 7: first non-empty cell is 合计
        [" 总 计 ", None, "3", None],  # 8
        [4, people[3], "2025-03-04", None],  # 9
        [5, None, None, None],  # 10: a pre-numbered empty template row
        [],  # 11
        ["汇总", 4, None, None],  # 12: the total row of an Excel table (表格 > 汇总行), a count under 身份证号 too
        [None, None, None, None, "汇总"],  # 13
    ]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert cell_problems(result) == []
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 4, 6, 9]
    assert list(table["id_number"]) == people
    assert result.sheets[0].rows == 4


def test_rows_to_skip_in_a_csv(tmp_path):
    write_csv(tmp_path / "体检.csv", [CHECKUP, [ID1, "2025-03-01"], ["", ""], ["合计", "1"], [ID2, "2025-03-02"]])
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert list(result.tables["elderly_checkups"]["_row"]) == [2, 5]


def test_na_text_cell(tmp_path):
    """"#N/A" typed or pasted as text: not a value of any typed column."""
    people = ids(4)
    rows = [
        ["身份证号", "体检日期", "空腹血糖", "姓名"],
        [people[0], "#N/A", 5.0, "甲"],  # required date: row dropped
        ["#N/A", "2025-03-01", 5.0, "乙"],  # ID: bad-id, row dropped
        [people[2], "2025-03-01", "#N/A", "丙"],  # optional number: blanked
        [people[3], "2025-03-01", 5.0, "丁"],
    ]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert sorted((p.code, p.row) for p in errors(result)) == [("bad-date", 2), ("bad-id", 3), ("bad-number", 4)]
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [4, 5]
    assert pd.isna(table.loc[0, "fasting_glucose"])


# ------------------------------------------------------------------------------ duplicates


def test_duplicate_rows_across_two_files_count_once(tmp_path):
    headers = ["身份证号", "体检日期", "收缩压", "舒张压", "健康指导"]
    write_xlsx(tmp_path / "一站.xlsx", [headers, [ID1, "2025-03-12", 130, 80, "是"], [ID2, "2025-03-12", 140, 90, "否"]], sheet="体检")
    # the same checkup of ID1 written differently: same parsed values
    write_xlsx(tmp_path / "二站.xlsx", [headers, [ID3, "2025-03-13", 120, 70, "是"], [ID1.lower() + " ", "2025/3/12", "130", 80.0, "√"]], sheet="体检")
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert sorted(table["id_number"]) == sorted([ID1, ID2, ID3])
    [problem] = problems(result, "duplicate-row")
    assert problem.level == "warning"
    assert (problem.file, problem.sheet, problem.row) == ("二站.xlsx", "体检", 3)
    assert "一站.xlsx" in problem.message
    assert_no_full_id(result)


def test_rows_differing_in_one_column_are_not_duplicates(tmp_path):
    headers = ["身份证号", "体检日期", "收缩压"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 130], [ID1, "2025-03-12", 131]])
    result = read(tmp_path)
    assert len(result.tables["elderly_checkups"]) == 2
    assert problems(result, "duplicate-row") == []


def test_duplicate_rows_in_one_sheet(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, [ID1, "2025-03-12"], [ID1, "2025-03-12"], [ID1, "2025-03-12"]])
    result = read(tmp_path)
    assert list(result.tables["elderly_checkups"]["_row"]) == [2]
    assert [p.row for p in problems(result, "duplicate-row")] == [3, 4]  # says how many it dropped


def test_a_column_a_file_lacks_is_absent_and_equals_only_absent(tmp_path):
    write_xlsx(tmp_path / "一站.xlsx", [["身份证号", "体检日期", "空腹血糖"], [ID1, "2025-03-12", None]])
    write_xlsx(tmp_path / "二站.xlsx", [CHECKUP, [ID1, "2025-03-12"]])
    result = read(tmp_path)
    assert len(result.tables["elderly_checkups"]) == 2
    assert problems(result, "duplicate-row") == []


def test_absent_in_both_files_is_equal(tmp_path):
    write_xlsx(tmp_path / "一站.xlsx", [CHECKUP, [ID1, "2025-03-12"]])
    write_xlsx(tmp_path / "二站.xlsx", [CHECKUP, [ID1, "2025-03-12"]])
    result = read(tmp_path)
    assert len(result.tables["elderly_checkups"]) == 1
    assert len(problems(result, "duplicate-row")) == 1


def test_one_blood_pressure_column_and_two_columns_are_the_same_values(tmp_path):
    write_xlsx(tmp_path / "一站.xlsx", [["身份证号", "体检日期", "血压"], [ID1, "2025-03-12", "130/80"]])
    write_xlsx(tmp_path / "二站.xlsx", [["身份证号", "体检日期", "收缩压", "舒张压"], [ID1, "2025-03-12", 130, 80]])
    result = read(tmp_path)
    assert len(result.tables["elderly_checkups"]) == 1
    assert len(problems(result, "duplicate-row")) == 1


def test_one_person_on_two_roster_rows(tmp_path):
    headers = ["身份证号", "建档日期", "所属站点"]
    rows = [headers, [ID_X, "2019-01-01", "一站"], [ID2, "2019-01-01", "一站"], [ID_X.lower(), "2021-05-05", "二站"]]
    write_xlsx(tmp_path / "档案.xlsx", rows)
    result = read(tmp_path)
    [problem] = problems(result, "duplicate-person")
    assert problem.level == "warning"
    assert (problem.file, problem.row) == ("档案.xlsx", 4)
    table = result.tables["residents"]
    assert list(table["_row"]) == [2, 3, 4]  # both rows kept: the engine decides which qualifies
    assert list(table["id_number"]) == [ID_X, ID2, ID_X]
    assert errors(result) == []
    assert_no_full_id(result)


def test_one_child_on_two_roster_rows(tmp_path):
    write_xlsx(tmp_path / "儿童.xlsx", [["儿童编码", "出生日期", "所属站点"], ["C001", "2024-01-01", "一站"], ["c001", "2024-01-01", "二站"]])
    result = read(tmp_path)
    assert [p.row for p in problems(result, "duplicate-person")] == [3]


def test_repeated_people_in_event_registers_are_normal(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, [ID1, "2025-03-12"], [ID1, "2025-09-12"]])
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert len(result.tables["elderly_checkups"]) == 2


# ------------------------------------------------------------------------------ header rows


def test_header_row_under_title_rows(tmp_path):
    rows = [
        ["临城街道社区卫生服务中心2025年老年人健康体检花名册"],
        ["填报单位：一站", None, None, "填报日期：2025-12-31"],
        [],
        ["说明：身份证号请设为文本格式"],
        ["身份证号", "体检日期", "姓名", "收缩压"],  # row 5
        [ID1, "2025-03-12", "张三", 130],
        [ID2, "2025-13-12", "李四", 140],
    ]
    write_xlsx(tmp_path / "体检.xlsx", rows, merges=["A1:D1"])
    result = read(tmp_path)
    sheet = result.sheets[0]
    assert (sheet.kind, sheet.header_row, sheet.rows) == ("elderly_checkups", 5, 1)
    assert list(result.tables["elderly_checkups"]["_row"]) == [6]
    [problem] = problems(result, "bad-date")
    assert (problem.row, problem.column) == (7, "体检日期")


def test_header_row_after_empty_rows_and_columns(tmp_path):
    rows = [[], [], [None, "身份证号", "体检日期"], [None, ID1, "2025-03-12"]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert result.sheets[0].header_row == 3
    assert list(result.tables["elderly_checkups"]["_row"]) == [4]


def test_header_row_at_row_20(tmp_path):
    rows = [[f"说明第{i}行"] for i in range(1, 20)] + [CHECKUP, [ID1, "2025-03-12"]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert result.sheets[0].header_row == 20
    assert list(result.tables["elderly_checkups"]["_row"]) == [21]


TWO_ROW_HEADER = [
    ["临城街道社区卫生服务中心老年人健康体检表"],
    ["序号", "身份证号", "体检日期", "血压(mmHg)", None, "空腹血糖（mmol/L）", "健康指导"],
    [None, None, None, "收缩压", "舒张压", None, None],
    [1, ID1, "2025-03-12", 135, 85, 6.2, "是"],
    [2, ID2, "2025-03-13", 150, 95, 7.0, "否"],
]


def check_two_row_header(result, sheet_name):
    assert errors(result) == []
    sheet = result.sheets[0]
    assert (sheet.kind, sheet.sheet, sheet.header_row, sheet.rows) == ("elderly_checkups", sheet_name, 3, 2)
    assert sheet.columns["systolic"] == "收缩压" and sheet.columns["diastolic"] == "舒张压"
    assert sheet.columns["id_number"] == "身份证号"
    assert sheet.columns["fasting_glucose"] == "空腹血糖（mmol/L）"
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [4, 5]
    assert list(table["systolic"]) == [135.0, 150.0]
    assert list(table["diastolic"]) == [85.0, 95.0]
    assert list(table["fasting_glucose"]) == [6.2, 7.0]
    assert [bool(v) for v in table["health_guidance"]] == [True, False]


def test_two_row_header_with_merged_cells(tmp_path):
    merges = ["A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3", "G2:G3"]
    write_xlsx(tmp_path / "体检.xlsx", TWO_ROW_HEADER, sheet="体检", merges=merges)
    check_two_row_header(read(tmp_path), "体检")


def test_two_row_header_without_merge_information(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", TWO_ROW_HEADER, sheet="体检")
    check_two_row_header(read(tmp_path), "体检")


def test_two_row_header_in_a_csv(tmp_path):
    write_csv(tmp_path / "体检.csv", TWO_ROW_HEADER)
    check_two_row_header(read(tmp_path), None)


def test_two_row_header_problem_rows(tmp_path):
    rows = [row[:] for row in TWO_ROW_HEADER]
    rows[4][2] = "不详"
    write_xlsx(tmp_path / "体检.xlsx", rows, merges=["D2:E2"])
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert (problem.row, problem.column) == (5, "体检日期")


def test_unit_row_under_the_header(tmp_path):
    """A row of units under the names (and under a 血压 group) is part of the header, not data."""
    rows = [
        ["身份证号", "体检日期", "血压", None, "空腹血糖", "自理能力评分"],
        [None, None, "收缩压", "舒张压", "（mmol/L）", "分"],
        [ID1, "2025-01-01", 130, 80, 5.5, 3],
    ]
    write_xlsx(tmp_path / "体检.xlsx", rows, merges=["C1:D1"])
    result = read(tmp_path)
    assert cell_problems(result) == []
    sheet = result.sheets[0]
    assert (sheet.header_row, sheet.rows) == (2, 1)
    assert sheet.columns["fasting_glucose"] == "空腹血糖（mmol/L）"
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"], table.loc[0, "fasting_glucose"]) == (130.0, 80.0, 5.5)
    assert list(table["_row"]) == [3]


def test_header_only_registers_are_recognised_with_no_rows(tmp_path):
    """Empty templates (as `chsc init` writes them) are registers with no rows, not `no-registers`."""
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期", "健康指导", "收缩压"]])
    write_csv(tmp_path / "居民.csv", [["身份证号", "建档日期"]], encoding="utf-8-sig")
    result = read(tmp_path)
    assert cell_problems(result) == []
    assert sorted((s.kind, s.rows) for s in result.sheets) == [("elderly_checkups", 0), ("residents", 0)]
    table = result.tables["elderly_checkups"]
    assert len(table) == 0
    assert pd.api.types.is_datetime64_dtype(table["checkup_date"].dtype)
    assert table["health_guidance"].dtype == "boolean"


def test_header_normalisation(tmp_path):
    headers = ["身份证\n号码", "体 检 日 期", "收缩压（mmHg）", "舒张压 (mmHg)", "空腹血糖（mmol/L）", "自理能力\n评分（分）", "健康指导\u3000", "中医体质辨识（是/否）"]
    # as written, give or take white space around the text
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 130, 80, 5.5, 0, "是", "否"]])
    result = read(tmp_path)
    assert errors(result) == []
    columns = result.sheets[0].columns
    assert columns == {
        "id_number": "身份证\n号码",
        "checkup_date": "体 检 日 期",
        "systolic": "收缩压（mmHg）",
        "diastolic": "舒张压 (mmHg)",
        "fasting_glucose": "空腹血糖（mmol/L）",
        "self_care_score": "自理能力\n评分（分）",
        "health_guidance": "健康指导",
        "tcm_constitution": "中医体质辨识（是/否）",
    }
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "fasting_glucose"], table.loc[0, "self_care_score"]) == (130.0, 5.5, 0.0)


def test_full_width_header_letters_and_digits(tmp_path):
    headers = ["身份证号", "随访日期", "随访方式", "ＨｂＡ１ｃ（％）"]
    write_xlsx(tmp_path / "随访.xlsx", [headers, [ID1, "2025-03-01", "门诊", 6.5]])
    result = read(tmp_path)
    assert result.sheets[0].kind == "diabetes_followups"
    assert result.tables["diabetes_followups"].loc[0, "hba1c"] == 6.5


def test_right_arm_wins_when_both_arms_are_written(tmp_path):
    headers = ["身份证号", "体检日期", "收缩压L", "舒张压L", "收缩压R", "舒张压R"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 150, 95, 130, 80]])
    result = read(tmp_path)
    assert cell_problems(result) == []
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (130.0, 80.0)
    assert result.sheets[0].columns["systolic"] == "收缩压R"


def test_left_arm_alone_is_used(tmp_path):
    headers = ["身份证号", "体检日期", "收缩压L", "舒张压L"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 150, 95]])
    table = read(tmp_path).tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (150.0, 95.0)


def test_left_arm_fills_a_row_without_a_right_arm_reading(tmp_path):
    headers = ["身份证号", "体检日期", "收缩压R", "舒张压R", "收缩压L", "舒张压L"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 130, 80, 150, 95], [ID2, "2025-03-12", None, None, 150, 95]])
    table = read(tmp_path).tables["elderly_checkups"]
    assert list(table["systolic"]) == [130.0, 150.0]
    assert list(table["diastolic"]) == [80.0, 95.0]


# ------------------------------------------------------------------------------ CSV encodings


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    rows = [["身份证号", "体检日期", "姓名", "所属站点", "健康指导"], [ID1, "2025-03-12", "张三", "临城一站", "是"], [ID2, "2025/3/13", "李四", "临城二站", "否"]]
    write_csv(tmp_path / "老年人体检.csv", rows, encoding=encoding)
    result = read(tmp_path)
    assert cell_problems(result) == []
    sheet = result.sheets[0]
    assert (sheet.kind, sheet.file, sheet.sheet, sheet.header_row) == ("elderly_checkups", "老年人体检.csv", None, 1)
    assert sheet.columns["id_number"] == "身份证号"  # no BOM left on the first header
    table = result.tables["elderly_checkups"]
    assert list(table["name"]) == ["张三", "李四"]
    assert list(table["station"]) == ["临城一站", "临城二站"]
    assert list(table["_row"]) == [2, 3]
    assert list(table["_sheet"]) == [None, None]


def test_csv_row_numbers_are_line_numbers(tmp_path):
    """cli.md: "In CSV files `row` is the line number" — a quoted cell holding a line break is one
    cell, and the rows after it are numbered by the line they start on (test_problem_places.py)."""
    rows = [["身份证号", "体检日期", "备注"], [ID1, "2025-03-12", "第一行\n第二行"], [ID2, "不详", None]]
    write_csv(tmp_path / "体检.csv", rows)
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert problem.row == 4
    assert list(result.tables["elderly_checkups"]["_row"]) == [2]


def test_gbk_csv_with_title_row(tmp_path):
    rows = [["高血压患者随访记录（2025年）"], ["身份证号", "随访日期", "随访方式", "血压"], [ID1, "2025-03-01", "上门", "140/90"]]
    write_csv(tmp_path / "随访.csv", rows, encoding="gbk")
    result = read(tmp_path)
    assert result.sheets[0].kind == "hypertension_followups"
    assert result.sheets[0].header_row == 2
    table = result.tables["hypertension_followups"]
    assert list(table["followup_mode"]) == ["上门"]
    assert list(table["_row"]) == [3]


# ------------------------------------------------------------------------------ settings: columns:


def test_extra_aliases_from_settings(tmp_path):
    headers = ["证件号", "检查时间", "餐前血糖"]
    write_xlsx(tmp_path / "体检.xlsx", [headers, [ID1, "2025-03-12", 5.6]])
    assert read(tmp_path).sheets == []  # not a register without the aliases
    settings = CentreConfig(columns={"证件号": "身份证号", "检查时间": "体检日期", "餐前血糖": "空腹血糖"})
    result = read(tmp_path, settings)
    assert errors(result) == []
    assert result.sheets[0].kind == "elderly_checkups"
    assert result.sheets[0].columns == {"id_number": "证件号", "checkup_date": "检查时间", "fasting_glucose": "餐前血糖"}
    assert result.tables["elderly_checkups"].loc[0, "fasting_glucose"] == 5.6


def test_extra_alias_applies_to_every_kind_with_that_column(tmp_path):
    write_xlsx(tmp_path / "档案.xlsx", [["证件号", "建档日期"], [ID1, "2020-01-01"]])
    write_xlsx(tmp_path / "高血压随访.xlsx", [["证件号", "随访日期", "随访方式"], [ID1, "2025-03-01", "门诊"]])
    result = read(tmp_path, CentreConfig(columns={"证件号": "身份证号"}))
    assert sorted(s.kind for s in result.sheets) == ["hypertension_followups", "residents"]


def test_extra_alias_written_like_a_real_header(tmp_path):
    """An alias in chsc.yaml is normalised like headers: spaces and full-width brackets do not matter."""
    write_xlsx(tmp_path / "体检.xlsx", [["证件 号", "体检日期"], [ID1, "2025-03-12"]])
    result = read(tmp_path, CentreConfig(columns={"证件号（居民）": "身份证号"}))
    assert [s.kind for s in result.sheets] == ["elderly_checkups"]


# ------------------------------------------------------------------------------ vaccines

SERIES = [
    ("五联疫苗", {"DTaP", "Polio", "Hib"}),
    ("DTaP-IPV/Hib", {"DTaP", "Polio", "Hib"}),
    ("百白破-IPV-Hib", {"DTaP", "Polio", "Hib"}),
    ("甲乙肝联合疫苗", {"HepA", "HepB"}),
    ("百白破", {"DTaP"}),
    ("百白破疫苗", {"DTaP"}),
    ("吸附无细胞百白破联合疫苗", {"DTaP"}),
    ("白破", {"DT"}),
    ("白破疫苗", {"DT"}),
    ("乙肝疫苗（10μg）", {"HepB"}),
    ("乙型肝炎疫苗(CHO)", {"HepB"}),
    ("Hep B", {"HepB"}),
    ("卡介苗", {"BCG"}),
    ("脊灰灭活疫苗（IPV）", {"Polio"}),
    ("ｂＯＰＶ", {"Polio"}),
    ("麻腮风疫苗", {"MCV"}),
    ("MMR", {"MCV"}),
    ("乙脑减毒活疫苗", {"JE"}),
    ("A群流脑多糖疫苗", {"MenA"}),
    ("A群C群流脑多糖疫苗", {"MenAC"}),
    ("甲肝灭活疫苗", {"HepA"}),
]


def test_vaccine_names_map_to_series(tmp_path):
    rows = [["儿童编码", "疫苗名称", "接种日期"]]
    rows += [["C1", name, dt.date(2024, 1, 1) + dt.timedelta(days=i)] for i, (name, _) in enumerate(SERIES)]
    write_xlsx(tmp_path / "接种记录.xlsx", rows)
    result = read(tmp_path)
    assert cell_problems(result) == []
    table = result.tables["vaccinations"]
    assert [set(series) for series in table["series"]] == [expected for _, expected in SERIES]


def test_unknown_vaccine_is_a_warning(tmp_path):
    rows = [["儿童编码", "疫苗名称", "接种日期"], ["C1", "卡介苗", "2024-01-01"], ["C1", "维生素AD滴剂", "2024-02-01"]]
    write_xlsx(tmp_path / "接种记录.xlsx", rows)
    result = read(tmp_path)
    [problem] = problems(result, "unknown-vaccine")
    assert problem.level == "warning"
    assert (problem.file, problem.row) == ("接种记录.xlsx", 3)
    table = result.tables["vaccinations"]
    assert len(table) == 2  # the row is kept
    assert set(table.loc[1, "series"]) == set()
    assert errors(result) == []


# ------------------------------------------------------------------------------ unreadable files


@pytest.mark.parametrize(
    "name,content",
    [
        ("随机.xlsx", os.urandom(4096)),
        ("文本.xlsx", "身份证号,体检日期\n110105195001010012,2025-03-12\n".encode()),
        ("空.xlsx", b""),
        ("随机.xls", b"\x00\x01garbage" * 100),
        ("压缩包.xlsx", b"PK\x03\x04" + os.urandom(200)),
    ],
    ids=["random", "text", "empty", "xls", "bad-zip"],
)
def test_unreadable_file_and_the_others_are_still_read(tmp_path, name, content):
    write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, [ID1, "2025-03-12"]])
    (tmp_path / name).write_bytes(content)
    result = read(tmp_path)
    [problem] = problems(result, "unreadable-file")
    assert (problem.level, problem.file) == ("error", name)
    assert list(result.tables["elderly_checkups"]["id_number"]) == [ID1]
    assert problems(result, "no-registers") == []


def test_truncated_workbook_is_unreadable(tmp_path):
    good = write_xlsx(tmp_path / "体检.xlsx", [CHECKUP, [ID1, "2025-03-12"]])
    data = good.read_bytes()
    (tmp_path / "截断.xlsx").write_bytes(data[: len(data) // 2])
    result = read(tmp_path)
    assert [(p.code, p.file) for p in errors(result)] == [("unreadable-file", "截断.xlsx")]
    assert len(result.tables["elderly_checkups"]) == 1


def test_workbook_with_several_sheets_keeps_each_sheets_rows(tmp_path):
    write_workbook(
        tmp_path / "体检.xlsx",
        {"一月": [CHECKUP, [ID1, "2025-01-12"]], "二月": [["标题"], CHECKUP, [ID2, "2025-02-12"], [ID3, "2025-02-30"]]},
    )
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert (problem.sheet, problem.row) == ("二月", 4)
    table = result.tables["elderly_checkups"]
    assert list(zip(table["_sheet"], table["_row"])) == [("一月", 2), ("二月", 3)]


# ------------------------------------------------------------------------------ properties

TEXT_DATE_FORMS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: str((d - dt.date(1899, 12, 30)).days),  # an Excel serial as text
    lambda d: f"{d.isoformat()} 23:59:59",
]


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dates=st.lists(st.dates(dt.date(1900, 3, 1), dt.date(2026, 11, 23)), min_size=1, max_size=8))
def test_every_text_date_form_reads_back_the_same_date(tmp_path_factory, dates):
    folder = tmp_path_factory.mktemp("dates")
    people = ids(len(dates) * len(TEXT_DATE_FORMS))
    rows = [CHECKUP]
    expected = []
    for n, (date, form) in enumerate((d, f) for d in dates for f in TEXT_DATE_FORMS):
        rows.append([people[n], form(date)])
        expected.append(pd.Timestamp(date))
    write_csv(folder / "体检.csv", rows)
    result = read(folder)
    assert errors(result) == []
    table = result.tables["elderly_checkups"]
    assert list(table["checkup_date"]) == expected
    assert list(table["_row"]) == list(range(2, 2 + len(expected)))


def test_a_checkup_sheet_without_completeness_columns_is_reported(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期", "健康指导"], [ID1, "2025-03-12", "是"]])
    result = read(tmp_path)
    [problem] = problems(result, "completeness-unchecked")
    assert (problem.level, problem.file, problem.row) == ("warning", "体检.xlsx", None)
    assert "生活方式评估" in problem.message and "健康指导" not in problem.message


def test_a_date_cell_before_1900_says_it_has_no_date(tmp_path):
    """A negative serial (a date before 1900 that LibreOffice can store) is read as a time alone:
    the message says the cell has no date, not that 「00:00:00」 is not a date."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号", "体检日期"])
    sheet.append([ID1, dt.date(1800, 1, 1)])
    sheet["B2"].number_format = "yyyy-mm-dd"
    book.save(tmp_path / "体检.xlsx")
    result = read(tmp_path)
    [problem] = problems(result, "bad-date")
    assert "没有日期" in problem.message and "1900 年以前" in problem.message


def test_invisible_characters_leave_headers_and_values(tmp_path):
    """A zero-width space copied from a web page, or U+FEFF from a UTF-8 file with a byte-order mark
    (twice in a CSV saved again), is no part of a header or a value: the 身份证号 column was not
    found, a date was refused and 城东站 split into two stations."""
    first, second, third = make_id("19500101", "011"), make_id("19550505", "021"), make_id("19560505", "031")
    rows = [["\ufeff身份证号", "体检日期", "所属站点\u200b"], [first, "2025-03-12\u200b", "城东站\u200b"],
            [second + "\u2060", "\u200b2025-03-13", "城东站"], [third, "2025-03-14", "\u200b"]]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    assert [p.code for p in result.problems] == ["completeness-unchecked", "completeness-unchecked"]
    table = result.tables["elderly_checkups"]
    assert list(table["id_number"]) == [first, second, third]
    assert [str(d.date()) for d in table["checkup_date"]] == ["2025-03-12", "2025-03-13", "2025-03-14"]
    assert list(table["station"]) == ["城东站", "城东站", None]
    (tmp_path / "体检.xlsx").unlink()
    text = "\ufeff身份证号,体检日期\r\n" + f"{first},2025-03-12\r\n"
    (tmp_path / "体检.csv").write_bytes("\ufeff".encode("utf-8") + text.encode("utf-8"))  # the mark twice
    assert list(read(tmp_path).tables["elderly_checkups"]["id_number"]) == [first]
