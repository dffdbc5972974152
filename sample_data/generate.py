#!/usr/bin/env python3
"""Deterministic generator of a believable sample 社区卫生服务中心 data folder for chsc.

It writes a residents roster, elderly checkups, hypertension and diabetes rosters and follow-ups,
a children's roster and vaccination records, plus chsc.yaml; with `services=True` (`--services`) also the
nine registers of the other service categories (issues 16, 17: services_*.py beside this file, driven by
random streams of their own, so the files above stay byte-identical). One `random.Random(seed)` drives the
people and events and a second one the mess, so `mess=False` gives the same people, clean. Workbooks
are written with xlsxwriter (fixed creation time, fixed zip timestamps): the same arguments give
byte-identical files. Standalone on purpose: stdlib + xlsxwriter, never chsc_cli.

    python sample_data/generate.py OUT_DIR [--residents N] [--seed S] [--no-mess] [--mess-log] [--no-services]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import importlib.util
import io
import itertools
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

D = dt.date
FIXED_TIME = dt.datetime(2026, 1, 5, 9, 0, 0)  # workbook creation time written into every file
EXCEL_EPOCH = D(1899, 12, 30)
LOCAL_AREA = "330102"
OTHER_LOCAL = ["330103", "330104", "330105", "330106", "330108", "330109", "330110", "330183"]
OUTSIDE = ["340104", "342201", "360102", "362330", "410105", "420106", "430102", "510104", "522101",
           "320102", "370102", "341221"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = {  # (male, era) -> given names; era 0 born before 1965, 1 before 1995, 2 later
    (True, 0): "建国 国强 志强 建华 建军 卫东 德明 永福 国平 金根 春生 文华 志明 振华 伟 强 军 荣 福林 阿毛 根宝".split(),
    (False, 0): "秀英 桂英 秀兰 玉兰 桂兰 凤英 美华 丽华 素珍 彩凤 玉珍 月娥 红 梅 菊芬 爱娣 杏娟 阿英".split(),
    (True, 1): "海波 晓东 伟 磊 勇 斌 波 涛 志刚 建平 晓峰 俊 杰 鹏 亮 峰 军 剑 华 海涛 卫国".split(),
    (False, 1): "丽娟 晓燕 海燕 静 敏 婷 燕 丹 霞 雪梅 丽萍 红霞 琳 颖 洁 晶 倩 慧 芳".split(),
    (True, 2): "子轩 浩然 宇轩 梓豪 俊杰 一鸣 泽宇 博文 皓轩 思远 晨阳 宇航 睿 航 天佑 沐辰 奕辰".split(),
    (False, 2): "梓涵 欣怡 诗涵 雨萱 一诺 子涵 可馨 思彤 语桐 佳怡 若汐 欣妍 梦瑶 雨桐 婉清 沐晴".split(),
}
PHONE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 176 177 180 " \
                 "181 182 183 185 186 187 188 189 198 199".split()
COMMUNITIES = "幸福里 东湖 望江 清波 湖滨 小营 紫阳 南星 凯旋 采荷 闸弄口 丁兰 朝晖 潮鸣 长庆 文晖 米市巷 武林".split()
AGE_BANDS = [(0, 3.6), (5, 4.6), (10, 4.4), (15, 3.8), (20, 4.2), (25, 5.8), (30, 8.6), (35, 8.8), (40, 7.2),
             (45, 7.4), (50, 8.4), (55, 7.8), (60, 6.6), (65, 5.4), (70, 4.4), (75, 3.0), (80, 2.1), (85, 1.2),
             (90, 0.45), (95, 0.1)]
RESIDENT_TYPES = {"户籍": 68, "非户籍常住": 22, "流动": 7, "暂住": 3}
STAYING = ("户籍", "非户籍常住")  # 常住 = yes
HT_RISK = [(18, 0.015), (35, 0.055), (45, 0.13), (55, 0.24), (65, 0.36), (75, 0.44)]
DM_RISK = [(18, 0.004), (35, 0.018), (45, 0.048), (55, 0.095), (65, 0.13), (75, 0.14)]
VISIT_COUNTS = {"good": {4: 72, 5: 10, 6: 7, 3: 7, 2: 2, 1: 1, 0: 1}, "fair": {4: 30, 3: 30, 2: 20, 1: 10, 0: 10},
                "poor": {0: 40, 1: 30, 2: 20, 3: 10}}
MODES_A = {"门诊": 52, "家庭": 14, "上门": 12, "电话": 14, "微信": 5, "网络": 1, "其他": 2}
MODES_B = {"门诊就诊": 30, "门诊": 22, "上门随访": 14, "家庭": 8, "社区随访": 4, "站点就诊": 2, "电话随访": 13, "微信": 6,
           "其他": 1}
REMOTE = ("电话", "电话随访", "微信", "网络", "其他")
CHECKUP_MONTHS = {1: 2, 2: 2, 3: 10, 4: 14, 5: 14, 6: 12, 7: 6, 8: 5, 9: 12, 10: 12, 11: 8, 12: 3}
SCHEDULE = [("HepB", 0), ("BCG", 0), ("HepB", 1), ("IPV", 2), ("IPV", 3), ("DTaP", 3), ("bOPV", 4), ("DTaP", 4),
            ("DTaP", 5), ("HepB", 6), ("MenA", 6), ("MCV", 8), ("JE", 8), ("MenA", 9), ("DTaP", 18), ("MCV", 18),
            ("HepA", 18), ("JE", 24), ("MenAC", 36), ("bOPV", 48), ("DT", 72), ("MenAC", 72)]
PENTA_REPLACES = {("IPV", 2), ("IPV", 3), ("DTaP", 3), ("bOPV", 4), ("DTaP", 4), ("DTaP", 5), ("DTaP", 18)}
EXTRAS = [("EV71", (6, 7), 0.015)]  # self-paid, not in the NIP table: an unknown-vaccine warning
VACCINE_NAMES = {
    "HepB": {"乙肝疫苗": 5, "重组乙型肝炎疫苗(酿酒酵母)": 3, "乙型肝炎疫苗": 1, "HepB": 1}, "BCG": {"卡介苗": 9, "BCG": 1},
    "IPV": {"脊灰灭活疫苗": 6, "IPV": 2, "脊灰疫苗": 1}, "bOPV": {"二价脊灰减毒活疫苗": 6, "bOPV": 2},
    "DTaP": {"吸附无细胞百白破": 4, "百白破疫苗": 4, "DTaP": 1}, "DT": {"白破疫苗": 4, "DT": 1},
    "MCV": {"麻腮风疫苗": 8, "MMR": 1, "麻腮风": 1}, "JE": {"乙脑减毒活疫苗": 8, "JE-L": 1},
    "MenA": {"A群流脑多糖疫苗": 8, "MPSV-A": 1}, "MenAC": {"A群C群流脑多糖疫苗": 8, "MPSV-AC": 1},
    "HepA": {"甲肝减毒活疫苗": 6, "甲肝灭活疫苗": 2, "HepA-L": 1}, "Penta": {"五联疫苗": 3, "百白破-IPV-Hib": 1, "DTaP-IPV/Hib": 2},
    "EV71": {"EV71疫苗": 1}}
BIRTH_UNITS = ["临城市妇幼保健院", "临城市第一人民医院产科"]
AWAY_UNITS = ["安徽省宿州市埇桥区城东社区卫生服务中心", "江西省鄱阳县鄱阳镇卫生院", "河南省郑州市金水区丰产路社区卫生服务中心"]
CHILD_FACTORS = {-6: 1.25, -5: 1.1, -4: 1.0, -3: 0.92, -2: 0.85, -1: 0.9, 0: 0.8}  # births by year offset
CHILD_CATEGORIES = {"本地": 80, "外地转来": 8, "流动": 6, "迁出": 4.5, "临时外转": 1.2, "死亡": 0.3}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SURNAME_WEIGHTS = list(itertools.accumulate(1 / (i + 4) for i in range(len(SURNAMES))))  # 王李张 commonest


# ----------------------------------------------------------------------------------- small helpers

def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def rand_day(rng: random.Random, start: D, end: D) -> D:
    """A uniformly random day in [start, end] (start when the range is empty)."""
    return start + days(rng.randint(0, max(0, (end - start).days)))


def add_months(day: D, months: int) -> D:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return D(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def workday(day: D) -> D:
    """Services are closed on 1 January and on Sundays (moved back to Friday, or on within early January)."""
    day += days(day.month == 1 and day.day == 1)
    if day.weekday() == 6:
        day += days(-2 if (day.month, day.day) > (1, 2) else 1)
    return day


def age_at(birth: D, day: D) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


def risk(table: list, age: int) -> float:
    return max([p for lo, p in table if age >= lo], default=0.0)


def id_check(body17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def person_name(rng: random.Random, male: bool, birth_year: int) -> str:
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
    return surname + rng.choice(GIVEN[(male, 0 if birth_year < 1965 else 1 if birth_year < 1995 else 2)])


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def even(x: float) -> int:
    """Blood pressure as clinicians write it: even numbers, some rounded to 10."""
    step = 10 if int(x * 100) % 5 == 0 else 2  # one reading in five rounded to 10
    return int(round(x / step) * step)


# ----------------------------------------------------------------------------------- the world

@dataclass
class Town:
    centre: str
    stations: tuple[str, ...]
    teams: dict[str, list[str]]
    doctors: dict[str, list[str]]
    communities: dict[str, list[str]]
    weights: list[float]


@dataclass
class World:
    rng: random.Random
    mess: "Mess"
    town: Town
    years: tuple[int, ...]
    last_day: D  # nothing happens after this day (except a vaccination card issued in the export week)
    export_day: D


@dataclass(slots=True)
class Person:
    pid: str
    name: str
    male: bool
    birth: D
    station: str
    team: str
    rtype: str
    filed: D
    phone: str
    address: str
    status: str = "正常"
    gone: D | None = None  # true date the record was closed
    closed: D | None = None  # the 注销日期 written in the roster (sometimes missing)
    signed: bool = False
    sign_day: D | None = None
    ht: "Patient | None" = None
    dm: "Patient | None" = None


@dataclass(slots=True)
class Patient:
    person: Person
    enrolled: D
    status: str
    status_day: D | None
    gone: D | None
    controlled: bool
    borderline: bool
    diligence: str
    remote: float  # share of this patient's follow-ups done by phone / WeChat


@dataclass(slots=True)
class Child:
    code: str
    name: str
    male: bool
    birth: D
    station: str
    mother: str
    phone: str
    card: D | None
    category: str
    moved_in: D | None
    gone: D | None
    transcribed: bool
    penta: bool
    dropout: int | None


def make_town(rng: random.Random, centre: str, stations: tuple[str, ...]) -> Town:
    """Teams (2-4 per station, e.g. 城东1组), two doctors per team, three communities per station."""
    teams, doctors, communities = {}, {}, {}
    pool = list(COMMUNITIES)
    rng.shuffle(pool)
    for i, station in enumerate(stations):
        short = station.removesuffix("站")
        teams[station] = [f"{short}{k}组" for k in range(1, rng.randint(2, 4) + 1)]
        for team in teams[station]:
            doctors[team] = [person_name(rng, rng.random() < 0.4, 1985) for _ in range(2)]
        communities[station] = [pool[(i * 3 + k) % len(pool)] + "社区" for k in range(3)]
    return Town(centre, stations, teams, doctors, communities, [rng.uniform(0.8, 1.2) for _ in stations])


def unique_id(rng: random.Random, area: str, birth: D, male: bool, seen: dict) -> str:
    """A valid 18-character ID (area, birth date, sequence with the sex digit, check) not used before."""
    while True:
        seq = rng.randrange(0, 1000, 2) + (1 if male else 0)
        body = f"{area}{birth:%Y%m%d}{seq:03d}"
        pid = body + id_check(body)
        if pid not in seen:
            seen[pid] = True
            return pid


def filed_day(rng: random.Random, birth: D, rtype: str, last: D) -> D:
    """建档日期: the 2009-2012 drive for older residents, soon after birth for children, later for migrants."""
    if birth.year >= 2009:
        day = rand_day(rng, birth + days(5), min(last, birth + days(400)))
    else:
        years = {y: (8, 18, 16, 12)[y - 2009] if y < 2013 else 4 if y < 2020 else 3 for y in range(2009, last.year - 1)}
        years |= {last.year - 1: 2.5, last.year: 2.5}
        if rtype not in STAYING or rtype == "非户籍常住" and rng.random() < 0.6:
            years = {y: 1 for y in range(2015, last.year + 1)}
        day = D(weighted(rng, years), 1, 1) + days(rng.randint(0, 364))
    return max(birth, min(day, last))


def close_record(rng: random.Random, p: Person, age: int, last: D) -> None:
    """Some records are closed: 死亡 (mostly the old), 迁出, 失访; a few closed ones lack 注销日期."""
    p_dead = 0.005 if age < 65 else 0.035 if age < 75 else 0.09 if age < 85 else 0.18
    p_moved = 0.025 if p.rtype == "户籍" else 0.07
    r = rng.random()
    status = "死亡" if r < p_dead else "迁出" if r < p_dead + p_moved else "失访" if r < p_dead + p_moved + 0.004 else ""
    start, end = max(p.filed + days(30), D(2012, 1, 1)), last - days(10)
    if not status or start > end:
        return
    p.status, p.gone = status, start + days(int((end - start).days * rng.random() ** 0.5))
    p.closed = p.gone if rng.random() > 0.08 else None


def make_person(w: World, age: int, seen: dict, rtype: str | None = None) -> Person:
    """One resident of the given age: ID from their birth date and sex, station, team, 建档 and maybe 注销."""
    rng, town = w.rng, w.town
    male = rng.random() < 0.5
    birth = D(w.last_day.year - age, 12, 31) - days(rng.randint(0, 364))
    rtype = rtype or ("户籍" if age >= 60 and rng.random() < 0.6 else weighted(rng, RESIDENT_TYPES))
    if rtype == "户籍":
        area = LOCAL_AREA if rng.random() < 0.8 else rng.choice(OTHER_LOCAL)
    else:
        area = rng.choice(OUTSIDE) if rng.random() < 0.85 else rng.choice(OTHER_LOCAL)
    station = rng.choices(town.stations, weights=town.weights)[0]
    community = rng.choice(town.communities[station])
    address = f"{community}{rng.randint(1, 36)}幢{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
    p = Person(unique_id(rng, area, birth, male, seen), person_name(rng, male, birth.year), male, birth, station,
               rng.choice(town.teams[station]), rtype, filed_day(rng, birth, rtype, w.last_day), phone(rng), address)
    close_record(rng, p, age, w.last_day)
    return p


def make_people(w: World, n: int, seen: dict) -> list[Person]:
    """n residents with an urban age structure (about 17% aged 65+)."""
    ages = [a for a0, _ in AGE_BANDS for a in range(a0, a0 + 5)]
    weights = [wt for _, wt in AGE_BANDS for _ in range(5)]
    return [make_person(w, age, seen) for age in w.rng.choices(ages, weights=weights, k=n)]


def enrol(w: World, p: Person, kind: str) -> Patient | None:
    """A patient-roster entry: 纳入管理日期 after 建档, ~5% new each recent year; status follows the record."""
    rng = w.rng
    earliest = max(p.filed, D(2010, 1, 1), add_months(p.birth, 12 * 25))
    latest = p.gone or w.last_day
    if earliest > latest:
        return None
    year = weighted(rng, {y: 0.6 if y >= w.years[0] else 1.0 for y in range(earliest.year, latest.year + 1)})
    enrolled = rand_day(rng, max(earliest, D(year, 1, 1)), min(latest, D(year, 12, 31)))
    status, status_day, gone = "在管", None, p.gone
    if p.status != "正常":
        status, status_day = p.status, (p.closed if rng.random() < 0.9 else None)
    elif rng.random() < 0.012 and enrolled < w.last_day - days(60):
        status = "终止管理"
        gone = status_day = rand_day(rng, max(enrolled + days(30), D(w.years[0], 1, 1)), w.last_day)
    elif rng.random() < 0.04:
        status = ""  # blank = active
    elderly = age_at(p.birth, w.last_day) >= 65
    return Patient(p, enrolled, status, status_day, gone, rng.random() < (0.66 if kind == "ht" else 0.58),
                   kind == "ht" and elderly and rng.random() < 0.22, weighted(rng, {"good": 86, "fair": 10, "poor": 4}),
                   0.35 if rng.random() < 0.15 else 0.03)


def make_patients(w: World, people: list[Person]) -> tuple[list[Patient], list[Patient]]:
    """Hypertension and diabetes patients drawn by age-specific prevalence; then family-doctor signing."""
    ht, dm = [], []
    for p in people:
        age = age_at(p.birth, w.last_day)
        scale = 1.0 if p.rtype in STAYING else 0.4
        if w.rng.random() < risk(HT_RISK, age) * scale and (pat := enrol(w, p, "ht")):
            p.ht = pat
            ht.append(pat)
        if w.rng.random() < risk(DM_RISK, age) * scale and (pat := enrol(w, p, "dm")):
            p.dm = pat
            dm.append(pat)
        key = age >= 65 or p.ht or p.dm or age < 7
        if p.rtype in STAYING and w.rng.random() < (0.72 if key else 0.30):
            p.signed = True
            p.sign_day = max(p.filed, rand_day(w.rng, D(w.years[0] - 1, 1, 1), w.last_day))
    return ht, dm


def make_children(w: World, residents: int, births_per_1000: float = 8) -> list[Child]:
    """Children aged 0-6: ~8 births per 1000 residents a year, coded like 3301020250312001."""
    rng, children = w.rng, []
    for offset, factor in CHILD_FACTORS.items():
        year = w.last_day.year + offset
        n = round(residents * births_per_1000 / 1000 * factor * rng.uniform(0.95, 1.05))
        births = sorted(rand_day(rng, D(year, 1, 1), D(year, 12, 31)) for _ in range(n))
        seq: dict[D, int] = {}
        for birth in births:
            seq[birth] = seq.get(birth, 0) + 1
            male = rng.random() < 0.52
            category = weighted(rng, CHILD_CATEGORIES)
            span = (w.last_day - birth).days
            moved = birth + days(rng.randint(30, span)) if span > 60 and category != "本地" else None
            if moved is None and category in ("外地转来", "迁出", "临时外转", "死亡"):
                category = "本地"
            r = rng.random()
            card = birth + days(min(30, int(rng.expovariate(1 / 8)))) if r < 0.93 else \
                birth + days(rng.randint(31, 120)) if r < 0.97 else None
            if category == "外地转来" and rng.random() < 0.4:
                card = moved + days(rng.randint(0, 10))
            card = card if card and card <= w.export_day else None
            station = rng.choices(w.town.stations, weights=w.town.weights)[0]
            children.append(Child(
                f"{LOCAL_AREA}0{birth:%y%m%d}{seq[birth]:03d}", person_name(rng, male, year), male, birth, station,
                person_name(rng, False, 1992), phone(rng), card, category,
                moved if category == "外地转来" else None, moved if category in ("迁出", "临时外转", "死亡") else None,
                rng.random() < 0.7, rng.random() < 0.12, rng.randint(3, 20) if rng.random() < 0.04 else None))
    return children


# ----------------------------------------------------------------------------------- events

def visit_days(w: World, pat: Patient, year: int) -> list[D]:
    """Follow-up dates in one year: mostly one per quarter, pro-rated for mid-year enrolment or an end."""
    rng = w.rng
    start, end = max(pat.enrolled, D(year, 1, 1)), D(year, 12, 31)
    if pat.gone:
        end = min(end, pat.gone - days(1))
    quarters = [(max(start, D(year, m, 1)), min(end, add_months(D(year, m, 1), 3) - days(1))) for m in (1, 4, 7, 10)]
    quarters = [(a, b) for a, b in quarters if a <= b]
    n = round(weighted(rng, VISIT_COUNTS[pat.diligence]) * len(quarters) / 4)
    if quarters and n == len(quarters) and rng.random() < 0.9:
        return [workday(rand_day(rng, a, b)) for a, b in quarters]
    return sorted(workday(rand_day(rng, start, end)) for _ in range(n)) if start <= end else []


def blood_pressure(rng: random.Random, pat: Patient | None, controlled: bool) -> tuple[int, int]:
    """A reading: normal for non-patients; for patients below 140/90, 140-149 (some aged 65+) or high."""
    if pat is None:
        return even(rng.gauss(128, 12)), even(rng.gauss(77, 8))
    if pat.borderline and controlled:
        return even(rng.uniform(140, 149.4)), even(min(88, rng.gauss(80, 5)))
    if controlled:
        return even(min(138, rng.gauss(127, 7))), even(min(88, rng.gauss(79, 6)))
    return even(max(120, rng.gauss(151, 10))), even(max(70, rng.gauss(91, 7)))


def glucose(rng: random.Random, controlled: bool) -> float:
    """Fasting glucose in mmol/L: 4.6-6.9 when controlled, 7.0-12.5 when not."""
    value = min(6.9, max(4.6, rng.gauss(6.2, 0.45))) if controlled else min(12.5, max(7.0, rng.gauss(8.6, 1.4)))
    return round(value, 1)


def followup_rows(w: World, patients: list[Patient], year: int, kind: str, modes: dict) -> list[list]:
    """One row per follow-up (columns as FOLLOWUP_KEYS), sorted by date like a system export."""
    rng, rows = w.rng, []
    split = {flag: {k: v for k, v in modes.items() if (k in REMOTE) == flag} for flag in (True, False)}
    for pat in patients:
        p = pat.person
        for day in visit_days(w, pat, year):
            mode = weighted(rng, split[rng.random() < pat.remote])
            ok = pat.controlled if rng.random() > 0.15 else not pat.controlled
            measured = mode not in REMOTE or rng.random() < 0.3
            sbp, dbp = blood_pressure(rng, pat if kind == "ht" else None, ok) if measured else (None, None)
            fbg = glucose(rng, ok) if kind == "dm" and (measured or rng.random() < 0.5) else None
            hba1c = round(rng.gauss(6.4, 0.4) if ok else rng.gauss(8.2, 1.0), 1) if kind == "dm" and rng.random() < 0.25 else None
            grade = weighted(rng, {"控制满意" if ok else "控制不满意": 96, "不良反应": 2, "并发症": 2})
            rows.append([None, p.name, p.pid, p.station, day, mode, sbp, dbp, rng.choice([None, *range(62, 96, 2)]),
                         fbg, hba1c, grade, rng.choice(w.town.doctors[p.team])])
    rows.sort(key=lambda r: (r[4], r[2]))
    for i, row in enumerate(rows, 1):
        row[0] = i
    return rows


def checkup_rows(w: World, people: list[Person], year: int, before: dict) -> list[list]:
    """Elderly checkups (columns as CHECKUP_KEYS): ~75-80% of people aged 65+ each year, a few repeats."""
    rng, rows, end, previous = w.rng, [], D(year, 12, 31), dict(before)
    for p in people:
        age = age_at(p.birth, end)
        if age < 64 or (age == 64 and rng.random() > 0.03) or p.filed > end or (p.gone and p.gone.year < year):
            continue
        chance = (0.9 if p.pid in previous else 0.45) if previous else 0.8
        chance = (chance - (0.15 if age >= 85 else 0)) * (1 if p.rtype in STAYING else 0.35)
        if rng.random() >= chance:
            continue
        month = weighted(rng, CHECKUP_MONTHS)
        day = workday(rand_day(rng, D(year, month, 1), D(year, month, calendar.monthrange(year, month)[1])))
        if p.gone and day >= p.gone or day > w.last_day:
            continue
        before[p.pid] = True
        for repeat in range(2 if rng.random() < 0.01 else 1):
            sbp, dbp = blood_pressure(rng, p.ht, rng.random() < 0.6) if p.ht else blood_pressure(rng, None, True)
            fbg = glucose(rng, rng.random() < 0.5) if p.dm else round(max(4.2, rng.gauss(5.4, 0.6)), 1)
            life = weighted(rng, {"是": 96, "否": 2, None: 2}) if not repeat else "是"
            guide = weighted(rng, {"是": 92, "否": 5, None: 3}) if not repeat else "是"
            tcm = "是" if rng.random() < 0.66 else "否"
            score = weighted(rng, {0: 82, 1: 5, 2: 4, 3: 3, 5: 2, 8: 2, 12: 1, 19: 1})
            rows.append([None, p.name, "男" if p.male else "女", p.pid, p.birth, age_at(p.birth, day), p.station,
                         workday(min(end, day + days(repeat * rng.randint(10, 60)))), sbp, dbp, fbg, score, life, guide, tcm])
    rows.sort(key=lambda r: (r[7], r[3]))
    for i, row in enumerate(rows, 1):
        row[0] = i
    return rows


def vaccination_rows(w: World, children: list[Child]) -> list[list]:
    """Doses (columns as VACCINATION_KEYS) following the national schedule, with delays, misses, 五联."""
    rng, rows = w.rng, []
    centre_unit = w.town.centre + "预防接种门诊"
    for ch in children:
        plan = [s for s in SCHEDULE if not (ch.penta and s in PENTA_REPLACES)]
        plan += [("Penta", m) for m in (2, 3, 4, 18)] if ch.penta else []
        plan += [(key, m) for key, months, share in EXTRAS if rng.random() < share for m in months]
        plan.sort(key=lambda s: s[1])
        counts: dict[str, int] = {}
        for index, (key, months) in enumerate(plan):
            if ch.dropout is not None and index > ch.dropout or (months and rng.random() < 0.015):
                continue
            if months == 0:
                table = {0: 80, 1: 14, 2: 1.5, 3: 1.5, 4: 1, 5: 0.5, None: 1.5} if key == "HepB" else \
                    {0: 70, 1: 15, 2: 7, 3: 4, 45: 2, None: 2}
                delay = weighted(rng, table)
                if delay is None:
                    continue
                day = ch.birth + days(delay)
            else:
                late = rng.randint(30, 150) if rng.random() < 0.06 else int(rng.expovariate(1 / 7))
                day = workday(add_months(ch.birth, months) + days(late))
            if day > w.last_day or (ch.gone and day >= ch.gone):
                continue
            unit = rng.choice(BIRTH_UNITS) if months == 0 and day - ch.birth < days(7) else centre_unit
            if ch.moved_in and day < ch.moved_in:
                if not ch.transcribed:
                    continue
                unit = AWAY_UNITS[int(ch.code[-1]) % len(AWAY_UNITS)]
            counts[key] = counts.get(key, 0) + 1
            batch = f"{day.year - rng.randint(0, 1)}{rng.randint(1, 12):02d}{rng.choice('ABCDE')}{rng.randint(1, 999):03d}"
            rows.append([ch.code, ch.name, ch.birth, weighted(rng, VACCINE_NAMES[key]), counts[key], day, unit, batch])
    rows.sort(key=lambda r: (r[5], r[0]))
    return rows


# ----------------------------------------------------------------------------------- sheets and mess

@dataclass
class Sheet:
    """One worksheet: canonical keys, the header as shown, data rows, plus title rows/groups/footer and notes."""
    name: str
    keys: list[str]
    rows: list[list]
    header: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # two-row header: label -> column span
    footer: list[list] = field(default_factory=list)
    marks: dict[int, list[str]] = field(default_factory=dict)  # id(row) -> what was done to it
    register: bool = True  # False for 说明 / 统计 / empty sheets

    def __post_init__(self):
        self.header = self.header or list(self.keys)

    def col(self, key: str) -> int:
        return self.keys.index(key)

    def mark(self, row: list, note: str) -> None:
        self.marks.setdefault(id(row), []).append(note)

    def data_rows(self) -> int:
        return sum(1 for row in self.rows if any(v not in (None, "") for v in row))


def project(name: str, keys: list[str], rows: list[list], wanted: list[str]) -> Sheet:
    """A sheet holding only the `wanted` columns of rows laid out as `keys`."""
    index = [keys.index(k) for k in wanted]
    return Sheet(name, list(wanted), [[row[i] for i in index] for row in rows])


DATE_STYLES = {
    "serial": ("Excel 序列号数字", lambda d, r: (d - EXCEL_EPOCH).days),
    "iso": ("文本 2025-03-12 式", lambda d, r: d.isoformat()),
    "slash": ("文本 2025/3/12 式", lambda d, r: f"{d.year}/{d.month}/{d.day}"),
    "dot": ("文本 2025.3.12 式", lambda d, r: f"{d.year}.{d.month}.{d.day}"),
    "cn": ("文本 2025年3月12日 式", lambda d, r: f"{d.year}年{d.month}月{d.day}日"),
    "num8": ("数字 20250312", lambda d, r: int(f"{d:%Y%m%d}")),
    "text8": ("文本 20250312", lambda d, r: f"{d:%Y%m%d}"),
    "datetime": ("日期时间单元格", lambda d, r: dt.datetime(d.year, d.month, d.day, r.randint(8, 17), r.choice((0, 15, 30)))),
    "dt_text": ("文本日期时间", lambda d, r: f"{d.isoformat()} {r.randint(8, 17):02d}:{r.randint(0, 59):02d}:00"),
    "serial_text": ("文本序列号", lambda d, r: str((d - EXCEL_EPOCH).days)),
}
ODD_IDS = {  # kind -> (note, which IDs qualify, change)
    "spaces": ("中间有空格", lambda v: True, lambda v: f"{v[:6]} {v[6:14]} {v[14:]}"),
    "padded": ("首尾有空格", lambda v: True, lambda v: f" {v} "),
    "lower_x": ("小写 x", lambda v: v.endswith("X"), str.lower),
    "fullwidth": ("全角数字", lambda v: True, lambda v: v.translate(FULL_WIDTH)),
    "legacy15": ("15位旧身份证号（文本）", lambda v: v[6:8] == "19", lambda v: v[:6] + v[8:17]),
    "legacy15_num": ("15位旧身份证号（数字单元格）", lambda v: v[6:8] == "19", lambda v: int(v[:6] + v[8:17])),
    "float18": ("18位号码存成数字，末几位已丢失", str.isdigit, float),
    "short17": ("只有17位（无效）", lambda v: True, lambda v: v[:17]),
    "typo": ("录错一位，校验码不符", lambda v: True, lambda v: v[:14] + str((int(v[14]) + 1) % 10) + v[15:]),
}


def is_date(v) -> bool:
    return type(v) is D


class Mess:
    """The deliberate mess of real files, applied sheet by sheet; a no-op when mess is off.

    Every changed row gets a note, so the writers can list each item with its file, sheet and row number.
    """

    def __init__(self, rng: random.Random, on: bool):
        self.rng, self.on = rng, on

    def cells(self, sheet: Sheet, key: str, k: int, change, note, test=lambda v: v not in (None, "")) -> None:
        """Change the `key` cell of k random data rows whose value passes `test`."""
        c = sheet.col(key)
        rows = [row for row in sheet.rows if row and test(row[c])]
        for i, row in enumerate(self.rng.sample(rows, min(k, len(rows)))):
            row[c] = change(row[c], i)
            sheet.mark(row, f"{sheet.header[c]!r} = {row[c]!r}：{note(i) if callable(note) else note}")

    def apply(self, sheet: Sheet, title=(), join_bp=False, rename=None, recode=None, groups=None, ids=None, put=(),
              fullwidth=None, dates=None, footer=None, blanks=0) -> None:
        """In this order: title rows; one 血压 column "135/85"; header aliases; re-coded values (是 → √); a two-row
        header group; odd IDs; `put` (key, k, value or function, note) in k cells; full-width digits; dates in
        every form; a 合计 row; fully blank rows."""
        if not self.on:
            return
        sheet.title = list(title) or sheet.title
        if join_bp:
            c = sheet.col("收缩压")
            for row in sheet.rows:
                row[c: c + 2] = [f"{row[c]}/{row[c + 1]}" if row[c] is not None else None]
            sheet.keys[c: c + 2] = sheet.header[c: c + 2] = ["血压"]
        for key, alias in (rename or {}).items():
            sheet.header[sheet.col(key)] = alias
        for key, mapping in (recode or {}).items():
            c = sheet.col(key)
            for row in sheet.rows:
                row[c] = mapping.get(row[c], row[c])
        sheet.groups.update({label: (sheet.col(a), sheet.col(b)) for label, (a, b) in (groups or {}).items()})
        for kind, k in (ids or {}).items():
            note, test, change = ODD_IDS[kind]
            self.cells(sheet, "身份证号", k, lambda v, i, f=change: f(v), note,
                       lambda v, t=test: isinstance(v, str) and len(v) == 18 and t(v))
        for key, k, value, note in put:
            self.cells(sheet, key, k, lambda v, i, x=value: x(v) if callable(x) else x, note,
                       (lambda v: type(v) in (str, D)) if callable(value) else (lambda v: True))
        for key, k in (fullwidth or {}).items():
            self.cells(sheet, key, k, lambda v, i: str(v).translate(FULL_WIDTH), "全角数字")
        for key, k in (dates or {}).items():
            styles = list(DATE_STYLES)[self.rng.randrange(len(DATE_STYLES)):] + list(DATE_STYLES)
            self.cells(sheet, key, k, lambda v, i, s=styles: DATE_STYLES[s[i]][1](v, self.rng),
                       lambda i, s=styles: "日期写成" + DATE_STYLES[s[i]][0], is_date)
        if footer:
            sheet.footer = [[footer, f"共{sheet.data_rows()}条"]]
            sheet.mark(sheet.footer[0], f"{footer}行（应跳过）")
        for _ in range(blanks if len(sheet.rows) > 2 else 0):
            row: list = []
            sheet.rows.insert(self.rng.randint(1, len(sheet.rows) - 1), row)
            sheet.mark(row, "整行空白")


# ----------------------------------------------------------------------------------- writers

def write_cell(ws, r: int, c: int, v, formats: dict) -> None:
    """Dates as formatted serial numbers (what Excel stores), numbers as numbers, the rest as text."""
    if v is None or v == "":
        return
    if isinstance(v, dt.datetime):
        ws.write_number(r, c, (v.date() - EXCEL_EPOCH).days + (v.hour * 60 + v.minute) / 1440, formats["datetime"])
    elif isinstance(v, D):
        ws.write_number(r, c, (v - EXCEL_EPOCH).days, formats["date"])
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v)
    else:
        ws.write_string(r, c, str(v))


def write_xlsx(path: Path, rel: str, sheets: list[Sheet], log: list[str]) -> None:
    """Write a workbook with xlsxwriter: fixed metadata, so the bytes depend on the content only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": FIXED_TIME, "author": "基本公共卫生服务信息系统"})
    formats = {"date": wb.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
               "head": wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}),
               "title": wb.add_format({"bold": True, "font_size": 14, "align": "center"})}
    for sheet in sheets:
        ws, r, width = wb.add_worksheet(sheet.name), 0, max(1, len(sheet.header))
        for i, line in enumerate(sheet.title):
            if i == 0 and width > 1:
                ws.merge_range(0, 0, 0, width - 1, line, formats["title"])
            else:
                ws.write_string(r, 0, line)
            r += 1
        grouped = {c for a, b in sheet.groups.values() for c in range(a, b + 1)}
        for label, (a, b) in sheet.groups.items():
            ws.merge_range(r, a, r, b, label, formats["head"])
        for c, name in enumerate(sheet.header):
            if not sheet.groups:
                ws.write_string(r, c, name, formats["head"])
            elif c in grouped:
                ws.write_string(r + 1, c, name, formats["head"])
            else:
                ws.merge_range(r, c, r + 1, c, name, formats["head"])
        r += (2 if sheet.groups else 1) if sheet.header else 0
        for row in sheet.rows + sheet.footer:
            for c, v in enumerate(row):
                write_cell(ws, r, c, v, formats)
            log.extend(f"{rel} [{sheet.name}] 第{r + 1}行 {note}" for note in sheet.marks.get(id(row), ()))
            r += 1
        if sheet.header:
            ws.freeze_panes(r - len(sheet.rows) - len(sheet.footer), 0)
        ws.set_column(0, width - 1, 12)
    wb.close()


