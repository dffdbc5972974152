"""A reviewer's new category, built from the docs alone, and the mistakes made on the way: a mistake
in populations.yaml is said once, in one line (not once per branch of a union, nor again for every
indicator using the population); two indicators may not share one Chinese name; and a `figure:`
names a chsc.yaml setting that chsc.yaml may then hold, a misspelt one never counting the roster in
silence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chsc_cli.engine import load_library
from chsc_cli.engine.library import shipped_library_dir
from chsc_cli.problems import UserError
from cli_helpers import run_chsc
from helpers import make_id, write_small_centre

# ------------------------------------------------------------------------------- the library's files

#: Old residents of the residents roster, and a union over them (both used by the indicators below).
POPULATIONS = """\
populations:
  old_residents:
    name: 老年居民
    register: residents
    where:
      - resident == yes
      - record_date <= period_end
    having:
      - age >= 65
  old_or_signed:
    union: [old_residents, residents_at_period_end]
"""


def own_rate(ident: str, name: str, denominator: str, extra: str = "") -> str:
    """A centre's own indicator: persons of the denominator who signed (签约)."""
    return f"""\
id: {ident}
name: {name}
category: 测试
registers: [residents]
definition: 测试：签约的人数 / 分母的人数
target: 0.5
denominator:
{denominator}numerator:
{extra}  require:
    - check:
        - signed == yes
"""


def library_folder(tmp_path: Path, populations: str = POPULATIONS, **indicators: str) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "populations.yaml").write_text(populations, encoding="utf-8")
    for ident, text in indicators.items():
        (folder / f"{ident}.yaml").write_text(text, encoding="utf-8")
    return folder


def refused(folder: Path) -> list[str]:
    """The lines of the loader's refusal, after its heading."""
    with pytest.raises(UserError) as raised:
        load_library([folder])
    heading, *lines = str(raised.value.message).splitlines()
    assert heading.startswith("指标定义有误")
    return lines


def users_of_old_residents() -> dict[str, str]:
    """Four indicators using the population `old_residents`: directly, in a numerator, through a
    union, in an `in_population` test."""
    return {
        "old_signed_rate": own_rate("old_signed_rate", "老年居民签约率", "  population: old_residents\n"),
        "old_signed_rate2": own_rate("old_signed_rate2", "老年居民签约率二", "  population: residents_at_period_end\n",
                                     "  population: old_residents\n"),
        "union_signed_rate": own_rate("union_signed_rate", "老年或在档居民签约率", "  population: old_or_signed\n"),
        "member_signed_rate": own_rate("member_signed_rate", "在档老年居民签约率",
                                       "  population: residents_at_period_end\n  having:\n    - in_population: old_residents\n"),
    }


# ------------------------------------------------------------------- one mistake, one line (issue 3)


def test_a_misspelt_key_of_a_population_is_one_line_with_a_guess(tmp_path):
    """`were:` for `where:` was ten lines: the key twice (once per branch of `Population | Union`),
    "missing union" and "unknown register" (right keys of the other branch), and every indicator
    using the population said to use an undefined one."""
    folder = library_folder(tmp_path, POPULATIONS.replace("    where:", "    were:"), **users_of_old_residents())
    lines = refused(folder)
    assert len(lines) == 1, lines
    assert "populations.yaml:5: 未知的键「were」" in lines[0] and "是不是 where" in lines[0]
    for noise in ("union", "register", "未定义的人群"):
        assert noise not in lines[0]


def test_an_unknown_derive_function_is_one_line_naming_the_known_ones(tmp_path):
    text = POPULATIONS.replace("    having:\n", "    derive:\n      visits: {count: record_date}\n    having:\n")
    lines = refused(library_folder(tmp_path, text, **users_of_old_residents()))
    assert len(lines) == 1, lines
    assert "未知的键「count」" in lines[0] and "earliest, latest, min, max" in lines[0]


def test_a_misspelt_union_is_guessed_as_a_union(tmp_path):
    text = POPULATIONS.replace("    union: [old_residents", "    unoin: [old_residents")
    lines = refused(library_folder(tmp_path, text, **users_of_old_residents()))
    assert len(lines) == 1, lines
    assert "未知的键「unoin」" in lines[0] and "是不是 union" in lines[0]


