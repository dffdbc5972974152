"""The read over worker processes (fork, and spawn as on Windows and macOS) is the read in one
process: the same kind tables, problems in the same order, the same sheets."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from chsc_cli.registers import reader
from chsc_cli.registers.reader import read_folder
from chsc_cli.services.workspace import load_settings

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_read_in_workers_as_in_one_process(method, monkeypatch):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    monkeypatch.setattr(reader.multiprocessing, "get_all_start_methods", lambda: [method])
    settings = load_settings(SAMPLE, None).settings
    today = dt.date(2026, 1, 15)
    assert sum(path.stat().st_size for path in reader.find_register_files(SAMPLE)) >= reader.PARALLEL_MIN_BYTES
    parallel = read_folder(SAMPLE, settings, today=today, workers=2)
    alone = read_folder(SAMPLE, settings, today=today, workers=1)
    assert parallel.problems == alone.problems and parallel.sheets == alone.sheets
    assert parallel.skipped == alone.skipped
    assert list(parallel.tables) == list(alone.tables)
    for kind, table in parallel.tables.items():
        pd.testing.assert_frame_equal(table, alone.tables[kind], check_exact=True)
