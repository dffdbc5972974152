"""Checks of an indicator against the registers and the library, before any data is read: unknown
registers, fields, parameters and populations, reason templates naming unknown values, and the type
of every comparison (typecheck.py). The checks return the definitions with their filters typed
(vocabulary words replaced by canonical values, words naming fields made fields), which is what the
engine evaluates."""

from __future__ import annotations

import re
from typing import Any

from ..config_model import FIGURE_SECTIONS
from ..pydantic_words import close_match
from ..registers import LOOKUPS
from .expressions import ExpressionError, parse_value
from .reason_text import SPEC_HELP, is_expression, parts, stray_braces, valid_spec
from .model import Indicator, Population, PopulationSource, Requirement, Union
from .population_graph import named_populations, references
from .typecheck import TEXT_MARK, FieldType, TypeChecker, Typed, column_type

#: Fields computed for every row or person (from the person's birth date).
PERSON_DERIVED = {"birth": FieldType("date"), "age": FieldType("number"), "first_birthday": FieldType("date")}
#: ... and for event rows: days from birth to the row's date.
EVENT_DERIVED = {**PERSON_DERIVED, "days_after_birth": FieldType("number")}
#: What a reason's placeholder may name besides fields, by where the reason is (conditions.py fills
#: them): `{period}` anywhere; `{date}`, the chosen row's date, in the test reasons of an event
#: (exists, latest, first); `{count}` and `{required}` in a count's reason only.
PERSON_VALUES = frozenset({"period"})
ROW_VALUES = PERSON_VALUES | {"date"}
COUNT_VALUES = PERSON_VALUES | {"count", "required", "at_most"}
TEMPLATE_VALUES = ROW_VALUES | COUNT_VALUES


def register_types(register: str, kinds) -> dict[str, FieldType]:
    types = {c.field: t for c in kinds[register].columns if (t := column_type(c)) is not None}
    types.setdefault("id_number", FieldType("text"))
    # fields the reader adds through a lookup table (疫苗名称 -> series): codes, tested with `has`
    # against the codes of that table
    looked_up = {c.lookup[1]: FieldType("codes", lookup=LOOKUPS.get(c.lookup[0]))
                 for c in kinds[register].columns if c.lookup is not None}
    return {**types, **looked_up}