def csv_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return f"{v:%Y-%m-%d %H:%M:%S}"
    return v.isoformat() if isinstance(v, D) else str(v)


def write_csv(path: Path, rel: str, sheet: Sheet, log: list[str]) -> None:
    """A CSV file in GB18030 (what Excel on a Chinese Windows saves), CRLF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = [[t] for t in sheet.title] + [sheet.header] + sheet.rows + sheet.footer
    for n, row in enumerate(lines, 1):
        writer.writerow([csv_text(v) for v in row])
        log.extend(f"{rel} 第{n}行 {note}" for note in sheet.marks.get(id(row), ()))
    path.write_bytes(buffer.getvalue().encode("gb18030"))


# ----------------------------------------------------------------------------------- workbooks

RESIDENT_KEYS = ["序号", "姓名", "性别", "出生日期", "身份证号", "联系电话", "现住址", "所属站点", "家庭医生团队", "常住类型",
                 "建档日期", "档案状态", "注销日期", "签约", "签约日期"]
CHECKUP_KEYS = ["序号", "姓名", "性别", "身份证号", "出生日期", "年龄", "所属站点", "体检日期", "收缩压", "舒张压", "空腹血糖",
                "自理能力评分", "生活方式评估", "健康指导", "中医体质辨识"]
PATIENT_KEYS = ["序号", "姓名", "性别", "身份证号", "出生日期", "所属站点", "家庭医生团队", "纳入管理日期", "管理状态", "状态变更日期",
                "联系电话"]
FOLLOWUP_KEYS = ["序号", "姓名", "身份证号", "所属站点", "随访日期", "随访方式", "收缩压", "舒张压", "心率", "空腹血糖", "糖化血红蛋白",
                 "此次随访分类", "随访医生"]
HT_KEYS = [k for k in FOLLOWUP_KEYS if k not in ("空腹血糖", "糖化血红蛋白")]
DM_KEYS = [k for k in FOLLOWUP_KEYS if k != "心率"]
DM_CSV_KEYS = ["姓名", "身份证号", "所属站点", "随访日期", "随访方式", "空腹血糖", "糖化血红蛋白", "此次随访分类", "随访医生"]
CHILD_KEYS = ["儿童编码", "姓名", "性别", "出生日期", "母亲姓名", "联系电话", "所属站点", "建证日期", "在册类别"]
VACCINATION_KEYS = ["儿童编码", "姓名", "出生日期", "疫苗名称", "剂次", "接种日期", "接种单位", "批号"]
ERROR_NOTE = "Excel 错误值（VLOOKUP 没查到）"


def heading(w: World, what: str) -> list[str]:
    """The two lines above a header: a merged title and a 制表 line."""
    return [f"{w.town.centre}{what}", f"制表单位：{w.town.centre}    制表日期：{w.export_day.year}年{w.export_day.month}月{w.export_day.day}日"]


def by_station(w: World, rows: list[list], station_col: int) -> dict[str, list[list]]:
    """Copies of the rows grouped by station, in the centre's station order."""
    groups: dict[str, list[list]] = {s: [] for s in w.town.stations}
    for row in rows:
        groups[row[station_col]].append(list(row))
    return groups


