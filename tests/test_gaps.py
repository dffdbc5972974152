"""Care-gap lists on sample_data: gaps + numerator = denominator person for person, and every
reason matches the rule that failed (checked against the rows themselves, not the engine)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from cli_helpers import run_chsc

from chsc_cli.engine import EngineData, compute_indicators, load_library
from chsc_cli.services.gaps import gap_list
from chsc_cli.periods import parse_period

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PERIOD = parse_period("2025")


@pytest.fixture(scope="module")
def computed(sample_centre):
    settings = sample_centre.settings
    data = EngineData.prepare(sample_centre.read)
    library = load_library()
    result = compute_indicators(data, PERIOD, settings, library)
    gaps = {i: gap_list(library, result.evaluations[i], data, PERIOD) for i in library.indicators}
    return data, result, gaps


def test_gaps_and_numerator_partition_the_roster_denominator(computed):
    _, result, gaps = computed
    checked = 0
    for row in result.indicators:
        if row.denominator_source not in ("roster", "register"):
            continue
        persons = result.evaluations[row.id].persons
        if gaps[row.id].record_headers is not None:  # cards and clues are listed by their fields, not a key
            assert len(gaps[row.id].people) + row.numerator == row.denominator, row.id
            continue
        if row.unit == "delivery":  # listed by the mother's ID, not the delivery key; the denominator sums live births
            births = persons["_weight"]  # a delivery with no live birth adds nothing and is nobody's gap
            assert births.sum() == row.denominator and (births == 0).any(), row.id
            missing = persons["in_denominator"] & ~persons["in_numerator"] & (births > 0)
            assert len(gaps[row.id].people) == int(missing.sum()), row.id
            continue
        listed = set(gaps[row.id].people["key"])
        counted = set(persons.index[persons["in_numerator"]])
        assert listed.isdisjoint(counted), row.id
        assert listed | counted == set(persons.index), row.id
        assert len(listed) + row.numerator == row.denominator, row.id
        checked += 1
    assert checked >= 7


def test_official_figure_lists_the_roster_people_and_says_what_the_figure_implies(computed):
    _, result, gaps = computed
    row = next(r for r in result.indicators if r.id == "elderly_health_management_rate")
    assert row.denominator_source == "config"
    persons = result.evaluations[row.id].persons
    roster_missing = persons.index[persons["in_denominator"] & ~persons["in_numerator"]]
    assert set(gaps[row.id].people["key"]) == set(roster_missing)
    assert "官方数" in gaps[row.id].note and f"{row.shortfall:,}" in gaps[row.id].note


_BY_KEY: dict = {}


def _rows(data, kind, key, date_field):
    """The rows of `key` in `kind` dated in the period (each table grouped by key once: a scan of
    the whole table per person made these tests quadratic)."""
    table = data.table(kind)
    if _BY_KEY.get(kind, (None,))[0] is not table:
        _BY_KEY[kind] = (table, table.groupby("_key", sort=False).indices)
    positions = _BY_KEY[kind][1].get(key, [])
    rows = table.iloc[positions]
    return rows.loc[(rows[date_field] >= pd.Timestamp(PERIOD.start)) & (rows[date_field] <= pd.Timestamp(PERIOD.end))]


def test_elderly_reasons_match_the_checkup_rows(computed):
    data, _, gaps = computed
    for key, reason in zip(gaps["elderly_health_management_rate"].people["key"], gaps["elderly_health_management_rate"].people["reason"]):
        rows = _rows(data, "elderly_checkups", key, "checkup_date")
        if reason == "2025年无体检记录":
            assert rows.empty
            continue
        match = re.fullmatch(r"体检未完成(生活方式评估|健康指导)（(\d{4}-\d{2}-\d{2})）", reason)
        assert match, reason
        field = {"生活方式评估": "lifestyle_assessment", "健康指导": "health_guidance"}[match.group(1)]
        on_day = rows.loc[rows["checkup_date"] == pd.Timestamp(match.group(2))]
        assert not on_day.empty and (on_day[field] == False).any()  # noqa: E712 - nullable boolean


def test_follow_up_counts_in_reasons_are_the_face_to_face_dates(computed):
    data, _, gaps = computed
    modes = {"门诊", "门诊就诊", "站点就诊", "家庭", "上门", "上门随访", "社区随访"}
    people = gaps["hypertension_standard_management_rate"].people
    assert len(people) > 50
    for key, reason in zip(people["key"], people["reason"]):
        count, required = map(int, re.fullmatch(r"面对面随访(\d+)次，需(\d+)次", reason).groups())
        rows = _rows(data, "hypertension_followups", key, "followup_date")
        assert rows.loc[rows["followup_mode"].isin(modes), "followup_date"].nunique() == count < required <= 4


def test_blood_pressure_reasons_show_the_latest_reading_that_failed(computed):
    data, _, gaps = computed
    people = gaps["hypertension_bp_control_rate"].people
    for key, reason, age in zip(people["key"], people["reason"], people["age"]):
        rows = _rows(data, "hypertension_followups", key, "followup_date")
        readings = rows.dropna(subset=["systolic", "diastolic"])
        if reason == "期内无血压记录":
            assert readings.empty
            continue
        systolic, diastolic, day = re.fullmatch(r"最近一次血压(\d+)/(\d+)（(\S+)），未达标", reason).groups()
        latest = readings.loc[readings["followup_date"] == readings["followup_date"].max()]
        assert str(latest["followup_date"].iloc[0].date()) == day
        top = latest.sort_values(["systolic", "diastolic"]).iloc[-1]
        assert (int(top["systolic"]), int(top["diastolic"])) == (int(systolic), int(diastolic))
        limit = 150 if age >= 65 else 140
        assert int(systolic) >= limit or int(diastolic) >= 90


def test_hepb_reasons_give_the_days_after_birth(computed):
    data, _, gaps = computed
    children = data.table("children").drop_duplicates("_key").set_index("_key")
    for key, reason in zip(gaps["hepb_birth_dose_timely_rate"].people["key"], gaps["hepb_birth_dose_timely_rate"].people["reason"]):
        if reason == "无乙肝疫苗接种记录":
            continue
        days, day = re.fullmatch(r"乙肝首针于出生后(-?\d+)天接种（(\S+)）", reason).groups()
        assert int(days) >= 2
        assert (pd.Timestamp(day) - children.loc[key, "birth_date"]).days == int(days)


def test_gaps_xlsx_has_a_sheet_per_station_with_frozen_filtered_header(tmp_path):
    out = tmp_path / "名单.xlsx"
    ran = run_chsc("gaps", "hypertension_standard_management_rate", SAMPLE, "-p", "2025", "-o", out)
    assert ran.code == 0, ran.output
    workbook = openpyxl.load_workbook(out)
    assert set(workbook.sheetnames) >= {"城东站", "城西站", "城南站", "城北站"}
    sheet = workbook["城东站"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [c.value for c in sheet[1]][:4] == ["站点", "团队", "姓名", "身份证号"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"城东站"}
    ids = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", i) for i in ids)
    assert np.all([isinstance(i, str) for i in ids])


def test_compute_json_reports_checkup_persons_missing_from_the_roster():
    """The numbers do not need reasons, but the not-in-roster warnings are always given."""
    import json

    ran = run_chsc("compute", SAMPLE, "-p", "2025", "--format", "json")
    warnings = [w for w in json.loads(ran.stdout)["warnings"] if w["code"] == "not-in-roster"]
    assert warnings and all("已计入分子" in w["message"] for w in warnings)
    assert all(w["file"].startswith("老年人体检/") and len(w["rows"]) <= 20 for w in warnings)
    assert sum(w["count"] for w in warnings) > 0
