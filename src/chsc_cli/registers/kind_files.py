"""The register-kind files: strict models of what a kind file (and the shared files) may hold.

A kind file (`register_kinds/residents.yaml`) states one register kind; files whose names start
with `_` hold what kinds share: `_shared.yaml` (columns, referred to by `use:`), `_value_sets.yaml`
(vocabularies, referred to by `sets:`) and `_lookups.yaml` (value -> codes tables, `lookup:`).
Unknown keys are refused, so a misspelt key is a `file:line` error rather than silently ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from .columns import ValueType  # one list of value types: the model's

FIELD_PATTERN = r"^[a-z][a-z0-9_]*$"

#: The canonical words of a yes/no column's own vocabulary (是 = True, 否 = False).
YES_WORD, NO_WORD = "是", "否"


def _text_words(values: list, where: str) -> list[str]:
    for value in values:
        if not isinstance(value, str):
            # YAML read the word as yes/no or as nothing: say it as written (yes, true, on; null, NULL, ~)
            if isinstance(value, bool):
                written = "yes" if value else "no"
                shown = f"{written}（或 {'true、on' if value else 'false、off'}）"
            elif value is None:
                written, shown = "null", "null（或 NULL、~、空）"
            else:
                written = shown = value
            raise ValueError(
                f"{where}中的「{shown}」不是文字：YAML 会把 yes/no/true/false/on/off、null 和数字读成别的东西，请加引号〔{written}〕"
            )
    return values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VocabularySpec(Strict):
    """Accepted values: inline (`values`) and/or shared value sets (`sets`), in that order."""

    values: dict[str, list[str]] | list[str] = Field(default_factory=list)
    sets: list[str] = Field(default_factory=list)

    @field_validator("values", mode="before")
    @classmethod
    def _words(cls, value):
        if isinstance(value, dict):
            for canonical, synonyms in value.items():
                if not isinstance(synonyms, list):
                    raise ValueError(f"「{canonical}」的同义词应写成列表，如 [在管, 继续随访]")
                _text_words(synonyms, f"「{canonical}」的同义词")
        elif isinstance(value, list):
            _text_words(value, "values ")
        return value


class LookupSpec(Strict):
    table: str
    into: str = Field(pattern=FIELD_PATTERN)


class ColumnSpec(Strict):
    """One column of a kind; with `use:` the shared column of that name, any key given overriding it."""

    use: str | None = None
    header: str | None = None
    field: str | None = Field(default=None, pattern=FIELD_PATTERN)
    type: ValueType | None = None
    aliases: list[str] | None = None
    low_priority_aliases: list[str] | None = None
    required: bool | None = None
    vocabulary: VocabularySpec | None = None
    default: str | None = None
    default_when_absent: bool | None = None
    keep_unknown: bool | None = None
    plausible: tuple[float, float] | None = None
    fills: list[str] | None = None
    lookup: LookupSpec | None = None
    aliases_when_absent: list[str] | None = None
    codes: dict[str, str | None] | None = None
    own_words: list[str] | None = None
    content_filled: bool | None = None
    blank_words: list[str] | None = None
    blank_allowed: bool | None = None

    @field_validator("aliases", "low_priority_aliases", "aliases_when_absent", "own_words", "blank_words", mode="before")
    @classmethod
    def _alias_words(cls, value, info):
        label = {"own_words": "本列的词", "blank_words": "blank_words（视为空白的值）"}.get(info.field_name, "别名")
        return _text_words(value, label) if isinstance(value, list) else value

    @field_validator("default", mode="before")
    @classmethod
    def _default_word(cls, value):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"default「{value}」不是文字：请写成词（如 是、active），并加引号")
        return value

    @field_validator("plausible")
    @classmethod
    def _range(cls, value):
        if value is not None and value[0] > value[1]:
            raise ValueError(f"合理范围 [{value[0]:g}, {value[1]:g}] 的下限大于上限")
        return value


class KeySpec(Strict):
    """What one unit of the register is: a person (身份证号, a child's code) or a record (卡片编号)."""

    field: str
    unit: Literal["person", "record"] = "person"


class ConditionSpec(Strict):
    """A column the sheet has (matched by this kind's aliases); with `values`, one of its cells
    (read through the column's vocabulary) must be one of them."""

    column: str
    values: list[str] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _value_words(cls, value):
        return _text_words(value, "values ") if isinstance(value, list) else value


class RankedRule(Strict):
    rank: int
    when: list[ConditionSpec] = Field(default_factory=list)


class ClassifySpec(Strict):
    #: Words in the file name, sheet name or title rows that point to this kind (the tie-break).
    words: list[str] = Field(default_factory=list)
    #: The disease the kind belongs to, with the words that name it.
    disease: DiseaseSpec | None = None
    #: Kinds of one shape (the chronic-disease rosters) differ only by their disease.
    shape: str | None = None
    #: With no disease word: `ambiguous` (the shape cannot be told apart), or the first kind by
    #: rank whose condition holds (no `when`: always).
    without_disease_word: Literal["ambiguous"] | RankedRule | None = None
    #: Columns that only this kind knows: a sheet that has all of them is this kind, before any
    #: counting (the kind settled by the most such columns wins).
    settled_by: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape_rule_needs_shape(self):
        if self.without_disease_word is not None and (self.shape is None or self.disease is None):
            raise ValueError("without_disease_word 只用于有 disease 和 shape 的类型")
        return self


class DiseaseSpec(Strict):
    name: str = Field(pattern=FIELD_PATTERN)
    words: list[str] = Field(min_length=1)


ClassifySpec.model_rebuild()


class KindSpec(Strict):
    name: str = Field(pattern=FIELD_PATTERN)
    title: str
    order: int = 1000
    roster: bool = False
    key: KeySpec | None = None
    classify: ClassifySpec = Field(default_factory=ClassifySpec)
    #: Yes/no columns that make a row complete; a sheet without one is `completeness-unchecked`.
    completeness: list[str] = Field(default_factory=list)
    #: A roster whose rows give persons their station, team and phone when the indicator's own roster
    #: has none (registers.md): the date field whose latest row wins.
    contact_source: str | None = None
    #: Which of a person's rows of that roster give the station, team and phone before the others:
    #: field -> the values preferred (档案状态: [active], 常住: [是]) — a record closed as 重复建档 or a
    #: 流动 row does not place a resident, however late its 建档日期. A person without such a row
    #: takes the latest of all.
    contact_prefer: dict[str, list[str]] = Field(default_factory=dict)
    #: The date columns on which the centre saw the person (a delivery's 建册日期, 分娩日期, 产后访视
    #: 日期, 产后42天检查日期): a gap list's 最近一次联系 is the latest of them. Empty: the date the
    #: indicator's requirement reads.
    contact_dates: list[str] = Field(default_factory=list)
    columns: list[ColumnSpec] = Field(min_length=1)


class SharedFile(Strict):
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)