def test_the_other_populations_of_the_file_still_load_and_are_checked(tmp_path):
    """Only the population with the mistake is left out: an indicator using another population of
    the file is still checked against it (its unknown field is the second mistake)."""
    indicators = users_of_old_residents()
    indicators["old_signed_rate"] = indicators["old_signed_rate"].replace("signed == yes", "signd == yes")
    indicators["union_signed_rate"] = indicators["union_signed_rate"].replace("  population: old_or_signed\n",
                                                                              "  population: all_residents\n")
    text = POPULATIONS.replace("    where:", "    were:") + "  all_residents:\n    register: residents\n"
    lines = refused(library_folder(tmp_path, text, **indicators))
    assert len(lines) == 1, lines  # old_signed_rate reads old_residents: not checked until it loads
    indicators["union_signed_rate"] = indicators["union_signed_rate"].replace("signed == yes", "signd == yes")
    (tmp_path / "library" / "union_signed_rate.yaml").write_text(indicators["union_signed_rate"], encoding="utf-8")
    lines = refused(tmp_path / "library")
    assert len(lines) == 2, lines
    assert "union_signed_rate.yaml" in lines[1] and "signd" in lines[1]


def test_a_population_file_that_is_not_yaml_is_the_one_mistake(tmp_path):
    lines = refused(library_folder(tmp_path, POPULATIONS.replace("    where:", "\twhere:"), **users_of_old_residents()))
    assert len(lines) == 1 and "populations.yaml" in lines[0], lines


def test_the_command_line_says_the_mistake_in_two_lines(tmp_path):
    """cli.md: a user's mistake is one or two lines on stderr, exit 2."""
    folder = library_folder(tmp_path, POPULATIONS.replace("    where:", "    were:"), **users_of_old_residents())
    ran = run_chsc("explain", "old_signed_rate", "--indicators", folder)
    assert ran.code == 2
    assert len(ran.stderr.strip().splitlines()) == 2, ran.stderr
    assert "were" in ran.stderr and "Traceback" not in ran.stderr


# ------------------------------------------------------------------- one name, one indicator (issue 2)


def test_two_indicators_with_one_name_are_refused_naming_both_files(tmp_path):
    """A copied file given a new id but the old name: `explain 名称` found the first only."""
    indicators = users_of_old_residents()
    copy = indicators["old_signed_rate"].replace("id: old_signed_rate", "id: old_signed_copy")
    folder = library_folder(tmp_path, **indicators, old_signed_copy=copy)
    lines = refused(folder)
    assert len(lines) == 1, lines
    assert "old_signed_rate.yaml" in lines[0] and "old_signed_copy.yaml" in lines[0]
    assert "老年居民签约率" in lines[0]
    ran = run_chsc("explain", "老年居民签约率", "--indicators", folder)
    assert ran.code == 2 and len(ran.stderr.strip().splitlines()) == 2, ran.stderr


def test_names_compare_as_explain_finds_them(tmp_path):
    """White space and full-width forms do not make two names different to `explain 名称`."""
    indicators = users_of_old_residents()
    copy = indicators["old_signed_rate"].replace("id: old_signed_rate", "id: old_signed_copy").replace(
        "name: 老年居民签约率", "name: 老年居民 签约率")
    assert len(refused(library_folder(tmp_path, **indicators, old_signed_copy=copy))) == 1


def test_a_shipped_name_under_a_new_id_is_refused_but_the_same_id_replaces(tmp_path):
    text = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "health_record_rate.yaml").write_text(text.replace("target: 0.90", "target: 0.5"), encoding="utf-8")
    assert str(load_library([folder]).indicators["health_record_rate"].target) == "0.5"
    (folder / "our_record_rate.yaml").write_text(text.replace("id: health_record_rate", "id: our_record_rate"), encoding="utf-8")
    lines = refused(folder)
    assert len(lines) == 1 and "our_record_rate.yaml" in lines[0] and "居民健康档案建档率" in lines[0], lines


# ------------------------------------------------------------ a centre's own official figure (issue 1)

SIGNING_OVER_A_FIGURE = """\
id: signing_official_rate
name: 签约率（官方分母）
category: 测试
registers: [residents]
definition: 测试：签约的在档居民 / 上级下达的签约基数
target: 0.5
denominator:
  figure: population.signing_base
  population: residents_at_period_end
numerator:
  require:
    - check:
        - signed == yes
"""


def centre_with_figure(tmp_path: Path, config: str | None, figure: str = "population.signing_base",
                       text: str | None = None) -> tuple[Path, Path]:
    """(the data folder: three residents, two signed; the library folder with the indicator —
    SIGNING_OVER_A_FIGURE reading `figure`, or `text`)."""
    data = write_small_centre(tmp_path / "data", [make_id("19500101", "001"), make_id("19550101", "002"),
                                                  make_id("19900101", "003")])
    if config is not None:
        (data / "chsc.yaml").write_text(config, encoding="utf-8")
    library = tmp_path / "library"
    library.mkdir()
    (library / "signing_official_rate.yaml").write_text(text or SIGNING_OVER_A_FIGURE.replace("population.signing_base", figure),
                                                        encoding="utf-8")
    return data, library


