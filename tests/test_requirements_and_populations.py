"""Requirements combined with any/all, membership of a named population, a union of populations
(each person once) and due dates from a schedule counted against events (issue 15, item 4)."""

from __future__ import annotations

import pandas as pd

from test_units_and_dates import compute, library, read_result

OLD, HYPERTENSIVE, YOUNG, DIABETIC = "110105195001010013", "110105199001010012", "110105199202020021", "110105198803030037"

RESIDENTS = pd.DataFrame(
    [[OLD, "2020-01-01", True, "1950-01-01"], [HYPERTENSIVE, "2020-01-01", True, "1990-01-01"],
     [YOUNG, "2020-01-01", False, "1992-02-02"], [DIABETIC, "2020-01-01", None, "1988-03-03"]],
    columns=["id_number", "record_date", "signed", "birth"],
).assign(resident=True, record_status="active")
PATIENTS = pd.DataFrame([[HYPERTENSIVE, "2024-01-01", "active"]], columns=["id_number", "enrolment_date", "management_status"])
DIABETES = pd.DataFrame([[DIABETIC, "2024-01-01", "active"], [HYPERTENSIVE, "2024-02-01", "active"]],
                        columns=["id_number", "enrolment_date", "management_status"])

KEY_PEOPLE = """populations:
  chronic_patients:
    union: [managed_hypertension_patients, managed_diabetes_patients]
"""

SIGNING = """id: key_signing
name: 重点人群签约率
category: 家庭医生签约服务
registers: [residents, hypertension_patients, hypertension_followups, diabetes_patients, diabetes_followups]
definition: 测试
target: 0.6
parameters:
  elderly_age: 65
denominator:
  population: residents_at_period_end
  having:
    - any:
        - age >= $elderly_age
        - in_population: chronic_patients
numerator:
  require:
    - any:
        - check: [signed == 是]
        - check: [signing_date <= period_end]
      reason: 未签约
"""


def test_membership_of_a_union_of_populations_each_person_once(tmp_path):
    (tmp_path / "populations.yaml").write_text(KEY_PEOPLE, encoding="utf-8")
    lib = library(tmp_path, {"key_signing": SIGNING})
    read = read_result({"residents": RESIDENTS, "hypertension_patients": PATIENTS, "diabetes_patients": DIABETES})
    row, result = compute(read, lib, "2025", "key_signing")
    assert (row.numerator, row.denominator) == (2, 3)
    persons = result.evaluations["key_signing"].persons
    assert persons.loc[DIABETIC, "reason"] == "未签约"
    # without the diabetes roster, that population adds nobody
    read = read_result({"residents": RESIDENTS, "hypertension_patients": PATIENTS})
    row, _ = compute(read, lib, "2025", "key_signing")
    assert (row.numerator, row.denominator) == (2, 2)


SCHEDULE = """id: checkups_due
name: 按时体检率
category: 0～6岁儿童健康管理
registers: [children, vaccinations]
definition: 测试：期内应检次数（出生后 3、6、8、12… 月）≤ 期内检查日期数
target: 0.9
parameters:
  schedule_months: [3, 6, 8, 12, 18, 24, 30]
denominator:
  population: registered_children
  having:
    - due_dates_in_period(birth, $schedule_months) >= 1
numerator:
  require:
    - all:
        - count:
            register: vaccinations
            date: vaccination_date
            at_least: due_dates_in_period(birth, $schedule_months)
            reason: 期内检查{count}次，应检{required}次
        - check: [birth <= period_end]
"""


