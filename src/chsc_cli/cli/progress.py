"""`chsc progress DATA_DIR --year Y [--through M]` — cumulative monthly values and the pace needed."""

from __future__ import annotations

from typing import Annotated

import typer

from ..problems import UserError
from .common import (
    RegisterKindsOption,
    use_register_kinds_option,
    EXIT_OK,
    ConfigOption,
    DataDir,
    DebugOption,
    NoCacheOption,
    QuietOption,
    input_files,
    load_folder,
    load_indicator_library,
    output_format,
    stderr,
    stdout,
)
from .compute import IndicatorsOption, OutputOption


def progress(
    data_dir: DataDir,
    year: Annotated[int, typer.Option("--year", help="年份，如 2025", show_default=False)],
    through: Annotated[str | None, typer.Option("--through", help="截至月份，如 2025-09 或 9；默认为当年有记录的最后一个月", show_default=False)] = None,
    output: OutputOption = None,
    format: Annotated[str | None, typer.Option("--format", help="table（默认）、xlsx 或 html；给了 -o 时按后缀", show_default=False)] = None,
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
    from ..indicators import EngineData
    from ..indicators.progress import last_event_month, progress as compute_progress
    from ..outputs.progress_files import render_progress_table, write_progress_html, write_progress_xlsx

    chosen_format = output_format(format, output, ("table", "xlsx", "html"))
    if not 1900 <= year <= 2100:
        raise UserError(f"年份 {year} 不对，请写四位年份，如 --year 2025。")
    settings, read = load_folder(data_dir, config, quiet, no_cache)
    library = load_indicator_library(indicators or [], settings)
    data = EngineData.prepare(read)
    month = _through_month(through, year) if through else last_event_month(data, library, year)
    rows = compute_progress(data, library, settings.settings, year, month)
    if chosen_format == "table" and output is None:
        render_progress_table(stdout, rows, year, month)
        return EXIT_OK
    if output is None:
        raise UserError(f"{chosen_format} 格式需要用 -o 指定输出文件。")
    if chosen_format == "html":
        written = write_progress_html(output, rows, settings.settings.centre, year, month, input_files(settings, read))
    else:
        written = write_progress_xlsx(output, rows, year, month, input_files(settings, read))
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    return EXIT_OK


def _through_month(text: str, year: int) -> int:
    value = text.strip()
    if "-" in value:
        given_year, _, month_text = value.partition("-")
        if given_year != str(year):
            raise UserError(f"--through {text} 不在 --year {year} 之内。")
        value = month_text
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise UserError(f"--through「{text}」应为月份，如 2025-09 或 9。")
    return int(value)


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
