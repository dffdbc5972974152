"""The gap list is exactly the denominator's units not in the numerator, for every unit and period:
no one counted is listed, no one outside the denominator is listed, and for persons the list has
denominator − numerator lines. A delivery with no live birth adds nothing to the denominator (live
births) and is in no numerator (services.md): it is no gap, and its mother is not to be phoned."""

from __future__ import annotations

import pytest
from helpers import make_id, write_workbook

from chsc_cli.config import CentreConfig
from chsc_cli.engine import EngineData, compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import read_folder
from chsc_cli.services.gaps import gap_list

TWINS, LATE, STILL_EARLY, STILL_LATE, JULY = (make_id(f"1990010{n}", f"00{n}") for n in range(1, 6))
A, B, C = make_id("19500101", "011"), make_id("19550202", "021"), make_id("19600303", "031")
MATERNAL = ["early_pregnancy_registration_rate", "postpartum_visit_rate"]


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partition")
    write_workbook(folder / "孕产妇健康管理登记.xlsx", {"孕产妇": [
        ["身份证号", "分娩日期", "末次月经", "建册日期", "建册孕周", "产前检查次数", "出院日期", "产后访视日期", "活产数", "所属站点"],
        [TWINS, "2025-05-01", None, None, "10", 5, "2025-05-03", "2025-05-20", 2, "一站"],
        [LATE, "2025-06-01", None, None, "15", 6, "2025-06-03", None, 1, "二站"],
        [STILL_EARLY, "2025-05-10", None, None, "10", 6, "2025-05-12", "2025-05-20", 0, "一站"],
        [STILL_LATE, "2025-06-10", None, None, "20", 2, "2025-06-12", None, 0, "二站"],
        [JULY, "2025-07-10", None, None, "20", 2, "2025-07-12", None, None, "二站"],
    ]})
    write_workbook(folder / "居民健康档案.xlsx", {"居民": [
        ["身份证号", "姓名", "建档日期", "所属站点", "签约"],
        [A, "甲", "2020-01-01", "一站", "是"], [B, "乙", "2020-01-01", "二站", "否"], [C, "丙", "2020-01-01", "二站", "否"],
    ]})
    write_workbook(folder / "高血压患者管理名册.xlsx", {"高血压": [
        ["身份证号", "姓名", "纳入管理日期", "所属站点"], [A, "甲", "2021-01-01", "一站"], [B, "乙", "2025-05-01", "二站"],
    ]})
    write_workbook(folder / "高血压患者随访记录.xlsx", {"随访": [
        ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
        [A, "2025-02-01", "门诊", 130, 80], [A, "2025-05-01", "电话", 150, 95], [A, "2025-07-01", "门诊", 130, 80],
        [B, "2025-06-01", "门诊", 160, 95],
    ]})
    return EngineData.prepare(read_folder(folder, CentreConfig()))


def _settings(live_births: int | None) -> CentreConfig:
    return CentreConfig.model_validate({"population": {"live_births": live_births}} if live_births else {})


@pytest.mark.parametrize("live_births", [None, 50])
def test_a_delivery_with_no_live_birth_is_no_gap(data, library, live_births):
    """Stillbirths, registered early or late, are not listed: with the live births summed from the
    register (they weigh 0) or with the official figure (they can never count)."""
    period = parse_period("2025")
    result = compute_indicators(data, period, _settings(live_births), library, only=MATERNAL)
    for row in result.indicators:
        listed = set(gap_list(library, result.evaluations[row.id], data, period).people["key"])
        assert not listed & {STILL_EARLY, STILL_LATE}, row.id
        assert LATE in listed and TWINS not in listed, row.id
    if live_births is None:  # twins 2 + late 1 + July 1: the stillbirths add nothing
        assert [row.denominator for row in result.indicators] == [4, 4]


def test_the_list_is_the_denominator_less_the_numerator_in_any_period(data, library):
    """Persons: the list has denominator − numerator lines, none of them counted. Deliveries (weighed
    by their live births): the list is the deliveries with a live birth that are not counted."""
    for period_text in ("2025Q2", "2025-07", "2025H1"):
        period = parse_period(period_text)
        only = ["early_pregnancy_registration_rate", "hypertension_standard_management_rate"]
        result = compute_indicators(data, period, CentreConfig(), library, only=only)
        for row in result.indicators:
            units = result.evaluations[row.id].persons
            listed = gap_list(library, result.evaluations[row.id], data, period).people
            counted = units["in_numerator"].to_numpy(dtype=bool)
            assert row.denominator and not set(listed["key"]) & set(units.index[counted]), (row.id, period_text)
            if row.unit == "delivery":
                weight = units["_weight"].to_numpy()
                assert weight.sum() == row.denominator
                wanted = units.loc[units["in_denominator"].to_numpy(dtype=bool) & ~counted & (weight > 0), "id_number"]
                assert sorted(listed["key"]) == sorted(wanted), (row.id, period_text)
            else:
                assert len(listed) == row.denominator - row.numerator, (row.id, period_text)
