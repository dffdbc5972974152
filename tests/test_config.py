"""chsc.yaml: loading, exact values, and Chinese errors that name the file, line and allowed values."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from chsc_cli.config import CentreConfig, LoadedConfig, Population, find_config, load_config
from chsc_cli.problems import UserError

# The example of registers.md, section "chsc.yaml — the centre's settings".
SPEC_EXAMPLE = """\
centre: 临城街道社区卫生服务中心
population:            # official denominators from the district (基础数据)
  total: 100000        # 辖区常住人口数
  age_65_plus: 12000   # 辖区65岁及以上常住居民数
  adults_18_plus: 80000
prevalence:            # for 管理率 estimates
  hypertension: 0.25
  diabetes: 0.09
stations:              # optional per-station official denominators, for --by station
  一站: {total: 25000, age_65_plus: 3100}
targets:               # override any indicator's target: 0.9 or "90%"
  elderly_health_management_rate: 0.90
  hypertension_management_rate: "90%"
columns:               # extra header aliases: alias -> canonical name
  证件号: 身份证号
reference_date: period_end   # age reference; period_end (default) or period_start
kinds:                 # settle a sheet's kind: glob over the path relative to the data folder,
  "*慢病名册*.xlsx": hypertension_patients      # optionally "file.xlsx#sheet" for one sheet
population_by_year:    # optional: other years' official figures (for --compare, progress); same keys
  2024: {total: 98000, age_65_plus: 11500}
"""

TOP_LEVEL_KEYS = "centre, population, prevalence, stations, targets, columns, reference_date, hidden_sheets, kinds, population_by_year"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chsc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        load_config(write(tmp_path, text))
    error = caught.value
    assert error.code == "bad-config"
    assert "Traceback" not in str(error)
    assert len(str(error).splitlines()) <= 2
    return error


# --------------------------------------------------------------------------------------- loading


def test_spec_example_loads_with_exact_values(tmp_path):
    loaded = load_config(write(tmp_path, SPEC_EXAMPLE))
    settings = loaded.settings
    assert settings.centre == "临城街道社区卫生服务中心"
    assert settings.population == Population(total=100000, age_65_plus=12000, adults_18_plus=80000)
    assert str(settings.prevalence.hypertension) == "0.25"
    assert settings.prevalence.hypertension == Decimal("0.25")
    assert settings.prevalence.diabetes == Decimal("0.09")
    assert settings.stations == {"一站": Population(total=25000, age_65_plus=3100)}
    assert settings.targets == {
        "elderly_health_management_rate": Decimal("0.9"),
        "hypertension_management_rate": Decimal("0.9"),
    }
    assert str(settings.targets["hypertension_management_rate"]) == "0.9"
    assert settings.columns == {"证件号": "身份证号"}
    assert settings.reference_date == "period_end"
    assert settings.kinds == {"*慢病名册*.xlsx": "hypertension_patients"}
    assert settings.population_by_year[2024].total == 98000
    assert settings.population_by_year[2024].age_65_plus == 11500
    assert loaded.path == tmp_path / "chsc.yaml"


def test_line_of_key_paths(tmp_path):
    loaded = load_config(write(tmp_path, SPEC_EXAMPLE))
    assert loaded.line_of("centre") == 1
    assert loaded.line_of("population", "age_65_plus") == 4
    assert loaded.line_of("stations", "一站", "age_65_plus") == 10
    assert loaded.line_of("targets", "hypertension_management_rate") == 13
    assert loaded.line_of("kinds", "*慢病名册*.xlsx") == 18
    assert loaded.line_of("population_by_year", 2024) == 20
    assert loaded.line_of("population", "nothing_here") is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [("0.9", "0.9"), ('"0.9"', "0.9"), ('"90%"', "0.9"), ("90%", "0.9"), ("0.875", "0.875"),
     ('"87.5%"', "0.875"), ("1", "1"), ("0", "0"), ('"100%"', "1")],
)
def test_target_forms(tmp_path, written, expected):
    settings = load_config(write(tmp_path, f"targets:\n  some_rate: {written}\n")).settings
    assert settings.targets["some_rate"] == Decimal(expected)
    assert str(settings.targets["some_rate"]) == expected


def test_prevalence_percent_and_quoted_counts(tmp_path):
    settings = load_config(write(tmp_path, 'prevalence:\n  diabetes: "9%"\npopulation:\n  total: "100,000"\n')).settings
    assert settings.prevalence.diabetes == Decimal("0.09")
    assert settings.population.total == 100000


def test_station_name_matching_ignores_white_space(tmp_path):
    settings = load_config(write(tmp_path, "stations:\n  一 站: {total: 25000}\n  二站: {age_65_plus: 900}\n")).settings
    assert settings.station_figures("一站") == Population(total=25000)
    assert settings.station_figures(" 二\u3000站 ") == Population(age_65_plus=900)
    assert settings.station_figures("三站") is None


def test_a_full_width_station_name_is_the_station_a_register_writes_half_width(tmp_path):
    """A register's 所属站点 is read as text (NFKC, no white space): 「Ａ站」 in chsc.yaml is its 「A站」."""
    settings = load_config(write(tmp_path, "stations:\n  Ａ站: {total: 10}\n  第１ 站: {total: 20}\n")).settings
    assert settings.station_figures("A站") == Population(total=10)
    assert settings.station_figures("第1站") == Population(total=20)
    error = load_error(tmp_path, "stations:\n  A站: {total: 1}\n  Ａ站: {total: 2}\n")
    assert "「A站」和「Ａ站」" in error.message


