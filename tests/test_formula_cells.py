"""Cells python-calamine reads as empty or stale (registers/cell_xml.py): formulas saved without
their result by writers other than Excel and WPS, and Excel's error values."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_a_stored_result_is_kept_and_shared_formulas_are_named():
    xml = (
        b'<worksheet><sheetData><row r="2"><c r="A2" t="str"><f>TEXT(B2,"0")</f><v>110105</v></c>'
        b'<c r="B2"><f t="shared" si="0"/></c><c r="C2" t="str"><f>"\xe6\x98\xaf"</f><v>0</v></c>'
        b'<x:c r="AB10" t="e"><x:v>#DIV/0!</x:v></x:c><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>'
    )
    assert _cell_fixes(xml) == {(1, 1): UNSTORED_FORMULA, (1, 2): "是", (9, 27): "#DIV/0!"}


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
