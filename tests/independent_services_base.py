"""Plain helpers for tests/independent_services.py: the reader's tables of the nine services.md kinds
as plain Python, calendar arithmetic, and the units of services.md (deliveries, cards, records).

Written from spec/services.md only, never from the engine. The generic helpers (ages, residents,
hypertension/diabetes patients, population figures) come from tests/independent_check.py, the plain
implementation of the first thirteen indicators.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
from independent_check import as_date, missing, person_id, population_figure

# ------------------------------------------------------------------------------------------------
# Vocabulary (services.md)
# ------------------------------------------------------------------------------------------------

#: "One face-to-face list for every follow-up register (this replaces the list in registers.md)".
FACE_TO_FACE = {"门诊", "门诊就诊", "站点就诊", "家庭", "家庭访视", "上门", "上门随访", "社区随访"}

#: 本次随访分类 of smi_followups, least favourable first ("不稳定, then 基本稳定, then 稳定").
SMI_CLASSES = ("不稳定", "基本稳定", "稳定")
NOT_REACHED = "未访到"

#: 卡片状态 / 审核状态 values that mark a card deleted (services.md and real-exports.md). "deleted" is
#: accepted too in case the reader maps these to a canonical English value.
DELETED_WORDS = {"已删除", "删除", "已删除卡", "deleted"}


#: The parameters services.md names, with its defaults.
DEFAULT_PARAMS = {
    "newborn_visit_rate": {"max_days": 28},
    "child_systematic_management_rate": {"min_days_after_birth": 60, "schedule_months": [3, 6, 8, 12, 18, 24, 30]},
    "child_tcm_management_rate": {"per_due_age": False, "schedule_months": [6, 12, 18, 24, 30, 36]},
    "postpartum_visit_rate": {"within_days": 28},
    "maternal_system_management_rate": {"within_days": 28},
    "tb_management_rate": {"within_days": None},
    "infectious_disease_timely_report_rate": {"two_hour_diseases": ["鼠疫", "霍乱", "肺炭疽", "传染性非典型肺炎"]},
    "health_lecture_count": {"min_attendance": 0},
    "health_record_usage_rate": {
        "registers": {
            "elderly_checkups": ["checkup_date"],
            "hypertension_followups": ["followup_date"],
            "diabetes_followups": ["followup_date"],
            "smi_followups": ["followup_date"],
            "maternal_records": ["registration_date", "delivery_date", "postpartum_visit_date", "postpartum_42_date"],
        }
    },
    "key_population_signing_rate": {"max_pregnancy_days": 300},
}


def params_of(indicator_id: str, params: dict | None) -> dict:
    """The indicator's parameters: the defaults above, with a case's changes."""
    return {**DEFAULT_PARAMS.get(indicator_id, {}), **(params or {})}


NONE = (None, None, None)


def with_figure(settings, period, key: str, numerator: int, denominator: int, source: str) -> tuple:
    """'with the figure, only the denominator changes; the numerator is the same children as
    without it' (the same holds for deliveries and live_births)."""
    figure = population_figure(settings, period, key)
    if figure is not None:
        return numerator, figure, "config"
    return numerator, denominator, source


# ------------------------------------------------------------------------------------------------
# Tables -> plain rows
# ------------------------------------------------------------------------------------------------


def plain_value(value, keep_time: bool):
    if missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value).to_pydatetime()
        return stamp if keep_time else stamp.date()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()) if keep_time else value
    return value


def plain_service_registers(tables: dict) -> dict[str, dict]:
    """The reader's tables as {kind: {"columns": set, "rows": [dict]}}, like
    independent_check.plain_registers, except that a date-time field (one with a `<field>__has_time`
    companion column) stays a `datetime.datetime`; its companion says whether the time is real."""
    registers = {}
    for kind, table in tables.items():
        timed = {c[: -len("__has_time")] for c in table.columns if str(c).endswith("__has_time")}
        rows = []
        for record in table.to_dict("records"):
            row = {field: plain_value(value, field in timed) for field, value in record.items()}
            for field in timed:
                row[f"{field}__has_time"] = bool(row.get(f"{field}__has_time")) and row.get(field) is not None
            rows.append(row)
        registers[kind] = {"columns": set(table.columns), "rows": rows}
    return registers


def distinct_rows(rows: list[dict]) -> list[dict]:
    """'one register row, after identical rows are dropped': identical in every field (the place
    fields _file/_sheet/_row aside; `_present` stays, so an absent column differs from a blank)."""
    seen, out = set(), []
    for row in rows:
        key = tuple(sorted((k, repr(v)) for k, v in row.items() if k not in ("_file", "_sheet", "_row")))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


