"""Reading a whole data folder: files -> sheets -> classified, typed tables, one per register kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import CentreConfig, LoadedConfig
from ..problems import Problem, UserError
from .classify import classify, kind_from_settings
from .columns import normalise_header
from .headers import AliasIndex, find_header
from .kinds import KINDS
from .persons import add_person_fields, duplicate_rows
from .sources import UnreadableFile, find_register_files, read_file
from .table import build_sheet_table

READER_VERSION = "1"
#: A sheet sharing this many canonical columns with a kind but lacking a required one is reported
#: as `missing-column` (an error the user can fix) instead of being skipped silently.
NEAR_MISS_COLUMNS = 3


@dataclass(frozen=True)
class RegisterSheet:
    kind: str
    file: str
    sheet: str | None
    header_row: int  # as Excel shows it (1-based); the leaf row of a two-row header
    rows: int  # data rows kept
    columns: dict[str, str]  # field -> header as written


@dataclass(frozen=True)
class SkippedSheet:
    file: str
    sheet: str | None
    reason: str


@dataclass
class ReadResult:
    data_dir: Path
    tables: dict[str, pd.DataFrame]
    sheets: list[RegisterSheet] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def problems_with(self, *codes: str) -> list[Problem]:
        return [p for p in self.problems if p.code in codes]

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def columns_of(self, kind: str) -> set[str]:
        """Fields present in at least one sheet of `kind`."""
        return {f for s in self.sheets if s.kind == kind for f in s.columns}


def check_settings(config: LoadedConfig) -> None:
    """chsc.yaml `columns:` must name canonical columns and `kinds:` known kinds (bad-config)."""
    known_headers = {normalise_header(c.header) for kind in KINDS.values() for c in kind.columns}
    for alias, canonical in config.settings.columns.items():
        if normalise_header(canonical) not in known_headers:
            line = config.line_of("columns", alias)
            raise UserError(
                f"chsc.yaml 第 {line} 行：columns 中「{alias}」对应的「{canonical}」不是已知的标准列名。",
                hint="请写登记表规范中的标准列名，如 身份证号、体检日期、随访方式。",
                code="bad-config",
            )
    for pattern, kind in config.settings.kinds.items():
        if kind not in KINDS:
            line = config.line_of("kinds", pattern)
            raise UserError(
                f"chsc.yaml 第 {line} 行：kinds 中「{pattern}」的类型「{kind}」不存在。",
                hint=f"可选的类型：{', '.join(KINDS)}",
                code="bad-config",
            )


def read_folder(
    data_dir: Path,
    settings: CentreConfig | None = None,
    *,
    today: dt.date | None = None,
    on_file: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read every register of `data_dir`. Never raises for bad content: problems are collected."""
    settings = settings or CentreConfig()
    today = today or dt.date.today()
    index = AliasIndex.build(KINDS, settings.columns)
    result = ReadResult(data_dir, {})
    result.files = find_register_files(data_dir)
    frames: dict[str, list[pd.DataFrame]] = {}
    for path in result.files:
        _read_one_file(path, data_dir, index, settings, today, result, frames)
        if on_file is not None:
            on_file(path.name)
    for kind_name, kind_frames in frames.items():
        table = pd.concat(kind_frames, ignore_index=True) if len(kind_frames) > 1 else kind_frames[0]
        table, duplicates = duplicate_rows(table, KINDS[kind_name])
        result.problems.extend(duplicates)
        table, person_problems = add_person_fields(table, KINDS[kind_name])
        result.problems.extend(person_problems)
        result.tables[kind_name] = table
    if not result.sheets and not result.problems_with("unreadable-file", "too-large"):
        listed = "；".join(f"{s.file}: {s.sheet}" if s.sheet else s.file for s in result.skipped) or "（没有任何文件）"
        result.problems.append(Problem("no-registers", f"文件夹中没有识别出任何登记表。已跳过：{listed}"))
    return result


