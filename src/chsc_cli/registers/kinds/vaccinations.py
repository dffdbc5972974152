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

#: registers.md: known vaccine names -> the series they count toward.
_SERIES_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("HepB",): ("乙肝", "乙肝疫苗", "乙型肝炎疫苗", "HepB"),
    ("BCG",): ("卡介苗", "BCG"),
    ("Polio",): ("脊灰", "脊灰疫苗", "脊灰灭活疫苗", "二价脊灰减毒活疫苗", "脊灰减毒活疫苗", "IPV", "bOPV", "OPV"),
    ("DTaP",): ("百白破", "百白破疫苗", "吸附无细胞百白破", "DTaP"),
    ("DT",): ("白破", "白破疫苗", "DT"),
    ("MCV",): ("麻腮风", "麻风", "麻疹", "麻腮风疫苗", "麻风疫苗", "麻疹疫苗", "MMR", "MR", "MV"),
    ("JE",): ("乙脑", "乙脑减毒活疫苗", "乙脑灭活疫苗", "JE-L", "JE-I"),
    ("MenA",): ("A群流脑", "A群流脑多糖疫苗", "MPSV-A"),
    ("MenAC",): ("A群C群流脑", "A群C群流脑多糖疫苗", "MPSV-AC"),
    ("HepA",): ("甲肝", "甲肝减毒活疫苗", "甲肝灭活疫苗", "HepA-L", "HepA-I"),
    ("DTaP", "Polio", "Hib"): ("五联疫苗", "百白破-IPV-Hib", "DTaP-IPV/Hib"),
    ("HepA", "HepB"): ("甲乙肝联合疫苗",),
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


def series_of(vaccine_name: str) -> tuple[str, ...]:
    """The series a vaccine name counts toward; () for an unknown name."""
    normalised = normalise_vaccine_name(vaccine_name)
    for known, series in KNOWN_VACCINES:
        if known in normalised:
            return series
    return ()
