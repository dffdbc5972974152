"""Metamorphic checks: a small centre's registers, saved again the way other office programs (Excel,
WPS, LibreOffice) and regional-system exports write them, read as the same rows and give the same
figures, with no new error (registers.md "Header rows as they really are", "Cell values as they
really are"; real-exports.md).

One small centre (five registers, 5–8 rows each) is written plainly, then once per transformation:
each cell, each header or each sheet's layout changed as a re-save or an export would, in .xlsx
(inline strings as openpyxl writes them, shared strings as Excel and WPS do, a 1904 workbook), .ods
and CSV (UTF-8 with BOM, GB18030, Excel's "Unicode text": UTF-16 with tabs). The rows read back must
hold the same values, and the read must find no problem (not info) the plain centre has not. Two
mixes of many transformations at once, on the centre with its patient rosters too, go through
`compute --format json` and must give the same numerators and denominators, and validate no error.
Then the re-saves that read wrong before, each with its own test.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_chsc
from helpers import TODAY, make_id, write_workbook
from ods_writer import write_ods
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from chsc_cli.registers import read_folder

D = dt.date
P = [make_id(birth, f"{n:03d}", area="330102") for n, birth in enumerate(
    ["19400312", "19451120", "19500101", "19520229", "19551010", "19580606", "19600101", "19700101", "19530303"], start=1)]
C = ["3301020240001", "3301020240002", "3301020250003", "3301020250004", "3301020230005"]

#: Each register: (file stem, sheet, headers, each column's kind of value, rows). Kinds of value:
#: id, code, date, num, text, yn (yes/no), cat (a vocabulary).
Table = tuple[str, str, list[str], list[str], list[list[object]]]
CENTRE: list[Table] = [
    ("居民健康档案", "居民", ["身份证号", "姓名", "性别", "出生日期", "建档日期", "所属站点", "常住", "档案状态", "注销日期", "签约"],
     ["id", "text", "cat", "date", "date", "text", "cat", "cat", "date", "yn"],
     [[P[0], "甲", "男", D(1940, 3, 12), D(2019, 1, 5), "一站", "是", "正常", None, "是"],
      [P[1], "乙", "女", D(1945, 11, 20), D(2020, 6, 1), "一站", "是", "正常", None, "否"],
      [P[2], "丙", "男", D(1950, 1, 1), D(2021, 3, 3), "二站", "是", "正常", None, "是"],
      [P[3], "丁", "女", D(1952, 2, 29), D(2022, 7, 7), "二站", "是", "死亡", D(2025, 5, 1), "是"],
      [P[4], "戊", "男", D(1955, 10, 10), D(2023, 8, 8), "一站", "否", "正常", None, "否"],
      [P[5], "己", "女", D(1958, 6, 6), D(2024, 9, 9), "二站", "是", "迁出", D(2026, 2, 1), "是"],
      [P[6], "庚", "男", D(1960, 1, 1), D(2025, 1, 10), "一站", "是", "正常", None, "是"],
      [P[7], "辛", "女", D(1970, 1, 1), D(2025, 11, 11), "二站", "是", "正常", None, "否"]]),
    ("老年人体检2025", "体检", ["身份证号", "体检日期", "收缩压", "舒张压", "空腹血糖", "生活方式评估", "健康指导", "中医体质辨识"],
     ["id", "date", "num", "num", "num", "yn", "yn", "yn"],
     [[P[0], D(2025, 3, 12), 135, 85, 5.6, "是", "是", "是"],
      [P[1], D(2025, 4, 1), 150, 95, 7.2, "是", "否", "否"],
      [P[2], D(2025, 12, 31), 128, 80, 6.1, "是", "是", "是"],
      [P[4], D(2025, 1, 1), 142, 88, 5.0, "是", "是", "否"],
      [P[8], D(2025, 7, 7), 160, 100, 8.8, "是", "是", "是"]]),
    ("高血压随访记录", "随访", ["身份证号", "随访日期", "随访方式", "收缩压", "舒张压", "此次随访分类"],
     ["id", "date", "cat", "num", "num", "cat"],
     [[P[0], D(2025, 1, 15), "门诊", 135, 85, "控制满意"], [P[0], D(2025, 4, 15), "家庭", 138, 86, "控制满意"],
      [P[0], D(2025, 7, 15), "电话", 150, 95, "控制不满意"], [P[0], D(2025, 10, 15), "门诊", 132, 82, "控制满意"],
      [P[1], D(2025, 8, 1), "门诊", 145, 92, "控制不满意"], [P[1], D(2025, 11, 1), "门诊", 128, 78, "控制满意"],
      [P[4], D(2025, 2, 2), "门诊", 140, 90, "控制满意"], [P[4], D(2025, 5, 2), "电话", None, None, "控制满意"]]),
    ("儿童花名册", "儿童", ["儿童编码", "性别", "出生日期", "建证日期", "在册类别"], ["code", "cat", "date", "date", "cat"],
     [[C[0], "男", D(2024, 3, 1), D(2024, 3, 20), "本地"], [C[1], "女", D(2024, 8, 8), D(2024, 9, 1), "流动"],
      [C[2], "男", D(2025, 1, 2), D(2025, 1, 20), "本地"], [C[3], "女", D(2025, 6, 6), None, "本地"],
      [C[4], "男", D(2023, 5, 5), D(2023, 6, 1), "迁出"]]),
    ("预防接种记录", "接种", ["儿童编码", "疫苗名称", "接种日期"], ["code", "text", "date"],
     [[C[0], "乙肝疫苗", D(2024, 3, 1)], [C[0], "卡介苗", D(2024, 3, 1)], [C[0], "乙肝疫苗", D(2024, 4, 1)],
      [C[2], "乙肝疫苗", D(2025, 1, 2)], [C[3], "乙肝疫苗", D(2025, 6, 7)], [C[1], "乙肝疫苗", D(2024, 8, 8)]]),
]
#: The rest of a centre, for the figures: its patient rosters and the diabetes follow-ups.
MORE: list[Table] = [
    ("高血压患者管理名册", "名册", ["身份证号", "纳入管理日期", "管理状态", "状态变更日期"], ["id", "date", "cat", "date"],
     [[P[0], D(2019, 5, 1), "在管", None], [P[1], D(2025, 7, 15), "在管", None], [P[2], D(2020, 2, 2), "失访", D(2025, 3, 1)],
      [P[4], D(2021, 3, 3), "死亡", D(2026, 1, 2)]]),
    ("糖尿病患者管理名册", "名册", ["身份证号", "纳入管理日期", "管理状态"], ["id", "date", "cat"],
     [[P[1], D(2018, 1, 1), "在管"], [P[5], D(2024, 6, 1), "在管"], [P[6], D(2025, 2, 2), "在管"]]),
    ("糖尿病随访记录", "随访", ["身份证号", "随访日期", "随访方式", "空腹血糖", "糖化血红蛋白"], ["id", "date", "cat", "num", "num"],
     [[P[1], D(2025, 2, 1), "门诊", 6.5, 6.8], [P[1], D(2025, 5, 1), "门诊", 7.5, 7.1], [P[1], D(2025, 8, 1), "家庭", 6.9, None],
      [P[1], D(2025, 11, 1), "门诊", 6.8, 6.6], [P[5], D(2025, 3, 3), "电话", 8.0, None], [P[6], D(2025, 4, 4), "门诊", 9.5, 8.0]]),
]
CONFIG = "centre: 测试中心\npopulation: {total: 100, age_65_plus: 20, adults_18_plus: 80}\nprevalence: {hypertension: 0.2, diabetes: 0.1}\n"


@dataclass
class Sheet:
    """One register as a program would save it: its cells and what the workbook keeps besides."""

    name: str
    rows: list[list[object]]
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column), 1-based -> number format
    merges: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    others: dict[str, list[list[object]]] = field(default_factory=dict)  # more sheets of the workbook


Transform = Callable[[Table], Sheet]


def plain(table: Table) -> Sheet:
    _, sheet, headers, _, rows = table
    return Sheet(sheet, [list(headers)] + [list(row) for row in rows])


def each_cell(change: Callable[[object, str], object]) -> Transform:
    """`change(value, kind of value)` for every filled data cell; a (value, number format) pair sets the format."""

    def transform(table: Table) -> Sheet:
        _, sheet, headers, kinds, rows = table
        out = Sheet(sheet, [list(headers)])
        for r, row in enumerate(rows, start=2):
            cells = []
            for c, (value, kind) in enumerate(zip(row, kinds), start=1):
                new = None if value is None else change(value, kind)
                if isinstance(new, tuple):
                    new, out.formats[(r, c)] = new
                cells.append(new)
            out.rows.append(cells)
        return out

    return transform


def each_header(change: Callable[[str], str]) -> Transform:
    def transform(table: Table) -> Sheet:
        sheet = plain(table)
        sheet.rows[0] = [change(header) for header in sheet.rows[0]]
        return sheet

    return transform


def of(kind: str, change: Callable[[object], object]) -> Transform:
    return each_cell(lambda value, k: change(value) if k == kind else value)


def serial(day: dt.date, epoch: dt.date = D(1899, 12, 30)) -> int:
    return (day - epoch).days


FULL_WIDTH = str.maketrans("0123456789Xx.", "０１２３４５６７８９ＸＸ．")
UNITS = {"收缩压": "(mmHg)", "舒张压": "（mmHg）", "空腹血糖": "（mmol/L）", "糖化血红蛋白": "(%)"}


def title_rows(table: Table) -> Sheet:
    sheet = plain(table)
    width = len(sheet.rows[0])
    sheet.rows[:0] = [[f"临城街道社区卫生服务中心2025年{table[0]}"] + [None] * (width - 1),
                      ["导出时间：2026-01-05 单位：人"] + [None] * (width - 1), [None] * width]
    sheet.merges = [f"A1:{get_column_letter(width)}1", f"A2:{get_column_letter(width)}2"]
    return sheet


def two_row_header(table: Table) -> Sheet:
    """收缩压/舒张压 under a merged 血压(mmHg); every other header merged down over both rows."""
    sheet = plain(table)
    headers = sheet.rows[0]
    upper, leaves = [], []
    for column, header in enumerate(headers, start=1):
        if header == "舒张压":
            upper.append(None)
            leaves.append(header)
        elif header == "收缩压":
            upper.append("血压(mmHg)")
            leaves.append(header)
            sheet.merges.append(f"{get_column_letter(column)}1:{get_column_letter(column + 1)}1")
        else:
            upper.append(header)
            leaves.append(None)
            sheet.merges.append(f"{get_column_letter(column)}1:{get_column_letter(column)}2")
    sheet.rows[0:1] = [upper, leaves]
    return sheet


def without_merges(transform: Transform) -> Transform:
    def unmerged(table: Table) -> Sheet:
        sheet = transform(table)
        sheet.merges = []
        return sheet

    return unmerged


def columns_moved(table: Table) -> Sheet:
    """Columns shuffled, a 序号 column first and a blank column between every two."""
    sheet = plain(table)
    order = list(range(len(sheet.rows[0])))
    order = order[1::2] + order[0::2]
    out = []
    for number, row in enumerate(sheet.rows):
        moved = ["序号" if number == 0 else number]
        for index in order:
            moved += [row[index], None]
        out.append(moved)
    sheet.rows = out
    return sheet


def hidden_and_filtered(table: Table) -> Sheet:
    """Rows hidden (as a filter leaves them), a hidden column, notes and a summary on other sheets."""
    sheet = plain(table)
    sheet.hidden_rows, sheet.hidden_columns = [3], [len(sheet.rows[0])]
    sheet.others = {"说明": [["本表由系统导出，请勿修改表头"], ["身份证号请设置为文本格式"]],
                    "统计": [["所属站点", "人数"], ["一站", 4], ["二站", 4], ["合计", 8]]}
    return sheet


def renamed_sheet(table: Table) -> Sheet:
    sheet = plain(table)
    sheet.name = "Sheet1"
    return sheet


def blank_and_total_rows(table: Table) -> Sheet:
    sheet = plain(table)
    width = len(sheet.rows[0])
    sheet.rows.insert(2, [None] * width)
    sheet.rows.append(["合 计：", f"{len(table[4])}人"] + [None] * (width - 2))
    sheet.rows.append([None] * width)
    sheet.rows.append([None, "总计"] + [None] * (width - 2))
    return sheet


def signed_at_the_end(table: Table) -> Sheet:
    """A printed list's last lines: who made and checked it, when, a note (registers.md is silent;
    staff expect them ignored, as a 合计 row is). They were read as rows: bad-id, bad-date errors."""
    sheet = plain(table)
    width = len(sheet.rows[0])
    sheet.rows.append([None] * width)
    sheet.rows.append(["制表人：张三", None, "审核人：李四"] + [None] * (width - 3))
    sheet.rows.append(["填报日期:", "2026-01-05"] + [None] * (width - 2))
    sheet.rows.append(["注：以上数据截至2025年12月31日"] + [None] * (width - 1))
    return sheet


def units_under_the_header(table: Table) -> Sheet:
    """A row of bare units under the names (mmHg, mmol/L, %), no group cell above: it was read as
    a data row (missing-id, bad-date and bad-number errors)."""
    sheet = plain(table)
    units = {"收缩压": "mmHg", "舒张压": "mmHg", "空腹血糖": "mmol/L", "糖化血红蛋白": "%"}
    sheet.rows.insert(1, [units.get(header) for header in sheet.rows[0]])
    return sheet


def notes_with_line_breaks(table: Table) -> Sheet:
    sheet = plain(table)
    sheet.rows[0].append("备注")
    for row in sheet.rows[1:]:
        row.append('第一行\r\n第二行，"引号",逗号')
    return sheet


def in_turn(kind: str, *changes: Callable[[object], object]) -> Transform:
    """Each cell of a kind changed by the next of `changes` in turn (every shape in one centre)."""
    turns = itertools.cycle(changes)
    return of(kind, lambda value: next(turns)(value))


DATE_FORMATS = ('yyyy"年"m"月"d"日"', '[$-804]yyyy"年"m"月"d"日";@', "m/d/yy", "General", "yyyy/m/d h:mm", "mmm-yy", "dd/mm/yyyy")
DATE_TEXTS = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: str(serial(d)),
    lambda d: f"{d.year}/{d.month}/{d.day} 8:05",
    lambda d: f"{d.isoformat()}T10:00:00",
    lambda d: f"{d.year}年{d.month}月{d.day}日".translate(FULL_WIDTH),
)
TRANSFORMS: dict[str, Transform] = {
    # dates: date cells in the formats Chinese Excel and WPS give them, serials, text of every shape
    "date cells in odd formats": in_turn("date", *(lambda d, fmt=fmt: (d, fmt) for fmt in DATE_FORMATS)),
    "date-times with a time": of("date", lambda d: dt.datetime(d.year, d.month, d.day, 14, 30, 5)),
    "serials and date numbers": in_turn("date", lambda d: (serial(d), "General"), lambda d: str(serial(d) + 0.604),
                                        lambda d: int(d.strftime("%Y%m%d"))),
    "dates as text of every shape": in_turn("date", *DATE_TEXTS),
    # numbers as text and text as numbers (IDs excepted)
    "numbers as text": in_turn("num", str, lambda n: str(n).translate(FULL_WIDTH), lambda n: f" {n} "),
    "codes as numbers": in_turn("code", int, float),
    "yes/no as numbers, marks and TRUE/FALSE": each_cell(
        lambda v, k: v if k != "yn" else {"是": next(YES), "否": next(NO)}[v]),
    "form codes as numbers": of("cat", lambda v: {"门诊": 1, "家庭": 2, "电话": 3, "控制满意": 1, "控制不满意": 2, "男": 1, "女": 2}.get(v, v)),
    "values with 已": of("cat", lambda v: {"死亡": "已死亡", "迁出": "已迁出"}.get(v, v)),
    "text padded with white space": each_cell(lambda v, k: f" {v}\u3000" if isinstance(v, str) and k not in ("id", "code") else v),
    # IDs and codes as registers.md lists them
    "IDs in every accepted shape": in_turn(
        "id", str.lower, lambda v: v.translate(FULL_WIDTH), lambda v: f"{v[:6]} {v[6:14]}\t{v[14:]}", lambda v: "'" + v,
        lambda v: f'="{v}"', lambda v: v[:6] + v[8:17], lambda v: int(v[:6] + v[8:17])),
    "child codes with spaces, full-width, apostrophe": of("code", lambda v: "'" + f" {v[:6]} {v[6:]} ".translate(FULL_WIDTH)),
    # headers
    "headers with line breaks": each_header(lambda h: h[:2] + "\r\n" + h[2:]),
    "headers with spaces, colons, units, marks": each_header(lambda h: "*" + h[:1] + "\u3000" + h[1:] + UNITS.get(h, "：")),
    # layout
    "title rows above the header": title_rows,
    "title rows, merges lost": without_merges(title_rows),
    "two-row merged header": two_row_header,
    "two-row header, merges lost": without_merges(two_row_header),
    "columns shuffled, numbered, blank between": columns_moved,
    "hidden rows and columns, more sheets": hidden_and_filtered,
    "sheets renamed": renamed_sheet,
    "blank and total rows": blank_and_total_rows,
    "notes with line breaks and quotes": notes_with_line_breaks,
    "signature lines below the data": signed_at_the_end,
    "units under the header": units_under_the_header,
}
YES, NO = itertools.cycle([1, "√", True, "1", "有"]), itertools.cycle([0, "×", False, "0", "无"])


# ----------------------------------------------------------------------------------------- writers


def save_xlsx(path: Path, sheet: Sheet, date1904: bool = False) -> None:
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904 if date1904 else book.epoch
    out = book.active
    out.title = sheet.name
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = out.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd hh:mm:ss" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
            if (r, c) in sheet.formats:
                cell.number_format = sheet.formats[(r, c)]
    for merged in sheet.merges:
        out.merge_cells(merged)
    for r in sheet.hidden_rows:
        out.row_dimensions[r].hidden = True
    for c in sheet.hidden_columns:
        out.column_dimensions[get_column_letter(c)].hidden = True
    out.freeze_panes = "B2"
    out.auto_filter.ref = f"A1:{get_column_letter(len(sheet.rows[0]))}{len(sheet.rows)}"
    for name, rows in sheet.others.items():
        other = book.create_sheet(name)
        for row in rows:
            other.append(row)
    book.save(path)


def save_shared_strings(path: Path, sheet: Sheet) -> None:
    """Text in the shared-strings table, as Excel and WPS write it (openpyxl writes inline strings)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    out = book.add_worksheet(sheet.name)
    day = book.add_format({"num_format": "yyyy/m/d"})
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                out.write_string(r, c, value)
            elif isinstance(value, dt.date):
                out.write_datetime(r, c, value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time()), day)
            elif value is not None:
                out.write_number(r, c, value)
    for name, rows in sheet.others.items():
        other = book.add_worksheet(name)
        for r, row in enumerate(rows):
            other.write_row(r, 0, row)
    book.close()


