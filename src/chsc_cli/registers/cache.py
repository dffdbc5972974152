"""The parse cache: each file's parsed sheets, and each folder's finished tables, in the user's cache folder.

The key is the SHA-256 of the file's bytes, its path in the data folder, the reader version and
the reader's own source (read_plan.reader_code), the cache format, the chsc.yaml settings that
change parsing (`columns:`, `kinds:`, `hidden_sheets:`) and today's date (future-date warnings
depend on it) — so a changed or replaced file is never served stale. The
cache holds personal data: its folder and files are readable by their owner only, and
`chsc cache clear` removes it. Anything unreadable in the cache counts as a miss.

An entry is one file (cache_format.py): JSON and Arrow only, never code, checked before use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import CentreConfig

if TYPE_CHECKING:
    import pandas as pd

CACHE_ENV = "CHSC_CACHE_DIR"
ENTRY_FILE = "entry.chsc"
#: The entry file's layout (cache_format.py), part of every key: entries written in another layout
#: are never read, only missed. Kept here, not there, so that keys are worked out without pandas
#: (read_plan.py plans a read before pandas is imported).
FORMAT = "arrow-2"  # 2: the entry keeps its key


def default_cache_dir() -> Path:
    """CHSC_CACHE_DIR, else the platform's user cache folder + chsc/parsed."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "chsc" / "cache" / "parsed"
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored (it would put the cache in the folder run from)
        base = str(Path.home() / ".cache")
    return Path(base) / "chsc" / "parsed"


#: Entries are memory-mapped where a mapped file can still be replaced and deleted (not Windows).
MAP_ENTRIES = os.name != "nt"


