"""compute / check / explain / gaps / progress on a small hand-built centre: the CLI agrees with the
library, files carry the same numbers, --by rolls up, check's exit codes, explain's step counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_chsc, run_chsc_process
from helpers import make_id, write_workbook

from chsc_cli.config import load_config
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import read_folder

TODAY = dt.date(2026, 11, 23)
A, B, C, D = (make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19580601", "031"), ("19700101", "041")))


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    folder = tmp_path_factory.mktemp("centre")
    residents = [
        ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "签约", "联系电话"],
        [A, "甲", "2020-01-01", "一站", "一组", "是", "13800000001"],
        [B, "乙", "2020-01-01", "一站", "二组", "否", "13800000002"],
        [C, "丙", "2020-01-01", "二站", "三组", "是", "13800000003"],
        [D, "丁", "2020-01-01", "", "", "否", ""],
    ]
    write_workbook(folder / "居民健康档案.xlsx", {"居民": residents})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"],
                [A, "2025-03-01", "是", "是", "是"], [B, "2025-07-01", "是", "否", "否"]]
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": checkups})
    patients = [["身份证号", "纳入管理日期", "所属站点"], [A, "2019-01-01", "一站"], [C, "2025-07-15", "二站"], [D, "2018-01-01", ""]]
    write_workbook(folder / "高血压患者管理名册.xlsx", {"名册": patients})
    followups = [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]]
    followups += [[A, f"2025-{m:02d}-10", "门诊", 130, 80] for m in (2, 5, 8, 11)]
    followups += [[C, "2025-08-01", "门诊", 150, 95], [C, "2025-11-01", "电话", 135, 85], [D, "2025-03-01", "门诊", 128, 70]]
    write_workbook(folder / "高血压随访记录2025.xlsx", {"随访": followups})
    (folder / "chsc.yaml").write_text(
        "centre: 测试中心\npopulation: {total: 10, adults_18_plus: 8}\nprevalence: {hypertension: 0.5}\n"
        "stations:\n  一站: {total: 6, adults_18_plus: 5}\n", encoding="utf-8")
    return folder


def library_result(folder, period="2025", by=None):
    settings = load_config(folder / "chsc.yaml").settings
    read = read_folder(folder, settings)
    return compute_indicators(read, parse_period(period), settings, load_library(), by=by)


def test_cli_json_equals_the_library_result(centre):
    """Through a real `python -m chsc_cli` process: its standard output is the library's result as JSON."""
    ran = run_chsc_process("compute", centre, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    assert json.loads(ran.stdout) == json.loads(json.dumps(library_result(centre).to_json()))


def test_json_carries_cli_md_fields(centre):
    data = json.loads(run_chsc("compute", centre, "--period", "2025-01..2025-06", "--format", "json").stdout)
    assert data["centre"] == "测试中心"
    assert data["period"] == {"label": "2025-01..2025-06", "start": "2025-01-01", "end": "2025-06-30"}
    row = next(r for r in data["indicators"] if r["id"] == "hypertension_standard_management_rate")
    assert set(row) >= {"id", "name", "group", "numerator", "denominator", "value", "target", "comparison", "met", "shortfall", "denominator_source"}


def test_csv_and_xlsx_carry_the_same_numbers(centre, tmp_path):
    expected = {(r.id, r.numerator, r.denominator) for r in library_result(centre).indicators}
    assert run_chsc("compute", centre, "-p", "2025", "-o", tmp_path / "out.csv").code == 0
    with open(tmp_path / "out.csv", encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    as_int = lambda text: int(text) if text else None  # noqa: E731
    assert {(r["指标编号"], as_int(r["分子"]), as_int(r["分母"])) for r in rows} == expected
    assert run_chsc("compute", centre, "-p", "2025", "-o", tmp_path / "out.xlsx").code == 0
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {(v[0], v[3], v[4]) for v in values} == expected
    assert sheet.cell(row=2, column=6).number_format == "0.0%"


def test_by_station_rows_sum_to_the_centre_for_roster_denominators(centre):
    result = library_result(centre, by="station")
    for indicator_id in ("elderly_health_management_rate", "hypertension_standard_management_rate", "hypertension_bp_control_rate"):
        rows = [r for r in result.indicators if r.id == indicator_id]
        whole = next(r for r in rows if r.group is None)
        groups = [r for r in rows if r.group is not None]
        assert sum(r.numerator for r in groups) == whole.numerator
        assert sum(r.denominator for r in groups) == whole.denominator
    stations = {r.group["station"] for r in result.indicators if r.group}
    assert stations == {"一站", "二站", "未填"}


def test_by_station_uses_station_figures_and_says_when_missing(centre):
    result = library_result(centre, by="station")
    rows = {r.group["station"] if r.group else None: r for r in result.indicators if r.id == "health_record_rate"}
    assert (rows[None].numerator, rows[None].denominator) == (4, 10)
    assert (rows["一站"].numerator, rows["一站"].denominator) == (2, 6)
    assert rows["二站"].denominator is None and "二站" in rows["二站"].reason


def test_by_station_a_full_width_name_in_chsc_yaml_is_the_register_station(tmp_path):
    """A register's 所属站点 is read as text (NFKC): chsc.yaml's 「Ａ站」 is the register's 「A站」 —
    its figure is used, and no made-up group 「Ａ站」 with nobody in it is listed."""
    residents = [["身份证号", "姓名", "建档日期", "所属站点"], [A, "甲", "2020-01-01", "A站"],
                 [B, "乙", "2020-01-01", "A站"], [C, "丙", "2020-01-01", "第1站"]]
    write_workbook(tmp_path / "居民健康档案.xlsx", {"居民": residents})
    (tmp_path / "chsc.yaml").write_text(
        "population: {total: 10}\nstations:\n  Ａ站: {total: 4}\n  第１ 站: {total: 6}\n", encoding="utf-8")
    result = library_result(tmp_path, by="station")
    rows = {r.group["station"] if r.group else None: r for r in result.indicators if r.id == "health_record_rate"}
    assert set(rows) == {None, "A站", "第1站"}
    assert (rows["A站"].numerator, rows["A站"].denominator) == (2, 4)
    assert (rows["第1站"].numerator, rows["第1站"].denominator) == (1, 6)


def test_check_exits_1_on_a_miss_and_0_when_all_met(centre, tmp_path):
    ran = run_chsc("check", centre, "-p", "2025")
    assert ran.code == 1 and "需再完成" in ran.stdout and "无法计算" in ran.stdout
    config = tmp_path / "all_zero.yaml"
    targets = "\n".join(f"  {i}: 0" for i in load_library().indicators)
    config.write_text((centre / "chsc.yaml").read_text(encoding="utf-8") + f"targets:\n{targets}\n", encoding="utf-8")
    assert run_chsc("check", centre, "-p", "2025", "--config", config).code == 0


def test_explain_step_counts(centre):
    ran = run_chsc("explain", "hypertension_standard_management_rate", centre, "-p", "2025")
    assert ran.code == 0
    counts = dict(re.findall(r"│ (\S[^│]*?)\s*│\s*(\d+) │", ran.stdout))
    assert counts["高血压患者管理名册：读入行数（有身份标识）"] == "3"
    assert counts["分母：再按本指标条件筛选后的人数"] == "3"
    assert counts["分子"] == "1"  # A: 4 visits of 4; C (enrolled Q3): 1 face-to-face of 2; D: 1 of 4


def test_gaps_plus_numerator_equals_denominator(centre):
    result = library_result(centre)
    for row in result.indicators:
        evaluation = result.evaluations[row.id]
        if row.denominator_source not in ("roster", "register"):
            continue
        persons = evaluation.persons
        listed = set(persons.index[~persons["in_numerator"]])
        counted = set(persons.index[persons["in_numerator"]])
        assert len(listed) + len(counted) == row.denominator
        assert listed.isdisjoint(counted)


def test_gaps_csv_masks_ids_unless_asked(centre):
    ran = run_chsc("gaps", "hypertension_standard_management_rate", centre, "-p", "2025", "--format", "csv")
    assert ran.code == 0
    assert C not in ran.output and D not in ran.output
    assert C[:6] + "********" + C[-4:] in ran.stdout
    shown = run_chsc("gaps", "hypertension_standard_management_rate", centre, "-p", "2025", "--format", "csv", "--show-id")
    assert C in shown.stdout
    reasons = {row["身份证号"]: row["原因"] for row in csv.DictReader(io.StringIO(shown.stdout))}
    assert reasons == {C: "面对面随访1次，需2次", D: "面对面随访1次，需4次"}


def test_progress_month_12_and_6_equal_compute(centre):
    from chsc_cli.engine import EngineData
    from chsc_cli.services.progress import progress

    settings = load_config(centre / "chsc.yaml").settings
    data = EngineData.prepare(read_folder(centre, settings))
    rows = progress(data, load_library(), settings, 2025, 12)
    year = {r.id: (r.numerator, r.denominator) for r in library_result(centre, "2025").indicators}
    half = {r.id: (r.numerator, r.denominator) for r in library_result(centre, "2025-01..2025-06").indicators}
    for row in rows:
        assert (row.months[11].numerator, row.months[11].denominator) == year[row.id]
        assert (row.months[5].numerator, row.months[5].denominator) == half[row.id]


@pytest.mark.parametrize(("shortfall", "months", "pace"), [(188, 12, 16), (24, 12, 2), (25, 12, 3), (0, 3, 0), (5, 0, None), (None, 6, None)])
def test_monthly_pace_is_ceil_of_shortfall_over_months_remaining(shortfall, months, pace):
    from chsc_cli.services.progress import monthly_pace

    assert monthly_pace(shortfall, months) == pace


def test_explain_tells_apart_the_steps_of_several_event_conditions(tmp_path):
    # nip_basic_full_series_rate has five: each printed as 「预防接种记录：窗口内有符合条件记录的人数」
    # with nothing to tell which series it counted
    from helpers import make_id, write_small_centre

    folder = write_small_centre(tmp_path / "centre", [make_id("19500101", "001"), make_id("19550101", "002"), make_id("19900101", "003")])
    mine = tmp_path / "mine"
    mine.mkdir()
    text = (Path(__file__).resolve().parents[1] / "indicators" / "elderly_tcm_management_rate.yaml").read_text(encoding="utf-8")
    requirement = text[text.index("    - exists:"):]
    (mine / "elderly_tcm_management_rate.yaml").write_text(text + requirement.replace("tcm_constitution", "lifestyle_assessment"), encoding="utf-8")
    ran = run_chsc("explain", "elderly_tcm_management_rate", folder, "-p", "2025", "--indicators", mine)
    assert ran.code == 0, ran.output
    labels = re.findall(r"│ (\S[^│]*?)\s*│\s*\d+ │", ran.stdout)
    assert "老年人健康体检记录：窗口内有符合条件记录的人数（分子第1项条件）" in labels
    assert "老年人健康体检记录：窗口内有符合条件记录的人数（分子第2项条件）" in labels
