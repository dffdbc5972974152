"""Which named populations a population reads (its `union:` members, the `in_population:` tests in
its filters and its fallback's), and the loops among them. A population that reads itself, directly
or through others, has no persons to find (DHIS2 refuses such an indicator as it loads, rather than
evaluating it): the library says which populations form the loop, before anything is evaluated."""

from __future__ import annotations

from collections.abc import Iterator

from .expressions import AllOf, AnyOf, InPopulation, Not, Test
from .model import Population, Union


def _named_in(nodes) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, InPopulation):
            yield node.name
        elif isinstance(node, (AnyOf, AllOf)):
            yield from _named_in(node.items)
        elif isinstance(node, Not):
            yield from _named_in((node.item,))
        elif isinstance(node, Test):
            yield from _named_in((node.condition,))


def references(population: Population | Union) -> list[str]:
    """The populations `population` reads, in the order its definition names them."""
    named: list[str] = list(population.union) if isinstance(population, Union) else []
    sources = [population, *([population.fallback] if getattr(population, "fallback", None) else [])]
    for source in sources:
        named += _named_in((*getattr(source, "where", ()), *source.having))
    return list(dict.fromkeys(named))


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
