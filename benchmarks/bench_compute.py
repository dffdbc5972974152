"""Benchmark: end-to-end `chsc compute` on a generated centre and a district (issues 8 and 18).

Everything is measured in cold processes (imports included) in ONE run, and reported as ratios,
because the machines are shared and noisy. Sections (`--sections`, default `export`):

- export (issue 18): a 60,000-resident centre written as the regional system exports it
  (benchmarks/export_style.py: text dates of every accepted shape mixed in one column, IDs and
  numbers as text). Side by side, interleaved: the raw python-calamine parse in a pool of
  os.cpu_count() processes (the floor with the same cores), the same parse in one process, a naive
  `pandas.read_excel(engine="calamine", dtype=str)` of every sheet (nothing parsed),
  `chsc compute --no-cache`, `chsc compute` with the parse cache warm (and again with the
  evaluation in one process, CHSC_EVAL_WORKERS=1), and `chsc indicators` (start-up and library);
  ratios against the parallel floor;
- centre (issue 8): the generator's own centre (real date cells) against the serial raw parse, a
  naive pandas + openpyxl pipeline, and the parse cache; the read stage alone in one process;
- growth: compute time for centres of 1×, 2×, 5× and 10× the data (6,000 … 60,000 residents),
  with a least-squares line through the points (time = a + b × rows);
- district: `chsc compute --centres --no-cache` over 10 centres, with peak memory.

Usage: .venv/bin/python benchmarks/bench_compute.py [--out benchmarks/_data] [--repeat 3] [--quick]
       [--sections export,centre,growth,district]
Generated data is kept in --out between runs (delete the folder to regenerate).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHSC = [sys.executable, "-c", "import sys; from chsc_cli.launch import main; sys.argv[0]='chsc'; main()"]

RAW = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
rows = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python())
    elif path.suffix.lower() == ".csv":
        rows += len(path.read_bytes().splitlines())
print(rows)
"""

RAW_PARALLEL = """
import os, sys
from multiprocessing import get_context
from pathlib import Path
from python_calamine import CalamineWorkbook
def rows_of(path):
    if path.suffix.lower() == ".csv":
        return len(path.read_bytes().splitlines())
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)
files = [p for p in Path(sys.argv[1]).rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".csv")]
files.sort(key=lambda p: -p.stat().st_size)  # the largest first, as chsc does
with get_context("fork").Pool(os.cpu_count()) as pool:
    print(sum(pool.map(rows_of, files, chunksize=1)))
"""

NAIVE_CALAMINE = """
import sys
from pathlib import Path
import pandas as pd
frames = []
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        frames += pd.read_excel(path, sheet_name=None, engine="calamine", header=None, dtype=str).values()
    elif path.suffix.lower() == ".csv":
        frames.append(pd.read_csv(path, encoding="gb18030", header=None, dtype=str, on_bad_lines="skip"))
print(sum(len(frame) for frame in frames))
"""

NAIVE = """
import sys
from pathlib import Path
import pandas as pd
frames = []
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix.lower() == ".xlsx":
        for name, frame in pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None, dtype=object).items():
            frames.append(frame)
    elif path.suffix.lower() == ".csv":
        frames.append(pd.read_csv(path, encoding="gb18030", header=None, dtype=object, on_bad_lines="skip"))
# what a hand-written script then does: count distinct IDs per sheet
print(sum(frame.iloc[:, :4].astype(str).nunique().sum() for frame in frames))
"""


