"""Running chsc the way the tests need it.

`run_chsc` runs the command line in this process and captures what it prints (the same `run` the
console script calls, so exit codes, messages and files are the user's; a process start with pandas'
imports is 0.5–1 s that only a few tests need). `run_chsc_process` starts a fresh Python process, cold,
like a user: for what only a process shows (a changed environment such as PYTHONHASHSEED, the working
directory, the process's exit status, its encoding)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
#: The console width of every captured run (what COLUMNS=160 gives a real process).
WIDTH = 160


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_chsc(*args: object) -> Ran:
    """Run `chsc ARGS` in this process and return the exit code and what it printed."""
    from chsc_cli.cli import common
    from chsc_cli.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    saved = (common.stdout.width, common.stderr.width)
    common.stdout.width = common.stderr.width = WIDTH
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run([str(a) for a in args])
    finally:
        common.stdout.width, common.stderr.width = saved
    return Ran(code, out.getvalue(), err.getvalue())


def run_chsc_process(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """Run `python -m chsc_cli ARGS` in a fresh process (cold, like a user, through the console entry
    and its os._exit) and return code and output; `env` adds to the environment (PYTHONHASHSEED, say)."""
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS=str(WIDTH), NO_COLOR="1", **(env or {}))
    completed = subprocess.run(
        [sys.executable, "-m", "chsc_cli", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd
    )
    return Ran(completed.returncode, completed.stdout, completed.stderr)


def in_process(*args: object) -> int:
    """Run chsc in this process (fast; for tests that only need the exit code and library state)."""
    from chsc_cli.cli.main import run

    return run([str(a) for a in args])
