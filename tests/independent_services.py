"""A second, deliberately plain implementation of the nineteen indicators of spec/services.md (issues
#16 and #17), written from spec/services.md, indicators.md and registers.md only — never from the
engine (src/chsc_cli/engine/) or its YAML library. It extends tests/independent_check.py (the
first thirteen indicators) in the same style: rows become dicts, units are dict keys, populations
are sets.

Every indicator function takes `(registers, period, settings, params=None)` — `registers` being
`plain_service_registers(read.tables)` (independent_services_base), `params` the indicator's
parameters when a case changes one of the defaults (DEFAULT_PARAMS there) — and returns
`(numerator, denominator, denominator_source)`. A `count` indicator returns `(count, None, None)`;
its pro-rated target is `target_of(...)`, and `outcome(...)` gives value, target, met and shortfall.
All three are None when the indicator cannot be computed. The child, SMI and TB indicators live in
independent_services_persons.py; this module holds the rest and the registry (INDICATORS).

Where the spec is silent, the choice is written in a comment at the place it is made: blank 活产数
is 1 row by row before the largest is taken; TCM `per_due_age: true` counts distinct TCM visit
dates; several rows of one TB patient, child or card are judged row by row (population from any row,
each numerator condition from one row); record kinds drop identical rows here too; a date-only
timeliness test for a limit other than 2 or 24 hours allows limit // 24 days.

The contract relied on: the reader's field names agreed across the team (/tmp/new_kinds_fields.md):

    Every kind's table (read_folder(folder).tables[kind]) has these English field names (columns
    absent from a file are absent from the table). Types: id = normalised 18-char ID (str), code =
    normalised text key (str), date = datetime64 (day), datetime = datetime64 with time + a boolean
    companion column `<field>__has_time` (True when the cell carried a time of day), number = float,
    yesno = bool, category = canonical value (str), text = str. Also _file, _sheet, _row.

    child_health_roster (roster, key child_health_code): child_health_code code R · birth_date date R
      · roster_status category (active / ended; blank & unknown = active) · status_change_date date
      · id_number id (optional, not the key) · name · sex · mother_name · station · team · phone
    child_health_visits (event, key child_health_code): child_health_code code R · visit_date date R
      · visit_type text · tcm_guidance yesno · birth_date date · name · station
    maternal_records (event, person key id_number; delivery = (id_number, delivery_date)):
      id_number id R · delivery_date date R-column (blank = not yet delivered) · last_menstrual_date
      · registration_date · registration_weeks number (12+3 -> 12 + 3/7; registration_days = weeks*7
      + days if given) · antenatal_visits number · discharge_date · postpartum_visit_date
      · postpartum_42_date · live_births number (blank stays NaN: "blank = 1" is the indicator's)
      · name · birth_date · station · team · phone
    smi_patients (roster, id_number): id_number R · enrolment_date R · management_status
      (active/ended) · status_change_date · diagnosis · name · sex · birth_date · station · team
    smi_followups (event, id_number): id_number R · followup_date R · followup_mode R (category,
      face-to-face list) · risk_level number 0-5 · followup_class category (稳定 / 基本稳定 / 不稳定 /
      未访到) · name · birth_date · station · doctor
    tb_patients (roster, id_number): id_number R · notice_date date R · first_visit_date · stop_date
      · stop_reason category (completed / died / lost / mdr / other) · due_doses number
      · taken_doses number · diagnosis_date · name · sex · birth_date · station · team · phone
    infectious_disease_reports (record, key card_number): card_number code R · disease_name text R
      · diagnosis_time datetime R · report_time datetime (blank = not reported) · disease_class
      category (甲类 / 乙类 / 丙类 / 其他) · card_status (已删除/删除/已删除卡 = deleted)
      · review_status text (same words) · deleted_time text (filled = deleted: a date-time or 是/已删除; not 否/无/未…, not `.`) · id_number
      · name · station · reporting_doctor
    health_supervision_reports (record, no key): found_time datetime R · info_category category R
      · report_time datetime · info_content · reporter · reporting_unit · station
    health_education_activities (record, no key): activity_date date R · activity_form category R
      (健康知识讲座, 公众健康咨询, 宣传栏更新, 发放印刷资料, 播放音像资料, 个体化健康教育, 其他)
      · topic · attendance number · venue · station
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal

from independent_check import (
    age_on,
    as_date,
    is_yes,
    managed_patients,
    number,
    person_birth,
    person_id,
    reference_date,
    residents_at_end,
    rows_of,
)
from independent_services_base import (
    NONE,
    card_deleted,
    deliveries,
    distinct_rows,
    in_period,
    live_births,
    months_covered,
    params_of,
    record_key_units,
    report_timely,
    with_figure,
    within_days,
)
from independent_services_persons import (
    child_health_management_rate,
    child_systematic_management_rate,
    child_tcm_management_rate,
    newborn_visit_rate,
    reached,
    smi_face_to_face_rate,
    smi_patients,
    smi_stable_rate,
    smi_standard_management_rate,
    tb_management_rate,
    tb_regular_medication_rate,
)

#: Default targets of the services.md table: a fraction, or for a count indicator per year / station.
DEFAULT_TARGETS = {
    "newborn_visit_rate": "0.9",
    "child_health_management_rate": "0.9",
    "child_systematic_management_rate": "0.9",
    "child_tcm_management_rate": "0.7",
    "early_pregnancy_registration_rate": "0.9",
    "postpartum_visit_rate": "0.9",
    "maternal_system_management_rate": "0.95",
    "smi_standard_management_rate": "0.8",
    "smi_face_to_face_rate": "0.9",
    "smi_stable_rate": "0.6",
    "tb_management_rate": "0.9",
    "tb_regular_medication_rate": "0.9",
    "infectious_disease_report_rate": "1",
    "infectious_disease_timely_report_rate": "1",
    "health_supervision_report_rate": "0.95",
    "health_record_usage_rate": "0.6",
    "key_population_signing_rate": "0.6",
}
COUNT_PER_YEAR = {"health_lecture_count": 12, "health_consultation_count": 9}


# ------------------------------------------------------------------------------------------------
# 孕产妇健康管理 (unit: delivery)
# ------------------------------------------------------------------------------------------------


def _row_early(row: dict) -> bool:
    """'when 末次月经 and 建册日期 are both given, 0 ≤ 建册日期 − 末次月经 ≤ 90 days; otherwise 建册孕周 <
    13 (12+6 is early, 13 is not); with neither, not early' — from one row."""
    lmp, registered = as_date(row.get("last_menstrual_date")), as_date(row.get("registration_date"))
    if lmp is not None and registered is not None:
        return within_days(registered, lmp, 90)
    days = number(row.get("registration_days"))
    if days is not None:
        return days < 13 * 7
    weeks = number(row.get("registration_weeks"))
    return weeks is not None and weeks < 13


