"""Fuzzing the readers (issue 9, item 1): whatever workbooks and CSV files staff hand us, reading
returns tables plus located problems — it never raises — and the command line exits 0, 1 or 2,
never 3, and never prints a traceback.

The strategies build real files: openpyxl workbooks with the header row anywhere in rows 1-26 (the
spec searches the first 20, so some are not found on purpose), title rows and merged cells above
it, headers taken from the kinds' canonical names and aliases (with spaces, full-width brackets and
units), mixed value types, garbage cells, empty sheets, huge numbers, control characters and emoji;
and CSV files in UTF-8, UTF-8 with BOM or GB18030 with ragged rows.

Run many more cases with HYPOTHESIS_PROFILE=thorough (see conftest.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from chsc_cli.problems import PROBLEM_LEVELS
from chsc_cli.registers import read_folder
from chsc_cli.registers.kinds import KINDS
from cli_helpers import run_chsc
from helpers import TODAY, make_id, wrong_checksum

#: Problems found in one cell or row: they must say which row.
CELL_CODES = frozenset(
    {
        "bad-date",
        "bad-number",
        "id-as-number",
        "bad-id",
        "missing-id",
        "bad-checksum",
        "birth-date-mismatch",
        "implausible-value",
        "unknown-value",
        "unknown-vaccine",
        "future-date",
        "old-date",
        "duplicate-row",
        "duplicate-person",
        "missing-column",
    }
)
#: Problems about a whole file: no sheet, no row.
FILE_CODES = frozenset({"unreadable-file", "too-large"})
#: The one problem about the whole folder.
FOLDER_CODES = frozenset({"no-registers"})

FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# ------------------------------------------------------------------------------ the strategies

#: Every header a kind knows: canonical names, aliases, low-priority aliases.
ALL_HEADERS = sorted(
    {name for kind in KINDS.values() for column in kind.columns for name in (*column.all_names(), *column.low_priority_aliases)}
)
TITLE_WORDS = ["临城街道社区卫生服务中心2025年老年人健康体检花名册", "高血压", "糖尿病", "体检", "随访", "接种记录", "儿童", "居民", "健康档案", "说明：本表由区平台导出", "合计"]
SPECIAL_TEXT = [
    "",
    " ",
    "\u3000",
    "合计",
    "小 计",
    "总计：",
    "=SUM(A1:A3)",
    '=HYPERLINK("http://evil","x")',
    "@SUM(A1)",
    "+1",
    "-2",
    "#N/A",
    "#REF!",
    "1.10105E+17",
    "2025-13-45",
    "2025-02-29",
    "2024-02-29",
    "2025年3月12日",
    "2025/3/12",
    "2025.3.12",
    "20250312",
    "19000101",
    "99999999",
    "45000",
    "135/85",
    "135/",
    "/85",
    "300/200",
    "√",
    "×",
    "是",
    "否",
    "已完成",
    "门诊",
    "电话",
    "上门随访",
    "乙肝疫苗",
    "五联疫苗",
    "DTaP-IPV/Hib",
    "男",
    "女",
    "死亡",
    "迁出",
    "本地",
    "nan",
    "NaN",
    "inf",
    "-0",
    "1e400",
    "１２３",
    "１１０１０５１９５００１０１００１Ｘ",
    "😀👨‍👩‍👧",
    "\u200b",
    "\ufeff",
    "a\x00b",
    "a\x01b\x1f",
    "line\nbreak",
    "cr\rhere",
    "tab\there",
    "x" * 300,
]

_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)


def _id_like() -> st.SearchStrategy[object]:
    births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
    sequence = st.integers(0, 999).map(lambda n: f"{n:03d}")
    valid = st.builds(make_id, births, sequence)
    return st.one_of(
        valid,
        valid.map(wrong_checksum),
        valid.map(lambda i: i.lower().replace("x", "x")),
        valid.map(lambda i: f" {i[:6]} {i[6:14]} {i[14:]} "),
        valid.map(lambda i: i.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))),
        valid.map(lambda i: i[:6] + i[8:17]),  # 15-digit legacy number
        valid.map(lambda i: int(i[:6] + i[8:17])),  # the legacy number as a number cell
        valid.map(lambda i: float(i[:17] + "0")),  # an 18-digit ID stored as a number
        st.text("0123456789Xx ", min_size=1, max_size=20),
    )


def _cell_values() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.sampled_from(SPECIAL_TEXT),
        _any_text,
        _id_like(),
        st.integers(-(2**63), 2**63),
        st.sampled_from([0, 1, -1, 10**15, 10**18, 10**30, 2**53 + 1, 19000101, 20250312, 21001231, 99999]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e308, -1e308, 5e-324, 0.5, 45000.25, 1.10105e17]),
        st.booleans(),
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    )


_DATES = st.one_of(
    st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2025, 12, 31)).map(
        lambda d: st.sampled_from([d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y%m%d")])
    ).flatmap(lambda s: s),
    st.integers(1, 99999),
)
_TYPED = {
    "date": _DATES,
    "yesno": st.sampled_from(["是", "否", "√", "×", "Y", "N", "1", "0", "已完成", "", "也许"]),
    "number": st.one_of(st.integers(0, 400), st.floats(0, 400), st.sampled_from(["１２０", "abc", "135/85"])),
    "blood_pressure": st.sampled_from(["135/85", "120/80", "300/10", "135/", "高", "135／85"]),
    "category": st.sampled_from(["男", "女", "1", "2", "死亡", "迁出", "在管", "正常", "本地", "流动", "门诊", "电话", "家庭", "控制满意", "其他值"]),
    "text": st.one_of(_any_text, st.sampled_from(["一站", "二站", "城东站", "", "乙肝疫苗", "麻腮风", "卡介苗", "未知疫苗"])),
}


def _typed_values(value_type: str, people: list[object]) -> st.SearchStrategy[object]:
    """A cell for a column of this type: mostly its own kind of value, sometimes anything."""
    own = st.sampled_from(people) if value_type in ("id", "code") else _TYPED.get(value_type, _any_text)
    return st.one_of(own, own, own, _cell_values())


def _decorated_header(name: str) -> st.SearchStrategy[str]:
    """A header as it is typed: spaces, line breaks, full-width brackets, a unit, a star."""
    return st.sampled_from(
        [name, f" {name} ", f"{name[:1]} {name[1:]}", f"{name}\n(mmHg)", f"{name}（mmol/L）", f"{name}*", f"{name}：", name.upper()]
    )


@dataclass
class SheetPlan:
    name: str
    rows: list[list[object]]
    merges: list[str] = field(default_factory=list)


@st.composite
def sheet_plans(draw, name: str) -> SheetPlan:
    """One sheet: empty, pure garbage, or title rows + a header (of some kind) + data rows."""
    shape = draw(st.sampled_from(["register", "register", "register", "empty", "garbage"]))
    if shape == "empty":
        return SheetPlan(name, [])
    if shape == "garbage":
        rows = draw(st.lists(st.lists(_cell_values(), max_size=6), max_size=6))
        return SheetPlan(name, rows)
    kind = draw(st.sampled_from(sorted(KINDS)))
    columns = list(KINDS[kind].columns)
    chosen = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=len(columns), unique_by=lambda c: c.field))
    required = [c for c in columns if c.required]
    if draw(st.booleans()):  # most of the time the register is complete
        chosen = required + [c for c in chosen if not c.required]
    headers = [draw(_decorated_header(draw(st.sampled_from(column.all_names())))) for column in chosen]
    value_types = [column.type for column in chosen]
    extra = draw(st.lists(st.one_of(st.sampled_from(ALL_HEADERS), _any_text), max_size=2))
    headers += extra
    value_types += ["text"] * len(extra)
    order = draw(st.permutations(range(len(headers))))
    headers, value_types = [headers[i] for i in order], [value_types[i] for i in order]
    header_row = draw(st.integers(0, 25))
    titles = [
        draw(st.lists(st.one_of(st.none(), st.sampled_from(TITLE_WORDS), _cell_values()), max_size=4))
        for _ in range(header_row)
    ]
    people = draw(st.lists(_id_like(), min_size=1, max_size=4))  # few people: duplicates happen
    row_count = draw(st.integers(0, 8))
    data = [
        [draw(_typed_values(value_type, people)) for value_type in value_types]
        + draw(st.lists(_cell_values(), max_size=2))  # cells beyond the header
        for _ in range(row_count)
    ]
    data = [row[: draw(st.integers(0, len(row)))] if draw(st.integers(0, 9)) == 0 else row for row in data]  # short rows
    rows = [*titles, headers, *data]
    merges = []
    width = max(len(headers), 1)
    for _ in range(draw(st.integers(0, 3))):
        top = draw(st.integers(1, len(rows)))
        left = draw(st.integers(1, width))
        bottom = draw(st.integers(top, min(top + 2, len(rows))))
        right = draw(st.integers(left, min(left + 3, width + 1)))
        if (top, left) != (bottom, right):
            merges.append(f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}")
    return SheetPlan(name, rows, merges)


@dataclass
class FilePlan:
    relative: str
    kind: str  # xlsx or csv
    sheets: list[SheetPlan]
    encoding: str = "utf-8"
    line_end: str = "\r\n"
    lines: int = 0  # CSV: physical lines written


FILE_STEMS = ["居民健康档案", "2025年老年人健康体检", "高血压随访记录", "糖尿病随访", "慢病/高血压患者管理名册", "儿童花名册", "预防接种记录", "统计", "站点/城东站 数据"]


@st.composite
def file_plans(draw, number: int) -> FilePlan:
    stem = f"{draw(st.sampled_from(FILE_STEMS))}_{number}"
    if draw(st.integers(0, 3)) == 0:
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        line_end = draw(st.sampled_from(["\r\n", "\n"]))
        return FilePlan(f"{stem}.csv", "csv", [draw(sheet_plans(None))], encoding, line_end)
    names = draw(st.lists(st.sampled_from(["Sheet1", "体检", "随访", "说明", "统计", "高血压", "糖尿病", "名册 (2)"]), min_size=1, max_size=3, unique=True))
    return FilePlan(f"{stem}.xlsx", "xlsx", [draw(sheet_plans(name)) for name in names])


folders = st.integers(1, 3).flatmap(lambda n: st.tuples(*[file_plans(i) for i in range(n)]))

# ----------------------------------------------------------------------- writing the files


def _xlsx_text(value: str) -> str:
    """openpyxl refuses control characters; real files carry them escaped as _xHHHH_."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _write_xlsx(path: Path, plan: FilePlan) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_plan in plan.sheets:
        sheet = workbook.create_sheet(sheet_plan.name)
        for row_number, row in enumerate(sheet_plan.rows, start=1):
            for column_number, value in enumerate(row, start=1):
                if value is None:
                    continue
                if isinstance(value, str):
                    cell = sheet.cell(row=row_number, column=column_number, value=_xlsx_text(value)[:32767])
                    cell.data_type = "s"  # text, never a formula
                else:
                    sheet.cell(row=row_number, column=column_number, value=value)
        for cell_range in sheet_plan.merges:
            sheet.merge_cells(cell_range)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    workbook.save(path)


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, plan: FilePlan) -> None:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator=plan.line_end)
    for row in plan.sheets[0].rows:  # ragged: every row keeps its own length
        writer.writerow([_csv_text(value) for value in row])
    text = stream.getvalue()
    plan.lines = len(text.splitlines()) or 1
    path.write_bytes(text.encode(plan.encoding))


