"""`chsc indicators` (the library as a table) and `chsc explain ID [DATA_DIR --period P]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..periods import chinese_label
from ..problems import UserError
from .common import (
    EXIT_OK,
    indicator_id_of,
    load_workspace,
    parse_period_option,
    say_period_notice,
    stderr,
    stdout,
    use_register_kinds_option,
)
from .options import ConfigOption, DebugOption, NoCacheOption, QuietOption, RegisterKindsOption, IndicatorsOption

OptionalDataDir = Annotated[Path | None, typer.Argument(help="数据文件夹（给出时显示每一步的人数）", show_default=False)]


def indicators(
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,  # leaves out the definition warnings (stderr)
    debug: DebugOption = False,
) -> int:
    """列出指标库：id、名称、类别、目标、用到的登记表。

    示例：chsc indicators --indicators 本中心指标
    """
    use_register_kinds_option(register_kinds)
    from ..engine import load_library
    from ..outputs.library_text import render_library

    library = load_library(indicators or [])
    render_library(stdout, library, _targets_of(config, library))
    if not quiet:  # a condition of the files that may not mean what it says (file:line: …)
        for warning in library.warnings:
            stderr.print(f"注意：{warning}", markup=False)
    return EXIT_OK


def explain(
    indicator_id: Annotated[str, typer.Argument(help="指标 id 或名称，如 elderly_health_management_rate 或 老年人健康管理率", show_default=False)],
    data_dir: OptionalDataDir = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="统计期（给出数据文件夹时必填）", show_default=False)] = None,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """显示一个指标的定义；给出数据文件夹和统计期时，列出从登记表行到分子、分母的每一步人数。

    示例：chsc explain elderly_health_management_rate sample_data --period 2025
    """
    use_register_kinds_option(register_kinds)
    if data_dir is None:
        from ..engine import load_library
        from ..outputs.library_text import render_definition

        if period is not None:  # the steps need registers: a period alone was silently ignored
            parse_period_option(period)
            if not quiet:
                stderr.print(f"提示：没有给出数据文件夹，只显示定义；要看 {period} 每一步的人数，请加上数据文件夹，"
                             f"如 chsc explain {indicator_id} 数据文件夹 --period {period}", markup=False)
        library = load_library(indicators or [])
        indicator_id = indicator_id_of(library, indicator_id)
        render_definition(stdout, library, indicator_id, _targets_of(config, library))
        return EXIT_OK
    if period is None:
        raise UserError("给出数据文件夹时需要 --period，如 --period 2025。")
    chosen_period = parse_period_option(period)
    workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
    from ..engine import compute_indicators
    from ..outputs.library_text import render_definition, render_steps

    settings, read, library = workspace.config, workspace.registers, workspace.library
    indicator_id = indicator_id_of(library, indicator_id)
    result = compute_indicators(read, chosen_period, settings.settings, library, only=[indicator_id])
    say_period_notice(result, quiet)
    render_definition(stdout, library, indicator_id, settings.settings.targets)
    from ..registers import KINDS

    rows = [(KINDS[kind].title, len(read.tables[kind]) if kind in read.tables else None)
            for kind in library.indicators[indicator_id].registers if kind in KINDS]
    render_steps(stdout, result.evaluations[indicator_id], chinese_label(chosen_period), rows)
    return EXIT_OK


def _targets_of(config: Path | None, library) -> dict:
    """The targets of the chsc.yaml given with --config when no data folder is: the file is checked as
    every data command checks it (its columns:, kinds:, and what it names of the library), so that a
    mistake in it is said here too, not first on the day it is used with data."""
    if config is None:
        return {}
    from ..config import find_config, load_config
    from ..services.config_rules import verify_against_library, verify_columns_and_kinds

    loaded = load_config(find_config(Path("."), config))
    verify_columns_and_kinds(loaded)
    verify_against_library(library, loaded)
    return loaded.settings.targets


def register(app: typer.Typer) -> None:
    app.command("indicators")(indicators)
    app.command("explain")(explain)