def residents_book(w: World, people: list[Person]) -> list[Sheet]:
    """居民健康档案花名册: one sheet per station; a person on two rows, aliases, odd IDs, #N/A."""
    m, n, sheets = w.mess, len(w.town.stations), []
    rows = [[0, p.name, "男" if p.male else "女", p.birth, p.pid, p.phone, p.address, p.station, p.team, p.rtype,
             p.filed, p.status, p.closed, "是" if p.signed else "否", p.sign_day] for p in people]
    for station, mine in by_station(w, sorted(rows, key=lambda r: (r[10], r[4])), 7).items():
        for i, row in enumerate(mine, 1):
            row[0] = i
        sheets.append(Sheet(station, RESIDENT_KEYS, mine))
    a, b, c, z = (sheets[i % n] for i in (0, 1, 2, n - 1))
    pool = [r for r in a.rows if r[11] == "正常" and r[3] < r[10] - days(800)]
    if m.on and len(pool) > 1:  # one person re-filed at another station (old record 迁出), one filed twice
        old, twice = m.rng.sample(pool, 2)
        moved = [len(b.rows) + 1, *old[1:7], b.name, w.town.teams[b.name][0], old[9], old[10] - days(800), "迁出",
                 old[10] - days(2), "否", None]
        again = [len(c.rows) + 1, *twice[1:7], c.name, w.town.teams[c.name][-1], *twice[9:]]
        again[10] = min(w.last_day, twice[10] + days(400))
        for sheet, row in ((b, moved), (c, again)):
            sheet.rows.append(row)
            sheet.mark(row, f"同一人两行：{row[4]} 也在「{a.name}」表")
    for sheet in sheets:
        m.apply(sheet, heading(w, f"居民健康档案花名册（{sheet.name}）"), dates={"建档日期": 4}, footer="合计")
    m.apply(z, rename={"身份证号": "身份证号码", "常住类型": "是否常住"}, dates={"注销日期": 2}, recode={
        "常住类型": {t: "是" if t in STAYING else "否" for t in RESIDENT_TYPES}, "签约": {"是": "Y", "否": "N"}})
    m.apply(b, recode={"签约": {"是": 1, "否": 0}}, put=[
        ("出生日期", 2, lambda v: v + days(31), "出生日期与身份证号不一致"), ("联系电话", 1, "#N/A", ERROR_NOTE)])
    m.apply(c, rename={"建档日期": "建档\n日期", "联系电话": "手机号码"}, put=[("签约", 1, "待定", "不认识的是/否取值")])
    m.apply(a, ids=dict(spaces=2, padded=1, lower_x=3, fullwidth=2, typo=1), dates={"签约日期": 3}, blanks=2, put=[
        ("家庭医生团队", 2, "#N/A", ERROR_NOTE), ("档案状态", 1, "待核实", "不认识的档案状态")])
    return sheets


