"""Reading a district folder for `compute --centres` (and `report --centres`)."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem, UserError
from .common import check_data_dir, input_files, load_folder, load_indicator_library, stderr


def centre_folders(district_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every sub-folder is a centre; register files at the root are ignored with a warning."""
    from ..registers.sources import REGISTER_SUFFIXES

    check_data_dir(district_dir)
    folders = sorted(p for p in district_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    ignored = [
        Problem("unrecognised-sheet", "区级文件夹根目录下的文件不属于任何中心，已忽略（请放入对应中心的子文件夹）", file=p.name)
        for p in sorted(district_dir.iterdir())
        if p.is_file() and p.suffix.lower() in REGISTER_SUFFIXES and not p.name.startswith(("~$", "."))
    ]
    if not folders:
        raise UserError(f"{district_dir} 中没有子文件夹。", hint="--centres 要求每个中心的数据放在一个子文件夹里。")
    return folders, ignored


def compute_district(district_dir: Path, period, indicator_dirs, config, quiet: bool, no_cache: bool, compare=None):
    """(DistrictResult, every input file[, the compare period's DistrictResult and the indicators
    with rows in it]). A centre's own chsc.yaml gives its name and figures; without one it is
    named after its folder and has no official figures."""
    from ..config import find_config, load_config
    from ..indicators import compute_indicators
    from ..indicators.district import roll_up

    folders, ignored = centre_folders(district_dir)
    for problem in ignored:
        if not quiet:
            stderr.print(f"警告：{problem.file}：{problem.message}", markup=False)
    district_loaded = load_config(find_config(district_dir, config))
    district_settings = district_loaded.settings
    results, previous, with_rows, library = {}, {}, set(), None
    inputs = [district_loaded.path] if district_loaded.path is not None else []
    for folder in folders:
        if not quiet:
            stderr.print(f"读取 {folder.name} …", markup=False)
        settings, read = load_folder(folder, None, quiet, no_cache)
        library = library or load_indicator_library(indicator_dirs, settings)
        centre_settings = settings.settings
        if district_settings.targets:
            merged = {**district_settings.targets, **centre_settings.targets}
            centre_settings = centre_settings.model_copy(update={"targets": merged})
        name = centre_settings.centre or folder.name
        results[name] = compute_indicators(read, period, centre_settings, library, reasons=False).figures_only()
        if compare is not None:
            from ..outputs.report_model import indicators_with_rows_in

            previous[name] = compute_indicators(read, compare, centre_settings, library, reasons=False).figures_only()
            with_rows |= indicators_with_rows_in(read, library, compare)
        inputs += input_files(settings, read)
    name = district_settings.centre or district_dir.resolve().name
    targets = {i: district_settings.targets.get(i, indicator.target) for i, indicator in library.indicators.items()}
    current = roll_up(name, period, results, ignored, targets)
    if compare is None:
        return current, inputs
    return current, inputs, roll_up(name, compare, previous, [], targets), with_rows, library