def _row_postpartum(row: dict, limit: int) -> bool:
    """产后访视日期 0–limit days after 出院日期 (blank: after 分娩日期), from one row."""
    start = as_date(row.get("discharge_date")) or as_date(row.get("delivery_date"))
    return within_days(as_date(row.get("postpartum_visit_date")), start, limit)


def _row_antenatal(row: dict) -> bool:
    visits = number(row.get("antenatal_visits"))
    return visits is not None and visits >= 5


def _deliveries_in_period(registers: dict, period):
    rows = rows_of(registers, "maternal_records")
    if rows is None:
        return None
    return {key: unit for key, unit in deliveries(rows).items() if in_period(key[1], period)}


def _maternal(registers: dict, period, settings, conditions) -> tuple:
    """Numerator: deliveries in the period with live births > 0 meeting every condition, each met by
    any of its rows. Denominator: the live births of those deliveries, or population.live_births."""
    units = _deliveries_in_period(registers, period)
    if units is None:
        return NONE
    births = sum(live_births(rows) for rows in units.values())
    numerator = sum(
        1
        for rows in units.values()
        if live_births(rows) > 0 and all(any(condition(row) for row in rows) for condition in conditions)
    )
    return with_figure(settings, period, "live_births", numerator, births, "register")


def early_pregnancy_registration_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    return _maternal(registers, period, settings, [_row_early])


def postpartum_visit_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    limit = params_of("postpartum_visit_rate", params)["within_days"]
    return _maternal(registers, period, settings, [lambda row: _row_postpartum(row, limit)])