def checkup_books(w: World, people: list[Person]) -> dict[str, list[Sheet]]:
    """老年人健康体检, one file a year; the last year split into a sheet per station with a two-row header."""
    m, before, books = w.mess, {}, {}
    for year in w.years:
        rows = checkup_rows(w, people, year, before)
        what = f"{year}年老年人健康体检花名册"
        if year != w.years[-1]:
            sheets = [Sheet(f"{year}年体检", CHECKUP_KEYS, rows)]
            m.apply(sheets[0], heading(w, what), rename={
                "身份证号": "证件号码", "收缩压": "收缩压（mmHg）", "舒张压": "舒张压（mmHg）", "空腹血糖": "空腹血糖(mmol/L)",
                "生活方式评估": "生活方式\n评估"}, recode={k: {"是": "√", "否": "×"} for k in ("生活方式评估", "健康指导")},
                ids=dict(legacy15=3, legacy15_num=2, fullwidth=1), put=[
                    ("收缩压", 1, 14, "不可能的收缩压（14/90）"), ("收缩压", 1, 1400, "不可能的收缩压"),
                    ("空腹血糖", 1, 56.0, "不可能的空腹血糖（漏了小数点）"), ("健康指导", 1, "待定", "不认识的是/否取值"),
                    ("姓名", 1, "#N/A", ERROR_NOTE)], fullwidth={"收缩压": 2}, dates={"体检日期": 10}, footer="合计", blanks=1)
        else:
            sheets = []
            for station, mine in by_station(w, rows, 6).items():
                for i, row in enumerate(mine, 1):
                    row[0] = i
                sheets.append(Sheet(station, CHECKUP_KEYS, mine))
                m.apply(sheets[-1], heading(w, f"{what}（{station}）"), groups={"血压(mmHg)": ("收缩压", "舒张压")},
                        dates={"体检日期": 3}, footer="小计")
            m.apply(sheets[1 % len(sheets)], rename={"体检日期": "检查日期"}, fullwidth={"舒张压": 1})
            m.apply(sheets[-1], recode={"中医体质辨识": {"是": "有", "否": "无"}}, rename={"中医体质辨识": "体质辨识"})
            m.apply(sheets[0], put=[("中医体质辨识", 1, "待定", "不认识的是/否取值"), ("出生日期", 1, "#N/A", ERROR_NOTE)])
        books[f"老年人体检/{year}年老年人健康体检.xlsx"] = sheets
    return books