def write_folder(folder: Path, plans: tuple[FilePlan, ...]) -> dict[str, FilePlan]:
    written = {}
    for plan in plans:
        path = folder / plan.relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (_write_csv if plan.kind == "csv" else _write_xlsx)(path, plan)
        written[plan.relative] = plan
    return written


# ------------------------------------------------------------------------------ the properties

_LONG_DIGITS = re.compile(r"[0-9０-９]{15,}")


def check_read_result(result, written: dict[str, FilePlan]) -> None:
    assert isinstance(result.tables, dict)
    for kind, table in result.tables.items():
        assert kind in KINDS and isinstance(table, pd.DataFrame)
    for problem in result.problems:
        assert problem.code in PROBLEM_LEVELS, problem
        assert problem.level in ("error", "warning", "info")
        assert isinstance(problem.message, str) and problem.message, problem
        assert not _LONG_DIGITS.search(problem.message), f"a message shows a full ID or a long number: {problem}"
        if problem.code in FOLDER_CODES:
            assert problem.file is None
            continue
        assert problem.file in written, problem
        plan = written[problem.file]
        if problem.code in FILE_CODES:
            assert problem.row is None, problem
            continue
        if plan.kind == "xlsx":
            assert problem.sheet in [s.name for s in plan.sheets], problem
        else:
            assert problem.sheet is None, problem
        if problem.code in CELL_CODES:
            assert problem.row is not None and problem.row >= 1, problem
            if plan.kind == "xlsx":
                sheet_rows = next(len(s.rows) for s in plan.sheets if s.name == problem.sheet)
                assert problem.row <= sheet_rows, (problem, sheet_rows)
            else:  # the line number (a record with line breaks inside quotes spans several lines)
                assert problem.row <= plan.lines, (problem, plan.lines)
    for sheet in result.sheets:
        assert sheet.file in written and sheet.kind in KINDS and sheet.header_row >= 1
    for skipped in result.skipped:
        assert skipped.file in written


