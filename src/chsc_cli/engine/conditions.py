"""Evaluating one `require` item for a set of persons, vectorised: group by person, no row loops.

Each evaluation returns, for every candidate person, whether they pass and (when asked) the reason
they fail, written from the templates in the indicator's file. The numerator and the gap list come
from this one evaluation, so a reason always matches the rule that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import Period, chinese_label
from .engine_input import EngineData, select
from .evaluation import Context, fields_of, order_fields
from .event_rows import PERSON, both, columns_read, event_rows, person_fields
from .expressions import parse_value
from .operands import resolve
from .model import CountCondition, EventCondition, Indicator, PickCondition, Requirement
from .populations import QualifyingRows, all_of
from .reasons import first_failed_reasons, join_reasons, render_rows
from .ties import pick_per_key


@dataclass
class Outcome:
    passed: pd.Series  # bool, index = person key (every candidate)
    reasons: pd.Series  # str or None, index = person key
    eligible_persons: int = 0  # persons with an eligible row in the window


def _quarter_number(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 4 + (dates.dt.month - 1) // 3


def absent_registers(require: tuple, data) -> list[str]:
    """The registers whose absence makes the requirements not computable: an event register, except
    inside `any:`, where an absent register's item simply fails as long as one item's registers are
    present (health_record_usage_rate: any of several registers)."""
    absent: list[str] = []
    for item in require:
        if item.kind == "any":
            parts = [absent_registers((part,), data) for part in item.any]
            if all(parts):
                absent += [r for part in parts for r in part]
        elif item.kind == "all":
            absent += absent_registers(item.all, data)
        elif item.event is not None and not data.has(item.event.register):
            absent.append(item.event.register)
    return absent


def _values(period: Period) -> dict:
    return {"period": chinese_label(period)}


class Evaluator:
    def __init__(self, indicator: Indicator, data: EngineData, context: Context, period: Period, reference, reasons: bool):
        self.indicator = indicator
        self.data = data
        self.context = context
        self.period = period
        self.reference = reference
        self.want_reasons = reasons

    def evaluate(self, item: Requirement, persons: pd.DataFrame, rows: QualifyingRows | None = None) -> Outcome:
        """`rows`: the persons' qualifying population rows; a `check` passes when any of them does."""
        if item.kind == "check":
            return self._check(item.check, persons, persons if rows is None else rows)
        if item.kind in ("any", "all"):
            return self._combined(item, persons, rows)
        event = item.event
        if not self.data.has(event.register):  # an absent register inside any: adds nobody
            return Outcome(pd.Series(False, index=persons.index), self._empty_reasons(persons))
        borrowed = person_fields(event, persons, self.data.table(event.register))
        key = ("event-rows", event.register, event.date, event.within, self.period.start, self.period.end, self.reference, borrowed)
        rows = self.data.remember_for(
            persons, key, lambda: event_rows(event, persons, self.data, self.period, self.reference, borrowed)
        )
        # the columns the step reads, beside its `where`: every column for reasons, which may quote any
        frame = rows.frame(None if self.want_reasons else both(columns_read(event.where), _step_columns(item, event)))
        eligible = frame.loc[all_of(event.where, frame, self.context)] if event.where else frame
        if item.kind == "exists":
            outcome = self._exists(item.exists, persons, eligible)
        elif item.kind == "count":
            outcome = self._count(item.count, persons, eligible)
        else:
            # tied rows are ranked on every column of theirs (ties.py): those are taken only for ties
            outcome = self._pick(item.latest or item.first, item.kind == "latest", persons, eligible, lambda: rows.frame())
        outcome.eligible_persons = int(np.count_nonzero(_persons_in(eligible, len(persons))))  # PERSON: positions
        return outcome

    def _combined(self, item: Requirement, persons: pd.DataFrame, rows: QualifyingRows | None) -> Outcome:
        """any: passes when one part does (the failing reason: the item's own, else the first
        part's that has one); all: when every part does (the reasons of the failed parts, joined)."""
        parts = [self.evaluate(part, persons, rows) for part in getattr(item, item.kind)]
        matrix = np.column_stack([part.passed.to_numpy(dtype=bool) for part in parts])
        passed = matrix.any(axis=1) if item.kind == "any" else matrix.all(axis=1)
        reasons = self._empty_reasons(persons)
        if self.want_reasons:
            if item.kind == "any":
                reasons = parts[0].reasons.copy()
                for part in parts[1:]:  # a part without a reason (a check of a $parameter) gives way to the next
                    unsaid = (reasons.isna() | (reasons == "")).to_numpy(dtype=bool)
                    reasons[unsaid] = part.reasons[unsaid]
                failing = np.flatnonzero(~passed)
                if item.reason and len(failing):
                    reasons.iloc[failing] = render_rows(item.reason, persons, failing, _values(self.period), context=self.context)
            else:
                for part in parts:
                    reasons = join_reasons(reasons, part.reasons)
            reasons[passed] = None
        outcome = Outcome(pd.Series(passed, index=persons.index), reasons)
        outcome.eligible_persons = max((part.eligible_persons for part in parts), default=0)
        return outcome

    def _empty_reasons(self, persons: pd.DataFrame) -> pd.Series:
        """No reason yet for anyone. Without reasons nothing writes into it: one serves every
        requirement evaluated on the same persons."""
        if self.want_reasons:
            return pd.Series(None, index=persons.index, dtype=object)
        return self.data.remember_for(persons, ("no-reasons",), lambda: pd.Series(None, index=persons.index, dtype=object))

    def _check(self, tests: tuple, persons: pd.DataFrame, rows: pd.DataFrame | QualifyingRows) -> Outcome:
        passed = None
        if isinstance(rows, QualifyingRows):  # the columns the tests read, and the key
            numbered = rows.numbered()
            rows = rows.frame(both(columns_read(tests), {"_key"}))
            rows = _with_person_fields(rows, persons, set().union(set(), *map(fields_of, tests)))
            if numbered is not None:  # the passing rows' key numbers, each person's looked up once
                passed = _holders(numbered, all_of(tests, rows, self.context), persons)
        if passed is None:
            passing_keys = rows.loc[all_of(tests, rows, self.context), "_key"].unique()
            passed = pd.Series(persons.index.isin(passing_keys), index=persons.index)
        reasons = self._empty_reasons(persons)
        if self.want_reasons:
            failing = np.flatnonzero(~passed.to_numpy())
            reasons.iloc[failing] = first_failed_reasons(tests, persons, self.context, _values(self.period), at=failing)
        return Outcome(passed, reasons)

    def _none_reasons(self, condition: EventCondition, persons: pd.DataFrame, reasons: pd.Series, positions: np.ndarray) -> None:
        """The `none:` text of the persons (at `positions`) with no row at all, filled from them."""
        if condition.none and len(positions):
            reasons.iloc[positions] = render_rows(condition.none, persons, positions, _values(self.period), context=self.context)

    def _exists(self, condition: EventCondition, persons: pd.DataFrame, eligible: pd.DataFrame) -> Outcome:
        # only the passing rows' persons are read: no frame of them is taken
        of_rows = eligible[PERSON].to_numpy()
        passed = np.zeros(len(persons), dtype=bool)
        passed[of_rows[all_of(condition.test, eligible, self.context)] if condition.test else of_rows] = True
        reasons = self._empty_reasons(persons)
        if self.want_reasons:
            failing = ~passed
            self._none_reasons(condition, persons, reasons, np.flatnonzero(failing & ~_persons_in(eligible, len(persons))))
            latest = eligible.loc[pick_per_key(eligible, [condition.date], PERSON)]
            latest = latest.loc[failing[latest[PERSON].to_numpy()]]
            reasons.iloc[latest[PERSON].to_numpy()] = first_failed_reasons(
                condition.test, latest, self.context, _values(self.period), condition.date
            )
        return Outcome(pd.Series(passed, index=persons.index), reasons)

    def _required(self, condition: CountCondition, persons: pd.DataFrame) -> pd.Series:
        at_least = condition.at_least
        if isinstance(at_least, str) and at_least.startswith("$"):
            at_least = self.context.parameters[at_least[1:]]
        if isinstance(at_least, str) and at_least != "quarters":  # a value of each person's fields
            value = resolve(parse_value(at_least), persons, self.context)
            return pd.Series(value, index=persons.index, dtype=float) if not isinstance(value, pd.Series) else value.astype(float)
        if at_least != "quarters":
            return pd.Series(int(at_least), index=persons.index)
        start_quarter = self.period.start.year * 4 + (self.period.start.month - 1) // 3
        end_quarter = self.period.end.year * 4 + (self.period.end.month - 1) // 3
        first = pd.Series(start_quarter, index=persons.index)
        if condition.quarters_from:
            since = _quarter_number(persons[condition.quarters_from]).reindex(persons.index)
            inside = since.notna() & (since > start_quarter) & (since <= end_quarter)
            first = first.where(~inside, since)
        return (end_quarter - first + 1).astype(int)

    def _count(self, condition: CountCondition, persons: pd.DataFrame, eligible: pd.DataFrame) -> Outcome:
        per_quarter = condition.per_quarter
        if isinstance(per_quarter, str):
            per_quarter = bool(self.context.parameters[per_quarter.lstrip("$")])
        counts = pd.Series(_visits_per_person(eligible, condition.date, per_quarter, len(persons)), index=persons.index)
        required = self._required(condition, persons)
        passed = counts >= required
        at_most = condition.at_most
        if isinstance(at_most, str):  # a $parameter (definition_checks: a whole number)
            at_most = self.context.parameters[at_most.lstrip("$")]
        if at_most is not None:
            passed &= counts <= int(at_most)
        reasons = self._empty_reasons(persons)
        if self.want_reasons and condition.reason:
            failing = np.flatnonzero(~passed.to_numpy())
            # numbers both (a blank `required`, from a blank field, reads 无 and is blank in values)
            numbers = persons.iloc[failing].assign(
                count=counts.to_numpy()[failing].astype(float), required=required.to_numpy(dtype=float)[failing]
            )
            if at_most is not None:
                numbers = numbers.assign(at_most=float(at_most))
            everyone = np.arange(len(numbers))
            reasons.iloc[failing] = render_rows(condition.reason, numbers, everyone, _values(self.period), context=self.context)
        return Outcome(passed, reasons)

    def _pick(self, condition: PickCondition, latest: bool, persons: pd.DataFrame, eligible: pd.DataFrame, every_column) -> Outcome:
        """`every_column()`: the event rows with all their columns (`eligible` may hold fewer)."""
        # Same day: the highest of `order` wins, whichever end of the dates we pick from.
        keys = select(eligible, [condition.date, PERSON]).copy()
        for position, item in enumerate(condition.order):
            if isinstance(item, str):
                keys[f"_order{position}"] = eligible[item]
            else:  # {field: [words]}: a later word ranks higher; other values lowest
                [(field, words)] = item.items()
                keys[f"_order{position}"] = eligible[field].map({word: rank for rank, word in enumerate(words)}).fillna(-1)
        by = [condition.date, *(f"_order{position}" for position in range(len(condition.order)))]
        ascending = [True] + [latest] * len(condition.order)
        picked = eligible.loc[pick_per_key(keys, by, PERSON, ascending=ascending, keep="last" if latest else "first", values=every_column)]
        ok = all_of(condition.test, picked, self.context) if condition.test else np.ones(len(picked), dtype=bool)
        passed = _persons_in(picked.loc[ok], len(persons))
        reasons = self._empty_reasons(persons)
        if self.want_reasons:
            failing = ~passed
            self._none_reasons(condition, persons, reasons, np.flatnonzero(failing & ~_persons_in(picked, len(persons))))
            judged = picked.loc[failing[picked[PERSON].to_numpy()]]
            reasons.iloc[judged[PERSON].to_numpy()] = first_failed_reasons(
                condition.test, judged, self.context, _values(self.period), condition.date
            )
        return Outcome(pd.Series(passed, index=persons.index), reasons)


