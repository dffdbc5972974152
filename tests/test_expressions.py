"""The filter language: parsing (with the offending token), evaluation, and that nothing reaches Python."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from chsc_cli.engine.evaluation import Context, cannot_pass, evaluate, required_fields
from chsc_cli.engine.expressions import AnyOf, ExpressionError, Test, parse_comparison
from chsc_cli.engine.model import parse_where

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


@pytest.mark.parametrize(
    ("items", "absent", "cannot"),
    [
        # each test alone can pass without visit, both together cannot
        ([{"any": ["discharge is null", "visit is not null"]}, {"any": ["discharge is not null", "visit is not null"]}], {"visit"}, True),
        ([{"any": ["discharge is null", "visit is not null"]}], {"visit"}, False),
        ([{"any": ["discharge is null", "visit >= discharge"]}], {"discharge"}, False),  # absent = blank: passes
        ([{"any": [{"all": ["lmp is not null", "booked is not null"]}, "weeks < 13"]}], {"lmp", "weeks"}, True),
        ([{"any": [{"all": ["lmp is not null", "booked is not null"]}, "weeks < 13"]}], {"weeks"}, False),
        ([{"not": "visit is null"}], {"visit"}, True),
        (["coalesce(discharge, delivered) <= visit"], {"discharge"}, False),
        (["coalesce(discharge, delivered) <= visit"], {"discharge", "delivered"}, True),
        ([{"test": "guidance == yes", "if_column_absent": "pass"}], {"guidance"}, False),
        (["signed == yes"], {"other"}, False),  # not read: nothing to say
        (["max(discharge, visit) >= delivered"], {"discharge"}, False),  # min/max leave a blank out
        (["min(discharge, visit) >= delivered"], {"discharge", "visit"}, True),
    ],
)
def test_cannot_pass_when_absent_columns_leave_no_row_a_way(items, absent, cannot):
    from chsc_cli.engine.typecheck import FieldType, TypeChecker

    dates = {name: FieldType("date") for name in ("discharge", "visit", "delivered", "lmp", "booked")}
    kinds = {**dates, "weeks": FieldType("number"), "signed": FieldType("yesno"), "guidance": FieldType("yesno"), "other": FieldType("text")}
    checker = TypeChecker(kinds, CONTEXT.parameters, set(), "test")
    nodes = checker.nodes(parse_where(items))
    assert not checker.problems, checker.problems
    assert cannot_pass(nodes, absent) is cannot


# ------------------------------------------------------------------------------ typed values


def typed(text: str, frame: pd.DataFrame, kinds: dict) -> list[bool]:
    """Parse, type against `kinds` (field -> FieldType), evaluate."""
    from chsc_cli.engine.typecheck import TypeChecker

    checker = TypeChecker(kinds, CONTEXT.parameters, set(), "test")
    node = checker.node(parse_comparison(text))
    assert not checker.problems, checker.problems
    return list(evaluate(node, frame, CONTEXT))


def test_months_are_clipped_to_the_month_end_and_hours_follow_the_plain_date_rule():
    from chsc_cli.engine.typecheck import FieldType

    frame = pd.DataFrame(
        {
            "born": pd.to_datetime(["2024-08-31", "2023-08-31", "2024-08-31"]),
            "seen": pd.to_datetime(["2025-02-28", "2024-02-29", "2025-03-01"]),
            "diagnosed": pd.to_datetime(["2025-03-01 10:00", "2025-03-01", "2025-03-01 23:30"], format="ISO8601"),
            "reported": pd.to_datetime(["2025-03-01 12:30", "2025-03-01 20:00", "2025-03-02 00:10"], format="ISO8601"),
        }
    )
    kinds = {"born": FieldType("date"), "seen": FieldType("date"), "diagnosed": FieldType("datetime"), "reported": FieldType("datetime")}
    assert typed("seen == born + 6 months", frame, kinds) == [True, True, False]
    # 2.5 hours late; a plain date: the same day is within 2 hours; 40 minutes
    assert typed("reported <= diagnosed + 2 hours", frame, kinds) == [False, True, True]
    assert typed("days_between(born, seen) >= 181", frame, kinds) == [True, True, True]
    assert typed("days_between(born, seen) == 182", frame, kinds) == [False, True, True]


def test_decimal_arithmetic_is_exact_and_coalesce_takes_the_first_value():
    from chsc_cli.engine.typecheck import FieldType

    frame = pd.DataFrame(
        {
            "actual": [90.0, 89.0, np.nan, 63.0],
            "due": [100.0, 100.0, 100.0, 70.0],
            "discharged": pd.to_datetime([None, "2025-01-05", None, None]),
            "delivered": pd.to_datetime(["2025-01-01", "2025-01-01", None, "2025-01-01"]),
            "visited": pd.to_datetime(["2025-01-29", "2025-02-02", "2025-01-10", "2025-01-30"]),
        }
    )
    kinds = {name: FieldType("number") for name in ("actual", "due")} | {
        name: FieldType("date") for name in ("discharged", "delivered", "visited")
    }
    assert typed("actual >= 0.9 * due", frame, kinds) == [True, False, False, True]
    assert typed("visited <= coalesce(discharged, delivered) + 28 days", frame, kinds) == [True, True, False, False]


def test_a_minus_sign_before_a_parameter_or_a_bracket_negates_it():
    """`>= -$limit` read the sign as a word and said 「$limit」 was one value too many (a review
    writing a renewal window of ±30 days); `0 - $limit` was the only way. A lone - stays a word."""
    from chsc_cli.engine.typecheck import FieldType

    frame = pd.DataFrame({"gap": [-141.0, -140.0, -139.0, 0.0]})
    kinds = {"gap": FieldType("number")}
    assert typed("gap >= -$limit", frame, kinds) == [False, True, True, True]
    assert typed("gap < -(100 + 39)", frame, kinds) == [True, True, False, False]
    assert typed("gap >= -139", frame, kinds) == [False, False, True, True]
    assert parse_comparison("x in [-, 无]").operand.value == ("-", "无")
