"""A reviewer's new category, built from the docs alone, and the mistakes made on the way: a mistake
in populations.yaml is said once, in one line (not once per branch of a union, nor again for every
indicator using the population); two indicators may not share one Chinese name; and a `figure:`
names a chsc.yaml setting that chsc.yaml may then hold, a misspelt one never counting the roster in
silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from chsc_cli.engine import load_library
from chsc_cli.engine.library import shipped_library_dir
from chsc_cli.problems import UserError
from cli_helpers import run_chsc

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
