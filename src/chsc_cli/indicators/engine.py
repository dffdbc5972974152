"""Evaluating indicators: population -> candidates -> requirements -> numerator, denominator.

Nothing here knows any indicator by name: every rule is in the YAML library.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from ..config import CentreConfig, Population as Figures
from ..periods import Period
from ..problems import Problem
from ..registers import KINDS, ReadResult
from .conditions import Evaluator
from .data import EngineData
from .expressions import Context, Test, fields_of, required_fields
from .library import Library
from .model import Figure, Indicator
from .populations import PersonSet, apply_having, build_population
from .results import ComputeResult, Evaluation, IndicatorResult, ceil_decimal, group_problems

UNFILLED = "未填"


class NotComputable(Exception):
    """The indicator lacks a register, a column or a setting; `reason` says which, in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reference_date(period: Period, settings: CentreConfig) -> dt.date:
    return period.start if settings.reference_date == "period_start" else period.end


def figures_for(period: Period, settings: CentreConfig) -> Figures | None:
    """population_by_year for the period's year when given, else population."""
    year = period.start.year
    if year == period.end.year and year in settings.population_by_year:
        return settings.population_by_year[year]
    return settings.population


def resolve_figure(figure: str | Figure, figures: Figures | None, settings: CentreConfig) -> tuple[int | None, list[str]]:
    """(value, names of missing settings)."""
    names = (figure,) if isinstance(figure, str) else figure.multiply
    values, missing = [], []
    for name in names:
        section, _, key = name.partition(".")
        holder = figures if section == "population" else getattr(settings, section, None)
        value = getattr(holder, key, None) if holder is not None else None
        if value is None:
            missing.append(name)
        else:
            values.append(Decimal(value))
    if missing:
        return None, missing
    product = Decimal(1)
    for value in values:
        product *= value
    return ceil_decimal(product), []


def _title(kind: str) -> str:
    return f"{KINDS[kind].title}（{kind}）"


