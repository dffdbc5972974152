"""Rendering the library (`chsc indicators`), one definition with its counts (`chsc explain`) and
the misses (`chsc check`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine import ComputeResult, Library
from ..engine.results import Evaluation
from ..periods import chinese_label
from ..registers import KINDS
from .compute_files import SOURCE_NAMES
from .formatting import amount, count, percent, target_percent, target_text, unit_word


def render_library(console: Console, library: Library, targets: dict) -> None:
    table = Table(title="指标库", title_justify="left")
    for heading in ("id", "名称", "类别", "目标", "登记表"):
        table.add_column(heading, overflow="fold")
    for indicator_id, indicator in library.indicators.items():
        target = targets.get(indicator_id, indicator.target)
        registers = "、".join(KINDS[r].title for r in indicator.registers)
        table.add_row(*map(Text, (indicator_id, indicator.name, indicator.category, f"{indicator.comparison} {_target(indicator, target)}", registers)))
    console.print(table)


def _target(indicator, target) -> str:
    """90%, or a count's yearly minimum (每年 12次): a count's target is a number, not a share."""
    return f"每年 {int(target)}{indicator.unit_word}" if indicator.unit == "count" else target_percent(target)


def _value(value: object) -> str:
    """A parameter as its file writes it: a list as [门诊, 家庭], a null as null, yes/no as true/false."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_value, value)) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _shared_file(library: Library, name: str) -> str:
    """Where a shared parameter is written: a centre's parameters.yaml that gives it, else a word list
    of the register kinds' (面对面随访方式) is register_kinds/_value_sets.yaml, read by the reader and
    the indicators alike, else chsc's parameters.yaml."""
    from ..registers import VALUE_SETS

    if name in library.parameter_sources:
        return str(library.parameter_sources[name])
    return "register_kinds/_value_sets.yaml" if name in VALUE_SETS else "parameters.yaml"


def render_definition(console: Console, library: Library, indicator_id: str, targets: dict) -> None:
    indicator = library.indicators[indicator_id]
    target = targets.get(indicator_id, indicator.target)
    console.print(Text.assemble((indicator.name, "bold"), f"（{indicator.id}）  类别：{indicator.category}  目标：{indicator.comparison} {_target(indicator, target)}"))
    console.print(f"登记表：{'、'.join(KINDS[r].title for r in indicator.registers)}", markup=False)
    console.print(f"定义文件：{library.sources[indicator_id]}", markup=False)
    console.print(indicator.definition, markup=False)
    shared = library.shared_parameters_read.get(indicator_id, ())
    if indicator.parameters or shared:
        shown = "；".join([*(f"{name} = {_value(value)}" for name, value in indicator.parameters.items()),
                          *(f"{name} = {_value(library.parameters[name])}（共用，{_shared_file(library, name)}）" for name in shared)])
        console.print(f"参数：{shown}", markup=False)


def render_steps(console: Console, evaluation: Evaluation, period_label: str,
                 register_rows: list[tuple[str, int | None]] = ()) -> None:
    """The steps from register rows to numerator and denominator (cli.md): `register_rows` are the
    (register title, rows read — None when the folder has no such register) of the registers the
    indicator reads, said first."""
    result = evaluation.result
    if evaluation.steps:  # (none when a register it reads is missing: only the reason is said)
        table = Table(title=Text(f"{period_label} 计算步骤"), title_justify="left")
        table.add_column("步骤")
        table.add_column("人数/行数", justify="right")
        said = {label.partition("：")[0] for label, _ in evaluation.steps if "：读入行数" in label}
        for title, rows in register_rows:
            if rows is None:  # an absent register inside any: its item passes no one (said, never silent)
                table.add_row(Text(f"{title}：数据文件夹中没有这张登记表（读入 0 行）"), count(0))
            elif title not in said:  # (a roster's own rows are its denominator's first step)
                table.add_row(Text(f"{title}：读入的记录行数（各时期，出错的行除外）"), count(rows))
        for label, value in evaluation.steps:
            table.add_row(Text(label), count(value))
        console.print(table)
    if result.reason:
        console.print(f"无法计算：{result.reason}", markup=False)
        return
    if result.is_count:  # no denominator: the count against the period's minimum
        minimum = "" if result.target is None else f"（{period_label}应开展{target_text(result)}）"
        console.print(f"结果：{amount(result.numerator, result)}{minimum}", markup=False)
        return
    console.print(
        f"结果：{count(result.numerator)} / {count(result.denominator)} = {percent(result.numerator, result.denominator)}"
        f"（分母来源：{SOURCE_NAMES.get(result.denominator_source or '', result.denominator_source)}）",
        markup=False,
    )


def render_check(console: Console, result: ComputeResult, pace: dict[str, str] | None = None) -> int:
    """Print the misses, what could not be computed and what had no one in its denominator;
    returns the number of misses."""
    rows = [row for row in result.indicators if row.group is None]
    misses = [row for row in rows if row.met is False]
    if misses:
        console.print(Text(f"{chinese_label(result.period)} 未达标的指标（{len(misses)} 项）：", style="bold red"))
        for row in misses:
            if row.is_count:  # 健康知识讲座：已开展5次，2025年上半年应开展6次，尚差1次
                line = (f"  ✗ {row.name.removesuffix('次数')}：已开展{amount(row.numerator, row)}，"
                        f"{chinese_label(result.period)}应开展{target_text(row)}，尚差{amount(row.shortfall, row)}")
            else:
                line = (f"  ✗ {row.name}：{percent(row.numerator, row.denominator)}（{count(row.numerator)}/{count(row.denominator)}），"
                        f"目标 {target_percent(row.target)}，需再完成 {count(row.shortfall)} {unit_word(row)}")
            console.print(line, markup=False)
            if pace and row.id in pace:
                console.print(f"    {pace[row.id]}", markup=False)
    elif any(row.met is not None for row in rows):
        console.print(Text(f"{chinese_label(result.period)} 可计算的指标全部达标。", style="bold green"))
    else:  # nothing judged (a new folder of templates, every denominator 0): no word of 达标
        console.print(Text(f"{chinese_label(result.period)} 没有可判断达标的指标（见下）。", style="bold"))
    missing = [row for row in rows if row.reason]
    if missing:
        console.print(Text("无法计算：", style="bold"))
        for row in missing:
            console.print(f"  {row.name}：{row.reason}", markup=False)
    empty = [row.name for row in rows if not row.reason and not row.is_count and row.denominator == 0]
    if empty:  # no one to serve in the period: neither met nor missed, but not silently left out either
        console.print(f"本期分母为 0、不判断达标（{len(empty)} 项）：{'、'.join(empty)}", markup=False)
    return len(misses)
