"""What a sentence-by-sentence review of real-exports.md and registers.md found (7 December,
evening): 常住 ignored its own word's negations; a CSV's `="…"` wrapper was dropped only in ID and
code columns; of 建卡日期 and 确诊日期 the leftmost was read as 纳入管理日期; a row from a sheet
without 所属站点 moved its person out of their station; the immunisation system's full vaccine
names were unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chsc_cli.problems import UserError
from chsc_cli.registers.catalogue import load_catalogue
from cli_helpers import run_chsc
from helpers import make_id, problems, read, ts, write_csv, write_workbook

REGISTER_KINDS = Path(__file__).resolve().parents[1] / "register_kinds"
PEOPLE = [make_id("19500101", f"{n:03d}") for n in range(1, 12)]


def test_a_yes_no_column_takes_its_own_word_after_not_for_no(tmp_path):
    # real-exports.md: "the column's own word alone or after 已 for yes … after 未, 不, 无 or 没 for no"
    # — applied to 签约 only: 不常住 was unknown-value and read as 常住
    written = [("不常住", False), ("未常住", False), ("没常住", False), ("无常住", False), ("已常住", True), ("常住", True)]
    rows = [["身份证号", "建档日期", "是否常住"]] + [[PEOPLE[n], "2020-01-01", word] for n, (word, _) in enumerate(written)]
    write_workbook(tmp_path / "居民.xlsx", {"居民": rows})
    result = read(tmp_path)
    got = dict(zip(result.tables["residents"]["id_number"], result.tables["residents"]["resident"]))
    assert [bool(got[PEOPLE[n]]) for n in range(len(written))] == [want for _, want in written]
    assert not problems(result, "unknown-value")


def test_a_csv_keeps_a_wrapped_phone_number_or_date_as_its_text(tmp_path):
    # an export wraps a phone number (and sometimes a date) as it wraps an ID: ="13800000000"
    write_csv(tmp_path / "居民.csv", [
        ["身份证号", "建档日期", "联系电话"],
        [f'="{PEOPLE[0]}"', '="2020-06-01"', '="13800000000"'],
        [PEOPLE[1], "2020-06-02", '="a""b"&"c"'],  # not one text literal: as written
        [PEOPLE[2], "2020-06-03", '="a""b"'],  # a doubled quote inside is one quote
    ])
    result = read(tmp_path)
    table = result.tables["residents"]
    assert list(table["phone"]) == ["13800000000", '="a""b"&"c"', 'a"b']
    assert list(table["record_date"]) == [ts("2020-06-01"), ts("2020-06-02"), ts("2020-06-03")]
    assert not problems(result, "bad-date")


def test_a_diagnosis_date_is_the_enrolment_date_only_without_one(tmp_path):
    # 确诊日期 (2015) left of 建卡日期 (2025-07-10): the diagnosis date was read as the enrolment date
    rows = [["身份证号", "确诊日期", "建卡日期"], [PEOPLE[0], "2015-03-01", "2025-07-10"]]
    write_workbook(tmp_path / "高血压.xlsx", {"高血压患者": rows})
    result = read(tmp_path)
    assert list(result.tables["hypertension_patients"]["enrolment_date"]) == [ts("2025-07-10")]
    write_workbook(tmp_path / "高血压.xlsx", {"高血压患者": [["身份证号", "确诊日期"], [PEOPLE[0], "2015-03-01"]]})
    assert list(read(tmp_path).tables["hypertension_patients"]["enrolment_date"]) == [ts("2015-03-01")]


def test_a_row_that_names_no_station_does_not_move_its_person_out_of_it(tmp_path):
    # the telephone follow-ups, exported without 所属站点, are the latest rows: their person was 未填
    write_workbook(tmp_path / "高血压随访A.xlsx", {"a": [
        ["身份证号", "随访日期", "随访方式", "血压", "管理机构"],
        [PEOPLE[0], "2025-05-01", "门诊", "120/80", "二站"],
        [PEOPLE[0], "2025-06-01", "门诊", "120/80", "一站"],
        [PEOPLE[1], "2025-05-01", "门诊", "120/80", "二站"],
        [PEOPLE[2], "2025-05-01", "门诊", "120/80", "二站"],
        [PEOPLE[2], "2025-07-01", "门诊", "120/80", None],  # a blank cell says no more
    ]})
    write_workbook(tmp_path / "高血压随访B.xlsx", {"b": [
        ["身份证号", "随访日期", "随访方式", "血压"], [PEOPLE[1], "2025-06-20", "电话", "120/80"], [PEOPLE[3], "2025-06-20", "电话", "120/80"]]})
    ran = run_chsc("compute", tmp_path, "-p", "2025", "--by", "station", "--format", "json", "--quiet")
    assert ran.code == 0, ran.output
    rows = [row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "hypertension_bp_control_rate"]
    by_station = {(row["group"] or {}).get("station"): row["denominator"] for row in rows if row["group"]}
    # 一站: the first (latest row 一站); 二站: the second (its latest row's file has no station column);
    # 未填: the third (a blank cell is the row's own, services.md) and the fourth (no file names one)
    assert by_station == {"一站": 1, "二站": 1, "未填": 2}


def test_the_immunisation_systems_full_vaccine_names_are_known(tmp_path):
    child = make_id("20240101", "001")
    rows = [["儿童编码", "接种日期", "疫苗名称"]] + [[child, f"2024-0{n}-15", name] for n, name in enumerate(
        ["A群脑膜炎球菌多糖疫苗", "A群C群脑膜炎球菌多糖疫苗", "A群C群脑膜炎球菌多糖结合疫苗", "ACYW135群脑膜炎球菌多糖疫苗"], start=3)]
    write_workbook(tmp_path / "接种.xlsx", {"接种记录": rows})
    result = read(tmp_path)
    assert not problems(result, "unknown-vaccine")
    assert [tuple(codes) for codes in result.tables["vaccinations"]["series"]] == [("MenA",), ("MenAC",), ("MenAC",), ()]


def test_a_closed_or_non_resident_record_does_not_place_a_resident(tmp_path):
    # an independent calculation: a resident of 三站 since 2015 with a later duplicate record in 一站,
    # closed (迁出) or 流动 — their checkup counted in 一站's rate while 建档率 put them in 三站
    person = make_id("19410605", "441", "330102")
    for case, later in {"closed": ["一站", "2025-03-05", "迁出", "是"], "mobile": ["一站", "2025-03-05", "正常", "流动"],
                        "same_day_closed_first": ["一站", "2015-05-01", "迁出", "是"]}.items():
        folder = tmp_path / case
        roster = [["身份证号", "所属站点", "建档日期", "档案状态", "常住"], [person, "三站", "2015-05-01", "正常", "是"], [person, *later]]
        if case == "same_day_closed_first":
            roster[1:] = roster[:0:-1]
        write_workbook(folder / "居民健康档案花名册.xlsx", {"居民": roster})
        write_workbook(folder / "老年人健康体检记录.xlsx", {"体检": [
            ["身份证号", "体检日期", "所属站点", "生活方式评估", "健康指导", "中医体质辨识"], [person, "2025-10-10", "二站", "是", "是", "是"]]})
        (folder / "chsc.yaml").write_text("population:\n  total: 100\n  age_65_plus: 50\nstations:\n"
                                          + "".join(f"  {s}: {{total: 50, age_65_plus: 20}}\n" for s in ("一站", "二站", "三站")), encoding="utf-8")
        ran = run_chsc("compute", folder, "-p", "2025", "--by", "station", "--format", "json", "--quiet")
        assert ran.code == 0, ran.output
        counted = [row["group"]["station"] for row in json.loads(ran.stdout)["indicators"]
                   if row["id"] == "elderly_health_management_rate" and row["group"] and row["numerator"]]
        assert counted == ["三站"], case


def test_contact_prefer_names_only_choice_columns_and_their_values(tmp_path):
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    (kinds / "residents.yaml").write_text(
        (REGISTER_KINDS / "residents.yaml").read_text(encoding="utf-8").replace("  resident: [是]", "  resident: [也许]\n  name: [张三]"),
        encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_catalogue((kinds,))
    said = str(raised.value) + (raised.value.hint or "")
    assert "「也许」不是 常住 的可选值" in said and "contact_prefer 的键应为" in said


def test_of_two_aliases_of_a_column_the_leftmost_is_still_read(tmp_path):
    # a review of the first fix (aliases ranked by their place in the kind file): 报告日期 (a date)
    # was read before 报告卡录入时间 (the network report time), and a late card became timely
    rows = [["卡片编号", "疾病名称", "诊断时间", "报告卡录入时间", "报告日期"],
            ["C1", "猩红热", "2025-03-01 10:00:00", "2025-03-04 10:00:00", "2025-03-01"]]
    write_workbook(tmp_path / "传染病报告卡.xlsx", {"传染病报告卡": rows})
    assert list(read(tmp_path).tables["infectious_disease_reports"]["report_time"]) == [ts("2025-03-04 10:00:00")]
    rows = [["身份证号", "纳入日期", "确诊日期"], [PEOPLE[0], "2025-07-10", "2015-03-01"]]
    write_workbook(tmp_path / "x" / "严重精神障碍患者.xlsx", {"严重精神障碍患者管理": rows})
    assert list(read(tmp_path / "x").tables["smi_patients"]["enrolment_date"]) == [ts("2025-07-10")]


def test_a_blank_station_cell_is_the_rows_own_and_a_roster_row_is_not_filled_from_an_older_one(tmp_path):
    # a review of the first fix: a card's latest row with a blank 所属站点 took an older row's station
    # (services.md: blank is 未填); a roster patient's blank latest row took an older roster row's
    # station before the residents roster's (registers.md)
    write_workbook(tmp_path / "卡.xlsx", {"传染病报告卡": [
        ["卡片编号", "疾病名称", "诊断时间", "报告卡录入时间", "所属站点"],
        ["C1", "梅毒", "2025-03-01 10:00:00", "2025-03-01 12:00:00", "甲站"],
        ["C1", "梅毒", "2025-03-05 10:00:00", "2025-03-05 12:00:00", None]]})
    ran = run_chsc("compute", tmp_path, "-p", "2025", "--by", "station", "--format", "json", "--quiet")
    assert ran.code == 0, ran.output
    rows = [row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "infectious_disease_report_rate" and row["group"]]
    assert {row["group"]["station"]: row["denominator"] for row in rows} == {"未填": 1}


def test_a_cards_station_is_the_same_in_every_period_whichever_row_qualifies(tmp_path):
    # a second review: C1 found in June at 甲站, corrected in July in an export without 所属站点 —
    # 甲站 for the year and for July, but 未填 for June (the fill looked at the June row's columns)
    write_workbook(tmp_path / "传染病报告卡A.xlsx", {"传染病报告卡": [
        ["卡片编号", "疾病名称", "诊断时间", "报告卡录入时间", "所属站点"],
        ["C1", "梅毒", "2025-06-10 10:00:00", "2025-06-10 12:00:00", "甲站"],
        ["C2", "梅毒", "2025-06-11 10:00:00", "2025-06-11 12:00:00", "甲站"]]})
    write_workbook(tmp_path / "传染病报告卡B.xlsx", {"传染病报告卡": [
        ["卡片编号", "疾病名称", "诊断时间", "报告卡录入时间"], ["C1", "梅毒", "2025-07-02 10:00:00", "2025-07-02 12:00:00"]]})
    for period, cards in (("2025", 2), ("2025-06", 2), ("2025-07", 1)):
        ran = run_chsc("compute", tmp_path, "-p", period, "--by", "station", "--format", "json", "--quiet")
        assert ran.code == 0, ran.output
        rows = [row for row in json.loads(ran.stdout)["indicators"]
                if row["id"] == "infectious_disease_report_rate" and row["group"] and row["denominator"]]
        assert {row["group"]["station"]: row["denominator"] for row in rows} == {"甲站": cards}, period


def test_a_roster_patient_takes_the_residents_station_and_the_latest_phone(tmp_path):
    # a second review: a hypertension roster's older row (甲站) beat the residents roster (乙站) when
    # the latest roster row came from a file without 所属站点 (registers.md: the roster's row, else the
    # residents roster); and the phone to ring is the latest residents row's, in档 or not
    person = make_id("19500101", "021", "110105")
    write_workbook(tmp_path / "高血压患者管理名册2020.xlsx", {"高血压患者": [
        ["身份证号", "纳入管理日期", "所属站点"], [person, "2020-01-01", "甲站"]]})
    write_workbook(tmp_path / "高血压患者管理名册2024.xlsx", {"高血压患者": [["身份证号", "纳入管理日期"], [person, "2024-01-01"]]})
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"居民": [
        ["身份证号", "建档日期", "所属站点", "档案状态", "联系电话"],
        [person, "2015-01-01", "乙站", "正常", "13800000001"], [person, "2025-02-01", "丙站", "注销", "13900000002"]]})
    write_workbook(tmp_path / "高血压随访.xlsx", {"高血压随访": [
        ["身份证号", "随访日期", "随访方式", "血压"], [person, "2025-05-01", "门诊", "120/80"]]})
    ran = run_chsc("gaps", "hypertension_standard_management_rate", tmp_path, "-p", "2025", "--format", "csv", "--quiet")
    assert ran.code == 0, ran.output
    [row] = [line.split(",") for line in ran.stdout.splitlines()[1:] if line]
    assert row[0] == "乙站" and "13900000002" in row