def maternal_system_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    limit = params_of("maternal_system_management_rate", params)["within_days"]
    conditions = [_row_early, _row_antenatal, lambda row: _row_postpartum(row, limit)]
    return _maternal(registers, period, settings, conditions)


# ------------------------------------------------------------------------------------------------
# 传染病, 卫生监督协管 (unit: record)
# ------------------------------------------------------------------------------------------------


def _live_cards(registers: dict, period):
    """Cards not deleted with a row whose 诊断时间 is in the period."""
    rows = rows_of(registers, "infectious_disease_reports")
    if rows is None:
        return None
    return [
        card
        for card in record_key_units(rows, "card_number")
        if not card_deleted(card) and any(in_period(r.get("diagnosis_time"), period) for r in card)
    ]


def infectious_disease_report_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    cards = _live_cards(registers, period)
    if cards is None:
        return NONE
    return sum(1 for card in cards if any(r.get("report_time") is not None for r in card)), len(cards), "register"


def infectious_disease_timely_report_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    two_hour = params_of("infectious_disease_timely_report_rate", params)["two_hour_diseases"]
    cards = _live_cards(registers, period)
    if cards is None:
        return NONE
    reported = [card for card in cards if any(r.get("report_time") is not None for r in card)]

    def limit(row: dict) -> int:
        name = str(row.get("disease_name") or "")
        return 2 if row.get("disease_class") == "甲类" or any(d in name for d in two_hour) else 24

    timely = sum(1 for card in reported if any(report_timely(r, limit(r)) for r in card))
    return timely, len(reported), "register"


def health_supervision_report_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    rows = rows_of(registers, "health_supervision_reports")
    if rows is None:
        return NONE
    records = [r for r in distinct_rows(rows) if in_period(r.get("found_time"), period)]
    return sum(1 for r in records if r.get("report_time") is not None), len(records), "register"


# ------------------------------------------------------------------------------------------------
# 健康教育 (unit: count)
# ------------------------------------------------------------------------------------------------


def _activities(registers: dict, period, form: str, min_attendance: float = 0) -> tuple:
    rows = rows_of(registers, "health_education_activities")
    if rows is None:
        return NONE
    count = 0
    for row in distinct_rows(rows):
        if row.get("activity_form") != form or not in_period(as_date(row.get("activity_date")), period):
            continue
        attendance = number(row.get("attendance"))
        if min_attendance > 0 and (attendance is None or attendance < min_attendance):
            continue  # above 0, only records with 参加人数 at least that number; blank does not
        count += 1
    return count, None, None


def health_lecture_count(registers: dict, period, settings, params: dict | None = None) -> tuple:
    return _activities(registers, period, "健康知识讲座", params_of("health_lecture_count", params)["min_attendance"])


def health_consultation_count(registers: dict, period, settings, params: dict | None = None) -> tuple:
    return _activities(registers, period, "公众健康咨询")


# ------------------------------------------------------------------------------------------------
# 居民健康档案使用, 重点人群签约
# ------------------------------------------------------------------------------------------------


def health_record_usage_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    sources = params_of("health_record_usage_rate", params)["registers"]
    residents = residents_at_end(registers, period)
    present = [kind for kind in sources if rows_of(registers, kind) is not None]
    if residents is None or not present:
        return NONE
    used = set()
    for kind in present:
        for row in rows_of(registers, kind):
            if kind == "smi_followups" and not reached(row):
                continue  # 未访到 excluded
            if any(in_period(as_date(row.get(field)), period) for field in sources[kind]):
                used.add(person_id(row))
    return len(used & set(residents)), len(residents), "roster"


def _pregnant_or_delivered(registers: dict, period, max_days: int) -> set[str]:
    out = set()
    for row in rows_of(registers, "maternal_records") or []:
        pid, delivered = person_id(row), as_date(row.get("delivery_date"))
        registered = as_date(row.get("registration_date"))
        if pid is None:
            continue
        if in_period(delivered, period):
            out.add(pid)  # a delivery in the period
        elif (
            registered is not None
            and 0 <= (period.end - registered).days <= max_days
            and (delivered is None or delivered > period.end)
        ):
            out.add(pid)  # pregnant at the period end
    return out


