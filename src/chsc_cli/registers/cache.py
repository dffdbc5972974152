"""The parse cache: each file's parsed sheets kept as Parquet in the user's cache folder.

The key is the SHA-256 of the file's bytes, its path in the data folder, the reader version, the
chsc.yaml settings that change parsing (`columns:`, `kinds:`) and today's date (future-date
warnings depend on it) — so a changed or replaced file is never served stale. The cache holds
personal data: its folder and files are readable by their owner only, and `chsc cache clear`
removes it. Anything unreadable in the cache counts as a miss.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from ..config import CentreConfig
from ..problems import Problem
from .records import RegisterSheet, SkippedSheet
from .table import text_as_object

CACHE_ENV = "CHSC_CACHE_DIR"


def default_cache_dir() -> Path:
    """CHSC_CACHE_DIR, else the platform's user cache folder + chsc/parsed."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "chsc" / "cache" / "parsed"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chsc" / "parsed"


class ParseCache:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or default_cache_dir()

    def key(self, data: bytes, relative_path: str, settings: CentreConfig, today: dt.date, version: str) -> str:
        fingerprint = json.dumps(
            {
                "content": hashlib.sha256(data).hexdigest(),
                "path": relative_path,
                "reader": version,
                "columns": sorted(settings.columns.items()),
                "kinds": sorted(settings.kinds.items()),
                "today": today.isoformat(),
            },
            ensure_ascii=False,
        )
        return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def load(self, key: str):
        from .sheets import FileResult

        entry = self._entry(key)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            frames = [text_as_object(pd.read_parquet(entry / f"{index}.parquet")) for index in range(len(meta["sheets"]))]
        except (OSError, ValueError, KeyError):
            return None
        except Exception:  # a damaged Parquet file raises pyarrow's own errors: treat as a miss
            return None
        return FileResult(
            sheets=[RegisterSheet(**sheet) for sheet in meta["sheets"]],
            frames=frames,
            skipped=[SkippedSheet(**item) for item in meta["skipped"]],
            problems=[Problem(**problem) for problem in meta["problems"]],
        )

    def store(self, key: str, result) -> None:
        meta = {
            "sheets": [asdict(sheet) for sheet in result.sheets],
            "skipped": [asdict(item) for item in result.skipped],
            "problems": [asdict(problem) for problem in result.problems],
        }
        self._write_entry(key, {f"{index}.parquet": frame for index, frame in enumerate(result.frames)}, meta)

    def _write_entry(self, key: str, frames: dict, meta: dict) -> None:
        """Write atomically (a temporary folder renamed into place); a failure only skips caching."""
        entry = self._entry(key)
        if entry.exists():
            return
        try:
            _private_dirs(entry.parent, self.folder)
            staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
            for name, frame in frames.items():
                frame.to_parquet(staging / name, index=False)
            (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            for child in staging.iterdir():
                child.chmod(0o600)
            os.replace(staging, entry)
        except OSError:
            shutil.rmtree(locals().get("staging", entry / ".none"), ignore_errors=True)

    def folder_key(self, file_keys: list[str]) -> str:
        """A whole folder: every file's key, in order (a file added, removed or changed changes it)."""
        return hashlib.sha256(json.dumps(["folder", *file_keys]).encode("ascii")).hexdigest()

    def load_folder(self, key: str, data_dir: Path, files: list[Path]):
        """The finished ReadResult of a folder read before with the same files, or None."""
        from .reader import ReadResult

        entry = self._entry(key)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            tables = {kind: _restore(pd.read_parquet(entry / f"{kind}.parquet")) for kind in meta["kinds"]}
        except (OSError, ValueError, KeyError):
            return None
        except Exception:  # a damaged Parquet file raises pyarrow's own errors: treat as a miss
            return None
        return ReadResult(
            data_dir,
            tables,
            sheets=[RegisterSheet(**sheet) for sheet in meta["sheets"]],
            skipped=[SkippedSheet(**item) for item in meta["skipped"]],
            problems=[Problem(**problem) for problem in meta["problems"]],
            files=list(files),
        )

    def store_folder(self, key: str, result) -> None:
        meta = {
            "kinds": list(result.tables),
            "sheets": [asdict(sheet) for sheet in result.sheets],
            "skipped": [asdict(item) for item in result.skipped],
            "problems": [asdict(problem) for problem in result.problems],
        }
        frames = {f"{kind}.parquet": _storable(table) for kind, table in result.tables.items()}
        self._write_entry(key, frames, meta)

    def clear(self) -> int:
        """Remove every cached entry; returns how many there were."""
        if not self.folder.exists():
            return 0
        count = sum(1 for _ in self.folder.glob("*/*"))
        shutil.rmtree(self.folder)
        return count


def _storable(table: pd.DataFrame) -> pd.DataFrame:
    """Tuples (a dose's vaccine series) are stored as lists."""
    if "series" in table.columns:
        table = table.assign(series=[list(items) for items in table["series"]])
    return table


def _restore(table: pd.DataFrame) -> pd.DataFrame:
    table = text_as_object(table)
    if "series" in table.columns:
        values = [tuple(items) if items is not None else () for items in table["series"]]
        series = pd.Series(index=table.index, dtype=object)
        series[:] = values if values else []
        table = table.assign(series=series)
    return table


def _private_dirs(folder: Path, root: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (root, folder):
        try:
            path.chmod(0o700)
        except OSError:
            pass
