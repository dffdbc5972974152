"""The indicator library's data model: pydantic models that reject unknown keys.

An indicator file holds one `Indicator`; `populations.yaml` holds the named `Population`s that
several indicators share. `where`/`having`/`test` lists are parsed into expression trees
(expressions.py) while the models are validated, so a bad filter is reported with its line.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .expressions import AllOf, AnyOf, ExpressionError, InPopulation, Not, Test, parse_comparison

#: Marks the index of the bad item in a where-list inside a validation message (for its line).
ITEM_MARK = "\u241f"
#: Marks the key a check of a whole model is about (FIELD_MARK + key + FIELD_MARK in its message),
#: so that the loader points at that key's line rather than the file's first.
FIELD_MARK = "\u241e"


def about(field: str, message: str) -> str:
    """`message` of a model-level check, marked as being about `field`."""
    return f"{FIELD_MARK}{field}{FIELD_MARK}{message}"

Window = Literal["period", "all", "through_period_end", "before_first_birthday"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def parse_where(items: Any, *, reasons: bool = True) -> tuple:
    """A YAML where-list -> a tuple of expression nodes (each a Test when it carries a reason)."""
    if items is None:
        return ()
    if isinstance(items, (str, dict)):
        items = [items]
    if not isinstance(items, list):
        raise ExpressionError("条件应为一个列表，每项一个条件")
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(_parse_item(item, reasons))
        except ExpressionError as error:
            if error.index is None:
                error.index = index
            raise
    return tuple(parsed)


def _parse_item(item: Any, reasons: bool) -> Any:
    if isinstance(item, str):
        return parse_comparison(item)
    if not isinstance(item, dict) or len(item) == 0:
        raise ExpressionError(f"无法理解的条件：{item!r}", str(item))
    keys = set(item)
    if keys <= {"test", "reason", "if_column_absent"} and "test" in keys:
        absent = item.get("if_column_absent", "fail")
        if absent not in ("fail", "pass"):
            raise ExpressionError("if_column_absent 只能是 fail 或 pass", str(absent))
        reason = item.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ExpressionError("reason 应为文字", str(reason))
        inner = parse_where(item["test"], reasons=False)
        condition = inner[0] if len(inner) == 1 else AllOf(inner)
        return Test(condition, reason, absent)
    if len(item) != 1:
        raise ExpressionError(f"无法理解的条件键：{', '.join(item)}（可用：any、all、not、test、in_population）", next(iter(item)))
    (key, value), = item.items()
    if key == "in_population":
        if not isinstance(value, str) or not value:
            raise ExpressionError("in_population 后面应是一个人群的名称", str(value))
        return InPopulation(value)
    if key == "any":
        return AnyOf(parse_where(value, reasons=False))
    if key == "all":
        return AllOf(parse_where(value, reasons=False))
    if key == "not":
        inner = parse_where(value, reasons=False)
        return Not(inner[0] if len(inner) == 1 else AllOf(inner))
    raise ExpressionError(f"未知的条件键「{key}」（可用：any、all、not、test、in_population）", key)


class _WhereMixin:
    @field_validator("where", "having", "test", "check", mode="before", check_fields=False)
    @classmethod
    def _parse(cls, value: Any) -> tuple:
        try:
            return parse_where(value)
        except ExpressionError as error:
            text = f"{error.message}〔{error.token}〕" if error.token else error.message
            raise ValueError(f"{ITEM_MARK}{error.index}{ITEM_MARK}{text}" if error.index is not None else text) from None


class Derive(Strict):
    """A per-person aggregate over the qualifying rows: the smallest (`min`, or `earliest` for a
    date) or largest (`max`, `latest`) value of a field, or the `sum` or `mean` of a number field
    (DHIS2's d2:sum and AVERAGE), blanks left out — or, with `blank`, a blank counting as that number
    (SQL's MAX(COALESCE(field, blank)); numbers only). A person whose qualifying rows are all blank
    in the field has none (a sum of nothing is blank, not 0). `longest_gap` of a date field: the most
    days between two consecutive of the person's distinct dates (随访间隔; SQL's MAX(date - LAG(date))
    over the person's rows by date); a person with fewer than two dates has none."""

    earliest: str | None = None
    latest: str | None = None
    min: str | None = None
    max: str | None = None
    sum: str | None = None
    mean: str | None = None
    longest_gap: str | None = None
    blank: float | None = None

    @model_validator(mode="after")
    def _one(self) -> "Derive":
        if len([value for value in self._given() if value is not None]) != 1:
            raise ValueError("derive 的每一项应写 earliest、latest、min、max、sum、mean 或 longest_gap: 字段 之一")
        return self

    def _given(self) -> tuple:
        return (self.earliest, self.latest, self.min, self.max, self.sum, self.mean, self.longest_gap)

    @property
    def field(self) -> str:
        return next(value for value in self._given() if value is not None)

    @property
    def smallest(self) -> bool:
        return self.earliest is not None or self.min is not None

    @property
    def aggregate(self) -> str:
        """The pandas aggregate: min, max, sum or mean; or longest_gap (populations.py)."""
        if self.sum is not None:
            return "sum"
        if self.mean is not None:
            return "mean"
        if self.longest_gap is not None:
            return "longest_gap"
        return "min" if self.smallest else "max"


# A field named `register` shadows ABCMeta.register on the model class, which pydantic warns about;
# the YAML key is the natural word, and nothing calls the class method.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class PopulationSource(_WhereMixin, Strict):
    """Persons of one register: row filters (`where`), per-person aggregates, person filters."""

    register: str
    where: tuple = ()
    derive: dict[str, Derive] = Field(default_factory=dict)
    having: tuple = ()
    latest_by: str | None = None  # station/team etc. come from the row with the latest of this field
    #: where that row is looked for: among the qualifying rows (a person: registers.md), or — for a
    #: station and team only — among every row of the unit (services.md: a delivery, card or record
    #: belongs to the 所属站点 of its row with the latest date, whichever period is counted)
    groups_from: Literal["qualifying_rows", "every_row"] = "qualifying_rows"


class Population(PopulationSource):
    name: str | None = None
    fallback: PopulationSource | None = None  # used when `register` is absent from the data folder


class Union(_WhereMixin, Strict):
    """The persons of several named populations, each person once (the first population's row)."""

    union: tuple[str, ...]
    name: str | None = None
    having: tuple = ()

    @property
    def register(self) -> str:
        return ""


class Figure(Strict):
    """An official figure from chsc.yaml, or the product of two, rounded up."""

    multiply: tuple[str, ...]
    round: Literal["up"] = "up"


class Sum(Strict):
    """A denominator that sums a field over its units: each unit's largest value among its rows
    (`per_unit: largest`), a blank counting as `blank`."""

    field: str
    per_unit: Literal["largest"] = "largest"
    blank: int = 0


class Denominator(_WhereMixin, Strict):
    figure: str | Figure | None = None
    population: str | Population | Union | None = None
    having: tuple = ()
    sum: Sum | None = None

    @property
    def figure_names(self) -> tuple[str, ...]:
        """The chsc.yaml settings the figure reads (population.total, prevalence.diabetes …)."""
        if self.figure is None:
            return ()
        return (self.figure,) if isinstance(self.figure, str) else self.figure.multiply

    @model_validator(mode="after")
    def _something(self) -> "Denominator":
        if self.figure is None and self.population is None:
            raise ValueError("denominator 需要 figure（chsc.yaml 中的数字）或 population（名册人群），或两者")
        return self


class _EventRows(_WhereMixin, Strict):
    """A register's rows of a person in a window that pass `where`: what every event item reads."""
    register: str
    date: str
    within: Window = "period"
    where: tuple = ()  # which rows are eligible


class EventCondition(_EventRows):
    test: tuple = ()  # the judgement, with reasons
    none: str | None = None  # reason when a person has no eligible row


class CountCondition(_EventRows):
    #: a count judges no row and has no `none` (its reason says a count of 0): not keys of its own, so
    #: that a `test:` copied from an exists is refused, not ignored; the steps read them as empty
    test: ClassVar[tuple] = ()
    none: ClassVar[str | None] = None
    at_least: int | str = 1  # a number, a $parameter, "quarters", or a value of person fields
    #: an upper bound (a number or a $parameter): `at_most: 0` is "no such row in the window" (CQL's
    #: `not exists`, DHIS2's d2:count(...) == 0); with it and no `at_least`, at_least is 0
    at_most: int | str | None = None
    quarters_from: str | None = None  # person field: count quarters from its quarter when inside the period
    per_quarter: bool | str = False  # count distinct quarters with a visit instead of visits
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_floor_with_a_ceiling(cls, data: Any) -> Any:
        if isinstance(data, dict):
            # a count counts the rows passing `where`: a `test` (copied from an exists) was ignored
            # and a `none` never said (a person without a row has a count of 0, said by `reason`)
            if "test" in data:
                raise ValueError("count 没有 test：要数的行的条件请写在 where 里（count 数的是通过 where 的行的不同日期）")
            if "none" in data:
                raise ValueError("count 没有 none：没有一行的人也由 reason 说明（其中 {count} 为 0）")
        if isinstance(data, dict) and data.get("at_most") is not None and "at_least" not in data:
            return {**data, "at_least": 0}
        return data


class PickCondition(EventCondition):
    #: Same-day tie-break: the highest of these wins. A field, or `{field: [words]}`: the row whose
    #: value comes later in the list wins (病情: [稳定, 基本稳定, 不稳定] — the least favourable).
    order: tuple[str | dict[str, tuple[str, ...]], ...] = ()


class Requirement(_WhereMixin, Strict):
    exists: EventCondition | None = None
    count: CountCondition | None = None
    latest: PickCondition | None = None
    first: PickCondition | None = None
    check: tuple = ()
    any: tuple["Requirement", ...] | None = None  # passes when one of these does
    all: tuple["Requirement", ...] | None = None  # passes when every one of these does
    reason: str | None = None  # for any: the reason when none passes (else the first one's)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Requirement":
        given = [k for k in ("exists", "count", "latest", "first", "any", "all") if getattr(self, k) is not None]
        if len(given) + bool(self.check) != 1:
            raise ValueError("require 的每一项应恰好是 exists、count、latest、first、check、any、all 之一")
        return self

    @property
    def kind(self) -> str:
        for key in ("exists", "count", "latest", "first", "any", "all"):
            if getattr(self, key) is not None:
                return key
        return "check"

    @property
    def event(self) -> EventCondition | CountCondition | None:
        return self.exists or self.count or self.latest or self.first


Requirement.model_rebuild()


class Numerator(_WhereMixin, Strict):
    population: str | Population | Union | None = None
    having: tuple = ()
    require: tuple[Requirement, ...] = ()


class GapColumns(Strict):
    """What a record indicator's gap list shows of each record not counted: register fields (a card:
    卡片编号, 疾病名称, 诊断时间, 报告时间) and how late it was (`late: [from, to]`)."""

    columns: tuple[str, ...] = ()
    late: tuple[str, str] | None = None


class Indicator(Strict):
    id: str
    name: str = Field(min_length=1, pattern=r"\S")  # shown in every table: never blank
    order: int = 1000  # position in tables and reports (lower first)
    category: str = Field(min_length=1, pattern=r"\S")
    definition: str
    registers: tuple[str, ...]
    target: Decimal  # a rate in [0, 1]; for unit count, a whole number per year
    comparison: Literal[">="] = ">="
    #: What is counted: person (the register's person key), record (a row, or the rows sharing
    #: `key`), delivery (the rows sharing `key`, e.g. [id_number, delivery_date]) or count (records
    #: passing, against a minimum per year; no denominator).
    unit: Literal["person", "record", "delivery", "count"] = "person"
    key: tuple[str, ...] = ()
    per_year_station: int | None = None  # count: a station's minimum per year
    #: The word tables, sentences and gaps count the unit in: 人 (persons, deliveries), 例 (cards),
    #: 条 (clues), 次 (counts). Blank: 人, or 次 for unit count.
    unit_word: str = "人"
    gaps: GapColumns | None = None  # record units: the fields their gap list shows
    parameters: dict[str, Any] = Field(default_factory=dict)
    denominator: Denominator | None = None
    numerator: Numerator

    @model_validator(mode="before")
    @classmethod
    def _count_target(cls, data: Any) -> Any:
        """A count indicator's target is a whole number per year, not a rate."""
        if isinstance(data, dict) and data.get("unit") == "count" and "unit_word" not in data:
            data = {**data, "unit_word": "次"}
        if isinstance(data, dict) and data.get("unit") == "count" and "target" in data:
            target = data["target"]
            if isinstance(target, bool) or not isinstance(target, int) or target < 0:
                raise ValueError(about("target", f"计次指标（unit: count）的 target 应为每年的最少次数（整数），而不是「{target}」"))
            data = {**data, "target": f"count:{target}"}
        return data

    @model_validator(mode="after")
    def _unit(self) -> "Indicator":
        if self.unit != "count" and self.denominator is None:
            raise ValueError("缺少必需的键「denominator」（只有 unit: count 的指标没有分母）")
        if self.unit == "delivery" and not self.key:
            raise ValueError(about("unit", "unit: delivery 需要 key（哪些字段相同算一个单位，如 [id_number, delivery_date]）"))
        if self.unit == "person" and self.key:
            raise ValueError(about("key", "key 只用于 unit: record / delivery / count"))
        if self.unit == "count" and self.denominator is not None:  # it was silently left unused
            raise ValueError(about("denominator", "unit: count 的指标没有分母（它数 numerator 中的记录有多少条）：请删去 denominator，"
                                                  "或改用 unit: record / person 算一个比率"))
        if self.unit != "count" and self.per_year_station is not None:
            raise ValueError(about("per_year_station", "per_year_station（站点每年的最少次数）只用于 unit: count 的指标"))
        if not self.unit_word.strip() or len(self.unit_word.strip()) > 2:
            raise ValueError(about("unit_word", f"unit_word 应为一个计量词（人、例、条、次），而不是「{self.unit_word}」"))
        return self

    @field_validator("definition")
    @classmethod
    def _join_lines(cls, text: str) -> str:
        """YAML folds line breaks into spaces; Chinese text has none between characters."""
        return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text.strip())

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> Decimal:
        return parse_target(value)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value.replace("_", "").isalnum() or not value.isascii():
            raise ValueError("id 只能由英文字母、数字和下划线组成")
        return value


def parse_target(value: Any) -> Decimal:
    """0.9, "0.9" or "90%" -> Decimal('0.9'), in [0, 1] (a count's "count:12" -> Decimal(12))."""
    text = str(value).strip()
    if text.startswith("count:"):
        return Decimal(text[6:])
    try:
        number = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except Exception:
        raise ValueError(f"目标值「{value}」应为 0 到 1 之间的小数或百分数，如 0.9 或 90%") from None
    if not (0 <= number <= 1):
        raise ValueError(f"目标值「{value}」应在 0 到 1（0% 到 100%）之间")
    return number.normalize() if number != 0 else Decimal(0)


class PopulationFile(Strict):
    populations: dict[str, Population | Union]


class CategoryFile(Strict):
    """`categories.yaml`: the service categories in the order reports give them sections."""

    categories: tuple[str, ...]


class ParameterFile(Strict):
    """`parameters.yaml`: values and value sets every indicator reads as $name (an indicator's own
    parameter of the same name wins)."""

    parameters: dict[str, Any]
