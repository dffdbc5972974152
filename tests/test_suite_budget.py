"""The test suite keeps to its own time budget: property tests take their number of examples from the
hypothesis profile (tests/budget.py), so `CI=true` is shorter and `HYPOTHESIS_PROFILE=thorough` is more
thorough for every one of them."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_no_property_test_fixes_its_number_of_examples():
    fixed = []
    for path in sorted(HERE.glob("*.py")):
        if path.name in ("conftest.py", "budget.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"max_examples\s*=\s*\d", line):
                fixed.append(f"{path.name}:{number}")
    assert fixed == [], f"max_examples given as a number (use budget.examples): {fixed}"