def as_text(value: object) -> str:
    """A cell as a CSV re-save writes it (Chinese Windows: 2025/3/12, 2025/3/12 14:30)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def csv_saver(encoding: str, delimiter: str = ",") -> Callable[[Path, Sheet], None]:
    def save(path: Path, sheet: Sheet) -> None:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([as_text(value) for value in row] for row in sheet.rows)
        path.with_suffix(".csv").write_bytes(text.getvalue().encode(encoding))

    return save


SAVERS: dict[str, tuple[str, Callable[[Path, Sheet], None]]] = {
    "xlsx": (".xlsx", save_xlsx),
    "xlsx 1904": (".xlsx", lambda path, sheet: save_xlsx(path, sheet, date1904=True)),
    "shared strings": (".xlsx", save_shared_strings),
    "ods": (".ods", lambda path, sheet: write_ods(path, {sheet.name: sheet.rows, **sheet.others})),
    "csv utf-8 bom": (".csv", csv_saver("utf-8-sig")),
    "csv gb18030": (".csv", csv_saver("gb18030")),
    "unicode text": (".csv", csv_saver("utf-16", "\t")),
}


def write_centre(folder: Path, transform: Transform = plain, saver: str = "xlsx", tables: list[Table] = CENTRE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chsc.yaml").write_text(CONFIG, encoding="utf-8")
    suffix, save = SAVERS[saver]
    for table in tables:
        save(folder / f"{table[0]}{suffix}", transform(copy.deepcopy(table)))
    return folder


# ------------------------------------------------------------------------------------ comparisons


def read_back(folder: Path) -> tuple[dict[str, list[tuple]], Counter]:
    """Each register's rows as sorted tuples of their fields (where a row came from left out), and
    the count of each problem that is not info."""
    result = read_folder(folder, today=TODAY)
    tables = {}
    for kind, frame in result.tables.items():
        fields = [name for name in frame.columns if not name.startswith("_")]
        rows = (tuple(None if pd.isna(value) else value for value in row) for row in zip(*(frame[f].tolist() for f in fields)))
        tables[kind] = sorted(rows, key=repr)
    problems = Counter((p.code, p.field) for p in result.problems if p.level != "info")
    return tables, problems


@pytest.fixture(scope="module")
def plain_centre(tmp_path_factory) -> tuple[dict[str, list[tuple]], Counter]:
    return read_back(write_centre(tmp_path_factory.mktemp("plain")))


def assert_same(plain_read, folder: Path) -> None:
    tables, problems = read_back(folder)
    expected_tables, expected_problems = plain_read
    assert set(tables) == set(expected_tables)
    for kind in expected_tables:
        assert tables[kind] == expected_tables[kind], kind
    assert problems == expected_problems


CASES = [(name, "xlsx") for name in TRANSFORMS]
#: The other programs, each with transformations of what it can hold (a CSV has no cell formats).
CASES += [("two-row header, merges lost", "shared strings"), ("numbers as text", "ods")]
CASES += [("dates as text of every shape", "csv utf-8 bom"), ("IDs in every accepted shape", "csv gb18030")]
CASES += [(name, "unicode text") for name in ("two-row header, merges lost", "notes with line breaks and quotes",
                                               "signature lines below the data", "units under the header")]
CASES += [("date cells in odd formats", "xlsx 1904")]


@pytest.mark.parametrize("name,saver", CASES)
def test_a_resaved_centre_reads_the_same(tmp_path, plain_centre, name, saver):
    transform = plain if name == "plain" else TRANSFORMS[name]
    assert_same(plain_centre, write_centre(tmp_path / "centre", transform, saver))


def test_the_serials_of_a_1904_workbook_read_the_same(tmp_path, plain_centre):
    folder = write_centre(tmp_path / "centre", of("date", lambda d: (serial(d, D(1904, 1, 1)), "General")), "xlsx 1904")
    assert_same(plain_centre, folder)


def _figures(folder: Path) -> dict[str, tuple]:
    ran = run_chsc("compute", folder, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    return {row["id"]: (row["numerator"], row["denominator"]) for row in json.loads(ran.stdout)["indicators"]}


def _everything_at_once(table: Table) -> Sheet:
    """Dates as odd-format cells, Chinese text and serials; IDs in three shapes; numbers as text,
    codes as numbers; then units in the headers, the columns moved, title rows above."""
    dates = itertools.cycle([lambda v: v, lambda v: f"{v.year}年{v.month}月{v.day}日", serial])
    ids = itertools.cycle([str.lower, lambda v: "'" + v, lambda v: v[:6] + v[8:17]])
    changes = {"date": lambda v: next(dates)(v), "id": lambda v: next(ids)(v), "num": str, "code": int}
    sheet = each_cell(lambda v, k: changes.get(k, lambda v: v)(v))(table)
    headers = [header + UNITS.get(header, "") for header in sheet.rows[0]]
    moved = columns_moved((table[0], table[1], headers, table[3], sheet.rows[1:]))
    out = title_rows((table[0], table[1], moved.rows[0], table[3], moved.rows[1:]))
    out.formats = {(r, c): '[$-804]yyyy"年"m"月"d"日";@' for r, row in enumerate(out.rows, start=1)
                   for c, value in enumerate(row, start=1) if isinstance(value, dt.date)}
    return out


@pytest.fixture(scope="module")
def plain_figures(tmp_path_factory) -> dict[str, tuple]:
    figures = _figures(write_centre(tmp_path_factory.mktemp("plain-figures"), tables=CENTRE + MORE))
    assert sum(1 for figure in figures.values() if figure[0]) >= 10  # the centre is not empty
    return figures


@pytest.mark.parametrize("saver", ["xlsx", "unicode text"])
def test_everything_at_once_gives_the_same_figures(tmp_path, plain_figures, saver):
    folder = write_centre(tmp_path / "resaved", _everything_at_once, saver, CENTRE + MORE)
    assert _figures(folder) == plain_figures
    ran = run_chsc("validate", folder, "--format", "json")
    assert [p for p in json.loads(ran.stdout)["problems"] if p["level"] == "error"] == []


# ------------------------------------------------------------------- what a re-save loses, said


LONG_CODES = [f"3301022024010100{n:02d}" for n in range(1, 4)]  # 18-digit 预防接种编码


@pytest.mark.parametrize("stored", [
    pytest.param(int, id="number cell"),
    pytest.param(lambda code: f"{float(code):.5E}", id="3.30102E+17 text (a CSV saved again)"),
    pytest.param(lambda code: f"{float(code):.1f}", id="digits with .0"),
])
def test_a_long_child_code_that_lost_its_digits_is_an_error_not_one_child(tmp_path, stored):
    """An 18-digit child code stored as a number loses its last digits (a number cell holds 15–16);
    a CSV saved again writes it as 3.30102E+17. Three children became one (duplicate-person, their doses pooled), and
    the figures changed without an error. registers.md: a code column's number that has lost digits
    is an error for that row that says to format the column as text."""
    rows = [["儿童编码", "出生日期", "建证日期"]] + [[stored(code), "2025-01-02", "2025-01-20"] for code in LONG_CODES]
    write_workbook(tmp_path / "儿童花名册.xlsx", {"儿童": rows})
    result = read_folder(tmp_path, today=TODAY)
    lost = [p for p in result.problems if p.code == "id-as-number"]
    assert [(p.level, p.row, p.column) for p in lost] == [("error", row, "儿童编码") for row in (2, 3, 4)]
    assert all("文本" in p.message and "0101" not in p.message for p in lost)  # says what to do; the code masked
    assert "duplicate-person" not in {p.code for p in result.problems}
    assert len(result.tables["children"]) == 0


@pytest.mark.parametrize("cell", [3301020240001, 3301020240001.0, 3301022019116001, "330102202401010001", " 3301020240001 ",
                                  "12E3", "2023E001"])
def test_a_child_code_that_keeps_its_digits_is_read(tmp_path, cell):
    """Whole numbers below 2**53 are held exactly by a number cell: read as their digits. A code
    written with an E (`2023E001`) is not Excel's display of a long number (3.30102E+17)."""
    write_workbook(tmp_path / "儿童花名册.xlsx", {"儿童": [["儿童编码", "出生日期"], [cell, "2025-01-02"]]})
    result = read_folder(tmp_path, today=TODAY)
    assert [p.code for p in result.problems] == []
    assert list(result.tables["children"]["child_code"]) == [str(cell).strip().removesuffix(".0")]


