"""The friction items of issue 21 (commands and outputs): validate says why it exits 2 and checks
chsc.yaml as compute does; periods and indicator names in Chinese; a period without data is said
first; progress says what is true in December and why 规范管理率 climbs in steps."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from cli_helpers import run_chsc
from helpers import make_id, write_small_centre, write_workbook

from chsc_cli.engine import load_library

A, B, C = (make_id(birth, seq) for birth, seq in (("19500101", "011"), ("19550505", "021"), ("19700101", "041")))


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A small centre with 2025 data only: residents, checkups, hypertension roster and follow-ups."""
    folder = tmp_path_factory.mktemp("centre")
    write_small_centre(folder, (A, B, C))
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


@pytest.mark.parametrize(
    "target, shown, not_shown",
    [
        ("elderly_health_management_rate: 90", ["（90）", '"90%"'], ["9E+1"]),  # as written, and the percent form
        ('elderly_health_management_rate: "90"', ["（90）"], ["9E+1"]),
        ("health_lecture_count: -3", ["不能是负数", "计次指标写每年的次数"], []),  # not "0 到 1" alone: a count
        ("health_lecture_count: 0.5", ["计次指标", "health_lecture_count: 12"], []),
    ],
)
def test_a_wrong_target_is_shown_as_written_with_what_its_indicator_takes(centre, tmp_path, target, shown, not_shown):
    config = tmp_path / "chsc.yaml"
    config.write_text(f"targets:\n  {target}\n", encoding="utf-8")
    ran = run_chsc("compute", centre, "-p", "2025", "--config", config)
    assert ran.code == 2, ran.output
    for words in shown:
        assert words in ran.stderr, ran.stderr
    for words in not_shown:
        assert words not in ran.stderr, ran.stderr


def test_validate_accepts_a_target_for_an_indicator_of_the_centres_own_library(centre, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    shipped = load_library().sources["elderly_health_management_rate"].read_text(encoding="utf-8")
    (own / "our_elderly_rate.yaml").write_text(
        shipped.replace("id: elderly_health_management_rate", "id: our_elderly_rate").replace("name: 老年人健康管理率", "name: 本中心老年人健康管理率"),
        encoding="utf-8",
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
    from chsc_cli.engine import EngineData
    from chsc_cli.engine.activity import period_without_data
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


# ------------------------------------------------------------------ progress: December and the quarterly steps


def _progress_rows(folder, year=2025, through=12):
    from chsc_cli.config import CentreConfig
    from chsc_cli.engine import EngineData
    from chsc_cli.services.progress import progress
    from chsc_cli.registers import read_folder

    data = EngineData.prepare(read_folder(folder, CentreConfig()))
    return progress(data, load_library(), CentreConfig(), year, through)


def test_december_says_whether_the_year_ended_on_target_not_a_dash(centre):
    from rich.console import Console

    from chsc_cli.outputs.progress_files import progress_html, render_progress_table

    rows = _progress_rows(centre)
    console = Console(width=400, record=True, color_system=None)
    render_progress_table(console, rows, 2025, 12)
    table = console.export_text()
    assert "年底情况" in table and "每月需完成(人)" not in table
    standard = next(r for r in rows if r.id == "hypertension_standard_management_rate")
    assert standard.current.met is False
    assert f"未达标，尚差 {standard.current.shortfall} 人" in table
    page = progress_html(rows, "测试中心", 2025, 12)
    assert "每月需完成 — 人" not in page and "每月需完成 —" not in page
    assert f"年底未达标，尚差 {standard.current.shortfall} 人" in page
    met = [r for r in rows if r.current.met]
    assert met and "已达标" in page


def test_december_xlsx_says_it_too(centre, tmp_path):
    from chsc_cli.outputs.progress_files import write_progress_xlsx

    rows = _progress_rows(centre)
    written = write_progress_xlsx(tmp_path / "p.xlsx", rows, 2025, 12, [])
    sheet = openpyxl.load_workbook(written).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row and row[0] == "指标")
    assert header[-1] == "年底情况"
    assert any(isinstance(row[-1], str) and row[-1].startswith("未达标，尚差") for row in values)


def test_the_quarterly_steps_of_standard_management_are_explained_under_the_chart(centre):
    from chsc_cli.outputs.progress_files import progress_html

    rows = _progress_rows(centre)
    quarterly = {r.id for r in rows if r.quarterly}
    # services.md: the SMI standard management counts quarters as hypertension does
    assert quarterly == {"hypertension_standard_management_rate", "diabetes_standard_management_rate",
                         "smi_standard_management_rate"}
    page = progress_html(rows, "测试中心", 2025, 12)
    cards = page.split('<section class="card">')[1:]
    explained = {card.split("</h2>")[0].removeprefix("<h2>") for card in cards if "季末" in card}
    assert explained == {r.name for r in rows if r.quarterly}
    assert "季末" not in progress_html(_progress_rows(centre, through=3), "测试中心", 2025, 3)  # one quarter: no step yet


def test_progress_takes_the_year_and_month_in_chinese_and_says_a_year_without_data(centre):
    ran = run_chsc("progress", centre, "--year", "2025年", "--through", "2025年9月")
    assert ran.code == 0, ran.output
    assert "1–9月" in ran.stdout and "剩余 3 个月" in ran.stdout
    assert run_chsc("progress", centre, "--year", "2025", "--through", "9月").stdout == ran.stdout
    empty = run_chsc("progress", centre, "--year", "2026")
    assert empty.code == 0 and empty.stderr.startswith("注意：") and "2025-11-10" in empty.stderr
    wrong = run_chsc("progress", centre, "--year", "2025年上半年")
    assert wrong.code == 2 and "年份" in wrong.stderr
    _no_traceback(wrong)


# ------------------------------------------------------------------ Chinese periods and indicator names on the command line


def test_chinese_period_gives_the_ascii_figures_and_is_said_back(centre):
    ascii_form = json.loads(run_chsc("compute", centre, "-p", "2025-01..2025-06", "--format", "json").stdout)
    chinese = run_chsc("compute", centre, "-p", "2025年1-6月", "--format", "json")
    assert chinese.code == 0, chinese.output
    data = json.loads(chinese.stdout)
    assert data["period"] == {"label": "2025年1-6月", "start": "2025-01-01", "end": "2025-06-30"}
    assert data["indicators"] == ascii_form["indicators"]
    table = run_chsc("check", centre, "-p", "2025-01..2025-06")
    assert "2025年上半年 未达标的指标" in table.stdout  # human output in chsc's own wording


def test_gaps_and_explain_take_the_chinese_name(centre):
    by_id = run_chsc("gaps", "hypertension_standard_management_rate", centre, "-p", "2025", "--format", "csv")
    by_name = run_chsc("gaps", "高血压患者规范管理率", centre, "-p", "2025年", "--format", "csv")
    assert by_name.code == 0 and by_name.stdout == by_id.stdout
    explained = run_chsc("explain", "老年人健康管理率")
    assert explained.code == 0 and "elderly_health_management_rate" in explained.stdout
    unknown = run_chsc("explain", "老年人体检率")
    assert unknown.code == 2 and "elderly_health_management_rate（老年人健康管理率）" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) <= 2
    _no_traceback(unknown)
