"""The filter language: parsing (with the offending token), evaluation, and that nothing reaches Python."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from chsc_cli.indicators.evaluation import Context, evaluate, required_fields
from chsc_cli.indicators.expressions import AnyOf, ExpressionError, Test, parse_comparison
from chsc_cli.indicators.model import parse_where

CONTEXT = Context(dt.date(2025, 1, 1), dt.date(2025, 12, 31), {"modes": ["门诊", "家庭"], "limit": 140})
FRAME = pd.DataFrame(
    {
        "mode": ["门诊", "电话", None, "家庭"],
        "systolic": [139.0, 140.0, np.nan, 150.0],
        "visit": pd.to_datetime(["2025-12-31", "2026-01-01", None, "2024-12-31"]),
        "signed": pd.array([True, False, pd.NA, True], dtype="boolean"),
        "series": [("HepB",), ("HepA", "HepB"), (), ("BCG",)],
    }
)


def rows(text: str) -> list[bool]:
    return list(evaluate(parse_comparison(text), FRAME, CONTEXT))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("systolic < 140", [True, False, False, False]),
        ("systolic < $limit", [True, False, False, False]),
        ("systolic >= 140", [False, True, False, True]),
        ("visit <= period_end", [True, False, False, True]),
        ("visit >= period_start", [True, True, False, False]),
        ("visit > 2025-06-30", [True, True, False, False]),
        ("mode in $modes", [True, False, False, True]),
        ("mode in [门诊, 电话]", [True, True, False, False]),
        ("mode not in [门诊]", [False, True, False, True]),
        ("mode == 电话", [False, True, False, False]),
        ("mode != 电话", [True, False, False, True]),
        ("mode is null", [False, False, True, False]),
        ("systolic is not null", [True, True, False, True]),
        ("signed == yes", [True, False, False, True]),
        ("signed == no", [False, True, False, False]),
        ("series has HepB", [True, True, False, False]),
    ],
)
def test_comparisons(text, expected):
    assert rows(text) == expected


def test_if_column_absent_pass_lets_rows_from_files_without_the_column_through():
    frame = pd.DataFrame(
        {"guidance": pd.array([True, False, pd.NA], dtype="boolean"), "_present": ["guidance", "guidance", "other"]}
    )
    strict = Test(parse_comparison("guidance == yes"))
    lenient = Test(parse_comparison("guidance == yes"), if_column_absent="pass")
    assert list(evaluate(strict, frame, CONTEXT)) == [True, False, False]
    assert list(evaluate(lenient, frame, CONTEXT)) == [True, False, True]


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("systolic <", "<"),
        ("systolic ~ 140", "~"),
        ("140 < systolic", "140"),
        ("systolic < 140 90", "90"),
        ("mode in 门诊", "门诊"),
        ("mode in [门诊 家庭]", "家庭"),
        ("systolic == null", "null"),
        ("__import__('os').system('x')", "__import__("),
        ("mode.__class__ == x", None),
    ],
)
def test_bad_filters_name_the_offending_token(text, token):
    with pytest.raises(ExpressionError) as raised:
        parse_comparison(text, fields={"systolic", "mode"})
    if token is not None:
        assert raised.value.token == token


def test_unknown_fields_are_rejected_with_the_field_as_token():
    with pytest.raises(ExpressionError) as raised:
        parse_comparison("sistolic < 140", fields={"systolic"})
    assert raised.value.token == "sistolic"


def test_hostile_text_is_data_not_code():
    with pytest.raises(ExpressionError):
        parse_comparison("mode == __import__('os')")
    node = parse_comparison("mode == \"__import__('os').system('rm -rf /')\"")
    assert list(evaluate(node, FRAME, CONTEXT)) == [False, False, False, False]


def test_where_lists_combine_with_any_all_not():
    nodes = parse_where([{"any": ["mode == 电话", {"all": ["systolic >= 150", "mode == 家庭"]}]}, {"not": "visit is null"}])
    result = np.logical_and.reduce([evaluate(n, FRAME, CONTEXT) for n in nodes])
    assert list(result) == [False, True, False, True]
    assert isinstance(nodes[0], AnyOf)


def test_required_fields_are_top_level_conjuncts_only():
    nodes = parse_where(
        [
            "signed == yes",
            {"any": ["closed is null", "closed > period_end"]},
            "card is not null",
            "other is null",
            {"test": "guidance == yes", "if_column_absent": "pass"},
        ]
    )
    assert required_fields(nodes) == {"signed", "card"}
