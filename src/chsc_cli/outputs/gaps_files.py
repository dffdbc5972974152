"""Care-gap lists as a table, CSV or xlsx (one sheet per station or team; `gaps all`: one sheet per
indicator). ID numbers are masked unless the user asked for them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine.groups import UNFILLED
from ..masking import mask_ids, mask_ids_in_text
from ..services.gaps import GapList
from .writer import csv_text, write_csv
from .xlsx_writer import SheetSpec, write_xlsx

HEADERS = ["站点", "团队", "姓名", "{key}", "年龄", "联系电话", "原因", "最近一次联系"]


def _header(gaps: GapList) -> list[str]:
    if gaps.record_headers is not None:
        return list(gaps.record_headers)
    return [h.format(key=gaps.key_header) for h in HEADERS]


def gap_rows(gaps: GapList, show_id: bool) -> list[list[object]]:
    """The list's rows as written. Unless `show_id`, every ID number in any text is masked: the ID
    column, and an ID in a reason, or typed into the name, phone, station or team cell (a shifted
    column); --show-id only unmasks, it changes nothing else."""
    people = gaps.people
    if gaps.record_headers is not None:  # records: ID columns already masked and values formatted by the list
        columns = [people[column] if show_id else mask_ids_in_text(people[column]) for column in people.columns]
        return _rows(columns)
    shown = (lambda texts: texts) if show_id else mask_ids_in_text
    keys = mask_ids(people["key"]) if not show_id and gaps.key_header == "身份证号" else shown(people["key"])
    ages = people["age"].map(lambda a: None if pd.isna(a) else int(a))
    contacts = people["last_contact"].map(lambda d: None if pd.isna(d) else d.date())
    columns = [shown(people["station"]), shown(people["team"]), shown(people["name"]), keys, ages, shown(people["phone"]),
               shown(people["reason"]), contacts]
    return _rows(columns)


def _rows(columns: list) -> list[list[object]]:
    """The columns as rows, a missing value (None, NaN, NaT, NA) as None: an empty cell in every
    format, never the text 'nan'."""
    return [[None if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else value for value in row] for row in zip(*columns)]


def render_gaps_table(console: Console, gaps: GapList, show_id: bool) -> None:
    if gaps.counted:  # a count has no list: how many more activities are needed
        console.print(f"{gaps.name}：{gaps.note}", markup=False)
        return
    if not gaps.computed:  # no list to show: why, not an empty 待完成名单（0 人）
        console.print(f"{gaps.name}：无法计算，{gaps.why_empty()}", markup=False)
        return
    title = f"{gaps.name}：待完成名单（{len(gaps.people):,} {gaps.word}）"
    rows = gap_rows(gaps, show_id)
    if len(rows) > LONG_LIST:
        console.print(Text(title))
        console.print(_aligned_text(_header(gaps), rows), soft_wrap=True, highlight=False)
    else:
        table = Table(title=Text(title), title_justify="left")
        for heading in _header(gaps):
            table.add_column(heading, overflow="fold")
        for row in rows:
            table.add_row(*(Text("" if value is None else str(value)) for value in row))  # as written: never markup
        console.print(table)
    if gaps.note:
        console.print(gaps.note, markup=False)


#: Past this many lines a list is printed as plain aligned columns: a boxed table measures every
#: cell again to fit the terminal, ~25 s for a 20,000-line list (a second here); the lines are the same.
LONG_LIST = 500


def _aligned_text(header: list[str], rows: list[list[object]]) -> Text:
    """The header, a rule and the rows, each column padded to its widest cell (a Chinese character
    is two columns wide), never wrapped: the terminal or a pager shows the lines as they are."""
    cells = [[("" if value is None else str(value)).replace("\n", " ").replace("\r", " ") for value in row] for row in rows]
    widths = [max([cell_len(heading), *(cell_len(row[column]) for row in cells)]) for column, heading in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(value + " " * (width - cell_len(value)) for value, width in zip(values, widths)).rstrip()

    rule = "  ".join("─" * width for width in widths)
    return Text("\n".join([line(header), rule, *map(line, cells)]))


def gaps_csv_text(gaps: GapList, show_id: bool) -> str:
    return csv_text(_header(gaps), gap_rows(gaps, show_id), show_ids=show_id)


def write_gaps_csv(path: Path, gaps: GapList, show_id: bool, protected) -> Path:
    return write_csv(path, _header(gaps), gap_rows(gaps, show_id), protected=protected, show_ids=show_id)


def _sheet(title: str, gaps: GapList, rows: list[list[object]]) -> SheetSpec:
    if gaps.record_headers is not None:  # every record column is text (card numbers, date-times as written)
        return SheetSpec(title=title, header=_header(gaps), rows=rows, text_columns=set(range(len(gaps.record_headers))))
    return SheetSpec(title=title, header=_header(gaps), rows=rows, date_columns={7}, text_columns={3, 5})


NOTES_TITLE = "说明"
NOTES_HEADER = ["指标", "名单", "说明"]


def _listed(gaps: GapList) -> str:
    """What the 名单 cell of the notes sheet says of a list: how many lines, or why there are none."""
    if not gaps.computed:
        return "无法计算"
    if gaps.counted:
        return "计次指标，没有名单"
    return f"{len(gaps.people):,} {gaps.word}"


def _notes_sheet(lists: list[GapList]) -> SheetSpec:
    """The first sheet: each list's note (the terminal's lines after the table), so that what the
    list cannot say reaches whoever opens the file, with or without --quiet."""
    rows = [[gaps.name, _listed(gaps), gaps.note or (gaps.empty_note if not len(gaps.people) else None)] for gaps in lists]
    return SheetSpec(title=NOTES_TITLE, header=NOTES_HEADER, rows=rows, autofilter=len(lists) > 1)


def _empty_sheet(title: str, gaps: GapList) -> SheetSpec:
    """A list with no line: the sheet says why (a count has no list, the indicator could not be
    computed, nobody is left), not a bare header of person columns."""
    return SheetSpec(title=title, header=[NOTES_TITLE], rows=[[gaps.why_empty()]], autofilter=False)


def write_gaps_xlsx(path: Path, lists: list[GapList], show_id: bool, split: str, protected) -> Path:
    """One list: a sheet per station (or team), after a 说明 sheet when the list has a note;
    several lists (`gaps all`): a 说明 sheet of every list, then a sheet per indicator. A list with
    no line is a sheet saying why (one list: the 说明 sheet alone). Every list sheet keeps its
    header on the first row."""
    sheets = []
    if len(lists) == 1:
        gaps = lists[0]
        rows = gap_rows(gaps, show_id)
        if not rows:
            return write_xlsx(path, [_notes_sheet(lists)], protected=protected, show_ids=show_id)
        if gaps.note:
            sheets.append(_notes_sheet(lists))
        position = 0 if split == "station" or gaps.record_headers is not None else 1  # records have no team
        groups = list(dict.fromkeys(row[position] for row in rows))
        groups.sort(key=lambda group: group == UNFILLED)  # stable: 未填 last, as compute --by lists it
        for group in groups:
            sheets.append(_sheet(str(group), gaps, [row for row in rows if row[position] == group]))
    else:
        sheets.append(_notes_sheet(lists))
        for gaps in lists:
            rows = gap_rows(gaps, show_id)
            sheets.append(_sheet(gaps.name, gaps, rows) if rows else _empty_sheet(gaps.name, gaps))
    return write_xlsx(path, sheets, protected=protected, show_ids=show_id)
