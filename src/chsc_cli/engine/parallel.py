"""Evaluating a library's indicators on two cores: half of them in a forked child process.

The engine's evaluation is many small pandas steps (no one of them large), so the only way to take
its time down by half on a two-core machine is to run half of the indicators elsewhere. A forked
child sees the prepared registers without copying them (copy-on-write) and sends back its
evaluations pickled; the parent evaluates the other half meanwhile.

- Only where `os.fork` exists on Linux (Windows has no fork, and macOS frameworks are not safe to
  fork), with at least two CPUs, and only on folders large enough for the ~30 ms of a fork and the
  transfer to pay (`PARALLEL_MIN_ROWS`); `CHSC_EVAL_WORKERS=1` turns it off.
- Indicators reading the same registers stay in one process, since the populations and event rows
  they share are built once per process (memoised); the groups are balanced by the rows they read.
- Nothing can be lost to the child: if it fails in any way (an error, killed, a result that does
  not arrive), its indicators are evaluated again in the parent, where an error is raised and
  reported as usual. The result is the same as one process's, in the library's order.
"""

from __future__ import annotations

import os
import pickle
import sys
import warnings
from collections.abc import Callable

from .engine_input import EngineData
from .model import Indicator
from .results import Evaluation

#: Below this many register rows in the indicators' registers, one process is faster.
PARALLEL_MIN_ROWS = 60_000
#: At most this many processes evaluate (`CHSC_EVAL_WORKERS`, default 2: the parent and one child).
WORKERS_ENV = "CHSC_EVAL_WORKERS"

Run = Callable[[Indicator], Evaluation]


def evaluate_all(chosen: list[Indicator], run: Run, data: EngineData) -> dict[str, Evaluation]:
    """`run(indicator)` for each of `chosen`, keyed by id in their order; on two processes when it pays."""
    halves = _split(chosen, data) if _parallel_allowed(chosen, data, PARALLEL_MIN_ROWS) else None
    if halves is None:
        return {indicator.id: run(indicator) for indicator in chosen}
    mine, theirs = halves
    done = _with_child(theirs, run, lambda: {indicator.id: run(indicator) for indicator in mine})
    return {indicator.id: done[indicator.id] for indicator in chosen}


def _parallel_allowed(chosen: list[Indicator], data: EngineData, min_rows: int) -> bool:
    workers = os.environ.get(WORKERS_ENV, "").strip()
    if workers and (not workers.isdigit() or int(workers) < 2):
        return False
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")) or _cpus() < 2:
        return False
    return len(chosen) >= 4 and _rows_read(chosen, data) >= min_rows


def _cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _rows_read(chosen: list[Indicator], data: EngineData) -> int:
    registers = {register for indicator in chosen for register in indicator.registers}
    return sum(len(data.table(register)) for register in registers if data.has(register))


def _split(chosen: list[Indicator], data: EngineData) -> tuple[list[Indicator], list[Indicator]] | None:
    """Two halves of about equal work: groups of indicators sharing their first register, the
    largest group first into the lighter half (each indicator costs the rows it reads). The first
    half stays in the parent: it holds the largest group, usually the residents roster's, whose
    person frames would be the most costly to send back."""
    groups: dict[str, list[Indicator]] = {}
    for indicator in chosen:
        groups.setdefault(indicator.registers[0] if indicator.registers else indicator.id, []).append(indicator)

    def cost(indicator: Indicator) -> int:
        return 1 + sum(len(data.table(register)) for register in indicator.registers if data.has(register))

    halves: tuple[list[Indicator], list[Indicator]] = ([], [])
    loads = [0, 0]
    for group in sorted(groups.values(), key=lambda members: -sum(map(cost, members))):
        lighter = 0 if loads[0] <= loads[1] else 1
        halves[lighter].extend(group)
        loads[lighter] += sum(map(cost, group))
    return halves if halves[0] and halves[1] else None


def _with_child(theirs: list[Indicator], run: Run, own: Callable[[], dict[str, Evaluation]]) -> dict[str, Evaluation]:
    """`own()` here while a forked child runs `theirs`; the child's part again here if it failed."""
    for stream in (sys.stdout, sys.stderr):  # the child must not write what the parent buffered
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing the child could repeat
            pass
    read_end, write_end = os.pipe()
    try:
        with warnings.catch_warnings():  # Python 3.12 warns about forking a process with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # no memory or process left for a child: one process does it all
        os.close(read_end), os.close(write_end)
        return {**own(), **{indicator.id: run(indicator) for indicator in theirs}}
    if pid == 0:  # the child: evaluate, send, and leave without running the parent's exit handlers
        os.close(read_end)
        _child(theirs, run, write_end)
    os.close(write_end)
    received = None
    try:
        done = own()
        received = _receive(read_end)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    if received is None:
        received = {indicator.id: run(indicator) for indicator in theirs}
    done.update(received)
    return done


def _child(theirs: list[Indicator], run: Run, write_end: int) -> None:
    code = 1
    try:
        payload = pickle.dumps({indicator.id: run(indicator) for indicator in theirs}, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent evaluates these again and reports any error
        pass
    finally:
        os._exit(code)


def _receive(read_end: int) -> dict[str, Evaluation] | None:
    """The child's evaluations, or None when they did not arrive whole."""
    chunks = []
    while chunk := os.read(read_end, 1 << 20):
        chunks.append(chunk)
    try:
        return pickle.loads(b"".join(chunks)) if chunks else None
    except Exception:  # noqa: BLE001 - a truncated payload: the child died while writing
        return None