# ------------------------------------------------------------------------------------------------
# Calendar
# ------------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """'the same day of the month N months later; when that month is shorter, its last day'."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_between(later: dt.date, earlier: dt.date) -> int:
    return (later - earlier).days


def within_days(later: dt.date | None, earlier: dt.date | None, limit: int) -> bool:
    """'"within N days after X" means 0 <= date - X <= N'."""
    return later is not None and earlier is not None and 0 <= days_between(later, earlier) <= limit


def months_covered(period) -> int:
    """'calendar months overlapping the period — 12 for a year, 6 for 2025H1, 1 for 2025-06'."""
    return (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month) + 1


def day_of(value) -> dt.date | None:
    """The calendar day of a date or date-time cell."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return as_date(value)


def in_period(value, period) -> bool:
    day = day_of(value)
    return day is not None and period.start <= day <= period.end


# ------------------------------------------------------------------------------------------------
# Units
# ------------------------------------------------------------------------------------------------


def deliveries(rows: list[dict]) -> dict[tuple[str, dt.date], list[dict]]:
    """'the rows of maternal_records with the same 身份证号 and the same 分娩日期 are one delivery'.
    A row with no usable ID is left out (missing-id); a blank 分娩日期 is not yet delivered."""
    out: dict[tuple[str, dt.date], list[dict]] = {}
    for row in rows:
        pid, delivered = person_id(row), as_date(row.get("delivery_date"))
        if pid is not None and delivered is not None:
            out.setdefault((pid, delivered), []).append(row)
    return out


def live_births(rows: list[dict]) -> int:
    """'A delivery's live births are the largest 活产数 among its rows (blank = 1)'. The blank is 1
    row by row before the largest is taken (rows 0 and blank give 1): the sentence applies
    'blank = 1' to the value of a row."""
    return max(1 if missing(row.get("live_births")) else int(row["live_births"]) for row in rows)


def record_key_units(rows: list[dict], key_field: str) -> list[list[dict]]:
    """Rows of a record-keyed register grouped into records: 'rows with the same key are one
    record'; 'a row of a record-keyed register with a blank key is a record of its own'."""
    keyed: dict[str, list[dict]] = {}
    loose: list[list[dict]] = []
    for row in distinct_rows(rows):
        key = row.get(key_field)
        if missing(key):
            loose.append([row])
        else:
            keyed.setdefault(str(key), []).append(row)
    return list(keyed.values()) + loose


def filled(value) -> bool:
    """删除时间 'is filled' (real-exports.md): a date-time, or words saying so (是, 已删除); not the no
    words of a filled-with-content column (否, 无, 未…, 不…, N, ×, 0) nor `.` (blank in a date cell)."""
    if missing(value):
        return False
    text = str(value).strip()
    return bool(text) and text not in (".", "-", "/", "否", "N", "n", "×", "0", "未完成") and not text.startswith(("未", "无", "不"))


def card_deleted(rows: list[dict]) -> bool:
    """'A card is deleted when any of its rows is marked deleted': 卡片状态 or 审核状态 is 已删除,
    删除 or 已删除卡, or 删除时间 is filled (real-exports.md)."""
    for row in rows:
        for field in ("card_status", "review_status"):
            value = row.get(field)
            if not missing(value) and str(value).strip() in DELETED_WORDS:
                return True
        if filled(row.get("deleted_time")):
            return True
    return False


def has_time(row: dict, field: str) -> bool:
    return bool(row.get(f"{field}__has_time")) and isinstance(row.get(field), dt.datetime)


def report_timely(row: dict, limit_hours: int) -> bool:
    """One row's 报告时间 against its own 诊断时间 ('the values inside one condition come from the
    same row'). Both with a time: 报告时间 − 诊断时间 ≤ the limit. Either a plain date: 24 hours is
    the same or the next day, 2 hours the same day. 'A report before the diagnosis is timely'."""
    diagnosed, reported = row.get("diagnosis_time"), row.get("report_time")
    if diagnosed is None or reported is None:
        return False
    if has_time(row, "diagnosis_time") and has_time(row, "report_time"):
        return reported - diagnosed <= dt.timedelta(hours=limit_hours)
    # The spec names only the 2- and 24-hour limits for dates; a limit of n whole days (n x 24 h)
    # allows n days later, and anything under 24 hours the same day.
    allowed_days = limit_hours // 24
    return days_between(day_of(reported), day_of(diagnosed)) <= allowed_days