class IndicatorRun:
    """One indicator for one period."""

    def __init__(self, indicator: Indicator, library: Library, data: EngineData, period: Period,
                 settings: CentreConfig, reasons: bool):
        self.indicator, self.library, self.data, self.period = indicator, library, data, period
        self.settings = settings
        self.reference = reference_date(period, settings)
        self.context = Context(period.start, period.end, indicator.parameters)
        self.evaluator = Evaluator(indicator, data, self.context, period, self.reference, reasons)
        self.steps: list[tuple[str, int | None]] = []
        self.warnings: list[Problem] = []

    def target(self) -> Decimal:
        return self.settings.targets.get(self.indicator.id, self.indicator.target)

    def result(self, numerator, denominator, source, reason=None) -> IndicatorResult:
        return IndicatorResult(
            id=self.indicator.id,
            name=self.indicator.name,
            category=self.indicator.category,
            group=None,
            numerator=numerator,
            denominator=denominator,
            target=self.target(),
            comparison=self.indicator.comparison,
            denominator_source=source,
            reason=reason,
        )

    def run(self) -> Evaluation:
        try:
            return self._run()
        except NotComputable as missing:
            return Evaluation(self.result(None, None, None, missing.reason), steps=self.steps)

    def _population(self, reference) -> PersonSet:
        population = self.library.population(reference)
        persons = build_population(population, self.data, self.context, self.reference)
        if persons is None:
            needed = _title(population.register)
            if population.fallback is not None:
                needed += f" 或 {_title(population.fallback.register)}"
            raise NotComputable(f"缺少登记表：{needed}")
        self._require_columns(persons.register, population if persons.source == "roster" else population.fallback)
        return persons

    def _require_columns(self, register: str, source) -> None:
        nodes = tuple(source.where) + tuple(source.having)
        self._columns_present(register, nodes)

    def _columns_present(self, register: str, nodes: tuple, extra: tuple[str, ...] = ()) -> None:
        present = self.data.present_fields(register) | {"birth", "age", "first_birthday", "days_after_birth", "series"}
        needed = required_fields(nodes) | set(extra)
        missing = sorted(needed - present - {"_key"})
        kind = KINDS[register]
        known = {c.field: c.header for c in kind.columns}
        missing = [f for f in missing if f in known]
        if missing:
            columns = "、".join(f"「{known[f]}」" for f in missing)
            raise NotComputable(f"{_title(register)}缺少{columns}列")

    def _run(self) -> Evaluation:
        indicator = self.indicator
        denominator_spec, numerator_spec = indicator.denominator, indicator.numerator
        figure_value, missing_settings = (None, [])
        if denominator_spec.figure is not None:
            figure_value, missing_settings = resolve_figure(
                denominator_spec.figure, figures_for(self.period, self.settings), self.settings
            )
        for item in numerator_spec.require:
            if item.event is not None and not self.data.has(item.event.register):
                raise NotComputable(f"缺少登记表：{_title(item.event.register)}")
        self.roster_register = self._roster_register()
        if figure_value is not None:
            denominator, source = figure_value, "config"
            reference = numerator_spec.population or denominator_spec.population
            if reference is None:
                raise NotComputable("指标定义缺少分子人群（numerator.population）")
            candidates = apply_having(self._population(reference), numerator_spec.having, self.context)
            if numerator_spec.population is None:
                candidates = apply_having(candidates, denominator_spec.having, self.context)
            self.steps.append((f"分母：chsc.yaml 中的 {self._figure_text()}", denominator))
        elif denominator_spec.population is not None:
            persons = self._population(denominator_spec.population)
            population = apply_having(persons, denominator_spec.having, self.context)
            self._population_steps(persons, population)
            candidates = apply_having(population, numerator_spec.having, self.context)
            denominator, source = len(population.frame), persons.source
        else:
            raise NotComputable(f"chsc.yaml 缺少 {'、'.join(missing_settings)}")
        return self._numerator(candidates, denominator, source)

    def _roster_register(self) -> str | None:
        """The roster of the denominator's population, when the folder has it (for not-in-roster)."""
        reference = self.indicator.denominator.population
        if reference is None:
            return None
        register = self.library.population(reference).register
        return register if self.data.has(register) and KINDS[register].roster else None

    def _figure_text(self) -> str:
        figure = self.indicator.denominator.figure
        return figure if isinstance(figure, str) else " × ".join(figure.multiply) + "（向上取整）"

    def _population_steps(self, persons: PersonSet, population: PersonSet) -> None:
        title = KINDS[persons.register].title
        self.steps += [
            (f"{title}：读入行数（有身份标识）", persons.rows_read),
            (f"{title}：人数", persons.persons_read),
            ("符合人群条件的人数", persons.qualifying_persons),
            ("分母（人群中再按指标条件筛选）", len(population.frame)),
        ]
        if population.no_birth_date:
            self.warnings.append(
                Problem("no-birth-date", f"{population.no_birth_date} 人没有可用的出生日期，未计入按年龄筛选的人群", count=population.no_birth_date)
            )

    def _numerator(self, candidates: PersonSet, denominator: int, source: str) -> Evaluation:
        frame = candidates.frame
        passed = pd.Series(True, index=frame.index)
        reasons = pd.Series(None, index=frame.index, dtype=object)
        for item in self.indicator.numerator.require:
            if item.event is not None:
                self._columns_present(item.event.register, item.event.where + item.event.test,
                                      (item.event.date, *(getattr(item.event, "order", ()) or ())))
            outcome = self.evaluator.evaluate(item, frame)
            passed &= outcome.passed
            reasons = _join_reasons(reasons, outcome.reasons)
            if item.event is not None:
                self.steps.append((f"{KINDS[item.event.register].title}：统计期内有符合条件记录的人数", outcome.eligible_persons))
                self._event_warnings(item, counted=source == "config")
        numerator = int(passed.sum())
        self.steps.append(("分子", numerator))
        persons = frame.assign(in_numerator=passed.to_numpy(), reason=reasons.where(~passed, None))
        return Evaluation(self.result(numerator, denominator, source), persons, self.steps, self.warnings)

    def _event_warnings(self, item, counted: bool) -> None:
        """not-in-roster (persons of the event register absent from the roster) and completeness."""
        event = item.event
        roster_register = self.roster_register
        all_rows = self.data.table(event.register)
        dates = all_rows[event.date]
        in_period = all_rows.loc[((dates >= np.datetime64(self.period.start, "ns")) & (dates <= np.datetime64(self.period.end, "ns"))).to_numpy()]
        if roster_register is not None and roster_register != event.register and self.data.has(roster_register):
            roster_keys = self.data.table(roster_register)["_key"]
            outside = in_period.loc[~in_period["_key"].isin(roster_keys)].drop_duplicates("_key")
            verdict = "已计入分子" if counted else "未计入（分母来自名册，分子只计名册中的人）"
            for row in outside[["_file", "_sheet", "_row"]].itertuples(index=False):
                self.warnings.append(Problem(
                    "not-in-roster",
                    f"{KINDS[event.register].title}中有人员不在{KINDS[roster_register].title}中，{verdict}",
                    file=row._0, sheet=row._1, row=int(row._2), column="身份证号",
                ))
        for node in event.where + event.test:
            if isinstance(node, Test) and node.if_column_absent == "pass":
                lacking = in_period.loc[~in_period["_present"].map(lambda p, n=node: fields_of(n) <= set(p.split(",")))]
                for (file, sheet), _ in lacking.groupby(["_file", "_sheet"], dropna=False):
                    self.warnings.append(Problem(
                        "completeness-unchecked",
                        f"该表缺少「{'、'.join(KINDS[event.register].column(f).header for f in fields_of(node))}」列，无法检查完整性，按完整计",
                        file=file, sheet=sheet,
                    ))


def _join_reasons(left: pd.Series, right: pd.Series) -> pd.Series:
    both = left.notna() & right.notna()
    joined = left.where(left.notna(), right)
    joined[both] = left[both] + "；" + right[both]
    return joined


def compute_indicators(
    read: ReadResult | EngineData,
    period: Period,
    settings: CentreConfig,
    library: Library,
    *,
    only: list[str] | None = None,
    reasons: bool = True,
) -> ComputeResult:
    data = read if isinstance(read, EngineData) else EngineData.prepare(read)
    evaluations: dict[str, Evaluation] = {}
    problems: list[Problem] = [p for p in data.read.problems if p.level != "info"]
    for indicator_id, indicator in library.indicators.items():
        if only is not None and indicator_id not in only:
            continue
        evaluation = IndicatorRun(indicator, library, data, period, settings, reasons).run()
        evaluations[indicator_id] = evaluation
        problems += evaluation.warnings
    unique = list(dict.fromkeys(problems))
    return ComputeResult(
        centre=settings.centre,
        period=period,
        indicators=[e.result for e in evaluations.values()],
        evaluations=evaluations,
        warnings=group_problems(unique),
    )
