"""Cells python-calamine reads as empty or stale (registers/cell_xml.py): formulas saved without
their result by writers other than Excel and WPS, and Excel's error values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xlsxwriter
from cli_helpers import run_chsc
from helpers import make_id, read
from openpyxl import Workbook

from chsc_cli.registers.cell_xml import UNSTORED_FORMULA, _cell_fixes

PEOPLE = [make_id("19500101", f"{n:03d}") for n in range(1, 4)]
HEADER = ["身份证号", "姓名", "建档日期", "签约"]


def _openpyxl_roster(path: Path, id_cell, extra_rows=()) -> None:
    """A roster as an in-house writer on openpyxl saves it: formulas are stored without a result."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for person in PEOPLE:
        sheet.append([id_cell(person), "某", "2020-01-01", "是"])
    for row in extra_rows:
        sheet.append(row)
    book.save(path)


def test_ids_kept_as_text_formulas_without_a_result_are_read(tmp_path):
    """`="330102…"` is how exports keep an ID as text; stored as a formula with no result (openpyxl),
    calamine read every ID as blank: a whole roster was missing-id warnings and counted nobody."""
    _openpyxl_roster(tmp_path / "居民健康档案.xlsx", lambda person: f'="{person}"')
    (tmp_path / "chsc.yaml").write_text("population: {total: 10}\n", encoding="utf-8")
    result = read(tmp_path)
    assert list(result.tables["residents"]["id_number"]) == PEOPLE and result.problems == []
    ran = run_chsc("compute", tmp_path, "--period", "2025", "--format", "json")
    [record_rate] = [i for i in json.loads(ran.stdout)["indicators"] if i["id"] == "health_record_rate"]
    assert ran.code == 0 and record_rate["numerator"] == 3


def test_a_text_formula_wins_over_the_zero_xlsxwriter_stores(tmp_path):
    """xlsxwriter stores 0 as a formula's result: the IDs were read as the number 0 (id-as-number)."""
    book = xlsxwriter.Workbook(str(tmp_path / "居民健康档案.xlsx"))
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 0, HEADER)
    for row, person in enumerate(PEOPLE, start=1):
        sheet.write_formula(row, 0, f'="{person}"')
        sheet.write_row(row, 1, ["某", "2020-01-01", "是"])
    book.close()
    result = read(tmp_path)
    assert list(result.tables["residents"]["id_number"]) == PEOPLE and result.problems == []


def test_other_formulas_without_a_result_are_reported_where_they_are(tmp_path):
    _openpyxl_roster(tmp_path / "居民健康档案.xlsx", lambda person: person, [[make_id("19600101", "004"), "某", "=DATE(2020,1,1)", "是"]])
    [problem] = read(tmp_path).problems
    assert (problem.code, problem.row, problem.column) == ("bad-date", 5, "建档日期")
    assert "=DATE(2020,1,1)" in problem.message


