"""file_pool: files parsed by this process and count - 1 workers come back once each, in the order
of the jobs, whoever parsed them and in whatever order they finished; with fork and with spawn."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from chsc_cli.registers.file_pool import parse_shared
from chsc_cli.registers.kinds import active_catalogue
from chsc_cli.registers.reader import _parse_and_store, read_folder
from chsc_cli.registers.sources import find_register_files
from chsc_cli.services.workspace import load_settings

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def _slow_square(value: int, delay: float) -> tuple[int, int]:
    """(the square, the process that worked it out), after `delay` seconds."""
    time.sleep(delay)
    return value * value, os.getpid()


@pytest.mark.parametrize("count", [2, 3])
def test_every_job_once_in_the_order_of_the_jobs(count):
    """Long jobs first and short ones last, finishing out of order: the results keep the jobs' order,
    each job is heard done once, and this process parsed the largest one itself."""
    delays = [0.01, 0.3, 0.02, 0.2, 0.0, 0.05, 0.1, 0.0]
    jobs = [(value, delay) for value, delay in enumerate(delays)]
    heard, lock = [], threading.Lock()

    def on_done(index):
        with lock:
            heard.append(index)

    results = parse_shared(_slow_square, jobs, sizes=delays, count=count, on_done=on_done)
    assert [square for square, _ in results] == [value * value for value in range(len(delays))]
    assert sorted(heard) == list(range(len(delays)))
    assert results[1][1] == os.getpid()  # the largest: here
    assert {pid for _, pid in results} - {os.getpid()}  # and some in a worker


def test_a_failing_job_fails_the_read():
    """An exception in a worker is not lost (the CLI turns it into an internal error)."""
    jobs = [(1, 0.0), ("x", 0.0), (3, 0.0)]
    with pytest.raises(TypeError):
        parse_shared(_slow_square, jobs, sizes=[3, 2, 1], count=2)


def _files_of_sample():
    settings = load_settings(SAMPLE, None).settings
    today = dt.date(2026, 1, 15)
    jobs = [(path, SAMPLE, settings, today, path.read_bytes(), None, None, active_catalogue()) for path in find_register_files(SAMPLE)]
    return jobs, [len(job[4]) for job in jobs]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_sample_files_parsed_in_workers_as_here(method):
    """Whichever process parses a file (a spawned worker imports everything afresh), its result is
    the one this process gets by itself."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    jobs, sizes = _files_of_sample()
    shared = parse_shared(_parse_and_store, jobs, sizes, count=2, context=multiprocessing.get_context(method))
    alone = [_parse_and_store(*job) for job in jobs]
    for mine, theirs in zip(shared, alone):
        assert mine.problems == theirs.problems and mine.sheets == theirs.sheets and mine.skipped == theirs.skipped
        assert len(mine.frames) == len(theirs.frames)
        for frame, expected in zip(mine.frames, theirs.frames):
            pd.testing.assert_frame_equal(frame, expected, check_exact=True)


def test_read_folder_in_parallel_as_in_one_process():
    """The whole read (kind tables, problems in their order, sheets) with this process and a worker
    is the read in one process."""
    settings = load_settings(SAMPLE, None).settings
    today = dt.date(2026, 1, 15)
    parallel = read_folder(SAMPLE, settings, today=today, workers=2)
    alone = read_folder(SAMPLE, settings, today=today, workers=1)
    assert parallel.problems == alone.problems and parallel.sheets == alone.sheets
    assert list(parallel.tables) == list(alone.tables)
    for kind, table in parallel.tables.items():
        pd.testing.assert_frame_equal(table, alone.tables[kind], check_exact=True)
    assert pickle.dumps(parallel.skipped) == pickle.dumps(alone.skipped)


def test_a_failing_job_here_hands_the_workers_nothing_more():
    """This process's own job fails (the largest, taken first): the read stops once the worker has
    done the two files it holds, not after every file left."""
    jobs = [("x", 0.0)] + [(value, 0.4) for value in range(12)]
    start = time.perf_counter()
    with pytest.raises(TypeError):
        parse_shared(_slow_square, jobs, sizes=[100] + [1] * 12, count=2)
    assert time.perf_counter() - start < 3.0  # 2 x 0.4 s held, not 12 x 0.4 s
