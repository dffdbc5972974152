"""The benchmark's export style (benchmarks/export_style.py) writes every date in a shape the reader
accepts, and each of its shapes is one the bulk path claims."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np

from chsc_cli.registers.bulk_values import all_dates
from chsc_cli.registers.values import PARSERS

ROOT = Path(__file__).resolve().parents[1]


def _export_style():
    spec = importlib.util.spec_from_file_location("export_style", ROOT / "benchmarks" / "export_style.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_export_shape_is_read_back_as_its_date_in_bulk():
    style = _export_style()
    moments = [dt.datetime(2025, 3, 12, 14, 20), dt.datetime(1950, 12, 1, 8, 5), dt.datetime(2024, 2, 29, 17, 59)]
    texts = [shape(moment) for shape in style.DATE_SHAPES.values() for moment in moments]
    assert len(set(texts)) == len(texts)
    for text, moment in zip(texts, moments * len(style.DATE_SHAPES)):
        assert PARSERS["date"](text) == (moment.date(), None, None), text
    # 600 texts that are not dates beside them: more than DATE_SHAPES_MIN_TEXTS, so the bulk path runs
    handled, values = all_dates(np.array(texts + [f"x{i}" for i in range(600)], dtype=object))
    assert handled[: len(texts)].all() and not handled[len(texts):].any()
    assert values.astype("datetime64[D]").tolist() == [m.date() for m in moments * len(style.DATE_SHAPES)]


def test_export_text_writes_dates_ids_and_numbers_as_text():
    text = _export_style().ExportText(seed=1)
    assert isinstance(text(dt.date(2025, 3, 12)), str) and isinstance(text(dt.datetime(2025, 3, 12, 9, 30)), str)
    assert text(135) == "135" and text(6.3) == "6.3" and text(80.0) == "80"
    assert text("330102195001010011") == "330102195001010011" and text(None) is None and text(True) is True