def computed(data: Path, library: Path, *extra: str) -> tuple[dict, list[dict]]:
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet", "--indicators", library, *extra)
    assert ran.code == 0, ran.output
    result = json.loads(ran.stdout)
    rows = {(row["id"], json.dumps(row["group"], ensure_ascii=False)): row for row in result["indicators"]}
    return rows, [w for w in result["warnings"] if w["code"] == "definition-warning"]


def test_a_figure_of_the_centres_own_is_a_setting_chsc_yaml_accepts(tmp_path):
    """`figure: population.signing_base` makes `signing_base:` a population key (and a station's):
    it was refused as unknown, so a new category could not have an official denominator."""
    data, library = centre_with_figure(tmp_path, "population:\n  total: 10\n  signing_base: 8\nstations:\n  一站: {signing_base: 5}\n")
    rows, said = computed(data, library, "--by", "station")
    row = rows[("signing_official_rate", "null")]
    assert (row["numerator"], row["denominator"], row["denominator_source"]) == (2, 8, "config")
    assert rows[("signing_official_rate", '{"station": "一站"}')]["denominator"] == 5
    assert rows[("health_record_rate", "null")]["denominator"] == 10  # chsc's own keys as before
    assert said == []


def test_a_setting_no_indicator_reads_is_refused_naming_the_key(tmp_path):
    data, library = centre_with_figure(tmp_path, "population:\n  total: 10\n  signing_bas: 8\n")
    ran = run_chsc("compute", data, "-p", "2025", "--indicators", library)
    assert ran.code == 2 and len(ran.stderr.strip().splitlines()) <= 2, ran.stderr
    assert "第 3 行：未知的设置项「signing_bas」（是不是 signing_base？）" in ran.stderr
    assert "total, age_65_plus, adults_18_plus, live_births, children_0_6, signing_base" in ran.stderr
    (data / "chsc.yaml").write_text("population:\n  total: 10\n  signing_base: 8\n", encoding="utf-8")
    ran = run_chsc("validate", data)  # without the library that reads it
    assert ran.code == 2 and "未知的设置项「signing_base」" in ran.stderr and "--indicators" in ran.stderr


def test_a_misspelt_figure_does_not_count_the_roster_in_silence(tmp_path):
    """`population.totl` fell back to the roster without a word; chsc's own keys keep their quiet,
    documented fallback (no chsc.yaml here: population.total, age_65_plus … are missing too)."""
    data, library = centre_with_figure(tmp_path, None, "population.totl")
    rows, said = computed(data, library)
    row = rows[("signing_official_rate", "null")]
    assert (row["numerator"], row["denominator"], row["denominator_source"]) == (2, 3, "roster")
    assert len(said) == 1, said
    assert said[0]["file"].endswith("signing_official_rate.yaml") and said[0]["rows"] == [8]
    assert "population.totl" in said[0]["message"] and "是不是 population.total" in said[0]["message"]
    assert "分母改按 denominator.population 的人群计" in said[0]["message"]
    ran = run_chsc("compute", data, "-p", "2025", "--indicators", library)
    assert ran.code == 0 and "注意：" in ran.stderr and "population.totl" in ran.stderr


def test_a_new_figure_not_yet_given_is_said_with_where_to_give_it(tmp_path):
    text = SIGNING_OVER_A_FIGURE.replace("  population: residents_at_period_end\nnumerator:\n",
                                         "numerator:\n  population: residents_at_period_end\n")
    data, library = centre_with_figure(tmp_path, "population:\n  total: 10\n", text=text)
    rows, said = computed(data, library)
    assert rows[("signing_official_rate", "null")]["reason"] == "chsc.yaml 缺少 population.signing_base"
    assert len(said) == 1 and "请在 chsc.yaml 的 population: 下写 signing_base" in said[0]["message"], said


@pytest.mark.parametrize(("figure", "said"), [
    ("populaton.total", "是不是 population.total"),
    ("total", "是不是 population.total"),
    ("centre.upper", "应为 population.键 或 prevalence.键"),
    ("population.总人口", "应为 population.键 或 prevalence.键"),
])
def test_a_figure_that_names_no_setting_is_refused_at_load(tmp_path, figure, said):
    _, library = centre_with_figure(tmp_path, None, figure)
    lines = refused(library)
    assert len(lines) == 1 and said in lines[0] and "signing_official_rate.yaml:8:" in lines[0], lines


def test_a_figure_without_a_numerator_population_is_refused_at_load(tmp_path):
    """A figure alone: the numerator counts persons of numerator.population — without one the
    indicator could never be computed, which the reviewer only learnt once chsc.yaml had the figure."""
    _, library = centre_with_figure(tmp_path, None)
    text = SIGNING_OVER_A_FIGURE.replace("  population: residents_at_period_end\n", "")
    (library / "signing_official_rate.yaml").write_text(text, encoding="utf-8")
    lines = refused(library)
    assert len(lines) == 1 and "numerator.population" in lines[0], lines


