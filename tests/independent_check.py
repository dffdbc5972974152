"""A second, deliberately plain implementation of the indicators, written from spec/indicators.md
and spec/registers.md only — never from the engine (src/chsc_cli/engine/) or its YAML library.

It starts from the reader's parsed tables (`read_folder(folder).tables`, one pandas DataFrame per
register kind with English field names) and then works with ordinary Python: rows become dicts,
persons are dict keys, populations are sets. Clarity over speed.

Every indicator function takes `(registers, period, settings)` — `registers` being
`plain_registers(read.tables)` — and returns
`(numerator, denominator, denominator_source)`; all three are None when the indicator cannot be
computed (a register, column or setting it needs is missing). `denominator_source` is "config"
(a chsc.yaml figure), "roster" (a roster register) or "register" (the follow-up register standing in
for a missing patient roster).

Nothing here imports the engine. Age, first birthdays, quarters, ID birth dates, vaccine series
membership and face-to-face modes are all re-derived below from the spec text.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

import pandas as pd

# ------------------------------------------------------------------------------------------------
# Spec vocabulary (registers.md)
# ------------------------------------------------------------------------------------------------

#: 随访方式 that count as face-to-face (面对面); everything else (电话, 微信, blank, unknown) does not.
FACE_TO_FACE = {"门诊", "门诊就诊", "站点就诊", "家庭", "上门", "上门随访", "社区随访"}

#: 在册类别 that are not counted; blank and unknown values are counted.
NOT_REGISTERED = {"死亡", "迁出", "临时外转"}

#: 12月龄儿童五苗: series -> number of distinct dates needed strictly before the first birthday.
FIVE_VACCINES = {"BCG": 1, "HepB": 3, "Polio": 3, "DTaP": 3, "MCV": 1}

ELDERLY_AGE = 65


# ------------------------------------------------------------------------------------------------
# Small value helpers
# ------------------------------------------------------------------------------------------------


def missing(value) -> bool:
    """None, NaN, NaT, pd.NA, or an empty / blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_date(value) -> dt.date | None:
    """A table cell (Timestamp, datetime, date, NaT) as a plain date, or None."""
    if missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"not a date: {value!r}")


def is_yes(value) -> bool:
    """A yes/no cell: only a real True is yes (blank, False, NA are no)."""
    return not missing(value) and bool(value)


def number(value) -> float | None:
    return None if missing(value) else float(value)


def plain_registers(tables: dict) -> dict[str, dict]:
    """The reader's tables as plain Python, converted once: kind -> {"columns": set of fields,
    "rows": [dict per row]}. Cells become plain values: dates are `datetime.date`, blanks None.

    Each row dict also gets `_present_set`: the fields the row's source file actually has (the
    reader's `_present` text, comma separated), so "the file lacks the column" can be told from
    "blank".
    """
    registers = {}
    for kind, table in tables.items():
        rows = []
        for record in table.to_dict("records"):
            row = {}
            for field, value in record.items():
                if isinstance(value, tuple):
                    row[field] = value  # vaccination series
                elif missing(value):
                    row[field] = None
                elif isinstance(value, (pd.Timestamp, dt.datetime)):
                    row[field] = value.date()
                else:
                    row[field] = value
            present = row.get("_present")
            row["_present_set"] = set(present.split(",")) if isinstance(present, str) else set()
            rows.append(row)
        registers[kind] = {"columns": set(table.columns), "rows": rows}
    return registers


def rows_of(registers: dict, kind: str) -> list[dict] | None:
    """The rows of one register kind, or None when the folder has no such register."""
    register = registers.get(kind)
    return None if register is None else register["rows"]


def person_id(row: dict) -> str | None:
    """The person key (normalised 18-character ID number); None for a row left out of person counts."""
    value = row.get("id_number")
    return None if missing(value) else str(value)


def child_key(row: dict) -> str | None:
    value = row.get("child_code")
    return None if missing(value) else str(value)