def _read_one_file(path, data_dir, index, settings, today, result, frames) -> None:
    try:
        raw_sheets = read_file(path, data_dir)
    except UnreadableFile as error:
        name = path.relative_to(data_dir).as_posix()
        result.problems.append(Problem(error.code, f"无法读取：{error.reason}", file=name))
        return
    for raw in raw_sheets:
        header = find_header(raw.rows, index)
        forced = kind_from_settings(settings.kinds, raw.file, raw.sheet)
        if header is None:
            _skip(result, raw.file, raw.sheet, "没有找到可识别的表头（前 20 行中没有登记表的列名）")
            continue
        outcome = classify(index, header.names, raw.file, raw.sheet, header.title_text, forced)
        if outcome.ambiguous:
            _ambiguous(result, raw.file, raw.sheet, outcome.ambiguous)
            continue
        if outcome.kind is None:
            _near_miss_or_skip(result, index, header, raw.file, raw.sheet)
            continue
        kind = KINDS[outcome.kind]
        missing = [c for c in kind.required if c.field not in outcome.matched]
        if missing:
            _missing_columns(result, raw.file, raw.sheet, header.row_index + 1, kind, missing)
            continue
        fallbacks = index.fallbacks(kind.name, header.names, outcome.matched)
        built = build_sheet_table(raw, header, kind, outcome.matched, today, fallbacks)
        result.problems.extend(built.problems)
        frames.setdefault(kind.name, []).append(built.frame)
        columns = _columns_as_written(header.names, outcome.matched)
        result.sheets.append(
            RegisterSheet(kind.name, raw.file, raw.sheet, header.row_index + 1, len(built.frame), columns)
        )


def _columns_as_written(names: list[str], matched: dict[str, int]) -> dict[str, str]:
    """field -> header as written; one 血压 column provides 收缩压 and 舒张压 (as in the table)."""
    columns = {field: names[index] for field, index in matched.items()}
    if "blood_pressure" in columns and "systolic" not in columns and "diastolic" not in columns:
        columns["systolic"] = columns["diastolic"] = columns["blood_pressure"]
    return columns


def _skip(result: ReadResult, file: str, sheet: str | None, reason: str) -> None:
    result.skipped.append(SkippedSheet(file, sheet, reason))
    result.problems.append(Problem("unrecognised-sheet", f"已跳过：{reason}", file=file, sheet=sheet))


def _ambiguous(result: ReadResult, file: str, sheet: str | None, kinds: tuple[str, ...]) -> None:
    names = " 和 ".join(f"{KINDS[k].title}（{k}）" for k in kinds)
    target = f"{file}#{sheet}" if sheet else file
    message = (
        f"无法确定是 {names} 中的哪一种。请在 chsc.yaml 中加上 kinds: {{\"{target}\": {kinds[0]}}} 指明类型，"
        f"或在文件名/工作表名中写明（如“高血压”“糖尿病”）"
    )
    result.skipped.append(SkippedSheet(file, sheet, "类型不明确"))
    result.problems.append(Problem("ambiguous-kind", message, file=file, sheet=sheet))


def _near_miss_or_skip(result: ReadResult, index: AliasIndex, header, file: str, sheet: str | None) -> None:
    best_kind, best_count = None, 0
    for kind in KINDS.values():
        count = index.canonical_count(kind.name, index.match(kind.name, header.names))
        if count > best_count:
            best_kind, best_count = kind, count
    if best_kind is not None and best_count >= NEAR_MISS_COLUMNS:
        matched = index.match(best_kind.name, header.names)
        missing = [c for c in best_kind.required if c.field not in matched]
        _missing_columns(result, file, sheet, header.row_index + 1, best_kind, missing)
        return
    _skip(result, file, sheet, "不是可识别的登记表（缺少必需的列）")


def _missing_columns(result, file, sheet, header_row, kind, missing) -> None:
    for column in missing:
        aliases = "、".join(column.aliases) or "无"
        message = (
            f"看起来是「{kind.title}」，但缺少必需的列「{column.header}」（别名：{aliases}）。"
            f"请补上该列，或在 chsc.yaml 的 columns: 中把表中的列名设为它的别名"
        )
        result.problems.append(
            Problem("missing-column", message, file=file, sheet=sheet, row=header_row, field=column.field)
        )
    result.skipped.append(SkippedSheet(file, sheet, f"缺少必需的列：{'、'.join(c.header for c in missing)}"))
