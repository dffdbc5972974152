"""Each register kind of registers.md, read from a small workbook with its canonical headers and
with its aliases: the kind found, the rows kept, the parsed values and the column types."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers import TODAY, errors, make_id, read, ts, write_csv, write_xlsx

ID1 = make_id("19500101", "001")  # 男 (17th digit 1)
ID2 = make_id("19600202", "002")  # 女
ID3 = make_id("19700303", "003")  # 男


def assert_dates(series: pd.Series, expected: list[str | None]) -> None:
    assert pd.api.types.is_datetime64_dtype(series.dtype), series.dtype
    assert [None if pd.isna(v) else v for v in series] == [None if e is None else ts(e) for e in expected]


def assert_yes_no(series: pd.Series, expected: list[bool | None]) -> None:
    assert series.dtype == "boolean", series.dtype
    assert [None if pd.isna(v) else bool(v) for v in series] == expected


def assert_numbers(series: pd.Series, expected: list[float | None]) -> None:
    assert pd.api.types.is_float_dtype(series.dtype), series.dtype
    assert [None if pd.isna(v) else float(v) for v in series] == expected


def values(series: pd.Series) -> list:
    return [None if v is None or (not isinstance(v, tuple) and pd.isna(v)) else v for v in series]


def read_one(tmp_path, file_name: str, headers: list[str], rows: list[list[object]], kind: str) -> pd.DataFrame:
    write_xlsx(tmp_path / file_name, [headers, *rows], sheet="名册")
    result = read(tmp_path)
    assert errors(result) == []
    assert [s.kind for s in result.sheets] == [kind]
    sheet = result.sheets[0]
    assert (sheet.file, sheet.sheet, sheet.header_row, sheet.rows) == (file_name, "名册", 1, len(rows))
    assert set(result.tables) == {kind}
    table = result.tables[kind]
    assert list(table["_row"]) == list(range(2, 2 + len(rows)))
    assert set(table["_file"]) == {file_name} and set(table["_sheet"]) == {"名册"}
    return table


# --------------------------------------------------------------------------------------- residents

RESIDENT_HEADERS = [
    ["身份证号", "姓名", "性别", "出生日期", "建档日期", "所属站点", "家庭医生团队", "常住", "档案状态", "注销日期", "签约", "签约日期", "联系电话"],
    ["身份证号码", "居民姓名", "性别", "出生年月日", "建档时间", "服务站", "签约团队", "是否常住", "状态", "状态变更日期", "是否签约", "签约日期", "电话"],
    ["证件号码", "姓名", "性别", "生日", "建档日期", "社区卫生服务站", "团队", "常住类型", "档案状态", "死亡日期", "签约标志", "签约日期", "手机号码"],
    ["公民身份号码", "姓名", "性别", "出生日期", "建档日期", "管理机构", "责任医生", "常住", "档案状态", "迁出日期", "家庭医生签约", "签约日期", "手机号"],
    ["身份证", "姓名", "性别", "出生日期", "建档日期", "所属机构", "家庭医生团队", "常住", "档案状态", "注销日期", "签约", "签约日期", "联系电话"],
    ["身份证号", "姓名", "性别", "出生日期", "建档日期", "建档单位", "家庭医生团队", "常住", "档案状态", "注销日期", "签约", "签约日期", "联系电话"],
]


@pytest.mark.parametrize("headers", RESIDENT_HEADERS, ids=lambda h: h[0] + h[5])
def test_residents(tmp_path, headers):
    rows = [
        [ID1, "张三", "男", dt.date(1950, 1, 1), dt.date(2020, 5, 6), "一站", "张团队", "是", "正常", None, "是", dt.date(2024, 3, 1), 13800000000],
        [ID2, "李四", "女", dt.date(1960, 2, 2), "2019-04-01", "二站", "李团队", "流动", "死亡", "2025-06-30", "否", None, None],
        [ID3, "王五", None, None, "2018/1/2", None, None, None, None, None, None, None, "13900000000"],
    ]
    table = read_one(tmp_path, "居民健康档案.xlsx", headers, rows, "residents")
    assert list(table["id_number"]) == [ID1, ID2, ID3]
    assert list(table["name"]) == ["张三", "李四", "王五"]
    assert list(table["sex"]) == ["男", "女", "男"]  # the blank 性别 comes from the ID
    assert_dates(table["birth_date"], ["1950-01-01", "1960-02-02", None])
    assert_dates(table["birth"], ["1950-01-01", "1960-02-02", "1970-03-03"])
    assert_dates(table["record_date"], ["2020-05-06", "2019-04-01", "2018-01-02"])
    assert values(table["station"]) == ["一站", "二站", None]
    assert values(table["team"]) == ["张团队", "李团队", None]
    assert_yes_no(table["resident"], [True, False, True])  # 流动 = no; blank = yes
    assert list(table["record_status"]) == ["active", "closed", "active"]
    assert_dates(table["closed_date"], [None, "2025-06-30", None])
    assert_yes_no(table["signed"], [True, False, False])  # blank is "no"
    assert_dates(table["signing_date"], ["2024-03-01", None, None])
    assert values(table["phone"]) == ["13800000000", None, "13900000000"]


def test_residents_minimal_columns(tmp_path):
    """Only the required columns: optional yes/no is NA (absent); 常住 (absent = yes) and 档案状态 keep
    their defaults."""
    table = read_one(tmp_path, "档案.xlsx", ["身份证号", "建档日期"], [[ID1, "2020-01-01"]], "residents")
    assert_yes_no(table["signed"], [None])
    assert_yes_no(table["resident"], [True])
    assert list(table["record_status"]) == ["active"]
    assert_dates(table["closed_date"], [None])
    assert_dates(table["birth"], ["1950-01-01"])
    assert list(table["sex"]) == ["男"]


# --------------------------------------------------------------------------------------- checkups

CHECKUP_HEADERS = [
    ["身份证号", "体检日期", "姓名", "性别", "出生日期", "所属站点", "收缩压", "舒张压", "空腹血糖", "生活方式评估", "健康指导", "中医体质辨识", "自理能力评分"],
    ["公民身份号码", "年检日期", "居民姓名", "性别", "出生年月日", "服务站", "高压", "低压", "空腹血糖", "生活方式", "健康评价及指导", "中医药健康管理", "生活自理能力评分"],
    ["身份证号码", "检查日期", "姓名", "性别", "生日", "管理机构", "收缩压", "舒张压", "空腹血糖", "健康状况评估", "指导", "体质辨识", "自理能力评分"],
]


@pytest.mark.parametrize("headers", CHECKUP_HEADERS, ids=lambda h: h[1])
def test_elderly_checkups(tmp_path, headers):
    rows = [
        [ID1, dt.date(2025, 3, 12), "张三", "男", dt.date(1950, 1, 1), "一站", 135, 85, 6.1, "是", "是", "否", 3],
        [ID2, "2025-04-01", "李四", "女", None, "二站", "150", "95", "7.2", "否", None, "是", None],
    ]
    table = read_one(tmp_path, "2025年老年人体检.xlsx", headers, rows, "elderly_checkups")
    assert list(table["id_number"]) == [ID1, ID2]
    assert_dates(table["checkup_date"], ["2025-03-12", "2025-04-01"])
    assert_dates(table["birth"], ["1950-01-01", "1960-02-02"])
    assert_numbers(table["systolic"], [135.0, 150.0])
    assert_numbers(table["diastolic"], [85.0, 95.0])
    assert_numbers(table["fasting_glucose"], [6.1, 7.2])
    assert_yes_no(table["lifestyle_assessment"], [True, False])
    assert_yes_no(table["health_guidance"], [True, False])
    assert_yes_no(table["tcm_constitution"], [False, True])
    assert_numbers(table["self_care_score"], [3.0, None])
    assert list(table["sex"]) == ["男", "女"]
    assert values(table["station"]) == ["一站", "二站"]


def test_checkup_yes_no_absent_is_na_and_blank_is_no(tmp_path):
    write_xlsx(tmp_path / "a体检.xlsx", [["身份证号", "体检日期"], [ID1, "2025-03-12"]])
    write_xlsx(tmp_path / "b体检.xlsx", [["身份证号", "体检日期", "生活方式评估", "健康指导"], [ID2, "2025-03-12", None, None]])
    result = read(tmp_path)
    table = result.tables["elderly_checkups"].sort_values("_file").reset_index(drop=True)
    assert_yes_no(table["lifestyle_assessment"], [None, False])
    assert_yes_no(table["health_guidance"], [None, False])
    assert_yes_no(table["tcm_constitution"], [None, None])
    assert_numbers(table["systolic"], [None, None])
    assert result.columns_of("elderly_checkups") >= {"lifestyle_assessment", "health_guidance"}


# --------------------------------------------------------------------------------------- patients

PATIENT_HEADERS = [
    ["身份证号", "纳入管理日期", "管理状态", "状态变更日期", "姓名", "性别", "出生日期", "所属站点", "家庭医生团队"],
    ["证件号码", "建卡日期", "转归", "终止管理日期", "居民姓名", "性别", "出生年月日", "社区卫生服务站", "责任医生"],
    ["身份证号码", "管理日期", "状态", "死亡日期", "姓名", "性别", "生日", "服务站", "签约团队"],
    ["身份证号", "确诊日期", "管理状态", "状态变更日期", "姓名", "性别", "出生日期", "所属站点", "团队"],
]


@pytest.mark.parametrize("kind,file_name", [("hypertension_patients", "高血压患者管理名册.xlsx"), ("diabetes_patients", "2型糖尿病患者管理名册.xlsx")])
@pytest.mark.parametrize("headers", PATIENT_HEADERS, ids=lambda h: h[1])
def test_patients(tmp_path, headers, kind, file_name):
    rows = [
        [ID1, dt.date(2021, 6, 1), "在管", None, "张三", "男", None, "一站", "一队"],
        [ID2, "2022-07-08", "死亡", "2025-02-03", "李四", "女", None, "二站", "二队"],
        [ID3, "2023.1.5", "继续随访", None, "王五", None, None, "一站", None],
        [make_id("19450615", "004"), "2020-01-01", None, None, "赵六", None, None, None, None],
        [make_id("19551111", "005"), "2020-01-01", "失访", "2024-12-31", "钱七", None, None, None, None],
    ]
    table = read_one(tmp_path, file_name, headers, rows, kind)
    assert_dates(table["enrolment_date"], ["2021-06-01", "2022-07-08", "2023-01-05", "2020-01-01", "2020-01-01"])
    assert list(table["management_status"]) == ["active", "ended", "active", "active", "ended"]
    assert_dates(table["status_change_date"], [None, "2025-02-03", None, None, "2024-12-31"])
    assert values(table["team"]) == ["一队", "二队", None, None, None]
    assert_dates(table["birth"], ["1950-01-01", "1960-02-02", "1970-03-03", "1945-06-15", "1955-11-11"])


# --------------------------------------------------------------------------------------- follow-ups

HYPERTENSION_FOLLOWUP_HEADERS = [
    ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压", "此次随访分类", "姓名", "出生日期", "所属站点", "随访医生"],
    ["身份证号码", "随访时间", "随访方式", "高压", "低压", "随访分类", "居民姓名", "出生日期", "服务站", "随访医生"],
]


@pytest.mark.parametrize("headers", HYPERTENSION_FOLLOWUP_HEADERS, ids=lambda h: h[1])
def test_hypertension_followups(tmp_path, headers):
    rows = [
        [ID1, dt.date(2025, 3, 1), "门诊", 138, 88, "控制满意", "张三", None, "一站", "刘医生"],
        [ID1, "2025-06-01", "电话", None, None, "控制不满意", "张三", None, "一站", "刘医生"],
        [ID2, "2025/9/1", "上门随访", "145", "92", None, "李四", None, "二站", None],
    ]
    table = read_one(tmp_path, "高血压随访记录.xlsx", headers, rows, "hypertension_followups")
    assert list(table["id_number"]) == [ID1, ID1, ID2]
    assert_dates(table["followup_date"], ["2025-03-01", "2025-06-01", "2025-09-01"])
    assert list(table["followup_mode"]) == ["门诊", "电话", "上门随访"]
    assert_numbers(table["systolic"], [138.0, None, 145.0])
    assert_numbers(table["diastolic"], [88.0, None, 92.0])
    assert values(table["followup_class"]) == ["控制满意", "控制不满意", None]
    assert values(table["doctor"]) == ["刘医生", "刘医生", None]


DIABETES_FOLLOWUP_HEADERS = [
    ["身份证号", "随访日期", "随访方式", "空腹血糖", "糖化血红蛋白", "此次随访分类", "姓名", "所属站点", "随访医生"],
    ["证件号码", "随访时间", "随访方式", "空腹血糖值", "HbA1c", "随访分类", "姓名", "所属站点", "随访医生"],
]


@pytest.mark.parametrize("headers", DIABETES_FOLLOWUP_HEADERS, ids=lambda h: h[1])
def test_diabetes_followups(tmp_path, headers):
    rows = [
        [ID1, "2025-03-01", "门诊", 6.5, 6.8, "控制满意", "张三", "一站", "刘医生"],
        [ID2, "2025-04-01", "微信", "8.1", None, "控制不满意", "李四", "二站", None],
    ]
    table = read_one(tmp_path, "糖尿病随访.xlsx", headers, rows, "diabetes_followups")
    assert_dates(table["followup_date"], ["2025-03-01", "2025-04-01"])
    assert list(table["followup_mode"]) == ["门诊", "微信"]
    assert_numbers(table["fasting_glucose"], [6.5, 8.1])
    assert_numbers(table["hba1c"], [6.8, None])


# --------------------------------------------------------------------------------------- children

CHILDREN_HEADERS = [
    ["儿童编码", "出生日期", "姓名", "性别", "所属站点", "建证日期", "在册类别"],
    ["儿童编号", "出生日期", "姓名", "性别", "服务站", "建卡日期", "居住属性"],
    ["预防接种编码", "出生日期", "姓名", "性别", "所属站点", "建证日期", "户籍属性"],
    ["接种证号", "出生日期", "姓名", "性别", "所属站点", "建证日期", "在册类别"],
]


@pytest.mark.parametrize("headers", CHILDREN_HEADERS, ids=lambda h: h[0])
def test_children(tmp_path, headers):
    rows = [
        ["320115202300001", dt.date(2023, 5, 6), "小明", "男", "一站", dt.date(2023, 5, 20), "本地"],
        ["320115202300002", "2024-01-31", "小红", "女", "二站", None, "迁出"],
        ["320115202300003", "2024/2/29", "小刚", None, None, "2024-03-10", "流动"],
    ]
    table = read_one(tmp_path, "儿童花名册.xlsx", headers, rows, "children")
    assert list(table["child_code"]) == ["320115202300001", "320115202300002", "320115202300003"]
    assert_dates(table["birth_date"], ["2023-05-06", "2024-01-31", "2024-02-29"])
    assert_dates(table["birth"], ["2023-05-06", "2024-01-31", "2024-02-29"])
    assert_dates(table["card_date"], ["2023-05-20", None, "2024-03-10"])
    assert list(table["registration_category"]) == ["本地", "迁出", "流动"]
    assert values(table["sex"]) == ["男", "女", None]


# --------------------------------------------------------------------------------------- vaccinations

VACCINATION_HEADERS = [
    ["儿童编码", "疫苗名称", "接种日期", "剂次", "出生日期", "姓名", "接种单位", "批号"],
    ["接种证号", "疫苗", "接种时间", "针次", "出生日期", "姓名", "接种单位", "批号"],
    ["儿童编号", "接种疫苗", "接种日期", "第几剂", "出生日期", "姓名", "接种单位", "批号"],
]


@pytest.mark.parametrize("headers", VACCINATION_HEADERS, ids=lambda h: h[1])
def test_vaccinations(tmp_path, headers):
    rows = [
        ["320115202300001", "乙肝疫苗", dt.date(2023, 5, 6), "第1剂", dt.date(2023, 5, 6), "小明", "一站", "B2023"],
        ["320115202300001", "卡介苗", "2023-05-07", 1, "2023-05-06", "小明", "一站", None],
        ["320115202300002", "百白破", "2024-04-30", None, None, None, None, None],
    ]
    table = read_one(tmp_path, "预防接种记录.xlsx", headers, rows, "vaccinations")
    assert list(table["child_code"]) == ["320115202300001", "320115202300001", "320115202300002"]
    assert list(table["vaccine_name"]) == ["乙肝疫苗", "卡介苗", "百白破"]
    assert_dates(table["vaccination_date"], ["2023-05-06", "2023-05-07", "2024-04-30"])
    assert values(table["dose_label"]) == ["第1剂", "1", None]
    assert_dates(table["birth_date"], ["2023-05-06", "2023-05-06", None])
    assert [set(s) for s in table["series"]] == [{"HepB"}, {"BCG"}, {"DTaP"}]


# --------------------------------------------------------------------------------------- all kinds


def test_every_kind_in_one_folder(tmp_path):
    """Eight registers side by side: each sheet finds its own kind; column types hold for each."""
    write_xlsx(tmp_path / "居民档案.xlsx", [["身份证号", "建档日期", "签约"], [ID1, "2020-01-01", "是"]])
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期", "收缩压"], [ID1, "2025-01-01", 130]])
    write_xlsx(tmp_path / "高血压名册.xlsx", [["身份证号", "纳入管理日期"], [ID1, "2021-01-01"]])
    write_xlsx(tmp_path / "糖尿病名册.xlsx", [["身份证号", "纳入管理日期"], [ID2, "2021-01-01"]])
    write_xlsx(tmp_path / "高血压随访.xlsx", [["身份证号", "随访日期", "随访方式", "血压"], [ID1, "2025-02-01", "门诊", "130/80"]])
    write_xlsx(tmp_path / "糖尿病随访.xlsx", [["身份证号", "随访日期", "随访方式", "空腹血糖"], [ID2, "2025-02-01", "门诊", 6.0]])
    write_xlsx(tmp_path / "儿童.xlsx", [["儿童编码", "出生日期"], ["C1", "2024-01-01"]])
    write_xlsx(tmp_path / "接种.xlsx", [["儿童编码", "疫苗名称", "接种日期"], ["C1", "卡介苗", "2024-01-02"]])
    write_csv(tmp_path / "说明.csv", [["本文件夹说明"], ["请勿修改"]])
    result = read(tmp_path)
    assert errors(result) == []
    assert sorted(result.tables) == sorted(
        ["residents", "elderly_checkups", "hypertension_patients", "diabetes_patients",
         "hypertension_followups", "diabetes_followups", "children", "vaccinations"]
    )
    for kind, table in result.tables.items():
        assert len(table) == 1, kind
        assert list(table["_row"]) == [2], kind
        for column in ("_file", "_sheet", "_row", "birth"):
            assert column in table.columns, (kind, column)
        assert pd.api.types.is_datetime64_dtype(table["birth"].dtype), kind
    assert_numbers(result.tables["hypertension_followups"]["systolic"], [130.0])
    assert_numbers(result.tables["hypertension_followups"]["diastolic"], [80.0])
    assert [s.file for s in result.skipped] == ["说明.csv"]


def test_row_numbers_follow_excel_with_blank_and_total_rows(tmp_path):
    rows = [
        ["身份证号", "体检日期"],
        [ID1, "2025-01-02"],  # row 2
        [None, None],  # row 3: blank, skipped
        [ID2, "2025-01-03"],  # row 4
        ["合计", "2"],  # row 5: total, skipped
        [ID3, "2025-01-04"],  # row 6
    ]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert list(table["_row"]) == [2, 4, 6]
    assert list(table["id_number"]) == [ID1, ID2, ID3]
    assert result.sheets[0].rows == 3


def test_today_is_used_for_future_dates(tmp_path):
    """A date after `today` (2026-11-23) is a warning; the row is kept."""
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期"], [ID1, TODAY + dt.timedelta(days=1)], [ID2, TODAY]])
    result = read(tmp_path)
    future = [p for p in result.problems if p.code == "future-date"]
    assert [(p.row, p.level) for p in future] == [(2, "warning")]
    assert len(result.tables["elderly_checkups"]) == 2
