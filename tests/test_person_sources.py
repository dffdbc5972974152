"""Where a person's station, team, phone and birth date come from when registers disagree or one
of them is blank (registers.md), and a unit judged on all of its rows (services.md: "it meets a
numerator condition when one of its rows meets that condition on its own values")."""

from __future__ import annotations

import datetime as dt
import json

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

PERIOD = ("--period", "2025", "--no-cache")
ON_ROSTER, NO_PHONE, EVENT_ONLY = make_id("19500101", "011"), make_id("19510101", "041"), make_id("19520202", "021")
#: 18 characters with a right check character whose date digits are no date (1950-13-32)
NO_DATE_IN_ID = make_id("19501332", "031")
CHECKUP = ["身份证号", "体检日期", "所属站点", "家庭医生团队", "联系电话", "生活方式评估", "健康指导"]


def _figures(folder, *extra) -> dict:
    ran = run_chsc("compute", folder, *PERIOD, "--format", "json", "--quiet", *extra)
    assert ran.code in (0, 1), ran.output
    return {(row["id"], json.dumps(row.get("group"), ensure_ascii=False)): (row["numerator"], row["denominator"])
            for row in json.loads(ran.stdout)["indicators"]}


def _checkup_centre(folder, settings: str):
    (folder / "chsc.yaml").write_text(settings, encoding="utf-8")
    write_workbook(folder / "居民健康档案.xlsx", {"档案": [
        ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "联系电话"],
        [ON_ROSTER, "甲", dt.date(2020, 1, 1), "A站", "一队", "13800000001"],
        [NO_PHONE, "乙", dt.date(2020, 1, 1), "A站", "一队", None],  # no checkup: listed, no phone anywhere
    ]})
    write_workbook(folder / "老年人体检.xlsx", {"体检": [
        CHECKUP,
        [ON_ROSTER, dt.date(2025, 3, 1), "B站", "二队", "", "是", "是"],  # the checkup row says another station
        [EVENT_ONLY, dt.date(2025, 4, 1), "B站", "", "", "是", "否"],  # not on the roster
        [EVENT_ONLY, dt.date(2025, 5, 1), "C站", "三队", "", "是", "是"],  # ... its latest row, complete
    ]})
    return folder


CONFIG_DENOMINATOR = "population:\n  age_65_plus: 10\nstations:\n  A站: {age_65_plus: 4}\n  B站: {age_65_plus: 3}\n  C站: {age_65_plus: 3}\n"


def test_persons_counted_from_an_event_register_take_the_residents_rosters_station_first(tmp_path):
    """A chsc.yaml denominator: the numerator's persons come from the checkups. registers.md: "from
    the roster that defines the indicator's denominator, else from the residents roster, else from
    their latest event row" — the checkup row's own B站 does not move a resident of A站."""
    folder = _checkup_centre(tmp_path, CONFIG_DENOMINATOR)
    by_station = _figures(folder, "--by", "station")
    rate = "elderly_health_management_rate"
    assert by_station[(rate, '{"station": "A站"}')] == (1, 4)
    assert by_station[(rate, '{"station": "B站"}')] == (0, 3)
    assert by_station[(rate, '{"station": "C站"}')] == (1, 3)  # found only in the checkups: their latest row


def test_a_gap_list_shows_the_residents_station_and_a_blank_for_a_phone_found_nowhere(tmp_path):
    folder = _checkup_centre(tmp_path, CONFIG_DENOMINATOR)
    ran = run_chsc("gaps", "elderly_health_management_rate", folder, *PERIOD, "--format", "csv")
    assert ran.code in (0, 1), ran.output
    rows = [line.split(",") for line in ran.stdout.splitlines()[1:]]
    assert [(row[0], row[1], row[2], row[5]) for row in rows] == [("A站", "一队", "乙", "")], ran.stdout
    # a patient of the hypertension roster (which has no 联系电话) missing from the residents roster
    write_workbook(folder / "高血压患者管理名册.xlsx", {"名册": [
        ["身份证号", "姓名", "纳入管理日期"], [NO_DATE_IN_ID, "丙", dt.date(2024, 1, 1)]]})
    write_workbook(folder / "高血压随访记录.xlsx", {"随访": [
        ["身份证号", "随访日期", "随访方式", "血压"], [NO_DATE_IN_ID, dt.date(2025, 3, 1), "门诊", "120/80"]]})
    table = run_chsc("gaps", "hypertension_standard_management_rate", folder, *PERIOD)
    assert table.code in (0, 1) and "丙" in table.stdout and "nan" not in table.stdout.lower(), table.stdout


