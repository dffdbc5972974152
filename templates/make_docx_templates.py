#!/usr/bin/env python3
"""Regenerate the Word templates summary.docx and plan.docx (Jinja tags inside, rendered by docxtpl).

    .venv/bin/python templates/make_docx_templates.py

A centre restyles these in Word (letterhead, fonts, margins) and keeps the {{ }} / {%p %} / {%tr %}
tags; this script is only the starting point. The output is byte-for-byte reproducible (fixed
document dates and zip timestamps), so regenerating without changes leaves git clean.

docxtpl tags used: `{{ field }}` prints a field; a paragraph holding only `{%p for x in list %}` …
`{%p endfor %}` repeats everything between (tables too); a table row holding `{%tr for row in rows %}`
… `{%tr endfor %}` repeats the row between. The fields are documented in the README section
「工作总结与工作计划 / Reports」.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2026, 1, 1, 8, 0, 0)
BODY_FONT, HEADING_FONT = "仿宋", "黑体"


def _set_font(style, east_asian: str, size: float, bold: bool = False) -> None:
    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def new_document(title: str) -> Document:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _set_font(document.styles["Normal"], BODY_FONT, 14)
    document.styles["Normal"].paragraph_format.line_spacing = Pt(28)
    _set_font(document.styles["Title"], HEADING_FONT, 20, bold=False)
    _set_font(document.styles["Heading 1"], HEADING_FONT, 16)
    for name in ("Title", "Heading 1"):
        style = document.styles[name]
        style.font.color.rgb = None
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
    document.styles["Title"].element.get_or_add_pPr()  # keep Word's title style, drop its border below
    for border in document.styles["Title"].element.pPr.findall(qn("w:pBdr")):
        document.styles["Title"].element.pPr.remove(border)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "chsc", "chsc"
    properties.created = properties.modified = FIXED_TIME
    properties.revision = 1
    properties.comments = "chsc report 的模板：可在 Word 中修改格式，保留双花括号标记。"
    # letterhead: the centre's name in the page header (edit freely in Word)
    header = section.header.paragraphs[0]
    header.text = "{{ centre }}"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def title(document: Document, text: str) -> None:
    paragraph = document.add_paragraph(text, style="Title")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def body(document: Document, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(28)


def tag(document: Document, text: str) -> None:
    """A paragraph holding only a {%p ... %} tag (removed when rendered)."""
    document.add_paragraph(text)


def heading(document: Document, text: str) -> None:
    document.add_paragraph(text, style="Heading 1")


#: How a column's cells are aligned: text on the left (station, indicator name), numbers on the right,
#: a yes/no mark in the middle. Headers are centred.
LEFT, RIGHT, CENTRE = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
#: The page's text width (A4, 2.8 cm and 2.6 cm margins): every table's columns add up to it.
TEXT_WIDTH_CM = 15.6
CELL_MARGIN_TWIPS = 57  # 0.1 cm


def _fixed_layout(table) -> None:
    """Word keeps the widths given (no autofit that squeezes the name column to two characters)."""
    table.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/> in its schema place
    properties = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")  # 0.1 cm each side instead of Word's 0.19 cm: room for 123,456
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    after = [properties.find(qn(f"w:{name}")) for name in ("tblLook", "tblCaption", "tblDescription")]
    following = next((element for element in after if element is not None), None)
    if following is not None:  # the schema's order: ... tblLayout, tblCellMar, tblLook ...
        following.addprevious(margins)
    else:
        properties.append(margins)


def loop_table(document: Document, columns: list[tuple[str, str, float, object]], loop: str) -> None:
    """A table: a header row, then one row per item of `loop` ({%tr for ... %} row, the cells row,
    {%tr endfor %} row). Each column is (header, cell, width in cm, alignment); the widths add up
    to the text width, and the name column holds ~12 Chinese characters on one line."""
    assert abs(sum(width for _, _, width, _ in columns) - TEXT_WIDTH_CM) < 0.01, columns
    table = document.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(table)
    width = table._tbl.tblPr.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(Cm(TEXT_WIDTH_CM).twips)))
    for index, (header, cell_text, width, alignment) in enumerate(columns):
        table.columns[index].width = Cm(width)
        for row in table.rows:
            row.cells[index].width = Cm(width)
        cell = table.rows[0].cells[index]
        cell.text = header
        cell.paragraphs[0].alignment = CENTRE
        for run in cell.paragraphs[0].runs:
            run.bold = True
        table.rows[2].cells[index].text = cell_text
        table.rows[2].cells[index].paragraphs[0].alignment = alignment
    table.rows[1].cells[0].text = f"{{%tr for {loop} %}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.line_spacing = 1.0
                paragraph.paragraph_format.first_line_indent = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)


def data_note(document: Document) -> None:
    """数据说明 (the data's errors and warnings), when there is one."""
    tag(document, "{%p if data_note %}")
    body(document, "注：{{ data_note }}")
    tag(document, "{%p endif %}")


def summary() -> Document:
    document = new_document("基本公共卫生服务工作总结")
    title(document, "{{ title }}")
    body(document, "{{ opening }}")
    tag(document, "{%p for category in categories %}")
    heading(document, "{{ category.number }}、{{ category.name }}")
    body(document, "{{ category.summary_paragraph }}")
    loop_table(
        document,
        [("指标", "{{ item.name }}", 4.7, LEFT), ("目标", "{{ item.target_text }}", 1.4, RIGHT),
         ("分子", "{{ item.numerator_text }}", 1.7, RIGHT), ("分母", "{{ item.denominator_text }}", 1.7, RIGHT),
         ("完成率", "{{ item.rate_text }}", 1.6, RIGHT), ("{{ change_header }}", "{{ item.change.table_text }}", 2.8, RIGHT),
         ("是否达标", "{{ item.met_text }}", 1.7, CENTRE)],
        "item in category.indicators",
    )
    tag(document, "{%p endfor %}")
    heading(document, "{{ numbers[categories|length] }}、各{{ unit }}完成情况")
    tag(document, "{%p if station_rows %}")
    loop_table(
        document,
        [("{{ unit }}", "{{ row.station }}", 1.7, LEFT), ("指标", "{{ row.indicator_name }}", 4.9, LEFT),
         ("目标", "{{ row.target_text }}", 1.2, RIGHT), ("分子", "{{ row.numerator_text }}", 1.5, RIGHT),
         ("分母", "{{ row.denominator_text }}", 1.5, RIGHT), ("完成率", "{{ row.rate_text }}", 1.5, RIGHT),
         ("是否达标", "{{ row.met_text }}", 1.7, CENTRE), ("尚差", "{{ row.shortfall_amount }}", 1.6, RIGHT)],
        "row in station_rows",
    )
    tag(document, "{%p else %}")
    body(document, "登记表中没有站点信息，未按站点统计。")
    tag(document, "{%p endif %}")
    heading(document, "{{ numbers[categories|length + 1] }}、未达标指标")
    tag(document, "{%p for item in missed %}")
    body(document, "{{ loop.index }}. {{ item.missed_text }}")
    tag(document, "{%p endfor %}")
    body(document, "{{ closing }}")
    tag(document, "{%p if not_computable %}")
    body(document, "无法计算或不判断达标的指标：")
    tag(document, "{%p for item in not_computable %}")
    body(document, "{{ item.name }}：{{ item.reason }}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endif %}")
    data_note(document)
    return document


def plan() -> Document:
    document = new_document("基本公共卫生服务工作计划")
    title(document, "{{ title }}")
    body(document, "{{ plan_intro }}")
    tag(document, "{%p for category in categories %}")
    heading(document, "{{ category.number }}、{{ category.name }}")
    body(document, "{{ category.plan_paragraph }}")
    loop_table(
        document,
        [("指标", "{{ item.name }}", 4.8, LEFT), ("{{ plan_year_label }}目标", "{{ item.plan.target_text }}", 2.4, RIGHT),
         ("{{ period.chinese_label }}完成率", "{{ item.plan.rate_text }}", 3.2, RIGHT),
         ("差距", "{{ item.plan.shortfall_amount }}", 2.0, RIGHT), ("每月需完成", "{{ item.plan.monthly_amount }}", 3.2, RIGHT)],
        "item in category.indicators",
    )
    tag(document, "{%p if category.station_rows %}")
    body(document, "各{{ unit }}任务：")
    loop_table(
        document,
        [("{{ unit }}", "{{ row.station }}", 2.0, LEFT), ("指标", "{{ row.indicator_name }}", 4.8, LEFT),
         ("目标", "{{ row.target_text }}", 1.6, RIGHT), ("完成率", "{{ row.rate_text }}", 2.0, RIGHT),
         ("差距", "{{ row.shortfall_amount }}", 2.2, RIGHT), ("每月需完成", "{{ row.monthly_amount }}", 3.0, RIGHT)],
        "row in category.station_rows",
    )
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")
    data_note(document)
    return document


def reproducible_bytes(document: Document) -> bytes:
    """The .docx with every zip entry dated FIXED_TIME, in a stable order."""
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()


def main() -> None:
    for name, build in (("summary.docx", summary), ("plan.docx", plan)):
        path = HERE / name
        path.write_bytes(reproducible_bytes(build()))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
