"""The one writer: atomic, never over an input register, formula-safe in csv and xlsx."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chsc_cli.outputs.writer import (
    TEMP_PREFIX,
    atomic_write,
    csv_cell,
    needs_text_guard,
    write_bytes,
    write_csv,
    write_text,
)
from chsc_cli.outputs.xlsx_writer import SheetSpec, display_width, safe_sheet_title, write_xlsx
from chsc_cli.problems import UserError

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tX", "\rY"]
ERROR_CODE_TEXT = "#N/A"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def sheet_xml(path: Path, number: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


# ---------------------------------------------------------------------------------------- atomic


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    seen = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("new", encoding="utf-8")

    assert atomic_write(target, write) == target.resolve()
    assert target.read_text(encoding="utf-8") == "new"
    assert leftovers(tmp_path) == []
    (tmp,) = seen
    assert tmp.parent == tmp_path.resolve()
    assert tmp.name.startswith(".") and tmp.name.endswith(".md")


def test_failed_write_keeps_previous_content_and_removes_temp(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("previous", encoding="utf-8")

    def write(tmp: Path) -> None:
        tmp.write_text("half a rep", encoding="utf-8")
        raise RuntimeError("boom midway")

    with pytest.raises(RuntimeError, match="boom midway"):
        atomic_write(target, write)
    assert target.read_text(encoding="utf-8") == "previous"
    assert leftovers(tmp_path) == []


def test_failed_write_of_a_new_file_leaves_nothing(tmp_path):
    def write(tmp: Path) -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        atomic_write(tmp_path / "new.xlsx", write)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_protected_register(tmp_path):
    register = tmp_path / "体检登记.xlsx"
    register.write_bytes(b"register")
    with pytest.raises(UserError) as caught:
        write_text(register, "report", protected=[register])
    assert "不能覆盖数据文件夹中的输入文件" in caught.value.message
    assert "体检登记.xlsx" in caught.value.message
    assert register.read_bytes() == b"register"
    assert leftovers(tmp_path) == []


def test_refuses_a_different_spelling_of_a_protected_path(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "other").mkdir()
    register = tmp_path / "data" / "roster.csv"
    register.write_bytes(b"register")
    spelled_differently = tmp_path / "other" / ".." / "data" / "." / "roster.csv"
    with pytest.raises(UserError):
        write_bytes(spelled_differently, b"x", protected=[register])
    relative_protected = Path(tmp_path / "data" / ".." / "data" / "roster.csv")
    with pytest.raises(UserError):
        write_bytes(register, b"x", protected=[relative_protected])
    assert register.read_bytes() == b"register"


def test_refuses_a_symlink_to_a_protected_register(tmp_path):
    register = tmp_path / "roster.csv"
    register.write_bytes(b"register")
    link = tmp_path / "report.csv"
    try:
        link.symlink_to(register)
    except OSError:
        pytest.skip("symlinks not available here")
    with pytest.raises(UserError):
        write_bytes(link, b"x", protected=[register])
    assert register.read_bytes() == b"register"


def test_protection_does_not_block_other_files(tmp_path):
    register = tmp_path / "roster.csv"
    register.write_bytes(b"register")
    written = write_text(tmp_path / "report.md", "# 报告\n", protected=[register])
    assert written.read_text(encoding="utf-8") == "# 报告\n"


def test_missing_output_folder_is_a_user_error_in_chinese(tmp_path):
    with pytest.raises(UserError) as caught:
        write_text(tmp_path / "no-such-folder" / "report.md", "x")
    assert caught.value.message.startswith("输出文件夹不存在")
    assert "no-such-folder" in caught.value.message
    assert "请先创建" in caught.value.message


def test_a_folder_as_target_is_a_user_error(tmp_path):
    (tmp_path / "report.md").mkdir()
    with pytest.raises(UserError):
        write_text(tmp_path / "report.md", "x")


def test_write_text_is_utf8_and_keeps_newlines(tmp_path):
    path = write_text(tmp_path / "a.md", "第一行\n第二行\n")
    assert path.read_bytes() == "第一行\n第二行\n".encode("utf-8")


# ------------------------------------------------------------------------------------------- csv


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_strings_need_a_guard(value):
    assert needs_text_guard(value)
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["张三", "a=b", "1+1", "", " =x", ERROR_CODE_TEXT])
def test_plain_strings_need_no_guard(value):
    assert not needs_text_guard(value)
    assert csv_cell(value) == value


def test_csv_cell_renders_values_plainly():
    assert csv_cell(None) == ""
    assert csv_cell(math.nan) == ""
    assert csv_cell(-2) == "-2"
    assert csv_cell(3.0) == "3"
    assert csv_cell(0.25) == "0.25"
    assert csv_cell(dt.date(2024, 3, 9)) == "2024-03-09"
    assert csv_cell(dt.datetime(2024, 3, 9)) == "2024-03-09"
    assert csv_cell(dt.datetime(2024, 3, 9, 8, 30)) == "2024-03-09 08:30:00"


def test_csv_cell_handles_pandas_missing_values():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    assert csv_cell(pd.NA) == ""
    assert csv_cell(pd.NaT) == ""
    assert csv_cell(np.float32("nan")) == ""
    assert csv_cell(np.int64(7)) == "7"
    assert csv_cell(pd.Timestamp("2024-01-05")) == "2024-01-05"


def test_write_csv_has_bom_and_guards_formulas(tmp_path):
    rows = [[value, 1] for value in DANGEROUS] + [["张三", -2], [None, 0.5]]
    path = write_csv(tmp_path / "out.csv", ["姓名", "数值"], rows)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.startswith("姓名,数值\r\n")
    assert "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1\r\n" in text
    assert "'+1,1\r\n" in text
    assert "'-2,1\r\n" in text
    assert "'@SUM(A1),1\r\n" in text
    assert "'\tX,1\r\n" in text
    assert "\"'\rY\",1\r\n" in text
    assert "张三,-2\r\n" in text
    assert text.endswith(",0.5\r\n")
    assert leftovers(tmp_path) == []


def test_write_csv_from_a_generator_that_fails_keeps_old_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")

    def rows():
        yield ["a"]
        raise KeyError("bad row")

    with pytest.raises(KeyError):
        write_csv(target, ["h"], rows())
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------ xlsx


def test_xlsx_stores_formula_like_strings_as_text(tmp_path):
    values = DANGEROUS + [ERROR_CODE_TEXT]
    spec = SheetSpec("名单", ["姓名"], [[value] for value in values])
    path = write_xlsx(tmp_path / "out.xlsx", [spec])
    sheet = load_workbook(path).worksheets[0]
    for row, value in enumerate(values, start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type == "s", value
        # an XML parser may normalise a carriage return to a newline (lxml keeps it); either way
        # the cell is text, never a formula
        assert cell.value in (value, value.replace("\r", "\n"))
    xml = sheet_xml(path)
    assert re.search(r"<f[ >]", xml) is None
    assert leftovers(tmp_path) == []


def test_xlsx_formats_fills_freeze_filter(tmp_path):
    spec = SheetSpec(
        "指标",
        ["指标", "完成率", "日期", "身份证号"],
        [
            ["老年人健康管理率", 0.625, dt.date(2024, 6, 30), "110101194001011234"],
            ["高血压规范管理率", 0.5, dt.date(2024, 6, 30), "110101195001011234"],
            ["糖尿病规范管理率", None, None, None],
        ],
        percent_columns={1},
        date_columns={2},
        text_columns={3},
        highlight_rows={1},
    )
    path = write_xlsx(tmp_path / "out.xlsx", [spec])
    sheet = load_workbook(path).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
    assert sheet["A1"].font.b is True
    assert sheet["B2"].number_format == "0.0%"
    assert sheet["B2"].value == 0.625
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value == dt.datetime(2024, 6, 30)
    assert sheet["D2"].number_format == "@"
    assert sheet["D2"].data_type == "s"
    assert sheet["B4"].value is None and sheet["C4"].value is None
    for column in "ABCD":
        assert sheet[f"{column}3"].fill.fgColor.rgb.endswith("FFC7CE")
        assert not sheet[f"{column}2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_freeze_and_filter_can_be_turned_off(tmp_path):
    spec = SheetSpec("a", ["h"], [[1]], freeze_header=False, autofilter=False)
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert sheet.freeze_panes is None
    assert sheet.auto_filter.ref is None


def test_chinese_columns_are_wider_than_ascii_ones(tmp_path):
    spec = SheetSpec("宽度", ["a", "b"], [["张三李四王五赵六", "abcdefgh"]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    chinese = sheet.column_dimensions["A"].width
    ascii_ = sheet.column_dimensions["B"].width
    assert chinese == _shown(16 + 2)
    assert ascii_ == _shown(8 + 2)
    assert display_width("张三") == 4
    assert display_width("ＡＢ") == 4  # full-width letters
    assert display_width("x" * 500) == 500


def test_widths_are_clamped(tmp_path):
    spec = SheetSpec("w", ["a", "b"], [["x", "y" * 500]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert sheet.column_dimensions["A"].width == _shown(6 + 2)
    assert sheet.column_dimensions["B"].width == _shown(60 + 2)


def _shown(width: int):
    """The width Excel stores for a column set to `width` characters: 5 pixels of padding added
    (7 pixels a character in the default font, stored in 1/256ths), as Excel's own column dialog
    and XlsxWriter do."""
    return pytest.approx(width + 5 / 7, abs=0.01)


def test_dropdown_validation_covers_at_least_1000_rows(tmp_path):
    spec = SheetSpec("模板", ["姓名", "是否签约"], [], validations=[(1, ["是", "否"])])
    sheet = load_workbook(write_xlsx(tmp_path / "t.xlsx", [spec])).worksheets[0]
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"是,否"'
    assert str(validation.sqref) == "B2:B1001"


def test_long_dropdown_lists_go_to_a_hidden_sheet(tmp_path):
    options = [f"疫苗{n}号,剂次" for n in range(60)]
    spec = SheetSpec("接种", ["疫苗"], [], validations=[(0, options)])
    workbook = load_workbook(write_xlsx(tmp_path / "t.xlsx", [spec]))
    assert workbook.sheetnames[0] == "接种"
    hidden = workbook.worksheets[-1]
    assert hidden.sheet_state == "hidden"
    assert [hidden.cell(row=n + 1, column=1).value for n in range(60)] == options
    (validation,) = workbook.worksheets[0].data_validations.dataValidation
    assert validation.formula1 == f"'{hidden.title}'!$A$1:$A$60"


def test_control_characters_are_stripped_not_fatal(tmp_path):
    spec = SheetSpec("c", ["备注\x01"], [["响铃\x07字符", "=\x0bX"]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert sheet["A1"].value == "备注"
    assert sheet["A2"].value == "响铃字符"
    assert sheet["B2"].value == "=X" and sheet["B2"].data_type == "s"


def test_missing_values_become_empty_cells(tmp_path):
    pd = pytest.importorskip("pandas")
    spec = SheetSpec("m", ["a", "b", "c", "d", "e"], [[None, math.nan, pd.NA, pd.NaT, "x"]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert [cell.value for cell in sheet[2]] == [None, None, None, None, "x"]


def test_sheet_titles_are_valid_and_unique(tmp_path):
    long_title = "老年人健康管理" * 10
    sheets = [
        SheetSpec("a[b]:c*d?e/f\\g", ["h"], []),
        SheetSpec(long_title, ["h"], []),
        SheetSpec(long_title, ["h"], []),
        SheetSpec("A[B]:C*D?E/F\\G", ["h"], []),
    ]
    names = load_workbook(write_xlsx(tmp_path / "o.xlsx", sheets)).sheetnames
    assert names[0] == "abc＊defg"  # (a * as ＊: a masked ID in a station's name still reads as one)
    assert names[1] == long_title[:31]
    assert len(names[2]) <= 31 and names[2] != names[1]
    assert names[3].casefold() != "abc＊defg"
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert safe_sheet_title("") == "Sheet"
    assert safe_sheet_title("'引号'") == "引号"


def test_write_xlsx_refuses_protected_register(tmp_path):
    register = tmp_path / "体检.xlsx"
    register.write_bytes(b"not really xlsx")
    with pytest.raises(UserError):
        write_xlsx(register, [SheetSpec("a", ["h"], [])], protected=[register])
    assert register.read_bytes() == b"not really xlsx"


def test_dates_before_excels_calendar_are_written_as_text(tmp_path):
    """Excel's dates start on 1 January 1900: an older date typed into a register is shown as
    written, not as 1900-01-00 or ####; January and February 1900 are exact Excel dates (1..59)."""
    import datetime as dt

    spec = SheetSpec("d", ["a", "b", "c"], [[dt.datetime(1850, 1, 1), dt.date(1899, 12, 31), dt.date(1900, 2, 28)]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert sheet["A2"].value == "1850-01-01" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "1899-12-31"
    assert sheet["C2"].value == dt.datetime(1900, 2, 28)


def test_titles_and_inline_lists_are_measured_as_excel_counts(tmp_path):
    """Excel counts UTF-16 units: 𠮷 or an emoji is 2. A title cut to 31 units never ends in a quote;
    a dropdown list over 255 units goes to the hidden sheet instead of being dropped."""
    from chsc_cli.outputs.xlsx_writer import utf16_units

    titles = [safe_sheet_title("😀" * 20), safe_sheet_title("a" * 30 + "'b"), safe_sheet_title("𠮷" * 40, ["x"])]
    assert all(utf16_units(title) <= 31 and not title.endswith("'") for title in titles)
    assert safe_sheet_title("😀" * 20, [safe_sheet_title("😀" * 20)]).endswith("(2)")
    options = ["😀" * 20 + str(i) for i in range(10)]
    spec = SheetSpec(titles[0], ["选"], [["x"]], validations=[(0, options)])
    book = load_workbook(write_xlsx(tmp_path / "o.xlsx", [SheetSpec(t, ["h"], [[1]]) for t in titles[1:]] + [spec]))
    assert [sheet.title for sheet in book.worksheets][:3] == titles[1:] + [titles[0]]
    validation = book[titles[0]].data_validations.dataValidation[0]
    assert validation.formula1.endswith("$A$1:$A$10")  # the hidden sheet: nothing dropped


def test_a_decimal_nan_is_an_empty_cell_never_a_formula(tmp_path):
    import decimal

    spec = SheetSpec("n", ["a", "b", "c"], [[decimal.Decimal("NaN"), decimal.Decimal("Infinity"), decimal.Decimal("1.10")]])
    sheet = load_workbook(write_xlsx(tmp_path / "o.xlsx", [spec])).worksheets[0]
    assert [cell.value for cell in sheet[2]] == [None, None, 1.1]
    assert all(cell.data_type != "f" for cell in sheet[2])


def test_more_rows_than_a_sheet_holds_is_a_user_error(tmp_path):
    from chsc_cli.outputs import xlsx_writer
    from chsc_cli.problems import UserError

    spec = SheetSpec("大", ["a"], [["x"]] * 10, empty_rows=5)
    old = xlsx_writer.EXCEL_MAX_ROWS
    xlsx_writer.EXCEL_MAX_ROWS = 15  # ten rows, five blank and the header do not fit
    try:
        with pytest.raises(UserError, match="超过 Excel 一个工作表的上限"):
            write_xlsx(tmp_path / "o.xlsx", [spec])
    finally:
        xlsx_writer.EXCEL_MAX_ROWS = old
    assert not (tmp_path / "o.xlsx").exists() and list(tmp_path.iterdir()) == []


def test_an_output_whose_folder_is_a_file_says_so(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        write_text(tmp_path / "a.txt" / "out.json", "{}")
    assert "是一个文件，不是文件夹" in caught.value.message
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "x"