def in_period(day: dt.date | None, period) -> bool:
    return day is not None and period.start <= day <= period.end


# ------------------------------------------------------------------------------------------------
# Calendar: age, first birthday, quarters (indicators.md "Shared rules")
# ------------------------------------------------------------------------------------------------


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_in_year(birth: dt.date, year: int) -> dt.date:
    """The person's birthday in `year`; someone born on 29 February has it on 28 February in a
    common year."""
    if birth.month == 2 and birth.day == 29 and not is_leap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, birth.month, birth.day)


def age_on(birth: dt.date, reference: dt.date) -> int:
    """Completed years (周岁) on `reference`."""
    years = reference.year - birth.year
    if reference < birthday_in_year(birth, reference.year):
        years -= 1
    return years


def first_birthday(birth: dt.date) -> dt.date:
    """Same month and day one year later (29 February -> 28 February)."""
    return birthday_in_year(birth, birth.year + 1)


def quarter_index(day: dt.date) -> int:
    """Quarters numbered consecutively across years."""
    return day.year * 4 + (day.month - 1) // 3


def quarters_overlapping(first: dt.date, last: dt.date) -> int:
    """How many calendar quarters overlap [first, last]."""
    return quarter_index(last) - quarter_index(first) + 1


def reference_date(period, settings) -> dt.date:
    """Age reference: the period end unless chsc.yaml says `reference_date: period_start`."""
    if settings is not None and getattr(settings, "reference_date", "period_end") == "period_start":
        return period.start
    return period.end


def birth_from_id(id18: str | None) -> dt.date | None:
    """The date digits 7-14 of an 18-character ID, when they form a real date (checksum ignored)."""
    if not id18 or len(id18) != 18 or not id18[6:14].isdigit():
        return None
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def first_written_birth(rows: list[dict]) -> dt.date | None:
    """The first usable 出生日期 written on these rows, or None."""
    for row in rows:
        written = as_date(row.get("birth_date"))
        if written is not None:
            return written
    return None


def person_birth(pid: str, *row_lists: list[dict] | None) -> dt.date | None:
    """registers.md: birth date from the ID number; otherwise the 出生日期 of the person's roster
    row, then of the event row. `row_lists` are this person's rows in order of preference."""
    from_id = birth_from_id(pid)
    if from_id is not None:
        return from_id
    for rows in row_lists:
        if rows:
            written = first_written_birth(rows)
            if written is not None:
                return written
    return None


def rows_by_person(rows: list[dict] | None, key=person_id) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows or []:
        pid = key(row)
        if pid is not None:
            out.setdefault(pid, []).append(row)
    return out


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


def population_for(settings, period):
    """The official figures that apply to the period.

    registers.md calls `population_by_year` "other years' official figures": a period lying inside
    one calendar year that has an entry there uses that entry (and only it: a key the entry lacks is
    missing, never borrowed from another year); any other period uses `population`. The spec does
    not spell this out for `compute`; it is the reading this check takes.
    """
    if settings is None:
        return None
    by_year = getattr(settings, "population_by_year", None) or {}
    if period.start.year == period.end.year and period.start.year in by_year:
        return by_year[period.start.year]
    return getattr(settings, "population", None)


def population_figure(settings, period, key: str) -> int | None:
    population = population_for(settings, period)
    if population is None:
        return None
    return getattr(population, key, None)


def prevalence_of(settings, disease: str) -> Decimal | None:
    prevalence = getattr(settings, "prevalence", None) if settings is not None else None
    if prevalence is None:
        return None
    value = getattr(prevalence, disease, None)
    return None if value is None else Decimal(str(value))


# ------------------------------------------------------------------------------------------------
# Shared populations
# ------------------------------------------------------------------------------------------------


