"""What a year-end review of the documents found (7 December, evening): explain left the fall from
the rows found to the numerator unexplained; a document said nothing of a register without a row in
the period; the change column was headed 较上年 whatever the compare period; a plan from part of a
year went unsaid; user templates printed None / False; and smaller words."""

from __future__ import annotations

import re
from pathlib import Path

import docx
from cli_helpers import run_chsc
from helpers import make_id, write_small_centre

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PEOPLE = [make_id("19500101", "001"), make_id("19550101", "002"), make_id("19900101", "003")]


def _steps(output: str) -> list[tuple[str, int]]:
    return [(label, int(number.replace(",", ""))) for label, number in re.findall(r"│ (\S[^│]*?)\s*│\s*([\d,]+) │", output)]


def test_explain_counts_those_who_meet_each_requirement_not_only_those_with_a_row(tmp_path):
    # two residents aged 65+ with a checkup row in 2025: one filled in, one without 健康指导 — the
    # step 「窗口内有符合条件记录的人数」 said 2 and 分子 1, with no step between to say why
    folder = write_small_centre(tmp_path / "centre", PEOPLE)
    from helpers import write_workbook

    write_workbook(folder / "老年人体检2025.xlsx", {"体检": [
        ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"],
        [PEOPLE[0], "2025-03-01", "是", "是", "是"],
        [PEOPLE[1], "2025-04-01", "是", "否", "是"],
    ]})
    ran = run_chsc("explain", "elderly_health_management_rate", folder, "-p", "2025")
    assert ran.code == 0, ran.output
    steps = _steps(ran.stdout)
    labels = [label for label, _ in steps]
    window = labels.index("老年人健康体检记录：窗口内有符合条件记录的人数")
    assert steps[window][1] == 2
    assert steps[window + 1] == ("满足分子条件的人数", 1)
    assert steps[-1] == ("分子", 1)
    assert "分母来源：" in ran.stdout and "分母来源：config" not in ran.stdout


def test_explain_names_each_series_of_a_several_requirement_numerator():
    ran = run_chsc("explain", "nip_basic_full_series_rate", SAMPLE, "-p", "2025")
    assert ran.code == 0, ran.output
    labels = [label for label, _ in _steps(ran.stdout)]
    for number, series in enumerate(["BCG", "HepB", "Polio", "DTaP", "MCV"], start=1):
        assert f"满足分子第{number}项条件的人数（series has {series}）" in labels
    assert "分母来源：名册" in ran.stdout


def test_a_document_says_when_the_registers_hold_no_row_in_its_period(tmp_path):
    # the 2025 checkup file alone, a report of 2026: 0.0% with no word of why, in the document itself
    folder = write_small_centre(tmp_path / "centre", PEOPLE)
    out = tmp_path / "总结.md"
    ran = run_chsc("report", folder, "-p", "2026", "-o", out, "--quiet")
    assert ran.code == 0, ran.output
    note = next(line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("注："))
    assert "统计期2026年" in note and "最晚的日期是 2025-03-01" in note
    assert "文中这些指标的数字不反映该期间的工作" in note and "以下数字" not in note


def test_the_change_column_is_headed_by_the_compare_period(tmp_path):
    for suffix in ("md", "docx"):
        out = tmp_path / f"q3.{suffix}"
        ran = run_chsc("report", SAMPLE, "-p", "2025Q3", "--compare", "2025Q2", "-o", out, "--quiet")
        assert ran.code == 0, ran.output
        if suffix == "md":
            text = out.read_text(encoding="utf-8")
            assert "| 较2025年第二季度 |" in text and "较上年" not in text
        else:
            headers = [cell.text for cell in docx.Document(out).tables[0].rows[0].cells]
            assert "较2025年第二季度" in headers and "较上年" not in headers
    out = tmp_path / "y.md"
    assert run_chsc("report", SAMPLE, "-p", "2025", "-o", out, "--quiet").code == 0
    assert "| 较上年 |" in out.read_text(encoding="utf-8")


def test_no_compare_data_is_said_of_the_compare_period_given(tmp_path):
    from helpers import write_workbook

    folder = write_small_centre(tmp_path / "centre", PEOPLE)
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": [
        ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"], [PEOPLE[0], "2025-08-01", "是", "是", "是"]]})
    out = tmp_path / "q3.md"
    ran = run_chsc("report", folder, "-p", "2025Q3", "--compare", "2025Q2", "-o", out, "--quiet")
    assert ran.code == 0, ran.output
    text = out.read_text(encoding="utf-8")
    assert "无2025年第二季度数据" in text and "无上年数据" not in text


