"""Evaluating a library's indicators on two cores: part of them in a forked child process.

The engine's evaluation is many small pandas steps (no one of them large), so the only way to take
its time down by half on a two-core machine is to run part of the indicators elsewhere. A forked
child shares the prepared registers with the parent (copy-on-write: a page is copied only when one
of them writes to it) and sends back its evaluations pickled; the parent evaluates the others
meanwhile.

- Only where `os.fork` exists on Linux (Windows has no fork, and macOS frameworks are not safe to
  fork), with at least two CPUs this process may use, and only on folders large enough for the
  ~30 ms of a fork and the transfer to pay (`PARALLEL_MIN_ROWS`); `CHSC_EVAL_WORKERS=1` turns it off.
- Indicators sharing their first register stay in one process, since the populations and event
  rows they share are built once per process (memoised). The groups are dealt out as they go: the
  parent takes the largest first, and then each process takes the next group, largest first, from
  a pipe holding one token per group, whenever it is free. No estimate of a group's cost has to be
  right: the processes end within one group of each other. A register read by groups in both
  processes (the residents roster) is prepared in each.
- Nothing can be lost to the child: if it fails in any way (an error, killed, a result that does
  not arrive whole, no result within `_deadline` of the parent's own work), it is killed and every
  indicator the parent has not evaluated is evaluated in the parent. If the parent's own part
  raises, the child is killed at once and the whole library is evaluated again in one process, so
  that the error reported is the one a single process reports (the first failing indicator in the
  library's order). The result is the same as one process's, in the library's order.
"""

from __future__ import annotations

import os
import pickle
import select
import time
from collections.abc import Callable

from .. import forks
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
    groups = _groups(chosen, data) if _parallel_allowed(chosen, data, PARALLEL_MIN_ROWS) else None
    if groups is None:
        return {indicator.id: run(indicator) for indicator in chosen}
    try:
        done = _with_child(groups, run)
    except _OneProcess:  # no child to be had, or the parent's part failed: as one process would
        return _serial(chosen, run)
    missing = [indicator for indicator in chosen if indicator.id not in done]  # the child's, if it failed
    done.update(_serial(missing, run))
    return {indicator.id: done[indicator.id] for indicator in chosen}


class _OneProcess(Exception):
    """Evaluate the whole library in this process, in its order (the child, if any, is gone)."""


def _parallel_allowed(chosen: list[Indicator], data: EngineData, min_rows: int) -> bool:
    workers = os.environ.get(WORKERS_ENV, "").strip()
    if workers and (not workers.isdigit() or int(workers) < 2):
        return False
    if not forks.fork_available() or _cpus() < 2:
        return False
    return len(chosen) >= 4 and _rows_read(chosen, data) >= min_rows


def _cpus() -> int:
    return forks.cpus()


def _rows_read(chosen: list[Indicator], data: EngineData) -> int:
    registers = {register for indicator in chosen for register in indicator.registers}
    return sum(data.rows_read(register) for register in registers)


#: The most groups dealt out one token each (more are dealt out in runs of neighbouring groups).
MAX_TOKENS = forks.MAX_TOKENS