def _step_columns(item: Requirement, event: EventCondition) -> set[str] | None:
    """The columns of its eligible rows an event requirement reads without reasons (None: every one)."""
    if item.kind == "count":
        return {PERSON, event.date}
    return both({PERSON, event.date, *order_fields(event)}, columns_read(event.test))


def _visits_per_person(eligible: pd.DataFrame, date: str, per_quarter: bool, count: int) -> np.ndarray:
    """Each candidate's number of distinct visit days (or quarters) among `eligible`: the distinct
    (person, day) pairs — or (person, quarter) — counted per person; blank dates are one value, as
    drop_duplicates takes them. A date with a time of day counts as its day (indicators README:
    distinct dates; two reports at 10:00 and 15:00 on one day are one)."""
    dates = eligible[date]
    person = eligible[PERSON].to_numpy()
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        visits = eligible[[PERSON, date]].drop_duplicates()
        if per_quarter:
            visits = visits.assign(_quarter=_quarter_number(visits[date]))
            visits = visits.drop_duplicates([PERSON, "_quarter"])
        return np.bincount(visits[PERSON].to_numpy(), minlength=count)
    if per_quarter:
        quarters = _quarter_number(dates).to_numpy(dtype=float)
        when = np.where(np.isnan(quarters), -1.0, quarters)  # a blank date: one quarter of its own
    else:
        when = dates.to_numpy().astype("datetime64[D]").view(np.int64)  # the day; NaT is one value
    order = np.lexsort((when, person))
    person, when = person[order], when[order]
    first = np.ones(len(person), dtype=bool)
    first[1:] = (person[1:] != person[:-1]) | (when[1:] != when[:-1])
    return np.bincount(person[first], minlength=count)


