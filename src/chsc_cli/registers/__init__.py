"""Reading and normalising registers: Excel/CSV files in, one typed pandas table per kind out.

The names below are loaded when first used (PEP 562): importing the register kinds, the file
sources or the read plan does not import pandas, so that a command can list a folder, check its
chsc.yaml and start opening its workbooks (read_plan.py) before pandas and the rest of chsc load.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "KINDS": ".kinds",
    "LOOKUPS": ".kinds",
    "VALUE_SETS": ".kinds",
    "active_catalogue": ".kinds",
    "use_register_kinds": ".kinds",
    "ParseCache": ".cache",
    "READER_VERSION": ".reader",
    "read_folder": ".reader",
    "ReadResult": ".records",
    "RegisterSheet": ".records",
    "SkippedSheet": ".records",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
