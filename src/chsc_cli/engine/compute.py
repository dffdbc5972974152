"""Computing a library's indicators on a folder's registers for a period: each indicator's run
(indicator_run.py), on two processes where it pays (parallel.py), assembled into the result with
its warnings and, with `by`, a row per station or team.

Nothing here knows any indicator by name: every rule is in the YAML library.
"""

from __future__ import annotations

from dataclasses import replace

from ..collector import collection_paused
from ..config import CentreConfig
from ..periods import Period
from ..problems import Problem
from ..registers import ReadResult
from .activity import period_without_data
from .engine_input import EngineData
from .figures import figures_not_given, station_figure
from .groups import group_names, group_results, listed_groups
from .indicator_run import IndicatorRun
from .library import Library
from .model import Indicator
from .parallel import evaluate_all, reap_children
from .results import DEFINITION_WARNING, ComputeResult, Evaluation, group_problems


def compute_indicators(
    read: ReadResult | EngineData,
    period: Period,
    settings: CentreConfig,
    library: Library,
    *,
    only: list[str] | None = None,
    reasons: bool = True,
    by: str | None = None,
) -> ComputeResult:
    """Every indicator of `library` (or `only` these) for `period`; with `by` ("station" or
    "team"), each indicator's row is followed by one row per group.

    Each evaluation keeps its per-person table only when something reads it: the reasons (gaps,
    explain) or the groups of `by`. Without them the figures, steps and warnings are all a caller
    gets, and the part evaluated in another process comes back without tens of thousands of rows."""
    data = read if isinstance(read, EngineData) else EngineData.prepare(read)
    problems: list[Problem] = [p for p in data.read.problems if p.level != "info"]
    problems += [_definition_warning(text) for text in library.warnings]
    chosen = [indicator for indicator_id, indicator in library.indicators.items() if only is None or indicator_id in only]
    problems += [_definition_warning(text) for text in figures_not_given(library, chosen, period, settings)]
    grouped = by is not None

    def run(indicator: Indicator) -> Evaluation:
        evaluation = IndicatorRun(indicator, library, data, period, settings, reasons, grouped).run()
        return evaluation if reasons or grouped else replace(evaluation, persons=None)

    try:
        with collection_paused():  # hundreds of pandas objects a second, none in a cycle that matters here
            evaluations = evaluate_all(chosen, run, data)
        return _assembled(data, library, period, settings, only, by, problems, evaluations)
    finally:
        reap_children()  # the evaluation's child exits meanwhile (parallel.py): no process left behind


def _assembled(data: EngineData, library: Library, period: Period, settings: CentreConfig, only, by, problems, evaluations) -> ComputeResult:
    """The result of `compute_indicators` from its evaluations: warnings, the period check, rows."""
    for evaluation in evaluations.values():
        problems += evaluation.warnings
    notice = period_without_data(data, library, period, only=only)
    if notice is not None:
        problems.insert(0, notice)
    rows = []
    groups = group_names(list(evaluations.values()), by, settings) if by else []
    for indicator_id, evaluation in evaluations.items():
        rows.append(evaluation.result)
        if by:
            indicator = library.indicators[indicator_id]
            figure = station_figure(indicator, period, settings)
            listed = listed_groups(indicator, by, groups, library, data, period)
            rows += group_results(evaluation, by, listed, settings, period, figure, indicator.per_year_station)
    return ComputeResult(
        centre=settings.centre,
        period=period,
        indicators=rows,
        evaluations=evaluations,
        warnings=group_problems(list(dict.fromkeys(problems))),
    )


def _definition_warning(text: str) -> Problem:
    """A word of an indicator file that a keep-as-written column does not list: `file:line: ...`."""
    located, _, message = text.partition(": ")
    path, _, line = located.rpartition(":")
    return Problem(DEFINITION_WARNING, f"指标定义：{message}", file=path or located, row=int(line) if line.isdigit() else None)