class Checker:
    """Checks and types the definitions of one indicator (or of populations.yaml)."""

    def __init__(self, library, kinds, parameters: dict[str, Any]):
        self.library, self.kinds, self.parameters = library, kinds, parameters
        self.unit_key: tuple[str, ...] = ()  # the indicator's `key` (units other than persons)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def nodes(self, nodes: tuple, fields: dict[str, FieldType], where: str) -> tuple:
        checker = TypeChecker(fields, self.parameters, set(self.library.populations), where,
                              failed_to_load=self.library.failed_to_load)
        typed = checker.nodes(nodes)
        self.problems += checker.problems
        self.warnings += checker.warnings
        return typed

    def known(self, register: str, where: str) -> bool:
        if register in self.kinds:
            return True
        self.problems.append(f"{where}：未知的登记表类型「{register}」〔{register}〕。可用：{', '.join(self.kinds)}")
        return False

    def person_types(self, population) -> dict[str, FieldType]:
        if isinstance(population, Union):
            types: dict[str, FieldType] = {}
            for name in population.union:
                if name in self.library.populations:
                    types = {**self.person_types(self.library.populations[name]), **types}
            return types
        if population.register not in self.kinds:
            return {}
        rows = {**register_types(population.register, self.kinds), **PERSON_DERIVED}
        derived = {name: FieldType("number") if d.aggregate in ("sum", "mean", "longest_gap") else rows.get(d.field, FieldType("text"))
                   for name, d in population.derive.items()}
        return {**rows, **derived}

    def source(self, source: PopulationSource, where: str) -> PopulationSource:
        if not self.known(source.register, where):
            return source
        rows = {**register_types(source.register, self.kinds), **PERSON_DERIVED}
        typed_where = self.nodes(source.where, rows, f"{where}.where")
        for name, derive in source.derive.items():
            field = derive.field
            if field not in rows:
                self.problems.append(f"{where}.derive.{name}：未知字段「{field}」〔{field}〕")
            elif derive.aggregate == "longest_gap" and rows[field].kind not in ("date", "datetime"):
                self.problems.append(f"{where}.derive.{name}：longest_gap（相邻两个日期间隔的最多天数）只用于日期字段，「{field}」不是〔{field}〕")
            elif derive.aggregate in ("sum", "mean") and rows[field].kind != "number":
                self.problems.append(f"{where}.derive.{name}：sum / mean 只用于数字字段，「{field}」不是〔{field}〕")
            elif rows[field].kind not in ("number", "date", "datetime"):
                self.problems.append(f"{where}.derive.{name}：earliest / latest / min / max 只用于数字或日期字段，「{field}」不是〔{field}〕")
            elif derive.blank is not None and rows[field].kind != "number":
                self.problems.append(f"{where}.derive.{name}：blank（空白按某数计）只用于数字字段，「{field}」不是〔{field}〕")
        if source.latest_by and source.latest_by not in rows:
            self.problems.append(f"{where}.latest_by：未知字段「{source.latest_by}」〔{source.latest_by}〕")
        having = self.nodes(source.having, self.person_types(source), f"{where}.having")
        return source.model_copy(update={"where": typed_where, "having": having})

    def population(self, population, where: str = "population"):
        if isinstance(population, Union):
            undefined = [name for name in population.union if name not in self.library.populations]
            self.problems += [f"{where}.union：未定义的人群「{name}」〔{name}〕"
                              for name in undefined if not self.library.failed_to_load(name)]
            if undefined:  # (its persons' fields are not known: the having is typed once it is)
                return population
            having = self.nodes(population.having, self.person_types(population), f"{where}.having")
            return population.model_copy(update={"having": having})
        typed = self.source(population, where)
        if population.fallback is not None:
            typed = typed.model_copy(update={"fallback": self.source(population.fallback, f"{where}.fallback")})
            # what the indicators read of the persons must be there whichever register they come from
            # (a derive the fallback lacks stopped compute with an internal error in a folder without
            # the roster only)
            if population.fallback.register in self.kinds:
                fallback_fields = {**register_types(population.fallback.register, self.kinds), **PERSON_DERIVED}
                missing = [name for name in population.derive
                           if name not in population.fallback.derive and name not in fallback_fields]
                self.problems += [f"{where}.fallback.derive：人群派生了「{name}」，fallback 也须派生它"
                                  f"（没有 {population.register} 时从 {population.fallback.register} 得出），"
                                  f"如 {name}: {{earliest: 某日期字段}}〔{name}〕" for name in missing]
        return typed

    def templates(self, text: str | None, fields: dict[str, FieldType], where: str, names=None,
                  values: frozenset = PERSON_VALUES, rows: dict | None = None, place: str = "") -> None:
        """A reason's placeholders: names (of `names`, by default `fields`, or of `values`: what
        this place fills besides fields), or values of the language over `fields` — with `count`
        and `required` in a count's reason — parsed and typed here, evaluated with the reason; a
        format spec must be one chsc knows. A name this place cannot fill (a row field or `{date}`
        where no row is read, `{count}` outside a count) is refused, saying where it can be used:
        `place` says what this reason is filled from, `rows` the fields of rows read elsewhere."""
        _, placeholders, specs = parts(text or "")
        if text and stray_braces(text):
            self.problems.append(f"{where}：说明模板中有不成对的花括号；花括号本身请写 {{{{ 和 }}}}{TEXT_MARK}{text}{TEXT_MARK}")
        numbers = {name: FieldType("number") for name in ("count", "required", "at_most") if name in values}
        for name, spec in zip(placeholders, specs):
            if not valid_spec(spec):
                self.problems.append(f"{where}：说明模板「{{{name}:{spec}}}」的格式「{spec}」不可用：{SPEC_HELP}〔{spec}〕{TEXT_MARK}{text}{TEXT_MARK}")
            if not is_expression(name):
                if name not in (fields if names is None else names) and name not in values:
                    self.problems.append(f"{where}：说明模板中的「{{{name}}}」{self._unfilled(name, values, rows, place)}〔{name}〕{TEXT_MARK}{text}{TEXT_MARK}")
                continue
            checker = TypeChecker({**numbers, **fields}, self.parameters, set(), where)
            try:
                checker.operand(parse_value(name))
            except (ExpressionError, Typed) as error:
                hint = "（花括号本身请写 {{ 和 }}）" if isinstance(error, ExpressionError) else ""
                self.problems.append(f"{where}：说明模板中的「{{{name}}}」：{error.message}{hint}〔{error.token or name}〕{TEXT_MARK}{text}{TEXT_MARK}")

    @staticmethod
    def _unfilled(name: str, values: frozenset, rows: dict | None, place: str) -> str:
        """Why a placeholder's name is refused: unknown, or known but not filled in this place."""
        if name in TEMPLATE_VALUES or (rows and name in rows):
            said = {"date": "「{date}」（所选记录的日期）只用于 exists、latest、first 的 test 说明",
                    "count": "「{count}」「{required}」只用于 count 的 reason",
                    "required": "「{count}」「{required}」只用于 count 的 reason",
                    "at_most": "「{at_most}」只用于写了 at_most 的 count 的 reason"}.get(name, f"「{name}」是登记表每条记录的字段")
            usable = "、".join(f"{{{value}}}" for value in ("period", "date", "count", "required", "at_most") if value in values)
            return f"在这里填不出：{said}；{place or '这里的说明按人填写，可用人的字段'}和 {usable}"
        return "不是可用的值"

    def requirement(self, item: Requirement, people: dict[str, FieldType], where: str) -> Requirement:
        if item.kind in ("any", "all"):
            parts = tuple(self.requirement(part, people, f"{where}.{item.kind}[{i}]") for i, part in enumerate(getattr(item, item.kind)))
            self.templates(item.reason, people, f"{where}.reason", place=f"{item.kind} 的说明按人填写，可用人的字段")
            return item.model_copy(update={item.kind: parts})
        if item.kind == "check":
            check = self.nodes(item.check, people, f"{where}.check")
            for node in item.check:
                self.templates(getattr(node, "reason", None), people, f"{where}.check", place="check 的说明按人填写，可用人的字段")
            return item.model_copy(update={"check": check})
        event = item.event
        if not self.known(event.register, where):
            return item
        rows = {**register_types(event.register, self.kinds), **EVENT_DERIVED}
        kind = self.kinds[event.register]
        holds_all = set(self.unit_key) <= {c.field for c in kind.columns}
        if self.unit_key and not holds_all and kind.key_field not in self.unit_key:
            # rows match a unit on the whole key, or on part of it through their own person key
            # (engine_input.shared_parts): a 分娩日期 alone would join every delivery of that day
            self.problems.append(
                f"{where}.register：登记表「{event.register}」既没有计数单位的全部 key 字段（{'、'.join(self.unit_key)}），"
                f"它的人员键也不在其中，它的记录对应不到任何单位〔register: {event.register}〕"
            )
        if event.date not in rows:
            self.problems.append(f"{where}.date：未知字段「{event.date}」〔{event.date}〕")
        elif rows[event.date].kind not in ("date", "datetime"):  # it loaded, and compute said the column was missing
            self.problems.append(f"{where}.date：「{event.date}」不是日期字段，date 要写一个日期字段（如 followup_date）〔{event.date}〕")
        update: dict[str, Any] = {
            # the unit's own fields beside the row's, as in `test` (a visit on or before its delivery)
            "where": self.nodes(event.where, {**people, **rows}, f"{where}.where"),
            "test": self.nodes(event.test, {**people, **rows}, f"{where}.test"),
        }
        allowed = {**people, **rows}
        # none: no row, so values read the person; a row field's name (or {date}, the row's date)
        # still reads 无 as it always did (indicators/README.md: older libraries keep loading)
        self.templates(event.none, people, f"{where}.none", names=allowed, values=ROW_VALUES,
                       place="none 的说明按人填写（此人没有记录），可用人的字段")
        for node in event.test:
            self.templates(getattr(node, "reason", None), allowed, f"{where}.test", values=ROW_VALUES,
                           place="test 的说明按所选的一条记录填写，可用记录和人的字段")
        if item.kind == "count":
            self._count(item.count, people, rows, where)
        if item.kind in ("latest", "first"):
            pick = item.latest or item.first
            fields = [f for item in pick.order for f in ([item] if isinstance(item, str) else item)]
            self.problems += [f"{where}.order：未知字段「{f}」〔{f}〕" for f in fields if f not in rows]
        return item.model_copy(update={item.kind: event.model_copy(update=update)})

    def _count(self, count, people: dict[str, FieldType], rows: dict[str, FieldType], where: str) -> None:
        # filled from the person, with {count} and {required}: no one row is chosen, so a row
        # field's name would read 无 for everyone
        values = COUNT_VALUES if count.at_most is not None else COUNT_VALUES - {"at_most"}
        self.templates(count.reason, people, f"{where}.reason", values=values, rows=rows,
                       place="count 的说明按人填写（不选某一条记录），可用人的字段")
        self._at_most(count, where)
        if count.quarters_from and count.quarters_from not in people:
            self.problems.append(f"{where}.quarters_from：未知字段「{count.quarters_from}」")
        if isinstance(count.per_quarter, str) and count.per_quarter.startswith("$") and count.per_quarter[1:] not in self.parameters:
            self.problems.append(f"{where}：未定义的参数「{count.per_quarter}」〔{count.per_quarter}〕")
        at_least = count.at_least
        if not isinstance(at_least, str) or at_least == "quarters":
            return
        if at_least.startswith("$") and at_least[1:] in self.parameters:
            return
        try:
            value = parse_value(at_least)
        except ExpressionError as error:
            self.problems.append(f"{where}.at_least：{error.message}〔{error.token}〕")
            return
        checker = TypeChecker(people, self.parameters, set(), f"{where}.at_least")
        try:
            _, kind = checker.operand(value)
        except Exception as error:  # Typed: a field, parameter or function that does not fit
            self.problems.append(f"{where}.at_least：{getattr(error, 'message', error)}〔{getattr(error, 'token', at_least)}〕")
            return
        if kind != "number":
            self.problems.append(f"{where}.at_least：应为数字、$参数、quarters 或人的数值，如 due_dates_in_period(birth, $months)〔{at_least}〕")

    def _at_most(self, count, where: str) -> None:
        """`at_most`: a whole number ≥ 0 (or a $parameter holding one), not below a numeric at_least."""
        at_most = count.at_most
        if at_most is None:
            return
        if isinstance(at_most, str):
            if not at_most.startswith("$") or at_most[1:] not in self.parameters:
                self.problems.append(f"{where}.at_most：应为不小于 0 的整数或已定义的 $参数，如 at_most: 0〔{at_most}〕")
                return
            at_most = self.parameters[at_most[1:]]
        if isinstance(at_most, bool) or not isinstance(at_most, int) or at_most < 0:
            self.problems.append(f"{where}.at_most：应为不小于 0 的整数，如 at_most: 0（没有这样的记录）〔{at_most}〕")
            return
        if isinstance(count.at_least, int) and not isinstance(count.at_least, bool) and count.at_least > at_most:
            self.problems.append(f"{where}：at_least（{count.at_least}）大于 at_most（{at_most}），没有人能满足〔at_most〕")

    def indicator(self, indicator: Indicator) -> Indicator:
        problems = self.problems
        problems += [f"registers：未知的登记表类型「{r}」〔{r}〕" for r in indicator.registers if r not in self.kinds]
        if indicator.denominator is not None:
            problems += [_figure_problem(name) for name in indicator.denominator.figure_names if not _FIGURE_NAME.match(name)]
            if indicator.denominator.population is None and indicator.numerator.population is None and indicator.unit != "count":
                problems.append("numerator：分母只有 figure（chsc.yaml 中的数字）时，要写 numerator.population："
                                "分子数的是这个人群中符合条件的人〔numerator:〕")
        denominator = indicator.denominator
        populations, unloaded = {}, False
        for part, spec in (("denominator", denominator), ("numerator", indicator.numerator)):
            reference = spec.population if spec is not None else None
            if isinstance(reference, str) and self.library.failed_to_load(reference):
                unloaded = True  # its own mistake is said in populations.yaml: the rest is checked once it loads
            elif isinstance(reference, str) and reference not in self.library.populations:
                known = ", ".join(self.library.populations) or "（无）"
                problems.append(f"{part}.population：未定义的人群「{reference}」〔{reference}〕。已定义：{known}")
            elif reference is not None:
                populations[part] = reference
        if problems or unloaded:
            return indicator
        used: set[str] = set()
        people: dict[str, FieldType] = {}
        typed_refs = {}
        for part, reference in populations.items():
            population = self.library.population(reference)
            typed_refs[part] = reference if isinstance(reference, str) else self.population(population, f"{part}.population")
            people = {**self.person_types(population), **people}
            used |= _registers(population, self.library)
        for field in indicator.key:
            if field not in people:
                problems.append(f"key：未知字段「{field}」〔{field}〕")
        update: dict[str, Any] = {}
        if denominator is not None:
            if denominator.sum is not None and denominator.sum.field not in people:
                problems.append(f"denominator.sum.field：未知字段「{denominator.sum.field}」〔{denominator.sum.field}〕")
            having = self.nodes(denominator.having, people, "denominator.having")
            update["denominator"] = denominator.model_copy(update={"having": having, "population": typed_refs.get("denominator")})
        numerator = indicator.numerator
        self.unit_key = indicator.key if indicator.unit != "person" else ()
        require = []
        for index, item in enumerate(numerator.require):
            require.append(self.requirement(item, people, f"numerator.require[{index}]"))
            used |= _event_registers(item)
        update["numerator"] = numerator.model_copy(update={
            "having": self.nodes(numerator.having, people, "numerator.having"),
            "require": tuple(require),
            "population": typed_refs.get("numerator"),
        })
        for name in named_populations(indicator):  # in_population tests of its own filters
            if name in self.library.populations:
                used |= _registers(self.library.populations[name], self.library, frozenset({name}))
        unlisted = sorted(used - set(indicator.registers))
        if unlisted:
            problems.append(f"registers：用到了但未列出的登记表：{', '.join(unlisted)}")
        return indicator.model_copy(update=update)


