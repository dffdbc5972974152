"""`chsc gaps INDICATOR DATA_DIR --period P` — who still needs to be seen, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    use_register_kinds_option,
    EXIT_OK,
    emit,
    ids_shown,
    indicator_id_of,
    load_workspace,
    output_format,
    parse_period_option,
    raise_user_error,
    say_data_problems,
    say_period_notice,
    stderr,
    stdout,
    writing_status,
)
from .options import (
    RegisterKindsOption,
    ConfigOption,
    DataDir,
    DebugOption,
    NoCacheOption,
    QuietOption,
    IndicatorsOption,
    GapsOutputOption,
    PeriodOption,
)


def gaps(
    indicator_id: Annotated[str, typer.Argument(help="指标 id 或名称（chsc indicators 可查，如 老年人健康管理率），或 all 表示全部指标", show_default=False)],
    data_dir: DataDir,
    period: PeriodOption,
    output: GapsOutputOption = None,
    format: Annotated[str | None, typer.Option("--format", help="table（默认）、csv 或 xlsx；给了 -o 时按后缀（两者须一致）", show_default=False)] = None,
    split: Annotated[str, typer.Option("--split", help="xlsx 中按 station（站点）或 team（团队）分工作表")] = "station",
    show_id: Annotated[bool, typer.Option("--show-id", help="显示完整身份证号（默认只显示前6位和后4位）")] = False,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """列出分母中尚未进入分子的人（待体检、待随访名单），附原因、站点、团队、电话和最近一次联系日期。

    示例：chsc gaps elderly_health_management_rate sample_data --period 2025 -o 待体检名单.xlsx
    """
    use_register_kinds_option(register_kinds)
    chosen_format = output_format(format, output, ("table", "csv", "xlsx"))
    if split not in ("station", "team"):
        raise_user_error(f"--split 只能是 station 或 team，而不是「{split}」。")
    chosen_period = parse_period_option(period)
    workspace = load_workspace(data_dir, config, indicators, quiet, no_cache)  # first: it reads ahead
    from ..services.gaps import gap_lists
    from ..outputs.gaps_files import gaps_csv_text, render_gaps_table, write_gaps_csv, write_gaps_xlsx

    library = workspace.library
    wanted = list(library.indicators) if indicator_id == "all" else [indicator_id_of(library, indicator_id, also="；或 all")]
    if len(wanted) > 1 and chosen_format != "xlsx":
        raise_user_error("gaps all 会为每个指标写一个工作表，请用 -o 名单.xlsx 输出。")
    result, lists = gap_lists(workspace, chosen_period, wanted)
    say_period_notice(result, quiet)
    if chosen_format == "xlsx":
        if output is None:
            raise_user_error("xlsx 格式需要用 -o 指定输出文件，如 -o 名单.xlsx。")
        with writing_status(output, sum(len(g.people) for g in lists), quiet):
            written = write_gaps_xlsx(output, lists, show_id, split, workspace.input_files())
    elif output is not None:
        written = write_gaps_csv(output, lists[0], show_id, workspace.input_files())
    else:
        with ids_shown(show_id):
            if chosen_format == "csv":
                emit(gaps_csv_text(lists[0], show_id))
                if lists[0].note:  # stdout stays CSV: what the list cannot say goes to stderr, --quiet or not
                    stderr.print(f"{lists[0].name}：{lists[0].note}", markup=False)
            else:
                render_gaps_table(stdout, lists[0], show_id)
        say_data_problems(result, quiet)
        return EXIT_OK
    if not quiet:
        total = sum(len(g.people) for g in lists)
        words = {g.word for g in lists}
        stderr.print(f"已写入 {written}（共 {total:,} {words.pop() if len(words) == 1 else '条'}）", markup=False)
    for gaps_item in lists:  # the xlsx has them on its 说明 sheet; a csv has no place for them but stderr
        if gaps_item.note and (not quiet or chosen_format == "csv"):
            stderr.print(f"{gaps_item.name}：{gaps_item.note}", markup=False)
    say_data_problems(result, quiet)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("gaps")(gaps)
