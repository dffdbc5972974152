"""The nine register kinds of services.md as the shipped kind files read them: the value rules
(建册孕周 shapes, whole numbers, a blank 分娩日期 or 卡片编号 kept), the form codes and words of
real-exports.md, and the classification rules of "Telling the new kinds apart"."""

from __future__ import annotations

import math

import pytest
from helpers import errors, kinds_of, make_id, problems, read, write_csv, write_xlsx

from chsc_cli.registers.values import parse_weeks, parse_whole_number

ID1 = make_id("19900101", "002")
ID2 = make_id("19920315", "004")



@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


# ------------------------------------------------------------------ value types


@pytest.mark.parametrize(
    ("text", "weeks", "days"),
    [("12", 12, 0), ("12周", 12, 0), ("孕12周", 12, 0), ("12+3", 12, 3), ("12周3天", 12, 3), ("12周+3天", 12, 3),
     ("12w3d", 12, 3), ("12+3天", 12, 3), ("12+6", 12, 6), ("13", 13, 0), (" 12 + 3 ", 12, 3), ("12周+3", 12, 3),
     ("12W3D", 12, 3), ("１２周", 12, 0)],
)
def test_gestational_age_shapes(text, weeks, days):
    value, code, _ = parse_weeks(text)
    assert code is None and math.isclose(value, weeks + days / 7)


def test_gestational_age_decimal_and_its_limits():
    assert parse_weeks("12.5")[0] == 12.5
    # "whole or decimal weeks, optionally 周, then optionally days": decimal weeks take days too
    for text in ("12.5+3", "12.5周3天", "12.5w3d", "孕12.5周+3天"):
        assert math.isclose(parse_weeks(text)[0], 12.5 + 3 / 7), text
    assert parse_weeks(12)[0] == 12.0
    assert parse_weeks("12+6")[0] < 13 <= parse_weeks("13")[0]  # 12+6 is early, 13 is not
    # services.md: "anything else is bad-number" — 12周3 (days without 天 or +), 12w (w only in w3d), 12+3d, 12w3
    for bad in ("12+7", "十二周", "12周8天", "3天", "abc", True, "12周3", "12w", "12+3d", "12w3", "123天", "12天"):
        assert parse_weeks(bad)[1] == "bad-number", bad


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("2", 2.0), (1, 1.0), ("2.0", 2.0)])
def test_whole_numbers(value, expected):
    assert parse_whole_number(value) == (expected, None, None)


@pytest.mark.parametrize("value", ["-1", "1.5", "两个", -2])
def test_not_whole_numbers_are_bad(value):
    assert parse_whole_number(value)[1] == "bad-number"


# ------------------------------------------------------------------ maternal records


def test_maternal_records_values_and_a_not_yet_delivered_row(data):
    rows = [
        ["身份证号", "分娩日期", "末次月经时间", "建册日期", "孕周", "产检次数", "出院时间", "产后访视日期", "活产数", "孕册号"],
        [ID1, "2025-05-01", "2024-08-01", "2024-10-10", "12+3", 5, "2025-05-04", "2025-05-20", 2, "Y0001"],
        [ID2, None, "2025-03-01", "2025-05-01", "12周3天", 2, None, None, None, "Y0002"],
        [ID2, "2024-01-01", None, None, "孕十二周", "五次", None, None, "-1", None],
    ]
    write_xlsx(data / "孕产妇健康管理登记.xlsx", rows)
    result = read(data)
    assert kinds_of(result) == ["maternal_records"]
    table = result.tables["maternal_records"]
    assert len(table) == 3  # the blank 分娩日期 (not yet delivered) is kept, with no error
    assert table["delivery_date"].isna().tolist() == [False, True, False]
    assert math.isclose(table["registration_weeks"].iloc[0], 12 + 3 / 7)
    assert math.isclose(table["registration_weeks"].iloc[1], 12 + 3 / 7)
    assert table["live_births"].iloc[0] == 2 and math.isnan(table["live_births"].iloc[1])  # blank stays blank
    assert table["record_number"].tolist()[:2] == ["Y0001", "Y0002"]
    bad = problems(result, "bad-number")
    assert {(p.row, p.field) for p in bad} == {(4, "registration_weeks"), (4, "antenatal_visits"), (4, "live_births")}
    assert not [p for p in errors(result) if p.field == "delivery_date"]


# ------------------------------------------------------------------ SMI, TB, children, cards, activities


