"""Workbooks of the nine service registers (issues 16 and 17), for generate.py with services=True.

Each function lays the events of services_events.py / services_records.py (`e`) out as sheets and gives them
the mess of real files through the service World's own Mess (`w.mess`): aliases and real-export headers,
title rows, a two-row header, text dates and date-times in every shape, form codes, a station's own file,
a GB18030 (GBK) CSV. `g` is generate.py (Sheet, Mess, heading, writers' date styles).
"""

from __future__ import annotations

import datetime as dt

D = dt.date
CH_ROSTER_KEYS = ["序号", "儿童保健编号", "姓名", "性别", "出生日期", "身份证号", "母亲姓名", "联系电话", "所属站点", "家庭医生团队",
                  "在册状态", "状态变更日期"]
CH_VISIT_KEYS = ["序号", "儿童保健编号", "姓名", "出生日期", "所属站点", "随访日期", "随访类型", "中医药健康管理", "随访医生"]
MATERNAL_KEYS = ["序号", "孕册号", "姓名", "身份证号", "出生日期", "联系电话", "所属站点", "家庭医生团队", "末次月经", "建册日期",
                 "建册孕周", "产前检查次数", "分娩日期", "活产数", "出院日期", "产后访视日期", "产后42天检查日期"]
SMI_KEYS = ["序号", "姓名", "性别", "身份证号", "出生日期", "所属站点", "家庭医生团队", "纳入管理日期", "诊断", "管理状态", "状态变更日期",
            "联系电话"]
SMI_FOLLOWUP_KEYS = ["序号", "姓名", "身份证号", "所属站点", "随访日期", "随访方式", "危险性评估", "本次随访分类", "随访医生"]
TB_KEYS = ["序号", "姓名", "性别", "身份证号", "出生日期", "所属站点", "家庭医生团队", "联系电话", "确诊日期", "通知日期",
           "首次入户随访日期", "停止治疗日期", "停止治疗原因", "应服药次数", "实际服药次数"]
CARD_KEYS = ["卡片编号", "卡片状态", "审核状态", "姓名", "身份证号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "订正报告时间",
             "删除时间", "报告医生", "所属站点"]
CARD_EXPORT_HEADERS = {"卡片编号": "卡片ID", "姓名": "患者姓名", "身份证号": "有效证件号", "传染病类别": "疾病类型",
                       "报告时间": "报告卡录入时间"}
SUPERVISION_KEYS = ["序号", "发现时间", "信息类别", "信息内容", "报告时间", "报告人", "报告机构", "所属站点"]
EDUCATION_KEYS = ["序号", "活动日期", "活动形式", "活动主题", "参加人数", "活动地点", "所属站点"]
SMI_CODES = {"本次随访分类": {"不稳定": "1", "基本稳定": "2", "稳定": "3", "未访到": "0"},
             "随访方式": {"门诊": "1", "家庭访视": "2", "电话": "3"}}