def test_due_dates_from_a_schedule_are_counted_against_events(tmp_path):
    children = pd.DataFrame(
        [["A", "2024-08-31"], ["B", "2024-01-10"], ["C", "2025-10-15"]], columns=["child_code", "birth"]
    ).assign(birth_date=lambda frame: frame["birth"])
    visits = pd.DataFrame(
        [["A", "2025-03-01"], ["A", "2025-05-01"], ["A", "2025-05-01"], ["A", "2025-09-01"], ["B", "2025-01-11"]],
        columns=["child_code", "vaccination_date"],
    ).assign(vaccine_name="体检", series=[()] * 5)
    lib = library(tmp_path, {"checkups_due": SCHEDULE})
    row, result = compute(read_result({"children": children, "vaccinations": visits}), lib, "2025", "checkups_due")
    # A: due 2025-02-28 (31 Aug + 6 months), 04-30, 08-31 -> 3 visits on 3 dates; B: due 01-10 and
    # 07-10, one visit; C: first due 2026-01-15 -> not in the denominator
    assert (row.numerator, row.denominator) == (1, 2)
    assert result.evaluations["checkups_due"].persons.loc["B", "reason"] == "期内检查1次，应检2次"


BLANK_STATION = """id: blank_station
name: 未填服务站的居民比例
category: 测试
registers: [residents]
definition: 测试：服务站为空（分组时记为未填）的居民
target: 0.1
denominator:
  population: residents_at_period_end
numerator:
  having: [station == 未填]
"""


def test_a_rule_reading_a_grouped_field_sees_it_grouped_without_reasons_or_by(tmp_path):
    """compute skips filling station/team/name/phone when nothing reads them; a rule that reads one
    gets the filled value (未填 for a blank) with or without reasons and --by."""
    from chsc_cli.config import CentreConfig
    from chsc_cli.engine import compute_indicators
    from chsc_cli.engine.groups import reads_group_fields
    from chsc_cli.periods import parse_period

    (tmp_path / "populations.yaml").write_text(KEY_PEOPLE, encoding="utf-8")
    lib = library(tmp_path, {"blank_station": BLANK_STATION, "key_signing": SIGNING})
    assert reads_group_fields(lib.indicators["blank_station"]) and not reads_group_fields(lib.indicators["key_signing"])
    residents = RESIDENTS.assign(station=["一站", None, None, "二站"])
    read = read_result({"residents": residents})
    plain = compute_indicators(read, parse_period("2025"), CentreConfig(), lib, only=["blank_station"], reasons=False)
    full = compute_indicators(read, parse_period("2025"), CentreConfig(), lib, only=["blank_station"], reasons=True)
    assert plain.indicators == full.indicators
    assert (plain.indicators[0].numerator, plain.indicators[0].denominator) == (2, 4)


TEAMLESS_CHECKUP = """id: teamless_checkup
name: 未分团队居民的体检率
category: 测试
registers: [residents, elderly_checkups]
definition: 测试：体检登记表没有团队列，团队取自居民（分组时空白记为未填）
target: 0.1
denominator:
  population: residents_at_period_end
numerator:
  require:
    - exists:
        register: elderly_checkups
        date: checkup_date
        test: [team == 未填]
"""


def test_an_event_test_reading_a_persons_grouped_field_sees_it_grouped(tmp_path):
    """elderly_checkups has no 团队 column: the event rows borrow the person's team, filled (未填
    for a blank) whether or not reasons or --by are asked for."""
    from chsc_cli.config import CentreConfig
    from chsc_cli.engine import compute_indicators
    from chsc_cli.engine.groups import reads_group_fields
    from chsc_cli.periods import parse_period

    lib = library(tmp_path, {"teamless_checkup": TEAMLESS_CHECKUP})
    assert reads_group_fields(lib.indicators["teamless_checkup"])
    residents = RESIDENTS.assign(team=["一队", None, None, "二队"])
    checkups = pd.DataFrame(
        [[person, "2025-05-01", "体检.xlsx", "Sheet1", row] for row, person in enumerate((OLD, HYPERTENSIVE, YOUNG), start=2)],
        columns=["id_number", "checkup_date", "_file", "_sheet", "_row"],
    )
    read = read_result({"residents": residents, "elderly_checkups": checkups})
    plain, full = (
        compute_indicators(read, parse_period("2025"), CentreConfig(), lib, only=["teamless_checkup"], reasons=reasons)
        for reasons in (False, True)
    )
    assert plain.indicators == full.indicators
    assert (plain.indicators[0].numerator, plain.indicators[0].denominator) == (2, 4)