def test_smi_followup_codes_and_classes(data):
    rows = [["身份证号", "本次随访日期", "本次随访形式", "危险性", "本次随访分类"],
            [ID1, "2025-03-01", "2", "3级", "3"], [ID1, "2025-04-01", "3", 0, "0"],
            [ID1, "2025-05-01", "1门诊", "2", "病情基本稳定"], [ID1, "2025-06-01", "家庭访视", None, "失访"]]
    write_xlsx(data / "随访.xlsx", rows)
    result = read(data)
    assert kinds_of(result) == ["smi_followups"]  # 危险性评估 with no disease word
    table = result.tables["smi_followups"]
    assert table["followup_mode"].tolist() == ["家庭", "电话", "门诊", "家庭"]
    assert table["followup_class"].tolist() == ["稳定", "未访到", "基本稳定", "未访到"]
    assert table["risk_level"].tolist() == ["3", "0", "2", None]
    assert problems(result, "unknown-value") == []


@pytest.mark.parametrize("classes", [["3稳定", "2.基本稳定"], ["（3）稳定", "1不稳定"], ["0未访到", "(2)基本稳定"]])
def test_an_smi_followup_with_numbered_classes_and_labels(data, classes):
    """services.md: a follow-up sheet is smi_followups when its 本次随访分类 values include 稳定 …
    — read as the reader reads them, so a numbered option with its label counts (it was read as
    a hypertension follow-up). A number alone does not: 1-4 are 此次随访分类's codes too."""
    rows = [["身份证号", "随访日期", "随访方式", "本次随访分类"], [ID1, "2025-03-01", "门诊", classes[0]], [ID1, "2025-04-01", "电话", classes[1]]]
    write_xlsx(data / "随访.xlsx", rows)
    assert kinds_of(read(data)) == ["smi_followups"]


def test_numbers_alone_in_a_followup_class_do_not_make_an_smi_sheet(data):
    rows = [["身份证号", "随访日期", "随访方式", "随访分类", "收缩压", "舒张压"],
            [ID1, "2025-03-01", "门诊", "3", 130, 80], [ID1, "2025-04-01", "电话", "1", 128, 82]]
    write_xlsx(data / "随访.xlsx", rows)
    assert kinds_of(read(data)) == ["hypertension_followups"]


def test_smi_roster_statuses(data):
    rows = [["身份证号", "登记日期", "管理状态", "诊断"], [ID1, "2021-01-01", "在册", "精神分裂症"], [ID2, "2021-01-01", "已注销", "双相"]]
    write_xlsx(data / "严重精神障碍患者名册.xlsx", rows)
    table = read(data).tables["smi_patients"]
    assert table["management_status"].tolist() == ["active", "ended"]


def test_tb_roster_is_settled_by_its_notice_date_and_reads_its_codes(data):
    rows = [["身份证号", "通知日期", "确诊日期", "停止治疗时间", "停止治疗原因", "应服药次数", "实际服药次数"],
            [ID1, "2025-01-05", "2025-01-02", "2025-07-01", "1", 180, 170],
            [ID2, "2025-02-05", "2025-02-01", "2025-08-01", "治愈", 180, 150],
            [make_id("19800101", "006"), "2025-03-05", None, "2025-04-01", "3", None, None],
            [make_id("19800101", "008"), "2025-03-05", None, None, "转外地", None, None]]
    write_xlsx(data / "患者名册.xlsx", rows)  # 确诊日期 would be the hypertension roster's 纳入管理日期
    result = read(data)
    assert kinds_of(result) == ["tb_patients"]
    table = result.tables["tb_patients"]
    assert table["stop_reason"].tolist() == ["completed", "completed", "lost", "other"]
    assert table["due_doses"].iloc[0] == 180 and table["diagnosis_date"].notna().sum() == 2


def test_child_kinds_are_settled_by_the_child_health_code(data):
    write_xlsx(data / "a.xlsx", [["保健号", "出生日期", "结案标志", "结案时间"], ["C1", "2024-01-01", "y", "2025-02-01"],
                                 ["C2", "2024-02-01", "n", None], ["C3", "2024-03-01", None, None]])
    write_xlsx(data / "b.xlsx", [["儿保编号", "本次访视日期", "随访类型", "中医指导情况"],
                                 ["C1", "2024-01-10", "新生儿访视", "摩腹捏脊"], ["C2", "2024-05-01", "3月龄", "未指导"],
                                 ["C3", "2024-06-01", "加访", None]])
    result = read(data)
    assert sorted(kinds_of(result)) == ["child_health_roster", "child_health_visits"]
    roster, visits = result.tables["child_health_roster"], result.tables["child_health_visits"]
    assert roster["roster_status"].tolist() == ["ended", "active", "active"]  # 结案标志 when 在册状态 is absent
    assert visits["tcm_guidance"].tolist() == [True, False, False]  # content-filled
    assert visits["visit_type"].tolist() == ["新生儿访视", "3月龄", "加访"]  # kept as written
    assert problems(result, "missing-id") == []  # 身份证号 is optional there


