"""The person indicators of spec/services.md for children (0～6岁儿童健康管理), SMI patients (严重精神障碍
患者管理) and TB patients (肺结核患者健康管理): part of the plain implementation in
tests/independent_services.py (see its docstring for the contract relied on), written from the spec
text only, never from the engine.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from independent_check import (
    age_on,
    as_date,
    is_yes,
    managed_patients,
    missing,
    number,
    quarters_overlapping,
    reference_date,
    rows_by_person,
    rows_of,
)
from independent_services_base import (
    FACE_TO_FACE,
    NONE,
    NOT_REACHED,
    SMI_CLASSES,
    add_months,
    in_period,
    params_of,
    with_figure,
    within_days,
)

# ------------------------------------------------------------------------------------------------
# 0～6岁儿童健康管理
# ------------------------------------------------------------------------------------------------


def _child_code(row: dict) -> str | None:
    value = row.get("child_health_code")
    return None if missing(value) else str(value)


def _roster_row_active_at_end(row: dict, period) -> bool:
    """'active at the period end (active, or ended with 状态变更日期 after the period end)'; 'an ended
    child with no date is out'; blank and unknown 在册状态 are active."""
    if row.get("roster_status") != "ended":
        return True
    changed = as_date(row.get("status_change_date"))
    return changed is not None and changed > period.end


def _children_under_management(registers: dict, period, settings) -> dict[str, list[dict]]:
    """Child -> their roster rows that are 在管: born on or before the reference date and active at
    the period end. The birth date is the roster's 出生日期 (a 身份证号 there does not override it)."""
    reference = reference_date(period, settings)
    out: dict[str, list[dict]] = {}
    for row in rows_of(registers, "child_health_roster"):
        code, birth = _child_code(row), as_date(row.get("birth_date"))
        if code is not None and birth is not None and birth <= reference and _roster_row_active_at_end(row, period):
            out.setdefault(code, []).append(row)
    return out


def _visits(registers: dict) -> dict[str, list[dict]]:
    return rows_by_person(rows_of(registers, "child_health_visits"), key=_child_code)


def _child_inputs(registers: dict):
    if rows_of(registers, "child_health_roster") is None or rows_of(registers, "child_health_visits") is None:
        return None
    return _visits(registers)




def newborn_visit_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    p = params_of("newborn_visit_rate", params)
    visits = _child_inputs(registers)
    if visits is None:
        return NONE
    # roster children born in the period, whatever their status (row by row: any row born in it)
    births: dict[str, set[dt.date]] = {}
    for row in rows_of(registers, "child_health_roster"):
        code, birth = _child_code(row), as_date(row.get("birth_date"))
        if code is not None and birth is not None and period.start <= birth <= period.end:
            births.setdefault(code, set()).add(birth)
    counted = {
        code
        for code, days in births.items()
        if any(
            within_days(as_date(v.get("visit_date")), birth, p["max_days"])  # even after the period end
            for birth in days
            for v in visits.get(code, [])
        )
    }
    return with_figure(settings, period, "live_births", len(counted), len(births), "roster")


def child_health_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    visits = _child_inputs(registers)
    if visits is None:
        return NONE
    reference = reference_date(period, settings)
    children = {
        code
        for code, rows in _children_under_management(registers, period, settings).items()
        if any(age_on(as_date(row["birth_date"]), reference) < 7 for row in rows)  # exactly 7 is out
    }
    counted = {c for c in children if any(in_period(as_date(v.get("visit_date")), period) for v in visits.get(c, []))}
    return with_figure(settings, period, "children_0_6", len(counted), len(children), "roster")


def _due_dates(birth: dt.date, months: list[int], period) -> list[dt.date]:
    return [day for day in (add_months(birth, m) for m in months) if period.start <= day <= period.end]


def child_systematic_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    p = params_of("child_systematic_management_rate", params)
    visits = _child_inputs(registers)
    if visits is None:
        return NONE
    reference = reference_date(period, settings)
    denominator, numerator = set(), set()
    for code, rows in _children_under_management(registers, period, settings).items():
        # Row by row: a roster row passes the filters with its own birth date; the child meets the
        # numerator when one of its passing rows does (registers.md / services.md "Several rows").
        for row in rows:
            birth = as_date(row["birth_date"])
            due = _due_dates(birth, p["schedule_months"], period)
            if age_on(birth, reference) >= 3 or not due:
                continue
            denominator.add(code)
            dates = {
                as_date(v.get("visit_date"))
                for v in visits.get(code, [])
                if in_period(as_date(v.get("visit_date")), period)
                and (as_date(v.get("visit_date")) - birth).days >= p["min_days_after_birth"]
            }
            if len(dates) >= len(due):
                numerator.add(code)
    return len(numerator), len(denominator), "roster"


