"""The indicator engine against an independent, deliberately plain implementation
(tests/independent_check.py, written from spec/indicators.md and spec/registers.md, never from the
engine or its YAML library).

1. On the whole of `sample_data/`, for the periods 2025, 2025H1, 2025-06 and 2025-01..2025-06, every
   indicator the plain implementation covers must give the same (numerator, denominator,
   denominator_source) as the engine.
2. On a small hand-built folder full of edge cases (same-day follow-ups, enrolment inside the period,
   duplicate roster rows, 29 February, HepB the day after a period end, ...) both must agree with
   each other for several periods, and with numbers worked out by hand for 2025H1 — once with the
   roster denominators (no chsc.yaml) and once with official figures and no patient rosters (the
   follow-up register fallback).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import TODAY, make_id, write_xlsx
from independent_check import INDICATORS, compute, plain_registers

from chsc_cli.config import load_config
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import read_folder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "sample_data"

SAMPLE_PERIODS = ("2025", "2025H1", "2025-06", "2025-01..2025-06")
INDICATOR_IDS = tuple(INDICATORS)


class Checked:
    """One data folder read once; engine and plain results computed once per period."""

    def __init__(self, folder: Path, settings=None, read=None):
        """`settings` and `read` when the folder was read already (sample_data/, once per process)."""
        if read is None:
            config = folder / "chsc.yaml"
            settings = load_config(config if config.exists() else None).settings
            read = read_folder(folder, settings, today=TODAY)
        self.settings, self.read = settings, read
        self.registers = plain_registers(self.read.tables)
        self.library = load_library()
        self._engine: dict[str, dict] = {}
        self._plain: dict[str, dict] = {}

    def engine(self, period_text: str, indicator_id: str) -> tuple:
        if period_text not in self._engine:
            result = compute_indicators(self.read, parse_period(period_text), self.settings, self.library)
            self._engine[period_text] = {
                row.id: (row.numerator, row.denominator, row.denominator_source)
                for row in result.indicators
                if row.group is None
            }
        return self._engine[period_text][indicator_id]

    def plain(self, period_text: str, indicator_id: str) -> tuple:
        if period_text not in self._plain:
            self._plain[period_text] = compute(self.registers, parse_period(period_text), self.settings)
        return self._plain[period_text][indicator_id]


# ============================================================================================
# 1. sample_data/
# ============================================================================================


@pytest.fixture(scope="module")
def sample(sample_centre) -> Checked:
    return Checked(SAMPLE_DATA, sample_centre.settings, sample_centre.read)


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
@pytest.mark.parametrize("period_text", SAMPLE_PERIODS)
def test_engine_agrees_with_plain_implementation_on_sample_data(sample, period_text, indicator_id):
    assert sample.engine(period_text, indicator_id) == sample.plain(period_text, indicator_id)


def test_sample_data_exercises_every_checked_indicator(sample):
    """The agreement above is not vacuous: every indicator has people on both sides for 2025."""
    for indicator_id in INDICATOR_IDS:
        numerator, denominator, source = sample.plain("2025", indicator_id)
        assert source is not None, indicator_id
        assert 0 < numerator < denominator, (indicator_id, numerator, denominator)


# ============================================================================================
# 2. A hand-built folder of edge cases
# ============================================================================================

D = dt.date


def pid(birth: str, seq: str) -> str:
    return make_id(birth=birth, seq=seq, area="330102")


# --- persons (ID numbers carry the birth date) ----------------------------------------------
R1 = pid("19600630", "001")  # 65 on 2025-06-30
R2 = pid("19600701", "002")  # 64 at 2025-06-30, 65 at 2025-12-31
R3 = pid("19600229", "003")  # 29 February: 65 on 2025-02-28
R4 = pid("19500101", "004")  # closed after the H1 end
R5 = pid("19500102", "005")  # closed with no 注销日期
R6 = pid("19500103", "006")  # not 常住
R7 = pid("19500104", "007")  # two rows: 常住 否 and 常住 是
R8 = pid("19500105", "008")  # 建档 after the H1 end
R9 = pid("19500106", "009")  # two half-complete checkups
X1 = pid("19550101", "010")  # checkups only, not in the residents roster

H1 = pid("19800101", "101")  # enrolled inside H1 (Q2): k = 1
H2 = pid("19550101", "102")  # same-day follow-ups
H3 = pid("19600630", "103")  # four visits in one quarter; 65 exactly: 150/90
H4 = pid("19700101", "104")  # ended (死亡) 2025-05-01
H5 = pid("19700102", "105")  # ended (失访) with no date
H6 = pid("19850101", "106")  # ended (迁出) after the H1 end; telephone only
H7 = pid("19700103", "107")  # two roster rows: the earliest enrolment decides k
H8 = pid("19700104", "108")  # enrolled after the H1 end
N1 = pid("19900101", "109")  # follow-ups only
F1 = pid("19900102", "110")  # follow-ups only, first seen after the H1 end

DM1 = pid("19600101", "201")
DM2 = pid("19600102", "202")
DM3 = pid("19600103", "203")


def _residents(folder: Path) -> None:
    write_xlsx(
        folder / "居民健康档案花名册.xlsx",
        [
            ["身份证号", "建档日期", "常住", "档案状态", "注销日期", "签约", "签约日期"],
            [R1, D(2020, 1, 1), "是", "正常", None, "是", D(2025, 1, 1)],
            [R2, D(2020, 1, 1), "是", "正常", None, "是", None],
            [R3, D(2020, 1, 1), "户籍", None, None, "是", D(2025, 7, 1)],
            [R4, D(2020, 1, 1), "是", "死亡", D(2025, 7, 5), "否", None],
            [R5, D(2020, 1, 1), "是", "迁出", None, "是", None],
            [R6, D(2020, 1, 1), "否", "正常", None, "是", None],
            [R7, D(2019, 1, 1), "否", "正常", None, None, None],
            [R7, D(2020, 1, 1), "是", "正常", None, None, None],
            [R8, D(2025, 8, 1), "是", "正常", None, "是", None],
            [R9, D(2020, 1, 1), "非户籍常住", "正常", None, "否", None],
        ],
        sheet="居民",
    )


def _checkups(folder: Path) -> None:
    write_xlsx(
        folder / "2025年老年人健康体检.xlsx",
        [
            ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"],
            [R1, D(2025, 3, 1), "是", "是", "否"],
            [R2, D(2025, 6, 15), "是", "是", "是"],
            [R3, D(2025, 2, 10), "是", "是", "否"],
            [R4, D(2025, 5, 5), "是", "是", "是"],
            [R5, D(2025, 5, 6), "是", "是", "否"],
            [R6, D(2025, 5, 7), "是", "是", "否"],
            [R8, D(2025, 3, 3), "是", "是", "否"],
            [R9, D(2025, 3, 1), "是", "否", "否"],
            [R9, D(2025, 4, 1), "否", "是", "是"],
            [X1, D(2025, 2, 2), "是", "是", "否"],
        ],
        sheet="体检",
    )
    # a file without 健康指导 and 中医体质辨识: complete (with a warning), never TCM
    write_xlsx(
        folder / "老年人体检补录.xlsx",
        [["身份证号", "体检日期", "生活方式评估"], [R7, D(2025, 6, 10), "是"]],
        sheet="体检补录",
    )


def _hypertension(folder: Path, roster: bool) -> None:
    if roster:
        write_xlsx(
            folder / "高血压患者管理名册.xlsx",
            [
                ["身份证号", "纳入管理日期", "管理状态", "状态变更日期"],
                [H1, D(2025, 4, 15), "在管", None],
                [H2, D(2020, 1, 1), "在管", None],
                [H3, D(2020, 1, 1), None, None],
                [H4, D(2020, 1, 1), "死亡", D(2025, 5, 1)],
                [H5, D(2020, 1, 1), "失访", None],
                [H6, D(2020, 1, 1), "迁出", D(2025, 8, 1)],
                [H7, D(2025, 5, 20), "在管", None],
                [H7, D(2025, 2, 1), "在管", None],
                [H8, D(2025, 7, 10), "在管", None],
            ],
            sheet="高血压患者",
        )
    write_xlsx(
        folder / "高血压随访记录.xlsx",
        [
            ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压"],
            [H1, D(2025, 5, 1), "门诊", 135, 85],
            [H2, D(2024, 12, 1), "门诊", 130, 80],
            [H2, D(2025, 1, 10), "门诊", 145, 85],
            [H2, D(2025, 1, 10), "门诊", 148, 80],
            [H2, D(2025, 1, 10), "电话", 148, 95],
            [H2, D(2025, 2, 1), "电话", 130, None],
            [H3, D(2025, 1, 5), "门诊", None, None],
            [H3, D(2025, 1, 20), "家庭", None, None],
            [H3, D(2025, 2, 10), "上门", None, None],
            [H3, D(2025, 3, 15), "社区随访", 146, 88],
            [H4, D(2025, 2, 1), "门诊", 120, 80],
            [H6, D(2025, 6, 1), "电话", 120, 80],
            [H7, D(2025, 5, 25), "门诊", None, None],
            [H8, D(2025, 7, 15), "门诊", 150, 95],
            [N1, D(2025, 3, 3), "门诊", 120, 70],
            [F1, D(2025, 8, 1), "门诊", 120, 70],
        ],
        sheet="随访",
    )


def _diabetes(folder: Path, roster: bool) -> None:
    if roster:
        write_xlsx(
            folder / "2型糖尿病患者管理名册.xlsx",
            [
                ["身份证号", "纳入管理日期", "管理状态"],
                [DM1, D(2020, 1, 1), "在管"],
                [DM2, D(2020, 1, 1), "在管"],
                [DM3, D(2020, 1, 1), "在管"],
            ],
            sheet="糖尿病患者",
        )
    write_xlsx(
        folder / "糖尿病随访记录.xlsx",
        [
            ["身份证号", "随访日期", "随访方式", "空腹血糖"],
            [DM1, D(2025, 3, 1), "门诊", 6.5],
            [DM1, D(2025, 3, 1), "门诊", 7.2],
            [DM2, D(2025, 2, 1), "门诊", 8.0],
            [DM2, D(2025, 5, 1), "家庭", 6.9],
            [DM3, D(2025, 4, 1), "上门", 7.0],
        ],
        sheet="随访",
    )


def _children(folder: Path) -> None:
    write_xlsx(
        folder / "儿童花名册.xlsx",
        [
            ["儿童编码", "出生日期", "建证日期", "在册类别"],
            ["C1", D(2025, 3, 1), D(2025, 3, 10), "本地"],
            ["C2", D(2025, 6, 30), D(2025, 7, 5), None],
            ["C3", D(2025, 2, 1), D(2025, 2, 2), "迁出"],
            ["C4", D(2025, 4, 1), None, "外地转来"],
            ["C5", D(2025, 5, 1), D(2025, 5, 2), "流动"],
            ["C6", D(2024, 12, 31), D(2025, 1, 5), "本地"],
            ["K1", D(2024, 2, 29), D(2024, 3, 1), "本地"],
            ["K2", D(2024, 3, 15), D(2024, 3, 20), "本地"],
            ["K3", D(2024, 4, 10), D(2024, 4, 20), None],
            ["K4", D(2024, 5, 5), D(2024, 5, 6), "临时外转"],
            ["K5", D(2024, 1, 20), D(2024, 1, 25), "本地"],
        ],
        sheet="儿童",
    )
    doses = [
        ("C1", "乙肝疫苗", D(2025, 3, 2)),
        ("C2", "乙型肝炎疫苗", D(2025, 7, 1)),  # the day after birth, after the H1 end
        ("C3", "乙肝疫苗", D(2025, 2, 1)),
        ("C4", "乙肝疫苗", D(2025, 4, 3)),  # two days: not timely
        ("C5", "HepB", D(2025, 5, 1)),
        ("C5", "乙肝疫苗", D(2025, 6, 1)),
        # K1 (29 Feb 2024): everything but MCV, which is on the first birthday (28 Feb 2025)
        ("K1", "卡介苗", D(2024, 2, 29)),
        ("K1", "乙肝疫苗", D(2024, 2, 29)),
        ("K1", "乙肝疫苗", D(2024, 3, 29)),
        ("K1", "乙肝疫苗", D(2024, 8, 29)),
        ("K1", "脊灰灭活疫苗", D(2024, 4, 29)),
        ("K1", "脊灰灭活疫苗", D(2024, 5, 29)),
        ("K1", "二价脊灰减毒活疫苗", D(2024, 6, 29)),
        ("K1", "吸附无细胞百白破", D(2024, 5, 29)),
        ("K1", "吸附无细胞百白破", D(2024, 6, 29)),
        ("K1", "吸附无细胞百白破", D(2024, 7, 29)),
        ("K1", "麻腮风疫苗", D(2025, 2, 28)),
        # K2: DTaP and Polio from the 五联 combination
        ("K2", "卡介苗", D(2024, 3, 15)),
        ("K2", "乙肝疫苗", D(2024, 3, 15)),
        ("K2", "乙肝疫苗", D(2024, 4, 15)),
        ("K2", "乙肝疫苗", D(2024, 9, 15)),
        ("K2", "五联疫苗", D(2024, 5, 15)),
        ("K2", "DTaP-IPV/Hib", D(2024, 6, 15)),
        ("K2", "百白破-IPV-Hib", D(2024, 7, 15)),
        ("K2", "麻腮风疫苗", D(2024, 11, 15)),
        # K3: two HepB rows on one date are one dose
        ("K3", "卡介苗", D(2024, 4, 10)),
        ("K3", "乙肝疫苗", D(2024, 4, 10)),
        ("K3", "重组乙型肝炎疫苗", D(2024, 4, 10)),
        ("K3", "乙肝疫苗", D(2024, 5, 10)),
        ("K3", "五联疫苗", D(2024, 6, 10)),
        ("K3", "五联疫苗", D(2024, 7, 10)),
        ("K3", "五联疫苗", D(2024, 8, 10)),
        ("K3", "麻腮风疫苗", D(2024, 12, 10)),
        # K4: complete but 临时外转
        ("K4", "卡介苗", D(2024, 5, 5)),
        ("K4", "乙肝疫苗", D(2024, 5, 5)),
        ("K4", "乙肝疫苗", D(2024, 6, 5)),
        ("K4", "乙肝疫苗", D(2024, 11, 5)),
        ("K4", "五联疫苗", D(2024, 7, 5)),
        ("K4", "五联疫苗", D(2024, 8, 5)),
        ("K4", "五联疫苗", D(2024, 9, 5)),
        ("K4", "麻腮风疫苗", D(2025, 1, 5)),
        # K5: complete, MCV the day before the first birthday
        ("K5", "BCG", D(2024, 1, 20)),
        ("K5", "乙肝疫苗", D(2024, 1, 20)),
        ("K5", "乙肝疫苗", D(2024, 2, 20)),
        ("K5", "乙肝疫苗", D(2024, 7, 20)),
        ("K5", "脊灰灭活疫苗", D(2024, 3, 20)),
        ("K5", "IPV", D(2024, 4, 20)),
        ("K5", "bOPV", D(2024, 5, 20)),
        ("K5", "百白破疫苗", D(2024, 4, 20)),
        ("K5", "百白破疫苗", D(2024, 5, 20)),
        ("K5", "DTaP", D(2024, 6, 20)),
        ("K5", "麻腮风", D(2025, 1, 19)),
    ]
    write_xlsx(
        folder / "预防接种记录.xlsx",
        [["儿童编码", "疫苗名称", "接种日期"], *[list(dose) for dose in doses]],
        sheet="接种记录",
    )


CONFIG = """\
population:
  total: 1000
  age_65_plus: 100
  adults_18_plus: 800
