"""The parse cache's entries: served back exactly (same dtypes, same values, same Python types),
from the folder entry without parsing, from per-file entries when one file changed, and never
trusted when damaged, planted or written by another version."""

from __future__ import annotations

import json
import os
import pickle
import stat
import sys
import zlib
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import TODAY, make_id, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.config import CentreConfig
from chsc_cli.problems import Problem
from chsc_cli.registers import ParseCache, read_folder
from chsc_cli.registers import sheets as sheets_module  # read_plan.parse_entry calls its read_one_file
from chsc_cli.registers import cache as cache_module
from chsc_cli.registers.cache import ENTRY_FILE
from chsc_cli.registers.cache_format import FORMAT, MAGIC
from chsc_cli.registers import cache_format
from chsc_cli.registers.records import ReadResult, Tables
from chsc_cli.registers.records import RegisterSheet, SkippedSheet

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
KEY = "ab" * 32
RECORDS = {"sheets": RegisterSheet, "skipped": SkippedSheet, "problems": Problem}


def assert_same_read(fresh: ReadResult, served: ReadResult) -> None:
    assert list(served.tables) == list(fresh.tables)
    for kind, table in fresh.tables.items():
        assert_same_table(table, served.tables[kind])
    assert (served.sheets, served.skipped, served.problems) == (fresh.sheets, fresh.skipped, fresh.problems)


