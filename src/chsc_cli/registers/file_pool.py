"""The files of a read parsed in parallel: by this process and `count - 1` worker processes.

A file parsed in a worker comes back pickled (a 60,000-resident centre's tables: 32 MB, ~0.35 s of
CPU to pickle and unpickle); one parsed here costs nothing to hand over. So this process parses
files too, instead of waiting for `count` workers: the largest first (here), then each takes the
largest file left as it becomes free. Each worker holds QUEUED_PER_WORKER files at a time, so that
it never waits for the next one; it is handed a new one (from the pool's callback thread) as soon
as one of its files is done. The results come out in the order of the jobs, whoever parsed them.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

#: Files a worker holds at a time: the one it parses and the next (no wait between the two).
QUEUED_PER_WORKER = 2


def start_context():
    """fork where the platform has it (the workers start at once, with everything imported), else spawn."""
    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def parse_shared(
    work: Callable,
    jobs: Sequence[tuple],
    sizes: Sequence[int],
    count: int,
    on_done: Callable[[int], None] | None = None,
    context=None,
) -> list:
    """`work(*job)` for every job, over this process and `count - 1` workers (count >= 2); the
    largest jobs (by `sizes`) first. `on_done(index)` hears each job done, from either thread."""
    left = deque(sorted(range(len(jobs)), key=lambda index: -sizes[index]))
    results: dict[int, object] = {}
    futures: dict[int, Future] = {}
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return left.popleft() if left else None

    here = take()  # the largest: this process starts at once, the workers after their start-up
    with ProcessPoolExecutor(max_workers=count - 1, mp_context=context or start_context()) as pool:

        def hand_over(_finished: Future | None = None) -> None:
            with lock:  # taken and submitted at once: once `left` is empty, every job has its future
                if not left:
                    return
                index = left.popleft()
                try:
                    futures[index] = pool.submit(work, *jobs[index])
                except RuntimeError:  # the pool is broken or shut: this process parses it
                    left.appendleft(index)
                    return
            futures[index].add_done_callback(lambda _, index=index: _finished_in_worker(index))

        def _finished_in_worker(index: int) -> None:
            try:
                if on_done is not None:
                    on_done(index)
            finally:
                hand_over()

        try:
            for _ in range(QUEUED_PER_WORKER * (count - 1)):
                hand_over()
            while here is not None:
                results[here] = work(*jobs[here])
                if on_done is not None:
                    on_done(here)
                here = take()
        except BaseException:  # an error or Ctrl-C here: the workers are handed nothing more
            with lock:
                left.clear()
            raise
        return [results[index] if index in results else futures[index].result() for index in range(len(jobs))]
