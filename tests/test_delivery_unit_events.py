"""A delivery (ID + 分娩日期) and the events of its mother in a register that has no delivery date.

The counting unit's key has more fields than such a register holds: its rows match the unit on the
fields they have (the mother's ID), inside the condition's window as usual — one follow-up row
belongs to each of her deliveries, and the test on it decides for each. Before, the delivery key was
compared with the register's ID numbers and a user's indicator reading another register never
counted a delivery. Built from small workbooks and a user indicator file (`--indicators DIR`).
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

MOTHER_A = make_id("19900101", "002")
MOTHER_B = make_id("19920202", "004")

# 产后高血压随访率 (a centre's own indicator): a delivery in the period whose mother has a hypertension
# follow-up in the period on or after the delivery
def _delivery_indicator(ident: str, name: str, definition: str, require: str) -> str:
    """A centre's own delivery indicator over its deliveries in the period, with `require` (YAML)."""
    return f"""id: {ident}
name: {name}
category: 孕产妇健康管理
registers: [maternal_records, hypertension_followups]
definition: {definition}
target: 0.9
unit: delivery
key: [id_number, delivery_date]
denominator:
  population: deliveries_in_period
numerator:
  require:
{require}"""


FOLLOWED_UP = _delivery_indicator(
    "postpartum_bp_followup_rate", "产后高血压随访率", "测试：统计期内分娩、分娩后统计期内有高血压随访的分娩数 / 统计期内的分娩数",
    """    - exists:
        register: hypertension_followups
        date: followup_date
        none: 统计期内无高血压随访
        test:
          - test: followup_date >= delivery_date
            reason: 分娩（{delivery_date}）后无高血压随访
""")


def centre(folder: Path) -> Path:
    maternal = [
        ["身份证号", "姓名", "分娩日期", "建册日期", "所属站点"],
        [MOTHER_A, "甲", "2025-03-01", "2024-07-01", "一站"],  # two deliveries of one mother in 2025
        [MOTHER_A, "甲", "2025-11-01", "2025-03-20", "一站"],
        [MOTHER_B, "乙", "2025-05-05", "2024-10-01", "一站"],
    ]
    write_workbook(folder / "孕产妇健康管理登记.xlsx", {"孕产妇": maternal})
    followups = [
        ["身份证号", "姓名", "随访日期", "随访方式"],
        [MOTHER_A, "甲", "2025-04-01", "门诊"],  # after her first delivery, before her second
        [MOTHER_A, "甲", "2024-12-01", "门诊"],  # before the period: outside the window
    ]
    write_workbook(folder / "高血压患者随访记录.xlsx", {"高血压随访": followups})
    return folder


def test_a_delivery_matches_its_mothers_rows_in_a_register_without_the_delivery_date(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "postpartum_bp_followup_rate.yaml").write_text(FOLLOWED_UP, encoding="utf-8")
    folder = centre(tmp_path / "data")
    ran = run_chsc("compute", folder, "-p", "2025", "--indicators", mine, "--format", "json")
    assert ran.code == 0, ran.output
    [row] = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "postpartum_bp_followup_rate"]
    # her first delivery is followed up (2025-04-01); her second is not (the follow-up came before
    # it), nor is B's (no follow-up): 1 of 3 — before, the delivery key matched no follow-up row: 0
    assert (row["numerator"], row["denominator"], row["unit"]) == (1, 3, "delivery")

    # the list and its reasons come from the same evaluation: each delivery's own failure
    ran = run_chsc("gaps", "postpartum_bp_followup_rate", folder, "-p", "2025", "--indicators", mine, "--format", "csv", "--quiet")
    assert ran.code == 0, ran.output
    lines = ran.stdout.splitlines()
    assert len(lines) == 3, ran.stdout  # header + 2 deliveries
    assert any("分娩（2025-11-01）后无高血压随访" in line for line in lines)
    assert any("统计期内无高血压随访" in line for line in lines)


