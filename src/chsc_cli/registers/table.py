"""One recognised sheet -> a typed table of its kind, plus the located problems of its cells."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..problems import PROBLEM_LEVELS, Problem
from .columns import Column, RegisterKind
from .datetimes import HAS_TIME_SUFFIX
from .headers import Header
from .pasted_blocks import HeaderCheck
from .sources import RawSheet
from .persons import ID_FACTS, distinct_id_facts
from .row_keys import ROW_KEY_HASH, row_hashes, value_hashes
from .skipped_rows import footer_rows, non_blank_and_total, total_rows
from .distinct_values import blank_rows, clean_ids, factorize, parse_distinct, per_row
from .values import blank_in, parser_for
from .vocabularies import with_declared_codes

OLDEST_DATE = np.datetime64("1900-01-01", "ns")
#: Columns every table carries besides the kind's fields.
SOURCE_COLUMNS = ("_file", "_sheet", "_row", "_present")
#: Prefix of a lower-priority column's parsed values while a sheet is built (收缩压L beside 收缩压R).
_FALLBACK = "fallback:"
_ALTERNATE = "alternate:"
#: Types whose column is its distinct parsed values spread to the rows, and stays so (row_keys:
#: a required field's hash is then worked out once per distinct value).
_SPREAD_TYPES = frozenset(("id", "code", "text", "category", "date"))


def as_object_columns(data: dict, index: pd.Index | None = None) -> dict:
    """Text columns as plain object arrays: pandas 3 would infer its Arrow-backed `str` dtype,
    whose take/isin are several times slower on the engine's person-level operations. The arrays
    are the table's own (each built for its column): pandas 3 would copy each one again. `index`:
    the frame's own, shared by each Series (the frame then aligns none of them to it)."""
    return {
        name: pd.Series(values, dtype=object, copy=False, index=index)
        if isinstance(values, np.ndarray) and values.dtype == object
        else values
        for name, values in data.items()
    }


def filled(n_rows: int, value: object) -> np.ndarray:
    """An object array holding `value` n_rows times (np.full converts a text value first: 50x slower)."""
    array = np.empty(n_rows, dtype=object)
    array.fill(value)
    return array


@dataclass
class SheetTable:
    frame: pd.DataFrame
    problems: list[Problem]
    skipped_rows: int  # blank rows, 合计/总计/小计 rows and the 制表人/审核人 lines below the data


def _grid(rows: list[list[object]]) -> np.ndarray:
    """The data rows as one 2-D object array (short CSV rows padded with empty cells)."""
    widths = set(map(len, rows))
    width = max(widths, default=0)
    if len(widths) > 1:
        rows = [list(row) + [""] * (width - len(row)) for row in rows]
    if not rows or not width:
        return np.empty((len(rows), width), dtype=object)
    # the cells one after another, straight into the array: numpy's nested-list assignment
    # (grid[:, :] = rows) checks every row as a sequence first, three times slower
    cells = itertools.chain.from_iterable(rows)
    return np.fromiter(cells, dtype=object, count=len(rows) * width).reshape(len(rows), width)


def _fill_merged_cells(grid: np.ndarray, merges, first_data_row: int) -> None:
    """registers.md: a cell merged down over several data rows (a 所属站点 written once for a block)
    gives its value to every row of the merge. Merges that start in the header rows are the
    header's (read from the values alone); a merge across columns fills its first column only.
    A row under the merge that is no data row as written — blank, or a 合计/小计 row (registers.md's
    rows to skip) — is not filled: the merge reaches "several data rows", and a station written
    over its block's subtotal must not turn that row into a data row without an ID."""
    n_rows, width = grid.shape
    spans = [(top - first_data_row, left, min(bottom - first_data_row + 1, n_rows)) for top, left, bottom, _ in merges
             if top >= first_data_row and bottom > top and left < width and top - first_data_row < n_rows]
    if not spans:
        return
    # every merge at once (a sheet may merge each patient's 姓名 over their four rows: 50,000 merges)
    tops, lefts, stops = (np.array(part, dtype=np.int64) for part in zip(*spans))
    lengths = stops - tops - 1
    rows = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(tops + 1, lengths)
    columns, sources = np.repeat(lefts, lengths), np.repeat(tops, lengths)
    keep = _data_rows_as_written(grid, rows, set(lefts.tolist()))
    grid[rows[keep], columns[keep]] = grid[sources[keep], columns[keep]]