def patient_sheet(name: str, patients: list[Patient]) -> Sheet:
    """A patient roster (高血压 or 2型糖尿病), in order of 纳入管理日期."""
    rows = [[i, t.person.name, "男" if t.person.male else "女", t.person.pid, t.person.birth, t.person.station,
             t.person.team, t.enrolled, t.status, t.status_day, t.person.phone]
            for i, t in enumerate(sorted(patients, key=lambda t: (t.enrolled, t.person.pid)), 1)]
    return Sheet(name, PATIENT_KEYS, rows)


def notes_sheets(w: World, ht: list[Patient]) -> list[Sheet]:
    """Sheets that are not registers: 说明 (notes), 统计 (a summary by station) and an empty Sheet3."""
    notes = ["1. 本名册由区基本公共卫生服务信息系统导出，各服务站已核对。",
             "2. 管理状态：在管 / 死亡 / 迁出 / 失访 / 终止管理；状态变更日期为死亡、迁出或终止管理的日期。",
             f"3. 统计截止日期：{w.last_day.year}年{w.last_day.month}月{w.last_day.day}日。", "4. 如有疑问请联系公卫科。"]
    active = [t for t in ht if t.status in ("在管", "")]
    stats = [[s, sum(t.person.station == s for t in active),
              sum(t.person.station == s and age_at(t.person.birth, w.last_day) >= 65 for t in active),
              sum(t.person.station == s and t.enrolled.year == w.last_day.year for t in active)] for s in w.town.stations]
    stats.append(["合计", *(sum(r[k] for r in stats) for k in (1, 2, 3))])
    return [Sheet("说明", [], [[line] for line in notes], register=False), Sheet("Sheet3", [], [], register=False),
            Sheet("统计", ["服务站", "在管人数", "其中65岁及以上", "本年新纳入"], stats, register=False)]


