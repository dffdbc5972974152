"""A folder's read, planned before it is done: its files, their cache keys, and a read ahead.

A cold `chsc compute` spends its first ~0.7 s loading pandas and the rest of chsc on one core while
the other core waits, and only then starts parsing. Yet what parsing starts with is known much
sooner — the folder's files and their bytes, the cache keys, chsc.yaml's settings, the register
kinds in force — and none of it needs pandas (nor does this module). So a command plans its read
first (`plan_read`), and a thread starts reading the files still to parse with python-calamine,
which releases the GIL while it decodes a workbook: the other core does that work while this
process goes on loading. The reader (reader.py) stops the thread when it is ready to parse, and
the files opened ahead are parsed from what the thread decoded instead of being read again.

- Only with at least two CPUs and enough bytes to parse (the reader's PARALLEL_MIN_BYTES), and
  only workbooks: a CSV is decoded in Python, holding the GIL, which would slow the loading.
- Smallest first: when the reader stops the thread, it waits for the file under way (a big roster
  would keep it waiting a second); the largest files are left for the parse processes, which take
  the largest first.
- The thread only decodes (sources.open_workbook); the cells become Python values in the parse
  (OpenedWorkbook.raw_sheets), which holds the GIL, so the thread never keeps the loading waiting.
  The parse gets exactly what sources.read_file returns: the same sheets or the same
  UnreadableFile; anything else the thread meets (a bug) leaves the file to be read again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, forks
from ..config import CentreConfig
from .cache import ParseCache
from .kinds import active_catalogue
from .folder import folder_files, relative_name, unsupported_reason
from .sources import OpenedWorkbook, UnreadableFile, max_unpacked_bytes, open_workbook, read_bytes

if TYPE_CHECKING:
    from .sheets import FileResult

#: Part of the parse-cache key: bump it whenever parsing changes what a file yields.
READER_VERSION = "45"


def source_fingerprint(folders: tuple[Path, ...]) -> str:
    """SHA-256 of the Python files directly in `folders`, in name order: the reader's own code."""
    digest = hashlib.sha256()
    for path in sorted((path for folder in folders for path in folder.glob("*.py")), key=lambda p: (p.parent.name, p.name)):
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@functools.cache
def reader_code() -> str:
    """Part of the parse-cache key: chsc's version and its reader's source (this package and the
    modules beside it that it imports: people.py, characters.py, config.py ...), so that an upgraded
    chsc whose parsing changed never serves a parse of the old one, even where READER_VERSION was
    not bumped (33dcea1 changed which of two headers is read without a bump). Hashing the ~40
    files takes a few milliseconds, once per process."""
    here = Path(__file__).resolve().parent
    try:
        return f"{__version__}/{source_fingerprint((here, here.parent))}"
    except OSError:  # an install without readable sources: the version alone
        return __version__
#: Below this many bytes of files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024


@dataclass
class FileEntry:
    path: Path
    data: bytes | None  # None: the file could not be read (its parse reports why)
    key: str | None  # the parse-cache key; None without a cache or bytes


@dataclass
class ReadPlan:
    """What a read of `data_dir` will do, and what the read ahead has read of it so far."""

    data_dir: Path
    settings: CentreConfig
    today: dt.date
    cache: ParseCache | None
    files: list[Path]
    unsupported: list[Path]
    entries: list[FileEntry]
    folder_key: str | None
    ahead: ReadAhead | None = None

    def name(self, position: int) -> str:
        return self.entries[position].path.name

    def size(self, position: int) -> int:
        return len(self.entries[position].data or b"")

    def largest_first(self, positions) -> list[int]:
        """The files at `positions`, the largest first (the processes then end together instead of
        one waiting on a late roster)."""
        return sorted(positions, key=lambda position: -self.size(position))

    def processes(self, positions: list[int], workers: int | None) -> int:
        """How many processes the files at `positions` are worth parsing over (`workers` at most,
        default the CPUs this process may use): one below PARALLEL_MIN_BYTES."""
        count = min(workers or forks.cpus(), len(positions))
        return count if sum(map(self.size, positions)) >= PARALLEL_MIN_BYTES else min(count, 1)

    def to_parse(self) -> list[int]:
        """The files no cache entry is stored for (whether a stored one loads is known only then)."""
        cache = self.cache
        return [i for i, entry in enumerate(self.entries) if not (cache is not None and entry.key and cache.has(entry.key))]

    def stop_reading_ahead(self) -> None:
        """Wait for the read ahead to finish the file under way, and start no other."""
        if self.ahead is not None:
            self.ahead.stop()

    def close(self) -> None:
        self.stop_reading_ahead()

    def __enter__(self) -> ReadPlan:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def plan_read(
    data_dir: Path,
    settings: CentreConfig | None = None,
    *,
    today: dt.date | None = None,
    cache: ParseCache | None = None,
    read_ahead: bool = True,
) -> ReadPlan:
    """The files of `data_dir`, their bytes and keys; the read ahead started when it pays."""
    settings = settings or CentreConfig()
    today = today or dt.date.today()
    files, unsupported = folder_files(data_dir)
    entries = _file_entries(files, data_dir, settings, today, cache)
    folder_key = None
    if cache is not None and all(entry.key for entry in entries):
        # each skipped entry by its name and why it is skipped (a link whose folder went is another reason)
        unsupported_names = [f"unsupported:{relative_name(path, data_dir)}:{unsupported_reason(path)}" for path in unsupported]
        folder_key = cache.folder_key([entry.key for entry in entries] + unsupported_names)
    plan = ReadPlan(data_dir, settings, today, cache, files, unsupported, entries, folder_key)
    if read_ahead and (folder_key is None or not cache.has(folder_key)):
        plan.ahead = ReadAhead.start(plan, plan.to_parse())
    return plan


