"""`chsc report`: the 工作总结 / 工作计划 in Markdown, HTML and Word.

A small data folder is written here (two stations, 2024 and 2025, no diabetes registers so that
three indicators cannot be computed). The Markdown and HTML outputs are golden files in
tests/golden/, compared byte for byte; set CHSC_UPDATE_GOLDEN=1 to rewrite them after a deliberate
change (the test then still compares what it wrote). The expected figures below are worked out by
hand from the rows, not from chsc.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from cli_helpers import in_process, run_chsc

from chsc_cli.outputs.report import shipped_templates_dir
from docx import Document
from helpers import make_id, write_workbook

from chsc_cli.config import load_config
from chsc_cli.engine import ComputeResult, IndicatorResult, compute_indicators, load_library
from chsc_cli.engine.engine_input import EngineData
from chsc_cli.periods import parse_period
from chsc_cli.problems import UserError
from chsc_cli.outputs import svg_charts
from chsc_cli.outputs.report import README_HINT, default_template, render_docx, render_text, write_report
from chsc_cli.engine.activity import indicators_with_rows_in
from chsc_cli.outputs.report_build import build_report_context
from chsc_cli.outputs.report_context import field_reference
from chsc_cli.outputs.report_words import change_in_points, chinese_count, describe_change
from chsc_cli.registers import read_folder

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
README = HERE.parent / "README.md"
REPORTS_PAGE = HERE.parent / "docs" / "reports.md"
UPDATE = os.environ.get("CHSC_UPDATE_GOLDEN") == "1"
D = dt.date

CONFIG = {
    "centre": "临城街道社区卫生服务中心",
    "population": {"total": 30, "age_65_plus": 12, "adults_18_plus": 24},
    "prevalence": {"hypertension": 0.25, "diabetes": 0.1},
    "population_by_year": {2024: {"total": 28, "age_65_plus": 10, "adults_18_plus": 22}},
    "stations": {
        "一站": {"total": 15, "age_65_plus": 6, "adults_18_plus": 12},
        "二站": {"total": 15, "age_65_plus": 6, "adults_18_plus": 12},
    },
}


def _station(number: int) -> str:
    return "一站" if number % 2 else "二站"


def build_folder(folder: Path) -> Path:
    """Residents E1–E12 (aged 66–85) and A1–A10 (35–55); E11, E12 recorded in 2025."""
    elderly = {f"E{n}": make_id(f"{1940 + n}0315", f"{n:03d}") for n in range(1, 13)}
    adults = {f"A{n}": make_id(f"{1970 + 2 * n}0610", f"{100 + n:03d}") for n in range(1, 11)}
    ids = {**elderly, **adults}
    residents = [["身份证号", "姓名", "出生日期", "建档日期", "所属站点", "常住", "签约", "签约日期"]]
    for name, number in [(f"E{n}", n) for n in range(1, 13)] + [(f"A{n}", n) for n in range(1, 11)]:
        person = ids[name]
        birth = D(int(person[6:10]), int(person[10:12]), int(person[12:14]))
        recorded = D(2025, 2, 1) if name in ("E11", "E12") else D(2018, 3, 1)
        signed = name in {f"E{n}" for n in range(1, 9)} | {"A1", "A2", "A3", "A4"}
        signing = {"A1": D(2025, 4, 1), "A2": D(2025, 4, 1), "A3": D(2025, 4, 1), "A4": D(2026, 1, 5)}.get(name, D(2024, 3, 1))
        residents.append([person, f"居民{name}", birth, recorded, _station(number), "是", "是" if signed else "否",
                          signing if signed else None])
    write_workbook(folder / "居民健康档案.xlsx", {"花名册": residents})

    checkups = [["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"]]
    for n in range(1, 11):  # 2025: E1–E10 checked, E9 without 健康指导 -> 9 complete; TCM E1–E7
        checkups.append([elderly[f"E{n}"], D(2025, 3, n), "是", "否" if n == 9 else "是", "是" if n <= 7 else "否"])
    for n in range(1, 9):  # 2024: E1–E8 complete, TCM E1–E7
        checkups.append([elderly[f"E{n}"], D(2024, 5, n), "是", "是", "是" if n <= 7 else "否"])
    write_workbook(folder / "老年人体检.xlsx", {"体检": checkups})

    patients = ["E1", "E2", "E3", "A1", "A2"]
    roster = [["身份证号", "纳入管理日期", "管理状态"]] + [[ids[p], D(2020, 1, 10), "在管"] for p in patients]
    write_workbook(folder / "高血压患者管理名册.xlsx", {"名册": roster})
    followups = [["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"]]
    visits_2025 = {"E1": (4, 130, 80), "E2": (4, 130, 80), "A1": (4, 130, 80), "E3": (2, 150, 95), "A2": (4, 145, 92)}
    for person, (visits, systolic, diastolic) in visits_2025.items():
        for quarter in range(visits):
            followups.append([ids[person], D(2025, 3 * quarter + 2, 15), "门诊", systolic, diastolic])
    for person, visits in {"E1": 4, "E2": 4, "A1": 3}.items():
        for quarter in range(visits):
            systolic = 130 if person != "A1" else 150
            followups.append([ids[person], D(2024, 3 * quarter + 2, 15), "门诊", systolic, 80])
    write_workbook(folder / "高血压随访记录.xlsx", {"随访": followups})

    children = [["儿童编码", "姓名", "出生日期", "所属站点", "建证日期"]]
    births = {"C1": D(2025, 2, 1), "C2": D(2025, 5, 1), "C3": D(2025, 8, 1), "C4": D(2025, 10, 1),
              "C5": D(2024, 3, 1), "C6": D(2024, 6, 1)}
    cards = {"C1": D(2025, 3, 1), "C2": D(2025, 6, 1), "C3": D(2025, 9, 1), "C5": D(2024, 4, 1), "C6": D(2024, 7, 1)}
    for number, (child, born) in enumerate(births.items(), start=1):
        children.append([f"33010200{number}", f"儿童{child}", born, _station(number), cards.get(child)])
    write_workbook(folder / "儿童花名册.xlsx", {"花名册": children})
    code = {child: f"33010200{number}" for number, child in enumerate(births, start=1)}
    vaccinations = [["儿童编码", "疫苗名称", "接种日期"]]
    for child, delay in (("C1", 0), ("C2", 1), ("C3", 3), ("C5", 0)):
        vaccinations.append([code[child], "乙肝疫苗", births[child] + dt.timedelta(days=delay)])
    full_series = [("卡介苗", 3, 10), ("乙肝疫苗", 4, 1), ("乙肝疫苗", 9, 1), ("脊灰灭活疫苗", 5, 10), ("脊灰灭活疫苗", 6, 10),
                   ("脊灰灭活疫苗", 7, 10), ("百白破疫苗", 6, 12), ("百白破疫苗", 7, 12), ("百白破疫苗", 8, 12), ("麻腮风疫苗", 12, 10)]
    for vaccine, month, day in full_series:  # C5 (born 2024-03-01): complete before the first birthday
        vaccinations.append([code["C5"], vaccine, D(2024, month, day)])
    vaccinations.append([code["C6"], "卡介苗", D(2024, 6, 2)])  # C6: BCG only
    write_workbook(folder / "预防接种记录.xlsx", {"接种记录": vaccinations})
    (folder / "chsc.yaml").write_text(yaml.safe_dump(CONFIG, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return build_folder(tmp_path_factory.mktemp("data") / "数据")


@pytest.fixture(scope="module")
def computed(data_dir):
    """(settings, read, library, this year by station, last year, last year's indicators with rows)."""
    settings = load_config(data_dir / "chsc.yaml").settings
    read = read_folder(data_dir, settings)
    library = load_library()
    data = EngineData.prepare(read)
    current = compute_indicators(data, parse_period("2025"), settings, library, by="station")
    previous = compute_indicators(data, parse_period("2024"), settings, library)
    return settings, read, library, data, current, previous


def _context(computed, kind="summary", compare="2024"):
    settings, read, library, data, current, _ = computed
    if compare is None:
        return build_report_context(current, library=library, kind=kind)
    previous = compute_indicators(data, parse_period(compare), settings, library)
    rows = indicators_with_rows_in(data, library, parse_period(compare))
    return build_report_context(current, library=library, kind=kind, compare=previous, compare_with_rows=rows)


def _line(context, indicator_id):
    return next(line for line in context.indicators if line.id == indicator_id)


# --------------------------------------------------------------------------------- the figures


def test_hand_worked_figures_and_sentences(computed):
    context = _context(computed)
    elderly = _line(context, "elderly_health_management_rate")
    assert (elderly.numerator, elderly.denominator, elderly.rate_text) == (9, 12, "75.0%")
    assert elderly.sentence == "老年人健康管理率75.0%（9/12），较上年下降5.0个百分点，未达到90%的目标，尚差2人。"
    tcm = _line(context, "elderly_tcm_management_rate")
    assert tcm.change.signed == "-11.7" and tcm.shortfall == 2  # 7/12 vs 7/10; ceil(0.7 × 12) − 7
    standard = _line(context, "hypertension_standard_management_rate")
    assert standard.sentence == "高血压患者规范管理率80.0%（4/5），较上年提升40.0个百分点，达到80%的目标。"
    management = _line(context, "hypertension_management_rate")  # 5 / ceil(24 × 0.25) vs 5 / ceil(22 × 0.25)
    assert management.change.text == "持平" and "与上年持平" in management.sentence
    diabetes = _line(context, "diabetes_management_rate")
    assert not diabetes.computable and diabetes.sentence.startswith("2型糖尿病患者管理率本期无法计算（")
    nip = _line(context, "nip_basic_full_series_rate")  # nobody had a first birthday in 2024
    assert (nip.numerator, nip.denominator) == (1, 2) and nip.change.text == "无上年数据"
    assert [c.name for c in context.categories] == [  # services.md's order (indicators/categories.yaml)
        "居民健康档案管理", "健康教育", "预防接种", "0～6岁儿童健康管理", "孕产妇健康管理", "老年人健康管理", "高血压患者健康管理",
        "2型糖尿病患者健康管理", "严重精神障碍患者管理", "肺结核患者健康管理", "中医药健康管理",
        "传染病及突发公共卫生事件报告和处理", "卫生监督协管", "家庭医生签约服务"]
    # the 13 older indicators as before (3 met, 7 missed, 3 not computable); of the 19 of services.md, 健康档案使用率
    # misses and 重点人群签约 meets its target, the other 17 need registers this folder does not have
    assert context.counts.model_dump() == {"total": 32, "met": 4, "missed": 8, "not_computable": 20, "zero_denominator": 0}


def test_population_by_year_gives_last_years_official_denominators(computed):
    context = _context(computed)
    elderly = _line(context, "elderly_health_management_rate")
    assert (elderly.change.compare_numerator, elderly.change.compare_denominator) == (8, 10)
    records = _line(context, "health_record_rate")  # 2025: population.total 30; 2024: population_by_year 28
    assert (records.denominator, records.change.compare_denominator) == (30, 28)


def test_plan_figures_and_monthly_pace(computed):
    context = _context(computed, kind="plan")
    assert context.title == "临城街道社区卫生服务中心2026年基本公共卫生服务工作计划"
    card = _line(context, "vaccination_card_rate")  # 3 of 4 carded; ceil(0.98 × 4) = 4
    assert (card.plan.gap, card.plan.monthly, card.plan.pace_text) == (1, 1, "每月需完成约1人")
    signing = _line(context, "family_doctor_signing_rate")  # E1–E8, A1–A3 signed by 2025-12-31: 11/30
    assert (signing.numerator, signing.plan.gap, signing.plan.monthly) == (11, 1, 1)
    standard = _line(context, "hypertension_standard_management_rate")
    assert standard.plan.pace_text == "已达标，保持现有水平" and standard.plan.monthly == 0
    elderly = _line(context, "elderly_health_management_rate")
    assert elderly.plan.sentence.startswith("老年人健康管理率力争达到90%（2025年为75.0%，尚差2人），每月需完成约1人，其中")
    assert {s.station for s in elderly.stations} == {"一站", "二站"}


# ----------------------------------------------------------------------------- change rounding


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (Fraction(5004, 10000), Fraction(1, 2), ("持平", "0.0", "0.0")),  # +0.04 pp
        (Fraction(4995, 10000), Fraction(1, 2), ("下降", "0.1", "-0.1")),  # −0.05 pp: half up, away from 0
        (Fraction(5005, 10000), Fraction(1, 2), ("提升", "0.1", "+0.1")),  # +0.05 pp
        (Fraction(49951, 100000), Fraction(1, 2), ("持平", "0.0", "0.0")),  # −0.049 pp
        (Fraction(515, 1000), Fraction(1, 2), ("提升", "1.5", "+1.5")),
        (Fraction(1, 3), Fraction(1, 4), ("提升", "8.3", "+8.3")),  # 8.333… pp
        (Fraction(4501, 5210), Fraction(832, 1000), ("提升", "3.2", "+3.2")),
        (Fraction(1, 2), Fraction(1, 2), ("持平", "0.0", "0.0")),
    ],
)
def test_change_is_the_exact_difference_rounded_half_up(current, previous, expected):
    assert describe_change(change_in_points(current, previous)) == expected