@pytest.mark.parametrize("cell,moment", [
    ("2025/3/12 下午 2:30:00", dt.datetime(2025, 3, 12, 14, 30)),  # a Chinese-locale date-time written out as text
    ("2025年3月12日 下午2:30:00", dt.datetime(2025, 3, 12, 14, 30)),
    ("2025/3/12 上午 9时5分", dt.datetime(2025, 3, 12, 9, 5)),
    ("2025-03-12 上午 12:05", dt.datetime(2025, 3, 12, 0, 5)),
    ("2025/3/12 12:10 PM", dt.datetime(2025, 3, 12, 12, 10)),
    ("2025/3/12 2:30:05 am", dt.datetime(2025, 3, 12, 2, 30, 5)),
])
def test_a_date_time_on_a_12_hour_clock_is_read(cell, moment):
    """registers.md: dates accept date-times (the time dropped); services.md: a date-time column keeps
    the time. A date-time that a program wrote out on a 12-hour clock (上午/下午, AM/PM) was bad-date:
    in a required column (体检日期, 随访日期) the row was dropped."""
    from chsc_cli.registers.datetimes import parse_datetime
    from chsc_cli.registers.values import parse_date

    assert parse_datetime(cell)[:2] == ((moment, True), None)
    assert parse_date(cell)[:2] == (moment.date(), None)