def resident_row_at_end(row: dict, period) -> bool:
    """indicators.md: 常住 yes, 建档日期 on or before the period end, record active or closed after
    the period end (a closed record with no 注销日期 is left out)."""
    resident = row.get("resident")
    if not missing(resident) and not bool(resident):
        return False  # 常住 = no; blank or absent = yes
    record_date = as_date(row.get("record_date"))
    if record_date is None or record_date > period.end:
        return False
    if row.get("record_status") == "closed":
        closed = as_date(row.get("closed_date"))
        return closed is not None and closed > period.end
    return True  # active, blank or unknown status ignores 注销日期


def residents_at_end(registers: dict, period) -> dict[str, list[dict]] | None:
    """Person -> their qualifying residents rows (a person is in if any of their rows qualifies)."""
    rows = rows_of(registers, "residents")
    if rows is None:
        return None
    out: dict[str, list[dict]] = {}
    for row in rows:
        pid = person_id(row)
        if pid is not None and resident_row_at_end(row, period):
            out.setdefault(pid, []).append(row)
    return out


def managed_patients(registers: dict, period, disease: str) -> tuple[dict[str, dict], str] | None:
    """Managed hypertension / diabetes patients at the period end.

    Returns ({person: {"enrolment": date, "rows": [roster rows]}}, source) where source is "roster"
    or "register" (follow-up register fallback), or None when neither register is present.
    """
    roster = rows_of(registers, f"{disease}_patients")
    if roster is not None:
        patients: dict[str, dict] = {}
        for row in roster:
            pid = person_id(row)
            if pid is None:
                continue
            enrolled = as_date(row.get("enrolment_date"))
            if enrolled is None or enrolled > period.end:
                continue
            if row.get("management_status") == "ended":
                changed = as_date(row.get("status_change_date"))
                if changed is None or changed <= period.end:
                    continue  # ended on or before the period end, or ended with no date
            entry = patients.setdefault(pid, {"enrolment": enrolled, "rows": []})
            entry["enrolment"] = min(entry["enrolment"], enrolled)  # earliest among qualifying rows
            entry["rows"].append(row)
        return patients, "roster"

    followups = rows_of(registers, f"{disease}_followups")
    if followups is None:
        return None
    earliest: dict[str, dt.date] = {}
    for row in followups:
        pid = person_id(row)
        day = as_date(row.get("followup_date"))
        if pid is None or day is None:
            continue
        if pid not in earliest or day < earliest[pid]:
            earliest[pid] = day  # whole register, any 随访方式, whatever the period
    patients = {pid: {"enrolment": first, "rows": []} for pid, first in earliest.items() if first <= period.end}
    return patients, "register"


def registered_children(registers: dict) -> dict[str, list[dict]] | None:
    """Child code -> their children-roster rows whose 在册类别 is counted (blank counts)."""
    rows = rows_of(registers, "children")
    if rows is None:
        return None
    out: dict[str, list[dict]] = {}
    for row in rows:
        code = child_key(row)
        if code is None:
            continue
        category = row.get("registration_category")
        if not missing(category) and str(category).strip() in NOT_REGISTERED:
            continue
        out.setdefault(code, []).append(row)
    return out


def children_born_in_period(registers: dict, period) -> dict[str, list[dict]] | None:
    """Registered children born in the period: child -> the qualifying rows (registered, born in period)."""
    registered = registered_children(registers)
    if registered is None:
        return None
    out: dict[str, list[dict]] = {}
    for code, rows in registered.items():
        qualifying = [row for row in rows if in_period(as_date(row.get("birth_date")), period)]
        if qualifying:
            out[code] = qualifying
    return out


def vaccination_dates(registers: dict) -> dict[str, dict[str, set[dt.date]]] | None:
    """Child -> series -> the distinct dates of doses counting toward that series."""
    rows = rows_of(registers, "vaccinations")
    if rows is None:
        return None
    out: dict[str, dict[str, set[dt.date]]] = {}
    for row in rows:
        code = child_key(row)
        day = as_date(row.get("vaccination_date"))
        if code is None or day is None:
            continue
        for series in row.get("series") or ():
            out.setdefault(code, {}).setdefault(series, set()).add(day)
    return out


