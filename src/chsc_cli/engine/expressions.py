"""The filter language: one comparison per string, combined by YAML lists, `any:`, `all:`, `not:`.

    resident == yes                  record_date <= period_end        age >= $min_age
    followup_mode in $face_to_face_modes                              closed_date is null
    registration_category not in [死亡, 迁出, 临时外转]                 series has HepB
    visit_date <= coalesce(discharge_date, delivery_date) + 28 days   taken_doses >= 0.9 * due_doses
    days_between(last_menstrual_date, registration_date) <= 90       disease contains [霍乱, 鼠疫]

A string is tokenised and parsed here (no eval). Each side is a value: a field, a literal (number,
word, yes/no, date), a list, a `$parameter`, `period_start` / `period_end` / `today`, a function of
values (operands.FUNCTIONS) or arithmetic: `+ - * /` on numbers (exact decimals; `-` and `/` with a
space after them, so `2025-03-12` and `mmol/L` stay words; a division by zero is blank), a date ±
`N days|weeks|months|hours`. Types are checked against the registers when the library is loaded (typecheck.py).
Evaluation is vectorised over a pandas DataFrame. A comparison with a missing value is false
(`is null` aside).
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
#: `today`: the date chsc runs (DHIS2's V{current_date}, CQL's Today()); tests may fix it.
KEYWORDS = {"period_start", "period_end", "today"}
LITERAL_WORDS = {"yes": True, "no": False, "true": True, "false": False}
UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months",
         "months": "months", "hour": "hours", "hours": "hours"}
FUNCTIONS = {"coalesce": (2, 4), "days_between": (2, 2), "date": (1, 1), "due_dates_in_period": (2, 2),
             "min": (2, 4), "max": (2, 4)}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|<=|>=|<|>)
      | (?P<punct>[\[\](),*+])
      | (?P<minus>[-/](?=\s))
      | "(?P<dq>[^"]*)" | '(?P<sq>[^']*)'
      | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<word>[^\s\[\](),*+=<>!"'$]+)
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
    #: literal | list | param | keyword | field | call (value: name, args) | arith (value: op, left,
    #: right) | duration (value: amount operand, unit)
    kind: str
    value: Any


@dataclass(frozen=True)
class Comparison:
    left: Operand
    op: str  # == != < <= > >= in not-in has contains is-null not-null
    operand: Operand | None
    text: str
    #: How the two sides are compared, set by the type check: "plain" (as pandas compares them),
    #: "temporal" (dates and date-times, the plain-date rule) or "decimal" (exact numbers).
    mode: str = "plain"

    @property
    def field(self) -> str | None:
        """The left side's field when the left side is a field alone."""
        return self.left.value if self.left.kind == "field" else None


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
class InPopulation:
    """A person test: the row's person (its `_key`) is in the named population."""

    name: str


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
            stuck = text[position:].split(None, 1)[0][:20]
            operators = "。比较符号可用：== != < <= > >=、in、not in、has、contains、is null、is not null" if stuck[0] in "=<>!≠≤≥:" else ""
            raise ExpressionError(f"无法识别「{stuck}」{operators}", stuck)
        kind = match.lastgroup
        value = match.group(kind)
        tokens.append(("string" if kind in ("dq", "sq") else "punct" if kind == "minus" else kind, value))
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
        try:
            return Operand("literal", dt.date.fromisoformat(value))
        except ValueError:
            raise ExpressionError(f"日期「{value}」不存在", value) from None
    return Operand("literal", value)


class _Parser:
    """Recursive descent over the tokens of one comparison."""

    def __init__(self, tokens: list[tuple[str, str]], fields: set[str] | None):
        self.tokens, self.at, self.fields = tokens, 0, fields

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError("条件不完整，末尾缺少值")
        self.at += 1
        return token

    def words(self, count: int) -> list[str]:
        return [token[1] for token in self.tokens[self.at:self.at + count]]

    def value(self) -> Operand:
        """sum := product (('+' | '-') product)*"""
        left = self.product()
        while self.peek() in (("punct", "+"), ("punct", "-")):
            op = self.take()[1]
            left = Operand("arith", (op, left, self.product()))
        return left

    def product(self) -> Operand:
        """product := unit (('*' | '/') unit)*"""
        left = self.unit()
        while self.peek() in (("punct", "*"), ("punct", "/")):
            op = self.take()[1]
            left = Operand("arith", (op, left, self.unit()))
        return left

    def unit(self) -> Operand:
        """An atom, or a number / $parameter followed by a unit of time: a duration."""
        start = self.peek()
        atom = self.atom()
        following = self.peek()
        if following is not None and following[0] == "word" and following[1] in UNITS:
            if not (atom.kind == "param" or (atom.kind == "literal" and isinstance(atom.value, float))):
                raise ExpressionError(f"「{following[1]}」前应是数字或 $参数", start[1] if start else "")
            self.take()
            return Operand("duration", (atom, UNITS[following[1]]))
        return atom

    def atom(self) -> Operand:
        kind, value = self.take()
        if (kind, value) == ("punct", "("):
            inner = self.value()
            if self.peek() != ("punct", ")"):
                raise ExpressionError("括号不成对，缺少「)」", self.peek()[1] if self.peek() else "")
            self.take()
            return inner
        if value == "-" and kind in ("punct", "word") and self.peek() is not None:  # -$days, -(a + b): 0 minus the value
            return Operand("arith", ("-", Operand("literal", 0.0), self.unit()))
        if kind == "punct" or kind == "op":
            raise ExpressionError(f"此处应是一个值，而不是「{value}」", value)
        if kind == "word" and self.peek() == ("punct", "("):
            return self.call(value)
        operand = _literal(kind, value)
        if kind == "word" and operand.kind == "literal" and isinstance(operand.value, str):
            if self.fields is not None and value in self.fields:
                return Operand("field", value)
            return Operand("word", value)  # a field or a word: the type check decides
        return operand

    def call(self, name: str) -> Operand:
        if name not in FUNCTIONS:
            known = "、".join(FUNCTIONS)
            raise ExpressionError(f"未知的函数「{name}」（可用：{known}）", f"{name}(")
        self.take()  # (
        args = []
        while True:
            args.append(self.value())
            token = self.take()
            if token == ("punct", ")"):
                break
            if token != ("punct", ","):
                raise ExpressionError(f"函数参数之间应以逗号分隔，「{token[1]}」前缺逗号", token[1])
        low, high = FUNCTIONS[name]
        if not low <= len(args) <= high:
            count = str(low) if low == high else f"{low}～{high}"
            raise ExpressionError(f"函数 {name} 需要 {count} 个参数，写了 {len(args)} 个", name)
        return Operand("call", (name, tuple(args)))

    def list_operand(self) -> Operand:
        rest = self.tokens[self.at:]
        self.at = len(self.tokens)
        return _list_operand(rest)