def test_half_up_on_the_exact_fraction_not_on_a_float():
    # 0.15 pp exactly: binary floats would give 0.1499999… and round down
    assert change_in_points(Fraction(1, 2) + Fraction(15, 10000), Fraction(1, 2)) == Decimal("0.2")
    assert change_in_points(Fraction(1, 2) - Fraction(15, 10000), Fraction(1, 2)) == Decimal("-0.2")


def _result(period, numerator, denominator):
    row = IndicatorResult(id="elderly_health_management_rate", name="老年人健康管理率", category="老年人健康管理",
                          group=None, numerator=numerator, denominator=denominator, target=Decimal("0.9"),
                          comparison=">=", denominator_source="config")
    return ComputeResult(centre="临城街道社区卫生服务中心", period=parse_period(period), indicators=[row],
                         evaluations={}, warnings=[])


@pytest.mark.parametrize(
    ("now", "before", "clause"),
    [
        ((4501, 5210), (832, 1000), "较上年提升3.2个百分点"),
        ((5004, 10000), (5000, 10000), "与上年持平"),
        ((4995, 10000), (5000, 10000), "较上年下降0.1个百分点"),
        ((4501, 5210), (0, 0), "无上年数据"),
        ((4501, 5210), (None, None), "无上年数据"),
    ],
)
def test_sentence_from_the_figures(now, before, clause):
    context = build_report_context(_result("2025", *now), library=load_library(), compare=_result("2024", *before))
    sentence = context.indicators[0].sentence
    assert clause in sentence
    if now == (4501, 5210) and before == (832, 1000):
        assert sentence == "老年人健康管理率86.4%（4501/5210），较上年提升3.2个百分点，未达到90%的目标，尚差188人。"