def test_cards_keep_a_blank_card_number_and_read_classes_and_deletions(data):
    rows = [["卡片ID", "疾病名称", "诊断时间", "报告卡录入时间", "疾病类型", "审核状态", "删除时间", "有效证件号"],
            ["A1", "霍乱", "2025-03-01 10:00", "2025-03-01 11:30", "1", "已终审卡", None, None],
            [None, "流行性感冒", "2025-03-02", "2025-03-03 09:00", "丙类传染病", "已删除卡", "2025-03-04 08:00", ID1]]
    write_xlsx(data / "大疫情网报告卡导出.xlsx", rows)
    result = read(data)
    assert kinds_of(result) == ["infectious_disease_reports"]
    table = result.tables["infectious_disease_reports"]
    assert len(table) == 2 and table["card_number"].iloc[1] is None
    assert table["disease_class"].tolist() == ["甲类", "丙类"]
    assert table["diagnosis_time__has_time"].tolist() == [True, False]
    assert table["review_status"].tolist() == ["已终审卡", "已删除卡"]
    assert problems(result, "missing-id") == [] and errors(result) == []


def test_supervision_and_education_vocabularies(data):
    write_xlsx(data / "卫生监督协管.xlsx", [["发现日期", "类别", "报告时间"], ["2025-03-01 09:00", "非法行医（采供血）", None],
                                        ["2025-03-02", "食品安全", "2025-03-02"], ["2025-03-03", "噪声", None]])
    write_csv(data / "健康教育.csv", [["活动时间", "形式", "接受健康教育人数"], ["2025-03-01", "小组讲座", 30],
                                    ["2025-03-02", "门诊咨询", 1], ["2025-03-03", "其它", None]], encoding="gbk")
    result = read(data)
    assert result.tables["health_supervision_reports"]["info_category"].tolist() == ["非法行医", "食品安全", "其他"]
    education = result.tables["health_education_activities"]
    assert education["activity_form"].tolist() == ["健康知识讲座", "个体化健康教育", "其他"]
    assert education["attendance"].iloc[0] == 30
    assert [p.message for p in problems(result, "unknown-value")] == [p.message for p in problems(result, "unknown-value")
                                                                      if "噪声" in p.message]


def test_a_tb_followup_sheet_is_unrecognised_and_a_maternal_sheet_needs_no_disease_word(data):
    write_xlsx(data / "肺结核随访记录.xlsx", [["身份证号", "随访日期", "随访方式"], [ID1, "2025-03-01", "门诊"]])
    write_xlsx(data / "登记.xlsx", [["身份证号", "分娩日期", "建册日期"], [ID1, "2025-03-01", "2024-08-01"]], sheet="高血压")
    result = read(data)
    assert kinds_of(result) == ["maternal_records"]
    assert problems(result, "unrecognised-sheet")


def test_numbers_alone_under_the_smi_forms_own_header_make_an_smi_sheet(data):
    """本次随访分类 is the SMI form's header, which no hypertension or diabetes follow-up reads: its
    codes (3 稳定, 2 基本稳定, real-exports.md) say the sheet is SMI — it was read as a hypertension
    follow-up, and the SMI patients counted toward 高血压规范管理率."""
    rows = [["身份证号", "随访日期", "随访方式", "本次随访分类"], [ID1, "2025-03-01", "门诊", "3"], [ID1, "2025-04-01", "电话", "2"]]
    write_xlsx(data / "随访.xlsx", rows)
    result = read(data)
    assert kinds_of(result) == ["smi_followups"]
    assert result.tables["smi_followups"]["followup_class"].tolist() == ["稳定", "基本稳定"]


def test_the_only_follow_up_kind_whose_columns_a_sheet_has_is_that_kind(data):
    """本次随访形式 is only SMI's: with no 危险性 nor 本次随访分类 the sheet can still be no other
    follow-up kind (registers.md: a kind only if it has all its required columns) — it was skipped
    as 「缺少必需的列：」, naming none."""
    rows = [["身份证号", "本次随访日期", "本次随访形式"], [ID1, "2025-03-01", "1"], [ID1, "2025-06-01", "3"]]
    write_xlsx(data / "随访.xlsx", rows)
    assert kinds_of(read(data)) == ["smi_followups"]


