"""`chsc compute DATA_DIR --period P` — every indicator of the library for one period."""

from __future__ import annotations

import typer

from .common import (
    use_register_kinds_option,
    EXIT_OK,
    emit,
    emit_json,
    output_format,
    raise_user_error,
    say_period_notice,
    stderr,
    load_workspace,
    parse_period_option,
    stdout,
)
from .options import (
    ByOption,
    CentresOption,
    ConfigOption,
    DataDir,
    DebugOption,
    FormatOption,
    IndicatorsOption,
    NoCacheOption,
    OutputOption,
    PeriodOption,
    QuietOption,
    RegisterKindsOption,
)


def compute(
    data_dir: DataDir,
    period: PeriodOption,
    format: FormatOption = None,
    output: OutputOption = None,
    by: ByOption = None,
    centres: CentresOption = False,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """计算全部指标：分子、分母、完成率、目标、是否达标、还差多少人。

    示例：chsc compute sample_data --period 2025 --by station -o 2025指标.xlsx
    """
    use_register_kinds_option(register_kinds)
    chosen_format = output_format(format, output, ("table", "json", "csv", "xlsx"))
    if by is not None and by not in ("station", "team"):
        raise_user_error(f"--by 只能是 station 或 team，而不是「{by}」。")
    chosen_period = parse_period_option(period)
    if centres:
        if by is not None:
            raise_user_error("--centres 与 --by 不能同时使用。")
        from .district import compute_district

        result, inputs = compute_district(data_dir, chosen_period, indicators or [], config, quiet, no_cache)
        say_period_notice(result, quiet)
    else:
        workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
        from ..engine import compute_indicators

        settings, read, library = workspace.config, workspace.registers, workspace.library
        result = compute_indicators(read, chosen_period, settings.settings, library, by=by, reasons=False)
        inputs = workspace.input_files()
        say_period_notice(result, quiet)
    from ..outputs.compute_files import write_compute_csv, write_compute_xlsx
    from ..outputs.compute_table import compute_json_text, render_compute_table
    from ..outputs.writer import write_text

    if output is None and chosen_format in ("table", "json", "csv"):
        if chosen_format == "table":
            from ..services.progress import pace_lines

            render_compute_table(stdout, result, quiet=quiet, pace=pace_lines(result.indicators, chosen_period))
        elif chosen_format == "json":
            emit_json(result.to_json())
        else:
            from ..outputs.compute_files import HEADER, compute_rows
            from ..outputs.writer import csv_text

            emit(csv_text(HEADER, compute_rows(result, as_text=True)))
        return EXIT_OK
    if output is None:
        raise_user_error("xlsx 格式需要用 -o 指定输出文件，如 -o 2025指标.xlsx。")
    writers = {
        "json": lambda: write_text(output, compute_json_text(result) + "\n", protected=inputs),
        "csv": lambda: write_compute_csv(output, result, inputs),
        "xlsx": lambda: write_compute_xlsx(output, result, inputs),
        "table": lambda: write_compute_csv(output, result, inputs),
    }
    written = writers[chosen_format]()
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("compute")(compute)
