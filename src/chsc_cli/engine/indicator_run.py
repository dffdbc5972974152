"""Evaluating one indicator: population -> candidates -> requirements -> numerator, denominator
(compute.py runs the library's over the registers).

Nothing here knows any indicator by name: every rule is in the YAML library.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..config import CentreConfig
from ..periods import Period
from ..problems import Problem
from ..registers import KINDS
from .conditions import Evaluator, absent_registers
from .engine_input import EngineData, Members, PartKeys, part_values
from .evaluation import Context, cannot_pass, fields_read, order_fields, required_fields
from .figures import figures_for, reference_date, resolve_figure
from .groups import grouped_frame, reads_group_fields
from .library import Library
from .model import Indicator, Union
from .notices import completeness_unchecked, not_in_roster, rows_in_period
from .populations import PersonSet, QualifyingRows, all_of, apply_having, build_population
from .reasons import join_reasons
from .results import Evaluation, IndicatorResult, prorated


class NotComputable(Exception):
    """The indicator lacks a register, a column or a setting; `reason` says which, in Chinese."""

    def __init__(self, reason: str, figure_helps: bool = True):
        super().__init__(reason)
        self.reason = reason
        #: False when a chsc.yaml figure for the denominator would not make it computable (the
        #: numerator lacks a column): the reason then names only what is missing
        self.figure_helps = figure_helps


def _title(kind: str) -> str:
    return f"{KINDS[kind].title}（{kind}）"


class IndicatorRun:
    """One indicator for one period."""

    def __init__(self, indicator: Indicator, library: Library, data: EngineData, period: Period,
                 settings: CentreConfig, reasons: bool, groups: bool = True):
        if indicator.unit != "person":  # records, or rows sharing the indicator's key, are the units
            data = data.units(indicator.key, indicator.registers)
        self.indicator, self.library, self.data, self.period = indicator, library, data, period
        self.settings = settings
        self.reference = reference_date(period, settings)
        self.context = Context(period.start, period.end, library.parameters_of(indicator), self._members)
        self.evaluator = Evaluator(indicator, data, self.context, period, self.reference, reasons)
        self.steps: list[tuple[str, int | None]] = []
        self.weights = None  # each unit's share of a summed denominator
        # station, team, name and phone filled in (groups.py) for gaps, --by, or a rule reading them
        self.grouped = reasons or groups or reads_group_fields(indicator)
        #: whether the per-person table is kept (compute_indicators drops it without reasons or groups):
        #: without it the numerator is counted alone, no table or reason column assembled
        self.keep_persons = reasons or groups
        self.warnings: list[Problem] = []

    def _frame(self, persons: PersonSet) -> pd.DataFrame:
        return grouped_frame(persons, self.data) if self.grouped else persons.frame

    def _members(self, name: str) -> pd.Index | Members | PartKeys:
        """The keys of the persons of a named population (`in_population:`); an absent register
        adds nobody. A population keyed by fewer fields than the units (a mother's, tested by her
        deliveries) gives the values of the key fields its register holds (`PartKeys`), as an event
        register's rows find their units (engine_input.shared_parts)."""
        persons = build_population(self.library.population(name), self.data, self.context, self.reference, self.library)
        if persons is None:
            return pd.Index([])
        parts = self.data.shared_parts(persons.register)
        if parts is not None:
            return PartKeys(parts, pd.Index(part_values(persons.frame, parts).dropna().unique(), dtype=object))
        return Members(persons.frame.index, self.data)

    def target(self) -> Decimal:
        target = self.settings.targets.get(self.indicator.id, self.indicator.target)
        if self.indicator.unit == "count":  # a minimum per year, pro-rated to the period
            return Decimal(prorated(target, self.period.start, self.period.end))
        return target

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
            unit=self.indicator.unit,
            unit_word=self.indicator.unit_word,
            per_year=self.settings.targets.get(self.indicator.id, self.indicator.target) if self.indicator.unit == "count" else None,
        )

    def _absent(self, register: str) -> str:
        """An absent register's name; one whose sheets hold headers alone says so (a blank template)."""
        read = self.data.base.read if self.data.base is not None else self.data.read
        return _title(register) + ("（只有表头，没有数据行）" if register in read.tables else "")

    def run(self) -> Evaluation:
        try:
            return self._run()
        except NotComputable as missing:
            return Evaluation(self.result(None, None, None, missing.reason), steps=self.steps)

    def _population(self, reference) -> PersonSet:
        population = self.library.population(reference)
        persons = build_population(population, self.data, self.context, self.reference, self.library)
        if persons is None:
            if isinstance(population, Union):
                names = [self.library.population(name) for name in population.union]
                raise NotComputable(f"缺少登记表：{' 或 '.join(self._absent(p.register) for p in names)}")
            needed = self._absent(population.register)
            if population.fallback is not None:
                needed += f" 或 {self._absent(population.fallback.register)}"
            raise NotComputable(f"缺少登记表：{needed}")
        if not isinstance(population, Union):
            fell_back = population.fallback is not None and persons.register != population.register
            self._require_columns(persons.register, population.fallback if fell_back else population)
        return persons

    def _require_columns(self, register: str, source) -> None:
        nodes = tuple(source.where) + tuple(source.having)
        self._columns_present(register, nodes)

    def _columns_present(self, register: str, nodes: tuple, extra: tuple[str, ...] = (), numerator: bool = False) -> None:
        present = self.data.present_fields(register) | {"birth", "age", "first_birthday", "days_after_birth"}
        needed = required_fields(nodes) | set(extra)
        kind = KINDS[register]
        # a lookup's field (series) is missing when its column is: that column is named
        known = {f: kind.source_column(f).header for f in (*kind.fields, *kind.derived_fields)}
        missing = [f for f in sorted(needed - present - {"_key"}) if f in known]
        if not missing:  # no one column is needed alone, but together the absent ones may be
            absent = {f for f in fields_read(nodes) - present if f in known}
            if absent and cannot_pass(nodes, absent):
                for field in sorted(absent):  # name only the columns it cannot do without
                    if cannot_pass(nodes, absent - {field}):
                        absent.discard(field)
                missing = sorted(absent)
        if missing:
            columns = "、".join(f"「{known[f]}」" for f in missing)
            raise NotComputable(f"{_title(register)}缺少{columns}列", figure_helps=not numerator)

    def _run(self) -> Evaluation:
        denominator_spec, numerator_spec = self.indicator.denominator, self.indicator.numerator
        absent = absent_registers(numerator_spec.require, self.data)
        if absent:
            raise NotComputable(f"缺少登记表：{' 或 '.join(self._absent(r) for r in dict.fromkeys(absent))}")
        if self.indicator.unit == "count":
            return self._counted()
        figure_value, missing_settings = None, []
        if denominator_spec.figure is not None:
            figures = figures_for(self.period, self.settings)
            figure_value, missing_settings = resolve_figure(denominator_spec.figure, figures, self.settings)
        if figure_value is not None:
            return self._figure_based(figure_value)
        if denominator_spec.population is not None:
            try:
                return self._roster_based()
            except NotComputable as missing:
                if missing_settings and missing.figure_helps:  # say both ways the centre can make it computable
                    raise NotComputable(f"chsc.yaml 缺少 {'、'.join(missing_settings)}，且{missing.reason}") from None
                raise
        raise NotComputable(f"chsc.yaml 缺少 {'、'.join(missing_settings)}")

    def _roster_based(self) -> Evaluation:
        spec = self.indicator
        persons = self._population(spec.denominator.population)
        population = apply_having(persons, spec.denominator.having, self.context)
        self._population_steps(persons, population)
        frame = self._frame(population)
        eligible = all_of(spec.numerator.having, frame, self.context) if spec.numerator.having else None
        if eligible is not None:  # (活产数 > 0: part of the fall to the numerator, said)
            self.steps.append((f"分母中符合分子人群条件的{self._counted_noun()}{_texts(spec.numerator.having)}",
                               int(np.count_nonzero(eligible))))
        roster = persons.register if persons.source == "roster" else None
        denominator = len(frame)
        if spec.denominator.sum is not None:
            denominator = self._summed(population, frame)
        return self._numerator(frame, population, eligible, denominator, persons.source, roster, counted=False)

    def _summed(self, population: PersonSet, frame: pd.DataFrame) -> int:
        """The denominator as the sum of a field over the units: each unit's largest value among its
        qualifying rows, a blank counting as the given number."""
        spec = self.indicator.denominator.sum
        per_unit = self._unit_weights(population, frame)
        if per_unit is None:
            return int(len(frame) * spec.blank)
        total = int(per_unit.sum())
        register = population.register
        header = KINDS[register].column(spec.field).header if spec.field in KINDS[register].fields else spec.field
        each = _UNIT_EACH.get(self.indicator.unit, "每个单位")
        self.steps.append((f"分母：{header}之和（{each}取其各行中最大的{header}，空白按 {spec.blank:g}）", total))
        return total

    def _unit_weights(self, population: PersonSet, frame: pd.DataFrame) -> pd.Series | None:
        """Each unit's share of a summed denominator (`self.weights`): the largest value of the field
        among its rows, a blank counting as the given number; None when the register lacks the field."""
        spec = self.indicator.denominator.sum
        rows = population.rows if population.rows is not None else population.frame
        if spec.field not in rows.columns:
            return None
        # a blank row counts as `blank` before the largest is taken (rows 0 and blank: 1, not 0)
        values = pd.to_numeric(rows[spec.field], errors="coerce").fillna(spec.blank).groupby(pd.Index(rows["_key"].to_numpy(), dtype=object)).max()  # object: see populations
        per_unit = values.reindex(frame.index).fillna(spec.blank)
        self.weights = per_unit.to_numpy(dtype=float)
        return per_unit

    def _counted(self) -> Evaluation:
        """A count: the records of the population passing the requirements, against a minimum."""
        spec = self.indicator
        reference = spec.numerator.population or (spec.denominator.population if spec.denominator else None)
        if reference is None:
            raise NotComputable("指标定义缺少分子人群（numerator.population）")
        persons = self._population(reference)
        population = apply_having(persons, spec.numerator.having, self.context)
        self.steps.append((f"{KINDS[population.register].title}：符合条件的记录数", len(population.frame)))
        frame = self._frame(population)
        evaluation = self._numerator(frame, population, None, None, None, None, counted=True)
        return evaluation

    def _figure_based(self, figure: int) -> Evaluation:
        spec = self.indicator
        reference = spec.numerator.population or spec.denominator.population
        if reference is None:
            raise NotComputable("指标定义缺少分子人群（numerator.population）")
        pool = apply_having(self._population(reference), spec.numerator.having, self.context)
        if spec.numerator.population is None:
            pool = apply_having(pool, spec.denominator.having, self.context)
        self.steps.append((f"分母：chsc.yaml 中的 {self._figure_text()}", figure))
        self.steps.append((f"{KINDS[pool.register].title}：可计入分子的{self._counted_noun()}", len(pool.frame)))
        frame = self._frame(pool)
        roster = self._roster_population() if self.evaluator.want_reasons else None
        rows, index = pool.rows, None
        in_pool = listed = np.ones(len(frame), dtype=bool)
        if roster is not None:  # the roster's people are listed too (gaps), the pool alone counts
            frame, rows, in_pool, listed, index = self._with_roster(pool, frame, roster)
        scope = PersonSet(frame, pool.register, "config", 0, 0, 0, rows=rows)
        if spec.denominator is not None and spec.denominator.sum is not None and roster is not None:
            self._unit_weights(scope, frame)  # what each listed unit would add (gaps: a stillbirth adds none)
        evaluation = self._numerator(frame, scope, in_pool, figure, "config", self._roster_register(), counted=True)
        if evaluation.persons is None:  # not kept (compute_indicators)
            return evaluation
        evaluation.persons["in_denominator"] = listed
        if index is not None:
            evaluation.persons.index = index
        return evaluation

    def _with_roster(self, pool: PersonSet, frame: pd.DataFrame, roster: PersonSet):
        """The pool's persons (`frame`) followed by the roster's persons missing from it: (frame, their
        qualifying rows, in the pool, in the roster, the index concat gives their keys)."""
        if roster.frame is pool.frame:  # the pool is the roster: nobody to add
            extra, listed = frame.iloc[:0], np.ones(len(frame), dtype=bool)
        else:
            extra = self._frame(roster).loc[~roster.frame.index.isin(frame.index)]
            listed = np.concatenate([pool.frame.index.isin(roster.frame.index), np.ones(len(extra), dtype=bool)])
        in_pool = np.concatenate([np.ones(len(frame), dtype=bool), np.zeros(len(extra), dtype=bool)])
        index = frame.index.append(extra.index)  # pandas 3 makes a str index of the keys
        rows = pool.rows
        if len(extra) or not frame.dtypes.equals(extra.dtypes):  # else concat would copy `frame` as it is
            frame = pd.concat([frame, extra])
            frame.index = pd.Index(np.concatenate([pool.frame.index, extra.index]), dtype=object)  # fast to match
            if roster.register == pool.register:
                added = roster.rows.frame()
                rows = QualifyingRows(pd.concat([pool.rows.frame(), added.loc[added["_key"].isin(extra.index)]]))
        return frame, rows, in_pool, listed, index

    def _roster_register(self) -> str | None:
        """The denominator population's roster, when the folder has it: event-register persons
        missing from it are reported as not-in-roster (computed with or without reasons)."""
        reference = self.indicator.denominator.population
        if reference is None:
            return None
        register = self.library.population(reference).register
        return register if self.data.has(register) and KINDS[register].roster else None

    def _roster_population(self) -> PersonSet | None:
        """The denominator's roster population, when the folder has its register (for gaps)."""
        reference = self.indicator.denominator.population
        if reference is None:
            return None
        population = self.library.population(reference)
        if not self.data.has(population.register):
            return None
        persons = build_population(population, self.data, self.context, self.reference, self.library)
        return apply_having(persons, self.indicator.denominator.having, self.context)

    def _figure_text(self) -> str:
        figure = self.indicator.denominator.figure
        return figure if isinstance(figure, str) else " × ".join(figure.multiply) + "（向上取整）"

    def _counted_noun(self) -> str:
        """人数, or 分娩数 / 记录数 for the other units (explain's steps)."""
        return _UNIT_NOUNS.get(self.indicator.unit, "人数")

    def _population_steps(self, persons: PersonSet, population: PersonSet) -> None:
        title = KINDS[persons.register].title
        left_out = self.data.rows_without_key(persons.register) if len(self.indicator.key) > 1 else 0
        if left_out:  # a unit of several fields: rows missing one (not yet delivered) are no unit
            kind = KINDS[persons.register]
            headers = "或".join(f"「{kind.column(field).header}」" for field in self.indicator.key if field in kind.fields)
            self.steps += [
                (f"{title}：读入行数", persons.rows_read + left_out),
                (f"其中{headers}为空的行（不计）", left_out),
            ]
        else:
            self.steps.append((f"{title}：读入行数（有身份标识）", persons.rows_read))
        self.steps += [
            (f"{title}：{self._counted_noun()}", persons.persons_read),
            (f"其中符合人群条件的{self._counted_noun()}", persons.qualifying_persons),
            (f"分母：再按本指标条件筛选后的{self._counted_noun()}", len(population.frame)),
        ]
        if population.no_birth_date:
            message = f"{population.no_birth_date} 人没有可用的出生日期，未计入按年龄筛选的人群"
            self.warnings.append(Problem("no-birth-date", message, count=population.no_birth_date))

    def _numerator(self, frame, population, eligible, denominator, source, roster_register, counted) -> Evaluation:
        """Evaluate the requirements on `frame` (the persons of `population`); `eligible` (None:
        everyone) may count."""
        # numpy booleans in the frame's row order (each outcome is on `frame`'s own index)
        passed = np.ones(len(frame), dtype=bool) if eligible is None else np.array(eligible, dtype=bool)
        # without a kept table no reason is written (the evaluator's are all None): none is joined
        reasons = pd.Series(None, index=frame.index, dtype=object) if self.keep_persons else None
        several = len(self.indicator.numerator.require) > 1
        for number, item in enumerate(self.indicator.numerator.require, start=1):
            event = item.event
            if event is not None:
                self._columns_present(event.register, event.where + event.test, (event.date, *order_fields(event)), numerator=True)
            else:
                self._columns_present(population.register, item.check, numerator=True)
            outcome = self.evaluator.evaluate(item, frame, population.rows)
            met = _on_rows_of(outcome.passed, frame)
            passed &= met
            if reasons is not None:
                reasons = join_reasons(reasons, outcome.reasons)
            noun = self._counted_noun()
            text = _texts(item.event.where if event is not None else item.check)
            which = f"（分子第{number}项条件{text}）" if several else ""  # five vaccine series told apart
            if event is not None:
                title = KINDS[event.register].title
                self.steps.append((f"{title}：窗口内有符合条件记录的{noun}{which}", outcome.eligible_persons))
                self._event_warnings(event, roster_register, counted)
            # the item's own tests (a visit's content, a reading under control, a count of visits):
            # without this step the fall from the rows found to the numerator went unexplained
            said = f"满足分子第{number}项条件的{noun}{text and f'（{text[1:]}）'}" if several else f"满足分子条件的{noun}"
            self.steps.append((said, int(np.count_nonzero(met))))
        numerator = int(np.count_nonzero(passed))
        self.steps.append(("分子", numerator))
        if reasons is None:
            return Evaluation(self.result(numerator, denominator, source), None, self.steps, self.warnings)
        if eligible is not None:  # said only when no requirement explains it already
            unexplained = ~np.asarray(eligible, dtype=bool) & reasons.isna().to_numpy()
            reasons[unexplained] = "不符合本指标分子的人群条件"
        persons = frame.assign(in_numerator=passed, in_denominator=True, reason=reasons.where(~passed, None))
        if self.weights is not None:
            persons["_weight"] = self.weights
        return Evaluation(self.result(numerator, denominator, source), persons, self.steps, self.warnings)

    def _event_warnings(self, event, roster_register: str | None, counted: bool) -> None:
        """Memoised: indicators reading the same register in the same period share them."""
        window = (event.register, event.date, self.period.start, self.period.end)
        rows = self.data.remember(
            ("rows-in-period", *window), lambda: rows_in_period(self.data, event.register, event.date, self.period)
        )
        if roster_register is not None and roster_register != event.register:
            self.warnings += self.data.remember(
                ("not-in-roster", *window, roster_register, counted),
                lambda: not_in_roster(self.data, rows, event.register, roster_register, counted),
            )
        nodes = event.where + event.test
        self.warnings += self.data.remember(
            ("completeness-unchecked", *window, nodes), lambda: completeness_unchecked(rows, event.register, nodes)
        )


def _texts(nodes) -> str:
    """Conditions as written in the library (`series has BCG`), after a colon; empty for none
    written as text (any:, all:, or none at all)."""
    texts = [getattr(getattr(node, "condition", node), "text", None) for node in nodes]
    texts = [text for text in texts if text]
    return "：" + "，".join(texts) if texts else ""


def _on_rows_of(passed: pd.Series, frame: pd.DataFrame) -> np.ndarray:
    """An outcome's booleans in `frame`'s row order: as they are when they stand on its very index
    (every outcome the evaluator gives), else aligned by label as `Series &=` aligns them."""
    if passed.index is frame.index:
        return passed.to_numpy(dtype=bool)
    aligned = pd.Series(True, index=frame.index, dtype=bool)
    aligned &= passed  # (in place: back on `frame`'s labels in its order; `&` alone gives the union, sorted)
    return aligned.to_numpy(dtype=bool)


#: What explain's steps count, per unit (services.md: deliveries are counted, live births summed).
_UNIT_NOUNS = {"person": "人数", "delivery": "分娩数", "record": "记录数"}
_UNIT_EACH = {"person": "每人", "delivery": "每次分娩", "record": "每条记录"}
