"""`chsc compute DATA_DIR --period P` — every indicator of the library for one period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    EXIT_OK,
    ConfigOption,
    DataDir,
    DebugOption,
    QuietOption,
    emit,
    load_folder,
    load_indicator_library,
    parse_period_option,
    stdout,
)

PeriodOption = Annotated[str, typer.Option("--period", "-p", help="统计期：2025、2025H1、2025Q3、2025-06、2025-01..2025-06 或 2025-01-01..2025-06-30")]
FormatOption = Annotated[str, typer.Option("--format", help="输出格式：table（默认）或 json")]
IndicatorsOption = Annotated[
    list[Path] | None,
    typer.Option("--indicators", help="另加的指标文件夹（同 id 的文件替换自带指标），可写多次"),
]


def compute(
    data_dir: DataDir,
    period: PeriodOption,
    format: FormatOption = "table",
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    """计算全部指标：分子、分母、完成率、目标、是否达标、还差多少人。

    示例：chsc compute sample_data --period 2025
    """
    from ..indicators import compute_indicators
    from ..outputs.compute_table import compute_json_text, render_compute_table
    from ..problems import UserError

    if format not in ("table", "json"):
        raise UserError(f"不支持的输出格式：{format}", hint="--format 只能是 table 或 json。")
    chosen_period = parse_period_option(period)
    settings, read = load_folder(data_dir, config, quiet)
    library = load_indicator_library(indicators or [], settings)
    result = compute_indicators(read, chosen_period, settings.settings, library)
    if format == "json":
        emit(compute_json_text(result))
    else:
        render_compute_table(stdout, result, quiet=quiet)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("compute")(compute)
