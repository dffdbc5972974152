"""Records of three service registers (issues 16 and 17), for generate.py with services=True: 传染病 report
cards, 卫生监督协管 clues and 健康教育 activities, a year at a time. `g` is generate.py, `w` the World of the
service registers (their own random stream); the tables of names and words are in services_events.py (`e`).
"""

from __future__ import annotations

import datetime as dt

D = dt.date


def card_times(g, w, day: D, late: bool) -> tuple[dt.datetime, dt.datetime]:
    """诊断时间 in opening hours; 报告时间 mostly within hours, a few a day or more later."""
    rng = w.rng
    diagnosed = dt.datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59))
    minutes = rng.randint(26 * 60, 4 * 24 * 60) if late else g.weighted(rng, {(8, 240): 78, (240, 1200): 22})
    minutes = rng.randint(*minutes) if isinstance(minutes, tuple) else minutes
    return diagnosed, diagnosed + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))


def make_cards(g, e, w, people: list, residents: int) -> dict[int, list]:
    """A few dozen cards a year; in the last year a 霍乱 card (甲类, within two hours), a card deleted by
    卡片状态 and one never reported; in each year a correction (订正卡, same 卡片编号) and a late report."""
    rng, cards = w.rng, {}
    children = [p for p in people if g.age_at(p.birth, w.last_day) < 15]
    anyone = [p for p in people if p.gone is None]
    for year in w.years:
        rows, n = [], e.scaled(w, e.CARDS_PER_1000, residents, 8)
        days = sorted(g.rand_day(rng, D(year, 1, 1), D(year, 12, 31) - g.days(2)) for _ in range(n))
        late = set(rng.sample(range(n), max(1, round(n * 0.06))))
        for k, day in enumerate(days, 1):
            disease, klass = g.weighted(rng, e.DISEASES)
            person = rng.choice(children if disease in e.CHILD_DISEASES else anyone)
            diagnosed, reported = card_times(g, w, day, k - 1 in late)
            doctor = rng.choice([d for team in w.town.teams[person.station] for d in w.town.doctors[team]])
            rows.append(e.Card(f"{year}{g.LOCAL_AREA}{k:06d}", person, disease, klass, diagnosed, reported, doctor,
                               anonymous=rng.random() < 0.1))
        on_time = [c for i, c in enumerate(rows) if i not in late]
        fixed = rng.choice(on_time)  # the first card said 其它感染性腹泻病; the correction says 细菌性痢疾
        fixed.disease, fixed.klass = "其它感染性腹泻病", "丙类"
        correction = e.Card(fixed.number, fixed.person, "细菌性痢疾", "乙类", fixed.diagnosed, fixed.reported, fixed.doctor,
                            "订正卡", corrected=fixed.reported + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(1, 5)),
                            anonymous=fixed.anonymous)
        rows.insert(rows.index(fixed) + 1, correction)
        if year == w.years[-1]:
            cholera, gone, silent = rng.sample([c for c in on_time if c is not fixed], 3)
            cholera.disease, cholera.klass = "霍乱", "甲类"
            cholera.reported = cholera.diagnosed + dt.timedelta(minutes=rng.randint(40, 100))
            gone.status = "已删除"  # a duplicate card the hospital also reported
            silent.reported = None
        else:
            gone = rng.choice([c for c in on_time if c is not fixed])
            gone.review, gone.deleted = "已删除卡", gone.reported + dt.timedelta(days=rng.randint(1, 3), hours=2)
        cards[year] = rows
    return cards


