"""The `compute` table (rich) and its JSON."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine import ComputeResult
from ..characters import shown_controls
from ..id_masks import mask_ids_in_data, mask_ids_in_str
from ..periods import chinese_label
from .data_problems import data_problems_text
from .formatting import amount, count, gap_heading, rate_text, target_text, unit_word
from .writer import json_text


def compute_json_text(result: ComputeResult) -> str:
    """cli.md's JSON, with every ID number in a text masked (a station or team name, a file's name in
    a warning: a shifted column or a renamed file can hold one)."""
    return json_text(mask_ids_in_data(result.to_json()))


def _met_mark(met: bool | None) -> Text:
    if met is None:
        return Text("—")
    return Text("✓", style="green") if met else Text("✗", style="red")


def _gap(row, *, mixed: bool) -> str:
    """The shortfall; with rows of several words (人, 例, 次) each cell says its own."""
    if row.shortfall is None:
        return "—"
    return amount(row.shortfall, row) if mixed else count(row.shortfall)


def render_compute_table(console: Console, result: ComputeResult, *, quiet: bool = False, pace: dict[str, str] | None = None) -> None:
    title = f"{result.centre or ''} {chinese_label(result.period)} 指标完成情况".strip()
    table = Table(title=Text(shown_controls(mask_ids_in_str(title))), title_justify="left")  # Text: a name is never read as markup
    for heading, justify in (("指标", "left"), ("分子", "right"), ("分母", "right"), ("率", "right"),
                             ("目标", "right"), ("达标", "center"), (gap_heading(result.indicators), "right")):
        table.add_column(heading, justify=justify)
    for row in result.indicators:
        name = row.name if row.group is None else f"  {mask_ids_in_str(row.group_name)}"  # a cell can hold an ID
        # Text: a station's or team's name as written in the register, a library's words, never markup
        figures = (count(row.numerator), count(row.denominator), rate_text(row), target_text(row))
        table.add_row(Text(name), *map(Text, figures), _met_mark(row.met), Text(_gap(row, mixed=gap_heading(result.indicators) == "差距")))
    console.print(table)
    for row in result.indicators:
        if pace and row.group is None and row.id in pace:
            console.print(f"{row.name}：{pace[row.id]}", markup=False)
    for note in dict.fromkeys(row.note for row in result.indicators if row.note and row.group is None):
        console.print(Text.assemble(("注意：", "bold"), note))
    missing = [row for row in result.indicators if row.reason and row.group is None]
    if missing:
        console.print(Text("无法计算：", style="bold"))
        for row in missing:
            console.print(f"  {row.name}：{row.reason}", markup=False)
    said = None if quiet else data_problems_text(result.warnings, period=_period_label(result),
                                                  district=hasattr(result, "centres"))
    if said:
        console.print(Text.assemble(("提示：", "yellow"), said))


def _period_label(result) -> str | None:
    """The period as --period takes it (a district result has one too)."""
    period = getattr(result, "period", None)
    return getattr(period, "label", None)
