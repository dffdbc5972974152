"""The parse cache's entry file: the tables, sheets and problems of a read, stored to be rebuilt fast.

Reading an entry back is most of the time a warm `compute` spends, so tables are stored the way
they are rebuilt fastest, not the way they are stored smallest. A text column is its distinct
values plus one small integer per row (a register repeats its stations, teams, doctors and
people): only the distinct values become Python strings again, the rows are one numpy `take`
straight into the DataFrame's object block. Numbers and dates are their raw bytes. Every column
comes back with the dtype it had (object text with None for blanks, datetime64, nullable boolean);
a table holding anything else is not stored at all (`Unstorable`), never stored approximately.

Layout: MAGIC, the header's length (8 bytes), the CRC-32 of the rest (4 bytes), the header (JSON:
sheets, skipped sheets, problems, and each table's name and length), then one Arrow IPC stream per
table. Nothing in an entry is code, and everything is checked before use: the CRC (any flipped
byte), the lengths, the record fields, and Arrow's full validation (offsets, bounds, UTF-8) before
numpy or Python touches a buffer. Anything wrong raises ValueError or an Arrow error: a miss.
"""

from __future__ import annotations

import dataclasses
import json
import zlib

import numpy as np
import pandas as pd

from ..problems import Problem
from .cache import FORMAT
from .records import RegisterSheet, SkippedSheet, Tables

