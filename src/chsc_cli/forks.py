"""Forked helper processes and the pipes between them, as the read and the evaluation use them.

A forked child starts with everything its parent has in memory (copy-on-write: a page is copied
only when one of them writes to it), so it needs nothing sent to begin. Work is dealt out through a
pipe holding one token per task, largest first: each process reads the next token whenever it is
free (a read of a few bytes from a pipe hands each token to exactly one reader), so no estimate of
a task's cost has to be right. Only on Linux (Windows has no fork, and macOS frameworks are not
safe to fork). Nothing here imports the rest of chsc, nor pandas.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings

#: A Linux pipe holds at least one page (4,096 bytes) before a write waits: the most tokens dealt
#: at once, written before any process reads one.
MAX_TOKENS = 2048
TOKEN_BYTES = 2  # a task's position, little-endian


def fork_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def flush_standard_streams() -> None:
    """Before a fork: the child must not write again what the parent buffered."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing the child could repeat
            pass


def fork() -> int:
    """os.fork (raises OSError when no memory or process slot is left)."""
    flush_standard_streams()
    with warnings.catch_warnings():  # Python 3.12 warns about forking a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def quiet_child() -> None:
    """In a child: nothing it says reaches the parent's streams (another thread of the parent may
    have held their locks at the fork), and no warning is printed."""
    devnull = open(os.devnull, "w")
    sys.stdout = sys.stderr = devnull
    warnings.simplefilter("ignore")


def token_pipe(positions: list[int]) -> int:
    """The read end of a pipe holding one token per position (at most MAX_TOKENS), in order."""
    if len(positions) > MAX_TOKENS:
        raise ValueError(f"{len(positions)} tokens do not fit in a pipe")
    tokens, dealer = os.pipe()
    try:
        os.write(dealer, b"".join(position.to_bytes(TOKEN_BYTES, "little") for position in positions))
    except OSError:
        os.close(tokens)
        raise
    finally:
        os.close(dealer)
    return tokens


def take_token(tokens: int) -> int | None:
    """The next position dealt out, or None when none is left."""
    token = os.read(tokens, TOKEN_BYTES)
    return int.from_bytes(token, "little") if len(token) == TOKEN_BYTES else None


def prefer_as_oom_victim() -> None:
    """Out of memory, the kernel should kill a child (the parent redoes its work), not chsc."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adjust:
            adjust.write("1000")
    except OSError:
        pass


def stop(pid: int) -> None:
    """Kill the child if it still runs, and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # SIGCHLD ignored by whoever started chsc: the system reaped it
        pass


def close_all(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