def _data_rows_as_written(grid: np.ndarray, rows: np.ndarray, merged_columns: set[int]) -> np.ndarray:
    """Which of `rows` are data rows as written, before any merge fills them: not blank, not a
    合计/小计 row. Each column is looked at only in the rows still without a cell (the merged
    columns last: they are blank below a merge's first row)."""
    under, at = np.unique(rows, return_inverse=True)
    cells = grid[under]
    written = np.zeros(len(under), dtype=bool)
    pending = np.arange(len(under))
    for index in sorted(range(grid.shape[1]), key=lambda index: index in merged_columns):
        if not len(pending):
            break
        non_blank = non_blank_and_total(cells[pending, index])[0]
        written[pending[non_blank]] = True
        pending = pending[~non_blank]
    return (written & ~total_rows(cells))[at]


def _absent_values(column: Column, n_rows: int) -> object:
    default = column.default if column.default_when_absent else None
    if column.type == "category" and default is not None:
        return filled(n_rows, default)
    if column.type == "yesno":
        # the values and the mask at once (pd.array of a list looks at every element)
        blank = default is None
        return pd.arrays.BooleanArray(np.full(n_rows, bool(default)), np.full(n_rows, blank))
    if column.type in ("date", "datetime"):
        return np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[ns]")
    if column.numeric:
        return np.full(n_rows, np.nan)
    return np.full(n_rows, None, dtype=object)


def build_sheet_table(
    sheet: RawSheet,
    header: Header,
    kind: RegisterKind,
    matched: dict[str, int],
    today: dt.date,
    fallbacks: dict[str, int] | None = None,
    id_facts_of: str | None = None,
    alternates: dict[str, list[int]] | None = None,
    header_check: HeaderCheck | None = None,
) -> SheetTable:
    """`fallbacks` (field -> column) are lower-priority columns that fill rows without a reading;
    `id_facts_of`: an ID field whose ID_FACTS the table carries (worked out per distinct ID);
    `alternates` (field -> columns): more columns of the field, each filling the rows still blank;
    `header_check`: raise pasted_blocks.RepeatedHeaders when a data row is the kind's header again."""
    data_rows = sheet.rows[header.row_index + 1 :]
    grid = _grid(data_rows)
    _fill_merged_cells(grid, sheet.merges, header.row_index + 1)
    n_rows, width = grid.shape
    extra = [index for indexes in (alternates or {}).values() for index in indexes]
    columns = {index for index in (*matched.values(), *(fallbacks or {}).values(), *extra) if index < width}
    factorized = {index: factorize(grid[:, index]) for index in columns}
    if header_check is not None and n_rows:
        required = [matched[column.field] for column in kind.required if column.field in matched]
        header_check.raise_on_repeats(grid, factorized, header.row_index + 1, header.names, required)
    if n_rows and factorized:
        blank = blank_rows([factorized[index] for index in set(matched.values()) if index in factorized], n_rows)
        keep = ~(blank | total_rows(grid, factorized))
        keep &= ~footer_rows(grid, keep)
    else:
        keep = np.zeros(n_rows, dtype=bool)
    if sheet.line_numbers is None:
        excel_rows = np.arange(header.row_index + 2, header.row_index + 2 + n_rows)[keep]
    else:  # a CSV whose quoted cells hold line breaks: each row is shown by the line it starts on
        excel_rows = np.asarray(sheet.line_numbers[header.row_index + 1 :], dtype=np.int64)[keep]
    builder = _Builder(sheet, header, kind, excel_rows, today, id_facts_of)

    def cells(index: int) -> tuple[np.ndarray, np.ndarray]:
        if index not in factorized:
            return np.zeros(int(keep.sum()), dtype=np.intp), np.array([""], dtype=object)
        positions, uniques = factorized[index]
        return positions[keep], uniques

    for field, index in matched.items():
        builder.add(kind.column(field), cells(index), index, track_blank=field in (alternates or {}))
    for field, index in (fallbacks or {}).items():
        builder.add(kind.column(field), cells(index), index, key=_FALLBACK + field)
    for field, indexes in (alternates or {}).items():
        for index in indexes:
            builder.add(kind.column(field), cells(index), index, key=f"{_ALTERNATE}{field}:{index}", track_blank=True)
    frame = builder.finish(matched)
    return SheetTable(frame, builder.problems, int(n_rows - keep.sum()))


