"""Rendering a folder's read result: the `validate` table and its JSON (cli.md's shape). Every ID
number in a text shown is masked: a file or sheet renamed after a person, a header holding one."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..characters import shown_controls
from ..id_masks import mask_ids_in_data, mask_ids_in_str
from ..registers import ReadResult
from ..registers.kinds import KINDS

LEVEL_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
LEVEL_STYLES = {"error": "red", "warning": "yellow", "info": "dim"}
LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}


def validation_json(result: ReadResult) -> dict:
    return mask_ids_in_data({
        "registers": [
            {"kind": s.kind, "file": s.file, "sheet": s.sheet, "header_row": s.header_row, "rows": s.rows}
            for s in result.sheets
        ],
        "skipped": [{"file": s.file, "sheet": s.sheet, "reason": s.reason} for s in result.skipped],
        "problems": [p.to_dict() for p in result.problems],
    })


def _texts(*texts: str) -> list[Text]:
    """Cells as written (never markup), ID numbers masked."""
    return [Text(shown_controls(mask_ids_in_str(text))) for text in texts]


def render_validation_table(console: Console, result: ReadResult, *, limit: int, quiet: bool = False) -> None:
    registers = Table(title="已识别的登记表", title_justify="left")
    for heading in ("类型", "kind", "文件", "工作表", "表头行", "数据行数"):
        registers.add_column(heading, justify="right" if heading in ("表头行", "数据行数") else "left", overflow="fold")
    for sheet in result.sheets:
        registers.add_row(
            *_texts(KINDS[sheet.kind].title, sheet.kind, sheet.file, sheet.sheet or "-", str(sheet.header_row), f"{sheet.rows:,}")
        )
    console.print(registers)
    if result.skipped:
        skipped = Table(title="已跳过的工作表", title_justify="left")
        for heading in ("文件", "工作表", "原因"):
            skipped.add_column(heading)
        for item in result.skipped:
            skipped.add_row(*_texts(item.file, item.sheet or "-", item.reason))
        console.print(skipped)
    _render_problems(console, result, limit)


def _render_problems(console: Console, result: ReadResult, limit: int) -> None:
    problems = sorted(
        (p for p in result.problems if p.level != "info"),
        key=lambda p: (LEVEL_ORDER[p.level], p.file or "", p.sheet or "", p.row or 0),
    )
    counts = Counter((p.level, p.code) for p in result.problems)
    if problems:
        table = Table(title="问题", title_justify="left")
        for heading in ("级别", "代码", "文件", "工作表", "行", "列", "说明"):
            table.add_column(heading, overflow="fold", justify="right" if heading == "行" else "left")
        for problem in problems[:limit]:
            level = Text(LEVEL_NAMES[problem.level], style=LEVEL_STYLES[problem.level])
            row = "" if problem.row is None else str(problem.row)
            # Text: a file name, a header or a cell's value quoted in a message is never read as markup
            texts = (problem.code, problem.file or "", problem.sheet or "", row, problem.column or "", problem.message)
            table.add_row(level, *_texts(*texts))
        console.print(table)
        if len(problems) > limit:
            console.print(f"（仅列出前 {limit} 条，共 {len(problems):,} 条；完整列表请用 --format json 或 --limit）", markup=False)
    errors = sum(n for (level, _), n in counts.items() if level == "error")
    warnings = sum(n for (level, _), n in counts.items() if level == "warning")
    by_code = "，".join(f"{code} {n:,}" for (level, code), n in sorted(counts.items()) if level != "info")
    sheets = len({(sheet.file, sheet.sheet) for sheet in result.sheets})  # a sheet of pasted blocks lists each block
    summary = f"共 {sheets} 张登记表；错误 {errors:,} 条，警告 {warnings:,} 条"
    console.print(summary + (f"（{by_code}）" if by_code else "") + "。", markup=False)