def assert_same_table(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert list(got.dtypes) == list(expected.dtypes)
    assert got.columns.dtype == expected.columns.dtype and isinstance(got.index, pd.RangeIndex)
    for name in expected.columns:
        if expected[name].dtype == object:  # None stays None and NaN stays NaN; str stays str
            assert [_shape(value) for value in got[name]] == [_shape(value) for value in expected[name]], name


def _shape(value):
    return type(value).__name__, repr(value)


def _no_parsing(monkeypatch):
    def refuse(path, *args, **kwargs):
        raise AssertionError(f"{path.name} was parsed although the cache holds it")

    monkeypatch.setattr(sheets_module, "read_one_file", refuse)


def _entry_files(cache: ParseCache) -> list[Path]:
    return sorted(cache.folder.glob(f"*/*/{ENTRY_FILE}"))


# --- served exactly ------------------------------------------------------------------------------


def test_a_warm_read_is_the_fresh_read_exactly_and_parses_nothing(tmp_path, monkeypatch, sample_centre):
    settings_, fresh = sample_centre.settings, sample_centre.read  # read without a cache
    cache = ParseCache(tmp_path / "cache")
    assert_same_read(fresh, read_folder(SAMPLE, settings_, today=TODAY, cache=cache))  # parses and stores
    _no_parsing(monkeypatch)
    assert_same_read(fresh, read_folder(SAMPLE, settings_, today=TODAY, cache=cache))


def test_per_file_entries_serve_the_files_that_did_not_change(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    people = [make_id("19500101", f"{i:03d}") for i in range(1, 6)]
    checkups_header = ["身份证号", "体检日期", "收缩压"]
    write_workbook(folder / "居民.xlsx", {"居民": [["身份证号", "建档日期", "签约"], *[[p, "2020-01-01", "是"] for p in people]]})
    write_workbook(folder / "体检.xlsx", {"体检": [checkups_header, *[[p, "2025-03-01", 130] for p in people]]})
    cache = ParseCache(tmp_path / "cache")
    read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    write_workbook(folder / "体检.xlsx", {"体检": [checkups_header, [people[0], "2025-04-01", 150]]})
    parsed = []
    real_parse = sheets_module.read_one_file

    def counted_parse(path, *args, **kwargs):
        parsed.append(path.name)
        return real_parse(path, *args, **kwargs)

    monkeypatch.setattr(sheets_module, "read_one_file", counted_parse)
    served = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    assert parsed == ["体检.xlsx"]  # 居民.xlsx came from its own entry
    monkeypatch.setattr(sheets_module, "read_one_file", real_parse)
    assert_same_read(read_folder(folder, CentreConfig(), today=TODAY), served)


def _every_kind_of_column(rows: int) -> pd.DataFrame:
    pick = np.arange(rows) % 4

    def cycled(*values) -> list:
        return [values[i] for i in pick]

    series = np.empty(4, dtype=object)
    series[:] = [("BCG",), (), ("DTaP", "DT"), ("HepB",)]
    dates = pd.to_datetime(pd.Series(cycled("2025-01-02", None, "1899-12-31", "2025-12-31"), dtype=object))
    return pd.DataFrame(
        {
            "id_number": pd.Series([make_id("19500101", f"{i % 999 + 1:03d}") for i in range(rows)], dtype=object),
            "station": pd.Series(cycled("城东站", "", "a" * 300, None), dtype=object),
            "followup_mode": pd.Series(cycled("门诊", np.nan, None, "电话"), dtype=object),
            "blank": pd.Series([None] * rows, dtype=object),
            "series": pd.Series(series[pick], dtype=object),
            "signed": pd.array(cycled(True, False, None, True), dtype="boolean"),
            "visits": pd.array(cycled(1, None, 3, 4), dtype="Int64"),
            "checkup_date": dates.astype("datetime64[ns]"),
            "seconds": pd.Series(np.arange(rows).astype("datetime64[s]")),
            "systolic": np.where(pick == 1, np.nan, 120.5),
            "_row": np.arange(rows, dtype=np.int64) + 2,
            "resident": pick == 0,
        }
    )


@pytest.mark.parametrize("mapped", [True, False], ids=["mapped", "read (Windows)"])
def test_a_warm_reads_tables_are_built_when_first_used(tmp_path, monkeypatch, sample_centre, mapped):
    """Each table of the folder entry becomes a DataFrame only when asked for (the two processes of
    an evaluation each build their own); its rows and presence are known without building it. On
    Windows the entry is read into memory instead of mapped (a mapped file cannot be replaced)."""
    monkeypatch.setattr(cache_module, "MAP_ENTRIES", mapped)
    settings_, fresh = sample_centre.settings, sample_centre.read
    cache = ParseCache(tmp_path / "cache")
    read_folder(SAMPLE, settings_, today=TODAY, cache=cache)
    built, real_frame = [], cache_format._frame
    monkeypatch.setattr(cache_format, "_frame", lambda table, columns: built.append(table.num_rows) or real_frame(table, columns))
    warm = read_folder(SAMPLE, settings_, today=TODAY, cache=cache)
    assert built and not any(built)  # opening the entry tries each build on none of the rows
    built.clear()
    assert isinstance(warm.tables, Tables) and list(warm.tables) == list(fresh.tables)
    assert {kind: warm.rows(kind) for kind in warm.tables} == {kind: len(table) for kind, table in fresh.tables.items()}
    assert "residents" in warm.tables and "no_such_kind" not in warm.tables and warm.rows("no_such_kind") == 0
    assert built == []
    first = warm.tables["residents"]
    assert built == [len(fresh.tables["residents"])] and warm.tables["residents"] is first  # built once
    pd.testing.assert_frame_equal(first, fresh.tables["residents"])
    again = pickle.loads(pickle.dumps(warm))  # a pickled read carries its tables, built
    assert_same_read(fresh, again)


def test_one_column_of_a_warm_read_comes_without_building_its_table(tmp_path, monkeypatch, sample_centre):
    """What the period check (engine/activity.py) reads: date columns of the rows the engine
    counts, equal to those of the built and keyed tables, and no table built for them."""
    from chsc_cli.engine.engine_input import EngineData

    settings_, fresh = sample_centre.settings, sample_centre.read
    cache = ParseCache(tmp_path / "cache")
    read_folder(SAMPLE, settings_, today=TODAY, cache=cache)
    warm = read_folder(SAMPLE, settings_, today=TODAY, cache=cache)
    built, real_frame = [], cache_format._frame
    monkeypatch.setattr(cache_format, "_frame", lambda table, columns: built.append(table.num_rows) or real_frame(table, columns))
    for kind, table in fresh.tables.items():
        for field in table.columns:
            pd.testing.assert_series_equal(warm.column(kind, field), table[field])
    assert warm.column("residents", "no_such_field") is None and warm.column("no_such_kind", "birth") is None
    lazy, keyed = EngineData.prepare(warm), EngineData.prepare(fresh)
    for kind in fresh.tables:
        for field in fresh.tables[kind].columns:
            counted = lazy.counted_column(kind, field).reset_index(drop=True)
            pd.testing.assert_series_equal(counted, keyed.table(kind)[field], check_names=False)
    assert built == []
    keyed.table("residents")  # a table keyed already is read as it is
    pd.testing.assert_series_equal(keyed.counted_column("residents", "birth"), keyed.table("residents")["birth"])


@pytest.mark.parametrize("rows", [0, 1, 7, 1000])
def test_every_kind_of_column_comes_back_with_its_dtype_and_values(tmp_path, rows):
    table = _every_kind_of_column(rows)
    sheets = [RegisterSheet("residents", "居民.xlsx", "Sheet1", 1, rows, {"id_number": "身份证号"})]
    problem = Problem("future-date", "体检日期：晚于今天", file="居民.xlsx", sheet="Sheet1", row=3, column="体检日期", field="checkup_date")
    problems = [problem, Problem("no-registers", "没有登记表")]
    stored = ReadResult(tmp_path, {"residents": table}, sheets, [SkippedSheet("x.csv", None, "空表")], problems)
    cache = ParseCache(tmp_path / "cache")
    cache.store_folder(KEY, stored)
    served = cache.load_folder(KEY, tmp_path, [])
    assert served is not None
    assert_same_read(stored, served)
    served.tables["residents"].loc[0:0, "systolic"] = 1.0  # the tables are ordinary, writable frames


def test_without_pandas_block_api_the_ordinary_constructor_gives_the_same_tables(tmp_path, monkeypatch):
    table = _every_kind_of_column(9)
    cache = ParseCache(tmp_path / "cache")
    cache.store_folder(KEY, ReadResult(tmp_path, {"residents": table}))
    monkeypatch.setitem(sys.modules, "pandas.api.internals", None)  # as on pandas 2: the import fails
    served = cache.load_folder(KEY, tmp_path, [])
    assert served is not None
    assert_same_table(table, served.tables["residents"])


_text = st.one_of(st.none(), st.just(float("nan")), st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8))


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_text, max_size=40))
def test_any_text_column_round_trips(tmp_path, values):
    table = pd.DataFrame({"name": pd.Series(values, dtype=object), "_row": np.arange(len(values), dtype=np.int64)})
    cache = ParseCache(tmp_path / "cache")
    cache.store_folder(KEY, ReadResult(tmp_path, {"residents": table}))
    served = cache.load_folder(KEY, tmp_path, [])
    assert served is not None
    assert_same_table(table, served.tables["residents"])
    cache.clear()


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame({"mixed": pd.Series(["a", 1], dtype=object)}),
        pd.DataFrame({"bytes": pd.Series([b"a"], dtype=object)}),
        pd.DataFrame({"surrogate": pd.Series(["\ud800"], dtype=object)}),
        pd.DataFrame({"a": [1.0, 2.0]}, index=[5, 7]),
        pd.DataFrame({"category": pd.Series(["a"], dtype="category")}),
    ],
    ids=["number-in-text", "bytes", "surrogate", "index", "category"],
)
def test_a_table_the_format_cannot_keep_exactly_is_not_cached(tmp_path, table):
    cache = ParseCache(tmp_path / "cache")
    cache.store_folder(KEY, ReadResult(tmp_path, {"residents": table}))
    assert cache.load_folder(KEY, tmp_path, []) is None and not _entry_files(cache)