def test_excel_error_values_are_reported_as_typed(tmp_path):
    """#N/A, #REF! … were read as empty cells: silent in an optional column (签约 #N/A counted as
    not signed without a word), a blank warning in a required one."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([PEOPLE[0], "某", "2020-01-01", "#N/A"])
    sheet.append([PEOPLE[1], "某", "#REF!", "是"])
    sheet.append(["#N/A", "某", "2020-01-01", "是"])
    for cell in ("D2", "C3", "A4"):
        sheet[cell].data_type = "e"
    book.save(tmp_path / "居民健康档案.xlsx")
    found = {(p.code, p.row): p.message for p in read(tmp_path).problems}
    assert set(found) == {("unknown-value", 2), ("bad-date", 3), ("bad-id", 4)}
    assert "#REF!" in found[("bad-date", 3)] and "「#N/A」" in found[("bad-id", 4)] and "#N/A" in found[("unknown-value", 2)]


@pytest.mark.parametrize("p", ["", "x:"])
def test_a_stored_result_is_kept_and_shared_formulas_are_named(p):
    cells = (
        '<c r="A2" t="str"><f>TEXT(B2,"0")</f><v>110105</v></c>'  # a stored result: calamine's
        '<c r="B2"><f t="shared" si="0"/></c>'  # no text, no result
        '<c r="C2" t="str"><f>"是"</f><v>0</v></c>'  # a text literal wins over what is stored
        '<c r="D2" t="str"><f>IF(A2="x","y","")</f><v></v></c><c r="E2" t="str"><f>B2&amp;""</f><v/></c>'  # "" stored
        '<c r="F2"><f>DATE(2025,3,12)</f><v></v></c>'  # openpyxl: an empty value, no type
        '<c r="G2" s="1"/><c r="AB10" t="e"><v>#DIV/0!</v></c><c t="e"><v>#N/A</v></c>'  # no reference: after the one before, in the row's row
    )
    xml = f"<{p}worksheet><{p}sheetData><{p}row r=\"2\">{cells}</{p}row></{p}sheetData></{p}worksheet>"
    xml = xml.replace("<c ", f"<{p}c ").replace("</c>", f"</{p}c>").replace("<f", f"<{p}f").replace("</f>", f"</{p}f>")
    xml = xml.replace("<v", f"<{p}v").replace("</v>", f"</{p}v>")
    expected = {(1, 1): UNSTORED_FORMULA, (1, 2): "是", (1, 5): "=DATE(2025,3,12)", (9, 27): "#DIV/0!", (1, 28): "#N/A"}
    assert _cell_fixes(xml.encode("utf-8")) == expected


def test_an_empty_text_result_is_a_blank_cell(tmp_path):
    """Excel saves the "" of =IF(…,"",…) as an empty text result: a blank cell, not the formula."""
    import re
    import zipfile as zf

    _openpyxl_roster(tmp_path / "a.xlsx", lambda person: person)
    with zf.ZipFile(tmp_path / "a.xlsx") as source, zf.ZipFile(tmp_path / "居民健康档案.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="D2".*?</c>', b'<c r="D2" t="str"><f>IF(A2="","","")</f><v></v></c>', data)
                assert b'<f>IF' in data
            target.writestr(item, data)
    (tmp_path / "a.xlsx").unlink()
    result = read(tmp_path)
    assert result.problems == [] and list(result.tables["residents"]["id_number"]) == PEOPLE


def test_an_excel_saved_register_is_not_looked_at_in_full(tmp_path, monkeypatch):
    """Only a sheet whose first part holds a formula or an error value is read through."""
    from chsc_cli.registers import cell_xml

    _openpyxl_roster(tmp_path / "居民健康档案.xlsx", lambda person: person)
    monkeypatch.setattr(cell_xml, "_cell_fixes", lambda xml: pytest.fail("read in full"))
    assert list(read(tmp_path).tables["residents"]["id_number"]) == PEOPLE


def test_a_workbook_part_declaring_entities_is_not_parsed():
    import io
    import zipfile

    from chsc_cli.registers.cell_xml import workbook_xml

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook><sheets><sheet name="&a;" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
    assert workbook_xml(buffer.getvalue()) is None


def test_an_error_value_in_a_text_column_is_blank_with_a_warning(tmp_path):
    """A 所属站点 looked up with VLOOKUP that found nothing (#N/A) was a station named "#N/A"."""
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "建档日期", "所属站点"])
    sheet.append([PEOPLE[0], "某", "2020-01-01", "城东站"])
    sheet.append([PEOPLE[1], "某", "2020-01-01", "#N/A"])
    sheet["D3"].data_type = "e"
    book.save(tmp_path / "居民健康档案.xlsx")
    result = read(tmp_path)
    assert list(result.tables["residents"]["station"]) == ["城东站", None]
    [problem] = result.problems
    assert (problem.code, problem.row, problem.column) == ("implausible-value", 3, "所属站点") and "#N/A" in problem.message


def test_error_values_take_the_scalar_path_in_bulk():
    from chsc_cli.registers.distinct_values import _parse_uniques
    from chsc_cli.registers.values import PARSERS

    uniques = np.array(["城东站", "#N/A", "#DIV/0!", "甲"], dtype=object)
    typed, codes, _ = _parse_uniques(uniques, PARSERS["text"], "text")
    assert list(typed) == ["城东站", None, None, "甲"] and list(codes) == [None, "implausible-value", "implausible-value", None]
    typed, codes, _ = _parse_uniques(np.array(["A1", "#N/A"], dtype=object), PARSERS["code"], "code")
    assert list(typed) == ["A1", None] and list(codes) == [None, "missing-id"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'<row r="2">\n  <c r="A2">\n    <f>A1+1</f>\n  </c>\n</row>', {(1, 0): "=A1+1"}),  # written indented
        (b'<row r="2"><c r="A2"\n t="e"><v>#N/A</v></c></row>', {(1, 0): "#N/A"}),
        (b'<row r="2"><c r="A2"\tt="e"><v>#REF!</v></c></row>', {(1, 0): "#REF!"}),
        (b'<row r="2"><c r="A2"><f>&#34;330102&#34;</f><v>0</v></c></row>', {(1, 0): "330102"}),  # Go's XML encoder
        (b'<row r="2"><c r="A2"><f>"330102" </f><v>0</v></c></row>', {(1, 0): "330102"}),
        (b'<row r="2"><c r="A2"><f>A1</f><v xml:space="preserve"></v></c></row>', {(1, 0): "=A1"}),
        (b'<row r="2"><c\nr="A2"><f>A1+1</f></c></row>', {(1, 0): "=A1+1"}),
        (b'<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2+1</f></c></row>'
         b'<row r="3"><c r="A3"><f t="shared" si="0"/><v></v></c></row>', {(1, 0): "=B2+1", (2, 0): UNSTORED_FORMULA}),
        (b'<row r="2"><c r="A2"><f>SUM(B1)</f><v>3</v></c><c r="B2" t="inlineStr"><is><t>a"</t></is></c></row>', {}),
    ],
)
def test_cells_are_found_however_the_xml_is_laid_out(body, expected):
    """Other writers indent their XML, break lines inside tags and escape quotes as &#34;."""
    assert _cell_fixes(b'<worksheet xmlns="x"><sheetData>' + body + b"</sheetData></worksheet>") == expected


