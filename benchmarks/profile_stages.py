"""Where the seconds of `chsc compute --no-cache` go, stage by stage (issue 18).

Runs in ONE process, so that every stage is timed where it runs:

- start-up: importing the CLI and the stack it loads (pandas, pyarrow, pydantic, typer, rich);
- read: every file parsed in this process (no worker pool), each file's stages timed by wrapping
  the reader's functions (calamine, header detection, factorisation, blank and total rows, each
  column's values, ID facts), then the kind-level steps (concatenation, duplicates, person fields);
- transfer: what a helper would send back to the parent — each file's result pickled and
  unpickled (all files here: the parent parses its own share and sends none of it);
- the library: loading and checking the indicator YAML files;
- evaluation: the engine over every indicator, each indicator timed;
- output: the table rendered.

Usage: .venv/bin/python benchmarks/profile_stages.py DATA_DIR [--period 2025] [--cprofile FILE]
       [--top 30]
`--cprofile FILE` also writes a cProfile of the read of the largest file (pstats, sorted by
cumulative time, printed with --top lines).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pickle
import pstats
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

SECONDS: dict[str, float] = defaultdict(float)
#: The same stages in CPU seconds of this process (time.process_time): on a shared machine the
#: wall-clock figures grow with the load, these much less.
CPU: dict[str, float] = defaultdict(float)


@contextmanager
def stage(name: str):
    start, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        SECONDS[name] += time.perf_counter() - start
        CPU[name] += time.process_time() - cpu


def timed(module, name: str, label: str) -> None:
    """Wrap module.name so that its time is added to SECONDS[label] (outermost call only)."""
    function = getattr(module, name)
    depth = [0]

    def wrapper(*args, **kwargs):
        depth[0] += 1
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                SECONDS[label] += time.perf_counter() - start
                CPU[label] += time.process_time() - cpu

    setattr(module, name, wrapper)


def instrument() -> None:
    """The reader's stages, wrapped where they are looked up (module globals)."""
    from chsc_cli.registers import persons, reader, sheets, sources, table, values

    timed(sheets, "read_file", "read: calamine (cells to Python rows)")
    timed(sheets, "find_header", "read: header detection")
    timed(sheets, "classify", "read: classification")
    timed(table, "_grid", "read: rows to a 2-D grid")
    timed(table, "factorize", "read: factorise columns")
    timed(table, "blank_rows", "read: blank rows")
    timed(table, "total_rows", "read: total rows")
    timed(table, "parse_distinct", "read: column values (parsers, fast paths)")
    timed(table, "per_row", "read: column values (parsers, fast paths)")
    timed(table, "clean_ids", "read: column values (parsers, fast paths)")
    timed(table, "distinct_id_facts", "read: ID facts per distinct ID")
    timed(sheets, "with_id_facts", "read: ID facts per distinct ID")
    timed(table._Builder, "finish", "read: the sheet's frame (row-key hashes, columns)")
    timed(reader, "kind_table", "kinds: concatenation")
    timed(reader, "duplicate_rows", "kinds: duplicate rows")
    timed(reader, "add_person_fields", "kinds: person fields")
    del sources, values, persons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--period", default="2025")
    parser.add_argument("--cprofile", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    # every stage in this process, the evaluation included (chsc splits it over two processes on
    # large folders: `chsc_cli.engine.parallel`), so that each indicator is timed
    os.environ["CHSC_EVAL_WORKERS"] = "1"
    begin = time.perf_counter()
    with stage("start-up: imports"):
        from chsc_cli.cli import main as _cli  # noqa: F401 - what the console script imports
        from chsc_cli.services.workspace import load_settings
        from chsc_cli.engine import compute_indicators, load_library
        from chsc_cli.periods import parse_period
        from chsc_cli.registers import reader
        from chsc_cli.registers.sheets import read_one_file
        from chsc_cli.registers.folder import find_register_files
    instrument()
    import pandas as pd

    settings = load_settings(args.data_dir, None)
    with stage("read (one process, all files)"):
        result = reader.read_folder(args.data_dir, settings.settings, workers=1)
    rows = sum(len(table) for table in result.tables.values())
    # what no stage above holds: mostly freeing each file's rows (a list per row, an object per
    # cell: ~0.1 s on the export centre, as the raw parse frees them too), the rest glue
    named = sum(CPU[name] for name in CPU if name.startswith(("read: ", "kinds: ")))
    SECONDS["read: in no stage above (freeing the rows, glue)"] = SECONDS["read (one process, all files)"] - sum(
        SECONDS[name] for name in SECONDS if name.startswith(("read: ", "kinds: "))
    )
    CPU["read: in no stage above (freeing the rows, glue)"] = CPU["read (one process, all files)"] - named

    files = find_register_files(args.data_dir)
    read_seconds, read_cpu = dict(SECONDS), dict(CPU)  # the re-reads below are not counted
    sizes = 0
    dumps, loads = "transfer: pickling in the helpers", "transfer: unpickling in the parent"
    transfer = {dumps: [0.0, 0.0], loads: [0.0, 0.0]}
    for path in files:
        parsed = read_one_file(path, args.data_dir, settings.settings, _today())
        start, cpu = time.perf_counter(), time.process_time()
        blob = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        middle, middle_cpu = time.perf_counter(), time.process_time()
        pickle.loads(blob)
        transfer[dumps][0] += middle - start
        transfer[dumps][1] += middle_cpu - cpu
        transfer[loads][0] += time.perf_counter() - middle
        transfer[loads][1] += time.process_time() - middle_cpu
        sizes += len(blob)
    SECONDS.clear(), CPU.clear()
    SECONDS.update(read_seconds), CPU.update(read_cpu)
    for name, (seconds, cpu) in transfer.items():
        SECONDS[name], CPU[name] = seconds, cpu

    with stage("library: load and check"):
        library = load_library([])
    period = parse_period(args.period)
    timings = {}
    from chsc_cli.engine import compute as engine

    run_class = engine.IndicatorRun
    original_run = run_class.run

    def run(self):
        start = time.process_time()
        try:
            return original_run(self)
        finally:
            timings[self.indicator.id] = time.process_time() - start

    run_class.run = run
    with stage("evaluation: all indicators"):
        computed = compute_indicators(result, period, settings.settings, library, reasons=False)
    with stage("output: table"):
        from rich.console import Console

        from chsc_cli.outputs.compute_table import render_compute_table

        render_compute_table(Console(file=io.StringIO(), width=120), computed)
    total = time.perf_counter() - begin
    print(f"{rows:,} table rows, {len(files)} files, pickled results {sizes / 1e6:.1f} MB")
    print(f"{'stage':<55}{'wall s':>9}{'CPU s':>9}")
    for name, seconds in SECONDS.items():
        print(f"{name:<55}{seconds:>9.3f}{CPU[name]:>9.3f}")
    print(f"{'total (wall, this script)':<55}{total:>9.3f}")
    print("\nslowest indicators (CPU s):")
    for indicator_id, seconds in sorted(timings.items(), key=lambda item: -item[1])[:10]:
        print(f"  {indicator_id:<45}{seconds:>8.3f}")
    print(f"  {'(all ' + str(len(timings)) + ')':<45}{sum(timings.values()):>8.3f}")
    if args.cprofile:
        largest = max(files, key=lambda path: path.stat().st_size)
        profile = cProfile.Profile()
        profile.enable()
        read_one_file(largest, args.data_dir, settings.settings, _today())
        profile.disable()
        profile.dump_stats(args.cprofile)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(f"\ncProfile of {largest.name}:\n{out.getvalue()}")
    del pd
    sys.stdout.flush()


def _today():
    import datetime as dt

    return dt.date.today()


if __name__ == "__main__":
    main()
