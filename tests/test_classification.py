"""Which kind a sheet is (registers.md, "The data folder"): the four-step rule, `kinds:` in
chsc.yaml, per-kind aliases, skipped sheets and files, and sub-folders."""

from __future__ import annotations

import pytest
from helpers import errors, kinds_of, make_id, problems, read, write_csv, write_workbook, write_xlsx

from chsc_cli.config import CentreConfig

ID1 = make_id("19500101", "001")
ID2 = make_id("19600202", "002")

ROSTER = [["身份证号", "纳入管理日期", "姓名"], [ID1, "2021-01-01", "张三"]]
FOLLOWUP = [["身份证号", "随访日期", "随访方式"], [ID1, "2025-03-01", "门诊"]]



# ------------------------------------------------------------------ step 1: 高血压 / 糖尿病 words


@pytest.mark.parametrize("word,kind", [("高血压", "hypertension"), ("糖尿病", "diabetes")])
@pytest.mark.parametrize("rows", [ROSTER, FOLLOWUP], ids=["patients", "followups"])
def test_disease_word_in_file_name(tmp_path, word, kind, rows):
    write_xlsx(tmp_path / f"2025年{word}管理.xlsx", rows, sheet="Sheet1")
    result = read(tmp_path)
    suffix = "_patients" if rows is ROSTER else "_followups"
    assert kinds_of(result) == [kind + suffix]
    assert errors(result) == []


@pytest.mark.parametrize("word,kind", [("高血压", "hypertension_patients"), ("糖尿病", "diabetes_patients")])
def test_disease_word_in_sheet_name(tmp_path, word, kind):
    write_xlsx(tmp_path / "慢病名册.xlsx", ROSTER, sheet=f"{word}患者")
    assert kinds_of(read(tmp_path)) == [kind]


@pytest.mark.parametrize("word,kind", [("高血压", "hypertension_patients"), ("糖尿病", "diabetes_patients")])
def test_disease_word_in_title_rows(tmp_path, word, kind):
    rows = [[f"临城街道社区卫生服务中心{word}患者管理名册"], ["制表日期：2025-12-31"], *ROSTER]
    write_xlsx(tmp_path / "慢病名册.xlsx", rows, merges=["A1:C1"])
    result = read(tmp_path)
    assert kinds_of(result) == [kind]
    assert result.sheets[0].header_row == 3


def test_sheet_name_settles_a_file_named_after_both_diseases(tmp_path):
    write_workbook(tmp_path / "高血压糖尿病名册.xlsx", {"高血压": ROSTER, "糖尿病": [ROSTER[0], [ID2, "2022-01-01", "李四"]]})
    result = read(tmp_path)
    assert {(s.sheet, s.kind) for s in result.sheets} == {("高血压", "hypertension_patients"), ("糖尿病", "diabetes_patients")}
    assert list(result.tables["diabetes_patients"]["id_number"]) == [ID2]


@pytest.mark.parametrize("glucose", ["空腹血糖", "糖化血红蛋白", "空腹血糖（mmol/L）"])
def test_followup_without_disease_word_is_diabetes_when_it_has_glucose(tmp_path, glucose):
    write_xlsx(tmp_path / "随访记录.xlsx", [["身份证号", "随访日期", "随访方式", glucose], [ID1, "2025-03-01", "门诊", 6.2]])
    result = read(tmp_path)
    assert kinds_of(result) == ["diabetes_followups"]
    assert errors(result) == []


@pytest.mark.parametrize(
    "extra", [[], ["收缩压", "舒张压"], ["血压"]], ids=["no-measurement", "two-columns", "one-column"]
)
def test_followup_without_disease_word_or_glucose_is_hypertension(tmp_path, extra):
    values = {"收缩压": 130, "舒张压": 80, "血压": "130/80"}
    write_xlsx(
        tmp_path / "随访记录.xlsx",
        [["身份证号", "随访日期", "随访方式", *extra], [ID1, "2025-03-01", "门诊", *(values[e] for e in extra)]],
    )
    result = read(tmp_path)
    assert kinds_of(result) == ["hypertension_followups"]
    assert errors(result) == []