def test_a_plan_from_part_of_a_year_is_said(tmp_path):
    ran = run_chsc("report", SAMPLE, "-p", "2025Q3", "--kind", "plan", "-o", tmp_path / "plan.md")
    assert ran.code == 0, ran.output
    assert "统计期2025年第三季度不是全年" in ran.stderr
    whole = run_chsc("report", SAMPLE, "-p", "2025", "--kind", "plan", "-o", tmp_path / "plan2.md")
    assert whole.code == 0 and "不是全年" not in whole.stderr


def test_a_user_template_prints_missing_values_and_booleans_in_words(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("[{{ indicators[0].reason }}] [{{ indicators[0].computable }}] [{{ missed[0].met }}]\n", encoding="utf-8")
    out = tmp_path / "out.md"
    ran = run_chsc("report", SAMPLE, "-p", "2025", "--template", template, "-o", out, "--quiet")
    assert ran.code == 0, ran.output
    assert out.read_text(encoding="utf-8") == "[] [是] [否]\n"


def test_a_template_that_includes_another_is_told_so_in_chinese(tmp_path):
    template = tmp_path / "inc.md.j2"
    template.write_text('{% include "other.md" %}\n', encoding="utf-8")
    ran = run_chsc("report", SAMPLE, "-p", "2025", "--template", template, "-o", tmp_path / "out.md", "--quiet")
    assert ran.code == 2
    assert "不能引用其他模板文件" in ran.stderr and "no loader" not in ran.stderr


def test_writing_over_the_template_itself_is_refused_as_such(tmp_path):
    template = tmp_path / "t.docx"
    template.write_bytes((SAMPLE.parent / "templates" / "summary.docx").read_bytes())
    before = template.read_bytes()
    ran = run_chsc("report", SAMPLE, "-p", "2025", "--template", template, "-o", template, "--quiet")
    assert ran.code == 2
    assert "不能把报告写到模板文件本身" in ran.stderr and "数据文件夹" not in ran.stderr
    assert template.read_bytes() == before


def test_progress_through_january_is_titled_1月(tmp_path):
    ran = run_chsc("progress", SAMPLE, "--year", "2025", "--through", "1", "--quiet")
    assert ran.code == 0, ran.output
    assert "2025年 1月 指标进度" in ran.stdout and "1–1月" not in ran.stdout


def test_explain_of_an_indicator_whose_register_is_missing_prints_no_empty_step_table(tmp_path):
    folder = write_small_centre(tmp_path / "centre", PEOPLE)
    ran = run_chsc("explain", "infectious_disease_report_rate", folder, "-p", "2025", "--quiet")
    assert ran.code == 0, ran.output
    assert "计算步骤" not in ran.stdout and "无法计算：缺少登记表：传染病报告卡登记" in ran.stdout


def test_a_district_documents_note_says_the_advice_once_after_the_centres_notices(tmp_path):
    from helpers import write_workbook

    for centre, day in (("甲中心", "2025-03-01"), ("乙中心", "2025-04-01")):
        folder = write_small_centre(tmp_path / "district" / centre, PEOPLE)
        write_workbook(folder / "老年人体检2025.xlsx", {"体检": [
            ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"], [PEOPLE[0], day, "是", "是", "是"]]})
    out = tmp_path / "区.md"
    ran = run_chsc("report", tmp_path / "district", "--centres", "-p", "2024", "-o", out, "--quiet")
    assert ran.code == 0, ran.output
    note = next(line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("注："))
    assert "甲中心：统计期2024年" in note and "乙中心：统计期2024年" in note
    assert note.count("文中这些指标的数字不反映该期间的工作") == 1 and "。；" not in note


def test_explain_tells_apart_every_requirement_and_says_the_numerators_own_condition():
    # a review: child_tcm_management_rate's two requirements (one count:, one any:) printed two
    # unlabelled 「其中满足本项全部要求的人数」, the second larger than the step above it; and a
    # numerator's having: (活产数 > 0) had no step, so 226 -> 分子 225 went unexplained
    ran = run_chsc("explain", "child_tcm_management_rate", SAMPLE, "-p", "2025")
    labels = [label for label, _ in _steps(ran.stdout)]
    assert len(labels) == len(set(labels))
    assert any(label.startswith("满足分子第1项条件的人数") for label in labels) and "满足分子第2项条件的人数" in labels
    ran = run_chsc("explain", "early_pregnancy_registration_rate", SAMPLE, "-p", "2025")
    steps = dict(_steps(ran.stdout))
    assert steps["分母中符合分子人群条件的分娩数：largest_live_births > 0"] >= steps["分子"]
