"""The services.md hand cases (tests/independent_cases/<indicator_id>.yaml): loading them, and turning
one case's registers into the reader's tables with the field names agreed for the new kinds
(/tmp/new_kinds_fields.md, copied into tests/independent_services.py) — so the plain implementation
can run over them before the reader knows the new kinds.

The files follow the format of tests/indicator_cases/*.yaml (see test_indicator_cases.py): canonical
Chinese headers as keys, person names in 身份证号 turned into valid ID numbers, `config` the content
of chsc.yaml. `FILE_NAMES` below gives each register a file name for when the engine reads them.

`case_tables` is a deliberately small stand-in for the reader: it knows only the canonical headers
and the vocabulary values the cases use, maps them as services.md / registers.md say, and fails
loudly on anything else, so a case cannot silently mean something else than it says.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import yaml
from helpers_cases import CASE_KEYS, EXPECT_KEYS, FILE_NAMES, PERSON_KEYS, IndicatorCase, _check_keys, person_ids

INDEPENDENT_CASE_DIR = Path(__file__).resolve().parent / "independent_cases"

#: File names (without .xlsx) for the services.md kinds; the words in them are the tie-break and
#: disease words of services.md ("Telling the new kinds apart").
NEW_FILE_NAMES = {
    "child_health_roster": "0～6岁儿童健康管理花名册",
    "child_health_visits": "新生儿访视及儿童健康检查记录",
    "maternal_records": "孕产妇健康管理登记",
    "smi_patients": "严重精神障碍患者管理名册",
    "smi_followups": "严重精神障碍患者随访记录",
    "tb_patients": "肺结核患者管理名册",
    "infectious_disease_reports": "传染病报告卡登记",
    "health_supervision_reports": "卫生监督协管信息报告登记",
    "health_education_activities": "健康教育活动记录",
}
ALL_FILE_NAMES = {**FILE_NAMES, **NEW_FILE_NAMES}

ACTIVE, ENDED = "active", "ended"
_MANAGEMENT = {**dict.fromkeys(("在管", "继续随访", "在册"), ACTIVE), **dict.fromkeys(("死亡", "迁出", "终止管理", "失访", "注销"), ENDED)}
_ROSTER = {**dict.fromkeys(("在册", "正常", "在管"), ACTIVE), **dict.fromkeys(("迁出", "死亡", "转出", "失访", "结案"), ENDED)}
_SMI_CLASS = {"稳定": "稳定", "病情稳定": "稳定", "基本稳定": "基本稳定", "病情基本稳定": "基本稳定",
              "不稳定": "不稳定", "病情不稳定": "不稳定", "未访到": "未访到", "失访": "未访到", "未随访到": "未访到"}
_STOP = {**dict.fromkeys(("完成疗程", "治愈", "完成治疗", "治疗成功"), "completed"), "死亡": "died",
         "失访": "lost", "丢失": "lost", "转入耐多药治疗": "mdr", "其他": "other"}
_CLASS = {v: v for v in ("甲类", "乙类", "丙类", "其他")}
_FORMS = {**{v: v for v in ("健康知识讲座", "公众健康咨询", "宣传栏更新", "发放印刷资料", "播放音像资料", "个体化健康教育", "其他")},
          "讲座": "健康知识讲座", "健康讲座": "健康知识讲座", "健康咨询": "公众健康咨询"}
_YES = {"是": True, "有": True, "否": False, "无": False}
_RESIDENT = {"是": True, "常住": True, "户籍": True, "否": False, "流动": False, "非常住": False}
_RECORD = {"正常": ACTIVE, "在档": ACTIVE, "死亡": "closed", "迁出": "closed", "注销": "closed"}

# canonical header -> (field, type); a dict type is a vocabulary (value -> canonical, with a default)
_ID = {"身份证号": ("id_number", "id")}
_PATIENT = {**_ID, "纳入管理日期": ("enrolment_date", "date"), "管理状态": ("management_status", (_MANAGEMENT, ACTIVE)),
            "状态变更日期": ("status_change_date", "date"), "出生日期": ("birth_date", "date"), "所属站点": ("station", "text")}
_FOLLOWUP = {**_ID, "随访日期": ("followup_date", "date"), "随访方式": ("followup_mode", "text")}
COLUMNS: dict[str, dict[str, tuple]] = {
    "residents": {**_ID, "出生日期": ("birth_date", "date"), "建档日期": ("record_date", "date"),
                  "常住": ("resident", (_RESIDENT, True)), "档案状态": ("record_status", (_RECORD, ACTIVE)),
                  "注销日期": ("closed_date", "date"), "签约": ("signed", "yesno"), "签约日期": ("signing_date", "date")},
    "elderly_checkups": {**_ID, "体检日期": ("checkup_date", "date")},
    "hypertension_patients": _PATIENT,
    "diabetes_patients": _PATIENT,
    "hypertension_followups": _FOLLOWUP,
    "diabetes_followups": _FOLLOWUP,
    "child_health_roster": {"儿童保健编号": ("child_health_code", "code"), "出生日期": ("birth_date", "date"),
                            "在册状态": ("roster_status", (_ROSTER, ACTIVE)), "状态变更日期": ("status_change_date", "date"),
                            **_ID, "姓名": ("name", "text"), "所属站点": ("station", "text")},
    "child_health_visits": {"儿童保健编号": ("child_health_code", "code"), "随访日期": ("visit_date", "date"),
                            "随访类型": ("visit_type", "text"), "中医药健康管理": ("tcm_guidance", "yesno"),
                            "出生日期": ("birth_date", "date")},
    "maternal_records": {**_ID, "分娩日期": ("delivery_date", "date"), "末次月经": ("last_menstrual_date", "date"),
                         "建册日期": ("registration_date", "date"), "建册孕周": ("registration_weeks", "weeks"),
                         "产前检查次数": ("antenatal_visits", "number"), "出院日期": ("discharge_date", "date"),
                         "产后访视日期": ("postpartum_visit_date", "date"),
                         "产后42天检查日期": ("postpartum_42_date", "date"), "活产数": ("live_births", "number")},
    "smi_patients": {**_PATIENT, "诊断": ("diagnosis", "text")},
    "smi_followups": {**_FOLLOWUP, "危险性评估": ("risk_level", "number"), "本次随访分类": ("followup_class", (_SMI_CLASS, None))},
    "tb_patients": {**_ID, "通知日期": ("notice_date", "date"), "首次入户随访日期": ("first_visit_date", "date"),
                    "停止治疗日期": ("stop_date", "date"), "停止治疗原因": ("stop_reason", (_STOP, "other")),
                    "应服药次数": ("due_doses", "number"), "实际服药次数": ("taken_doses", "number")},
    "infectious_disease_reports": {"卡片编号": ("card_number", "code"), "疾病名称": ("disease_name", "text"),
                                   "诊断时间": ("diagnosis_time", "datetime"), "报告时间": ("report_time", "datetime"),
                                   "传染病类别": ("disease_class", (_CLASS, "其他")), "卡片状态": ("card_status", "text"),
                                   "审核状态": ("review_status", "text"), "删除时间": ("deleted_time", "text")},
    "health_supervision_reports": {"发现时间": ("found_time", "datetime"), "信息类别": ("info_category", "text"),
                                   "报告时间": ("report_time", "datetime"), "所属站点": ("station", "text")},
    "health_education_activities": {"活动日期": ("activity_date", "date"), "活动形式": ("activity_form", (_FORMS, "其他")),
                                    "活动主题": ("topic", "text"), "参加人数": ("attendance", "number")},
}

_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_WEEKS = re.compile(r"^孕?(\d+(?:\.\d+)?)(周|w)?(\+)?(?:([0-6])(天|d)?)?$")


class CaseValueError(ValueError):
    """A cell the stand-in reader does not know: the case must be fixed, not guessed at."""


def _datetime(value: Any, where: str) -> tuple[dt.datetime, bool]:
    """(value, has_time): a YAML date-time with a time other than 00:00:00, or text `2025-03-12
    14:20`, has a time; a date, or 00:00:00, is a plain date (services.md "Date-times")."""
    if isinstance(value, dt.datetime):
        return value, value.time() != dt.time()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()), False
    match = _DATETIME.match(str(value).strip())
    if not match:
        raise CaseValueError(f"{where}: not a date-time: {value!r}")
    y, mo, d, h, mi, s = (int(g) if g else None for g in match.groups())
    return dt.datetime(y, mo, d, h or 0, mi or 0, s or 0), h is not None


def _cell(value: Any, kind: Any, where: str) -> Any:
    if kind in ("text", "id", "code"):
        return str(value).strip()
    if kind == "date":
        return _datetime(value, where)[0].date()
    if kind == "yesno":
        if value not in _YES:
            raise CaseValueError(f"{where}: not a yes/no value: {value!r}")
        return _YES[value]
    if kind == "number":
        return float(value)
    if kind == "weeks":  # 12 -> 12.0; 12+3, 12周3天, 12w3d -> 12 + 3/7 (services.md 建册孕周)
        match = _WEEKS.match(str(value).strip())
        weeks, unit, plus, days, _ = match.groups() if match else (None,) * 5
        if not match or (days is not None and not (unit or plus)) or (plus and days is None):
            raise CaseValueError(f"{where}: not a gestational age: {value!r}")
        return float(weeks) + (int(days) / 7 if days else 0)
    vocabulary, default = kind
    return vocabulary.get(str(value).strip(), default)


def case_tables(case: IndicatorCase) -> dict[str, pd.DataFrame]:
    """The case's registers as the reader would return them: kind -> DataFrame with the agreed field
    names (a header no row uses is absent), date columns datetime64, date-times with `__has_time`."""
    ids = person_ids(case.people)
    rows_by_kind: dict[str, list[dict]] = {}
    for register_key, rows in case.registers.items():
        kind = register_key.partition("#")[0]
        columns = COLUMNS[kind]
        for number, raw in enumerate(rows, start=2):
            where = f"{case.test_id} {register_key} row {number}"
            row: dict[str, Any] = {"_file": f"{register_key}.xlsx", "_sheet": kind, "_row": number}
            present = []
            for header, value in raw.items():
                if header not in columns:
                    raise CaseValueError(f"{where}: unknown header {header!r}")
                field, value_kind = columns[header]
                present.append(field)
                if value is None or value == "":
                    row[field] = None
                elif value_kind == "id":
                    if value not in ids:
                        raise CaseValueError(f"{where}: 身份证号 {value!r} is not one of the case's people")
                    row[field] = ids[value]
                elif value_kind == "datetime":
                    row[field], row[f"{field}__has_time"] = _datetime(value, where)
                else:
                    row[field] = _cell(value, value_kind, where)
            row["_present"] = ",".join(present)
            rows_by_kind.setdefault(kind, []).append(row)
    tables = {}
    for kind, rows in rows_by_kind.items():
        table = pd.DataFrame(rows)
        for header, (field, value_kind) in COLUMNS[kind].items():
            if field in table and value_kind in ("date", "datetime"):
                table[field] = pd.to_datetime(table[field])
            if value_kind == "datetime" and field in table:
                table[f"{field}__has_time"] = table[f"{field}__has_time"].fillna(False).astype(bool)
        tables[kind] = table
    return tables


def _namespace(mapping: dict | None) -> SimpleNamespace | None:
    return None if mapping is None else SimpleNamespace(**mapping)


def case_settings(config: dict | None) -> SimpleNamespace:
    """A tiny stand-in for the loaded chsc.yaml settings (the keys the plain functions read)."""
    config = config or {}
    return SimpleNamespace(
        population=_namespace(config.get("population")),
        population_by_year={int(y): _namespace(p) for y, p in (config.get("population_by_year") or {}).items()},
        targets=config.get("targets") or {},
        reference_date=config.get("reference_date", "period_end"),
    )


def load_independent_case_file(path: Path) -> list[IndicatorCase]:
    """As helpers_cases.load_case_file, with the register kinds of services.md allowed."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    _check_keys(path.name, document, {"indicator", "people", "cases"}, {"indicator", "cases"})
    if document["indicator"] != path.stem:
        raise ValueError(f"{path.name}: indicator differs from the file name")
    cases, names = [], set()
    for number, raw in enumerate(document["cases"], start=1):
        where = f"{path.name} case {number}"
        _check_keys(where, raw, CASE_KEYS, {"name", "why", "period", "registers", "expect"})
        _check_keys(f"{where} expect", raw["expect"], EXPECT_KEYS)
        if raw["name"] in names:
            raise ValueError(f"{where}: duplicate name {raw['name']!r}")
        names.add(raw["name"])
        people = {**(document.get("people") or {}), **(raw.get("people") or {})}
        for person, attributes in people.items():
            _check_keys(f"{where} person {person}", attributes, PERSON_KEYS, {"birth"})
        for register_key in raw["registers"]:
            if register_key.partition("#")[0] not in ALL_FILE_NAMES:
                raise ValueError(f"{where}: unknown register kind {register_key!r}")
        cases.append(IndicatorCase(
            indicator=document["indicator"], name=raw["name"], source=path, period=str(raw["period"]),
            why=str(raw["why"]).strip(), people=people, config=raw.get("config"), registers=raw["registers"],
            missing_columns=raw.get("missing_columns") or {}, expect=raw["expect"],
        ))
    return cases


def load_independent_cases(case_dir: Path = INDEPENDENT_CASE_DIR) -> list[IndicatorCase]:
    return [case for path in sorted(case_dir.glob("*.yaml")) for case in load_independent_case_file(path)]
