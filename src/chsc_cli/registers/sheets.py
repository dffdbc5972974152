"""One file -> its classified, typed sheets: the unit of work that is parsed in parallel and cached."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..collector import collection_paused
from ..config import CentreConfig
from ..problems import Problem
from .classify import classify, kind_from_settings
from .columns import RegisterKind, completeness_message
from .headers import AliasIndex, find_header
from .headers import _cell_text as cell_text, _combine as combine
from .pasted_blocks import A_HEADER, NOT_A_HEADER, PART_OF_A_HEADER, HeaderCheck, RepeatedHeaders, blocks, header_like
from .catalogue import Catalogue
from .kinds import active_catalogue, use_catalogue
from .persons import ID_FIELD, with_id_facts
from .records import RegisterSheet, SkippedSheet
from .sources import (
    HIDDEN_REASON,
    HIDDEN_REGISTER_REASON,
    VERY_HIDDEN,
    VERY_HIDDEN_REGISTER_REASON,
    OpenedWorkbook,
    UnreadableFile,
    read_file,
)
from .table import build_sheet_table

#: A sheet sharing this many canonical columns with a kind but lacking a required one is reported
#: as `missing-column` (an error the user can fix) instead of being skipped silently.
NEAR_MISS_COLUMNS = 3


@dataclass
class FileResult:
    """What one file holds: its register sheets (with their tables), skipped sheets, problems."""

    sheets: list[RegisterSheet] = field(default_factory=list)
    frames: list[pd.DataFrame] = field(default_factory=list)  # one per entry of `sheets`
    skipped: list[SkippedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_one_file(
    path: Path,
    data_dir: Path,
    settings: CentreConfig,
    today: dt.date,
    data: bytes | None = None,
    catalogue: Catalogue | None = None,
    pre_read: OpenedWorkbook | UnreadableFile | None = None,
) -> FileResult:
    """Read, classify and parse every sheet of one file. Never raises for bad content.

    `catalogue`: the kinds in force (default: the active ones); a worker process started with
    `spawn` has only the shipped kinds until it is given the centre's. `pre_read`: the workbook as
    read_plan.py's read ahead opened it already, or why it could not be opened."""
    with collection_paused():
        return _read_one_file(path, data_dir, settings, today, data, catalogue, pre_read)


def _read_one_file(path, data_dir, settings, today, data, catalogue, pre_read) -> FileResult:
    if catalogue is not None and catalogue is not active_catalogue():
        use_catalogue(catalogue)
    kinds = active_catalogue().kinds
    result = FileResult()
    index = _alias_index(active_catalogue(), settings.columns)
    try:
        if isinstance(pre_read, UnreadableFile):
            raise pre_read
        raw_sheets = pre_read.raw_sheets() if pre_read is not None else read_file(path, data_dir, data=data)
    except UnreadableFile as error:
        name = path.relative_to(data_dir).as_posix()
        if error.code == "unsupported-file":  # a list chsc wrote (sources.OUTPUT_MARK): skipped, not a fault
            result.skipped.append(SkippedSheet(name, None, error.reason))
            result.problems.append(Problem(error.code, f"已跳过：{error.reason}", file=name))
            return result
        result.problems.append(Problem(error.code, f"无法读取：{error.reason}", file=name))
        return result
    for raw in raw_sheets:
        for line in raw.damaged_lines:  # read as UTF-8 all the same: the rest of the line is right
            result.problems.append(Problem(
                "bad-encoding", f"第 {line} 行有几个字节不是有效的 UTF-8 文字（常见于导出时按字节截断的文字），已显示为 �；"
                "该行其余内容照常读取。请在原系统中核对该行", file=raw.file, sheet=raw.sheet, row=line))
        _read_sheet(result, raw, index, kinds, settings, today)
    return result