def test_stations_equal_after_removing_spaces_are_an_error(tmp_path):
    error = load_error(tmp_path, "stations:\n  一站: {total: 1}\n  一 站: {total: 2}\n")
    assert "第 1 行" in error.message
    assert "「一站」和「一 站」" in error.message


def test_keys_are_text_even_when_yaml_would_read_a_boolean(tmp_path):
    settings = load_config(write(tmp_path, "columns:\n  no: 序号\n  yes: 是否\n")).settings
    assert settings.columns == {"no": "序号", "yes": "是否"}


@pytest.mark.parametrize("text", ["", "\n", "# 只有注释\n", "---\n"])
def test_empty_file_gives_defaults(tmp_path, text):
    loaded = load_config(write(tmp_path, text))
    assert loaded.settings == CentreConfig()
    assert loaded.settings.reference_date == "period_end"
    assert loaded.settings.stations == {}


def test_empty_sections_mean_none(tmp_path):
    settings = load_config(write(tmp_path, "stations:\ntargets:\npopulation:\n")).settings
    assert settings.stations == {} and settings.targets == {} and settings.population is None


def test_no_file_gives_defaults(tmp_path):
    assert load_config(None) == LoadedConfig(CentreConfig(), None)
    assert load_config(tmp_path / "chsc.yaml").settings == CentreConfig()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_a_file_as_notepad_saves_it_is_read(tmp_path, encoding):
    """“ANSI” (GBK on a Chinese Windows), “Unicode” (UTF-16 with its BOM: Python's utf-16 writes one;
    utf-16-be gets its BOM below), UTF-8 with a BOM; UTF-32 (its BOM begins as UTF-16's)."""
    path = tmp_path / "chsc.yaml"
    data = "centre: 临城街道社区卫生服务中心\n".encode(encoding)
    path.write_bytes(b"\xfe\xff" + data if encoding == "utf-16-be" else data)
    assert load_config(path).settings.centre == "临城街道社区卫生服务中心"


@pytest.mark.parametrize(
    "data",
    [b"centre: \xff\x00\x81\n", "centre: 某中心\n".encode("utf-16-le"), b"\xff\xfe\x00\x00c\x00", b"centre: a\x00b\n"],
    ids=["binary", "utf-16 without its BOM", "utf-32 cut short", "a NUL"],
)
def test_bytes_that_are_no_text_are_one_chinese_message(tmp_path, data):
    path = tmp_path / "chsc.yaml"
    path.write_bytes(data)
    with pytest.raises(UserError) as raised:
        load_config(path)
    assert "不是文本文件（无法按 UTF-8、UTF-16 或 GBK 读取）" in str(raised.value)


def test_a_control_character_is_named_with_its_line_not_a_yaml_error(tmp_path):
    """YAML's reader refuses control characters before any line is known (it raised out of chsc)."""
    path = tmp_path / "chsc.yaml"
    path.write_bytes("centre: 某中心\nstations:\n  - 城东\x07站\n".encode("utf-8"))
    with pytest.raises(UserError) as raised:
        load_config(path)
    assert f"{path} 第 3 行含有不可见的控制字符（U+0007）" in str(raised.value)


def test_reference_date_period_start(tmp_path):
    assert load_config(write(tmp_path, "reference_date: period_start\n")).settings.reference_date == "period_start"


# --------------------------------------------------------------------------------------- find_config


def test_find_config_default_and_explicit(tmp_path):
    assert find_config(tmp_path, None) is None
    default = write(tmp_path, "centre: 甲\n")
    assert find_config(tmp_path, None) == default
    other = tmp_path / "other.yaml"
    other.write_text("centre: 乙\n", encoding="utf-8")
    assert find_config(tmp_path, other) == other


