"""A district folder for `compute --centres` (and `report --centres`): every centre read and
computed, then rolled up (`district_totals.roll_up`).

Every sub-folder is a centre, known by its folder relative to the district folder (never by the
name its chsc.yaml gives). Every message names the centre folder. An unreadable file stops the
whole district (its numbers would be wrong); a centre folder without registers is left out of the
totals with a warning, and the totals say which centres they cover. Nothing here prints: warnings
and the centre being read go to the callbacks the command line passes."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..collector import collect_garbage
from ..config import CONFIG_NAME, LoadedConfig, find_config, load_config
from ..engine import ComputeResult, Library, compute_indicators, load_library
from ..engine.activity import indicators_with_rows_in
from ..periods import Period
from ..problems import Problem, UserError
from ..registers.folder import REGISTER_SUFFIXES, is_system_folder
from ..registers.sources import OUTPUT_MARK
from .config_rules import verify_against_library, verify_columns_and_kinds
from .district_totals import DISTRICT_ROOT_FILE, centre_labels, district_targets, repeated_names, roll_up
from .workspace import (
    STOPPING_CODES,
    Progress,
    check_data_dir,
    input_files,
    load_settings,
    no_progress,
    read_registers,
    stop_on_unusable,
)

#: What stops the district: everything that stops a centre, except having no registers at all.
DISTRICT_STOPPING_CODES = tuple(code for code in STOPPING_CODES if code != "no-registers")


def centre_folders(district_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every sub-folder is a centre; register files at the root are ignored with a warning."""
    check_data_dir(district_dir)
    folders = sorted(p for p in district_dir.iterdir() if p.is_dir() and not is_system_folder(p.name))
    entries = [p for p in sorted(district_dir.iterdir()) if not p.name.startswith(("~$", "."))]
    ignored = [  # a register at the root (not chsc's own list or table, not a note): in no centre
        Problem(DISTRICT_ROOT_FILE, "区级文件夹根目录下的登记表不属于任何中心，已忽略（请放入对应中心的子文件夹）", file=p.name)
        for p in entries if p.is_file() and p.suffix.lower() in REGISTER_SUFFIXES and not _written_by_chsc(p)
    ]
    ignored += [  # a link to a folder that is gone (a name without a suffix): a centre left out of the totals
        Problem("centre-without-registers", f"链接指向的文件夹不存在（{os.readlink(p)}），该中心未计入区合计", file=p.name)
        for p in entries if p.is_symlink() and not p.exists() and not p.suffix
    ]
    if not folders:
        raise UserError(f"{district_dir} 中没有子文件夹。", hint="--centres 要求每个中心的数据放在一个子文件夹里。")
    first: dict[Path, Path] = {}
    for folder in sorted(folders, key=lambda f: (f.is_symlink(), f.name)):  # the folder itself before links to it
        real = folder.resolve()
        if real in first:  # a link to another centre's folder would count its people twice
            folders.remove(folder)
            ignored.append(Problem("centre-folder-repeated", f"与「{first[real].name}」是同一个文件夹（链接），只计一次", file=folder.name))
        else:
            first[real] = folder
    return folders, ignored


def _written_by_chsc(path: Path) -> bool:
    """A workbook chsc wrote (its core properties carry chsc's mark): a district table or gap list
    saved at the root, not a register."""
    try:
        with zipfile.ZipFile(path) as archive:
            return OUTPUT_MARK.encode("ascii") in archive.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return False


def nested_configs(district_dir: Path, folder: Path) -> list[Problem]:
    """A chsc.yaml below a centre folder's root is not read: one warning naming each."""
    problems = []
    for path in sorted(folder.rglob(CONFIG_NAME)):
        inside = path.relative_to(folder)
        if len(inside.parts) < 2 or any(part.startswith(".") for part in inside.parts) or not path.is_file():
            continue
        below = inside.parent.as_posix()
        problems.append(Problem(
            "nested-config",
            f"不在中心文件夹的根目录，未读取：{folder.name} 整个文件夹算作一个中心，{below} 中的登记表计入该中心。"
            f"若 {below} 是另一个中心，请把它移到区级文件夹下，与其他中心文件夹并列",
            file=path.relative_to(district_dir).as_posix(),
        ))
    return problems


def _in_centre(error: UserError, folder: Path, centre: str) -> UserError:
    """The same error, naming the centre folder when it does not already."""
    if str(folder) in error.message:
        return error
    message = f"{centre}/{error.message}" if error.message.startswith(CONFIG_NAME) else f"{centre}：{error.message}"
    return UserError(message, hint=error.hint, code=error.code)


def _without_registers(centre: str, read) -> Problem:
    skipped = "；".join(f"{s.file}: {s.sheet}" if s.sheet else s.file for s in read.skipped)
    listed = f"（已跳过：{skipped}）" if skipped else "（文件夹中没有登记表文件）"
    return Problem(
        "centre-without-registers",
        f"文件夹中没有识别出任何登记表，区合计未包含该中心{listed}；其余中心照常计算",
        file=centre,
    )


def read_centre(district_dir: Path, folder: Path, library: Library, use_cache: bool, progress: Progress):
    """(settings, what was read — None when the folder has no registers —, problems to report).
    Stops the district (UserError naming the centre folder) on anything that stops a centre,
    except having no registers."""
    centre = folder.relative_to(district_dir).as_posix()
    try:
        check_data_dir(folder)
        settings = load_settings(folder, None)
        read = read_registers(folder, settings, use_cache=use_cache, progress=progress)
        verify_against_library(library, settings)
    except UserError as error:
        raise _in_centre(error, folder, centre) from None
    stop_on_unusable(
        read, DISTRICT_STOPPING_CODES, folder=centre,
        hint="区合计缺了这个文件的数据会不准，已停止，没有输出任何中心的数字。请修复或移走该文件后重新运行。",
    )
    problems = nested_configs(district_dir, folder) + _hidden_registers(read, centre)
    if read.problems_with("no-registers"):
        return settings, None, [*problems, _without_registers(centre, read)]
    return settings, read, problems


