"""`chsc report DATA_DIR --period P [--compare P2] --kind summary|plan -o FILE` — the 工作总结 or
工作计划 as .docx, .md or .html (from the suffix), from shipped or the centre's own templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    use_register_kinds_option,
    EXIT_OK,
    busy,
    load_workspace,
    parse_period_option,
    raise_user_error,
    say_data_problems,
    say_period_notice,
    stderr,
)
from .options import (
    RegisterKindsOption,
    ConfigOption,
    DataDir,
    DebugOption,
    NoCacheOption,
    QuietOption,
    IndicatorsOption,
    PeriodOption,
)

CompareOption = Annotated[
    str | None,
    typer.Option("--compare", help="比较期（通常为上年，如 2024）：写出较上年提升 / 下降多少个百分点", show_default=False),
]
KindOption = Annotated[str, typer.Option("--kind", help="summary（工作总结，默认）或 plan（下一年度工作计划）")]
ReportOutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="输出文件：.docx（Word）、.md（Markdown）或 .html（网页，含图表）", show_default=False)
]
TemplateOption = Annotated[
    Path | None,
    typer.Option("--template", help="自己的模板：Word 输出用 .docx 模板，.md / .html 输出用 Jinja 文本模板", show_default=False),
]


def report(
    data_dir: DataDir,
    period: PeriodOption,
    output: ReportOutputOption,
    compare: CompareOption = None,
    kind: KindOption = "summary",
    template: TemplateOption = None,
    centres: Annotated[bool, typer.Option("--centres", help="DATA_DIR 是区级文件夹：每个子文件夹是一个中心，生成全区的总结或计划")] = False,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """生成年度工作总结（summary）或下一年度工作计划（plan）：各项指标的完成率、较上年变化、是否达标、
    尚差人数、各站点情况；计划按差距算出每月需完成的人数。格式由 -o 的后缀决定（.docx / .md / .html）。

    示例：chsc report sample_data --period 2025 --compare 2024 --kind summary -o 2025年度工作总结.docx
    """
    use_register_kinds_option(register_kinds)
    from ..outputs.report import FORMATS, REPORT_KINDS, write_report  # (no pandas: the read plans first)

    if kind not in REPORT_KINDS:
        raise_user_error(f"--kind 只能是 summary（工作总结）或 plan（工作计划），而不是「{kind}」。")
    output_format = output.suffix.lower().lstrip(".")
    if output_format not in FORMATS:
        raise_user_error(f"无法从文件名 {output.name or output} 判断输出格式（-o 要给出文件名，如 工作总结.docx）。", hint="请用以下后缀之一：.docx、.md、.html。")
    chosen_period = parse_period_option(period)
    compare_period = parse_period_option(compare, "--compare") if compare is not None else None
    if kind == "plan" and not quiet:
        _say_partial_plan(chosen_period)
    if centres:
        return _district_report(data_dir, chosen_period, compare_period, kind, output, output_format, template, indicators, config,
                                quiet, no_cache)
    workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
    from ..outputs.report_build import build_report_context
    from ..services.report_figures import report_figures

    with busy("正在计算各项指标…", quiet):
        figures = report_figures(workspace, chosen_period, compare_period)
    say_period_notice(figures.current, quiet)
    with busy(f"正在生成 {output.name}…", quiet):
        context = build_report_context(figures.current, library=workspace.library, kind=kind, compare=figures.previous,
                                       compare_with_rows=figures.with_rows)
        written = write_report(context, output, output_format, template=template, protected=workspace.input_files())
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    say_data_problems(figures.current, quiet)
    return EXIT_OK


def _say_partial_plan(period) -> None:
    """A plan is next year's, from this year's shortfalls: one written from part of a year (a
    quarter's shortfall spread over twelve months) is allowed — a plan drafted in November from
    January–October — but said."""
    from ..periods import chinese_label

    if not period.whole_year:
        stderr.print(f"提示：统计期{chinese_label(period)}不是全年：工作计划中的尚差人数和每月进度按该期间的完成情况计算；"
                     f"编制下一年度计划通常用全年（如 --period {period.end.year}）。", markup=False)


def _district_report(data_dir, period, compare_period, kind, output, output_format, template, indicators, config, quiet,
                     no_cache) -> int:
    """The district's summary or plan: each centre in the place of a station."""
    from ..outputs.report import write_report
    from ..outputs.report_build import build_report_context
    from .district import district_run

    run = district_run(data_dir, period, indicators or [], config, quiet, no_cache, compare=compare_period)
    say_period_notice(run.current, quiet)
    context = build_report_context(run.current, library=run.library, kind=kind, compare=run.previous,
                                   compare_with_rows=run.with_rows, unit="中心")
    written = write_report(context, output, output_format, template=template, protected=run.inputs)
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    say_data_problems(run.current, quiet)  # the centres' errors and warnings summed, as the data note says
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("report")(report)
