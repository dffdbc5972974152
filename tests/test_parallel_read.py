"""Every way of reading a folder is the read in one process: the same kind tables, problems in the
same order, the same sheets — parsed by this process with forked helpers (parse_workers.py), by a
pool of workers (fork, and spawn as on Windows and macOS), and from workbooks opened ahead on a
thread (read_plan.py). A helper that fails, dies or hangs loses nothing: the parent parses its
files. A computing command plans its read, and starts reading ahead, before pandas is imported."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from chsc_cli import forks
from chsc_cli.registers import parse_workers, read_plan, reader
from chsc_cli.registers.read_plan import plan_read
from chsc_cli.registers.reader import read_folder
from chsc_cli.registers.folder import find_register_files
from chsc_cli.services.workspace import load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
BAD = Path(__file__).resolve().parent / "data" / "bad"
TODAY = dt.date(2026, 1, 15)
needs_fork = pytest.mark.skipif(not forks.fork_available(), reason="helpers are forked on Linux only")


@pytest.fixture(scope="module")
def settings():
    return load_settings(SAMPLE, None).settings


@pytest.fixture(scope="module")
def alone(settings):
    return read_folder(SAMPLE, settings, today=TODAY, workers=1)


def _same(read, alone) -> None:
    assert read.problems == alone.problems and read.sheets == alone.sheets
    assert read.skipped == alone.skipped
    assert list(read.tables) == list(alone.tables)
    for kind, table in read.tables.items():
        pd.testing.assert_frame_equal(table, alone.tables[kind], check_exact=True)


def test_the_sample_is_big_enough_to_be_read_in_parallel():
    assert sum(path.stat().st_size for path in find_register_files(SAMPLE)) >= read_plan.PARALLEL_MIN_BYTES


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_read_in_a_pool_as_in_one_process(method, monkeypatch, settings, alone):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    monkeypatch.setattr(reader.multiprocessing, "get_all_start_methods", lambda: [method])
    monkeypatch.setattr(reader, "parse_dealt", lambda *args: None)  # as where nothing can be forked
    _same(read_folder(SAMPLE, settings, today=TODAY, workers=2), alone)


@needs_fork
def test_read_with_forked_helpers_as_in_one_process(monkeypatch, settings, alone):
    dealt = []
    real = parse_workers._parse_with
    monkeypatch.setattr(parse_workers, "_parse_with", lambda helpers, *args: dealt.append(helpers.pids) or real(helpers, *args))
    _same(read_folder(SAMPLE, settings, today=TODAY, workers=3), alone)
    assert [len(pids) for pids in dealt] == [2]  # the parent is the third process


@needs_fork
def test_kinds_worked_out_while_the_helpers_parse_as_in_one_process(tmp_path, monkeypatch):
    """The kind-level steps started as soon as any file is in, so that kinds given another sheet
    by a later file are worked out again: the read is still one process's."""
    folder = tmp_path / "data"
    for path in SAMPLE.rglob("*"):  # the sample's small registers (several kinds in several files)
        small = path.suffix in (".xlsx", ".csv") and path.stat().st_size < 60_000
        if path.is_file() and (path.name == "chsc.yaml" or small):
            (folder / path.relative_to(SAMPLE)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.relative_to(SAMPLE))
    settings = load_settings(folder, None).settings
    alone = read_folder(folder, settings, today=TODAY, workers=1)
    monkeypatch.setattr(read_plan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(forks, "cpus", lambda: 2)
    monkeypatch.setattr(reader, "KIND_STEP_BYTES_PER_ROW", 1e12)
    runs, real = [], reader.kind_table
    monkeypatch.setattr(reader, "kind_table", lambda frames, kind: runs.append(kind.name) or real(frames, kind))
    _same(read_folder(folder, settings, today=TODAY, workers=2), alone)
    assert set(runs) == set(alone.tables) and len(alone.tables) >= 5
    assert len(runs) > len(alone.tables)  # some kinds were worked out again, with their later sheets


def _small_files_read(settings, until):
    """The sample's files read one by one, smallest first, until `until(results)` holds."""
    from chsc_cli.registers.sheets import read_one_file

    files = find_register_files(SAMPLE)
    results = {}
    for position in sorted(range(len(files)), key=lambda p: files[p].stat().st_size):
        results[position] = read_one_file(files[position], SAMPLE, settings, TODAY)
        if until(results):
            return results
    raise AssertionError("the sample has no such files")


def test_a_kind_is_worked_out_again_when_a_later_file_gives_it_a_sheet(settings):
    def two_files(results):
        files_of = {}
        for position, result in results.items():
            for sheet in result.sheets:
                files_of.setdefault(sheet.kind, set()).add(position)
        return next((kind for kind, positions in files_of.items() if len(positions) > 1), None)

    results = _small_files_read(settings, two_files)
    kind = two_files(results)
    frames = reader._frames_by_kind(results)[kind]
    first = min(p for p, r in results.items() if any(s.kind == kind for s in r.sheets))
    steps = reader._KindSteps()
    assert steps.spare({first: results[first]}, 10**9, True)  # idle: worked out from the first file's sheets
    early = steps.run(kind, reader._frames_by_kind({first: results[first]})[kind])
    again = steps.run(kind, frames)
    assert len(early[0]) < len(again[0])
    one = reader._KindSteps().run(kind, frames)
    pd.testing.assert_frame_equal(again[0], one[0], check_exact=True)
    assert again[1:] == one[1:]
    assert steps.run(kind, list(frames))[0] is again[0]  # the same frames: not worked out a third time


def test_a_kind_whose_steps_fail_early_fails_at_the_end_as_in_one_process(settings, monkeypatch):
    results = _small_files_read(settings, lambda results: len(reader._frames_by_kind(results)) >= 3)
    failing_kind = list(reader._frames_by_kind(results))[1]
    real = reader.add_person_fields

    def failing(table, kind):
        if kind.name == failing_kind:
            raise RuntimeError("a bug")
        return real(table, kind)

    monkeypatch.setattr(reader, "add_person_fields", failing)
    steps = reader._KindSteps()
    while steps.spare(results, 0, True):  # every kind, the failing one too: nothing raised yet
        pass
    with pytest.raises(RuntimeError, match="a bug"):
        steps.run(failing_kind, reader._frames_by_kind(results)[failing_kind])


def _opened_ahead(settings, monkeypatch, **options):
    """A plan whose read ahead has opened every workbook it would (waited for, not raced)."""
    monkeypatch.setattr(forks, "cpus", lambda: 2)
    plan = plan_read(SAMPLE, settings, today=TODAY, **options)
    assert plan.ahead is not None
    plan.ahead.thread.join()
    assert plan.ahead.done and all(position in plan.ahead.done for position in plan.ahead.order)
    return plan


@pytest.mark.parametrize("helpers", [True, False])
def test_workbooks_opened_ahead_read_as_in_one_process(monkeypatch, settings, alone, helpers):
    if helpers and not forks.fork_available():
        pytest.skip("no fork here")
    if not helpers:
        monkeypatch.setattr(reader, "parse_dealt", lambda *args: None)
    plan = _opened_ahead(settings, monkeypatch)
    assert not any(plan.entries[p].path.suffix == ".csv" for p in plan.ahead.order)  # CSV is read in Python
    _same(read_folder(SAMPLE, plan=plan, workers=2), alone)
    assert not plan.ahead.done  # nothing opened is kept after the read


@needs_fork
@pytest.mark.parametrize("no_helper", [False, True])
def test_while_the_read_ahead_finishes_a_file_the_parent_parses_what_it_decoded(monkeypatch, settings, alone, no_helper):
    """The read ahead cannot be stopped inside a file, and no helper is forked while it runs: the
    parent parses the workbooks decoded already (the smallest first) instead of waiting; the read is
    still one process's, also when no helper can then be forked (the parent parses the rest). The
    thread is held inside its third workbook until the parent has parsed one."""
    monkeypatch.setattr(forks, "cpus", lambda: 2)
    workbooks = sorted((p for p in find_register_files(SAMPLE) if p.suffix != ".csv" and p.stat().st_size), key=lambda p: p.stat().st_size)
    held = workbooks[2].read_bytes()
    release, events, parent = threading.Event(), [], os.getpid()
    real_open, real_parse, real_start = read_plan.open_workbook, parse_workers.parse_entry, parse_workers._Helpers.start

    def open_workbook(data, *args, **kwargs):
        if data == held:
            release.wait(60)
        return real_open(data, *args, **kwargs)

    def parse_entry(plan, position, *args):
        if os.getpid() == parent:
            events.append(("parsed", plan.entries[position].path.name, plan.ahead.thread is not None and plan.ahead.thread.is_alive()))
            release.set()
        return real_parse(plan, position, *args)

    monkeypatch.setattr(read_plan, "open_workbook", open_workbook)
    monkeypatch.setattr(parse_workers, "parse_entry", parse_entry)
    def start(cls, *args):
        events.append(("forked",))
        return None if no_helper else real_start.__func__(cls, *args)

    monkeypatch.setattr(parse_workers._Helpers, "start", classmethod(start))
    plan = plan_read(SAMPLE, settings, today=TODAY)
    deadline = time.monotonic() + 60
    while len(plan.ahead.done) < 2 and time.monotonic() < deadline:  # the two smallest decoded; held in the third
        time.sleep(0.01)
    read = read_folder(SAMPLE, plan=plan, workers=2)
    _same(read, alone)
    forked = events.index(("forked",))
    assert events[0] == ("parsed", workbooks[0].name, True)  # parsed while the thread was still decoding
    assert [event[1] for event in events[:forked]] == [p.name for p in workbooks[:forked]]  # the smallest first
    assert not plan.ahead.done
    if no_helper:  # every file parsed here, each once
        parsed = [event[1] for event in events if event[0] == "parsed"]
        assert len(parsed) == len(set(parsed)) == len(plan.entries)


def test_a_bad_workbook_opened_ahead_gives_the_problem_one_process_gives(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in BAD.iterdir():
        if path.suffix in (".xlsx", ".xls") and "bomb" not in path.name:
            shutil.copy(path, folder / path.name)
    monkeypatch.setattr(read_plan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(forks, "cpus", lambda: 2)
    plan = plan_read(folder, today=TODAY)
    plan.ahead.thread.join()
    assert len(plan.ahead.done) == sum(1 for path in plan.files if path.stat().st_size) >= 5  # (an empty file is not opened)
    ahead, one = read_folder(folder, plan=plan, workers=1), read_folder(folder, today=TODAY, workers=1)
    assert ahead.problems == one.problems and ahead.skipped == one.skipped and ahead.sheets == one.sheets


def _in_helpers(monkeypatch, act) -> None:
    """parse_entry as the helpers call it: `act(position)` first in a helper, never in this process."""
    parent, real = os.getpid(), parse_workers.parse_entry

    def parse_entry(plan, position, *args):
        if os.getpid() != parent:
            act(position)
        return real(plan, position, *args)

    monkeypatch.setattr(parse_workers, "parse_entry", parse_entry)


@needs_fork
@pytest.mark.parametrize("failure", ["raises", "dies", "hangs"])
def test_a_helper_that_fails_loses_nothing(monkeypatch, settings, alone, failure):
    monkeypatch.setattr(parse_workers, "MIN_WAIT_SECONDS", 1.0)
    monkeypatch.setattr(parse_workers, "SLOW_SECONDS_PER_BYTE", 0.0)

    def act(position):
        if failure == "raises":
            raise RuntimeError("a bug met in a helper")
        if failure == "dies":
            os._exit(9)
        time.sleep(600)

    _in_helpers(monkeypatch, act)
    started = time.monotonic()
    _same(read_folder(SAMPLE, settings, today=TODAY, workers=2), alone)
    assert time.monotonic() - started < 60  # a hanging helper was not waited for long


@needs_fork
def test_an_error_in_the_parent_leaves_no_helper_behind(monkeypatch, settings, forked_pids):
    _in_helpers(monkeypatch, lambda position: time.sleep(600))
    real = parse_workers.parse_entry

    def failing(plan, position, *args):
        if os.getpid() == parent:
            raise RuntimeError("a bug met in the parent")
        return real(plan, position, *args)

    parent = os.getpid()
    monkeypatch.setattr(parse_workers, "parse_entry", failing)
    with pytest.raises(RuntimeError, match="in the parent"):
        read_folder(SAMPLE, settings, today=TODAY, workers=2)
    assert forked_pids
    for pid in forked_pids:  # killed and reaped: no such process any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize(
    "command",
    [
        ["compute", "--period", "2025", "--format", "json"],
        ["check", "--period", "2025"],
        ["gaps", "elderly_health_management_rate", "--period", "2025"],
        ["progress", "--year", "2025"],
        ["report", "--period", "2025", "--kind", "summary", "-o", "{tmp}/总结.md"],
        ["explain", "elderly_health_management_rate", "--period", "2025"],
        ["validate", "--format", "json"],
    ],
    ids=lambda command: command[0],
)
def test_a_command_that_reads_a_folder_plans_its_read_before_pandas_loads(tmp_path, command):
    """What the read ahead gains: the command line, chsc.yaml and the plan load no pandas (a
    command that imports its engine or outputs before load_workspace loses the overlap)."""
    name, *options = command
    arguments = [name, *(["elderly_health_management_rate"] if name in ("gaps", "explain") else [])]
    arguments += [str(SAMPLE), *(o.format(tmp=tmp_path) for o in options if o != "elderly_health_management_rate")]
    script = (
        "import sys\n"
        "from chsc_cli import forks\n"
        "forks.cpus = lambda: 2\n"
        "from chsc_cli.registers import read_plan\n"
        "real = read_plan.plan_read\n"
        "def plan_read(*args, **kwargs):\n"
        "    print('pandas' in sys.modules, file=sys.stderr)\n"
        "    plan = real(*args, **kwargs)\n"
        "    print(plan.ahead is not None, file=sys.stderr)\n"
        "    return plan\n"
        "read_plan.plan_read = plan_read\n"
        "from chsc_cli.cli.main import run\n"
        f"sys.exit(run({[*arguments, '--quiet', '--no-cache'] if name != 'report' else [*arguments, '--quiet']!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CHSC_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode in (0, 1), done.stderr  # 1: findings (check, validate)
    assert done.stderr.split()[:2] == ["False", "True"], done.stderr


@needs_fork
def test_a_helper_says_nothing_on_the_parents_streams(monkeypatch, settings, alone, capfd):
    def act(position):
        print("a helper printing", flush=True)
        print("a helper warning", file=sys.stderr, flush=True)

    _in_helpers(monkeypatch, act)
    _same(read_folder(SAMPLE, settings, today=TODAY, workers=2), alone)
    out, err = capfd.readouterr()
    assert "a helper" not in out + err


def test_an_unreadable_cache_folder_holds_nothing(tmp_path, monkeypatch):
    """`sudo chsc` may leave the cache folder to root: a plain user's read goes on without it."""
    from chsc_cli.registers.cache import ParseCache

    def refused(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "is_file", refused)
    assert ParseCache(tmp_path / "cache").has("ab" * 32) is False


class _Sheet:
    def __init__(self, name, log):
        self.name, self.log, self.end, self.merged_cell_ranges = name, log, (0, 0), ()

    def to_python(self, skip_empty_area=False):
        self.log.append(f"values {self.name}")
        return [[self.name]]


class _Workbook:
    def __init__(self, names, log):
        self.sheet_names, self.log = names, log

    def get_sheet_by_name(self, name):
        self.log.append(f"decode {name}")
        return _Sheet(name, self.log)


@pytest.mark.parametrize("ahead", [False, True])
def test_a_workbooks_sheets_are_decoded_one_at_a_time_unless_read_ahead(ahead):
    """A read decodes a sheet, takes its values and lets it go before the next (a workbook's
    sheets are never all held decoded); the read ahead decodes them all on its thread first."""
    from chsc_cli.registers.sources import OpenedWorkbook, _decoded

    log = []
    opened = OpenedWorkbook("a.xlsx", _Workbook(["一", "二", "三"], log), ["一", "二", "三"])
    if ahead:
        opened.decoded = {name: _decoded(opened.workbook, name) for name in opened.names}
    assert [sheet.rows for sheet in opened.raw_sheets()] == [[["一"]], [["二"]], [["三"]]]
    lazily = ["decode 一", "values 一", "decode 二", "values 二", "decode 三", "values 三"]
    assert log == (sorted(lazily, key=lambda step: not step.startswith("decode")) if ahead else lazily)
    assert not opened.decoded


def test_the_read_ahead_decodes_no_sheet_after_one_past_the_row_limit(monkeypatch):
    """raw_sheets stops at such a sheet (too-large): the sheets after it are not worth decoding."""
    import python_calamine

    from chsc_cli.registers import sources

    log = []
    book = _Workbook(["一", "二", "三"], log)
    tall = _Sheet("一", log)
    tall.end = (sources.EXCEL_MAX_ROWS, 0)  # one row past the limit (end is 0-based)
    book.get_sheet_by_name = lambda name: log.append(f"decode {name}") or (tall if name == "一" else _Sheet(name, log))
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", type("Fake", (), {"from_filelike": staticmethod(lambda data: book)}))
    workbook = next(path for path in sorted(SAMPLE.rglob("*.xlsx")))  # real bytes, for the zip check
    opened = sources.open_workbook(workbook.read_bytes(), "a.xlsx", ".xlsx", decode=True)
    assert log == ["decode 一"]
    with pytest.raises(sources.UnreadableFile, match="行数上限") as refused:
        opened.raw_sheets()
    assert refused.value.code == "too-large" and log == ["decode 一"]


def test_a_panic_on_the_read_ahead_thread_only_leaves_the_file_to_the_parse(monkeypatch, settings, alone, capfd):
    class Panic(BaseException):  # as pyo3's PanicException, which is not an Exception
        pass

    real, panicked = read_plan.open_workbook, []

    def open_workbook(data, name, *args, **kwargs):
        if not panicked:
            panicked.append(name)
            raise Panic("calamine panicked")
        return real(data, name, *args, **kwargs)

    monkeypatch.setattr(read_plan, "open_workbook", open_workbook)
    monkeypatch.setattr(forks, "cpus", lambda: 2)
    plan = plan_read(SAMPLE, settings, today=TODAY)
    plan.ahead.thread.join()
    assert panicked and len(plan.ahead.done) == len(plan.ahead.order) - 1  # the thread went on
    _same(read_folder(SAMPLE, plan=plan, workers=1), alone)
    assert "Panic" not in capfd.readouterr().err


def test_how_many_processes_a_read_is_worth(settings, monkeypatch):
    monkeypatch.setattr(forks, "cpus", lambda: 4)
    plan = plan_read(SAMPLE, settings, today=TODAY, read_ahead=False)
    everything, smallest = list(range(len(plan.entries))), plan.largest_first(range(len(plan.entries)))[-3:]
    assert plan.processes(everything, None) == 4 and plan.processes(everything, 2) == 2
    assert sum(map(plan.size, smallest)) < read_plan.PARALLEL_MIN_BYTES and plan.processes(smallest, None) == 1
    assert plan.processes(everything[:1], None) == 1 and plan.processes([], None) == 0
    sizes = [plan.size(p) for p in plan.largest_first(everything)]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("users", [{}, {"OMP_NUM_THREADS": "3"}, {"OPENBLAS_NUM_THREADS": "2"}], ids=["unset", "omp", "openblas"])
def test_the_console_script_keeps_openblas_to_one_thread_unless_the_user_set_it(users):
    """OpenBLAS's own threads spin ~0.1 s of CPU after numpy loads, on the core the read ahead uses:
    chsc asks for none before numpy is first imported, and leaves a user's own setting alone."""
    script = (
        "import os, sys\n"
        "from chsc_cli.cli import main\n"
        "def run():\n"
        "    print('numpy' in sys.modules, [os.environ.get(n) for n in main.BLAS_THREAD_SETTINGS])\n"
        "    return 0\n"
        "main.run = run\n"
        "main.main()\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={**env, **users})
    expected = [users.get("OPENBLAS_NUM_THREADS", None if users else "1"), None, users.get("OMP_NUM_THREADS")]
    assert done.stdout.strip() == f"False {expected!r}", done.stdout + done.stderr