class LookupEntry(Strict):
    #: The codes the names count toward; [] for names that are known but count toward none (a vaccine
    #: outside the series: no unknown-value warning).
    codes: list[str]
    names: list[str] = Field(min_length=1)

    @field_validator("codes", "names", mode="before")
    @classmethod
    def _entry_words(cls, value):
        return _text_words(value, "") if isinstance(value, list) else value


#: The problem codes a lookup table may report an unknown value with (cli.md: both warnings, "outside
#: the column's vocabulary"); another code would be one chsc gives no level and no meaning.
LOOKUP_UNKNOWN_CODES = ("unknown-value", "unknown-vaccine")


class UnknownSpec(Strict):
    code: str = Field(pattern=r"^[a-z][a-z-]*$")
    message: str

    @field_validator("code")
    @classmethod
    def _known_code(cls, value):
        if value not in LOOKUP_UNKNOWN_CODES:
            raise ValueError(f"unknown.code 只能是 {' 或 '.join(LOOKUP_UNKNOWN_CODES)}（值不在表中时按警告报告的问题代码），"
                             f"而不是「{value}」〔{value}〕")
        return value


class LookupTableSpec(Strict):
    title: str
    unknown: UnknownSpec
    entries: list[LookupEntry] = Field(min_length=1)


#: `_lookups.yaml`: table name -> table.
LookupsFile = RootModel[dict[str, LookupTableSpec]]

#: `_value_sets.yaml`: set name -> words (their own canonical values) or canonical value -> synonyms.
ValueSetsFile = RootModel[dict[str, list[str] | dict[str, list[str]]]]
