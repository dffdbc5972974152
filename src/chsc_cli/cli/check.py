"""`chsc check DATA_DIR --period P` — only what misses its target; exit 1 on a miss."""

from __future__ import annotations

import typer

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    load_workspace,
    parse_period_option,
    say_data_problems,
    say_period_notice,
    stdout,
    use_register_kinds_option,
)
from .options import (
    ConfigOption,
    DataDir,
    DebugOption,
    NoCacheOption,
    QuietOption,
    RegisterKindsOption,
    IndicatorsOption,
    PeriodOption,
)


def check(
    data_dir: DataDir,
    period: PeriodOption,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """检查哪些指标未达标、还需再完成多少人；有未达标时退出码为 1（无法计算的不算未达标）。

    示例：chsc check sample_data --period 2025
    """
    use_register_kinds_option(register_kinds)
    chosen_period = parse_period_option(period)
    workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
    from ..engine import compute_indicators
    from ..services.progress import pace_lines
    from ..outputs.library_text import render_check

    settings, read, library = workspace.config, workspace.registers, workspace.library
    result = compute_indicators(read, chosen_period, settings.settings, library, reasons=False)
    say_period_notice(result, quiet)
    misses = render_check(stdout, result, pace_lines(result.indicators, chosen_period))
    say_data_problems(result, quiet)
    return EXIT_FINDINGS if misses else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("check")(check)
