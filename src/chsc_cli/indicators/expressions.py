"""The filter language: one comparison per string, combined by YAML lists, `any:`, `all:`, `not:`.

    resident == yes                  record_date <= period_end        age >= $min_age
    followup_mode in $face_to_face_modes                              closed_date is null
    registration_category not in [死亡, 迁出, 临时外转]                 series has HepB

A string is tokenised and parsed here (no eval); the left side is always a field, the right side a
literal, a list, a `$parameter`, `period_start` / `period_end`, or another field. Evaluation is
vectorised over a pandas DataFrame. A comparison with a missing value is false (`is null` aside).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = {"period_start", "period_end"}
LITERAL_WORDS = {"yes": True, "no": False, "true": True, "false": False}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|<=|>=|<|>)
      | (?P<punct>[\[\],])
      | "(?P<dq>[^"]*)" | '(?P<sq>[^']*)'
      | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<word>[^\s\[\],=<>!"'$]+)
    )""",
    re.VERBOSE,
)
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ExpressionError(ValueError):
    """A bad filter: `token` is the offending token (or '' at the end)."""

    def __init__(self, message: str, token: str = ""):
        super().__init__(message)
        self.message = message
        self.token = token
        self.index: int | None = None  # position in the where-list, set by the list parser


@dataclass(frozen=True)
class Operand:
    kind: str  # literal | list | param | keyword | field
    value: Any


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # == != < <= > >= in not-in has is-null not-null
    operand: Operand | None
    text: str


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class AllOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Test:
    """A where/test item with the reason shown when a person fails it."""

    __test__ = False  # not a pytest test class

    condition: Any
    reason: str | None = None
    if_column_absent: str = "fail"  # or "pass": a row from a file without the column passes


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"无法识别「{text[position:position + 10]}」", text[position:position + 10])
        kind = match.lastgroup
        value = match.group(kind)
        tokens.append(("string" if kind in ("dq", "sq") else kind, value))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


def _literal(kind: str, value: str) -> Operand:
    if kind == "string":
        return Operand("literal", value)
    if kind == "param":
        return Operand("param", value[1:])
    if value in KEYWORDS:
        return Operand("keyword", value)
    if value in LITERAL_WORDS:
        return Operand("literal", LITERAL_WORDS[value])
    if value == "null":
        raise ExpressionError("与空值比较请写 is null / is not null", value)
    if _NUMBER.fullmatch(value):
        return Operand("literal", float(value))
    if _DATE.fullmatch(value):
        return Operand("literal", dt.date.fromisoformat(value))
    return Operand("literal", value)


def parse_comparison(text: str, fields: set[str] | None = None) -> Comparison:
    """Parse one comparison string; `fields` (when given) are the names a field may have."""
    if not isinstance(text, str):
        raise ExpressionError(f"条件应为文字，如 age >= 65，而不是 {text!r}", str(text))
    tokens = tokenize(text)
    if not tokens:
        raise ExpressionError("条件是空的")
    kind, field = tokens[0]
    if kind != "word" or _NUMBER.fullmatch(field):
        raise ExpressionError(f"条件应以字段名开头，而不是「{field}」", field)
    if fields is not None and field not in fields:
        raise ExpressionError(f"未知字段「{field}」。可用字段：{', '.join(sorted(fields))}", field)
    rest = tokens[1:]
    words = [value for _, value in rest]
    if words[:3] == ["is", "not", "null"] and len(rest) == 3:
        return Comparison(field, "not-null", None, text)
    if words[:2] == ["is", "null"] and len(rest) == 2:
        return Comparison(field, "is-null", None, text)
    if words[:2] == ["not", "in"]:
        return Comparison(field, "not-in", _list_operand(rest[2:], text), text)
    if words[:1] == ["in"]:
        return Comparison(field, "in", _list_operand(rest[1:], text), text)
    if words[:1] == ["has"] and len(rest) == 2:
        return Comparison(field, "has", _literal(*rest[1]), text)
    if not rest:
        raise ExpressionError(f"「{field}」后面缺少比较符（== != < <= > >= in has is null）", field)
    if rest[0][0] != "op":
        raise ExpressionError(f"「{rest[0][1]}」不是比较符（== != < <= > >= in has is null）", rest[0][1])
    if len(rest) != 2:
        token = rest[2][1] if len(rest) > 2 else rest[0][1]
        raise ExpressionError(f"比较符右边应只有一个值，「{token}」多余或缺少值", token)
    operand = _literal(*rest[1])
    if operand.kind == "literal" and isinstance(operand.value, str) and fields is not None and operand.value in fields:
        operand = Operand("field", operand.value)
    return Comparison(field, rest[0][1], operand, text)


