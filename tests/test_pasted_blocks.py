"""Registers kept by hand (review of 7 December, night): exports pasted one under another in one
sheet are read block by block, each under its own header; a station merged down over its block's
blank and 小计 rows does not turn them into data rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cli_helpers import run_chsc
from helpers import codes, errors, make_id, problems, read, write_csv, write_workbook

D = dt.date
A, B = make_id("19500101", "011"), make_id("19500102", "021")
ROSTER = [["身份证号", "纳入管理日期"], [A, D(2020, 1, 1)], [B, D(2020, 1, 1)]]


def _rate(folder, indicator: str) -> tuple[int, int]:
    ran = run_chsc("compute", folder, "-p", "2025", "--format", "json", "--quiet", "--no-cache")
    assert ran.code in (0, 1), ran.output
    row = next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == indicator)
    return row["numerator"], row["denominator"]


def _pasted(second_header: list[str], second_rows: list[list[object]]) -> list[list[object]]:
    return [
        ["2025年1-6月随访（导出）"],
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [A, D(2025, 2, 1), "门诊", 150, 95], [B, D(2025, 2, 1), "门诊", 150, 95],
        [A, D(2025, 5, 1), "门诊", 150, 95], [B, D(2025, 5, 1), "门诊", 150, 95],
        ["小计"], [],
        ["2025年7-12月随访（导出）"],
        second_header,
        *second_rows,
        ["小计"],
    ]


def test_a_pasted_block_with_its_columns_in_another_order_is_read_under_its_own_header(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    later = [[A, D(2025, 8, 1), "门诊", 80, 130], [B, D(2025, 8, 1), "门诊", 78, 128],
             [A, D(2025, 11, 1), "门诊", 80, 130], [B, D(2025, 11, 1), "门诊", 78, 128]]
    write_workbook(tmp_path / "高血压随访2025.xlsx",
                   {"随访": _pasted(["身份证号", "随访日期", "随访方式", "舒张压", "收缩压"], later)})
    assert _rate(tmp_path, "hypertension_bp_control_rate") == (2, 2)  # 130/80 and 128/78, not 80/130
    assert _rate(tmp_path, "hypertension_standard_management_rate") == (2, 2)
    result = read(tmp_path)
    assert errors(result) == [] and codes(result) <= {"not-in-roster"}
    blocks = [(sheet.sheet, sheet.header_row, sheet.rows) for sheet in result.sheets if sheet.kind == "hypertension_followups"]
    assert blocks == [("随访", 2, 4), ("随访", 10, 4)]


def test_a_header_repeated_as_it_was_is_no_error_and_a_later_block_reports_its_own_rows(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    later = [[A, D(2025, 8, 1), "门诊", 130, 80], [B, "2025-13-01", "门诊", 128, 78]]
    write_workbook(tmp_path / "高血压随访2025.xlsx",
                   {"随访": _pasted(["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"], later)})
    result = read(tmp_path)
    bad = problems(result, "bad-date")
    assert [(p.row, p.column) for p in bad] == [(12, "随访日期")]  # Excel row 12: the second block's second row
    assert len(errors(result)) == 1 and not problems(result, "bad-id")
    assert not problems(result, "unknown-value") and not problems(result, "bad-number")


def test_a_repeated_two_row_header_starts_its_block_at_its_upper_row(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    upper = ["身份证号", "随访日期", "随访方式", "血压(mmHg)", None]
    leaves = [None, None, None, "舒张压", "收缩压"]
    rows = [
        ["身份证号", "随访日期", "随访方式", "血压(mmHg)", None],
        [None, None, None, "收缩压", "舒张压"],
        [A, D(2025, 2, 1), "门诊", 150, 95], [B, D(2025, 2, 1), "门诊", 150, 95],
        [], ["2025年下半年"], upper, leaves,
        [A, D(2025, 8, 1), "门诊", 80, 130], [B, D(2025, 8, 1), "门诊", 78, 128],
    ]
    write_workbook(tmp_path / "高血压随访2025.xlsx", {"随访": rows},
                   {"随访": ["A1:A2", "B1:B2", "C1:C2", "D1:E1", "A7:A8", "B7:B8", "C7:C8", "D7:E7"]})
    assert _rate(tmp_path, "hypertension_bp_control_rate") == (2, 2)
    result = read(tmp_path)
    assert errors(result) == []
    assert [sheet.header_row for sheet in result.sheets if sheet.kind == "hypertension_followups"] == [2, 8]


def test_pasted_blocks_of_a_csv_keep_their_line_numbers(tmp_path):
    write_csv(tmp_path / "高血压患者管理名册.csv", ROSTER)
    rows = [
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [A, "2025-02-01", "门诊", 150, 95],
        ["身份证号", "随访方式", "随访日期", "舒张压", "收缩压"],
        [A, "门诊", "2025-08-01", 80, 130], [B, "门诊", "2025-08-41", 78, 128],
    ]
    write_csv(tmp_path / "高血压随访.csv", rows)
    result = read(tmp_path)
    assert [(p.code, p.row) for p in errors(result)] == [("bad-date", 5)]
    frames = result.tables["hypertension_followups"]
    assert sorted(frames["systolic"].dropna().tolist()) == [130.0, 150.0]


def test_one_header_word_in_a_data_row_is_still_a_bad_row_not_a_new_block(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    rows = [
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [A, D(2025, 2, 1), "门诊", 150, 95],
        ["身份证号", D(2025, 3, 1), "门诊", 150, 95],  # a bad row, not a header
        [B, D(2025, 2, 1), "门诊", 130, 80],
    ]
    write_workbook(tmp_path / "高血压随访2025.xlsx", {"随访": rows})
    result = read(tmp_path)
    assert [(p.code, p.row) for p in errors(result)] == [("bad-id", 3)]
    assert len([sheet for sheet in result.sheets if sheet.kind == "hypertension_followups"]) == 1


def test_a_station_merged_over_its_blocks_blank_and_subtotal_rows_leaves_them_skipped(tmp_path):
    rows = [
        ["所属站点", "序号", "身份证号", "建档日期", "签约"],
        ["一站", 1, make_id("19800101", "011"), D(2020, 1, 1), "是"],
        [None, 2, make_id("19800102", "021"), D(2020, 1, 1), "否"],
        [],
        [None, 3, make_id("19800103", "031"), D(2020, 1, 1), "是"],
        [None, "小计", None, None, 2],
        ["二站", 4, make_id("19800104", "041"), D(2020, 1, 1), "是"],
        [None, 5, make_id("19800105", "051"), D(2020, 1, 1), "否"],
        [None, "小计", None, None, 1],
    ]
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"花名册": rows}, {"花名册": ["A2:A6", "A7:A9"]})
    result = read(tmp_path)
    assert result.problems == []
    roster = result.tables["residents"]
    assert len(roster) == 5 and roster["station"].tolist() == ["一站"] * 3 + ["二站"] * 2
    ran = run_chsc("compute", tmp_path, "-p", "2025", "--by", "station", "--format", "json", "--quiet", "--no-cache")
    signing = {row["group"]["station"]: (row["numerator"], row["denominator"])
               for row in json.loads(ran.stdout)["indicators"] if row["id"] == "family_doctor_signing_rate" and row["group"]}
    assert signing == {"一站": (2, 3), "二站": (1, 2)}


def test_a_persons_problem_in_a_later_block_names_that_blocks_header(tmp_path):
    from helpers import wrong_checksum

    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    rows = [
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [wrong_checksum(A), D(2025, 2, 1), "门诊", 150, 95],
        [], ["下半年"],
        ["随访日期", "身份证号码", "随访方式", "收缩压", "舒张压"],
        [D(2025, 8, 1), wrong_checksum(B), "门诊", 130, 80],
    ]
    write_workbook(tmp_path / "高血压随访2025.xlsx", {"随访": rows})
    checksum = sorted((p.row, p.column) for p in problems(read(tmp_path), "bad-checksum"))
    assert checksum == [(2, "身份证号"), (6, "身份证号码")]


def test_a_repeated_header_is_found_in_a_sheet_whose_columns_all_hold_many_values(tmp_path):
    """Only ID, name and date columns, each with more distinct values than are normalised one by one."""
    people = [(make_id(f"19{40 + i // 300:02d}0101", f"{i % 300:03d}"), f"居民{i}", D(2010, 1, 1) + dt.timedelta(days=i))
              for i in range(1200)]
    header = ["身份证号", "姓名", "纳入管理日期"]
    rows = [header, *map(list, people[:600]), ["小计"], [], ["下半年新纳入"], header, *map(list, people[600:])]
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"名册": rows})
    result = read(tmp_path)
    assert errors(result) == []
    assert [(sheet.header_row, sheet.rows) for sheet in result.sheets] == [(1, 600), (605, 600)]
    assert len(result.tables["hypertension_patients"]) == 1200


# ---- the adversarial review of the first version (7 December, night)

RESIDENTS = ["身份证号", "姓名", "建档日期", "签约", "常住"]


def test_a_data_row_holding_its_columns_own_words_right_above_a_pasted_header_is_kept(tmp_path):
    """签约=签约, 常住=常住 are yes (real-exports.md): that row is data, not the upper row of a header."""
    ids = [make_id(f"1960010{i}", f"{i}11") for i in range(1, 7)]
    rows = [RESIDENTS,
            [ids[0], "甲", D(2020, 1, 1), "是", "是"], [ids[1], "乙", D(2020, 1, 1), "否", "是"],
            [ids[2], "丙", D(2020, 1, 1), "签约", "常住"],
            RESIDENTS,
            [ids[3], "丁", D(2020, 1, 1), "是", "是"], [ids[4], "戊", D(2020, 1, 1), "是", "是"],
            [ids[5], "己", D(2020, 1, 1), "签约", "常住"]]
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"花名册": rows})
    result = read(tmp_path)
    assert len(result.tables["residents"]) == 6 and errors(result) == []
    assert [(sheet.header_row, sheet.rows) for sheet in result.sheets] == [(1, 3), (5, 3)]


def test_rows_whose_other_cells_a_merge_gives_are_data_not_the_next_blocks_title(tmp_path):
    ids = [make_id(f"1960010{i}", f"{i}11") for i in range(1, 7)]
    header = ["身份证号", "建档日期", "所属站点"]
    rows = [["花名册（一）"], header, [ids[0], D(2020, 1, 1), "一站"], [ids[1]], [ids[2]],
            ["花名册（二）"], header, [ids[3], D(2021, 1, 1), "二站"], [ids[4]], [ids[5]]]
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"花名册": rows},
                   {"花名册": ["B3:B5", "C3:C5", "B8:B10", "C8:C10"]})
    result = read(tmp_path)
    roster = result.tables["residents"]
    assert errors(result) == [] and len(roster) == 6
    assert roster["station"].tolist() == ["一站"] * 3 + ["二站"] * 3


def test_a_row_with_only_an_id_above_a_pasted_header_is_still_reported(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    rows = [header, [A, D(2025, 2, 1), "门诊", 130, 80], [B], [], ["下半年"], header, [B, D(2025, 8, 1), "门诊", 130, 80]]
    write_workbook(tmp_path / "高血压随访2025.xlsx", {"随访": rows})
    assert [(p.code, p.row) for p in errors(read(tmp_path))] == [("bad-date", 3)]  # 随访日期 blank, row 3


def test_a_header_written_three_times_mid_sheet_leaves_no_header_row_as_data(tmp_path):
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"Sheet1": ROSTER})
    header = ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]
    rows = [header, [A, D(2025, 2, 1), "门诊", 130, 80], header, header, header, [B, D(2025, 8, 1), "门诊", 130, 80]]
    write_workbook(tmp_path / "高血压随访2025.xlsx", {"随访": rows})
    result = read(tmp_path)
    assert errors(result) == [] and len(result.tables["hypertension_followups"]) == 2


def test_a_completeness_warning_is_said_once_for_a_sheet_of_pasted_blocks(tmp_path):
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"花名册": [RESIDENTS, [A, "甲", D(2020, 1, 1), "是", "是"]]})
    header = ["身份证号", "体检日期"]
    rows = [header, [A, D(2025, 3, 1)], [], ["补录"], header, [A, D(2025, 6, 1)], [], ["再补录"], header, [A, D(2025, 9, 1)]]
    write_workbook(tmp_path / "老年人体检2025.xlsx", {"体检": rows})
    result = read(tmp_path)
    assert len([sheet for sheet in result.sheets if sheet.kind == "elderly_checkups"]) == 3
    assert len(problems(result, "completeness-unchecked")) == 2  # 生活方式评估 and 健康指导, once each
    ran = run_chsc("validate", tmp_path, "--quiet")
    assert "共 2 张登记表" in ran.stdout  # the sheets, not their blocks


# ---- the review of the second version (7 December, night)

def _two_row_checkups(tmp_path, merged: bool) -> None:
    """Two quarterly exports, each with 个人信息 over 姓名/性别/身份证号/出生日期 and the other
    headers over both rows (merged in the .xlsx; in the upper row only when `merged` is False)."""
    rows, merges, at = [], [], 1
    for quarter, (month, first) in enumerate(((3, 0), (5, 8))):
        rows.append([f"2025年第{quarter + 1}季度老年人体检"])
        rows.append(["序号", "个人信息", None, None, None, "所属站点", "体检日期", "收缩压", "舒张压", "生活方式评估", "健康指导"])
        rows.append([None, "姓名", "性别", "身份证号", "出生日期"])
        if merged:
            merges += [f"B{at + 1}:E{at + 1}", *(f"{c}{at + 1}:{c}{at + 2}" for c in "AFGHIJK")]
        at += 3
        for i in range(8):
            birth = D(1940 + first + i, 1 + i, 1 + i)
            rows.append([i + 1, f"人{first + i}", "男", make_id(birth.strftime("%Y%m%d"), f"{100 + first + i:03d}"), birth,
                         "城东站", D(2025, month, 1), 130, 80, "是", "是"])
            at += 1
        rows += [["小计"], []]
        at += 2
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": rows}, {"体检": merges})


@pytest.mark.parametrize("merged", [True, False])
def test_a_pasted_two_row_header_with_the_id_in_its_lower_row_starts_its_block(tmp_path, merged):
    _two_row_checkups(tmp_path, merged)
    result = read(tmp_path)
    assert errors(result) == [] and len(result.tables["elderly_checkups"]) == 16
    assert [(sheet.header_row, sheet.rows) for sheet in result.sheets] == [(3, 8), (16, 8)]


def test_a_title_row_under_a_station_merged_over_the_block_is_the_next_blocks_title(tmp_path):
    header = ["身份证号", "体检日期", "所属站点"]
    people = [make_id(f"1950010{i}", f"{i}11") for i in range(1, 5)]
    rows = [header, [people[0], D(2025, 3, 1), "一站"], [people[1], D(2025, 3, 2)], [],
            ["二季度导出"], header, [people[2], D(2025, 5, 1), "二站"], [people[3], D(2025, 5, 2), "二站"]]
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": rows}, {"体检": ["C2:C5"]})
    result = read(tmp_path)
    assert [p for p in errors(result)] == [] and not problems(result, "missing-id")
    assert result.tables["elderly_checkups"]["station"].tolist() == ["一站", "一站", "二站", "二站"]