@pytest.mark.parametrize("cell", ["2025/3/12 下午", "2025/3/12 下午 0:30", "2025/3/12 上午 13:00", "2025/3/12 下午 2:30 PM"])
def test_a_12_hour_clock_that_cannot_be_is_a_bad_date(cell):
    from chsc_cli.registers.datetimes import parse_datetime

    assert parse_datetime(cell)[1] == "bad-date"


def test_checkups_dated_on_a_12_hour_clock_are_counted(tmp_path):
    rows = [["身份证号", "体检日期"], [P[0], "2025/3/12 下午 2:30:00"], [P[1], "2025/4/1 上午 9:05:00"]]
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": rows})
    result = read_folder(tmp_path, today=TODAY)
    assert [p.code for p in result.problems if p.level == "error"] == []
    assert [str(day.date()) for day in result.tables["elderly_checkups"]["checkup_date"]] == ["2025-03-12", "2025-04-01"]


@pytest.mark.parametrize("last", [[P[2], "2025-05-05"], ["制表人", "张三"], ["备注", "无"]])
def test_only_the_lines_after_the_data_that_start_with_a_signature_word_are_skipped(tmp_path, last):
    """A signature line is skipped only at the end and only by its first cell: a row of data after
    it is still read (a 制表人 line in the middle stays an error where it is), and a 备注 without
    its colon is no footer."""
    rows = [["身份证号", "体检日期"], [P[0], "2025-03-12"], ["制表人：张三", None], [P[1], "2025-04-01"], last]
    write_workbook(tmp_path / "老年人体检.xlsx", {"体检": rows})
    result = read_folder(tmp_path, today=TODAY)
    table = result.tables["elderly_checkups"]
    errors = sorted({(p.row, p.code) for p in result.problems if p.level == "error"})
    in_the_middle = [(3, "bad-date"), (3, "bad-id")]
    if last[0] == P[2]:
        assert list(table["id_number"]) == [P[0], P[1], P[2]] and errors == in_the_middle
    elif last[0] == "制表人":
        assert list(table["id_number"]) == [P[0], P[1]] and errors == in_the_middle
    else:
        assert list(table["id_number"]) == [P[0], P[1]] and errors == in_the_middle + [(5, "bad-date"), (5, "bad-id")]


def test_a_unit_row_under_a_two_row_header_is_part_of_the_header(tmp_path):
    """姓名 … 血压 over 收缩压 / 舒张压, then mmHg under them: the third row is the header's too."""
    person = make_id("19500101", "011")
    rows = [["姓名", "身份证号", "随访日期", "随访方式", "血压", ""],
            ["", "", "", "", "收缩压", "舒张压"],
            ["", "", "", "", "mmHg", "mmHg"],
            ["张三", person, "2025-03-01", "门诊", 130, 80]]
    with open(tmp_path / "高血压随访.csv", "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = read_folder(tmp_path, today=TODAY)
    assert [(p.code, p.row) for p in result.problems if p.level == "error"] == []
    table = result.tables["hypertension_followups"]
    assert list(table["systolic"]) == [130] and list(table["_row"]) == [4]
