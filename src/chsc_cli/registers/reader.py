"""Reading a whole data folder: files -> sheets -> classified, typed tables, one per register kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from ..config import CentreConfig
from ..problems import Problem
from .cache import ParseCache
from .kinds import KINDS, active_catalogue
from .persons import add_person_fields, duplicate_rows, kind_table
from .parse_workers import parse_dealt
from .read_plan import READER_VERSION, ReadPlan, parse_entry, plan_read
from .records import ReadResult, SkippedSheet
from .sheets import FileResult, collection_paused
from .sources import HIDDEN_REASONS, VERY_HIDDEN_REGISTER_REASON, relative_name, unsupported_reason

__all__ = ["READER_VERSION", "read_folder"]


def read_folder(
    data_dir: Path,
    settings: CentreConfig | None = None,
    *,
    today: dt.date | None = None,
    on_file: Callable[[str], None] | None = None,
    cache: ParseCache | None = None,
    workers: int | None = None,
    plan: ReadPlan | None = None,
) -> ReadResult:
    """Read every register of `data_dir`. Never raises for bad content: problems are collected.

    Files found in `cache` (same content, reader version and parsing settings) are not parsed
    again; the others are parsed in parallel over `workers` processes (default: the CPU count).
    `plan`: the read as planned before (read_plan.py: it may be reading ahead already); its
    folder, settings, day and cache are the read's.
    """
    with collection_paused():
        plan = plan or plan_read(data_dir, settings, today=today, cache=cache, read_ahead=False)
        with plan:  # however the read ends, the read ahead is stopped
            return _read_folder(plan, on_file, workers)


def _read_folder(plan: ReadPlan, on_file, workers) -> ReadResult:
    data_dir, files, cache = plan.data_dir, plan.files, plan.cache
    cached = cache.load_folder(plan.folder_key, data_dir, files) if plan.folder_key else None
    if cached is not None:  # nothing changed since the last read: not even the tables are rebuilt
        for path in files:
            if on_file is not None:
                on_file(path.name)
        return cached
    result = ReadResult(data_dir, {})
    result.files = files
    by_file = _parse_files(plan, on_file or (lambda name: None), workers)
    frames: dict[str, list[pd.DataFrame]] = {}
    for position in range(len(files)):
        file_result = by_file[position]
        result.sheets += file_result.sheets
        result.skipped += file_result.skipped
        result.problems += file_result.problems
        for sheet, frame in zip(file_result.sheets, file_result.frames):
            frames.setdefault(sheet.kind, []).append(frame)
    written = {(sheet.file, sheet.sheet): sheet.columns for sheet in result.sheets}
    for kind_name, kind_frames in frames.items():
        table = kind_table(kind_frames, KINDS[kind_name])
        table, duplicates = duplicate_rows(table, KINDS[kind_name])
        result.problems.extend(duplicates)
        table, person_problems = add_person_fields(table, KINDS[kind_name])
        result.problems.extend(_as_written(person_problems, written))
        result.tables[kind_name] = table
    for path in plan.unsupported:  # registers.md: every file of the folder is accounted for
        name, reason = relative_name(path, data_dir), unsupported_reason(path)
        result.skipped.append(SkippedSheet(name, None, reason))
        result.problems.append(Problem("unsupported-file", f"已跳过：{reason}", file=name))
    if not result.sheets and not result.problems_with("unreadable-file", "too-large"):
        listed = "；".join(
            (f"{s.file}: {s.sheet}" if s.sheet else s.file) + _hidden_mark(s.reason)
            for s in result.skipped
        ) or "（没有任何文件）"
        result.problems.append(Problem("no-registers", f"文件夹中没有识别出任何登记表。已跳过：{listed}"))
    if plan.folder_key:
        cache.store_folder(plan.folder_key, result)
    return result


def _as_written(problems: list[Problem], written: dict[tuple[str, str | None], dict[str, str]]) -> list[Problem]:
    """Problems found on a kind's whole table (bad-checksum, birth-date-mismatch, duplicate-person,
    unknown-vaccine) name their column as its sheet writes it (cli.md: "`column` is the header as
    written in the file"), as a cell's problems do: `*身份证号`, `身份证号码`, not the canonical name."""
    out = []
    for problem in problems:
        header = written.get((problem.file, problem.sheet), {}).get(problem.field) if problem.field else None
        out.append(dataclasses.replace(problem, column=header) if header and problem.column else problem)
    return out


def _hidden_mark(reason: str) -> str:
    """What no-registers adds to a skipped sheet that is hidden (and how to read it, if it is a register)."""
    if reason == VERY_HIDDEN_REGISTER_REASON:
        return "（“非常隐藏”的工作表；若要读入，请在 chsc.yaml 中写 hidden_sheets: all）"
    return "（隐藏的工作表）" if reason in HIDDEN_REASONS else ""


def _parse_files(plan: ReadPlan, on_file: Callable[[str], None], workers) -> dict[int, FileResult]:
    """Each file's result (by its position in the plan): from the cache when it holds one, else
    parsed — over forked helpers and this process, a pool of processes, or here alone."""
    done: dict[int, FileResult] = {}
    pending: list[int] = []
    for position, entry in enumerate(plan.entries):
        cached = plan.cache.load(entry.key) if plan.cache is not None and entry.key else None
        if cached is not None:
            done[position] = cached
            on_file(plan.name(position))
        else:
            pending.append(position)
    parsed = parse_dealt(plan, pending, workers, on_file)
    done.update(parsed if parsed is not None else _parse_all(plan, pending, on_file, workers))
    if plan.ahead is not None:  # the workbooks a helper parsed were opened here too: let them go
        plan.ahead.done.clear()
    return done


def _parse_all(plan: ReadPlan, pending: list[int], on_file, workers) -> dict[int, FileResult]:
    """The pending files parsed here, or over a pool of processes where no helper is forked (not
    Linux: spawned on Windows, forked on macOS as before) and the bytes are worth it; the files
    read ahead are parsed here meanwhile (their sheets are in this process)."""
    plan.stop_reading_ahead()  # (no thread of ours may run at a fork)
    read_ahead = set(plan.ahead.done) if plan.ahead is not None else set()
    count = plan.processes(pending, workers)
    if count <= 1:
        return {position: _parsed_here(plan, position, on_file) for position in pending}
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pooled = plan.largest_first(p for p in pending if p not in read_ahead)
    futures = {}
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for position in pooled:
            # a worker is sent its one file (no other file's bytes, no thread) and the kinds in force
            task = dataclasses.replace(plan, entries=[plan.entries[position]], files=[], unsupported=[], ahead=None)
            futures[position] = pool.submit(parse_entry, task, 0, active_catalogue())
            futures[position].add_done_callback(lambda _, name=plan.name(position): on_file(name))
        here = {position: _parsed_here(plan, position, on_file) for position in pending if position in read_ahead}
        return {position: here[position] if position in here else futures[position].result() for position in pending}


def _parsed_here(plan: ReadPlan, position: int, on_file) -> FileResult:
    parsed = parse_entry(plan, position)
    on_file(plan.name(position))
    return parsed
