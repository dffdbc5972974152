"""How many examples a property test runs, scaled with the hypothesis profile that conftest.py loads.

A test that wants more (or fewer) examples than the profile gives says so relative to the 'dev'
profile (hypothesis' default of 100): `@settings(max_examples=examples(300))` runs 300 there, 180
under `CI=true` (the 'ci' profile's 60) and 6,000 under `HYPOTHESIS_PROFILE=thorough`. A bare number
would ignore the profile: CI would not get shorter and 'thorough' would not get more thorough.
"""

from __future__ import annotations

from hypothesis import settings

#: The max_examples of the profile the counts are written for ('dev', hypothesis' default).
BASE = 100


def examples(at_base: int) -> int:
    """`at_base` examples under the 'dev' profile, scaled by the profile loaded now."""
    return max(1, at_base * settings().max_examples // BASE)