# --- never trusted when wrong --------------------------------------------------------------------


def _one_register_folder(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    write_workbook(folder / "居民.xlsx", {"居民": [["身份证号", "建档日期", "签约"], [make_id("19600101", "001"), "2020-01-01", "是"]]})
    return folder


def _damaged_versions(data: bytes):
    yield "empty", b""
    yield "truncated", data[: len(data) // 2]
    yield "padded", data + b"\0"
    yield "garbage", os.urandom(len(data))
    for position in range(0, len(data), max(1, len(data) // 60)):
        yield f"byte {position} flipped", data[:position] + bytes([data[position] ^ 0x10]) + data[position + 1 :]


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path):
    folder = _one_register_folder(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    entries = _entry_files(cache)
    assert len(entries) == 2  # the file's sheets, and the folder's tables
    originals = {path: path.read_bytes() for path in entries}
    for name, damaged in _damaged_versions(originals[entries[0]]):
        for path in entries:
            path.write_bytes(damaged)
        key = entries[0].parent.name
        assert cache.load(key) is None and cache.load_folder(key, folder, []) is None, name
    assert_same_read(fresh, read_folder(folder, CentreConfig(), today=TODAY, cache=cache))
    assert {path: path.read_bytes() for path in entries} == originals  # rewritten whole
    assert not list(cache.folder.glob("*/*/.tmp-*"))


def test_an_entry_from_the_parquet_cache_is_never_read(tmp_path):
    folder = _one_register_folder(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    for path in _entry_files(cache):  # the layout before this format: meta.json + N.parquet
        path.unlink()
        (path.parent / "meta.json").write_text(json.dumps({"sheets": [], "skipped": [], "problems": [], "kinds": []}))
        pd.DataFrame({"a": [1]}).to_parquet(path.parent / "0.parquet")
        assert cache.load(path.parent.name) is None
    assert_same_read(fresh, read_folder(folder, CentreConfig(), today=TODAY, cache=cache))


class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _planted_entry(header_tables: list, blobs: list[bytes], **header) -> bytes:
    header = {
        "format": FORMAT,
        "key": KEY,  # the key the tests plant it under
        **{name: {"fields": [f.name for f in fields(record)], "rows": []} for name, record in RECORDS.items()},
        "tables": header_tables,
        **header,
    }
    header_bytes = json.dumps(header).encode()
    rest = header_bytes + b"".join(blobs)
    return MAGIC + len(header_bytes).to_bytes(8, "little") + zlib.crc32(rest).to_bytes(4, "little") + rest


def _arrow_stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_a_planted_entry_never_runs_code_and_is_a_miss(tmp_path):
    marker = tmp_path / "ran"
    pickled = pickle.dumps(_Payload(marker))
    object_column = pa.table({"x": pa.array([1])}).replace_schema_metadata(None)
    object_column = object_column.cast(pa.schema([pa.field("x", pa.int64(), metadata={b"chsc": b"numpy", b"dtype": b"O"})]))
    pickled_column = pa.table({"x": pa.array([pickled])})
    pickled_column = pickled_column.cast(pa.schema([pa.field("x", pa.binary(), metadata={b"chsc": b"pickle"})]))
    bad_index = pa.table({"x": pa.DictionaryArray.from_arrays(pa.array([0, 9], pa.int8()), pa.array(["a"]), safe=False)})
    bad_index = bad_index.cast(pa.schema([pa.field("x", bad_index.schema[0].type, metadata={b"chsc": b"text", b"missing": b""})]))
    numbers_as_text = pa.table({"x": pa.DictionaryArray.from_arrays(pa.array([0], pa.int8()), pa.array([7]))})
    numbers_as_text = numbers_as_text.cast(
        pa.schema([pa.field("x", numbers_as_text.schema[0].type, metadata={b"chsc": b"text", b"missing": b""})])
    )
    unitless = pa.table({"x": pa.array([1])})  # a date column whose dtype pandas cannot build
    unitless = unitless.cast(pa.schema([pa.field("x", pa.int64(), metadata={b"chsc": b"numpy-time", b"dtype": b"datetime64"})]))
    numbers_field = pa.field("x", pa.int64(), metadata={b"chsc": b"numpy", b"dtype": b"<i8"})
    twice = pa.Table.from_arrays([pa.array([1]), pa.array([2])], schema=pa.schema([numbers_field, numbers_field]))
    planted = {
        "a dtype without a unit": _planted_entry([["t", len(_arrow_stream(unitless))]], [_arrow_stream(unitless)]),
        "a column name twice": _planted_entry([["t", len(_arrow_stream(twice))]], [_arrow_stream(twice)]),
        "pickle": pickled,
        "numbers as text": _planted_entry([["t", len(_arrow_stream(numbers_as_text))]], [_arrow_stream(numbers_as_text)]),
        "pickle after the magic": MAGIC + pickled,
        "object dtype": _planted_entry([["t", len(_arrow_stream(object_column))]], [_arrow_stream(object_column)]),
        "pickled column": _planted_entry([["t", len(_arrow_stream(pickled_column))]], [_arrow_stream(pickled_column)]),
        "index out of bounds": _planted_entry([["t", len(_arrow_stream(bad_index))]], [_arrow_stream(bad_index)]),
        "problems of another shape": _planted_entry([], [], problems={"fields": ["code"], "rows": [["x"]]}),
        "lengths that lie": _planted_entry([["t", -5], ["u", 5]], []),
    }
    cache = ParseCache(tmp_path / "cache")
    entry = cache.folder / KEY[:2] / KEY
    entry.mkdir(parents=True)
    numbers = pa.table({"x": pa.array([1])})
    numbers = numbers.cast(pa.schema([pa.field("x", pa.int64(), metadata={b"chsc": b"numpy", b"dtype": b"<i8"})]))
    (entry / ENTRY_FILE).write_bytes(_planted_entry([["t", len(_arrow_stream(numbers))]], [_arrow_stream(numbers)]))
    assert cache.load_folder(KEY, tmp_path, []).tables["t"]["x"].tolist() == [1]  # the layout above is right
    for name, content in planted.items():
        (entry / ENTRY_FILE).write_bytes(content)
        assert cache.load_folder(KEY, tmp_path, []) is None, name
        assert cache.load(KEY) is None, name
    assert not marker.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_entries_are_owner_only(tmp_path):
    folder = _one_register_folder(tmp_path)
    cache = ParseCache(tmp_path / "cache" / "parsed")
    read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    entries = _entry_files(cache)
    assert len(entries) == 2
    for path in [cache.folder, *(p.parent.parent for p in entries), *(p.parent for p in entries), *entries]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


# --- upgrades ------------------------------------------------------------------------------------


def test_a_change_to_the_readers_code_is_a_miss_without_a_version_bump(tmp_path, monkeypatch):
    """An upgraded chsc whose parsing changed never serves the old parse, even if READER_VERSION was
    left as it was: the key holds the reader's own source (read_plan.reader_code)."""
    from chsc_cli.registers import read_plan

    folder = tmp_path / "data"
    write_workbook(folder / "体检.xlsx", {"体检": [["身份证号", "体检日期"], [make_id("19500101", "001"), "2025-03-01"]]})
    cache = ParseCache(tmp_path / "cache")
    read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    monkeypatch.setattr(read_plan, "reader_code", lambda: "the next release")
    parsed = []
    real_parse = sheets_module.read_one_file
    monkeypatch.setattr(sheets_module, "read_one_file", lambda path, *a, **k: parsed.append(path.name) or real_parse(path, *a, **k))
    read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    assert parsed == ["体检.xlsx"]


def test_the_readers_code_fingerprint_follows_every_source_file(tmp_path):
    from chsc_cli.registers.read_plan import source_fingerprint

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "values.py").write_text("X = 1\n")
    (tmp_path / "a" / "notes.txt").write_text("not code")
    before = source_fingerprint((tmp_path / "a",))
    (tmp_path / "a" / "notes.txt").write_text("still not code")
    assert source_fingerprint((tmp_path / "a",)) == before
    (tmp_path / "a" / "values.py").write_text("X = 2\n")
    assert source_fingerprint((tmp_path / "a",)) != before


# ------------------------------------------------------------ what a cached read must not miss (an independent review)


def _roster_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    rows = [["身份证号", "纳入管理日期"], *[[make_id("19500101", f"{i:03d}"), "2024-01-01"] for i in range(1, 4)]]
    write_workbook(folder / "慢病" / "2型糖尿病患者管理名册.xlsx", {"名册": rows})
    return folder


def test_the_order_of_kinds_patterns_is_part_of_the_key(tmp_path):
    """chsc.yaml `kinds:`: the first pattern a file matches decides its kind, so the same patterns
    in another order read the same file as another kind — never the cached one."""
    folder, cache = _roster_folder(tmp_path), ParseCache(tmp_path / "cache")
    first = {"*糖尿病*名册*": "diabetes_patients", "慢病/*名册*": "hypertension_patients"}
    swapped = dict(reversed(list(first.items())))
    kinds = [[s.kind for s in read_folder(folder, CentreConfig(kinds=order), today=TODAY, cache=cache).sheets]
             for order in (first, swapped)]
    assert kinds == [["diabetes_patients"], ["hypertension_patients"]]


def test_a_skipped_entry_that_changed_what_it_is_is_said_anew(tmp_path):
    """A link to a folder whose folder went is no longer a link to a folder: the cached read says so."""
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links here")
    folder, cache = _roster_folder(tmp_path), ParseCache(tmp_path / "cache")
    (tmp_path / "2024").mkdir()
    os.symlink(tmp_path / "2024", folder / "往年")
    before = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    (tmp_path / "2024").rmdir()
    after = read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    reasons = [[s.reason for s in read.skipped if s.file == "往年"] for read in (before, after)]
    assert reasons[0] != reasons[1] and "失效" in reasons[1][0], reasons
    assert_same_read(read_folder(folder, CentreConfig(), today=TODAY), after)


def test_an_entry_moved_under_another_key_is_a_miss(tmp_path):
    """An entry keeps its own key: copied or moved over another folder's entry, it is not served."""
    one, other = tmp_path / "one", tmp_path / "other"
    for folder, count in ((one, 2), (other, 3)):
        rows = [["身份证号", "建档日期"], *[[make_id("19500101", f"{i:03d}"), "2020-01-01"] for i in range(1, count + 1)]]
        write_workbook(folder / "居民.xlsx", {"居民": rows})
    cache = ParseCache(tmp_path / "cache")
    for folder in (one, other):
        read_folder(folder, CentreConfig(), today=TODAY, cache=cache)
    from chsc_cli.registers.read_plan import plan_read

    keys = [plan_read(folder, CentreConfig(), today=TODAY, cache=cache, read_ahead=False).folder_key for folder in (one, other)]
    entry = lambda key: cache.folder / key[:2] / key / ENTRY_FILE  # noqa: E731
    entry(keys[0]).write_bytes(entry(keys[1]).read_bytes())
    assert cache.load_folder(keys[0], one, []) is None
    assert len(read_folder(one, CentreConfig(), today=TODAY, cache=cache).tables["residents"]) == 2


def test_clearing_a_cache_under_a_file_clears_nothing_without_an_error(tmp_path):
    """CHSC_CACHE_DIR naming a path below a file: no cache can be there (cache clear exits 0)."""
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert ParseCache(tmp_path / "afile" / "sub").clear() == (0, 0)
    assert ParseCache(tmp_path / "afile").clear() == (0, 0)
