"""`vaccinations` — 预防接种记录 (one row per dose), and the vaccine-name → series table."""

from __future__ import annotations

import unicodedata

from ..columns import NAME, Column, RegisterKind
from .children import CHILD_CODE

VACCINATIONS = RegisterKind(
    name="vaccinations",
    title="预防接种记录",
    words=("接种记录",),
    key_field="child_code",
    columns=(
        CHILD_CODE,
        Column("疫苗名称", "vaccine_name", "text", ("疫苗", "接种疫苗"), required=True),
        Column("接种日期", "vaccination_date", "date", ("接种时间",), required=True),
        Column("剂次", "dose_label", "text", ("针次", "第几剂")),
        Column("出生日期", "birth_date", "date"),
        NAME,
        Column("接种单位", "vaccination_unit", "text"),
        Column("批号", "batch_number", "text", ("疫苗批号",)),
    ),
)

#: registers.md and real-exports.md: known vaccine names -> the series they count toward. The longest
#: contained name wins, so a longer name is listed wherever a shorter one would mislead
#: (百日咳白喉破伤风 is DTaP, not the 白喉破伤风 of DT; 甲型乙型肝炎联合 is HepA + HepB, not only HepB).
_SERIES_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("HepB",): ("乙肝", "乙肝疫苗", "乙型肝炎疫苗", "乙型肝炎", "HepB"),
    ("BCG",): ("卡介苗", "BCG"),
    ("Polio",): (
        "脊灰", "脊灰疫苗", "脊灰灭活疫苗", "二价脊灰减毒活疫苗", "脊灰减毒活疫苗", "灭活脊髓灰质炎", "脊髓灰质炎",
        "IPV", "bOPV", "OPV",
    ),
    ("DTaP",): ("百白破", "百白破疫苗", "吸附无细胞百白破", "百日咳白喉破伤风", "DTaP"),
    ("DT",): ("白破", "白破疫苗", "白喉破伤风", "DT"),
    ("MCV",): ("麻腮风", "麻风", "麻疹", "麻腮风疫苗", "麻风疫苗", "麻疹疫苗", "MMR", "MR", "MV"),
    ("JE",): ("乙脑", "乙脑减毒活疫苗", "乙脑灭活疫苗", "乙型脑炎", "JE-L", "JE-I"),
    ("MenA",): ("A群流脑", "A群流脑多糖疫苗", "流脑A", "MPSV-A"),
    ("MenAC",): ("A群C群流脑", "A群C群流脑多糖疫苗", "A+C群流脑", "AC群流脑", "AC-Hib", "MPSV-AC"),
    ("HepA",): ("甲肝", "甲肝减毒活疫苗", "甲肝灭活疫苗", "甲型肝炎", "HepA-L", "HepA-I"),
    ("DTaP", "Polio", "Hib"): ("五联疫苗", "百白破-IPV-Hib", "DTaP-IPV/Hib"),
    ("HepA", "HepB"): ("甲乙肝联合疫苗", "甲型乙型肝炎联合"),
    #: Vaccines outside the five-vaccine series: known (no unknown-vaccine warning), counted toward none.
    (): (
        "Hib", "b型流感嗜血杆菌", "流感嗜血杆菌", "EV71", "肠道病毒71型", "流感", "13价肺炎", "23价肺炎", "肺炎球菌",
        "水痘", "轮状病毒", "HPV", "人乳头瘤病毒", "狂犬病", "带状疱疹", "新冠", "新型冠状病毒",
    ),
}


def normalise_vaccine_name(name: str) -> str:
    """NFKC, white space removed, case-folded (registers.md)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


#: normalised known name -> series, longest names first (the longest contained name wins).
KNOWN_VACCINES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    sorted(
        ((normalise_vaccine_name(n), series) for series, names in _SERIES_NAMES.items() for n in names),
        key=lambda item: -len(item[0]),
    )
)


def known_series(vaccine_name: str) -> tuple[str, ...] | None:
    """The series a vaccine name counts toward (() for a vaccine outside them); None when unknown."""
    normalised = normalise_vaccine_name(vaccine_name)
    for known, series in KNOWN_VACCINES:
        if known in normalised:
            return series
    return None


def series_of(vaccine_name: str) -> tuple[str, ...]:
    """The series a vaccine name counts toward; () for a vaccine outside them or an unknown name."""
    return known_series(vaccine_name) or ()
