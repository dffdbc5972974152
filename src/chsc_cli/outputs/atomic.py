"""Atomic writing: every file chsc produces is written to a hidden temporary file in the target's
folder, flushed to disk and renamed into place, so a crash never leaves half a report and a failed
write keeps the old file; never over an input register (callers pass the folder's registers as
`protected`). The formats (csv, xlsx) are in writer.py."""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from chsc_cli.problems import UserError

TEMP_PREFIX = ".~chsc-tmp-"



def atomic_write(
    path: Path, write: Callable[[Path], None], *, protected: Iterable[Path] = ()
) -> Path:
    """Call `write(tmp)` on a temporary file next to `path`, flush it and rename it onto `path`.

    The temporary name starts with '.' and keeps the suffix of `path` (libraries that look at the
    suffix keep working). On any exception the temporary file is removed and the
    exception re-raised; an existing file at `path` is left as it was. Returns the resolved path.
    """
    target = Path(path).expanduser().resolve()
    _refuse_protected(target, protected, Path(os.path.abspath(Path(path).expanduser())))  # (.. resolved, links not)
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise UserError(f"-o 的上一级 {folder} 是一个文件，不是文件夹", hint="请用 -o 指定某个文件夹中的文件")
    if not folder.is_dir():
        raise UserError(f"输出文件夹不存在：{folder}，请先创建", hint="或用 -o 指定一个已存在的文件夹中的文件")
    if target.is_dir():
        raise UserError(f"输出路径是一个文件夹，不是文件：{target}", hint="请在 -o 中给出文件名")
    made: list[Path] = []  # the temporary file, named before it exists: a signal at any point leaves none
    try:
        try:
            tmp = _create_temp(target, made)
            _copy_mode(target, tmp)
            write(tmp)
            _fsync_file(tmp)
            os.replace(tmp, target)
        except OSError as error:  # the disk or the file system, not a bug: a user error (exit 2)
            raise UserError(
                f"无法写入文件：{target}（{os_reason(error)}）",
                hint="请确认磁盘有空间、有写入权限，且该文件没有在 Excel 等程序中打开",
            ) from error
    except BaseException:
        for made_path in made:
            made_path.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    _remove_stale_temporaries(folder)
    return target


#: A temporary file of ours this old was left by a chsc that was killed (SIGKILL, a closed window,
#: a power cut: no cleanup ran) — the next write to its folder removes it: it holds part of a list
#: of names and phone numbers, and a leading dot hides nothing on Windows. (A write under way is
#: seconds old.)
STALE_SECONDS = 3600


def _remove_stale_temporaries(folder: Path) -> None:
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(TEMP_PREFIX) and entry.is_file(follow_symlinks=False):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                            os.unlink(entry.path)
                    except OSError:  # another's, or gone already: nothing of ours to do
                        pass
    except OSError:
        pass


_OS_REASONS = {
    getattr(errno, name, None): reason  # not every platform has every code
    for name, reason in (
        ("ENOSPC", "磁盘空间不足"),
        ("EDQUOT", "超出磁盘配额"),
        ("EACCES", "没有写入权限"),
        ("EPERM", "没有写入权限"),
        ("EROFS", "磁盘是只读的"),
        ("EISDIR", "目标是一个文件夹"),
        ("EBUSY", "文件正被其他程序使用"),
    )
}


def os_reason(error: OSError) -> str:
    return _OS_REASONS.get(error.errno, error.strerror or type(error).__name__)


def write_text(path: Path, text: str, *, protected: Iterable[Path] = ()) -> Path:
    """Write `text` as UTF-8, newlines exactly as given."""
    return write_bytes(path, text.encode("utf-8"), protected=protected)


def write_bytes(path: Path, data: bytes, *, protected: Iterable[Path] = ()) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), protected=protected)


#: The files a data folder's registers may be (registers.md): one of these already under the data
#: folder is never written over, read or not.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")


def _refuse_protected(target: Path, protected: Iterable[Path], given: Path | None = None) -> None:
    """`protected`: the input files, and the data folder (a directory: no existing spreadsheet under
    it, by the path as given or as resolved — a link inside it to last year's folder, which the read
    skips, led -o onto last year's roster)."""
    for register in protected:
        register = Path(register).expanduser()
        if register.is_dir():
            if target.suffix.lower() in SPREADSHEET_SUFFIXES and target.is_file() and (
                target.is_relative_to(register.resolve())
                or (given is not None and given.is_relative_to(os.path.abspath(register)))
            ):
                raise UserError(
                    f"不能覆盖数据文件夹中已有的表格文件：{target.name}（{target}）",
                    hint="它可能是一张登记表；请用 -o 指定数据文件夹以外的文件，或换一个新文件名",
                )
            continue
        same = register.resolve() == target
        if not same and target.exists() and register.exists():
            same = os.path.samefile(register, target)
        if same:
            what = "中心设置文件" if target.suffix.lower() in (".yaml", ".yml") else "数据文件夹中的输入文件"
            raise UserError(
                f"不能覆盖{what}：{target.name}（{target}）",
                hint="请用 -o 指定另一个输出文件",
            )


def _create_temp(target: Path, made: list[Path]) -> Path:
    """Create an empty hidden file in the target's folder (permissions follow the umask). Its name
    is put in `made` before it is created, so that the caller removes it whenever it stops — a
    SIGTERM landing as the file appears, before this returns, left it behind."""
    for _ in range(100):
        tmp = target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}{target.suffix}")
        made.append(tmp)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            made.pop()  # another's file of that name
            continue
        except PermissionError as error:
            made.pop()
            raise UserError(
                f"没有权限在此文件夹中写入：{target.parent}", hint="请用 -o 指定另一个位置"
            ) from error
        except OSError as error:  # a read-only or full disk
            made.pop()
            raise UserError(
                f"无法在此文件夹中写入：{target.parent}（{os_reason(error)}）", hint="请用 -o 指定另一个位置"
            ) from error
        os.close(fd)
        return tmp
    raise FileExistsError(f"could not create a temporary file next to {target}")


def _copy_mode(target: Path, tmp: Path) -> None:
    """Keep the permissions of a file being replaced (an owner-only report stays owner-only)."""
    try:
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    except FileNotFoundError:
        pass


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