def _list_operand(tokens: list[tuple[str, str]], text: str) -> Operand:
    if len(tokens) == 1 and tokens[0][0] == "param":
        return Operand("param", tokens[0][1][1:])
    if not tokens or tokens[0] != ("punct", "[") or tokens[-1] != ("punct", "]"):
        token = tokens[0][1] if tokens else ""
        raise ExpressionError("in 后面应是 [值1, 值2] 形式的列表或 $参数", token)
    values = []
    for index, (kind, value) in enumerate(tokens[1:-1]):
        if index % 2 == 1:
            if (kind, value) != ("punct", ","):
                raise ExpressionError(f"列表中的值之间应以逗号分隔，「{value}」前缺逗号", value)
            continue
        if kind == "punct":
            raise ExpressionError(f"列表中多了「{value}」", value)
        values.append(_literal(kind, value).value)
    return Operand("list", tuple(values))


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class Context:
    period_start: dt.date
    period_end: dt.date
    parameters: dict[str, Any]


def _resolve(operand: Operand, context: Context, frame: pd.DataFrame) -> Any:
    if operand.kind == "keyword":
        return np.datetime64(getattr(context, operand.value), "ns")
    if operand.kind == "param":
        value = context.parameters[operand.value]
        return tuple(value) if isinstance(value, list) else _plain(value)
    if operand.kind == "field":
        return frame[operand.value]
    if isinstance(operand.value, dt.date):
        return np.datetime64(operand.value, "ns")
    return operand.value


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def evaluate(node: Any, frame: pd.DataFrame, context: Context) -> np.ndarray:
    """A boolean array: which rows of `frame` satisfy `node`."""
    if isinstance(node, Test):
        result = evaluate(node.condition, frame, context)
        if node.if_column_absent == "pass":
            result = result | absent_mask(node.condition, frame)
        return result
    if isinstance(node, AllOf):
        result = np.ones(len(frame), dtype=bool)
        for item in node.items:
            result &= evaluate(item, frame, context)
        return result
    if isinstance(node, AnyOf):
        result = np.zeros(len(frame), dtype=bool)
        for item in node.items:
            result |= evaluate(item, frame, context)
        return result
    if isinstance(node, Not):
        return ~evaluate(node.item, frame, context)
    return _compare(node, frame, context)


def _compare(node: Comparison, frame: pd.DataFrame, context: Context) -> np.ndarray:
    column = frame[node.field]
    if node.op == "is-null":
        return column.isna().to_numpy(dtype=bool)
    if node.op == "not-null":
        return column.notna().to_numpy(dtype=bool)
    value = _resolve(node.operand, context, frame)
    if node.op in ("in", "not-in"):
        values = list(value) if isinstance(value, tuple) else [value]
        inside = column.isin(values).to_numpy(dtype=bool)
        return inside if node.op == "in" else column.notna().to_numpy(dtype=bool) & ~inside
    if node.op == "has":
        return _per_distinct(column, lambda items: isinstance(items, tuple) and value in items)
    compared = {
        "==": column.__eq__,
        "!=": column.__ne__,
        "<": column.__lt__,
        "<=": column.__le__,
        ">": column.__gt__,
        ">=": column.__ge__,
    }[node.op](value)
    present = column.notna()
    if isinstance(value, pd.Series):
        present &= value.notna()
    return (pd.Series(compared).fillna(False).astype(bool) & present).to_numpy(dtype=bool)


def fields_of(node: Any) -> set[str]:
    """Every field a node reads."""
    if isinstance(node, Test):
        return fields_of(node.condition)
    if isinstance(node, (AllOf, AnyOf)):
        return set().union(*(fields_of(item) for item in node.items)) if node.items else set()
    if isinstance(node, Not):
        return fields_of(node.item)
    extra = {node.operand.value} if node.operand is not None and node.operand.kind == "field" else set()
    return {node.field} | extra


def params_of(node: Any) -> set[str]:
    if isinstance(node, Test):
        return params_of(node.condition)
    if isinstance(node, (AllOf, AnyOf)):
        return set().union(*(params_of(item) for item in node.items)) if node.items else set()
    if isinstance(node, Not):
        return params_of(node.item)
    return {node.operand.value} if node.operand is not None and node.operand.kind == "param" else set()


def absent_mask(node: Any, frame: pd.DataFrame) -> np.ndarray:
    """Rows whose source file lacks a column the node reads (from the `_present` field list)."""
    if "_present" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    result = np.zeros(len(frame), dtype=bool)
    present = frame["_present"]
    for field in fields_of(node):
        result |= _per_distinct(present, lambda listed, f=field: f not in listed.split(","))
    return result


def _per_distinct(column: pd.Series, judge) -> np.ndarray:
    """`judge` of each value, called once per distinct value (a file's column list, a dose's series)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return np.array([bool(judge(value)) for value in distinct], dtype=bool)[codes] if len(distinct) else np.zeros(0, dtype=bool)


def required_fields(nodes: tuple) -> set[str]:
    """Fields whose absence would fail every row: those of top-level conjuncts (not inside `any:` or
    `not:`, not `is null`, not a test that passes when its column is absent). An indicator that needs
    such a field from a register that has no such column cannot be computed."""
    needed: set[str] = set()
    for node in nodes:
        if isinstance(node, Test):
            if node.if_column_absent != "pass":
                needed |= required_fields((node.condition,))
        elif isinstance(node, AllOf):
            needed |= required_fields(node.items)
        elif isinstance(node, Comparison) and node.op != "is-null":
            needed |= fields_of(node)
    return needed