@FUZZ_SETTINGS
@given(plans=folders)
def test_read_folder_returns_tables_and_located_problems_and_never_raises(plans):
    with tempfile.TemporaryDirectory(prefix="chsc-fuzz-") as name:
        folder = Path(name)
        written = write_folder(folder, plans)
        result = read_folder(folder, today=TODAY)
        check_read_result(result, written)
        event(f"registers read: {min(len(result.sheets), 3)}")
        for code in sorted({p.code for p in result.problems}):
            event(f"problem {code}")


@FUZZ_SETTINGS
@given(rows=st.lists(st.lists(_cell_values().map(_csv_text), max_size=8), max_size=12), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), header_at=st.integers(0, 5), kind=st.sampled_from(sorted(KINDS)))
def test_csv_registers_with_ragged_rows_in_every_encoding(rows, encoding, header_at, kind):
    """A recognisable CSV register (canonical headers) with garbage and ragged rows around it."""
    header = [column.header for column in KINDS[kind].columns]
    rows = [*rows[:header_at], header, *rows[header_at:]]
    plan = FilePlan("登记表.csv", "csv", [SheetPlan(None, rows)], encoding)
    with tempfile.TemporaryDirectory(prefix="chsc-fuzz-") as name:
        folder = Path(name)
        written = write_folder(folder, (plan,))
        result = read_folder(folder, today=TODAY)
        check_read_result(result, written)
        if not result.problems_with(*FILE_CODES):
            # the header is within the first 6 lines: the register is always found (or reported)
            assert result.sheets or result.problems_with("ambiguous-kind", "missing-column"), result.problems


