"""The review of 8 December: a second calculation of services.md's indicators from the spec alone.
It found one indicator silent where a column was missing (a column default taken for a column the
file lacks) and a card judged on two rows where one row must pass the population's filters."""

from __future__ import annotations

import datetime as dt
import json

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

D = dt.date
P1, P2 = make_id("19600101", "037"), make_id("19610101", "041")


def tb_roster(tmp_path, with_reason: bool):
    header = ["身份证号", "通知日期", "首次入户随访日期", "停止治疗日期", "应服药次数", "实际服药次数"]
    rows = [[P1, D(2025, 1, 1), D(2025, 1, 2), D(2025, 7, 1), 60, 60],
            [P2, D(2025, 1, 5), D(2025, 1, 6), D(2025, 8, 1), 60, 40]]
    if with_reason:
        header.append("停止治疗原因")
        rows[0].append("治愈")
        rows[1].append(None)  # blank: other (unknown = other), not completed
    data = tmp_path / "data"
    write_workbook(data / "肺结核患者管理名册.xlsx", {"肺结核": [header, *rows]})
    return data


def tb_row(data):
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet")
    assert ran.code == 0, ran.output
    return next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "tb_regular_medication_rate")


def test_a_tb_roster_without_the_stop_reason_column_cannot_say_who_completed(tmp_path):
    row = tb_row(tb_roster(tmp_path, with_reason=False))
    assert (row["numerator"], row["denominator"]) == (None, None)
    assert row["reason"] == "肺结核患者管理名册（tb_patients）缺少「停止治疗原因」列"


def test_a_blank_stop_reason_is_still_other(tmp_path):
    row = tb_row(tb_roster(tmp_path, with_reason=True))
    assert (row["numerator"], row["denominator"], row["reason"]) == (1, 1, None)


def test_default_when_absent_needs_a_default(tmp_path):
    folder = tmp_path / "kinds"
    folder.mkdir()
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "register_kinds" / "tb_patients.yaml").read_text(encoding="utf-8")
    text = text.replace("    aliases: [应服药数]\n", "    aliases: [应服药数]\n    default_when_absent: false\n")
    (folder / "tb_patients.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", folder)
    assert ran.code == 2 and "default_when_absent 只与 default 一起写" in ran.stderr, ran.output