def test_a_register_with_no_field_of_the_units_key_is_a_definition_error(tmp_path):
    """child_health_visits holds neither the mother's ID nor a delivery date: its rows could match no
    delivery, which is said when the library is read (not a silent 0)."""
    mine = tmp_path / "mine"
    mine.mkdir()
    text = FOLLOWED_UP.replace("hypertension_followups", "child_health_visits").replace("followup_date", "visit_date")
    (mine / "postpartum_bp_followup_rate.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("indicators", "--indicators", mine)
    assert ran.code == 2
    assert "child_health_visits" in ran.output and "key" in ran.output
    assert "Traceback" not in ran.output


def test_a_delivery_is_in_its_mothers_population(tmp_path):
    """`in_population:` of a person's population (managed hypertension patients, from the follow-up
    register here) in a delivery indicator: the delivery's mother is a member, so the delivery is —
    before, the delivery key was looked up among the patients' ID numbers and no delivery was."""
    mine = tmp_path / "mine"
    mine.mkdir()
    text = FOLLOWED_UP.split("numerator:")[0] + "numerator:\n  having:\n    - in_population: managed_hypertension_patients\n"
    # the population reads the roster (absent here: the follow-ups stand in), listed as it is read
    text = text.replace("registers: [maternal_records, hypertension_followups]",
                        "registers: [maternal_records, hypertension_followups, hypertension_patients]")
    (mine / "postpartum_bp_followup_rate.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("compute", centre(tmp_path / "data"), "-p", "2025", "--indicators", mine, "--format", "json")
    assert ran.code == 0, ran.output
    [row] = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "postpartum_bp_followup_rate"]
    assert (row["numerator"], row["denominator"]) == (2, 3)  # both of A's deliveries; B is no patient


# ------------------------------------------------------------------ 最近一次联系 (the last contact)

def gaps_csv(*args) -> list[dict[str, str]]:
    import csv
    import io

    ran = run_chsc("gaps", *args, "--format", "csv", "--quiet")
    assert ran.code == 0, ran.output
    return list(csv.DictReader(io.StringIO(ran.stdout)))


def test_a_deliverys_last_contact_is_the_latest_of_its_contact_dates_by_the_period_end(tmp_path):
    """maternal_records' `contact_dates` (建册, 分娩, 产后访视, 产后42天检查): before, only the date the
    numerator reads (分娩日期) was a contact — a 42-day check after a missed visit was not."""
    maternal = [
        ["身份证号", "姓名", "分娩日期", "建册日期", "出院日期", "产后访视日期", "产后42天检查日期", "所属站点"],
        # no visit within 28 days; seen at the 42-day check
        [MOTHER_A, "甲", "2025-03-01", "2024-07-01", "2025-03-03", None, "2025-04-12", "一站"],
        # her second delivery: its own rows only (not her first's 42-day check)
        [MOTHER_A, "甲", "2025-11-01", "2025-03-20", None, None, None, "一站"],
        # the 42-day check after the period end is no contact by then
        [MOTHER_B, "乙", "2025-12-01", "2025-05-01", None, None, "2026-01-12", "一站"],
    ]
    folder = tmp_path / "data"
    write_workbook(folder / "孕产妇健康管理登记.xlsx", {"孕产妇": maternal})
    rows = gaps_csv("postpartum_visit_rate", folder, "-p", "2025")
    contact = {row["原因"].split("分娩")[-1][:10]: row["最近一次联系"] for row in rows}
    assert contact == {"2025-03-01": "2025-04-12", "2025-11-01": "2025-11-01", "2025-12-01": "2025-12-01"}


def test_a_last_contact_is_read_inside_any_of_several_registers(tmp_path):
    """健康档案使用率's requirement is one `any:` of six registers: the lookup read only top-level
    requirements, so everyone's 最近一次联系 was blank (a checkup in the first half of the year, for a
    second-half gap list)."""
    from helpers import make_id, write_small_centre

    people = [make_id("19500101", "001"), make_id("19600101", "003"), make_id("19700101", "005")]
    folder = write_small_centre(tmp_path / "data", people)
    rows = gaps_csv("health_record_usage_rate", folder, "-p", "2025H2")
    contact = {row["姓名"]: row["最近一次联系"] for row in rows}
    assert contact == {"甲": "2025-03-01", "乙": "", "丙": ""}


BIRTH_LOG = """\
name: birth_log
title: 接生登记
roster: false
classify:
  words: [接生登记]
  settled_by: [delivery_date]
columns:
  - header: 分娩日期
    field: delivery_date
    type: date
    required: true
  - header: 接生者
    field: midwife
    type: text
"""


def test_a_register_holding_the_delivery_date_but_no_person_key_is_a_definition_error(tmp_path):
    """A centre's register of births by date alone holds 分娩日期 of the delivery key but no
    mother: matching on the date would join every delivery of that day, whoever the mother, so
    the library says so when it is read."""
    kinds, mine = tmp_path / "kinds", tmp_path / "mine"
    kinds.mkdir()
    mine.mkdir()
    (kinds / "birth_log.yaml").write_text(BIRTH_LOG, encoding="utf-8")
    text = FOLLOWED_UP.replace("hypertension_followups", "birth_log").replace("followup_date", "delivery_date")
    (mine / "postpartum_bp_followup_rate.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", kinds, "--indicators", mine)
    assert ran.code == 2, ran.output
    assert "birth_log" in ran.output and "人员键" in ran.output and "Traceback" not in ran.output


# 分娩后的高血压随访次数 (a count per delivery): a `where` that reads the unit's own delivery date
# beside the row's, as a `test` does — only the follow-ups after this delivery count for it
COUNTED_AFTER = _delivery_indicator(
    "postpartum_bp_followups_rate", "产后高血压随访2次率", "测试：统计期内分娩、分娩后有不少于 2 次高血压随访的分娩数 / 统计期内的分娩数",
    """    - count:
        register: hypertension_followups
        date: followup_date
        within: all
        where: [followup_date >= delivery_date]
        at_least: 2
        reason: 分娩（{delivery_date}）后随访{count}次，少于{required}次
""")


def test_a_count_where_reads_the_units_own_fields(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "postpartum_bp_followups_rate.yaml").write_text(COUNTED_AFTER, encoding="utf-8")
    folder = centre(tmp_path / "data")
    write_workbook(folder / "高血压患者随访记录.xlsx", {"高血压随访": [
        ["身份证号", "姓名", "随访日期", "随访方式"],
        [MOTHER_A, "甲", "2025-02-01", "门诊"],  # before both her deliveries
        [MOTHER_A, "甲", "2025-04-01", "门诊"],  # after the first
        [MOTHER_A, "甲", "2025-11-20", "门诊"],  # after both
    ]})
    ran = run_chsc("compute", folder, "-p", "2025", "--indicators", mine, "--format", "json")
    assert ran.code == 0, ran.output
    [row] = [r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "postpartum_bp_followups_rate"]
    # the March delivery has two follow-ups after it (April, November); the November one has one; B none
    assert (row["numerator"], row["denominator"]) == (1, 3)
    ran = run_chsc("gaps", "postpartum_bp_followups_rate", folder, "-p", "2025", "--indicators", mine, "--format", "csv", "--quiet")
    assert "分娩（2025-11-01）后随访1次，少于2次" in ran.stdout, ran.stdout