def test_disease_word_beats_glucose_column(tmp_path):
    """A hypertension follow-up file that also records glucose stays hypertension."""
    rows = [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压", "空腹血糖"], [ID1, "2025-03-01", "门诊", 130, 80, 5.6]]
    write_xlsx(tmp_path / "高血压随访.xlsx", rows)
    assert kinds_of(read(tmp_path)) == ["hypertension_followups"]


# ------------------------------------------------------------------ step 2: most columns


def test_most_columns_wins(tmp_path):
    """Both residents (身份证号 + 建档日期) and elderly_checkups (身份证号 + 体检日期) qualify;
    the checkup columns outnumber the resident ones."""
    headers = ["身份证号", "建档日期", "体检日期", "收缩压", "舒张压", "空腹血糖", "健康指导"]
    write_xlsx(tmp_path / "data.xlsx", [headers, [ID1, "2020-01-01", "2025-01-01", 130, 80, 5.5, "是"]])
    result = read(tmp_path)
    assert kinds_of(result) == ["elderly_checkups"]
    assert errors(result) == []


def test_most_columns_the_other_way(tmp_path):
    headers = ["身份证号", "建档日期", "体检日期", "家庭医生团队", "签约", "常住"]
    write_xlsx(tmp_path / "data.xlsx", [headers, [ID1, "2020-01-01", "2025-01-01", "一队", "是", "是"]])
    assert kinds_of(read(tmp_path)) == ["residents"]


def test_one_blood_pressure_column_counts_as_two(tmp_path):
    """residents: 身份证号 建档日期 姓名 所属站点 家庭医生团队 = 5; elderly_checkups: 身份证号 体检日期
    姓名 所属站点 + 血压 (收缩压 and 舒张压) = 6."""
    headers = ["身份证号", "建档日期", "体检日期", "姓名", "所属站点", "家庭医生团队", "血压"]
    write_xlsx(tmp_path / "data.xlsx", [headers, [ID1, "2020-01-01", "2025-01-01", "张三", "一站", "一队", "130/80"]])
    result = read(tmp_path)
    assert kinds_of(result) == ["elderly_checkups"]
    table = result.tables["elderly_checkups"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (130.0, 80.0)


# ------------------------------------------------------------------ step 3: words break a tie

TIED = ["身份证号", "建档日期", "体检日期", "姓名"]  # residents 3 columns, elderly_checkups 3 columns
TIED_ROW = [ID1, "2020-01-01", "2025-01-01", "张三"]


@pytest.mark.parametrize(
    "file_name,kind",
    [
        ("2025年体检.xlsx", "elderly_checkups"),
        ("居民花名册.xlsx", "residents"),
        ("健康档案.xlsx", "residents"),
    ],
)
def test_word_breaks_a_tie(tmp_path, file_name, kind):
    write_xlsx(tmp_path / file_name, [TIED, TIED_ROW])
    result = read(tmp_path)
    assert kinds_of(result) == [kind]
    assert errors(result) == []


def test_word_in_sheet_name_or_title_breaks_a_tie(tmp_path):
    write_workbook(
        tmp_path / "data.xlsx",
        {"体检": [TIED, TIED_ROW], "Sheet2": [["居民基本信息"], TIED, [ID2, "2020-01-01", "2025-01-01", "李四"]]},
    )
    result = read(tmp_path)
    assert {(s.sheet, s.kind) for s in result.sheets} == {("体检", "elderly_checkups"), ("Sheet2", "residents")}


def test_more_distinct_words_win_the_tie(tmp_path):
    """居民 and 健康档案 are two distinct residents words; 体检 is one."""
    write_xlsx(tmp_path / "居民健康档案体检.xlsx", [TIED, TIED_ROW])
    assert kinds_of(read(tmp_path)) == ["residents"]


def test_tie_without_words_is_ambiguous(tmp_path):
    write_xlsx(tmp_path / "data.xlsx", [TIED, TIED_ROW])
    result = read(tmp_path)
    assert result.sheets == []
    [problem] = problems(result, "ambiguous-kind")
    assert problem.level == "error"
    assert (problem.file, problem.sheet) == ("data.xlsx", "Sheet1")
    assert "residents" in problem.message and "elderly_checkups" in problem.message
    assert "kinds" in problem.message and "chsc.yaml" in problem.message


# ------------------------------------------------------------------ step 4: ambiguous, settled by kinds:


def test_patient_roster_with_neither_word_is_ambiguous(tmp_path):
    write_xlsx(tmp_path / "慢病名册.xlsx", ROSTER, sheet="名单")
    result = read(tmp_path)
    assert result.tables == {}
    [problem] = problems(result, "ambiguous-kind")
    assert problem.level == "error"
    assert (problem.file, problem.sheet) == ("慢病名册.xlsx", "名单")
    assert "hypertension_patients" in problem.message and "diabetes_patients" in problem.message
    assert "kinds" in problem.message and "chsc.yaml" in problem.message


@pytest.mark.parametrize(
    "pattern", ["慢病名册.xlsx", "*慢病名册*.xlsx", "*.xlsx", "慢病名册.xlsx#名单", "*名册*#名*"]
)
def test_kinds_setting_settles_it(tmp_path, pattern):
    write_xlsx(tmp_path / "慢病名册.xlsx", ROSTER, sheet="名单")
    result = read(tmp_path, CentreConfig(kinds={pattern: "diabetes_patients"}))
    assert kinds_of(result) == ["diabetes_patients"]
    assert errors(result) == []
    assert list(result.tables["diabetes_patients"]["id_number"]) == [ID1]


def test_kinds_setting_for_one_sheet(tmp_path):
    """`file.xlsx#sheet` settles only that sheet; the other sheet stays ambiguous."""
    write_workbook(tmp_path / "慢病名册.xlsx", {"一站": ROSTER, "二站": [ROSTER[0], [ID2, "2022-01-01", "李四"]]})
    result = read(tmp_path, CentreConfig(kinds={"慢病名册.xlsx#二站": "hypertension_patients"}))
    assert [(s.sheet, s.kind) for s in result.sheets] == [("二站", "hypertension_patients")]
    assert list(result.tables["hypertension_patients"]["id_number"]) == [ID2]
    assert [(p.file, p.sheet) for p in problems(result, "ambiguous-kind")] == [("慢病名册.xlsx", "一站")]


def test_kinds_setting_two_sheets_two_kinds(tmp_path):
    write_workbook(tmp_path / "慢病名册.xlsx", {"一站": ROSTER, "二站": [ROSTER[0], [ID2, "2022-01-01", "李四"]]})
    settings = CentreConfig(
        kinds={"慢病名册.xlsx#一站": "hypertension_patients", "慢病名册.xlsx#二站": "diabetes_patients"}
    )
    result = read(tmp_path, settings)
    assert [(s.sheet, s.kind) for s in result.sheets] == [("一站", "hypertension_patients"), ("二站", "diabetes_patients")]
    assert errors(result) == []


def test_kinds_setting_matches_the_path_relative_to_the_folder(tmp_path):
    write_xlsx(tmp_path / "一站" / "名册.xlsx", ROSTER)
    write_xlsx(tmp_path / "二站" / "名册.xlsx", [ROSTER[0], [ID2, "2022-01-01", "李四"]])
    settings = CentreConfig(kinds={"一站/*.xlsx": "hypertension_patients", "二站/名册.xlsx": "diabetes_patients"})
    result = read(tmp_path, settings)
    assert sorted((s.file, s.kind) for s in result.sheets) == [
        ("一站/名册.xlsx", "hypertension_patients"),
        ("二站/名册.xlsx", "diabetes_patients"),
    ]


def test_kinds_setting_for_a_csv(tmp_path):
    write_csv(tmp_path / "名册.csv", ROSTER)
    result = read(tmp_path, CentreConfig(kinds={"名册.csv": "hypertension_patients"}))
    assert kinds_of(result) == ["hypertension_patients"]
    assert result.sheets[0].sheet is None


# ------------------------------------------------------------------ aliases belong to one kind


def test_jianka_date_is_enrolment_date_in_a_patient_roster(tmp_path):
    write_xlsx(tmp_path / "高血压名册.xlsx", [["身份证号", "建卡日期"], [ID1, "2021-03-04"]])
    result = read(tmp_path)
    assert kinds_of(result) == ["hypertension_patients"]
    table = result.tables["hypertension_patients"]
    assert str(table.loc[0, "enrolment_date"].date()) == "2021-03-04"
    assert result.sheets[0].columns["enrolment_date"] == "建卡日期"


def test_jianka_date_is_card_date_in_a_children_roster(tmp_path):
    write_xlsx(tmp_path / "儿童花名册.xlsx", [["儿童编码", "出生日期", "建卡日期"], ["C001", "2024-01-01", "2024-01-15"]])
    result = read(tmp_path)
    assert kinds_of(result) == ["children"]
    table = result.tables["children"]
    assert str(table.loc[0, "card_date"].date()) == "2024-01-15"
    assert result.sheets[0].columns["card_date"] == "建卡日期"


# ------------------------------------------------------------------ skipped sheets and files


def test_unrecognised_sheets_are_skipped_with_an_info_line(tmp_path):
    write_workbook(
        tmp_path / "体检2025.xlsx",
        {
            "说明": [["填表说明"], ["1. 身份证号请设为文本格式"]],
            "体检": [["身份证号", "体检日期"], [ID1, "2025-01-01"]],
            "空白": [],
            "统计": [["站点", "人数"], ["一站", 10]],
        },
    )
    result = read(tmp_path)
    assert kinds_of(result) == ["elderly_checkups"]
    assert errors(result) == []
    skipped = {(s.file, s.sheet) for s in result.skipped}
    assert skipped == {("体检2025.xlsx", "说明"), ("体检2025.xlsx", "空白"), ("体检2025.xlsx", "统计")}
    infos = problems(result, "unrecognised-sheet")
    assert {(p.file, p.sheet) for p in infos} == skipped
    assert {p.level for p in infos} == {"info"}


def test_no_registers_at_all(tmp_path):
    write_workbook(tmp_path / "说明.xlsx", {"说明": [["填表说明"]], "Sheet2": []})
    write_csv(tmp_path / "备注.csv", [["备注"], ["无"]])
    result = read(tmp_path)
    assert result.tables == {} and result.sheets == []
    [problem] = problems(result, "no-registers")
    assert problem.level == "error"
    for place in ("说明.xlsx: 说明", "说明.xlsx: Sheet2", "备注.csv"):
        assert place in problem.message


def test_empty_folder_has_no_registers(tmp_path):
    result = read(tmp_path)
    assert [p.code for p in result.problems] == ["no-registers"]


def test_lock_files_and_hidden_files_are_skipped(tmp_path):
    register = [["身份证号", "体检日期"], [ID1, "2025-01-01"]]
    write_xlsx(tmp_path / "体检.xlsx", register)
    write_xlsx(tmp_path / "~$体检.xlsx", [["身份证号", "体检日期"], [ID2, "2025-01-01"]])
    write_xlsx(tmp_path / ".体检备份.xlsx", [["身份证号", "体检日期"], [ID2, "2025-01-02"]])
    (tmp_path / "~$锁定.xlsx").write_bytes(b"\x00lock")  # a real lock file is not a workbook
    result = read(tmp_path)
    assert [s.file for s in result.sheets] == ["体检.xlsx"]
    assert list(result.tables["elderly_checkups"]["id_number"]) == [ID1]
    assert errors(result) == []
    assert all("~$" not in (p.file or "") and not (p.file or "").startswith(".") for p in result.problems)


def test_suffixes_in_upper_case_are_read(tmp_path):
    write_xlsx(tmp_path / "体检.XLSX", [["身份证号", "体检日期"], [ID1, "2025-01-01"]])
    write_csv(tmp_path / "体检2.CSV", [["身份证号", "体检日期"], [ID2, "2025-01-01"]])
    result = read(tmp_path)
    assert sorted(s.file for s in result.sheets) == ["体检.XLSX", "体检2.CSV"]


def test_xlsm_workbooks_are_read(tmp_path):
    write_xlsx(tmp_path / "体检.xlsm", [["身份证号", "体检日期"], [ID1, "2025-01-01"]])
    assert [s.file for s in read(tmp_path).sheets] == ["体检.xlsm"]


def test_an_empty_csv_is_skipped_as_empty_not_an_unreadable_file(tmp_path):
    """A 新建.csv made by hand stops nothing; it is listed as empty (a failed export says what it is)."""
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期"], [ID1, "2025-01-01"]])
    (tmp_path / "新建.csv").write_bytes(b"")
    result = read(tmp_path)
    assert errors(result) == []
    listed = [(p.code, p.file, p.message) for p in result.problems if p.code != "completeness-unchecked"]
    assert listed == [("unsupported-file", "新建.csv", "已跳过：文件是空的（0 字节）：若它应是导出的登记表，请从原系统重新导出")]


def test_other_file_types_are_ignored(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期"], [ID1, "2025-01-01"]])
    (tmp_path / "readme.txt").write_text("说明", encoding="utf-8")
    (tmp_path / "chsc.yaml").write_text("centre: 某中心\n", encoding="utf-8")
    result = read(tmp_path)
    assert [p.name for p in result.files] == ["体检.xlsx"]
    assert errors(result) == []


def test_sub_folders_are_read_at_any_depth(tmp_path):
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期"], [ID1, "2025-01-01"]])
    write_xlsx(tmp_path / "一站" / "2025" / "03月" / "体检.xlsx", [["身份证号", "体检日期"], [ID2, "2025-03-01"]])
    write_csv(tmp_path / "二站" / "体检.csv", [["身份证号", "体检日期"], [make_id("19450615", "004"), "2025-04-01"]])
    result = read(tmp_path)
    assert sorted(s.file for s in result.sheets) == ["一站/2025/03月/体检.xlsx", "二站/体检.csv", "体检.xlsx"]
    table = result.tables["elderly_checkups"]
    assert len(table) == 3
    assert set(table["_file"]) == {"一站/2025/03月/体检.xlsx", "二站/体检.csv", "体检.xlsx"}


def test_several_sheets_of_one_kind_are_concatenated(tmp_path):
    headers = ["身份证号", "体检日期", "所属站点"]
    write_workbook(
        tmp_path / "体检.xlsx",
        {"一站": [headers, [ID1, "2025-01-01", "一站"]], "二站": [headers, [ID2, "2025-02-01", "二站"]]},
    )
    write_xlsx(tmp_path / "体检3月.xlsx", [headers, [make_id("19450615", "004"), "2025-03-01", "三站"]])
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert sorted(table["station"]) == ["一站", "三站", "二站"]
    assert sorted(zip(table["_file"], table["_sheet"], table["_row"])) == [
        ("体检.xlsx", "一站", 2),
        ("体检.xlsx", "二站", 2),
        ("体检3月.xlsx", "Sheet1", 2),
    ]
