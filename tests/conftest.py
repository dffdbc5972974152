"""Shared test setup: hypothesis profiles (`make test` runs the 'ci' profile to keep it short) and
sample_data/ read once per test process."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, settings

# The parse cache of every test run (and of the chsc processes the tests start) lives in a
# temporary folder, never in the user's cache, removed when the process that made it ends (pytest-xdist's
# workers inherit the controller's).
if "CHSC_CACHE_DIR" not in os.environ:
    os.environ["CHSC_CACHE_DIR"] = tempfile.mkdtemp(prefix="chsc-test-cache-")
    atexit.register(shutil.rmtree, os.environ["CHSC_CACHE_DIR"], ignore_errors=True)

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


class SampleCentre(NamedTuple):
    """sample_data/ as the library reads it: its folder, its chsc.yaml settings, the parsed registers."""

    folder: Path
    settings: object
    read: object


@pytest.fixture(scope="session")
def sample_centre() -> SampleCentre:
    """sample_data/ parsed once per test process (each pytest-xdist worker), with its chsc.yaml and
    the tests' fixed today. Tests only read it: compute from it, never change its tables."""
    from helpers import TODAY

    from chsc_cli.config import load_config
    from chsc_cli.registers import read_folder

    folder = Path(__file__).resolve().parents[1] / "sample_data"
    assert (folder / "chsc.yaml").exists(), "sample_data/ has not been generated (sample_data/generate.py)"
    settings = load_config(folder / "chsc.yaml").settings
    return SampleCentre(folder, settings, read_folder(folder, settings, today=TODAY))


@pytest.fixture
def forked_pids(monkeypatch):
    """The pids of the children this process forks meanwhile (the evaluation's child, the read's helpers)."""
    pids, real_fork = [], os.fork

    def fork():
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids
