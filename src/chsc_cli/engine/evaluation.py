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
        members = context.members(node.name)
        if hasattr(members, "holds"):  # engine_input.Members, or PartKeys: keyed by fewer fields than the frame's units
            return members.holds(frame)
        return frame["_key"].isin(members).to_numpy(dtype=bool)
    return _compare(node, frame, context)


def blanks(column: pd.Series) -> np.ndarray:
    """`column.isna().to_numpy(dtype=bool)`, without the Series pandas would build around it (its
    array's own `isna`, which is what `Series.isna` wraps: ~45 µs a call saved, hundreds a run)."""
    return np.asarray(column.array.isna(), dtype=bool)


def _compare(node: Comparison, frame: pd.DataFrame, context: Context) -> np.ndarray:
    column = resolve(node.left, frame, context)
    if not isinstance(column, pd.Series):
        column = pd.Series([column] * len(frame), index=frame.index)
    if node.op == "is-null":
        return blanks(column)
    if node.op == "not-null":
        return ~blanks(column)
    if node.mode != "plain":
        return compare_exact(node, frame, context)
    value = resolve(node.operand, context=context, frame=frame)
    if node.op in ("in", "not-in"):
        values = list(value) if isinstance(value, tuple) else [value]
        inside = column.isin(values).to_numpy(dtype=bool)
        return inside if node.op == "in" else ~blanks(column) & ~inside
    if node.op == "contains":
        words = list(value) if isinstance(value, tuple) else [value]
        return _per_distinct(column, lambda text: contains(text, words))
    if node.op == "has":
        return _per_distinct(column, lambda items: isinstance(items, tuple) and value in items)
    same_rows = not isinstance(value, pd.Series) or value.index is column.index
    dates = _dates_compared(node.op, column, value) if same_rows else None
    if dates is not None:  # numpy's comparison of the two datetime64 arrays: pandas' own result
        return dates
    compared = {
        "==": column.__eq__,
        "!=": column.__ne__,
        "<": column.__lt__,
        "<=": column.__le__,
        ">": column.__gt__,
        ">=": column.__ge__,
    }[node.op](value)
    if isinstance(compared, pd.Series) and compared.index is column.index and same_rows and (
        compared.dtype == bool or isinstance(compared.dtype, pd.BooleanDtype)
    ):
        # numpy booleans on the rows in order (a yes/no column's blanks, <NA>, are not present): no
        # NA to fill, nothing to align
        present = ~blanks(column)
        if isinstance(value, pd.Series):
            present &= ~blanks(value)
        return compared.to_numpy(dtype=bool, na_value=False) & present
    present = column.notna()
    if isinstance(value, pd.Series):
        present &= value.notna()
    return (pd.Series(compared).fillna(False).astype(bool) & present).to_numpy(dtype=bool)


_NUMPY_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _dates_compared(op: str, column: pd.Series, value) -> np.ndarray | None:
    """A plain comparison of a datetime64[ns] column with a datetime64[ns] value (a date, a keyword,
    or another such column of the same rows) in numpy, blanks (NaT) on either side false; None for
    anything else. pandas compares these arrays with the same numpy operations (NaT: only != is
    true, and a blank is not present) around ~50 µs of Series building a call."""
    if not (isinstance(column.dtype, np.dtype) and column.dtype == _NS):
        return None
    if isinstance(value, pd.Series):
        if not (isinstance(value.dtype, np.dtype) and value.dtype == _NS):
            return None
        right = value.to_numpy()
    elif isinstance(value, np.datetime64) and value.dtype == _NS:
        right = value  # (NaT: every comparison false but !=, as pandas puts it; a blank is not present)
    else:
        return None
    left = column.to_numpy()
    present = ~np.isnat(left)
    if isinstance(right, np.ndarray):
        present &= ~np.isnat(right)
    return _NUMPY_COMPARE[op](left, right) & present


_NS = np.dtype("datetime64[ns]")


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
    result = np.zeros(len(frame), dtype=bool)
    for field in fields_of(node):
        result |= field_absent(frame, field)
    return result