def unknown_field(name: str, fields, said: str = "") -> str:
    """未知字段「name」: the field a letter or two away (是不是 blood_routine？), else every field."""
    from ..pydantic_words import close_match

    close = close_match(name, sorted(fields))
    if close:
        return f"未知字段「{name}」{said}（是不是 {close}？）"
    return f"未知字段「{name}」{said}。可用字段：{', '.join(sorted(fields))}"


def parse_comparison(text: str, fields: set[str] | None = None) -> Comparison:
    """Parse one comparison string; `fields` (when given) are the names a field may have."""
    if not isinstance(text, str):
        raise ExpressionError(f"条件应为文字，如 age >= 65，而不是 {text!r}", str(text))
    tokens = tokenize(text)
    if not tokens:
        raise ExpressionError("条件是空的")
    kind, first = tokens[0]
    if kind != "word" or _NUMBER.fullmatch(first) or _DATE.fullmatch(first) or first in KEYWORDS or first in LITERAL_WORDS:
        if (kind, first) != ("punct", "(") and kind != "param":  # `$within_days is null`
            raise ExpressionError(f"条件应以字段名开头，而不是「{first}」", first)
    parser = _Parser(tokens, fields)
    left = parser.value()
    if left.kind == "word":
        left = Operand("field", left.value)
    if left.kind == "field" and fields is not None and left.value not in fields:
        raise ExpressionError(unknown_field(left.value, fields), left.value)
    label = left.value if left.kind == "field" else first
    words = parser.words(3)
    rest = len(tokens) - parser.at
    if words == ["is", "not", "null"] and rest == 3:
        return Comparison(left, "not-null", None, text)
    if words[:2] == ["is", "null"] and rest == 2:
        return Comparison(left, "is-null", None, text)
    if words[:2] == ["not", "in"]:
        parser.at += 2
        return Comparison(left, "not-in", parser.list_operand(), text)
    if words[:1] in (["in"], ["contains"]):
        parser.at += 1
        return Comparison(left, words[0], parser.list_operand(), text)
    if words[:1] == ["has"] and rest == 2:
        return Comparison(left, "has", _literal(*tokens[-1]), text)
    if not rest:
        raise ExpressionError(f"「{label}」后面缺少比较符（== != < <= > >= in has contains is null）", label)
    op_kind, op = parser.take()
    if op_kind != "op":
        raise ExpressionError(f"「{op}」不是比较符（== != < <= > >= in has contains is null）", op)
    if parser.peek() is None:
        raise ExpressionError(f"比较符右边应只有一个值，「{op}」多余或缺少值", op)
    operand = parser.value()
    if parser.peek() is not None:
        token = parser.peek()[1]
        raise ExpressionError(f"比较符右边应只有一个值，「{token}」多余或缺少值", token)
    if operand.kind == "word" and fields is not None and operand.value in fields:
        operand = Operand("field", operand.value)
    return Comparison(left, op, operand, text)


def _list_operand(tokens: list[tuple[str, str]]) -> Operand:
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


def walk_operands(operand: Operand | None):
    """The operand and every operand inside it (arguments, arithmetic sides, amounts)."""
    if operand is None:
        return
    yield operand
    if operand.kind == "call":
        for argument in operand.value[1]:
            yield from walk_operands(argument)
    elif operand.kind == "arith":
        yield from walk_operands(operand.value[1])
        yield from walk_operands(operand.value[2])
    elif operand.kind == "duration":
        yield from walk_operands(operand.value[0])


def parse_value(text: str) -> Operand:
    """One value on its own (a count's `at_least: due_dates_in_period(birth, $months)`)."""
    tokens = tokenize(str(text))
    if not tokens:
        raise ExpressionError("值是空的")
    parser = _Parser(tokens, None)
    value = parser.value()
    if parser.peek() is not None:
        raise ExpressionError(f"「{parser.peek()[1]}」多余", parser.peek()[1])
    return _fields(value)


def _fields(operand: Operand) -> Operand:
    """Every bare word inside a value on its own names a field."""
    if operand.kind == "word":
        return Operand("field", operand.value)
    if operand.kind == "call":
        return Operand("call", (operand.value[0], tuple(map(_fields, operand.value[1]))))
    if operand.kind == "arith":
        return Operand("arith", (operand.value[0], _fields(operand.value[1]), _fields(operand.value[2])))
    return operand