def _count_result(period, numerator):
    row = IndicatorResult(id="health_lecture_count", name="健康知识讲座次数", category="健康教育", group=None,
                          numerator=numerator, denominator=None, target=Decimal(12), comparison=">=",
                          denominator_source=None, unit="count", per_year=12,
                          reason=None if numerator is not None else "缺少登记表：健康教育活动记录")
    return ComputeResult(centre="临城街道社区卫生服务中心", period=parse_period(period), indicators=[row],
                         evaluations={}, warnings=[])


@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [
        ((None, None), (None, None), "—"),  # neither period: nothing to compare, not 无上年数据
        ((4, 0), (None, None), "—"),  # a zero denominator now
        ((None, None), (832, 1000), "—"),
        ((4501, 5210), (None, None), "无上年数据"),  # a value now, none then
    ],
)
def test_the_change_is_a_dash_when_the_current_period_has_no_value(now, before, shown):
    line = build_report_context(_result("2025", *now), library=load_library(), compare=_result("2024", *before)).indicators[0]
    assert (line.change.table_text, line.change.text) == (shown, shown)


def test_a_count_not_computable_now_is_a_dash_in_every_format(tmp_path):
    library = load_library()
    context = build_report_context(_count_result("2025", None), library=library, compare=_count_result("2024", None))
    assert context.indicators[0].change.table_text == "—"
    rate = build_report_context(_result("2025", None, None), library=library, compare=_result("2024", None, None))
    for fmt in ("md", "html", "docx"):
        output = tmp_path / f"总结.{fmt}"
        write_report(rate, output, fmt)
        if fmt == "docx":
            cells = [cell.text for table in Document(output).tables for row in table.rows for cell in row.cells]
            text = "\n".join(cells)
        else:
            text = output.read_text(encoding="utf-8")
        assert "老年人健康管理率" in text and "无上年数据" not in text, fmt