prevalence:
  hypertension: 0.25
  diabetes: 0.09
"""


def build_edge_folder(folder: Path, *, with_config: bool, with_patient_rosters: bool) -> Path:
    _residents(folder)
    _checkups(folder)
    _hypertension(folder, roster=with_patient_rosters)
    _diabetes(folder, roster=with_patient_rosters)
    _children(folder)
    if with_config:
        (folder / "chsc.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


#: 2025H1, roster denominators (no chsc.yaml, patient rosters present), worked out by hand.
EXPECTED_ROSTERS_2025H1 = {
    # residents aged >=65 at 2025-06-30: R1 R3 R4 R7 R9; complete: R1 R3 R4 R7 (R9's rows are half each)
    "elderly_health_management_rate": (4, 5, "roster"),
    # TCM yes: R4, R9 (R7's file has no 中医体质辨识 column)
    "elderly_tcm_management_rate": (2, 5, "roster"),
    # managed: H1 H2 H3 H6 H7; standard: H1 (k=1), H3 (4 visits in Q1 >= k=2)
    "hypertension_standard_management_rate": (2, 5, "roster"),
    # controlled: H1 135/85, H3 146/88 at 65, H6 120/80 by phone; H2's 1-10 reading is 148/95
    "hypertension_bp_control_rate": (3, 5, "roster"),
    "hypertension_management_rate": (None, None, None),
    # DM2 only (DM1's two rows are one date)
    "diabetes_standard_management_rate": (1, 3, "roster"),
    # DM2 6.9; DM1's 3-1 reading is 7.2; DM3 7.0 is not < 7.0
    "diabetes_glucose_control_rate": (1, 3, "roster"),
    "diabetes_management_rate": (None, None, None),
    "health_record_rate": (None, None, None),
    # residents at the end: R1 R2 R3 R4 R7 R9; signed by the end: R1, R2 (R3 signed 2025-07-01)
    "family_doctor_signing_rate": (2, 6, "roster"),
    # born in H1 and registered: C1 C2 C4 C5; card by 6-30: C1 C5
    "vaccination_card_rate": (2, 4, "roster"),
    # C1 (next day), C2 (next day = 7-1), C5 (birth date); C4 two days late
    "hepb_birth_dose_timely_rate": (3, 4, "roster"),
    # first birthday in H1: K1 (2025-02-28) K2 K3 K5; full: K2, K5
    "nip_basic_full_series_rate": (2, 4, "roster"),
}

#: 2025H1 with chsc.yaml figures and no patient rosters (follow-up register fallback).
EXPECTED_CONFIG_FALLBACK_2025H1 = {
    # every complete checkup person >=65: R1 R3 R4 R5 R6 R7 R8 X1
    "elderly_health_management_rate": (8, 100, "config"),
    "elderly_tcm_management_rate": (2, 100, "config"),
    # first seen by 6-30: H1 H2 H3 H4 H6 H7 N1; k from the first follow-up's quarter when inside H1:
    # H1 k=1 ok, H2 k=2 (1 date), H3 k=2 ok, H4 k=2 (1 date), H6 phone, H7 k=1 ok, N1 k=2 (1 date)
    "hypertension_standard_management_rate": (3, 7, "register"),
    # H1, H3, H4 120/80, H6, N1
    "hypertension_bp_control_rate": (5, 7, "register"),
    # 800 x 0.25 = 200
    "hypertension_management_rate": (7, 200, "config"),
    # DM1 k=2 one date; DM2 k=2 two dates; DM3 first seen 4-1, k=1
    "diabetes_standard_management_rate": (2, 3, "register"),
    "diabetes_glucose_control_rate": (1, 3, "register"),
    # 800 x 0.09 = 72
    "diabetes_management_rate": (3, 72, "config"),
    "health_record_rate": (6, 1000, "config"),
    "family_doctor_signing_rate": (2, 1000, "config"),
    "vaccination_card_rate": (2, 4, "roster"),
    "hepb_birth_dose_timely_rate": (3, 4, "roster"),
    "nip_basic_full_series_rate": (2, 4, "roster"),
}

EDGE_VARIANTS = {
    "rosters": (dict(with_config=False, with_patient_rosters=True), EXPECTED_ROSTERS_2025H1),
    "config_fallback": (dict(with_config=True, with_patient_rosters=False), EXPECTED_CONFIG_FALLBACK_2025H1),
}
EDGE_PERIODS = ("2025", "2025H1", "2025-02", "2025-06", "2025-01..2025-06", "2024", "2025Q3")


@pytest.fixture(scope="module", params=sorted(EDGE_VARIANTS))
def edge(request, tmp_path_factory) -> tuple[Checked, dict]:
    options, expected = EDGE_VARIANTS[request.param]
    folder = build_edge_folder(tmp_path_factory.mktemp(f"edge_{request.param}"), **options)
    checked = Checked(folder)
    assert not checked.read.has_errors, [p for p in checked.read.problems if p.level == "error"]
    return checked, expected


def test_edge_folder_plain_implementation_matches_hand_numbers(edge):
    checked, expected = edge
    assert set(expected) == set(INDICATOR_IDS)
    got = {indicator_id: checked.plain("2025H1", indicator_id) for indicator_id in INDICATOR_IDS}
    assert got == expected


@pytest.mark.parametrize("period_text", EDGE_PERIODS)
def test_edge_folder_engine_agrees_with_plain_implementation(edge, period_text):
    checked, _ = edge
    engine = {indicator_id: checked.engine(period_text, indicator_id) for indicator_id in INDICATOR_IDS}
    plain = {indicator_id: checked.plain(period_text, indicator_id) for indicator_id in INDICATOR_IDS}
    assert engine == plain


def test_edge_folder_29_february_and_age_at_period_end(edge):
    """Spot checks of the calendar rules on which the two implementations could both be wrong."""
    checked, _ = edge
    # K1, born 29 Feb 2024, has her first birthday on 28 Feb 2025: in the 2025-02 cohort, and the
    # MCV dose given that day is not before it.
    assert checked.plain("2025-02", "nip_basic_full_series_rate") == (0, 1, "roster")
    # R2 turns 65 on 2025-07-01: her June checkup counts for 2025 but not for 2025H1.
    numerator_h1 = checked.plain("2025H1", "elderly_health_management_rate")[0]
    numerator_year = checked.plain("2025", "elderly_health_management_rate")[0]
    # With the roster, R8 (建档 2025-08-01) joins as well and R4 (closed 2025-07-05) leaves.
    assert numerator_year == numerator_h1 + 1