def roster_books(w: World, ht: list[Patient], dm: list[Patient]) -> dict[str, list[Sheet]]:
    """The two patient rosters; the hypertension one with notes, summary and empty sheets beside it."""
    roster, dm_roster = patient_sheet("高血压患者", ht), patient_sheet("糖尿病患者", dm)
    w.mess.apply(roster, heading(w, "高血压患者管理名册"), ids=dict(spaces=1), put=[("家庭医生团队", 1, "#N/A", ERROR_NOTE)],
                 dates={"纳入管理日期": 8, "状态变更日期": 2}, blanks=1)
    w.mess.apply(dm_roster, heading(w, "2型糖尿病患者管理名册"), ids=dict(lower_x=1), dates={"纳入管理日期": 6},
                 rename={"纳入管理日期": "建卡日期", "管理状态": "转归", "状态变更日期": "终止管理日期"})
    return {"慢病/高血压患者管理名册.xlsx": [roster, *notes_sheets(w, ht)], "慢病/2型糖尿病患者管理名册.xlsx": [dm_roster]}


def ht_followup_books(w: World, ht: list[Patient]) -> dict[str, list[Sheet]]:
    """高血压随访: a file a year; the last split in halves with one 血压 column, and the first station's
    December also in its own sub-folder file (three of its rows copied into the main file too)."""
    m, books, first = w.mess, {}, w.town.stations[0]
    for year in w.years:
        rows = followup_rows(w, ht, year, "ht", MODES_A if year != w.years[-1] else MODES_B)
        if year != w.years[-1]:
            s = project(f"{year}年", FOLLOWUP_KEYS, rows, HT_KEYS)
            m.apply(s, heading(w, f"{year}年高血压患者随访记录"), rename={"收缩压": "收缩压（mmHg）", "舒张压": "舒张压（mmHg）"},
                    ids=dict(float18=3, short17=2), put=[
                        ("收缩压", 1, 14, "不可能的收缩压（14/90）"), ("舒张压", 1, 900, "不可能的舒张压"),
                        ("随访方式", 1, None, "随访方式空白"), ("随访方式", 1, "入户", "不认识的随访方式")],
                    fullwidth={"收缩压": 2}, dates={"随访日期": 10}, footer="合计", blanks=1)
            books[f"慢病/高血压随访记录{year}.xlsx"] = [s]
            continue
        december = [r for r in rows if r[3] == first and r[4].month == 12]
        rest = [r for r in rows if not (r[3] == first and r[4].month == 12)]
        halves = [project(name, FOLLOWUP_KEYS, part, HT_KEYS) for name, part in
                  (("上半年", [r for r in rest if r[4].month <= 6]), ("下半年", [r for r in rest if r[4].month > 6]))]
        extra = project(f"{first}12月", FOLLOWUP_KEYS, december, HT_KEYS)
        for s in (*halves, extra):
            m.apply(s, heading(w, f"{year}年高血压患者随访记录（{s.name}）"), join_bp=True, rename={"随访日期": "随访时间"},
                    dates={"随访日期": 5 if s is not extra else 0})
        m.apply(halves[0], fullwidth={"血压": 1})
        m.apply(halves[1], put=[("血压", 1, "14/90", "不可能的收缩压")])
        for row in m.rng.sample(extra.rows, min(3, len(extra.rows))) if m.on else []:
            halves[1].rows.append(list(row))
            halves[1].mark(halves[1].rows[-1], f"与「慢病/{first}/」下文件中的一行完全相同（重复）")
        books[f"慢病/高血压随访记录{year}.xlsx"] = halves
        books[f"慢病/{first}/{first}高血压随访{year}年12月.xlsx"] = [extra]
    return books


