"""The in-memory model of a register kind, which the kind files (register_kinds/*.yaml) load into.

A `Column` names one canonical column of a register: its Chinese header, the English field name the
rest of chsc uses, its aliases, how its cells are parsed, and whether the kind requires it. A
`RegisterKind` holds its columns, its key, and the rules that tell it from other kinds.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

ValueType = Literal[
    "id",  # 身份证号: normalised 18-character ID (people.parse_ids)
    "code",  # 儿童编码: normalised text key, no checksum
    "date",
    "text",
    "yesno",  # nullable boolean: blank = no, column absent = NA
    "number",
    "blood_pressure",  # one 血压 column holding 135/85 -> systolic + diastolic
    "category",  # text checked against a vocabulary (`vocabulary` maps value -> canonical value)
]


@dataclass(frozen=True)
class Column:
    header: str  # canonical Chinese name, as in registers.md
    field: str  # English field name used by the engine
    type: ValueType = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: For "category": accepted values (normalised) -> canonical value. Blank keeps `default`.
    #: For "yesno": an own vocabulary (value -> True/False) replacing the general 是/否 one.
    vocabulary: dict[str, object] = field(default_factory=dict)
    default: object = None
    #: Plausible range for numbers; a value outside is `implausible-value` and treated as missing.
    plausible: tuple[float, float] | None = None
    #: Header variants that match this column with a lower priority (e.g. 收缩压L after 收缩压R).
    low_priority_aliases: tuple[str, ...] = ()
    #: For "category": keep an unknown value as written (True) or replace it by `default` (False).
    keep_unknown: bool = False
    #: For "blood_pressure": the two number fields one 血压 cell (135/85) fills.
    fills: tuple[str, ...] = ()
    #: (lookup table, field): the value's codes from that table are stored in the field (疫苗名称 -> series).
    lookup: tuple[str, str] | None = None

    def all_names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Condition:
    """A column the sheet has; with `values`, one of its cells (through the vocabulary) is one of them."""

    field: str
    values: frozenset[str] | None = None  # normalised (normalise_value_text)


@dataclass(frozen=True)
class ShapeRule:
    """How a sheet with no disease word is told among the kinds of one shape."""

    ambiguous: bool = False  # the kinds of the shape cannot be told apart: `ambiguous-kind`
    rank: int = 0  # else the kind of the lowest rank whose condition holds wins
    when: tuple[Condition, ...] = ()  # any of them; none = always


@dataclass(frozen=True)
class RegisterKind:
    name: str  # residents, elderly_checkups, ...
    title: str  # Chinese name of the register
    columns: tuple[Column, ...]
    #: Words in file name / sheet name / title rows that point to this kind (tie-break, step 3).
    words: tuple[str, ...] = ()
    #: The disease the kind belongs to (its name), else None; `disease_words` name it in a sheet.
    disease: str | None = None
    disease_words: tuple[str, ...] = ()
    #: Kinds of one shape (e.g. the chronic-disease rosters) differ only by their disease.
    shape: str | None = None
    shape_rule: ShapeRule | None = None
    #: Columns only this kind knows: a sheet with all of them is this kind before any counting.
    settled_by: tuple[str, ...] = ()
    #: The field that identifies one unit of this kind (id_number, child_code, a card number), or
    #: None: identical rows are one record.
    key_field: str | None = "id_number"
    key_unit: str = "person"  # person or record
    #: A roster (one row per person) rather than an event register (one row per event).
    roster: bool = False
    #: Yes/no columns that make a row "complete"; a sheet without one is `completeness-unchecked`.
    completeness_fields: tuple[str, ...] = ()
    #: Position in lists (init, help, docs); then the name.
    order: int = 1000
    #: The kind file it was loaded from.
    source: str = ""

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, field_name: str) -> Column:
        for column in self.columns:
            if column.field == field_name:
                return column
        raise KeyError(field_name)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    @property
    def derived_fields(self) -> tuple[str, ...]:
        """Fields the reader adds from a lookup table (vaccinations: series)."""
        return tuple(c.lookup[1] for c in self.columns if c.lookup is not None)

    @property
    def split_columns(self) -> tuple[Column, ...]:
        """Columns whose one cell fills two others (血压 -> 收缩压, 舒张压)."""
        return tuple(c for c in self.columns if c.fills)

    @property
    def keyed_by_id_number(self) -> bool:
        """The key is a person's ID number (type `id`): ID checksum, birth date and sex come from it."""
        return self.key_field is not None and self.column(self.key_field).type == "id"


@dataclass(frozen=True)
class LookupTable:
    """A value -> codes table (registers.md's vaccine names -> series): the longest known name
    that the normalised value contains wins."""

    name: str
    title: str
    unknown_code: str
    unknown_message: str
    known: tuple[tuple[str, tuple[str, ...]], ...]  # (normalised name, codes), longest names first
    entries: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()  # (codes, names as written), in file order

    def codes_of(self, value: str) -> tuple[str, ...]:
        normalised = normalise_value_text(value)
        for known, codes in self.known:
            if known in normalised:
                return codes
        return ()


_TRAILING_UNIT = re.compile(r"\([^()]*\)$")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def _normalise_header_text(text: str) -> str:
    value = unicodedata.normalize("NFKC", text)
    value = _SPACES.sub("", value)
    previous = None
    while previous != value and value:
        previous = value
        stripped = _TRAILING_UNIT.sub("", value)
        value = stripped if stripped else value
    value = value.rstrip("*:：")
    return value.casefold()


def normalise_header(text: object) -> str:
    """Full-width to half-width, all white space removed, a trailing unit in brackets dropped.

    `收缩压（mmHg）` -> `收缩压`, `空 腹 血 糖\\n(mmol/L)` -> `空腹血糖`, `HbA1c` -> `hba1c`.
    """
    if text is None:
        return ""
    return _normalise_header_text(str(text))


def normalise_value_text(text: str) -> str:
    """Normalise a vocabulary value for matching: NFKC, no white space, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def completeness_message(header: str) -> str:
    """The one wording of `completeness-unchecked`, shared by the reader and the engine."""
    return f"该表没有「{header}」列，无法检查记录是否完整，该表的记录在这一项按完整计"