def test_persons_of_a_roster_keep_their_rosters_station(tmp_path):
    """The residents roster defines the denominator (no chsc.yaml figure): its station stands."""
    folder = _checkup_centre(tmp_path, "")
    by_station = _figures(folder, "--by", "station")
    assert by_station[("elderly_health_management_rate", '{"station": "A站"}')] == (1, 2)
    assert ("elderly_health_management_rate", '{"station": "B站"}') not in by_station


def test_a_birth_date_missing_from_one_register_is_taken_from_another(tmp_path):
    """An ID whose date digits are no date: the birth date is the roster row's 出生日期, else the
    event row's (registers.md), so the person is aged and counted, with no `no-birth-date`."""
    roster_has_it = tmp_path / "roster"
    write_workbook(roster_has_it / "居民健康档案.xlsx", {"档案": [
        ["身份证号", "建档日期", "出生日期"], [NO_DATE_IN_ID, dt.date(2020, 1, 1), dt.date(1950, 1, 1)]]})
    write_workbook(roster_has_it / "老年人体检.xlsx", {"体检": [
        ["身份证号", "体检日期", "生活方式评估", "健康指导"], [NO_DATE_IN_ID, dt.date(2025, 3, 1), "是", "是"]]})
    (roster_has_it / "chsc.yaml").write_text("population:\n  age_65_plus: 10\n", encoding="utf-8")
    event_has_it = tmp_path / "event"
    write_workbook(event_has_it / "居民健康档案.xlsx", {"档案": [["身份证号", "建档日期"], [NO_DATE_IN_ID, dt.date(2020, 1, 1)]]})
    write_workbook(event_has_it / "老年人体检.xlsx", {"体检": [
        ["身份证号", "体检日期", "出生日期", "生活方式评估", "健康指导"], [NO_DATE_IN_ID, dt.date(2025, 3, 1), dt.date(1950, 1, 1), "是", "是"]]})
    rate = ("elderly_health_management_rate", "null")
    assert _figures(roster_has_it)[rate] == (1, 10)
    assert _figures(event_has_it)[rate] == (1, 1)
    for folder in (roster_has_it, event_has_it):
        checked = run_chsc("validate", folder, "--no-cache", "--format", "json")
        assert "no-birth-date" not in checked.stdout, checked.stdout
    # registers.md's order: the roster row's 出生日期 before the event row's own (born 1990 says the checkup)
    both_have_it = tmp_path / "both"
    write_workbook(both_have_it / "居民健康档案.xlsx", {"档案": [
        ["身份证号", "建档日期", "出生日期"], [NO_DATE_IN_ID, dt.date(2020, 1, 1), dt.date(1950, 1, 1)]]})
    write_workbook(both_have_it / "老年人体检.xlsx", {"体检": [
        ["身份证号", "体检日期", "出生日期", "生活方式评估", "健康指导"], [NO_DATE_IN_ID, dt.date(2025, 3, 1), dt.date(1990, 1, 1), "是", "是"]]})
    (both_have_it / "chsc.yaml").write_text("population:\n  age_65_plus: 10\n", encoding="utf-8")
    assert _figures(both_have_it)[rate] == (1, 10)
    nowhere = tmp_path / "nowhere"
    write_workbook(nowhere / "居民健康档案.xlsx", {"档案": [["身份证号", "建档日期"], [NO_DATE_IN_ID, dt.date(2020, 1, 1)]]})
    checked = run_chsc("validate", nowhere, "--no-cache", "--format", "json")
    assert "no-birth-date" in checked.stdout, checked.stdout