def present_fields(kind: RegisterKind, matched) -> set[str]:
    """The fields a sheet provides: a split column (血压) provides the two it fills, not itself; a
    column with a lookup provides the field the lookup fills too (疫苗名称: series)."""
    fields = set(matched)
    for column in kind.split_columns:
        if column.field in fields:
            fields.discard(column.field)
            fields |= set(column.fills)
    return fields | kind.looked_up(fields)


#: Days between the 1900 and the 1904 date systems' day 0 (Excel's own figure).
DAYS_1900_TO_1904 = 1462


def _serials_from_1904(uniques: np.ndarray) -> np.ndarray:
    """Distinct cells of a date column in a 1904 workbook: serial numbers (numbers below 100,000;
    a number 20250312 is a date written out) counted as from 1900, as the date parsers count them."""
    out = uniques.copy()
    for at, value in enumerate(uniques):
        if value.__class__ in (int, float) and 0 <= value < 100_000:
            out[at] = value + DAYS_1900_TO_1904
    return out


class _Builder:
    def __init__(
        self, sheet: RawSheet, header: Header, kind: RegisterKind, excel_rows: np.ndarray, today: dt.date,
        id_facts_of: str | None = None,
    ):
        self.sheet, self.header, self.kind = sheet, header, kind
        self.id_facts_of = id_facts_of
        self.id_facts: list[np.ndarray] | None = None
        self.excel_rows = excel_rows
        self.today = np.datetime64(today, "ns")
        self.columns: dict[str, object] = {}
        self.drop = np.zeros(len(excel_rows), dtype=bool)
        self.problems: list[Problem] = []
        #: required field -> (each row's position among the distinct values, those values, the
        #: column they made: used only while the field still holds that very array)
        self.spread: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        #: key -> which rows' cells are blank (for a field with alternates, and the alternates)
        self.blank: dict[str, np.ndarray] = {}
        #: an alternate column's problems, kept only for the rows it is read for (see finish)
        self.deferred: dict[str, list[Problem]] = {}

    def report(self, mask: np.ndarray, code: str, details: object, column: Column, index: int | None) -> None:
        written = self.header.names[index] if index is not None else column.header
        for position in np.flatnonzero(mask):
            detail = details if isinstance(details, str) else details[position]
            self.problems.append(
                Problem(
                    code=code,
                    message=f"{written}：{detail}",
                    file=self.sheet.file,
                    sheet=self.sheet.sheet,
                    row=int(self.excel_rows[position]),
                    column=written,
                    field=column.field,
                )
            )

    def add(self, column: Column, raw: np.ndarray, index: int, key: str | None = None, track_blank: bool = False) -> None:
        """Parse one column into `key` (default: its field), reporting and dropping as it goes;
        `track_blank`: note which rows' cells are blank (a blank yes/no or category cell is parsed
        to the column's default, so the parsed values cannot tell)."""
        key = key or column.field
        if key.startswith(_ALTERNATE):  # its problems wait until the rows it is read for are known
            saved, self.problems = self.problems, []
            try:
                self._add(column, raw, index, key, track_blank)
            finally:
                self.deferred[key], self.problems = self.problems, saved
            return
        self._add(column, raw, index, key, track_blank)

    def _add(self, column: Column, raw: np.ndarray, index: int, key: str, track_blank: bool) -> None:
        if index is not None and index < len(self.header.names):
            column = with_declared_codes(column, self.header.names[index])
        if self.sheet.date1904 and column.type in ("date", "datetime"):
            raw = (raw[0], _serials_from_1904(raw[1]))
        parser = parser_for(column)
        # the ID fast path's clean IDs and their characters, kept for the ID facts of the same IDs
        looked = clean_ids(raw[1], parser, column.type) if key == self.id_facts_of else None
        fast_result, shapes = looked if looked is not None else (None, None)
        positions, *distinct = parse_distinct(raw, parser, column.type, fast_result)
        if track_blank:
            at, uniques = raw  # (each row's position among the distinct cells, those cells)
            self.blank[key] = np.fromiter(map(blank_in(column), uniques), dtype=bool, count=len(uniques))[at]
        values, codes, details = per_row(positions, *distinct)
        if key == self.id_facts_of:  # what each distinct ID says, spread to the rows as the IDs are
            self.id_facts = [facts[positions] for facts in distinct_id_facts(distinct[0], shapes)]
        if key == column.field and column.required and column.type in _SPREAD_TYPES and column.plausible is None:
            self.spread[key] = (positions, distinct[0], values)
        if codes is not None and (column.blank_allowed or not column.required) and column.type in ("id", "code"):
            codes = np.where(codes == "missing-id", None, codes)  # a blank optional (or allowed) key: nothing to say
        for code in sorted(set(codes[codes != None])) if codes is not None else ():  # noqa: E711 - sorted: same order every run
            mask = codes == code
            self.report(mask, code, details, column, index)
            if column.required and PROBLEM_LEVELS[code] == "error":
                self.drop |= mask
        if column.type == "datetime":
            values = self._split_datetimes(values, key)
        if column.type in ("date", "datetime"):
            self._check_date_range(values, column, index)
            if column.required and not column.blank_allowed:
                missing = np.isnat(values) & (codes == None if codes is not None else True)  # noqa: E711
                self.report(missing, "bad-date", "必填的日期为空", column, index)
                self.drop |= missing
        if column.type == "yesno":
            values = pd.array(values, dtype="boolean")
        self.columns[key] = values
        if column.plausible is not None:
            self._check_plausible(column, index, key)

    def _split_datetimes(self, parsed: np.ndarray, key: str) -> np.ndarray:
        """(datetime, has_time) pairs -> the datetime64[ns] column, and `<key>__has_time` beside it."""
        moments = np.array([pair[0] if pair else None for pair in parsed], dtype="datetime64[ns]")
        self.columns[key + HAS_TIME_SUFFIX] = np.array([bool(pair and pair[1]) for pair in parsed], dtype=bool)
        return moments

    def _check_date_range(self, values: np.ndarray, column: Column, index: int) -> None:
        tomorrow = self.today + np.timedelta64(1, "D")  # a date-time of today, 14:20, is not future
        self.report(values >= tomorrow, "future-date", "日期晚于今天，请核对", column, index)
        self.report(values < OLDEST_DATE, "old-date", "日期早于 1900 年，请核对", column, index)

    def _check_plausible(self, column: Column, index: int | None, key: str | None = None) -> None:
        values = self.columns[key or column.field]
        low, high = column.plausible
        outside = ~np.isnan(values) & ((values < low) | (values > high))
        if outside.any():
            details = np.full(len(values), None, dtype=object)
            details[outside] = [f"{v:g} 超出合理范围 {low:g}–{high:g}，按缺失处理" for v in values[outside]]
            self.report(outside, "implausible-value", details, column, index)
            values[outside] = np.nan

    def _split_columns(self, matched: dict[str, int]) -> None:
        """A column that fills two others (血压 135/85 -> 收缩压, 舒张压), used when neither is there."""
        for column in self.kind.split_columns:
            readings = self.columns.pop(column.field, None)
            if readings is None or any(target in matched for target in column.fills):
                continue
            for position, target in enumerate(column.fills):
                self.columns[target] = np.array([r[position] if r else np.nan for r in readings], dtype=float)
            index = matched[column.field]
            for target in column.fills:
                if self.kind.column(target).plausible is not None:
                    self._check_plausible(self.kind.column(target), index)

    def _fill_from_alternates(self) -> None:
        """A field's other columns, left to right, fill the rows whose cells its column leaves blank
        (a blank yes/no cell too, which reads as no); an alternate's problems are reported only for
        those rows — a bad date beside a filled one is never read."""
        for key in [key for key in self.columns if key.startswith(_ALTERNATE) and not key.endswith(HAS_TIME_SUFFIX)]:
            field = key.removeprefix(_ALTERNATE).rpartition(":")[0]
            values, more = self.columns[field], self.columns.pop(key)
            # blank: an empty cell (a yes/no or category one reads as its default), or one read as
            # missing — `.` in a date, #N/A, an implausible or unreadable value
            blank = self.blank[field] | np.asarray(pd.isna(values), dtype=bool)
            more_blank = self.blank.pop(key) | np.asarray(pd.isna(more), dtype=bool)
            read_for = set(self.excel_rows[blank].tolist())
            self.problems.extend(problem for problem in self.deferred.pop(key, []) if problem.row in read_for)
            fill = blank & ~more_blank
            self.blank[field] = blank & more_blank
            if field + HAS_TIME_SUFFIX in self.columns:
                has_time = self.columns[field + HAS_TIME_SUFFIX]
                self.columns[field + HAS_TIME_SUFFIX] = np.where(fill, self.columns.pop(key + HAS_TIME_SUFFIX), has_time)
            if fill.any():
                values = values.copy()
                values[fill] = more[fill]
                self.columns[field] = values

    def _fill_from_fallbacks(self) -> None:
        """A row with no reading in any preferred column of the group (收缩压R, 舒张压R) takes the
        fallback columns (收缩压L, 舒张压L): one arm per row, never a mix of the two."""
        fallback_keys = [key for key in self.columns if key.startswith(_FALLBACK)]
        fallbacks = {key.removeprefix(_FALLBACK): self.columns.pop(key) for key in fallback_keys}
        if not fallbacks:
            return
        group = [c.field for c in self.kind.columns if c.low_priority_aliases and c.field in self.columns]
        no_reading = np.logical_and.reduce([np.isnan(self.columns[field]) for field in group])
        for field, values in fallbacks.items():
            self.columns[field] = np.where(no_reading, values, self.columns[field])

    def _row_key_hashes(self, data: dict, n_rows: int) -> np.ndarray:
        """row_keys: each row's hash of the kind's required fields (per distinct value where the
        column is its distinct values spread to the rows)."""
        parts = []
        for column in self.kind.required:
            positions, distinct, made = self.spread.get(column.field, (None, None, None))
            if made is not None and self.columns.get(column.field) is made:  # not replaced since (fallbacks)
                parts.append(value_hashes(distinct)[positions])
            else:
                parts.append(value_hashes(np.asarray(data[column.field], dtype=object if column.type == "yesno" else None)))
        return row_hashes(parts, n_rows)

    def finish(self, matched: dict[str, int]) -> pd.DataFrame:
        self._fill_from_alternates()
        self._fill_from_fallbacks()
        self._split_columns(matched)
        n_rows = len(self.excel_rows)
        data = {}
        for column in self.kind.columns:
            if column.fills:
                continue
            data[column.field] = self.columns.get(column.field, _absent_values(column, n_rows))
            if column.type == "datetime":
                has_time = column.field + HAS_TIME_SUFFIX
                data[has_time] = self.columns.get(has_time, np.zeros(n_rows, dtype=bool))
        present = ",".join(sorted(present_fields(self.kind, matched)))
        data["_file"] = filled(n_rows, self.sheet.file)
        data["_sheet"] = filled(n_rows, self.sheet.sheet)
        data["_row"] = self.excel_rows
        data["_present"] = filled(n_rows, present)
        if self.id_facts is not None:
            data.update(zip(ID_FACTS, self.id_facts))
        if self.kind.required:
            data[ROW_KEY_HASH] = self._row_key_hashes(data, n_rows)
        if self.drop.any():  # rows dropped before the frame is built: one copy, not two
            keep = ~self.drop
            data = {name: values[keep] for name, values in data.items()}
        # copy=False: the arrays are this table's own (and pandas copies on write); consolidating
        # them into blocks would copy every column once more
        index = pd.RangeIndex(len(data["_row"]))
        return pd.DataFrame(as_object_columns(data, index), index=index, copy=False)
