"""A data folder, loaded once for a command: its chsc.yaml (read once, checked), its registers
(through the parse cache) and the indicator library.

Every computing command (compute, check, gaps, progress, report, explain) opens a `Workspace`;
`validate` and the district roll-up use the steps one by one. Nothing here prints: the command line
passes a progress bar (`progress(total)` gives a context manager yielding a per-file callback).
"""

from __future__ import annotations

import os

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import CentreConfig, LoadedConfig, find_config, load_config
from ..problems import PERIOD_CODES, UserError
from ..registers.cache import ParseCache
from ..registers.read_plan import ReadPlan, plan_read
from .config_rules import verify_columns_and_kinds, verify_against_library

if TYPE_CHECKING:  # the engine and the reader load pandas: imported where used, after the read is planned
    from ..engine import Library
    from ..registers import ReadResult

#: Problems after which a computing command stops: its numbers would be wrong without the data.
STOPPING_CODES = ("unreadable-file", "too-large", "ambiguous-kind", "no-registers")

Progress = Callable[[int], AbstractContextManager[Callable[[str], None]]]


def no_progress(total: int) -> AbstractContextManager[Callable[[str], None]]:
    return nullcontext(lambda name: None)


@dataclass
class Workspace:
    """One data folder as the computing commands use it."""

    data_dir: Path
    config: LoadedConfig
    registers: ReadResult
    library: Library

    @property
    def settings(self) -> CentreConfig:
        return self.config.settings

    def input_files(self) -> list[Path]:
        """The files read, and the data folder itself: no spreadsheet already under it (through a
        link to last year's folder, too, which the read skips) is written over (atomic.py)."""
        return [*input_files(self.config, self.registers), self.data_dir]


def check_data_dir(data_dir: Path) -> Path:
    if not data_dir.exists():
        raise UserError(f"找不到数据文件夹：{data_dir}", hint="请检查路径是否写对。")
    if not data_dir.is_dir():
        raise UserError(f"{data_dir} 不是文件夹。", hint="请给出存放登记表的文件夹，而不是单个文件。")
    try:
        with os.scandir(data_dir) as listing:
            next(listing, None)
    except OSError as error:
        raise UserError(f"无法打开数据文件夹 {data_dir}（{error.strerror}）。", hint="请检查该文件夹的权限（需要可读、可进入）。") from None
    return data_dir


def load_settings(data_dir: Path, config: Path | None) -> LoadedConfig:
    """The folder's chsc.yaml (or `--config`), read once, its columns and kinds checked."""
    loaded = load_config(find_config(data_dir, config))
    verify_columns_and_kinds(loaded)
    return loaded


def plan_registers(data_dir: Path, settings: LoadedConfig, *, use_cache: bool = True, read_ahead: bool = True) -> ReadPlan:
    """The folder's read planned (registers/read_plan.py): its files, and the workbooks read ahead
    on a thread where that pays. Close it (or use it as a context manager) if it is not read."""
    return plan_read(data_dir, settings.settings, cache=ParseCache() if use_cache else None, read_ahead=read_ahead)


def read_registers(data_dir: Path, settings: LoadedConfig, *, use_cache: bool = True,
                   progress: Progress = no_progress, plan: ReadPlan | None = None) -> ReadResult:
    """Everything read from the folder (with the parse cache unless `use_cache` is false);
    `plan`: the read as plan_registers planned it."""
    from ..registers import read_folder

    plan = plan or plan_registers(data_dir, settings, use_cache=use_cache, read_ahead=False)
    with plan, progress(len(plan.files)) as on_file:
        return read_folder(data_dir, plan=plan, on_file=on_file)


def load_indicator_library(extra_dirs: list[Path], settings: LoadedConfig) -> Library:
    """The indicator library; chsc.yaml `targets:` must name indicators of it, and a `population:`
    key that is not chsc's own a figure one of its indicators reads."""
    from ..engine import load_library

    library = load_library(extra_dirs)
    verify_against_library(library, settings)
    return library


def open_workspace(data_dir: Path, config: Path | None, indicator_dirs: list[Path], *, use_cache: bool = True,
                   progress: Progress = no_progress) -> Workspace:
    """Settings, registers and library of a data folder for the computing commands: an unreadable
    file, an ambiguous sheet or no registers at all stop them (UserError)."""
    check_data_dir(data_dir)
    settings = load_settings(data_dir, config)
    # planned first: it starts opening the workbooks while this process loads pandas, the engine and
    # the library (whose errors, as chsc.yaml's, stop the command before the registers are read)
    with plan_registers(data_dir, settings, use_cache=use_cache) as plan:
        library = load_indicator_library(indicator_dirs, settings)
        read = read_registers(data_dir, settings, use_cache=use_cache, progress=progress, plan=plan)
    stop_on_unusable(read, STOPPING_CODES)
    return Workspace(data_dir, settings, read, library)




def read_for_validate(data_dir: Path, config: Path | None, indicator_dirs: list[Path], *, use_cache: bool = True,
                      progress: Progress = no_progress, period=None) -> ReadResult:
    """What `chsc validate` reports on: chsc.yaml is checked exactly as the computing commands check
    it (the same functions, targets against the library) before any register is parsed, while the
    workbooks are opened ahead (as in open_workspace); nothing else stops. With `period`, the
    problems the indicators find for that period (PERIOD_CODES) are added, each one, at its row."""
    check_data_dir(data_dir)
    settings = load_settings(data_dir, config)
    with plan_registers(data_dir, settings, use_cache=use_cache) as plan:
        library = load_indicator_library(indicator_dirs, settings)
        read = read_registers(data_dir, settings, use_cache=use_cache, progress=progress, plan=plan)
    if period is not None and read.tables:
        from ..engine import compute_indicators

        computed = compute_indicators(read, period, settings.settings, library, reasons=False)
        found = [p for e in computed.evaluations.values() for p in e.warnings if p.code in PERIOD_CODES and p.row is not None]
        read.problems = list(dict.fromkeys([*read.problems, *found]))
    return read


def stop_on_unusable(read: ReadResult, codes: tuple[str, ...], folder: str | None = None,
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


def input_files(settings: LoadedConfig, read: ReadResult) -> list[Path]:
    """What a command read and must never write over: every register and the chsc.yaml used — a
    list chsc wrote into the folder before too (staff may have filled it in since)."""
    return [*read.files, *([settings.path] if settings.path is not None else [])]
