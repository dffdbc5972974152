"""The friction items of issue 21 (commands and outputs): validate says why it exits 2 and checks
chsc.yaml as compute does; periods and indicator names in Chinese; a period without data is said
first; progress says what is true in December and why 规范管理率 climbs in steps."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

from chsc_cli.indicators import load_library

A, B, C = (make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19700101", "041")))


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A small centre with 2025 data only: residents, checkups, hypertension roster and follow-ups."""
    folder = tmp_path_factory.mktemp("centre")
    residents = [
        ["身份证号", "姓名", "建档日期", "所属站点", "签约"],
        [A, "甲", "2020-01-01", "一站", "是"],
        [B, "乙", "2020-01-01", "一站", "否"],
        [C, "丙", "2020-01-01", "二站", "是"],
    ]
    write_workbook(folder / "居民健康档案.xlsx", {"居民": residents})
    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"], [A, "2025-03-01", "是", "是", "是"]]
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": checkups})
    patients = [["身份证号", "纳入管理日期", "所属站点"], [A, "2019-01-01", "一站"], [C, "2019-01-01", "二站"]]
    write_workbook(folder / "高血压患者管理名册.xlsx", {"名册": patients})
    followups = [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]]
    followups += [[A, f"2025-{m:02d}-10", "门诊", 130, 80] for m in (2, 5, 8, 11)]
    followups += [[C, "2025-03-01", "门诊", 150, 95]]
    write_workbook(folder / "高血压随访记录2025.xlsx", {"随访": followups})
    return folder


def _no_traceback(ran) -> None:
    assert "Traceback" not in ran.output, ran.output


# ------------------------------------------------------------------ validate: exit 2 says why


def test_validate_names_an_unreadable_file_on_stderr_and_still_reports(centre, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in centre.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "损坏的随访表.xlsx").write_bytes(b"PK\x03\x04 not really a zip" * 20)
    ran = run_chsc("validate", folder)
    assert ran.code == 2
    lines = ran.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and "损坏的随访表.xlsx" in lines[0] and lines[0].startswith("错误：")
    assert "居民健康档案.xlsx" in ran.stdout  # the report of the readable registers is still printed
    _no_traceback(ran)
    as_json = run_chsc("validate", folder, "--format", "json")
    assert as_json.code == 2 and "损坏的随访表.xlsx" in as_json.stderr
    assert json.loads(as_json.stdout)["registers"]  # stdout stays pure JSON


# ------------------------------------------------------------------ validate checks chsc.yaml as compute does


@pytest.mark.parametrize(
    "targets, words",
    [
        ("targets:\n  no_such_indicator: 0.9\n", ["第 3 行", "no_such_indicator"]),
        ("targets:\n  elderly_health_management_rate: 1.5\n", ["第 3 行", "elderly_health_management_rate"]),
        ("targets:\n  elderly_health_management_rate: 九成\n", ["第 3 行", "elderly_health_management_rate"]),
    ],
)
def test_validate_refuses_the_targets_compute_refuses(centre, tmp_path, targets, words):
    config = tmp_path / "chsc.yaml"
    config.write_text("centre: 测试中心\n" + targets, encoding="utf-8")
    compute = run_chsc("compute", centre, "-p", "2025", "--config", config, "--format", "json")
    validate = run_chsc("validate", centre, "--config", config)
    assert compute.code == validate.code == 2
    for word in words:
        assert word in validate.stderr and word in compute.stderr
    assert len(validate.stderr.strip().splitlines()) <= 2
    _no_traceback(validate)


def test_validate_accepts_a_target_for_an_indicator_of_the_centres_own_library(centre, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    shipped = load_library().sources["elderly_health_management_rate"].read_text(encoding="utf-8")
    (own / "our_elderly_rate.yaml").write_text(
        shipped.replace("id: elderly_health_management_rate", "id: our_elderly_rate"), encoding="utf-8"
    )
    config = tmp_path / "chsc.yaml"
    config.write_text("targets:\n  our_elderly_rate: 0.5\n", encoding="utf-8")
    assert run_chsc("validate", centre, "--config", config).code == 2  # unknown without its library
    ran = run_chsc("validate", centre, "--config", config, "--indicators", own)
    assert ran.code == 0, ran.output


# ------------------------------------------------------------------ a period without data is said first


def test_check_for_a_year_after_the_data_says_so_first_and_keeps_the_figures(centre):
    ran = run_chsc("check", centre, "-p", "2026")
    assert ran.code == 1
    first = ran.stderr.strip().splitlines()[0]
    assert first.startswith("注意：") and "2026年" in first and "2025-11-10" in first and "之后" in first
    assert "2026年 未达标的指标" in ran.stdout and "0.0%" in ran.stdout  # the figures are still given
    assert run_chsc("check", centre, "-p", "2025").stderr.strip() == ""


def test_compute_json_carries_the_notice_as_a_warning_and_the_table_says_it_on_stderr(centre):
    ran = run_chsc("compute", centre, "-p", "2026年", "--format", "json")
    data = json.loads(ran.stdout)
    notices = [w for w in data["warnings"] if w["code"] == "period-without-data"]
    assert len(notices) == 1 and notices[0]["level"] == "warning" and "2025-11-10" in notices[0]["message"]
    assert data["period"]["label"] == "2026年"  # as given (cli.md)
    assert data["period"]["start"] == "2026-01-01"
    table = run_chsc("compute", centre, "-p", "2026")
    assert "2025-11-10" in table.stderr and "2026年 指标完成情况" in table.stdout
    assert "period-without-data" not in table.stdout  # not counted among the data's problems


def test_a_period_not_yet_begun_is_said_even_with_a_stray_row_in_it(centre):
    from chsc_cli.config import CentreConfig
    from chsc_cli.indicators import EngineData
    from chsc_cli.indicators.activity import period_without_data
    from chsc_cli.periods import parse_period
    from chsc_cli.registers import read_folder

    data = EngineData.prepare(read_folder(centre, CentreConfig()))
    library = load_library()
    notice = period_without_data(data, library, parse_period("2025"), today=dt.date(2024, 6, 1))
    assert notice is not None and "还没有到" in notice.message and "2024-06-01" in notice.message
    assert period_without_data(data, library, parse_period("2025"), today=dt.date(2026, 1, 1)) is None
    assert period_without_data(data, library, parse_period("2025-12"), today=dt.date(2026, 1, 1)) is not None
    before = period_without_data(data, library, parse_period("2015"), today=dt.date(2026, 1, 1))
    assert before is not None and "最早的日期是 2025-02-10" in before.message and "之前" in before.message
