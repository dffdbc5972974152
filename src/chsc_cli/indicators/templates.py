"""Reason templates: `{name}` or `{name:.1f}` filled from a person's values. No attribute or index
access and no Python formatting machinery beyond a format spec, so a template cannot reach Python."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
_SAFE_SPEC = re.compile(r"[<>^]?\d*(\.\d+)?[fd%]?")


def format_value(value: Any, spec: str | None = None) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "无"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if spec and _SAFE_SPEC.fullmatch(spec) and isinstance(value, (int, float)):
        return format(value, spec)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str, values: dict[str, Any]) -> str:
    """Fill a template; a name without a value reads 无."""
    return _PLACEHOLDER.sub(lambda m: format_value(values.get(m.group(1)), m.group(2)), template)


def names_in(template: str) -> list[str]:
    """The value names a template reads, each once, in order."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(template)))
