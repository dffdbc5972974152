"""`--centres` (compute, report): the district run of the services layer, with its warnings and
the centre being read shown on stderr (unless --quiet)."""

from __future__ import annotations

from pathlib import Path

from .common import file_progress, stderr


def _warn(problems, quiet: bool) -> None:
    if quiet:
        return
    for problem in problems:
        place = f"{problem.file}：" if problem.file else ""
        stderr.print(f"警告：{place}{problem.message}", markup=False)


def _reading(centre: str, quiet: bool) -> None:
    if not quiet:
        stderr.print(f"读取 {centre} …", markup=False)


def district_run(district_dir: Path, period, indicator_dirs, config, quiet: bool, no_cache: bool, compare=None):
    """The services layer's DistrictRun, telling the user what it reads and warns about."""
    from ..services.district import run_district

    return run_district(
        district_dir, period, indicator_dirs, config, use_cache=not no_cache, compare=compare,
        progress=lambda total: file_progress(total, quiet),
        reading=lambda centre: _reading(centre, quiet), warn=lambda problems: _warn(problems, quiet),
    )


def compute_district(district_dir: Path, period, indicator_dirs, config, quiet: bool, no_cache: bool, compare=None):
    """(DistrictResult, every input file[, the compare period's DistrictResult, the indicators
    with rows in it and the library])."""
    run = district_run(district_dir, period, indicator_dirs, config, quiet, no_cache, compare)
    if compare is None:
        return run.current, run.inputs
    return run.current, run.inputs, run.previous, run.with_rows, run.library
