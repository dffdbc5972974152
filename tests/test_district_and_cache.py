"""District roll-up (`compute --centres`) and the parse cache (never stale, owner-only, clearable)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_workbook

from chsc_cli.config import CentreConfig
from chsc_cli.registers import ParseCache, read_folder

TODAY = dt.date(2026, 11, 23)


def _centre(folder, people, signed, name=None):
    folder.mkdir(parents=True)
    rows = [["身份证号", "建档日期", "签约"]] + [[pid, "2020-01-01", "是" if i < signed else "否"] for i, pid in enumerate(people)]
    write_workbook(folder / "居民健康档案.xlsx", {"居民": rows})
    if name:
        (folder / "chsc.yaml").write_text(f"centre: {name}\npopulation: {{total: {len(people) * 2}}}\n", encoding="utf-8")


@pytest.fixture
def district(tmp_path):
    root = tmp_path / "区"
    _centre(root / "甲中心", [make_id("19600101", f"{i:03d}") for i in range(1, 5)], signed=3, name="甲社区卫生服务中心")
    _centre(root / "乙中心", [make_id("19700101", f"{i:03d}") for i in range(1, 7)], signed=1)
    write_workbook(root / "散落.xlsx", {"x": [["身份证号", "建档日期"], [make_id("19800101", "001"), "2020-01-01"]]})
    return root


def test_district_total_is_the_sum_of_numerators_over_the_sum_of_denominators(district):
    ran = run_chsc("compute", district, "-p", "2025", "--centres", "--format", "json")
    assert ran.code == 0, ran.output
    data = json.loads(ran.stdout)
    rows = [r for r in data["indicators"] if r["id"] == "family_doctor_signing_rate"]
    total = next(r for r in rows if r["group"] is None)
    centres = {r["group"]["centre"]: r for r in rows if r["group"]}
    assert set(centres) == {"甲社区卫生服务中心", "乙中心"}  # the second has no chsc.yaml: named after its folder
    assert (centres["甲社区卫生服务中心"]["numerator"], centres["甲社区卫生服务中心"]["denominator"]) == (3, 8)
    assert (centres["乙中心"]["numerator"], centres["乙中心"]["denominator"], centres["乙中心"]["denominator_source"]) == (1, 6, "roster")
    assert (total["numerator"], total["denominator"]) == (4, 14)
    assert total["value"] == pytest.approx(4 / 14)
    assert "散落.xlsx" in ran.stderr  # a file at the district root is ignored with a warning


def test_district_total_is_not_computable_when_a_centre_is_not(district):
    data = json.loads(run_chsc("compute", district, "-p", "2025", "--centres", "--format", "json").stdout)
    total = next(r for r in data["indicators"] if r["id"] == "health_record_rate" and r["group"] is None)
    assert total["numerator"] is None and "乙中心" in total["reason"]


def _folder_with_one_register(tmp_path, signed):
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    rows = [["身份证号", "建档日期", "签约"], [make_id("19600101", "001"), "2020-01-01", signed]]
    write_workbook(folder / "居民.xlsx", {"居民": rows})
    return folder


def test_cache_serves_an_unchanged_file_and_never_a_changed_one(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    folder = _folder_with_one_register(tmp_path, "是")
    first = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    assert len(list((tmp_path / "cache").glob("*/*"))) == 2  # the file's sheets, and the folder's tables
    again = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    assert again.tables["residents"]["signed"].tolist() == first.tables["residents"]["signed"].tolist() == [True]
    _folder_with_one_register(tmp_path, "否")  # the same file name, replaced
    changed = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    assert changed.tables["residents"]["signed"].tolist() == [False]


def test_cached_and_fresh_reads_compute_the_same(tmp_path, sample_centre):
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.periods import parse_period

    sample, settings = sample_centre.folder, sample_centre.settings
    cache = ParseCache(tmp_path / "cache")
    library = load_library()
    results = []
    for use in (None, cache, cache):  # fresh (read once for the session), cold cache (stores), warm cache (loads)
        read = sample_centre.read if use is None else read_folder(sample, settings, today=TODAY, cache=use)
        computed = compute_indicators(read, parse_period("2025"), settings, library)
        results.append((computed.to_json(), [p.to_dict() for p in read.problems]))
    assert results[0] == results[1] == results[2]


def test_settings_that_change_parsing_change_the_key(tmp_path):
    folder = _folder_with_one_register(tmp_path, "是")
    cache = ParseCache(tmp_path / "cache")
    read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    read_folder(folder, CentreConfig(columns={"证件号": "身份证号"}), today=TODAY, cache=cache)
    assert len(list((tmp_path / "cache").glob("*/*"))) == 4  # file + folder entries, for each setting


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_cache_is_owner_only_and_cleared_by_the_command(tmp_path):
    folder = _folder_with_one_register(tmp_path, "是")
    cache_dir = tmp_path / "cache"
    env_before = os.environ.get("CHSC_CACHE_DIR")
    os.environ["CHSC_CACHE_DIR"] = str(cache_dir)
    try:
        assert run_chsc("validate", folder).code == 0
        entries = list(cache_dir.glob("*/*/*"))
        assert entries
        for path in [cache_dir, *entries]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, (path, oct(mode))
        ran = run_chsc("cache", "clear")
        assert ran.code == 0 and list(cache_dir.iterdir()) == []  # the folder itself is left (it may be the user's)
        assert run_chsc("validate", folder, "--no-cache").code == 0 and list(cache_dir.iterdir()) == []
    finally:
        if env_before is None:
            os.environ.pop("CHSC_CACHE_DIR")
        else:
            os.environ["CHSC_CACHE_DIR"] = env_before


def test_district_report_lists_each_centre(district, tmp_path):
    out = tmp_path / "区总结.md"
    ran = run_chsc("report", district, "-p", "2025", "--centres", "-o", out)
    assert ran.code == 0, ran.output
    text = out.read_text(encoding="utf-8")
    assert "各中心完成情况" in text and "| 中心 |" in text
    assert "| 甲社区卫生服务中心 | 家庭医生签约服务覆盖率 |" in text and "| 乙中心 |" in text


def test_a_file_added_to_or_removed_from_the_folder_is_seen(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    folder = _folder_with_one_register(tmp_path, "是")
    assert len(read_folder(folder, CentreConfig(), today=TODAY, cache=cache).tables["residents"]) == 1
    extra = [["身份证号", "建档日期"], [make_id("19700101", "003"), "2021-01-01"]]
    write_workbook(folder / "居民2.xlsx", {"居民": extra})
    assert len(read_folder(folder, CentreConfig(), today=TODAY, cache=cache).tables["residents"]) == 2
    (folder / "居民2.xlsx").unlink()
    assert len(read_folder(folder, CentreConfig(), today=TODAY, cache=cache).tables["residents"]) == 1


def test_a_district_keeps_each_centres_figures_not_its_residents(district):
    """With 50 centres the per-person tables of every indicator would not fit in memory: the
    district keeps each centre's figures and warnings only, and they are the same figures."""
    from chsc_cli.cli.district import compute_district
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.periods import parse_period

    period = parse_period("2025")
    result, _ = compute_district(district, period, [], None, quiet=True, no_cache=True)
    assert result.centres and all(centre.evaluations == {} for centre in result.centres.values())
    alone = compute_indicators(read_folder(district / "乙中心"), period, CentreConfig(), load_library(), reasons=False)
    assert alone.evaluations  # a centre on its own keeps them (gaps and explain use them)
    def figures(computed):
        return [(row.id, row.numerator, row.denominator, row.reason) for row in computed.indicators]

    assert figures(result.centres["乙中心"]) == figures(alone)


