"""The 2025 工作总结 of sample_data with --compare 2024 has a section for every category of services.md,
in its order, each with its heading and its table (re-opened with python-docx); count indicators read
in 次 there (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import in_process, run_chsc
from docx import Document

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SERVICES = ROOT.parent / "shared" / "spec" / "services.md"
HEADER = ["指标", "目标", "分子", "分母", "完成率", "较上年", "是否达标"]


def spec_categories() -> list[str]:
    """The categories in the order services.md gives them (its 'The indicators' paragraph)."""
    text = SERVICES.read_text(encoding="utf-8")
    sentence = re.search(r"Categories and their order in reports follow the specification: (.*?)\.\s", text, re.S).group(1)
    return [name.strip() for name in sentence.replace("\n", " ").split(",")]


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Document:
    output = tmp_path_factory.mktemp("report") / "2025年度工作总结.docx"
    assert in_process("report", SAMPLE, "--period", "2025", "--compare", "2024", "-o", output, "--quiet") == 0
    return Document(str(output))


def test_every_category_has_its_heading_and_table_in_order(summary):
    categories = spec_categories()
    assert len(categories) == 14
    headings = [p.text for p in summary.paragraphs if p.style.name.startswith("Heading")]
    found = [next((h for h in headings if h.endswith(name) and "、" in h), None) for name in categories]
    assert None not in found, [name for name, h in zip(categories, found) if h is None]
    assert [headings.index(h) for h in found] == sorted(headings.index(h) for h in found)
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in summary.tables]
    category_tables = [t for t in tables if t[0] == HEADER]
    assert len(category_tables) == len(categories)
    names = [row[0] for table in category_tables for row in table[1:]]
    assert len(names) == 32 and "健康知识讲座次数" in names and "传染病疫情报告及时率" in names


def test_every_table_cell_carries_its_units_word(summary):
    """services.md: 人 for persons and deliveries, 例 for cards, 条 for supervision clues, 次 for
    counts — in tables too: a station's shortfall of cards is 1例, never under a 尚差(人) heading."""
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in summary.tables]
    assert not any("(人)" in heading for table in tables for heading in table[0])
    words = {"传染病疫情报告率": "例", "卫生监督协管信息报告率": "条", "健康知识讲座次数": "次", "老年人健康管理率": "人"}
    stations = [table for table in tables if table[0][-1] == "尚差"]
    assert stations
    seen = set()
    for row in (row for table in stations for row in table[1:]):
        if row[1] in words and row[-1] != "—":
            assert re.fullmatch(r"[\d,]+" + words[row[1]], row[-1]), row
            seen.add(row[1])
    assert seen == set(words)
    changes = [row[5] for table in tables if table[0] == HEADER for row in table[1:]]
    assert all(re.fullmatch(r"[+-][\d.]+(个百分点|次)|持平|无上年数据|—", change) for change in changes), changes


def test_counts_read_in_times(summary):
    text = "\n".join(p.text for p in summary.paragraphs)
    assert re.search(r"健康知识讲座\d+次，(较上年(增加|减少)\d+次|与上年持平|无上年数据)，(达到每年12次的要求|未达到每年12次的要求，尚差\d+次)。", text)
    rows = {row.cells[0].text: [c.text for c in row.cells] for table in summary.tables for row in table.rows}
    lecture = rows["健康知识讲座次数"]
    assert lecture[1] == "12次" and lecture[2].isdigit() and lecture[3] == "—" and lecture[4].endswith("次")


def test_a_station_count_without_a_minimum_has_no_target(summary):
    """公众健康咨询 has no per_year_station: its station rows say 不设目标, not 无法计算."""
    station_rows = [[c.text for c in row.cells] for table in summary.tables for row in table.rows
                    if len(row.cells) > 1 and row.cells[1].text == "公众健康咨询活动次数"]
    assert station_rows and all("不设目标" in row and "无法计算" not in row for row in station_rows)


