"""People and events of the nine service registers (issues 16 and 17), for generate.py with services=True.

0～6岁儿童健康管理 (children and their visits), 孕产妇健康管理 (pregnancies and deliveries), 严重精神障碍 and
肺结核 patients, 传染病 report cards, 卫生监督协管 clues and 健康教育 activities. `g` is generate.py itself (its
helpers, Person, Patient), `w` a World whose random stream belongs to these registers alone, so the older
registers come out byte-identical whether or not these are written. Mothers, patients and card holders are
residents of the roster; nothing here changes them. The sheets and their mess are in services_books.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

D = dt.date
BIRTHS_PER_1000 = 10  # a year: ~300 births for 30,000 residents
BIRTH_FACTORS = (1.12, 1.1, 1.07, 1.04, 1.0, 0.98, 1.0, 0.96)  # oldest cohort first; the last is the last year
SMI_PER_1000, TB_PER_1000, CARDS_PER_1000, CLUES_PER_1000 = 3.2, 0.35, 1.2, 0.4  # patients; a year for the rest
NEWBORN_DAYS = {(3, 7): 52, (8, 14): 26, (15, 28): 10, (29, 35): 5, None: 7}  # first visit, days after birth
CHECK_MONTHS = (3, 6, 8, 12, 18, 24, 30)
TCM_AT = (6, 12, 18, 24, 30, 36)  # months: the checks that carry 中医药健康管理
TCM_WORDS = {"中医饮食调养指导": 4, "中医起居活动指导": 2, "摩腹捏脊": 3, "传授摩腹和捏脊方法": 2, "按揉迎香穴、足三里穴": 2,
             "按揉四神聪穴": 1, "中医饮食调养、起居活动指导": 2}
DIAGNOSES = {"精神分裂症": 68, "双相情感障碍": 10, "偏执性精神病": 5, "分裂情感性障碍": 6, "癫痫所致精神障碍": 5,
             "精神发育迟滞伴发精神障碍": 6}
SMI_CLASSES = {"stable": {"稳定": 86, "基本稳定": 11, "不稳定": 2, None: 1},
               "fair": {"基本稳定": 58, "稳定": 30, "不稳定": 11, None: 1},
               "unstable": {"不稳定": 50, "基本稳定": 38, "稳定": 11, None: 1}}
SMI_RISK = {"稳定": {0: 88, 1: 12}, "基本稳定": {1: 60, 0: 30, 2: 10}, "不稳定": {2: 45, 3: 30, 1: 20, 4: 5}, None: {0: 1}}
SMI_MODES = {False: {"家庭访视": 52, "门诊": 40, "上门随访": 8}, True: {"电话": 90, "微信": 10}}
STOP_REASONS = {"完成疗程": 70, "治愈": 16, "死亡": 4, "失访": 4, "转入耐多药治疗": 4, "其他": 2}
DISEASES = {("流行性感冒", "丙类"): 30, ("手足口病", "丙类"): 16, ("其它感染性腹泻病", "丙类"): 12, ("流行性腮腺炎", "丙类"): 3,
            ("病毒性肝炎(乙型)", "乙类"): 8, ("梅毒", "乙类"): 6, ("肺结核", "乙类"): 7, ("猩红热", "乙类"): 4,
            ("新型冠状病毒感染", "乙类"): 6, ("细菌性痢疾", "乙类"): 2, ("百日咳", "乙类"): 3}
CHILD_DISEASES = ("手足口病", "猩红热", "流行性腮腺炎", "百日咳")
CLUES = {"食源性疾病": ("{c}居民{n}人在同一饭店聚餐后出现腹泻、呕吐", 3), "饮用水卫生": ("{c}{b}幢二次供水水箱未加盖，居民反映水有异味", 2),
         "学校卫生": ("{c}幼儿园晨检记录不全、因病缺勤未登记", 2), "非法行医": ("{c}沿街门面疑似无证行医（输液）", 3),
         "非法采供血": ("{c}公交站张贴有偿献血小广告", 1), "计划生育": ("{c}某诊所疑似开展非医学需要胎儿性别鉴定", 1),
         "食品安全": ("{c}早餐店从业人员无健康证明", 2), "职业病危害": ("{c}小型家具作坊喷漆作业无防护", 1)}
LECTURE_TOPICS = ("高血压的防治与自我管理", "糖尿病患者的饮食与运动", "合理膳食 均衡营养", "老年人跌倒的预防", "控烟与健康",
                  "中医养生与四季保健", "心理健康与睡眠", "秋冬季传染病防控", "儿童口腔保健", "孕期保健与母乳喂养",
                  "慢阻肺的早期识别", "骨质疏松的预防", "家庭急救与心肺复苏", "认识脑卒中", "肿瘤早筛早诊", "科学就医 合理用药")
HEALTH_DAYS = [((3, 24), "世界防治结核病日"), ((4, 7), "世界卫生日"), ((4, 17), "全国肿瘤防治宣传周"), ((5, 15), "全国防治碘缺乏病日"),
               ((5, 20), "全民营养周"), ((5, 31), "世界无烟日"), ((9, 20), "全国爱牙日"), ((10, 8), "全国高血压日"),
               ((10, 10), "世界精神卫生日"), ((11, 14), "联合国糖尿病日"), ((12, 1), "世界艾滋病日")]
CENTRE_SITE = "中心本部"  # 所属站点 of the centre's own activities


@dataclass(slots=True)
class Visit:
    day: D
    kind: str  # 随访类型 as written
    tcm: str | None  # 中医药健康管理: content words, 否 or blank


@dataclass(slots=True)
class HealthChild:
    code: str
    name: str
    male: bool
    birth: D
    station: str
    team: str
    mother: str
    phone: str
    pid: str | None
    status: str  # 在册 / 迁出 / 死亡 / 失访 / 结案
    status_day: D | None  # as written (missing for some ended children)
    gone: D | None  # the true end
    visits: list[Visit] = field(default_factory=list)


@dataclass(slots=True)
class Pregnancy:
    number: str  # 孕册号
    mother: object  # generate.Person
    lmp: D
    registered: D
    antenatal: int
    delivered: D | None  # None: not yet delivered
    live: int
    discharge: D | None = None
    postpartum: D | None = None
    day42: D | None = None


@dataclass(slots=True)
class TBPatient:
    person: object
    diagnosed: D
    notified: D
    first_visit: D | None
    stopped: D | None
    reason: str | None
    due: int | None
    taken: int | None


@dataclass(slots=True)
class Card:
    number: str
    person: object
    disease: str
    klass: str
    diagnosed: dt.datetime
    reported: dt.datetime | None
    doctor: str
    status: str = "原始卡"  # 卡片状态: 原始卡 / 订正卡 / 已删除
    review: str = "已终审卡"  # 审核状态
    deleted: dt.datetime | None = None
    corrected: dt.datetime | None = None  # 订正报告时间
    anonymous: bool = False  # no 身份证号 on the card


def scaled(w, per_1000: float, residents: int, least: int) -> int:
    return max(least, round(residents * per_1000 / 1000 * w.rng.uniform(0.92, 1.08)))


# ----------------------------------------------------------------------------------- mothers and children

def pick(w, pool: list, fits, used: set):
    """A random resident of `pool` that `fits` and is not in `used` (None after many tries)."""
    for _ in range(200):
        p = w.rng.choice(pool)
        if p.pid not in used and fits(p):
            used.add(p.pid)
            return p
    return None


def pregnancy(g, w, mother, delivered: D | None, lmp: D, number: str, live: int) -> Pregnancy:
    """Registration mostly before 13 weeks; 3-12 antenatal visits; discharge, postpartum visit, 42-day check."""
    rng = w.rng
    weeks = g.weighted(rng, {(6, 12): 86, (13, 20): 11, (21, 28): 3})
    registered = lmp + g.days(rng.randint(weeks[0] * 7, weeks[1] * 7 + 6))
    antenatal = g.weighted(rng, {3: 2, 4: 3, 5: 7, 6: 11, 7: 16, 8: 19, 9: 17, 10: 13, 11: 8, 12: 4})
    p = Pregnancy(number, mother, lmp, min(registered, w.last_day), antenatal, delivered, live)
    if delivered is None:  # still pregnant: the visits so far
        p.antenatal = max(1, round(antenatal * (w.last_day - lmp).days / 280))
        return p
    stay = g.weighted(rng, {2: 30, 3: 34, 4: 16, 5: 12, 6: 8})
    p.discharge = delivered + g.days(stay) if rng.random() < 0.93 else None
    after = g.weighted(rng, {(3, 10): 80, (11, 28): 7, (29, 40): 4, None: 9})
    base = p.discharge or delivered + g.days(stay)
    p.postpartum = base + g.days(rng.randint(*after)) if after else None
    p.day42 = delivered + g.days(rng.randint(42, 60)) if rng.random() < 0.88 else None
    p.postpartum, p.day42, p.discharge = (d if d and d <= w.export_day else None for d in (p.postpartum, p.day42, p.discharge))
    return p


def make_pregnancies(g, w, people: list, residents: int) -> list[Pregnancy]:
    """Deliveries in the registers' years (~1.5% twins, a stillbirth or two) and pregnancies not yet delivered."""
    rng, pregnancies, used = w.rng, [], set()
    women = [p for p in people if not p.male and 18 <= g.age_at(p.birth, w.last_day) <= 45]
    def fits(day):
        return lambda p: 20 <= g.age_at(p.birth, day) <= 40 and (p.gone is None or p.gone > day) and \
            (g.age_at(p.birth, day) <= 35 or rng.random() < 0.5) and (p.rtype in g.STAYING or rng.random() < 0.3)
    stillbirths = 0
    for year in w.years:
        n = round(residents * BIRTHS_PER_1000 / 1000 * BIRTH_FACTORS[len(BIRTH_FACTORS) - 1 - (w.last_day.year - year)]
                  * rng.uniform(0.96, 1.04) * 0.96)
        for k, day in enumerate(sorted(g.rand_day(rng, D(year, 1, 1), D(year, 12, 31)) for _ in range(n)), 1):
            mother = pick(w, women, fits(day), used)
            if mother is None:
                continue
            live = 2 if rng.random() < 0.015 else 0 if rng.random() < 0.003 or (year == w.years[-1] and stillbirths == 0
                                                                                 and k == n // 2) else 1
            stillbirths += live == 0
            lmp = day - g.days(min(294, max(245, round(rng.gauss(275, 9)))))
            pregnancies.append(pregnancy(g, w, mother, day, lmp, f"YC{year}{k:04d}", live))
    delivered = [p for p in pregnancies if p.delivered.year == w.years[-1] and p.live == 1]
    if delivered and not any(p.live == 2 for p in pregnancies):
        rng.choice(delivered).live = 2  # twins at least once
    pending = round(residents * BIRTHS_PER_1000 / 1000 * 0.62)
    for k in range(1, pending + 1):  # conceived in the last nine months, registered by the year end
        lmp = g.rand_day(rng, w.last_day - g.days(270), w.last_day - g.days(50))
        mother = pick(w, women, fits(w.last_day), used)
        if mother:
            p = pregnancy(g, w, mother, None, lmp, f"YC{w.last_day.year}{9000 + k:04d}", 0)
            if p.registered <= w.last_day and p.registered - p.lmp >= g.days(42):
                pregnancies.append(p)
    return pregnancies


def child_visits(g, w, ch: HealthChild) -> list[Visit]:
    """新生儿访视, 满月, the month checks and the yearly 3-6岁 checks: mostly on schedule, with misses."""
    rng, visits = w.rng, []
    keen = g.weighted(rng, {0.95: 78, 0.75: 16, 0.4: 6})
    tcm_family = rng.random() < 0.78
    span = g.weighted(rng, NEWBORN_DAYS)
    if span:
        visits.append(Visit(ch.birth + g.days(rng.randint(*span)), "新生儿访视", None))
    if rng.random() < keen:
        visits.append(Visit(ch.birth + g.days(rng.randint(28, 35)), "满月", None))
    for months in (*CHECK_MONTHS, 36, 48, 60, 72):
        if rng.random() >= (keen if months <= 36 else keen * 0.85):
            continue
        late = rng.randint(30, 60) if rng.random() < 0.05 else round(rng.gauss(0, 7))
        day = g.workday(g.add_months(ch.birth, months) + g.days(late))
        tcm = None
        if months in TCM_AT:
            tcm = g.weighted(rng, TCM_WORDS) if tcm_family and rng.random() < 0.92 else rng.choice(("否", None))
        visits.append(Visit(day, f"{months}月龄" if months < 36 else f"{months // 12}岁", tcm))
    end = min(w.last_day, ch.gone - g.days(1)) if ch.gone else w.last_day
    return [v for v in visits if D(w.years[0], 1, 1) <= v.day <= end]


def make_children(g, w, people: list, pregnancies: list[Pregnancy], residents: int) -> list[HealthChild]:
    """0～6 years: ~10 births per 1,000 a year from the first year's six-year-olds on; the registers' years'
    children are the deliveries' (twins twice, stillbirths none), plus children who moved in."""
    rng, children = w.rng, []
    seen = {p.pid: True for p in people}
    first = w.years[0] - 6
    for year in range(first, w.last_day.year + 1):
        births = []
        if year in w.years:
            for preg in (p for p in pregnancies if p.delivered and p.delivered.year == year):
                m = preg.mother
                births += [(preg.delivered, m.name, m.station, m.team, m.phone)] * preg.live
            extra = round(len(births) * 0.06)
        else:
            factor = BIRTH_FACTORS[max(0, len(BIRTH_FACTORS) - 1 - (w.last_day.year - year))]
            extra = round(residents * BIRTHS_PER_1000 / 1000 * factor * rng.uniform(0.95, 1.05))
        for _ in range(extra):
            station = rng.choices(w.town.stations, weights=w.town.weights)[0]
            births.append((g.rand_day(rng, D(year, 1, 1), D(year, 12, 31)), g.person_name(rng, False, year - 30), station,
                           rng.choice(w.town.teams[station]), g.phone(rng)))
        for k, (birth, mother, station, team, tel) in enumerate(sorted(births), 1):
            male = rng.random() < 0.52
            pid = g.unique_id(rng, g.LOCAL_AREA, birth, male, seen) if rng.random() < 0.72 else None
            ch = HealthChild(f"{g.LOCAL_AREA}{birth:%y}{k:04d}", g.person_name(rng, male, birth.year), male, birth, station,
                             team, mother, tel, pid, "在册", None, None)
            r, span = rng.random(), (w.last_day - birth).days
            seventh = g.add_months(birth, 84)
            if r < 0.05 and span > 60:
                ch.status = g.weighted(rng, {"迁出": 80, "失访": 16, "死亡": 4})
                ch.gone = birth + g.days(rng.randint(30, span))
            elif seventh <= w.last_day:
                ch.status, ch.gone = "结案", seventh
            if ch.gone and ch.gone > w.last_day:
                ch.status, ch.gone = "在册", None
            ch.status_day = ch.gone if ch.gone and rng.random() > 0.08 else None
            ch.visits = child_visits(g, w, ch)
            children.append(ch)
    return children


# ----------------------------------------------------------------------------------- patients

def make_smi(g, w, people: list, residents: int) -> tuple[list, dict]:
    """严重精神障碍: ~3.2 per 1,000 residents (adults), enrolled since 2008, a few new each year; their
    follow-ups, mostly quarterly (more for the unstable), some 未访到."""
    rng, patients, used = w.rng, [], set()
    adults = [p for p in people if g.age_at(p.birth, w.last_day) >= 18 and p.filed < w.last_day - g.days(30)]
    for _ in range(scaled(w, SMI_PER_1000, residents, 6)):
        p = pick(w, adults, lambda p: p.gone is None or p.gone.year >= w.years[0] - 1, used)
        earliest = max(p.filed, D(2008, 1, 1), g.add_months(p.birth, 12 * 16)) if p else None
        latest = min(w.last_day - g.days(20), p.gone or w.last_day) if p else None
        if p is None or earliest > latest:
            continue
        year = g.weighted(rng, {y: 0.5 if y >= w.years[0] else 1.0 for y in range(earliest.year, latest.year + 1)})
        enrolled = g.rand_day(rng, max(earliest, D(year, 1, 1)), min(latest, D(year, 12, 31)))
        status, status_day, gone = "在册", None, p.gone
        if p.status != "正常":
            status, status_day = p.status, (p.closed if rng.random() < 0.9 else None)
        elif rng.random() < 0.03:
            status, gone = "失访", g.rand_day(rng, max(enrolled + g.days(60), D(w.years[0], 1, 1)), w.last_day)
            status_day = gone
        pat = g.Patient(p, enrolled, status, status_day, gone, False, False,
                        g.weighted(rng, {"good": 84, "fair": 12, "poor": 4}), 0.45 if rng.random() < 0.12 else 0.12)
        patients.append((pat, g.weighted(rng, DIAGNOSES), g.weighted(rng, {"stable": 64, "fair": 26, "unstable": 10})))
    followups = {}
    for year in w.years:
        rows = []
        for pat, _, trend in patients:
            dates = g.visit_days(w, pat, year)
            if trend == "unstable" and dates:
                dates += [g.workday(d + g.days(rng.randint(12, 20))) for d in dates if rng.random() < 0.5]
            for day in sorted(d for d in dates if d <= w.last_day):
                p = pat.person
                if rng.random() < 0.04:
                    rows.append([p, day, rng.choice(("电话", "家庭访视")), None, "未访到", rng.choice(w.town.doctors[p.team])])
                    continue
                klass = g.weighted(rng, SMI_CLASSES[trend])
                mode = g.weighted(rng, SMI_MODES[rng.random() < pat.remote])
                rows.append([p, day, mode, g.weighted(rng, SMI_RISK[klass]), klass, rng.choice(w.town.doctors[p.team])])
        rows.sort(key=lambda r: (r[1], r[0].pid))
        followups[year] = rows
    last = [r for r in followups[w.years[-1]] if r[4] == "不稳定"]
    for row, level in zip(rng.sample(last, min(2, len(last))), (4, 5)):  # the rare 4级 and 5级
        row[3] = level
    return patients, followups


def make_tb(g, w, people: list, residents: int) -> list[TBPatient]:
    """肺结核: ~0.35 notified per 1,000 a year since mid-way through the year before; six-month courses of
    180 (daily) or 90 (every other day) doses; first home visits mostly within three days of the notice."""
    rng, patients, used = w.rng, [], set()
    start = D(w.years[0] - 1, 7, 1)
    grown = [p for p in people if g.age_at(p.birth, w.last_day) >= 15]
    n = scaled(w, TB_PER_1000 * (len(w.years) + 0.5), residents, 6)
    for notified in sorted(g.rand_day(rng, start, w.last_day - g.days(3)) for _ in range(n)):
        p = pick(w, grown, lambda p: (p.male or rng.random() < 0.5) and (p.gone is None or p.gone > notified), used)
        if p is None:
            continue
        diagnosed = notified - g.days(rng.randint(1, 10))
        after = g.weighted(rng, {0: 20, 1: 30, 2: 20, 3: 14, 5: 5, 8: 4, None: 4, -2: 3})
        first = notified + g.days(after) if after is not None else None
        t = TBPatient(p, diagnosed, notified, first if first and first <= w.last_day else None, None, None, None, None)
        daily = rng.random() < 0.6
        reason = g.weighted(rng, STOP_REASONS)
        course = 183 if reason in ("完成疗程", "治愈", "其他") else rng.randint(20, 150)
        stopped = notified + g.days(course + rng.randint(-3, 10))
        if stopped <= w.last_day:
            t.stopped, t.reason = stopped, reason
            t.due = round((180 if daily else 90) * min(1.0, course / 183))
            share = rng.uniform(0.92, 1.0) if rng.random() < 0.85 or reason not in ("完成疗程", "治愈") else rng.uniform(0.7, 0.89)
            t.taken = min(t.due, round(t.due * share))
        patients.append(t)
    done = [t for t in patients if t.reason in ("完成疗程", "治愈") and t.stopped.year in w.years]
    if len(done) >= 2:  # exactly 90%, and a 应服药次数 of 0 typed in by mistake
        a, b = rng.sample(done, 2)
        a.taken = a.due * 9 // 10 if a.due % 10 == 0 else a.taken
        b.due = 0
    notified = [t for t in patients if t.notified.year in w.years]
    if notified and not any(t.first_visit and t.first_visit < t.notified for t in patients):
        t = rng.choice(notified)  # a first visit dated before the notice (the date typed wrong, or a visit for
        t.first_visit = t.notified - g.days(rng.randint(1, 3))  # a suspected case before it was notified)
    on_time = [t for t in notified if t.first_visit and t.first_visit >= t.notified]
    if len(on_time) > 1 and all(t.first_visit for t in patients):
        rng.choice(on_time).first_visit = None  # never visited at home
    return patients
