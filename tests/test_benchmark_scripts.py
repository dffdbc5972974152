"""The benchmark scripts keep working as the package moves (a house move once left
profile_stages.py importing modules that no longer existed, and nothing noticed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chsc_cli.engine import load_library

ROOT = Path(__file__).resolve().parents[1]


def test_profile_stages_runs_on_the_sample(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "profile_stages.py"), str(ROOT / "sample_data"), "--period", "2025"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    stages = {line.split()[0] for line in lines if line and not line.startswith(" ")}
    assert {"start-up:", "read:", "evaluation:", "library:"} <= stages
    timed = next(line for line in lines if line.strip().startswith("(all "))
    assert timed.split()[1] == f"{len(load_library([]).indicators)})", timed  # every indicator timed in this one process
