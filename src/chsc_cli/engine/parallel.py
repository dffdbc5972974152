"""Evaluating a library's indicators on two cores: half of them in a forked child process.

The engine's evaluation is many small pandas steps (no one of them large), so the only way to take
its time down by half on a two-core machine is to run half of the indicators elsewhere. A forked
child shares the prepared registers with the parent (copy-on-write: a page is copied only when one
of them writes to it) and sends back its evaluations pickled; the parent evaluates the other half
meanwhile.

- Only where `os.fork` exists on Linux (Windows has no fork, and macOS frameworks are not safe to
  fork), with at least two CPUs this process may use, and only on folders large enough for the
  ~30 ms of a fork and the transfer to pay (`PARALLEL_MIN_ROWS`); `CHSC_EVAL_WORKERS=1` turns it off.
- Indicators sharing their first register stay in one process, since the populations and event
  rows they share are built once per process (memoised); the groups are balanced by the rows they
  read. A register read by both halves (the residents roster, for groups) is prepared in each.
- Nothing can be lost to the child: if it fails in any way (an error, killed, a result that does
  not arrive whole, no result within `_deadline` of the parent's own half), it is killed and its
  indicators are evaluated again in the parent. If the parent's own half raises, the child is killed
  at once and the whole library is evaluated again in one process, so that the error reported is the
  one a single process reports (the first failing indicator in the library's order). The result is
  the same as one process's, in the library's order.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable

from .engine_input import EngineData
from .model import Indicator
from .results import Evaluation

#: Below this many register rows in the indicators' registers, one process is faster.
PARALLEL_MIN_ROWS = 60_000
#: An indicator's own fixed work in rows' worth (measured on the export-style centre: ~20 ms an
#: indicator besides ~0.4 µs a row read): the small registers' indicators are not free.
ROWS_PER_INDICATOR = 50_000
#: At most this many processes evaluate (`CHSC_EVAL_WORKERS`, default 2: the parent and one child).
WORKERS_ENV = "CHSC_EVAL_WORKERS"

Run = Callable[[Indicator], Evaluation]


def evaluate_all(chosen: list[Indicator], run: Run, data: EngineData) -> dict[str, Evaluation]:
    """`run(indicator)` for each of `chosen`, keyed by id in their order; on two processes when it pays."""
    halves = _split(chosen, data) if _parallel_allowed(chosen, data, PARALLEL_MIN_ROWS) else None
    if halves is None:
        return {indicator.id: run(indicator) for indicator in chosen}
    try:
        done = _with_child(*halves, run)
    except _OneProcess:  # no child to be had, or the parent's half failed: as one process would
        return _serial(chosen, run)
    return {indicator.id: done[indicator.id] for indicator in chosen}


class _OneProcess(Exception):
    """Evaluate the whole library in this process, in its order (the child, if any, is gone)."""


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
    return sum(data.rows_read(register) for register in registers)


def _split(chosen: list[Indicator], data: EngineData) -> tuple[list[Indicator], list[Indicator]] | None:
    """Two halves of about equal work: groups of indicators sharing their first register, the
    largest group first into the lighter half (each indicator costs the rows it reads plus
    `ROWS_PER_INDICATOR`). The first
    half stays in the parent: it holds the largest group, usually the residents roster's, whose
    person frames would be the most costly to send back."""
    groups: dict[str, list[Indicator]] = {}
    for indicator in chosen:
        groups.setdefault(indicator.registers[0] if indicator.registers else indicator.id, []).append(indicator)

    def cost(indicator: Indicator) -> int:
        return ROWS_PER_INDICATOR + sum(data.rows_read(register) for register in indicator.registers)

    halves: tuple[list[Indicator], list[Indicator]] = ([], [])
    loads = [0, 0]
    for group in sorted(groups.values(), key=lambda members: -sum(map(cost, members))):
        lighter = 0 if loads[0] <= loads[1] else 1
        halves[lighter].extend(group)
        loads[lighter] += sum(map(cost, group))
    if not (halves[0] and halves[1]):
        return None
    position = {indicator.id: index for index, indicator in enumerate(chosen)}
    return tuple(sorted(half, key=lambda indicator: position[indicator.id]) for half in halves)  # library order


def _with_child(mine: list[Indicator], theirs: list[Indicator], run: Run) -> dict[str, Evaluation]:
    """`mine` here while a forked child runs `theirs`; the child's part again here if it failed."""
    for stream in (sys.stdout, sys.stderr):  # the child must not write what the parent buffered
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing the child could repeat
            pass
    try:
        read_end, write_end = os.pipe()
    except OSError:  # no file descriptor left: one process does it all
        raise _OneProcess from None
    try:
        with warnings.catch_warnings():  # Python 3.12 warns about forking a process with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # no memory or process slot left for a child: one process does it all
        os.close(read_end), os.close(write_end)
        raise _OneProcess from None
    if pid == 0:
        _child(theirs, run, read_end, write_end)  # never returns
    os.close(write_end)
    received = None
    try:
        started = time.monotonic()
        done = _serial(mine, run)
        received = _receive(read_end, _deadline(time.monotonic() - started))
    except Exception:  # a bug in the parent's half: report the error one process would report
        _stop(pid, read_end)
        raise _OneProcess from None
    except BaseException:  # Ctrl-C, exit: leave no child behind
        _stop(pid, read_end)
        raise
    _stop(pid, read_end)  # (the child has sent everything and exited, or it is late: killed)
    if received is None:
        received = _serial(theirs, run)
    done.update(received)
    return done


def _serial(indicators: list[Indicator], run: Run) -> dict[str, Evaluation]:
    return {indicator.id: run(indicator) for indicator in indicators}


#: The child's half gets at least this long, and `LATE_FACTOR` times the parent's half, to arrive.
MIN_WAIT_SECONDS = 30.0
LATE_FACTOR = 4.0


def _deadline(own_seconds: float) -> float:
    """When to stop waiting for the child (its half is about as long as the parent's)."""
    return time.monotonic() + max(MIN_WAIT_SECONDS, LATE_FACTOR * own_seconds)


def _stop(pid: int, read_end: int) -> None:
    """Close our end, kill the child if it still runs, and reap it."""
    os.close(read_end)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # SIGCHLD ignored by whoever started chsc: the system reaped it
        pass


def _child(theirs: list[Indicator], run: Run, read_end: int, write_end: int) -> None:
    """Evaluate, send, and leave without running the parent's exit handlers, whatever happens."""
    code = 1
    try:
        os.close(read_end)
        _prefer_as_oom_victim()
        payload = pickle.dumps(_serial(theirs, run), protocol=pickle.HIGHEST_PROTOCOL)
        _send(write_end, payload)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent evaluates these again and reports any error
        pass
    finally:
        os._exit(code)


def _prefer_as_oom_victim() -> None:
    """Out of memory, the kernel should kill the child (the parent redoes its work), not chsc."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adjust:
            adjust.write("1000")
    except OSError:
        pass


def _send(write_end: int, payload: bytes) -> None:
    with os.fdopen(write_end, "wb") as pipe:
        pipe.write(payload)


def _receive(read_end: int, deadline: float) -> dict[str, Evaluation] | None:
    """The child's evaluations, or None when they did not arrive whole by `deadline`."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
            return None  # late: the caller kills the child
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return pickle.loads(b"".join(chunks)) if chunks else None
    except Exception:  # noqa: BLE001 - a truncated payload: the child died while writing
        return None
