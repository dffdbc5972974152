"""Evaluating the library on two processes (engine/parallel.py) gives exactly what one process gives,
and nothing is lost when the child fails: its indicators are evaluated again in the parent."""

from __future__ import annotations

import os
import signal
import sys
import time

import pandas as pd
import pytest

from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.engine import compute as engine_compute
from chsc_cli.engine import parallel
from chsc_cli.periods import parse_period

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")), reason="fork on Linux only")


@pytest.fixture
def forced(monkeypatch):
    """Parallel on any folder of any size on any machine with fork (sample_data/ is above the size
    on its own, so every test computing on it forks too; these do not depend on that)."""
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


def test_reasons_arrive_from_the_child(sample_centre, monkeypatch, forced, forked_pids):
    both = _compute(sample_centre, "2025", reasons=True)
    assert len(forked_pids) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025", reasons=True))


def test_a_failing_child_loses_nothing(sample_centre, monkeypatch, forced, forked_pids):
    """An error in the child (here: every indicator fails there) -> the parent evaluates its half."""
    parent = os.getpid()
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    both = _compute(sample_centre, "2025")
    assert len(forked_pids) == 1 and _gone(forked_pids[0])
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_an_error_is_raised_in_the_parent(sample_centre, monkeypatch, forced):
    """A bug in an indicator the child may evaluate is raised where it can be reported (exit 3)."""
    failing = _groups(sample_centre)[1][0].id
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if self.indicator.id == failing:
            raise ZeroDivisionError(failing)
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    with pytest.raises(ZeroDivisionError, match=failing):
        _compute(sample_centre, "2025")


def test_groups_keep_indicators_of_one_register_together_largest_first(sample_centre):
    data = engine_compute.EngineData.prepare(sample_centre.read)
    chosen = list(load_library([]).indicators.values())
    groups = parallel._groups(chosen, data)
    assert sorted(i.id for group in groups for i in group) == sorted(i.id for i in chosen)
    firsts = [{i.registers[0] for i in group} for group in groups]
    assert all(len(first) == 1 for first in firsts) and len({first.pop() for first in firsts}) == len(groups)

    def cost(group):
        return sum(parallel.ROWS_PER_INDICATOR + sum(map(data.rows_read, i.registers)) for i in group)

    assert [cost(group) for group in groups] == sorted(map(cost, groups), reverse=True)


def test_more_groups_than_tokens_are_dealt_in_runs(sample_centre, monkeypatch):
    data = engine_compute.EngineData.prepare(sample_centre.read)
    chosen = list(load_library([]).indicators.values())
    whole = parallel._groups(chosen, data)
    monkeypatch.setattr(parallel, "MAX_TOKENS", 3)
    runs = parallel._groups(chosen, data)
    assert len(runs) <= 3
    assert [i.id for run in runs for i in run] == [i.id for group in whole for i in group]


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


def _groups(sample_centre):
    chosen = list(load_library([]).indicators.values())
    return parallel._groups(chosen, engine_compute.EngineData.prepare(sample_centre.read))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_each_indicator_is_evaluated_once_in_one_of_the_processes(sample_centre, monkeypatch, forced, forked_pids, tmp_path):
    """The groups are dealt out: each evaluated by one process only, the first by the parent, and
    the child's evaluations are the ones used (a child whose results never arrived would make the
    parent evaluate its groups again, and this fails)."""
    parent, log = os.getpid(), tmp_path / "evaluated.txt"
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        with open(log, "a", encoding="utf-8") as out:  # one short append: whole lines from both processes
            out.write(f"{os.getpid()} {self.indicator.id}\n")
        if os.getpid() != parent:
            time.sleep(0.2)  # the child is slower: the parent must take several groups too
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    _compute(sample_centre, "2025")
    assert len(forked_pids) == 1 and _gone(forked_pids[0])
    evaluated = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    ids = [indicator_id for _, indicator_id in evaluated]
    groups = _groups(sample_centre)
    assert sorted(ids) == sorted(i.id for group in groups for i in group)  # each once
    by_process = {int(pid) for pid, _ in evaluated}
    assert by_process == {parent, forked_pids[0]}
    in_parent = {indicator_id for pid, indicator_id in evaluated if int(pid) == parent}
    assert {i.id for i in groups[0]} < in_parent  # the first group, and others dealt to it
    for group in groups:  # a group stays in one process
        assert len({pid for pid, indicator_id in evaluated if indicator_id in {i.id for i in group}}) == 1


