"""The indicator engine against hand-made cases: tests/indicator_cases/<indicator_id>.yaml.

Every case holds small registers (1-6 persons), a period, optional chsc.yaml content and the expected
numerator, denominator and so on, worked out by hand from spec/indicators.md (each case's `why`
says how). The expectations were never produced by running the engine.

Case format (see helpers_cases.py for the loader):

- `indicator` (must equal the file name), `people` (name -> {birth, sex}) shared by the cases;
- each case: `name`, `why`, `period` (any period form), optional `config` (chsc.yaml content),
  optional `people` (added to the file's), `registers` (kind -> rows, keys are the canonical Chinese
  headers; `kind#tag` writes a second file of the same kind), optional `missing_columns`
  (kind -> canonical headers the file must not have; checked by the workbook test) and `expect`.
- `expect` keys: numerator, denominator, denominator_source (config | roster | register | null),
  value (compared to 1e-12), value_null, target, met, shortfall (null means None),
  reason_contains (a substring of the row's reason).

A register is written as one xlsx whose header row is the union of the keys used in its rows: a
column no row uses is absent from the file; "" writes a blank cell.

`test_case_workbooks_classify` checks only the reader (every generated file is read as the intended
kind, with no error, every row kept, every column recognised), so the cases themselves are known to
be well formed before the engine exists.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from helpers_cases import CASE_DIR, TODAY, IndicatorCase, build_folder, config_path, load_cases, register_kind

from chsc_cli.config import load_config
from chsc_cli.periods import parse_period
from chsc_cli.registers import KINDS, read_folder

ROOT = Path(__file__).resolve().parents[1]
#: The shipped library's ids: every indicator it ships must have a case file (a new indicator
#: without cases fails here). Whether the library holds exactly the specification's indicators is
#: tests/test_library.py's question.
from chsc_cli.engine import load_library  # noqa: E402

LIBRARY_IDS = tuple(load_library().indicators)

CASES = load_cases()


def _case_id(case: IndicatorCase) -> str:
    return case.test_id


def _read(case: IndicatorCase, folder: Path):
    loaded = load_config(config_path(folder))
    return loaded, read_folder(folder, loaded.settings, today=TODAY)


# --------------------------------------------------------------------------------- the engine


def _same_number(actual, expected) -> bool:
    return Decimal(str(actual)).normalize() == Decimal(str(expected)).normalize()


def _mismatches(row, expect: dict) -> list[str]:
    wrong: list[str] = []

    def compare(label: str, actual, expected, same=lambda a, e: a == e) -> None:
        if expected is None:
            ok = actual is None
        else:
            ok = actual is not None and same(actual, expected)
        if not ok:
            wrong.append(f"{label}: expected {expected!r}, got {actual!r}")

    for key, expected in expect.items():
        if key in ("numerator", "denominator", "shortfall", "met", "denominator_source"):
            compare(key, getattr(row, key), expected)
        elif key == "target":
            compare(key, row.target, expected, _same_number)
        elif key == "value":
            compare(key, row.value, expected, lambda a, e: math.isclose(float(a), float(e), rel_tol=1e-12))
        elif key == "value_null":
            if (row.value is None) != bool(expected):
                wrong.append(f"value: expected {'None' if expected else 'a number'}, got {row.value!r}")
        elif key == "reason_contains":
            if not row.reason or expected not in row.reason:
                wrong.append(f"reason: expected it to contain {expected!r}, got {row.reason!r}")
    return wrong


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_indicator_case(case: IndicatorCase, tmp_path: Path) -> None:
    # Imported here so that the workbook test below runs even before the engine exists.
    from chsc_cli.engine import compute_indicators, load_library

    build_folder(case, tmp_path)
    loaded, data = _read(case, tmp_path)
    result = compute_indicators(
        data, parse_period(case.period), loaded.settings, load_library(), only=[case.indicator]
    )
    row = next(r for r in result.indicators if r.id == case.indicator and r.group is None)
    wrong = _mismatches(row, case.expect)
    assert not wrong, f"{case.test_id}\nwhy: {case.why}\n" + "\n".join(wrong)
    if row.denominator_source in ("roster", "register"):
        # the gap list and the numerator partition the denominator, person for person
        persons = result.evaluations[case.indicator].persons
        counted = set(persons.index[persons["in_numerator"]])
        missing = set(persons.index[~persons["in_numerator"]])
        assert len(counted) == row.numerator
        if load_library().indicators[case.indicator].denominator.sum is None:  # a live-birth sum is not a head count
            assert len(counted) + len(missing) == row.denominator
        assert all(isinstance(r, str) and r for r in persons.loc[list(missing), "reason"]), case.test_id


# --------------------------------------------------------------------------------- the cases


def _field_of(kind: str, header: str) -> str:
    for column in KINDS[kind].columns:
        if column.header == header:
            return column.field
    raise AssertionError(f"{header!r} is not a canonical column of {kind}")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_case_workbooks_classify(case: IndicatorCase, tmp_path: Path) -> None:
    """The generated folder reads as intended: each file is its kind, no errors, every distinct row kept."""
    intended = build_folder(case, tmp_path)
    _, data = _read(case, tmp_path)
    errors = [p for p in data.problems if p.level == "error"]
    assert errors == []
    assert data.skipped == []
    assert {sheet.file: sheet.kind for sheet in data.sheets} == intended
    rows_by_kind: dict[str, int] = {}
    headers_by_kind: dict[str, set[str]] = {}
    for register_key, rows in case.registers.items():
        kind = register_kind(register_key)
        assert rows, f"{register_key}: a register needs at least one row"
        distinct = {tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows}  # identical rows are one (duplicate-row)
        rows_by_kind[kind] = rows_by_kind.get(kind, 0) + len(distinct)
        headers_by_kind.setdefault(kind, set()).update(key for row in rows for key in row)
    assert {kind: len(table) for kind, table in data.tables.items()} == rows_by_kind
    for kind, headers in headers_by_kind.items():
        present = data.columns_of(kind)
        for header in headers:
            assert _field_of(kind, header) in present, f"{kind}: column {header} was not recognised"
    for kind, headers in case.missing_columns.items():
        present = data.columns_of(kind)
        for header in headers:
            assert _field_of(kind, header) not in present, f"{kind}: {header} should be absent"


@pytest.mark.parametrize("indicator_id", LIBRARY_IDS)
def test_every_indicator_has_cases(indicator_id: str) -> None:
    path = CASE_DIR / f"{indicator_id}.yaml"
    assert path.exists(), f"no case file for {indicator_id}"
    assert any(case.indicator == indicator_id for case in CASES)


def test_case_files_name_known_indicators() -> None:
    stems = {path.stem for path in CASE_DIR.glob("*.yaml")}
    library = ROOT / "indicators"
    shipped = {path.stem for path in library.glob("*.yaml")} if library.is_dir() else set()
    assert stems <= shipped
