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

from ..characters import CONTROL_CHARACTERS

ValueType = Literal[
    "id",  # 身份证号: normalised 18-character ID (people.parse_ids)
    "code",  # 儿童编码: normalised text key, no checksum
    "date",
    "text",
    "yesno",  # nullable boolean: blank = no, column absent = NA
    "number",
    "whole_number",  # 活产数, 产前检查次数: a whole number >= 0 (float), anything else bad-number
    "weeks",  # 建册孕周: 12, 孕12周, 12.5, 12+3, 12周3天, 12w3d -> weeks (12 + 3/7)
    "blood_pressure",  # one 血压 column holding 135/85 -> systolic + diastolic
    "category",  # text checked against a vocabulary (`vocabulary` maps value -> canonical value)
    "datetime",  # a date that keeps the time of day when the cell has one (values.py: parse_datetime)
]


#: The value types whose values are numbers (a float column, NaN when blank).
NUMBER_TYPES = ("number", "whole_number", "weeks")


@dataclass(frozen=True)
class Column:
    header: str  # canonical Chinese name, as in registers.md
    field: str  # English field name used by the engine
    type: ValueType = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: For "category": accepted values (normalised) -> canonical value. Blank keeps `default`.
    #: For "yesno": more words (value -> True/False) on top of the general 是/否 ones; they win.
    vocabulary: dict[str, object] = field(default_factory=dict)
    default: object = None
    #: Whether `default` also stands for a column a file lacks (常住: blank or absent = yes). False:
    #: only a blank or unknown cell takes it, and a file without the column lacks the field — an
    #: indicator filtering on it is then not computable, instead of finding everyone at the default
    #: (停止治疗原因: unknown = other, but without the column no one is known to have completed).
    default_when_absent: bool = True
    #: Plausible range for numbers; a value outside is `implausible-value` and treated as missing.
    plausible: tuple[float, float] | None = None
    #: Header variants that match this column with a lower priority (e.g. 收缩压L after 收缩压R).
    low_priority_aliases: tuple[str, ...] = ()
    #: For "category": keep an unknown value as written (True) or replace it by `default` (False).
    keep_unknown: bool = False
    #: Header variants that match this column only when no header of a better priority is present
    #: (临床确诊时间 for 纳入管理日期); unlike `low_priority_aliases` they never fill rows of the
    #: chosen column.
    aliases_when_absent: tuple[str, ...] = ()
    #: The national form's numbered options: number (as text) -> the vocabulary word it stands for
    #: (随访方式 1 门诊, 2 家庭, 3 电话), or None for a code that means "not stated" (性别 0, 9: blank,
    #: no warning). `1`, `1门诊`, `1.门诊`, `（1）门诊` are all read; a label, when there is one,
    #: decides (real-exports.md "Form codes").
    codes: dict[str, str | None] = field(default_factory=dict)
    #: For "yesno": the column's own words (签约, 签): the word alone or after 已 is yes, after 未,
    #: 不, 无 or 没 is no (real-exports.md "Yes/no columns").
    own_words: tuple[str, ...] = ()
    #: For "yesno": a column systems fill with what was done (健康指导: 建议复查): any content is yes
    #: except the no words and values starting with 未, 无 or 不.
    content_filled: bool = False
    #: Values that mean an empty cell in this column (a database's NULL, `0000-00-00`, `.`): read as
    #: blank, with no problem. Compared as vocabulary words are (case, width and white space aside).
    blank_words: tuple[str, ...] = ()
    #: For "blood_pressure": the two number fields one 血压 cell (135/85) fills.
    fills: tuple[str, ...] = ()
    #: (lookup table, field): the value's codes from that table are stored in the field (疫苗名称 -> series).
    lookup: tuple[str, str] | None = None
    #: For a required column: a sheet without it is not this kind, but a row with a blank cell is kept
    #: and means something (分娩日期: not yet delivered; 卡片编号: a record of its own).
    blank_allowed: bool = False

    @property
    def numeric(self) -> bool:
        """Whether the column's values are numbers (float, NaN when blank)."""
        return self.type in NUMBER_TYPES

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
    #: A roster that gives persons their station, team and phone when the indicator's own roster has
    #: none: the date field whose latest row wins (residents: 建档日期).
    contact_source: str | None = None
    #: field -> the parsed values of the rows preferred by contact_source's pick (kind_files.KindSpec)
    contact_prefer: tuple[tuple[str, tuple], ...] = ()
    #: The date fields on which the centre saw the person: a gap list's 最近一次联系 is the latest of
    #: them (empty: the date the indicator's requirement reads on this register).
    contact_dates: tuple[str, ...] = ()
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

    def source_column(self, field_name: str) -> Column:
        """The column a field is read from: its own, or the one whose lookup fills it (series: 疫苗名称)."""
        for column in self.columns:
            if column.field == field_name or (column.lookup is not None and column.lookup[1] == field_name):
                return column
        raise KeyError(field_name)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    @property
    def derived_fields(self) -> tuple[str, ...]:
        """Fields the reader adds from a lookup table (vaccinations: series)."""
        return tuple(c.lookup[1] for c in self.columns if c.lookup is not None)

    def looked_up(self, present) -> set[str]:
        """The lookup fields a sheet with the fields `present` provides: a field made from a column
        through a lookup table is there exactly when that column is (no 疫苗名称, no series)."""
        return {c.lookup[1] for c in self.columns if c.lookup is not None and c.field in present}

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

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code the table gives, once each, in file order (what `has` may test)."""
        return tuple(dict.fromkeys(code for codes, _ in self.entries for code in codes))

    def codes_of(self, value: str) -> tuple[str, ...] | None:
        """The codes of the longest known name the value contains (() for a known name that counts
        toward none, such as a vaccine outside the series); None when no known name is in it."""
        normalised = normalise_value_text(value)
        for known, codes in self.known:
            if known in normalised:
                return codes
        return None


#: Bracket pairs whose text a header drops (after NFKC: （）［］｛｝＜＞ are () [] {} <> by then).
_BRACKETS = ("()", "[]", "【】", "〔〕", "{}", "<>", "〈〉", "《》", "〖〗")
_BRACKETED_TEXT = re.compile("|".join(f"{re.escape(o)}[^{re.escape(o + c)}]*{re.escape(c)}" for o, c in _BRACKETS))
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def _normalise_header_text(text: str) -> str:
    value = unicodedata.normalize("NFKC", CONTROL_CHARACTERS.sub("", text))
    value = _SPACES.sub("", value)
    previous = None
    while previous != value and value:
        previous = value
        stripped = _BRACKETED_TEXT.sub("", value)
        value = stripped if stripped else value
    value = value.strip("*:：")
    return value.casefold()


def normalise_header(text: object) -> str:
    """Full-width to half-width, all white space removed, bracketed text anywhere dropped (a unit,
    a note, the codes an export lists), a leading `*` (a required-field mark) dropped.

    `收缩压（mmHg）` -> `收缩压`, `空 腹 血 糖\\n(mmol/L)` -> `空腹血糖`, `HbA1c` -> `hba1c`,
    `常住类型（1：户籍 2：非户籍）` -> `常住类型`, `*身份证号` -> `身份证号`.
    """
    if text is None:
        return ""
    return _normalise_header_text(str(text))


def normalise_value_text(text: str) -> str:
    """Normalise a vocabulary value for matching: NFKC, no white space, case-folded, 其它 = 其他."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", CONTROL_CHARACTERS.sub("", text))).casefold().replace("其它", "其他")


#: Starts of a value that says "not done" in a content-filled yes/no column (未指导, 无, 不详).
CONTENT_NO_PREFIXES = ("未", "无", "不")
#: Before a column's own word: done (已签约) or not (未签约, 不签约, 无签约, 没签约).
OWN_WORD_YES_PREFIXES = ("", "已")
OWN_WORD_NO_PREFIXES = ("未", "不", "无", "没")
#: registers.md: in every vocabulary a listed value preceded by 已 means that value (已死亡 = 死亡).
ALREADY = "已"


def completeness_message(header: str) -> str:
    """The one wording of `completeness-unchecked`, shared by the reader and the engine."""
    return f"该表没有「{header}」列，无法检查记录是否完整，该表的记录在这一项按完整计"