def test_compare_phrase_for_a_half_year_and_an_older_year():
    library = load_library()
    half = build_report_context(_result("2025H1", 5, 10), library=library, compare=_result("2024H1", 4, 10))
    assert "较上年同期提升10.0个百分点" in half.indicators[0].sentence
    older = build_report_context(_result("2025", 5, 10), library=library, compare=_result("2023", 5, 10))
    assert "与2023年持平" in older.indicators[0].sentence


def test_chinese_count_groups_only_from_five_digits():
    assert [chinese_count(n) for n in (0, 188, 4501, 12345, 1234567, None)] == ["0", "188", "4501", "12,345", "1,234,567", "—"]


# ------------------------------------------------------------------------------- compare: no data


def test_compare_period_without_data_says_no_last_year_data(computed, tmp_path):
    context = _context(computed, compare="2016")  # not the year before: said by its name
    assert all(line.change.text == ("无2016年数据" if line.computable else "—") and not line.change.available
               for line in context.indicators)
    assert all("无2016年数据" in line.sentence for line in context.indicators if line.computable)
    output = tmp_path / "总结.md"
    write_report(context, output, "md")
    table_rows = [row for row in output.read_text(encoding="utf-8").splitlines() if row.startswith("| ") and "%" in row]
    indicator_rows = [row for row in table_rows if any(row.startswith(f"| {line.name} |") for line in context.indicators)]
    rates = sum(1 for line in context.indicators if line.target_text.endswith("%"))  # a count's row reads 12次, no %
    assert len(indicator_rows) == rates
    computable = {line.name for line in context.indicators if line.computable}
    # a value now and none then: 无2016年数据; no value now (无法计算): — (nothing to compare)
    assert all(("| 无2016年数据 |" if row.split(" | ")[0][2:] in computable else "| — | 无法计算 |") in row for row in indicator_rows)