#: A figure: names a setting of chsc.yaml's population: or prevalence: (any key: a centre's own
#: category may have its own official figure, which chsc.yaml then accepts).
_FIGURE_NAME = re.compile(rf"^({'|'.join(FIGURE_SECTIONS)})\.[a-z][a-z0-9_]*$")


def _figure_problem(name: str) -> str:
    own = [f"{section}.{key}" for section, model in FIGURE_SECTIONS.items() for key in model.model_fields]
    by_key = {full.partition(".")[2]: full for full in own}  # `total`, `populaton.total`: the key is right
    key = close_match(name.rpartition(".")[2], by_key)
    close = by_key[key] if key else close_match(name, own)
    guess = f"是不是 {close}？" if close else f"chsc 自带的有：{', '.join(own)}"
    return (f"denominator.figure：「{name}」不是 chsc.yaml 中数字的写法，应为 population.键 或 prevalence.键"
            f"（键用小写英文字母、数字和下划线；{guess}）〔{name}〕")


def _registers(population, library, seen: frozenset = frozenset()) -> set[str]:
    """The registers a population reads: its own and fallback's, and those of every population it
    reads (union members, in_population tests), through them all (loops are refused as the library loads)."""
    found = set() if isinstance(population, Union) else {population.register}
    if getattr(population, "fallback", None) is not None:
        found.add(population.fallback.register)
    for name in references(population):
        if name in library.populations and name not in seen:
            found |= _registers(library.populations[name], library, seen | {name})
    return found


def _event_registers(item: Requirement) -> set[str]:
    if item.kind in ("any", "all"):
        return set().union(*(_event_registers(part) for part in getattr(item, item.kind)))
    return {item.event.register} if item.event is not None else set()


def check_population(population: Population | Union, library, kinds, parameters: dict[str, Any]) -> tuple[Any, list[str], list[str]]:
    checker = Checker(library, kinds, parameters)
    typed = checker.population(population)
    return typed, checker.problems, checker.warnings


def check_indicator(indicator: Indicator, library, kinds, parameters: dict[str, Any]) -> tuple[Indicator, list[str], list[str]]:
    """(the typed indicator, problems, warnings); `parameters`: the library's shared ones."""
    checker = Checker(library, kinds, {**parameters, **indicator.parameters})
    typed = checker.indicator(indicator)
    return typed, checker.problems, checker.warnings