def _read_sheet(result: FileResult, raw, index: AliasIndex, kinds, settings: CentreConfig, today: dt.date,
                kind_of_block: str | None = None) -> None:
    """One sheet (or one pasted block of it: `kind_of_block` is the kind its first block was read
    as) into `result`."""
    header = find_header(raw.rows, index)
    forced = kind_of_block or kind_from_settings(settings.kinds, raw.file, raw.sheet)
    if header is None:
        _skip(result, raw.file, raw.sheet, HIDDEN_REASON if raw.hidden else "没有找到可识别的表头（前 20 行中没有登记表的列名）")
        return
    cells = _cells_below(raw.rows, header.row_index)
    outcome = classify(index, header.names, raw.file, raw.sheet, header.title_text, forced, cells)
    if raw.hidden:
        complete = outcome.kind is not None and not outcome.ambiguous and outcome.ruled_out_by is None and all(
            c.field in outcome.matched for c in kinds[outcome.kind].required
        )
        reason = _hidden_reason(raw.hidden, settings.hidden_sheets, complete)
        if reason is not None:  # a hidden sheet that is not a register (a lookup list) is no error either
            _skip(result, raw.file, raw.sheet, reason)
            return
    if outcome.ambiguous:
        _ambiguous(result, kinds, raw.file, raw.sheet, outcome.ambiguous)
        return
    if outcome.ruled_out_by is not None:
        word = outcome.ruled_out_by
        _skip(result, raw.file, raw.sheet, f"表名、标题或文件名中的「{word}」所指病种没有这种登记表类型")
        return
    if outcome.kind is None:
        _near_miss_or_skip(result, index, header, raw.file, raw.sheet, raw.shown_row(header.row_index))
        return
    kind = kinds[outcome.kind]
    if raw.hidden_columns:
        outcome = replace(outcome, matched=index.visible_first(kind.name, header.names, outcome.matched, raw.hidden_columns))
    missing = [c for c in kind.required if c.field not in outcome.matched]
    if missing:
        _missing_columns(result, raw.file, raw.sheet, raw.shown_row(header.row_index), kind, missing)
        return
    fallbacks = index.fallbacks(kind.name, header.names, outcome.matched)
    alternates = index.alternates(kind.name, header.names, outcome.matched, raw.hidden_columns)
    id_facts_of = ID_FIELD if kind.keyed_by_id_number else None
    check = None if kind_of_block else _header_check(index, kind)
    try:
        built = build_sheet_table(raw, header, kind, outcome.matched, today, fallbacks, id_facts_of, alternates, check)
    except RepeatedHeaders as repeated:  # exports pasted one under another: each block under its own header
        for block in blocks(raw, header.row_index, repeated):
            _read_sheet(result, block, index, kinds, settings, today, kind_of_block=kind.name)
        return
    result.problems.extend(built.problems)
    result.frames.append(with_id_facts(built.frame) if id_facts_of else built.frame)
    for field in kind.completeness_fields:
        if field not in outcome.matched:
            message = completeness_message(kind.column(field).header)
            problem = Problem("completeness-unchecked", message, file=raw.file, sheet=raw.sheet)
            if problem not in result.problems:  # once a sheet, not once for each of its pasted blocks
                result.problems.append(problem)
    columns = _columns_as_written(kind, header.names, outcome.matched)
    result.sheets.append(
        RegisterSheet(kind.name, raw.file, raw.sheet, raw.shown_row(header.row_index), len(built.frame), columns)
    )


def _header_check(index: AliasIndex, kind: RegisterKind) -> HeaderCheck:
    """pasted_blocks' look for the kind's header below the data: a row that names every required
    column of the kind alone, or with the row above or below it (a two-row header) when it is all
    header-like text (a data row holding column words right above a pasted header holds an ID, a
    date or a reading too: it is data)."""

    def complete(names: list[str]) -> bool:
        matched = index.match(kind.name, names)
        return all(column.field in matched for column in kind.required)

    def confirm(above, cells, below) -> int:
        names = [cell_text(cell) for cell in cells]
        if complete(names):
            return A_HEADER
        if not header_like(cells):  # a data row holding column words (签约=签约) is no part of a header
            return NOT_A_HEADER
        if above is not None and header_like(above):
            above_names = [cell_text(cell) for cell in above]
            if any(above_names) and not complete(above_names) and complete(combine(above_names, names)):
                return PART_OF_A_HEADER
        if below is not None and complete(combine(names, [cell_text(cell) for cell in below])):
            return PART_OF_A_HEADER
        return NOT_A_HEADER

    return HeaderCheck(frozenset(index.by_kind[kind.name]), confirm)