def test_a_computable_value_without_rows_dated_in_the_compare_period_is_not_compared(computed):
    *_, data, _, _ = computed
    library = computed[2]
    # the residents roster is there in 2019 (records from 2018), but nothing is dated in 2019
    assert "health_record_rate" not in indicators_with_rows_in(data, library, parse_period("2019"))
    # the patients were enrolled in 2020, but the follow-up register (its event rows) has nothing dated
    # in 2020: no event row in the period (cli.md), so no value to compare with
    assert "hypertension_management_rate" not in indicators_with_rows_in(data, library, parse_period("2020"))
    assert "hypertension_management_rate" in indicators_with_rows_in(data, library, parse_period("2024"))


def test_without_compare_no_change_is_written(computed):
    context = _context(computed, compare=None)
    assert context.compare is None and all(line.change.table_text == "—" for line in context.indicators)
    assert all("上年" not in line.sentence for line in context.indicators)
    assert all(category.change_chart_svg == "" for category in context.categories)


# --------------------------------------------------------------------------------- golden files


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"{path} is missing: run with CHSC_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs (CHSC_UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("kind", ["summary", "plan"])
@pytest.mark.parametrize("output_format", ["md", "html"])
def test_golden_outputs_of_the_cli(data_dir, tmp_path, kind, output_format):
    output = tmp_path / f"{kind}.{output_format}"
    code = in_process("report", data_dir, "--period", "2025", "--compare", "2024", "--kind", kind, "-o", output, "--quiet")
    assert code == 0
    _golden(f"report_{kind}.{output_format}", output.read_bytes().decode("utf-8"))


def test_html_is_self_contained(computed, tmp_path):
    text = render_text(_context(computed), default_template("summary", "html"), "html")
    assert "<svg" in text and "较上年变化" in text
    lowered = text.lower()
    for needle in ("<script", "<link", "@import", "url(", "src=", "https:"):
        assert needle not in lowered
    assert set(re.findall(r"http://[^\"' ]+", text)) == {"http://www.w3.org/2000/svg"}


def test_svg_text_is_escaped():
    svg = svg_charts.target_chart("<b>", [svg_charts.Bar("<script>&", Fraction(1, 2), Fraction(9, 10), False, "50.0%", "90%")])
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg and "&lt;b&gt;" in svg
    change = svg_charts.change_chart("x", [svg_charts.ChangeBar('"><x', Decimal("-1.5"), "下降1.5个百分点")])
    assert '"><x' not in change


def test_markdown_escapes_register_text():
    from chsc_cli.outputs.report import markdown_escape

    assert markdown_escape("一站|二站*") == "一站\\|二站\\*" and markdown_escape(5) == 5
    assert markdown_escape("&amp;站") == "\\&amp;站"  # shown as written, not as the entity it spells


# ------------------------------------------------------------------------------------------ docx


def _table_texts(path: Path) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in Document(path).tables]


def test_docx_summary_holds_the_tables_and_the_numbers_of_compute(data_dir, tmp_path, computed):
    output = tmp_path / "2025年度工作总结.docx"
    assert in_process("report", data_dir, "--period", "2025", "--compare", "2024", "-o", output, "--quiet") == 0
    tables = _table_texts(output)
    category_tables = [t for t in tables if t[0] == ["指标", "目标", "分子", "分母", "完成率", "较上年", "是否达标"]]
    assert len(category_tables) == 14  # every category of services.md
    rows = {row[0]: row for table in category_tables for row in table[1:]}
    current = computed[4]
    for result in (r for r in current.indicators if r.group is None):
        row = rows[result.name]
        if result.numerator is None:
            assert row[2:5] == ["—", "—", "—"] and row[6] == "无法计算"
            continue
        assert row[2] == str(result.numerator) and row[3] == str(result.denominator)
        assert row[4] == f"{Decimal(result.numerator * 100) / Decimal(result.denominator):.1f}%"
        assert row[6] == ("是" if result.met else "否")
    assert rows["老年人健康管理率"][5] == "-5.0个百分点"
    stations = next(t for t in tables if t[0][:2] == ["站点", "指标"])
    computable = {r.id for r in current.indicators if r.group is None and r.numerator is not None}
    station_results = [r for r in current.indicators if r.group is not None and r.id in computable]
    assert len(stations) - 1 == len(station_results) == 2 * 12  # two stations, the 12 computable indicators (10, 健康档案使用率, 重点人群签约)
    first = next(r for r in station_results if r.id == "elderly_health_management_rate" and r.group == {"station": "一站"})
    assert ["一站", "老年人健康管理率", "90%", str(first.numerator), str(first.denominator)] in [row[:5] for row in stations]
    text = "\n".join(p.text for p in Document(output).paragraphs)
    assert "临城街道社区卫生服务中心2025年基本公共卫生服务工作总结" in text
    assert "老年人健康管理率75.0%（9/12），较上年下降5.0个百分点，未达到90%的目标，尚差2人。" in text
    assert "{{" not in text and "{%" not in text
    assert Document(output).sections[0].header.paragraphs[0].text == "临城街道社区卫生服务中心"


