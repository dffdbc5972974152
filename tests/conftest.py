"""Shared test setup: hypothesis profiles (CI runs the 'ci' profile to keep `make test` short)."""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings

# The parse cache of every test run (and of the chsc processes the tests start) lives in a
# temporary folder, never in the user's cache.
os.environ.setdefault("CHSC_CACHE_DIR", tempfile.mkdtemp(prefix="chsc-test-cache-"))

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
