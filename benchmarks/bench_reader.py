"""Benchmark: reading one 100,000-row hypertension follow-up register.

Three ways, each in a cold Python process (imports included, as a user experiences it), repeated
and reported as ratios measured in one run (the machines are shared and noisy):

- raw     python-calamine parse of the sheet into Python lists (the floor for reading xlsx)
- chsc    chsc's reader: find the header, classify, parse every cell, typed DataFrame + problems
- openpyxl pandas.read_excel(engine="openpyxl") — what a hand-written script would do

Usage: .venv/bin/python benchmarks/bench_reader.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RAW = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_index(0).to_python()
assert len(rows) > 1
"""
CHSC = """
import sys
from pathlib import Path
from chsc_cli.registers import read_folder
result = read_folder(Path(sys.argv[1]).parent)
assert len(result.tables["hypertension_followups"]) > 1
"""
OPENPYXL = """
import sys
import pandas as pd
frame = pd.read_excel(sys.argv[1], engine="openpyxl")
assert len(frame) > 1
"""


def check_character(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def make_register(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic follow-up register: ~4.5 follow-ups per patient, a year of dates."""
    import xlsxwriter

    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("高血压随访")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    headers = ["序号", "姓名", "身份证号", "随访日期", "随访方式", "收缩压", "舒张压", "此次随访分类", "随访医生", "所属站点"]
    sheet.write_row(0, 0, headers)
    patients = max(1, rows * 2 // 9)
    ids = []
    for number in range(patients):
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 45))
        first17 = f"330102{birth:%Y%m%d}{number % 1000:03d}"
        ids.append(first17 + check_character(first17))
    modes = ["门诊", "家庭", "上门", "电话", "门诊就诊", "微信"]
    for row in range(1, rows + 1):
        sheet.write_number(row, 0, row)
        sheet.write_string(row, 1, f"患者{row % patients}")
        sheet.write_string(row, 2, ids[row % patients])
        sheet.write_datetime(row, 3, dt.datetime(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)), date_format)
        sheet.write_string(row, 4, rng.choice(modes))
        sheet.write_number(row, 5, rng.randrange(105, 175))
        sheet.write_number(row, 6, rng.randrange(60, 105))
        sheet.write_string(row, 7, rng.choice(["控制满意", "控制不满意"]))
        sheet.write_string(row, 8, f"医生{row % 20}")
        sheet.write_string(row, 9, f"{'东西南北'[row % 4]}站")
    workbook.close()


def time_cold(code: str, path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "高血压随访记录2025.xlsx"
        make_register(path, args.rows)
        timings: dict[str, list[float]] = {"raw": [], "chsc": [], "openpyxl": []}
        for _ in range(args.repeat):  # interleaved, so a noisy moment hits all three alike
            for name, code in (("raw", RAW), ("chsc", CHSC), ("openpyxl", OPENPYXL)):
                timings[name].append(time_cold(code, path))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"rows: {args.rows:,}   file: {path.name}   repeat: {args.repeat} (median, cold processes)")
    print(f"| reader | seconds | ratio to raw calamine |")
    print(f"|---|---:|---:|")
    for name, label in (("raw", "raw python-calamine parse"), ("chsc", "chsc reader (typed, validated)"), ("openpyxl", "pandas.read_excel(openpyxl)")):
        print(f"| {label} | {medians[name]:.2f} | {medians[name] / medians['raw']:.2f}× |")
    print(f"chsc is {medians['openpyxl'] / medians['chsc']:.1f}× faster than pandas+openpyxl")


if __name__ == "__main__":
    main()