def test_docx_plan_renders(data_dir, tmp_path):
    output = tmp_path / "2026年工作计划.docx"
    assert in_process("report", data_dir, "--period", "2025", "--kind", "plan", "-o", output, "--quiet") == 0
    tables = _table_texts(output)
    assert tables[0][0] == ["指标", "2026年目标", "2025年完成率", "差距", "每月需完成"]
    assert ["预防接种建证率", "98%", "75.0%", "1人", "1人"] in [row for table in tables for row in table]


NUMBER_HEADERS = ("目标", "分子", "分母", "完成率", "较上年", "尚差", "差距", "每月需完成")


@pytest.mark.parametrize("kind", ["summary", "plan"])
def test_docx_tables_give_names_room_and_align_text_left_numbers_right(data_dir, tmp_path, kind):
    """Issue 21: the name column was narrow and right-aligned, so names wrapped every two characters."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm

    output = tmp_path / f"{kind}.docx"
    assert in_process("report", data_dir, "--period", "2025", "--kind", kind, "-o", output, "--quiet") == 0
    document = Document(output)
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    tables = [t for t in document.tables if "指标" in [c.text for c in t.rows[0].cells]]
    assert len(tables) >= 2 and any(t.rows[0].cells[0].text == "站点" for t in tables)  # a station table too
    for table in tables:
        headers = [cell.text for cell in table.rows[0].cells]
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed", headers
        widths = [int(col.get(qn("w:w"))) * 635 for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]  # twips → EMU
        assert sum(widths) <= text_width + Cm(0.05), headers
        name = headers.index("指标")
        assert widths[name] >= Cm(4.5) and widths[name] == max(widths), headers  # ~12 characters at 10.5 pt
        for row in table.rows[1:]:
            cells = row.cells
            assert cells[name].width >= Cm(4.5)
            assert cells[name].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT, (headers, cells[name].text)
            if headers[0] == "站点":
                assert cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
            for index, header in enumerate(headers):
                if header in NUMBER_HEADERS or header.endswith(("目标", "完成率")):
                    assert cells[index].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT, (header, cells[index].text)


def test_register_text_with_markup_and_control_characters_survives_every_format(tmp_path):
    """A station name from a register is text in every output: escaped in HTML and Word XML,
    backslash-escaped in Markdown, and stripped of characters Word cannot hold."""
    result = _result("2025", 4501, 5210)
    station = IndicatorResult(id="elderly_health_management_rate", name="老年人健康管理率", category="老年人健康管理",
                              group={"station": "东<站>&|\x0b"}, numerator=40, denominator=50, target=Decimal("0.9"),
                              comparison=">=", denominator_source="config")
    result.indicators.append(station)
    context = build_report_context(result, library=load_library())
    assert context.stations == ["东<站>&|"]
    write_report(context, tmp_path / "r.docx", "docx")
    cells = [cell.text for table in Document(tmp_path / "r.docx").tables for row in table.rows for cell in row.cells]
    assert "东<站>&|" in cells
    html = render_text(context, default_template("summary", "html"), "html")
    assert "东&lt;站&gt;&amp;|" in html and "东<站>" not in html
    markdown = render_text(context, default_template("summary", "md"), "md")
    assert "| 东\\<站\\>\\&\\| |" in markdown  # & too: 「&amp;站」 would show as 「&站」


def test_shipped_docx_templates_are_what_the_script_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_docx_templates", HERE.parent / "templates" / "make_docx_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, build in (("summary.docx", module.summary), ("plan.docx", module.plan)):
        assert (HERE.parent / "templates" / name).read_bytes() == module.reproducible_bytes(build()), name


# -------------------------------------------------------------------------- hostile templates


HOSTILE = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ title.format.__globals__ }}",
]


@pytest.mark.parametrize("source", HOSTILE + ["{% for x in %}", "{{ no_such_field }}", "{{ categories[0].nope.deeper }}", "{{ 1 / 0 }}"])
def test_bad_or_hostile_text_template_is_a_user_error(computed, tmp_path, source):
    template = tmp_path / "mine.md.j2"
    template.write_text(f"# {{{{ title }}}}\n{source}\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        write_report(_context(computed), tmp_path / "out.md", "md", template=template)
    assert "模板 mine.md.j2" in raised.value.message
    assert not (tmp_path / "out.md").exists()


@pytest.mark.parametrize("source", [HOSTILE[0], "{% if %}"])
def test_bad_or_hostile_word_template_is_a_user_error(computed, tmp_path, source):
    document = Document()
    document.add_paragraph("{{ title }}")
    document.add_paragraph(source)
    template = tmp_path / "mine.docx"
    document.save(template)
    with pytest.raises(UserError):
        render_docx(_context(computed), template, user_template=True)


def test_a_user_template_that_runs_too_long_is_stopped(computed, tmp_path, monkeypatch):
    from chsc_cli.outputs import report

    monkeypatch.setattr(report, "TEMPLATE_SECONDS", 0.5)
    template = tmp_path / "slow.md.j2"
    template.write_text("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        write_report(_context(computed), tmp_path / "out.md", "md", template=template)
    assert "超过 0.5 秒" in raised.value.message and not (tmp_path / "out.md").exists()


def test_cli_hostile_template_exits_2_without_traceback(data_dir, tmp_path):
    template = tmp_path / "evil.html.j2"
    template.write_text("<p>{{ ''.__class__.__mro__ }}</p>", encoding="utf-8")
    ran = run_chsc("report", data_dir, "--period", "2025", "-o", tmp_path / "out.html", "--template", template)
    assert ran.code == 2 and "Traceback" not in ran.output
    assert "模板 evil.html.j2 试图访问不允许的内容" in ran.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "out.pdf"], "无法从文件名 out.pdf 判断输出格式"),
        (["-o", "out.md", "--kind", "memo"], "--kind 只能是 summary"),
        (["-o", "out.docx", "--template", "TEMPLATE_MD"], "需要 Word 模板"),
        (["-o", "out.md", "--template", "missing.md.j2"], "找不到模板文件"),
        (["-o", "out.md", "--compare", "2024Q5"], "--compare：无法识别统计期间「2024Q5」"),
    ],
)
def test_user_mistakes_exit_2(data_dir, tmp_path, args, message):
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ title }}\n", encoding="utf-8")
    args = [str(template) if a == "TEMPLATE_MD" else (str(tmp_path / a) if a.startswith(("out.", "missing")) else a) for a in args]
    ran = run_chsc("report", data_dir, "--period", "2025", *args)
    assert ran.code == 2 and "Traceback" not in ran.output
    assert message in ran.stderr


def test_a_centre_template_renders_and_the_template_is_never_overwritten(data_dir, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ centre }}：{% for i in indicators %}{{ i.name }}={{ i.rate_text }}；{% endfor %}\n", encoding="utf-8")
    output = tmp_path / "out.md"
    assert in_process("report", data_dir, "--period", "2025", "-o", output, "--template", template, "--quiet") == 0
    assert output.read_text(encoding="utf-8").startswith("临城街道社区卫生服务中心：居民健康档案建档率=73.3%；")
    ran = run_chsc("report", data_dir, "--period", "2025", "-o", template, "--template", template)
    assert ran.code == 2 and template.read_text(encoding="utf-8").startswith("{{ centre }}")


def test_help_is_chinese_with_an_example():
    ran = run_chsc("report", "--help")
    assert ran.code == 0 and "示例" in ran.stdout and "工作总结" in ran.stdout


# ------------------------------------------------------------------------------------- README


def test_the_reports_page_documents_every_context_field():
    """docs/reports.md's field tables are `field_reference()` verbatim (regenerate when a field changes)."""
    assert field_reference() in REPORTS_PAGE.read_text(encoding="utf-8")


