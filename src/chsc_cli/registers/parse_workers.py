"""Parsing a folder's files over forked helper processes and this one (Linux).

The files are dealt out through a token pipe (forks.py), largest first; this process parses too,
taking tokens as the helpers do, so that its own results need no transfer. A helper shares the
parent's memory as it was at the fork — pandas and chsc loaded, the files' bytes, what the read
ahead read (read_plan.py) — and sends each file's result as it is done (pickled, its length
first); a thread of the parent only gathers the bytes, the parent unpickles them between its own
files. Forked only once the read ahead has stopped and before the gathering threads start; the
progress bar's refresh thread may run (as it did beside a pool's fork), so a helper writes nothing
to the parent's stdout or stderr, whose locks that thread may hold: its own go to os.devnull.

Nothing can be lost to a helper: a file whose result does not come back whole (an error, the
helper killed, or late) is parsed in the parent, which then reports what one process would.

Near the end the parent may do other work between its files (`spare`: the reader's kind-level
steps of the kinds parsed so far) while the helpers parse the last ones, and does it while it
would only wait for their last results.
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import forks
from .read_plan import ReadPlan, parse_entry

if TYPE_CHECKING:
    from .sheets import FileResult

#: A helper's files get at least this long after the parent's own are done, plus LATE_FACTOR times
#: what the parent took per byte for the bytes they hold (at least SLOW_SECONDS_PER_BYTE), before
#: the helper is taken to hang and the parent parses them itself.
MIN_WAIT_SECONDS = 60.0
LATE_FACTOR = 4.0
SLOW_SECONDS_PER_BYTE = 1e-6  # 1 s a MB: calamine reads an xlsx several times faster
_LENGTH = 8  # bytes before each result sent: its length, little-endian


def parse_dealt(
    plan: ReadPlan, positions: list[int], workers: int | None, on_file, spare=None
) -> dict[int, FileResult] | None:
    """The files at `positions` parsed by this process and forked helpers (`workers` processes in
    all, default the CPUs this process may use); None where that does not pay or cannot be had.

    `spare(results so far, bytes not parsed yet, idle)`: other work this process may do between
    its files instead of taking the next (one piece a call; False when it has none worth doing
    now), and while it would only wait for the helpers' last files (`idle`)."""
    count = plan.processes(positions, workers)
    if count < 2 or not forks.fork_available() or len(positions) > forks.MAX_TOKENS:
        return None
    early = _while_the_read_ahead_ends(plan, positions, on_file)
    plan.stop_reading_ahead()  # (no thread of ours may run at a fork)
    rest = [position for position in positions if position not in early]
    helpers = _Helpers.start(plan, plan.largest_first(rest), count - 1) if rest else None
    if helpers is None:
        if not early:
            return None
        return early | {position: parsed_here(plan, position, on_file) for position in rest}
    try:
        return _parse_with(helpers, plan, on_file, spare, early)
    finally:
        helpers.stop()


def _while_the_read_ahead_ends(plan: ReadPlan, positions: list[int], on_file) -> dict[int, FileResult]:
    """Files the read ahead has decoded, parsed here while its thread finishes the file under way.

    The thread cannot be stopped inside a file, and no helper may be forked while it runs: instead
    of waiting (0.005-0.11 s on the export centre), this process parses what is decoded already,
    one file at a time, the smallest first, until the thread is done."""
    early: dict[int, FileResult] = {}
    ahead = plan.ahead
    while ahead is not None and ahead.finishing():
        ready = ahead.decoded(positions)
        if not ready:
            break
        early[ready[0]] = parsed_here(plan, ready[0], on_file)
    return early


def parsed_here(plan: ReadPlan, position: int, on_file) -> FileResult:
    parsed = parse_entry(plan, position)
    on_file(plan.name(position))
    return parsed


def _parse_with(helpers: _Helpers, plan: ReadPlan, on_file, spare=None, early=None) -> dict[int, FileResult]:
    done: dict[int, FileResult] = dict(early or {})
    unparsed = sum(plan.size(p) for p in helpers.positions)

    def arrived() -> None:
        nonlocal unparsed
        for position, result in helpers.received():
            done[position] = result
            unparsed -= plan.size(position)
            on_file(plan.name(position))
            if plan.ahead is not None:  # the helper parsed it: this process's decoded copy can go
                plan.ahead.take(position)

    started, own_bytes, spared = time.monotonic(), 0, 0.0
    while True:
        if spare is not None:
            before = time.monotonic()
            if spare(done, unparsed, False):
                spared += time.monotonic() - before
                arrived()
                continue
        if (position := helpers.take()) is None:
            break
        done[position] = parse_entry(plan, position)
        on_file(plan.name(position))
        own_bytes += plan.size(position)
        unparsed -= plan.size(position)
        arrived()
    own_seconds = time.monotonic() - started - spared  # (the parent's pace at parsing)
    arrived()
    while spare is not None and helpers.busy() and spare(done, unparsed, True):  # while the last files come
        arrived()
    pending_bytes = sum(plan.size(p) for p in helpers.positions if p not in done)
    helpers.wait(pending_bytes, own_seconds / own_bytes if own_bytes else 0.0)
    arrived()
    for position in helpers.positions:  # sent by no helper (an error, a helper killed or late)
        if position not in done:
            done[position] = parse_entry(plan, position)
            on_file(plan.name(position))
    return done


