"""`chsc validate DATA_DIR` — the data-quality report."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    use_register_kinds_option,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USER_ERROR,
    emit_json,
    file_progress,
    parse_period_option,
    stderr,
    stdout,
)
from .options import (
    RegisterKindsOption,
    ConfigOption,
    DataDir,
    DebugOption,
    QuietOption,
    NoCacheOption,
    IndicatorsOption,
)

FormatOption = Annotated[str, typer.Option("--format", help="输出格式：table（表格，默认）或 json")]
LimitOption = Annotated[int, typer.Option("--limit", help="表格中最多列出多少条问题（json 总是列出全部）")]


def validate(
    data_dir: DataDir,
    format: FormatOption = "table",
    limit: LimitOption = 200,
    period: Annotated[str | None, typer.Option("--period", "-p", help="统计期（可选）：给出时还列出按该期计算才发现的问题：随访、体检等记录中的人不在名册中（not-in-roster）", show_default=False)] = None,
    indicators: IndicatorsOption = None,
    config: ConfigOption = None,
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    no_cache: NoCacheOption = False,
    debug: DebugOption = False,
) -> int:
    """检查数据文件夹中的登记表：识别了哪些表、跳过了哪些、每个问题在哪个文件哪一行哪一列；
    chsc.yaml 的检查与 compute 相同（含 targets 中的指标和目标值）。

    示例：chsc validate sample_data --format json

    示例：chsc validate sample_data --period 2025（还列出按 2025 年计算才发现的问题）
    """
    use_register_kinds_option(register_kinds)
    from ..problems import UserError
    from ..services.workspace import read_for_validate, stopping_line

    format = format.strip().lower()  # --format JSON, as other commands take it
    if format not in ("table", "json"):
        raise UserError(f"不支持的输出格式：{format}", hint="--format 只能是 table 或 json。")
    if limit < 0:  # problems[:-1] would drop the last problem without a word
        raise UserError(f"--limit 不能是负数：{limit}", hint="写 0 或正整数，如 --limit 500；要列出全部问题请用 --format json。")
    chosen_period = parse_period_option(period) if period is not None else None
    try:
        result = read_for_validate(data_dir, config, indicators or [], use_cache=not no_cache,
                                   progress=lambda total: file_progress(total, quiet), period=chosen_period)  # first: it reads ahead
    except UserError as error:
        if format == "json" and error.code == "bad-config" and _about_settings(error, data_dir, config):
            emit_json(_bad_config_json(error, data_dir, config))  # cli.md's bad-config problem, for a script reading stdout
        raise  # and the one or two lines on stderr, exit 2
    from ..outputs.validation import render_validation_table, validation_json

    if format == "json":
        emit_json(validation_json(result))
    else:
        render_validation_table(stdout, result, limit=limit, quiet=quiet)
        if chosen_period is None and not quiet and _rosters_and_events(result):
            stderr.print("提示：随访、体检等记录中的人不在名册中（not-in-roster）等问题按统计期计算才发现，"
                         "加 --period 一并列出，如 chsc validate 数据文件夹 --period 2025。", markup=False)
    unreadable = result.problems_with("unreadable-file", "too-large")
    if unreadable:  # cli.md: exit 2 says what and where on stderr, for validate too
        stderr.print(f"错误：{stopping_line(unreadable)}", markup=False)
        stderr.print("该文件未读入，其余登记表的检查结果见上；按提示修好后重新运行 chsc validate。", markup=False)
        return EXIT_USER_ERROR
    return EXIT_FINDINGS if result.has_errors else EXIT_OK


def _about_settings(error, data_dir: Path, config: Path | None) -> bool:
    """Whether a bad-config error is chsc.yaml's (cli.md: "chsc.yaml invalid"), not an indicator
    or register-kind file's, which share the code: its message names the settings file."""
    from ..config import CONFIG_NAME

    settings = config if config is not None else data_dir / CONFIG_NAME
    return str(settings) in error.message or error.message.startswith(settings.name)


def _bad_config_json(error, data_dir: Path, config: Path | None) -> dict:
    """validate's JSON when chsc.yaml is invalid: no register read, the one bad-config problem (its
    file as given, relative to DATA_DIR when inside it; its line when the message names one)."""
    from ..config import CONFIG_NAME
    from ..problems import Problem

    settings = config if config is not None else data_dir / CONFIG_NAME
    try:
        shown = settings.resolve().relative_to(data_dir.resolve()).as_posix()
    except (OSError, ValueError):
        shown = str(settings)
    line = re.search(r"第 (\d+) 行", error.message)
    problem = Problem("bad-config", str(error), file=shown, row=int(line.group(1)) if line else None)
    return {"registers": [], "skipped": [], "problems": [problem.to_dict()]}


def _rosters_and_events(result) -> bool:
    """Whether the folder has a roster and an event register, so that not-in-roster may be found,
    and nothing unreadable (whose message must stay the last lines)."""
    from ..registers import KINDS

    if result.problems_with("unreadable-file", "too-large"):
        return False
    kinds = {kind for kind in result.filled_kinds() if kind in KINDS}
    return any(KINDS[k].roster for k in kinds) and any(not KINDS[k].roster for k in kinds)


def _help() -> str:
    """The docstring, and the kinds a sheet can be recognised as (from the kind files)."""
    from ..problems import UserError
    from ..registers import KINDS

    try:
        kinds = "、".join(f"{kind.title}（{name}）" for name, kind in KINDS.items())
    except UserError:  # a broken shipped kind file is reported when the command runs
        return inspect.cleandoc(validate.__doc__ or "")
    return f"{inspect.cleandoc(validate.__doc__ or '')}\n\n可识别的登记表类型：{kinds}；--register-kinds 可加入本中心的类型。"


def register(app: typer.Typer) -> None:
    app.command("validate", help=_help())(validate)
