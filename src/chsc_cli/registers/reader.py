"""Reading a whole data folder: files -> sheets -> classified, typed tables, one per register kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from ..collector import collection_paused
from ..config import CentreConfig
from ..problems import Problem
from .births import births_across_registers
from .cache import ParseCache
from .kinds import KINDS, active_catalogue
from .persons import add_person_fields, duplicate_rows, kind_table
from .parse_workers import parse_dealt, parsed_here
from .read_plan import READER_VERSION, ReadPlan, parse_entry, plan_read
from .records import ReadResult, SkippedSheet
from .sheets import FileResult
from .folder import relative_name, unsupported_reason
from .sources import HIDDEN_REASONS, VERY_HIDDEN_REGISTER_REASON

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
    steps = _KindSteps()
    by_file = _parse_files(plan, on_file or (lambda name: None), workers, steps)
    for position in range(len(files)):
        file_result = by_file[position]
        result.sheets += file_result.sheets
        result.skipped += file_result.skipped
        result.problems += file_result.problems
    written: dict[tuple[str, str | None], list[tuple[int, dict[str, str]]]] = {}
    for sheet in result.sheets:  # a sheet of pasted exports has a header per block (pasted_blocks.py)
        written.setdefault((sheet.file, sheet.sheet), []).append((sheet.header_row, sheet.columns))
    kind_problems = []
    for kind_name, kind_frames in _frames_by_kind(by_file).items():
        table, duplicates, person_problems = steps.run(kind_name, kind_frames)
        kind_problems += [*duplicates, *_as_written(person_problems, written)]
        result.tables[kind_name] = table
    result.tables, kind_problems = births_across_registers(result.tables, kind_problems)
    result.problems.extend(kind_problems)
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


def _frames_by_kind(by_file: dict[int, FileResult]) -> dict[str, list[pd.DataFrame]]:
    """Each kind's frames, in the order of the files (by position) and of their sheets."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for position in sorted(by_file):
        file_result = by_file[position]
        for sheet, frame in zip(file_result.sheets, file_result.frames):
            frames.setdefault(sheet.kind, []).append(frame)
    return frames


#: What the kind-level steps of one row cost, in the bytes of workbook whose parse costs as much
#: (measured on the export-style centre: ~0.22 s of CPU for 355,641 rows, against ~6 s for parsing
#: its 21.8 MB): how near the parse's end this process starts them while a helper parses the rest.
KIND_STEP_BYTES_PER_ROW = 2.0