def test_a_sheet_written_all_in_text_formulas_is_read(tmp_path):
    """Every cell, the headers too, a `="…"` formula without a result: calamine reads an empty sheet."""
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *([person, "某", "2020-01-01", "是"] for person in PEOPLE)]:
        sheet.append([f'="{value}"' for value in row])
    book.save(tmp_path / "居民健康档案.xlsx")
    result = read(tmp_path)
    assert list(result.tables["residents"]["id_number"]) == PEOPLE and result.problems == []


def test_a_package_whose_parts_cannot_be_unpacked_is_read_as_calamine_reads_it():
    """A part stored with a method zipfile does not know (AES encryption is method 99) raised
    NotImplementedError out of the workbook's sheets, outside their error handling."""
    import io
    import zipfile

    from chsc_cli.registers.cell_xml import workbook_xml

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
    data = bytearray(buffer.getvalue())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # the method field of every local and central header
        at = data.find(header)
        while at >= 0:
            offset = at + (8 if header == b"PK\x03\x04" else 10)
            data[offset : offset + 2] = (99).to_bytes(2, "little")
            at = data.find(header, at + 4)
    assert workbook_xml(bytes(data)) is None


def test_an_unstored_formula_in_a_text_column_is_reported_and_read_as_blank(tmp_path):
    """README: a formula with no saved result is reported where it is — in a 姓名 column it was read
    silently as the name '=VLOOKUP(…)', and a call list showed it (found by a review)."""
    _openpyxl_roster(tmp_path / "居民健康档案.xlsx", lambda person: person,
                     [[make_id("19600101", "004"), "=VLOOKUP(B5,Sheet2!A:B,2,0)", "2020-01-01", "是"],
                      [make_id("19600101", "006"), "=1+1", "2020-01-01", "是"]])
    result = read(tmp_path)
    problems = [p for p in result.problems if p.code == "implausible-value"]
    assert [(p.row, p.column) for p in problems] == [(5, "姓名"), (6, "姓名")]
    assert all("是公式，文件中没有保存它的结果" in p.message for p in problems)
    assert list(result.tables["residents"]["name"])[3:] == [None, None]


def test_a_text_that_merely_starts_with_an_equals_sign_is_text(tmp_path):
    """Only a cell the file says is a formula is one: 「=A1栋服务点」 typed in a CSV (or a text cell) is
    a station's name, kept (a second review found the first version reading it as a formula)."""
    from helpers import write_csv

    write_csv(tmp_path / "居民健康档案.csv", [["身份证号", "姓名", "建档日期", "所属站点"],
                                          [PEOPLE[0], "=已随访！", "2020-01-01", "=A1栋服务点"]])
    result = read(tmp_path)
    table = result.tables["residents"]
    assert (table["name"].iloc[0], table["station"].iloc[0]) == ("=已随访!", "=A1栋服务点")
    assert [p for p in result.problems if p.code == "implausible-value"] == []


def test_an_unstored_formula_in_a_code_column_is_no_code(tmp_path):
    """儿童编码 =B2&"01" saved without its result was read as the code '=B2&"01"': rows with the same
    formula text merged into one child with only a duplicate-person warning."""
    from chsc_cli.registers.cell_xml import UnstoredFormula
    from chsc_cli.registers.values import parse_code

    value, code, message = parse_code(UnstoredFormula('=B2&"01"'))
    assert (value, code) == (None, "bad-id") and "是公式，文件中没有保存它的结果" in message
    assert parse_code('=B2&"01"')[1] is None  # typed as text (a CSV): a code as written