def _tb_under_treatment(registers: dict, period) -> set[str]:
    out = set()
    for row in rows_of(registers, "tb_patients") or []:
        notice, stopped = as_date(row.get("notice_date")), as_date(row.get("stop_date"))
        if notice is not None and notice <= period.end and (stopped is None or stopped > period.end):
            out.add(person_id(row))
    return out


def key_population_signing_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    p = params_of("key_population_signing_rate", params)
    residents = residents_at_end(registers, period)
    if residents is None or "signed" not in registers["residents"]["columns"]:
        return NONE
    reference = reference_date(period, settings)
    key = set()
    for pid, rows in residents.items():
        birth = person_birth(pid, rows)
        if birth is not None and (age_on(birth, reference) >= 65 or age_on(birth, reference) < 7):
            key.add(pid)
    for disease in ("hypertension", "diabetes"):
        managed = managed_patients(registers, period, disease)
        key |= set(managed[0]) if managed else set()
    smi = smi_patients(registers, period)
    key |= set(smi[0]) if smi else set()
    key |= _tb_under_treatment(registers, period)
    key |= _pregnant_or_delivered(registers, period, p["max_pregnancy_days"])
    population = key & set(residents)  # each person once
    signed = {
        pid
        for pid in population
        for row in residents[pid]
        if is_yes(row.get("signed"))
        and (as_date(row.get("signing_date")) is None or as_date(row.get("signing_date")) <= period.end)
    }
    return len(signed), len(population), "roster"


# ------------------------------------------------------------------------------------------------

INDICATORS = {
    "newborn_visit_rate": newborn_visit_rate,
    "child_health_management_rate": child_health_management_rate,
    "child_systematic_management_rate": child_systematic_management_rate,
    "child_tcm_management_rate": child_tcm_management_rate,
    "early_pregnancy_registration_rate": early_pregnancy_registration_rate,
    "postpartum_visit_rate": postpartum_visit_rate,
    "maternal_system_management_rate": maternal_system_management_rate,
    "smi_standard_management_rate": smi_standard_management_rate,
    "smi_face_to_face_rate": smi_face_to_face_rate,
    "smi_stable_rate": smi_stable_rate,
    "tb_management_rate": tb_management_rate,
    "tb_regular_medication_rate": tb_regular_medication_rate,
    "infectious_disease_report_rate": infectious_disease_report_rate,
    "infectious_disease_timely_report_rate": infectious_disease_timely_report_rate,
    "health_supervision_report_rate": health_supervision_report_rate,
    "health_lecture_count": health_lecture_count,
    "health_consultation_count": health_consultation_count,
    "health_record_usage_rate": health_record_usage_rate,
    "key_population_signing_rate": key_population_signing_rate,
}


def target_of(indicator_id: str, period, settings) -> Decimal | int:
    """The target: chsc.yaml `targets:` or the default; a count's per-year number pro-rated as
    ceil(per_year × months covered ÷ 12)."""
    targets = getattr(settings, "targets", None) or {}
    if indicator_id in COUNT_PER_YEAR:
        per_year = int(targets.get(indicator_id, COUNT_PER_YEAR[indicator_id]))
        return math.ceil(Decimal(per_year) * months_covered(period) / 12)
    given = targets.get(indicator_id, DEFAULT_TARGETS[indicator_id])
    text = str(given).strip()
    return Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)


def outcome(indicator_id: str, result: tuple, period, settings) -> dict:
    """value, target, met and shortfall of one result (indicators.md "Target", services.md counts)."""
    numerator, denominator, _ = result
    target = target_of(indicator_id, period, settings)
    if indicator_id in COUNT_PER_YEAR:
        if numerator is None:
            return {"value": None, "target": target, "met": None, "shortfall": None}
        return {"value": numerator, "target": target, "met": numerator >= target, "shortfall": max(0, target - numerator)}
    if numerator is None or not denominator:
        return {"value": None, "target": target, "met": None, "shortfall": None}
    needed = int((target * denominator).to_integral_value(rounding=ROUND_CEILING))
    value = numerator / denominator
    return {"value": value, "target": target, "met": Decimal(numerator) >= target * denominator,
            "shortfall": max(0, needed - numerator)}


def compute(registers: dict, period, settings) -> dict[str, tuple]:
    """Every indicator above for one period: id -> (numerator, denominator, denominator_source)."""
    return {indicator_id: function(registers, period, settings) for indicator_id, function in INDICATORS.items()}
