"""The review of 8 December: registers re-saved by other programs. A UTF-8 CSV with one character cut
short by bytes was read as GB18030 — every character another, the header unrecognised, the file
skipped as an info line and its people lost, silently."""

from __future__ import annotations

from budget import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import make_id, read
from chsc_cli.registers.sources import _decoded_text

PEOPLE = [make_id("19500101", f"{n:03d}") for n in range(1, 5)]
HEADER = "身份证号,姓名,体检日期,生活方式评估,健康指导,备注\n"


def test_a_utf8_csv_with_a_field_cut_short_by_bytes_is_read_as_utf8_with_the_line_said(tmp_path):
    lines = [f"{person},张三,2025-03-0{n + 1},是,是,血压正常\n" for n, person in enumerate(PEOPLE)]
    data = (HEADER + "".join(lines)).encode("utf-8")
    cut = "高血压".encode("utf-8")[:-1]  # an export that truncates a field by bytes
    data = data.replace("血压正常\n".encode(), cut + b"\n", 1)  # line 2, the first data row
    (tmp_path / "二站体检2025.csv").write_bytes(data)
    result = read(tmp_path)
    table = result.tables["elderly_checkups"]
    assert list(table["id_number"]) == PEOPLE  # every person, the damaged line too
    said = [(p.code, p.level, p.row) for p in result.problems if p.code == "bad-encoding"]
    assert said == [("bad-encoding", "warning", 2)]


def test_a_gb18030_csv_is_still_read_as_gb18030(tmp_path):
    lines = [f"{person},张三,2025-03-01,是,是,高血压随访\n" for person in PEOPLE]
    (tmp_path / "体检.csv").write_bytes((HEADER + "".join(lines)).encode("gb18030"))
    result = read(tmp_path)
    assert list(result.tables["elderly_checkups"]["id_number"]) == PEOPLE
    assert [p for p in result.problems if p.code == "bad-encoding"] == []


CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=200)


@settings(max_examples=examples(200), deadline=None)
@given(CHINESE, st.text(st.sampled_from("0123456789,-: \n"), max_size=50))
def test_chinese_text_in_gb18030_is_never_taken_for_damaged_utf8(chinese, ascii_part):
    """(Bytes that are whole UTF-8 are read as UTF-8 first, as before: 一 alone is D2 BB, a Cyrillic
    letter in UTF-8 — no real file of names is; the heuristic only decides between damaged UTF-8
    and GB18030.)"""
    text = chinese + ascii_part
    data = text.encode("gb18030")
    try:
        data.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    assert _decoded_text(data) == text


from chsc_cli.registers.classify import kind_from_settings  # noqa: E402


def test_a_kinds_key_names_a_file_with_hash_or_brackets_as_written():
    """validate's own advice for an ambiguous sheet, `"1#站慢病名册.xlsx#名册": …`, matched nothing: the
    key was split at its first # and [2025] read as a glob's character class."""
    kinds = {"1#站慢病名册.xlsx#名册": "hypertension_patients", "慢病名册[2025].xlsx": "diabetes_patients",
             "二站/*随访*.csv": "hypertension_followups"}
    assert kind_from_settings(kinds, "1#站慢病名册.xlsx", "名册") == "hypertension_patients"
    assert kind_from_settings(kinds, "1#站慢病名册.xlsx", "说明") is None
    assert kind_from_settings(kinds, "慢病名册[2025].xlsx", "名册") == "diabetes_patients"
    assert kind_from_settings(kinds, "二站/高血压随访2025.csv", None) == "hypertension_followups"  # globs as before


def test_a_workbook_with_a_hidden_excel4_macro_sheet_is_not_called_damaged(tmp_path):
    import zipfile

    from helpers import write_workbook

    path = tmp_path / "老年人体检2025.xlsx"
    write_workbook(path, {"体检": [["身份证号", "体检日期"], [PEOPLE[0], "2025-03-01"]]})
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members["xl/macrosheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData/></xm:macrosheet>')
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="Macro1" sheetId="9" state="hidden" r:id="rId99"/></sheets>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/'
                             b'xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    [problem] = [p for p in read(tmp_path).problems if p.code == "unreadable-file"]
    assert "Excel 4.0 宏表" in problem.message and "已损坏" not in problem.message, problem.message


def test_a_key_with_a_hash_as_a_whole_is_a_name_not_a_pattern():
    """"*#*随访*" is any file's sheets named …随访…: tried whole as a file pattern it took every sheet
    of 1#站随访.xlsx, its 统计 sheet too."""
    kinds = {"*#*随访*": "residents"}
    assert kind_from_settings(kinds, "1#站随访.xlsx", "居民随访") == "residents"
    assert kind_from_settings(kinds, "1#站随访.xlsx", "统计") is None


def test_a_replacement_character_written_in_the_file_is_no_damage(tmp_path):
    lines = [f"{person},张三,2025-03-01,是,是,备注�\n" for person in PEOPLE]  # valid UTF-8 holding U+FFFD
    (tmp_path / "体检.csv").write_bytes((HEADER + "".join(lines)).encode("utf-8"))
    result = read(tmp_path)
    assert list(result.tables["elderly_checkups"]["id_number"]) == PEOPLE
    assert [p for p in result.problems if p.code == "bad-encoding"] == []