def load_generator():
    """sample_data/generate.py as a module (export_style.py loads it; one loader for both)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from export_style import load_generator as load

    return load()


#: The issue's proportions: a 60,000-resident centre vaccinates ~1,500 children a year (25 per 1,000;
#: the bundled sample keeps a town's 8). Every benchmark centre uses the same proportions.
BIRTHS_PER_1000 = 25


def ensure_centre(folder: Path, residents: int, seed: int = 20251231) -> Path:
    if not (folder / "chsc.yaml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        load_generator().generate_centre(
            folder, residents=residents, seed=seed, centre=f"基准中心{seed % 1000}", births_per_1000=BIRTHS_PER_1000
        )
    return folder


def ensure_export_centre(folder: Path, residents: int, seed: int = 20251231) -> Path:
    if not (folder / "chsc.yaml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from export_style import generate_export_centre

        generate_export_centre(
            folder, residents=residents, seed=seed, centre=f"基准中心{seed % 1000}", births_per_1000=BIRTHS_PER_1000
        )
    return folder


def export_section(out: Path, repeat: int, env: dict) -> dict:
    """Issue 18's table: every contender once per round, `repeat` rounds (a noisy moment hits all alike)."""
    centre = ensure_export_centre(out / "export-60000", 60_000)
    compute = [*CHSC, "compute", str(centre), "--period", "2025", "--quiet"]
    contenders = {
        "parallel_raw": [sys.executable, "-c", RAW_PARALLEL, str(centre)],
        "serial_raw": [sys.executable, "-c", RAW, str(centre)],
        "naive_calamine": [sys.executable, "-c", NAIVE_CALAMINE, str(centre)],
        "no_cache": [*compute, "--no-cache"],
        "warm": compute,
        "warm_one_process": compute,
        "indicators": [*CHSC, "indicators"],
    }
    # the evaluation's second process (chsc_cli.engine.parallel) turned off: what it saves, side by side
    environments = {name: env for name in contenders} | {"warm_one_process": {**env, "CHSC_EVAL_WORKERS": "1"}}
    subprocess.run(compute, env=env, stdout=subprocess.DEVNULL, check=True)  # fills the cache for "warm"
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, command in contenders.items():
            timings[name].append(timed(command, environments[name])[0])
    return {name: statistics.median(values) for name, values in timings.items()} | {"rows": count_rows(centre)}


def print_export(result: dict, repeat: int) -> None:
    floor = result["parallel_raw"]
    print(f"## export-style centre: 60,000 residents, {result['rows']:,} sheet rows, text dates of every shape")
    print(f"(median of {repeat}, cold processes, {os.cpu_count()} cores)")
    print("| run | seconds | ratio to the parallel floor |")
    print("|---|---:|---:|")
    rows = [
        ("parallel_raw", f"raw python-calamine parse, a pool of {os.cpu_count()} processes (the floor)"),
        ("serial_raw", "raw python-calamine parse, one process"),
        ("naive_calamine", 'naive pandas.read_excel(engine="calamine", dtype=str), nothing parsed'),
        ("no_cache", "chsc compute --no-cache"),
        ("warm", "chsc compute, parse cache warm"),
        ("warm_one_process", "the same, the evaluation in one process (CHSC_EVAL_WORKERS=1)"),
        ("indicators", "chsc indicators (start-up and library)"),
    ]
    for name, label in rows:
        print(f"| {label} | {result[name]:.2f} | {result[name] / floor:.2f}× |")
    print(f"compute --no-cache: {result['no_cache'] / floor:.2f}× the parallel floor (target ≤ 2.0×, aim 1.5×); "
          f"{result['naive_calamine'] / result['no_cache']:.2f}× faster than the naive script (target ≥ 1.5×); "
          f"warm compute {result['warm'] / result['indicators']:.2f}× chsc indicators (target ≤ 2.0×, aim 1.2×)")


def count_rows(folder: Path) -> int:
    completed = subprocess.run([sys.executable, "-c", RAW, str(folder)], capture_output=True, text=True, check=True)
    return int(completed.stdout.strip())