def test_cache_clear_removes_only_what_chsc_stored(tmp_path, monkeypatch):
    """CHSC_CACHE_DIR may name a folder holding other things (even the data folder): `cache clear`
    removes chsc's entries only, and chsc never changes the mode of a folder it did not create."""
    folder = _folder_with_one_register(tmp_path, "是")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "notes.txt").write_text("keep", encoding="utf-8")
    (shared / "ab").mkdir()
    (shared / "ab" / "mine.txt").write_text("keep", encoding="utf-8")
    monkeypatch.setenv("CHSC_CACHE_DIR", str(shared))
    assert run_chsc("validate", folder).code == 0
    assert list(shared.glob("*/*/entry.chsc")) and stat.S_IMODE(shared.stat().st_mode) == 0o755
    ran = run_chsc("cache", "clear")
    assert ran.code == 0, ran.output
    assert not list(shared.glob("*/*/entry.chsc"))
    assert (shared / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert (shared / "ab" / "mine.txt").read_text(encoding="utf-8") == "keep"
    monkeypatch.setenv("CHSC_CACHE_DIR", str(folder))  # the data folder itself
    before = sorted(p.name for p in folder.rglob("*"))
    assert run_chsc("cache", "clear").code == 0 and sorted(p.name for p in folder.rglob("*")) == before


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    from chsc_cli.registers.cache import default_cache_dir

    monkeypatch.delenv("CHSC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    assert default_cache_dir() == Path.home() / ".cache" / "chsc" / "parsed"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "chsc" / "parsed"


def test_cache_clear_says_what_it_could_not_remove(tmp_path, monkeypatch):
    from chsc_cli.registers import cache as cache_module

    folder = _folder_with_one_register(tmp_path, "是")
    monkeypatch.setenv("CHSC_CACHE_DIR", str(tmp_path / "cache"))
    assert run_chsc("validate", folder).code == 0

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache_module.shutil, "rmtree", refuse)
    ran = run_chsc("cache", "clear")
    assert ran.code == 2 and "无法删除" in ran.stderr and "内部错误" not in ran.output
