"""Running chsc as a user does: a subprocess of the installed console entry, capturing everything."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_chsc(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """Run `chsc ARGS` in a fresh process (cold, like a user) and return code and output;
    `env` adds to the environment (PYTHONHASHSEED, say)."""
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="160", NO_COLOR="1", **(env or {}))
    code = "import sys; from chsc_cli.cli.main import run; sys.exit(run(sys.argv[1:]))"
    completed = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd
    )
    return Ran(completed.returncode, completed.stdout, completed.stderr)


def in_process(*args: object) -> int:
    """Run chsc in this process (fast; for tests that only need the exit code and library state)."""
    from chsc_cli.cli.main import run

    return run([str(a) for a in args])