# ---- the review of 8 December: a yes/no column of formulas, as xlsxwriter and openpyxl save them

GUIDED = ["身份证号", "体检日期", "生活方式评估", "健康指导", "指导内容"]


def _checkups_with_formulas(path: Path, writer: str, stored: object = None) -> None:
    """Three checkups whose 健康指导 is =IF(E<>"","是","否") over the guidance text (two filled)."""
    rows = [(PEOPLE[0], "饮食运动指导"), (PEOPLE[1], "戒烟限酒"), (PEOPLE[2], "")]
    if writer == "xlsxwriter":
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("体检")
        sheet.write_row(0, 0, GUIDED)
        for row, (person, text) in enumerate(rows, start=1):
            sheet.write_row(row, 0, [person, "2025-03-01", "是"])
            sheet.write_string(row, 4, text) if text else None
            if stored is None:
                sheet.write_formula(row, 3, f'=IF(E{row + 1}<>"","是","否")')  # stored result: 0
            else:
                sheet.write_formula(row, 3, f'=IF(E{row + 1}<>"","是","否")', None, stored if text else "否")
        book.close()
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = "体检"
        sheet.append(GUIDED)
        for row, (person, text) in enumerate(rows, start=2):
            sheet.append([person, "2025-03-01", "是", f'=IF(E{row}<>"","是","否")', text or None])
        book.save(path)


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_a_yes_no_formula_saved_without_its_result_is_said_not_read_as_content(tmp_path, writer):
    """xlsxwriter stores 0 and asks Excel to recalculate on opening (fullCalcOnLoad): 健康指导 read as
    否 in every row, and validate said nothing; openpyxl stores nothing, and the content-filled column
    took the formula's text for yes. Now each cell is said where it is and read as blank."""
    _checkups_with_formulas(tmp_path / "老年人体检.xlsx", writer)
    result = read(tmp_path)
    said = [(p.code, p.row, p.column) for p in result.problems]
    assert said == [("implausible-value", row, "健康指导") for row in (2, 3, 4)], said
    assert "是公式，文件中没有保存它的结果" in result.problems[0].message
    assert not result.tables["elderly_checkups"]["health_guidance"].fillna(False).any()  # blank: 否, never yes


def test_a_stored_result_is_read_when_the_writer_stored_one(tmp_path):
    """A writer that stores the results (Excel, WPS; xlsxwriter given a value) is read as it stored them."""
    _checkups_with_formulas(tmp_path / "老年人体检.xlsx", "xlsxwriter", stored="是")
    result = read(tmp_path)
    assert result.problems == []
    assert list(result.tables["elderly_checkups"]["health_guidance"]) == [True, True, False]


def test_a_date_formula_saved_as_zero_is_a_formula_not_a_time(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "老年人体检.xlsx"))
    sheet = book.add_worksheet("体检")
    sheet.write_row(0, 0, ["身份证号", "体检日期"])
    sheet.write_string(1, 0, PEOPLE[0])
    sheet.write_formula(1, 1, "=DATE(2025,3,12)")
    book.close()
    [problem] = [p for p in read(tmp_path).problems if p.code != "completeness-unchecked"]
    assert (problem.code, problem.row, problem.column) == ("bad-date", 2, "体检日期")
    assert "「=DATE(2025,3,12)」是公式" in problem.message and "00:00" not in problem.message


def _rewritten(path: Path, change_sheet=None, add: dict[str, bytes] | None = None) -> None:
    """The .xlsx at `path` with its first sheet's XML changed and members added, as other writers save."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    if change_sheet is not None:
        members["xl/worksheets/sheet1.xml"] = change_sheet(members["xl/worksheets/sheet1.xml"])
    members.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_formulas_in_cells_written_without_their_reference_are_read(tmp_path):
    """Some writers leave out a cell's r="A2" (and a row's r): a text formula ="…" with no stored
    result there was read as blank — the whole roster missing-id, and validate passed."""
    import re

    path = tmp_path / "居民健康档案.xlsx"
    _openpyxl_roster(path, lambda person: f'="{person}"')
    _rewritten(path, lambda xml: re.sub(rb'(<(?:c|row)) r="[A-Z]*[0-9]+"', rb"\1", xml))
    result = read(tmp_path)
    assert list(result.tables["residents"]["id_number"]) == PEOPLE and result.problems == []


def test_an_error_value_far_down_a_sheet_with_formulas_is_said(tmp_path):
    """A workbook saved with formulas (Excel lists them in xl/calcChain.xml) is looked through to its
    end: a VLOOKUP's #N/A on row 3,000 was read as a blank ID (missing-id), not as the error it is."""
    path = tmp_path / "居民健康档案.xlsx"
    many = [make_id("19600101", f"{n % 1000:03d}", area=f"{330103 + n // 1000}") for n in range(3000)]
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for person in many:
        sheet.append([person, "某", "2020-01-01", "是"])
    sheet.append([None, "某", "2020-01-01", "是"])
    book.save(path)
    last = len(many) + 2
    _rewritten(path, lambda xml: xml.replace(f'<row r="{last}">'.encode(),
                                             f'<row r="{last}"><c r="A{last}" t="e"><v>#N/A</v></c>'.encode(), 1),
               add={"xl/calcChain.xml": b'<?xml version="1.0"?><calcChain xmlns="http://schemas.openxmlformats.org/'
                                        b'spreadsheetml/2006/main"><c r="B2" i="1"/></calcChain>'})
    said = [(p.code, p.row) for p in read(tmp_path).problems if p.code in ("bad-id", "missing-id")]
    assert said == [("bad-id", last)], said