#: The last alias index built: (catalogue, chsc.yaml's aliases, index) — the same for every file of a read.
_LAST_INDEX: list[tuple[Catalogue, tuple, AliasIndex]] = []


def _alias_index(catalogue: Catalogue, extra_aliases: dict[str, str] | None) -> AliasIndex:
    aliases = tuple((extra_aliases or {}).items())
    if not _LAST_INDEX or _LAST_INDEX[0][0] is not catalogue or _LAST_INDEX[0][1] != aliases:
        _LAST_INDEX[:] = [(catalogue, aliases, AliasIndex.build(catalogue.kinds, extra_aliases))]
    return _LAST_INDEX[0][2]


def _columns_as_written(kind: RegisterKind, names: list[str], matched: dict[str, int]) -> dict[str, str]:
    """field -> header as written; one 血压 column provides 收缩压 and 舒张压 (as in the table)."""
    columns = {field: names[index] for field, index in matched.items()}
    for split in kind.split_columns:
        if split.field in columns and not any(target in columns for target in split.fills):
            for target in split.fills:
                columns[target] = columns[split.field]
    return columns


def _hidden_reason(hidden: str, setting: str, register: bool) -> str | None:
    """Why a hidden sheet is skipped (chsc.yaml `hidden_sheets`), or None: it is read."""
    if not register:
        return HIDDEN_REASON
    if setting == "skip":
        return HIDDEN_REGISTER_REASON
    if hidden == VERY_HIDDEN and setting != "all":
        return VERY_HIDDEN_REGISTER_REASON
    return None


def _skip(result: FileResult, file: str, sheet: str | None, reason: str) -> None:
    result.skipped.append(SkippedSheet(file, sheet, reason))
    result.problems.append(Problem("unrecognised-sheet", f"已跳过：{reason}", file=file, sheet=sheet))


def _cells_below(rows: list[list[object]], header_row: int):
    """column index -> the cells below the header (read only when a classification rule asks)."""

    def cells(column: int) -> list[object]:
        return [row[column] for row in rows[header_row + 1 :] if column < len(row)]

    return cells


def _ambiguous(result: FileResult, kinds, file: str, sheet: str | None, tied: tuple[str, ...]) -> None:
    names = " 和 ".join(f"{kinds[k].title}（{k}）" for k in tied)
    target = f"{file}#{sheet}" if sheet else file
    words = dict.fromkeys((kinds[k].disease_words or kinds[k].words or (kinds[k].title,))[0] for k in tied)
    example = "".join(f"“{word}”" for word in words)
    message = (
        f"无法确定是 {names} 中的哪一种。请在 chsc.yaml 中加上 kinds: {{\"{target}\": {tied[0]}}} 指明类型，"
        f"或在文件名/工作表名中写明（如{example}）"
    )
    result.skipped.append(SkippedSheet(file, sheet, "类型不明确"))
    result.problems.append(Problem("ambiguous-kind", message, file=file, sheet=sheet))


def _near_miss_or_skip(result: FileResult, index: AliasIndex, header, file: str, sheet: str | None, header_row: int) -> None:
    best_kind, best_count = None, 0
    for kind in index.kinds.values():
        count = index.canonical_count(kind.name, index.match(kind.name, header.names))
        if count > best_count:
            best_kind, best_count = kind, count
    if best_kind is not None and best_count >= NEAR_MISS_COLUMNS:
        matched = index.match(best_kind.name, header.names)
        missing = [c for c in best_kind.required if c.field not in matched]
        if not missing:  # every required column is there: a rule telling kinds apart left it out
            target = f"{file}#{sheet}" if sheet else file
            _skip(result, file, sheet, f"看起来是「{best_kind.title}」，但无法从病种字样或列确定是哪种登记表；"
                                       f"请在文件名或工作表名中写明病种，或在 chsc.yaml 中写 kinds: {{\"{target}\": {best_kind.name}}}")
            return
        _missing_columns(result, file, sheet, header_row, best_kind, missing)
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
