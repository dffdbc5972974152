"""Reason texts: for each failing person, the reason of the first test they fail, filled from their
values: names from the row's columns (or the `extra` values), value expressions evaluated over the
rows by the engine. Most failing persons share a text, so each distinct value is formatted once."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .evaluation import Context, evaluate
from .expressions import Operand, Test, parse_value, walk_operands
from .operands import resolve
from .reason_text import format_value, is_expression, parts, render


def first_failed_reasons(
    tests: tuple, frame: pd.DataFrame, context: Context, extra: dict, date_field=None, at: np.ndarray | None = None
) -> list:
    """For each row of `frame` (or of its rows at positions `at`), the reason of the first test (with
    a reason) that the row fails."""
    with_reason = [node for node in tests if isinstance(node, Test) and node.reason]
    reasons: list = [None] * (len(frame) if at is None else len(at))
    if not with_reason or not reasons:
        return reasons
    failed = np.column_stack([~evaluate(node, frame, context) for node in with_reason])
    if at is not None:
        failed = failed[at]
    first = failed.argmax(axis=1)
    any_failed = failed.any(axis=1)
    for index, node in enumerate(with_reason):
        positions = np.flatnonzero(any_failed & (first == index))
        if positions.size:
            texts = render_rows(node.reason, frame, positions if at is None else at[positions], extra, date_field, context)
            for position, text in zip(positions.tolist(), texts):
                reasons[position] = text
    return reasons


def render_rows(
    template: str, frame: pd.DataFrame, at: np.ndarray, extra: dict, date_field=None, context: Context | None = None
) -> list[str]:
    """`render(template, {**row, **extra, "date": row[date_field]})` for the rows of `frame` at
    positions `at`, formatting each distinct value of a placeholder once; an expression placeholder
    is evaluated over those rows (a field no file has reads blank)."""
    if not len(at):
        return []
    literals, names, specs = parts(template)
    expressions = [name for name in names if is_expression(name)]
    if expressions:
        frame = _with_expressions(frame.iloc[at], expressions, context)
        at = np.arange(len(frame))
    sources = {}  # placeholder -> column of `frame`, or ("value", constant)
    for name in names:
        if is_expression(name):
            sources[name] = name
        elif name == "date" and date_field is not None:
            sources[name] = date_field
        elif name in extra:
            sources[name] = ("value", extra[name])
        else:
            sources[name] = name if name in frame.columns else ("value", None)
    columns = list(dict.fromkeys(source for source in sources.values() if isinstance(source, str)))
    if not columns:
        return [render(template, {name: source[1] for name, source in sources.items()})] * len(at)
    rows = frame[columns].iloc[at]
    texts = [literals[0]] * len(rows)
    for name, spec, literal in zip(names, specs, literals[1:]):
        source = sources[name]
        if isinstance(source, tuple):
            value = format_value(source[1], spec) + literal
            texts = [text + value for text in texts]
            continue
        codes, first_rows = _distinct(rows[source])
        # the values exactly as a row of to_dict("records") holds them (pandas boxes some), once each
        values = [record[source] for record in rows[[source]].iloc[first_rows].to_dict("records")]
        formatted = [format_value(value, spec) + literal for value in values]
        texts = [text + formatted[code] for text, code in zip(texts, codes)]
    return texts


@functools.lru_cache(maxsize=256)
def expression(text: str) -> Operand:
    """A placeholder's value, parsed (checked when the library is loaded)."""
    return parse_value(text)


def fields_in_value(text: str) -> set[str]:
    """The fields an expression placeholder reads (none when it does not parse: the library check
    reports it)."""
    try:
        operand = expression(text)
    except ValueError:
        return set()
    return {o.value for o in walk_operands(operand) if o.kind == "field"}


def _with_expressions(rows: pd.DataFrame, texts: list[str], context: Context | None) -> pd.DataFrame:
    """`rows` with a column per expression placeholder, named by its text."""
    operands = {text: expression(text) for text in texts}
    used = {o.value for operand in operands.values() for o in walk_operands(operand) if o.kind == "field"}
    absent = {field: pd.Series(None, index=rows.index, dtype=object) for field in used if field not in rows.columns}
    source = rows.assign(**absent) if absent else rows
    values = {}
    for text, operand in operands.items():
        value = resolve(operand, source, context)
        values[text] = value if isinstance(value, pd.Series) else pd.Series([value] * len(rows), index=rows.index, dtype=object)
    return pd.concat([rows.reset_index(drop=True), pd.DataFrame(values).reset_index(drop=True)], axis=1)


def _distinct(column: pd.Series) -> tuple[list[int], list[int]]:
    """(each value's number, the position of each number's first value): values of one type that are
    equal are one (1, 1.0 and True are three; floats are told apart by repr, so 0.0 and -0.0)."""
    numbers: dict = {}
    codes, first_rows = [], []
    for position, value in enumerate(column):
        key = _cache_key(value)
        code = numbers.get(key)
        if code is None:
            code = numbers[key] = len(first_rows)
            first_rows.append(position)
        codes.append(code)
    return codes, first_rows


def _cache_key(value):
    if isinstance(value, float):
        return float, repr(value)
    if isinstance(value, (str, int, pd.Timestamp)) or value is None:
        return type(value), value
    return type(value), repr(value)  # dates, decimals, NA: equal reprs render alike


def join_reasons(left: pd.Series, right: pd.Series) -> pd.Series:
    """Each person's reasons from two requirements, joined with 「；」 where both failed."""
    left_present, right_present = left.notna(), right.notna()
    joined = left.where(left_present, right)
    both = (left_present & right_present).to_numpy()
    if both.any():
        joined[both] = left[both] + "；" + right[both]
    return joined
