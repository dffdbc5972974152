"""Kind-level steps after concatenation: duplicate rows, person fields and their warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..masking import mask_ids
from ..people import id_facts
from ..problems import Problem
from .cells import is_blank
from .columns import Column, LookupTable, RegisterKind
from .kinds import LOOKUPS
from .row_keys import ROW_KEY_HASH, repeated_keys
from .values import shown_value

SOURCE_FIELDS = ("_file", "_sheet", "_row")


def _problems(table: pd.DataFrame, mask: np.ndarray, code: str, messages, column: str | None, field: str | None):
    at = np.flatnonzero(mask)
    if not len(at):  # the usual case: nothing to say, and nothing to select
        return []
    places = zip(*(table[name].to_numpy()[at].tolist() for name in SOURCE_FIELDS))
    texts = messages if isinstance(messages, str) else list(messages)
    out = []
    for position, (file, sheet, row) in enumerate(places):
        message = texts if isinstance(texts, str) else texts[position]
        out.append(Problem(code, message, file=file, sheet=sheet, row=int(row), column=column, field=field))
    return out


def _first_places(rows: pd.DataFrame, groups, wanted: np.ndarray) -> list[np.ndarray]:
    """For the `wanted` rows, SOURCE_FIELDS of the first row of their group (its own values: a
    CSV's sheet is None, and "first" in pandas would skip it for the next sheet named)."""
    codes = groups.ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    at = first[codes][wanted]
    return [rows[name].to_numpy()[at] for name in SOURCE_FIELDS]


def _place(file: str, sheet: str | None, row: object) -> str:
    """Where a row is, for a message: the file, its sheet (a workbook may hold several) and row."""
    return f"{file}「{sheet}」第 {row} 行" if isinstance(sheet, str) else f"{file} 第 {row} 行"


def kind_table(frames: list[pd.DataFrame], kind: RegisterKind) -> pd.DataFrame:
    """The parsed frames of one kind, one after another (in the order of the files and sheets)."""
    if len(frames) == 1:
        return frames[0]
    table = pd.concat(frames, ignore_index=True)
    required_dtypes = {tuple(str(frame[c.field].dtype) for c in kind.required if c.field in frame) for frame in frames}
    if len(required_dtypes) > 1 and ROW_KEY_HASH in table.columns:  # hashes of unlike types do not compare
        table = table.drop(columns=ROW_KEY_HASH)
    return table


def duplicate_rows(table: pd.DataFrame, kind: RegisterKind) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows identical in every column of the kind (an absent column equals only absent) count once."""
    subset = [f for f in kind.fields if f in table.columns] + ["_present"]
    # rows identical in every column are identical in the required ones: only the rows repeated
    # there (few: a person's events differ by date) are compared in full
    narrow = [column.field for column in kind.required if column.field in table.columns]
    if _has_row_keys(table, kind, narrow):  # found among the sheets' hashes of those fields (row_keys)
        candidates = repeated_keys(table[ROW_KEY_HASH].to_numpy())
    else:
        candidates = table.duplicated(subset=narrow or subset, keep=False).to_numpy()
    if not candidates.any():
        return table, []
    compared = table.loc[candidates]
    duplicated = np.zeros(len(table), dtype=bool)
    duplicated[candidates] = compared.duplicated(subset=subset, keep="first").to_numpy()
    if not duplicated.any():
        return table, []
    groups = compared.groupby(subset, dropna=False, sort=False)
    repeated = duplicated[candidates]
    first = _first_places(compared, groups, repeated)
    messages = [f"与 {_place(file, sheet, row)}各列读出的值相同（写法可能不同，如 2025-03-12 与 2025/3/12），只计一次" for file, sheet, row in zip(*first)]
    problems = _problems(table, duplicated, "duplicate-row", messages, None, None)
    return table.loc[~duplicated].reset_index(drop=True), problems


def _has_row_keys(table: pd.DataFrame, kind: RegisterKind, narrow: list[str]) -> bool:
    """Whether the table carries every row's hash of all its kind's required fields."""
    has_all = bool(narrow) and len(narrow) == len(kind.required)
    return has_all and ROW_KEY_HASH in table.columns and table[ROW_KEY_HASH].dtype == np.uint64


def add_person_fields(table: pd.DataFrame, kind: RegisterKind) -> tuple[pd.DataFrame, list[Problem]]:
    """Add `birth` (usable birth date) and fill `sex`; add the fields of lookup columns (series)."""
    problems: list[Problem] = []
    table = table.copy(deep=False)  # new columns only: the parsed frames (also cached) stay as they are
    if kind.keyed_by_id_number:
        problems += _id_fields(table, kind)
    elif "birth_date" in table.columns:
        table["birth"] = table["birth_date"]
    if kind.roster and kind.key_field is not None:
        problems += _duplicate_persons(table, kind)
    for column in kind.columns:
        if column.lookup is not None:
            problems += _looked_up(table, column, LOOKUPS[column.lookup[0]], column.lookup[1])
    return table.drop(columns=[column for column in HIDDEN_COLUMNS if column in table.columns]), problems


#: Hidden columns of a parsed frame: what each row's ID says (checksum right, birth date, sex).
ID_FACTS = ("_id_valid", "_id_birth", "_id_sex")
#: A parsed frame's columns that the kind's table does not keep (dropped by add_person_fields).
HIDDEN_COLUMNS = (*ID_FACTS, ROW_KEY_HASH)
#: The field of a person's ID number, whose ID_FACTS a kind keyed by it carries.
ID_FIELD = "id_number"


def with_id_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ID_FACTS, worked out where the sheet is parsed (in parallel, and cached);
    add_person_fields uses them after duplicates are dropped, then drops them. A sheet's table
    usually has them already (build_sheet_table, from the distinct IDs it parsed)."""
    if all(column in frame.columns for column in ID_FACTS):
        return frame
    return frame.assign(**dict(zip(ID_FACTS, _per_distinct_id(frame[ID_FIELD]))))


def _id_facts(table: pd.DataFrame) -> list[pd.Series]:
    if all(column in table.columns for column in ID_FACTS):
        return [table[column] for column in ID_FACTS]
    return _per_distinct_id(table[ID_FIELD])


def distinct_id_facts(ids: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None = None) -> list[np.ndarray]:
    """ID_FACTS of distinct typed IDs (an object array: normalised IDs, None where there is none);
    the sheet's reader spreads them to its rows as it spreads the IDs. `known`: people.id_facts'."""
    return list(id_facts(ids, known))


def _per_distinct_id(ids: pd.Series) -> list[pd.Series]:
    """What each row's ID says (checksum right, birth date, sex), worked out once per distinct ID
    (a person has many rows) and spread back to the rows."""
    positions, uniques = pd.factorize(ids.to_numpy(dtype=object), use_na_sentinel=False)
    distinct = np.asarray(uniques, dtype=object)
    return [pd.Series(facts[positions], index=ids.index, dtype=facts.dtype) for facts in id_facts(distinct)]


def _id_fields(table: pd.DataFrame, kind: RegisterKind) -> list[Problem]:
    ids = table["id_number"]
    has_id = _present(ids)
    valid, id_birth, id_sex = _id_facts(table)
    bad_checksum = has_id & ~valid.to_numpy(dtype=bool)
    problems = []
    if bad_checksum.any():
        messages = [f"身份证号 {masked} 的校验位不正确，请核对（该行仍计入）" for masked in mask_ids(ids[bad_checksum])]
        problems = _problems(table, bad_checksum, "bad-checksum", messages, "身份证号", "id_number")
    id_birth = id_birth.astype("datetime64[ns]")
    if "birth_date" in table.columns:
        written = table["birth_date"]
        mismatch = (written.notna() & id_birth.notna() & (written != id_birth)).to_numpy()
        message = "出生日期与身份证号中的出生日期不一致，以身份证号为准"
        problems += _problems(table, mismatch, "birth-date-mismatch", message, "出生日期", "birth_date")
        table["birth"] = id_birth.fillna(written)
    else:
        table["birth"] = id_birth
    no_birth = has_id & table["birth"].isna().to_numpy()
    message = "无法确定出生日期（身份证号和出生日期都不可用），按年龄筛选的人群将不含此人"
    problems += _problems(table, no_birth, "no-birth-date", message, None, "birth_date")
    if "sex" in table.columns:
        written_sex = _present(table["sex"])
        if not written_sex.all():  # (all written: the column stays as it is)
            table["sex"] = table["sex"].where(written_sex, id_sex)
    return problems


def _present(values: pd.Series) -> np.ndarray:
    """values.notna() as an array: an object column of text only (told in one pass in C) has no
    missing value, without pandas' per-value test for every kind of missing (~60 ns a value)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.ones(len(values), dtype=bool)
    return values.notna().to_numpy(dtype=bool)


def _duplicate_persons(table: pd.DataFrame, kind: RegisterKind) -> list[Problem]:
    repeated, positions = _repeated_keys(table[kind.key_field].to_numpy(dtype=object))
    if not repeated.any():
        return []
    involved = table[[kind.key_field, *SOURCE_FIELDS]].iloc[positions]
    groups = involved.groupby(kind.key_field, sort=False)
    later = repeated[positions]
    first = _first_places(involved, groups, later)
    messages = [f"同一人在名册中出现多次（首次在 {_place(file, sheet, row)}），按一人计" for file, sheet, row in zip(*first)]
    header = kind.column(kind.key_field).header
    return _problems(table, repeated, "duplicate-person", messages, header, kind.key_field)


def _repeated_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which keys, missing ones aside, appeared in an earlier row; the positions of every row
    whose key appears more than once) — the key's notna() with duplicated(keep="first") and with
    duplicated(keep=False), from one factorisation instead of four passes."""
    codes, _ = pd.factorize(keys)  # missing values (None, NaN, NaT) are -1; codes follow first appearance
    has_key = codes >= 0
    if not len(codes):
        return has_key, np.flatnonzero(has_key)
    # a row is its key's first exactly when its code is above every code before it
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    repeated = has_key & (codes <= before)
    counts = np.bincount(codes[has_key], minlength=1)
    return repeated, np.flatnonzero(has_key & (counts[np.where(has_key, codes, 0)] > 1))


def _looked_up(table: pd.DataFrame, column: Column, lookup: LookupTable, into: str) -> list[Problem]:
    """`into` = the codes of each row's value (疫苗名称 -> series); a value with none is reported, a
    blank cell (a column that is not required may have them) is no code and no problem."""
    names = table[column.field]
    positions, uniques = pd.factorize(names, use_na_sentinel=False)
    unique_codes = [() if is_blank(name) else lookup.codes_of(name) if isinstance(name, str) else None for name in uniques]
    codes = np.empty(len(unique_codes), dtype=object)
    for index, value in enumerate(unique_codes):
        codes[index] = value or ()
    table[into] = codes[positions]
    unknown = np.array([c is None for c in unique_codes], dtype=bool)[positions]
    messages = [
        f"{column.header}「{shown_value(name)}」{lookup.unknown_message}" for name in names[unknown]
    ]
    return _problems(table, unknown, lookup.unknown_code, messages, column.header, column.field)
