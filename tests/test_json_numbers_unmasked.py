"""The ID masking of everything printed (cli/common.MaskedStream) took a rate's decimals for an ID:
2/90 is 0.022222222222222223 in JSON — 18 digits after `0.` — and `compute --format json` to the
screen or a pipe printed `0.022222********2223`, which is not JSON (a whole month's rates, early in
the year, are in [0.01, 0.1))."""

from __future__ import annotations

import json
from fractions import Fraction

from chsc_cli.id_masks import mask_ids_in_str
from cli_helpers import run_chsc_process
from helpers import make_id, write_workbook


def test_no_rate_written_as_json_is_masked():
    # every fraction n/d with d up to 400: its JSON text goes through the masking unchanged
    seen = set()
    for denominator in range(1, 401):
        for numerator in range(0, denominator + 1):
            value = Fraction(numerator, denominator)
            if value in seen:
                continue
            seen.add(value)
            text = json.dumps({"value": numerator / denominator, "negative": -numerator / denominator})
            assert mask_ids_in_str(text) == text, text


def test_an_id_after_a_list_number_is_still_masked():
    person = make_id("19491208", "010", "110105")
    assert person not in mask_ids_in_str(f"1.{person}")
    assert person not in mask_ids_in_str(f"名单：1.{person}；2.")


def test_compute_json_printed_to_a_pipe_is_json(tmp_path):
    people = [make_id("19600101", "001", "330102"), make_id("19600101", "003", "330102")]
    write_workbook(tmp_path / "居民健康档案花名册.xlsx", {"居民": [["身份证号", "建档日期"], *[[p, "2020-01-01"] for p in people]]})
    (tmp_path / "chsc.yaml").write_text("population:\n  total: 90\n", encoding="utf-8")
    ran = run_chsc_process("compute", tmp_path, "--period", "2025", "--format", "json", "--quiet")
    assert ran.code == 0, ran.stderr
    rows = {row["id"]: row for row in json.loads(ran.stdout)["indicators"] if row["group"] is None}
    assert rows["health_record_rate"]["value"] == 2 / 90