def test_missing_explicit_config_is_a_user_error(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(UserError) as caught:
        find_config(tmp_path, missing)
    assert caught.value.code == "bad-config"
    assert "找不到配置文件" in caught.value.message
    assert str(missing) in caught.value.message


def test_explicit_config_that_is_a_folder(tmp_path):
    with pytest.raises(UserError) as caught:
        find_config(tmp_path, tmp_path)
    assert "不是文件" in caught.value.message


# --------------------------------------------------------------------------------------- errors


def test_unknown_top_level_key(tmp_path):
    text = "centre: 甲\n" + "\n" * 10 + "populaton:\n  total: 5\n"
    error = load_error(tmp_path, text)
    assert "chsc.yaml 第 12 行：未知的设置项「populaton」" in error.message
    assert f"允许的设置项：{TOP_LEVEL_KEYS}" in error.message
    assert "是不是 population" in error.message


def library_error(tmp_path: Path, text: str) -> UserError:
    """A population key is checked once the indicator library is known (a centre's own indicator
    may read a figure of its own: config_rules.verify_figures); the shipped library reads none but chsc's."""
    from chsc_cli.engine import load_library
    from chsc_cli.services.config_rules import verify_against_library

    loaded = load_config(write(tmp_path, text))
    with pytest.raises(UserError) as caught:
        verify_against_library(load_library(), loaded)
    error = caught.value
    assert error.code == "bad-config" and len(str(error).splitlines()) <= 2
    return error


def test_unknown_nested_key_lists_that_level(tmp_path):
    error = library_error(tmp_path, "population:\n  total: 100\n  age_65: 5\n")
    assert "第 3 行" in error.message
    assert "「age_65」" in error.message
    assert "允许的设置项：total, age_65_plus, adults_18_plus" in error.message
    assert "centre" not in error.message


def test_unknown_key_in_a_station(tmp_path):
    error = library_error(tmp_path, "stations:\n  一站:\n    total: 1\n    totl: 2\n")
    assert "第 4 行" in error.message
    assert "stations.一站 下允许的设置项：total, age_65_plus, adults_18_plus" in error.message


def test_bad_reference_date(tmp_path):
    error = load_error(tmp_path, "centre: 甲\nreference_date: period_middle\n")
    assert "第 2 行" in error.message
    assert "period_middle" in error.message
    assert "reference_date 只能是 period_end 或 period_start" in error.message


def test_negative_population(tmp_path):
    error = load_error(tmp_path, "population:\n  total: 100\n  age_65_plus: -5\n")
    assert "第 3 行：population.age_65_plus" in error.message
    assert "-5" in error.message
    assert "正整数" in error.message


def test_fractional_population(tmp_path):
    error = load_error(tmp_path, "population_by_year:\n  2024:\n    total: 1.5\n")
    assert "第 3 行：population_by_year.2024.total" in error.message
    assert "整数" in error.message


def test_prevalence_above_one(tmp_path):
    error = load_error(tmp_path, "prevalence:\n  hypertension: 1.5\n")
    assert "第 2 行：prevalence.hypertension" in error.message
    assert "1.5" in error.message
    assert "0 与 1 之间" in error.message


@pytest.mark.parametrize("written", ["0", "1", '"0%"', "abc", "yes"])
def test_prevalence_must_be_strictly_between_zero_and_one(tmp_path, written):
    error = load_error(tmp_path, f"prevalence:\n  diabetes: {written}\n")
    assert "第 2 行：prevalence.diabetes" in error.message


def test_target_above_hundred_percent(tmp_path):
    error = load_error(tmp_path, 'targets:\n  elderly_health_management_rate: "120%"\n')
    assert "第 2 行：targets.elderly_health_management_rate" in error.message
    assert "120%" in error.message
    assert '0.9 或 "90%"' in error.message


@pytest.mark.parametrize("written", ["90.5", "-0.1", '"九成"', ".inf", ".nan", "true"])
def test_other_bad_targets(tmp_path, written):
    error = load_error(tmp_path, f"targets:\n  x: {written}\n")
    assert "第 2 行：targets.x" in error.message


def test_a_whole_number_target_is_a_count_indicators_and_refused_for_a_rate(tmp_path):
    """services.md: targets takes a whole number per year for a count indicator; which indicator takes
    what is known only with the library, so the rate's 90 is refused naming its line."""
    from chsc_cli.services.config_rules import verify_targets as check_targets
    from chsc_cli.config import load_config
    from chsc_cli.engine import load_library
    from chsc_cli.problems import UserError

    library = load_library()
    loaded = load_config(write(tmp_path, "targets:\n  health_lecture_count: 10\n  elderly_health_management_rate: 90\n"))
    assert loaded.settings.targets["health_lecture_count"] == 10
    with pytest.raises(UserError) as error:
        check_targets(library, loaded)
    assert "第 3 行：targets.elderly_health_management_rate" in error.value.message
    loaded = load_config(write(tmp_path, "targets:\n  health_lecture_count: 0.5\n"))
    with pytest.raises(UserError, match="每年的最少次数"):
        check_targets(library, loaded)


def test_bad_year_key(tmp_path):
    error = load_error(tmp_path, "population_by_year:\n  2024: {total: 1}\n  去年: {total: 2}\n")
    assert "第 3 行" in error.message
    assert "「去年」" in error.message
    assert "年份" in error.message


def test_section_of_wrong_shape(tmp_path):
    error = load_error(tmp_path, "centre: 甲\npopulation: 100000\n")
    assert "第 2 行：population" in error.message
    assert "total, age_65_plus, adults_18_plus" in error.message


def test_several_errors_first_by_line_then_count(tmp_path):
    error = load_error(tmp_path, "reference_date: x\npopulation:\n  total: 0\nfoo: 1\n")
    assert "第 1 行" in error.message
    assert error.hint == "另有 2 处设置有误（第 3、4 行）。"


def test_duplicate_key_names_both_lines(tmp_path):
    error = load_error(tmp_path, "population:\n  total: 100\n  age_65_plus: 10\n  total: 200\n")
    assert "第 4 行" in error.message
    assert "population.total" in error.message
    assert "第 2 行和第 4 行" in error.message


def test_duplicate_top_level_key(tmp_path):
    error = load_error(tmp_path, "centre: 甲\ncentre: 乙\n")
    assert "第 1 行和第 2 行" in error.message


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    error = load_error(tmp_path, "centre: 甲\npopulation:\n  total: [1, 2\n")
    assert "YAML 格式错误" in error.message
    assert "chsc.yaml 第 4 行第 1 列" in error.message


def test_tab_indentation(tmp_path):
    error = load_error(tmp_path, "population:\n\ttotal: 1\n")
    assert "第 2 行第 1 列" in error.message
    assert "Tab" in error.hint


def test_python_object_tag_is_rejected(tmp_path, capfd):
    error = load_error(tmp_path, 'centre: !!python/object/apply:os.system ["echo hi"]\n')
    assert "第 1 行" in error.message
    assert "!!python/object/apply:os.system" in error.message
    assert "hi" not in capfd.readouterr().out


def test_python_object_tag_at_top_level_is_rejected(tmp_path):
    error = load_error(tmp_path, '!!python/object/apply:os.system ["echo hi"]\n')
    assert "不支持的 YAML 标签" in error.message


@pytest.mark.parametrize(("text", "shown"), [("- 1\n- 2\n", "列表"), ("just words\n", "文字")])
def test_top_level_must_be_a_mapping(tmp_path, text, shown):
    error = load_error(tmp_path, text)
    assert "「设置项: 值」" in error.message
    assert shown in error.message


def test_full_width_colon_gets_a_hint(tmp_path):
    error = load_error(tmp_path, "centre：临城\n")
    assert "半角" in error.hint


def test_binary_file(tmp_path):
    path = tmp_path / "chsc.yaml"
    path.write_bytes(b"centre: a\n\xff\xfe\xff")
    with pytest.raises(UserError) as caught:
        load_config(path)
    assert "不是文本文件" in caught.value.message


def test_live_births_and_children_0_6_at_every_level(tmp_path):
    """services.md: population.live_births and children_0_6, also under stations: and population_by_year:."""
    text = (
        "population: {live_births: 300, children_0_6: 2100}\n"
        "stations:\n  一站: {live_births: 80, children_0_6: 560}\n"
        "population_by_year:\n  2024: {live_births: 310}\n"
    )
    settings = load_config(write(tmp_path, text)).settings
    assert settings.population == Population(live_births=300, children_0_6=2100)
    assert settings.station_figures("一站") == Population(live_births=80, children_0_6=560)
    assert settings.population_by_year[2024].live_births == 310


def test_live_births_must_be_a_whole_number(tmp_path):
    from chsc_cli.problems import UserError

    with pytest.raises(UserError) as raised:
        load_config(write(tmp_path, "population: {live_births: 三百}\n"))
    assert "辖区活产数" in str(raised.value)
