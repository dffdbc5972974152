"""sample_data/generate.py: the nine service registers of issues 16 and 17 (on by default; --no-services leaves them out).

They come from random streams of their own, so every other file is byte-identical with or without them;
they are deterministic; and what they hold is believable for the centre's size (births a year, patients,
cards, lectures) with the particular cases the indicators must meet (twins, a stillbirth, late and deleted
cards, a station short of lectures …). Counts are read back from the written files, not from the generator.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SERVICE_FOLDERS = ("儿童保健", "孕产妇", "精神卫生", "肺结核", "传染病报告", "卫生监督协管", "健康教育")
RESIDENTS = 6000
YEARS = (2024, 2025)


@pytest.fixture(scope="module")
def generator():
    """The generator script, loaded as a module without leaving a __pycache__ in sample_data/."""
    spec = importlib.util.spec_from_file_location("chsc_sample_generate_services", SAMPLE_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    yield module
    for name in [n for n in sys.modules if n.startswith(spec.name)]:
        sys.modules.pop(name)


@pytest.fixture(scope="module")
def centre(generator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("services")
    return folder, generator.generate_centre(folder, residents=RESIDENTS, services=True)


def written(summary: dict) -> list[str]:
    return sorted([*summary["files"], "chsc.yaml"])


def table(path: Path, *markers: str) -> list[dict]:
    """Data rows of every sheet of `path` as dicts keyed by header (a two-row header's leaf, else the cell
    above); the header row (the leaf row) is the first holding one of `markers`; blank and 合计 rows are left out."""
    if path.suffix == ".csv":
        import csv

        sheets = [list(csv.reader(path.read_bytes().decode("gbk").splitlines()))]
    else:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    rows = []
    for cells in sheets:
        at = next(i for i, row in enumerate(cells) if set(markers) & set(row))
        above = [*(cells[at - 1] if at else []), *[""] * len(cells[at])]
        names = [leaf or upper for leaf, upper in zip(cells[at], above)]
        for row in cells[at + 1:]:
            if any(v not in ("", None) for v in row) and row[0] not in ("合计", "小计"):
                rows.append(dict(zip(names, row)))
    return rows


def files(folder: Path, under: str, pattern: str = "*") -> list[Path]:
    return sorted(p for p in (folder / under).rglob(pattern) if p.suffix in (".xlsx", ".csv"))


def as_date(value) -> dt.date | None:
    """A date written in any of the generator's shapes (cell, serial, 20250312, 2025-03-12, 2025年3月12日 …)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().removesuffix(".0")
    if text.isdigit():
        number = int(text)
        if number < 100000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=number)
        return dt.date(number // 10000, number // 100 % 100, number % 100)
    found = re.match(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", text)
    return dt.date(*map(int, found.groups())) if found else None


def year_of(value) -> int | None:
    day = as_date(value)
    return day.year if day else None


def normalised(pid) -> str:
    return unicodedata.normalize("NFKC", str(pid)).replace(" ", "").strip().upper()


def test_on_by_default_and_the_other_files_stay_byte_identical(generator, tmp_path):
    plain = generator.generate_centre(tmp_path / "plain", residents=2000, services=False)
    both = generator.generate_centre(tmp_path / "both", residents=2000)
    assert "services" not in plain and "services" in both
    assert not any(rel.startswith(SERVICE_FOLDERS) for rel in plain["files"])
    for rel in written(plain):
        assert (tmp_path / "plain" / rel).read_bytes() == (tmp_path / "both" / rel).read_bytes(), rel
    new = set(both["files"]) - set(plain["files"])
    assert {rel.split("/")[0] for rel in new} == set(SERVICE_FOLDERS)
    assert both["mess"][: len(plain["mess"])] == plain["mess"]  # the new items come after, the old unchanged
    assert not (SAMPLE_DIR / "__pycache__").exists()


def test_two_runs_are_byte_identical(generator, tmp_path):
    first = generator.generate_centre(tmp_path / "a", residents=2000, services=True)
    second = generator.generate_centre(tmp_path / "b", residents=2000, services=True)
    assert first == second
    for rel in written(first):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_without_mess_the_service_files_have_canonical_headers(generator, tmp_path):
    summary = generator.generate_centre(tmp_path, residents=2000, services=True, mess=False)
    assert summary["mess"] == []
    cards = table(tmp_path / "传染病报告/大疫情网报告卡导出2024.xlsx", "卡片编号")
    assert cards and all(isinstance(c["诊断时间"], dt.datetime) for c in cards)
    assert {c["传染病类别"] for c in cards} <= {"甲类", "乙类", "丙类"}


def test_children_births_and_visits_are_believable(centre):
    folder, _ = centre
    roster = [r for p in files(folder, "儿童保健", "*花名册*") for r in table(p, "出生日期")]
    births = Counter(year_of(r["出生日期"]) for r in roster)
    for year in YEARS:
        assert 8 <= births[year] * 1000 / RESIDENTS <= 12, births  # ~10 per 1,000 a year (300 for 30,000)
    assert set(births) == set(range(YEARS[0] - 6, YEARS[-1] + 1))
    ended = [r for r in roster if r.get("在册状态", r.get("结案标志")) not in ("在册", "正常", "n", "", None, "待核实")]
    assert any(r.get("状态变更日期", r.get("结案时间")) for r in ended)
    assert any(not r.get("状态变更日期", r.get("结案时间")) for r in ended)  # ended without a date
    codes = [str(r.get("儿童保健编号", r.get("保健号"))).removesuffix(".0") for r in roster]
    assert len(set(codes)) == len(codes)

    born = {str(r.get("儿童保健编号", r.get("保健号"))).removesuffix(".0"): r["出生日期"] for r in roster}
    visits = [r for p in files(folder, "儿童保健", "*记录*") for r in table(p, "儿童保健编号")]
    first_visit = {}
    for r in visits:
        kind = r.get("随访类型") or r.get("访视类型") or r.get("检查类型")
        day = r.get("随访日期") or r.get("访视日期") or r.get("检查日期")
        code = str(r["儿童保健编号"]).removesuffix(".0")
        if kind == "新生儿访视" and isinstance(day, dt.date) and isinstance(born.get(code), dt.date):
            first_visit[code] = (day - born[code]).days
    newborns = [c for c, b in born.items() if isinstance(b, dt.date) and b.year == YEARS[0]]
    late = [c for c in newborns if first_visit.get(c, 0) > 28]
    missing = [c for c in newborns if c not in first_visit]
    assert 0.75 <= sum(0 <= first_visit.get(c, -1) <= 28 for c in newborns) / len(newborns) <= 0.97
    assert late and all(29 <= first_visit[c] <= 35 for c in late) and missing
    kinds = Counter(r.get("随访类型") or r.get("访视类型") or r.get("检查类型") for r in visits)
    assert {"新生儿访视", "满月", "3月龄", "6月龄", "8月龄", "12月龄", "18月龄", "24月龄", "30月龄", "3岁", "6岁"} <= set(kinds)
    tcm = Counter(r.get("中医药健康管理", r.get("中医健康指导")) for r in visits)
    assert tcm["摩腹捏脊"] and tcm["中医饮食调养指导"] and tcm["否"] and tcm[""]


def test_deliveries_are_believable(centre):
    folder, _ = centre
    rows = [r for p in files(folder, "孕产妇") for r in table(p, "活产数", "活产")]
    delivered = [r for r in rows if r.get("分娩日期", r.get("分娩时间")) not in ("", None)]
    for year in YEARS:
        deliveries = {(normalised(r["身份证号"]), as_date(r.get("分娩日期", r.get("分娩时间")))) for r in delivered}
        assert 8 <= sum(day.year == year for _, day in deliveries) * 1000 / RESIDENTS <= 12
    live = Counter(r.get("活产数", r.get("活产")) for r in delivered)
    assert live[2.0] and live[0.0] and live[""] and live[1.0] > 0.9 * len(delivered)
    assert len(rows) - len(delivered) > 0.4 * len(delivered) / len(YEARS)  # pregnancies not yet delivered
    weeks = [str(r.get("建册孕周", r.get("孕周"))) for r in rows]
    assert any(re.fullmatch(r"\d+\+\d", w) for w in weeks) and any(re.fullmatch(r"\d+周\d天", w) for w in weeks)
    assert any(re.fullmatch(r"孕\d+周", w) for w in weeks)
    pairs = Counter((r["身份证号"], str(r.get("分娩日期"))) for r in delivered if "分娩日期" in r)
    assert max(pairs.values()) == 2  # one delivery on two rows
    dates = [(r.get("末次月经", r.get("末次月经时间")), r.get("建册日期", r.get("建册时间"))) for r in rows]
    spans = [(as_date(b) - as_date(a)).days for a, b in dates if as_date(a) and as_date(b)]
    assert 0.8 <= sum(s <= 90 for s in spans) / len(spans) < 0.97  # early registration mostly, some late
    visits = [int(v) for v in (r.get("产前检查次数", r.get("产检次数")) for r in delivered) if v != ""]
    assert min(visits) >= 3 and max(visits) <= 12
    assert any(r.get("出院日期", r.get("出院时间")) == "" for r in delivered)
    assert any(r.get("产后访视日期", r.get("产后访视时间")) == "" for r in delivered)


def test_smi_and_tb_patients_are_residents(centre):
    folder, _ = centre
    residents = {normalised(r.get("身份证号", r.get("身份证号码")))
                 for r in table(folder / "居民健康档案/居民健康档案花名册.xlsx", "姓名")}
    smi = table(folder / "精神卫生/严重精神障碍患者管理名册.xlsx", "身份证号")
    assert 2 <= len(smi) * 1000 / RESIDENTS <= 4  # 60-120 for 30,000
    assert {normalised(r["身份证号"]) for r in smi} <= residents
    followups = [r for p in files(folder, "精神卫生", "*随访*") for r in table(p, "身份证号")]
    classes = Counter(r["本次随访分类"] for r in followups)
    assert {"稳定", "基本稳定", "不稳定", "未访到"} <= set(classes) and set(classes) & {"1", "2", "3"}  # codes, one station
    assert {"0级", "1级", "2级"} <= {r.get("危险性评估") for r in followups}
    modes = Counter(r.get("随访方式", r.get("本次随访形式")) for r in followups)
    assert modes["家庭访视"] and modes["电话"] and modes["2"]
    tb = table(folder / "肺结核/肺结核患者管理名册.xlsx", "身份证号")
    assert 6 <= len(tb) <= 30 and {normalised(r["身份证号"]) for r in tb} <= residents
    notice = [(as_date(r.get("通知日期") or r.get("通知单接收日期")), as_date(r["首次入户随访日期"])) for r in tb]
    assert any(v is None for _, v in notice) and any(v and v < n for n, v in notice)  # missing; before the notice
    assert {r["停止治疗原因"] for r in tb} & {"1", "2", "3", "4"}  # form codes in the earlier sheets
    doses = [(r["应服药次数"], r["实际服药次数"]) for r in tb if r["应服药次数"] != ""]
    assert (0.0 in {d for d, _ in doses}) and any(d and t * 10 == d * 9 for d, t in doses)  # 0 due; exactly 90%


def test_cards_clues_and_activities(centre):
    folder, _ = centre
    export = table(folder / "传染病报告/大疫情网报告卡导出2024.xlsx", "卡片ID")
    assert {"卡片ID", "有效证件号", "报告卡录入时间", "疾病类型", "审核状态", "删除时间"} <= set(export[0])
    assert any(r["审核状态"] == "已删除卡" and r["删除时间"] for r in export)
    register = table(folder / "传染病报告/传染病报告卡登记2025.xlsx", "卡片编号")
    for rows, key in ((export, "卡片ID"), (register, "卡片编号")):
        assert len({r[key] for r in rows}) >= 8
        fixed = [r for r in rows if r["卡片状态"] == "订正卡"]
        assert len(fixed) == 1 and sum(r[key] == fixed[0][key] for r in rows) == 2
    assert any(r["疾病名称"] == "霍乱" and r["传染病类别"] == "甲类" for r in register)
    assert any(r["卡片状态"] == "已删除" for r in register) and any(r["报告时间"] == "" for r in register)
    shapes = {type(r["诊断时间"]).__name__ for r in register} | {type(r["报告时间"]).__name__ for r in register}
    assert {"datetime", "str"} <= shapes
    assert any(re.fullmatch(r"2025年\d+月\d+日\d+时\d+分", str(r[k])) for r in register for k in ("诊断时间", "报告时间"))

    clues = table(folder / "卫生监督协管/卫生监督协管信息报告登记.xlsx", "信息类别")
    assert len(clues) >= 2 * 4
    assert sum((r.get("报告时间") or r.get("报告日期")) in ("", None) for r in clues) == 1

    old = table(folder / "健康教育/2024年健康教育活动记录.csv", "活动类型")
    assert all(re.fullmatch(r"2024/\d+/\d+", r["活动时间"]) for r in old)
    new = [r for p in files(folder, "健康教育", "*2025*.xlsx") for r in table(p, "所属站点")]
    distinct = list({tuple(r.items()): r for r in new}.values())
    lecture_words = {"健康知识讲座", "大型讲座", "小组讲座", "讲座"}
    lectures = Counter(r["所属站点"] for r in distinct if r.get("活动形式", r.get("形式")) in lecture_words)
    assert lectures["中心本部"] >= 12
    assert sorted(lectures[s] for s in ("城东站", "城西站", "城南站", "城北站")) == [4, 6, 6, 6]  # one station short
    forms = Counter(r.get("活动形式", r.get("形式")) for r in distinct)
    assert 9 <= forms["公众健康咨询"] <= 10 and forms["宣传栏更新"] and forms["门诊咨询"] and forms["大型讲座"]
    assert any(r.get("参加人数", r.get("接受健康教育人数")) == "" for r in distinct
               if r.get("活动形式", r.get("形式")) in lecture_words)
    rows = [tuple(r.values()) for p in files(folder, "健康教育", "*2025*.xlsx") for r in table(p, "所属站点")]
    assert max(Counter(row[1:] for row in rows).values()) == 2  # one row typed twice (its 序号 too)