def make_clues(g, e, w, residents: int) -> dict[int, list]:
    """卫生监督协管 clues: about a dozen a year, reported within a day or two; one of the last year's not."""
    rng, clues = w.rng, {}
    for year in w.years:
        rows = []
        n = e.scaled(w, e.CLUES_PER_1000, residents, 4)
        for day in sorted(g.rand_day(rng, D(year, 1, 1), D(year, 12, 28)) for _ in range(n)):
            station = rng.choices(w.town.stations, weights=w.town.weights)[0]
            category = g.weighted(rng, {k: v[1] for k, v in e.CLUES.items()})
            content = e.CLUES[category][0].format(c=rng.choice(w.town.communities[station]), n=rng.randint(3, 9),
                                                   b=rng.randint(1, 36))
            found = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59))
            reported = found + dt.timedelta(minutes=rng.randint(30, 40 * 60))
            reporter = rng.choice([d for team in w.town.teams[station] for d in w.town.doctors[team]])
            rows.append([found, category, content, reported, reporter, f"{w.town.centre}{station}", station])
        if year == w.years[-1]:
            rng.choice(rows)[3] = None
        clues[year] = rows
    return clues


def make_activities(g, e, w) -> dict[int, list]:
    """健康教育 activities of a year: the centre's lectures (12+), six per station (the third station of the last
    year held only four), ~9 consultations on health days, 宣传栏 every two months, leaflets, videos, a few
    individual sessions. Rows: 活动日期, 活动形式, 主题, 参加人数, 活动地点, 所属站点."""
    rng, activities = w.rng, {}
    sites = [e.CENTRE_SITE, *w.town.stations]
    for year in w.years:
        rows = []
        short = w.town.stations[2 % len(w.town.stations)] if year == w.years[-1] else None
        for site in sites:
            months = range(1, 13) if site == e.CENTRE_SITE else range(1, 13, 2)
            dates = [g.workday(g.rand_day(rng, D(year, m, 3), D(year, m, 26))) for m in months]
            dates += [g.workday(g.rand_day(rng, D(year, 3, 1), D(year, 11, 30))) for _ in range(rng.randint(0, 3))] \
                if site == e.CENTRE_SITE else []
            if site == short:
                dates = sorted(rng.sample(dates, len(dates) - 2))
            venue = "中心四楼会议室" if site == e.CENTRE_SITE else f"{rng.choice(w.town.communities[site])}居民活动室"
            for day in dates:
                people = rng.randint(40, 90) if site == e.CENTRE_SITE else rng.randint(18, 45)
                rows.append([day, "健康知识讲座", rng.choice(e.LECTURE_TOPICS), people if rng.random() > 0.06 else None,
                             venue, site])
            for month in range(1, 13, 2):  # 宣传栏
                rows.append([g.workday(D(year, month, rng.randint(2, 12))), "宣传栏更新", rng.choice(e.LECTURE_TOPICS),
                             None, "中心宣传栏" if site == e.CENTRE_SITE else f"{site}门口宣传栏", site])
        for (month, day), name in rng.sample(e.HEALTH_DAYS, min(len(e.HEALTH_DAYS), rng.randint(9, 10))):
            site = e.CENTRE_SITE if rng.random() < 0.6 else rng.choice(w.town.stations)
            rows.append([D(year, month, day), "公众健康咨询", f"{name}义诊咨询", rng.randint(60, 240) if rng.random() > 0.1 else None,
                         f"{rng.choice(w.town.communities[rng.choice(w.town.stations)])}广场", site])
        for form, k, place in (("发放印刷资料", 8, "中心门诊大厅"), ("播放音像资料", 6, "中心候诊区"), ("个体化健康教育", 4, "中心门诊")):
            for _ in range(rng.randint(k - 2, k + 2)):
                rows.append([g.workday(g.rand_day(rng, D(year, 1, 5), D(year, 12, 28))), form, rng.choice(e.LECTURE_TOPICS),
                             rng.randint(1, 3) if form == "个体化健康教育" else None, place, e.CENTRE_SITE])
        lectures = [r for r in rows if r[1] == "健康知识讲座"]
        if all(r[3] is not None for r in lectures):
            rng.choice(lectures)[3] = None  # nobody wrote down how many came
        rows.sort(key=lambda r: (r[0], sites.index(r[5]), r[1]))
        activities[year] = rows
    return activities