def test_a_card_is_reported_when_any_of_its_rows_is_even_one_diagnosed_before_the_period(tmp_path):
    """A correction row (订正卡) moved the diagnosis into 2025 and carries no report time; the
    original row, diagnosed 2024-12-31 23:00, was reported 9 hours later: reported, and in time."""
    write_workbook(tmp_path / "传染病报告卡登记.xlsx", {"报告卡": [
        ["卡片编号", "卡片状态", "疾病名称", "传染病类别", "诊断时间", "报告时间"],
        ["M01", "原始卡", "流感", "丙类", dt.datetime(2024, 12, 31, 23), dt.datetime(2025, 1, 1, 8)],
        ["M01", "订正卡", "流感", "丙类", dt.datetime(2025, 1, 1, 1), None],
        ["M02", "原始卡", "流感", "丙类", dt.datetime(2025, 2, 1, 8), None],  # never reported
    ]})
    figures = _figures(tmp_path)
    assert figures[("infectious_disease_report_rate", "null")] == (1, 2)
    assert figures[("infectious_disease_timely_report_rate", "null")] == (1, 1)


def test_a_tb_patient_on_two_roster_rows_meets_a_condition_on_either(tmp_path):
    patient = make_id("19800101", "013")
    header = ["身份证号", "姓名", "通知日期", "首次入户随访日期", "停止治疗日期", "停止治疗原因", "应服药次数", "实际服药次数"]
    write_workbook(tmp_path / "肺结核患者管理名册.xlsx", {"名册": [
        header,
        [patient, "甲", dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 9, 1), "完成疗程", 100, 100],
        [patient, "甲", dt.date(2025, 3, 1), None, dt.date(2025, 11, 1), "完成疗程", 100, 50],
    ]})
    figures = _figures(tmp_path)
    assert figures[("tb_management_rate", "null")] == (1, 1)  # visited on the 2024 row's own dates
    assert figures[("tb_regular_medication_rate", "null")] == (1, 1)  # 100 of 100 on the 2024 row


def test_a_vaccination_call_list_gives_the_guardians_phone_from_the_childrens_roster(tmp_path):
    """cli.md: gaps lists "station, team and phone … so staff can call them"; a child is on no
    residents roster, so the children's roster's 联系电话 (监护人电话 …) is the one to call."""
    write_workbook(tmp_path / "预防接种" / "儿童花名册.xlsx", {"花名册": [
        ["儿童编码", "姓名", "出生日期", "所属站点", "建证日期", "监护人电话"],
        ["3301020250301001", "小明", dt.date(2025, 3, 1), "A站", None, "13900000001"],
        ["3301020250401001", "小红", dt.date(2025, 4, 1), "A站", dt.date(2025, 5, 1), "13900000002"],
    ]})
    write_workbook(tmp_path / "预防接种" / "接种记录.xlsx", {"接种记录": [
        ["儿童编码", "疫苗名称", "接种日期", "剂次", "家长电话"],
        ["3301020250401001", "乙肝疫苗", dt.date(2025, 4, 1), "1", "13900000002"],
    ]})
    checked = run_chsc("validate", tmp_path, "--no-cache", "--format", "json")
    assert sorted(r["kind"] for r in json.loads(checked.stdout)["registers"]) == ["children", "vaccinations"], checked.stdout
    ran = run_chsc("gaps", "vaccination_card_rate", tmp_path, *PERIOD, "--format", "csv")
    rows = [line.split(",") for line in ran.stdout.splitlines()[1:]]
    assert [(row[2], row[5]) for row in rows] == [("小明", "13900000001")], ran.output


