"""Metamorphic tests at the centre level: figures that must not change.

One small centre from the sample generator (300 residents, with its mess), plus a few rows that copy a
row's key with other values taken from other rows — persons on two rows of a roster with the same
latest date in two stations, a card's two rows, same-day follow-ups — because those are where a
figure could come to depend on where a row stands. `compute --format json --by station` must give the
same numerator, denominator, value, met and shortfall for every indicator and every station when the
folder changes in ways the contract says do not matter (registers.md "The data folder"):

- the rows of each sheet shuffled, each register's sheets split in two sheets of one workbook (the
  tie-breaks — latest row, first dose, the day's highest reading — follow dates and values, not the
  order of rows);
- each register split into two files, the files renamed (keeping the words registers.md lets names
  carry: 高血压, 糖尿病, 体检…) and moved into a sub-folder;
- exact copies of rows added (dropped as `duplicate-row`), and sheets and a workbook that are no
  register (说明, a pivot-like 统计) added.

And two invariants of the same centre: by station, every indicator whose denominator comes from the
registers sums to the centre (a person, delivery or card belongs to one station), and counts and
deliveries add up over the quarters to the year and the first half (each has one date). That `gaps`
lists denominator − numerator is test_gaps_partition.py's.

Then tiny registers for each tie the generated centre showed to be settled by file order before.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import re
import shutil
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_workbook
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from python_calamine import CalamineWorkbook

from chsc_cli.config import find_config, load_config
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import ParseCache, read_folder

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025"
#: The fields of a JSON row that must not change.
FIGURES = ("numerator", "denominator", "value", "met", "shortfall", "denominator_source", "reason")
#: Fields that are a row's key (a copied row keeps it: the same person, child or card).
KEYS = {"id_number", "child_code", "child_health_code", "card_number"}
#: The words a file name may carry that registers.md lets decide a sheet's kind (rules 1 and 3,
#: services.md's disease and tie-break words): a renamed file keeps them.
NAME_WORDS = ("高血压", "糖尿病", "精神", "结核", "体检", "随访", "接种记录", "儿童保健", "儿保", "新生儿", "儿童", "居民",
              "健康档案", "孕产妇", "孕册", "产后", "传染病", "报告卡", "监督协管", "健康教育")
#: What ends a sheet's data: total rows and the signature lines below a printed list (table.py).
TOTAL = re.compile(r"^(?:合计|总计|小计)")
FOOTER = re.compile(
    r"^(?:(?:单位)?(?:制表|填表|填报|审核|审批|统计|录入|核对|复核|负责)(?:人|者|员|日期|时间|单位)?|(?:单位)?负责人)(?:[:：]|$)"
    r"|^(?:注|备注|说明|附注)[:：]"
)


# ------------------------------------------------------------------------------ the centre as data
#
# A centre is held as {file: {sheet: rows}} (a CSV file's one sheet is None), each row a list of the
# cells' values as calamine reads them, and written back with openpyxl: values, not formats or merges
# (registers.md: chsc recognises headers and values from the values alone, as after any re-save).

Centre = dict[str, dict[str | None, list[list]]]


class Registers:
    """Where each register sheet's header is, as chsc reads the generated centre: (file, sheet) ->
    (header row as Excel shows it, the headers of its key columns)."""

    def __init__(self, folder: Path):
        read = read_folder(folder, load_config(find_config(folder, None)).settings, cache=ParseCache())
        self.sheets = {(s.file, s.sheet): (s.header_row, {h for f, h in s.columns.items() if f in KEYS}) for s in read.sheets}
        self.kinds = {(s.file, s.sheet): s.kind for s in read.sheets}
        self.stations = {(s.file, s.sheet): s.columns.get("station") for s in read.sheets}

    def of(self, centre: Centre):
        """(file, sheet, its rows above the data, its data rows, its footer rows) of every register sheet."""
        for rel, book in centre.items():
            for name, rows in book.items():
                if (rel, name) in self.sheets:
                    header_row = self.sheets[(rel, name)][0]
                    rest = rows[header_row:]
                    yield rel, name, rows[:header_row], [r for r in rest if _row_kind(r) == "data"], [
                        r for r in rest if _row_kind(r) == "footer"]


def _row_kind(values: list) -> str:
    first = next((v for v in values if v not in (None, "")), None)
    if first is None:
        return "blank"
    if isinstance(first, str):
        text = "".join(unicodedata.normalize("NFKC", first).split())
        if TOTAL.match(text) or FOOTER.match(text):
            return "footer"
    return "data"


def _load(folder: Path) -> Centre:
    centre: Centre = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "chsc.yaml"):
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".csv":
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
            centre[rel] = {None: list(csv.reader(io.StringIO(text, newline="")))}
        else:
            workbook = CalamineWorkbook.from_path(str(path))
            centre[rel] = {name: [list(row) for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                           for name in workbook.sheet_names}
    return centre


def _save(centre: Centre, folder: Path, settings: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copyfile(settings, folder / "chsc.yaml")
    for rel, book in centre.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".csv":
            buffer = io.StringIO(newline="")
            csv.writer(buffer, lineterminator="\r\n").writerows(book[None])
            path.write_bytes(buffer.getvalue().encode("gb18030"))
            continue
        workbook = Workbook(write_only=True)
        for name, rows in book.items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append([_cell(sheet, value) for value in row])
        workbook.save(path)
    return folder


def _cell(sheet, value):
    if value in ("", None):
        return None
    if isinstance(value, str):  # text stays text: `="3301…"` and `#N/A` are no formula or error
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _set_rows(book: dict, name, top: list, data: list, footer: list) -> None:
    book[name] = [*top, *data, *footer]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Centre, Registers, Path]:
    """The generated centre with a few rows copied under the same key (see the module), as data."""
    folder = tmp_path_factory.mktemp("generated") / "中心"
    _generate(folder, residents=300, seed=3, mess=True)
    registers = Registers(folder)
    centre = _load(folder)
    _add_rows_sharing_a_key(centre, registers, random.Random(5))
    return centre, registers, folder / "chsc.yaml"


@pytest.fixture(scope="module")
def centre(generated, tmp_path_factory) -> Path:
    data, _, settings = generated
    return _save(data, tmp_path_factory.mktemp("centre") / "中心", settings)


@pytest.fixture(scope="module")
def computed(centre) -> Computed:
    return _compute(centre)


def _generate(folder: Path, **settings) -> None:
    """sample_data/generate.py's generate_centre, loaded as a module for the while."""
    spec = importlib.util.spec_from_file_location("chsc_sample_generate_metamorphic", ROOT / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses (and the service books) look their module up
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
        module.generate_centre(folder, **settings)
    finally:
        sys.dont_write_bytecode = dont_write
        sys.modules.pop(spec.name, None)


class Computed(NamedTuple):
    figures: dict  # (indicator, group as JSON) -> the FIGURES of its row and its unit
    warnings: dict  # warning code -> how many rows it counts


def _compute(folder: Path) -> Computed:
    """`compute --format json --by station` of the folder."""
    ran = run_chsc("compute", folder, "--period", PERIOD, "--format", "json", "--by", "station")
    assert ran.code == 0, ran.output
    output = json.loads(ran.stdout)
    figures = {(row["id"], json.dumps(row["group"], ensure_ascii=False)): {f: row.get(f) for f in FIGURES} | {"unit": row["unit"]}
               for row in output["indicators"]}  # (a null `reason` is left out of the row)
    warnings: dict[str, int] = {}
    for warning in output["warnings"]:
        warnings[warning["code"]] = warnings.get(warning["code"], 0) + warning["count"]
    return Computed(figures, warnings)


def _differences(expected: dict, got: dict) -> list[str]:
    return [f"{key}: {expected.get(key)} -> {got.get(key)}" for key in sorted(set(expected) | set(got))
            if expected.get(key) != got.get(key)]


# ------------------------------------------------------------------------------ transformations


def _add_rows_sharing_a_key(centre: Centre, registers: Registers, rng: random.Random) -> None:
    """Six rows in every register sheet, each a row of another sheet of the kind with the same
    header (one station's roster and another's), or of the same sheet, with its 所属站点 and two more
    of its cells other than the key taken from rows of this sheet: persons, children and cards on several rows, in
    several stations, tied or not on their latest date."""
    sheets = list(registers.of(centre))
    headers = {(rel, name): top[-1] for rel, name, top, _, _ in sheets}
    for rel, name, top, data, footer in sheets:
        if len(data) < 2:
            continue
        header_row, key_headers = registers.sheets[(rel, name)]
        above = top[header_row - 2] if header_row > 1 else []  # a two-row header: the name merged down
        header = [cell or (above[c] if c < len(above) else "") for c, cell in enumerate(top[header_row - 1])]
        keys = {c for c, cell in enumerate(header) if str(cell) in key_headers}
        stations = [c for c, cell in enumerate(header) if str(cell) == registers.stations[(rel, name)]]
        donors = [rows for other, other_name, _, rows, _ in sheets
                  if registers.kinds[(other, other_name)] == registers.kinds[(rel, name)] and rows
                  and headers[(other, other_name)] == headers[(rel, name)]]
        for _ in range(6):
            row = list(rng.choice(rng.choice(donors)))
            for column in [*stations, *rng.sample(range(len(row)), min(2, len(row)))]:  # the station, often another
                if column not in keys:
                    row[column] = data[rng.randrange(len(data))][column]
            data.insert(rng.randint(0, len(data)), row)
        _set_rows(centre[rel], name, top, data, footer)


def _moved_and_split(centre: Centre, registers: Registers, rng: random.Random) -> Centre:
    """The rows of every register sheet shuffled and split: the first half stays, the second goes
    to a copy of the sheet in the same workbook (a CSV: in a second file), and then some files'
    register rows split again between it and a second file; the files renamed to a number and the
    words of their old name that may decide a kind, and moved two folders down."""
    halves: Centre = {}
    moved: Centre = {rel: dict(book) for rel, book in centre.items()}
    for rel, name, top, data, footer in list(registers.of(centre)):
        data = rng.sample(data, len(data))
        half = len(data) // 2
        if name is None:
            _set_rows(moved[rel], None, top, data[:half], footer)
            halves.setdefault(rel.replace(".csv", "_续.csv"), {})[None] = [*top, *data[half:], *footer]
        else:
            _set_rows(moved[rel], name, top, data[:half], footer)
            moved[rel][f"{name}续"] = [*top, *data[half:], *footer]
    moved.update(halves)
    split: Centre = {}
    for rel, book in moved.items():
        if rng.random() < 0.6:  # a third or so of the files (each file read is a few hundredths of a second)
            split[rel] = book
            continue
        first, second = {}, {}
        for name, rows in book.items():
            base = name[:-1] if isinstance(name, str) and name.endswith("续") and (rel, name[:-1]) in registers.sheets else name
            source = rel.replace("_续.csv", ".csv")
            if (source, base) not in registers.sheets:
                first[name] = second[name] = rows
                continue
            header_row = registers.sheets[(source, base)][0]
            top, rest = rows[:header_row], rows[header_row:]
            data = [r for r in rest if _row_kind(r) == "data"]
            footer = [r for r in rest if _row_kind(r) == "footer"]
            first[name], second[name] = [*top, *data[::2], *footer], [*top, *data[1::2], *footer]
        stem, _, suffix = rel.rpartition(".")
        split[rel], split[f"{stem}_2.{suffix}"] = first, second
    renamed: Centre = {}
    numbers = rng.sample(range(len(split)), len(split))  # new names in another order than the old
    for number, (rel, book) in zip(numbers, split.items()):
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        words = "".join(word for word in NAME_WORDS if word in stem)
        renamed[f"历年导出/2026年1月/{number:02d}{words}.{rel.rsplit('.', 1)[1]}"] = book
    return renamed


def _with_copies_and_unrelated_sheets(centre: Centre, registers: Registers, rng: random.Random) -> tuple[Centre, int]:
    """Two exact copies of rows in every register sheet, a 说明 and a 统计 sheet in some workbooks,
    and a workbook of station totals; with how many rows were copied."""
    changed: Centre = {rel: dict(book) for rel, book in centre.items()}
    copied = 0
    for rel, name, top, data, footer in list(registers.of(centre)):
        data = list(data)
        for row in rng.sample(data, min(2, len(data))):
            data.insert(rng.randint(0, len(data)), list(row))
            copied += 1
        _set_rows(changed[rel], name, top, data, footer)
    totals = [["所属站点", "人数", "本年随访人次", "签约人数"], *([station, 10, 8, 5] for station in ("城东站", "城西站", "合计"))]
    for rel, book in changed.items():
        if not rel.endswith(".csv") and rng.random() < 0.4:  # some of them (each sheet takes its time)
            notes = [["填表说明"], ["1. 身份证号请以文本格式录入"], ["2. 日期格式为 yyyy-mm-dd"]]
            changed[rel] = {"说明": notes, **book, "统计": totals}
    changed["2025年工作量统计.xlsx"] = {
        "统计": [["2025年基本公共卫生服务工作量统计表"], ["所属站点", "建档人数", "65岁及以上人数", "体检人数", "高血压患者数", "随访人次"],
                 *([station, 100, 20, 15, 18, 60] for station in ("城东站", "城西站", "城南站", "城北站", "合计"))],
        "Sheet2": [],
    }
    return changed, copied


# ------------------------------------------------------------------------------ the tests


def test_registers_shuffled_split_moved_copied_and_padded_give_the_same_figures(generated, computed, tmp_path):
    """Every transformation at once (one more compute of the centre is a second or two; to find
    which one changes a figure, save the centre after each in turn)."""
    data, registers, settings = generated
    changed, copied = _with_copies_and_unrelated_sheets(data, registers, random.Random(3))
    changed = _moved_and_split(changed, registers, random.Random(1))
    folder = _save(changed, tmp_path / "中心", settings)
    assert not any(p.suffix == ".xlsx" for p in folder.iterdir())  # everything is in the sub-folder
    got = _compute(folder)
    differences = _differences(computed.figures, got.figures)
    assert not differences, "\n".join(differences)
    assert got.warnings["duplicate-row"] - computed.warnings.get("duplicate-row", 0) == copied


def test_stations_add_up_to_the_centre(computed):
    """Every indicator whose denominator the registers give (not a chsc.yaml figure) and every count:
    the stations' numerators and denominators (未填 included) sum to the centre's."""
    checked = 0
    figures = computed.figures
    for (indicator, group), centre_row in figures.items():
        if group != "null" or centre_row["reason"] is not None or centre_row["denominator_source"] == "config":
            continue
        stations = [row for (other, g), row in figures.items() if other == indicator and g != "null"]
        assert stations, indicator
        assert sum(row["numerator"] for row in stations) == centre_row["numerator"], indicator
        if centre_row["unit"] != "count":
            assert sum(row["denominator"] for row in stations) == centre_row["denominator"], indicator
        checked += 1
    assert checked >= 20


def test_counts_and_deliveries_add_up_over_the_year(centre):
    """A count's records and a delivery have one date each: the quarters' figures sum to the
    year's and the first two to the first half's (the counts; the deliveries of the numerator and the
    live births of the denominator, which a chsc.yaml figure would replace)."""
    loaded = load_config(find_config(centre, None))
    read = read_folder(centre, loaded.settings, cache=ParseCache(), workers=1)
    library = load_library()
    additive = [indicator for indicator in library.indicators.values() if indicator.unit in ("count", "delivery")]
    assert len(additive) >= 4
    only = [indicator.id for indicator in additive]

    def figures_of(label: str) -> dict:
        computed = compute_indicators(read, parse_period(label), loaded.settings, library, only=only, reasons=False)
        return {r.id: (r.numerator, None if r.denominator_source == "config" else r.denominator)
                for r in computed.indicators if r.group is None}

    periods = {label: figures_of(label) for label in ("2025", "2025H1", "2025Q1", "2025Q2", "2025Q3", "2025Q4")}

    def total(labels, indicator, position):
        values = [periods[label][indicator][position] for label in labels]
        return None if None in values else sum(values)

    for indicator in only:
        for position in (0, 1):
            assert total(["2025Q1", "2025Q2"], indicator, position) == periods["2025H1"][indicator][position], indicator
            quarters = total(["2025Q1", "2025Q2", "2025Q3", "2025Q4"], indicator, position)
            assert quarters == periods["2025"][indicator][position], indicator
        assert periods["2025"][indicator][0] > 0, indicator  # something to add up


# ------------------------------------------------------------------------------ ties, one by one
# Rows that tie on every date and value a rule orders by, each in both orders: the figures (the
# centre's and each station's) are the same. Before, the later row in the files won, so the file
# names or the rows' order decided a person's station — and, for a child whose two rows disagree on
# the birth date, whether the child was in the cohort at all.

A, B = make_id("19500101", "001", area="330102"), make_id("19520202", "002", area="330102")
RESIDENTS = ["身份证号", "姓名", "建档日期", "所属站点", "家庭医生团队", "签约"]
CHECKUPS = ["身份证号", "体检日期", "生活方式评估", "健康指导", "中医体质辨识"]
CHILDREN = ["儿童编码", "出生日期", "所属站点", "建证日期", "在册类别"]
VACCINATIONS = ["儿童编码", "疫苗名称", "接种日期"]
CARDS = ["卡片编号", "疾病名称", "诊断时间", "报告时间", "所属站点"]


def _person_in_two_stations(folder: Path, flip: bool) -> None:
    """One person on a row of each of two stations' rosters, the same 建档日期: which file is read
    last follows from their names."""
    east, west = [A, "甲", "2020-01-01", "城东站", "东一组", "是"], [A, "甲", "2020-01-01", "城西站", "西一组", "是"]
    first, second = (west, east) if flip else (east, west)
    write_workbook(folder / "居民健康档案1.xlsx", {"居民": [RESIDENTS, first, [B, "乙", "2020-01-01", "城东站", "东一组", "否"]]})
    write_workbook(folder / "居民健康档案2.xlsx", {"居民": [RESIDENTS, second]})
    write_workbook(folder / "老年人体检2025.xlsx", {"体检": [CHECKUPS, [A, "2025-03-01", "是", "是", "是"]]})


def _child_with_two_birth_dates(folder: Path, flip: bool) -> None:
    """A child on two rows of the roster with the same 建证日期 and two birth dates, one in 2025."""
    rows = [["3301020250421001", "2025-04-21", "城西站", "2025-04-21", "本地"],
            ["3301020250421001", "2024-03-14", "城东站", "2025-04-21", "本地"]]
    write_workbook(folder / "儿童花名册.xlsx", {"儿童花名册": [CHILDREN, *(rows[::-1] if flip else rows)]})
    write_workbook(folder / "预防接种记录.xlsx", {"接种": [VACCINATIONS, ["3301020250421001", "乙肝疫苗", "2025-04-21"]]})


def _card_in_two_stations(folder: Path, flip: bool) -> None:
    """A report card on two rows with the same 诊断时间, filed by two stations."""
    rows = [["C0001", "肺结核", "2025-03-01 10:00", "2025-03-01 12:00", "城东站"],
            ["C0001", "肺结核", "2025-03-01 10:00", "2025-03-01 12:00", "城西站"],
            ["C0002", "手足口病", "2025-04-01 09:00", None, "城东站"]]
    write_workbook(folder / "传染病报告卡登记.xlsx", {"报告卡": [CARDS, *(rows[::-1] if flip else rows)]})


@pytest.mark.parametrize("write", [_person_in_two_stations, _child_with_two_birth_dates, _card_in_two_stations],
                         ids=lambda write: write.__name__.strip("_"))
def test_rows_tied_on_every_rule_give_the_same_figures_in_either_order(write, tmp_path):
    for flip in (False, True):
        write(tmp_path / str(flip), flip)
    first, second = (_compute(tmp_path / str(flip)).figures for flip in (False, True))
    differences = _differences(first, second)
    assert not differences, "\n".join(differences)
