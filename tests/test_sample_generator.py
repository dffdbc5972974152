"""sample_data/generate.py is deterministic, and sample_data/ is exactly its output with the default arguments."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


@pytest.fixture(scope="module")
def generator():
    """The generator script, loaded as a module without leaving a __pycache__ in sample_data/."""
    spec = importlib.util.spec_from_file_location("chsc_sample_generate", SAMPLE_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    yield module
    sys.modules.pop(spec.name, None)


def written_files(summary: dict) -> list[str]:
    return sorted([*summary["files"], "chsc.yaml"])


def workbook_values(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_committed_sample_is_the_default_output(generator, tmp_path):
    summary = generator.generate_centre(tmp_path)
    committed = sorted(
        p.relative_to(SAMPLE_DIR).as_posix()
        for p in SAMPLE_DIR.rglob("*")
        if p.is_file() and (p.suffix.lower() in REGISTER_SUFFIXES or p.name == "chsc.yaml")
    )
    assert committed == written_files(summary), "sample_data/ holds files the generator does not write (or lacks some)"
    for rel in written_files(summary):
        fresh, kept = (tmp_path / rel).read_bytes(), (SAMPLE_DIR / rel).read_bytes()
        if fresh == kept:
            continue
        # Another xlsxwriter version may lay the bytes out differently: the cell values must still agree.
        assert rel.endswith(".xlsx"), f"{rel} differs from a fresh run: regenerate sample_data/"
        assert workbook_values(tmp_path / rel) == workbook_values(SAMPLE_DIR / rel), f"{rel}: cell values differ"


def test_small_run_is_byte_for_byte_deterministic(generator, tmp_path):
    first = generator.generate_centre(tmp_path / "a", residents=2000)
    second = generator.generate_centre(tmp_path / "b", residents=2000)
    assert first == second
    assert first["people"]["residents"] == 2000 and first["mess"]
    for rel in written_files(first):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_without_mess_the_files_are_clean(generator, tmp_path):
    summary = generator.generate_centre(tmp_path, residents=2000, mess=False)
    assert summary["mess"] == []
    assert summary["files"]["居民健康档案/居民健康档案花名册.xlsx"] == 2000
    sheets = workbook_values(tmp_path / "居民健康档案/居民健康档案花名册.xlsx")
    for rows in sheets.values():
        assert rows[0][:5] == ["序号", "姓名", "性别", "出生日期", "身份证号"]  # header on the first row
        assert all(any(cell != "" for cell in row) for row in rows)  # no blank rows, no 合计 row below
        assert rows[-1][0] != "合计"


def test_a_small_centre_has_settings_chsc_accepts(generator, tmp_path):
    """A station of a few hundred residents may have no one of 65 to round to ten: its figure is the
    rounding step, not 0 (which chsc.yaml refuses: `--residents 300 --seed 2` stopped every command)."""
    from chsc_cli.config import load_config

    generator.generate_centre(tmp_path, residents=300, seed=2, services=False)
    settings = load_config(tmp_path / "chsc.yaml").settings
    assert settings.population