# ------------------------------------------------------------------------------------------------
# Elderly (老年人健康管理)
# ------------------------------------------------------------------------------------------------


def _checkup_complete(row: dict) -> bool:
    """生活方式评估 and 健康指导 both yes; a column the row's file lacks does not hold it back."""
    for field in ("lifestyle_assessment", "health_guidance"):
        if field in row["_present_set"] and not is_yes(row.get(field)):
            return False
    return True


def _checkup_tcm(row: dict) -> bool:
    """中医体质辨识 yes; a row from a file without the column never qualifies."""
    return "tcm_constitution" in row["_present_set"] and is_yes(row.get("tcm_constitution"))


def _elderly(registers: dict, period, settings, qualifies) -> tuple:
    checkups = rows_of(registers, "elderly_checkups")
    if checkups is None:
        return None, None, None
    reference = reference_date(period, settings)
    residents_all = rows_by_person(rows_of(registers, "residents"))

    # persons with at least one qualifying checkup row in the period (rows judged one by one)
    qualifying: dict[str, list[dict]] = {}
    for row in checkups:
        pid = person_id(row)
        if pid is None or not in_period(as_date(row.get("checkup_date")), period):
            continue
        if qualifies(row):
            qualifying.setdefault(pid, []).append(row)

    figure = population_figure(settings, period, "age_65_plus")
    if figure is not None:
        numerator = 0
        for pid, rows in qualifying.items():
            birth = person_birth(pid, residents_all.get(pid), rows)
            if birth is not None and age_on(birth, reference) >= ELDERLY_AGE:
                numerator += 1
        return numerator, figure, "config"

    residents = residents_at_end(registers, period)
    if residents is None:
        return None, None, None
    denominator_people = set()
    for pid, rows in residents.items():
        birth = person_birth(pid, rows, residents_all.get(pid))
        if birth is not None and age_on(birth, reference) >= ELDERLY_AGE:
            denominator_people.add(pid)
    numerator_people = {pid for pid in qualifying if pid in denominator_people}
    return len(numerator_people), len(denominator_people), "roster"


def elderly_health_management_rate(registers: dict, period, settings) -> tuple:
    return _elderly(registers, period, settings, _checkup_complete)


def elderly_tcm_management_rate(registers: dict, period, settings) -> tuple:
    return _elderly(registers, period, settings, _checkup_tcm)


# ------------------------------------------------------------------------------------------------
# Hypertension and diabetes
# ------------------------------------------------------------------------------------------------


def _followups_in_period(registers: dict, period, disease: str) -> dict[str, list[dict]] | None:
    rows = rows_of(registers, f"{disease}_followups")
    if rows is None:
        return None
    out: dict[str, list[dict]] = {}
    for row in rows:
        pid = person_id(row)
        if pid is not None and in_period(as_date(row.get("followup_date")), period):
            out.setdefault(pid, []).append(row)
    return out


def _standard_management(registers: dict, period, disease: str) -> tuple:
    managed = managed_patients(registers, period, disease)
    followups = _followups_in_period(registers, period, disease)
    if managed is None or followups is None:
        return None, None, None
    patients, source = managed
    numerator = 0
    for pid, patient in patients.items():
        enrolled = patient["enrolment"]
        first = enrolled if in_period(enrolled, period) else period.start
        k = quarters_overlapping(first, period.end)
        # face-to-face follow-ups in the period, one per person per date
        days = set()
        for row in followups.get(pid, []):
            mode = row.get("followup_mode")
            if not missing(mode) and str(mode).strip() in FACE_TO_FACE:
                days.add(as_date(row.get("followup_date")))
        if len(days) >= k:
            numerator += 1
    return numerator, len(patients), source


