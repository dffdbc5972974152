"""Evaluating the library on two processes (engine/parallel.py) gives exactly what one process gives,
and nothing is lost when the child fails: its indicators are evaluated again in the parent."""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest

from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.engine import compute as engine_compute
from chsc_cli.engine import parallel
from chsc_cli.periods import parse_period

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")), reason="fork on Linux only")


@pytest.fixture
def forced(monkeypatch):
    """Parallel on any folder (sample_data/ is below the size where it pays) on any machine."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(parallel, "_cpus", lambda: 2)
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)


def _compute(sample_centre, period: str, **options):
    return compute_indicators(sample_centre.read, parse_period(period), sample_centre.settings, load_library([]), **options)


def _same(one, other) -> None:
    assert list(one.evaluations) == list(other.evaluations)
    assert one.indicators == other.indicators
    assert one.warnings == other.warnings
    for indicator_id, evaluation in one.evaluations.items():
        theirs = other.evaluations[indicator_id]
        assert evaluation.steps == theirs.steps, indicator_id
        assert evaluation.warnings == theirs.warnings, indicator_id
        if evaluation.persons is None:
            assert theirs.persons is None
        else:
            pd.testing.assert_frame_equal(evaluation.persons, theirs.persons, check_index_type=False)


@pytest.mark.parametrize("period", ["2025", "2025Q3", "2025H1"])
def test_two_processes_give_what_one_gives(sample_centre, monkeypatch, forced, period):
    calls = []
    real = parallel._with_child
    monkeypatch.setattr(parallel, "_with_child", lambda *args: calls.append(1) or real(*args))
    both = _compute(sample_centre, period, by="station")
    assert calls, "the evaluation did not take the two-process path"
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    one = _compute(sample_centre, period, by="station")
    assert len(calls) == 1
    _same(both, one)


def test_reasons_arrive_from_the_child(sample_centre, forced):
    both = _compute(sample_centre, "2025", reasons=True)
    os.environ[parallel.WORKERS_ENV] = "1"
    try:
        one = _compute(sample_centre, "2025", reasons=True)
    finally:
        del os.environ[parallel.WORKERS_ENV]
    _same(both, one)


def test_a_failing_child_loses_nothing(sample_centre, monkeypatch, forced):
    """An error in the child (here: every indicator fails there) -> the parent evaluates its half."""
    parent = os.getpid()
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    both = _compute(sample_centre, "2025")
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_an_error_is_raised_in_the_parent(sample_centre, monkeypatch, forced):
    """A bug in an indicator evaluated by the child is raised where it can be reported (exit 3)."""
    library = load_library([])
    chosen = list(library.indicators.values())
    _, theirs = parallel._split(chosen, engine_compute.EngineData.prepare(sample_centre.read))
    failing = theirs[0].id
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if self.indicator.id == failing:
            raise ZeroDivisionError(failing)
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    with pytest.raises(ZeroDivisionError, match=failing):
        _compute(sample_centre, "2025")


def test_the_halves_keep_indicators_of_one_register_together(sample_centre):
    data = engine_compute.EngineData.prepare(sample_centre.read)
    chosen = list(load_library([]).indicators.values())
    mine, theirs = parallel._split(chosen, data)
    assert sorted(i.id for i in mine + theirs) == sorted(i.id for i in chosen)
    first = {i.registers[0] for i in mine}
    assert first.isdisjoint(i.registers[0] for i in theirs)


@pytest.mark.parametrize("setting", ["1", "0", "no"])
def test_one_process_when_told(sample_centre, monkeypatch, forced, setting):
    monkeypatch.setenv(parallel.WORKERS_ENV, setting)
    monkeypatch.setattr(parallel, "_with_child", lambda *args: pytest.fail("forked although told not to"))
    _compute(sample_centre, "2025")


def test_no_child_to_be_had(sample_centre, monkeypatch, forced):
    """fork fails (no memory, no process slot): one process evaluates everything."""

    def no_fork():
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(parallel.os, "fork", no_fork)
    both = _compute(sample_centre, "2025")
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))
