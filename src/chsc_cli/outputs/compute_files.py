"""`compute` as CSV or xlsx rows, written through the shared writer."""

from __future__ import annotations

from pathlib import Path

from ..engine import ComputeResult
from ..periods import chinese_label
from .formatting import rate_text, target_text, unit_word
from .writer import write_csv
from .xlsx_writer import SheetSpec, write_xlsx

HEADER = ["指标编号", "指标", "分组", "分子", "分母", "率", "目标", "达标", "差距", "分母来源", "说明", "计数单位"]
PERCENT_COLUMNS = {5, 6}
SOURCE_NAMES = {"config": "chsc.yaml 官方数", "roster": "名册", "register": "登记记录"}


def compute_rows(result: ComputeResult, *, as_text: bool) -> list[list[object]]:
    """One row per indicator and group. CSV wants text percentages; xlsx wants numbers."""
    rows = []
    for row in result.indicators:
        met = "" if row.met is None else ("是" if row.met else "否")
        rows.append([
            row.id,
            row.name,
            result.total_label if row.group is None else row.group_name,
            row.numerator,
            row.denominator,
            rate_text(row) if as_text or row.unit == "count" else row.value,
            target_text(row) if as_text or row.unit == "count" or row.target is None else float(row.target),
            met,
            row.shortfall,
            SOURCE_NAMES.get(row.denominator_source or "", ""),
            "；".join(text for text in (row.reason, row.note) if text),  # a district total: why not, and what it leaves out
            unit_word(row),
        ])
    return rows


def write_compute_csv(path: Path, result: ComputeResult, protected) -> Path:
    return write_csv(path, HEADER, compute_rows(result, as_text=True), protected=protected)


def write_compute_xlsx(path: Path, result: ComputeResult, protected) -> Path:
    rows = compute_rows(result, as_text=False)
    missed = {index for index, row in enumerate(result.indicators) if row.met is False}
    sheet = SheetSpec(
        title=f"{chinese_label(result.period)}指标",
        header=HEADER,
        rows=rows,
        percent_columns=PERCENT_COLUMNS,
        highlight_rows=missed,
    )
    return write_xlsx(path, [sheet], protected=protected)