MAGIC = b"chsc parse cache\n"
#: How each column is stored, in its Arrow field's metadata.
_ENCODING = b"chsc"
_DTYPE = b"dtype"
_MISSING = b"missing"
#: Nullable pandas dtypes, stored as Arrow values with nulls.
_MASKED_DTYPES = frozenset(
    ("boolean", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64")
)


class Unstorable(ValueError):
    """A table holding something the format does not keep exactly: the entry is not written."""


def encode_entry(tables: dict[str, pd.DataFrame], sheets, skipped, problems, key: str = "") -> list[bytes]:
    """The entry's bytes; `key`, the key it is stored under, is kept in it (decode_entry checks it:
    an entry copied or moved under another key is no entry of that key)."""
    import pyarrow as pa

    blobs = []
    for frame in tables.values():
        table = _arrow_table(frame)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        blobs.append(sink.getvalue().to_pybytes())
    header = {
        "format": FORMAT,
        "key": key,
        "sheets": _records(sheets, RegisterSheet),
        "skipped": _records(skipped, SkippedSheet),
        "problems": _records(problems, Problem),
        "tables": [[str(name), len(blob)] for name, blob in zip(tables, blobs)],
    }
    # surrogatepass (and in decode_entry): a file name that is not UTF-8 is kept surrogate-escaped
    header_bytes = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    checksum = 0
    for part in (header_bytes, *blobs):
        checksum = zlib.crc32(part, checksum)
    return [MAGIC, len(header_bytes).to_bytes(8, "little"), checksum.to_bytes(4, "little"), header_bytes, *blobs]


def decode_entry(data, key: str = "") -> tuple[dict, dict[str, pd.DataFrame]]:
    """`data`: the entry's bytes, or an Arrow buffer over them (a memory-mapped file), stored under `key`."""
    import pyarrow as pa

    view = memoryview(data)
    if bytes(view[: len(MAGIC)]) != MAGIC or len(view) < len(MAGIC) + 12:
        raise ValueError("not a cache entry")
    start = len(MAGIC) + 12
    header_end = start + int.from_bytes(view[len(MAGIC) : len(MAGIC) + 8], "little")
    if zlib.crc32(view[start:]) != int.from_bytes(view[len(MAGIC) + 8 : start], "little"):
        raise ValueError("damaged entry")  # any flipped byte, not only those that break the layout
    header = json.loads(bytes(view[start:header_end]).decode("utf-8", "surrogatepass"))
    if header["format"] != FORMAT:
        raise ValueError("another cache format")
    if header.get("key") != key:
        raise ValueError("an entry of another key")  # copied or moved: its tables are another read's
    lengths = [length for _, length in header["tables"]]
    if not all(type(length) is int and length >= 0 for length in lengths) or header_end + sum(lengths) != len(view):
        raise ValueError("truncated or padded entry")
    meta = {
        "sheets": _from_records(header["sheets"], RegisterSheet),
        "skipped": _from_records(header["skipped"], SkippedSheet),
        "problems": _from_records(header["problems"], Problem),
    }
    buffer = pa.py_buffer(view)
    builders, rows, offset = {}, {}, header_end
    for name, length in header["tables"]:
        table = pa.ipc.open_stream(buffer.slice(offset, length)).read_all()
        table.validate(full=True)  # bounds, offsets and UTF-8 checked before numpy or Python touches them
        builders[name], rows[name] = _StoredTable(table), table.num_rows
        offset += length
    return meta, Tables(builders, rows)


def _records(items, record_type) -> dict:
    """Dataclass records as rows of their fields' values (shorter and faster to load than dicts)."""
    names = [f.name for f in dataclasses.fields(record_type)]
    return {"fields": names, "rows": [[getattr(item, name) for name in names] for item in items]}


def _from_records(stored: dict, record_type) -> list:
    if stored["fields"] != [f.name for f in dataclasses.fields(record_type)]:
        raise ValueError(f"{record_type.__name__} has changed")
    return [record_type(*row) for row in stored["rows"]]


# --- one table -----------------------------------------------------------------------------------


def _arrow_table(frame: pd.DataFrame):
    """A DataFrame as an Arrow table that `_frame` turns back into an equal one (same dtypes)."""
    import pyarrow as pa

    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None):
        raise Unstorable("index")
    names = list(frame.columns)
    if not all(type(name) is str for name in names) or len(set(names)) != len(names) or frame.columns.name is not None:
        raise Unstorable("column names")
    fields, arrays = [], []
    for position, name in enumerate(names):
        array, metadata = _arrow_column(frame.iloc[:, position])
        fields.append(pa.field(name, array.type, metadata=metadata))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _arrow_column(column: pd.Series):
    import pyarrow as pa

    dtype = column.dtype
    if dtype == object:
        return _arrow_objects(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return pa.array(column.to_numpy()), {_ENCODING: b"numpy", _DTYPE: dtype.str.encode()}
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        values = column.to_numpy()
        return pa.array(values.view(np.int64)), {_ENCODING: b"numpy-time", _DTYPE: str(dtype).encode()}
    if str(dtype) in _MASKED_DTYPES:  # pandas hands Arrow its values and NA mask
        return pa.array(column.array), {_ENCODING: b"masked", _DTYPE: str(dtype).encode()}
    raise Unstorable(str(dtype))


def _arrow_objects(values: np.ndarray):
    """An object column of text (or of tuples of text, a dose's vaccine series), blanks None or NaN:
    its distinct values as an Arrow dictionary, one index per row."""
    import pyarrow as pa

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if pd.api.types.infer_dtype(uniques, skipna=False) in ("string", "empty"):
        encoding, dictionary = b"text", list(uniques)
        value_type = pa.string()
    elif all(type(value) is tuple and all(type(item) is str for item in value) for value in uniques):
        encoding, dictionary = b"tuples", [list(value) for value in uniques]
        value_type = pa.list_(pa.string())
    else:
        raise Unstorable("object column")
    missing: list[str] = []
    blank = codes < 0
    if blank.any():
        is_none = np.equal(values[blank], None)
        others = values[blank][~is_none]
        if not all(type(value) is float and value != value for value in others):
            raise Unstorable("blank that is neither None nor NaN")
        codes = codes.copy()
        for kind, rows in (("none", is_none), ("nan", ~is_none)):
            if rows.any():
                positions = np.flatnonzero(blank)[rows]
                codes[positions] = len(dictionary)
                dictionary.append(None)
                missing.append(kind)
    index_type = np.int8 if len(dictionary) < 2**7 else np.int16 if len(dictionary) < 2**15 else np.int32
    array = pa.DictionaryArray.from_arrays(pa.array(codes.astype(index_type)), pa.array(dictionary, type=value_type))
    return array, {_ENCODING: encoding, _MISSING: ",".join(missing).encode()}


class _StoredTable:
    """A validated table whose DataFrame, or one column of it, is built when first asked for
    (records.Tables). Everything that could fail is tried when the entry is opened, so that a wrong
    entry is a miss then, never an error later: each column against its metadata, the names, and
    the whole build on none of the rows (the dtypes, the blocks); the rows themselves were checked
    by Arrow's validation (bounds, offsets, UTF-8)."""

    def __init__(self, table):
        self.table = table
        self.builders = {
            field.name: _column(field, _one_chunk(chunked)) for field, chunked in zip(table.schema, table.columns)
        }
        if len(self.builders) != table.num_columns:
            raise ValueError("a column name given twice")
        empty = table.slice(0, 0)
        _frame(empty, [_column(field, _one_chunk(chunked))() for field, chunked in zip(empty.schema, empty.columns)])

    def __call__(self) -> pd.DataFrame:
        return _frame(self.table, [build() for build in self.builders.values()])

    def column(self, name: str) -> pd.Series | None:
        build = self.builders.get(name)
        return None if build is None else pd.Series(_values(build()), name=name, index=pd.RangeIndex(self.table.num_rows))


def _frame(table, columns: list) -> pd.DataFrame:
    """The DataFrame of a validated table, built block by block: each text column is taken
    straight into its place in the one 2-D object block, each number or date copied once."""
    index, names = pd.RangeIndex(table.num_rows), pd.Index(table.schema.names)
    try:
        from pandas.api.internals import create_dataframe_from_blocks
    except ImportError:  # pandas 2: the ordinary constructor (it keeps object columns as they are)
        return pd.DataFrame({name: _values(column) for name, column in zip(names, columns)}, index=index)
    blocks, by_dtype = [], {}
    for position, column in enumerate(columns):
        if isinstance(column, _Dictionary | np.ndarray):
            by_dtype.setdefault(column.dtype, []).append(position)
        else:  # a nullable extension array is a block of its own
            blocks.append((column, np.array([position])))
    for dtype, positions in by_dtype.items():
        block = np.empty((len(positions), table.num_rows), dtype=dtype)
        for row, position in enumerate(positions):
            column = columns[position]
            if isinstance(column, _Dictionary):  # indices were bounds-checked by validate()
                np.take(column.uniques, column.indices, out=block[row], mode="clip")
            else:
                block[row] = column
        blocks.append((block, np.array(positions)))
    return create_dataframe_from_blocks(blocks, index=index, columns=names)


def _one_chunk(chunked):
    return chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)