def _groups(chosen: list[Indicator], data: EngineData) -> list[list[Indicator]] | None:
    """The indicators sharing their first register, as groups in the order they are dealt out:
    the most work first (each indicator costs the rows it reads plus `ROWS_PER_INDICATOR`), so that
    the last ones, taken by whichever process is free, are small. None: one group, nothing to share."""
    groups: dict[str, list[Indicator]] = {}
    for indicator in chosen:
        groups.setdefault(indicator.registers[0] if indicator.registers else indicator.id, []).append(indicator)

    def cost(indicator: Indicator) -> int:
        return ROWS_PER_INDICATOR + sum(data.rows_read(register) for register in indicator.registers)

    ordered = sorted(groups.values(), key=lambda members: -sum(map(cost, members)))  # stable: library order on ties
    if len(ordered) < 2:
        return None
    if len(ordered) > MAX_TOKENS:  # runs of neighbours, so that every token fits in the pipe at once
        size = -(-len(ordered) // MAX_TOKENS)
        ordered = [[i for group in ordered[at : at + size] for i in group] for at in range(0, len(ordered), size)]
    return ordered


def _with_child(groups: list[list[Indicator]], run: Run) -> dict[str, Evaluation]:
    """The first group here, the others dealt out between this process and a forked child; what the
    parent evaluated plus what the child sent (nothing from it if it failed: the caller does the rest)."""
    pipes: list[int] = []
    try:
        read_end, write_end = os.pipe()
        pipes += [read_end, write_end]
        tokens = forks.token_pipe(list(range(1, len(groups))))
        pipes.append(tokens)
        pid = forks.fork()
    except OSError:  # no file descriptor, memory or process slot left: one process does it all
        forks.close_all(*pipes)
        raise _OneProcess from None
    if pid == 0:
        _child(groups, tokens, run, read_end, write_end)  # never returns
    os.close(write_end)
    received = None
    try:
        started = time.monotonic()
        done = _serial(groups[0], run)
        done.update(_dealt(groups, tokens, run))
        received = _receive(read_end, _deadline(time.monotonic() - started))
    except Exception:  # a bug in the parent's part: report the error one process would report
        _stop(pid, read_end, tokens)
        raise _OneProcess from None
    except BaseException:  # Ctrl-C, exit: leave no child behind
        _stop(pid, read_end, tokens)
        raise
    if received is None:  # late, or cut short: killed and reaped now
        _stop(pid, read_end, tokens)
    else:  # whole: the child is exiting on its own, reaped after the caller's remaining work
        os.close(read_end)
        os.close(tokens)
        _exiting.append(pid)
    done.update(received or {})
    return done


#: Children that sent their evaluations whole and are exiting. Their exit (the kernel unmapping a
#: copy-on-write image of this process) takes ~10 ms that the parent need not wait for:
#: `reap_children` kills (harmless, they are leaving) and reaps them once the caller is done.
_exiting: list[int] = []


def reap_children() -> None:
    """Reap the children that sent everything (`compute_indicators` does, before it returns)."""
    while _exiting:
        forks.stop(_exiting.pop())


def _dealt(groups: list[list[Indicator]], tokens: int, run: Run) -> dict[str, Evaluation]:
    """Evaluate the groups this process takes from `tokens`, one at a time, until none is left."""
    done: dict[str, Evaluation] = {}
    while (position := forks.take_token(tokens)) is not None:
        done.update(_serial(groups[position], run))
    return done


def _serial(indicators: list[Indicator], run: Run) -> dict[str, Evaluation]:
    return {indicator.id: run(indicator) for indicator in indicators}


#: The child's part gets at least this long, and `LATE_FACTOR` times the parent's, to arrive.
MIN_WAIT_SECONDS = 30.0
LATE_FACTOR = 4.0


def _deadline(own_seconds: float) -> float:
    """When to stop waiting for the child (it ends within one group of the parent)."""
    return time.monotonic() + max(MIN_WAIT_SECONDS, LATE_FACTOR * own_seconds)


def _stop(pid: int, read_end: int, tokens: int) -> None:
    """Close our ends, kill the child if it still runs, and reap it."""
    os.close(read_end)
    os.close(tokens)
    forks.stop(pid)


def _child(groups: list[list[Indicator]], tokens: int, run: Run, read_end: int, write_end: int) -> None:
    """Evaluate the groups dealt to it, send, and leave without running the parent's exit handlers,
    whatever happens."""
    code = 1
    try:
        os.close(read_end)
        forks.prefer_as_oom_victim()
        forks.quiet_child()
        payload = pickle.dumps(_dealt(groups, tokens, run), protocol=pickle.HIGHEST_PROTOCOL)
        _send(write_end, payload)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent evaluates these again and reports any error
        pass
    finally:
        os._exit(code)


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