class ParseCache:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or default_cache_dir()

    def key(self, data: bytes, relative_path: str, settings: CentreConfig, today: dt.date, version: str) -> str:
        fingerprint = json.dumps(
            {
                "content": hashlib.sha256(data).hexdigest(),
                "path": relative_path,
                "reader": version,
                "format": FORMAT,
                "columns": sorted(settings.columns.items()),
                "kinds": list(settings.kinds.items()),  # in order: the first pattern a file matches decides
                "hidden_sheets": settings.hidden_sheets,
                "today": today.isoformat(),
            },
            ensure_ascii=False,
        )
        # surrogatepass: a file name that is not UTF-8 (GBK bytes from a zip made on Chinese Windows)
        # comes surrogate-escaped from the folder listing, and gets a key of its own
        return hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def has(self, key: str) -> bool:
        """Whether an entry is stored under `key` (whether it is readable is known only by loading it);
        a cache folder this user may not look into (left by `sudo chsc`) holds nothing."""
        try:
            return (self._entry(key) / ENTRY_FILE).is_file()
        except OSError:
            return False

    def load(self, key: str):
        """One file's FileResult, or None."""
        from .sheets import FileResult

        loaded = self._read_entry(key)
        if loaded is None:
            return None
        meta, tables = loaded
        if len(tables) != len(meta["sheets"]):
            return None
        return FileResult(sheets=meta["sheets"], frames=list(tables.values()), skipped=meta["skipped"], problems=meta["problems"])

    def store(self, key: str, result) -> None:
        tables = {str(index): frame for index, frame in enumerate(result.frames)}
        self._write_entry(key, tables, result.sheets, result.skipped, result.problems)

    def folder_key(self, file_keys: list[str]) -> str:
        """A whole folder: every file's key, in order (a file added, removed or changed changes it)."""
        return hashlib.sha256(json.dumps(["folder", *file_keys]).encode("ascii")).hexdigest()

    def load_folder(self, key: str, data_dir: Path, files: list[Path]):
        """The finished ReadResult of a folder read before with the same files, or None."""
        loaded = self._read_entry(key)
        if loaded is None:
            return None
        meta, tables = loaded
        from .records import ReadResult

        return ReadResult(
            data_dir, tables, sheets=meta["sheets"], skipped=meta["skipped"], problems=meta["problems"], files=list(files)
        )

    def store_folder(self, key: str, result) -> None:
        self._write_entry(key, result.tables, result.sheets, result.skipped, result.problems)

    def clear(self) -> tuple[int, int]:
        """Remove every cached entry: (how many were removed, how many could not be). Only what
        chsc wrote goes — `<2 hex>/<key>/` folders of entry files — never the cache folder itself
        or anything else in it (CHSC_CACHE_DIR may name a folder that holds other files)."""
        removed = failed = 0
        try:
            groups = [group for group in self.folder.iterdir() if _ENTRY_GROUP.fullmatch(group.name) and group.is_dir()]
        except (FileNotFoundError, NotADirectoryError):  # no cache yet (or a path under a file: none can be there)
            return 0, 0
        except OSError:  # a cache folder this user may not read (left by sudo chsc): say so
            return 0, 1
        for group in groups:
            try:
                entries = [entry for entry in group.iterdir() if entry.name.startswith(group.name) and _ENTRY_KEY.fullmatch(entry.name)]
            except OSError:
                failed += 1
                continue
            for entry in entries:
                try:
                    shutil.rmtree(entry)
                    removed += 1
                except OSError:  # another chsc writing it, or left by another user (sudo chsc)
                    failed += 1
            if entries:
                try:
                    group.rmdir()  # a group of ours, and only when nothing else is in it
                except OSError:
                    pass
        return removed, failed

    def _read_entry(self, key: str) -> tuple[dict, dict[str, pd.DataFrame]] | None:
        import pyarrow as pa

        from .cache_format import decode_entry

        path = self._entry(key) / ENTRY_FILE
        try:
            # mapped, not read: the pages are checked and decoded where the OS cache holds them.
            # Nothing decoded points into the map (every column is copied into its DataFrame); a
            # table not yet built (records.Tables) holds it, and it is unmapped when the last
            # Arrow buffer over it goes. Windows cannot replace or delete a mapped file (another
            # chsc storing an entry, `chsc cache clear`): read into memory there.
            data = pa.memory_map(str(path)).read_buffer() if MAP_ENTRIES else pa.py_buffer(path.read_bytes())
            return decode_entry(data, key)
        except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError, pa.ArrowException):
            return None  # missing, truncated, damaged or from another version: parse the files again

    def _write_entry(self, key: str, tables: dict[str, pd.DataFrame], sheets, skipped, problems) -> None:
        """Write atomically (a temporary file renamed into place); a failure only skips caching.

        An entry already there was unreadable (this is only called after a miss): it is replaced.
        """
        import pyarrow as pa

        from .cache_format import Unstorable, encode_entry

        try:
            content = encode_entry(tables, sheets, skipped, problems, key)
        except (Unstorable, TypeError, ValueError, pa.ArrowException):
            return  # something this format does not keep exactly: read it from the files next time
        entry = self._entry(key)
        staging = None
        try:
            _private_dirs(self.folder, entry.parent, entry)
            handle, staging = tempfile.mkstemp(prefix=".tmp-", dir=entry)  # created owner-only (0600)
            with os.fdopen(handle, "wb") as out:
                out.writelines(content)
            os.replace(staging, entry / ENTRY_FILE)
        except OSError:
            if staging is not None:
                Path(staging).unlink(missing_ok=True)


#: The names chsc gives what it stores: `<first two hex digits>/<the 64-hex key>/entry.chsc`.
_ENTRY_GROUP = re.compile(r"[0-9a-f]{2}")
_ENTRY_KEY = re.compile(r"[0-9a-f]{64}")


def _private_dirs(*folders: Path) -> None:
    """Create the folders owner-only; a folder that was there already keeps its mode (the cache
    folder may be one the user named in CHSC_CACHE_DIR)."""
    for folder in folders:
        if folder.is_dir():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        try:
            folder.chmod(0o700)
        except OSError:
            pass
