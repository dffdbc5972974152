"""The shipped library: every indicator of indicators.md, documented, loadable; bad files are
reported with file, line and token, all files before failing; a new indicator is a YAML file only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from chsc_cli.config import CentreConfig
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.engine.library import shipped_library_dir
from chsc_cli.periods import parse_period
from chsc_cli.problems import UserError
from chsc_cli.registers import read_folder
from helpers import make_id, write_workbook

ROOT = Path(__file__).resolve().parents[1]
#: The specification lives next to the repository (README): its indicator tables are the list of
#: indicators the library must ship — read from there, never copied into a test.
SPEC_DIR = ROOT.parent / "shared" / "spec"
SPEC_TABLES = ("indicators.md", "services.md")


def spec_ids() -> list[str]:
    ids = []
    for name in SPEC_TABLES:
        ids += re.findall(r"^\| `([a-z0-9_]+)` \|", (SPEC_DIR / name).read_text(encoding="utf-8"), flags=re.MULTILINE)
    return ids


def test_every_indicator_of_the_spec_is_shipped_with_a_chinese_definition():
    library = load_library()
    if not SPEC_DIR.is_dir():
        pytest.skip("../shared/spec is not beside the repository: nothing to compare the library with")
    assert sorted(library.indicators) == sorted(spec_ids())
    for indicator in library.indicators.values():
        assert re.search(r"[\u4e00-\u9fff]", indicator.definition)
        if indicator.unit == "count":  # no denominator: what is counted and the minimum
            assert "目标" in indicator.definition, indicator.id
        else:
            assert "分子" in indicator.definition and "分母" in indicator.definition, indicator.id
        assert library.sources[indicator.id].name == f"{indicator.id}.yaml"


def test_the_python_engine_names_no_indicator():
    package = ROOT / "src" / "chsc_cli"
    files = [p for folder in ("registers", "engine", "services", "outputs") for p in (package / folder).rglob("*.py")]
    source = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for indicator_id in load_library().indicators:  # as a string of its own (a rule about it), not inside help text
        assert f'"{indicator_id}"' not in source and f"'{indicator_id}'" not in source, indicator_id


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("key", ["name", "category"])
def test_a_blank_name_or_category_is_reported_in_chinese(tmp_path, key):
    good = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    blank = re.sub(rf"^{key}: .*$", f'{key}: "  "', good.replace("id: health_record_rate", "id: blank"), flags=re.M)
    _write(tmp_path, "blank.yaml", blank)
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    line = blank.splitlines().index(f'{key}: "  "') + 1
    assert f"blank.yaml:{line}: 「{key}」不能为空" in str(raised.value)


def test_bad_files_are_all_reported_with_file_line_and_token(tmp_path):
    good = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    _write(tmp_path, "a_typo.yaml", good.replace("id: health_record_rate", "id: a_typo").replace("numerator:", "numerater:"))
    bad_filter = good.replace("id: health_record_rate", "id: b_filter").replace(
        "numerator:\n  population: residents_at_period_end",
        "numerator:\n  population: residents_at_period_end\n  having:\n    - age >=< 65",
    )
    _write(tmp_path, "b_filter.yaml", bad_filter)
    unknown_field = good.replace("id: health_record_rate", "id: c_field").replace(
        "numerator:\n  population: residents_at_period_end",
        "numerator:\n  population: residents_at_period_end\n  having:\n    - agee >= 65",
    )
    _write(tmp_path, "c_field.yaml", unknown_field)
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    message = str(raised.value)
    assert re.search(r"a_typo\.yaml:\d+: 未知的键「numerater」", message)
    assert re.search(r"a_typo\.yaml:\d+: 缺少必需的键「numerator」", message)
    line = bad_filter.splitlines().index("    - age >=< 65") + 1
    assert f"b_filter.yaml:{line}:" in message and "〔" in message
    assert "c_field.yaml" in message and "〔agee〕" in message


def test_yaml_cannot_build_python_objects(tmp_path):
    _write(tmp_path, "evil.yaml", "id: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    assert "evil.yaml" in str(raised.value)


def test_a_file_replaces_the_shipped_indicator_with_the_same_id(tmp_path):
    text = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    _write(tmp_path, "health_record_rate.yaml", text.replace("target: 0.90", "target: 0.5"))
    library = load_library([tmp_path])
    assert str(library.indicators["health_record_rate"].target) == "0.5"
    assert library.sources["health_record_rate"].parent == tmp_path


def test_a_file_saved_by_notepad_in_gbk_is_read_as_chsc_yaml_is(tmp_path):
    """A centre's staff change a target in Notepad on a Chinese Windows, which saves “ANSI” (GBK):
    the file reads as chsc.yaml does, its Chinese intact, and a mistake in it is still located by
    line; bytes that are neither UTF-8 nor GBK are one Chinese message, not a codec's."""
    text = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    (tmp_path / "health_record_rate.yaml").write_bytes(text.replace("target: 0.90", "target: 0.5").encode("utf-16"))
    assert str(load_library([tmp_path]).indicators["health_record_rate"].target) == "0.5"  # Notepad's “Unicode”
    (tmp_path / "health_record_rate.yaml").write_bytes(text.replace("target: 0.90", "target: 0.5").encode("gb18030"))
    library = load_library([tmp_path])
    shipped = load_library([]).indicators["health_record_rate"]
    assert str(library.indicators["health_record_rate"].target) == "0.5"
    assert library.indicators["health_record_rate"].name == shipped.name and "居民" in shipped.definition
    assert library.indicators["health_record_rate"].definition == shipped.definition

    typo = text.replace("id: health_record_rate", "id: a_typo").replace("numerator:", "numerater:")
    (tmp_path / "health_record_rate.yaml").unlink()
    (tmp_path / "a_typo.yaml").write_bytes(typo.encode("gb18030"))
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    line = typo.splitlines().index("numerater:") + 1
    assert f"a_typo.yaml:{line}: 未知的键「numerater」" in str(raised.value)

    for data in (b"id: x\n\xff\xfe\x00\x81\n", typo.encode("utf-16-le"), typo.encode("utf-32")[:-1]):
        (tmp_path / "a_typo.yaml").write_bytes(data)  # bytes of no text; UTF-16 without its BOM; cut UTF-32
        with pytest.raises(UserError) as raised:
            load_library([tmp_path])
        assert "a_typo.yaml:?: 不是文本文件（无法按 UTF-8、UTF-16 或 GBK 读取）" in str(raised.value)
        assert "codec" not in str(raised.value)

    (tmp_path / "a_typo.yaml").write_bytes(typo.replace("numerater:", "numerator:\x1b").encode("utf-8"))
    with pytest.raises(UserError) as raised:  # a control character: its line, in Chinese
        load_library([tmp_path])
    assert f"a_typo.yaml:{line}: 含有不可见的控制字符（U+001B）" in str(raised.value)