def hypertension_standard_management_rate(registers: dict, period, settings) -> tuple:
    return _standard_management(registers, period, "hypertension")


def diabetes_standard_management_rate(registers: dict, period, settings) -> tuple:
    return _standard_management(registers, period, "diabetes")


def _latest_bp(rows: list[dict]) -> tuple[float, float] | None:
    """The most recent day with a reading (both pressures); on that day the highest 收缩压, then 舒张压."""
    readings: dict[dt.date, list[tuple[float, float]]] = {}
    for row in rows:
        systolic, diastolic = number(row.get("systolic")), number(row.get("diastolic"))
        if systolic is None or diastolic is None:
            continue  # one pressure is no reading
        readings.setdefault(as_date(row.get("followup_date")), []).append((systolic, diastolic))
    if not readings:
        return None
    return max(readings[max(readings)])  # tuples compare systolic first, then diastolic


def _latest_glucose(rows: list[dict]) -> float | None:
    readings: dict[dt.date, list[float]] = {}
    for row in rows:
        glucose = number(row.get("fasting_glucose"))
        if glucose is not None:
            readings.setdefault(as_date(row.get("followup_date")), []).append(glucose)
    if not readings:
        return None
    return max(readings[max(readings)])


def hypertension_bp_control_rate(registers: dict, period, settings) -> tuple:
    managed = managed_patients(registers, period, "hypertension")
    followups = _followups_in_period(registers, period, "hypertension")
    if managed is None or followups is None:
        return None, None, None
    patients, source = managed
    reference = reference_date(period, settings)
    all_followups = rows_by_person(rows_of(registers, "hypertension_followups"))
    residents_all = rows_by_person(rows_of(registers, "residents"))
    numerator = 0
    for pid, patient in patients.items():
        reading = _latest_bp(followups.get(pid, []))
        if reading is None:
            continue  # no reading in the period: not controlled
        systolic, diastolic = reading
        birth = person_birth(pid, patient["rows"], residents_all.get(pid), all_followups.get(pid))
        elderly = birth is not None and age_on(birth, reference) >= ELDERLY_AGE
        systolic_limit = 150 if elderly else 140
        if systolic < systolic_limit and diastolic < 90:
            numerator += 1
    return numerator, len(patients), source


def diabetes_glucose_control_rate(registers: dict, period, settings) -> tuple:
    managed = managed_patients(registers, period, "diabetes")
    followups = _followups_in_period(registers, period, "diabetes")
    if managed is None or followups is None:
        return None, None, None
    patients, source = managed
    numerator = 0
    for pid in patients:
        glucose = _latest_glucose(followups.get(pid, []))
        if glucose is not None and glucose < 7.0:
            numerator += 1
    return numerator, len(patients), source


def _management_rate(registers: dict, period, settings, disease: str) -> tuple:
    adults = population_figure(settings, period, "adults_18_plus")
    prevalence = prevalence_of(settings, disease)
    managed = managed_patients(registers, period, disease)
    if adults is None or prevalence is None or managed is None:
        return None, None, None
    denominator = int((Decimal(adults) * prevalence).to_integral_value(rounding=ROUND_CEILING))
    return len(managed[0]), denominator, "config"


def hypertension_management_rate(registers: dict, period, settings) -> tuple:
    return _management_rate(registers, period, settings, "hypertension")


def diabetes_management_rate(registers: dict, period, settings) -> tuple:
    return _management_rate(registers, period, settings, "diabetes")


# ------------------------------------------------------------------------------------------------
# Residents (居民健康档案, 家庭医生签约)
# ------------------------------------------------------------------------------------------------


def health_record_rate(registers: dict, period, settings) -> tuple:
    total = population_figure(settings, period, "total")
    residents = residents_at_end(registers, period)
    if total is None or residents is None:
        return None, None, None
    return len(residents), total, "config"