def test_a_card_is_deleted_when_its_deletion_time_is_filled_with_anything_but_a_no(data):
    """real-exports.md: deleted when 删除时间 is filled — a date-time, or words (是, 已删除) a system or
    a person wrote there; those were bad dates, blanked, and the card counted as active and
    unreported. 否/无/未删除 and `.` alone (blank in a date cell) are not filled."""
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.config import CentreConfig
    from chsc_cli.periods import parse_period

    deletion = {"C1": None, "C2": "是", "C3": "已删除", "C4": ".", "C5": "否", "C6": "2025-03-07 08:00", "C7": "未删除",
                # a database's empty values (a review of the first version found them read as deletions)
                "C8": "NULL", "C9": "0000-00-00 00:00:00", "CA": "——", "CB": "#N/A", "CC": "\\N"}
    rows = [["卡片编号", "疾病名称", "诊断时间", "报告时间", "删除时间"]]
    rows += [[card, "流行性感冒", f"2025-03-{n:02d}", "2025-03-01 12:00" if card == "C1" else None, deleted]
             for n, (card, deleted) in enumerate(deletion.items(), 1)]
    write_xlsx(data / "传染病报告卡.xlsx", rows)
    result = read(data)
    assert errors(result) == [] and problems(result, "unknown-value") == []
    table = result.tables["infectious_disease_reports"]
    assert table["deletion_filled"].tolist() == [False, True, True, False, False, True] + [False] * 6
    row = compute_indicators(result, parse_period("2025"), CentreConfig(), load_library(),
                             only=["infectious_disease_report_rate"]).indicators[0]
    assert (row.numerator, row.denominator) == (1, 9)  # C1 reported; C4, C5, C7-CC not; C2, C3, C6 deleted


def test_a_blank_word_lets_a_second_column_of_the_field_fill_the_row(data):
    """Two 删除时间 columns: NULL in the first is blank, so the second's date is read (as a truly empty
    first cell lets it be)."""
    rows = [["卡片编号", "疾病名称", "诊断时间", "报告时间", "删除时间", "删除时间"],
            ["A1", "流行性感冒", "2025-03-01", None, None, "2025-03-02 08:00"],
            ["A2", "流行性感冒", "2025-03-01", None, "NULL", "2025-03-02 08:00"],
            ["A3", "流行性感冒", "2025-03-01", None, "NULL", None]]
    write_xlsx(data / "传染病报告卡.xlsx", rows)
    assert read(data).tables["infectious_disease_reports"]["deletion_filled"].tolist() == [True, True, False]


def test_check_marks_and_dashes_in_a_content_filled_column_are_still_content(data):
    """real-exports.md: yes for any content except the no words — the blank words of 删除时间 are that
    column's own (blank_words), not a rule of every content-filled column (☑ is a check mark)."""
    from chsc_cli.registers import KINDS
    from chsc_cli.registers.values import parser_for

    guidance = parser_for(KINDS["elderly_checkups"].column("health_guidance"))
    assert [guidance(v)[0] for v in ("☑", "●", "-", "/", "+", "建议复查", "无", "未指导")] == [True] * 6 + [False] * 2


def test_a_number_no_smi_class_has_keeps_an_own_header_column_from_deciding(data):
    """1, 2, 4 under 本次随访分类 beside 收缩压: 4 is no SMI class (1 不稳定 … 3 稳定, 0 未访到), so the
    numbers are not read as SMI codes and the sheet stays a hypertension follow-up."""
    rows = [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压", "本次随访分类"],
            [ID1, "2025-03-01", "门诊", 130, 80, "1"], [ID1, "2025-04-01", "门诊", 128, 82, "4"], [ID1, "2025-05-01", "门诊", 125, 80, "2"]]
    write_xlsx(data / "随访.xlsx", rows)
    assert kinds_of(read(data)) == ["hypertension_followups"]


def test_codes_the_smi_header_lists_itself_are_its_codes_when_telling_kinds_apart(data):
    """本次随访分类（1不稳定 2基本稳定 3稳定 4未访到）: the 4 is a code of this sheet's own, as the reader
    reads it — the sheet is SMI (the every-number-a-code rule had looked at the form's codes only)."""
    rows = [["身份证号", "随访日期", "随访方式", "本次随访分类（1不稳定 2基本稳定 3稳定 4未访到）"],
            [ID1, "2025-03-01", "门诊", "3"], [ID1, "2025-04-01", "电话", "3"], [ID1, "2025-05-01", "门诊", "4"]]
    write_xlsx(data / "随访.xlsx", rows)
    result = read(data)
    assert kinds_of(result) == ["smi_followups"]
    assert result.tables["smi_followups"]["followup_class"].tolist() == ["稳定", "稳定", "未访到"]