def test_a_patient_without_a_birth_date_is_controlled_below_both_thresholds(tmp_path):
    """indicators.md: < 140/90, or < 150/90 at 65 and over. With no usable birth date (the ID's date
    digits are no date, no 出生日期) the age is unknown: 130/80 passes both thresholds and counts;
    145/85 passes only the elderly one and does not."""
    import datetime as dt

    from helpers import make_id, write_workbook

    from chsc_cli.config import CentreConfig
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.periods import parse_period
    from chsc_cli.registers import read_folder

    low, high = make_id("19501340", "001"), make_id("19501340", "002")
    write_workbook(tmp_path / "高血压患者管理名册.xlsx", {"名册": [["身份证号", "纳入管理日期"], [low, "2020-01-01"], [high, "2020-01-01"]]})
    write_workbook(tmp_path / "高血压随访记录.xlsx", {"随访": [
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [low, "2025-03-01", "门诊", 130, 80],
        [high, "2025-03-01", "门诊", 145, 85],
    ]})
    read = read_folder(tmp_path, today=dt.date(2026, 1, 10))
    result = compute_indicators(read, parse_period("2025"), CentreConfig(), load_library(), only=["hypertension_bp_control_rate"])
    [row] = result.indicators
    assert (row.numerator, row.denominator) == (1, 2)


def test_a_numerator_missing_a_column_is_not_said_to_want_a_figure(tmp_path):
    """The reason names only what would make it computable: with no 产后访视日期 column a live-births
    figure in chsc.yaml would not help, so the reason does not offer it."""
    import datetime as dt

    from helpers import make_id, write_workbook

    from chsc_cli.config import CentreConfig
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.periods import parse_period
    from chsc_cli.registers import read_folder

    mother = make_id("19900101", "002")
    write_workbook(tmp_path / "孕产妇.xlsx", {"孕产妇": [["身份证号", "分娩日期", "出院日期"], [mother, "2025-03-01", "2025-03-04"]]})
    read = read_folder(tmp_path, today=dt.date(2026, 1, 10))
    result = compute_indicators(read, parse_period("2025"), CentreConfig(), load_library(), only=["postpartum_visit_rate"])
    [row] = result.indicators
    assert row.value is None and "产后访视日期" in row.reason and "live_births" not in row.reason, row.reason


EARLIEST_BIRTH = """populations:
  residents_by_earliest_birth:
    name: 居民（出生日期取各行最早者）
    register: residents
    derive:
      birth: {earliest: birth}
    latest_by: record_date
"""

ELDERLY_BY_DERIVED_BIRTH = """id: elderly_by_derived_birth
name: 老年居民签约率
category: 测试
registers: [residents]
definition: 测试：出生日期由 derive 取各行最早者时，年龄随之计算
target: 0.5
denominator:
  population: residents_by_earliest_birth
  having: [age >= 65]
numerator:
  having: [signed == 是]
"""


def test_a_derived_birth_date_gives_the_age_the_having_reads(tmp_path):
    """A population deriving `birth` over its rows ages the person from the derived date, not from
    the picked row's own birth date (which would make `age` and `birth` disagree)."""
    (tmp_path / "populations.yaml").write_text(EARLIEST_BIRTH, encoding="utf-8")
    lib = library(tmp_path, {"elderly_by_derived_birth": ELDERLY_BY_DERIVED_BIRTH})
    residents = pd.DataFrame(
        [[OLD, "2019-01-01", True, "1950-01-01"], [OLD, "2021-01-01", True, "1962-01-01"],
         [YOUNG, "2020-01-01", False, "1992-02-02"]],
        columns=["id_number", "record_date", "signed", "birth"],
    ).assign(resident=True, record_status="active")
    row, result = compute(read_result({"residents": residents}), lib, "2025", "elderly_by_derived_birth")
    # OLD's latest row says 1962 (63 at the period's end), the earliest birth over the rows 1950 (75)
    assert (row.numerator, row.denominator) == (1, 1)
    persons = result.evaluations["elderly_by_derived_birth"].persons
    assert str(persons.loc[OLD, "birth"])[:10] == "1950-01-01"
