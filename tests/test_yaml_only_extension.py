"""Issue 15's promise, shown with YAML only: a centre adds a register kind and an indicator from
its own folders (`--register-kinds`, `--indicators`) and computes them on a hand-made data folder —
a pregnancy book with 早孕建册 over the sum of 活产数, and a record-unit rate on a date-time register.
No Python names either."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chsc_cli.registers import use_register_kinds
from cli_helpers import in_process
from helpers import make_id, write_csv


@pytest.fixture(autouse=True)
def shipped_kinds_afterwards():
    """The in-process runs put the centre's kinds in force: the shipped ones again after each test."""
    yield
    use_register_kinds([])

PREGNANCY_BOOK = """\
name: pregnancy_book
title: 孕妇登记簿
roster: false
key: {field: id_number, unit: person}
classify:
  words: [孕妇登记簿]
  settled_by: [given_birth_on]
columns:
  - use: id_number
  - header: 生产日
    field: given_birth_on
    type: date
    required: true
  - header: 末次月经日
    field: lmp
    type: date
  - header: 登记日
    field: booked_on
    type: date
  - header: 活产个数
    field: babies
    type: whole_number
"""

EARLY_BOOKING = """\
id: early_booking_rate
name: 早孕登记率（自定义）
category: 孕产妇健康管理
registers: [pregnancy_book]
unit: delivery
key: [id_number, given_birth_on]
definition: 分子：统计期内生产、登记日在末次月经后0～90天内的分娩数。分母：这些分娩的活产个数之和（空白按1）。
target: 0.9
denominator:
  population:
    register: pregnancy_book
    where: [given_birth_on >= period_start, given_birth_on <= period_end]
  sum: {field: babies, blank: 1}
numerator:
  require:
    - exists:
        register: pregnancy_book
        date: given_birth_on
        within: all
        test:
          - days_between(lmp, booked_on) >= 0
          - days_between(lmp, booked_on) <= 90
"""

CALLS = """\
name: hotline_calls
title: 热线来电登记
roster: false
classify:
  words: [热线来电]
  settled_by: [call_time]
columns:
  - header: 来电编号
    field: call_number
    type: code
    required: true
  - header: 来电时间
    field: call_time
    type: datetime
    required: true
  - header: 回复时间
    field: answer_time
    type: datetime
"""

ANSWERED = """\
id: hotline_answered_rate
name: 热线两小时内回复率
category: 健康教育
registers: [hotline_calls]
unit: record
key: [call_number]
definition: 分子：统计期内来电中，两小时内（含）回复的来电数。分母：统计期内的来电数（同一来电编号的多行为一条）。
target: 0.9
denominator:
  population:
    register: hotline_calls
    where: [call_time >= period_start, call_time <= period_end]
numerator:
  require:
    - exists:
        register: hotline_calls
        date: call_time
        within: all
        test:
          - answer_time <= call_time + 2 hours
"""


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    kinds, library, data = tmp_path / "kinds", tmp_path / "library", tmp_path / "data"
    for folder in (kinds, library, data):
        folder.mkdir()
    (kinds / "pregnancy_book.yaml").write_text(PREGNANCY_BOOK, encoding="utf-8")
    (kinds / "hotline_calls.yaml").write_text(CALLS, encoding="utf-8")
    (library / "early_booking_rate.yaml").write_text(EARLY_BOOKING, encoding="utf-8")
    (library / "hotline_answered_rate.yaml").write_text(ANSWERED, encoding="utf-8")
    return kinds, library, data


def _rows(code: int, capsys) -> dict:
    assert code == 0, capsys.readouterr().err
    return {row["id"]: row for row in json.loads(capsys.readouterr().out)["indicators"]}