def _file_entries(files, data_dir, settings, today, cache) -> list[FileEntry]:
    # the zip-bomb limit changes what a file yields (CHSC_MAX_UNPACKED_MB); a bad value stops here
    # so do the register kinds in force (the shipped files, a centre's own): their fingerprint
    version = f"{READER_VERSION}/max-unpacked={max_unpacked_bytes()}/kinds={active_catalogue().fingerprint}"
    if cache is not None:
        version += f"/code={reader_code()}"
    entries = []
    for path in files:
        try:
            data = read_bytes(path)
        except UnreadableFile:
            data = None
        key = cache.key(data, path.relative_to(data_dir).as_posix(), settings, today, version) if cache and data else None
        entries.append(FileEntry(path, data, key))
    return entries


@dataclass
class ReadAhead:
    """A thread decoding workbooks with python-calamine (sources.open_workbook) until it is stopped."""

    plan: ReadPlan
    order: list[int]
    done: dict[int, OpenedWorkbook | UnreadableFile] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @classmethod
    def start(cls, plan: ReadPlan, positions: list[int]) -> ReadAhead | None:
        workbooks = [p for p in positions if plan.entries[p].data and plan.entries[p].path.suffix.lower() != ".csv"]
        if forks.cpus() < 2 or sum(map(plan.size, positions)) < PARALLEL_MIN_BYTES or not workbooks:
            return None
        ahead = cls(plan, sorted(workbooks, key=plan.size))
        ahead.thread = threading.Thread(target=ahead._run, name="chsc-read-ahead", daemon=True)
        ahead.thread.start()
        return ahead

    def _run(self) -> None:
        for position in self.order:
            if self.stopping.is_set():
                return
            entry = self.plan.entries[position]
            name, suffix = relative_name(entry.path, self.plan.data_dir), entry.path.suffix.lower()
            try:
                self.done[position] = open_workbook(entry.data, name, suffix, decode=True)
            except UnreadableFile as error:
                self.done[position] = error
            except BaseException:  # noqa: BLE001 - anything else (a panic in calamine too): the parse reads the file itself
                continue

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def finishing(self) -> bool:
        """Start no other file; whether the thread is still decoding the one under way."""
        self.stopping.set()
        return self.thread is not None and self.thread.is_alive()

    def decoded(self, positions) -> list[int]:
        """Those of `positions` decoded and not taken yet, in the order they were decoded (smallest first)."""
        wanted = set(positions)
        return [position for position in self.order if position in wanted and position in self.done]

    def take(self, position: int) -> OpenedWorkbook | UnreadableFile | None:
        """What was read of the file (once: it is then the parse's), or None."""
        return self.done.pop(position, None)


def parse_entry(plan: ReadPlan, position: int, catalogue=None) -> FileResult:
    """One file parsed (from what the read ahead read of it, if anything), and its cache entry
    written (by the process that parsed it, in parallel)."""
    from .sheets import read_one_file

    entry = plan.entries[position]
    pre_read = plan.ahead.take(position) if plan.ahead is not None else None
    parsed = read_one_file(entry.path, plan.data_dir, plan.settings, plan.today, entry.data, catalogue, pre_read)
    if plan.cache is not None and entry.key is not None:
        plan.cache.store(entry.key, parsed)
    return parsed