def dm_followup_books(w: World, dm: list[Patient]) -> dict[str, list[Sheet]]:
    """糖尿病随访: xlsx files, the last year a GB18030 CSV with dates written as text."""
    m, books = w.mess, {}
    for year in w.years:
        rows = followup_rows(w, dm, year, "dm", MODES_A if year != w.years[-1] else MODES_B)
        if year != w.years[-1]:
            s = project(f"{year}年", FOLLOWUP_KEYS, rows, DM_KEYS)
            m.apply(s, heading(w, f"{year}年2型糖尿病患者随访记录"), ids=dict(lower_x=1), fullwidth={"空腹血糖": 2},
                    rename={"空腹血糖": "空腹血糖（mmol/L）", "糖化血红蛋白": "糖化血红蛋白(%)"}, dates={"随访日期": 8},
                    put=[("空腹血糖", 1, 65.0, "不可能的空腹血糖（漏了小数点）")], footer="合计")
            books[f"慢病/糖尿病随访记录{year}.xlsx"] = [s]
            continue
        s = project("csv", FOLLOWUP_KEYS, rows, DM_CSV_KEYS)
        m.apply(s, [f"{w.town.centre}{year}年2型糖尿病患者随访记录"], ids=dict(spaces=2), dates={"随访日期": 6},
                rename={"空腹血糖": "空腹血糖值", "糖化血红蛋白": "HbA1c", "随访医生": "随访医师"},
                put=[("空腹血糖", 1, "#N/A", ERROR_NOTE)], footer="合计", blanks=1)
        c = s.col("随访日期")
        for row in s.rows if m.on else []:  # the other dates as the text 2025/3/12
            if row and is_date(row[c]):
                row[c] = DATE_STYLES["slash"][1](row[c], None)
        books[f"慢病/糖尿病随访记录{year}.csv"] = [s]
    return books


