"""registers.md "The data folder": .ods and .xlsb are read like .xlsx, and every other file of the
folder is listed as skipped (`unsupported-file`), so that none is ignored without a word."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_chsc
from helpers import make_id, problems, read, write_workbook, write_xlsx
from ods_writer import workbook_as_ods, write_ods
from chsc_cli.config import load_config

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
ID1 = make_id("19500101", "001")
ID2 = make_id("19600202", "002")


def test_an_ods_register_is_read(tmp_path):
    import datetime as dt

    rows = [["临城街道2025年老年人体检", None, None], ["身份证号", "体检日期", "健康指导"]]
    rows += [[ID1, dt.date(2025, 3, 12), "是"], [ID2, "2025/3/13", "否"]]
    write_ods(tmp_path / "老年人体检.ods", {"体检": rows, "说明": [["本表由系统导出"]]})
    result = read(tmp_path)
    [sheet] = result.sheets
    assert (sheet.kind, sheet.file, sheet.sheet, sheet.header_row, sheet.rows) == ("elderly_checkups", "老年人体检.ods", "体检", 2, 2)
    assert sorted(p.code for p in result.problems) == ["completeness-unchecked", "unrecognised-sheet"]  # 生活方式评估, 说明
    table = result.tables["elderly_checkups"]
    assert [str(d.date()) for d in table["checkup_date"]] == ["2025-03-12", "2025-03-13"]
    assert [bool(v) for v in table["health_guidance"]] == [True, False]
    assert [(s.file, s.sheet) for s in result.skipped] == [("老年人体检.ods", "说明")]


def test_the_issues_roster_saved_as_ods_is_not_missing(tmp_path):
    """Issue #21: 居民健康档案花名册.ods was not read, not listed, and the roster came out missing."""
    write_ods(tmp_path / "居民健康档案花名册.ods", {"Sheet1": [["身份证号", "建档日期", "签约"], [ID1, "2020-01-01", "是"], [ID2, "2020-01-01", "否"]]})
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    assert ran.code == 0, ran.output
    rows = {row["id"]: (row["numerator"], row["denominator"]) for row in json.loads(ran.stdout)["indicators"]}
    assert rows["family_doctor_signing_rate"] == (1, 2)


def test_an_xlsb_file_is_one_chsc_reads(tmp_path):
    """No xlsb writer exists in Python; a damaged .xlsb shows it is read (and named), not ignored."""
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    (tmp_path / "体检.xlsb").write_bytes(b"PK\x03\x04 not really a workbook")
    result = read(tmp_path)
    [problem] = problems(result, "unreadable-file")
    assert problem.file == "体检.xlsb"
    assert problems(result, "unsupported-file") == []


@pytest.mark.parametrize(
    "name,hint",
    [
        ("老年人体检.et", "WPS"),
        ("慢病/高血压名册.numbers", "Numbers"),
        ("说明.txt", "文本文件"),
        ("README.md", None),
        ("扫描件.pdf", None),
        ("没有扩展名", None),
        ("模板.xltx", "模板"),
    ],
)
def test_every_other_file_is_listed_as_skipped(tmp_path, name, hint):
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes(b"whatever")
    result = read(tmp_path)
    [problem] = problems(result, "unsupported-file")
    assert (problem.level, problem.file) == ("info", name)
    assert "只读" in problem.message and (hint is None or hint in problem.message)
    assert [(s.file, s.sheet) for s in result.skipped] == [(name, None)]


