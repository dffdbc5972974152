"""The figures a centre's 工作总结 / 工作计划 is written from: this period by station, and with a
compare period its figures and the indicators that have a register row dated in it (an indicator
without one says 无上年数据 rather than comparing with an empty year)."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import ComputeResult, EngineData, compute_indicators
from ..engine.activity import indicators_with_rows_in
from ..periods import Period
from .workspace import Workspace


@dataclass
class ReportFigures:
    current: ComputeResult
    previous: ComputeResult | None = None
    with_rows: set[str] | None = None


def report_figures(workspace: Workspace, period: Period, compare: Period | None) -> ReportFigures:
    data = EngineData.prepare(workspace.registers)
    current = compute_indicators(data, period, workspace.settings, workspace.library, by="station", reasons=False)
    if compare is None:
        return ReportFigures(current)
    previous = compute_indicators(data, compare, workspace.settings, workspace.library, reasons=False)
    return ReportFigures(current, previous, indicators_with_rows_in(data, workspace.library, compare))