def field_absent(frame: pd.DataFrame, field: str) -> np.ndarray:
    """Rows whose source file lacks the column of `field` (from the `_present` field list)."""
    if "_present" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return _per_distinct(frame["_present"], lambda listed: field not in listed.split(","))


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


#: Functions that leave blank arguments out (blank only when all are): coalesce, min, max (SQL's
#: least / greatest) — none of their arguments is needed alone.
_BLANKS_LEFT_OUT = ("coalesce", "min", "max")
#: Kleene's three values, for what a condition can be on rows of a register missing some columns.
_FALSE, _UNKNOWN, _TRUE = 0, 1, 2
#: Above this many present fields the search below is skipped (the indicator is computed).
_MAX_NULLNESS_FIELDS = 10


def fields_read(nodes: tuple) -> set[str]:
    """Every field a condition reads, `is null` tests and coalesce() arguments included."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, Test):
            found |= fields_read((node.condition,))
        elif isinstance(node, (AllOf, AnyOf)):
            found |= fields_read(node.items)
        elif isinstance(node, Not):
            found |= fields_read((node.item,))
        elif isinstance(node, Comparison):
            for side in (node.left, node.operand):
                found |= {operand.value for operand in walk_operands(side) if operand.kind == "field"}
    return found


def cannot_pass(nodes: tuple, absent: set[str]) -> bool:
    """Whether no row of a register without the `absent` columns could pass all of `nodes`: for
    every way the fields it has could be blank or filled, the conditions are false (Kleene's logic:
    a comparison of filled fields may go either way). 产后访视率's tests on a register with no
    产后访视日期 column are each satisfiable, but not together: such an indicator reads a column that
    is missing (indicators.md: computed only when every column it reads is present)."""
    read = fields_read(nodes)
    if not read & absent:
        return False
    present = sorted(read - absent)
    if len(present) > _MAX_NULLNESS_FIELDS:
        return False
    for mask in range(1 << len(present)):
        blank = set(absent) | {field for bit, field in enumerate(present) if mask >> bit & 1}
        if all(_could_be(node, blank, absent) != _FALSE for node in nodes):
            return False
    return True


def _could_be(node, blank: set[str], absent: set[str]) -> int:
    """The value of `node` on a row whose `blank` fields are blank and whose others are filled."""
    if isinstance(node, Test):
        if node.if_column_absent == "pass" and fields_read((node.condition,)) & absent:
            return _TRUE
        return _could_be(node.condition, blank, absent)
    if isinstance(node, AnyOf):
        values = [_could_be(item, blank, absent) for item in node.items]
        return _TRUE if _TRUE in values else _FALSE if all(v == _FALSE for v in values) else _UNKNOWN
    if isinstance(node, AllOf):
        values = [_could_be(item, blank, absent) for item in node.items]
        return _FALSE if _FALSE in values else _TRUE if all(v == _TRUE for v in values) else _UNKNOWN
    if isinstance(node, Not):
        return _TRUE + _FALSE - _could_be(node.item, blank, absent)
    if isinstance(node, Comparison):
        if node.op in ("is-null", "not-null"):
            if node.left.kind != "field":
                return _UNKNOWN
            is_blank = node.left.value in blank
            return _TRUE if is_blank == (node.op == "is-null") else _FALSE
        direct = list(_direct_operands(node))
        if any(operand.kind == "field" and operand.value in blank for operand in direct):
            return _FALSE  # a comparison with a missing value is false
        for operand in direct:
            if operand.kind == "call" and operand.value[0] in _BLANKS_LEFT_OUT:
                fields = [argument for argument in operand.value[1] if argument.kind == "field"]
                if len(fields) == len(operand.value[1]) and all(f.value in blank for f in fields):
                    return _FALSE
        return _UNKNOWN
    return _UNKNOWN  # in_population and the like: either way


def _direct_operands(node: Comparison):
    """Operands outside coalesce(), min() and max(): each is needed for the comparison to hold."""
    stack = [node.left, node.operand]
    while stack:
        operand = stack.pop()
        if operand is None:
            continue
        yield operand
        if operand.kind == "call" and operand.value[0] not in _BLANKS_LEFT_OUT:
            stack.extend(operand.value[1])
        elif operand.kind == "arith":
            stack.extend(operand.value[1:])