def test_lock_hidden_and_settings_files_are_not_listed(tmp_path):
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    for name in ("~$档案.xlsx", ".~lock.档案.ods#", ".DS_Store", ".git/config", "chsc.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("centre: 测试\n" if name == "chsc.yaml" else "x")
    result = read(tmp_path)
    assert result.skipped == [] and problems(result, "unsupported-file") == []


def test_validate_accounts_for_every_file(tmp_path):
    write_xlsx(tmp_path / "档案.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    (tmp_path / "老年人体检.et").write_bytes(b"wps")
    ran = run_chsc("validate", tmp_path, "--format", "json")
    assert ran.code == 0, ran.output  # an info line, not an error
    data = json.loads(ran.stdout)
    assert {"file": "老年人体检.et", "sheet": None} in [{"file": s["file"], "sheet": s["sheet"]} for s in data["skipped"]]
    ran = run_chsc("validate", tmp_path)
    assert "老年人体检.et" in ran.output


def _figures(folder: Path) -> list[dict]:
    ran = run_chsc("compute", folder, "--period", "2025", "--format", "json")
    assert ran.code in (0, 1), ran.output
    indicators = json.loads(ran.stdout)["indicators"]
    return json.loads(json.dumps(indicators).replace(".xlsx", "").replace(".ods", ""))


def test_a_whole_centre_resaved_as_ods_gives_the_same_figures(tmp_path):
    """Issue #21, done when: the sample centre's workbooks re-saved as .ods give the same figures."""
    as_ods = tmp_path / "ods"
    converted = 0
    for path in sorted(SAMPLE.rglob("*")):
        if not path.is_file():
            continue
        target = as_ods / path.relative_to(SAMPLE)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".xlsx":
            workbook_as_ods(path, target.with_suffix(".ods"))
            converted += 1
        else:
            shutil.copy(path, target)
    assert converted >= 10 and not list(as_ods.rglob("*.xlsx"))
    assert _figures(as_ods) == _figures(SAMPLE)


# ------------------------------------------------------------------------------ merged data cells


def test_a_station_merged_down_belongs_to_every_row_of_the_merge(tmp_path):
    """Issue #21: six residents in two merged blocks came out 一站 1, 二站 1, 未填 4."""
    header = [["临城街道居民健康档案", None, None, None, None], ["身份证号", "建档日期", "所属站点", "家庭医生团队", "签约"]]
    people = [make_id("19500101", f"{i:03d}") for i in range(1, 7)]
    rows = [[person, "2020-01-01", None, None, "是" if i % 2 else "否"] for i, person in enumerate(people)]
    rows[0][2], rows[3][2] = "一站", "二站"
    rows[0][3] = "张医生团队"
    # the title merged across (a header-row merge), the stations merged down, the team over rows 1-2
    write_xlsx(tmp_path / "档案.xlsx", header + rows, merges=["A1:E1", "C3:C5", "C6:C8", "D3:D4"])
    result = read(tmp_path)
    table = result.tables["residents"]
    assert list(table["station"]) == ["一站"] * 3 + ["二站"] * 3
    assert list(table["team"]) == ["张医生团队"] * 2 + [None] * 4
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--by", "station", "--format", "json")
    assert ran.code == 0, ran.output
    rows_out = [row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "family_doctor_signing_rate"]
    groups = {tuple(row["group"].values()): row["denominator"] for row in rows_out if row["group"]}
    assert groups == {("一站",): 3, ("二站",): 3}


def test_a_merge_in_the_header_rows_is_left_to_the_header(tmp_path):
    rows = [["身份证号", "体检日期", "血压(mmHg)", None], [None, None, "收缩压", "舒张压"], [ID1, "2025-03-01", 130, 80], [ID2, "2025-03-02", 140, 90]]
    write_xlsx(tmp_path / "体检.xlsx", rows, merges=["A1:A2", "B1:B2", "C1:D1"])
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert list(table["id_number"]) == [ID1, ID2] and list(table["systolic"]) == [130, 140]


def test_a_folder_of_unsupported_files_only_names_them(tmp_path):
    (tmp_path / "居民健康档案花名册.et").write_bytes(b"wps")
    ran = run_chsc("compute", tmp_path, "--period", "2025")
    assert ran.code == 2 and "居民健康档案花名册.et" in ran.stderr and "Traceback" not in ran.output


def test_a_tab_separated_list_saved_as_csv_is_read_by_its_tabs(tmp_path):
    """A list exported as tab-separated text and saved as .csv: more of its first lines hold tabs
    than commas, so tabs separate its cells (a comma inside an address stays in the cell)."""
    first, second = make_id("19500101", "011"), make_id("19550505", "021")
    lines = ["居民健康档案花名册", "身份证号\t姓名\t建档日期\t所属站点\t现住址",
             f"{first}\t甲\t2020-01-01\t城东站\t南星社区,3幢", f"{second}\t乙\t2020-01-01\t城西站\t小营,2幢"]
    (tmp_path / "居民健康档案.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    result = read(tmp_path)
    table = result.tables["residents"]
    assert list(table["id_number"]) == [first, second] and list(table["station"]) == ["城东站", "城西站"]
    assert result.problems == []


def test_a_comma_csv_with_tabs_in_a_few_cells_stays_comma_separated(tmp_path):
    first = make_id("19500101", "011")
    lines = ["身份证号,姓名,建档日期,所属站点,现住址", f"{first},甲,2020-01-01,城东站,南星\t社区", f"{first[:-1]}0,乙,2020-01-01,城西站,小营"]
    (tmp_path / "居民健康档案.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    table = read(tmp_path).tables["residents"]
    assert list(table["station"]) == ["城东站", "城西站"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_unicode_text_list_saved_as_csv_is_read(tmp_path, encoding):
    """Excel's "Unicode 文本" (and some systems' exports) is UTF-16 with a byte-order mark and
    tab-separated; renamed to .csv it was refused as of unknown encoding. The mark says what it is."""
    first, second = make_id("19500101", "011"), make_id("19550505", "021")
    lines = ["身份证号\t姓名\t建档日期\t所属站点", f"{first}\t甲\t2020-01-01\t城东站", f"{second}\t乙\t2020-01-01\t城西站"]
    text = "\r\n".join(lines) + "\r\n"
    mark = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    (tmp_path / "居民健康档案.csv").write_bytes(mark + text.encode(encoding))
    result = read(tmp_path)
    table = result.tables["residents"]
    assert list(table["id_number"]) == [first, second] and list(table["station"]) == ["城东站", "城西站"]
    assert result.problems == []


def test_utf16_without_its_mark_or_cut_short_is_a_clear_error(tmp_path):
    text = "身份证号\t姓名\r\n" + make_id("19500101", "011") + "\t甲\r\n"
    (tmp_path / "居民健康档案.csv").write_bytes(b"\xff\xfe" + text.encode("utf-16-le")[:-1])  # an odd length
    [problem] = [p for p in read(tmp_path).problems if p.code == "unreadable-file"]
    assert "编码" in problem.message


def _hidden_sheets_folder(folder: Path, states: dict[str, str]) -> list[str]:
    """A roster whose workbook also holds last year's roster on a sheet `_backup` (two more people)
    and a lookup list `字典`, each shown, hidden or "veryHidden" as `states` says."""
    from openpyxl import load_workbook

    people = [make_id("19500101", f"{n:03d}") for n in range(1, 5)]
    header = ["身份证号", "姓名", "建档日期", "所属站点"]
    sheets = {
        "花名册": [header] + [[p, "某", "2020-01-01", "城东站"] for p in people[:2]],
        "_backup": [header] + [[p, "某", "2019-01-01", "城东站"] for p in people],
        "字典": [["身份证号", "姓名", "家庭医生团队"], ["示例", "示例", "一组"]],
    }
    write_workbook(folder / "居民健康档案.xlsx", sheets)
    book = load_workbook(folder / "居民健康档案.xlsx")
    for name, state in states.items():
        book[name].sheet_state = state
    book.save(folder / "居民健康档案.xlsx")
    (folder / "chsc.yaml").write_text("population: {total: 10}\n", encoding="utf-8")
    return people


def test_a_very_hidden_backup_is_listed_not_read(tmp_path):
    """A program's "very hidden" backup of last year's roster (Excel cannot even show it) added its
    people to this year's figures; a hidden lookup list stopped validate with missing-column. By
    default (hidden_sheets: read) the backup is listed, named on stderr, and the lookup list skipped."""
    from chsc_cli.registers.sources import HIDDEN_REASON, VERY_HIDDEN_REGISTER_REASON

    people = _hidden_sheets_folder(tmp_path, {"_backup": "veryHidden", "字典": "hidden"})
    result = read(tmp_path)
    assert list(result.tables["residents"]["id_number"]) == people[:2]
    assert sorted((s.sheet, s.reason) for s in result.skipped) == [("_backup", VERY_HIDDEN_REGISTER_REASON), ("字典", HIDDEN_REASON)]
    assert [p.code for p in result.problems] == ["unrecognised-sheet", "unrecognised-sheet"]
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    assert ran.code == 0 and "「_backup」" in ran.stderr and "hidden_sheets: all" in ran.stderr and "字典" not in ran.stderr
    [record_rate] = [i for i in json.loads(ran.stdout)["indicators"] if i["id"] == "health_record_rate"]
    assert record_rate["numerator"] == 2
    assert run_chsc("validate", tmp_path).code == 0


@pytest.mark.parametrize(("setting", "read_backup"), [("", True), ("hidden_sheets: read\n", True), ("hidden_sheets: skip\n", False)])
def test_a_hidden_register_is_read_unless_chsc_yaml_says_skip(tmp_path, setting, read_backup):
    """A sheet staff hid may hold this year's data: read by default, as any sheet."""
    people = _hidden_sheets_folder(tmp_path, {"_backup": "hidden"})
    (tmp_path / "chsc.yaml").write_text("population: {total: 10}\n" + setting, encoding="utf-8")
    result = read(tmp_path, settings=load_config(tmp_path / "chsc.yaml").settings)
    assert sorted(set(result.tables["residents"]["id_number"])) == (people if read_backup else people[:2])


def test_very_hidden_sheets_read_with_all_and_a_bad_setting_is_refused(tmp_path):
    people = _hidden_sheets_folder(tmp_path, {"_backup": "veryHidden"})
    (tmp_path / "chsc.yaml").write_text("hidden_sheets: all\n", encoding="utf-8")
    result = read(tmp_path, settings=load_config(tmp_path / "chsc.yaml").settings)
    assert sorted(set(result.tables["residents"]["id_number"])) == people
    (tmp_path / "chsc.yaml").write_text("hidden_sheets: yes\n", encoding="utf-8")
    ran = run_chsc("validate", tmp_path)
    assert ran.code == 2 and "hidden_sheets" in ran.stderr and "skip" in ran.stderr


def test_the_only_register_hidden_away_says_so(tmp_path):
    from openpyxl import load_workbook

    write_workbook(tmp_path / "居民健康档案.xlsx", {"说明": [["本表由系统导出"]], "花名册": [["身份证号", "建档日期"], [make_id("19500101", "011"), "2020-01-01"]]})
    book = load_workbook(tmp_path / "居民健康档案.xlsx")
    book["花名册"].sheet_state = "veryHidden"
    book.save(tmp_path / "居民健康档案.xlsx")
    ran = run_chsc("compute", tmp_path, "--period", "2025")
    assert ran.code == 2 and "花名册（“非常隐藏”的工作表；若要读入，请在 chsc.yaml 中写 hidden_sheets: all）" in ran.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>'.encode(),
         "Excel 2003 XML 表格"),
        ("身份证号\t体检日期\r\n110105195001010020\t2025-03-12\r\n".encode("gbk"), "改为 .csv"),
        (b"\xff\xfe" + "身份证号\t体检日期\r\n110105195001010020\t2025-03-12\r\n".encode("utf-16-le"), "改为 .csv"),
    ],
)
def test_an_xls_that_is_text_or_xml_says_what_it_is(tmp_path, content, says):
    """A web system's "导出Excel" is often a text list or an Excel 2003 XML table named .xls: it was
    called damaged ("已损坏或不是 Excel 工作簿"), though Excel opens it."""
    (tmp_path / "老年人体检.xls").write_bytes(content)
    [problem] = [p for p in read(tmp_path).problems if p.code == "unreadable-file"]
    assert says in problem.message and "损坏" not in problem.message


def test_random_bytes_named_xls_are_still_damaged(tmp_path):
    import random

    (tmp_path / "老年人体检.xls").write_bytes(bytes(random.Random(3).randrange(256) for _ in range(5000)))
    [problem] = [p for p in read(tmp_path).problems if p.code == "unreadable-file"]
    assert "损坏" in problem.message


def test_a_station_merged_down_an_ods_sheet_belongs_to_every_row(tmp_path):
    """python-calamine reports no merges for an .ods: a 所属站点 written once for a block (merged down,
    as LibreOffice saves it) gave its station to the first row only (ods_merges.py)."""
    people = [make_id("19500101", f"{n:03d}") for n in range(1, 6)]
    rows = [["居民健康档案花名册", None, None], ["身份证号", "所属站点", "建档日期"]]
    rows += [[people[0], "城东站", "2020-01-01"], [people[1], None, "2020-01-01"], [people[2], None, "2020-01-01"]]
    rows += [[people[3], "城南站", "2020-01-01"], [people[4], None, "2020-01-01"]]
    write_ods(tmp_path / "居民健康档案.ods", {"花名册": rows}, {"花名册": [(0, 0, 0, 2), (2, 1, 4, 1), (5, 1, 6, 1)]})
    table = read(tmp_path).tables["residents"]
    assert list(table["station"]) == ["城东站"] * 3 + ["城南站"] * 2


@pytest.mark.parametrize("hidden", [["A"], [], ["A", "B"], ["B"]])
def test_a_header_written_twice_reads_the_visible_column(tmp_path, hidden):
    """A corrected 身份证号 column beside the old one, which staff hid: the old one was read (the
    first of two); the visible one is. With both shown or both hidden the first is read, as before;
    a hidden column alone is read (hidden for printing, it still holds the IDs)."""
    from openpyxl import load_workbook

    old, new = [make_id("19500101", f"{n:03d}")[:-1] + "0" for n in range(1, 3)], [make_id("19600101", f"{n:03d}") for n in range(1, 3)]
    rows = [["身份证号", "身份证号", "体检日期"]] + [[o, n, "2025-03-12"] for o, n in zip(old, new)]
    write_xlsx(tmp_path / "体检.xlsx", rows)
    book = load_workbook(tmp_path / "体检.xlsx")
    for letter in hidden:
        book.active.column_dimensions[letter].hidden = True
    book.save(tmp_path / "体检.xlsx")
    expected = new if hidden == ["A"] else old
    assert list(read(tmp_path).tables["elderly_checkups"]["id_number"]) == expected


def test_a_hidden_canonical_column_gives_way_to_a_visible_alias(tmp_path):
    """An old 纳入管理日期 (2015) hidden beside a visible 建卡日期 the staff keep (its alias):
    the canonical header no longer wins when it is hidden — the visible column is read, and the
    hidden one fills nothing."""
    from openpyxl import load_workbook

    people = [make_id("19500101", f"{n:03d}") for n in (1, 2)]
    rows = [["身份证号", "建卡日期", "纳入管理日期", "死亡日期"]]
    rows += [[people[0], "2025-07-01", "2015-01-01", None], [people[1], None, "2015-01-01", None]]
    write_xlsx(tmp_path / "高血压患者管理名册.xlsx", rows)
    book = load_workbook(tmp_path / "高血压患者管理名册.xlsx")
    book.active.column_dimensions["C"].hidden = True
    book.save(tmp_path / "高血压患者管理名册.xlsx")
    result = read(tmp_path)
    [sheet] = result.sheets
    assert sheet.columns["enrolment_date"] == "建卡日期"
    table = result.tables["hypertension_patients"]
    assert [str(d.date()) for d in table["enrolment_date"]] == ["2025-07-01"]  # the second is dropped: no date


def test_the_only_id_column_hidden_is_still_read(tmp_path):
    from openpyxl import load_workbook

    people = [make_id("19500101", "011")]
    write_xlsx(tmp_path / "体检.xlsx", [["身份证号", "体检日期"], [people[0], "2025-03-12"]])
    book = load_workbook(tmp_path / "体检.xlsx")
    book.active.column_dimensions["A"].hidden = True
    book.save(tmp_path / "体检.xlsx")
    assert list(read(tmp_path).tables["elderly_checkups"]["id_number"]) == people


def test_serial_dates_of_a_1904_workbook_count_from_1904(tmp_path):
    """Old Mac Excel counts dates from 1904: a date pasted as a number (General) in such a workbook
    was read four years early (2021 for 2025), without a word. Date cells were right already, and
    a number written as 20250312 is a date, not a serial."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    serial = (dt.date(2025, 3, 12) - dt.date(1904, 1, 1)).days
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(["身份证号", "体检日期"])
    people = [make_id("19500101", f"{n:03d}") for n in range(1, 4)]
    sheet.append([people[0], serial])
    sheet.append([people[1], 20250313])
    sheet.append([people[2], dt.date(2025, 3, 14)])
    sheet["B4"].number_format = "yyyy-mm-dd"
    book.save(tmp_path / "体检.xlsx")
    dates = read(tmp_path).tables["elderly_checkups"]["checkup_date"]
    assert [str(d.date()) for d in dates] == ["2025-03-12", "2025-03-13", "2025-03-14"]


def test_ods_merges_ignore_their_attribute_written_in_a_cell_and_rows_laid_out_otherwise():
    """Only a cell's own attribute is a merge (a text may quote it: no crash, no made-up merge); a row
    whose attributes start on a new line is still a row."""
    from chsc_cli.registers.ods_merges import ods_merges
    import io
    import zipfile

    content = (
        '<office:document-content><office:body><office:spreadsheet><table:table table:name="S">'
        '<table:table-row><table:table-cell><text:p>table:number-rows-spanned="x</text:p></table:table-cell></table:table-row>'
        '<table:table-row\n table:style-name="ro1"><table:table-cell/><table:table-cell table:number-rows-spanned="3">'
        "<text:p>城东站</text:p></table:table-cell></table:table-row>"
        '<table:table-row><table:table-cell><text:p>table:number-rows-spanned="5"</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", content)
    assert ods_merges(buffer.getvalue()) == {"S": ((1, 1, 3, 1),)}
