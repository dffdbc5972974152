"""The shipped indicators' results do not change with the language (issue 15): `compute --format
json` on sample_data/ is what main produced before the typed language (tests/golden/compute_json/; regenerated once when the reader learnt real-exports.md: 待定 in 中医体质辨识 is content, so yes, and EV71 is a known vaccine),
apart from the `unit` every indicator row gained. Regenerated when sample_data/ gained the nine service registers
(issue 16): the thirteen older rows were checked equal to the previous goldens; only the new indicators' rows and
two warnings of the new files (儿童保健, 健康教育) were added. Regenerated once more when the
case-report and supervision rates moved after the person categories in the library's order (rows equal as a set),
and when the duplicate-row and duplicate-person warnings named the sheet of the row they repeat (the
indicators' rows checked equal; only those four messages changed), and when Excel's error values in text
columns (the sample's #N/A in 家庭医生团队, 联系电话, 姓名) became blanks with a warning instead of text (the
indicators' rows checked equal; only those warnings were added), and when every row gained `"reason": null`
while computed (services.md: a count row carries `reason` = null; the rows checked equal otherwise)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import in_process

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "compute_json"


@pytest.mark.parametrize("period", ["2025", "2025H1", "2025-06", "2025-01..2025-06"])
def test_sample_json_is_unchanged(period, capsys):
    code = in_process("compute", ROOT / "sample_data", "--period", period, "--format", "json", "--quiet")
    output = capsys.readouterr().out
    assert code == 0
    now = json.loads(output)
    assert now == json.loads((GOLDEN / f"{period}.json").read_text(encoding="utf-8"))