def test_the_template_error_hint_leads_to_the_field_tables():
    """A template error's hint names the docs/reports.md section of the fields (it named only the
    README's, which merely links there), and the README section that links to it."""
    fields_section, section = re.findall(r"「(.+?)」", README_HINT)
    assert f"## {fields_section}\n" in REPORTS_PAGE.read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    assert f"## {section}\n" in readme
    body = readme.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    assert "(docs/reports.md)" in body


# ------------------------------------------------------------------ shortfall, and its old name gap


def test_shortfall_and_its_old_name_gap_render_the_same_in_text_and_word_templates(computed, tmp_path):
    """StationLine and PlanFigures call the shortfall what IndicatorLine calls it; a centre's own
    template written with the old names (gap, gap_text) still renders the same figures."""
    context = _context(computed, kind="plan")
    assert [row for row in context.station_rows if row.shortfall] and [i for i in context.indicators if i.plan.shortfall]
    template = tmp_path / "mine.md.j2"
    template.write_text("{% for row in station_rows %}{{ row.gap_text }}/{{ row.gap }};{% endfor %}"
                        "{% for item in indicators %}{{ item.plan.gap_text }}/{{ item.plan.gap }};{% endfor %}", encoding="utf-8")
    def shown(value):  # a missing value prints nothing (report.shown_value), not None
        return "" if value is None else value

    expected = "".join(f"{row.shortfall_text}/{shown(row.shortfall)};" for row in context.station_rows)
    expected += "".join(f"{item.plan.shortfall_text}/{shown(item.plan.shortfall)};" for item in context.indicators)
    assert render_text(context, template, "md", user_template=True) == expected
    document = Document()
    document.add_paragraph("{% for row in station_rows %}[{{ row.gap_text }}|{{ row.shortfall_text }}]{% endfor %}")
    word = tmp_path / "mine.docx"
    document.save(word)
    rendered = Document(io.BytesIO(render_docx(context, word, user_template=True))).paragraphs[0].text
    assert rendered == "".join(f"[{row.shortfall_text}|{row.shortfall_text}]" for row in context.station_rows)
    assert "`gap_text`" in field_reference() and "`shortfall_text`" in field_reference()