def _hidden_registers(read, centre: str) -> list[Problem]:
    """The sheets of a centre that read as registers but were not read because they are hidden (as
    the computing commands say for one centre): named, so that the district figure is not short
    without a word."""
    from ..registers.sources import HIDDEN_REGISTER_REASON, VERY_HIDDEN_REGISTER_REASON

    return [
        Problem("unrecognised-sheet", f"已跳过工作表「{item.sheet}」：{item.reason}", file=f"{centre}/{item.file}", sheet=item.sheet)
        for item in read.skipped
        if item.reason in (HIDDEN_REGISTER_REASON, VERY_HIDDEN_REGISTER_REASON)
    ]


def _centre_settings(settings: LoadedConfig, district_settings):
    """A centre's settings, with the district's targets where the centre has none of its own."""
    centre_settings = settings.settings
    if district_settings.targets:
        merged = {**district_settings.targets, **centre_settings.targets}
        centre_settings = centre_settings.model_copy(update={"targets": merged})
    return centre_settings


@dataclass
class DistrictRun:
    """A district's totals, every input file (never written over), the library used, and with
    `compare`: the compare period's totals and the indicators with a register row dated in it."""

    current: ComputeResult
    inputs: list[Path]
    library: Library
    previous: ComputeResult | None = None
    with_rows: set[str] | None = None


def _ignore(problems: list[Problem]) -> None:
    return None


def run_district(district_dir: Path, period: Period, indicator_dirs: list[Path], config: Path | None, *,
                 use_cache: bool = True, compare: Period | None = None, progress: Progress = no_progress,
                 reading: Callable[[str], None] = lambda centre: None,
                 warn: Callable[[list[Problem]], None] = _ignore) -> DistrictRun:
    """Every centre of `district_dir`, computed and rolled up. A centre's own chsc.yaml gives its
    name and figures; without one it is named after its folder and has no official figures.
    Centres are keyed by their folder. `reading(centre)` is called before each centre is read,
    `warn(problems)` with the warnings as they are found."""
    folders, ignored = centre_folders(district_dir)
    warn(ignored)
    district_loaded = load_config(find_config(district_dir, config))
    district_settings = district_loaded.settings
    library = load_library(indicator_dirs)
    verify_columns_and_kinds(district_loaded)  # (a mistake in it is said, as in a centre's chsc.yaml)
    verify_against_library(library, district_loaded)
    results, previous, left_out, config_files, own_targets = {}, {}, {}, {}, {}
    # the indicators with an event row dated in the compare period in every centre: a centre without
    # one has no value then (cli.md), and a district total counting it as 0 would invent a change
    with_rows: set[str] | None = None
    problems: list[Problem] = []
    inputs = [district_dir, *([district_loaded.path] if district_loaded.path is not None else [])]
    for broken in (p for p in ignored if p.code == "centre-without-registers"):
        left_out[broken.file] = "链接指向的文件夹不存在"
    for position, folder in enumerate(folders):
        if position:
            collect_garbage()  # the centre before's cyclic garbage, before this one's read
        centre = folder.relative_to(district_dir).as_posix()
        reading(centre)
        settings, read, found = read_centre(district_dir, folder, library, use_cache, progress)
        warn(found)
        problems += found
        inputs += [*([settings.path] if settings.path is not None else []),
                   *(district_dir / p.file for p in found if p.code == "nested-config")]
        if read is None:
            left_out[centre] = "文件夹中没有识别出任何登记表"
            continue
        config_files[centre] = f"{centre}/{CONFIG_NAME}" if settings.path is not None else None
        centre_settings = _centre_settings(settings, district_settings)
        own_targets[centre] = settings.settings.targets
        name = centre_settings.centre or folder.name
        computed = compute_indicators(read, period, centre_settings, library, reasons=False).figures_only()
        results[centre] = replace(computed, centre=name)
        if compare is not None:
            computed = compute_indicators(read, compare, centre_settings, library, reasons=False).figures_only()
            previous[centre] = replace(computed, centre=name)
            found_rows = indicators_with_rows_in(read, library, compare)
            with_rows = found_rows if with_rows is None else with_rows & found_rows
        inputs += input_files(settings, read)
    if not results:
        raise UserError(
            f"{district_dir} 的 {len(folders)} 个中心文件夹中都没有识别出任何登记表。",
            hint="每个中心文件夹里应放该中心的登记表（Excel / CSV）；可用 chsc validate 中心文件夹 查看跳过了哪些文件。",
            code="no-registers",
        )
    repeated = repeated_names({centre: computed.centre for centre, computed in results.items()}, config_files)
    warn(repeated)
    name = district_settings.centre or district_dir.resolve().name
    labels = centre_labels({centre: computed.centre for centre, computed in results.items()})
    targets, differing = district_targets(library, district_settings.targets, own_targets, labels)
    warn(differing)
    current = roll_up(name, period, results, [*ignored, *problems, *repeated, *differing], targets, left_out)
    if compare is None:
        return DistrictRun(current, inputs, library)
    return DistrictRun(current, inputs, library, roll_up(name, compare, previous, [], targets, left_out), with_rows)
