"""Evaluating filters over a pandas DataFrame, vectorised: which rows satisfy a node, and what a
node reads (fields, parameters, populations)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .expressions import AllOf, AnyOf, Comparison, InPopulation, Not, Test, walk_operands
from .operands import compare_exact, contains, resolve


@dataclass(frozen=True)
class Context:
    period_start: dt.date
    period_end: dt.date
    parameters: dict[str, Any]
    #: name -> the keys of that population's persons (for `in_population:`), or None.
    members: Any = None
    #: the value of `today` (None: the date chsc runs)
    today: dt.date | None = None

    def keyword(self, name: str) -> dt.date:
        """`period_start`, `period_end` or `today`."""
        if name == "today":
            return self.today or dt.date.today()
        return getattr(self, name)


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
    if isinstance(node, InPopulation):
        return frame["_key"].isin(context.members(node.name)).to_numpy(dtype=bool)
    return _compare(node, frame, context)


def _compare(node: Comparison, frame: pd.DataFrame, context: Context) -> np.ndarray:
    column = resolve(node.left, frame, context)
    if not isinstance(column, pd.Series):
        column = pd.Series([column] * len(frame), index=frame.index)
    if node.op == "is-null":
        return column.isna().to_numpy(dtype=bool)
    if node.op == "not-null":
        return column.notna().to_numpy(dtype=bool)
    if node.mode != "plain":
        return compare_exact(node, frame, context)
    value = resolve(node.operand, context=context, frame=frame)
    if node.op in ("in", "not-in"):
        values = list(value) if isinstance(value, tuple) else [value]
        inside = column.isin(values).to_numpy(dtype=bool)
        return inside if node.op == "in" else column.notna().to_numpy(dtype=bool) & ~inside
    if node.op == "contains":
        words = list(value) if isinstance(value, tuple) else [value]
        return _per_distinct(column, lambda text: contains(text, words))
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


def _operands(node: Comparison):
    yield from walk_operands(node.left)
    yield from walk_operands(node.operand)


def _leaves(node: Any):
    """The comparisons and population tests inside a node."""
    if isinstance(node, Test):
        yield from _leaves(node.condition)
    elif isinstance(node, (AllOf, AnyOf)):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, Not):
        yield from _leaves(node.item)
    else:
        yield node


def _operand_values(node: Any, kind: str) -> set[str]:
    return {o.value for leaf in _leaves(node) if not isinstance(leaf, InPopulation) for o in _operands(leaf) if o.kind == kind}


def fields_of(node: Any) -> set[str]:
    """Every field a node reads."""
    return _operand_values(node, "field")


def order_fields(event: Any) -> list[str]:
    """The fields a pick's `order` reads (an item is a field or {field: [words]})."""
    return [f for item in getattr(event, "order", ()) for f in ([item] if isinstance(item, str) else item)]


def params_of(node: Any) -> set[str]:
    return _operand_values(node, "param")


def populations_of(node: Any) -> set[str]:
    """The named populations a node tests membership of."""
    return {leaf.name for leaf in _leaves(node) if isinstance(leaf, InPopulation)}


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
    `not:`, not `is null`, not a test that passes when its column is absent, not inside a function
    that can do without them, such as coalesce). An indicator that needs such a field from a register
    that has no such column cannot be computed."""
    needed: set[str] = set()
    for node in nodes:
        if isinstance(node, Test):
            if node.if_column_absent != "pass":
                needed |= required_fields((node.condition,))
        elif isinstance(node, AllOf):
            needed |= required_fields(node.items)
        elif isinstance(node, Comparison) and node.op != "is-null":
            needed |= {operand.value for operand in _direct_operands(node) if operand.kind == "field"}
    return needed


def _direct_operands(node: Comparison):
    """Operands outside coalesce(): each is needed for the comparison to hold."""
    stack = [node.left, node.operand]
    while stack:
        operand = stack.pop()
        if operand is None:
            continue
        yield operand
        if operand.kind == "call" and operand.value[0] != "coalesce":
            stack.extend(operand.value[1])
        elif operand.kind == "arith":
            stack.extend(operand.value[1:])
