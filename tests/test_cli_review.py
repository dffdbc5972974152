"""The command line against cli.md, second pass (review of 7 December, night): a check with nothing
to judge says so, a gap list of an indicator that cannot be computed says why instead of an empty
list, a bad --compare is named as --compare, and validate --help shows its examples apart."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import run_chsc

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _template_folder(tmp_path):
    folder = tmp_path / "新数据"
    assert run_chsc("init", folder, "--quiet").code == 0
    return folder


def test_check_with_no_indicator_it_can_judge_does_not_say_all_targets_are_met(tmp_path):
    ran = run_chsc("check", _template_folder(tmp_path), "-p", "2025", "--quiet")
    assert ran.code == 0, ran.output  # cli.md: exit 1 only when a target is missed
    assert "全部达标" not in ran.stdout
    assert "没有可判断达标的指标" in ran.stdout and "无法计算：" in ran.stdout


def test_gaps_of_an_indicator_that_cannot_be_computed_says_why_without_an_empty_list(tmp_path):
    ran = run_chsc("gaps", "elderly_health_management_rate", _template_folder(tmp_path), "-p", "2025", "--quiet")
    assert "待完成名单" not in ran.stdout
    assert "老年人健康管理率：无法计算，缺少登记表：老年人健康体检记录" in ran.stdout


def test_a_bad_compare_period_is_named_as_the_compare_option(tmp_path):
    ran = run_chsc("report", SAMPLE, "-p", "2025", "--compare", "2024H3", "-o", tmp_path / "x.md")
    assert ran.code == 2
    assert ran.stderr.startswith("错误：--compare：无法识别统计期间「2024H3」"), ran.stderr
    assert "统计期「2024H3」无法识别" not in ran.stderr  # said once, not twice


def test_validate_help_shows_each_example_on_its_own_line():
    ran = run_chsc("validate", "--help")
    lines = [line.strip() for line in ran.stdout.splitlines() if "示例：" in line]
    assert len(lines) == 2 and all(line.startswith("示例：chsc validate sample_data") for line in lines), lines


def test_a_reference_error_in_a_config_given_with_dash_dash_config_names_that_file(tmp_path):
    settings = tmp_path / "本中心设置.yaml"
    settings.write_text("targets:\n  nope_rate: 0.9\n", encoding="utf-8")
    ran = run_chsc("compute", SAMPLE, "-p", "2025", "--config", settings, "--quiet")
    assert ran.code == 2
    assert ran.stderr.startswith(f"错误：{settings} 第 2 行：targets 中的指标「nope_rate」不存在"), ran.stderr


def test_validate_json_with_a_bad_chsc_yaml_prints_the_bad_config_problem_and_exits_2(tmp_path):
    import json
    import shutil

    folder = tmp_path / "数据"
    shutil.copytree(SAMPLE, folder)
    (folder / "chsc.yaml").write_text("centre: 甲\npopulaton:\n  total: 5\n", encoding="utf-8")
    ran = run_chsc("validate", folder, "--format", "json", "--quiet")
    assert ran.code == 2
    data = json.loads(ran.stdout)  # cli.md lists bad-config among the problems a script reads
    assert data["registers"] == [] and data["skipped"] == []
    [problem] = data["problems"]
    assert (problem["code"], problem["level"], problem["file"], problem["row"]) == ("bad-config", "error", "chsc.yaml", 2)
    assert "populaton" in problem["message"] and "populaton" in ran.stderr  # and the line on stderr


def test_explain_starts_from_the_register_rows_it_reads():
    """cli.md: explain gives "the count at each step from register rows to numerator and denominator"."""
    ran = run_chsc("explain", "elderly_health_management_rate", SAMPLE, "-p", "2025")
    assert ran.code == 0, ran.output
    lines = [line for line in ran.stdout.splitlines() if "│" in line]
    first = [line.split("│")[1].strip() for line in lines[:2]]
    assert first == ["老年人健康体检记录：读入的记录行数（各时期，出错的行除外）",
                     "居民健康档案花名册：读入的记录行数（各时期，出错的行除外）"], lines[:3]
    from chsc_cli.registers.reader import read_folder

    read = read_folder(SAMPLE)
    shown = [int(line.split("│")[2].strip().replace(",", "")) for line in lines[:2]]
    assert shown == [len(read.tables["elderly_checkups"]), len(read.tables["residents"])]


def test_a_chsc_yaml_syntax_error_is_said_in_chinese_first(tmp_path):
    import shutil

    folder = tmp_path / "数据"
    shutil.copytree(SAMPLE, folder)
    for text, said in (("centre: 甲\ntargets: [a, b\n", "方括号 [ ] 没有配对"),
                       ("centre: 甲\npopulation:\n\ttotal: 5\n", "用了 Tab 缩进或对齐，请改用空格")):
        (folder / "chsc.yaml").write_text(text, encoding="utf-8")
        ran = run_chsc("compute", folder, "-p", "2025", "--quiet")
        assert ran.code == 2
        first = ran.stderr.splitlines()[0]
        assert f"第 3 行第 1 列：YAML 格式错误：{said}" in first, first


def test_format_names_are_read_in_any_case_as_file_suffixes_are():
    import json

    ran = run_chsc("compute", SAMPLE, "-p", "2025", "--format", "JSON", "--quiet")
    assert ran.code == 0 and json.loads(ran.stdout)["indicators"], ran.stderr
    ran = run_chsc("validate", SAMPLE, "--format", "Json", "--quiet")
    assert ran.code in (0, 1) and "registers" in json.loads(ran.stdout), ran.stderr


def test_template_takes_a_kinds_chinese_title_too(tmp_path):
    from openpyxl import load_workbook

    ran = run_chsc("template", "高血压患者随访记录", "-o", tmp_path / "随访.xlsx", "--quiet")
    assert ran.code == 0, ran.output
    header = [cell.value for cell in next(load_workbook(tmp_path / "随访.xlsx").active.iter_rows(max_row=1))]
    assert "随访日期" in header and "收缩压" in header
    ran = run_chsc("template", "高血压随访", "-o", tmp_path / "x.xlsx")
    assert ran.code == 2 and "hypertension_followups（高血压患者随访记录）" in ran.stderr


def test_an_unpaired_brace_in_chsc_yaml_is_said_as_one(tmp_path):
    import shutil

    folder = tmp_path / "数据"
    shutil.copytree(SAMPLE, folder)
    (folder / "chsc.yaml").write_text("centre: 甲\nstations:\n  城东站: {total: 7800, age_65_plus: 1150\n  城西站: {total: 9000}\n",
                                      encoding="utf-8")
    ran = run_chsc("compute", folder, "-p", "2025", "--quiet")
    assert ran.code == 2 and "花括号 { } 没有配对" in ran.stderr and "加引号" not in ran.stderr, ran.stderr


def test_validate_json_with_a_broken_indicator_file_names_no_chsc_yaml(tmp_path):
    library = tmp_path / "本中心指标"
    library.mkdir()
    (library / "broken.yaml").write_text("id: broken\nname: 坏的\n", encoding="utf-8")
    ran = run_chsc("validate", SAMPLE, "--indicators", library, "--format", "json", "--quiet")
    assert ran.code == 2 and ran.stdout == "" and "broken.yaml" in ran.stderr, ran.output


def test_template_finds_a_title_written_with_full_width_digits(tmp_path):
    ran = run_chsc("template", "０～６岁儿童健康管理花名册", "-o", tmp_path / "x.xlsx", "--quiet")
    assert ran.code == 0, ran.output
