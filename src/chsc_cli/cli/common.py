"""What every command shares: exit codes, consoles, loading the data folder, reading options."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from ..config import LoadedConfig, find_config, load_config
from ..problems import UserError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3

def _width(stream) -> int | None:
    """Rich's width: the terminal's; when redirected, wide enough for the tables (COLUMNS wins)."""
    return None if os.environ.get("COLUMNS") or stream.isatty() else 160


stdout = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def use_register_kinds_option(folders: list[Path] | None) -> None:
    """--register-kinds: the shipped register kinds plus the centre's (bad files: exit 2, file:line)."""
    from ..registers import use_register_kinds

    use_register_kinds(folders or [])


def check_data_dir(data_dir: Path) -> Path:
    if not data_dir.exists():
        raise UserError(f"找不到数据文件夹：{data_dir}", hint="请检查路径是否写对。")
    if not data_dir.is_dir():
        raise UserError(f"{data_dir} 不是文件夹。", hint="请给出存放登记表的文件夹，而不是单个文件。")
    return data_dir


def load_settings(data_dir: Path, config: Path | None) -> LoadedConfig:
    from ..registers import check_settings

    loaded = load_config(find_config(data_dir, config))
    check_settings(loaded)
    return loaded


@contextmanager
def file_progress(total: int, quiet: bool, description: str = "读取登记表"):
    """A rich progress bar on stderr (only on a terminal); yields a callback taking a file name."""
    if quiet or total == 0 or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[name]}"),
        console=stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total, name="")
        yield lambda name: progress.update(task, advance=1, name=name)


def emit(text: str) -> None:
    """Machine-readable output (JSON, CSV) straight to stdout, never wrapped or coloured."""
    sys.stdout.write(text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def parse_period_option(text: str):
    from ..periods import PeriodError, parse_period

    try:
        return parse_period(text)
    except PeriodError as error:
        raise UserError(f"统计期「{text}」无法识别：{error}") from None


def read_registers(data_dir: Path, config: Path | None, quiet: bool, no_cache: bool = False):
    """Settings and everything read from the folder (with the parse cache unless --no-cache)."""
    from ..registers import ParseCache, read_folder
    from ..registers.sources import find_register_files

    check_data_dir(data_dir)
    settings = load_settings(data_dir, config)
    cache = None if no_cache else ParseCache()
    with file_progress(len(find_register_files(data_dir)), quiet) as on_file:
        read = read_folder(data_dir, settings.settings, on_file=on_file, cache=cache)
    return settings, read


def load_folder(data_dir: Path, config: Path | None, quiet: bool, no_cache: bool = False):
    """Settings and registers of a data folder for the computing commands (compute, check, gaps,
    progress, report): an unreadable file, an ambiguous sheet or no registers at all stop them."""
    settings, read = read_registers(data_dir, config, quiet, no_cache)
    stop_on_unusable(read, STOPPING_CODES)
    return settings, read


#: Problems after which a computing command stops: its numbers would be wrong without the data.
STOPPING_CODES = ("unreadable-file", "too-large", "ambiguous-kind", "no-registers")


def stop_on_unusable(read, codes: tuple[str, ...], folder: str | None = None,
                     hint: str = "缺了这些数据算出的指标会不准，已停止。") -> None:
    """A UserError naming the first problem of `codes` in `read` (and how many more), if any.
    `folder`: the centre folder (relative to the district folder) the files are in."""
    stopping = read.problems_with(*codes)
    if stopping:
        raise UserError(stopping_line(stopping, "，可用 chsc validate 查看", folder), hint=hint, code=stopping[0].code)


def stopping_line(stopping: list, more: str = "", folder: str | None = None) -> str:
    """One line for problems that stop a command: the first with its file (inside `folder`, a
    district's centre folder, when given), and how many more."""
    first = stopping[0]
    file = "/".join(part for part in (folder, first.file) if part)
    place = f"{file}：" if file else ""
    others = f"（另有 {len(stopping) - 1} 处同类问题{more}）" if len(stopping) > 1 else ""
    return f"{place}{first.message}{others}"


def say_period_notice(result, quiet: bool) -> None:
    """Before the figures, on stderr: the period holds no register row (a mistyped year, or one not
    yet begun). JSON keeps it as a `period-without-data` warning."""
    notice = getattr(result, "period_notice", None)
    if notice and not quiet:
        stderr.print(f"注意：{notice}", markup=False)


def input_files(settings: LoadedConfig, read) -> list[Path]:
    """What a command read and must never write over: every register and the chsc.yaml used."""
    return [*read.files, *([settings.path] if settings.path is not None else [])]


def load_indicator_library(extra_dirs: list[Path], settings: LoadedConfig):
    """The indicator library; chsc.yaml `targets:` must name indicators of it."""
    from ..engine import load_library

    library = load_library(extra_dirs)
    check_targets(library, settings)
    return library


def check_targets(library, settings: LoadedConfig) -> None:
    """Every indicator chsc.yaml `targets:` names is in the library."""
    for indicator_id, target in settings.settings.targets.items():
        line = settings.line_of("targets", indicator_id)
        if indicator_id not in library.indicators:
            raise UserError(
                f"chsc.yaml 第 {line} 行：targets 中的指标「{indicator_id}」不存在。",
                hint=f"可用的指标：{library.listing()}",
                code="bad-config",
            )
        indicator = library.indicators[indicator_id]
        if indicator.unit == "count" and target != target.to_integral_value():
            raise UserError(f"chsc.yaml 第 {line} 行：targets.{indicator_id} 的值（{target}）不对：计次指标的目标是每年的最少次数。",
                            hint=f"写整数，如 {indicator_id}: {int(indicator.target)}", code="bad-config")
        if indicator.unit != "count" and target > 1:
            raise UserError(f"chsc.yaml 第 {line} 行：targets.{indicator_id} 的值（{target}）不对：超出 0 到 1（0% 到 100%）的范围。",
                            hint=f'targets.{indicator_id} 应为 0 到 1 之间的小数，如 0.9 或 "90%"。', code="bad-config")


def indicator_id_of(library, text: str, also: str = "") -> str:
    """The id of the indicator the user named by id or by Chinese name; else a UserError listing
    every indicator with its id and name (and `also`, what else the command takes)."""
    found = library.find(text)
    if found is None:
        raise UserError(f"没有指标「{text}」。", hint=f"可用的指标（id 或名称均可）：{library.listing()}{also}")
    return found


def raise_user_error(message: str, hint: str | None = None):
    raise UserError(message, hint=hint)


def output_format(given: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    """--format, or the -o file's suffix, or the first allowed (the default)."""
    if given is not None:
        if given not in allowed:
            raise UserError(f"不支持的输出格式：{given}", hint=f"--format 可选：{'、'.join(allowed)}。")
        return given
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in allowed or suffix == "table":
            files = "、".join(f".{a}" for a in allowed if a != "table")
            raise UserError(f"无法从文件名 {output.name} 判断输出格式。", hint=f"请用以下后缀之一：{files}。")
        return suffix
    return allowed[0]