def family_doctor_signing_rate(registers: dict, period, settings) -> tuple:
    residents = residents_at_end(registers, period)
    if residents is None or "signed" not in registers["residents"]["columns"]:
        return None, None, None
    signed = set()
    for pid, rows in residents.items():
        for row in rows:
            signing_date = as_date(row.get("signing_date"))
            if is_yes(row.get("signed")) and (signing_date is None or signing_date <= period.end):
                signed.add(pid)
    total = population_figure(settings, period, "total")
    if total is not None:
        return len(signed), total, "config"
    return len(signed), len(residents), "roster"


# ------------------------------------------------------------------------------------------------
# Vaccination (预防接种)
# ------------------------------------------------------------------------------------------------


def vaccination_card_rate(registers: dict, period, settings) -> tuple:
    children = rows_of(registers, "children")
    if children is None or "card_date" not in registers["children"]["columns"]:
        return None, None, None
    cohort = children_born_in_period(registers, period)
    numerator = 0
    for code, rows in cohort.items():
        cards = [as_date(row.get("card_date")) for row in rows]
        if any(card is not None and card <= period.end for card in cards):
            numerator += 1
    return numerator, len(cohort), "roster"


def hepb_birth_dose_timely_rate(registers: dict, period, settings) -> tuple:
    cohort = children_born_in_period(registers, period)
    doses = vaccination_dates(registers)
    if cohort is None or doses is None:
        return None, None, None
    numerator = 0
    for code, rows in cohort.items():
        hepb = doses.get(code, {}).get("HepB")
        if not hepb:
            continue
        first = min(hepb)  # the child's first HepB-series dose, whatever its date
        births = {as_date(row.get("birth_date")) for row in rows}
        if any(first in (birth, birth + dt.timedelta(days=1)) for birth in births):
            numerator += 1
    return numerator, len(cohort), "roster"


def nip_basic_full_series_rate(registers: dict, period, settings) -> tuple:
    registered = registered_children(registers)
    doses = vaccination_dates(registers)
    if registered is None or doses is None:
        return None, None, None
    cohort: dict[str, dt.date] = {}
    for code, rows in registered.items():
        for row in rows:
            birth = as_date(row.get("birth_date"))
            if birth is not None and in_period(first_birthday(birth), period):
                cohort.setdefault(code, birth)
    numerator = 0
    for code, birth in cohort.items():
        cutoff = first_birthday(birth)
        series_dates = doses.get(code, {})
        if all(
            len({day for day in series_dates.get(series, set()) if day < cutoff}) >= needed
            for series, needed in FIVE_VACCINES.items()
        ):
            numerator += 1
    return numerator, len(cohort), "roster"


# ------------------------------------------------------------------------------------------------

INDICATORS = {
    "elderly_health_management_rate": elderly_health_management_rate,
    "elderly_tcm_management_rate": elderly_tcm_management_rate,
    "hypertension_standard_management_rate": hypertension_standard_management_rate,
    "hypertension_bp_control_rate": hypertension_bp_control_rate,
    "hypertension_management_rate": hypertension_management_rate,
    "diabetes_standard_management_rate": diabetes_standard_management_rate,
    "diabetes_glucose_control_rate": diabetes_glucose_control_rate,
    "diabetes_management_rate": diabetes_management_rate,
    "health_record_rate": health_record_rate,
    "family_doctor_signing_rate": family_doctor_signing_rate,
    "vaccination_card_rate": vaccination_card_rate,
    "hepb_birth_dose_timely_rate": hepb_birth_dose_timely_rate,
    "nip_basic_full_series_rate": nip_basic_full_series_rate,
}


def compute(registers: dict, period, settings) -> dict[str, tuple]:
    """Every indicator above for one period: id -> (numerator, denominator, denominator_source).

    `registers` is `plain_registers(read.tables)` (convert once, reuse for every period)."""
    return {indicator_id: function(registers, period, settings) for indicator_id, function in INDICATORS.items()}

