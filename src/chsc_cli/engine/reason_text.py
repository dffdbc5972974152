"""Reason templates: `{name}` or `{name:.1f}` filled from a person's values, or `{value:spec}` with a
value of the filter language (`{taken_doses / due_doses:.1%}`, `{days_between(discharge_date,
visit_date)}`, `{$within_days}`, `{today}`), evaluated by the engine over the same rows
(reasons.py). `{{` and `}}` are a brace itself. No attribute or index access and no Python
formatting machinery beyond a short format spec (checked when the library loads), so a template
cannot reach Python."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

import numbers

import pandas as pd

from .expressions import KEYWORDS

#: `{body}` or `{body:spec}`; a body that is one word is a name, anything else a value expression.
_PLACEHOLDER = re.compile(r"\{([^{}]+?)(?::([^{}:]*))?\}")
_NAME = re.compile(r"\w+")
#: an alignment, a width under 100, up to 2 decimals, and f (fixed), d (whole) or % (per cent)
_SAFE_SPEC = re.compile(r"[<>^]?\d{0,2}(\.\d{1,2})?[fd%]?")
SPEC_HELP = "格式应为 .1f、.1%、d、weeks 之类（宽度不超过两位数）"
_OPEN, _CLOSE = "\x00(", "\x00)"  # {{ and }} while the placeholders are found


def stray_braces(template: str) -> bool:
    """Whether a brace is left that is neither a placeholder's nor written {{ / }}."""
    rest = _PLACEHOLDER.sub("", template.replace("{{", "").replace("}}", ""))
    return "{" in rest or "}" in rest


def valid_spec(spec: str | None) -> bool:
    return spec is None or spec == "weeks" or bool(_SAFE_SPEC.fullmatch(spec))


def format_value(value: Any, spec: str | None = None) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "无"
    if isinstance(value, (pd.Timestamp, dt.datetime)):  # a date-time with its time of day (2025-03-01 10:01)
        if value.second or value.microsecond:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.strftime("%Y-%m-%d %H:%M" if value.hour or value.minute else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):  # a list parameter or a vaccine series: 门诊、家庭
        return "、".join(format_value(item, spec) for item in value)
    if spec == "weeks" and isinstance(value, (int, float)):  # a gestational age: 12.428… -> 12周3天
        whole = math.floor(value + 1e-9)
        days = round((value - whole) * 7)
        return f"{whole}周{days}天" if days else f"{whole}周"
    if spec and _SAFE_SPEC.fullmatch(spec) and isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if spec.endswith("d"):  # whole numbers: 31.0 -> 31 (a fraction is rounded)
            return format(round(number), spec)
        return format(number, spec)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_expression(placeholder: str) -> bool:
    """Whether a placeholder's body is a value of the language (`{today}` too) rather than a name."""
    return not _NAME.fullmatch(placeholder) or placeholder in KEYWORDS


def render(template: str, values: dict[str, Any]) -> str:
    """Fill a template from `values` (expression placeholders are keyed by their text); a name
    without a value reads 无."""
    literals, names, specs = parts(template)
    pieces = [literals[0]]
    for name, spec, literal in zip(names, specs, literals[1:]):
        pieces += [format_value(values.get(name), spec), literal]
    return "".join(pieces)


@functools.lru_cache(maxsize=256)
def parts(template: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]:
    """(texts around the placeholders, their names, their format specs): a template with n
    placeholders has n + 1 texts."""
    pieces = _PLACEHOLDER.split(template.replace("{{", _OPEN).replace("}}", _CLOSE))
    literals = tuple(piece.replace(_OPEN, "{").replace(_CLOSE, "}") for piece in pieces[0::3])
    return literals, tuple(piece.strip() for piece in pieces[1::3]), tuple(pieces[2::3])


def names_in(template: str) -> list[str]:
    """The placeholders a template reads (names and expressions), each once, in order."""
    return list(dict.fromkeys(parts(template)[1]))