def compile_bytecode() -> None:
    """chsc's modules compiled once, as an installed chsc has them: with PYTHONDONTWRITEBYTECODE set
    (some sandboxes set it) every timed run would compile the modules changed since their last
    .pyc again (~0.1 s), in chsc's runs and not in the raw scripts'."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], env=env, check=True)


def timed(command: list[str], env: dict | None = None, memory: bool = False) -> tuple[float, float]:
    """(seconds, and with `memory` the peak MB of the child and its parse workers together).

    The memory is sampled from /proc every 20 ms (Linux) and summed over the process tree as
    proportional set sizes (pages a forked worker shares with its parent counted once). Without
    /proc it is the largest child's own peak. Sampling costs CPU: compared timings are taken without it."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    peak = 0
    while memory and process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.02)
    process.wait()
    elapsed = time.perf_counter() - start
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    if not memory:
        return elapsed, 0.0
    if not peak:  # no /proc: the largest child's peak (getrusage keeps the maximum over all children)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return elapsed, peak / 2**20


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, from /proc (0 without /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return 0
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _process_memory(pid)
        pending += children.get(pid, [])
    return total


def _process_memory(pid: int) -> int:
    """Proportional set size (a page shared by a parent and its forked workers counted once, split
    between them), else the resident size; 0 for a process that has gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def median_time(command: list[str], repeat: int, env: dict | None = None) -> float:
    return statistics.median(timed(command, env)[0] for _ in range(repeat))


def centre_section(out: Path, repeat: int, env: dict) -> dict:
    centre = ensure_centre(out / "centre-60000", 60_000)
    compute = [*CHSC, "compute", str(centre), "--period", "2025", "--quiet"]
    timings = {"raw": [], "chsc": [], "naive": [], "first": [], "cached": []}
    for _ in range(repeat):  # interleaved so that a noisy moment hits every contender alike
        timings["raw"].append(timed([sys.executable, "-c", RAW, str(centre)])[0])
        timings["chsc"].append(timed([*compute, "--no-cache"], env)[0])
        shutil.rmtree(env["CHSC_CACHE_DIR"], ignore_errors=True)
        timings["first"].append(timed(compute, env)[0])  # the default first run: parses and fills the cache
        timings["cached"].append(timed(compute, env)[0])
        timings["naive"].append(timed([sys.executable, "-c", NAIVE, str(centre)])[0])
    peak = timed([*compute, "--no-cache"], env, memory=True)[1]  # sampled apart: sampling costs CPU
    return {name: statistics.median(values) for name, values in timings.items()} | {"rows": count_rows(centre), "peak_mb": peak}


READ_STAGE = """
import sys, time, tempfile
from pathlib import Path
from chsc_cli.registers import ParseCache, read_folder
from chsc_cli.config import load_config
folder = Path(sys.argv[1])
settings = load_config(folder / "chsc.yaml").settings
with tempfile.TemporaryDirectory(prefix="chsc-bench-cache-") as where:
    cache = ParseCache(Path(where))
    start = time.perf_counter(); read_folder(folder, settings, cache=cache); cold = time.perf_counter() - start
    start = time.perf_counter(); read_folder(folder, settings, cache=cache); warm = time.perf_counter() - start
print(cold, warm)
"""


def read_stage(out: Path) -> tuple[float, float]:
    """In one process: reading the centre's registers without and then with the parse cache."""
    completed = subprocess.run([sys.executable, "-c", READ_STAGE, str(out / "centre-60000")], capture_output=True, text=True, check=True)
    cold, warm = map(float, completed.stdout.split())
    return cold, warm


def growth_section(out: Path, repeat: int, env: dict, quick: bool) -> list[dict]:
    """Every size once per round, `repeat` rounds: a noisy moment hits all sizes alike."""
    centres = {
        factor: ensure_centre(out / f"growth-{factor}x", 6_000 * factor, seed=7000 + factor)
        for factor in ((1, 10) if quick else (1, 2, 5, 10))
    }
    times: dict[int, list[float]] = {factor: [] for factor in centres}
    for _ in range(repeat):
        for factor, centre in centres.items():
            command = [*CHSC, "compute", str(centre), "--period", "2025", "--quiet", "--no-cache"]
            times[factor].append(timed(command, env)[0])
    return [
        {"factor": factor, "rows": count_rows(centre), "seconds": statistics.median(times[factor])}
        for factor, centre in centres.items()
    ]


def fit_line(points: list[dict]) -> tuple[float, float, float]:
    """Least squares seconds = a + b × rows; returns (a, b, r²)."""
    xs, ys = [p["rows"] for p in points], [p["seconds"] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a = my - b * mx
    total = sum((y - my) ** 2 for y in ys)
    residual = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys))
    return a, b, 1 - residual / total if total else 1.0