#: Each example starts chsc twice (about 2 s): far fewer examples than the reader properties.
CLI_EXAMPLES = max(3, settings().max_examples // 10)  # docs/reliability.md states this for the ci profile


@settings(FUZZ_SETTINGS, max_examples=CLI_EXAMPLES)
@given(plans=folders)
def test_cli_on_fuzzed_folders_exits_0_1_or_2_without_traceback(plans):
    with tempfile.TemporaryDirectory(prefix="chsc-fuzz-") as name:
        folder = Path(name)
        write_folder(folder, plans)
        for args in (["validate", folder], ["compute", folder, "--period", "2025"]):
            ran = run_chsc(*args)
            assert ran.code in (0, 1, 2), (args, ran.code, ran.output[-3000:])
            assert "Traceback" not in ran.output, ran.output[-3000:]
            assert "内部错误" not in ran.output


def test_the_reliability_page_states_how_many_cases_are_fuzzed():
    reliability = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    ci = settings.get_profile("ci").max_examples
    cli = max(3, ci // 10)
    assert f"{ci} random folders + {ci} random CSV registers" in reliability
    assert f"{cli} random folders through `chsc validate` and `chsc compute` ({2 * cli} runs)" in reliability
    thorough = settings.get_profile("thorough").max_examples
    assert f"`HYPOTHESIS_PROFILE=thorough` runs {thorough:,} + {thorough:,} + {max(3, thorough // 10):,}" in reliability
