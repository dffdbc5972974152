"""Typing a filter against the register it reads, when the library is loaded.

Every field has the type its register kind gives it (registers/columns.py), and the fields the
engine adds have theirs (birth, age, ...). A word compared with a vocabulary column must be one of
its canonical values or their synonyms, and is replaced by the canonical value (`signed == 是` means
`signed == yes`, `record_status == 正常` means `record_status == active`); for a column that keeps
unknown text as written an unlisted word is a warning. A date is never compared with a number; two
fields of one type compare. A bare word that names a field is that field. Problems are
`message〔token〕` strings; nothing here evaluates data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..registers.columns import Column, LookupTable, normalise_value_text
from ..registers.vocabularies import yes_no_table
from .expressions import AllOf, AnyOf, Comparison, InPopulation, Not, Operand, Test, unknown_field, walk_operands

#: A marker around the condition text inside a problem, so the library can find its line.
TEXT_MARK = "\u241e"
TEMPORAL = ("date", "datetime")
#: A bare word that reads as a field's name (booking_date), not as a value (门诊, 甲类).
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COLUMN_KINDS = {"id": "text", "code": "text", "text": "text", "date": "date", "datetime": "datetime",
                 "number": "number", "whole_number": "number", "weeks": "number", "yesno": "yesno",
                 "category": "category"}
_NAMES = {"date": "日期", "datetime": "日期时间", "number": "数字", "yesno": "是/否", "category": "分类值",
          "text": "文字", "codes": "查表得到的代码", "bool": "是/否", "word": "文字", "list": "列表", "duration": "时长",
          "null": "空参数（null）"}


@dataclass(frozen=True)
class FieldType:
    kind: str  # date | datetime | number | yesno | category | text | codes
    column: Column | None = None
    #: for `codes`: the lookup table whose codes the field holds (a column's `lookup: {table, into}`)
    lookup: LookupTable | None = None


def column_type(column: Column) -> FieldType | None:
    kind = _COLUMN_KINDS.get(column.type)
    return FieldType(kind, column) if kind else None


class Typed(Exception):
    def __init__(self, message: str, token: str):
        super().__init__(message)
        self.message, self.token = message, token


@dataclass
class TypeChecker:
    """Types the nodes of one place (a where list, a test list) against `fields`."""

    fields: dict[str, FieldType]
    parameters: dict[str, Any]
    populations: set[str]
    where: str
    problems: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: null parameters an enclosing `any:` tests with `$name is null` (a guarded use is meant)
    guarded: frozenset = frozenset()
    #: the text of the comparison being typed
    condition: str = ""
    #: whether a population name not in `populations` is one defined with a mistake (said where it
    #: is defined, not again where it is used)
    failed_to_load: Callable[[str], bool] = lambda name: False

    def nodes(self, nodes: tuple) -> tuple:
        return tuple(self.node(node) for node in nodes)

    def node(self, node: Any) -> Any:
        if isinstance(node, Test):
            return dataclasses.replace(node, condition=self.node(node.condition))
        if isinstance(node, AllOf):
            return AllOf(self.nodes(node.items))
        if isinstance(node, AnyOf):
            outer = self.guarded
            self.guarded = outer | {item.left.value for item in node.items if isinstance(item, Comparison)
                                    and item.left.kind == "param" and item.op == "is-null"}
            try:
                return AnyOf(self.nodes(node.items))
            finally:
                self.guarded = outer
        if isinstance(node, Not):
            return Not(self.node(node.item))
        if isinstance(node, InPopulation):
            if node.name not in self.populations and not self.failed_to_load(node.name):
                known = ", ".join(sorted(self.populations)) or "（无）"
                self._problem(f"未定义的人群「{node.name}」。已定义：{known}", node.name, node.name)
            return node
        try:
            typed = self.comparison(node)
            self._null_parameters(typed)
            return typed
        except Typed as error:
            self._problem(error.message, error.token, node.text)
            return node

    def _null_parameters(self, node: Comparison) -> None:
        """A null $parameter makes a comparison false: said unless it is the `is null` test or an
        enclosing `any:` holds one (`any: [$within_days is null, visit <= notice + $within_days days]`)."""
        if node.op in ("is-null", "not-null") and node.left.kind == "param":
            return
        for operand in (*walk_operands(node.left), *walk_operands(node.operand)):
            name = operand.value if operand.kind == "param" else None
            if name in self.parameters and self.parameters[name] is None and name not in self.guarded:
                self.warnings.append(
                    f"{self.where}：参数 ${name} 为空（null），此条件总不成立；如表示不设限，"
                    f"请写 any: [${name} is null, {node.text}]〔${name}〕{TEXT_MARK}{node.text}{TEXT_MARK}"
                )

    def _problem(self, message: str, token: str, text: str) -> None:
        self.problems.append(f"{self.where}：{message}〔{token}〕{TEXT_MARK}{text}{TEXT_MARK}")

    # -------------------------------------------------------------------------------- operands

    def operand(self, operand: Operand) -> tuple[Operand, str]:
        """(the operand with words resolved to fields, its type)."""
        kind, value = operand.kind, operand.value
        if kind == "word":
            if value in self.fields:
                return Operand("field", value), self.fields[value].kind
            return operand, "word"
        if kind == "field":
            if value not in self.fields:
                raise self.unknown(value)
            return operand, self.fields[value].kind
        if kind == "literal":
            return operand, _literal_type(value)
        if kind == "keyword":
            return operand, "date"
        if kind == "list":
            return operand, "list"
        if kind == "param":
            if value not in self.parameters:
                raise Typed(f"未定义的参数「${value}」（请在 parameters: 中定义）", f"${value}")
            return operand, _literal_type(self.parameters[value], parameter=True)
        if kind == "duration":
            amount, unit = value
            amount, amount_type = self.operand(amount)
            if amount_type not in ("number", "null"):  # a null $parameter: a blank duration
                raise Typed(f"时长应为数字，如 28 days，而不是{_NAMES.get(amount_type, amount_type)}", _token(amount))
            number = self.parameters[amount.value] if amount.kind == "param" else amount.value
            if number is not None and float(number) != int(float(number)):
                raise Typed(f"时长应为整数（{unit}），如 28 days", _token(amount))
            return Operand("duration", (amount, unit)), "duration"
        if kind == "call":
            return self.call(*value)
        return self.arithmetic(*value)

    def unknown(self, name: str) -> "Typed":
        """未知字段, with the field a column header or alias written in its place stands for (a
        definition written with the Chinese header: 签约到期日期 is contract_end_date)."""
        meant = sorted(field for field, typed in self.fields.items()
                       if typed.column is not None and name in (typed.column.header, *typed.column.aliases))
        said = f"（「{name}」是表头，字段名是 {'、'.join(meant)}）" if meant else ""
        return Typed(unknown_field(name, self.fields, said) if not meant else
                     f"未知字段「{name}」{said}。可用字段：{', '.join(sorted(self.fields))}", name)

    def _named(self, operand: Operand) -> tuple[Operand, str]:
        """An operand of a function or of arithmetic: a bare word there is a field's name (a
        vocabulary word has no place in either), so one that names no field is said as such."""
        typed = self.operand(operand)
        if typed[1] == "word" and _IDENTIFIER.fullmatch(str(typed[0].value)):
            raise self.unknown(str(typed[0].value))
        return typed

    def call(self, name: str, args: tuple) -> tuple[Operand, str]:
        typed = [self._named(argument) for argument in args]
        kinds = [kind for _, kind in typed]
        operand = Operand("call", (name, tuple(argument for argument, _ in typed)))
        if name in ("coalesce", "min", "max"):
            if len({"date" if kind in TEMPORAL else kind for kind in kinds}) != 1:
                raise Typed(f"{name} 的各参数应是同一类型（如都是日期）", name)
            if name != "coalesce" and kinds[0] not in TEMPORAL and kinds[0] != "number":
                raise Typed(f"{name} 的参数应是数字或日期", name)
            return operand, "datetime" if "datetime" in kinds else kinds[0]
        if any(kind not in TEMPORAL for kind in kinds[:1 if name == "due_dates_in_period" else len(kinds)]):
            raise Typed(f"函数 {name} 的参数应是日期", name)
        if name == "due_dates_in_period" and kinds[1] not in ("list", "number"):
            raise Typed("due_dates_in_period 的第二个参数应是月数的列表，如 $schedule_months", name)
        return operand, "date" if name == "date" else "number"

    def arithmetic(self, op: str, left: Operand, right: Operand) -> tuple[Operand, str]:
        (left, left_kind), (right, right_kind) = self._named(left), self._named(right)
        operand = Operand("arith", (op, left, right))
        if left_kind in ("number", "null") and right_kind in ("number", "null"):
            return operand, "number"
        if op == "/":
            raise Typed(f"只有数字可以相除，不能计算 {_NAMES.get(left_kind, left_kind)} / {_NAMES.get(right_kind, right_kind)}", op)
        if left_kind in TEMPORAL and right_kind == "duration" and op in "+-":
            hours = right.value[1] == "hours"
            return operand, "datetime" if hours or left_kind == "datetime" else "date"
        if right_kind in TEMPORAL and left_kind == "duration" and op == "+":
            return operand, "datetime" if left.value[1] == "hours" or right_kind == "datetime" else "date"
        if left_kind in TEMPORAL and right_kind in TEMPORAL:
            raise Typed("两个日期相减请写 days_between(较早日期, 较晚日期)", op)
        raise Typed(
            f"无法计算 {_NAMES.get(left_kind, left_kind)} {op} {_NAMES.get(right_kind, right_kind)}"
            "（数字可加减乘除；日期只能加减时长，如 + 28 days）",
            op,
        )

    # ----------------------------------------------------------------------------- comparisons

    def comparison(self, node: Comparison) -> Comparison:
        self.condition = node.text  # a warning about a word in it is placed at its line
        left, left_kind = self.operand(node.left)
        if left.kind == "word":
            raise self.unknown(left.value)
        column = self.fields[left.value].column if left.kind == "field" else None
        node = dataclasses.replace(node, left=left)
        if node.op in ("is-null", "not-null"):
            return node
        if node.op == "has":
            if left_kind != "codes":
                raise Typed(f"has 只用于查表得到的代码字段（登记表类型中 lookup: 的 into 字段）{self._code_fields()}", "has")
            return dataclasses.replace(node, operand=self._code(node.operand, left.value))
        if left_kind == "codes":
            typed = self.fields[left.value]
            example = f"，如 {left.value} has {typed.lookup.codes[0]}" if typed.lookup is not None and typed.lookup.codes else ""
            raise Typed(f"「{left.value}」是查表得到的代码（{_table_name(typed)}），一行可有几个代码，请用 has 判断是否含某个代码{example}", node.op)
        if node.op in ("in", "not-in", "contains"):
            return self._list(node, left_kind, column)
        right, right_kind = self.operand(node.operand)
        if right_kind in ("word", "bool") and left_kind in ("category", "yesno", "text"):
            right = Operand("literal", self._canonical(right.value, left_kind, column, left.value))
            right_kind = left_kind
        _same_kind(left_kind, right_kind, left, right, node.op)
        if left_kind in ("category", "yesno", "text") and node.op not in ("==", "!="):
            raise Typed(f"{_NAMES[left_kind]}只能用 == 或 != 比较", node.op)
        mode = "plain"
        arithmetic = any(side.kind in ("arith", "call") for side in (left, right))
        if left_kind in TEMPORAL and (arithmetic or "datetime" in (left_kind, right_kind)):
            mode = "temporal"
        elif left_kind == "number" and any(side.kind == "arith" for side in (left, right)):
            mode = "decimal"
        return dataclasses.replace(node, operand=right, mode=mode)

    def _code_fields(self) -> str:
        """The fields here that hold a lookup's codes, with an example, for a `has` on another field."""
        found = [(name, typed) for name, typed in self.fields.items() if typed.kind == "codes"]
        if not found:
            return "；这里没有这样的字段"
        name, typed = found[0]
        example = f" has {typed.lookup.codes[0]}" if typed.lookup is not None and typed.lookup.codes else " has 代码"
        return f"；这里可用：{'、'.join(name for name, _ in found)}，如 {name}{example}"

    def _code(self, operand: Operand, field: str) -> Operand:
        """The code `has` tests: one the field's lookup table gives (a word it does not give — a
        name of the table, a misspelt code — would hold for no row)."""
        table = self.fields[field].lookup
        token = _token(operand)
        if operand.kind == "param":
            if operand.value not in self.parameters:
                raise Typed(f"未定义的参数「${operand.value}」（请在 parameters: 中定义）", token)
            value = self.parameters[operand.value]
        elif operand.kind == "literal" and not isinstance(operand.value, bool):
            value = operand.value if isinstance(operand.value, str) else token  # has 1: the code "1"
        else:
            raise Typed(f"has 后面应写一个代码（{field} has 代码）", token)
        if table is None:
            return operand
        if isinstance(value, str) and value in table.codes:
            return operand if operand.kind == "param" else Operand("literal", value)
        named = table.codes_of(value) if isinstance(value, str) else None
        hint = f"（「{value}」是表中的名称，它的代码是 {'、'.join(named)}）" if named else ""
        raise Typed(f"「{field}」（{table.title}）没有代码「{value}」{hint}。可用的代码：{'、'.join(table.codes) or '（无）'}", token)

    def _list(self, node: Comparison, left_kind: str, column: Column | None) -> Comparison:
        operand = node.operand
        values = operand.value if operand.kind == "list" else None
        if operand.kind == "param":
            if operand.value not in self.parameters:
                raise Typed(f"未定义的参数「${operand.value}」（请在 parameters: 中定义）", f"${operand.value}")
            values = self.parameters[operand.value]
            values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        if node.op == "contains":
            if left_kind not in ("text", "category"):
                raise Typed("contains 只用于文字字段", "contains")
            return node
        field = node.left.value if node.left.kind == "field" else ""
        if left_kind in ("category", "yesno", "text"):
            canonical = tuple(self._canonical(value, left_kind, column, field) for value in values)
        else:
            for value in values:
                _same_kind(left_kind, _literal_type(value), node.left, Operand("literal", value), node.op)
            canonical = tuple(values)
        if canonical != tuple(values):
            operand = Operand("list", canonical)
        return dataclasses.replace(node, operand=operand)

    def _canonical(self, word: Any, kind: str, column: Column | None, field: str) -> Any:
        if kind == "text":
            if isinstance(word, bool):  # yes / no / true / false: the words of a yes/no column
                raise Typed(f"「{field}」是文字字段，不是是/否字段：yes、no 只用于 yesno 列；"
                            f"请写单元格中的文字并加引号（如 \"已做\"），或在登记表类型中把这列写成 type: yesno",
                            "yes" if word else "no")
            if not isinstance(word, str):
                raise Typed(f"「{field}」是文字字段，值请加引号，如 \"{word}\"", str(word))
            return word
        if column is None:
            return word
        if kind == "yesno":
            if isinstance(word, bool):
                return word
            vocabulary = yes_no_table(column)  # the words the reader accepts in this column
            normalised = {normalise_value_text(str(k)): v for k, v in vocabulary.items()}
            found = normalised.get(normalise_value_text(str(word)))
            if found is None:
                shown = "、".join(dict.fromkeys(map(str, vocabulary)))
                raise Typed(f"「{field}」（{column.header}）是是/否字段，没有「{word}」这个值。可写 yes、no 或：{shown}", str(word))
            return bool(found)
        if isinstance(word, bool) and str(word) not in {str(v) for v in column.vocabulary.values()}:
            # yes / no / true / false: no option of this category is one (it read as 「True」)
            shown = "、".join(dict.fromkeys(map(str, column.vocabulary.values())))
            raise Typed(f"「{field}」（{column.header}）是选项字段，不是是/否字段：yes、no 只用于 yesno 列；请写它的选项：{shown}",
                        "yes" if word else "no")
        canonical_values = {str(v) for v in column.vocabulary.values()} | ({str(column.default)} if column.default else set())
        if str(word) in canonical_values:
            return str(word)
        normalised = {normalise_value_text(str(k)): v for k, v in column.vocabulary.items()}
        found = normalised.get(normalise_value_text(str(word)))
        if found is not None:
            return found
        shown = "、".join(dict.fromkeys(map(str, column.vocabulary)))
        if column.keep_unknown:
            self.warnings.append(f"{self.where}：「{field}」（{column.header}）的值表中没有「{word}」，按原样比较（已知的值：{shown}）〔{word}〕"
                                 f"{TEXT_MARK}{self.condition}{TEXT_MARK}")
            return str(word)
        raise Typed(f"「{field}」（{column.header}）没有「{word}」这个值。可用：{shown}", str(word))


def _literal_type(value: Any, parameter: bool = False) -> str:
    if value is None:  # a $parameter set to null (`within_days: null`): blank wherever it is used
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "list"
    return "word"


def _token(operand: Operand) -> str:
    value = operand.value
    if operand.kind == "param":
        return f"${value}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if operand.kind in ("literal", "word", "field", "keyword") else operand.kind


def _same_kind(left: str, right: str, left_operand: Operand, right_operand: Operand, op: str) -> None:
    if left in TEMPORAL and right in TEMPORAL or "null" in (left, right):
        return
    if left == right:
        return
    token = _token(right_operand)
    if left in TEMPORAL:
        hint = "；日期写作 2025-01-01，或 period_start / period_end" if right == "number" else ""
        raise Typed(f"「{_token(left_operand)}」是{_NAMES[left]}，不能与{_NAMES.get(right, right)}比较{hint}", token)
    raise Typed(f"「{_token(left_operand)}」是{_NAMES.get(left, left)}，不能与{_NAMES.get(right, right)}比较", token)


def _table_name(typed: FieldType) -> str:
    """The lookup table a codes field comes from, as its title says (已知疫苗表)."""
    return f"按{typed.lookup.title}" if typed.lookup is not None else "按查找表"