@dataclasses.dataclass
class _Dictionary:
    """An object column still as its distinct values and one index per row."""

    uniques: np.ndarray
    indices: np.ndarray
    dtype = np.dtype(object)


def _values(column):
    """A column for the ordinary DataFrame constructor, owning its memory."""
    if isinstance(column, _Dictionary):
        return pd.Series(column.uniques.take(column.indices), dtype=object, copy=False)
    return column.copy() if isinstance(column, np.ndarray) else column


def _column(field, array):
    """One stored column, checked against what its metadata says it is: how to build it."""
    import pyarrow as pa

    metadata = field.metadata or {}
    encoding = metadata.get(_ENCODING)
    if encoding in (b"text", b"tuples"):
        value_type = pa.string() if encoding == b"text" else pa.list_(pa.string())
        if not pa.types.is_dictionary(array.type) or array.type.value_type != value_type or array.indices.null_count:
            raise ValueError(f"{field.name}: not a dictionary of {value_type}")
        kinds = _blank_kinds(array.dictionary, metadata.get(_MISSING, b""))
        if not len(array):  # no row takes a value (the trial build on none of the rows)
            return lambda: _Dictionary(np.empty(0, dtype=object), array.indices.to_numpy())
        return lambda: _Dictionary(_dictionary_values(array.dictionary, encoding, kinds), array.indices.to_numpy())
    dtype = metadata.get(_DTYPE, b"").decode()
    if encoding == b"numpy":
        if array.null_count or np.dtype(dtype).kind not in "biuf" or array.type != pa.from_numpy_dtype(np.dtype(dtype)):
            raise ValueError(f"{field.name}: not a numpy column")
        return lambda: array.to_numpy(zero_copy_only=False)
    if encoding == b"numpy-time":
        if array.null_count or not pa.types.is_int64(array.type) or np.dtype(dtype).kind not in "mM":
            raise ValueError(f"{field.name}: not a time column")
        return lambda: array.to_numpy().view(dtype)
    if encoding == b"masked" and dtype in _MASKED_DTYPES:
        pandas_dtype = pd.api.types.pandas_dtype(dtype)
        numpy_dtype = pandas_dtype.numpy_dtype
        if array.type != pa.from_numpy_dtype(numpy_dtype):
            raise ValueError(f"{field.name}: not a {dtype} column")
        return lambda: pandas_dtype.construct_array_type()(*_values_and_mask(array, numpy_dtype))
    raise ValueError(f"{field.name}: unknown encoding")


def _values_and_mask(array, numpy_dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """A nullable column's values and NA mask, read off its (validated) Arrow buffers: Arrow's
    compute kernels would cost more on their first call than the whole column."""
    validity, data = array.buffers()
    count, offset = len(array), array.offset
    mask = ~_bits(validity, offset, count) if validity is not None else np.zeros(count, dtype=bool)
    if numpy_dtype.kind == "b":
        values = _bits(data, offset, count)
    else:
        little_endian = numpy_dtype.newbyteorder("<")
        values = np.frombuffer(data, dtype=little_endian, count=count, offset=offset * numpy_dtype.itemsize)
    return values.astype(numpy_dtype), mask


def _bits(buffer, offset: int, count: int) -> np.ndarray:
    if buffer is None or count == 0:
        return np.zeros(count, dtype=bool)
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, count=offset + count, bitorder="little")[offset:].astype(bool)


def _blank_kinds(dictionary, missing: bytes) -> list[str]:
    """What the dictionary's trailing nulls stand for ("none", "nan"), checked against its nulls."""
    kinds = missing.decode().split(",") if missing else []
    if not set(kinds) <= {"none", "nan"}:
        raise ValueError("unknown blank")
    if dictionary.null_count != len(kinds) or dictionary.slice(len(dictionary) - len(kinds)).null_count != len(kinds):
        raise ValueError("blanks do not match")
    return kinds


def _dictionary_values(dictionary, encoding: bytes, kinds: list[str]) -> np.ndarray:
    """The distinct values as an object array; the trailing nulls are None or NaN as stored."""
    if encoding == b"text":
        uniques = dictionary.to_numpy(zero_copy_only=False)
    else:
        uniques = np.empty(len(dictionary), dtype=object)
        for position, items in enumerate(dictionary.to_pylist()):
            uniques[position] = tuple(items) if items is not None else None
    for offset, kind in enumerate(reversed(kinds), start=1):
        uniques[len(uniques) - offset] = {"none": None, "nan": np.nan}[kind]
    return uniques