class _KindSteps:
    """Each kind's table after the kind-level steps (concatenation, duplicate rows, person fields),
    with the problems they found, kept for the very frames it was worked out from.

    The steps are a function of a kind's frames in their order alone, so a kind's result worked
    out before the last files were in (while a helper parsed them: `spare`) is the one a read
    works out at the end, as long as no file parsed since gave that kind another sheet; if one
    did, the kind is worked out again."""

    def __init__(self):
        self._done: dict[str, tuple[list[pd.DataFrame], tuple]] = {}
        self._failed: dict[str, list[pd.DataFrame]] = {}  # left to the end, where it fails in order

    def run(self, kind_name: str, frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
        kept = self._done.get(kind_name)
        if kept is not None and _same_frames(kept[0], frames):
            return kept[1]
        kind = KINDS[kind_name]
        table, duplicates = duplicate_rows(kind_table(frames, kind), kind)
        table, person_problems = add_person_fields(table, kind)
        self._done[kind_name] = (list(frames), (table, duplicates, person_problems))
        return table, duplicates, person_problems

    def spare(self, results: dict[int, FileResult], unparsed_bytes: int, idle: bool) -> bool:
        """Work out one kind from the files parsed so far, when the parse is near its end (the
        steps of the kinds not worked out yet would cost about what parsing `unparsed_bytes`
        does) or this process would be `idle` otherwise; False when there is nothing to do."""
        pending = [
            (kind_name, frames)
            for kind_name, frames in _frames_by_kind(results).items()
            if not (kind_name in self._done and _same_frames(self._done[kind_name][0], frames))
            and not (kind_name in self._failed and _same_frames(self._failed[kind_name], frames))
        ]
        rows = sum(len(frame) for _, frames in pending for frame in frames)
        if not pending or not (idle or unparsed_bytes <= KIND_STEP_BYTES_PER_ROW * rows):
            return False
        kind_name, frames = max(pending, key=lambda item: sum(map(len, item[1])))  # the largest first
        try:
            self.run(kind_name, frames)
        except Exception:  # noqa: BLE001 - raised again at the end, where one process raises it
            self._failed[kind_name] = list(frames)
        return True


def _same_frames(kept: list[pd.DataFrame], frames: list[pd.DataFrame]) -> bool:
    return len(kept) == len(frames) and all(a is b for a, b in zip(kept, frames))


def _as_written(problems: list[Problem], written: dict[tuple[str, str | None], list[tuple[int, dict[str, str]]]]) -> list[Problem]:
    """Problems found on a kind's whole table (bad-checksum, birth-date-mismatch, duplicate-person,
    unknown-vaccine) name their column as its sheet writes it (cli.md: "`column` is the header as
    written in the file"), as a cell's problems do: `*身份证号`, `身份证号码`, not the canonical name —
    in a sheet of pasted blocks, as the header above the problem's row writes it."""
    out = []
    for problem in problems:
        headers = written.get((problem.file, problem.sheet), [])
        above = [columns for row, columns in headers if problem.row is None or row < problem.row] or [c for _, c in headers[:1]]
        header = above[-1].get(problem.field) if problem.field and above else None
        out.append(dataclasses.replace(problem, column=header) if header and problem.column else problem)
    return out


def _hidden_mark(reason: str) -> str:
    """What no-registers adds to a skipped sheet that is hidden (and how to read it, if it is a register)."""
    if reason == VERY_HIDDEN_REGISTER_REASON:
        return "（“非常隐藏”的工作表；若要读入，请在 chsc.yaml 中写 hidden_sheets: all）"
    return "（隐藏的工作表）" if reason in HIDDEN_REASONS else ""


def _parse_files(plan: ReadPlan, on_file: Callable[[str], None], workers, steps: _KindSteps) -> dict[int, FileResult]:
    """Each file's result (by its position in the plan): from the cache when it holds one, else
    parsed — over forked helpers and this process, a pool of processes, or here alone. Near the
    end of a parse over forked helpers, this process works out kinds' `steps` while they parse
    the last files."""
    done: dict[int, FileResult] = {}
    pending: list[int] = []
    for position, entry in enumerate(plan.entries):
        cached = plan.cache.load(entry.key) if plan.cache is not None and entry.key else None
        if cached is not None:
            done[position] = cached
            on_file(plan.name(position))
        else:
            pending.append(position)
    def spare(parsed: dict[int, FileResult], unparsed_bytes: int, idle: bool) -> bool:
        return steps.spare({**done, **parsed}, unparsed_bytes, idle)

    parsed = parse_dealt(plan, pending, workers, on_file, spare)
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
        return {position: parsed_here(plan, position, on_file) for position in pending}
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pooled = plan.largest_first(p for p in pending if p not in read_ahead)
    futures = {}
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for position in pooled:
            # a worker is sent its one file (no other file's bytes, no thread) and the kinds in force
            task = dataclasses.replace(plan, entries=[plan.entries[position]], files=[], unsupported=[], ahead=None)
            futures[position] = pool.submit(parse_entry, task, 0, active_catalogue())
            futures[position].add_done_callback(lambda _, name=plan.name(position): on_file(name))
        here = {position: parsed_here(plan, position, on_file) for position in pending if position in read_ahead}
        return {position: here[position] if position in here else futures[position].result() for position in pending}


