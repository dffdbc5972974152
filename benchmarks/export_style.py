"""The export style of issue 18: a centre's registers as the regional system exports them.

`sample_data/generate.py` writes dates as real date cells (what Excel stores when a person types
them). A regional system's export, and many hand-typed sheets, hold every cell as text instead:
dates in every accepted shape mixed in one column (`2025-03-12`, `2025/3/12`, `2025.3.12`,
`2025年3月12日`, `20250312`, a serial number as text, date-times `2025-03-12 14:20:00`,
`2025/3/12 14:20`, `2025-03-12T14:20`, `2025年3月12日14时20分`, `20250312 14:20`), ID numbers
and numbers as text (`135`, `6.3`).

This module writes such a centre with the generator's own people and registers: the generator's
two cell writers are wrapped for the duration of one `generate_centre` call, so every sheet, row
and planted problem is the one the generator makes, only written as text. The generator's default
output (and `sample_data/`) is untouched. The shape of each date cell is drawn from its own seeded
random stream: the same seed gives byte-identical files.

Usage: .venv/bin/python benchmarks/export_style.py OUT_DIR [--residents 60000] [--seed 20251231]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import random
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Every text shape registers.md accepts for a date cell, written from a date-time (the time of
#: day drawn by the caller). Equal weights: every shape is in every date column.
DATE_SHAPES: dict[str, Callable[[dt.datetime], str]] = {
    "iso": lambda m: m.date().isoformat(),
    "iso_unpadded": lambda m: f"{m.year}-{m.month}-{m.day}",
    "slash": lambda m: f"{m.year}/{m.month}/{m.day}",
    "slash_padded": lambda m: f"{m:%Y/%m/%d}",
    "dot": lambda m: f"{m.year}.{m.month}.{m.day}",
    "chinese": lambda m: f"{m.year}年{m.month}月{m.day}日",
    "digits8": lambda m: f"{m:%Y%m%d}",
    "serial": lambda m: str((m.date() - dt.date(1899, 12, 30)).days),
    "datetime_iso": lambda m: f"{m:%Y-%m-%d %H:%M:%S}",
    "datetime_slash": lambda m: f"{m.year}/{m.month}/{m.day} {m:%H:%M}",
    "datetime_t": lambda m: f"{m:%Y-%m-%dT%H:%M}",
    "datetime_chinese": lambda m: f"{m.year}年{m.month}月{m.day}日{m.hour}时{m.minute}分",
    "datetime_digits8": lambda m: f"{m:%Y%m%d %H:%M}",
}


def load_generator():
    spec = importlib.util.spec_from_file_location("sample_generator", ROOT / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode = True
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


class ExportText:
    """Cell values -> the text an export holds; dates in a shape drawn from a seeded stream."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"export-style:{seed}")
        self.shapes = list(DATE_SHAPES.values())

    def __call__(self, value: object) -> object:
        if isinstance(value, dt.datetime):
            return self.rng.choice(self.shapes)(value)
        if isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day, self.rng.randint(8, 17), self.rng.randrange(60))
            return self.rng.choice(self.shapes)(moment)
        if isinstance(value, bool) or value is None or value == "":
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return value


def generate_export_centre(out_dir: Path, *, residents: int, seed: int = 20251231, **options) -> dict:
    """`generate_centre(out_dir, residents=…, seed=…, **options)` with every cell written as text."""
    generator = load_generator()
    text = ExportText(seed)
    write_cell, csv_text = generator.write_cell, generator.csv_text
    generator.write_cell = lambda ws, r, c, v, formats: write_cell(ws, r, c, text(v), formats)
    generator.csv_text = lambda v: csv_text(text(v))
    try:
        return generator.generate_centre(out_dir, residents=residents, seed=seed, **options)
    finally:
        generator.write_cell, generator.csv_text = write_cell, csv_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--residents", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=20251231)
    args = parser.parse_args()
    summary = generate_export_centre(args.out_dir, residents=args.residents, seed=args.seed, births_per_1000=25)
    for rel, count in summary["files"].items():
        print(f"{count:8d}  {rel}")


if __name__ == "__main__":
    main()