def test_a_pregnancy_book_and_early_booking_over_live_births_from_yaml_only(tmp_path, capsys):
    kinds, library, data = _folders(tmp_path)
    a, b, c = (make_id("19950101", "002"), make_id("19920202", "004"), make_id("19900303", "006"))
    write_csv(data / "孕妇登记簿.csv", [
        ["身份证号", "生产日", "末次月经日", "登记日", "活产个数"],
        [a, "2025-03-01", "2024-06-01", "2024-08-30", "2"],   # 90 days: early; twins
        [b, "2025-04-01", "2024-07-01", "2024-09-30", ""],    # 91 days: late; blank = 1
        [c, "2025-05-01", "2024-08-01", "2024-09-01", "1"],   # 31 days: early
        [c, "2025-05-01", "2024-08-01", "2024-09-01", "1"],   # the same delivery written twice
    ])
    rows = _rows(in_process("compute", data, "--period", "2025", "--format", "json", "--quiet",
                            "--register-kinds", kinds, "--indicators", library), capsys)
    early = rows["early_booking_rate"]
    assert (early["unit"], early["numerator"], early["denominator"]) == ("delivery", 2, 4)


def test_a_record_unit_rate_on_a_date_time_register_from_yaml_only(tmp_path, capsys):
    kinds, library, data = _folders(tmp_path)
    write_csv(data / "热线来电.csv", [
        ["来电编号", "来电时间", "回复时间"],
        ["T1", "2025-03-12 14:20", "2025-03-12 16:20"],      # exactly 2:00: in time
        ["T2", "2025-03-12 14:20", "2025-03-12 16:21"],      # 2:01: late
        ["T3", "2025年3月13日9时05分", "2025-03-13 10:00"],   # Chinese date-time
        ["T3", "2025年3月13日9时05分", ""],                   # the same call, a second row: one record
        ["T4", "2025-12-31 23:30", ""],                        # never answered
    ])
    rows = _rows(in_process("compute", data, "--period", "2025", "--format", "json", "--quiet",
                            "--register-kinds", kinds, "--indicators", library), capsys)
    answered = rows["hotline_answered_rate"]
    assert (answered["unit"], answered["numerator"], answered["denominator"]) == ("record", 2, 4)


VISIT_BOOK = """\
name: visit_book
title: 上门服务登记
roster: false
key: {field: id_number, unit: person}
classify:
  words: [上门服务登记]
  settled_by: [visited_at]
columns:
  - use: id_number
  - header: 上门时间
    field: visited_at
    type: datetime
    required: true
  - header: 结果
    field: outcome
    type: text
"""

VISITS_DONE = """\
id: home_visit_done_rate
name: 上门服务完成率（自定义）
category: 健康教育
registers: [visit_book]
definition: 分子：统计期内上门且结果为完成的人数。分母：统计期内有上门记录的人数。
target: 0.9
denominator:
  population:
    register: visit_book
    where: [visited_at >= period_start, visited_at <= period_end]
numerator:
  require:
    - exists:
        register: visit_book
        date: visited_at
        within: period
        test: [outcome == "完成"]
"""


def test_a_date_time_contact_on_the_periods_last_day_is_the_last_contact(tmp_path, capsys):
    """最近一次联系 by the period end includes a visit at 14:00 on its last day (it compared the
    date-time with the last day's midnight, so that visit was no contact)."""
    kinds, library, data = _folders(tmp_path)
    (kinds / "visit_book.yaml").write_text(VISIT_BOOK, encoding="utf-8")
    (library / "home_visit_done_rate.yaml").write_text(VISITS_DONE, encoding="utf-8")
    person = make_id("19500101", "008")
    write_csv(data / "上门服务登记.csv", [["身份证号", "上门时间", "结果"], [person, "2025-12-31 14:00", "未完成"]])
    code = in_process("gaps", "home_visit_done_rate", data, "--period", "2025", "--format", "csv", "--quiet",
                      "--register-kinds", kinds, "--indicators", library)
    out = capsys.readouterr()
    assert code == 0, out.err
    header, row = out.out.splitlines()[:2]
    assert dict(zip(header.split(","), row.split(",")))["最近一次联系"].startswith("2025-12-31"), out.out