def test_a_child_killed_while_sending_loses_nothing(sample_centre, monkeypatch, forced, forked_pids):
    def half_then_killed(write_end, payload):
        os.write(write_end, payload[: len(payload) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(parallel, "_send", half_then_killed)
    both = _compute(sample_centre, "2025")
    assert len(forked_pids) == 1 and _gone(forked_pids[0])
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_a_hung_child_is_killed_and_its_half_done_here(sample_centre, monkeypatch, forced, forked_pids):
    parent = os.getpid()
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if os.getpid() != parent:
            time.sleep(600)  # stuck
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    monkeypatch.setattr(parallel, "MIN_WAIT_SECONDS", 1.0)
    monkeypatch.setattr(parallel, "LATE_FACTOR", 1.0)
    started = time.monotonic()
    both = _compute(sample_centre, "2025")
    assert time.monotonic() - started < 60
    assert len(forked_pids) == 1 and _gone(forked_pids[0])
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_an_error_in_the_parents_half_comes_at_once_and_as_one_process_reports_it(sample_centre, monkeypatch, forced, forked_pids):
    """The child is killed (not waited for), and the error is the first failing indicator in the
    library's order, whichever process it was in."""
    groups = _groups(sample_centre)
    library = [indicator.id for indicator in load_library([]).indicators.values()]
    failing = {groups[0][-1].id, groups[-1][-1].id}  # the parent's first group, and the last one dealt
    first = min(failing, key=library.index)
    parent = os.getpid()
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if os.getpid() != parent:
            time.sleep(5)  # a slow child: the parent must not wait for it
        if self.indicator.id in failing:
            raise ZeroDivisionError(self.indicator.id)
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError, match=f"^{first}$"):
        _compute(sample_centre, "2025")
    assert time.monotonic() - started < 5  # the child would take 5 s a group
    assert len(forked_pids) == 1 and _gone(forked_pids[0])
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    with pytest.raises(ZeroDivisionError, match=f"^{first}$"):
        _compute(sample_centre, "2025")


def test_two_failures_outside_the_parents_first_group_report_the_first(sample_centre, monkeypatch, forced, forked_pids):
    groups = _groups(sample_centre)
    library = [indicator.id for indicator in load_library([]).indicators.values()]
    failing = {groups[1][0].id, groups[-1][-1].id}
    first = min(failing, key=library.index)
    real_run = engine_compute.IndicatorRun.run

    def run(self):
        if self.indicator.id in failing:
            raise ZeroDivisionError(self.indicator.id)
        return real_run(self)

    monkeypatch.setattr(engine_compute.IndicatorRun, "run", run)
    with pytest.raises(ZeroDivisionError, match=f"^{first}$"):
        _compute(sample_centre, "2025")
    assert len(forked_pids) == 1 and _gone(forked_pids[0])


def test_sigchld_ignored_by_whoever_started_chsc(sample_centre, monkeypatch, forced, forked_pids):
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        both = _compute(sample_centre, "2025")
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert len(forked_pids) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_no_stdout_at_all(sample_centre, monkeypatch, forced, forked_pids):
    monkeypatch.setattr(sys, "stdout", None)
    both = _compute(sample_centre, "2025")
    assert len(forked_pids) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025"))


def test_repeated_periods_on_one_prepared_folder(sample_centre, monkeypatch, forced):
    """progress and report compute several periods on one EngineData: each call as one process's."""
    data = engine_compute.EngineData.prepare(sample_centre.read)
    library = load_library([])
    periods = ["2025-01", "2025Q1", "2025"]
    both = [compute_indicators(data, parse_period(p), sample_centre.settings, library, by="team") for p in periods]
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    fresh = engine_compute.EngineData.prepare(sample_centre.read)
    for period, result in zip(periods, both):
        _same(result, compute_indicators(fresh, parse_period(period), sample_centre.settings, library, by="team"))


def test_per_person_tables_only_when_something_reads_them(sample_centre, monkeypatch, forced, forked_pids):
    """compute (no reasons, no --by) keeps figures, steps and warnings only: the child's part comes
    back small; the figures are those of a run that keeps every table."""
    received, real_receive = [], parallel._receive
    monkeypatch.setattr(parallel, "_receive", lambda *args: received.append(real_receive(*args)) or received[-1])
    slim = _compute(sample_centre, "2025", reasons=False)
    assert len(forked_pids) == 1 and received[0]  # the child's evaluations arrived
    assert all(evaluation.persons is None for evaluation in received[0].values())
    full = _compute(sample_centre, "2025", reasons=True)
    grouped = _compute(sample_centre, "2025", reasons=False, by="team")
    assert all(evaluation.persons is None for evaluation in slim.evaluations.values())
    assert slim.indicators == full.indicators and slim.warnings == full.warnings
    kept = [i for i, evaluation in full.evaluations.items() if evaluation.persons is not None]
    assert kept and all(grouped.evaluations[i].persons is not None for i in kept)
    for indicator_id, evaluation in slim.evaluations.items():
        assert evaluation.steps == full.evaluations[indicator_id].steps


def test_more_groups_than_tokens_give_what_one_process_gives(sample_centre, monkeypatch, forced, forked_pids):
    monkeypatch.setattr(parallel, "MAX_TOKENS", 3)
    both = _compute(sample_centre, "2025", by="team")
    assert len(forked_pids) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    _same(both, _compute(sample_centre, "2025", by="team"))


def test_a_warm_read_built_table_by_table_in_both_processes(sample_centre, monkeypatch, forced, forked_pids, tmp_path):
    """The parse cache's tables are built when first used (registers/records.Tables): each process
    builds what its indicators read, after the fork; the result is a cold read's in one process."""
    from helpers import TODAY

    from chsc_cli.registers import ParseCache, read_folder
    from chsc_cli.registers.records import Tables

    cache = ParseCache(tmp_path / "cache")
    folder = sample_centre.read.data_dir
    read_folder(folder, sample_centre.settings, today=TODAY, cache=cache)
    warm = read_folder(folder, sample_centre.settings, today=TODAY, cache=cache)
    assert isinstance(warm.tables, Tables)
    library, read_forks = load_library([]), len(forked_pids)  # (the first read parses in forked workers)
    both = compute_indicators(warm, parse_period("2025"), sample_centre.settings, library, by="station", reasons=True)
    assert len(forked_pids) == read_forks + 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    one = compute_indicators(sample_centre.read, parse_period("2025"), sample_centre.settings, library, by="station", reasons=True)
    _same(both, one)
