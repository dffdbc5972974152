"""`chsc progress DATA_DIR --year Y [--through M]` — cumulative monthly values and the pace needed."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import typer

from ..problems import UserError
from .common import (
    use_register_kinds_option,
    EXIT_OK,
    file_progress,
    load_workspace,
    output_format,
    say_data_problems,
    say_definition_warnings,
    stderr,
    stdout,
)
from .options import (
    RegisterKindsOption,
    ConfigOption,
    DataDir,
    DebugOption,
    NoCacheOption,
    QuietOption,
    IndicatorsOption,
    ProgressOutputOption,
)


def progress(
    data_dir: DataDir,
    year: Annotated[str, typer.Option("--year", help="年份，如 2025 或 2025年", show_default=False)],
    through: Annotated[str | None, typer.Option("--through", help="截至月份，如 2025-09、2025年9月、9月 或 9；默认为当年有服务记录的最后一个月（只有名册时按建档、签约日期；全无日期时，本年到本月、往年到12月、来年为1月）", show_default=False)] = None,
    output: ProgressOutputOption = None,
    format: Annotated[str | None, typer.Option("--format", help="table（默认）、xlsx 或 html；给了 -o 时按后缀（两者须一致）", show_default=False)] = None,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """各指标 1–N 月累计完成情况、当前差距，以及年底达标每月还需完成的人数。

    示例：chsc progress sample_data --year 2025 --through 2025-09 -o 2025进度.html
    """
    use_register_kinds_option(register_kinds)
    chosen_format = output_format(format, output, ("table", "xlsx", "html"))
    year = _year(year)
    workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
    from ..services.progress import year_progress
    from ..outputs.progress_files import render_progress_table, write_progress_html, write_progress_xlsx

    settings = workspace.config
    found = year_progress(workspace, year, _through_month(through, year) if through else None,
                          lambda months: file_progress(months, quiet, "计算各月指标"))
    rows, month = found.rows, found.month
    if found.notice is not None and not quiet:
        stderr.print(f"注意：{found.notice.message}", markup=False)
    say_definition_warnings(getattr(found, "warnings", ()), quiet)
    if chosen_format == "table" and output is None:
        render_progress_table(stdout, rows, year, month)
        say_data_problems(found, quiet)
        return EXIT_OK
    if output is None:
        raise UserError(f"{chosen_format} 格式需要用 -o 指定输出文件。")
    if chosen_format == "html":
        written = write_progress_html(output, rows, settings.settings.centre, year, month, workspace.input_files())
    else:
        written = write_progress_xlsx(output, rows, year, month, workspace.input_files())
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    say_data_problems(found, quiet)
    return EXIT_OK


def _year(text: str) -> int:
    """--year 2025, 2025年 or 2025年度 (any period text that is one whole calendar year)."""
    from ..periods import PeriodError, parse_period

    try:
        period = parse_period(text)
    except PeriodError:
        period = None
    if period is None or (period.start.month, period.start.day, period.end.month, period.end.day) != (1, 1, 12, 31) \
            or period.start.year != period.end.year:
        raise UserError(f"年份「{text}」不对，请写四位年份，如 --year 2025 或 --year 2025年。")
    return period.start.year


def _through_month(text: str, year: int) -> int:
    """--through 9, 9月, 2025-09 or 2025年9月: a month of --year."""
    from ..periods import PeriodError, parse_period

    value = unicodedata.normalize("NFKC", text).strip().removesuffix("份").removesuffix("月").strip()
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    try:
        period = parse_period(text)
    except PeriodError:
        period = None
    if period is None or period.months != [(period.start.year, period.start.month)] or period.start.day != 1:
        raise UserError(f"--through「{text}」应为月份，如 2025-09、2025年9月 或 9。")
    if period.start.year != year:
        raise UserError(f"--through {text} 不在 --year {year} 之内。")
    return period.start.month


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