TB_CODES = {"完成疗程": "1", "死亡": "2", "失访": "3", "转入耐多药治疗": "4"}
DATETIME_STYLES = {  # how a date-time is written by hand or by another system
    "minutes": ("文本 2025-03-12 14:20 式", lambda t: f"{t:%Y-%m-%d %H:%M}"),
    "slash": ("文本 2025/3/12 14:20:05 式", lambda t: f"{t.year}/{t.month}/{t.day} {t:%H:%M:%S}"),
    "iso_t": ("文本 2025-03-12T14:20 式", lambda t: f"{t:%Y-%m-%dT%H:%M}"),
    "cn": ("文本 2025年3月12日14时20分 式", lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分"),
    "date_cell": ("只写了日期（日期单元格）", lambda t: t.date()),
    "date_text": ("只写了日期（文本）", lambda t: f"{t.year}/{t.month}/{t.day}"),
}


def numbered(rows: list[list]) -> list[list]:
    for i, row in enumerate(rows, 1):
        row[0] = i
    return rows


def sex(male: bool) -> str:
    return "男" if male else "女"


def put_where(w, sheet, key: str, k: int, value, note: str, test) -> None:
    """`value` in k cells of `key` whose value passes `test` (Mess.apply's `put` takes any cell)."""
    if w.mess.on:
        w.mess.cells(sheet, key, k, lambda v, i: value, note, test)


def date_times(w, sheet, key: str, k: int) -> None:
    """k date-time cells of `key` written in the shapes of DATETIME_STYLES, in turn."""
    if w.mess.on:
        styles = list(DATETIME_STYLES)[w.mess.rng.randrange(len(DATETIME_STYLES)):] + list(DATETIME_STYLES)
        w.mess.cells(sheet, key, k, lambda v, i: DATETIME_STYLES[styles[i % len(styles)]][1](v),
                     lambda i: "日期时间写成" + DATETIME_STYLES[styles[i % len(styles)]][0], lambda v: type(v) is dt.datetime)


def as_text(w, sheet, keys: tuple[str, ...]) -> None:
    """Every date-time of `keys` as the text an export writes (2024-03-12 14:20:05)."""
    for c in [sheet.col(k) for k in keys] if w.mess.on else []:
        for row in sheet.rows:
            if type(row[c]) is dt.datetime:
                row[c] = f"{row[c]:%Y-%m-%d %H:%M:%S}"


def child_books(g, w, children: list) -> dict[str, list]:
    """0～6岁儿童健康管理: the roster a sheet per station (the last station's own file, with 保健号 and 结案标志),
    the visits a file a year (the last year's 新生儿访视 on a sheet of its own)."""
    m, books, last = w.mess, {}, w.town.stations[-1]
    rows = [[0, ch.code, ch.name, sex(ch.male), ch.birth, ch.pid, ch.mother, ch.phone, ch.station, ch.team, ch.status,
             ch.status_day] for ch in sorted(children, key=lambda ch: (ch.birth, ch.code))]
    sheets = [g.Sheet(s, CH_ROSTER_KEYS, numbered(mine)) for s, mine in g.by_station(w, rows, 8).items()]
    for s in sheets:
        m.apply(s, g.heading(w, f"0～6岁儿童健康管理花名册（{s.name}）"), dates={"出生日期": 1, "状态变更日期": 1}, footer="合计")
    own = sheets.pop() if len(sheets) > 1 else None  # the last station keeps its own book (a centre of one station: none)
    if own is not None:
        m.apply(own, [f"{last}儿童保健花名册"], rename={"儿童保健编号": "保健号", "在册状态": "结案标志", "状态变更日期": "结案时间"},
                recode={"在册状态": {"在册": "n", "迁出": "y", "失访": "y", "死亡": "y", "结案": "已结案"}})
    put_where(w, sheets[0], "在册状态", 3, None, "在册状态空白（= 在册）", lambda v: v == "在册")
    m.apply(sheets[0], ids=dict(spaces=1, lower_x=1), put=[("儿童保健编号", 3, int, "儿童保健编号存成数字")], blanks=1)
    if len(sheets) > 1:  # a second station's sheet (the first already has its blank rows)
        m.apply(sheets[1], recode={"在册状态": {"在册": "正常"}}, put=[("在册状态", 1, "待核实", "不认识的在册状态")])
    books["儿童保健/0-6岁儿童健康管理花名册.xlsx"] = sheets
    if own is not None:
        books[f"儿童保健/{last}/{last}儿童保健花名册.xlsx"] = [own]
    for year in w.years:
        visits = sorted([[0, ch.code, ch.name, ch.birth, ch.station, v.day, v.kind, v.tcm,
                          w.rng.choice(w.town.doctors[ch.team])] for ch in children for v in ch.visits if v.day.year == year],
                        key=lambda r: (r[5], r[1]))
        if year != w.years[-1]:
            s = g.Sheet(f"{year}年", CH_VISIT_KEYS, numbered(visits))
            m.apply(s, g.heading(w, f"{year}年儿童健康检查记录"), dates={"随访日期": 6}, footer="合计", put=[
                ("儿童保健编号", 2, int, "儿童保健编号存成数字")],
                rename={"随访日期": "检查日期", "随访类型": "检查类型", "中医药健康管理": "中医健康指导"})
            books[f"儿童保健/儿童健康检查记录{year}.xlsx"] = [s]
            continue
        young = [r for r in visits if r[6] in ("新生儿访视", "满月")]
        newborn = g.Sheet("新生儿访视", CH_VISIT_KEYS, numbered(young))
        checks = g.Sheet("儿童健康检查", CH_VISIT_KEYS, numbered([r for r in visits if r[6] not in ("新生儿访视", "满月")]))
        m.apply(newborn, g.heading(w, f"{year}年新生儿家庭访视记录"), rename={"随访日期": "访视日期", "随访类型": "访视类型"},
                dates={"随访日期": 3})
        m.apply(checks, g.heading(w, f"{year}年0～6岁儿童健康检查记录"), dates={"随访日期": 4}, blanks=1)
        put_where(w, checks, "中医药健康管理", 3, "是", "中医药健康管理写成 是", lambda v: v not in (None, "否"))
        books[f"儿童保健/新生儿访视及儿童健康检查记录{year}.xlsx"] = [newborn, checks]
    return books


def weeks_text(days: int, style: str):
    """建册孕周 as written: 12+3 / 12 (a number) in one file, 12周3天 / 孕10周 in the other."""
    weeks, rest = divmod(days, 7)
    if style == "plus":
        return f"{weeks}+{rest}" if rest else weeks
    return f"{weeks}周{rest}天" if rest else f"孕{weeks}周"


def maternal_books(g, w, pregnancies: list) -> dict[str, list]:
    """孕产妇健康管理登记: a file a delivery year; the last with the pregnancies not yet delivered, a two-row header
    and two rows of one delivery; the first with aliases and 12周3天 / 孕10周 and some blank 活产数."""
    m, books = w.mess, {}
    for year in w.years:
        mine = [p for p in pregnancies if (p.delivered.year if p.delivered else w.last_day.year + 1) in
                ((year,) if year != w.years[-1] else (year, w.last_day.year + 1))]
        style = "plus" if year == w.years[-1] or not m.on else "cn"
        rows = [[0, p.number, p.mother.name, p.mother.pid, p.mother.birth, p.mother.phone, p.mother.station, p.mother.team,
                 p.lmp, p.registered, weeks_text((p.registered - p.lmp).days, style), p.antenatal, p.delivered,
                 p.live if p.delivered else None, p.discharge, p.postpartum, p.day42]
                for p in sorted(mine, key=lambda p: (p.registered, p.number))]
        s = g.Sheet(f"{year}年分娩" if year != w.years[-1] else "孕产妇登记", MATERNAL_KEYS, numbered(rows))
        if year != w.years[-1]:
            m.apply(s, g.heading(w, f"{year}年孕产妇健康管理登记（分娩）"), ids=dict(spaces=1), dates={"建册日期": 3, "分娩日期": 2},
                    rename={"分娩日期": "分娩时间", "末次月经": "末次月经时间", "建册日期": "建册时间", "建册孕周": "孕周",
                            "产前检查次数": "产检次数", "出院日期": "出院时间", "产后访视日期": "产后访视时间",
                            "产后42天检查日期": "产后42天健康检查日期", "活产数": "活产"},
                    footer="合计")
            put_where(w, s, "活产数", 4, None, "活产数空白（= 1）", lambda v: v == 1)
        else:
            m.apply(s, g.heading(w, f"{year}年孕产妇健康管理登记"), ids=dict(lower_x=1), dates={"分娩日期": 3, "产后访视日期": 2},
                    groups={"建册情况": ("末次月经", "建册孕周"), "分娩及产后访视": ("分娩日期", "产后42天检查日期")})
            put_where(w, s, "末次月经", 3, None, "末次月经空白（按建册孕周判断）", lambda v: v is not None)
            done = [r for r in s.rows if r[12] and r[15]]
            if m.on and done:  # the station first typed the delivery without the postpartum visit, then again with it
                row = m.rng.choice(done)
                first = list(row)
                first[15] = first[16] = None
                s.rows.insert(s.rows.index(row), first)
                s.mark(first, f"同一次分娩两行：{row[1]} 的下一行是补录了产后访视的同一次分娩")
        books[f"孕产妇/孕产妇健康管理登记{year}.xlsx"] = [s]
    return books


def smi_books(g, w, patients: list, followups: dict) -> dict[str, list]:
    """严重精神障碍: the roster, the follow-ups a file a year; in the last year the second station's own file
    with the form's codes (本次随访分类 1/2/3/0, 随访方式 1/2/3) and a plain number for 危险性评估."""
    m, books, own = w.mess, {}, w.town.stations[1 % len(w.town.stations)]
    rows = [[0, t.person.name, sex(t.person.male), t.person.pid, t.person.birth, t.person.station, t.person.team, t.enrolled,
             diagnosis, t.status, t.status_day, t.person.phone]
            for t, diagnosis, _ in sorted(patients, key=lambda x: (x[0].enrolled, x[0].person.pid))]
    roster = g.Sheet("在册患者", SMI_KEYS, numbered(rows))
    m.apply(roster, g.heading(w, "严重精神障碍患者管理名册"), ids=dict(spaces=1), dates={"纳入管理日期": 3})
    put_where(w, roster, "管理状态", 2, None, "管理状态空白（= 在管）", lambda v: v == "在册")
    put_where(w, roster, "管理状态", 5, "在管", "管理状态写成 在管", lambda v: v == "在册")
    books["精神卫生/严重精神障碍患者管理名册.xlsx"] = [roster]
    for year, found in followups.items():
        rows = [[0, p.name, p.pid, p.station, day, mode, f"{risk}级" if risk is not None else None, klass, doctor]
                for p, day, mode, risk, klass, doctor in found]
        split = year == w.years[-1]
        main = g.Sheet(f"{year}年", SMI_FOLLOWUP_KEYS, numbered([r for r in rows if not (split and r[3] == own)]))
        m.apply(main, g.heading(w, f"{year}年严重精神障碍患者随访记录"), dates={"随访日期": 4}, footer="合计")
        books[f"精神卫生/严重精神障碍患者随访记录{year}.xlsx"] = [main]
        if split:
            station = g.Sheet(f"{own}", SMI_FOLLOWUP_KEYS, numbered([list(r) for r in rows if r[3] == own]))
            m.apply(station, [f"{own}严重精神障碍患者随访记录（{year}年）"], recode={
                **SMI_CODES, "危险性评估": {f"{k}级": k for k in range(6)}}, rename={"随访方式": "本次随访形式", "危险性评估": "危险性"})
            books[f"精神卫生/{own}/{own}严重精神障碍患者随访{year}.xlsx"] = [station]
    return books


def tb_books(g, w, patients: list) -> dict[str, list]:
    """肺结核患者管理名册: a sheet per notification year; the earlier sheets write 停止治疗原因 as codes 1-4, the
    last uses the aliases 通知单接收日期 and 停止治疗时间."""
    m, sheets = w.mess, []
    for year in sorted({t.notified.year for t in patients}):
        rows = [[0, t.person.name, sex(t.person.male), t.person.pid, t.person.birth, t.person.station, t.person.team,
                 t.person.phone, t.diagnosed, t.notified, t.first_visit, t.stopped, t.reason, t.due, t.taken]
                for t in patients if t.notified.year == year]
        sheets.append(g.Sheet(f"{year}年", TB_KEYS, numbered(rows)))
        m.apply(sheets[-1], g.heading(w, f"肺结核患者管理名册（{year}年通知）"), dates={"首次入户随访日期": 1})
        if year != w.last_day.year:
            m.apply(sheets[-1], recode={"停止治疗原因": TB_CODES})
        else:
            m.apply(sheets[-1], rename={"通知日期": "通知单接收日期", "停止治疗日期": "停止治疗时间"})
    return {"肺结核/肺结核患者管理名册.xlsx": sheets}


def card_books(g, w, cards: dict) -> dict[str, list]:
    """传染病报告卡: the first years as the 大疫情网 export (卡片ID, 有效证件号, 报告卡录入时间, 疾病类型, 审核状态,
    删除时间, date-times as text, no title); the last year the centre's own register with date-times in every shape."""
    m, books = w.mess, {}
    for year, found in cards.items():
        rows = [[c.number, c.status, c.review, c.person.name, None if c.anonymous else c.person.pid, c.disease,
                 c.klass, c.diagnosed, c.reported, c.corrected, c.deleted, c.doctor, c.person.station] for c in found]
        if year != w.years[-1]:
            s = g.Sheet("报告卡", CARD_KEYS, rows)
            m.apply(s, rename=CARD_EXPORT_HEADERS, recode={"传染病类别": {k: f"{k}传染病" for k in ("甲类", "乙类", "丙类")}},
                    ids=dict(lower_x=1))
            as_text(w, s, ("诊断时间", "报告时间", "订正报告时间", "删除时间"))
            books[f"传染病报告/大疫情网报告卡导出{year}.xlsx"] = [s]
            continue
        s = g.project("传染病报告卡", CARD_KEYS, rows, [k for k in CARD_KEYS if k not in ("审核状态", "订正报告时间", "删除时间")])
        m.apply(s, g.heading(w, f"{year}年传染病报告卡登记"))
        date_times(w, s, "诊断时间", 6)
        date_times(w, s, "报告时间", 6)
        books[f"传染病报告/传染病报告卡登记{year}.xlsx"] = [s]
    return books


def supervision_books(g, w, clues: dict) -> dict[str, list]:
    """卫生监督协管信息报告登记: a sheet a year; the first writes only dates under 发现日期 / 报告日期."""
    m, sheets = w.mess, []
    for year, found in clues.items():
        s = g.Sheet(f"{year}年", SUPERVISION_KEYS, numbered([[0, *row] for row in found]))
        m.apply(s, g.heading(w, f"{year}年卫生监督协管信息报告登记"))
        if year != w.years[-1]:
            for row in s.rows if m.on else []:
                row[1], row[4] = row[1].date(), row[4].date() if row[4] else None
            m.apply(s, rename={"发现时间": "发现日期", "报告时间": "报告日期"})
        else:
            date_times(w, s, "发现时间", 3)
            put_where(w, s, "信息类别", 1, "非法行医（采供血）", "信息类别写成 非法行医（采供血）",
                      lambda v: v in ("非法行医", "非法采供血"))
        sheets.append(s)
    return {"卫生监督协管/卫生监督协管信息报告登记.xlsx": sheets}


def education_books(g, w, activities: dict) -> dict[str, list]:
    """健康教育活动记录: the first year a GB18030 CSV with text dates and aliases; the last year a workbook, the last
    station in its own file; 活动形式 also 大型讲座 / 小组讲座 / 讲座 / 门诊咨询; one row typed twice."""
    m, books, own = w.mess, {}, w.town.stations[-1]
    forms = {"个体化健康教育": "门诊咨询"}
    for year, found in activities.items():
        rows = numbered([[0, *row] for row in found])
        for row in rows if m.on else []:
            if row[2] == "健康知识讲座" and m.rng.random() < 0.35:
                row[2] = "大型讲座" if (row[4] or 0) >= 60 else m.rng.choice(("小组讲座", "讲座"))
        if year != w.years[-1]:
            s = g.Sheet("csv", EDUCATION_KEYS, rows)
            m.apply(s, [f"{w.town.centre}{year}年健康教育活动记录"], recode={"活动形式": forms}, rename={
                "活动日期": "活动时间", "活动形式": "活动类型", "活动主题": "主题", "参加人数": "人数"})
            for row in s.rows if m.on else []:
                row[1] = g.DATE_STYLES["slash"][1](row[1], None)
            books[f"健康教育/{year}年健康教育活动记录.csv"] = [s]
            continue
        main = g.Sheet("健康教育活动", EDUCATION_KEYS, numbered([r for r in rows if r[6] != own]))
        mine = g.Sheet(f"{own}", EDUCATION_KEYS, numbered([list(r) for r in rows if r[6] == own]))
        m.apply(main, g.heading(w, f"{year}年健康教育活动记录"), recode={"活动形式": forms}, dates={"活动日期": 3}, footer="合计")
        if m.on and main.rows:
            twice = list(m.rng.choice([r for r in main.rows if r[2] != "宣传栏更新"]))
            main.rows.insert(main.rows.index(twice) + 1, twice)  # list equality finds the original
            main.mark(twice, "与上一行完全相同（重复录入）")
        m.apply(mine, [f"{own}{year}年健康教育活动登记"], rename={"活动日期": "活动时间", "活动形式": "形式",
                                                           "参加人数": "接受健康教育人数"})
        books[f"健康教育/{year}年健康教育活动记录.xlsx"] = [main]
        books[f"健康教育/{own}/{own}{year}年健康教育活动.xlsx"] = [mine]
    return books


def service_books(g, e, r, w, people: list, residents: int) -> tuple[dict[str, list], dict]:
    """Every workbook of the nine registers, and the counts a reader can check them by (births and deliveries
    a year, children under management, patients, cards, clues, lectures per site)."""
    pregnancies = e.make_pregnancies(g, w, people, residents)
    children = e.make_children(g, w, people, pregnancies, residents)
    smi, smi_followups = e.make_smi(g, w, people, residents)
    tb = e.make_tb(g, w, people, residents)
    cards, clues = r.make_cards(g, e, w, people, residents), r.make_clues(g, e, w, residents)
    activities = r.make_activities(g, e, w)
    books = {**child_books(g, w, children), **maternal_books(g, w, pregnancies), **smi_books(g, w, smi, smi_followups),
             **tb_books(g, w, tb), **card_books(g, w, cards), **supervision_books(g, w, clues),
             **education_books(g, w, activities)}
    end = w.last_day
    counts = {
        "births": {y: sum(ch.birth.year == y for ch in children) for y in w.years},
        "children_0_6": sum(ch.gone is None and g.age_at(ch.birth, end) < 7 for ch in children),
        "deliveries": {y: sum(bool(p.delivered) and p.delivered.year == y for p in pregnancies) for y in w.years},
        "twin_deliveries": sum(p.live == 2 for p in pregnancies), "stillbirths": sum(bool(p.delivered) and p.live == 0
                                                                                    for p in pregnancies),
        "not_yet_delivered": sum(p.delivered is None for p in pregnancies),
        "smi_patients": len(smi), "smi_followups": {y: len(rows) for y, rows in smi_followups.items()},
        "tb_patients": len(tb), "cards": {y: len({c.number for c in rows}) for y, rows in cards.items()},
        "supervision_clues": {y: len(rows) for y, rows in clues.items()},
        "lectures": {y: {site: sum(a[1] == "健康知识讲座" and a[5] == site for a in rows) for site in
                         (e.CENTRE_SITE, *w.town.stations)} for y, rows in activities.items()},
        "consultations": {y: sum(a[1] == "公众健康咨询" for a in rows) for y, rows in activities.items()},
    }
    return books, counts
