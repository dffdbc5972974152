"""Checks of an indicator against the registers and the library, before any data is read:
unknown registers, fields, parameters and populations, and reason templates naming unknown values."""

from __future__ import annotations

import re
from typing import Any

from .expressions import fields_of, params_of
from .model import Indicator, Population, PopulationSource, Requirement

#: Fields computed for every row or person (from the person's birth date).
PERSON_DERIVED = frozenset({"birth", "age", "first_birthday"})
#: ... and for event rows: days from birth to the row's date.
EVENT_DERIVED = PERSON_DERIVED | {"days_after_birth"}
#: Fields the reader adds to some kinds.
READER_FIELDS = {"vaccinations": {"series"}}
TEMPLATE_VALUES = frozenset({"period", "count", "required", "date"})
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def register_fields(register: str, kinds) -> set[str]:
    return set(kinds[register].fields) - {"blood_pressure"} | READER_FIELDS.get(register, set()) | {"id_number"}


def person_fields(population: PopulationSource, kinds) -> set[str]:
    return register_fields(population.register, kinds) | PERSON_DERIVED | set(population.derive)


def _check_nodes(nodes: tuple, allowed: set[str], parameters: dict[str, Any], where: str) -> list[str]:
    problems = []
    for node in nodes:
        for field in sorted(fields_of(node) - allowed):
            problems.append(f"{where}：未知字段「{field}」〔{field}〕。可用字段：{', '.join(sorted(allowed))}")
        for name in sorted(params_of(node) - set(parameters)):
            problems.append(f"{where}：未定义的参数「${name}」〔${name}〕（请在 parameters: 中定义）")
    return problems


def _check_source(source: PopulationSource, kinds, parameters: dict[str, Any], where: str) -> list[str]:
    if source.register not in kinds:
        return [f"{where}：未知的登记表类型「{source.register}」〔{source.register}〕。可用：{', '.join(kinds)}"]
    row_fields = register_fields(source.register, kinds) | PERSON_DERIVED
    problems = _check_nodes(source.where, row_fields, parameters, f"{where}.where")
    for name, derive in source.derive.items():
        field = derive.earliest or derive.latest
        if field not in row_fields:
            problems.append(f"{where}.derive.{name}：未知字段「{field}」〔{field}〕")
    if source.latest_by and source.latest_by not in row_fields:
        problems.append(f"{where}.latest_by：未知字段「{source.latest_by}」〔{source.latest_by}〕")
    problems += _check_nodes(source.having, person_fields(source, kinds), parameters, f"{where}.having")
    return problems


def check_population(population: Population, kinds, parameters: dict[str, Any] | None = None) -> list[str]:
    problems = _check_source(population, kinds, parameters or {}, "population")
    if population.fallback is not None:
        problems += _check_source(population.fallback, kinds, parameters or {}, "population.fallback")
    return problems


def _resolve(reference, library, where: str) -> tuple[Population | None, list[str]]:
    if reference is None:
        return None, []
    if isinstance(reference, str):
        if reference not in library.populations:
            known = ", ".join(library.populations) or "（无）"
            return None, [f"{where}：未定义的人群「{reference}」〔{reference}〕。已定义：{known}"]
        return library.populations[reference], []
    return reference, []


def _templates_ok(text: str | None, allowed: set[str], where: str) -> list[str]:
    if not text:
        return []
    return [
        f"{where}：说明模板中的「{{{name}}}」不是可用的值〔{name}〕"
        for name in _PLACEHOLDER.findall(text)
        if name not in allowed
    ]


def _check_requirement(item: Requirement, people: set[str], indicator: Indicator, kinds, where: str) -> list[str]:
    parameters = indicator.parameters
    if item.kind == "check":
        problems = _check_nodes(item.check, people, parameters, f"{where}.check")
        for node in item.check:
            problems += _templates_ok(getattr(node, "reason", None), people | TEMPLATE_VALUES, f"{where}.check")
        return problems
    event = item.event
    if event.register not in kinds:
        return [f"{where}：未知的登记表类型「{event.register}」〔{event.register}〕"]
    row_fields = register_fields(event.register, kinds) | EVENT_DERIVED
    problems = [] if event.date in row_fields else [f"{where}.date：未知字段「{event.date}」〔{event.date}〕"]
    problems += _check_nodes(event.where, row_fields, parameters, f"{where}.where")
    problems += _check_nodes(event.test, row_fields | people, parameters, f"{where}.test")
    allowed = row_fields | people | TEMPLATE_VALUES
    problems += _templates_ok(event.none, allowed, f"{where}.none")
    for node in event.test:
        problems += _templates_ok(getattr(node, "reason", None), allowed, f"{where}.test")
    if item.kind == "count":
        problems += _templates_ok(item.count.reason, allowed, f"{where}.reason")
        if item.count.quarters_from and item.count.quarters_from not in people:
            problems.append(f"{where}.quarters_from：未知字段「{item.count.quarters_from}」")
        for value in (item.count.at_least, item.count.per_quarter):
            if isinstance(value, str) and value.startswith("$") and value[1:] not in parameters:
                problems.append(f"{where}：未定义的参数「{value}」〔{value}〕")
        if isinstance(item.count.at_least, str) and not item.count.at_least.startswith("$") and item.count.at_least != "quarters":
            problems.append(f"{where}.at_least：应为数字、$参数或 quarters〔{item.count.at_least}〕")
    if item.kind in ("latest", "first"):
        pick = item.latest or item.first
        problems += [f"{where}.order：未知字段「{f}」〔{f}〕" for f in pick.order if f not in row_fields]
    return problems


def check_indicator(indicator: Indicator, library, kinds) -> list[str]:
    problems = [f"registers：未知的登记表类型「{r}」〔{r}〕" for r in indicator.registers if r not in kinds]
    denominator_population, found = _resolve(indicator.denominator.population, library, "denominator.population")
    problems += found
    numerator_population, found = _resolve(indicator.numerator.population, library, "numerator.population")
    problems += found
    if problems:
        return problems
    used: set[str] = set()
    for reference, population in (
        (indicator.denominator.population, denominator_population),
        (indicator.numerator.population, numerator_population),
    ):
        if population is None:
            continue
        if not isinstance(reference, str):  # inline; named ones are checked with populations.yaml
            problems += check_population(population, kinds, indicator.parameters)
        used.add(population.register)
        if population.fallback is not None:
            used.add(population.fallback.register)
    people = set()
    for population in (denominator_population, numerator_population):
        if population is not None:
            people |= person_fields(population, kinds)
    problems += _check_nodes(indicator.denominator.having, people, indicator.parameters, "denominator.having")
    problems += _check_nodes(indicator.numerator.having, people, indicator.parameters, "numerator.having")
    for index, item in enumerate(indicator.numerator.require):
        problems += _check_requirement(item, people, indicator, kinds, f"numerator.require[{index}]")
        if item.event is not None:
            used.add(item.event.register)
    unlisted = sorted(used - set(indicator.registers))
    if unlisted:
        problems.append(f"registers：用到了但未列出的登记表：{', '.join(unlisted)}")
    return problems
