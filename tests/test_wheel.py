"""The wheel `make dist` builds carries everything chsc reads at run time (the indicator library, the
register kinds, the report templates): installed into a fresh virtual environment, it computes the
sample centre from another working directory (README: 在中心的电脑上安装).

The fresh environment gets chsc only from the wheel. Its third-party dependencies (pandas, pyarrow …)
are borrowed from the test environment through a .pth file instead of being downloaded again: what
could go wrong in a wheel is chsc's own files, and a full dependency install would add minutes to
every test run.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = out.glob("chsc-*.whl")
    return wheel


def test_the_wheel_holds_the_library_kinds_and_templates(tmp_path):
    wheel = _build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    for folder, pattern in (("indicators", "*.yaml"), ("register_kinds", "*.yaml"), ("templates", "*")):
        shipped = sorted(p.name for p in (ROOT / folder).glob(pattern) if p.is_file() and p.suffix != ".py")
        inside = sorted(n.rsplit("/", 1)[-1] for n in names if n.startswith(f"chsc_cli/library/{folder}/"))
        assert set(shipped) <= set(inside), f"{folder}: missing from the wheel {set(shipped) - set(inside)}"


def test_the_installed_wheel_computes_the_sample_from_another_folder(tmp_path):
    wheel = _build_wheel(tmp_path / "dist")
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    fresh_site = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True
    ).stdout.strip())
    # chsc from the wheel alone (its console script too); pip is the test environment's, told to
    # write into the fresh environment's site-packages only (--prefix would also uninstall the test
    # environment's own chsc, pip taking it for the same installation)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(fresh_site), str(wheel)],
        check=True, capture_output=True,
    )
    borrowed = [p for p in (*site.getsitepackages(), sysconfig.get_paths()["purelib"]) if Path(p).is_dir()]
    (fresh_site / "borrowed_dependencies.pth").write_text("\n".join(dict.fromkeys(borrowed)) + "\n", encoding="utf-8")
    elsewhere = tmp_path / "另一个文件夹"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["CHSC_CACHE_DIR"] = str(tmp_path / "cache")
    located = subprocess.run(
        [python, "-c", "import chsc_cli, sys; print(chsc_cli.__file__)"], cwd=elsewhere, env=env,
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert Path(located).is_relative_to(fresh), f"chsc imported from {located}, not from the wheel"
    done = subprocess.run(
        # the console script pip wrote, run by the fresh interpreter (pip, being the test
        # environment's, wrote its own interpreter into the script's first line)
        [python, fresh_site / "bin" / "chsc", "compute", str(ROOT / "sample_data"), "--period", "2025年", "--format", "json", "--quiet"],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["indicators"]
    computed = [row for row in rows if row.get("reason") is None]
    assert computed and all(row["numerator"] is not None for row in computed)
    assert not list(elsewhere.iterdir()), "chsc wrote into the working directory"
    # README: where the console script is not on PATH, `py -m chsc_cli` does the same
    listed = subprocess.run([python, "-m", "chsc_cli", "indicators"], cwd=elsewhere, env={**env, "COLUMNS": "400"},
                            capture_output=True, text=True)
    assert listed.returncode == 0 and "elderly_health_management_rate" in listed.stdout, listed.stderr
