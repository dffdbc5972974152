"""Loading the hand-made indicator cases (tests/indicator_cases/<indicator_id>.yaml) and turning one
case into a data folder: one workbook per register, `chsc.yaml` from the case's `config`.

A case file looks like this (the full format is described in test_indicator_cases.py):

    indicator: hypertension_standard_management_rate
    people:
      P1: {birth: 1950-06-01, sex: 男}
    cases:
      - name: four face-to-face visits in one quarter satisfy k=4
        why: P1 enrolled 2020 needs 4 visits; 4 distinct 门诊 dates -> 1 of 1
        period: "2025"
        registers:
          hypertension_patients:
            - {身份证号: P1, 纳入管理日期: 2020-01-01}
        expect: {numerator: 1, denominator: 1}

Person names in the 身份证号 column become valid 18-character ID numbers: area code 330102, the
birth date, a 3-digit sequence unique to the person (odd last digit for 男, even for 女) and the
GB 11643 check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from helpers import write_workbook

from chsc_cli.people import check_character

CASE_DIR = Path(__file__).resolve().parent / "indicator_cases"
TODAY = dt.date(2026, 11, 23)
AREA_CODE = "330102"
ID_COLUMN = "身份证号"

#: Register kind -> file name (without .xlsx). The reader classifies by headers; 高血压 / 糖尿病 in the
#: name tell the hypertension and diabetes rosters and follow-ups apart.
FILE_NAMES = {
    "residents": "居民健康档案",
    "elderly_checkups": "老年人体检",
    "hypertension_patients": "高血压患者管理名册",
    "hypertension_followups": "高血压随访记录",
    "diabetes_patients": "糖尿病患者管理名册",
    "diabetes_followups": "糖尿病随访记录",
    "children": "儿童花名册",
    "vaccinations": "预防接种记录",
    # services.md (issue 16): the person and delivery registers whose cases live here too
    "child_health_roster": "0～6岁儿童健康管理花名册",
    "child_health_visits": "新生儿访视及儿童健康检查记录",
    "maternal_records": "孕产妇健康管理登记",
    "smi_patients": "严重精神障碍患者管理名册",
    "smi_followups": "严重精神障碍患者随访记录",
    "tb_patients": "肺结核患者管理名册",
    # services.md (issue 17): the record registers
    "infectious_disease_reports": "传染病报告卡登记",
    "health_supervision_reports": "卫生监督协管信息报告登记",
    "health_education_activities": "健康教育活动记录",
}

FILE_KEYS = {"indicator", "people", "cases"}
CASE_KEYS = {"name", "why", "period", "config", "people", "registers", "missing_columns", "expect"}
EXPECT_KEYS = {
    "numerator",
    "denominator",
    "denominator_source",
    "value",
    "value_null",
    "target",
    "met",
    "shortfall",
    "reason_contains",
}
PERSON_KEYS = {"birth", "sex"}


@dataclass(frozen=True)
class IndicatorCase:
    indicator: str
    name: str
    source: Path
    period: str
    why: str
    people: dict[str, dict[str, Any]]
    config: dict[str, Any] | None
    #: "kind" or "kind#tag" (a second file of the same kind) -> rows
    registers: dict[str, list[dict[str, Any]]]
    missing_columns: dict[str, list[str]] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)

    @property
    def test_id(self) -> str:
        return f"{self.source.name}::{self.name}"


class CaseFileError(ValueError):
    """A case file that does not follow the format (caught at collection, with file and case)."""


def _check_keys(where: str, mapping: Any, allowed: set[str], required: set[str] = frozenset()) -> None:
    if not isinstance(mapping, dict):
        raise CaseFileError(f"{where}: expected a mapping, got {type(mapping).__name__}")
    unknown = set(mapping) - allowed
    if unknown:
        raise CaseFileError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")
    missing = set(required) - set(mapping)
    if missing:
        raise CaseFileError(f"{where}: missing keys {sorted(missing)}")


def register_kind(register_key: str) -> str:
    """"elderly_checkups#2" -> "elderly_checkups"."""
    return register_key.partition("#")[0]


def file_name(register_key: str) -> str:
    kind, _, tag = register_key.partition("#")
    return f"{FILE_NAMES[kind]}{'_' + tag if tag else ''}.xlsx"


def load_case_file(path: Path) -> list[IndicatorCase]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    _check_keys(path.name, document, FILE_KEYS, {"indicator", "cases"})
    indicator = document["indicator"]
    if indicator != path.stem:
        raise CaseFileError(f"{path.name}: indicator {indicator!r} differs from the file name")
    file_people = document.get("people") or {}
    cases: list[IndicatorCase] = []
    names: set[str] = set()
    for number, raw in enumerate(document["cases"], start=1):
        where = f"{path.name} case {number}"
        _check_keys(where, raw, CASE_KEYS, {"name", "why", "period", "registers", "expect"})
        if raw["name"] in names:
            raise CaseFileError(f"{where}: duplicate name {raw['name']!r}")
        names.add(raw["name"])
        _check_keys(f"{where} expect", raw["expect"], EXPECT_KEYS)
        people = {**file_people, **(raw.get("people") or {})}
        for person, attributes in people.items():
            _check_keys(f"{where} person {person}", attributes, PERSON_KEYS, {"birth"})
        for register_key in raw["registers"]:
            if register_kind(register_key) not in FILE_NAMES:
                raise CaseFileError(f"{where}: unknown register kind {register_key!r}")
        cases.append(
            IndicatorCase(
                indicator=indicator,
                name=raw["name"],
                source=path,
                period=str(raw["period"]),
                why=str(raw["why"]).strip(),
                people=people,
                config=raw.get("config"),
                registers=raw["registers"],
                missing_columns=raw.get("missing_columns") or {},
                expect=raw["expect"],
            )
        )
    return cases


def load_cases(case_dir: Path = CASE_DIR) -> list[IndicatorCase]:
    cases: list[IndicatorCase] = []
    for path in sorted(case_dir.glob("*.yaml")):
        cases.extend(load_case_file(path))
    return cases


def person_ids(people: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each person's ID: 330102 + YYYYMMDD + sequence (unique; last digit odd for 男) + check char."""
    ids: dict[str, str] = {}
    for index, (person, attributes) in enumerate(people.items()):
        birth = attributes["birth"]
        if not isinstance(birth, dt.date):
            birth = dt.date.fromisoformat(str(birth))
        sequence = 2 * index + (1 if attributes.get("sex", "女") == "男" else 2)
        first17 = f"{AREA_CODE}{birth:%Y%m%d}{sequence:03d}"
        ids[person] = first17 + check_character(first17)
    return ids


def _cell(column: str, value: Any, ids: dict[str, str], where: str) -> Any:
    if value is None or value == "":
        return None
    if column == ID_COLUMN:
        if value not in ids:
            raise CaseFileError(f"{where}: 身份证号 {value!r} is not one of the case's people {sorted(ids)}")
        return ids[value]
    return value


def build_folder(case: IndicatorCase, folder: Path) -> dict[str, str]:
    """Write the case's registers and chsc.yaml into `folder`; return file name -> intended kind."""
    ids = person_ids(case.people)
    written: dict[str, str] = {}
    for register_key, rows in case.registers.items():
        kind = register_kind(register_key)
        headers: list[str] = []
        for row in rows:
            headers.extend(key for key in row if key not in headers)
        where = f"{case.test_id} {register_key}"
        table = [headers] + [[_cell(h, row.get(h), ids, where) for h in headers] for row in rows]
        name = file_name(register_key)
        write_workbook(folder / name, {kind: table})
        written[name] = kind
    if case.config is not None:
        (folder / "chsc.yaml").write_text(yaml.safe_dump(case.config, allow_unicode=True), encoding="utf-8")
    return written


def config_path(folder: Path) -> Path | None:
    path = folder / "chsc.yaml"
    return path if path.exists() else None