def test_a_late_newborn_visit_is_told_by_the_first_visit_not_the_latest(tmp_path):
    """services.md: gaps lists the persons not counted "with the reason" — a child first visited on
    day 34 and checked again at 6 months was late by 34 days, not by 173."""
    write_workbook(tmp_path / "0-6岁儿童健康管理花名册.xlsx", {"花名册": [
        ["儿童保健编号", "姓名", "出生日期", "在册状态"], ["330102250151", "何子轩", dt.date(2025, 7, 6), "在册"]]})
    write_workbook(tmp_path / "新生儿访视及儿童健康检查记录.xlsx", {"访视": [
        ["儿童保健编号", "随访日期", "随访类型"],
        ["330102250151", dt.date(2025, 8, 9), "新生儿访视"],
        ["330102250151", dt.date(2025, 10, 10), "3月龄"],
        ["330102250151", dt.date(2025, 12, 26), "6月龄"],
    ]})
    ran = run_chsc("gaps", "newborn_visit_rate", tmp_path, *PERIOD, "--format", "csv")
    assert ran.code in (0, 1) and "出生后34天才访视（2025-08-09）" in ran.stdout, ran.output


def test_a_delivery_list_gives_the_mothers_phone_and_team_from_the_residents_roster(tmp_path):
    """A delivery is a unit of two fields (ID number, 分娩日期): its mother was looked up in the
    residents roster by the delivery's key, found nowhere, and listed with no phone and team 未填
    (a review doing the year-end job by the README found it); the roster's fill the blanks — all but
    the station, which is the delivery row's own (services.md), as a second review found."""
    folder = tmp_path / "data"
    mothers = [make_id("19960101", "022"), make_id("19970101", "024")]
    write_workbook(folder / "居民健康档案.xlsx", {"档案": [
        ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "联系电话"],
        [mothers[0], "甲", dt.date(2020, 1, 1), "东湖站", "东湖1组", "13805710033"],
        [mothers[1], "乙", dt.date(2020, 1, 1), "西湖站", "西湖1组", "13805710034"]]})
    write_workbook(folder / "孕产妇健康管理登记.xlsx", {"孕产妇": [
        ["身份证号", "姓名", "建册日期", "分娩日期", "出院日期", "产后访视日期"],
        [mothers[0], "甲", dt.date(2025, 3, 1), dt.date(2025, 9, 1), dt.date(2025, 9, 3), None],
        [mothers[1], "乙", dt.date(2025, 2, 1), dt.date(2025, 8, 1), dt.date(2025, 8, 3), None]]})
    ran = run_chsc("gaps", "postpartum_visit_rate", folder, *PERIOD, "--format", "csv")
    assert ran.code in (0, 1), ran.output
    rows = sorted(tuple(line.split(",")[i] for i in (0, 1, 2, 5)) for line in ran.stdout.splitlines()[1:])
    # services.md: a delivery is at its own row's 所属站点, blank 未填 (the roster's is the mother's, not the delivery's)
    assert rows == [("未填", "东湖1组", "甲", "13805710033"), ("未填", "西湖1组", "乙", "13805710034")], ran.stdout


def test_a_delivery_keeps_its_own_rows_station_over_the_residents_roster(tmp_path):
    folder = tmp_path / "data"
    mother = make_id("19960101", "022")
    write_workbook(folder / "居民健康档案.xlsx", {"档案": [
        ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "联系电话"], [mother, "甲", dt.date(2020, 1, 1), "东湖站", "东湖1组", "13805710033"]]})
    write_workbook(folder / "孕产妇健康管理登记.xlsx", {"孕产妇": [
        ["身份证号", "姓名", "建册日期", "分娩日期", "出院日期", "产后访视日期", "所属站点", "联系电话"],
        [mother, "甲", dt.date(2025, 3, 1), dt.date(2025, 9, 1), dt.date(2025, 9, 3), None, "西湖站", "13900000001"]]})
    ran = run_chsc("gaps", "postpartum_visit_rate", folder, *PERIOD, "--format", "csv")
    [row] = [line.split(",") for line in ran.stdout.splitlines()[1:]]
    assert (row[0], row[1], row[5]) == ("西湖站", "东湖1组", "13900000001"), ran.stdout