def child_books(w: World, children: list[Child], doses: list[list]) -> dict[str, list[Sheet]]:
    """预防接种: the children's roster, earlier years' doses (a sheet a year), then a file per year."""
    m, books = w.mess, {}
    rows = [[ch.code, ch.name, "男" if ch.male else "女", ch.birth, ch.mother, ch.phone, ch.station, ch.card, ch.category]
            for ch in children]
    roster = Sheet("儿童花名册", CHILD_KEYS, rows)
    m.apply(roster, heading(w, "0-6岁儿童花名册"), put=[("儿童编码", 5, int, "儿童编码存成数字"), ("在册类别", 1, "待核实",
            "不认识的在册类别")], dates={"出生日期": 4, "建证日期": 6}, footer="合计", blanks=1)
    books["预防接种/儿童花名册.xlsx"] = [roster]
    early = [Sheet(f"{y}年", VACCINATION_KEYS, [list(r) for r in doses if r[5].year == y])
             for y in range(min([r[5].year for r in doses] or [w.years[0]]), w.years[0])]
    for s in early:
        m.apply(s, dates={"接种日期": 2}, put=[("儿童编码", 1, int, "儿童编码存成数字")])
    if early:
        books[f"预防接种/预防接种记录{early[0].name[:4]}-{w.years[0] - 1}.xlsx"] = early
    for year in w.years:
        mine = [list(r) for r in doses if r[5].year == year]
        if year != w.years[-1]:
            sheets = [Sheet(f"{year}年", VACCINATION_KEYS, mine)]
            m.apply(sheets[0], heading(w, f"{year}年预防接种记录"), rename={"疫苗名称": "疫苗"}, dates={"接种日期": 8},
                    put=[("儿童编码", 3, int, "儿童编码存成数字")], footer="合计", blanks=1)
        else:
            sheets = [Sheet(f"第{q}季度", VACCINATION_KEYS, [r for r in mine if (r[5].month + 2) // 3 == q]) for q in range(1, 5)]
            for s in sheets:
                m.apply(s, heading(w, f"{year}年{s.name}预防接种记录"), rename={"接种日期": "接种时间"}, dates={"接种日期": 3})
        books[f"预防接种/预防接种记录{year}.xlsx"] = sheets
    return books


def config_text(w: World, people: list[Person]) -> str:
    """chsc.yaml: official figures a little above the roster (not everyone has a record), Chinese comments."""
    def figures(day: D, station: str | None) -> dict[str, int]:
        alive = [p for p in people if p.rtype in STAYING and p.filed <= day and (p.gone is None or p.gone > day)
                 and station in (None, p.station)]
        # rounded as a district writes them; never 0 (chsc refuses a figure of 0: a small station
        # of a small generated centre has the rounding step instead)
        return {"total": max(100, int(round(len(alive) / 0.8, -2))),
                "age_65_plus": max(10, int(round(sum(age_at(p.birth, day) >= 65 for p in alive) / 0.9, -1))),
                "adults_18_plus": max(100, int(round(sum(age_at(p.birth, day) >= 18 for p in alive) / 0.8, -2)))}
    flow = lambda f: "{" + ", ".join(f"{k}: {int(v)}" for k, v in f.items()) + "}"  # noqa: E731
    stations = {s: figures(w.last_day, s) for s in w.town.stations}
    total = {k: sum(f[k] for f in stations.values()) for k in ("total", "age_65_plus", "adults_18_plus")}
    lines = [f"# {w.town.centre} —— chsc 设置文件（由 sample_data/generate.py 生成，可手工修改）",
             f"centre: {w.town.centre}", "",
             "# 区卫健局下发的基础数据（辖区常住人口），用作建档率、签约率、老年人健康管理率等指标的分母",
             "population:", f"  total: {total['total']}            # 辖区常住人口数",
             f"  age_65_plus: {total['age_65_plus']}       # 辖区65岁及以上常住居民数",
             f"  adults_18_plus: {total['adults_18_plus']}   # 辖区18岁及以上常住居民数", "",
             "# 患病率：估算高血压、糖尿病患者管理率的分母（18岁及以上人口 × 患病率）",
             "prevalence:", "  hypertension: 0.18   # 高血压患病率", "  diabetes: 0.07       # 2型糖尿病患病率", "",
             "# 各服务站的基础数据，用于 --by station 分站统计", "stations:",
             *(f"  {s}: {flow(f)}" for s, f in stations.items()), "",
             "# 指标目标值：只写需要改动的，其余用国家规范的默认值", "targets:",
             "  elderly_health_management_rate: \"70%\"   # 区里下达本中心的年度目标（默认 90%）", "",
             "# 额外的表头别名：别名 -> 标准列名（糖尿病随访 CSV 里写的是「随访医师」）", "columns:", "  随访医师: 随访医生", "",
             "# 计算年龄的参照日：period_end（统计期末，默认）或 period_start（统计期初）", "reference_date: period_end", "",
             "# 个别工作表认不出类型时在这里指定（示例，未启用）", "# kinds:", "#   \"*慢病名册*.xlsx\": hypertension_patients", "",
             "# 往年的基础数据，用于 --compare 和 progress", "population_by_year:",
             *(f"  {y}: {flow({k: sum(figures(D(y, 12, 31), s)[k] for s in w.town.stations) for k in total})}"
               for y in w.years[:-1])]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------- the service registers

def sibling(name: str):
    """A module of this folder, loaded by its path (this script is itself loaded by path, not imported), with
    no __pycache__ left in sample_data/."""
    key = f"{__name__}_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # dataclasses look their module up while the class is built
        dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(key, None)
            raise
        finally:
            sys.dont_write_bytecode = dont_write
    return sys.modules[key]


def service_registers(w: World, people: list[Person], residents: int, seed: int, mess: bool) -> tuple[dict, dict]:
    """The nine registers of issues 16 and 17 (children's health, maternal care, SMI, TB, infectious disease
    cards, health supervision, health education) and their counts. Their own random streams (string seeds),
    so every other file is the same with or without them."""
    events, records, books = (sibling(n) for n in ("services_events", "services_records", "services_books"))
    world = World(random.Random(f"services:{seed}"), Mess(random.Random(f"services-mess:{seed}"), mess), w.town, w.years,
                  w.last_day, w.export_day)
    return books.service_books(sys.modules[__name__], events, records, world, people, residents)


# ----------------------------------------------------------------------------------- entry points

def generate_centre(out_dir: Path, *, residents: int = 30000,
                    stations: tuple[str, ...] = ("城东站", "城西站", "城南站", "城北站"), years: tuple[int, ...] = (2024, 2025),
                    seed: int = 20251231, mess: bool = True, centre: str = "临城街道社区卫生服务中心",
                    births_per_1000: float = 8, services: bool = True) -> dict:
    """Write a centre's data folder to `out_dir` and return a summary (rows per file and sheet, mess notes).

    `services`: also write the nine registers of the other service categories (on by default: chsc reads
    them as their kinds, register_kinds/); the summary then has their counts under "services".

    `births_per_1000` a year: 8 is a town's birth rate; a centre whose children's clinic also serves
    the neighbourhood's newcomers vaccinates more (the benchmark's centre: 25, ~1,500 a year)."""
    out, years, rng = Path(out_dir), tuple(sorted(years)), random.Random(seed)
    w = World(rng, Mess(random.Random(seed + 1), mess), make_town(rng, centre, tuple(stations)), years,
              D(years[-1], 12, 31), D(years[-1] + 1, 1, 5))
    seen: dict[str, bool] = {}
    people = make_people(w, residents, seen)
    ht, dm = make_patients(w, people)
    visitors = [make_person(w, rng.randint(65, 85), seen, "非户籍常住") for _ in range(max(2, residents // 400))]
    for v in visitors:  # elderly who come for a checkup but have no record in the roster
        v.status, v.gone, v.closed = "正常", None, None
    children = make_children(w, residents, births_per_1000)
    books = {"居民健康档案/居民健康档案花名册.xlsx": residents_book(w, people), **checkup_books(w, people + visitors),
             **roster_books(w, ht, dm), **ht_followup_books(w, ht), **dm_followup_books(w, dm),
             **child_books(w, children, vaccination_rows(w, children))}
    extra, counts = service_registers(w, people, residents, seed, mess) if services else ({}, None)
    books.update(extra)
    log: list[str] = []
    summary = {"centre": centre, "seed": seed, "residents": residents, "files": {}, "sheets": {}, "mess": log,
               "people": {"residents": len(people), "hypertension_patients": len(ht), "diabetes_patients": len(dm),
                          "children": len(children), "checkup_visitors_not_in_roster": len(visitors)}}
    if counts is not None:
        summary["services"] = counts
    for rel, sheets in books.items():
        if rel.endswith(".csv"):
            write_csv(out / rel, rel, sheets[0], log)
        else:
            write_xlsx(out / rel, rel, sheets, log)
        summary["files"][rel] = sum(s.data_rows() for s in sheets if s.register)
        summary["sheets"].update({f"{rel}#{s.name}": s.data_rows() for s in sheets if s.register})
    out.mkdir(parents=True, exist_ok=True)
    (out / "chsc.yaml").write_bytes(config_text(w, people).encode("utf-8"))
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line: generate OUT_DIR and print the rows per file (and, with --mess-log, every mess item)."""
    parser = argparse.ArgumentParser(description="生成一个社区卫生服务中心的示例数据文件夹（确定性，可重复）")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--residents", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=20251231)
    parser.add_argument("--centre", default="临城街道社区卫生服务中心")
    parser.add_argument("--no-mess", action="store_true", help="不加入真实文件里的各种不规范写法")
    parser.add_argument("--mess-log", action="store_true", help="列出每一处故意加入的不规范写法")
    parser.add_argument("--no-services", dest="services", action="store_false",
                        help="不生成儿童保健、孕产妇、严重精神障碍、肺结核、传染病报告、卫生监督协管、健康教育九类登记表")
    args = parser.parse_args(argv)
    summary = generate_centre(args.out_dir, residents=args.residents, seed=args.seed, mess=not args.no_mess,
                              centre=args.centre, services=args.services)
    for rel, count in summary["files"].items():
        print(f"{count:8d}  {rel}")
    print("  ".join(f"{k}={v}" for k, v in summary["people"].items()))
    for k, v in summary.get("services", {}).items():
        print(f"{k}: {v}")
    for note in summary["mess"] if args.mess_log else []:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
