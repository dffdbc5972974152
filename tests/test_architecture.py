"""The layers of STYLE.md are enforced: import-linter's contracts (pyproject.toml) must hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    executable = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert executable, "import-linter is part of the test extras"
    completed = subprocess.run(
        [executable, "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": str(Path(sys.executable).parent)},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "KEPT" in completed.stdout and "BROKEN" not in completed.stdout
