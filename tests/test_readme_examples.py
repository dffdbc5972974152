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
        if data.get("unit") in ("record", "delivery", "count"):
            indicator.setdefault("key", ["id_number"])
        Indicator.model_validate(indicator)