def test_a_half_year_plan_takes_the_yearly_count_from_chsc_yaml(tmp_path):
    """For a period shorter than a year the plan's yearly minimum of a count is chsc.yaml's target
    when it sets one (here 24 lectures a year), not the library's 12."""
    config = tmp_path / "chsc.yaml"
    shipped = (SAMPLE / "chsc.yaml").read_text(encoding="utf-8")
    assert "health_lecture_count" not in shipped
    config.write_text(shipped + "\ntargets:\n  health_lecture_count: 24\n" if "\ntargets:" not in shipped
                      else shipped.replace("\ntargets:", "\ntargets:\n  health_lecture_count: 24", 1), encoding="utf-8")
    output = tmp_path / "计划.md"
    assert in_process("report", SAMPLE, "--period", "2025H1", "--kind", "plan", "--config", config, "-o", output, "--quiet") == 0
    text = output.read_text(encoding="utf-8")
    assert "全年开展健康知识讲座不少于24次，每月至少2次" in text and "不少于12次" not in text.split("健康知识讲座")[1][:40]


def test_a_district_half_year_plan_sums_its_centres_yearly_minimums(tmp_path):
    """A district's count is planned for the year as the sum of its centres' yearly minimums: two
    centres, one whose chsc.yaml asks 24 lectures a year, the other the library's 12 -> 36."""
    from helpers import write_xlsx

    for folder, extra in (("甲中心", "targets:\n  health_lecture_count: 24\n"), ("乙中心", "")):
        centre = tmp_path / folder
        centre.mkdir()
        (centre / "chsc.yaml").write_text(f"centre: {folder}\n{extra}", encoding="utf-8")
        write_xlsx(centre / "健康教育活动记录.xlsx", [
            ["活动日期", "活动形式", "活动主题", "参加人数"],
            ["2025-01-10", "健康知识讲座", "控烟", 30], ["2025-02-10", "健康知识讲座", "膳食", 20],
        ])
    output = tmp_path / "区计划.md"
    assert in_process("report", tmp_path, "--centres", "--period", "2025H1", "--kind", "plan", "-o", output, "--quiet") == 0
    text = output.read_text(encoding="utf-8")
    assert "全年开展健康知识讲座不少于36次，每月至少3次" in text, text[:3000]


def test_the_readme_report_excerpt_is_this_report(summary):
    """The README quotes the opening of this very report (its Markdown form): each quoted line is a
    paragraph of it, so the excerpt cannot go stale."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    excerpt = readme[readme.index("`chsc report sample_data --period 2025 --compare 2024 -o 总结.md`"):]
    quoted = [line[2:].removeprefix("# ") for line in excerpt.splitlines() if line.startswith("> ")]
    paragraphs = {p.text for p in summary.paragraphs}
    assert len(quoted) >= 2 and [line for line in quoted if line not in paragraphs] == []


def test_a_counts_plan_spreads_each_stations_yearly_minimum_over_the_months_as_the_centres(tmp_path):
    """A review of the outputs: the plan's centre row for 健康知识讲座 said 1次 a month (12 a year),
    its station rows ceil(this year's shortfall ÷ 12) — 0次 for a station at 6 of 6 needing 6 again.
    Each is now the yearly minimum spread over the months, from 12 a year (below: —)."""
    from helpers import write_workbook

    lectures = [["活动日期", "活动形式", "参加人数", "所属站点"]]
    lectures += [[f"2025-{month:02d}-10", "健康知识讲座", 30, "一站" if month <= 6 else "二站"] for month in range(1, 13)]
    write_workbook(tmp_path / "健康教育活动记录.xlsx", {"健康教育": lectures})
    output = tmp_path / "计划.md"
    ran = run_chsc("report", tmp_path, "--period", "2025", "--kind", "plan", "-o", output, "--quiet")
    assert ran.code == 0, ran.output
    text = output.read_text(encoding="utf-8")
    assert "| 健康知识讲座次数 | 12次 | 12次 | 0次 | 1次 |" in text
    # a station's 6 a year is one every two months: no monthly figure (services.md: from 12 a year)
    assert "| 一站 | 健康知识讲座次数 | 6次 | 6次 | 0次 | — |" in text and "| 二站 | 健康知识讲座次数 | 6次 | 6次 | 0次 | — |" in text