def test_a_figure_key_that_is_a_word_of_python_is_only_a_key(tmp_path):
    """`copy` is a method of the settings' model: the figure reads chsc.yaml's value, never it."""
    data, library = centre_with_figure(tmp_path, "population:\n  copy: 6\n", "population.copy")
    rows, _ = computed(data, library)
    assert rows[("signing_official_rate", "null")]["denominator"] == 6


def test_a_prevalence_of_the_centres_own_multiplies_as_chsc_s_own_do(tmp_path):
    text = SIGNING_OVER_A_FIGURE.replace("  figure: population.signing_base\n",
                                         "  figure:\n    multiply: [population.total, prevalence.signing_share]\n    round: up\n")
    data, library = centre_with_figure(tmp_path, "population:\n  total: 10\nprevalence:\n  signing_share: 0.25\n", text=text)
    rows, said = computed(data, library)
    assert rows[("signing_official_rate", "null")]["denominator"] == 3  # 10 × 0.25 = 2.5, rounded up
    (data / "chsc.yaml").write_text("population:\n  total: 10\nprevalence:\n  signing_share: 1.5\n", encoding="utf-8")
    ran = run_chsc("compute", data, "-p", "2025", "--indicators", library)
    assert ran.code == 2 and "prevalence.signing_share" in ran.stderr and "大于 0 且小于 1" in ran.stderr, ran.stderr


# ---- the review of these fixes (7 December, night)

def test_indicators_with_a_config_refuses_a_misspelt_figure_key_as_the_data_commands_do(tmp_path):
    settings = tmp_path / "typo.yaml"
    settings.write_text("population:\n  totl: 32300\n", encoding="utf-8")
    ran = run_chsc("indicators", "--config", settings)
    assert ran.code == 2 and "第 2 行：未知的设置项「totl」（是不是 total？）" in ran.stderr, ran.output


@pytest.mark.parametrize("command", [("indicators",), ("explain", "elderly_health_management_rate")])
@pytest.mark.parametrize("config, said", [
    ("columns:\n  随访医师: 不存在的字段\n", "columns 中「随访医师」对应的「不存在的字段」不是已知的标准列名"),
    ("kinds:\n  \"*慢病*.xlsx\": no_such_kind\n", "kinds 中「*慢病*.xlsx」的类型「no_such_kind」不存在"),
])
def test_a_config_without_data_has_its_columns_and_kinds_checked_as_the_data_commands_do(tmp_path, command, config, said):
    settings = tmp_path / "bad.yaml"
    settings.write_text(config, encoding="utf-8")
    ran = run_chsc(*command, "--config", settings)
    assert ran.code == 2 and f"{settings} 第 2 行：{said}" in ran.stderr, ran.output


def test_explain_without_data_shows_the_target_of_the_config_given(tmp_path):
    settings = tmp_path / "targets.yaml"
    settings.write_text("targets:\n  elderly_health_management_rate: 0.95\n", encoding="utf-8")
    ran = run_chsc("explain", "elderly_health_management_rate", "--config", settings)
    assert ran.code == 0 and "目标：>= 95%" in ran.stdout, ran.output


@pytest.mark.parametrize("config, key", [
    ("population:\n  total: 10\n  stations:\n    一站: {total: 5}\n", "stations"),  # a section indented by mistake
    ("population:\n  totl:\n", "totl"),  # a misspelt key left empty
    ("population:\n  totl: 32,300x\n", "totl"),
    ("stations:\n  一站:\n    total: 5\n    hypertension: 0.18\n", "hypertension"),
])
def test_a_key_no_indicator_reads_is_said_as_unknown_before_its_value_is_judged(tmp_path, config, key):
    data, library = centre_with_figure(tmp_path, config)
    ran = run_chsc("compute", data, "-p", "2025", "--indicators", library)
    assert ran.code == 2 and f"未知的设置项「{key}」" in ran.stderr and "应为正整数" not in ran.stderr, ran.stderr


def test_a_figure_of_the_centres_own_with_a_bad_value_is_refused_as_chsc_own_are(tmp_path):
    data, library = centre_with_figure(tmp_path, "population:\n  signing_base: 5.5\n")
    ran = run_chsc("compute", data, "-p", "2025", "--indicators", library)
    assert ran.code == 2
    assert "第 2 行：population.signing_base 的值（数字 5.5）不对：人数必须是整数" in ran.stderr, ran.stderr


def test_a_key_of_the_other_form_of_a_population_is_not_guessed_as_itself(tmp_path):
    folder = library_folder(tmp_path, populations="populations:\n  older:\n    name: 老人\n"
                                                  "    union: [managed_hypertension_patients, managed_diabetes_patients]\n"
                                                  "    where: [age >= 65]\n")
    said = "\n".join(refused(folder))
    assert "是不是 where" not in said and "是不是 union" not in said
    assert "属于另一种写法" in said
