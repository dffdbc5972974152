"""Python's cyclic garbage collector, paused where it only costs time.

CPython's collector runs whenever enough container objects have been allocated, and each full run
walks every object that is still alive. Two stretches of a chsc command allocate a great many
objects and free them all by their reference counts alone, so the collector finds nothing there:

- Start-up: importing typer, rich, pydantic, pandas, pyarrow and chsc leaves ~150,000 objects the
  collector tracks (modules, functions, classes, their dicts); it ran ~250 times during the imports,
  once over all of them: 0.06–0.08 s of CPU on the one core a cold run has then. The console
  script pauses it first thing (`pause_start_up`); the first `collection_paused` block — the read of a folder, which comes after the imports — ends that pause
  and freezes what the imports made (`gc.freeze`: no later collection walks those objects again,
  and a forked helper does not copy their pages by writing the collector's marks into them).
  A command that reads no folder (`indicators`, `template`) runs to its end with the collector
  paused; it makes no cycles worth collecting in that time.
- A register's read and the evaluation (`collection_paused`): a sheet becomes a list per row, the
  evaluation makes hundreds of pandas objects a second, none in a cycle that matters.

After such a block the collector runs as it was. A district's roll-up reads centre after centre, and
the pandas steps of a centre's read and evaluation leave cyclic garbage that only a full collection
frees: `collect_garbage` between two centres keeps the peak near one centre's working set (six
copies of the sample centre: 240–255 MB, against 360–405 MB left to the collector's own pace,
depending on when its full collections fell; the run's time unchanged).
Nothing here imports the rest of chsc.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

_start_up_paused = False


def pause_start_up() -> None:
    """The collector off until the first `collection_paused` block (nothing, if it is off already)."""
    global _start_up_paused
    if gc.isenabled():
        gc.disable()
        _start_up_paused = True


def _end_start_up() -> bool:
    """Whether the start-up's pause was on (it is over now, what it made frozen)."""
    global _start_up_paused
    if not _start_up_paused:
        return False
    _start_up_paused = False
    gc.freeze()
    return True


def collect_garbage() -> None:
    """A full collection now (between two large pieces of work: what the last one left is freed)."""
    gc.collect()


@contextmanager
def collection_paused():
    """The collector off inside the block, back on after it if it was on (or paused at start-up)."""
    enabled = _end_start_up() or gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
