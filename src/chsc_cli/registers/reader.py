"""Reading a whole data folder: files -> sheets -> classified, typed tables, one per register kind."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from ..config import CentreConfig
from ..problems import Problem
from .cache import ParseCache
from .kinds import KINDS, active_catalogue
from .persons import add_person_fields, duplicate_rows, kind_table
from .records import ReadResult, SkippedSheet
from .sheets import FileResult, collection_paused, read_one_file
from .sources import (
    UnreadableFile,
    find_register_files,
    find_unsupported_files,
    max_unpacked_bytes,
    read_bytes,
    relative_name,
    unsupported_reason,
)

#: Part of the parse-cache key: bump it whenever parsing changes what a file yields.
READER_VERSION = "14"
#: Below this many bytes of files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024


def read_folder(
    data_dir: Path,
    settings: CentreConfig | None = None,
    *,
    today: dt.date | None = None,
    on_file: Callable[[str], None] | None = None,
    cache: ParseCache | None = None,
    workers: int | None = None,
) -> ReadResult:
    """Read every register of `data_dir`. Never raises for bad content: problems are collected.

    Files found in `cache` (same content, reader version and parsing settings) are not parsed
    again; the others are parsed in parallel over `workers` processes (default: the CPU count).
    """
    with collection_paused():
        return _read_folder(data_dir, settings, today, on_file, cache, workers)


def _read_folder(data_dir, settings, today, on_file, cache, workers) -> ReadResult:
    settings = settings or CentreConfig()
    today = today or dt.date.today()
    files = find_register_files(data_dir)
    unsupported = find_unsupported_files(data_dir)
    entries = _file_entries(files, data_dir, settings, today, cache)
    folder_keys = [key for _, _, key in entries] + [f"unsupported:{relative_name(p, data_dir)}" for p in unsupported]
    folder_key = cache.folder_key(folder_keys) if cache and all(k for _, _, k in entries) else None
    cached = cache.load_folder(folder_key, data_dir, files) if folder_key else None
    if cached is not None:  # nothing changed since the last read: not even the tables are rebuilt
        for path in files:
            if on_file is not None:
                on_file(path.name)
        return cached
    result = ReadResult(data_dir, {})
    result.files = files
    by_file = _parse_files(entries, data_dir, settings, today, on_file, cache, workers)
    frames: dict[str, list[pd.DataFrame]] = {}
    for path in result.files:
        file_result = by_file[path]
        result.sheets += file_result.sheets
        result.skipped += file_result.skipped
        result.problems += file_result.problems
        for sheet, frame in zip(file_result.sheets, file_result.frames):
            frames.setdefault(sheet.kind, []).append(frame)
    for kind_name, kind_frames in frames.items():
        table = kind_table(kind_frames, KINDS[kind_name])
        table, duplicates = duplicate_rows(table, KINDS[kind_name])
        result.problems.extend(duplicates)
        table, person_problems = add_person_fields(table, KINDS[kind_name])
        result.problems.extend(person_problems)
        result.tables[kind_name] = table
    for path in unsupported:  # registers.md: every file of the folder is accounted for
        name, reason = relative_name(path, data_dir), unsupported_reason(path)
        result.skipped.append(SkippedSheet(name, None, reason))
        result.problems.append(Problem("unsupported-file", f"已跳过：{reason}", file=name))
    if not result.sheets and not result.problems_with("unreadable-file", "too-large"):
        listed = "；".join(f"{s.file}: {s.sheet}" if s.sheet else s.file for s in result.skipped) or "（没有任何文件）"
        result.problems.append(Problem("no-registers", f"文件夹中没有识别出任何登记表。已跳过：{listed}"))
    if folder_key:
        cache.store_folder(folder_key, result)
    return result


def _file_entries(files, data_dir, settings, today, cache) -> list[tuple[Path, bytes | None, str | None]]:
    """(path, bytes, cache key) of every file; the key is None without a cache or bytes."""
    # the zip-bomb limit changes what a file yields (CHSC_MAX_UNPACKED_MB); a bad value stops here
    # so do the register kinds in force (the shipped files, a centre's own): their fingerprint
    version = f"{READER_VERSION}/max-unpacked={max_unpacked_bytes()}/kinds={active_catalogue().fingerprint}"
    entries = []
    for path in files:
        try:
            data = read_bytes(path)
        except UnreadableFile:
            data = None
        key = cache.key(data, path.relative_to(data_dir).as_posix(), settings, today, version) if cache and data else None
        entries.append((path, data, key))
    return entries


def _parse_files(entries, data_dir, settings, today, on_file, cache, workers) -> dict[Path, FileResult]:
    """Each file's result: from the cache when it holds one, else parsed (in parallel)."""
    done: dict[Path, FileResult] = {}
    pending: list[tuple[Path, bytes, str | None]] = []
    for path, data, key in entries:
        cached = cache.load(key) if key else None
        if cached is not None:
            done[path] = cached
            if on_file is not None:
                on_file(path.name)
        else:
            pending.append((path, data, key))
    for (path, _, _), parsed in zip(pending, _parse_all(pending, data_dir, settings, today, on_file, workers, cache)):
        done[path] = parsed
    return done


def _parse_and_store(path, data_dir, settings, today, data, cache, key, catalogue=None) -> FileResult:
    """One file parsed, and its cache entry written (by the worker that parsed it, in parallel)."""
    parsed = read_one_file(path, data_dir, settings, today, data, catalogue)
    if cache is not None and key is not None:
        cache.store(key, parsed)
    return parsed


def _parse_all(pending, data_dir, settings, today, on_file, workers, cache=None) -> list[FileResult]:
    count = min(workers or os.cpu_count() or 1, len(pending))
    if count <= 1 or sum(len(data or b"") for _, data, _ in pending) < PARALLEL_MIN_BYTES:
        results = []
        for path, data, key in pending:
            results.append(_parse_and_store(path, data_dir, settings, today, data, cache, key))
            if on_file is not None:
                on_file(path.name)
        return results
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    # the largest files first: the workers then end together instead of one waiting on a late roster
    largest_first = sorted(range(len(pending)), key=lambda index: -len(pending[index][1] or b""))
    futures = {}
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for index in largest_first:
            path, data, key = pending[index]
            futures[index] = pool.submit(
                _parse_and_store, path, data_dir, settings, today, data, cache, key, active_catalogue()
            )
            futures[index].add_done_callback(lambda _, name=path.name: on_file(name) if on_file is not None else None)
        return [futures[index].result() for index in range(len(pending))]


