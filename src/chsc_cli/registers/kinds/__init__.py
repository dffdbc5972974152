"""The eight register kinds of registers.md, one module per kind (two for the disease pairs)."""

from __future__ import annotations

from ..columns import RegisterKind
from .checkups import ELDERLY_CHECKUPS
from .children import CHILDREN
from .followups import DIABETES_FOLLOWUPS, HYPERTENSION_FOLLOWUPS
from .patients import DIABETES_PATIENTS, HYPERTENSION_PATIENTS
from .residents import RESIDENTS
from .vaccinations import VACCINATIONS

KINDS: dict[str, RegisterKind] = {
    kind.name: kind
    for kind in (
        RESIDENTS,
        ELDERLY_CHECKUPS,
        HYPERTENSION_PATIENTS,
        DIABETES_PATIENTS,
        HYPERTENSION_FOLLOWUPS,
        DIABETES_FOLLOWUPS,
        CHILDREN,
        VACCINATIONS,
    )
}

__all__ = ["KINDS"]