def test_a_real_zero_stored_by_a_writer_that_asks_for_recalculation_is_kept(tmp_path):
    """xlsxwriter given the results (value=) still asks Excel to recalculate: its stored 0 is a result
    (活产数 = 胎数 − 死胎死产数 of a stillbirth), read as 0, not as a formula without one."""
    mothers = [make_id("19900101", "022"), make_id("19910101", "024")]
    book = xlsxwriter.Workbook(str(tmp_path / "孕产妇.xlsx"))
    sheet = book.add_worksheet("孕产妇")
    sheet.write_row(0, 0, ["身份证号", "分娩日期", "活产数"])
    for row, (mother, result) in enumerate(zip(mothers, (1, 0)), start=1):
        sheet.write_row(row, 0, [mother, "2025-03-01"])
        sheet.write_formula(row, 2, f"=1-{1 - result}", None, result)
    book.close()
    result = read(tmp_path)
    assert [p for p in result.problems if p.code == "bad-number"] == []
    assert list(result.tables["maternal_records"]["live_births"]) == [1, 0]


def test_an_id_formula_without_its_result_is_said_as_one(tmp_path):
    _openpyxl_roster(tmp_path / "居民健康档案.xlsx", lambda person: person,
                     [['=VLOOKUP(B5,Sheet2!A:B,2,0)', "某", "2020-01-01", "是"]])
    [problem] = read(tmp_path).problems
    assert (problem.code, problem.row, problem.column) == ("bad-id", 5, "身份证号")
    assert "是公式，文件中没有保存它的结果" in problem.message, problem.message


@pytest.mark.parametrize("column_type, cells", [
    ("date", [f"2025-{month:02d}-{day:02d}" for month in range(1, 13) for day in range(1, 29)]),
    ("number", [f"{value}.5" for value in range(100, 700)]),  # (the bulk path takes 500 texts or more)
])
def test_a_column_that_says_unstored_formulas_keeps_its_fast_path(column_type, cells):
    """The parser that says a formula without its result wraps the column's scalar parser: the
    distinct values took the slow path one by one, and a cold compute of an export took 40 % longer."""
    from chsc_cli.registers.cell_xml import UnstoredFormula
    from chsc_cli.registers.columns import Column
    from chsc_cli.registers.distinct_values import parse_distinct
    from chsc_cli.registers.values import parser_for

    parser = parser_for(Column(header="列", field="f", type=column_type))
    called = []

    def counting(value):
        called.append(value)
        return parser(value)

    counting.__wrapped__ = parser.__wrapped__
    _, values, codes, _ = parse_distinct(np.array([*cells, UnstoredFormula("=A1+1")], dtype=object), counting, column_type)
    assert called == ["=A1+1"]  # only the formula, the rest by the fast path
    assert list(codes) == [None] * len(cells) + ["bad-date" if column_type == "date" else "bad-number"]


def test_a_yes_no_formula_without_its_result_takes_the_column_s_blank_value(tmp_path):
    """常住 blank = yes (registers.md): a roster whose 常住类型 cells are formulas saved without their
    result was read as 否 and left out of every resident count, under a warning that said 按空白处理."""
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "建档日期", "常住类型"])
    for person in PEOPLE:
        sheet.append([person, "某", "2020-01-01", '=IF(1=1,"户籍","流动")'])
    book.save(tmp_path / "居民健康档案.xlsx")
    result = read(tmp_path)
    assert [p.code for p in result.problems] == ["implausible-value"] * len(PEOPLE)
    assert list(result.tables["residents"]["resident"]) == [True] * len(PEOPLE)