def _with_person_fields(rows: pd.DataFrame, persons: pd.DataFrame, fields) -> pd.DataFrame:
    """The rows with the person-level fields a `check` reads that the rows do not have (a field made
    by the population's `derive`, such as `first_fu: {earliest: followup_date}`): each row carries
    its person's value, so that the check passes or fails on it as `having` would."""
    missing = [field for field in fields if field not in rows.columns and field in persons.columns]
    if not missing:
        return rows
    keys = rows["_key"].to_numpy()  # (the persons' index is their key, one row each)
    added = {field: persons[field].reindex(keys).to_numpy() for field in missing}  # no selected person: blank
    return rows.assign(**added)


def _holders(numbered: tuple[np.ndarray, pd.Index], passing: np.ndarray, persons: pd.DataFrame) -> pd.Series | None:
    """Which persons (by their index, the key) have a passing row: `persons.index.isin` of the passing
    rows' keys, from the rows' key numbers and the distinct keys. None for a blank key among them."""
    codes, keys = numbered
    passing_codes = codes[passing]
    if (passing_codes < 0).any():
        return None
    held = np.zeros(len(keys), dtype=bool)
    held[passing_codes] = True
    at = keys.get_indexer(persons.index)
    passed = np.zeros(len(persons), dtype=bool)
    passed[at >= 0] = held[at[at >= 0]]
    return pd.Series(passed, index=persons.index)


def _persons_in(rows: pd.DataFrame, count: int) -> np.ndarray:
    """Which of the `count` candidates have a row in `rows` (event rows, see PERSON)."""
    found = np.zeros(count, dtype=bool)
    found[rows[PERSON].to_numpy()] = True
    return found
