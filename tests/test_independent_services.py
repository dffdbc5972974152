"""The plain implementation of the services.md indicators (tests/independent_services.py) against the
hand cases of tests/independent_cases/<indicator_id>.yaml — numbers worked out by hand in each
case's `why`, never by running code — plus a few edge rules that need a parameter changed.

The same case files are run through the engine by `test_engine_case` as soon as the library ships
the indicator and the reader knows its registers (until then that test skips, saying why).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from helpers_independent_cases import (
    INDEPENDENT_CASE_DIR,
    NEW_FILE_NAMES,
    CaseValueError,
    case_settings,
    case_tables,
    load_independent_cases,
)
from independent_services import INDICATORS, outcome, target_of
from independent_services_base import add_months, months_covered, plain_service_registers, report_timely

from chsc_cli.periods import parse_period

ROOT = Path(__file__).resolve().parents[1]
SPEC_SERVICES = ROOT.parent / "shared" / "spec" / "services.md"

CASES = load_independent_cases()


def _case_id(case) -> str:
    return case.test_id


def _same(actual, expected) -> bool:
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if isinstance(expected, bool) or isinstance(actual, str):
        return actual == expected
    return math.isclose(float(actual), float(expected), rel_tol=1e-12)


def mismatches(result: tuple, facts: dict, expect: dict) -> list[str]:
    """The expected keys of a case against (numerator, denominator, source) and their outcome."""
    numerator, denominator, source = result
    got = {"numerator": numerator, "denominator": denominator, "denominator_source": source, **facts}
    wrong = []
    for key, expected in expect.items():
        if key == "value_null":
            if (facts["value"] is None) != bool(expected):
                wrong.append(f"value: expected {'None' if expected else 'a number'}, got {facts['value']!r}")
        elif key == "reason_contains":
            if numerator is not None:  # the plain implementation gives no reasons, only None
                wrong.append(f"expected not computable, got {result!r}")
        elif not _same(got[key], expected):
            wrong.append(f"{key}: expected {expected!r}, got {got[key]!r}")
    return wrong


def plain_result(case) -> tuple[tuple, dict]:
    registers = plain_service_registers(case_tables(case))
    period, settings = parse_period(case.period), case_settings(case.config)
    result = INDICATORS[case.indicator](registers, period, settings)
    return result, outcome(case.indicator, result, period, settings)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_plain_case(case) -> None:
    result, facts = plain_result(case)
    wrong = mismatches(result, facts, case.expect)
    assert not wrong, f"{case.test_id}\nwhy: {case.why}\n" + "\n".join(wrong)


# ------------------------------------------------------------------------------ the case files


def test_every_services_indicator_has_cases() -> None:
    """One case file per id of the services.md table, and the plain implementation covers each."""
    spec_ids = re.findall(r"^\| `([a-z0-9_]+)` \|", SPEC_SERVICES.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(spec_ids) == 19
    assert sorted(spec_ids) == sorted(INDICATORS)
    assert sorted(path.stem for path in INDEPENDENT_CASE_DIR.glob("*.yaml")) == sorted(spec_ids)
    assert {case.indicator for case in CASES} == set(spec_ids)


def test_cases_mean_what_they_say() -> None:
    """The stand-in reader refuses a header or value it does not know instead of guessing."""
    case = next(c for c in CASES if c.indicator == "health_lecture_count")
    bad = type(case)(**{**case.__dict__, "registers": {"health_education_activities": [{"活动日期": "3月"}]}})
    with pytest.raises(CaseValueError, match="not a date-time"):
        case_tables(bad)
    bad = type(case)(**{**case.__dict__, "registers": {"health_education_activities": [{"活动时间": "2025-01-01"}]}})
    with pytest.raises(CaseValueError, match="unknown header"):
        case_tables(bad)


# ------------------------------------------------------------------------------ calendar rules


@pytest.mark.parametrize(
    ("birth", "months", "expected"),
    [
        (dt.date(2024, 8, 31), 6, dt.date(2025, 2, 28)),  # 31 August: the 6-month date is 28 February
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),  # ... or 29 February in a leap year
        (dt.date(2024, 12, 31), 3, dt.date(2025, 3, 31)),
        (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
        (dt.date(2022, 1, 1), 36, dt.date(2025, 1, 1)),
    ],
)
def test_months_after_birth_clip_to_month_end(birth, months, expected) -> None:
    assert add_months(birth, months) == expected


@pytest.mark.parametrize(("text", "months"), [("2025", 12), ("2025H1", 6), ("2025Q3", 3), ("2025-06", 1),
                                              ("2025-01..2025-06", 6), ("2025-01-15..2025-02-01", 2)])
def test_months_covered(text, months) -> None:
    assert months_covered(parse_period(text)) == months


def _card(diagnosed, reported, diagnosed_time=True, reported_time=True) -> dict:
    return {"diagnosis_time": diagnosed, "report_time": reported,
            "diagnosis_time__has_time": diagnosed_time, "report_time__has_time": reported_time}


def test_report_timeliness_edges() -> None:
    at = dt.datetime
    assert report_timely(_card(at(2025, 3, 1, 10), at(2025, 3, 1, 12)), 2)  # exactly 2:00
    assert not report_timely(_card(at(2025, 3, 1, 10), at(2025, 3, 1, 12, 1)), 2)  # 2:01
    assert report_timely(_card(at(2025, 3, 1, 23, 30), at(2025, 3, 2, 1)), 2)  # over midnight, 1.5 h
    assert report_timely(_card(at(2025, 3, 1), at(2025, 3, 2, 9), diagnosed_time=False), 24)  # next day
    assert not report_timely(_card(at(2025, 3, 1), at(2025, 3, 3), False, False), 24)  # two days later
    assert not report_timely(_card(at(2025, 3, 1), at(2025, 3, 2), False, False), 2)  # 2 h: same day only
    assert report_timely(_card(at(2025, 3, 1, 10), at(2025, 3, 1, 9)), 2)  # before the diagnosis


# ------------------------------------------------------------------------------ parameters


def _registers(**tables: list[dict]) -> dict:
    frames = {}
    for kind, rows in tables.items():
        frame = pd.DataFrame(rows)
        for column in frame.columns:
            if (column.endswith("_date") or column.endswith("_time")) and "__" not in column:
                frame[column] = pd.to_datetime(frame[column])
        frames[kind] = frame
    return plain_service_registers(frames)


SETTINGS = case_settings(None)
YEAR = parse_period("2025")
D = dt.date


def test_tb_within_days_enforces_the_72_hour_rule() -> None:
    registers = _registers(tb_patients=[
        {"id_number": "A", "notice_date": D(2025, 3, 1), "first_visit_date": D(2025, 3, 4)},  # 3 days
        {"id_number": "B", "notice_date": D(2025, 3, 1), "first_visit_date": D(2025, 3, 5)},  # 4 days
        {"id_number": "C", "notice_date": D(2025, 3, 1), "first_visit_date": D(2025, 2, 28)},  # before
    ])
    assert INDICATORS["tb_management_rate"](registers, YEAR, SETTINGS) == (2, 3, "roster")
    assert INDICATORS["tb_management_rate"](registers, YEAR, SETTINGS, {"within_days": 3}) == (1, 3, "roster")


def test_lectures_below_min_attendance_do_not_count() -> None:
    lecture = {"activity_form": "健康知识讲座", "activity_date": D(2025, 3, 1)}
    registers = _registers(health_education_activities=[
        {**lecture, "attendance": 20.0, "topic": "a"},
        {**lecture, "attendance": 19.0, "topic": "b"},
        {**lecture, "attendance": None, "topic": "c"},
    ])
    count = INDICATORS["health_lecture_count"]
    assert count(registers, YEAR, SETTINGS) == (3, None, None)  # min_attendance 0: blank counts
    assert count(registers, YEAR, SETTINGS, {"min_attendance": 20}) == (1, None, None)  # 19 and blank do not


def test_tcm_per_due_age_asks_one_visit_per_due_date() -> None:
    # born 2024-06-15: TCM dates 2025-06-15 and 2025-12-15 in 2025; one TCM visit
    registers = _registers(
        child_health_roster=[{"child_health_code": "T1", "birth_date": D(2024, 6, 15)}],
        child_health_visits=[{"child_health_code": "T1", "visit_date": D(2025, 6, 20), "tcm_guidance": True}],
    )
    tcm = INDICATORS["child_tcm_management_rate"]
    assert tcm(registers, YEAR, SETTINGS) == (1, 1, "roster")
    assert tcm(registers, YEAR, SETTINGS, {"per_due_age": True}) == (0, 1, "roster")


def test_two_hour_diseases_is_a_parameter() -> None:
    row = {"card_number": "X", "disease_name": "霍乱", "disease_class": "乙类",
           "diagnosis_time": dt.datetime(2025, 3, 1, 10), "report_time": dt.datetime(2025, 3, 1, 13),
           "diagnosis_time__has_time": True, "report_time__has_time": True}
    registers = _registers(infectious_disease_reports=[row])
    timely = INDICATORS["infectious_disease_timely_report_rate"]
    assert timely(registers, YEAR, SETTINGS) == (0, 1, "register")  # 霍乱: 2 hours, 3 h is late
    assert timely(registers, YEAR, SETTINGS, {"two_hour_diseases": ["鼠疫"]}) == (1, 1, "register")


def test_registration_days_when_the_reader_gives_them() -> None:
    """建册孕周 12+6 as registration_days 90 is early; 13 weeks (91 days) is not."""
    registers = _registers(maternal_records=[
        {"id_number": "A", "delivery_date": D(2025, 5, 1), "registration_weeks": 12 + 6 / 7, "registration_days": 90.0},
        {"id_number": "B", "delivery_date": D(2025, 5, 1), "registration_weeks": 13.0, "registration_days": 91.0},
    ])
    assert INDICATORS["early_pregnancy_registration_rate"](registers, YEAR, SETTINGS) == (1, 2, "register")


def test_count_target_is_pro_rated_and_exact() -> None:
    assert target_of("health_lecture_count", parse_period("2025Q3"), SETTINGS) == 3
    assert target_of("health_consultation_count", parse_period("2025-01..2025-02"), SETTINGS) == 2  # 1.5 -> 2
    facts = outcome("maternal_system_management_rate", (19, 20, "register"), YEAR, SETTINGS)
    assert facts["met"] and facts["shortfall"] == 0 and facts["target"] == Decimal("0.95")  # 0.95 x 20 = 19


# ------------------------------------------------------------------------------ the engine


def _engine_ready(indicator_id: str, kinds: set[str]) -> str | None:
    from chsc_cli.engine import load_library
    from chsc_cli.registers import KINDS

    if indicator_id not in load_library().indicators:
        return f"the library does not ship {indicator_id} yet"
    unknown = kinds - set(KINDS)
    return f"the reader does not know {sorted(unknown)} yet" if unknown else None


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_engine_case(case, tmp_path: Path) -> None:
    """The same case through the reader and the engine (test_indicator_cases.py's comparison)."""
    from helpers import write_workbook
    from helpers_cases import FILE_NAMES, TODAY, person_ids
    from test_indicator_cases import _mismatches

    from chsc_cli.config import load_config
    from chsc_cli.engine import compute_indicators, load_library
    from chsc_cli.registers import read_folder

    kinds = {key.partition("#")[0] for key in case.registers}
    not_ready = _engine_ready(case.indicator, kinds)
    if not_ready:
        pytest.skip(not_ready)
    ids, names = person_ids(case.people), {**FILE_NAMES, **NEW_FILE_NAMES}
    for key, rows in case.registers.items():
        kind, _, tag = key.partition("#")
        headers = list(dict.fromkeys(h for row in rows for h in row))
        table = [headers] + [
            [ids[row[h]] if h == "身份证号" and row.get(h) else (row.get(h) if row.get(h) != "" else None) for h in headers]
            for row in rows
        ]
        write_workbook(tmp_path / f"{names[kind]}{'_' + tag if tag else ''}.xlsx", {kind: table})
    config = None
    if case.config is not None:
        import yaml

        config = tmp_path / "chsc.yaml"
        config.write_text(yaml.safe_dump(case.config, allow_unicode=True), encoding="utf-8")
    loaded = load_config(config)
    data = read_folder(tmp_path, loaded.settings, today=TODAY)
    result = compute_indicators(data, parse_period(case.period), loaded.settings, load_library(), only=[case.indicator])
    row = next(r for r in result.indicators if r.id == case.indicator and r.group is None)
    wrong = _mismatches(row, case.expect)
    assert not wrong, f"{case.test_id}\nwhy: {case.why}\n" + "\n".join(wrong)


# ------------------------------------------------------------------------------ sample_data

SAMPLE_DATA = ROOT / "sample_data"
SAMPLE_PERIODS = ("2025", "2025H1", "2025-06", "2025-01..2025-06")


@pytest.fixture(scope="module")
def sample(sample_centre):
    """sample_data/ (read once per test process); engine and plain results per period, computed on demand."""
    from chsc_cli.engine import compute_indicators, load_library

    settings, data = sample_centre.settings, sample_centre.read
    registers = plain_service_registers(data.tables)
    library = load_library()
    engine, plain = {}, {}

    def results(period_text: str) -> tuple[dict, dict]:
        if period_text not in engine:
            period = parse_period(period_text)
            shipped = [i for i in INDICATORS if i in library.indicators]
            rows = compute_indicators(data, period, settings, library, only=shipped).indicators
            engine[period_text] = {r.id: (r.numerator, r.denominator, r.denominator_source) for r in rows if r.group is None}
            plain[period_text] = {i: f(registers, period, settings) for i, f in INDICATORS.items()}
        return engine[period_text], plain[period_text]

    return data, results


def _sample_kinds_missing(data, indicator_id: str) -> str | None:
    """Skip reason while sample_data/ has none of the services.md registers the indicator reads."""
    reads = {
        "newborn_visit_rate": {"child_health_roster"}, "child_health_management_rate": {"child_health_roster"},
        "child_systematic_management_rate": {"child_health_roster"}, "child_tcm_management_rate": {"child_health_roster"},
        "early_pregnancy_registration_rate": {"maternal_records"}, "postpartum_visit_rate": {"maternal_records"},
        "maternal_system_management_rate": {"maternal_records"}, "smi_standard_management_rate": {"smi_followups"},
        "smi_face_to_face_rate": {"smi_followups"}, "smi_stable_rate": {"smi_followups"},
        "tb_management_rate": {"tb_patients"}, "tb_regular_medication_rate": {"tb_patients"},
        "infectious_disease_report_rate": {"infectious_disease_reports"},
        "infectious_disease_timely_report_rate": {"infectious_disease_reports"},
        "health_supervision_report_rate": {"health_supervision_reports"},
        "health_lecture_count": {"health_education_activities"},
        "health_consultation_count": {"health_education_activities"},
        "health_record_usage_rate": {"smi_followups", "maternal_records"},
        "key_population_signing_rate": {"smi_patients", "tb_patients", "maternal_records"},
    }[indicator_id]
    absent = sorted(kind for kind in reads if kind not in data.tables)
    return f"sample_data/ has no {absent} yet" if absent else None


@pytest.mark.parametrize("indicator_id", sorted(INDICATORS))
@pytest.mark.parametrize("period_text", SAMPLE_PERIODS)
def test_engine_agrees_with_plain_implementation_on_sample_data(request, period_text, indicator_id) -> None:
    not_ready = _engine_ready(indicator_id, set())
    if not_ready:
        pytest.skip(not_ready)  # before reading sample_data/, which takes a while
    data, results = request.getfixturevalue("sample")
    not_ready = _sample_kinds_missing(data, indicator_id)
    if not_ready:
        pytest.skip(not_ready)
    engine, plain = results(period_text)
    assert engine[indicator_id] == plain[indicator_id]
    numerator, denominator, _ = plain[indicator_id]
    if period_text == "2025":  # not vacuous: people (or records) on both sides of the numerator
        assert numerator and (denominator is None or numerator < denominator), (indicator_id, numerator, denominator)