def district_section(out: Path, env: dict, quick: bool) -> dict:
    district = out / "district-10"
    centres = 3 if quick else 10
    for number in range(centres):
        ensure_centre(district / f"中心{number + 1:02d}", 20_000 + 2_000 * number, seed=9000 + number)
    command = [*CHSC, "compute", str(district), "--period", "2025", "--centres", "--quiet", "--no-cache"]
    seconds = timed(command, env)[0]
    peak = timed(command, env, memory=True)[1]  # a second run, sampled: the first one's time is unperturbed
    return {"centres": centres, "rows": count_rows(district), "seconds": seconds, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "_data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer growth points and a 3-centre district")
    parser.add_argument("--sections", default="export", help="comma-separated: export,centre,growth,district")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    import tempfile

    env = dict(os.environ, CHSC_CACHE_DIR=tempfile.mkdtemp(prefix="chsc-bench-cache-"))
    try:
        run_sections(args, sections, env)
    finally:  # the cache holds the generated residents' parsed registers: not left behind
        shutil.rmtree(env["CHSC_CACHE_DIR"], ignore_errors=True)


def run_sections(args: argparse.Namespace, sections: set[str], env: dict[str, str]) -> None:
    compile_bytecode()
    # chsc as installed: its modules' bytecode written once (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module in every run)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    summary: dict = {}
    if "export" in sections:
        summary["export"] = export_section(args.out, args.repeat, env)
        print_export(summary["export"], args.repeat)
    if "centre" in sections:
        summary |= centre_report(args, env)
    if "growth" in sections:
        summary |= growth_report(args, env)
    if "district" in sections:
        district = district_section(args.out, env, args.quick)
        print(f"\n## district: {district['centres']} centres, {district['rows']:,} sheet rows")
        print(f"compute --centres --no-cache: {district['seconds']:.1f} s; peak memory (chsc and its parse workers, PSS summed) {district['peak_mb']:.0f} MB")
        summary["district"] = district
    (args.out / "last_run.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def centre_report(args, env: dict) -> dict:
    centre = centre_section(args.out, args.repeat, env)
    read_cold, read_warm = read_stage(args.out)
    print(f"\n## centre: 60,000 residents, {centre['rows']:,} sheet rows (median of {args.repeat}, cold processes)")
    print("| run | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| raw python-calamine parse of the same files | {centre['raw']:.2f} | 1.00× |")
    print(f"| chsc compute --no-cache (end to end) | {centre['chsc']:.2f} | {centre['chsc'] / centre['raw']:.2f}× raw |")
    print(f"| naive pandas + openpyxl pipeline | {centre['naive']:.2f} | {centre['naive'] / centre['chsc']:.1f}× chsc |")
    print(f"| chsc compute, first run (parses, fills the cache) | {centre['first']:.2f} | {centre['first'] / centre['raw']:.2f}× raw |")
    print(f"| chsc compute, parse cache warm | {centre['cached']:.2f} | {centre['chsc'] / centre['cached']:.1f}× faster than --no-cache |")
    print(f"peak memory of compute --no-cache (chsc and its parse workers, PSS summed): {centre['peak_mb']:.0f} MB")
    print(f"read stage alone (in process): {read_cold:.2f} s parsing, {read_warm:.2f} s from the cache = {read_cold / read_warm:.0f}× faster")
    return {"read_stage": {"cold": read_cold, "warm": read_warm}, "centre": centre}


def growth_report(args, env: dict) -> dict:
    growth = growth_section(args.out, args.repeat, env, args.quick)
    a, b, r2 = fit_line(growth)
    print("\n## growth (compute --no-cache)")
    print("| data | sheet rows | seconds |")
    print("|---|---:|---:|")
    for point in growth:
        print(f"| {point['factor']}× | {point['rows']:,} | {point['seconds']:.2f} |")
    print(f"fit: seconds = {a:.2f} + {b * 1e6:.2f} µs × rows   (r² = {r2:.4f})")
    return {"growth": growth, "fit": {"a": a, "b": b, "r2": r2}}


if __name__ == "__main__":
    main()
