"""Every YAML example of indicators/README.md is valid in the language it documents, so the README
cannot go stale: each block is read by the model its keys belong to (an indicator's parts inside a
minimal indicator, filter lists as a where-list, populations.yaml and parameters.yaml as files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chsc_cli.engine.model import Indicator, ParameterFile, PopulationFile, Requirement, parse_where

README = Path(__file__).resolve().parents[1] / "indicators" / "README.md"
#: Blocks with "..." are outlines of a whole file, not examples.
BLOCKS = [b for b in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S) if "..." not in b]
SKELETON = {"id": "example", "name": "示例", "category": "示例", "definition": "示例", "registers": ["residents"],
            "target": 0.9, "denominator": {"population": "residents_at_period_end"}, "numerator": {}}


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_each_readme_example_parses(block):
    data = yaml.safe_load(block)
    if isinstance(data, list):
        assert parse_where(data)
    elif "populations" in data:
        PopulationFile.model_validate(data)
    elif set(data) == {"parameters"}:
        ParameterFile.model_validate(data)
    elif set(data) == {"require"}:
        assert all(Requirement.model_validate(item) for item in data["require"])
    elif "id" in data and "numerator" in data and "name" in data:
        Indicator.model_validate(data)
    else:
        indicator = {**SKELETON, **data}
        if data.get("unit") == "count":
            indicator["target"] = 12
            if "denominator" not in data:  # (a count has none: the skeleton's is not the example's)
                indicator.pop("denominator", None)
        if data.get("unit") in ("record", "delivery", "count"):
            indicator.setdefault("key", ["id_number"])
        Indicator.model_validate(indicator)


def _conditions_in(node):
    """Every Comparison inside a parsed filter list (any:/all:/not:/test: nested)."""
    from chsc_cli.engine.expressions import AllOf, AnyOf, Comparison, Not, Test

    if isinstance(node, Comparison):
        yield node
    elif isinstance(node, (AnyOf, AllOf)):
        for item in node.items:
            yield from _conditions_in(item)
    elif isinstance(node, Not):
        yield from _conditions_in(node.item)
    elif isinstance(node, Test):
        yield from _conditions_in(node.condition)


def _filter_lists(data):
    """Every list under a where/having/test-like key of a README block (and a block that is one)."""
    if isinstance(data, list) and all(isinstance(item, (str, dict)) for item in data):
        try:
            yield parse_where(data)
            return
        except Exception:
            pass
    if isinstance(data, dict):
        for value in data.values():
            yield from _filter_lists(value)
    elif isinstance(data, list):
        for value in data:
            yield from _filter_lists(value)


def test_every_field_an_example_names_is_a_field_of_some_register():
    """An example copied as written must not fail on a field name: every bare name a README
    condition reads (in the YAML blocks and in `inline conditions`) is a field of a shipped register
    kind, a field every row or person has, or the name the example's own derive/population gives."""
    from chsc_cli.engine.definition_checks import EVENT_DERIVED
    from chsc_cli.engine.expressions import KEYWORDS, walk_operands
    from chsc_cli.registers import KINDS

    known = {c.field for kind in KINDS.values() for c in kind.columns} | set(EVENT_DERIVED) | set(KEYWORDS)
    known |= {field for kind in KINDS.values() for field in kind.derived_fields} | {"id_number"}
    text = README.read_text(encoding="utf-8")
    known |= set(re.findall(r"^\s+(\w+):\s*\{\s*(?:earliest|latest|min|max):", text, re.M))  # derive names
    lists = [parsed for block in BLOCKS for parsed in _filter_lists(yaml.safe_load(block))]
    for span in re.findall(r"`([^`\n]+)`", text):
        try:
            lists.append(parse_where([span]))
        except Exception:
            continue
    assert len(lists) > 20
    unknown = set()
    for parsed in lists:
        for node in parsed:
            for comparison in _conditions_in(node):
                right = comparison.operand
                sides = [comparison.left] + ([right] if right is not None and right.kind != "word" else [])  # a value word
                for side in sides:
                    for operand in walk_operands(side):
                        value = str(operand.value)
                        if operand.kind in ("field", "word") and re.fullmatch(r"[a-z_][a-z0-9_]*", value) and value not in known:
                            unknown.add((value, comparison.text))
    assert not unknown, sorted(unknown)
