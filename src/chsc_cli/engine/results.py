"""What compute returns: one row per indicator (and group), exact shortfall arithmetic, and
warnings grouped by code and file/sheet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from ..periods import Period
from ..problems import PROBLEM_LEVELS, Problem

MAX_EXAMPLE_ROWS = 20
PERIOD_WITHOUT_DATA = "period-without-data"  # the notice of indicators/activity.py
#: how the notice ends under the command line's figures, and in a document (where its figures come
#: before and after it: the note stands at the end)
PERIOD_ADVICE = "以下数字不反映该期间的工作；请检查统计期是否写对。"
PERIOD_ADVICE_IN_DOCUMENT = "文中这些指标的数字不反映该期间的工作；请检查统计期是否写对、该期间的登记表是否都已放入数据文件夹。"
DEFINITION_WARNING = "definition-warning"  # an indicator file's condition (library.py): each said apart


def ceil_decimal(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def shortfall(target: Decimal, numerator: int, denominator: int) -> int:
    """max(0, ceil(target × denominator) − numerator), exactly (0.9 × 1000 is 900, not 901)."""
    return max(0, ceil_decimal(target * denominator) - numerator)


def target_met(target: Decimal, numerator: int, denominator: int) -> bool:
    return Fraction(numerator, denominator) >= Fraction(target)


def months_covered(start, end) -> int:
    """Calendar months overlapping the period: 12 for a year, 6 for a half, 1 for a month."""
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def prorated(per_year: Decimal | int, start, end) -> int:
    """A yearly minimum for a period: ceil(per_year × months covered ÷ 12), exactly."""
    return ceil_decimal(Decimal(per_year) * months_covered(start, end) / 12)


@dataclass
class IndicatorResult:
    id: str
    name: str
    category: str
    group: dict | None
    numerator: int | None
    denominator: int | None
    target: Decimal | None  # None only for a count with no minimum (a station without per_year_station)
    comparison: str
    denominator_source: str | None
    reason: str | None = None
    note: str | None = None  # a qualification of a computable figure (a district total missing a centre)
    group_label: str | None = None  # what tables show for the group when its value is not enough
    #: person | record | delivery | count. A count has no denominator: its value is the number of
    #: records passing and its target the minimum for the period (pro-rated from the year's).
    unit: str = "person"
    #: the word its numbers are counted in (人, 例, 条, 次): the indicator file's `unit_word`
    unit_word: str = "人"
    #: a count's minimum for a whole year (chsc.yaml's target or the library's; a district: the sum
    #: of its centres'), of which `target` is the period's share; the 工作计划 plans the year with it
    per_year: Decimal | None = None

    @property
    def group_name(self) -> str | None:
        """The group as tables show it: `group_label` when set (a district's centre whose name
        repeats: 名称（文件夹）), else the group's value; None for the whole centre or district."""
        if self.group is None:
            return None
        return self.group_label or next(iter(self.group.values()))

    @property
    def is_count(self) -> bool:
        return self.unit == "count"

    @property
    def value(self) -> float | int | None:
        if self.is_count:
            return self.numerator
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def met(self) -> bool | None:
        if self.is_count:
            return None if self.numerator is None or self.target is None else self.numerator >= self.target
        if self.numerator is None or not self.denominator:
            return None
        return target_met(self.target, self.numerator, self.denominator)

    @property
    def shortfall(self) -> int | None:
        if self.is_count:
            return None if self.numerator is None or self.target is None else max(0, int(self.target) - self.numerator)
        if self.numerator is None or not self.denominator:
            return None
        return shortfall(self.target, self.numerator, self.denominator)

    def to_json(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "group": self.group,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "target": (None if self.target is None else int(self.target)) if self.is_count else float(self.target),
            "comparison": self.comparison,
            "met": self.met,
            "shortfall": self.shortfall,
            "denominator_source": self.denominator_source,
            # null when computed (services.md: a count row's `reason` = null), else why not
            "reason": self.reason,
        }
        if self.note is not None:
            data["note"] = self.note
        return data


@dataclass
class Evaluation:
    """Everything behind one indicator's number, for explain, gaps and --by."""

    result: IndicatorResult
    persons: pd.DataFrame | None = None  # candidates: index key; in_numerator, reason, station, team, ...
    steps: list[tuple[str, int | None]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class GroupedWarning:
    code: str
    message: str
    file: str | None
    sheet: str | None
    column: str | None
    count: int
    rows: list[int]

    @property
    def level(self) -> str:
        return PROBLEM_LEVELS[self.code]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "file": self.file,
            "sheet": self.sheet,
            "column": self.column,
            "count": self.count,
            "rows": self.rows,
        }


def group_problems(problems: list[Problem]) -> list[GroupedWarning]:
    """One entry per code and file/sheet: the first message, the count, up to 20 example rows."""
    groups: dict[tuple, list[Problem]] = defaultdict(list)
    for problem in problems:
        if problem.level == "info":
            continue
        apart = problem.message if problem.code == DEFINITION_WARNING else None  # a few, each its own
        groups[(problem.code, problem.file, problem.sheet, apart)].append(problem)
    grouped = []
    for (code, file, sheet, _), items in groups.items():
        rows = sorted({p.row for p in items if p.row is not None})[:MAX_EXAMPLE_ROWS]
        columns = {p.column for p in items}
        grouped.append(
            GroupedWarning(
                code=code,
                message=items[0].message if len(items) == 1 else f"{items[0].message}（等 {sum(p.count for p in items)} 处）",
                file=file,
                sheet=sheet,
                column=columns.pop() if len(columns) == 1 else None,
                count=sum(p.count for p in items),
                rows=rows,
            )
        )
    return grouped


@dataclass
class ComputeResult:
    centre: str | None
    period: Period
    indicators: list[IndicatorResult]
    evaluations: dict[str, Evaluation]
    warnings: list[GroupedWarning]

    #: what a file's row for the whole (the row with no group) is called
    total_label = "全中心"

    @property
    def period_notice(self) -> str | None:
        """The `period-without-data` notice (no register row dated in the period), said before the figures."""
        return next((w.message for w in self.warnings if w.code == PERIOD_WITHOUT_DATA), None)

    def figures_only(self) -> "ComputeResult":
        """The same result without the per-person tables of its evaluations: a district keeps each
        centre's figures, not its residents (memory stays flat however many centres there are)."""
        return replace(self, evaluations={})

    def to_json(self) -> dict[str, Any]:
        return {
            "centre": self.centre,
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "indicators": [row.to_json() for row in self.indicators],
            "warnings": [warning.to_json() for warning in self.warnings],
        }