@dataclass
class _Helpers:
    """Helper processes parsing `positions` of a plan's entries, with the parent."""

    positions: list[int]  # the entries dealt out, largest first
    tokens: int  # the read end of the pipe holding their tokens
    pids: list[int] = field(default_factory=list)
    results: list[int] = field(default_factory=list)  # the read end of each helper's result pipe
    arrived: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)  # (position, pickled result)
    threads: list[threading.Thread] = field(default_factory=list)
    stopped: bool = False

    @classmethod
    def start(cls, plan: ReadPlan, largest_first: list[int], count: int) -> _Helpers | None:
        try:
            tokens = forks.token_pipe(largest_first)
        except OSError:  # no file descriptor left: the reader parses as it would without
            return None
        started = cls(largest_first, tokens)
        try:
            for _ in range(count):
                if not started._fork_helper(plan):
                    break
            if not started.pids:
                forks.close_all(tokens)
                return None
            for read_end in started.results:  # only now: none of ours runs while a helper is forked
                thread = threading.Thread(target=_gather, args=(read_end, started.arrived), daemon=True)
                thread.start()
                started.threads.append(thread)
        except BaseException:  # no thread left to start, Ctrl-C between two forks: none left behind
            started.stop()
            raise
        return started

    def _fork_helper(self, plan: ReadPlan) -> bool:
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return False
        try:
            pid = forks.fork()
        except OSError:  # no memory or process slot left: fewer helpers
            forks.close_all(read_end, write_end)
            return False
        if pid == 0:
            _helper(plan, self.tokens, write_end, [read_end, *self.results])  # never returns
        os.close(write_end)
        self.pids.append(pid)
        self.results.append(read_end)
        return True

    def take(self) -> int | None:
        """The next file for the parent to parse, or None when every one is taken."""
        return forks.take_token(self.tokens)

    def received(self) -> list[tuple[int, FileResult]]:
        """The helpers' results arrived so far (whole ones only)."""
        out = []
        while True:
            try:
                position, payload = self.arrived.get_nowait()
            except queue.Empty:
                return out
            try:
                out.append((position, pickle.loads(payload)))
            except Exception:  # noqa: BLE001 - damaged: the parent parses the file itself
                pass

    def busy(self) -> bool:
        """Whether a helper may still send a result."""
        return any(thread.is_alive() for thread in self.threads)

    def wait(self, pending_bytes: int, seconds_per_byte: float) -> None:
        """Until every helper has sent all it took, or is late (then killed)."""
        patience = MIN_WAIT_SECONDS + LATE_FACTOR * max(seconds_per_byte, SLOW_SECONDS_PER_BYTE) * pending_bytes
        deadline = time.monotonic() + patience
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.stop()

    def stop(self) -> None:
        """Kill and reap the helpers (those that ended are only reaped), close the pipes."""
        if self.stopped:
            return
        self.stopped = True
        for pid in self.pids:
            forks.stop(pid)
        for thread in self.threads:  # a killed helper's pipe ends: its thread stops reading
            thread.join()
        forks.close_all(self.tokens, *self.results)


def _gather(read_end: int, arrived: queue.SimpleQueue) -> None:
    """A helper's results as they come: (position, pickled result), until its pipe ends."""
    with os.fdopen(read_end, "rb", closefd=False) as pipe:
        while len(header := pipe.read(_LENGTH)) == _LENGTH:
            length = int.from_bytes(header, "little")
            payload = pipe.read(length)
            if len(payload) != length:
                return  # cut short: the helper died while writing
            arrived.put((int.from_bytes(payload[: forks.TOKEN_BYTES], "little"), payload[forks.TOKEN_BYTES :]))


def _helper(plan: ReadPlan, tokens: int, write_end: int, not_mine: list[int]) -> None:
    """Parse the files dealt to this helper, sending each result as it is done; then leave without
    running the parent's exit handlers, whatever happens. A file it cannot parse is not sent: the
    parent parses it and reports the error as one process would."""
    code = 1
    try:
        forks.close_all(*not_mine)
        forks.prefer_as_oom_victim()
        forks.quiet_child()
        with os.fdopen(write_end, "wb") as out:
            while (position := forks.take_token(tokens)) is not None:
                try:
                    payload = pickle.dumps(parse_entry(plan, position), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - left to the parent
                    continue
                out.write((len(payload) + forks.TOKEN_BYTES).to_bytes(_LENGTH, "little"))
                out.write(position.to_bytes(forks.TOKEN_BYTES, "little"))
                out.write(payload)
                out.flush()
        code = 0
    except BaseException:  # noqa: BLE001 - Ctrl-C, a closed pipe: the parent does the rest
        pass
    finally:
        os._exit(code)
