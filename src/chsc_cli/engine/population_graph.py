"""Which named populations a population reads (its `union:` members, the `in_population:` tests in
its filters and its fallback's), and the loops among them. A population that reads itself, directly
or through others, has no persons to find (DHIS2 refuses such an indicator as it loads, rather than
evaluating it): the library says which populations form the loop, before anything is evaluated."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from .expressions import AllOf, AnyOf, InPopulation, Not, Test
from .model import Population, Union


def named_populations(definition) -> Iterator[str]:
    """The populations `in_population:` tests name anywhere inside a definition (an indicator, a
    population, a requirement: its filters, nested any:/all:/not:/test:, its fallback)."""
    if isinstance(definition, InPopulation):
        yield definition.name
    elif isinstance(definition, (AnyOf, AllOf)):
        yield from named_populations(definition.items)
    elif isinstance(definition, Not):
        yield from named_populations(definition.item)
    elif isinstance(definition, Test):
        yield from named_populations(definition.condition)
    elif isinstance(definition, BaseModel):
        for name in type(definition).model_fields:
            yield from named_populations(getattr(definition, name))
    elif isinstance(definition, (tuple, list)):
        for item in definition:
            yield from named_populations(item)
    elif isinstance(definition, dict):
        for item in definition.values():
            yield from named_populations(item)


def references(population: Population | Union) -> list[str]:
    """The populations `population` reads, in the order its definition names them."""
    named: list[str] = list(population.union) if isinstance(population, Union) else []
    return list(dict.fromkeys([*named, *named_populations(population)]))


def loops(populations: dict[str, Population | Union]) -> list[list[str]]:
    """Each loop once, as the names along it from the first one met, back to it: [a, b, a]."""
    edges = {name: [n for n in references(p) if n in populations] for name, p in populations.items()}
    state: dict[str, int] = {}  # 1 while on the path, 2 when done
    found: list[list[str]] = []
    for start in populations:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        state[start], path = 1, [start]
        while stack:
            name, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                path.pop()
                state[name] = 2
            elif state.get(following) == 1:
                found.append([*path[path.index(following):], following])
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                stack.append((following, iter(edges[following])))
    return found


def reachable(definition, populations: dict[str, Population | Union]) -> list[str]:
    """The named populations a definition reads, directly or through others: its denominator's and
    numerator's, its in_population tests', and theirs in turn."""
    start = [getattr(getattr(definition, part, None), "population", None) for part in ("denominator", "numerator")]
    inline = [population for population in start if isinstance(population, (Population, Union))]  # written in place
    pending = [name for name in (*start, *named_populations(definition)) if isinstance(name, str)]
    pending += [name for population in inline for name in references(population)]
    seen: list[str] = []
    while pending:
        name = pending.pop()
        if name in populations and name not in seen:
            seen.append(name)
            pending += references(populations[name])
    return seen
