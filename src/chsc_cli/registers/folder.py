"""Finding the files of a data folder: its registers, and every other entry listed as skipped with why."""

from __future__ import annotations

import os
from pathlib import Path

REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
#: Files of the folder that are settings, not registers (at the folder's root).
SETTINGS_FILES = ("chsc.yaml",)
#: How to make a register of a file chsc does not read: suffix -> what to do (unsupported-file).
SAVE_AS_HINTS = {
    **dict.fromkeys((".et", ".ett"), "这是 WPS 表格文件：请在 WPS 中“另存为” Excel 工作簿（.xlsx）"),
    ".numbers": "这是 Numbers 表格：请在 Numbers 中“导出为” Excel（.xlsx）",
    **dict.fromkeys((".fods", ".ots"), "这是 LibreOffice 表格的另一种格式：请另存为 .xlsx 或 .ods"),
    **dict.fromkeys((".xlt", ".xltx", ".xltm"), "这是 Excel 模板：请用 Excel 打开后另存为 .xlsx"),
    **dict.fromkeys((".tsv", ".txt", ".prn"), "这是文本文件：若是导出的登记表，请用 Excel 打开后另存为 .xlsx 或 .csv"),
    **dict.fromkeys((".xml", ".htm", ".html", ".mht", ".mhtml"), "若是导出的登记表，请用 Excel 打开后另存为 .xlsx"),
    **dict.fromkeys((".dbf", ".mdb", ".accdb"), "这是数据库文件：请从原系统导出为 .xlsx 或 .csv"),
}
SUPPORTED_NAMES = "、".join(REGISTER_SUFFIXES)


#: Folders an operating system keeps at a drive's root, never a centre's: not read, not reported
#: (a data folder at the root of a USB drive holds them, and chsc may not open them).
SYSTEM_FOLDERS = frozenset({"lost+found", "system volume information", "$recycle.bin", "recycler", "found.000"})


def _folder_entries(data_dir: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(files, other entries, entries that cannot be opened) below `data_dir` (folder_files puts
    them in order), without lock files (`~$...`), hidden entries (`.` prefix, or in a hidden folder), the
    operating system's folders (SYSTEM_FOLDERS) and the settings file.

    A folder that is a link to another place is not entered (it may be another centre's folder, or
    last year's): it is one of the "other" entries, listed as skipped with why, as a dangling link,
    a pipe or a device is. A folder or file that cannot be opened (no permission, a path too long)
    is returned, not skipped: its registers would be missing from every figure without a word."""
    files: list[Path] = []
    others: list[Path] = []
    unreadable: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for root, folders, names in os.walk(data_dir, onerror=lambda error: unreadable.append(Path(error.filename))):
        try:
            status = os.stat(root)
        except OSError:
            unreadable.append(Path(root))
            folders[:] = []
            continue
        identity = (status.st_dev, status.st_ino)
        if status.st_ino and identity in seen:  # reached again (a Windows junction); 0: not known
            folders[:] = []
            continue
        seen.add(identity)
        kept = []
        for name in sorted(folders):
            if is_system_folder(name):
                continue
            path = Path(root, name)
            try:
                linked = path.is_symlink()
            except OSError:  # in a folder that may be read, not entered
                unreadable.append(path)
                continue
            if linked:
                others.append(path)
            else:
                kept.append(name)
        folders[:] = kept
        for name in names:
            if name.startswith((".", "~$")):
                continue
            path = Path(root, name)
            if path.relative_to(data_dir).as_posix() in SETTINGS_FILES:
                continue
            try:
                regular = path.is_file()
                # os.walk lists a folder it could not look at among the names: not a file to skip
                folder = not regular and not path.is_symlink() and path.is_dir()
            except OSError:  # listed but not looked at (a folder that may be read, not entered)
                (unreadable if path.suffix.lower() in REGISTER_SUFFIXES else others).append(path)
                continue
            if regular:
                files.append(path)
            elif not folder:
                others.append(path)
    return files, others, [path for path in set(unreadable) if path != data_dir]  # (the folder itself: checked before)


def is_system_folder(name: str) -> bool:
    """A hidden folder, or one the operating system keeps at a drive's root (SYSTEM_FOLDERS)."""
    lowered = name.lower()
    return name.startswith(".") or lowered in SYSTEM_FOLDERS or lowered.startswith(".trash-")


def folder_files(data_dir: Path) -> tuple[list[Path], list[Path]]:
    """(find_register_files, find_unsupported_files) from one walk of the folder."""
    files, others, unreadable = _folder_entries(data_dir)
    order = lambda path: path.relative_to(data_dir).as_posix()  # noqa: E731
    registers = [path for path in files if path.suffix.lower() in REGISTER_SUFFIXES]
    unsupported = [path for path in files if path.suffix.lower() not in REGISTER_SUFFIXES]
    return sorted([*registers, *unreadable], key=order), sorted([*unsupported, *others], key=order)


def find_register_files(data_dir: Path) -> list[Path]:
    """Every register file below `data_dir`, at any depth, in a stable order — and every folder
    that cannot be opened, whose read then fails as an unreadable file's does (read_bytes).

    Office lock files (`~$...`) and hidden files or folders (`.` prefix) are skipped.
    """
    return folder_files(data_dir)[0]


def find_unsupported_files(data_dir: Path) -> list[Path]:
    """Every other entry of the folder (registers.md: listed as skipped, `unsupported-file`)."""
    return folder_files(data_dir)[1]


def unsupported_reason(path: Path) -> str:
    """Why a file is not read, and how to make it a register when it is a spreadsheet."""
    try:
        regular = path.is_file()
        linked_folder = path.is_symlink() and path.is_dir()
    except OSError:
        regular = linked_folder = False
    if linked_folder:
        return "这是指向别处的文件夹链接，未读取（它可能是另一个中心或往年的文件夹）：若其中是本中心的登记表，请把文件夹复制进来"
    if not regular:
        return "不是可以读取的文件（失效的快捷方式/链接、管道或设备），已跳过"
    hint = SAVE_AS_HINTS.get(path.suffix.lower())
    kind = f"「{path.suffix}」文件" if path.suffix else "没有扩展名的文件"
    reason = f"chsc 不读取{kind}（只读 {SUPPORTED_NAMES}）"
    return f"{reason}。{hint}" if hint else reason


def relative_name(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir).as_posix()