def _docx_with(tmp_path: Path, part: str, content: bytes) -> Path:
    """The shipped summary template with one part replaced."""
    import zipfile

    source = shipped_templates_dir() / "summary.docx"
    target = tmp_path / "模板.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item, content if item.filename == part else old.read(item))
    return target


def test_a_docx_template_whose_xml_is_broken_is_a_user_error(data_dir, tmp_path):
    template = _docx_with(tmp_path, "word/document.xml", b"<w:document><unclosed>")
    ran = run_chsc("report", data_dir, "--period", "2025", "--template", template, "-o", tmp_path / "out.docx")
    assert ran.code == 2 and "不是有效的 Word 文档" in ran.stderr and "内部错误" not in ran.output


def test_a_docx_template_that_unpacks_past_the_limit_is_refused(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CHSC_MAX_UNPACKED_MB", "1")
    template = _docx_with(tmp_path, "word/document.xml", b"<!--" + b" " * 3_000_000 + b"-->")
    ran = run_chsc("report", data_dir, "--period", "2025", "--template", template, "-o", tmp_path / "out.docx")
    assert ran.code == 2 and "超过上限" in ran.stderr


def test_an_indicator_computed_over_no_one_is_not_called_not_computable(computed):
    """cli.md: a null reason is the one sign an indicator was computed. 0/0 with no reason was told
    as 「本期无法计算（分母为0）」 and counted among 「因数据不全无法计算」 (a review found it)."""
    import dataclasses

    settings, read, library, data, current, previous = computed
    elderly = next(row for row in current.indicators if row.id == "elderly_health_management_rate" and row.group is None)
    empty = dataclasses.replace(elderly, numerator=0, denominator=0, reason=None)
    result = dataclasses.replace(current, indicators=[empty if row is elderly else row for row in current.indicators])
    context = build_report_context(result, library=library, kind="summary")
    line = _line(context, "elderly_health_management_rate")
    assert line.sentence == "老年人健康管理率本期分母为0（统计期内没有应纳入的对象），不判断达标。"
    assert line.met_text == "不判断（分母为0）"  # the table's 达标 cell (a second review: it said 无法计算)
    chart = next(c.chart_svg for c in context.categories if any(i.id == line.id for i in c.indicators))
    assert "分母为0（目标" in chart and "无法计算（目标" not in chart
    assert context.counts.zero_denominator == 1 and "1项本期分母为0、不判断达标" in context.opening
    others = context.counts.not_computable - 1  # the 0/0 one is not among those 因数据不全
    assert f"，{others}项因数据不全无法计算，1项本期分母为0" in context.opening, context.opening
    plan = build_report_context(result, library=library, kind="plan")
    assert "分母为0，没有应纳入的对象，不判断达标" in _line(plan, "elderly_health_management_rate").plan.sentence