def test_readme_worked_example_adds_an_indicator_with_yaml_only(tmp_path):
    """indicators/README.md's worked example: tests/data/custom_indicators/elderly_bp_measured_rate.yaml."""
    page = (ROOT / "indicators" / "README.md").read_text(encoding="utf-8")
    assert "tests/data/custom_indicators/elderly_bp_measured_rate.yaml" in page
    assert "--indicators tests/data/custom_indicators" in page
    folder = tmp_path / "data"
    folder.mkdir()
    old, young, unmeasured = make_id("19500101", "011"), make_id("19700101", "021"), make_id("19450101", "031")
    residents = [["身份证号", "建档日期"], [old, "2020-01-01"], [young, "2020-01-01"], [unmeasured, "2020-01-01"]]
    write_workbook(folder / "居民.xlsx", {"居民": residents})
    checkups = [["身份证号", "体检日期", "收缩压", "舒张压"], [old, "2025-05-01", 130, 80], [young, "2025-05-01", 120, 70], [unmeasured, "2025-05-01", None, None]]
    write_workbook(folder / "体检.xlsx", {"体检": checkups})
    library = load_library([ROOT / "tests" / "data" / "custom_indicators"])
    read = read_folder(folder, today=dt.date(2026, 11, 23))
    result = compute_indicators(read, parse_period("2025"), CentreConfig(), library, only=["elderly_bp_measured_rate"])
    row = result.indicators[0]
    assert (row.numerator, row.denominator, row.denominator_source) == (1, 2, "roster")
    reasons = result.evaluations["elderly_bp_measured_rate"].persons["reason"].dropna().tolist()
    assert reasons == ["2025年无体检记录"]


@pytest.mark.parametrize(("line", "said"), [
    ('comparison: "<="', "「comparison」只能是 '>='，而不是「<=」"),
    ("unit: persons", "「unit」只能是 'person', 'record', 'delivery' 或 'count'"),
    ("per_year_station: some", "「per_year_station」应为整数"),
])
def test_a_wrong_value_of_a_key_is_reported_in_chinese(tmp_path, line, said):
    """pydantic's own messages are English ("Input should be '>='"): a centre's staff read these."""
    good = (shipped_library_dir() / "health_record_rate.yaml").read_text(encoding="utf-8")
    _write(tmp_path, "own.yaml", good.replace("id: health_record_rate", "id: own") + line + "\n")
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    assert said in str(raised.value) and "Input should" not in str(raised.value)