def child_tcm_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    p = params_of("child_tcm_management_rate", params)
    visits = _child_inputs(registers)
    if visits is None:
        return NONE
    denominator, numerator = set(), set()
    for code, rows in _children_under_management(registers, period, settings).items():
        tcm_dates = {
            as_date(v.get("visit_date"))
            for v in visits.get(code, [])
            if in_period(as_date(v.get("visit_date")), period) and is_yes(v.get("tcm_guidance"))
        }
        for row in rows:
            due = _due_dates(as_date(row["birth_date"]), p["schedule_months"], period)
            if not due:
                continue
            denominator.add(code)
            # per_due_age: true asks one TCM visit (distinct date) per due date in the period — the
            # spec says only "one per due date"; distinct dates, as for the systematic checkups.
            needed = len(due) if p["per_due_age"] else 1
            if len(tcm_dates) >= needed:
                numerator.add(code)
    return len(numerator), len(denominator), "roster"


# ------------------------------------------------------------------------------------------------
# 严重精神障碍患者管理
# ------------------------------------------------------------------------------------------------


def reached(row: dict) -> bool:
    """'A row whose 本次随访分类 is 未访到 is not a follow-up ... for every indicator'."""
    return row.get("followup_class") != NOT_REACHED


def smi_patients(registers: dict, period):
    """Registered SMI patients, as managed hypertension patients on smi_patients, else every person of
    smi_followups (未访到 rows included) enrolled on their earliest row. (patients, source) or None."""
    if rows_of(registers, "smi_patients") is not None:
        proxy = {"hypertension_patients": registers["smi_patients"]}
    elif rows_of(registers, "smi_followups") is not None:
        proxy = {"hypertension_followups": registers["smi_followups"]}
    else:
        return None
    return managed_patients(proxy, period, "hypertension")


def _smi_followups_in_period(registers: dict, period) -> dict[str, list[dict]]:
    rows = [r for r in rows_of(registers, "smi_followups") or [] if in_period(as_date(r.get("followup_date")), period)]
    return rows_by_person([r for r in rows if reached(r)])


def _smi_inputs(registers: dict, period):
    managed = smi_patients(registers, period)
    if managed is None or rows_of(registers, "smi_followups") is None:
        return None
    return managed, _smi_followups_in_period(registers, period)


def smi_standard_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    inputs = _smi_inputs(registers, period)
    if inputs is None:
        return NONE
    (patients, source), followups = inputs
    numerator = 0
    for pid, patient in patients.items():
        first = patient["enrolment"] if in_period(patient["enrolment"], period) else period.start
        k = quarters_overlapping(first, period.end)
        if len({as_date(r.get("followup_date")) for r in followups.get(pid, [])}) >= k:  # any 随访方式
            numerator += 1
    return numerator, len(patients), source


def smi_face_to_face_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    inputs = _smi_inputs(registers, period)
    if inputs is None:
        return NONE
    (patients, source), followups = inputs
    numerator = sum(
        1
        for pid in patients
        if any(str(r.get("followup_mode") or "").strip() in FACE_TO_FACE for r in followups.get(pid, []))
    )
    return numerator, len(patients), source


def smi_stable_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    inputs = _smi_inputs(registers, period)
    if inputs is None:
        return NONE
    (patients, source), followups = inputs
    numerator = 0
    for pid in patients:
        by_day: dict[dt.date, set[str]] = {}
        for row in followups.get(pid, []):
            if row.get("followup_class") in SMI_CLASSES:  # a known classification
                by_day.setdefault(as_date(row["followup_date"]), set()).add(row["followup_class"])
        if by_day:
            classes = by_day[max(by_day)]
            worst = next(c for c in SMI_CLASSES if c in classes)  # the least favourable row wins
            numerator += worst == "稳定"
    return numerator, len(patients), source


# ------------------------------------------------------------------------------------------------
# 肺结核患者健康管理
# ------------------------------------------------------------------------------------------------


def tb_management_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    limit = params_of("tb_management_rate", params)["within_days"]
    rows = rows_of(registers, "tb_patients")
    if rows is None:
        return NONE

    def visited(row: dict) -> bool:  # 首次入户随访日期 and 通知日期 from the same row
        notice, first = as_date(row.get("notice_date")), as_date(row.get("first_visit_date"))
        if notice is None or first is None or first < notice:
            return False
        return limit is None or (first - notice).days <= limit

    people = rows_by_person(rows)
    patients = {pid for pid, rs in people.items() if any(in_period(as_date(r.get("notice_date")), period) for r in rs)}
    return sum(1 for pid in patients if any(visited(r) for r in people[pid])), len(patients), "roster"


def _regular(row: dict) -> bool:
    """实际服药次数 ≥ 90% of 应服药次数, exactly (blank, or 应服药次数 0, is not regular)."""
    due, taken = number(row.get("due_doses")), number(row.get("taken_doses"))
    if due is None or taken is None or due == 0:
        return False
    return Decimal(str(taken)) * 10 >= Decimal(str(due)) * 9


def tb_regular_medication_rate(registers: dict, period, settings, params: dict | None = None) -> tuple:
    rows = rows_of(registers, "tb_patients")
    if rows is None:
        return NONE
    people = rows_by_person(rows)
    patients = {
        pid
        for pid, rs in people.items()
        if any(in_period(as_date(r.get("stop_date")), period) and r.get("stop_reason") == "completed" for r in rs)
    }
    return sum(1 for pid in patients if any(_regular(r) for r in people[pid])), len(patients), "roster"
